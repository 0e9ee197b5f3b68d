"""The data directory and every file the server writes in it are its account's only."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from facilitator.private_files import private_dir, private_file
from tests.live import Client, Facilitator, Server, join, wait_until


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_running_server_keeps_its_database_wal_and_key_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Started with the permissive umask of a typical login shell, as an operator would.
    command = ["bash", "-c", f"umask 022 && exec {sys.executable} -m facilitator serve"]
    server = Server(data, command=command).start()
    phones: list[Client] = []
    try:
        wait_until(lambda: server.login_link, 10, "the sign-in link")
        facilitator = Facilitator(server).sign_in_with_link(server.login_link)
        links = facilitator.create_session()
        console = Client(server.url, links["console_token"], "console").connect()
        phones = [console, Client(server.url, join(server, links["join_code"])["token"])]
        phones[1].connect()
        assert console.call("start_session")["ok"]
        assert console.call("add_note", {"text": "a private note"})["ok"]
        wal = data / "facilitator.db-wal"
        assert wal.exists() and wal.stat().st_size > 0
        assert _mode(data) == 0o700
        for name in ("facilitator.db", "facilitator.db-wal", "facilitator.db-shm", "secret_key"):
            assert _mode(data / name) == 0o600, (name, oct(_mode(data / name)))
    finally:
        for client in phones:
            client.close()
        server.stop()


def test_files_left_open_by_an_older_version_are_narrowed(tmp_path: Path) -> None:
    key = tmp_path / "secret_key"
    key.write_text("k")
    key.chmod(0o644)
    private_file(key)
    assert _mode(key) == 0o600
    assert key.read_text() == "k"


def test_an_existing_data_directory_is_left_as_the_operator_made_it(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    private_dir(shared)
    assert _mode(shared) == 0o755
    fresh = tmp_path / "a" / "fresh"
    private_dir(fresh)
    assert _mode(fresh) == 0o700


def test_the_systemd_unit_sets_a_strict_umask() -> None:
    unit = (Path(__file__).resolve().parents[1] / "deploy" / "facilitator@.service").read_text()
    assert "\nUMask=0077\n" in unit
    assert "\nStateDirectoryMode=0700\n" in unit
