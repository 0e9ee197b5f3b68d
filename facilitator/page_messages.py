"""Babel extractor for the pages: the strings their markup marks for translation.

An element with `data-i18n` is one message: its text, spaces collapsed, exactly as
client/js/i18n.js reads it in the browser. `data-i18n-attrs` names attributes (say
`placeholder aria-label`) that hold one message each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import IO, Any

_SPACES = re.compile(r"\s+")


def normalised(text: str) -> str:
    """Return text as a message id: runs of spaces made one, no space at either end."""
    return _SPACES.sub(" ", text).strip()


class _Marked(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        # Open elements: (tag, collecting text for a message, its line, its text so far).
        self._open: list[tuple[str, bool, int, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        line = self.getpos()[0]
        for name in (names.get("data-i18n-attrs") or "").split():
            value = names.get(name)
            if value and normalised(value):
                self.found.append((line, normalised(value)))
        if tag in VOID:
            return
        self._open.append((tag, "data-i18n" in names, line, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name in (names.get("data-i18n-attrs") or "").split():
            value = names.get(name)
            if value and normalised(value):
                self.found.append((self.getpos()[0], normalised(value)))

    def handle_data(self, data: str) -> None:
        for _, collecting, _, parts in self._open:
            if collecting:
                parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, collecting, line, parts = self._open.pop()
            if collecting and normalised("".join(parts)):
                self.found.append((line, normalised("".join(parts))))
            if open_tag == tag:
                break


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def extract_html(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (line, function, message, comments) for each marked string, as Babel asks."""
    parser = _Marked()
    parser.feed(fileobj.read().decode("utf-8"))
    parser.close()
    for line, message in sorted(parser.found):
        yield line, None, message, []
