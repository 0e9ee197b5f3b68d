"""A writer killed with SIGKILL loses nothing it had acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from facilitator.core.events import NoteAdded
from facilitator.storage.sqlite import SQLiteStore

WRITER = textwrap.dedent(
    """
    import sys
    from facilitator.core import commands as c
    from facilitator.core.engine import create
    from facilitator.core.events import BallotCast, NoteAdded
    from facilitator.storage.sqlite import SQLiteStore
    from tests.factories import AGENDA, T0

    store = SQLiteStore(sys.argv[1])
    _, events = create(c.CreateSession(T0, "s1", "g", 1, 1, "S", AGENDA))
    version = store.append("s1", 0, events)
    n = 0
    while True:
        n += 1
        version = store.append(
            "s1", version, [NoteAdded(f"note-{n}", f"text {n}", T0 + n), BallotCast("poll-1", n)]
        )
        print(f"acked {version} {n}", flush=True)
    """
)


@pytest.mark.slow
def test_every_acknowledged_append_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert writer.stdout is not None
    acked: list[int] = []
    for line in writer.stdout:
        acked.append(int(line.split()[2]))
        if len(acked) == 150:
            writer.send_signal(signal.SIGKILL)
            break
    writer.wait(timeout=10)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    store = SQLiteStore(path)
    notes = {event.note_id: event for _, event in store.read("s1") if isinstance(event, NoteAdded)}
    ballots = set(store.ballots("s1", "poll-1"))
    for n in acked:
        assert notes[f"note-{n}"] == NoteAdded(f"note-{n}", f"text {n}", 1_700_000_000.0 + n)
        assert n in ballots
    # An append is all or nothing: a note and its ballot are both there, or neither.
    assert {int(k.split("-")[1]) for k in notes} == ballots
    store.close()
