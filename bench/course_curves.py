"""Course reads against the weeks a course has held and against its members.

A course's trend (`.../members/<id>/trend.svg`) and its summary (`.../export/summary.html`)
grow with what the course holds. For each shape, a small programme of courses of that
shape is written (bench/course_data.py) and each read is made cold (the process has not
read the course) and warm, as in scenario 7, on a fresh server on the server's core.
The ratio is to the smallest shape on the same axis, measured in the same run.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import bench.run as bench
from bench.curves import BOTTOM, HEIGHT, TOP, _chart

# Weeks held at 10 members; members at 12 weeks held.
WEEKS = (1, 3, 6, 12)
MEMBERS = (5, 10, 20, 40)
COURSES = 21  # one for each process's first read, 20 read
KINDS = ("trend.svg", "summary.html")


def point(weeks: int, members: int, courses: int) -> dict[str, Any]:
    """Write `courses` courses of one shape; read each kind cold and warm."""
    seed = Path(tempfile.mkdtemp(prefix="facilitator-bench-course-curve-"))
    try:
        made = bench.generate_courses(seed, courses, members, weeks)
        written = [(c["id"], c["members"]) for c in made["courses"]]
        rng = random.Random(weeks * 100 + members)  # noqa: S311 (repeatable, no secret)
        warm_up = (written[0][0], written[0][1][0])
        pairs = [(course_id, rng.choice(ids)) for course_id, ids in written[1:]]
        reads = {kind: bench.read_courses(seed, kind, pairs, warm_up) for kind in KINDS}
    finally:
        shutil.rmtree(seed, ignore_errors=True)
    out: dict[str, Any] = {"weeks": weeks, "members": members, "events": made["events"]}
    for kind, report in reads.items():
        out[kind] = {
            phase: {
                **bench.percentiles(report["samples"][phase]),
                "server_cpu_ms": report["server_cpu_ms"][phase],
                "failed": report["failed"][phase],
            }
            for phase in ("cold", "warm")
        }
        out[kind]["body_bytes"] = report["bytes"]
        out[kind]["floor_p50_ms"] = bench.percentiles(report["samples"]["floor"])["p50_ms"]
    return out


def with_ratios(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each point's cold server CPU and p50 as a ratio to the first point's."""
    first = points[0]
    for p in points:
        p["ratio"] = {
            kind: {
                "cold_cpu": bench.ratio(
                    p[kind]["cold"]["server_cpu_ms"], first[kind]["cold"]["server_cpu_ms"]
                ),
                "cold_p50": bench.ratio(p[kind]["cold"]["p50_ms"], first[kind]["cold"]["p50_ms"]),
            }
            for kind in KINDS
        }
    return points


def run_course_curves(quick: bool = False) -> dict[str, Any]:
    courses = 6 if quick else COURSES
    bench.log(f"course curves: weeks {WEEKS} at 10 members, members {MEMBERS} at 12 weeks")
    by_weeks = with_ratios([point(w, 10, courses) for w in WEEKS])
    by_members = with_ratios([point(12, m, courses) for m in MEMBERS])
    return {
        "courses_per_point": courses - 1,
        "measured": "GET trend.svg and summary.html of each course, cold then warm, one at a"
        " time on a kept-alive connection; server CPU per read less a floor read's",
        "by_weeks": by_weeks,
        "by_members": by_members,
    }


def plot(course_curves: dict[str, Any], folder: Path) -> list[str]:
    """Write the course reads against weeks and against members as two SVG charts."""
    colours = {"trend.svg": "#1f6fb2", "summary.html": "#c2410c"}
    written = {}
    for axis, label, name in (
        ("weeks", "meetings held (log scale), 10 members", "curve-course-weeks.svg"),
        ("members", "members (log scale), 12 meetings held", "curve-course-members.svg"),
    ):
        points = course_curves[f"by_{axis}"]
        xs = [p[axis] for p in points]
        series = []
        for kind, colour in colours.items():
            series.append(
                (
                    f"{kind} CPU",
                    colour,
                    "",
                    [(p[axis], p[kind]["cold"]["server_cpu_ms"] or 0.0) for p in points],
                )
            )
            series.append(
                (
                    f"{kind} p50",
                    colour,
                    "6 4",
                    [(p[axis], p[kind]["cold"]["p50_ms"] or 0.0) for p in points],
                )
            )
        top = max(y for _, _, _, pts in series for _, y in pts)
        step = 10.0 if top > 40 else 5.0
        top = step * (int(top / step) + 1)

        def y_of(value: float, top: float = top) -> float:
            return HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP)

        written[name] = _chart(
            f"Course reads, cold, against {axis}",
            "milliseconds (server CPU, and wall p50)",
            series,
            xs,
            [step * k for k in range(int(top / step) + 1)],
            y_of,
            x_label=label,
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in written.items():
        (folder / name).write_text(text)
    return [f"bench/results/{name}" for name in written]
