"""Rule 1 of DESIGN.md, read off every artifact the way an attacker would.

Each test runs a session through the service on a real store (a SQLite file, or a
redis-server of its own with an append-only file), then reads what is on disk and what
the exports give: the database file and its WAL replayed commit by commit, snapshots,
Redis keys and the append-only files.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import redis

from facilitator.core import commands as c
from facilitator.core import course_commands as cc
from facilitator.core.codec import course_state_to_dict
from facilitator.core.course import create_course, handle
from facilitator.core.errors import DomainError
from facilitator.core.events import PollClosed, PollReopened, WordHidden
from facilitator.core.state import RiskAction
from facilitator.library.catalog import Catalog
from facilitator.service import exports
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.service.views import facilitator_view
from facilitator.storage.base import Snapshot, Store
from facilitator.storage.redis import RedisStore
from facilitator.storage.sqlite import SQLiteStore
from tests.course_factories import create_command as course_command
from tests.factories import WORDS
from tests.live import wait_until
from tests.raw_artifacts import (
    aof_bytes,
    aof_commands,
    database_images,
    sqlite_pairings,
    wal_frames,
    wal_path,
)
from tests.redis_server import RedisServer

CATALOG = Catalog.load()
# Answers no one else would give: finding one in an artifact means the answer is there.
FRUIT = [f"{name}-{n:02d}q" for n, name in enumerate(["kiwi", "mango", "quince"] * 5)]


@dataclass
class Backend:
    """A store and where its bytes live on disk."""

    name: str
    store: Store
    directory: Path
    server: RedisServer | None = None

    def raw_bytes(self) -> bytes:
        """Return every byte the store keeps on disk."""
        if self.server is None:
            return b"".join(p.read_bytes() for p in sorted(self.directory.iterdir()) if p.is_file())
        return aof_bytes(self.directory)

    def live_keys(self) -> str:
        """Return what Redis holds in memory now, as text ("" for SQLite)."""
        if self.server is None:
            return ""
        client = redis.Redis.from_url(self.server.url(), decode_responses=True)
        dump = []
        for key in client.scan_iter():
            kind = client.type(key)
            if kind == "stream":
                dump.append(repr(client.xrange(key)))
            elif kind == "zset":
                dump.append(repr(client.zrange(key, 0, -1)))
            elif kind == "hash":
                dump.append(repr(client.hgetall(key)))
            elif kind == "set":
                dump.append(repr(client.smembers(key)))
            else:
                dump.append(repr(client.get(key)))
        client.close()
        return "\n".join(dump)

    def raw_snapshot(self, session_id: str) -> dict[str, Any]:
        if self.server is None:
            db = sqlite3.connect(self.directory / "facilitator.db")
            (data,) = db.execute(
                "SELECT data FROM snapshots WHERE session_id = ?", (session_id,)
            ).fetchone()
            db.close()
            return dict(json.loads(data))
        client = redis.Redis.from_url(self.server.url(), decode_responses=True)
        data = client.hget(f"facilitator:snapshot:{session_id}", "data")
        client.close()
        assert isinstance(data, str)
        return dict(json.loads(data))

    def history_settled(self) -> bool:
        """Return whether Redis has finished rewriting its append-only file (always, SQLite)."""
        if self.server is None:
            return True
        client = redis.Redis.from_url(self.server.url())
        info = client.info("persistence")
        client.close()
        return not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty store of each backend whose files the test may read."""
    if request.param == "sqlite":
        directory = tmp_path / "data"
        sqlite = SQLiteStore(directory / "facilitator.db")
        yield Backend("sqlite", sqlite, directory)
        sqlite.close()
        return
    server = RedisServer(tmp_path / "redis", rdb_preamble=False).start()
    store = RedisStore.from_url(server.url(), rewrite_every=0.5)
    yield Backend("redis", store, tmp_path / "redis", server)
    store.close()
    server.stop()


def _service(store: Store, **kwargs: Any) -> SessionService:
    clock = iter(range(1_000_000))
    return SessionService(
        store, CATALOG, lambda *_: None, clock=lambda: 1e9 + next(clock), **kwargs
    )


def _started(service: SessionService, members: int) -> tuple[str, Actor, list[Actor]]:
    state = service.create("amina", "group-ipt-8", 2)
    phones = [service.join(state.join_code, f"Member {n}", f"10.0.{n}.1") for n in range(members)]
    console = Actor(Role.FACILITATOR, state.id, user="amina")
    service.run(console, lambda st, at: c.Start(at))
    return state.id, console, phones


def _answer(service: SessionService, phone: Actor, poll_id: str, value: object) -> None:
    service.run(
        phone,
        lambda st, at: c.SubmitAnswer(at, phone.participant_id, f"a-{poll_id}", poll_id, value),
    )


def _everything_exported(service: SessionService, session_id: str) -> str:
    state = service.current(session_id)
    return "\n".join(
        [
            *exports.log_lines(service.store.read(session_id)),
            exports.results_csv(state),
            exports.summary_html(state, 1e9 + 10_000),
            json.dumps(facilitator_view(state, frozenset())),
        ]
    )


def test_a_poll_closed_below_its_threshold_keeps_its_count_and_no_answer(
    backend: Backend,
) -> None:
    service = _service(backend.store)
    sid, console, (phone, *_) = _started(service, 3)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    _answer(service, phone, "poll-1", FRUIT[0])
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))

    poll = service.current(sid).polls["poll-1"]
    assert (poll.count, poll.ballots) == (1, [])
    exported = _everything_exported(service, sid)
    assert FRUIT[0] not in exported
    assert "1 answered" in exported  # the count stays
    wait_until(backend.history_settled, 10, "the append-only file rewritten")
    wait_until(lambda: FRUIT[0].encode() not in backend.raw_bytes(), 10, "the answer erased")
    assert FRUIT[0] not in backend.live_keys()
    # A fresh process rebuilds the same: the count, and no answer.
    again = _service(backend.store).current(sid).polls["poll-1"]
    assert (again.count, again.ballots) == (1, [])


def test_a_snapshot_of_an_open_anonymous_poll_holds_no_ballot(backend: Backend) -> None:
    service = _service(backend.store, snapshot_every=1)
    sid, console, phones = _started(service, 6)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    voters_seen = []
    for phone, fruit in zip(phones, FRUIT, strict=False):
        _answer(service, phone, "poll-1", fruit)
        snapshot = backend.raw_snapshot(sid)
        poll = snapshot["polls"].get("poll-1", {"voters": [], "ballots": []})
        voters_seen.append(len(poll["voters"]))
        assert poll["ballots"] == []
        assert not any(f in json.dumps(snapshot) for f in FRUIT)
    assert max(voters_seen) >= 2, "snapshots were taken while members answered"
    # The ballots come back from the ballot box when the state is rebuilt.
    assert sorted(_service(backend.store).current(sid).polls["poll-1"].ballots) == sorted(FRUIT[:6])


def test_the_wal_replayed_commit_by_commit_pairs_no_member_with_an_answer(
    tmp_path: Path,
) -> None:
    db = tmp_path / "facilitator.db"
    store = SQLiteStore(db)
    service = _service(store)
    sid, console, phones = _started(service, 15)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, fruit in zip(phones, FRUIT, strict=True):
        _answer(service, phone, "poll-1", fruit)
    assert sqlite_pairings(db, sid, "poll-1"), "the open poll's answers are in the WAL's history"
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    service.run(console, lambda st, at: c.AddNote(at, "after the poll"))

    # The closed poll's answers are in its poll_closed event now, as a sorted whole.
    assert sqlite_pairings(db, sid, "poll-1") == []
    store.close()
    assert not wal_path(db).exists() or wal_path(db).stat().st_size == 0


def test_while_a_poll_is_open_the_wal_keeps_an_answer_beside_its_voter_a_second_at_most(
    tmp_path: Path,
) -> None:
    db = tmp_path / "facilitator.db"
    store = SQLiteStore(db)  # the default: the WAL emptied at most a second after a ballot
    service = _service(store)
    _, console, phones = _started(service, 4)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    kept: list[float] = []
    for phone, fruit in zip(phones, FRUIT, strict=False):
        _answer(service, phone, "poll-1", fruit)
        acknowledged = time.monotonic()
        # Then the file alone is left, which holds the state as it is, not its order.
        wait_until(lambda: len(list(database_images(db))) == 1, 5, "the WAL emptied")
        kept.append(time.monotonic() - acknowledged)
        assert not any(f.encode() in wal_frames(db) for f in FRUIT)
    print(f"\nthe WAL kept an answer's history for {max(kept):.2f} s at most")
    assert max(kept) < 1.5
    store.close()


def test_the_replay_finds_pairs_in_a_wal_that_keeps_its_history(tmp_path: Path) -> None:
    # The attacker's replay works: the same answers with the WAL left alone give them away.
    db = tmp_path / "facilitator.db"
    store = SQLiteStore(db)
    store._scrub = lambda: True  # type: ignore[method-assign]
    service = _service(store)
    sid, console, phones = _started(service, 3)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, fruit in zip(phones, FRUIT, strict=False):
        _answer(service, phone, "poll-1", fruit)
    pairs = sqlite_pairings(db, sid, "poll-1")
    assert {(p.participant_id, json.dumps(f)) for p, f in zip(phones, FRUIT, strict=False)} == set(
        pairs
    )
    store.close()


def test_the_aof_keeps_no_ballot_history_once_rewritten(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", rdb_preamble=False).start()
    store = RedisStore.from_url(server.url(), rewrite_every=0.5)
    try:
        service = _service(store)
        _, console, phones = _started(service, 4)
        service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
        for phone, fruit in zip(phones, FRUIT, strict=False):
            _answer(service, phone, "poll-1", fruit)

        def ballot_writes() -> list[list[bytes]]:
            return [
                command
                for command in aof_commands(server.directory)
                if command[0].upper() == b"ZADD" and b":ballots:" in command[1]
            ]

        # While the poll is open, the order of answers leaves the file within the
        # rewrite interval: what remains is the ballot box as it stands, in random order.
        wait_until(lambda: len(ballot_writes()) <= 1, 10, "the open poll's history dropped")
        service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
        wait_until(lambda: not ballot_writes(), 10, "the closed poll's ballot box dropped")
        commands = aof_commands(server.directory)
        assert commands, "the append-only file was read"
        assert not [cmd for cmd in commands if b":ballots:" in b" ".join(cmd)]
    finally:
        store.close()
        server.stop()


# -- a reopened poll, and hidden words -----------------------------------------------

# Sorts before every FRUIT, so that the second close's sorted ballots never begin with
# the first close's.
LATE = "apricot-late-answer"


def _closed_ballots(backend: Backend, sid: str, poll_id: str) -> list[list[str]]:
    """Return the ballots of every poll_closed event of a poll the store keeps."""
    return [
        list(event.ballots)
        for _, event in backend.store.read(sid)
        if isinstance(event, PollClosed) and event.poll_id == poll_id
    ]


def test_a_reopened_anonymous_poll_keeps_its_answers_in_one_whole_once_closed_again(
    backend: Backend,
) -> None:
    # Snapshots as often as they come: one taken after the first close holds its results.
    service = _service(backend.store, snapshot_every=1)
    sid, console, phones = _started(service, 6)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, fruit in zip(phones, FRUIT[:3], strict=False):
        _answer(service, phone, "poll-1", fruit)
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    service.run(console, lambda st, at: c.RevealPoll(at, "poll-1"))
    # The first close's results, as its event and a snapshot write them.
    first = f'"ballots": {json.dumps(sorted(FRUIT[:3]))}'.encode()
    wait_until(
        lambda: first in backend.raw_bytes() or first.decode() in backend.live_keys(),
        10,
        "the first close's results written",
    )

    service.run(console, lambda st, at: c.ReopenPoll(at, "poll-1"))
    _answer(service, phones[3], "poll-1", LATE)
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    service.run(console, lambda st, at: c.AddNote(at, "after the second close"))

    # Two stored results of one poll would give away, by their difference, what the one
    # member who answered in between gave. One whole holds every answer.
    everything = sorted([*FRUIT[:3], LATE])
    assert [b for b in _closed_ballots(backend, sid, "poll-1") if b] == [everything]
    wait_until(backend.history_settled, 10, "the append-only file rewritten")
    wait_until(lambda: first not in backend.raw_bytes(), 10, "the first results gone")
    assert first.decode() not in backend.live_keys()
    assert first.decode() not in _everything_exported(service, sid)
    if backend.server is None:
        db = backend.directory / "facilitator.db"
        assert sqlite_pairings(db, sid, "poll-1") == []
    else:
        # The ballot box the kept answers went back to is gone, and its writes with it.
        commands = aof_commands(backend.directory)
        assert not [cmd for cmd in commands if b":ballots:" in b" ".join(cmd)]
        assert ":ballots:" not in backend.live_keys()
    # A fresh process rebuilds every answer, once.
    again = _service(backend.store).current(sid).polls["poll-1"]
    assert (again.count, again.ballots) == (4, everything)


def test_the_wal_of_a_reopened_poll_pairs_no_member_with_an_answer(tmp_path: Path) -> None:
    db = tmp_path / "facilitator.db"
    store = SQLiteStore(db)
    store._scrub = lambda: True  # type: ignore[method-assign]  # the WAL keeps its history
    service = _service(store)
    sid, console, phones = _started(service, 6)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, fruit in zip(phones, FRUIT[:3], strict=False):
        _answer(service, phone, "poll-1", fruit)
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    before = set(sqlite_pairings(db, sid, "poll-1"))  # the first round's, never emptied
    service.run(console, lambda st, at: c.ReopenPoll(at, "poll-1"))
    # Putting the kept answers back in the ballot box pairs no one with an answer: they
    # go back together, beside no vote.
    assert set(sqlite_pairings(db, sid, "poll-1")) == before
    _answer(service, phones[3], "poll-1", LATE)
    # Now the attacker's replay finds the late answer beside its voter (as it finds any
    # answer of an open poll in a WAL never emptied): the replay works on a reopened poll.
    assert (phones[3].participant_id, json.dumps(LATE)) in sqlite_pairings(db, sid, "poll-1")
    store.close()


def test_a_hidden_word_is_logged_apart_from_every_voter(backend: Backend) -> None:
    service = _service(backend.store)
    sid, console, phones = _started(service, 5)
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, word in zip(phones, ["Plum-Hidden!", *FRUIT[:2]], strict=False):
        _answer(service, phone, "poll-1", word)
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    service.run(console, lambda st, at: c.RevealPoll(at, "poll-1", show=False))
    service.run(console, lambda st, at: c.HideWord(at, "poll-1", "plum-hidden", True))
    service.run(console, lambda st, at: c.ReopenPoll(at, "poll-1"))
    # While it is open again a word cannot be hidden: a hiding beside a vote in the log
    # could point at that vote.
    with pytest.raises(DomainError, match="Reveal the results first"):
        service.run(console, lambda st, at: c.HideWord(at, "poll-1", FRUIT[0], True))
    _answer(service, phones[3], "poll-1", LATE)
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))

    logged = backend.store.read(sid)
    (hidden,) = [(v, ev) for v, ev in logged if isinstance(ev, WordHidden)]
    # It names the word's normal form and no one, and it was logged between the close and
    # the reopen, when no vote could be cast.
    assert vars(hidden[1]).keys() == {"poll_id", "word", "hidden", "at"}
    assert hidden[1].word == "plum-hidden"
    closed, reopened = (
        next(v for v, ev in logged if isinstance(ev, kind)) for kind in (PollClosed, PollReopened)
    )
    assert closed < hidden[0] < reopened
    # The room never gets it; the facilitators' record keeps the answer as it was given.
    state = service.current(sid)
    assert state.polls["poll-1"].hidden_words == ["plum-hidden"]
    assert "Plum-Hidden!" in state.polls["poll-1"].ballots
    wait_until(backend.history_settled, 10, "the append-only file rewritten")
    if backend.server is None:
        assert sqlite_pairings(backend.directory / "facilitator.db", sid, "poll-1") == []


def test_erasing_a_session_leaves_nothing_readable(backend: Backend) -> None:
    service = _service(backend.store)
    named = replace(WORDS, id="named_word", anonymous=False)
    sid, console, phones = _started(service, 3)
    service.run(console, lambda st, at: c.OpenPoll(at, named))
    _answer(service, phones[0], "poll-1", "plum-secret-answer")
    service.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    service.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, fruit in zip(phones, FRUIT, strict=False):
        _answer(service, phone, "poll-2", fruit)
    service.run(console, lambda st, at: c.AddNote(at, "walnut-private-note"))
    # Who co-facilitated is kept beside the log (the index an account's sessions are
    # listed from): it goes with the session too.
    service.run(console, lambda st, at: c.InviteCoFacilitator(at, "cobnut-cofacilitator", True))
    secrets_kept = [
        b"plum-secret-answer",
        b"walnut-private-note",
        b"cobnut-cofacilitator",
        *(f.encode() for f in FRUIT),
    ]
    assert any(s in backend.raw_bytes() or s.decode() in backend.live_keys() for s in secrets_kept)

    backend.store.delete(sid)
    service.forget(sid)
    wait_until(backend.history_settled, 10, "the append-only file rewritten")

    def nothing_left() -> bool:
        raw = backend.raw_bytes()
        return not any(s in raw for s in [*secrets_kept, sid.encode()])

    wait_until(nothing_left, 10, "no trace of the erased session")
    assert sid not in backend.live_keys()


def test_erasing_a_course_leaves_nothing_readable(backend: Backend) -> None:
    store = backend.store
    state, log = create_course(replace(course_command("course-erased"), title="rowan-title"))
    script: list[cc.CourseCommand] = [
        cc.Enroll(1e9 + 1, "c-1", "hazel-member-name", "Calm Heron"),
        cc.Enroll(1e9 + 2, "c-2", None, "alder-pseudonym"),
        cc.UpdatePlan(1e9 + 3, "c-1", ("grief",), "aspen-goal", ("birch-person",), "amina"),
        cc.AddPlanNote(1e9 + 4, "c-1", 0, "juniper-plan-note", "amina"),
        cc.OpenMeeting(1e9 + 5, 0, "s-erased"),
        cc.SetStep(1e9 + 6, "c-1", 0, "larch-step-text"),
        cc.RecordMeasure(1e9 + 7, "c-1", 0, "phq-9", 17, "moderately-severe"),
        cc.InviteCourseCoFacilitator(1e9 + 8, "cobnut-cofacilitator", True),
        cc.GrantSupervisor(1e9 + 9, "hornbeam-supervisor"),
    ]
    for command in script:
        log += handle(state, command)
    version = store.append(state.id, 0, log)
    store.save_snapshot(state.id, Snapshot(version, course_state_to_dict(state)))
    secrets_kept = [
        b"rowan-title",
        b"hazel-member-name",
        b"alder-pseudonym",
        b"aspen-goal",
        b"birch-person",
        b"juniper-plan-note",
        b"larch-step-text",
        b"moderately-severe",
        b"cobnut-cofacilitator",
        b"hornbeam-supervisor",
    ]

    def everywhere() -> bool:
        raw, live = backend.raw_bytes(), backend.live_keys()
        return all(s in raw or s.decode() in live for s in secrets_kept)

    wait_until(everywhere, 10, "the course written")

    store.delete_course(state.id)
    wait_until(backend.history_settled, 10, "the append-only file rewritten")

    def nothing_left() -> bool:
        raw = backend.raw_bytes()
        return not any(s in raw for s in [*secrets_kept, state.id.encode()])

    wait_until(nothing_left, 10, "no trace of the erased course")
    assert not any(s.decode() in backend.live_keys() for s in [*secrets_kept, state.id.encode()])


# -- erasing one member ----------------------------------------------------------------


@pytest.fixture(params=["sqlite", "redis"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Backend]]:
    """The whole service on an empty store of each backend, and where its bytes live."""
    from facilitator.app import close_app, create_app
    from facilitator.config import Settings

    server = None
    settings = Settings(data_dir=tmp_path / "data", async_mode="threading", snapshot_every=1)
    if request.param == "redis":
        server = RedisServer(tmp_path / "redis", rdb_preamble=False).start()
        settings = replace(settings, redis_url=server.url())
    app = create_app(settings)
    service = app.extensions["facilitator.api"]
    store = app.extensions["facilitator.service"].store
    directory = tmp_path / ("redis" if server else "data")
    yield service, Backend(request.param, store, directory, server)
    close_app(app)
    if server is not None:
        server.stop()


ERASED_SECRETS = [
    "hazel-erased-name",
    "plum-named-answer",
    "aspen-goal-text",
    "birch-key-person",
    "juniper-plan-note",
    "larch-step-text",
    "severe-band-word",
    "quince-carried-alert",
    "medlar-action-note",
]


def test_erasing_a_course_member_leaves_no_trace_of_them_in_any_artifact(
    served: tuple[Any, Backend],
) -> None:
    service, backend = served
    sessions = service.sessions
    made = service.create_course("amina", "group-ipt-8", "Tuesday group")
    erased = service.join_course(made["join_code"], "hazel-erased-name", "10.0.0.1", consent=True)
    kept = service.join_course(made["join_code"], "rowan-kept-name", "10.0.0.2", consent=True)
    course_id, member = made["course_id"], erased["member_id"]
    meeting = service.open_meeting("amina", course_id, 0, "")["session_id"]
    for phone in (erased, kept):
        service.attend(phone["membership"], "10.0.0.3")
    console = Actor(Role.FACILITATOR, meeting, user="amina")
    sessions.run(console, lambda st, at: c.Start(at))
    named = replace(WORDS, id="named_word", anonymous=False)
    sessions.run(console, lambda st, at: c.OpenPoll(at, named))
    _answer(sessions, Actor(Role.PARTICIPANT, meeting, member), "poll-1", "plum-named-answer")
    _answer(sessions, Actor(Role.PARTICIPANT, meeting, kept["member_id"]), "poll-1", "kept-answer")
    sessions.run(console, lambda st, at: c.ClosePoll(at, "poll-1"))
    sessions.run(console, lambda st, at: c.OpenPoll(at, WORDS))
    for phone, fruit in zip((erased, kept), FRUIT, strict=False):
        _answer(sessions, Actor(Role.PARTICIPANT, meeting, phone["member_id"]), "poll-2", fruit)
    sessions.run(console, lambda st, at: c.ClosePoll(at, "poll-2"))
    service.update_plan(
        "amina", course_id, member, ["grief"], "aspen-goal-text", ["birch-key-person"]
    )
    service.add_plan_note("amina", course_id, member, 0, "juniper-plan-note")
    run = service.courses.run
    run(course_id, lambda st, at: cc.SetStep(at, member, 0, "larch-step-text"))
    run(course_id, lambda st, at: cc.RecordMeasure(at, member, 0, "phq-9", 17, "severe-band-word"))
    alert = cc.AlertToCarry(member, "alert-1", "PHQ-9", "quince-carried-alert", 2, 3, "", 1.0)
    run(course_id, lambda st, at: cc.CloseMeeting(at, 0, (), (), (alert,)))
    note = "medlar-action-note"
    run(
        course_id,
        lambda st, at: cc.RecordCourseRiskAction(at, "m0-alert-1", RiskAction.OTHER, note, "amina"),
    )
    anonymous_before = sessions.current(meeting).polls["poll-2"]

    def everywhere() -> bool:
        raw, live = backend.raw_bytes(), backend.live_keys()
        return all(s.encode() in raw or s in live for s in ERASED_SECRETS)

    wait_until(everywhere, 10, "the member's data written")

    service.erase_member("amina", course_id, member, "10.0.0.9")
    wait_until(backend.history_settled, 10, "the append-only file rewritten")

    def nothing_left() -> bool:
        raw = backend.raw_bytes()
        return not any(s.encode() in raw for s in ERASED_SECRETS)

    wait_until(nothing_left, 20, "no trace of the erased member")
    assert not any(s in backend.live_keys() for s in ERASED_SECRETS)
    # The others' data and the anonymous results stay, read back by a fresh process.
    assert b"rowan-kept-name" in backend.raw_bytes() or "rowan-kept-name" in backend.live_keys()
    sessions.forget(meeting)
    service.courses.forget(course_id)
    again = sessions.current(meeting)
    assert again.polls["poll-1"].answers == {kept["member_id"]: "kept-answer"}
    assert again.polls["poll-2"].count == anonymous_before.count == 2
    assert sorted(again.polls["poll-2"].ballots) == sorted(anonymous_before.ballots)
    course = service.courses.current(course_id)
    assert course.members[member].erased and course.members[member].withdrawn
    # The audit log says an erasure happened, by whom, of which id: nothing more.
    (entry,) = [e for e in backend.store.audit_entries() if e.action == "member_erased"]
    assert (entry.actor, entry.session_id, entry.detail) == ("amina", course_id, member)
    # Exports hold nothing of them either.
    exported = _everything_exported(sessions, meeting)
    assert not any(s in exported for s in ERASED_SECRETS)


def test_erasing_a_member_of_a_one_off_session_leaves_no_trace_of_them(
    served: tuple[Any, Backend],
) -> None:
    service, backend = served
    sessions = service.sessions
    state = sessions.create("amina", "group-ipt-8", 2)
    phones = [
        sessions.join(state.join_code, name, "10.0.0.1")
        for name in ("hazel-erased-name", "rowan-kept-name")
    ]
    console = Actor(Role.FACILITATOR, state.id, user="amina")
    sessions.run(console, lambda st, at: c.Start(at))
    sessions.run(console, lambda st, at: c.OpenPoll(at, replace(WORDS, anonymous=False)))
    _answer(sessions, phones[0], "poll-1", "plum-named-answer")
    _answer(sessions, phones[1], "poll-1", "kept-answer")
    wait_until(
        lambda: (
            b"plum-named-answer" in backend.raw_bytes()
            or "plum-named-answer" in backend.live_keys()
        ),
        10,
        "the answer written",
    )

    service.erase_participant("amina", state.id, phones[0].participant_id, "10.0.0.9")
    wait_until(backend.history_settled, 10, "the append-only file rewritten")

    def nothing_left() -> bool:
        raw = backend.raw_bytes()
        return not any(s in raw for s in (b"hazel-erased-name", b"plum-named-answer"))

    wait_until(nothing_left, 20, "no trace of the erased member")
    assert "hazel-erased-name" not in backend.live_keys()
    sessions.forget(state.id)
    again = sessions.current(state.id)
    assert again.polls["poll-1"].answers == {phones[1].participant_id: "kept-answer"}
    assert again.participants[phones[0].participant_id].name == "Erased member"
