"""Crisis resources per language and region, from files an operator can edit."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask

from facilitator.app import close_app, create_app
from facilitator.config import Settings
from facilitator.locations import CRISIS_DIR
from facilitator.service.crisis import (
    DEFAULT_CRISIS,
    CrisisFileError,
    CrisisResources,
    crisis_resources,
    read_crisis_file,
)

SHIPPED = ("en", "es", "fr")

OPERATOR_ES = """\
title: Si estás en peligro
text: Llama a alguien ahora.
contacts:
  - {name: Emergencias, detail: Llama al número de emergencias.}
regions:
  MX:
    contacts:
      - {name: Línea de la Vida, detail: "800 911 2000"}
  "419":
    text: Texto para América Latina.
"""

OLD_CRISIS_FILE = """\
title: Help now
text: Call the clinic.
contacts:
  - {name: Clinic, detail: "0700 000 000"}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def operator_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "crisis"
    _write(folder, "es.yaml", OPERATOR_ES)
    return folder


@pytest.mark.parametrize("language", SHIPPED)
def test_the_shipped_file_of_each_language_loads_whole(language: str) -> None:
    shipped = read_crisis_file(CRISIS_DIR / f"{language}.yaml", language)
    assert set(shipped.fields) == {"title", "text", "contacts"}
    assert shipped.language == language


@pytest.mark.parametrize("language", SHIPPED)
def test_the_shipped_files_name_no_phone_number(language: str) -> None:
    text = (CRISIS_DIR / f"{language}.yaml").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert not re.search(r"\d", body), "a shipped crisis file must not name a number"
    assert "regions" not in yaml.safe_load(text)


def test_the_shipped_english_file_is_the_built_in_text() -> None:
    assert read_crisis_file(CRISIS_DIR / "en.yaml").fields == {
        **DEFAULT_CRISIS,
        "contacts": tuple(DEFAULT_CRISIS["contacts"]),
    }


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("es", "Si estás en peligro o piensas en hacerte daño"),
        ("fr", "Si tu es en danger ou si tu penses à te faire du mal"),
        ("es-MX", "Si estás en peligro o piensas en hacerte daño"),
        ("en", DEFAULT_CRISIS["title"]),
        (None, DEFAULT_CRISIS["title"]),
    ],
)
def test_a_course_gets_the_shipped_text_of_its_language(language: str | None, title: str) -> None:
    found = CrisisResources().for_course(language)
    assert found["title"] == title
    assert found["region"] is None


@pytest.mark.parametrize("language", ["sw", "de", "sp", "", "es_ES", "x" * 300])
def test_a_language_without_a_file_or_not_a_language_gets_english(language: str) -> None:
    found = CrisisResources().for_course(language, "KE")
    assert (found["language"], found["title"]) == ("en", DEFAULT_CRISIS["title"])


def test_the_operator_s_region_entry_comes_first(operator_dir: Path) -> None:
    found = CrisisResources(operator_dir).for_course("es", "MX")
    assert found == {
        "title": "Si estás en peligro",
        "text": "Llama a alguien ahora.",
        "contacts": [{"name": "Línea de la Vida", "detail": "800 911 2000"}],
        "language": "es",
        "region": "MX",
    }


def test_a_region_code_is_read_in_any_case(operator_dir: Path) -> None:
    assert CrisisResources(operator_dir).for_course("es", "mx")["region"] == "MX"


@pytest.mark.parametrize("region", ["PE", None, "Peru", "ZZ"])
def test_a_region_the_file_does_not_list_gets_the_file_s_own_text(
    operator_dir: Path, region: str | None
) -> None:
    found = CrisisResources(operator_dir).for_course("es", region)
    assert found["contacts"] == [
        {"name": "Emergencias", "detail": "Llama al número de emergencias."}
    ]
    assert found["region"] is None


def test_a_region_entry_changes_only_the_fields_it_gives(operator_dir: Path) -> None:
    found = CrisisResources(operator_dir).for_course("es", "419")
    assert found["text"] == "Texto para América Latina."
    assert found["title"] == "Si estás en peligro"


def test_a_language_the_operator_did_not_write_gets_the_shipped_file(operator_dir: Path) -> None:
    found = CrisisResources(operator_dir).for_course("fr", "MX")
    assert (found["language"], found["region"]) == ("fr", None)
    assert found["title"] == "Si tu es en danger ou si tu penses à te faire du mal"


def test_a_language_with_no_file_gets_the_operator_s_english_numbers_for_its_region(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "crisis"
    _write(
        folder,
        "en.yaml",
        "regions:\n  KE:\n    contacts: [{name: Befrienders Kenya, detail: Call them.}]\n",
    )
    found = CrisisResources(folder).for_course("sw", "KE")
    assert found["contacts"] == [{"name": "Befrienders Kenya", "detail": "Call them."}]
    assert (found["language"], found["region"]) == ("en", "KE")
    # Fields the operator's file leaves out are the shipped file's for its language.
    assert found["title"] == DEFAULT_CRISIS["title"]


def test_the_old_crisis_file_setting_is_shown_as_before(tmp_path: Path) -> None:
    path = _write(tmp_path, "crisis.yaml", OLD_CRISIS_FILE)
    expected = {
        "title": "Help now",
        "text": "Call the clinic.",
        "contacts": [{"name": "Clinic", "detail": "0700 000 000"}],
    }
    assert crisis_resources(path) == {**expected, "language": "en", "region": None}
    assert CrisisResources(file=path).for_course("en-GB") == {
        **expected,
        "language": "en",
        "region": None,
    }


def test_the_old_crisis_file_is_used_for_the_language_it_names(tmp_path: Path) -> None:
    english = CrisisResources(file=_write(tmp_path, "crisis.yaml", OLD_CRISIS_FILE))
    # It names no language, so it is English: a Spanish course gets the Spanish file.
    assert english.for_course("es")["language"] == "es"
    spanish = _write(tmp_path, "es.yaml", "language: es\n" + OLD_CRISIS_FILE)
    assert CrisisResources(file=spanish).for_course("es")["title"] == "Help now"


def test_the_crisis_directory_comes_before_the_single_file(
    operator_dir: Path, tmp_path: Path
) -> None:
    single = _write(tmp_path, "one.yaml", "language: es\n" + OLD_CRISIS_FILE)
    assert CrisisResources(operator_dir, single).for_course("es")["title"] == "Si estás en peligro"


def test_a_file_that_gives_only_contacts_keeps_the_shipped_title_and_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "crisis.yaml", "contacts: [{name: Clinic, detail: Call us.}]\n")
    found = crisis_resources(path)
    assert (found["title"], found["text"]) == (DEFAULT_CRISIS["title"], DEFAULT_CRISIS["text"])
    assert found["contacts"] == [{"name": "Clinic", "detail": "Call us."}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [a list]\n", "title: must be text"),
        ("contacts: []\n", "contacts: must list at least one contact"),
        ("contacts: [{name: Clinic}]\n", "contacts[0]: name and detail must be text"),
        ("contacts: [{name: A, detail: B, phone: C}]\n", "contacts[0]: must have a name"),
        ("regions: {Mexico: {text: Hola}}\n", "regions.Mexico: 'Mexico' is not a region code"),
        ("regions: {MX: {txt: Hola}}\n", "regions.MX.txt: unknown field"),
        ("language: sp\n", "language: unknown language 'sp'"),
        ("language: fr\n", "language: fr in a file named for es"),
        ("contact: []\n", "contact: unknown field"),
        ("- a list\n", "must be a YAML mapping"),
        ("title: [\n", "cannot read"),
    ],
)
def test_a_broken_crisis_file_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, "es.yaml", text)
    with pytest.raises(CrisisFileError) as caught:
        read_crisis_file(path, "es")
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_broken_operator_file_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "crisis"
    path = _write(folder, "es.yaml", "regions: {Mexico: {text: Hola}}\n")
    with caplog.at_level(logging.WARNING, logger="facilitator.service.crisis"):
        found = CrisisResources(folder).for_course("es", "MX")
    assert found["title"] == "Si estás en peligro o piensas en hacerte daño"
    assert [r.getMessage() for r in caplog.records] == [
        f"crisis file skipped: {path}: regions.Mexico: 'Mexico' is not a region code such as "
        "MX, FR or 419"
    ]


def test_an_edit_shows_at_the_next_request(operator_dir: Path) -> None:
    resources = CrisisResources(operator_dir)
    assert resources.for_course("es")["title"] == "Si estás en peligro"
    _write(operator_dir, "es.yaml", OPERATOR_ES.replace("Si estás en peligro", "Ayuda"))
    assert resources.for_course("es")["title"] == "Ayuda"


def test_the_crisis_directory_is_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"FACILITATOR_CRISIS_DIR": str(tmp_path)})
    assert settings.crisis_dir == tmp_path


@pytest.fixture
def app(tmp_path: Path, operator_dir: Path) -> Iterator[Flask]:
    settings = Settings(data_dir=tmp_path / "data", async_mode="threading", crisis_dir=operator_dir)
    app = create_app(settings)
    yield app
    close_app(app)


def test_the_page_gets_the_resources_for_the_language_and_region_it_names(app: Flask) -> None:
    client = app.test_client()
    found = client.get("/api/crisis?language=es&region=MX").get_json()
    assert found["ok"] is True
    assert found["contacts"] == [{"name": "Línea de la Vida", "detail": "800 911 2000"}]
    assert (found["language"], found["region"]) == ("es", "MX")
    default = client.get("/api/crisis").get_json()
    assert (default["title"], default["language"]) == (DEFAULT_CRISIS["title"], "en")
    odd = client.get("/api/crisis?language=%00&region=<b>")
    assert odd.status_code == 200 and odd.get_json()["language"] == "en"
