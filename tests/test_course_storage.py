"""What every store promises of course logs; run against SQLite and a real Redis."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from facilitator.core import commands as c
from facilitator.core import course_commands as cc
from facilitator.core import course_events as ce
from facilitator.core.codec import course_state_from_dict, course_state_to_dict
from facilitator.core.course import apply, create_course, fold, handle
from facilitator.core.engine import create
from facilitator.core.events import NoteAdded, SessionStarted
from facilitator.storage.base import CourseRecord, Snapshot, StorageError, Store, VersionConflict
from facilitator.storage.sqlite import SQLiteStore
from tests.course_factories import create_command, enrolled, held, new_course
from tests.factories import AGENDA, T0

CODE = "CCCCCDDDDD"


def _course(
    store: Store, course_id: str = "course-1", owner: str = "asha", code: str = CODE
) -> int:
    _, log = create_course(create_command(course_id, owner, code))
    return store.append(course_id, 0, log)


def _session(store: Store, session_id: str = "s1", code: str = "SSSSSTTTTT") -> int:
    command = c.CreateSession(
        T0, session_id, "group-ipt-8", 1, 2, "Session 2", AGENDA, join_code=code, owner="asha"
    )
    _, events = create(command)
    return store.append(session_id, 0, events)


def _ids(records: list[CourseRecord]) -> list[str]:
    return [r.id for r in records]


# -- the log ---------------------------------------------------------------------------


def test_a_course_log_appends_reads_and_versions_like_a_session_s(store: Store) -> None:
    state, log = enrolled("Ana", "Bo")
    assert store.append("course-1", 0, log[:1]) == 1
    assert store.append("course-1", 1, log[1:]) == 3
    assert store.version("course-1") == 3
    assert store.read("course-1") == list(enumerate(log, start=1))
    assert fold(event for _, event in store.read("course-1")) == state
    assert store.read("course-1", since=2) == [(3, log[2])]


def test_a_stale_append_to_a_course_is_refused_and_writes_nothing(store: Store) -> None:
    _course(store)
    store.append("course-1", 1, [ce.MemberEnrolled("c-1", "Ana", True, T0 + 1)])
    with pytest.raises(VersionConflict, match="at version 2, not 1"):
        store.append(
            "course-1",
            1,
            [ce.SupervisorGranted("sue", T0 + 2), ce.CourseCoFacilitatorInvited("ben", True, T0)],
        )
    assert store.version("course-1") == 2
    assert [type(ev) for _, ev in store.read("course-1")] == [
        ce.CourseCreated,
        ce.MemberEnrolled,
    ]
    assert store.courses_of("sue") == store.courses_of("ben") == []


def test_a_course_log_must_begin_with_course_created_and_have_it_once(store: Store) -> None:
    with pytest.raises(StorageError, match="must begin with course_created"):
        store.append("course-9", 0, [ce.MeetingEnded(1, T0)])
    _course(store)
    _, again = new_course()
    with pytest.raises(StorageError, match="course_created must be the first event"):
        store.append("course-1", 1, again)
    assert (store.version("course-9"), store.version("course-1")) == (0, 1)
    assert _ids(store.courses()) == ["course-1"]


def test_course_and_session_events_keep_to_their_own_logs(store: Store) -> None:
    _course(store)
    _session(store)
    with pytest.raises(StorageError, match="course events only"):
        store.append("course-1", 1, [SessionStarted(T0)])
    with pytest.raises(StorageError, match="course events belong in a course's log"):
        store.append("s1", 1, [ce.MeetingEnded(1, T0)])
    _, course_log = new_course("s2")
    with pytest.raises(StorageError):
        store.append("s2", 0, course_log)  # not a course's id: no course begins there
    assert (store.version("course-1"), store.version("s1"), store.version("s2")) == (1, 1, 0)


def test_course_snapshots_keep_the_newest_and_rebuild_with_the_tail(store: Store) -> None:
    state, log = enrolled("Ana", "Bo")
    version = store.append("course-1", 0, log)
    store.save_snapshot("course-1", Snapshot(version, course_state_to_dict(state)))
    store.save_snapshot("course-1", Snapshot(1, {"stale": True}))
    tail = held(state, 0, {"c-1": "present", "c-2": "absent"}, T0 + 100)
    tail += handle(state, cc.SetStep(T0 + 4000, "c-1", 0, "Call my sister"))
    store.append("course-1", version, tail)

    snapshot = store.load_snapshot("course-1")
    assert snapshot is not None and snapshot.version == version
    rebuilt = course_state_from_dict(json.loads(json.dumps(snapshot.state)))
    for _, event in store.read("course-1", since=snapshot.version):
        apply(rebuilt, event)
    assert rebuilt == state


# -- the index -------------------------------------------------------------------------


def test_a_course_is_indexed_from_its_log_and_never_listed_as_a_session(store: Store) -> None:
    _session(store)
    _course(store)
    store.append("course-1", 1, [ce.MemberEnrolled("c-1", "Ana", True, T0 + 1)])
    assert store.courses() == [
        CourseRecord("course-1", "Tuesday group", "group-ipt-8", T0, 2, CODE, "asha")
    ]
    assert [r.id for r in store.sessions()] == ["s1"]
    assert [r.id for r in store.sessions_of("asha")] == ["s1"]


def test_courses_of_an_account_are_those_it_owns_runs_or_supervises(store: Store) -> None:
    _course(store, "course-1", owner="asha")
    _course(store, "course-2", owner="ben", code="CCCCCEEEEE")
    store.append(
        "course-2",
        1,
        [ce.CourseCoFacilitatorInvited("asha", False, T0 + 1), ce.SupervisorGranted("sue", T0 + 2)],
    )
    store.append("course-1", 1, [ce.SupervisorGranted("sue", T0 + 3)])
    assert _ids(store.courses_of("asha")) == ["course-1", "course-2"]
    assert _ids(store.courses_of("ben")) == ["course-2"]
    assert _ids(store.courses_of("sue")) == ["course-1", "course-2"]
    assert store.courses_of("cleo") == []
    (second,) = [r for r in store.courses() if r.id == "course-2"]
    assert (second.co_facilitators, second.supervisors) == (("asha",), ("sue",))


def test_removed_and_revoked_accounts_no_longer_find_the_course(store: Store) -> None:
    _course(store)
    store.append(
        "course-1",
        1,
        [
            ce.CourseCoFacilitatorInvited("ben", False, T0 + 1),
            ce.CourseCoFacilitatorInvited("ben", True, T0 + 2),
            ce.SupervisorGranted("sue", T0 + 3),
        ],
    )
    assert [(r.co_facilitators, r.supervisors) for r in store.courses()] == [(("ben",), ("sue",))]
    store.append(
        "course-1",
        4,
        [ce.CourseCoFacilitatorRemoved("ben", T0 + 4), ce.SupervisorRevoked("sue", T0 + 5)],
    )
    assert store.courses_of("ben") == store.courses_of("sue") == []
    assert [(r.co_facilitators, r.supervisors, r.version) for r in store.courses()] == [((), (), 6)]


def test_a_grant_and_its_revocation_in_one_append_leave_no_access(store: Store) -> None:
    _course(store)
    store.append(
        "course-1", 1, [ce.SupervisorGranted("sue", T0 + 1), ce.SupervisorRevoked("sue", T0 + 2)]
    )
    assert store.courses_of("sue") == []


# -- join codes --------------------------------------------------------------------------


def test_a_course_code_finds_the_course_and_no_session(store: Store) -> None:
    _course(store)
    _session(store, code="SSSSSTTTTT")
    assert store.course_for_code(CODE) == "course-1"
    assert store.session_for_code(CODE) is None
    assert store.course_for_code("SSSSSTTTTT") is None
    assert store.session_for_code("SSSSSTTTTT") == "s1"
    assert store.course_for_code("XXXXXYYYYY") is None


def test_a_course_cannot_take_a_live_session_s_code(store: Store) -> None:
    _session(store, code=CODE)
    with pytest.raises(VersionConflict):
        _course(store, code=CODE)
    assert (store.version("course-1"), store.courses()) == (0, [])
    assert store.session_for_code(CODE) == "s1"


def test_a_session_cannot_take_a_course_s_code(store: Store) -> None:
    _course(store, code=CODE)
    with pytest.raises(VersionConflict):
        _session(store, code=CODE)
    assert (store.version("s1"), store.sessions()) == (0, [])
    assert store.course_for_code(CODE) == "course-1"


def test_two_courses_cannot_share_a_code_or_an_id(store: Store) -> None:
    _course(store, "course-1")
    with pytest.raises(VersionConflict):
        _course(store, "course-2")
    with pytest.raises(VersionConflict):
        _course(store, "course-1", code="CCCCCEEEEE")
    assert _ids(store.courses()) == ["course-1"]


# -- deleting ---------------------------------------------------------------------------


def test_deleting_a_course_erases_its_log_index_snapshot_and_code(store: Store) -> None:
    _session(store)
    state, log = enrolled("Ana")
    log += handle(state, cc.InviteCourseCoFacilitator(T0 + 5, "ben", True))
    log += handle(state, cc.GrantSupervisor(T0 + 6, "sue"))
    store.append("course-1", 0, log)
    store.save_snapshot("course-1", Snapshot(len(log), course_state_to_dict(state)))
    _course(store, "course-2", code="CCCCCEEEEE")

    store.delete_course("course-1")

    assert (store.read("course-1"), store.version("course-1")) == ([], 0)
    assert store.load_snapshot("course-1") is None
    assert store.course_for_code(CODE) is None
    assert _ids(store.courses()) == ["course-2"]
    assert store.courses_of("ben") == store.courses_of("sue") == []
    # The rest stays, and the freed code may be drawn again.
    assert (store.version("s1"), store.version("course-2")) == (1, 1)
    assert _session(store, "s3", code=CODE) == 1


def test_deleting_an_unknown_course_is_harmless(store: Store) -> None:
    _course(store)
    store.delete_course("course-9")
    assert _ids(store.courses()) == ["course-1"]


def test_a_course_and_a_session_keep_their_logs_apart(store: Store) -> None:
    # A course's and a session's logs with the same versions stay apart.
    _course(store)
    _session(store)
    store.append("s1", 1, [NoteAdded("note-1", "x", T0)])
    store.append("course-1", 1, [ce.MemberEnrolled("c-1", "Ana", True, T0)])
    assert [type(ev) for _, ev in store.read("s1", since=1)] == [NoteAdded]
    assert [type(ev) for _, ev in store.read("course-1", since=1)] == [ce.MemberEnrolled]


def test_a_course_record_keeps_the_public_title_only(store: Store) -> None:
    _course(store)
    command = replace(create_command("course-2", join_code="CCCCCEEEEE"), title="Thursday group")
    store.append("course-2", 0, create_course(command)[1])
    titles = {r.id: r.title for r in store.courses()}
    assert titles == {"course-1": "Tuesday group", "course-2": "Thursday group"}
    assert "Group IPT" not in repr(store.courses_of("asha"))


def test_a_database_of_a_release_before_courses_gains_them_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SQLiteStore(path)
    _session(store, code=CODE)
    store.close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE course_access")
    db.execute("DROP TABLE courses")
    db.close()
    store = SQLiteStore(path)
    try:
        assert (store.courses(), store.courses_of("asha")) == ([], [])
        with pytest.raises(VersionConflict):
            _course(store, code=CODE)  # the older session's code is still its own
        assert _course(store, code="CCCCCEEEEE") == 1
        assert _ids(store.courses_of("asha")) == ["course-1"]
        assert [r.id for r in store.sessions()] == ["s1"]
    finally:
        store.close()
