"""The interface's message catalogs: gettext .po files, one per language and domain.

English is written in the code and the pages themselves (each string is its own message
id), so English needs no file. Every other language has a folder
`facilitator/locales/<tag>/LC_MESSAGES/` with one file per domain (message_sources.py
says which strings each domain holds). A wheel carries them compiled (.mo, written by
setup.py); a checkout is compiled here, in memory, when the app starts.

Two pseudo-languages, for tests and for anyone checking a page before it is translated,
are made from the English templates when `pseudo` is on: `en-XA` wraps every string in
⟦ ⟧ with accented letters, and `ar-XB` does the same right to left. A string on a page
that is not wrapped did not come from a catalog.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from facilitator.languages import DEFAULT_LANGUAGE, broader

#: Where the shipped catalogs are, in a checkout and in a wheel alike (package data).
LOCALES_DIR = Path(__file__).resolve().parent / "locales"

#: The domains each screen's JSON catalog joins: the modules every screen imports, then
#: the screen's own page and module.
SCREENS: dict[str, tuple[str, ...]] = {
    "participant": ("shared", "participant"),
    "console": ("shared", "console"),
    "display": ("shared", "display"),
    "home": ("shared", "home"),
    "course": ("shared", "course"),
    "login": ("shared", "login"),
}
#: Domains the server uses itself: refusals, the CLI and sign-in page; exports and summaries.
SERVER_DOMAINS = ("server", "documents")
DOMAINS = tuple(dict.fromkeys((*(d for ds in SCREENS.values() for d in ds), *SERVER_DOMAINS)))

PSEUDO_LTR = "en-XA"
PSEUDO_RTL = "ar-XB"
PSEUDO = (PSEUDO_LTR, PSEUDO_RTL)
_ACCENTED = str.maketrans("aceinousyACEINOUSY", "àçéîñöûšýÀÇÉÎÑÖÛŠÝ")
_PLACEHOLDER = re.compile(r"(\{[A-Za-z_][A-Za-z0-9_]*\})")

#: A message's translation: a string, or for a plural message one string per gettext form.
Translation = str | tuple[str, ...]


def pseudo_text(text: str, language: str = PSEUDO_LTR) -> str:
    """Return `text` as a pseudo-language shows it: wrapped, accented, placeholders kept."""
    parts = _PLACEHOLDER.split(text)
    accented = "".join(p if _PLACEHOLDER.fullmatch(p) else p.translate(_ACCENTED) for p in parts)
    if language == PSEUDO_RTL:
        # Right-to-left marks make the browser lay the Latin letters out as Arabic text.
        return f"\u202e⟦{accented}⟧\u202c"
    return f"⟦{accented}⟧"


@dataclass(frozen=True)
class Messages:
    """One language's messages in one domain."""

    language: str
    messages: Mapping[str, Translation]
    # The gettext form index for a count, from the file's Plural-Forms header.
    plural: Callable[[int], int] = field(default=lambda n: int(n != 1))

    def get(self, msgid: str) -> str | None:
        found = self.messages.get(msgid)
        if isinstance(found, tuple):
            return found[0] or None
        return found or None

    def get_plural(self, singular: str, count: int) -> str | None:
        found = self.messages.get(singular)
        if not isinstance(found, tuple):
            return None
        index = self.plural(count)
        return found[index] if 0 <= index < len(found) and found[index] else None


def _from_po_catalog(language: str, catalog: PoCatalog) -> Messages:
    messages: dict[str, Translation] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
        string = message.string
        messages[msgid] = tuple(string) if isinstance(string, tuple | list) else string or ""
    # Plural-Forms is a C expression; gettext's own parser turns it into a function safely.
    return Messages(language, messages, gettext.c2py(catalog.plural_expr))


def read_messages(path: Path, language: str) -> Messages:
    """Read one compiled (.mo) or source (.po) catalog file."""
    with path.open("rb") as handle:
        if path.suffix == ".mo":
            return _from_po_catalog(language, read_mo(handle))
        return _from_po_catalog(language, read_po(handle, locale=language.replace("-", "_")))


def _pseudo(language: str, template: Iterable[Any]) -> Messages:
    messages: dict[str, Translation] = {}
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            messages[message.id[0]] = tuple(pseudo_text(form, language) for form in message.id)
        else:
            messages[message.id] = pseudo_text(message.id, language)
    return Messages(language, messages)


class Catalogs:
    """Every language's messages, read once when the app starts."""

    def __init__(self, root: Path = LOCALES_DIR, *, pseudo: bool = False) -> None:
        self.root = root
        self._domains: dict[tuple[str, str], Messages] = {}
        languages = [DEFAULT_LANGUAGE]
        for folder in sorted(p for p in root.glob("*/LC_MESSAGES") if p.is_dir()):
            language = folder.parent.name.replace("_", "-")
            languages.append(language)
            for domain in DOMAINS:
                path = _compiled_or_source(folder, domain)
                if path is not None:
                    self._domains[language, domain] = read_messages(path, language)
        if pseudo:
            for language in PSEUDO:
                languages.append(language)
                for domain in DOMAINS:
                    template = root / f"{domain}.pot"
                    if template.is_file():
                        with template.open("rb") as handle:
                            self._domains[language, domain] = _pseudo(language, read_po(handle))
        self.languages: tuple[str, ...] = tuple(languages)

    # -- choosing a language -------------------------------------------------------------

    def best(self, wanted: Iterable[str], offered: Iterable[str] | None = None) -> str:
        """Return the first wanted language offered (`es-MX` is served by `es`), else English.

        `offered` narrows the catalogs' languages, e.g. to those a protocol has.
        """
        available = [lang for lang in self.languages if offered is None or lang in offered]
        by_lower = {lang.lower(): lang for lang in available}
        for tag in wanted:
            for candidate in broader(tag.strip()):
                if candidate.lower() in by_lower:
                    return by_lower[candidate.lower()]
        return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in available else (available or ["en"])[0]

    def from_header(self, header: str | None, offered: Iterable[str] | None = None) -> str:
        """Return the best language for an Accept-Language header."""
        return self.best(accepted_languages(header), offered)

    # -- translating ---------------------------------------------------------------------

    def gettext(self, language: str, domain: str, msgid: str) -> str:
        """Return `msgid` translated, or itself where the language has no translation."""
        messages = self._domains.get((language, domain))
        return (messages.get(msgid) if messages else None) or msgid

    def ngettext(self, language: str, domain: str, singular: str, plural: str, count: int) -> str:
        """Return the form of a plural message for `count`."""
        messages = self._domains.get((language, domain))
        found = messages.get_plural(singular, count) if messages else None
        if found is not None:
            return found
        if language in PSEUDO and messages is not None:
            forms = messages.messages.get(singular)
            if isinstance(forms, tuple):
                return forms[0 if count == 1 else -1]
        return singular if count == 1 else plural

    def translate(self, language: str, domain: str, msgid: str, **params: Any) -> str:
        """Return `msgid` translated with its {placeholders} filled in."""
        return fill(self.gettext(language, domain, msgid), params)

    # -- a screen's catalog, for its page ------------------------------------------------

    def screen(self, screen: str, language: str) -> dict[str, Any]:
        """Return the JSON a page reads: its language, direction and messages.

        A plural message is sent as one string per CLDR category (one, few, many, other),
        which the page chooses with Intl.PluralRules: no plural expression is evaluated
        in the page, which its Content-Security-Policy would refuse anyway.
        """
        messages: dict[str, Any] = {}
        for domain in SCREENS[screen]:
            found = self._domains.get((language, domain))
            if found is None:
                continue
            for msgid, translation in found.messages.items():
                if isinstance(translation, tuple):
                    messages[msgid] = _by_category(language, translation, found.plural)
                elif translation:
                    messages[msgid] = translation
        return {
            "language": language,
            "dir": direction(language),
            "messages": messages,
            "languages": [self.describe(lang) for lang in self.languages],
        }

    def describe(self, language: str) -> dict[str, str]:
        """Return a language's tag, its name in itself and its direction."""
        return {"tag": language, "name": own_name(language), "dir": direction(language)}


def fill(text: str, params: Mapping[str, Any]) -> str:
    """Put each {name} of `text` from `params`; unknown names stay as written."""
    if not params:
        return text
    return _PLACEHOLDER.sub(lambda m: str(params.get(m.group(1)[1:-1], m.group(1))), text)


def accepted_languages(header: str | None) -> list[str]:
    """Return an Accept-Language header's tags, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def _compiled_or_source(folder: Path, domain: str) -> Path | None:
    compiled, source = folder / f"{domain}.mo", folder / f"{domain}.po"
    if compiled.is_file() and (not source.is_file() or _newer(compiled, source)):
        return compiled
    return source if source.is_file() else None


def _newer(one: Path, other: Path) -> bool:
    return os.stat(one).st_mtime >= os.stat(other).st_mtime


@cache
def _locale(language: str) -> Locale:
    if language == PSEUDO_RTL:
        return Locale("ar")
    if language == PSEUDO_LTR:
        return Locale("en")
    return Locale.parse(language, sep="-")


def direction(language: str) -> str:
    """Return "rtl" for a language written right to left, else "ltr"."""
    return "rtl" if _locale(language).character_order == "right-to-left" else "ltr"


def own_name(language: str) -> str:
    """Return a language's name in itself, with a capital: "Español", "Français"."""
    if language in PSEUDO:
        return {"en-XA": "Pseudo-accents", "ar-XB": "Pseudo-bidi"}[language]
    name = _locale(language).get_display_name(_locale(language)) or language
    return name[:1].upper() + name[1:]


def _by_category(
    language: str, forms: tuple[str, ...], plural: Callable[[int], int]
) -> dict[str, str]:
    rule = _locale(language).plural_form
    if language in PSEUDO:
        return {"one": forms[0], "other": forms[-1]}
    found: dict[str, str] = {}
    # Sample counts until every CLDR category has met its gettext form.
    for count in (*range(0, 200), 1000, 10_000, 100_000, 1_000_000, 10_000_000):
        category = rule(count)
        if category not in found:
            index = plural(count)
            if 0 <= index < len(forms) and forms[index]:
                found[category] = forms[index]
    return found


@cache
def shipped() -> Catalogs:
    """The catalogs the app ships, for code with no app at hand (the CLI)."""
    return Catalogs(LOCALES_DIR)
