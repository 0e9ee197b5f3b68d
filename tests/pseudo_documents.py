"""Finding words in a printed document (a summary) that did not come from a catalog.

The server-side twin of tests/browser/pseudo.py: rendered in a pseudo-language, every
translated string is wrapped in ⟦ ⟧, so a letter outside those brackets is an interface
word that skipped the catalog, unless it sits in what the document marks as content
(`data-content`: names, protocol and instrument texts, what people wrote).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_LETTER = re.compile(r"[^\W\d_]")
_WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Elements with no end tag: they hold no text and are never on the stack.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_SKIPPED = {"style", "script"}
_READ_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")


def unwrapped_text(text: str) -> bool:
    """Return whether `text` has a letter outside every ⟦ ⟧ pair."""
    rest = _BIDI.sub("", text)
    before = None
    while before != rest:
        before, rest = rest, _WRAPPED.sub("", rest)
    return bool(_LETTER.search(rest))


class _Document(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Open elements: (tag, exempt, own text with one space for each child element).
        self._open: list[tuple[str, bool, list[str]]] = []
        self.found: list[str] = []

    def _exempt(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        exempt = self._exempt() or "data-content" in names or tag in _SKIPPED
        if not exempt:
            for name in _READ_ATTRIBUTES:
                value = names.get(name)
                if value and unwrapped_text(value):
                    self.found.append(f"{tag}[{name}]: {value}")
        if self._open:
            self._open[-1][2].append(" ")
        if tag not in _VOID:
            self._open.append((tag, exempt, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, exempt, own = self._open.pop()
            text = "".join(own)
            if not exempt and unwrapped_text(text):
                self.found.append(f"{open_tag}: {' '.join(text.split())}")
            if open_tag == tag:
                break


def unwrapped(html: str) -> list[str]:
    """Return each string of a rendered document that no catalog translated."""
    document = _Document()
    document.feed(html)
    document.close()
    return document.found


def assert_translated(html: str, what: str) -> None:
    """Every word `html` shows came from a catalog (or is marked as content)."""
    found = unwrapped(html)
    assert not found, f"{what}: not from a catalog:\n" + "\n".join(found)
