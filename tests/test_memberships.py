"""Course memberships: the signed token a phone keeps between weekly meetings."""

from __future__ import annotations

import time

import pytest

from facilitator.errors import Refused
from facilitator.service.codes import CODE_ALPHABET, RELINK_LENGTH, new_relink_code
from facilitator.service.tokens import Membership, MembershipSigner, TokenSigner

KEY = "a test key that is long enough"


def test_a_membership_comes_back_as_it_was_issued() -> None:
    signer = MembershipSigner(KEY)
    held = Membership("course-abc", "c-123", 2)
    assert signer.verify(signer.issue(held)) == held


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "x" * 1001,
        "not a token",
        MembershipSigner("another key entirely, also long").issue(Membership("course-a", "c-1", 0)),
        # A session token is signed for another purpose: it is not a membership.
        TokenSigner(KEY)._serializer.dumps(["course-a", "c-1", 0]),
    ],
)
def test_anything_but_a_membership_of_this_server_is_refused(token: object) -> None:
    with pytest.raises(Refused) as refused:
        MembershipSigner(KEY).verify(token)
    assert refused.value.code == "unauthenticated"


def test_a_membership_older_than_120_days_has_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = MembershipSigner(KEY)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 121 * 86400)
    token = signer.issue(Membership("course-a", "c-1", 0))
    monkeypatch.setattr(time, "time", lambda: now)
    with pytest.raises(Refused) as refused:
        signer.verify(token)
    assert refused.value.code == "expired"


def test_relink_codes_are_short_and_read_aloud_easily() -> None:
    codes = {new_relink_code() for _ in range(200)}
    assert all(len(code) == RELINK_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert len(codes) > 190
