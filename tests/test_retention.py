"""Retention: ended sessions are erased some days after they ended, on a timer or by hand."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from facilitator.app import close_app, create_app
from facilitator.config import Settings
from facilitator.core import course_commands as cc
from facilitator.core.course import create_course, handle
from facilitator.service import retention
from facilitator.service.retention import RetentionSweeper
from facilitator.storage.base import Store
from facilitator.storage.sqlite import SQLiteStore
from tests.course_factories import create_command
from tests.live import Server, wait_until
from tests.sessions_at import DAY, session_at

NOW = 2_000_000_000.0


def test_only_sessions_ended_longer_ago_than_the_limit_are_purged(store: Store) -> None:
    over = session_at(store, "amina", NOW - 10 * DAY, NOW - 7 * DAY - 1)
    under = session_at(store, "amina", NOW - 10 * DAY, NOW - 7 * DAY + 1)
    open_for_long = session_at(store, "bo", NOW - 90 * DAY)
    young = session_at(store, "bo", NOW - DAY, NOW - DAY + 60)
    erased = retention.purge(store, NOW, 7, actor="retention", address="local")
    assert [(p.session_id, p.owner, p.ended_at) for p in erased] == [
        (over, "amina", NOW - 7 * DAY - 1)
    ]
    assert sorted(r.id for r in store.sessions()) == sorted([under, open_for_long, young])
    assert (store.read(over), store.load_snapshot(over)) == ([], None)
    (entry,) = store.audit_entries("amina")
    assert (entry.at, entry.action, entry.actor, entry.session_id, entry.detail) == (
        NOW,
        "session_purged",
        "retention",
        over,
        "ended more than 7 days ago",
    )


def test_a_purge_with_nothing_old_enough_erases_and_records_nothing(store: Store) -> None:
    session_at(store, "amina", NOW - DAY, NOW - DAY + 60)
    assert retention.purge(store, NOW, 7, actor="retention", address="local") == []
    assert len(store.sessions()) == 1
    assert store.audit_entries() == []


def test_the_sweeper_purges_at_start_and_again_as_time_passes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "facilitator.db")
    now = [NOW]
    first = session_at(store, "amina", NOW - 20 * DAY, NOW - 8 * DAY)
    later = session_at(store, "amina", NOW - 20 * DAY, NOW - 6 * DAY)
    erased: list[str] = []
    sweeper = RetentionSweeper(store, 7, lambda: now[0], every=0.05, erased=erased.append)
    task = threading.Thread(target=sweeper.run)
    task.start()
    try:
        wait_until(lambda: erased == [first], 5, "the first sweep")
        sweeps = sweeper.sweeps
        wait_until(lambda: sweeper.sweeps > sweeps + 2, 5, "more sweeps")
        assert [r.id for r in store.sessions()] == [later]
        now[0] = NOW + 2 * DAY  # two days on, the later session is past the limit too
        wait_until(lambda: erased == [first, later], 5, "the sweep two days on")
        assert store.sessions() == []
    finally:
        sweeper.stop()
        task.join(5)
    assert not task.is_alive()
    assert [e.session_id for e in store.audit_entries()] == [first, later]
    store.close()


def test_a_failed_sweep_is_logged_and_the_next_one_still_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLiteStore(tmp_path / "facilitator.db")
    session_at(store, "amina", NOW - 20 * DAY, NOW - 8 * DAY)
    store.close()  # every read now fails
    sweeper = RetentionSweeper(store, 7, lambda: NOW, every=0.01)
    task = threading.Thread(target=sweeper.run)
    task.start()
    wait_until(lambda: sweeper.sweeps >= 2, 5, "two sweeps")
    sweeper.stop()
    task.join(5)
    assert "retention: the sweep failed" in caplog.text


def test_the_app_purges_expired_sessions_when_it_starts(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "facilitator.db")
    now = time.time()
    expired = session_at(store, "amina", now - 40 * DAY, now - 31 * DAY)
    kept = session_at(store, "amina", now - 40 * DAY, now - 29 * DAY)
    settings = Settings(
        data_dir=tmp_path, async_mode="threading", secret_key="k" * 40, retention_days=30
    )
    app = create_app(settings)
    sweeper, task = app.extensions["facilitator.retention"]
    try:
        wait_until(lambda: sweeper.sweeps >= 1, 10, "the sweep at start")
        assert [r.id for r in store.sessions()] == [kept]
        assert [(e.action, e.session_id) for e in store.audit_entries()] == [
            ("session_purged", expired)
        ]
    finally:
        close_app(app)
        store.close()
    assert not task.is_alive()


def test_without_a_retention_setting_nothing_is_purged(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "facilitator.db")
    now = time.time()
    session_at(store, "amina", now - 4000 * DAY, now - 3999 * DAY)
    app = create_app(Settings(data_dir=tmp_path, async_mode="threading", secret_key="k" * 40))
    assert "facilitator.retention" not in app.extensions
    close_app(app)
    assert len(store.sessions()) == 1
    store.close()


def test_a_negative_retention_is_refused() -> None:
    with pytest.raises(ValueError, match="FACILITATOR_RETENTION_DAYS must be 0"):
        Settings.from_env({"FACILITATOR_RETENTION_DAYS": "-3"})


@pytest.mark.slow
def test_a_served_app_under_gevent_purges_at_start_and_keeps_serving(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "facilitator.db")
    now = time.time()
    expired = session_at(store, "amina", now - 40 * DAY, now - 31 * DAY)
    kept = session_at(store, "amina", now - 40 * DAY, now - 29 * DAY)
    server = Server(tmp_path, env={"FACILITATOR_RETENTION_DAYS": "30"}).start()
    try:
        wait_until(lambda: store.version(expired) == 0, 10, "the purge at start")
        assert [r.id for r in store.sessions()] == [kept]
        assert requests.get(server.url + "/healthz", timeout=5).ok
    finally:
        server.stop()
        store.close()


def _course_in(
    store: Store, course_id: str, code: str, meetings: list[tuple[int, float, bool]]
) -> None:
    """Store a course whose meetings (n, opened at, ended an hour later?) were held."""
    state, log = create_course(create_command(course_id, "amina", code))
    for n, at, ended in meetings:
        log += handle(state, cc.OpenMeeting(at, n, f"{course_id}-s{n}"))
        if ended:
            log += handle(state, cc.EndMeeting(at + 3600, n))
    store.append(course_id, 0, log)


def test_a_course_is_purged_once_its_last_meeting_ended_longer_ago_than_the_limit(
    store: Store,
) -> None:
    _course_in(
        store, "course-old", "CCCCCAAAAA", [(0, NOW - 20 * DAY, True), (1, NOW - 9 * DAY, True)]
    )
    _course_in(
        store, "course-recent", "CCCCCDDDDD", [(0, NOW - 20 * DAY, True), (1, NOW - 5 * DAY, True)]
    )
    _course_in(store, "course-open", "CCCCCEEEEE", [(0, NOW - 20 * DAY, False)])
    erased = retention.purge(store, NOW, 7, actor="retention", address="local")
    assert [p.session_id for p in erased] == []  # the sessions' list: no session was old
    assert sorted(r.id for r in store.courses()) == ["course-open", "course-recent"]
    assert (store.read("course-old"), store.load_snapshot("course-old")) == ([], None)
    assert store.course_for_code("CCCCCAAAAA") is None
    (entry,) = [e for e in store.audit_entries("amina") if e.action == "course_purged"]
    assert (entry.session_id, entry.detail) == ("course-old", "last met more than 7 days ago")
