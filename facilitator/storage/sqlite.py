"""The embedded default store: one SQLite file in WAL mode."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from facilitator.core.codec import event_from_dict, event_to_dict
from facilitator.core.course_events import (
    CourseCoFacilitatorInvited,
    CourseCoFacilitatorRemoved,
    CourseCreated,
    CourseEvent,
    SupervisorGranted,
    SupervisorRevoked,
)
from facilitator.core.events import (
    BallotCast,
    CoFacilitatorInvited,
    CoFacilitatorRemoved,
    Event,
    PollClosed,
    SessionCreated,
)
from facilitator.private_files import private_dir, private_file
from facilitator.storage.base import (
    AuditEntry,
    CourseRecord,
    Holding,
    SessionRecord,
    SignIn,
    Snapshot,
    StorageError,
    VersionConflict,
    is_course,
)
from facilitator.storage.history import HistoryEraser
from facilitator.storage.memory_presence import MemoryPresence

T = TypeVar("T")
# Seconds an attempt is kept at most, whatever its key: longer than any limit's window.
ATTEMPTS_KEPT = 3600.0
log = logging.getLogger(__name__)


class Offload(Protocol):
    """Run a callable to completion and return its result, e.g. in a thread pool."""

    def __call__(self, call: Callable[[], T], /) -> T: ...


def _inline(call: Callable[[], T]) -> T:
    return call()


SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    protocol_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    version INTEGER NOT NULL,
    join_code TEXT UNIQUE,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (session_id, version)
) WITHOUT ROWID;
-- Keyed by a random id and stored WITHOUT ROWID, so rows sit in random order: nothing
-- here says who answered or when, or in which order the answers came.
CREATE TABLE IF NOT EXISTS ballots (
    session_id TEXT NOT NULL,
    poll_id TEXT NOT NULL,
    id BLOB NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (session_id, poll_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_tokens (
    token_hash TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS relink_codes (
    digest TEXT PRIMARY KEY,
    course_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_key ON attempts (key, at);
CREATE TABLE IF NOT EXISTS signins (
    signin_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS signins_by_user ON signins (user);
CREATE INDEX IF NOT EXISTS attempts_by_time ON attempts (at);
CREATE TABLE IF NOT EXISTS snapshots (
    session_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
-- Kept apart from the sessions: deleting or purging a session leaves its audit entries.
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    address TEXT NOT NULL,
    owner TEXT NOT NULL,
    session_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_owner ON audit (owner, seq);
-- Who co-facilitates which session: the log's co_facilitator events, kept in the same
-- transaction as they are logged, so that an account's list of sessions finds them.
-- Created here in a database of an older release too, empty as its logs have no such
-- events.
CREATE TABLE IF NOT EXISTS co_facilitators (
    session_id TEXT NOT NULL,
    user TEXT NOT NULL,
    PRIMARY KEY (session_id, user)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS co_facilitators_by_user ON co_facilitators (user);
-- Courses: their logs share the events and snapshots tables (their ids begin "course-");
-- these index them, kept from the log's events in the same transaction as they are
-- logged. A course's join code is unique among sessions' codes too (see append).
CREATE TABLE IF NOT EXISTS courses (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    protocol_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    version INTEGER NOT NULL,
    join_code TEXT UNIQUE,
    owner TEXT NOT NULL
);
-- Who besides the owner may see a course: role "co_facilitator" or "supervisor".
CREATE TABLE IF NOT EXISTS course_access (
    course_id TEXT NOT NULL,
    role TEXT NOT NULL,
    user TEXT NOT NULL,
    PRIMARY KEY (course_id, role, user)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS course_access_by_user ON course_access (user);
"""

# Session records, each with its co-facilitators as a JSON list (sorted in _record).
_RECORDS = (
    "SELECT id, title, protocol_id, created_at, version, coalesce(join_code, ''), owner, "
    "(SELECT json_group_array(user) FROM co_facilitators WHERE session_id = sessions.id) "
    "FROM sessions "
)
_NEWEST_FIRST = "ORDER BY created_at DESC, id"
# The sessions an account owns or co-facilitates (built of the constants above only).
_RECORDS_OF = (
    _RECORDS  # noqa: S608
    + "WHERE owner = ? OR id IN (SELECT session_id FROM co_facilitators WHERE user = ?) "
    + _NEWEST_FIRST
)


# Course records, each with its co-facilitators and supervisors as JSON lists.
_COURSE_RECORDS = (
    "SELECT id, title, protocol_id, created_at, version, coalesce(join_code, ''), owner, "
    "(SELECT json_group_array(user) FROM course_access "
    " WHERE course_id = courses.id AND role = 'co_facilitator'), "
    "(SELECT json_group_array(user) FROM course_access "
    " WHERE course_id = courses.id AND role = 'supervisor') "
    "FROM courses "
)
_COURSE_RECORDS_OF = (
    _COURSE_RECORDS  # noqa: S608
    + "WHERE owner = ? OR id IN (SELECT course_id FROM course_access WHERE user = ?) "
    + _NEWEST_FIRST
)
# What each course event does to a course's access list: (role, granted).
_ACCESS: dict[type[Event], tuple[str, bool]] = {
    CourseCoFacilitatorInvited: ("co_facilitator", True),
    CourseCoFacilitatorRemoved: ("co_facilitator", False),
    SupervisorGranted: ("supervisor", True),
    SupervisorRevoked: ("supervisor", False),
}


@dataclass
class _Write:
    """One writer's work in a group commit, and what became of it."""

    work: Callable[[sqlite3.Connection], Any]
    # When the write-ahead log must be emptied after this write (see SQLiteStore._scrub):
    # "now", before it is acknowledged, after a close or an erasure; "soon" after a ballot.
    scrub: str = ""
    done: bool = False
    result: Any = None
    error: BaseException | None = None


def _make_private(path: Path) -> None:
    """Create the database 0600 in a 0700 directory before SQLite opens it."""
    private_dir(path.parent)
    # SQLite gives the WAL and shared-memory files the mode of the database file; those
    # left by an older version are tightened here too.
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file == path or file.exists():
            private_file(file)


class SQLiteStore:
    """An EventStore in one SQLite file; safe for threads and greenlets of one process."""

    def __init__(
        self, path: str | Path, offload: Offload | None = None, *, scrub_every: float = 1.0
    ) -> None:
        # A commit waits for the disk (synchronous=FULL); under gevent that wait would
        # stop every other connection, so the server hands writes to a thread.
        self._offload: Offload = offload or _inline
        if str(path) != ":memory:":
            _make_private(Path(path))
        self._lock = threading.Lock()
        self._closed = False
        # Who is connected lives in memory: it ends with the one process this store
        # serves, so a restart (or a crash) never shows a phone that closed meanwhile.
        self._presence = MemoryPresence()
        self._queue_guard = threading.Lock()
        self._queue: list[_Write] = []
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss too, not only a crash of this process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        # Deleted rows are overwritten with zeros, in the file and in the pages the WAL
        # copies back, so that an erased session or ballot box cannot be read from free space.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(SCHEMA)
        # Reads have a connection of their own: in WAL mode they see the last commit and
        # never wait for one in progress, which may be waiting for the disk.
        self._reader, self._read_lock = self._db, self._lock
        if str(path) != ":memory:":
            self._reader = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._reader.execute("PRAGMA busy_timeout=5000")
            self._read_lock = threading.Lock()
        # A crash may have left history in the WAL (a ballot beside its vote): empty it now.
        self._scrub()
        self._eraser = HistoryEraser(self._scrub_later, scrub_every, name="wal-scrub")

    def _write(self, work: Callable[[sqlite3.Connection], T], *, scrub: str = "") -> T:
        """Run `work` in a transaction and return once it is durable.

        Group commit: writers queue their work, and whoever holds the lock next commits
        everything queued in one transaction (off the event loop when an offload is
        set), each write under its own savepoint. One disk flush then serves a burst of
        answers instead of one flush each; a write that fails leaves the others intact.
        """
        write = _Write(work, scrub)
        with self._queue_guard:
            self._queue.append(write)
        with self._lock:
            if not write.done:
                with self._queue_guard:
                    batch, self._queue = self._queue, []
                self._offload(lambda: self._commit(batch))
        if write.error is not None:
            raise write.error
        if write.scrub == "soon":
            self._eraser.request()
        return cast(T, write.result)

    def _commit(self, batch: list[_Write]) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            for write in batch:
                db.execute("SAVEPOINT write")
                try:
                    write.result = write.work(db)
                except Exception as error:
                    db.execute("ROLLBACK TO write")
                    write.error = error
                db.execute("RELEASE write")
            db.execute("COMMIT")
            if any(write.scrub == "now" for write in batch):
                self._scrub()
        except BaseException as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            # Nothing of this batch was kept; an interruption is this writer's alone.
            failure = error if isinstance(error, Exception) else StorageError("write interrupted")
            for write in batch:
                write.error = write.error or failure
            if failure is not error:
                raise
        finally:
            for write in batch:
                write.done = True

    def _scrub(self) -> bool:
        """Copy the WAL into the database and empty it, so it keeps no write history.

        The WAL holds every commit since the last checkpoint, in order: an answer's commit
        holds its ballot and its voter side by side, and an erased session stays readable
        there until the WAL is overwritten. A TRUNCATE checkpoint empties it. It runs
        before a close or an erasure is acknowledged, and at most every `scrub_every`
        seconds after ballots: once per answer, its disk flushes made a burst of a
        thousand answers several times slower.
        """
        try:
            # Readers finish their statement within the busy time-out, which this waits for.
            busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as error:
            busy, detail = 1, str(error)
        else:
            detail = "a reader held the log"
        if busy:
            # The commit stands; the next scrub (at the latest on the next start) empties it.
            log.warning("could not empty the SQLite write-ahead log: %s", detail)
        return not busy

    def _scrub_later(self) -> bool:
        """Empty the WAL from the background, between group commits."""
        with self._lock:
            if self._closed:
                return True
            return self._offload(self._scrub)

    def append(self, session_id: str, expected_version: int, events: Sequence[Event]) -> int:
        if is_course(session_id):
            return self._append_course(session_id, expected_version, events)
        if any(isinstance(event, CourseEvent) for event in events):
            raise StorageError("course events belong in a course's log")
        # Encoded here, so that the transaction (on a thread, under the lock) runs SQL only.
        ballots = [
            (session_id, event.poll_id, os.urandom(16), json.dumps(event.value))
            for event in events
            if isinstance(event, BallotCast)
        ]
        logged = [event for event in events if not isinstance(event, BallotCast)]
        rows = [
            (session_id, expected_version + n, event.name, json.dumps(event_to_dict(event)))
            for n, event in enumerate(logged, start=1)
        ]
        version = expected_version + len(logged)
        created = [event for event in logged if isinstance(event, SessionCreated)]
        # A closed poll's results travel in its poll_closed event (or are dropped below
        # its threshold); its ballot box goes in the same commit.
        closed = [(session_id, event.poll_id) for event in logged if isinstance(event, PollClosed)]
        # In log order: a removal undoes an invitation earlier in the same append.
        facilitators = [
            (isinstance(event, CoFacilitatorInvited), (session_id, event.user))
            for event in logged
            if isinstance(event, (CoFacilitatorInvited, CoFacilitatorRemoved))
        ]

        def write(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT version FROM sessions WHERE id = ?", (session_id,)).fetchone()
            actual = row[0] if row else 0
            if actual != expected_version:
                raise VersionConflict(session_id, expected_version, actual)
            if created and (actual != 0 or logged[0] is not created[0] or len(created) > 1):
                raise StorageError("session_created must be the first event")
            if actual == 0 and logged and not created:
                raise StorageError("a session log must begin with session_created")
            for event in created:
                _code_free(db, event.join_code, "courses", session_id, expected_version)
                db.execute(
                    "INSERT INTO sessions VALUES (?, ?, ?, ?, 0, ?, ?)",
                    (
                        session_id,
                        event.title,
                        event.protocol_id,
                        event.at,
                        event.join_code or None,
                        event.owner,
                    ),
                )
            db.executemany("INSERT INTO ballots VALUES (?, ?, ?, ?)", ballots)
            db.executemany("DELETE FROM ballots WHERE session_id = ? AND poll_id = ?", closed)
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
            for invited, row in facilitators:
                if invited:  # a changed grant is invited again: the row is there already
                    db.execute("INSERT OR IGNORE INTO co_facilitators VALUES (?, ?)", row)
                else:
                    db.execute("DELETE FROM co_facilitators WHERE session_id = ? AND user = ?", row)
            db.execute("UPDATE sessions SET version = ? WHERE id = ?", (version, session_id))
            return version

        try:
            return self._write(write, scrub="now" if closed else "soon" if ballots else "")
        except sqlite3.IntegrityError as error:
            raise VersionConflict(session_id, expected_version, -1) from error
        except sqlite3.Error as error:
            raise StorageError(f"could not write to the session store: {error}") from error

    def _append_course(self, course_id: str, expected_version: int, events: Sequence[Event]) -> int:
        if not all(isinstance(event, CourseEvent) for event in events):
            raise StorageError("a course's log holds course events only")
        rows = [
            (course_id, expected_version + n, event.name, json.dumps(event_to_dict(event)))
            for n, event in enumerate(events, start=1)
        ]
        version = expected_version + len(events)
        created = [event for event in events if isinstance(event, CourseCreated)]
        # In log order: a removal undoes a grant earlier in the same append.
        access = [
            (*_ACCESS[type(event)], getattr(event, "user", ""))
            for event in events
            if type(event) in _ACCESS
        ]

        def write(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT version FROM courses WHERE id = ?", (course_id,)).fetchone()
            actual = row[0] if row else 0
            if actual != expected_version:
                raise VersionConflict(course_id, expected_version, actual)
            if created and (actual != 0 or events[0] is not created[0] or len(created) > 1):
                raise StorageError("course_created must be the first event")
            if actual == 0 and events and not created:
                raise StorageError("a course log must begin with course_created")
            for event in created:
                _code_free(db, event.join_code, "sessions", course_id, expected_version)
                db.execute(
                    "INSERT INTO courses VALUES (?, ?, ?, ?, 0, ?, ?)",
                    (
                        course_id,
                        event.title,
                        event.protocol_id,
                        event.at,
                        event.join_code or None,
                        event.owner,
                    ),
                )
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
            for role, granted, user in access:
                if granted:  # a changed export grant is invited again: the row is there
                    db.execute(
                        "INSERT OR IGNORE INTO course_access VALUES (?, ?, ?)",
                        (course_id, role, user),
                    )
                else:
                    db.execute(
                        "DELETE FROM course_access WHERE course_id = ? AND role = ? AND user = ?",
                        (course_id, role, user),
                    )
            db.execute("UPDATE courses SET version = ? WHERE id = ?", (version, course_id))
            return version

        try:
            return self._write(write)
        except sqlite3.IntegrityError as error:
            raise VersionConflict(course_id, expected_version, -1) from error
        except sqlite3.Error as error:
            raise StorageError(f"could not write to the session store: {error}") from error

    def hold(self, holder: str, holdings: Sequence[Holding], keep_for: float) -> list[int]:
        return self._presence.hold(holder, holdings, keep_for)

    def presence_marks(self, session_ids: Sequence[str]) -> dict[str, str]:
        return self._presence.presence_marks(session_ids)

    def present(self, session_id: str) -> set[str]:
        return self._presence.present(session_id)

    def read(self, session_id: str, since: int = 0) -> list[tuple[int, Event]]:
        rows = self._query(
            "SELECT version, data FROM events WHERE session_id = ? AND version > ? "
            "ORDER BY version",
            (session_id, since),
        )
        return [(version, event_from_dict(json.loads(data))) for version, data in rows]

    def version(self, session_id: str) -> int:
        table = "courses" if is_course(session_id) else "sessions"
        rows = self._query(f"SELECT version FROM {table} WHERE id = ?", (session_id,))  # noqa: S608
        return int(rows[0][0]) if rows else 0

    def ballots(self, session_id: str, poll_id: str) -> list[Any]:
        rows = self._query(
            "SELECT value FROM ballots WHERE session_id = ? AND poll_id = ?", (session_id, poll_id)
        )
        return [json.loads(value) for (value,) in rows]

    def save_snapshot(self, session_id: str, snapshot: Snapshot) -> None:
        data = json.dumps(snapshot.state)
        self._write(
            lambda db: db.execute(
                "INSERT INTO snapshots VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE "
                "SET version = excluded.version, data = excluded.data "
                "WHERE excluded.version > snapshots.version",
                (session_id, snapshot.version, data),
            )
        )

    def load_snapshot(self, session_id: str) -> Snapshot | None:
        rows = self._query(
            "SELECT version, data FROM snapshots WHERE session_id = ?", (session_id,)
        )
        return Snapshot(rows[0][0], json.loads(rows[0][1])) if rows else None

    def sessions(self) -> list[SessionRecord]:
        rows = self._query(_RECORDS + _NEWEST_FIRST, ())
        return [_record(row) for row in rows]

    def session_for_code(self, join_code: str) -> str | None:
        rows = self._query("SELECT id FROM sessions WHERE join_code = ?", (join_code,))
        return str(rows[0][0]) if rows else None

    def sessions_of(self, owner: str) -> list[SessionRecord]:
        rows = self._query(_RECORDS_OF, (owner, owner))
        return [_record(row) for row in rows]

    def courses(self) -> list[CourseRecord]:
        return [_course_record(row) for row in self._query(_COURSE_RECORDS + _NEWEST_FIRST, ())]

    def courses_of(self, user: str) -> list[CourseRecord]:
        return [_course_record(row) for row in self._query(_COURSE_RECORDS_OF, (user, user))]

    def course_for_code(self, join_code: str) -> str | None:
        rows = self._query("SELECT id FROM courses WHERE join_code = ?", (join_code,))
        return str(rows[0][0]) if rows else None

    def add_user(self, name: str, password_hash: str) -> None:
        try:
            self._write(
                lambda db: db.execute("INSERT INTO users VALUES (?, ?)", (name, password_hash))
            )
        except sqlite3.IntegrityError as error:
            raise StorageError(f"a user named {name!r} already exists") from error

    def set_password(self, name: str, password_hash: str) -> None:
        self._write(
            lambda db: db.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)
            )
        )

    def password_hash(self, name: str) -> str | None:
        rows = self._query("SELECT password_hash FROM users WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def has_users(self) -> bool:
        return bool(self._query("SELECT 1 FROM users LIMIT 1", ()))

    def save_login_token(self, token_hash: str, expires_at: float) -> None:
        self._write(
            lambda db: db.execute(
                "INSERT INTO login_tokens VALUES (?, ?)", (token_hash, expires_at)
            )
        )

    def take_login_token(self, token_hash: str, now: float) -> bool:
        def take(db: sqlite3.Connection) -> bool:
            found = db.execute(
                "DELETE FROM login_tokens WHERE token_hash = ? AND expires_at > ? RETURNING 1",
                (token_hash, now),
            ).fetchall()
            db.execute("DELETE FROM login_tokens WHERE expires_at <= ?", (now,))
            return bool(found)

        return self._write(take)

    def save_relink(self, digest: str, course_id: str, expires_at: float) -> None:
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO relink_codes VALUES (?, ?, ?)",
                (digest, course_id, expires_at),
            )
        )

    def take_relink(self, digest: str, now: float) -> str | None:
        def take(db: sqlite3.Connection) -> str | None:
            found = db.execute(
                "DELETE FROM relink_codes WHERE digest = ? AND expires_at > ? RETURNING course_id",
                (digest, now),
            ).fetchall()
            db.execute("DELETE FROM relink_codes WHERE expires_at <= ?", (now,))
            return str(found[0][0]) if found else None

        return self._write(take)

    def count_attempt(self, key: str, now: float, window: float) -> int:
        def count(db: sqlite3.Connection) -> int:
            # Only this key's attempts go at its own window: other keys count over longer
            # ones (failed sign-ins over fifteen minutes, joins over one). Anything older
            # than the longest window goes whatever its key: no address is kept for long.
            db.execute("DELETE FROM attempts WHERE key = ? AND at <= ?", (key, now - window))
            db.execute("DELETE FROM attempts WHERE at <= ?", (now - max(window, ATTEMPTS_KEPT),))
            db.execute("INSERT INTO attempts VALUES (?, ?)", (key, now))
            (n,) = db.execute("SELECT count(*) FROM attempts WHERE key = ?", (key,)).fetchone()
            return int(n)

        return self._write(count)

    def attempts(self, key: str, now: float, window: float) -> int:
        rows = self._query(
            "SELECT count(*) FROM attempts WHERE key = ? AND at > ?", (key, now - window)
        )
        return int(rows[0][0])

    def add_signin(self, signin_hash: str, user: str, now: float, keep_for: float) -> None:
        def add(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM signins WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO signins VALUES (?, ?, ?, ?, ?)",
                (signin_hash, user, now, now, now + keep_for),
            )

        self._write(add)

    def signin(self, signin_hash: str) -> SignIn | None:
        rows = self._query(
            "SELECT user, created_at, last_seen FROM signins WHERE signin_hash = ?",
            (signin_hash,),
        )
        return SignIn(*rows[0]) if rows else None

    def touch_signin(self, signin_hash: str, now: float) -> None:
        self._write(
            lambda db: db.execute(
                "UPDATE signins SET last_seen = ? WHERE signin_hash = ?", (now, signin_hash)
            )
        )

    def end_signin(self, signin_hash: str) -> None:
        self._write(
            lambda db: db.execute("DELETE FROM signins WHERE signin_hash = ?", (signin_hash,))
        )

    def end_signins(self, user: str) -> None:
        self._write(lambda db: db.execute("DELETE FROM signins WHERE user = ?", (user,)))

    def delete(self, session_id: str) -> None:
        def erase(db: sqlite3.Connection) -> None:
            for table, column in (
                ("events", "session_id"),
                ("ballots", "session_id"),
                ("snapshots", "session_id"),
                ("co_facilitators", "session_id"),
                ("sessions", "id"),
            ):
                db.execute(f"DELETE FROM {table} WHERE {column} = ?", (session_id,))  # noqa: S608

        self._write(erase, scrub="now")

    def delete_course(self, course_id: str) -> None:
        def erase(db: sqlite3.Connection) -> None:
            for table, column in (
                ("events", "session_id"),
                ("snapshots", "session_id"),
                ("course_access", "course_id"),
                ("relink_codes", "course_id"),
                ("courses", "id"),
            ):
                db.execute(f"DELETE FROM {table} WHERE {column} = ?", (course_id,))  # noqa: S608

        # Secure delete zeroes the rows; emptying the WAL before returning leaves no copy
        # of a member's name, plan or steps in the write history either.
        self._write(erase, scrub="now")

    def redact(
        self, session_id: str, replacements: Mapping[int, Event], closed_polls: Sequence[str]
    ) -> None:
        rows = [
            (json.dumps(event_to_dict(event)), session_id, version)
            for version, event in replacements.items()
        ]

        def work(db: sqlite3.Connection) -> None:
            db.executemany("UPDATE events SET data = ? WHERE session_id = ? AND version = ?", rows)
            db.executemany(
                "DELETE FROM ballots WHERE session_id = ? AND poll_id = ?",
                [(session_id, poll_id) for poll_id in closed_polls],
            )
            db.execute("DELETE FROM snapshots WHERE session_id = ?", (session_id,))

        self._write(work, scrub="now")

    def data_version(self) -> int:
        return int(self._query("PRAGMA user_version", ())[0][0])

    def set_data_version(self, version: int) -> None:
        self._write(lambda db: db.execute(f"PRAGMA user_version = {int(version)}"))

    def close(self) -> None:
        self._eraser.close()  # first: it may be waiting for the lock
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._scrub()
            self._db.close()
        with self._read_lock:
            self._reader.close()  # closing twice (":memory:" has one connection) is harmless

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            with self._read_lock:
                return self._reader.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StorageError(f"could not read the session store: {error}") from error

    # -- the audit log and account operations -------------------------------------------

    def add_audit(self, entry: AuditEntry) -> None:
        row = (
            entry.at,
            entry.action,
            entry.actor,
            entry.address,
            entry.owner,
            entry.session_id,
            entry.detail,
        )
        self._write(
            lambda db: db.execute(
                "INSERT INTO audit (at, action, actor, address, owner, session_id, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )

    def audit_entries(self, owner: str | None = None) -> list[AuditEntry]:
        columns = "SELECT at, action, actor, address, owner, session_id, detail FROM audit"
        if owner is None:
            rows = self._query(f"{columns} ORDER BY seq", ())
        else:
            rows = self._query(f"{columns} WHERE owner = ? ORDER BY seq", (owner,))
        return [AuditEntry(*row) for row in rows]

    def users(self) -> list[str]:
        return [str(name) for (name,) in self._query("SELECT name FROM users ORDER BY name", ())]

    def remove_user(self, name: str) -> bool:
        def remove(db: sqlite3.Connection) -> bool:
            return db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

        return self._write(remove)


def _record(row: tuple[Any, ...]) -> SessionRecord:
    session_id, title, protocol_id, created_at, version, join_code, owner, users = row
    return SessionRecord(
        session_id,
        title,
        protocol_id,
        created_at,
        version,
        join_code,
        owner,
        tuple(sorted(json.loads(users))),
    )


def _code_free(
    db: sqlite3.Connection, join_code: str, other: str, stream_id: str, expected: int
) -> None:
    """Refuse a join code the other kind of stream (courses or sessions) has already,
    as a taken code of the same kind is refused: courses and sessions share one namespace."""
    if (
        join_code
        and db.execute(
            f"SELECT 1 FROM {other} WHERE join_code = ?",  # noqa: S608 (a table name of ours)
            (join_code,),
        ).fetchone()
    ):
        raise VersionConflict(stream_id, expected, -1)


def _course_record(row: tuple[Any, ...]) -> CourseRecord:
    course_id, title, protocol_id, created_at, version, join_code, owner, cofacs, supers = row
    return CourseRecord(
        course_id,
        title,
        protocol_id,
        created_at,
        version,
        join_code,
        owner,
        tuple(sorted(json.loads(cofacs))),
        tuple(sorted(json.loads(supers))),
    )
