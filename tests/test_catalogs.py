"""The message catalogs: complete in every shipped language, up to date with the pages
and modules they are extracted from, and served to each screen in the reader's language."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from facilitator import message_sources
from facilitator.app import close_app, create_app
from facilitator.catalogs import DOMAINS, LOCALES_DIR, Catalogs, accepted_languages, pseudo_text
from facilitator.config import Settings

SHIPPED = ("es", "fr")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app(Settings(data_dir=tmp_path, async_mode="threading", secret_key="k" * 40))
    yield app.test_client()
    close_app(app)


def entries(language: str, domain: str) -> list[Message]:
    with message_sources.po_path(language, domain).open("rb") as handle:
        return [m for m in read_po(handle, locale=language) if m.id]


@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_shipped_catalog_has_no_untranslated_or_fuzzy_entry(language: str, domain: str) -> None:
    missing = []
    for message in entries(language, domain):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert not missing, f"{language}/{domain}.po: untranslated or fuzzy: {missing}"


@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_every_placeholder(language: str, domain: str) -> None:
    for message in entries(language, domain):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(str(ids[-1])))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in map(str, strings):
            # A singular form may say "one" in words instead of its {count}.
            assert set(PLACEHOLDER.findall(string)) - wanted == set(), (message.id, string)
            assert wanted - {"{count}"} <= set(PLACEHOLDER.findall(string)), (message.id, string)


def test_catalogs_are_up_to_date_with_their_sources(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    changed = message_sources.update(copy)
    assert changed == [], f"run `make messages` and translate: {changed} are behind their sources"


def test_a_string_added_to_a_page_makes_the_catalogs_out_of_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    root = tmp_path / "checkout"
    shutil.copytree(
        message_sources.ROOT / "client",
        root / "client",
        ignore=shutil.ignore_patterns("node_modules"),
    )
    shutil.copytree(
        message_sources.ROOT / "facilitator",
        root / "facilitator",
        ignore=shutil.ignore_patterns("locales", "__pycache__"),
    )
    page = root / "client" / "display.html"
    page.write_text(page.read_text().replace("</main>", "<p data-i18n>A new line</p></main>", 1))
    monkeypatch.setattr(message_sources, "ROOT", root)
    changed = message_sources.update(copy)
    assert "es/LC_MESSAGES/display.po" in changed
    assert "A new line" in (copy / "display.pot").read_text()


def test_accept_language_is_read_in_order_of_quality() -> None:
    assert accepted_languages("fr;q=0.5, es-MX, de;q=0, en;q=0.8") == ["es-MX", "en", "fr"]
    assert accepted_languages(None) == []


def test_the_best_language_falls_back_to_a_broader_one_then_english() -> None:
    catalogs = Catalogs()
    assert catalogs.best(["es-MX"]) == "es"
    assert catalogs.best(["de", "fr-CA"]) == "fr"
    assert catalogs.best(["de"]) == "en"
    assert catalogs.best(["fr"], offered=("en", "es")) == "en"
    assert catalogs.from_header("de-DE, fr;q=0.7") == "fr"


def test_plural_messages_reach_the_page_by_cldr_category() -> None:
    messages = Catalogs().screen("display", "es")["messages"]
    assert messages["{count} answer"] == {
        "one": "{count} respuesta",
        "many": "{count} de respuestas",
        "other": "{count} respuestas",
    }


def test_pseudo_languages_wrap_every_string_and_keep_placeholders() -> None:
    assert pseudo_text("Roles: {names}") == "⟦Röléš: {names}⟧"
    catalogs = Catalogs(pseudo=True)
    screen = catalogs.screen("display", "ar-XB")
    assert screen["dir"] == "rtl"
    assert all("⟦" in str(v) for v in screen["messages"].values())
    assert "en-XA" not in Catalogs().languages


def test_a_screens_catalog_is_served_in_the_first_language_shipped(client: FlaskClient) -> None:
    found = client.get("/assets/i18n/display.json?languages=de,es-AR").get_json()
    assert found["language"] == "es"
    assert found["messages"]["Welcome"] == "Bienvenida"
    assert {"tag": "fr", "name": "Français", "dir": "ltr"} in found["languages"]


def test_without_a_choice_accept_language_picks_the_catalog(client: FlaskClient) -> None:
    response = client.get(
        "/assets/i18n/display.json", headers={"Accept-Language": "fr-CH, en;q=0.5"}
    )
    assert response.get_json()["language"] == "fr"
    assert "Accept-Language" in response.headers["Vary"]
    english = client.get("/assets/i18n/display.json", headers={"Accept-Language": "de"}).get_json()
    assert english["language"] == "en" and english["messages"] == {}


def test_an_unknown_screen_has_no_catalog(client: FlaskClient) -> None:
    response = client.get("/assets/i18n/nothing.json")
    assert response.status_code == 404
