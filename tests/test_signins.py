"""Sign-ins: failure limits, server-side records that end, and voided console tokens."""

from __future__ import annotations

import pytest

from facilitator.errors import Refused, status_of
from facilitator.service import accounts
from facilitator.service.signins import FAILURE_WINDOW, Limits, SignIns
from facilitator.storage.base import SignIn, Store

PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signins(store: Store, clock: Clock) -> SignIns:
    accounts.add_user(store, "amina", PASSWORD)
    limits = Limits(failures_per_account=3, failures_per_address=5, idle=600, lifetime=3600)
    return SignIns(store, "test secret key", limits, clock=clock)


def _fail(signins: SignIns, name: str, address: str, device: str = "") -> None:
    with pytest.raises(Refused) as refused:
        signins.sign_in(name, "wrong password", address, device)
    assert refused.value.code == "wrong_password"


def test_sign_ins_are_kept_by_hash_and_end_one_by_one_or_all_at_once(store: Store) -> None:
    store.add_signin("h1", "amina", 100.0, 3600)
    store.add_signin("h2", "amina", 101.0, 3600)
    store.add_signin("h3", "brook", 102.0, 3600)
    assert store.signin("h1") == SignIn("amina", 100.0, 100.0)
    store.touch_signin("h1", 160.0)
    assert store.signin("h1") == SignIn("amina", 100.0, 160.0)
    store.end_signin("h1")
    assert store.signin("h1") is None
    store.touch_signin("h1", 170.0)  # an ended sign-in stays ended
    assert store.signin("h1") is None
    store.end_signins("amina")
    store.end_signins("amina")
    assert store.signin("h2") is None
    assert store.signin("h3") == SignIn("brook", 102.0, 102.0)


def test_attempts_of_other_keys_and_shorter_windows_do_not_erase_each_other(
    store: Store,
) -> None:
    store.count_attempt("login-failed:account:amina", 1000.0, FAILURE_WINDOW)
    # A join attempt (one-minute window) ten minutes later.
    store.count_attempt("join:1.2.3.4", 1600.0, 60.0)
    assert store.attempts("login-failed:account:amina", 1600.0, FAILURE_WINDOW) == 1
    assert (
        store.attempts("login-failed:account:amina", 1000.0 + FAILURE_WINDOW, FAILURE_WINDOW) == 0
    )


def test_the_right_password_signs_in_and_successes_are_not_counted(signins: SignIns) -> None:
    for _ in range(8):
        granted = signins.sign_in("amina", PASSWORD, "10.0.0.1")
        assert signins.user_of(granted.secret) == "amina"
    assert signins.store.attempts("login-failed:address:10.0.0.1", signins._clock(), 900) == 0


def test_failures_lock_the_account_for_unknown_browsers_even_with_the_right_password(
    signins: SignIns, clock: Clock
) -> None:
    for n in range(3):
        _fail(signins, "amina", f"10.0.0.{n}")
    with pytest.raises(Refused) as refused:
        signins.sign_in("amina", PASSWORD, "10.9.9.9")
    assert refused.value.code == "rate_limited"
    assert status_of(refused.value) == 429
    clock.now += FAILURE_WINDOW + 1
    assert signins.sign_in("amina", PASSWORD, "10.9.9.9").user == "amina"


def test_a_browser_that_signed_in_before_is_never_locked_out_by_others(
    signins: SignIns,
) -> None:
    device = signins.sign_in("amina", PASSWORD, "10.0.0.1").device
    # Someone else exhausts the account's and the shared address's allowance.
    for _ in range(3):
        _fail(signins, "amina", "10.0.0.1")
    for n in range(2):
        _fail(signins, f"nobody{n}", "10.0.0.1")
    assert signins.store.attempts("login-failed:address:10.0.0.1", signins._clock(), 900) == 5
    with pytest.raises(Refused, match="Too many"):
        signins.sign_in("amina", PASSWORD, "10.0.0.1")
    assert signins.sign_in("amina", PASSWORD, "10.0.0.1", device).user == "amina"
    # The device token counts its own failures, and only for its own account.
    for _ in range(3):
        _fail(signins, "amina", "10.0.0.1", device)
    with pytest.raises(Refused, match="Too many"):
        signins.sign_in("amina", PASSWORD, "10.0.0.1", device)
    with pytest.raises(Refused, match="Too many"):
        signins.sign_in("amina", PASSWORD, "10.0.0.1", "forged" + device)


def test_failures_from_one_address_lock_that_address_only(signins: SignIns) -> None:
    for n in range(5):
        _fail(signins, f"nobody{n}", "10.0.0.66")
    with pytest.raises(Refused, match="Too many"):
        signins.sign_in("amina", PASSWORD, "10.0.0.66")
    assert signins.sign_in("amina", PASSWORD, "10.0.0.7").user == "amina"


def test_a_sign_in_ends_at_sign_out_when_idle_and_at_its_lifetime(
    signins: SignIns, clock: Clock
) -> None:
    ended = signins.sign_in("amina", PASSWORD, "10.0.0.1")
    signins.sign_out(ended.secret)
    assert signins.user_of(ended.secret) is None

    idle = signins.sign_in("amina", PASSWORD, "10.0.0.1")
    clock.now += 601
    assert signins.user_of(idle.secret) is None

    used = signins.sign_in("amina", PASSWORD, "10.0.0.1")
    for _ in range(6):
        clock.now += 500
        assert signins.user_of(used.secret) == "amina"
    clock.now += 601
    assert signins.user_of(used.secret) is None  # 3,601 s after it began
    assert signins.user_of("") is None
    assert signins.user_of(None) is None


def test_a_console_token_lasts_as_long_as_its_sign_in(signins: SignIns, clock: Clock) -> None:
    granted = signins.sign_in("amina", PASSWORD, "10.0.0.1")
    reference = signins.reference(granted.secret)
    assert granted.secret not in reference
    # An open console counts as use: it keeps an otherwise idle sign-in going.
    for _ in range(5):
        clock.now += 500
        signins.check_token(reference)
    signins.sign_out(granted.secret)
    for ended in (reference, "", "not-a-sign-in"):
        with pytest.raises(Refused) as refused:
            signins.check_token(ended)
        assert refused.value.code == "revoked"


def test_a_password_change_ends_every_sign_in_and_its_console_tokens(
    signins: SignIns,
) -> None:
    first = signins.sign_in("amina", PASSWORD, "10.0.0.1")
    second = signins.sign_in("amina", PASSWORD, "10.0.0.2")
    signins.check_token(signins.reference(first.secret))
    accounts.change_password(signins.store, "amina", "a new long password")
    assert signins.user_of(first.secret) is None
    assert signins.user_of(second.secret) is None
    with pytest.raises(Refused, match="has ended"):
        signins.check_token(signins.reference(first.secret))
    with pytest.raises(Refused, match="do not match"):
        signins.sign_in("amina", PASSWORD, "10.0.0.1")
    assert signins.sign_in("amina", "a new long password", "10.0.0.1").user == "amina"


@pytest.mark.parametrize(
    ("name", "password", "code"),
    [("nobody", "a new long password", "not_found"), ("amina", "short", "invalid")],
)
def test_a_bad_password_change_is_refused_and_changes_nothing(
    signins: SignIns, name: str, password: str, code: str
) -> None:
    kept = signins.sign_in("amina", PASSWORD, "10.0.0.1")
    with pytest.raises(Refused) as refused:
        accounts.change_password(signins.store, name, password)
    assert refused.value.code == code
    assert signins.user_of(kept.secret) == "amina"
    assert accounts.check_password(signins.store, "amina", PASSWORD)


def test_a_one_time_link_is_short_lived_and_dies_once_an_account_exists(store: Store) -> None:
    assert accounts.LINK_LIFETIME <= 15 * 60
    signins = SignIns(store, "test secret key")
    token = accounts.new_login_link(store, signins._clock())
    late = accounts.new_login_link(store, signins._clock() - accounts.LINK_LIFETIME - 1)
    with pytest.raises(Refused, match="does not work"):
        signins.sign_in_with_link(late, "10.0.0.1")
    accounts.add_user(store, "amina", PASSWORD)
    with pytest.raises(Refused) as refused:
        signins.sign_in_with_link(token, "10.0.0.1")
    assert refused.value.code == "link_invalid"
