"""`facilitator users list|add|remove|passwd`, `sessions list|delete` and `purge`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from facilitator.app import close_app, create_app
from facilitator.cli import main
from facilitator.config import Settings
from facilitator.service import accounts
from facilitator.storage.sqlite import SQLiteStore
from tests.sessions_at import DAY, NOTE, session_at

PASSWORD = "long enough password"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[SQLiteStore]:
    """The store the commands use, opened beside them as a running server would."""
    opened = SQLiteStore(data_dir / "facilitator.db")
    yield opened
    opened.close()


def _run(data_dir: Path, *args: str, input: str | None = None, admins: str = "") -> Result:
    env = {
        "FACILITATOR_DATA_DIR": str(data_dir),
        "FACILITATOR_REDIS_URL": "",
        "FACILITATOR_ADMINS": admins,
    }
    return CliRunner().invoke(main, list(args), env=env, input=input)


def _audited(store: SQLiteStore) -> list[tuple[str, str, str, str]]:
    return [(e.action, e.owner, e.address, e.session_id) for e in store.audit_entries()]


def test_users_are_added_listed_with_admins_and_their_sessions(
    data_dir: Path, store: SQLiteStore
) -> None:
    assert _run(data_dir, "users", "add", "amina", "--password", PASSWORD).exit_code == 0
    assert _run(data_dir, "users", "add", "bo", input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    session_at(store, "bo", time.time())
    result = _run(data_dir, "users", "list", admins="amina")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "  amina                       0 sessions  admin",
        "  bo                          1 sessions",
    ]
    assert _audited(store) == [
        ("user_added", "amina", "local", ""),
        ("user_added", "bo", "local", ""),
    ]


def test_listing_no_users_says_how_to_sign_in(data_dir: Path) -> None:
    result = _run(data_dir, "users", "list")
    assert result.exit_code == 0
    assert "one-time sign-in link" in result.output


def test_passwd_changes_the_password_and_is_audited(data_dir: Path, store: SQLiteStore) -> None:
    accounts.add_user(store, "amina", PASSWORD)
    result = _run(data_dir, "users", "passwd", "amina", input="a new long password\n" * 2)
    assert result.exit_code == 0, result.output
    assert "Changed the password of 'amina'." in result.output
    assert accounts.check_password(store, "amina", "a new long password")
    assert not accounts.check_password(store, "amina", PASSWORD)
    (entry,) = store.audit_entries()
    assert (entry.action, entry.owner, entry.address) == ("password_changed", "amina", "local")
    assert entry.actor.startswith("cli")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("users", "passwd", "nobody", "--password", PASSWORD),
            "There is no account named 'nobody'.",
        ),
        (
            ("users", "passwd", "amina", "--password", "short"),
            "A password needs at least 10 characters.",
        ),
        (("users", "remove", "nobody"), "There is no account named 'nobody'."),
        (("sessions", "delete", "no-such-id"), "no session 'no-such-id'"),
    ],
)
def test_bad_requests_fail_with_a_clear_message_and_change_nothing(
    data_dir: Path, store: SQLiteStore, args: tuple[str, ...], message: str
) -> None:
    accounts.add_user(store, "amina", PASSWORD)
    result = _run(data_dir, *args)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.stderr
    assert accounts.check_password(store, "amina", PASSWORD)
    assert store.users() == ["amina"]
    assert store.audit_entries() == []


def test_a_removed_user_can_no_longer_sign_in(data_dir: Path, store: SQLiteStore) -> None:
    accounts.add_user(store, "amina", PASSWORD)
    session_id = session_at(store, "amina", time.time())
    result = _run(data_dir, "users", "remove", "amina")
    assert result.exit_code == 0, result.output
    assert "Removed facilitator 'amina'; 1 of their sessions are kept." in result.output
    assert store.users() == []
    assert [r.id for r in store.sessions()] == [session_id]
    assert _audited(store) == [("user_removed", "amina", "local", "")]
    app = create_app(Settings(data_dir=data_dir, async_mode="threading", secret_key="k" * 40))
    try:
        browser = app.test_client()
        browser.get("/login")
        with browser.session_transaction() as cookie:
            csrf = cookie["csrf"]
        form = {"name": "amina", "password": PASSWORD, "csrf_token": csrf}
        assert browser.post("/login", data=form).status_code == 401
    finally:
        close_app(app)


def test_removing_a_user_ends_the_sign_in_of_a_browser_already_signed_in(
    data_dir: Path, store: SQLiteStore
) -> None:
    accounts.add_user(store, "amina", PASSWORD)
    app = create_app(Settings(data_dir=data_dir, async_mode="threading", secret_key="k" * 40))
    try:
        browser = app.test_client()
        browser.get("/login")
        with browser.session_transaction() as cookie:
            csrf = cookie["csrf"]
        form = {"name": "amina", "password": PASSWORD, "csrf_token": csrf}
        assert browser.post("/login", data=form).status_code == 302
        assert browser.get("/api/me").status_code == 200
        assert _run(data_dir, "users", "remove", "amina").exit_code == 0
        assert browser.get("/api/me").status_code == 401
    finally:
        close_app(app)


def test_sessions_are_listed_with_owner_and_end_but_no_content(
    data_dir: Path, store: SQLiteStore
) -> None:
    now = time.time()
    ended = session_at(store, "amina", now - 3 * DAY, now - 3 * DAY + 3600)
    running = session_at(store, "bo", now - DAY)
    result = _run(data_dir, "sessions", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2 session(s)"
    assert running in lines[1] and " bo " in lines[1] and lines[1].endswith("running")
    assert ended in lines[2] and " amina " in lines[2] and " ended 20" in lines[2]
    assert "brother" not in result.output
    only_amina = _run(data_dir, "sessions", "list", "--owner", "amina").output.splitlines()
    assert only_amina[0] == "1 session(s)" and ended in only_amina[1]


def test_sessions_delete_erases_one_session_and_audits_it(
    data_dir: Path, store: SQLiteStore
) -> None:
    kept = session_at(store, "amina", time.time())
    gone = session_at(store, "amina", time.time())
    result = _run(data_dir, "sessions", "delete", gone)
    assert result.exit_code == 0, result.output
    assert result.output == f"Deleted session {gone}.\n"
    assert [r.id for r in store.sessions()] == [kept]
    assert store.read(gone) == []
    assert _audited(store) == [("session_deleted", "amina", "local", gone)]


def test_purge_erases_only_sessions_ended_longer_ago_and_says_which(
    data_dir: Path, store: SQLiteStore
) -> None:
    now = time.time()
    old = session_at(store, "amina", now - 40 * DAY, now - 40 * DAY + 3600)
    recent = session_at(store, "amina", now - 40 * DAY, now - 5 * DAY)
    never_ended = session_at(store, "bo", now - 60 * DAY)
    result = _run(data_dir, "purge", "--older-than", "30")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"Erased {old} (amina, ended ")
    assert lines[1] == "Erased 1 session(s) that ended more than 30 days ago."
    assert NOTE not in result.output
    assert sorted(r.id for r in store.sessions()) == sorted([recent, never_ended])
    assert store.read(old) == []
    (entry,) = store.audit_entries()
    assert (entry.action, entry.owner, entry.session_id, entry.address) == (
        "session_purged",
        "amina",
        old,
        "local",
    )
    assert entry.actor.startswith("cli")
    assert entry.detail == "ended more than 30 days ago"


def test_purge_needs_a_number_of_days_of_zero_or_more(data_dir: Path) -> None:
    assert _run(data_dir, "purge").exit_code == 2
    result = _run(data_dir, "purge", "--older-than", "-1")
    assert result.exit_code == 2
    assert "-1 is not in the range x>=0" in result.output
