"""The audit log: who signed in, exported, deleted, removed or changed what, and from where.

Entries hold names, ids, times and addresses only: never an answer, a note, a display
name or anything else a person wrote.
"""

from __future__ import annotations

import csv
import dataclasses
import getpass
import io
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from facilitator.errors import Refused
from facilitator.service.exports import _safe
from facilitator.storage.base import AuditEntry, AuditStore, StorageError, Store

log = logging.getLogger(__name__)

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
EXPORT = "export"
SESSION_DELETED = "session_deleted"
COURSE_DELETED = "course_deleted"
SESSION_PURGED = "session_purged"
COURSE_PURGED = "course_purged"
MEMBER_REMOVED = "member_removed"
# A member's name and what they said were erased; the entry holds their random id only.
MEMBER_ERASED = "member_erased"
FACILITATOR_INVITED = "facilitator_invited"
FACILITATOR_REMOVED = "facilitator_removed"
USER_ADDED = "user_added"
USER_REMOVED = "user_removed"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an action, not a secret)
AUDIT_EXPORTED = "audit_exported"

# The address of actions taken on the server itself, by the command line or a timer.
LOCAL = "local"
RETENTION = "retention"
FIELDS = tuple(field.name for field in dataclasses.fields(AuditEntry))


def record(
    store: AuditStore,
    at: float,
    action: str,
    *,
    actor: str,
    address: str,
    owner: str = "",
    session_id: str = "",
    detail: str = "",
) -> None:
    """Keep one audit entry; when the store refuses it, put it in the server log instead."""
    entry = AuditEntry(at, action, actor, address, owner, session_id, detail)
    try:
        store.add_audit(entry)
    except StorageError:
        # Called after the action succeeded: failing the request now would tell the
        # person that nothing happened. The entry (no content in it) goes to the log.
        log.error("audit entry not stored: %s", json.dumps(dataclasses.asdict(entry)))


def command_line_actor() -> str:
    """Return who runs the command line, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def readable_by(
    store: AuditStore, user: str, admins: Sequence[str], of: str | None
) -> list[AuditEntry]:
    """Return the entries `user` may read: their own, or (for an admin) anyone's.

    `of` names the account whose entries are asked for; None means all an admin may
    see, or the user's own.
    """
    admin = user in admins
    if of is not None and of != user and not admin:
        raise Refused("forbidden", "Only an admin may read another account's audit log.")
    if of is None and not admin:
        of = user
    return store.audit_entries(of)


def as_dict(entry: AuditEntry) -> dict[str, object]:
    """Return one entry as plain values for JSON."""
    return dataclasses.asdict(entry)


def as_json_lines(entries: Iterable[AuditEntry]) -> str:
    """Return entries as JSON Lines, one object per entry."""
    return "".join(json.dumps(as_dict(entry), ensure_ascii=False) + "\n" for entry in entries)


def as_csv(entries: Iterable[AuditEntry]) -> str:
    """Return entries as CSV with a header row; times in UTC (ISO 8601)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for entry in entries:
        when = datetime.fromtimestamp(entry.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        writer.writerow([when, *(_safe(value) for value in dataclasses.astuple(entry)[1:])])
    return out.getvalue()


def record_sign_in(
    store: Store, at: float, name: str, address: str, *, succeeded: bool, method: str
) -> None:
    """Record a sign-in or a failed one; a name that is no account is not kept."""
    # People type passwords into the name field: only an existing account's name is
    # written down, and the entry is then that account's to read.
    known = name if succeeded or store.password_hash(name) is not None else ""
    record(
        store,
        at,
        SIGN_IN if succeeded else SIGN_IN_FAILED,
        actor=known,
        address=address,
        owner=known,
        detail=method if known or not name else f"{method}, unknown account",
    )
