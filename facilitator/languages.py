"""Language tags as protocol, instrument and crisis files write them: es, fr, pt-BR.

A tag is BCP 47: a language, then optionally a script and a region (`sr-Latn-RS`,
`es-419`). Each part must be one that CLDR (through Babel) can name, so that a misspelt
tag (`sp`, `fr-FX`) is refused when a file loads instead of never matching a course.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from babel.core import parse_locale

#: The language of a protocol or instrument file that does not name its own.
DEFAULT_LANGUAGE = "en"


@cache
def _names() -> Locale:
    return Locale("en")


def language_tag(text: object) -> str:
    """Return the tag in its usual spelling (`pt-br` gives `pt-BR`), or raise ValueError."""
    if not isinstance(text, str) or not text:
        raise ValueError("must be a language tag such as es, fr or pt-BR")
    try:
        language, region, script, variant = parse_locale(text, sep="-")[:4]
    except ValueError:
        raise ValueError(f"{text!r} is not a language tag such as es, fr or pt-BR") from None
    names = _names()
    if language not in names.languages:
        raise ValueError(f"unknown language {text!r}; write a tag such as es, fr or pt-BR")
    if script is not None and script not in names.scripts:
        raise ValueError(f"unknown script {script!r} in {text!r}")
    if region is not None and region not in names.territories:
        raise ValueError(f"unknown region {region!r} in {text!r}")
    if variant is not None:
        raise ValueError(f"{text!r}: write only a language, a script and a region")
    return "-".join(part for part in (language, script, region) if part)


def broader(tag: str) -> tuple[str, ...]:
    """Return the tag, then the tags it falls back to, most specific first.

    `sr-Latn-RS` gives `sr-Latn-RS`, `sr-Latn`, `sr`.
    """
    parts = tag.split("-")
    return tuple("-".join(parts[:end]) for end in range(len(parts), 0, -1))


def region_code(text: object) -> str:
    """Return a region code (ISO 3166 `MX`, or a UN M.49 area `419`) in upper case, or
    raise ValueError."""
    code = str(text).upper() if isinstance(text, str | int) else ""
    shaped = (len(code) == 2 and code.isalpha()) or (len(code) == 3 and code.isdigit())
    if not shaped or code not in _names().territories or code == "ZZ":
        raise ValueError(f"{text!r} is not a region code such as MX, FR or 419")
    return code


def own_name(tag: str) -> str:
    """Return a language's name in itself, as a picker lists it: `es` gives "Español".

    From CLDR through Babel, with its first letter in capitals: a picker's entries
    start a line, where CLDR's names in running text (español, français) would not.
    """
    name = Locale.parse(tag, sep="-").get_display_name() or tag
    return name[:1].upper() + name[1:]


def direction(tag: str) -> str:
    """Return the way a language's text runs: `ltr`, or `rtl` for Arabic, Hebrew and the like."""
    return str(Locale.parse(tag, sep="-").text_direction)
