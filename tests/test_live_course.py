"""A twelve-week course against a live server, with real Socket.IO clients.

Eight members join the course once, with its code, and each week their phones ask into
that week's meeting with the membership they kept. Two change phones in week 6 and are
re-linked by the facilitator. Every meeting asks the named weekly mood (and, where the
protocol says, the PHQ-9), and an anonymous mood too; members set a step at the closing
step and say the next week whether they tried it; middle meetings run a member round.
At the end the course's records, trends and exports must hold exactly the named
measures, never an anonymous answer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import openpyxl
import pytest
import requests

from tests.live import Client, Facilitator, Server, add_account, signed_in

OWNER = "asha"
WEEKS = range(1, 13)
MEMBERS = [f"Member {chr(ord('A') + i)}" for i in range(8)]
ABSENT = {6: {3, 4}}  # member index -> weeks missed: two in a row raises the flag
RELINKED = (0, 1)  # change phones before week 6
PHQ9_WEEKS = {1, 7, 12}  # protocols/ipt-g-12.yaml: measures [phq-9]
MIDDLE = range(4, 11)  # the member round's meetings
# Every anonymous answer is 0 and every named mood 3 or more: an anonymous answer in a
# member's record would show as a 0, or as a measure the protocol never named.
ANONYMOUS_VALUE = 0


def mood(member: int, week: int) -> int:
    return 3 + (member + week) % 8


def phq9(member: int, week: int) -> list[int]:
    # Lower as the weeks pass: a total of 18 - 1.5*week-ish, member by member.
    level = max(0, 2 - week // 5)
    return [min(3, level + (member + i) % 2) for i in range(9)]


@dataclass
class Phone:
    index: int
    membership: str
    member_id: str
    client: Client | None = None
    steps: dict[int, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("course")).start()
    add_account(running, OWNER)
    yield running
    running.stop()


def _post(server: Server, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(server.url + path, json=body, timeout=10)


def _attend(server: Server, phone: Phone) -> dict[str, Any]:
    response = _post(server, "/api/courses/attend", {"membership": phone.membership})
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _open_and_answer(
    console: Client, phones: list[Phone], poll: str, value: Any, week: int
) -> None:
    assert console.call("open_poll", {"poll": poll})["ok"]
    view = console.wait_for(
        lambda v: any(p["spec_id"] == poll and p["phase"] == "open" for p in v["polls"])
    )
    poll_id = next(
        p["poll_id"] for p in view["polls"] if p["spec_id"] == poll and p["phase"] == "open"
    )
    for phone in phones:
        assert phone.client is not None
        answer = value(phone.index) if callable(value) else value
        payload = {"action_id": f"{poll}-{week}-{phone.index}", "poll_id": poll_id, "value": answer}
        ack = phone.client.call("submit_answer", payload)
        assert ack["ok"], ack
    assert console.call("close_poll", {"poll_id": poll_id})["ok"]


def _course(owner: Facilitator, course_id: str) -> dict[str, Any]:
    response = owner.get(f"/api/courses/{course_id}")
    assert response.status_code == 200, response.text
    course: dict[str, Any] = response.json()["course"]
    return course


def _member(course: dict[str, Any], member_id: str) -> dict[str, Any]:
    return next(m for m in course["members"] if m["id"] == member_id)


def test_a_twelve_week_course_follows_each_member_and_keeps_anonymous_answers_out(
    server: Server,
) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "ipt-g-12", "title": "Tuesday group"})
    assert made.status_code == 201, made.text
    course_id = made.json()["course_id"]

    # Each member joins once, with the course's code.
    phones = []
    for index, name in enumerate(MEMBERS):
        joined = _post(
            server,
            "/api/courses/join",
            {"consent": True, "code": made.json()["join_code"], "name": name},
        )
        assert joined.status_code == 201, joined.text
        phones.append(Phone(index, joined.json()["membership"], joined.json()["member_id"]))
    member_ids = [p.member_id for p in phones]
    assert len(set(member_ids)) == 8

    # No meeting is open yet: the phone is told so, and keeps its place.
    waiting = _post(server, "/api/courses/attend", {"membership": phones[0].membership})
    assert (waiting.status_code, waiting.json()["error"]["code"]) == (409, "not_meeting")

    for week in WEEKS:
        if week == 6:
            for index in RELINKED:
                _relink(server, owner, course_id, phones[index])
        links = owner.post(f"/api/courses/{course_id}/meetings/{week}/open", {})
        assert links.status_code == 201, links.text
        # Phones and the room see the course's neutral title, never the protocol's.
        assert links.json()["title"].startswith("Tuesday group")
        console = Client(server.url, links.json()["console_token"], f"console {week}").connect()
        here = [p for p in phones if week not in ABSENT.get(p.index, set())]
        try:
            for phone in here:
                seat = _attend(server, phone)
                # The same member every week, whatever the phone.
                assert seat["participant_id"] == phone.member_id
                phone.client = Client(
                    server.url, seat["token"], f"{MEMBERS[phone.index]}"
                ).connect()
            assert console.call("start_session")["ok"]
            _run_meeting(console, here, week)
            assert console.call("end_session")["ok"]
        finally:
            console.close()
            for phone in here:
                if phone.client is not None:
                    phone.client.close()
                    phone.client = None
        if week == 4:
            flagged = _member(_course(owner, course_id), phones[6].member_id)
            assert (flagged["missed_in_a_row"], flagged["flag"]) == (2, True)

    course = _course(owner, course_id)
    assert [m["id"] for m in course["members"]] == member_ids
    _check_attendance(owner, course_id, course, phones)
    _check_measures(course, phones)
    _check_steps(course, phones)
    _check_exports(owner, course_id, phones)


def _run_meeting(console: Client, here: list[Phone], week: int) -> None:
    _open_and_answer(console, here, "mood10", ANONYMOUS_VALUE, week)
    _open_and_answer(console, here, "mood_named", lambda i: mood(i, week), week)
    if week in PHQ9_WEEKS:
        _open_and_answer(console, here, "phq-9", lambda i: phq9(i, week), week)
    if week in MIDDLE:
        # The member round goes through the course's members one by one.
        assert console.call("member_round_next")["ok"]
        assert console.call("member_round_next")["ok"]
        view = console.wait_for(lambda v: (v["course"]["round"] or {}).get("index") == 1)
        assert view["course"]["round"]["member_id"] == view["course"]["members"][1]["id"]
        assert console.call("member_round_previous")["ok"]
        console.wait_for(lambda v: v["course"]["round"]["index"] == 0)
    for phone in here:
        assert phone.client is not None
        personal = phone.client.call("sync", {})["personal"]["course"]
        earlier = max((n for n in phone.steps if n < week), default=None)
        if earlier is None:
            assert personal["step_to_review"] is None
        else:
            # Last week's step is asked about, and the answer is kept once.
            assert personal["step_to_review"] == {"n": earlier, "text": phone.steps[earlier]}
            tried = ("yes", "partly", "no")[(phone.index + week) % 3]
            payload = {"action_id": f"review-{week}", "tried": tried}
            assert phone.client.call("review_step", payload)["ok"]
            assert phone.client.call("review_step", payload)["ok"]  # a retry: counted once
        # Before the closing step, no step may be chosen.
        early = phone.client.call("set_step", {"action_id": f"early-{week}", "text": "Too soon"})
        assert early["error"]["code"] == "conflict"
    view = console.latest()
    closing = next(i for i, step in enumerate(view["agenda"]) if step["kind"] == "closing")
    assert console.call("jump_to_step", {"index": closing})["ok"]
    for phone in here:
        assert phone.client is not None
        text = f"Week {week}: call someone, member {phone.index}"
        ack = phone.client.call("set_step", {"action_id": f"step-{week}", "text": text})
        assert ack == {"ok": True, "saved": True}, ack
        phone.steps[week] = text
        mine = phone.client.call("sync", {})["personal"]["course"]["my_step"]
        assert mine == {"text": text}


def _relink(server: Server, owner: Facilitator, course_id: str, phone: Phone) -> None:
    offered = owner.post(f"/api/courses/{course_id}/members/{phone.member_id}/relink", {})
    assert offered.status_code == 201, offered.text
    code = offered.json()["code"]
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    moved = _post(server, "/api/courses/relink", {"code": code.lower()})
    assert moved.status_code == 201, moved.text
    assert moved.json()["member_id"] == phone.member_id
    # The old phone's membership stops working; the code works once.
    old = _post(server, "/api/courses/attend", {"membership": phone.membership})
    assert (old.status_code, old.json()["error"]["code"]) == (401, "revoked")
    again = _post(server, "/api/courses/relink", {"code": code})
    assert again.status_code == 404
    phone.membership = moved.json()["membership"]


def _check_attendance(
    owner: Facilitator, course_id: str, course: dict[str, Any], phones: list[Phone]
) -> None:
    for phone in phones:
        row = {a["n"]: a["status"] for a in _member(course, phone.member_id)["attendance"]}
        missed = ABSENT.get(phone.index, set())
        assert [row[n] for n in WEEKS] == ["absent" if n in missed else "present" for n in WEEKS]
    # The facilitator corrects a record; the correction stands.
    target = phones[7].member_id
    fixed = owner.put(f"/api/courses/{course_id}/attendance/2/{target}", {"status": "late"})
    assert fixed.status_code == 200, fixed.text
    row = {a["n"]: a for a in _member(fixed.json()["course"], target)["attendance"]}
    assert (row[2]["status"], row[2]["corrected"]) == ("late", True)
    assert _member(fixed.json()["course"], phones[6].member_id)["flag"] is False


def _check_measures(course: dict[str, Any], phones: list[Phone]) -> None:
    assert {m["id"] for m in course["measures"]} == {"mood_named", "phq-9"}
    for phone in phones:
        member = _member(course, phone.member_id)
        weeks = [n for n in WEEKS if n not in ABSENT.get(phone.index, set())]
        assert member["latest"]["mood_named"] == {
            "score": mood(phone.index, 12),
            "band": "",
            "n": 12,
        }
        assert member["latest"]["phq-9"]["n"] == 12
        assert set(member["latest"]) == {"mood_named", "phq-9"}
        assert len(weeks) >= 10


def _check_steps(course: dict[str, Any], phones: list[Phone]) -> None:
    for phone in phones:
        steps = {s["n"]: s for s in _member(course, phone.member_id)["steps"]}
        assert {n: s["text"] for n, s in steps.items()} == phone.steps
        attended = [n for n in WEEKS if n not in ABSENT.get(phone.index, set())]
        for earlier, later in pairwise(attended):
            # Each step was looked back on at the next meeting the member came to.
            assert steps[earlier]["tried"] == ("yes", "partly", "no")[(phone.index + later) % 3]
        assert steps[attended[-1]]["tried"] is None  # the last one: no meeting after it


def _check_exports(owner: Facilitator, course_id: str, phones: list[Phone]) -> None:
    base = f"/api/courses/{course_id}"
    trend = owner.get(f"{base}/members/{phones[0].member_id}/trend.svg?measure=phq-9")
    assert trend.status_code == 200 and trend.headers["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in trend.text and "http://" not in trend.text.replace("http://www.w3.org", "")
    assert ">Meeting<" in trend.text
    # Drawn in the course's language, as in its summary.
    assert owner.put(f"{base}/language", {"language": "es"}).status_code == 200
    spanish = owner.get(f"{base}/members/{phones[0].member_id}/trend.svg?measure=phq-9")
    assert ">Encuentro<" in spanish.text and ">Meeting<" not in spanish.text
    assert owner.put(f"{base}/language", {"language": "en"}).status_code == 200
    rows = list(csv.DictReader(io.StringIO(owner.get(f"{base}/export/measures.csv").text)))
    # Exactly the named measures each member gave: one mood a meeting, PHQ-9 three times.
    expected = sorted(
        (MEMBERS[p.index], str(week), measure, str(score))
        for p in phones
        for week in WEEKS
        if week not in ABSENT.get(p.index, set())
        for measure, score in [("mood_named", mood(p.index, week))]
        + ([("phq-9", sum(phq9(p.index, week)))] if week in PHQ9_WEEKS else [])
    )
    found = sorted((r["member"], r["meeting"], r["measure"], r["score"]) for r in rows)
    assert found == expected
    summary = owner.get(f"{base}/export/summary.html")
    assert summary.status_code == 200 and "onfidential" in summary.text
    assert all(name in summary.text for name in MEMBERS)
    assert "mood10" not in summary.text
    book = openpyxl.load_workbook(io.BytesIO(owner.get(f"{base}/export/course.xlsx").content))
    cells = [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    ]
    assert "mood10" not in cells and "useful_today" not in cells
    for kind in ("attendance.csv", "steps.csv"):
        assert owner.get(f"{base}/export/{kind}").status_code == 200


def test_a_meeting_code_enrolls_a_phone_unless_it_comes_as_a_guest(server: Server) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "ipt-g-12", "title": "Thursday group"})
    course_id = made.json()["course_id"]
    links = owner.post(f"/api/courses/{course_id}/meetings/1/open", {}).json()
    code = links["join_code"]
    member = _post(server, "/api/join", {"consent": True, "code": code, "name": "Noor"})
    guest = _post(
        server, "/api/join", {"consent": True, "code": code, "name": "Visitor", "guest": True}
    )
    assert member.status_code == guest.status_code == 201
    assert "membership" in member.json() and "membership" not in guest.json()
    course = _course(owner, course_id)
    assert [m["name"] for m in course["members"]] == ["Noor"]
    # The member's phone is the course member in the meeting; the guest is not.
    assert member.json()["participant_id"] == course["members"][0]["id"]
    console = Client(server.url, links["console_token"], "console").connect()
    phone = Client(server.url, guest.json()["token"], "guest").connect()
    try:
        assert console.call("start_session")["ok"]
        view = console.latest()
        closing = next(i for i, step in enumerate(view["agenda"]) if step["kind"] == "closing")
        assert console.call("jump_to_step", {"index": closing})["ok"]
        refused = phone.call("set_step", {"action_id": "g-1", "text": "Visit again"})
        assert refused["error"]["code"] == "forbidden"
        assert "course" not in phone.call("sync", {})["personal"]
        assert console.call("end_session")["ok"]
    finally:
        phone.close()
        console.close()
    after = _course(owner, course_id)
    assert [a["status"] for a in after["members"][0]["attendance"] if a["n"] == 1] == ["present"]
    assert len(after["members"]) == 1  # the guest left nothing in the course


def test_a_supervisor_reads_a_course_and_changes_nothing(server: Server) -> None:
    add_account(server, "sam-supervisor")
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Monday group"})
    course_id = made.json()["course_id"]
    member = _post(
        server,
        "/api/courses/join",
        {"consent": True, "code": made.json()["join_code"], "name": "Ravi"},
    )
    member_id = member.json()["member_id"]
    supervisor = signed_in(server, "sam-supervisor")
    assert supervisor.get(f"/api/courses/{course_id}").status_code == 403
    assert owner.put(f"/api/courses/{course_id}/supervisors/sam-supervisor").status_code == 200
    listed = supervisor.get("/api/courses").json()["courses"]
    assert [(c["id"], c["role"]) for c in listed] == [(course_id, "supervisor")]
    seen = supervisor.get(f"/api/courses/{course_id}").json()["course"]
    assert seen["seat"] == "supervisor" and "join_code" not in seen
    for kind in ("summary.html", "attendance.csv", "course.xlsx"):
        assert supervisor.get(f"/api/courses/{course_id}/export/{kind}").status_code == 200
    before = _course(owner, course_id)["version"]
    refused = [
        supervisor.post(f"/api/courses/{course_id}/meetings/1/open", {}),
        supervisor.put(
            f"/api/courses/{course_id}/members/{member_id}/plan",
            {"areas": ["grief"], "goal": "", "key_people": []},
        ),
        supervisor.post(f"/api/courses/{course_id}/members/{member_id}/relink", {}),
        supervisor.put(f"/api/courses/{course_id}/supervisors/{OWNER}"),
        supervisor.delete(f"/api/courses/{course_id}"),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert _course(owner, course_id)["version"] == before
    assert owner.delete(f"/api/courses/{course_id}/supervisors/sam-supervisor").status_code == 200
    assert supervisor.get(f"/api/courses/{course_id}").status_code == 403
