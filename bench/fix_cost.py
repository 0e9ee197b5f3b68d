"""What the privacy and fault fixes cost: the same scenarios on three checkouts, side by side.

Usage: python -m bench.fix_cost [--quick] [--only 3,6] [--repeat 5] [--out FILE]

The first release (before the fixes), the commit where the privacy and fault fixes had
all landed (anonymous ballots and the emptied SQLite WAL, command ids applied once,
presence from live connections), and this checkout run the same scenarios with the
same harness (bench/run.py, through BENCH_APP_ROOT). Each scenario runs on the three
in turn before the next scenario starts, so that all three meet the host as it is at
that moment; the ratios are to the first release. The older checkouts come from this
repository's history as git worktrees in a temporary folder.

One run of a saturating scenario moves by a third from one try to the next on a shared
host, more than the 10% it is judged by: `--repeat N` runs each scenario N rounds (the
three checkouts in turn in each round) and reports each figure's median, with every
round kept beside it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import bench.run as bench

# name, commit, and the fields its API refuses (left out by the load generator).
CHECKOUTS: tuple[tuple[str, str | None, dict[str, str]], ...] = (
    ("first release", "48bf57e", {"BENCH_COMMAND_IDS": "0", "BENCH_JOIN_CONSENT": "0"}),
    ("privacy and fault fixes", "5088f91", {"BENCH_JOIN_CONSENT": "0"}),
    ("this checkout", None, {}),
)
# Each may cost at most this much more than the first release.
TARGET = 1.10


@contextmanager
def checkouts(folder: Path) -> Iterator[dict[str, Path]]:
    """Check out the older commits as worktrees of this repository; remove them after."""
    made: list[Path] = []
    roots: dict[str, Path] = {}
    try:
        for name, commit, _ in CHECKOUTS:
            if commit is None:
                roots[name] = bench.ROOT
                continue
            path = folder / commit
            subprocess.run(
                ["git", "-C", str(bench.ROOT), "worktree", "add", "--detach", str(path), commit],
                check=True,
                capture_output=True,
            )
            made.append(path)
            roots[name] = path
        yield roots
    finally:
        for path in made:
            subprocess.run(
                ["git", "-C", str(bench.ROOT), "worktree", "remove", "--force", str(path)],
                check=False,
                capture_output=True,
            )


@contextmanager
def measuring(root: Path, knobs: dict[str, str]) -> Iterator[None]:
    """Point the harness's servers at `root`, with the knobs its API needs."""
    saved = {k: os.environ.get(k) for k in ("BENCH_APP_ROOT", *knobs)}
    os.environ["BENCH_APP_ROOT"] = str(root)
    os.environ.update(knobs)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def per_message(report: dict[str, Any], messages: int | None = None) -> float | None:
    """Server CPU microseconds per message the clients received (or per `messages`)."""
    found: float | None = bench.cpu_per_message(report, messages)["server_cpu_us_per_message"]
    return found


def one_session(clients: int) -> dict[str, Any]:
    server = bench.Server("app")
    with bench.running(server):
        report = bench.app_broadcast([server], clients, 10)
    return {
        "p50_ms": report["latency"]["p50_ms"],
        "p99_ms": report["latency"]["p99_ms"],
        "lost": report["lost"],
        "cpu_us_per_message": per_message(report),
    }


def groups(
    sessions: int, seconds: float, processes: int = 1, *, together: bool = False
) -> dict[str, Any]:
    """Scenario 2 on one process and SQLite, or on `processes` and one Redis."""
    with ExitStack() as stack:
        env = {"FACILITATOR_SECRET_KEY": "bench-shared-secret"}
        if processes > 1:
            env["FACILITATOR_REDIS_URL"] = stack.enter_context(bench.redis_server())[0]
        servers = [bench.Server("app", core=str(i), env=env) for i in range(processes)]
        with bench.running(*servers):
            report = bench.app_groups(servers, sessions, 10, seconds, together=together)
    answers = report["answers"]
    return {
        "p50_ms": report["steps"]["p50_ms"],
        "p99_ms": report["steps"]["p99_ms"],
        "answer_p99_ms": report["answer_to_count"]["p99_ms"],
        "lost": answers["lost"],
        "cpu_us_per_message": per_message(report),
    }


def redis_session(clients: int) -> dict[str, Any]:
    with bench.redis_server() as (url, _):
        env = {"FACILITATOR_REDIS_URL": url, "FACILITATOR_SECRET_KEY": "bench-shared-secret"}
        servers = [bench.Server("app", core=str(i), env=env) for i in range(2)]
        with bench.running(*servers):
            report = bench.app_broadcast(servers, clients, 10)
    return {
        "p50_ms": report["latency"]["p50_ms"],
        "p99_ms": report["latency"]["p99_ms"],
        "lost": report["lost"],
        "cpu_us_per_message": per_message(report),
    }


def vote_burst(clients: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    bench.scenario_three(clients, results)
    found = results[0]
    return {
        "p50_ms": found["p50_ms"],
        "p99_ms": found["p99_ms"],
        "lost": found["lost"],
        "final_count_ms": found["detail"]["last_answer_to_final_count_ms"],
        "cpu_us_per_message": per_message(found["detail"], clients),
    }


def join_storm(clients: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    bench.scenario_four(clients, results)
    found = results[0]
    return {"p50_ms": found["p50_ms"], "p99_ms": found["p99_ms"], "lost": found["lost"]}


def scenarios(quick: bool) -> dict[str, Callable[[], dict[str, Any]]]:
    scale = 0.1 if quick else 1.0
    seconds = 20 if quick else 30
    return {
        "1 one session": lambda: one_session(int(5000 * scale)),
        "2 many groups": lambda: groups(int(300 * scale), seconds),
        "2 many groups, polls together": lambda: groups(int(300 * scale), seconds, together=True),
        "3 vote burst": lambda: vote_burst(int(1000 * scale)),
        "4 join storm": lambda: join_storm(int(1000 * scale)),
        "6 redis x2: one session": lambda: redis_session(int(5000 * scale)),
        "6 redis x2: many groups": lambda: groups(int(300 * scale), seconds, processes=2),
    }


def chosen(
    found: dict[str, Callable[[], dict[str, Any]]], only: str
) -> dict[str, Callable[[], dict[str, Any]]]:
    """The scenarios whose number is in `only` ("3,6"), or all of them."""
    numbers = {n.strip() for n in only.split(",") if n.strip()}
    return {k: v for k, v in found.items() if not numbers or k.split(" ", 1)[0] in numbers}


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds that measured it (losses: the most in any
    round), with the rounds beside."""
    if len(runs) == 1:
        return runs[0]
    figures: dict[str, Any] = {}
    for key in {key for run in runs for key in run if key != "error"}:
        values = [run[key] for run in runs if isinstance(run.get(key), int | float)]
        if not values:
            figures[key] = None
        elif key == "lost":  # a loss in any round is a loss
            figures[key] = max(values)
        else:
            figures[key] = round(statistics.median(values), 2)
    figures["rounds"] = runs
    return figures


def compare(measured: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Ratios of each checkout to the first release, per scenario and figure."""
    base_name = CHECKOUTS[0][0]
    out: dict[str, Any] = {}
    for scenario, by_checkout in measured.items():
        base = by_checkout[base_name]
        out[scenario] = {
            name: {
                key: bench.ratio(value, base.get(key))
                for key, value in figures.items()
                if key.endswith(("_ms", "per_message")) and value is not None
            }
            for name, figures in by_checkout.items()
            if name != base_name
        }
    return out


def table(measured: dict[str, Any], ratios: dict[str, Any]) -> str:
    names = [name for name, _, _ in CHECKOUTS]
    head = ["scenario", *(f"{n}: p99 ms / CPU us a message" for n in names)]
    head += [f"x {n}: p99 / CPU" for n in names[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for scenario, by_checkout in measured.items():
        cells = [scenario]
        for name in names:
            f = by_checkout[name]
            cells.append(f"{f['p99_ms']} / {f.get('cpu_us_per_message', '-')}")
        for name in names[1:]:
            r = ratios[scenario][name]
            cells.append(f"{r.get('p99_ms', '-')} / {r.get('cpu_us_per_message', '-')}")
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the load")
    parser.add_argument("--only", default="", help="scenario numbers, e.g. 3,6")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are reported")
    parser.add_argument("--out", default=str(bench.BENCH / "results" / "fix-cost.json"))
    args = parser.parse_args(argv)
    if shutil.which("git") is None or not (bench.ROOT / ".git").exists():
        raise SystemExit("bench.fix_cost needs git and this repository's history")
    bench.raise_open_files()
    speeds = [bench.cpu_loop_seconds()]
    measured: dict[str, dict[str, dict[str, Any]]] = {}
    folder = Path(tempfile.mkdtemp(prefix="facilitator-fix-cost-"))
    try:
        with checkouts(folder) as roots:
            for scenario, measure in chosen(scenarios(args.quick), args.only).items():
                rounds: dict[str, list[dict[str, Any]]] = {n: [] for n, _, _ in CHECKOUTS}
                for round_ in range(1, args.repeat + 1):
                    for name, _, knobs in CHECKOUTS:
                        bench.log(f"fix cost: {scenario} on {name} ({round_}/{args.repeat})")
                        with measuring(roots[name], knobs):
                            try:
                                rounds[name].append(measure())
                            except Exception as error:  # recorded, and the others go on
                                bench.log(f"  failed: {error}")
                                rounds[name].append({"p99_ms": None, "error": str(error)})
                measured[scenario] = {name: median(runs) for name, runs in rounds.items()}
                bench.log(f"  {measured[scenario]}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    speeds.append(bench.cpu_loop_seconds())
    ratios = compare(measured)
    document = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_loop_s": speeds,
        "quick": args.quick,
        "repeat": args.repeat,
        "checkouts": {name: commit or "this checkout" for name, commit, _ in CHECKOUTS},
        "target": TARGET,
        "measured": measured,
        "ratio_to_first_release": ratios,
    }
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n")
    print(table(measured, ratios))
    print(f"CPU speed of the server core, a fixed loop: {min(speeds)}-{max(speeds)} s")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
