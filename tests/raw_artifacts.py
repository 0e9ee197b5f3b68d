"""Read what the stores leave on disk the way an attacker would, not through the app.

SQLite: the database file plus its write-ahead log, replayed commit by commit (each
commit's pages laid over the file as recovery would), and every WAL frame read raw,
stale ones included. Redis: every file of its append-only directory, read raw, and its
commands parsed in order.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24


def wal_path(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def database_images(db: Path) -> Iterator[bytes]:
    """Yield the database as it stood at the file's state, then after each WAL commit."""
    image = bytearray(db.read_bytes())
    yield bytes(image)
    wal = wal_path(db).read_bytes() if wal_path(db).exists() else b""
    if len(wal) < WAL_HEADER:
        return
    page_size = struct.unpack(">I", wal[8:12])[0]
    salts = wal[16:24]
    pending: dict[int, bytes] = {}
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        page_number, commit_size = struct.unpack(">II", wal[offset : offset + 8])
        if wal[offset + 8 : offset + 16] != salts:
            break  # frames of an earlier generation: read by `wal_frames`, not replayed
        pending[page_number] = wal[offset + FRAME_HEADER : offset + FRAME_HEADER + page_size]
        offset += FRAME_HEADER + page_size
        if commit_size:
            size = commit_size * page_size
            image = image[:size] + bytes(max(0, size - len(image)))
            for number, page in pending.items():
                image[(number - 1) * page_size : number * page_size] = page
            pending = {}
            yield bytes(image)


def wal_frames(db: Path) -> bytes:
    """Return every byte of the WAL past its header: current and stale frames alike."""
    wal = wal_path(db)
    return wal.read_bytes()[WAL_HEADER:] if wal.exists() else b""


@dataclass
class PollTrace:
    """What one database image tells of one anonymous poll."""

    voters: list[str] = field(default_factory=list)
    ballots: Counter[str] = field(default_factory=Counter)


def poll_traces(image: bytes, poll_id: str) -> dict[str, PollTrace]:
    """Return, per session, the voters and every ballot value one image holds for a poll."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "image.db"
        path.write_bytes(image)
        db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            traces: dict[str, PollTrace] = {}
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
            if not {"events", "ballots"} <= tables:
                return traces  # written before the schema was: nothing to read yet
            for session_id, data in db.execute("SELECT session_id, data FROM events"):
                event = json.loads(data)
                if event.get("poll_id") != poll_id:
                    continue
                trace = traces.setdefault(session_id, PollTrace())
                if event["type"] == "anonymous_vote_counted":
                    trace.voters.append(event["participant_id"])
                elif event["type"] == "poll_closed":
                    trace.ballots.update(json.dumps(v) for v in event["ballots"])
            for session_id, value in db.execute(
                "SELECT session_id, value FROM ballots WHERE poll_id = ?", (poll_id,)
            ):
                traces.setdefault(session_id, PollTrace()).ballots[
                    json.dumps(json.loads(value))
                ] += 1
            return traces
        finally:
            db.close()


def pairings(history: list[PollTrace]) -> list[tuple[str, str]]:
    """Return (voter, answer) pairs that a sequence of states of one poll gives away.

    A state with one voter and one answer pairs them; so does a step from one state to
    the next that adds exactly one voter and exactly one answer.
    """
    found: list[tuple[str, str]] = []
    previous = PollTrace()
    for trace in history:
        new_voters = [v for v in trace.voters if v not in previous.voters]
        new_ballots = trace.ballots - previous.ballots
        if len(new_voters) == 1 and sum(new_ballots.values()) == 1:
            found.append((new_voters[0], next(iter(new_ballots))))
        if len(trace.voters) == 1 and sum(trace.ballots.values()) == 1:
            found.append((trace.voters[0], next(iter(trace.ballots))))
        previous = trace
    return found


def sqlite_pairings(db: Path, session_id: str, poll_id: str) -> list[tuple[str, str]]:
    """Return the voter-answer pairs the file and its WAL, replayed, give away."""
    history = [
        poll_traces(image, poll_id).get(session_id, PollTrace()) for image in database_images(db)
    ]
    return pairings(history)


def aof_bytes(directory: Path) -> bytes:
    """Return the raw bytes of every append-only file Redis keeps in `directory`."""
    folder = directory / "appendonlydir"
    files = sorted(folder.iterdir()) if folder.exists() else []
    return b"".join(_read(path) for path in files)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return b""  # removed by Redis while we looked: gone for any reader after us too


def aof_commands(directory: Path) -> list[list[bytes]]:
    """Return, in order, the commands in the plain (RESP) parts of the append-only files."""
    commands: list[list[bytes]] = []
    folder = directory / "appendonlydir"
    for path in sorted(folder.glob("*.incr.aof")) + sorted(folder.glob("*.base.aof")):
        data = _read(path)
        at = 0
        # A command still being written at the end is left unread.
        while data.find(b"\r\n", at) != -1 and data[at : at + 1] == b"*":
            end = data.index(b"\r\n", at)
            count = int(data[at + 1 : end])
            at = end + 2
            command: list[bytes] = []
            for _ in range(count):
                end = data.find(b"\r\n", at)
                if end == -1:
                    return commands
                length = int(data[at + 1 : end])
                command.append(data[end + 2 : end + 2 + length])
                at = end + 2 + length + 2
            if at > len(data):
                return commands
            commands.append(command)
    return commands
