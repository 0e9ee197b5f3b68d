"""Refusals as message templates: found by extraction, English unchanged, and said in the
reader's language from the `server` catalog domain; and the CLI in the environment's."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from marshmallow import ValidationError

from facilitator import message_sources
from facilitator.catalogs import Catalogs
from facilitator.cli import main
from facilitator.core.errors import DomainError
from facilitator.core.guards import nonempty, not_running
from facilitator.core.messages import N_, Listing
from facilitator.core.state import SessionPhase
from facilitator.errors import Refused, error_body
from tests.factories import new_session

SKIPPED = "Skipping f-string"


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


def _extraction_warnings(domain: str) -> tuple[list[str], set[str]]:
    """Extract `domain` as `make messages` does; return its warnings and message ids."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        template = message_sources.extract(domain)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    return [line for line in stderr.getvalue().splitlines() if SKIPPED in line], ids


def test_no_refusal_is_an_f_string_that_extraction_skips() -> None:
    warnings, ids = _extraction_warnings("server")
    assert warnings == []
    # The templates themselves are in the catalog, and the phrases said inside them.
    for template in (
        "This protocol has no poll {poll}.",  # DomainError
        "There is no account named {name}.",  # Refused
        "Start the session first, then {doing}.",
        "open a poll",  # a phrase marked with N_
        "{what} cannot be empty.",
        "a pseudonym",
        "The answer must be a whole number from {min} to {max}.",  # _invalid
        "Added facilitator {name}.",  # the CLI
    ):
        assert template in ids, template


def test_the_warning_check_sees_an_f_string_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above must be able to fail: an f-string refusal is reported.
    source = tmp_path / "refusing.py"
    source.write_text('raise DomainError(f"No poll {ref!r}.", "not_found")\n', encoding="utf-8")
    monkeypatch.setattr(message_sources, "ROOT", tmp_path)
    sources = (message_sources.Source("refusing.py", "python", message_sources.PY_KEYWORDS),)
    monkeypatch.setitem(message_sources.SOURCES, "server", sources)
    warnings, ids = _extraction_warnings("server")
    assert len(warnings) == 1 and "refusing.py:1" in warnings[0]
    assert ids == set()


def test_a_refusal_keeps_its_template_and_params_and_its_english() -> None:
    error = DomainError("This protocol has no poll {poll}.", "not_found", poll=repr("mood"))
    assert (error.template, error.params) == (
        "This protocol has no poll {poll}.",
        {"poll": "'mood'"},
    )
    assert error.message == str(error) == "This protocol has no poll 'mood'."
    refused = Refused("not_found", "There is no account named {name}.", name="'bo'")
    assert refused.message == str(refused) == "There is no account named 'bo'."
    assert refused.code == "not_found"


def test_error_body_says_the_template_and_its_phrases_in_the_language(
    catalogs: Catalogs,
) -> None:
    state = new_session()
    assert state.phase is SessionPhase.LOBBY
    lobby = not_running(state, N_("open a poll"))
    assert lobby.message == "Start the session first, then open a poll."
    said = error_body(lobby, "fr", catalogs)["error"]
    assert said == {
        "code": "illegal_state",
        "message": "Commence d\u2019abord la séance ; ensuite tu pourras ouvrir un sondage.",
    }
    # A phrase that starts the sentence is capitalised in its language.
    with pytest.raises(DomainError) as empty:
        nonempty("  ", N_("a pseudonym"))
    assert empty.value.message == "A pseudonym cannot be empty."
    spanish = error_body(empty.value, "es", catalogs)["error"]["message"]
    assert spanish == "Un seudónimo no puede quedar en blanco."
    # Names listed in a sentence are listed as the language lists them.
    listed = DomainError("Choose who plays {roles}.", "invalid", roles=Listing(["Ana", "Bo", "Cy"]))
    assert listed.message == "Choose who plays Ana, Bo and Cy."
    assert (
        error_body(listed, "es", catalogs)["error"]["message"]
        == "Elige quién hace de Ana, Bo y Cy."
    )
    # A language not shipped, or no catalogs at all: English.
    assert error_body(listed, "de", catalogs)["error"]["message"] == listed.message
    assert error_body(listed, "es")["error"]["message"] == listed.message


def test_marshmallows_own_messages_are_said_in_the_language(catalogs: Catalogs) -> None:
    error = ValidationError({"code": ["Missing data for required field."], "x": ["Odd."]})
    assert error_body(error, "fr", catalogs)["error"] == {
        "code": "invalid",
        "message": "code: Une donnée obligatoire manque.; x: Odd.",
    }
    assert error_body(error)["error"]["message"] == (
        "code: Missing data for required field.; x: Odd."
    )


def _cli(data_dir: Path, *args: str, lang: str | None) -> str:
    env: dict[str, str | None] = {
        "FACILITATOR_DATA_DIR": str(data_dir),
        "FACILITATOR_REDIS_URL": "",
        # LANG decides only when LC_ALL and LC_MESSAGES are unset, as for gettext.
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "LANG": lang,
    }
    result = CliRunner().invoke(main, list(args), env=env)
    return result.output


def test_the_cli_speaks_the_language_of_the_environment(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _cli(data, "users", "remove", "nobody", lang="fr_FR.UTF-8") == (
        "Error: Il n\u2019y a aucun compte nommé 'nobody'.\n"
    )
    assert _cli(data, "users", "remove", "nobody", lang="es_ES.UTF-8") == (
        "Error: No hay ninguna cuenta llamada 'nobody'.\n"
    )
    for lang in (None, "C.UTF-8", "de_DE.UTF-8"):
        assert _cli(data, "users", "remove", "nobody", lang=lang) == (
            "Error: There is no account named 'nobody'.\n"
        )
    added = _cli(data, "users", "add", "amina", "--password", "long enough password", lang="es")
    assert added == "Se añadió al facilitador 'amina'.\n"
    assert _cli(data, "sessions", "list", lang="fr_CA.UTF-8") == "0 séance(s)\n"


def test_the_clis_help_speaks_the_language_of_the_environment(tmp_path: Path) -> None:
    def shown(lang: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
        env.update(LANG=lang, FACILITATOR_DATA_DIR=str(tmp_path))
        done = subprocess.run(
            [sys.executable, "-m", "facilitator", "users", "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    assert "Gère les comptes d\u2019animation des installations partagées." in shown("fr_FR.UTF-8")
    assert "Da una contraseña nueva a una cuenta." in shown("es_ES.UTF-8")
    assert "Manage facilitator accounts for shared deployments." in shown("C.UTF-8")
