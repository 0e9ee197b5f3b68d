"""The shared store for several processes: one Redis (standalone or behind Sentinel).

Keys, all under one prefix (default "facilitator:"), per session id S:
    session:S        hash: id, title, protocol_id, created_at, join_code, owner, version
    log:S            stream: one entry per logged event, entry id "<version>-0"
    ballots:S:P      sorted set of open poll P's anonymous answers (see _ballot_member);
                     removed when P closes, its results being in its poll_closed event
    polls:S          set of the poll ids that have a ballot box
    snapshot:S       hash: version, data
    facilitators:S   set of the accounts invited to co-facilitate S, kept from the log's
                     co_facilitator events by the same script that logs them
    code:C           the session id join code C admits to
    sessions         set of every session id
    users            hash: name -> password hash
    login:H          one-time login link H: its expiry time (also a Redis expiry)
    attempts:K       sorted set of attempt times under key K
    data_version     the layout version of the data (see service/upgrades.py)
    audit            stream: one entry per audit log line (apart from any session's keys)
    signin:H         hash: user, created_at, last_seen of sign-in H (expires with it)
    signins:U        set of user U's sign-in hashes
    presence:S:H     set: the members of S that server process H has a live connection
                     for; expires unless H writes it again (see HOLD)
    presence:S       hash: H -> a random mark, new whenever H's set of S changes

and per course id C (beginning "course-"; its log and snapshot are log:C and snapshot:C):
    course:C         hash: id, title, protocol_id, created_at, join_code, owner, version
    courses          set of every course id
    facilitators:C   set of the accounts invited to run the course (as for sessions)
    supervisors:C    set of the accounts that may read the course
    code:C           shared with sessions, so that no code admits to both: the value is
                     a session's or a course's id, and each lookup ignores the other kind

An append is one Lua script: it checks the version, writes the events and ballots,
updates the co-facilitators and moves the version, or writes nothing. After ballots,
closed polls and erasures, Redis is asked to rewrite its append-only file (see
aof_rewrite.py). Scripts name keys built from the prefix, which standalone Redis and
Sentinel allow; Redis Cluster does not and is not supported.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

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
from facilitator.core.messages import N_
from facilitator.storage.aof_rewrite import AofRewriter
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
from facilitator.storage.breaker import Breaker

DEFAULT_PREFIX = "facilitator:"
log = logging.getLogger(__name__)
T = TypeVar("T")
UNAVAILABLE = N_("the session store is unavailable: nothing was saved; try again in a moment")
# How the course append script is told of a change to a course's access lists.
_ACCESS_MARKS: dict[type[Event], str] = {
    CourseCoFacilitatorInvited: "i",
    CourseCoFacilitatorRemoved: "r",
    SupervisorGranted: "g",
    SupervisorRevoked: "v",
}

# KEYS: session hash, log stream, poll-id set, sessions set, co-facilitator set.
# ARGV: prefix, session id, expected version, refusal ("" when the events are valid),
#       "1" when creating the session (else ""), its title, protocol_id, created_at,
#       join_code and owner, then four values per event:
#       "e", version, json, ""  |  "b", poll id, member, score  |  "c", poll id, "", ""
#       |  "i", user, "", ""  |  "r", user, "", ""
#       ("c": the poll closed; its results are in its event, its ballot box goes;
#       "i" and "r": a co-facilitator was invited or removed).
APPEND = """
local actual = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local expected = tonumber(ARGV[3])
if actual ~= expected then return {'conflict', actual} end
if ARGV[4] ~= '' then return {'invalid', ARGV[4]} end
local prefix, sid = ARGV[1], ARGV[2]
if ARGV[5] == '1' then
    if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict', -1} end
    local code = ARGV[9]
    if code ~= '' then
        if redis.call('SET', prefix .. 'code:' .. code, sid, 'NX') == false then
            return {'taken', -1}
        end
    end
    redis.call('HSET', KEYS[1], 'id', sid, 'title', ARGV[6], 'protocol_id', ARGV[7],
        'created_at', ARGV[8], 'join_code', code, 'owner', ARGV[10], 'version', 0)
    redis.call('SADD', KEYS[4], sid)
end
local version = actual
for i = 11, #ARGV, 4 do
    if ARGV[i] == 'e' then
        version = tonumber(ARGV[i + 1])
        redis.call('XADD', KEYS[2], ARGV[i + 1] .. '-0', 'e', ARGV[i + 2])
    elseif ARGV[i] == 'c' then
        redis.call('DEL', prefix .. 'ballots:' .. sid .. ':' .. ARGV[i + 1])
        redis.call('SREM', KEYS[3], ARGV[i + 1])
    elseif ARGV[i] == 'i' then
        redis.call('SADD', KEYS[5], ARGV[i + 1])
    elseif ARGV[i] == 'r' then
        redis.call('SREM', KEYS[5], ARGV[i + 1])
    else
        redis.call('ZADD', prefix .. 'ballots:' .. sid .. ':' .. ARGV[i + 1],
            ARGV[i + 3], ARGV[i + 2])
        redis.call('SADD', KEYS[3], ARGV[i + 1])
    end
end
if version ~= actual then redis.call('HSET', KEYS[1], 'version', version) end
return {'ok', version}
"""

# KEYS: course hash, log stream, courses set, co-facilitator set, supervisor set.
# ARGV: prefix, course id, expected version, refusal ("" when the events are valid),
#       "1" when creating the course (else ""), its title, protocol_id, created_at,
#       join_code and owner, then four values per event:
#       "e", version, json, ""  |  "i" or "r", user, "", ""  |  "g" or "v", user, "", ""
#       ("i"/"r": a co-facilitator invited or removed; "g"/"v": a supervisor granted or
#       revoked).
APPEND_COURSE = """
local actual = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local expected = tonumber(ARGV[3])
if actual ~= expected then return {'conflict', actual} end
if ARGV[4] ~= '' then return {'invalid', ARGV[4]} end
local prefix, cid = ARGV[1], ARGV[2]
if ARGV[5] == '1' then
    if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict', -1} end
    local code = ARGV[9]
    if code ~= '' then
        if redis.call('SET', prefix .. 'code:' .. code, cid, 'NX') == false then
            return {'taken', -1}
        end
    end
    redis.call('HSET', KEYS[1], 'id', cid, 'title', ARGV[6], 'protocol_id', ARGV[7],
        'created_at', ARGV[8], 'join_code', code, 'owner', ARGV[10], 'version', 0)
    redis.call('SADD', KEYS[3], cid)
end
local version = actual
for i = 11, #ARGV, 4 do
    local kind = ARGV[i]
    if kind == 'e' then
        version = tonumber(ARGV[i + 1])
        redis.call('XADD', KEYS[2], ARGV[i + 1] .. '-0', 'e', ARGV[i + 2])
    elseif kind == 'i' then
        redis.call('SADD', KEYS[4], ARGV[i + 1])
    elseif kind == 'r' then
        redis.call('SREM', KEYS[4], ARGV[i + 1])
    elseif kind == 'g' then
        redis.call('SADD', KEYS[5], ARGV[i + 1])
    elseif kind == 'v' then
        redis.call('SREM', KEYS[5], ARGV[i + 1])
    end
end
if version ~= actual then redis.call('HSET', KEYS[1], 'version', version) end
return {'ok', version}
"""

# KEYS: course hash, log, snapshot, courses set, co-facilitator set, supervisor set.
# ARGV: prefix, course id.
DELETE_COURSE = """
local code = redis.call('HGET', KEYS[1], 'join_code')
if code and code ~= '' and redis.call('GET', ARGV[1] .. 'code:' .. code) == ARGV[2] then
    redis.call('DEL', ARGV[1] .. 'code:' .. code)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5], KEYS[6])
redis.call('SREM', KEYS[4], ARGV[2])
return 0
"""

# KEYS: the holder's set, the session's holder hash. ARGV: holder, milliseconds to keep,
# "1" to replace the set, a fresh mark, n, then n members to add, then members to remove.
HOLD = """
local set, holders = KEYS[1], KEYS[2]
local changed = ARGV[3] == '1'
if changed then redis.call('DEL', set) end
local n = tonumber(ARGV[5])
for i = 6, 5 + n do
    redis.call('SADD', set, ARGV[i])
    changed = true
end
for i = 6 + n, #ARGV do
    redis.call('SREM', set, ARGV[i])
    changed = true
end
if changed then redis.call('HSET', holders, ARGV[1], ARGV[4]) end
if redis.call('PEXPIRE', set, ARGV[2]) == 1 or changed then
    redis.call('PEXPIRE', holders, ARGV[2])
end
return redis.call('SCARD', set)
"""

# KEYS: the session's holder hash. ARGV: the prefix of its holders' sets. A holder whose
# set is gone (emptied, or lapsed with its process) leaves the hash, and so the mark.
PRESENCE_MARK = """
local marks = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
    if redis.call('EXISTS', ARGV[1] .. flat[i]) == 1 then
        table.insert(marks, flat[i] .. '=' .. flat[i + 1])
    else
        redis.call('HDEL', KEYS[1], flat[i])
    end
end
table.sort(marks)
return table.concat(marks, ' ')
"""

# KEYS: the session's holder hash. ARGV: the prefix of its holders' sets.
PRESENT = """
local sets = {}
for _, holder in ipairs(redis.call('HKEYS', KEYS[1])) do
    table.insert(sets, ARGV[1] .. holder)
end
if #sets == 0 then return {} end
return redis.call('SUNION', unpack(sets))
"""

# KEYS: snapshot hash. ARGV: version, data.
SAVE_SNAPSHOT = """
local kept = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if tonumber(ARGV[1]) > kept then
    redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2])
end
return 0
"""

# KEYS: session hash, log, poll-id set, snapshot, sessions set, co-facilitator set.
# ARGV: prefix, session id.
DELETE = """
local code = redis.call('HGET', KEYS[1], 'join_code')
if code and code ~= '' and redis.call('GET', ARGV[1] .. 'code:' .. code) == ARGV[2] then
    redis.call('DEL', ARGV[1] .. 'code:' .. code)
end
for _, poll in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    redis.call('DEL', ARGV[1] .. 'ballots:' .. ARGV[2] .. ':' .. poll)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6])
redis.call('SREM', KEYS[5], ARGV[2])
return 0
"""

# KEYS: log stream, snapshot hash, poll-id set. ARGV: prefix, session id, n, then n pairs
# (version, json) of events to replace, then the ids of closed polls. A stream entry
# cannot be changed in place: the stream is rebuilt with the same entry ids.
REDACT = """
local n = tonumber(ARGV[3])
if n > 0 then
    local replaced = {}
    for i = 0, n - 1 do replaced[ARGV[4 + 2 * i] .. '-0'] = ARGV[5 + 2 * i] end
    local entries = redis.call('XRANGE', KEYS[1], '-', '+')
    redis.call('DEL', KEYS[1])
    for _, entry in ipairs(entries) do
        redis.call('XADD', KEYS[1], entry[1], 'e', replaced[entry[1]] or entry[2][2])
    end
end
for i = 4 + 2 * n, #ARGV do
    redis.call('DEL', ARGV[1] .. 'ballots:' .. ARGV[2] .. ':' .. ARGV[i])
    redis.call('SREM', KEYS[3], ARGV[i])
end
redis.call('DEL', KEYS[2])
return 0
"""

# KEYS: users hash. ARGV: name, password hash.
REPLACE_HASH = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 0
"""

# KEYS: attempts set. ARGV: now, window, member, seconds to keep the key.
COUNT_ATTEMPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
"""

# KEYS: the user's sign-in set. ARGV: prefix.
END_SIGNINS = """
for _, hash in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    redis.call('DEL', ARGV[1] .. 'signin:' .. hash)
end
redis.call('DEL', KEYS[1])
return 0
"""

# KEYS: sign-in hash. ARGV: now. A sign-in ended meanwhile stays ended.
TOUCH_SIGNIN = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'last_seen', ARGV[1]) end
return 0
"""


class RedisStore:
    """A Store in one Redis, shared by every server process of a deployment."""

    def __init__(
        self, client: redis.Redis, prefix: str = DEFAULT_PREFIX, *, rewrite_every: float = 30.0
    ) -> None:
        self._redis = client
        # While Redis cannot be reached, calls fail at once instead of each waiting out
        # the connection retries under its session's lock.
        self._breaker = Breaker()
        # Empties the AOF of history after ballots, closed polls and erasures.
        self._history = AofRewriter(client, rewrite_every)
        self._prefix = prefix
        self._where = _describe(client)
        self._append = client.register_script(APPEND)
        self._save_snapshot = client.register_script(SAVE_SNAPSHOT)
        self._delete = client.register_script(DELETE)
        self._append_course_script = client.register_script(APPEND_COURSE)
        self._delete_course = client.register_script(DELETE_COURSE)
        self._redact = client.register_script(REDACT)
        self._set_password = client.register_script(REPLACE_HASH)
        self._count_attempt = client.register_script(COUNT_ATTEMPT)
        self._end_signins = client.register_script(END_SIGNINS)
        self._touch_signin = client.register_script(TOUCH_SIGNIN)
        self._hold = client.register_script(HOLD)
        self._presence_mark = client.register_script(PRESENCE_MARK)
        self._present = client.register_script(PRESENT)

    @classmethod
    def from_url(
        cls, url: str, prefix: str = DEFAULT_PREFIX, *, rewrite_every: float = 30.0
    ) -> RedisStore:
        """Connect to the Redis at `url` (redis://, rediss:// or unix://)."""
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            # Commands are short: a reply that takes 2 s means Redis is in trouble, and a
            # command held up longer would be answered after its sender's own time-out.
            # This client is never used for pub/sub, which must not time out
            # (Flask-SocketIO has its own).
            socket_timeout=2,
            socket_connect_timeout=0.5,
            # Quick retries after a broken connection, e.g. the first command after a Redis
            # restart; when Redis is down the caller hears so in well under a second. Not
            # after a time-out: the command may have run, and the retry would run it again.
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 2, (RedisConnectionError,)),
            health_check_interval=30,
        )
        return cls(client, prefix, rewrite_every=rewrite_every)

    # -- the event log ------------------------------------------------------------------

    def append(self, session_id: str, expected_version: int, events: Sequence[Event]) -> int:
        if is_course(session_id):
            return self._append_course(session_id, expected_version, events)
        refusal = ""
        if any(isinstance(event, CourseEvent) for event in events):
            refusal = "course events belong in a course's log"
        created: list[str] = [""] * 6
        triples: list[str] = []
        version = expected_version
        cast_ballots = closed_polls = False
        for event in events:
            if isinstance(event, BallotCast):
                triples += ["b", event.poll_id, _ballot_member(event.value), _random_score()]
                cast_ballots = True
                continue
            version += 1
            if isinstance(event, PollClosed):
                triples += ["c", event.poll_id, "", ""]
                closed_polls = True
            if isinstance(event, CoFacilitatorInvited):
                triples += ["i", event.user, "", ""]
            if isinstance(event, CoFacilitatorRemoved):
                triples += ["r", event.user, "", ""]
            if isinstance(event, SessionCreated):
                if version != 1:
                    refusal = refusal or "session_created must be the first event"
                created = [
                    "1",
                    event.title,
                    event.protocol_id,
                    repr(event.at),
                    event.join_code,
                    event.owner,
                ]
            elif version == 1:
                refusal = refusal or "a session log must begin with session_created"
            triples += ["e", str(version), json.dumps(event_to_dict(event)), ""]
        keys = [
            self._key("session", session_id),
            self._key("log", session_id),
            self._key("polls", session_id),
            self._key("sessions"),
            self._key("facilitators", session_id),
        ]
        argv: list[str | int] = [
            self._prefix,
            session_id,
            expected_version,
            refusal,
            *created,
            *triples,
        ]
        outcome, detail = self._call(lambda: self._append(keys=keys, args=argv), "write to")
        if outcome == "conflict":
            raise VersionConflict(session_id, expected_version, int(detail))
        if outcome == "taken":
            raise VersionConflict(session_id, expected_version, -1)
        if outcome == "invalid":
            raise StorageError(str(detail))
        if cast_ballots or closed_polls:
            self._history.request(urgent=closed_polls)
        return int(detail)

    def _append_course(self, course_id: str, expected_version: int, events: Sequence[Event]) -> int:
        refusal = ""
        if not all(isinstance(event, CourseEvent) for event in events):
            refusal = "a course's log holds course events only"
        created: list[str] = [""] * 6
        quads: list[str] = []
        version = expected_version
        for event in events:
            version += 1
            if isinstance(event, CourseCreated):
                if version != 1:
                    refusal = refusal or "course_created must be the first event"
                created = [
                    "1",
                    event.title,
                    event.protocol_id,
                    repr(event.at),
                    event.join_code,
                    event.owner,
                ]
            elif version == 1:
                refusal = refusal or "a course log must begin with course_created"
            mark = _ACCESS_MARKS.get(type(event))
            if mark is not None:
                quads += [mark, getattr(event, "user", ""), "", ""]
            quads += ["e", str(version), json.dumps(event_to_dict(event)), ""]
        keys = [
            self._key("course", course_id),
            self._key("log", course_id),
            self._key("courses"),
            self._key("facilitators", course_id),
            self._key("supervisors", course_id),
        ]
        argv: list[str | int] = [
            self._prefix,
            course_id,
            expected_version,
            refusal,
            *created,
            *quads,
        ]
        outcome, detail = self._call(
            lambda: self._append_course_script(keys=keys, args=argv), "write to"
        )
        if outcome == "conflict":
            raise VersionConflict(course_id, expected_version, int(detail))
        if outcome == "taken":
            raise VersionConflict(course_id, expected_version, -1)
        if outcome == "invalid":
            raise StorageError(str(detail))
        return int(detail)

    def read(self, session_id: str, since: int = 0) -> list[tuple[int, Event]]:
        entries = cast(
            "list[tuple[str, dict[str, str]]]",
            self._call(
                lambda: self._redis.xrange(self._key("log", session_id), f"{since + 1}-0", "+"),
                "read",
            ),
        )
        return [
            (int(entry_id.split("-")[0]), event_from_dict(json.loads(fields["e"])))
            for entry_id, fields in entries
        ]

    def version(self, session_id: str) -> int:
        record = self._key("course" if is_course(session_id) else "session", session_id)
        found = self._call(lambda: self._redis.hget(record, "version"), "read")
        return int(found) if found is not None else 0

    def ballots(self, session_id: str, poll_id: str) -> list[Any]:
        members = cast(
            "list[str]",
            self._call(
                lambda: self._redis.zrange(self._key("ballots", session_id, poll_id), 0, -1),
                "read",
            ),
        )
        return [json.loads(member.split(":", 1)[1]) for member in members]

    def save_snapshot(self, session_id: str, snapshot: Snapshot) -> None:
        key = self._key("snapshot", session_id)
        data = json.dumps(snapshot.state)
        self._call(
            lambda: self._save_snapshot(keys=[key], args=[snapshot.version, data]), "write to"
        )

    def load_snapshot(self, session_id: str) -> Snapshot | None:
        found = self._call(lambda: self._redis.hgetall(self._key("snapshot", session_id)), "read")
        if not found:
            return None
        return Snapshot(int(found["version"]), json.loads(found["data"]))

    def sessions(self) -> list[SessionRecord]:
        def fetch() -> list[tuple[dict[str, str], set[str]]]:
            ids = sorted(cast("set[str]", self._redis.smembers(self._key("sessions"))))
            # MULTI: each session's hash and its co-facilitators are read at one moment.
            pipe = self._redis.pipeline(transaction=True)
            for session_id in ids:
                pipe.hgetall(self._key("session", session_id))
                pipe.smembers(self._key("facilitators", session_id))
            replies = pipe.execute()
            pairs = zip(replies[::2], replies[1::2], strict=True)
            return [(row, users) for row, users in pairs if row]

        records = [
            SessionRecord(
                id=row["id"],
                title=row["title"],
                protocol_id=row["protocol_id"],
                created_at=float(row["created_at"]),
                version=int(row["version"]),
                join_code=row["join_code"],
                owner=row["owner"],
                co_facilitators=tuple(sorted(users)),
            )
            for row, users in self._call(fetch, "read")
        ]
        records.sort(key=lambda r: r.id)
        records.sort(key=lambda r: r.created_at, reverse=True)
        return records

    def delete(self, session_id: str) -> None:
        keys = [
            self._key("session", session_id),
            self._key("log", session_id),
            self._key("polls", session_id),
            self._key("snapshot", session_id),
            self._key("sessions"),
            self._key("facilitators", session_id),
        ]
        self._call(lambda: self._delete(keys=keys, args=[self._prefix, session_id]), "write to")
        self._history.request(urgent=True)

    def courses(self) -> list[CourseRecord]:
        def fetch() -> list[tuple[dict[str, str], set[str], set[str]]]:
            ids = sorted(cast("set[str]", self._redis.smembers(self._key("courses"))))
            # MULTI: each course's hash and its access lists are read at one moment.
            pipe = self._redis.pipeline(transaction=True)
            for course_id in ids:
                pipe.hgetall(self._key("course", course_id))
                pipe.smembers(self._key("facilitators", course_id))
                pipe.smembers(self._key("supervisors", course_id))
            replies = pipe.execute()
            triples = zip(replies[::3], replies[1::3], replies[2::3], strict=True)
            return [(row, cofacs, supers) for row, cofacs, supers in triples if row]

        records = [
            CourseRecord(
                id=row["id"],
                title=row["title"],
                protocol_id=row["protocol_id"],
                created_at=float(row["created_at"]),
                version=int(row["version"]),
                join_code=row["join_code"],
                owner=row["owner"],
                co_facilitators=tuple(sorted(cofacs)),
                supervisors=tuple(sorted(supers)),
            )
            for row, cofacs, supers in self._call(fetch, "read")
        ]
        records.sort(key=lambda r: r.id)
        records.sort(key=lambda r: r.created_at, reverse=True)
        return records

    def delete_course(self, course_id: str) -> None:
        keys = [
            self._key("course", course_id),
            self._key("log", course_id),
            self._key("snapshot", course_id),
            self._key("courses"),
            self._key("facilitators", course_id),
            self._key("supervisors", course_id),
        ]
        self._call(
            lambda: self._delete_course(keys=keys, args=[self._prefix, course_id]), "write to"
        )
        # The append-only file still holds the course's names, plans and steps until Redis
        # rewrites it from what it holds now.
        self._history.request(urgent=True)

    def redact(
        self, session_id: str, replacements: Mapping[int, Event], closed_polls: Sequence[str]
    ) -> None:
        keys = [
            self._key("log", session_id),
            self._key("snapshot", session_id),
            self._key("polls", session_id),
        ]
        pairs = [
            part
            for version, event in sorted(replacements.items())
            for part in (str(version), json.dumps(event_to_dict(event)))
        ]
        argv: list[str | int] = [
            self._prefix,
            session_id,
            len(replacements),
            *pairs,
            *closed_polls,
        ]
        self._call(lambda: self._redact(keys=keys, args=argv), "write to")
        self._history.request(urgent=True)

    def data_version(self) -> int:
        found = self._call(lambda: self._redis.get(self._key("data_version")), "read")
        return int(found) if found is not None else 0

    def set_data_version(self, version: int) -> None:
        self._call(lambda: self._redis.set(self._key("data_version"), version), "write to")

    def close(self) -> None:
        self._history.close()
        self._redis.close()

    # -- access -------------------------------------------------------------------------

    def session_for_code(self, join_code: str) -> str | None:
        found = self._stream_for_code(join_code)
        return found if found is not None and not is_course(found) else None

    def course_for_code(self, join_code: str) -> str | None:
        found = self._stream_for_code(join_code)
        return found if found is not None and is_course(found) else None

    def _stream_for_code(self, join_code: str) -> str | None:
        found = self._call(lambda: self._redis.get(self._key("code", join_code)), "read")
        return str(found) if found is not None else None

    def courses_of(self, user: str) -> list[CourseRecord]:
        return [r for r in self.courses() if user in (r.owner, *r.co_facilitators, *r.supervisors)]

    def sessions_of(self, owner: str) -> list[SessionRecord]:
        return [r for r in self.sessions() if owner == r.owner or owner in r.co_facilitators]

    def add_user(self, name: str, password_hash: str) -> None:
        added = self._call(
            lambda: self._redis.hsetnx(self._key("users"), name, password_hash), "write to"
        )
        if not added:
            raise StorageError(f"a user named {name!r} already exists")

    def set_password(self, name: str, password_hash: str) -> None:
        key = self._key("users")
        self._call(lambda: self._set_password(keys=[key], args=[name, password_hash]), "write to")

    def password_hash(self, name: str) -> str | None:
        found = self._call(lambda: self._redis.hget(self._key("users"), name), "read")
        return str(found) if found is not None else None

    def has_users(self) -> bool:
        return bool(self._call(lambda: self._redis.hlen(self._key("users")), "read"))

    def save_login_token(self, token_hash: str, expires_at: float) -> None:
        # The stored time decides (callers pass their own clock); the Redis expiry only
        # clears links nobody used, so it runs an hour past the later of both clocks.
        keep = math.ceil(max(expires_at - time.time(), 0)) + 3600
        key = self._key("login", token_hash)
        self._call(lambda: self._redis.set(key, repr(expires_at), ex=keep), "write to")

    def take_login_token(self, token_hash: str, now: float) -> bool:
        # GETDEL: of two processes taking the same link at once, only one gets it.
        found = self._call(lambda: self._redis.getdel(self._key("login", token_hash)), "write to")
        return found is not None and float(found) > now

    def save_relink(self, digest: str, course_id: str, expires_at: float) -> None:
        # As login links: the stored time decides, the Redis expiry only clears codes
        # nobody used. Erasing the course leaves such a code pointing at nothing.
        keep = math.ceil(max(expires_at - time.time(), 0)) + 3600
        key = self._key("relink", digest)
        value = f"{expires_at!r} {course_id}"
        self._call(lambda: self._redis.set(key, value, ex=keep), "write to")

    def take_relink(self, digest: str, now: float) -> str | None:
        found = self._call(lambda: self._redis.getdel(self._key("relink", digest)), "write to")
        if found is None:
            return None
        expires, course_id = (found.decode() if isinstance(found, bytes) else found).split(" ", 1)
        return course_id if float(expires) > now else None

    def count_attempt(self, key: str, now: float, window: float) -> int:
        redis_key = self._key("attempts", key)
        argv: list[str | int] = [
            repr(now),
            repr(window),
            f"{now!r}:{secrets.token_hex(8)}",
            math.ceil(window) + 1,
        ]
        count = self._call(lambda: self._count_attempt(keys=[redis_key], args=argv), "write to")
        return int(count)

    def attempts(self, key: str, now: float, window: float) -> int:
        redis_key = self._key("attempts", key)
        count = self._call(
            lambda: self._redis.zcount(redis_key, f"({now - window!r}", "+inf"), "read"
        )
        return int(count)

    def add_signin(self, signin_hash: str, user: str, now: float, keep_for: float) -> None:
        key, of_user = self._key("signin", signin_hash), self._key("signins", user)
        fields = ["user", user, "created_at", repr(now), "last_seen", repr(now)]

        def add() -> None:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(key, items=fields)
            pipe.expire(key, math.ceil(keep_for))
            pipe.sadd(of_user, signin_hash)
            pipe.expire(of_user, math.ceil(keep_for))
            pipe.execute()

        self._call(add, "write to")

    def signin(self, signin_hash: str) -> SignIn | None:
        found = cast(
            "dict[str, str]",
            self._call(lambda: self._redis.hgetall(self._key("signin", signin_hash)), "read"),
        )
        if not found or "user" not in found:
            return None
        return SignIn(found["user"], float(found["created_at"]), float(found["last_seen"]))

    def touch_signin(self, signin_hash: str, now: float) -> None:
        key = self._key("signin", signin_hash)
        self._call(lambda: self._touch_signin(keys=[key], args=[repr(now)]), "write to")

    def end_signin(self, signin_hash: str) -> None:
        self._call(lambda: self._redis.delete(self._key("signin", signin_hash)), "write to")

    def end_signins(self, user: str) -> None:
        keys = [self._key("signins", user)]
        self._call(lambda: self._end_signins(keys=keys, args=[self._prefix]), "write to")

    # -- presence -----------------------------------------------------------------------

    def hold(self, holder: str, holdings: Sequence[Holding], keep_for: float) -> list[int]:
        keep = max(1, round(keep_for * 1000))

        def write() -> list[int]:
            pipe = self._redis.pipeline(transaction=False)
            for holding in holdings:
                sid = holding.session_id
                argv: list[str | int] = [
                    holder,
                    keep,
                    "1" if holding.replace else "",
                    secrets.token_hex(6),
                    len(holding.added),
                    *sorted(holding.added),
                    *sorted(holding.removed),
                ]
                keys = [self._key("presence", sid, holder), self._key("presence", sid)]
                self._hold(keys=keys, args=argv, client=pipe)
            return [int(n) for n in pipe.execute()]

        return self._call(write, "write to") if holdings else []

    def presence_marks(self, session_ids: Sequence[str]) -> dict[str, str]:
        def read() -> list[str]:
            pipe = self._redis.pipeline(transaction=False)
            for sid in session_ids:
                prefix = self._key("presence", sid, "")
                self._presence_mark(keys=[self._key("presence", sid)], args=[prefix], client=pipe)
            return [str(mark) for mark in pipe.execute()]

        marks = self._call(read, "read") if session_ids else []
        return dict(zip(session_ids, marks, strict=True))

    def present(self, session_id: str) -> set[str]:
        keys, prefix = [self._key("presence", session_id)], self._key("presence", session_id, "")
        members = self._call(lambda: self._present(keys=keys, args=[prefix]), "read")
        return set(cast("list[str]", members))

    # -- operations ---------------------------------------------------------------------

    def persistence_warning(self) -> str | None:
        """Return why acknowledged changes could be lost with Redis's settings, if they can."""
        try:
            config = self._redis.config_get("appendonly", "appendfsync")
            appendonly = config.get("appendonly", "")
            appendfsync = config.get("appendfsync", "")
        except RedisError:
            # CONFIG may be renamed or refused (managed Redis); INFO still tells AOF on/off.
            try:
                info = self._redis.info("persistence")
            except RedisError as error:
                return f"could not read Redis's persistence settings at {self._where}: {error}"
            appendonly = "yes" if info.get("aof_enabled") else "no"
            appendfsync = "unknown"
        if appendonly != "yes":
            return (
                f"Redis at {self._where} runs without an append-only file (appendonly no): "
                "acknowledged answers and session changes are lost if Redis stops. "
                "Set 'appendonly yes' and 'appendfsync everysec' (or 'always') in redis.conf."
            )
        if appendfsync == "no":
            return (
                f"Redis at {self._where} never forces its append-only file to disk "
                "(appendfsync no): acknowledged changes can be lost on a power failure. "
                "Set 'appendfsync everysec' (or 'always') in redis.conf."
            )
        return None

    # -- internals ----------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    def _call(self, operation: Callable[[], T], verb: str) -> T:
        if not self._breaker.admit():
            # Redis could not be reached a moment ago: say so now, not after the retries.
            raise StorageError(UNAVAILABLE)
        try:
            result = operation()
        except (RedisConnectionError, RedisTimeoutError) as error:
            self._breaker.failed()
            log.warning("could not %s Redis at %s: %s", verb, self._where, error)
            raise StorageError(UNAVAILABLE) from error
        except RedisError as error:
            self._breaker.succeeded()  # Redis answered, with an error of its own
            # The details (address, cause) go to the log; the sender hears what it means.
            log.warning("could not %s Redis at %s: %s", verb, self._where, error)
            raise StorageError(UNAVAILABLE) from error
        self._breaker.succeeded()
        return result

    # -- the audit log and account operations -------------------------------------------

    def add_audit(self, entry: AuditEntry) -> None:
        fields: dict[Any, Any] = {"e": json.dumps(dataclasses.asdict(entry))}
        self._call(lambda: self._redis.xadd(self._key("audit"), fields), "write to")

    def audit_entries(self, owner: str | None = None) -> list[AuditEntry]:
        entries = cast(
            "list[tuple[str, dict[str, str]]]",
            self._call(lambda: self._redis.xrange(self._key("audit")), "read"),
        )
        found = [AuditEntry(**json.loads(fields["e"])) for _, fields in entries]
        return [entry for entry in found if owner is None or entry.owner == owner]

    def users(self) -> list[str]:
        return sorted(
            cast("list[str]", self._call(lambda: self._redis.hkeys(self._key("users")), "read"))
        )

    def remove_user(self, name: str) -> bool:
        removed = self._call(lambda: self._redis.hdel(self._key("users"), name), "write to")
        return bool(removed)


def _ballot_member(value: Any) -> str:
    # A random prefix keeps equal answers apart and sorts nothing by arrival.
    return f"{secrets.token_hex(8)}:{json.dumps(value)}"


def _random_score() -> str:
    # Random scores: the set is ordered by them, so the order of answers means nothing.
    return repr(secrets.randbelow(2**52) / 2**52)


def _describe(client: redis.Redis) -> str:
    """Return where `client` connects, without a password."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
