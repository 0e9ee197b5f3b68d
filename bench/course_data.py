"""Write a programme of finished courses into a data directory, for scenario 7.

Usage: python -m bench.course_data DATA_DIR [--courses 300] [--members 10] [--weeks 12]
    [--seed 7]

Each course is the shipped protocol ipt-g-12, owned by the account a one-time sign-in
link signs in as, with `members` members and meetings 1 to `weeks` held (all 12 unless
told): attendance, the weekly
named mood (`mood_named`), PHQ-9 at meetings 1, 7 and 12 (band from the instrument), a
step set by every member at every meeting and reviewed at the next, and a plan per
member. Meeting 0, the pre-group meeting, was never held.

The courses are written through the course engine and the store, as the service writes
them: the same commands, the same command ids where the service gives one (so the same
events, `course_command_recorded` included), and a snapshot where the service's rule
would take one. Only the commits differ: a course's events go in a few appends instead
of one per command, which changes nothing a later read sees. The meetings' sessions are
not written: a course only names them, and no course read opens them.

Prints one JSON object: the courses with their member ids, and what was written.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from facilitator.config import Settings
from facilitator.core import course as engine
from facilitator.core import course_commands as cc
from facilitator.core.codec import course_state_to_dict
from facilitator.core.course_events import CourseCommandRecorded
from facilitator.core.course_state import CourseState, Meeting
from facilitator.core.events import Event
from facilitator.library.catalog import Catalog
from facilitator.service.accounts import LOCAL_USER
from facilitator.service.codes import ADJECTIVES, NOUNS, new_join_code
from facilitator.service.courses import COURSE_PREFIX
from facilitator.storage.base import Snapshot, VersionConflict
from facilitator.storage.sqlite import SQLiteStore

PROTOCOL = "ipt-g-12"
WEEKLY = "mood_named"
INSTRUMENT = "phq-9"
WEEKS = 12
WEEK = 7 * 86400.0
MEETING_SECONDS = 90 * 60.0
# The service's rule (CourseService._maybe_snapshot with its default of 200).
SNAPSHOT_EVERY = 200
NAMES = (
    "Amina", "Ben", "Chloe", "Dawit", "Elena", "Farid", "Grace", "Hana", "Ivan", "Joy",
    "Kofi", "Lena", "Musa", "Nora", "Omar", "Priya", "Rosa", "Sami", "Tara", "Yusuf",
)  # fmt: skip
STEPS = (
    "Call my sister on Sunday and tell her how the week went, even the hard part.",
    "Ask my neighbour to walk to the market with me on Wednesday morning.",
    "Say no once this week when my manager asks me to stay late, and say why.",
    "Write down three things I did each evening before I go to sleep.",
    "Visit my mother's grave with my brother and talk about her on the way.",
    "Go to the community centre's lunch on Friday and speak to one new person.",
)
GOALS = (
    "Feel less alone in the new town and have one person I can call when it is hard.",
    "Talk with my husband about money without it ending in a shouting match.",
    "Get through the first year after losing my job and find a new routine.",
    "Grieve my father and start seeing my friends again.",
)
AREAS = ("grief", "disputes", "transitions", "isolation")
PEOPLE = ("sister", "husband", "mother", "neighbour", "manager", "son", "friend")


class CourseWriter:
    """Run commands on one course as CourseService.run does, writing in a few appends."""

    def __init__(self, store: SQLiteStore, state: CourseState) -> None:
        self.store = store
        self.state = state
        self.written = state.version
        self.snapshot_at = 0
        self.pending: list[Event] = []
        self.appends = 1
        self.snapshots = 0

    def run(self, command: cc.CourseCommand, command_id: str = "", by: str = "") -> None:
        events = engine.decide(self.state, command)
        if command_id:
            events = [*events, CourseCommandRecorded(command_id, by)]
        for event in events:
            engine.apply(self.state, event)
        self.pending += events
        version = self.state.version
        if version - self.snapshot_at >= max(SNAPSHOT_EVERY, version // 4):
            self.flush()
            self.store.save_snapshot(
                self.state.id, Snapshot(version, course_state_to_dict(self.state))
            )
            self.snapshot_at = version
            self.snapshots += 1

    def flush(self) -> None:
        if self.pending:
            self.store.append(self.state.id, self.written, self.pending)
            self.written, self.pending = self.state.version, []
            self.appends += 1


def create(store: SQLiteStore, catalog: Catalog, rng: random.Random, start: float) -> CourseState:
    """Open a course of the protocol as CourseService.create does, on a free join code."""
    protocol = catalog.protocol(PROTOCOL)
    meetings = tuple(
        Meeting(s.n, s.n, s.phase.value, s.title, start + (s.n - 1) * WEEK)
        for s in protocol.sessions
    )
    for _ in range(5):
        command = cc.CreateCourse(
            at=start - 2 * WEEK,
            course_id=COURSE_PREFIX + _token(rng, 12),
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            title=f"{rng.choice(('Monday', 'Tuesday', 'Thursday'))} evening group",
            clinical_title=protocol.title,
            owner=LOCAL_USER,
            language="en",
            join_code=new_join_code(),
            meetings=meetings,
        )
        state, events = engine.create_course(command)
        try:
            store.append(state.id, 0, events)
        except VersionConflict:
            continue
        return state
    raise RuntimeError("no free join code in five draws")


def hold_course(
    writer: CourseWriter, catalog: Catalog, rng: random.Random, size: int, weeks: int = WEEKS
) -> None:
    """Enrol `size` members, keep their plans and hold meetings 1 to `weeks` with everything."""
    state = writer.state
    start = state.created_at + 2 * WEEK
    phq = catalog.instrument(INSTRUMENT)
    for k in range(size):
        name = f"{NAMES[k % len(NAMES)]}" if rng.random() < 0.8 else ""
        pseudonym = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {k}"
        member_id = "c-" + _token(rng, 11)
        writer.run(cc.Enroll(state.created_at + 3600 + k * 600, member_id, name, pseudonym))
    members = sorted(state.members)
    for member_id in members:
        writer.run(
            cc.UpdatePlan(
                at=start - WEEK,
                member_id=member_id,
                areas=tuple(rng.sample(AREAS, rng.randint(1, 2))),
                goal=rng.choice(GOALS),
                key_people=tuple(rng.sample(PEOPLE, rng.randint(1, 3))),
                by=LOCAL_USER,
            )
        )
    mood = {m: rng.randint(2, 6) for m in members}
    for n in range(1, weeks + 1):
        opened = start + (n - 1) * WEEK + rng.uniform(-300, 300)
        session_id = _token(rng, 12)
        writer.run(
            cc.OpenMeeting(at=opened, n=n, session_id=session_id),
            command_id=f"open:{session_id}",
            by=LOCAL_USER,
        )
        for member_id in members:
            if n > 1:
                writer.run(
                    cc.ReviewStep(
                        at=opened + rng.uniform(600, 1800),
                        member_id=member_id,
                        n=n - 1,
                        tried=rng.choice(("yes", "yes", "partly", "no")),
                    ),
                    command_id=f"{member_id}:{_token(rng, 8)}",
                )
        for member_id in members:
            writer.run(
                cc.SetStep(
                    at=opened + MEETING_SECONDS - rng.uniform(120, 600),
                    member_id=member_id,
                    n=n,
                    text=rng.choice(STEPS),
                ),
                command_id=f"{member_id}:{_token(rng, 8)}",
            )
        measures: list[tuple[str, str, int, str]] = []
        for member_id in members:
            mood[member_id] = min(10, max(0, mood[member_id] + rng.choice((-1, 0, 1, 1))))
            measures.append((member_id, WEEKLY, mood[member_id], ""))
            if n in (1, 7, 12):
                score = max(0, min(27, 22 - 2 * mood[member_id] + rng.randint(-3, 3)))
                band = phq.band(score)
                measures.append((member_id, INSTRUMENT, score, band.label if band else ""))
        attendance = tuple(
            (m, rng.choices(("present", "late", "left_early"), (90, 7, 3))[0]) for m in members
        )
        writer.run(
            cc.CloseMeeting(
                at=opened + MEETING_SECONDS,
                n=n,
                attendance=attendance,
                measures=tuple(sorted(measures)),
            ),
            command_id=f"ended:{session_id}",
        )
    writer.flush()


def _token(rng: random.Random, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(length))


def generate(
    data_dir: Path, courses: int, members: int, seed: int, weeks: int = WEEKS
) -> dict[str, Any]:
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (repeatable data, no secret)
    catalog = Catalog.load()
    store = SQLiteStore(Settings(data_dir=data_dir).database)
    # Twelve weeks ago, so that meeting 12 ended a few days ago.
    first = time.time() - 12 * WEEK
    written: list[dict[str, Any]] = []
    events = appends = snapshots = 0
    try:
        for _ in range(courses):
            state = create(store, catalog, rng, first + rng.uniform(0, 2 * 86400))
            writer = CourseWriter(store, state)
            hold_course(writer, catalog, rng, members, weeks)
            written.append({"id": state.id, "members": sorted(state.members)})
            events += state.version
            appends += writer.appends
            snapshots += writer.snapshots
    finally:
        store.close()
    database = Settings(data_dir=data_dir).database
    return {
        "courses": written,
        "events": events,
        "appends": appends,
        "snapshots": snapshots,
        "database_bytes": database.stat().st_size,
        "seconds": round(time.monotonic() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=WEEKS, help="meetings held, 1 to 12")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not 1 <= args.weeks <= WEEKS:
        parser.error(f"--weeks must be 1 to {WEEKS}")
    report = generate(args.data_dir, args.courses, args.members, args.seed, args.weeks)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
