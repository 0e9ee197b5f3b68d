"""Marks for the words of printed documents: summaries and the like.

`D_("Text")` and `Dn_("{count} thing", "{count} things", n)` mark English strings for the
`documents` catalog (message_sources.py extracts these two keywords) and hand them back
untranslated: the document's language is known only when it is rendered, where
service/document_words.py translates them. Pure: no catalog is read here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plural:
    """A message whose words depend on a count, translated when rendered."""

    singular: str
    plural: str
    count: int


def D_(text: str) -> str:  # noqa: N802 - the keyword extraction looks for
    """Mark `text` for the documents catalog; it is translated when rendered."""
    return text


def Dn_(singular: str, plural: str, count: int) -> Plural:  # noqa: N802 - as D_
    """Mark a plural message for the documents catalog, with the count it is for."""
    return Plural(singular, plural, count)
