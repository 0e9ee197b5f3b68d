"""Facilitator accounts: argon2 password hashes and one-time login links."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Protocol, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from facilitator.errors import Refused
from facilitator.storage.base import AccessStore, Store

# The account a one-time link signs in as, on a laptop with no accounts set up.
LOCAL_USER = "local"
# Long enough to copy the printed link into a browser; `facilitator login-link` prints
# another when it has run out.
LINK_LIFETIME = 15 * 60.0
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()
T = TypeVar("T")


class Offload(Protocol):
    """Run a call to completion, e.g. on a thread so that argon2 leaves the event loop."""

    def __call__(self, call: Callable[[], T], /) -> T: ...


def inline(call: Callable[[], T]) -> T:
    """Run `call` here: where threads already serve each request."""
    return call()


def add_user(store: AccessStore, name: str, password: str) -> None:
    """Create a facilitator account, or raise Refused saying what is wrong."""
    if not NAME.match(name):
        raise Refused("invalid", "A user name is 2-40 lower-case letters, digits, . _ or -.")
    if name == LOCAL_USER:
        raise Refused(
            "invalid", "The name {name} is kept for one-time login links.", name=repr(LOCAL_USER)
        )
    _check_new_password(password)
    store.add_user(name, _hasher.hash(password))


def change_password(store: AccessStore, name: str, new_password: str) -> None:
    """Set an account's password and end all its sign-ins, with their console and display links."""
    if store.password_hash(name) is None:
        raise Refused("not_found", "There is no account named {name}.", name=repr(name))
    _check_new_password(new_password)
    store.set_password(name, _hasher.hash(new_password))
    # Whoever knew the old password may be signed in, or hold a console link, already.
    store.end_signins(name)


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Refused(
            "invalid", "A password needs at least {count} characters.", count=MIN_PASSWORD
        )


def remove_user(store: Store, name: str) -> None:
    """Delete an account so that it no longer signs in; its sessions stay."""
    if not store.remove_user(name):
        raise Refused("not_found", "There is no account named {name}.", name=repr(name))
    # A removed account's open sign-ins, consoles and displays end with it.
    store.end_signins(name)


def check_password(store: AccessStore, name: str, password: str, offload: Offload = inline) -> bool:
    """Tell whether `password` is the account's; rehash when parameters have changed.

    Only the hashing runs through `offload`: the store is used from the caller's thread.
    """
    stored = store.password_hash(name)
    if stored is None:
        # Hash anyway so that a missing account takes as long as a wrong password.
        offload(lambda: _hasher.hash(password))
        return False
    if not offload(lambda: _matches(stored, password)):
        return False
    if _hasher.check_needs_rehash(stored):
        store.set_password(name, offload(lambda: _hasher.hash(password)))
    return True


def _matches(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def new_login_link(store: AccessStore, now: float) -> str:
    """Return a fresh one-time login token; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    store.save_login_token(digest(token), now + LINK_LIFETIME)
    return token


def use_login_link(store: AccessStore, token: str, now: float) -> bool:
    """Use up a one-time login token; False when unknown, used, expired or not needed.

    A link stands in for an account on a laptop nobody has set up: once any account
    exists, no link signs in any more.
    """
    if not token or len(token) >= 200 or store.has_users():
        return False
    return store.take_login_token(digest(token), now)


def digest(token: str) -> str:
    """Return the hash under which a secret token is kept."""
    return hashlib.sha256(token.encode()).hexdigest()
