"""The language of a printed document: its words from the `documents` catalog, its
dates and times in the reader's style (Babel, CLDR) and in the configured time zone.

The summaries' templates mark their words with `{% trans %}` and `_("... {name}",
name=value)`; the Python that feeds them marks labels with `D_` and `Dn_`
(core/wording.py). One `DocumentWords` translates both when the document is rendered.

Dates: English documents keep the unambiguous ISO forms they always had (2023-11-14,
22:15), which records and tests rely on; every other language writes CLDR's medium
date and short time for its locale ("14 nov 2023", "22:15").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from markupsafe import Markup, escape

from facilitator.catalogs import PSEUDO, Catalogs, direction, fill, shipped
from facilitator.core.wording import Plural
from facilitator.languages import DEFAULT_LANGUAGE

DOMAIN = "documents"


@dataclass(frozen=True)
class DocumentWords:
    """Translate a document's words and write its times, in one language and zone."""

    language: str = DEFAULT_LANGUAGE
    catalogs: Catalogs = field(default_factory=shipped)
    tz: tzinfo | None = None

    # -- words ---------------------------------------------------------------------------

    def __call__(self, text: str | Plural, /, **params: Any) -> str:
        """Return a marked message translated, its {placeholders} filled from `params`."""
        if isinstance(text, Plural):
            found = self.catalogs.ngettext(
                self.language, DOMAIN, text.singular, text.plural, text.count
            )
            return fill(found, {"count": text.count, **params})
        return fill(self.catalogs.gettext(self.language, DOMAIN, text), params)

    def markup(self, text: str | Plural, /, **params: Any) -> Markup:
        """Return a message as safe HTML: the words escaped, each value escaped unless it is
        already markup (a name in its own element), so a sentence may hold an element."""
        found = (
            self.catalogs.ngettext(self.language, DOMAIN, text.singular, text.plural, text.count)
            if isinstance(text, Plural)
            else self.catalogs.gettext(self.language, DOMAIN, text)
        )
        if isinstance(text, Plural):
            params = {"count": text.count, **params}
        return Markup(fill(str(escape(found)), {k: escape(v) for k, v in params.items()}))  # noqa: S704 - every part escaped above

    def template_functions(self) -> dict[str, Any]:
        """Return the callables a template's `{% trans %}` and `_()` use."""

        def gettext(message: str, /, **params: Any) -> Markup:
            return self.markup(message, **params)

        def ngettext(singular: str, plural: str, count: int, /, **params: Any) -> Markup:
            return self.markup(Plural(singular, plural, count), **params)

        return {
            "gettext": gettext,
            "_": gettext,
            "ngettext": ngettext,
            "words": self,
            "language": self.language,
            "direction": direction(self.language),
        }

    # -- times ---------------------------------------------------------------------------

    def local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at).astimezone(self.tz)

    @property
    def _iso(self) -> bool:
        return self.language == DEFAULT_LANGUAGE or self.language in PSEUDO

    @property
    def locale(self) -> Locale:
        return Locale("en") if self._iso else Locale.parse(self.language, sep="-")

    def date(self, at: float | None) -> str:
        """Return the day of `at` ("" for none)."""
        if at is None:
            return ""
        if self._iso:
            return self.local(at).strftime("%Y-%m-%d")
        return format_date(self.local(at), "medium", locale=self.locale)

    def clock(self, at: float | None) -> str:
        """Return the time of day of `at` ("" for none)."""
        if at is None:
            return ""
        if self._iso:
            return self.local(at).strftime("%H:%M")
        moment = self.local(at)
        return format_time(moment, "short", tzinfo=moment.tzinfo, locale=self.locale)

    def date_time(self, at: float | None) -> str:
        """Return the day and time of `at` ("" for none), joined as the locale joins them."""
        if at is None:
            return ""
        if self._iso:
            return self.local(at).strftime("%Y-%m-%d %H:%M")
        pattern = str(get_datetime_format("medium", locale=self.locale))
        return pattern.replace("'", "").replace("{1}", self.date(at)).replace("{0}", self.clock(at))

    def zone(self, at: float) -> str:
        """Return the time zone's short name at `at` ("UTC", "NZDT")."""
        return self.local(at).strftime("%Z")

    def labels(self, table: Mapping[Any, str]) -> dict[Any, str]:
        """Return a table of marked labels translated."""
        return {key: self(label) for key, label in table.items()}
