"""Facilitator accounts and one-time sign-in links."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.errors import Refused
from facilitator.service import accounts
from facilitator.storage.base import StorageError
from facilitator.storage.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "accounts.db")


def test_a_password_is_kept_only_as_an_argon2_hash(store: SQLiteStore) -> None:
    accounts.add_user(store, "amina", "correct horse battery")
    stored = store.password_hash("amina")
    assert stored is not None
    assert stored.startswith("$argon2")
    assert "correct horse" not in stored
    assert accounts.check_password(store, "amina", "correct horse battery")
    assert not accounts.check_password(store, "amina", "wrong horse battery")
    assert not accounts.check_password(store, "nobody", "correct horse battery")


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("A", "long enough password", "lower-case"),
        ("has space", "long enough password", "lower-case"),
        ("local", "long enough password", "kept for one-time login links"),
        ("amina", "short", "at least 10 characters"),
    ],
)
def test_bad_accounts_are_refused(
    store: SQLiteStore, name: str, password: str, message: str
) -> None:
    with pytest.raises(Refused, match=message):
        accounts.add_user(store, name, password)
    assert not store.has_users()


def test_an_account_name_is_taken_once(store: SQLiteStore) -> None:
    accounts.add_user(store, "amina", "long enough password")
    with pytest.raises(StorageError, match="already exists"):
        accounts.add_user(store, "amina", "another long password")


def test_a_login_link_works_once_and_not_after_it_expires(store: SQLiteStore) -> None:
    token = accounts.new_login_link(store, now=1000.0)
    assert accounts.use_login_link(store, token, now=1001.0)
    assert not accounts.use_login_link(store, token, now=1002.0)
    late = accounts.new_login_link(store, now=1000.0)
    assert not accounts.use_login_link(store, late, now=1000.0 + accounts.LINK_LIFETIME + 1)
    assert not accounts.use_login_link(store, "", now=1001.0)
    assert not accounts.use_login_link(store, "x" * 500, now=1001.0)


def test_only_a_hash_of_the_login_link_is_stored(store: SQLiteStore, tmp_path: Path) -> None:
    token = accounts.new_login_link(store, now=1000.0)
    store.close()
    assert token.encode() not in (tmp_path / "accounts.db").read_bytes()
