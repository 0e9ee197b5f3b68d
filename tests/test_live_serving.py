"""The production command from the Procfile, and the eventlet option, serve real clients."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import ROOT, Client, Facilitator, Server, join, wait_until


def _procfile_web_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("the Procfile has no web: line")


def _round_trip(server: Server) -> None:
    """Sign in, open a session, join three phones, answer, reveal, export."""
    wait_until(lambda: server.login_link, 10, "the sign-in link")
    facilitator = Facilitator(server).sign_in_with_link(server.login_link)
    links = facilitator.create_session("group-ipt-8", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    phones = [
        Client(server.url, join(server, links["join_code"])["token"]).connect() for _ in range(3)
    ]
    try:
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "mood10"})["ok"]
        for n, phone in enumerate(phones):
            assert phone.call(
                "submit_answer", {"action_id": "a", "poll_id": "poll-1", "value": n + 4}
            )["ok"]
        assert console.call("close_poll", {"poll_id": "poll-1"})["ok"]
        assert console.call("reveal_poll", {"poll_id": "poll-1"})["ok"]
        shown = phones[0].wait_for(lambda v: v["results"])["results"][0]["summary"]
        assert shown["mean"] == 5.0
        exported = facilitator.get(f"/api/sessions/{links['session_id']}/export/results.csv")
        rows = [r for r in csv.DictReader(io.StringIO(exported.text)) if r["item"] == "mean"]
        assert [r["answer"] for r in rows] == ["5.0"]
    finally:
        for client in [console, *phones]:
            client.close()


@pytest.mark.slow
def test_the_procfile_command_serves_a_full_round_trip(tmp_path: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)
    server = Server(
        tmp_path / "data",
        command=["bash", "-c", f"exec {_procfile_web_command()}"],
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )
    server.start()
    try:
        assert any("(gevent)" in line for line in server.output)
        _round_trip(server)
    finally:
        server.stop()


@pytest.mark.slow
def test_eventlet_still_serves_when_chosen(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", env={"FACILITATOR_ASYNC_MODE": "eventlet"}).start()
    try:
        assert any("(eventlet)" in line for line in server.output)
        _round_trip(server)
    finally:
        server.stop()


def test_the_server_freezes_what_it_loaded_and_collects_garbage_rarely() -> None:
    probe = (
        "import gc\n"
        "from facilitator.serving import GC_THRESHOLDS, tune_garbage_collector\n"
        "tune_garbage_collector()\n"
        "assert gc.get_threshold() == GC_THRESHOLDS, gc.get_threshold()\n"
        "assert gc.get_freeze_count() > 1000, gc.get_freeze_count()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
