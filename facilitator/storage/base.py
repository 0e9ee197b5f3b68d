"""The storage interface every backend implements, and what it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from facilitator.core.events import Event


class StorageError(Exception):
    """The store could not do what was asked; nothing was written."""

    code = "storage_unavailable"


class VersionConflict(StorageError):
    """Another writer appended first: the caller's view of the session is stale."""

    code = "conflict"

    def __init__(self, session_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"session {session_id!r} is at version {actual}, not {expected}: reload and retry"
        )
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class SessionRecord:
    id: str
    title: str
    protocol_id: str
    created_at: float
    version: int
    join_code: str
    owner: str
    # The other facilitator accounts invited to run the session, sorted.
    co_facilitators: tuple[str, ...] = ()


# A stream whose id begins with this is a course's log, not a session's: both live in
# the one event store. The store refuses session events in such a stream, and course
# events elsewhere.
COURSE_PREFIX = "course-"


def is_course(stream_id: str) -> bool:
    return stream_id.startswith(COURSE_PREFIX)


@dataclass(frozen=True)
class CourseRecord:
    """A course as the store indexes it from its log, for listing and finding by code."""

    id: str
    # The neutral public title (the protocol's title is in the log only).
    title: str
    protocol_id: str
    created_at: float
    version: int
    join_code: str
    owner: str
    # The accounts invited to run the course, and those who may read it, each sorted.
    co_facilitators: tuple[str, ...] = ()
    supervisors: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did what, when, from where; never any content."""

    at: float
    action: str
    # The account that acted, "cli:<system user>" for the command line, "retention" for
    # automatic purges, or "" when a sign-in named no existing account.
    actor: str
    address: str
    # The account whose record this is (the one signing in, the session's owner): it
    # decides who may read the entry besides an admin.
    owner: str = ""
    session_id: str = ""
    # What kind of thing: an export's format, a member's id, a purge's age. Never text
    # that a person wrote.
    detail: str = ""


@dataclass(frozen=True)
class SignIn:
    """One browser's sign-in, kept on the server so that it can be ended there."""

    user: str
    created_at: float
    last_seen: float


@dataclass(frozen=True)
class Snapshot:
    version: int
    state: dict[str, Any]


class EventStore(Protocol):
    """An append-only log of events per session, with snapshots.

    A course's log is kept the same way, under a stream id beginning with COURSE_PREFIX:
    `append`, `read`, `version` and the snapshots take either kind of id. A course log
    begins with course_created and holds course events only; a session log holds none.

    `append` is all or nothing and returns only once the events are durable: the
    caller acknowledges to users after it returns. Ballots (events whose class says
    `ballot`) are kept apart from the ordered log, unordered and without time, so
    that no anonymous answer can be matched to its voter by position.
    """

    def append(self, session_id: str, expected_version: int, events: Sequence[Event]) -> int:
        """Append `events` if the log is at `expected_version`; return the new version."""
        ...

    def read(self, session_id: str, since: int = 0) -> list[tuple[int, Event]]:
        """Return (version, event) for every logged event after version `since`."""
        ...

    def version(self, session_id: str) -> int:
        """Return the session's current version, 0 when it does not exist."""
        ...

    def ballots(self, session_id: str, poll_id: str) -> list[Any]:
        """Return the anonymous answers of one poll, in no meaningful order."""
        ...

    def save_snapshot(self, session_id: str, snapshot: Snapshot) -> None:
        """Keep `snapshot` as the session's latest, unless a newer one is kept."""
        ...

    def load_snapshot(self, session_id: str) -> Snapshot | None:
        """Return the session's latest snapshot, if any."""
        ...

    def sessions(self) -> list[SessionRecord]:
        """Return every stored session, newest first."""
        ...

    def delete(self, session_id: str) -> None:
        """Erase a session: its log, ballots and snapshots."""
        ...

    def courses(self) -> list[CourseRecord]:
        """Return every stored course, newest first. `sessions` never lists one."""
        ...

    def delete_course(self, course_id: str) -> None:
        """Erase a course: its log, its index and snapshots, and its join code. The
        sessions of its meetings are erased apart, with `delete`."""
        ...

    def redact(
        self, session_id: str, replacements: Mapping[int, Event], closed_polls: Sequence[str]
    ) -> None:
        """Remove what must not be kept: replace the logged events at the given versions,
        delete the ballot boxes of `closed_polls` and the session's snapshot, and leave no
        history of what was there. Upgrades of data written by older releases use it, and
        erasing a member (service/withdrawal.py), for a session's or a course's log alike.
        """
        ...

    def data_version(self) -> int:
        """Return the version of the stored data's layout, 0 for data of the first release."""
        ...

    def set_data_version(self, version: int) -> None:
        """Record that the stored data has been upgraded to `version`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class AccessStore(Protocol):
    """What access control keeps: join codes, accounts, one-time links, attempt counts."""

    def session_for_code(self, join_code: str) -> str | None:
        """Return the session that `join_code` admits to, if any."""
        ...

    def course_for_code(self, join_code: str) -> str | None:
        """Return the course that `join_code` admits to, if any. Course and session join
        codes are one namespace: no code admits to both."""
        ...

    def courses_of(self, user: str) -> list[CourseRecord]:
        """Return the courses an account owns, co-facilitates or supervises, newest first."""
        ...

    def sessions_of(self, owner: str) -> list[SessionRecord]:
        """Return the sessions an account runs, newest first: those it owns and those it
        was invited to co-facilitate."""
        ...

    def add_user(self, name: str, password_hash: str) -> None:
        """Create a facilitator account; StorageError if the name is taken."""
        ...

    def set_password(self, name: str, password_hash: str) -> None:
        """Replace an account's password hash."""
        ...

    def password_hash(self, name: str) -> str | None:
        """Return an account's password hash, or None when there is no such account."""
        ...

    def has_users(self) -> bool:
        """Return whether any facilitator account exists."""
        ...

    def save_login_token(self, token_hash: str, expires_at: float) -> None:
        """Keep a one-time login link's hash until it is used or expires."""
        ...

    def take_login_token(self, token_hash: str, now: float) -> bool:
        """Use up a one-time login link; False when unknown, used or expired."""
        ...

    def save_relink(self, digest: str, course_id: str, expires_at: float) -> None:
        """Keep a re-link code's digest, and the course it moves a member of, until used."""
        ...

    def take_relink(self, digest: str, now: float) -> str | None:
        """Use up a re-link code; return its course, or None when unknown, used or expired."""
        ...

    def count_attempt(self, key: str, now: float, window: float) -> int:
        """Record one attempt under `key`; return the attempts within the last `window` s."""
        ...

    def attempts(self, key: str, now: float, window: float) -> int:
        """Return the attempts recorded under `key` within the last `window` s."""
        ...

    def add_signin(self, signin_hash: str, user: str, now: float, keep_for: float) -> None:
        """Keep a new sign-in, by the hash of its secret, for at most `keep_for` s."""
        ...

    def signin(self, signin_hash: str) -> SignIn | None:
        """Return a kept sign-in, or None when it was ended or never existed."""
        ...

    def touch_signin(self, signin_hash: str, now: float) -> None:
        """Record that a sign-in was used at `now`."""
        ...

    def end_signin(self, signin_hash: str) -> None:
        """End one sign-in."""
        ...

    def end_signins(self, user: str) -> None:
        """End every sign-in of `user`."""
        ...


class AuditStore(Protocol):
    """The audit log, and the account operations only operators perform."""

    def add_audit(self, entry: AuditEntry) -> None:
        """Keep one audit entry; entries are never changed."""
        ...

    def audit_entries(self, owner: str | None = None) -> list[AuditEntry]:
        """Return the audit entries of `owner` (all when None), oldest first."""
        ...

    def users(self) -> list[str]:
        """Return every facilitator account's name, sorted."""
        ...

    def remove_user(self, name: str) -> bool:
        """Delete an account; False when there was none."""
        ...


@dataclass(frozen=True)
class Holding:
    """A change to the members one process holds a live connection for, in one session.

    With `replace`, `added` is the whole set and whatever was held before is dropped;
    with nothing added or removed, the record is only kept alive.
    """

    session_id: str
    added: frozenset[str] = field(default_factory=frozenset)
    removed: frozenset[str] = field(default_factory=frozenset)
    replace: bool = False


class PresenceStore(Protocol):
    """Who has a live connection, per server process: never logged, and short-lived.

    Each process (a `holder`) keeps a record per session of the members it has a live
    connection for. A record lasts `keep_for` seconds after its holder last wrote it, so
    the record of a process that died without a word disappears by itself.
    """

    def hold(self, holder: str, holdings: Sequence[Holding], keep_for: float) -> list[int]:
        """Apply each change to `holder`'s records and keep them `keep_for` s more;
        return, per holding, how many members `holder` now holds in its session."""
        ...

    def presence_marks(self, session_ids: Sequence[str]) -> dict[str, str]:
        """Return per session a mark that changes whenever a live record of it changes
        or a record lapses, and stays the same otherwise."""
        ...

    def present(self, session_id: str) -> set[str]:
        """Return the members of a session some live process holds a connection for."""
        ...


class Store(EventStore, AccessStore, AuditStore, PresenceStore, Protocol):
    """Everything the app keeps, as one backend provides it."""
