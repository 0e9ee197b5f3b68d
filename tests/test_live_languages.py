"""Choice of language through a live server and real clients: a session's language for
its consoles and display, each phone's own, answers counted together across languages,
refusals that change nothing, and one shared view built per language in use."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from facilitator.library.catalog import Catalog
from tests.live import Client, Facilitator, Server, wait_until

PROTOCOL = Catalog.load().protocol("group-ipt-8")
ES, FR = PROTOCOL.in_language("es"), PROTOCOL.in_language("fr")
ENGLISH_STEPS = [step.title for step in PROTOCOL.session(2).steps]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("builds") / "builds.txt"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, builds: Path) -> Iterator[Server]:
    """The real server, its shared phone views counted as they are built (counted_views)."""
    running = Server(
        tmp_path_factory.mktemp("server"),
        command=[sys.executable, "-m", "tests.counted_views"],
        env={"FACILITATOR_TEST_BUILDS": str(builds)},
    ).start()
    yield running
    running.stop()


def _create(facilitator: Facilitator, **body: Any) -> requests.Response:
    return facilitator.post(
        "/api/sessions", {"protocol_id": PROTOCOL.id, "session_number": 2, **body}
    )


def _join(server: Server, code: str, language: str | None = None) -> requests.Response:
    body: dict[str, Any] = {"code": code, "consent": True}
    if language is not None:
        body["language"] = language
    return requests.post(server.url + "/api/join", json=body, timeout=5)


def _room(
    server: Server,
    facilitator: Facilitator,
    clients: list[Client],
    phones: list[str | None],
    **body: Any,
) -> Any:
    response = _create(facilitator, **body)
    assert response.status_code == 201, response.text
    links = response.json()
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    members = []
    for n, language in enumerate(phones):
        joined = _join(server, links["join_code"], language)
        assert joined.status_code == 201, joined.text
        members.append(Client(server.url, joined.json()["token"], f"phone {n}").connect())
    clients += [console, display, *members]
    return SimpleNamespace(console=console, display=display, phones=members, links=links)


def _open(room: Any, poll: str) -> str:
    assert room.console.call("open_poll", {"poll": poll})["ok"]
    view = room.console.wait_for(lambda v: v["polls"] and v["polls"][-1]["phase"] == "open")
    return str(view["polls"][-1]["poll_id"])


def test_a_session_in_spanish_shows_the_protocol_in_spanish_to_the_console_and_display(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, [None], language="es")
    assert (room.links["language"], room.links["languages"]) == ("es", ["en", "es", "fr"])
    console = room.console.wait_for(lambda v: v["language"] == "es")
    assert console["languages"] == ["en", "es", "fr"]
    assert [step["title"] for step in console["agenda"]] == [s.title for s in ES.session(2).steps]
    assert console["agenda"][0]["note"] == ES.session(2).steps[0].note
    assert ES.safety is not None
    assert console["safety"]["script"] == list(ES.safety.script)
    assert console["checklist"] == list(ES.session(2).fidelity)

    assert room.console.call("start_session")["ok"]
    _open(room, "mood10")
    first = ES.session(2).steps[0].title
    display = room.display.wait_for(lambda v: v["step"] and v["poll_open"])
    assert (display["language"], display["step"]["title"]) == ("es", first)
    assert display["poll_open"]["question"] == ES.polls["mood10"].question
    # A phone that chose nothing reads the session's language.
    phone = room.phones[0].wait_for(lambda v: v["poll"])
    assert (phone["language"], phone["step"]["title"]) == ("es", first)
    assert phone["poll"]["question"] == ES.polls["mood10"].question
    sessions = facilitator.get("/api/sessions").json()["sessions"]
    listed = next(s for s in sessions if s["id"] == room.links["session_id"])
    assert (listed["language"], listed["languages"]) == ("es", ["en", "es", "fr"])


def test_without_a_language_the_first_offered_of_accept_language_is_taken(
    facilitator: Facilitator,
) -> None:
    body: dict[str, Any] = {"protocol_id": PROTOCOL.id, "session_number": 2}
    asked = facilitator.http.post(
        facilitator.server.url + "/api/sessions",
        json=body,
        headers={
            "X-CSRF-Token": facilitator.csrf,
            "Accept-Language": "de-DE, fr-CA;q=0.9, en;q=0.5",
        },
        timeout=5,
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["language"] == "fr"
    unheard = facilitator.http.post(
        facilitator.server.url + "/api/sessions",
        json=body,
        headers={"X-CSRF-Token": facilitator.csrf, "Accept-Language": "de, ja"},
        timeout=5,
    )
    assert unheard.json()["language"] == PROTOCOL.language


def test_a_spanish_and_a_french_phone_each_read_the_poll_in_theirs_and_are_counted_together(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, ["es", "fr", None])
    spanish, french, english = room.phones
    assert room.console.call("start_session")["ok"]
    poll_id = _open(room, "tried_step")
    for phone, words, language in (
        (spanish, ES, "es"),
        (french, FR, "fr"),
        (english, PROTOCOL, "en"),
    ):
        view = phone.wait_for(lambda v: v["poll"])
        assert view["language"] == language
        assert view["poll"]["question"] == words.polls["tried_step"].question
        assert view["poll"]["options"] == list(words.polls["tried_step"].options)
        assert view["step"]["title"] == words.session(2).steps[0].title
        assert phone.latest("personal")["language"] == language
    # No phone ever received another language's texts.
    for phone, other in ((spanish, FR), (french, ES), (english, ES)):
        assert not any(
            v["poll"] and v["poll"]["question"] == other.polls["tried_step"].question
            for v in phone.events("view")
        )
    for phone in (spanish, french):
        ack = phone.call("submit_answer", {"action_id": "a1", "poll_id": poll_id, "value": 0})
        assert ack["ok"], ack
    view = room.console.wait_for(
        lambda v: next(p for p in v["polls"] if p["poll_id"] == poll_id)["count"] == 2
    )
    poll = next(p for p in view["polls"] if p["poll_id"] == poll_id)
    # By option: "Sí" and "Oui" are the same first option, in the console's English.
    assert poll["summary"]["counts"] == {"Yes": 2, "Partly": 0, "No": 0, "Not this week": 0}


def test_a_phone_changes_its_language_and_its_views_follow(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, ["es"])
    (phone,) = room.phones
    assert room.console.call("start_session")["ok"]
    _open(room, "tried_step")
    phone.wait_for(lambda v: v["poll"] and v["language"] == "es")
    ack = phone.call("choose_language", {"language": "fr"})
    assert ack == {"ok": True, "language": "fr"}
    view = phone.wait_for(lambda v: v["language"] == "fr")
    assert view["poll"]["question"] == FR.polls["tried_step"].question
    assert phone.wait_for(lambda p: p["language"] == "fr", "personal")["chosen_language"] == "fr"
    # Its next shared views come in French only: it left the Spanish phones' room.
    seen = len(phone.events("view"))
    assert room.console.call("next_step")["ok"]
    phone.wait_for(lambda v: v["step"]["index"] == 1)
    assert {v["language"] for v in phone.events("view")[seen:]} == {"fr"}


def test_the_facilitator_changes_the_session_language_and_every_screen_follows(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, [None, "fr"])
    follower, french = room.phones
    assert room.console.call("start_session")["ok"]
    room.display.wait_for(lambda v: v["step"] and v["step"]["title"] == ENGLISH_STEPS[0])
    assert room.console.call("set_language", {"language": "es"})["ok"]
    first = ES.session(2).steps[0].title
    assert room.console.wait_for(lambda v: v["language"] == "es")["agenda"][0]["title"] == first
    assert room.display.wait_for(lambda v: v["language"] == "es")["step"]["title"] == first
    assert follower.wait_for(lambda v: v["language"] == "es")["step"]["title"] == first
    assert follower.wait_for(lambda p: p["language"] == "es", "personal")
    # A phone that chose its own language keeps it.
    assert french.call("sync")["view"]["language"] == "fr"


@pytest.mark.parametrize("language", ["de", "xx", "es-ES-x"])
def test_a_language_not_offered_is_refused_and_changes_nothing(
    server: Server, facilitator: Facilitator, clients: list[Client], language: str
) -> None:
    refused = _create(facilitator, language=language)
    assert refused.status_code == 400, refused.text
    assert refused.json()["ok"] is False
    assert refused.json()["error"]["code"] == "invalid"
    if language == "de":
        assert refused.json()["error"]["message"] == (
            "This protocol is not offered in de; choose one of en, es, fr."
        )

    room = _room(server, facilitator, clients, ["fr"])
    version = room.console.call("sync")["version"]
    joined = _join(server, room.links["join_code"], language)
    if language == "de":
        # A choice kept from another group: this phone follows the group's language.
        assert joined.status_code == 201, joined.text
        assert room.console.wait_for(lambda v: len(v["participants"]) == 2)
        version = room.console.call("sync")["version"]
    else:
        assert joined.status_code == 400, joined.text
        assert joined.json()["error"]["code"] == "invalid"
    ack = room.console.call("set_language", {"language": language})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid", ack
    ack = room.phones[0].call("choose_language", {"language": language})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid", ack
    after = room.console.call("sync")
    # Nothing was recorded: the console's version has not moved, nor anyone's language.
    assert after["version"] == version
    assert room.phones[0].call("sync")["view"]["language"] == "fr"
    assert after["view"]["language"] == PROTOCOL.language
    assert len(after["view"]["participants"]) == (2 if language == "de" else 1)


def test_each_change_builds_the_phones_view_once_per_language_in_use(
    server: Server, facilitator: Facilitator, clients: list[Client], builds: Path
) -> None:
    phones = ["es"] * 4 + ["fr"] * 4 + [None] * 4
    room = _room(server, facilitator, clients, phones)
    sid = room.links["session_id"]
    assert room.console.call("start_session")["ok"]
    for phone in room.phones:
        phone.wait_for(lambda v: v["phase"] == "running")
    before = _builds(builds, sid)
    assert room.console.call("next_step")["ok"]
    version = room.phones[0].call("sync")["version"]
    for phone in room.phones:
        phone.wait_for(lambda v: v["version"] == version)
    built = _builds(builds, sid)[len(before) :]
    # Twelve phones, three languages: three builds, each sent to its language's phones.
    assert sorted(language for _, language in built) == ["en", "es", "fr"]
    assert {int(v) for v, _ in built} == {version}
    for phone, language in zip(room.phones, phones, strict=True):
        assert phone.latest()["language"] == (language or "en")


def _builds(path: Path, session_id: str) -> list[tuple[str, str]]:
    wait_until(path.exists, 5, "the builds file")
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        sid, version, language = line.split()
        if sid == session_id:
            found.append((version, language))
    return found


def test_a_course_meeting_reads_the_course_language_and_follows_its_change(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    made = facilitator.post(
        "/api/courses", {"protocol_id": PROTOCOL.id, "title": "Martes", "language": "fr"}
    )
    assert made.status_code == 201, made.text
    course = made.json()["course_id"]
    opened = facilitator.post(f"/api/courses/{course}/meetings/2/open", {})
    assert opened.status_code in (200, 201), opened.text
    links = opened.json()
    assert links["language"] == "fr"
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    clients += [console, display]
    assert console.wait_for(lambda v: v["language"] == "fr")["agenda"][0]["title"] == (
        FR.session(2).steps[0].title
    )

    refused = facilitator.put(f"/api/courses/{course}/language", {"language": "de"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "invalid"
    assert facilitator.get(f"/api/courses/{course}").json()["course"]["language"] == "fr"

    changed = facilitator.put(f"/api/courses/{course}/language", {"language": "es"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["course"]["language"] == "es"
    assert changed.json()["course"]["languages"] == ["en", "es", "fr"]
    # The meeting on now follows: its console and its room display read Spanish.
    assert console.wait_for(lambda v: v["language"] == "es")
    first = ES.session(2).steps[0].title
    assert display.wait_for(lambda v: v["language"] == "es")["title"]
    assert console.latest()["agenda"][0]["title"] == first


def test_a_course_without_a_language_takes_the_first_offered_of_accept_language(
    facilitator: Facilitator,
) -> None:
    made = facilitator.http.post(
        facilitator.server.url + "/api/courses",
        json={"protocol_id": PROTOCOL.id, "title": "Jeudi"},
        headers={"X-CSRF-Token": facilitator.csrf, "Accept-Language": "de, fr-BE;q=0.8"},
        timeout=5,
    )
    assert made.status_code == 201, made.text
    course = facilitator.get(f"/api/courses/{made.json()['course_id']}").json()["course"]
    assert course["language"] == "fr"


def test_the_consoles_library_reads_in_the_language_asked(facilitator: Facilitator) -> None:
    spanish = facilitator.get(f"/api/protocols/{PROTOCOL.id}?language=es").json()
    assert (spanish["language"], spanish["languages"]) == ("es", ["en", "es", "fr"])
    titles = {play["id"]: play["title"] for play in spanish["role_plays"]}
    assert titles["dispute_need"] == ES.role_plays["dispute_need"].title
    questions = {poll["id"]: poll["question"] for poll in spanish["polls"]}
    assert questions["tried_step"] == ES.polls["tried_step"].question
    own = facilitator.get(f"/api/protocols/{PROTOCOL.id}").json()
    assert own["language"] == PROTOCOL.language
    refused = facilitator.get(f"/api/protocols/{PROTOCOL.id}?language=de")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
