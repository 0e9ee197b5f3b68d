"""The stylesheet of the printed summaries, and its hashes for the Content-Security-Policy.

The summaries carry their styles inside them (a saved file looks the same and loads
nothing), while the policy allows no inline styles: it names each allowed one by its
hash. The stylesheet holds one message, the page number in the printed margin ("Page 2
of 5"), so each language has its own; the policy names every language's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib.resources import files

from markupsafe import Markup

from facilitator.catalogs import LOCALES_DIR, Catalogs
from facilitator.core.wording import D_
from facilitator.service.document_words import DocumentWords

#: The stylesheet's text, as written: a file of this package, never anything a person
#: typed, so it is inserted unescaped.
_TEXT = files("facilitator").joinpath("templates/summary.css").read_text("utf-8")
#: The page number's CSS in the file, which each language's replaces.
_ENGLISH_PAGE = '"Page " counter(page) " of " counter(pages)'
assert _ENGLISH_PAGE in _TEXT, "summary.css must number its pages as print_style.py says"
PAGE_NUMBER = D_("Page {page} of {pages}")
_COUNTERS = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
_PLACEHOLDER = re.compile(r"(\{pages?\})")


def _css_content(text: str) -> str:
    """Return a translated page number as a CSS `content` value: strings and counters."""
    values = []
    for part in _PLACEHOLDER.split(text):
        if part in _COUNTERS:
            values.append(_COUNTERS[part])
        elif part:
            # A CSS string: quotes and backslashes escaped, no line breaks.
            quoted = part.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            values.append(f'"{quoted}"')
    return " ".join(values)


def print_style(words: DocumentWords) -> Markup:
    """Return the stylesheet in the document's language."""
    page = _css_content(words(PAGE_NUMBER))
    return Markup(_TEXT.replace(_ENGLISH_PAGE, page))  # noqa: S704 - the package's own file


def style_source(style: str) -> str:
    """Return the policy's source expression that allows exactly this inline style."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'"


@cache
def print_style_sources() -> str:
    """Return the policy's sources for the stylesheet in every language (and the
    pseudo-languages of the tests): one hash each, the same ones for every response."""
    catalogs = Catalogs(LOCALES_DIR, pseudo=True)
    styles = {print_style(DocumentWords(language, catalogs)) for language in catalogs.languages}
    return " ".join(sorted(style_source(style) for style in styles))
