"""What the Redis store adds to the contract: raw keys, ballot order, access, failures."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from facilitator.core import commands as c
from facilitator.core.engine import create, handle
from facilitator.core.events import SessionCreated
from facilitator.serving import warn_if_redis_can_lose_data
from facilitator.storage.base import StorageError, Store, VersionConflict
from facilitator.storage.redis import RedisStore
from facilitator.storage.sqlite import SQLiteStore
from tests.factories import AGENDA, MOOD, T0
from tests.redis_server import RedisServer, delete_prefix, shared_redis_url

VALUES = {"p1": 7, "p2": 3, "p3": 9, "p4": 5}


# Random per run: other runs may share the test Redis.
RAW = f"facilitator-test:{secrets.token_hex(6)}:raw:"
ACCESS = f"facilitator-test:{secrets.token_hex(6)}:access:"


@pytest.fixture
def redis_store() -> Iterator[RedisStore]:
    url = shared_redis_url()
    store = RedisStore.from_url(url, prefix=RAW)
    yield store
    store.close()
    delete_prefix(url, RAW)


@pytest.fixture(params=["sqlite", "redis"])
def access(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend, for what access control keeps."""
    if request.param == "sqlite":
        store: Store = SQLiteStore(tmp_path / "a.db")
        yield store
        store.close()
        return
    url = shared_redis_url()
    store = RedisStore.from_url(url, prefix=ACCESS)
    yield store
    store.close()
    delete_prefix(url, ACCESS)


def _raw_dump(url: str, prefix: str) -> dict[str, str]:
    client = redis.Redis.from_url(url, decode_responses=True)
    dump: dict[str, str] = {}
    for key in client.scan_iter(match=prefix + "*"):
        kind = client.type(key)
        if kind == "stream":
            dump[key] = repr(client.xrange(key))
        elif kind == "zset":
            dump[key] = repr(client.zrange(key, 0, -1, withscores=True))
        elif kind == "hash":
            dump[key] = repr(client.hgetall(key))
        elif kind == "set":
            dump[key] = repr(client.smembers(key))
        else:
            dump[key] = repr(client.get(key))
    client.close()
    return dump


def test_raw_ballot_keys_of_an_anonymous_poll_hold_no_participant_reference(
    redis_store: RedisStore,
) -> None:
    state, events = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "S", AGENDA))
    version = redis_store.append("s1", 0, events)
    script: list[c.Command] = [
        *(c.Join(T0 + n, pid, None, f"Member {pid}") for n, pid in enumerate(VALUES, 1)),
        c.Start(T0 + 100),
        c.OpenPoll(T0 + 110, MOOD),
        *(
            c.SubmitAnswer(T0 + 111 + n, pid, f"act-{pid}", "poll-1", v)
            for n, (pid, v) in enumerate(VALUES.items())
        ),
    ]
    for command in script:
        version = redis_store.append("s1", version, handle(state, command))
    dump = _raw_dump(shared_redis_url(), RAW)
    (ballot_key,) = [key for key in dump if ":ballots:" in key]
    text = dump[ballot_key]
    assert not any(pid in text for pid in VALUES), text
    assert "act-" not in text and "Member" not in text
    assert sorted(redis_store.ballots("s1", "poll-1")) == sorted(VALUES.values())
    assert not any('"value"' in value for key, value in dump.items() if ":log:" in key)


def test_ballots_come_back_in_no_arrival_order(redis_store: RedisStore) -> None:
    # Random scores: 40 ballots cast in order come back in order with a chance of 1 in 40!.
    state, events = create(c.CreateSession(T0, "s1", "g", 1, 1, "S", AGENDA))
    version = redis_store.append("s1", 0, events)
    version = redis_store.append("s1", version, handle(state, c.Start(T0)))
    wide = replace(MOOD, max=50)
    version = redis_store.append("s1", version, handle(state, c.OpenPoll(T0, wide)))
    for n in range(40):
        version = redis_store.append(
            "s1", version, handle(state, c.Join(T0, f"m{n}", None, f"M{n}"))
        )
        answer = c.SubmitAnswer(T0, f"m{n}", "a", "poll-1", n)
        version = redis_store.append("s1", version, handle(state, answer))
    raw = redis_store.ballots("s1", "poll-1")
    assert sorted(raw) == list(range(40))
    assert raw != list(range(40))


def test_a_taken_join_code_is_a_conflict_and_writes_nothing(redis_store: RedisStore) -> None:
    first = SessionCreated("s1", "g", 1, 1, "One", AGENDA, T0, join_code="ABCD", owner="amina")
    second = replace(first, session_id="s2", title="Two")
    redis_store.append("s1", 0, [first])
    with pytest.raises(VersionConflict):
        redis_store.append("s2", 0, [second])
    assert redis_store.session_for_code("ABCD") == "s1"
    assert [r.id for r in redis_store.sessions()] == ["s1"]
    redis_store.delete("s1")
    assert redis_store.session_for_code("ABCD") is None


def test_users_tokens_and_attempts_behave_alike_on_both_backends(access: Store) -> None:
    assert not access.has_users()
    access.add_user("amina", "hash-1")
    with pytest.raises(StorageError, match="already exists"):
        access.add_user("amina", "hash-2")
    access.set_password("amina", "hash-3")
    access.set_password("nobody", "hash-4")
    assert (access.password_hash("amina"), access.password_hash("nobody")) == ("hash-3", None)
    assert access.has_users()

    access.save_login_token("t1", T0 + 600)
    access.save_login_token("t2", T0 + 10)
    assert access.take_login_token("t1", T0 + 1)
    assert not access.take_login_token("t1", T0 + 2)  # one use only
    assert not access.take_login_token("t2", T0 + 20)  # expired
    assert not access.take_login_token("unknown", T0)

    counts = [access.count_attempt("join:10.0.0.1", T0 + n, 60.0) for n in range(3)]
    assert counts == [1, 2, 3]
    assert access.count_attempt("join:10.0.0.2", T0 + 3, 60.0) == 1
    assert access.count_attempt("join:10.0.0.1", T0 + 62, 60.0) == 1


def test_a_redis_that_does_not_answer_is_a_clear_storage_error(tmp_path: Path) -> None:
    gone = RedisServer(tmp_path)  # never started: nothing listens on its port
    store = RedisStore.from_url(gone.url())
    try:
        with pytest.raises(StorageError, match="session store is unavailable") as raised:
            store.version("s1")
        assert raised.value.code == "storage_unavailable"
        with pytest.raises(StorageError, match="nothing was saved"):
            store.append("s1", 0, [])
    finally:
        store.close()


@pytest.mark.parametrize(
    ("appendonly", "fsync", "warning"),
    [
        (False, "everysec", "without an append-only file"),
        (True, "no", "appendfsync no"),
        (True, "everysec", None),
        (True, "always", None),
    ],
)
def test_start_up_warns_when_redis_could_lose_acknowledged_data(
    tmp_path: Path, appendonly: bool, fsync: str, warning: str | None
) -> None:
    server = RedisServer(tmp_path, appendonly=appendonly, fsync=fsync).start()
    store = RedisStore.from_url(server.url())
    try:
        found = store.persistence_warning()
        if warning is None:
            assert found is None
        else:
            assert found is not None and warning in found
            printed: list[str] = []

            class Out:
                def write(self, text: str) -> None:
                    printed.append(text)

            warn_if_redis_can_lose_data(store, Out())
            assert "WARNING" in "".join(printed)
    finally:
        store.close()
        server.stop()


def test_an_acknowledged_append_survives_a_redis_kill_with_fsync_always(tmp_path: Path) -> None:
    server = RedisServer(tmp_path).start()
    store = RedisStore.from_url(server.url())
    try:
        state, events = create(c.CreateSession(T0, "s1", "g", 1, 1, "S", AGENDA))
        version = store.append("s1", 0, events)
        version = store.append("s1", version, handle(state, c.Start(T0)))
        server.kill()
        server.start()
        # The same store object recovers by itself: its next command reconnects.
        assert store.version("s1") == version
        assert json.dumps([v for v, _ in store.read("s1")]) == json.dumps(
            list(range(1, version + 1))
        )
    finally:
        store.close()
        server.stop()
