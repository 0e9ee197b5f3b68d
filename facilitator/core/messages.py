"""How a refusal's words are kept so that the edge can say them in the reader's language.

A message is written in English as a template with {placeholders} and given its values
as keyword params: `DomainError("This protocol has no poll {poll}.", "not_found",
poll=ref)`. The exception keeps both, and its `.message` in English; the edge
(facilitator/errors.py) looks the template up in the reader's catalog and fills it.

A piece of a sentence that is itself interface text (what someone could not do:
"open a poll") is marked with `N_` where it is written, so that extraction finds it,
and it arrives as a `Phrase`, which the edge translates before putting it in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(text: str, params: Mapping[str, Any]) -> str:
    """Put each {name} of `text` from `params`; unknown names stay as written."""
    if not params:
        return text
    return PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), m.group(0))), text)


class Phrase(str):
    """A marked piece of interface text: English as a str, its message id kept."""

    msgid: str
    # Shown with a capital first letter: the phrase starts the sentence.
    capital: bool

    def __new__(cls, msgid: str, *, capital: bool = False) -> Phrase:
        phrase = super().__new__(cls, upper_first(msgid) if capital else msgid)
        phrase.msgid = msgid
        phrase.capital = capital
        return phrase


def N_(text: str) -> Phrase:  # noqa: N802 - the name gettext's tools know
    """Mark `text` for extraction; it is translated where it is shown."""
    return text if isinstance(text, Phrase) else Phrase(text)


def starting(text: str) -> Phrase:
    """Return `text` as the start of a sentence: capitalised, in any language."""
    return Phrase(text.msgid if isinstance(text, Phrase) else text, capital=True)


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


class Said:
    """A message's template and params, and its English."""

    template: str
    params: dict[str, Any]
    message: str

    def _say(self, template: str, params: dict[str, Any]) -> str:
        self.template = template
        self.params = params
        self.message = fill(template, params)
        return self.message


class Listing(str):
    """Names listed in a sentence ("A, B and C"): the edge lists them in its language."""

    items: tuple[str, ...]

    def __new__(cls, items: tuple[str, ...] | list[str]) -> Listing:
        names = tuple(items)
        english = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        listing = super().__new__(cls, english if names else "")
        listing.items = names
        return listing
