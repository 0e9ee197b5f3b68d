"""Refusals in the reader's language, through a live server and real clients: a phone's
acks in the language it connected with, HTTP refusals by Accept-Language, notices to a
session's screens, and the same code in every language."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from tests.live import Client, Facilitator, Server, join, refused_connect_error

# French puts a typographic apostrophe in its words.
APOSTROPHE = "\u2019"
CLOSED = {
    "en": "This poll is closed.",
    "es": "Esta encuesta está cerrada.",
    "fr": "Ce sondage est fermé.",
}


def _closed_poll_refusals(
    server: Server,
    facilitator: Facilitator,
    clients: list[Client],
    phones: dict[str, Callable[[str], Client]],
) -> dict[str, dict[str, Any]]:
    """Open a session, join `phones` (label -> unconnected client), close a poll before
    they answer it, and return each phone's refusal."""
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console").connect()
    clients.append(console)
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "mood10"})["ok"]
    opened = console.wait_for(lambda v: v["polls"] and v["polls"][-1]["phase"] == "open")
    poll_id = opened["polls"][-1]["poll_id"]
    assert console.call("close_poll", {"poll_id": poll_id})["ok"]
    refusals: dict[str, dict[str, Any]] = {}
    for label, make in phones.items():
        phone = make(join(server, links["join_code"])["token"])
        clients.append(phone.connect())
        payload = {"action_id": f"late-{time.monotonic_ns()}", "poll_id": poll_id, "value": 5}
        ack = phone.call("submit_answer", payload)
        assert ack["ok"] is False, ack
        refusals[label] = ack["error"]
    return refusals


def test_a_phone_is_refused_in_the_language_it_connected_with_and_the_same_code(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    url = server.url

    def phone(language: str | None) -> Any:
        return lambda token: Client(url, token, f"phone-{language}", language=language)

    refusals = _closed_poll_refusals(
        server,
        facilitator,
        clients,
        {
            "es": phone("es"),
            "fr": phone("fr-CA"),  # a region of a shipped language is served by it
            "none": phone(None),
            "unknown": phone("de"),
        },
    )
    assert refusals["es"] == {"code": "illegal_state", "message": CLOSED["es"]}
    assert refusals["fr"] == {"code": "illegal_state", "message": CLOSED["fr"]}
    # No language, or one not shipped: English, as before.
    assert refusals["none"] == {"code": "illegal_state", "message": CLOSED["en"]}
    assert refusals["unknown"] == {"code": "illegal_state", "message": CLOSED["en"]}


def test_without_auth_language_the_handshake_accept_language_chooses(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    url = server.url
    refusals = _closed_poll_refusals(
        server,
        facilitator,
        clients,
        {
            "header": lambda token: Client(
                url, token, "header", headers={"Accept-Language": "de, fr;q=0.8, en;q=0.5"}
            ),
            # The page's own choice, in auth, comes before the browser's.
            "both": lambda token: Client(
                url, token, "both", language="es", headers={"Accept-Language": "fr"}
            ),
        },
    )
    assert refusals["header"]["message"] == CLOSED["fr"]
    assert refusals["both"]["message"] == CLOSED["es"]


def test_a_refusal_with_params_and_a_translated_phrase_is_said_whole(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console", language="es").connect()
    clients.append(console)
    # Not started: "Start the session first, then {doing}." with {doing} said in Spanish.
    refused = console.call("open_poll", {"poll": "mood10"})
    assert refused == {
        "ok": False,
        "error": {
            "code": "illegal_state",
            "message": "Primero empieza la sesión; después podrás abrir una encuesta.",
        },
    }
    refused = console.call("jump_to_step", {"index": 99})
    assert refused["error"]["code"] in ("illegal_state", "invalid")
    assert console.call("start_session")["ok"]
    refused = console.call("jump_to_step", {"index": 99})
    steps = len(console.latest()["agenda"])
    assert refused["error"] == {
        "code": "invalid",
        "message": f"No hay paso 100: el programa tiene {steps} pasos.",
    }


def test_a_refused_connection_is_told_in_its_language(server: Server) -> None:
    error = refused_connect_error(server, "not-a-token", language="fr")
    assert error == {"code": "unauthenticated", "message": f"Ce jeton n{APOSTROPHE}est pas valide."}
    error = refused_connect_error(server, "not-a-token")
    assert error == {"code": "unauthenticated", "message": "This token is not valid."}


def test_an_http_refusal_follows_accept_language(server: Server) -> None:
    def refused(language: str | None) -> requests.Response:
        headers = {"Accept-Language": language} if language else {}
        body: dict[str, Any] = {"code": "000000", "consent": True}
        return requests.post(f"{server.url}/api/join", json=body, headers=headers, timeout=5)

    spanish = refused("es-MX,es;q=0.9")
    assert spanish.status_code == 404
    assert spanish.json()["error"] == {
        "code": "unknown_code",
        "message": "Ninguna sesión a la que puedas unirte tiene ese código. "
        "Revísalo y vuelve a intentarlo.",
    }
    assert "Accept-Language" in spanish.headers["Vary"]
    english = "No session you can join has that code. Check it and try again."
    for language in ("de", None):
        other = refused(language)
        assert other.status_code == 404
        assert other.json()["error"] == {"code": "unknown_code", "message": english}
    # Flask's own refusals too: an address with nothing at it.
    missing = requests.get(
        f"{server.url}/api/nothing", headers={"Accept-Language": "fr"}, timeout=5
    )
    assert missing.json()["error"] == {
        "code": "not_found",
        "message": f"Il n{APOSTROPHE}y a rien à cette adresse.",
    }
    # A payload marshmallow refuses: its own words said in the reader's language.
    invalid = requests.post(
        f"{server.url}/api/join",
        json={"consent": True},
        headers={"Accept-Language": "es"},
        timeout=5,
    )
    assert invalid.json()["error"] == {
        "code": "invalid",
        "message": "code: Falta un dato obligatorio.",
    }


def test_a_deleted_session_tells_each_screen_in_its_language(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console").connect()
    spanish = Client(server.url, join(server, links["join_code"])["token"], "es", language="es")
    french = Client(server.url, join(server, links["join_code"])["token"], "fr", language="fr")
    clients += [console, spanish.connect(), french.connect()]
    deleted = facilitator.delete(f"/api/sessions/{links['session_id']}")
    assert deleted.status_code == 200, deleted.text
    told = {
        client.label: client.wait_for(lambda data: True, "session_deleted")
        for client in (console, spanish, french)
    }
    assert told["console"] == {"message": "This session was deleted."}
    assert told["es"] == {"message": "Esta sesión se borró."}
    assert told["fr"] == {"message": "Cette séance a été supprimée."}
    # Each screen heard it once, in its own language only.
    for client in (console, spanish, french):
        assert len(client.events("session_deleted")) == 1
