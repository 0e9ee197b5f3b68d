"""Joining by code: every attempt counts, and no answer tells a guesser which codes live."""

from __future__ import annotations

from typing import Any

import pytest

from facilitator.core import commands as c
from facilitator.errors import Refused, status_of
from facilitator.library.catalog import Catalog
from facilitator.service.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    grouped_code,
    new_join_code,
    normalize_code,
)
from facilitator.service.limits import TokenBucket, address_key
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.storage.base import Store

CATALOG = Catalog.load()
T0 = 1_000_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _service(store: Store, clock: Clock, **limits: Any) -> SessionService:
    return SessionService(store, CATALOG, lambda *args: None, clock=clock, **limits)


def _refusal(service: SessionService, code: str, address: str) -> tuple[str, str, int]:
    """Try to join; return how the attempt was refused."""
    with pytest.raises(Refused) as refused:
        service.join(code, None, address)
    return refused.value.code, refused.value.message, status_of(refused.value)


RATE_LIMITED = ("rate_limited", "Too many attempts. Wait a minute and try again.", 429)
UNKNOWN = (
    "unknown_code",
    "No session you can join has that code. Check it and try again.",
    404,
)


def test_a_right_code_after_the_address_limit_is_refused_like_a_wrong_one(store: Store) -> None:
    service = _service(store, Clock(), join_attempts=3)
    code = service.create("amina", "group-ipt-8", 1).join_code
    for n in range(3):
        assert _refusal(service, f"WRONG{n}", "10.0.0.9") == UNKNOWN
    assert _refusal(service, code, "10.0.0.9") == RATE_LIMITED
    assert _refusal(service, "WRONG9", "10.0.0.9") == RATE_LIMITED
    # Another address is not held back by the first one's attempts.
    assert service.join(code, None, "10.0.0.10").participant_id


def test_right_codes_count_against_the_address_limit_too(store: Store) -> None:
    clock = Clock()
    service = _service(store, clock, join_attempts=3)
    code = service.create("amina", "group-ipt-8", 1).join_code
    for _ in range(3):
        service.join(code, None, "10.0.0.9")
    assert _refusal(service, "WRONG", "10.0.0.9") == RATE_LIMITED
    clock.now += 61
    assert service.join(code, None, "10.0.0.9").participant_id


def test_every_attempt_at_one_code_counts_whatever_the_address(store: Store) -> None:
    service = _service(store, Clock(), join_code_attempts=3)
    code = service.create("amina", "group-ipt-8", 1).join_code
    for n in range(3):
        service.join(code, None, f"10.0.1.{n}")
    assert _refusal(service, code, "10.0.1.50") == RATE_LIMITED
    # A code no session has counts the same way, so a refusal tells nothing either way.
    for n in range(3):
        assert _refusal(service, "NOSUCHCODE", f"10.0.2.{n}") == UNKNOWN
    assert _refusal(service, "NOSUCHCODE", "10.0.2.50") == RATE_LIMITED


def test_ended_and_locked_sessions_answer_exactly_like_unknown_codes(store: Store) -> None:
    service = _service(store, Clock(), join_attempts=5)
    ended = service.create("amina", "group-ipt-8", 1)
    locked = service.create("amina", "group-ipt-8", 1)
    service.run(Actor(Role.FACILITATOR, ended.id, user="amina"), lambda s, at: c.End(at))
    service.run(Actor(Role.FACILITATOR, locked.id, user="amina"), lambda s, at: c.LockJoining(at))
    answers = [
        _refusal(service, code, "10.0.0.9")
        for code in ("NOSUCHCODE", ended.join_code, locked.join_code)
    ]
    assert answers == [UNKNOWN, UNKNOWN, UNKNOWN]
    assert not service.current(ended.id).participants
    assert not service.current(locked.id).participants
    # ...and count like them: two more attempts reach the limit of five.
    service.join(service.create("amina", "group-ipt-8", 1).join_code, None, "10.0.0.9")
    assert _refusal(service, "NOSUCHCODE", "10.0.0.9") == UNKNOWN
    assert _refusal(service, locked.join_code, "10.0.0.9") == RATE_LIMITED


def test_a_count_over_a_short_window_keeps_the_attempts_of_a_longer_one(store: Store) -> None:
    # Sign-ins count over five minutes: a join's one-minute count must not clear them.
    assert store.count_attempt("login:10.0.0.9", T0, 300.0) == 1
    assert store.count_attempt("join:10.0.0.8", T0 + 100, 60.0) == 1
    assert store.count_attempt("join:10.0.0.8", T0 + 130, 60.0) == 2
    assert store.count_attempt("login:10.0.0.9", T0 + 200, 300.0) == 2
    assert store.count_attempt("login:10.0.0.9", T0 + 301, 300.0) == 2


def test_addresses_of_one_ipv6_network_share_one_allowance(store: Store) -> None:
    service = _service(store, Clock(), join_attempts=2)
    for n in range(2):
        _refusal(service, "WRONG", f"2001:db8:1:2::{n + 1}")
    assert _refusal(service, "WRONG", "2001:db8:1:2:ffff::9") == RATE_LIMITED
    assert _refusal(service, "WRONG", "2001:db8:1:3::1") == UNKNOWN


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("2001:db8:a:b:c:d:e:f", "2001:db8:a:b::/64"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("unknown", "unknown"),
    ],
)
def test_an_address_counts_under_its_key(address: str, key: str) -> None:
    assert address_key(address) == key


def test_a_join_code_is_long_grouped_and_typed_any_way(store: Store) -> None:
    code = new_join_code()
    assert len(code) == CODE_LENGTH == 10
    assert set(code) <= set(CODE_ALPHABET)
    shown = grouped_code(code)
    assert shown == f"{code[:5]}-{code[5:]}"
    for typed in (shown, shown.lower(), f" {code[:5]} {code[5:]} ", f"{code[:5]}\u2013{code[5:]}"):
        assert normalize_code(typed) == code
    assert grouped_code("ACD346") == "ACD346"  # a code from before codes were grouped

    service = _service(store, Clock())
    state = service.create("amina", "group-ipt-8", 1)
    typed = grouped_code(state.join_code).lower().replace("-", " ")
    assert service.join(typed, None, "10.0.0.9").session_id == state.id


def test_a_token_bucket_allows_a_burst_then_its_rate() -> None:
    bucket = TokenBucket(burst=3, rate=2, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5) and not bucket.take(0.5)
    assert [bucket.take(10.0) for _ in range(4)] == [True, True, True, False]
