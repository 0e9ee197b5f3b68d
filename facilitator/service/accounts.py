"""Facilitator accounts: argon2 password hashes and one-time login links."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from facilitator.errors import Refused
from facilitator.storage.base import AccessStore, AuditStore

# The account a one-time link signs in as, on a laptop with no accounts set up.
LOCAL_USER = "local"
LINK_LIFETIME = 24 * 3600.0
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()


def add_user(store: AccessStore, name: str, password: str) -> None:
    """Create a facilitator account, or raise Refused saying what is wrong."""
    if not NAME.match(name):
        raise Refused("invalid", "a user name is 2-40 lower-case letters, digits, . _ or -")
    if name == LOCAL_USER:
        raise Refused("invalid", f"{LOCAL_USER!r} is kept for one-time login links")
    if len(password) < MIN_PASSWORD:
        raise Refused("invalid", f"a password needs at least {MIN_PASSWORD} characters")
    store.add_user(name, _hasher.hash(password))


def change_password(store: AccessStore, name: str, new_password: str) -> None:
    """Give an account a new password, or raise Refused saying what is wrong."""
    if len(new_password) < MIN_PASSWORD:
        raise Refused("invalid", f"a password needs at least {MIN_PASSWORD} characters")
    if store.password_hash(name) is None:
        raise Refused("not_found", f"no account named {name!r}", 404)
    store.set_password(name, _hasher.hash(new_password))


def remove_user(store: AuditStore, name: str) -> None:
    """Delete an account so that it no longer signs in; its sessions stay."""
    if not store.remove_user(name):
        raise Refused("not_found", f"no account named {name!r}", 404)


def check_password(store: AccessStore, name: str, password: str) -> bool:
    """Tell whether `password` is the account's; rehash when parameters have changed."""
    stored = store.password_hash(name)
    if stored is None:
        # Hash anyway so that a missing account takes as long as a wrong password.
        _hasher.hash(password)
        return False
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(stored):
        store.set_password(name, _hasher.hash(password))
    return True


def new_login_link(store: AccessStore, now: float) -> str:
    """Return a fresh one-time login token; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    store.save_login_token(_digest(token), now + LINK_LIFETIME)
    return token


def use_login_link(store: AccessStore, token: str, now: float) -> bool:
    """Use up a one-time login token; False when unknown, used or expired."""
    return bool(token) and len(token) < 200 and store.take_login_token(_digest(token), now)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
