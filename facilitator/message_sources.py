"""Which strings each catalog domain holds, and the command that extracts them.

`make messages` (python -m facilitator.message_sources) reads every source file, writes
each domain's template (facilitator/locales/<domain>.pot) and brings each language's
.po file up to date: new strings are added untranslated, changed ones marked fuzzy,
gone ones dropped. A translator then fills in the .po files; a test fails while any
shipped entry is untranslated or fuzzy, or while a file is behind its sources.

How strings are marked, so that extraction finds them:
- pages (client/*.html): an element with `data-i18n` holds one message, its text; an
  element's `data-i18n-attrs="placeholder aria-label"` names attributes that hold one
  each (facilitator/page_messages.py);
- screen modules (client/js/*.js): `t("Text with {name}", {name})` and
  `tn("{count} answer", "{count} answers", count, {count})`, plain string literals;
- Python: `N_("...")` (marked, translated later) or `_("...")` / `ngettext(...)`;
  refusals, `DomainError("... {name} ...", code, name=...)` and `Refused(code, "...")`,
  are found by their own name: their message must be a plain literal, never an f-string;
  a printed document's words, `D_("...")` and `Dn_(...)`, go to `documents`; the CLI's
  commands' docstrings and options' `help=` are its --help (facilitator/cli_messages.py);
- templates (facilitator/templates/*.html): Jinja's `{% trans %}` and `_()`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from facilitator.catalogs import DOMAINS, LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent

JS_KEYWORDS = {"t": None, "tn": (1, 2), "parts": None}
PY_KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    # Refusals: the message is a template with {placeholders} (core/messages.py).
    "DomainError": (1,),
    "Refused": (2,),
    "_invalid": (1,),
}
JINJA_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
# The printed documents' words in Python say their domain by their marker (D_, Dn_).
DOCUMENT_KEYWORDS = {"D_": None, "Dn_": (1, 2)}


@dataclass(frozen=True)
class Source:
    """Files (a glob from the checkout's root) and how to read their strings."""

    pattern: str
    method: str
    keywords: Mapping[str, tuple[int, ...] | None]


def _screen(name: str) -> tuple[Source, ...]:
    return (
        Source(f"client/{name}.html", "facilitator.page_messages:extract_html", {}),
        Source(f"client/js/{name}.js", "javascript", JS_KEYWORDS),
    )


#: Each domain's sources; catalogs.SCREENS says which domains each page reads.
SOURCES: dict[str, tuple[Source, ...]] = {
    "shared": tuple(
        Source(f"client/js/{module}.js", "javascript", JS_KEYWORDS)
        for module in ("dom", "live", "results", "qr", "i18n", "view_patch")
    ),
    "participant": _screen("participant"),
    "console": _screen("console"),
    "display": _screen("display"),
    "home": _screen("home"),
    "course": _screen("course"),
    "login": (
        Source("client/js/login.js", "javascript", JS_KEYWORDS),
        Source("facilitator/templates/login.html", "jinja2", JINJA_KEYWORDS),
    ),
    "server": (
        Source("facilitator/errors.py", "python", PY_KEYWORDS),
        Source("facilitator/cli.py", "python", PY_KEYWORDS),
        # Its --help: the commands' docstrings and the options' help texts.
        Source("facilitator/cli.py", "facilitator.cli_messages:extract_cli", {}),
        Source("facilitator/core/*.py", "python", PY_KEYWORDS),
        Source("facilitator/service/*.py", "python", PY_KEYWORDS),
        Source("facilitator/transport/*.py", "python", PY_KEYWORDS),
        Source("facilitator/storage/*.py", "python", PY_KEYWORDS),
    ),
    "documents": (
        Source("facilitator/templates/summary.html", "jinja2", JINJA_KEYWORDS),
        Source("facilitator/templates/course_summary.html", "jinja2", JINJA_KEYWORDS),
        Source("facilitator/service/*.py", "python", DOCUMENT_KEYWORDS),
        Source("facilitator/core/*.py", "python", DOCUMENT_KEYWORDS),
    ),
}
assert set(SOURCES) == set(DOMAINS), "every catalog domain needs its sources"


def _files(source: Source) -> Iterator[Path]:
    yield from sorted(ROOT.glob(source.pattern))


def extract(domain: str) -> Catalog:
    """Return a template catalog of every string the domain's sources mark."""
    catalog = Catalog(domain=domain, project="Facilitator", charset="utf-8", fuzzy=False)
    for source in SOURCES[domain]:
        keywords = dict(source.keywords)
        for path in _files(source):
            options = {"jsx": "false", "parse_template_string": "true"}
            if source.method == "jinja2":
                options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
            for lineno, message, comments, context in extract_from_file(
                source.method,
                str(path),
                keywords=keywords,
                comment_tags=("Translators:",),
                options=options,
                strip_comment_tags=True,
            ):
                catalog.add(
                    message,
                    None,
                    [(str(path.relative_to(ROOT)), lineno)],
                    auto_comments=comments,
                    context=context,
                )
    return catalog


def po_path(language: str, domain: str, root: Path = LOCALES_DIR) -> Path:
    return root / language / "LC_MESSAGES" / f"{domain}.po"


def shipped_languages(root: Path = LOCALES_DIR) -> list[str]:
    """Return the languages with a folder of catalogs."""
    return sorted(p.parent.name for p in root.glob("*/LC_MESSAGES") if p.is_dir())


def update(root: Path = LOCALES_DIR) -> list[str]:
    """Write every domain's template and bring every language's file up to date."""
    changed: list[str] = []
    for domain in DOMAINS:
        template = extract(domain)
        _write(root / f"{domain}.pot", template)
        for language in shipped_languages(root):
            path = po_path(language, domain, root)
            if path.is_file():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=language, domain=domain)
            else:
                catalog = Catalog(
                    locale=language,
                    domain=domain,
                    project="Facilitator",
                    version="",
                    fuzzy=False,
                    last_translator="Facilitator project",
                    language_team=f"Facilitator {language}",
                )
            catalog.update(template, no_fuzzy_matching=False)
            catalog.obsolete.clear()
            if _write(path, catalog):
                changed.append(str(path.relative_to(root)))
    return changed


def _write(path: Path, catalog: Catalog) -> bool:
    buffer = BytesIO()
    write_po(
        buffer,
        catalog,
        width=100,
        sort_output=False,
        include_lineno=False,
        ignore_obsolete=True,
    )
    data = _without_dates(buffer.getvalue())
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _without_dates(data: bytes) -> bytes:
    # Creation and revision dates would change every file on every run: drop them, so
    # that a run with nothing new writes nothing.
    lines = data.split(b"\n")
    return b"\n".join(
        line
        for line in lines
        if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:', b"# Copyright"))
    )


def main() -> int:
    changed = update()
    for path in changed:
        print(f"updated {path}")
    if not changed:
        print("catalogs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
