"""Growth curves: how a facilitator command's latency and the bytes a console is sent per
change grow with a session's log, on SQLite and on Redis (`python -m bench.run --curves`).

One session of MEMBERS phones runs rounds of a real meeting (polls answered by every
phone, results revealed and hidden, signals and their acknowledgements, notes, step
changes) until its log reaches each length in LENGTHS; there it is measured:

- COMMANDS facilitator commands (push_prompt and clear_prompt in turn), one at a time,
  timed from send to ack on the harness's own core: p50 and p99, and the server's CPU
  time per command. They are taken in blocks, in turn with the same commands sent to a
  fresh session of the same size at the shortest length on the same server, so that
  both meet the host as it is at that moment (other work on a shared host moved
  latencies by ten times within minutes);
- the bytes of JSON the console receives for one answer (ANSWERS of them, spaced so
  that each is sent alone) and for one phone leaving or coming back (PRESENCE of each);
- the size of the console's whole view, which every change sent before view_patch.

Each figure is given as a ratio to that session at the shortest length, measured beside
it, and also to the first point of the curve itself.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import socketio

from bench import run as bench

LENGTHS = (100, 1000, 2500, 5000, 10000)
QUICK_LENGTHS = (100, 400, 800)
MEMBERS = 50
COMMANDS = 200
BLOCKS = 10  # COMMANDS taken in blocks, in turn with the reference session's
ANSWERS = 10
PRESENCE = 2
TARGET_RATIO = 1.2
PATCH_LIMIT = 2048
AGENDA = 7  # steps of group-ipt-8's session 2, the session bench.Console opens


class Socket:
    """A Socket.IO client (console or phone) that counts what it receives."""

    def __init__(self, url: str, token: str, *, counts: bool = False) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.Client(reconnection=False)
        self.received: list[tuple[str, int]] = []  # (event, bytes of JSON)
        self.guard = threading.Lock()
        # Phones take what they are sent and do nothing with it: the harness shares one
        # core with them, and the console's acks must not wait behind their work.
        self._handler = self._record if counts else self._ignore
        self.sio.on("*", self._handler)

    def _record(self, event: str, data: Any = None) -> None:
        size = len(json.dumps(data, separators=(",", ":")).encode())
        with self.guard:
            self.received.append((event, size))

    def _ignore(self, event: str, data: Any = None) -> None:
        pass

    def connect(self) -> Socket:
        for attempt in range(5):
            try:
                self.sio.connect(
                    self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
                )
                return self
            except socketio.exceptions.ConnectionError:
                if attempt == 4:
                    raise
                # A loaded host can miss the handshake's time: a fresh client, once more.
                time.sleep(0.5)
                self.sio = socketio.Client(reconnection=False)
                self.sio.on("*", self._handler)
        return self

    def call(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        reply: dict[str, Any] = self.sio.call(event, payload or {}, timeout=30)
        return reply

    def count(self) -> int:
        with self.guard:
            return len(self.received)

    def since(self, start: int) -> list[tuple[str, int]]:
        with self.guard:
            return self.received[start:]

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def _phones(url: str, tokens: list[str], orders: Connection) -> None:
    """Hold the phones in a process of their own and do what `orders` says: the
    console's acks, timed in the harness's process, never wait behind their work."""
    phones = [Socket(url, token).connect() for token in tokens]
    pool = ThreadPoolExecutor(4)

    def answer(n: int, poll_id: str, value: Any) -> None:
        payload = {"action_id": secrets.token_hex(8), "poll_id": poll_id, "value": value}
        ack = phones[n].call("submit_answer", payload)
        if not ack.get("ok"):
            raise RuntimeError(f"an answer was refused: {ack}")

    orders.send("ready")
    while True:
        order, *args = orders.recv()
        try:
            if order == "answer":
                poll_id, values = args
                list(pool.map(answer, range(len(values)), [poll_id] * len(values), values))
            elif order == "answer_one":
                answer(*args)
            elif order == "signal":
                phones[args[0]].call(
                    "send_signal", {"action_id": secrets.token_hex(8), "kind": "pass"}
                )
            elif order == "close":
                phones[args[0]].close()
            elif order == "reopen":
                phones[args[0]] = Socket(url, tokens[args[0]]).connect()
            elif order == "stop":
                break
        except Exception as error:  # told to the harness, which stops
            orders.send(f"failed: {error!r}")
            continue
        orders.send("done")
    pool.shutdown()
    for phone in phones:
        phone.close()
    orders.send("stopped")


class Phones:
    """The meeting's phones, in their own process on the harness's core."""

    def __init__(self, url: str, tokens: list[str]) -> None:
        self.orders, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_phones, args=(url, tokens, theirs), daemon=True
        )
        self.process.start()
        self._reply("ready")

    def _reply(self, want: str, timeout: float = 120) -> None:
        if not self.orders.poll(timeout):
            raise RuntimeError("the phones' process did not answer")
        said = self.orders.recv()
        if said != want:
            raise RuntimeError(f"the phones' process said {said}")

    def do(self, *order: Any) -> None:
        self.orders.send(order)
        self._reply("done")

    def stop(self) -> None:
        self.orders.send(("stop",))
        try:
            self._reply("stopped", 30)
        finally:
            self.process.join(10)


class Meeting:
    """One session driven through its console and phones."""

    def __init__(self, server: bench.Server, desk: bench.Console) -> None:
        self.server = server
        session = desk.create_session()
        self.console = Socket(server.url, session["console_token"], counts=True).connect()
        tokens = bench.join_codes(server, [session["join_code"]] * MEMBERS)
        self.tokens = [t for t in tokens if t]
        if len(self.tokens) != MEMBERS:
            raise RuntimeError(f"only {len(self.tokens)} of {MEMBERS} members joined")
        self.phones = Phones(server.url, self.tokens)
        self.version = 0
        self.rounds = 0
        self.step, self.direction = 0, 1
        self.command("start_session")

    def command(self, event: str, payload: dict[str, Any] | None = None) -> float:
        """Send a facilitator command; return its milliseconds from send to ack."""
        body = {**(payload or {}), "command_id": secrets.token_hex(8)}
        started = time.perf_counter()
        ack = self.console.call(event, body)
        took = (time.perf_counter() - started) * 1000
        if not ack.get("ok"):
            raise RuntimeError(f"{event} refused: {ack}")
        self.version = max(self.version, int(ack["version"]))
        return took

    def view(self) -> dict[str, Any]:
        ack = self.console.call("sync", {})
        view: dict[str, Any] = ack["view"]
        self.version = max(self.version, int(view["version"]))
        return view

    def open_poll(self, ref: str) -> str:
        self.command("open_poll", {"poll": ref})
        polls = self.view()["polls"]
        return str(next(p["poll_id"] for p in polls if p["phase"] == "open"))

    def round(self) -> None:
        """A poll answered by every phone and closed, its results revealed and hidden
        (anonymous ones), a signal seen, a note, and a step change."""
        self.rounds += 1
        anonymous = self.rounds % 2 == 1
        poll_id = self.open_poll("mood10" if anonymous else "tried_step")
        values = [(n % 11) if anonymous else (n % 4) for n in range(MEMBERS)]
        self.phones.do("answer", poll_id, values)
        self.command("close_poll", {"poll_id": poll_id})
        if anonymous:
            self.command("reveal_poll", {"poll_id": poll_id, "show": True})
            self.command("hide_results")
        self.phones.do("signal", self.rounds % MEMBERS)
        for signal in self.view()["signals"]:
            if not signal["acknowledged"]:
                self.command("acknowledge_signal", {"signal_id": signal["id"]})
        self.command("add_note", {"text": f"Round {self.rounds}: noted."})
        if not 0 <= self.step + self.direction < AGENDA:
            self.direction = -self.direction
        self.step += self.direction
        self.command("next_step" if self.direction > 0 else "previous_step")

    def grow(self, length: int) -> None:
        while self.version < length:
            self.round()

    def console_change(self, act: Callable[[], None], timeout: float = 10) -> int:
        """Do `act` and return the bytes the console receives for it."""
        before = self.console.count()
        act()
        _wait(lambda: self.console.count() > before, timeout, "the console's update")
        time.sleep(0.25)  # past the console's throttle window: this change's sends only
        return sum(size for _, size in self.console.since(before))

    def commands(self, count: int) -> tuple[list[float], float]:
        """Send `count` commands (push_prompt and clear_prompt in turn); return their
        latencies and the server's CPU milliseconds over them."""
        spent = bench.cpu_ms(self.server.pid)
        latencies = []
        for n in range(count):
            prompt = self.prompted = not getattr(self, "prompted", False)
            if prompt:
                latencies.append(self.command("push_prompt", {"text": f"Prompt {n}"}))
            else:
                latencies.append(self.command("clear_prompt"))
        return latencies, bench.cpu_ms(self.server.pid) - spent

    def measure(self, reference: Meeting) -> dict[str, Any]:
        """Measure this session against `reference`, a session at the shortest length on
        the same server, in blocks taken in turn: both see the host as it is then."""
        at, reference_at = self.version, reference.version
        latencies: list[float] = []
        beside: list[float] = []
        cpu = cpu_beside = 0.0
        for _ in range(BLOCKS):
            taken, spent = self.commands(COMMANDS // BLOCKS)
            latencies += taken
            cpu += spent
            taken, spent = reference.commands(COMMANDS // BLOCKS)
            beside += taken
            cpu_beside += spent
        # The server's own CPU time per command, which other work on the host does not
        # lengthen the way it lengthens a latency (10 ms ticks over COMMANDS commands).
        cpu /= len(latencies)
        cpu_beside /= len(beside)
        # The same round trip doing no work (`sync` of the version held): the harness's
        # and the transport's own share, which no log length changes.
        floor = []
        for _ in range(COMMANDS):
            started = time.perf_counter()
            self.console.call("sync", {"version": self.version})
            floor.append((time.perf_counter() - started) * 1000)
        poll_id = self.open_poll("mood10")
        time.sleep(0.25)
        answers = [
            self.console_change(partial(self.phones.do, "answer_one", n, poll_id, n % 11))
            for n in range(ANSWERS)
        ]
        self.command("close_poll", {"poll_id": poll_id})
        presence = []
        for n in range(PRESENCE):
            last = MEMBERS - 1 - n
            presence.append(self.console_change(partial(self.phones.do, "close", last)))
            presence.append(self.console_change(partial(self.phones.do, "reopen", last)))
        whole = self.console.call("sync", {})
        view_bytes = len(json.dumps(whole["view"], separators=(",", ":")).encode())
        kinds = {event for event, _ in self.console.received}
        return {
            "log_events": at,
            "latency": bench.percentiles(latencies),
            # Both sessions grow by two events a command while measured.
            "reference_events": reference_at,
            "events_added": self.version - at,
            "reference_latency": bench.percentiles(beside),
            "floor_latency": bench.percentiles(floor),
            "server_cpu_ms_per_command": round(cpu, 3),
            "reference_server_cpu_ms_per_command": round(cpu_beside, 3),
            "answer_bytes": {"mean": round(sum(answers) / len(answers)), "max": max(answers)},
            "presence_bytes": {"mean": round(sum(presence) / len(presence)), "max": max(presence)},
            "whole_view_bytes": view_bytes,
            "console_events": sorted(kinds),
        }

    def close(self) -> None:
        self.phones.stop()
        self.console.close()


# The per-connection flood limit (20 events a second) would refuse the harness's pace.
UNLIMITED = {"FACILITATOR_EVENT_BURST": "100000", "FACILITATOR_EVENT_RATE": "100000"}


def curve(backend: str, env: dict[str, str], lengths: tuple[int, ...]) -> list[dict[str, Any]]:
    """Grow one session to each length and measure it there; return a point per length."""
    server = bench.Server("app", env={**UNLIMITED, **env})
    points = []
    with bench.running(server), bench.on_loadgen_core():
        # Signed in once: the one-time link signs in once.
        desk = bench.Console(server)
        meeting = Meeting(server, desk)
        try:
            for length in lengths:
                started = time.monotonic()
                meeting.grow(length)
                grown = time.monotonic() - started
                # A fresh session at the shortest length, measured in turn with this one.
                reference = Meeting(server, desk)
                try:
                    reference.grow(lengths[0])
                    point = meeting.measure(reference)
                finally:
                    reference.close()
                point["grow_seconds"] = round(grown, 1)
                point["target_events"] = length
                bench.log(
                    f"  {backend} at {point['log_events']} events: command"
                    f" p50 {point['latency']['p50_ms']} ms p99 {point['latency']['p99_ms']} ms"
                    f" (at {point['reference_events']} events meanwhile: p50"
                    f" {point['reference_latency']['p50_ms']} ms,"
                    f" CPU {point['reference_server_cpu_ms_per_command']} ms)"
                    f" (no-op p50 {point['floor_latency']['p50_ms']} ms),"
                    f" server CPU {point['server_cpu_ms_per_command']} ms a command,"
                    f" answer {point['answer_bytes']['max']} B,"
                    f" presence {point['presence_bytes']['max']} B,"
                    f" whole view {point['whole_view_bytes']} B"
                )
                points.append(point)
        finally:
            meeting.close()
    first = points[0]
    for point in points:
        # To the session at the shortest length measured at the same time (the brief's
        # "100-event figure"), and below to the first point of this session's own curve.
        point["ratio"] = {
            "p50": bench.ratio(point["latency"]["p50_ms"], point["reference_latency"]["p50_ms"]),
            "p99": bench.ratio(point["latency"]["p99_ms"], point["reference_latency"]["p99_ms"]),
            "server_cpu": bench.ratio(
                point["server_cpu_ms_per_command"], point["reference_server_cpu_ms_per_command"]
            ),
            "p50_to_first": bench.ratio(point["latency"]["p50_ms"], first["latency"]["p50_ms"]),
            "server_cpu_to_first": bench.ratio(
                point["server_cpu_ms_per_command"], first["server_cpu_ms_per_command"]
            ),
            "answer_bytes": bench.ratio(point["answer_bytes"]["max"], first["answer_bytes"]["max"]),
            "presence_bytes": bench.ratio(
                point["presence_bytes"]["max"], first["presence_bytes"]["max"]
            ),
        }
    return points


def verdicts(curves: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Say per backend whether each target was met at the longest log, and by how much."""
    found: dict[str, Any] = {}
    for backend, points in curves.items():
        if not points:
            continue
        last = points[-1]
        p50 = last["ratio"]["p50"]
        largest = max(max(p["answer_bytes"]["max"], p["presence_bytes"]["max"]) for p in points)
        found[backend] = {
            "command_p50_ratio": p50,
            "command_p50_target": TARGET_RATIO,
            "command_p50": "met" if p50 is not None and p50 <= TARGET_RATIO else "missed",
            "command_p50_by": None if p50 is None else round(p50 - TARGET_RATIO, 2),
            "server_cpu_ratio": last["ratio"]["server_cpu"],
            "largest_change_bytes": largest,
            "change_bytes_target": PATCH_LIMIT,
            "change_bytes": "met" if largest <= PATCH_LIMIT else "missed",
        }
    return found


def run_curves(quick: bool = False) -> dict[str, Any]:
    """Measure the curves on SQLite and on Redis; plot them; return the document part.

    `quick`: short logs only, to try the harness (its plots are not written)."""
    lengths = QUICK_LENGTHS if quick else LENGTHS
    bench.log(f"curves: one session of {MEMBERS} phones, log lengths {lengths}")
    curves: dict[str, list[dict[str, Any]]] = {"sqlite": curve("sqlite", {}, lengths)}
    notes = {}
    if shutil.which("redis-server") is None:
        notes["redis"] = "not measured: redis-server is not installed"
    else:
        with bench.redis_server() as (url, _):
            env = {"FACILITATOR_REDIS_URL": url, "FACILITATOR_SECRET_KEY": "bench-curves"}
            curves["redis"] = curve("redis", env, lengths)
    plots = [] if quick else plot(curves, bench.BENCH / "results")
    return {
        "members": MEMBERS,
        "lengths": list(lengths),
        "commands_per_point": COMMANDS,
        "measured": "facilitator command ack latency (push_prompt / clear_prompt in turn),"
        " from the harness on the load generator's core; bytes of JSON the console receives"
        " per answer and per phone leaving or coming back",
        "curves": curves,
        "verdicts": verdicts(curves),
        "notes": notes,
        "plots": plots,
    }


# -- SVG -------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 160, 30, 46
COLOURS = {"sqlite": "#1f6fb2", "redis": "#c2410c"}


def _x(length: float, lengths: list[int]) -> float:
    # Evenly spaced by order of magnitude: 100 to 10,000 on a log scale.
    low, high = math.log10(lengths[0]), math.log10(lengths[-1])
    return LEFT + (math.log10(length) - low) / (high - low) * (WIDTH - LEFT - RIGHT)


def _chart(
    title: str,
    y_label: str,
    series: list[tuple[str, str, str, list[tuple[float, float]]]],
    lengths: list[int],
    y_ticks: list[float],
    y_of: Callable[[float], float],
    guide: tuple[float, str] | None = None,
    x_label: str = "events in the session's log",
) -> str:
    """Return an SVG line chart: series of (label, colour, dash, points)."""
    inner_bottom = HEIGHT - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{title}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{title}</text>',
        f'<line x1="{LEFT}" y1="{inner_bottom}" x2="{WIDTH - RIGHT}" y2="{inner_bottom}"'
        ' stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{inner_bottom}" stroke="#333"/>',
    ]
    for length in lengths:
        x = _x(length, lengths)
        parts.append(
            f'<line x1="{x:.1f}" y1="{inner_bottom}" x2="{x:.1f}" y2="{inner_bottom + 4}"'
            ' stroke="#333"/>'
            f'<text x="{x:.1f}" y="{inner_bottom + 18}" text-anchor="middle">{length:,}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{x_label}</text>"
    )
    for tick in y_ticks:
        y = y_of(tick)
        label = f"{tick:g}" if tick < 1000 else f"{tick / 1000:g}k"
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    parts.append(
        f'<text x="14" y="{(TOP + inner_bottom) / 2}" text-anchor="middle"'
        f' transform="rotate(-90 14 {(TOP + inner_bottom) / 2})">{y_label}</text>'
    )
    if guide is not None:
        y = y_of(guide[0])
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#16a34a"'
            ' stroke-dasharray="2 3"/>'
            f'<text x="{WIDTH - RIGHT + 6}" y="{y + 4:.1f}" fill="#16a34a">{guide[1]}</text>'
        )
    for n, (label, colour, dash, points) in enumerate(series):
        coords = " ".join(f"{_x(x, lengths):.1f},{y_of(y):.1f}" for x, y in points)
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>'
        )
        for x, y in points:
            parts.append(
                f'<circle cx="{_x(x, lengths):.1f}" cy="{y_of(y):.1f}" r="3" fill="{colour}"/>'
            )
        legend_y = TOP + 20 + n * 18
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 6}" y1="{legend_y - 4}" x2="{WIDTH - RIGHT + 26}"'
            f' y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"{dashing}/>'
            f'<text x="{WIDTH - RIGHT + 30}" y="{legend_y}">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def plot(curves: dict[str, list[dict[str, Any]]], folder: Path) -> list[str]:
    """Write the two charts as SVG files under `folder`; return their names."""
    lengths = list(LENGTHS)
    latency = []
    size = []
    for backend, points in curves.items():
        colour = COLOURS.get(backend, "#555")
        latency.append(
            (f"{backend} p50", colour, "", [(p["log_events"], p["ratio"]["p50"]) for p in points])
        )
        latency.append(
            (
                f"{backend} p99",
                colour,
                "6 4",
                [(p["log_events"], p["ratio"]["p99"]) for p in points],
            )
        )
        latency.append(
            (
                f"{backend} CPU",
                colour,
                "2 3",
                [(p["log_events"], p["ratio"]["server_cpu"]) for p in points],
            )
        )
        size.append(
            (
                f"{backend} whole view",
                colour,
                "2 3",
                [(p["log_events"], p["whole_view_bytes"]) for p in points],
            )
        )
        size.append(
            (
                f"{backend} answer",
                colour,
                "",
                [(p["log_events"], p["answer_bytes"]["max"]) for p in points],
            )
        )
        size.append(
            (
                f"{backend} presence",
                colour,
                "6 4",
                [(p["log_events"], p["presence_bytes"]["max"]) for p in points],
            )
        )
    top: float = max([2.0] + [y for _, _, _, pts in latency for _, y in pts if y is not None])
    top = math.ceil(top * 2) / 2

    def ratio_y(value: float) -> float:
        return HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP)

    def bytes_y(value: float) -> float:
        low, high = 2.0, 6.0  # 100 B to 1 MB
        share = (math.log10(max(value, 100)) - low) / (high - low)
        return HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - TOP)

    ticks = [round(t * 0.5, 1) for t in range(int(top * 2) + 1)]
    written = {
        "curve-command-latency.svg": _chart(
            "Facilitator command: latency and server CPU, x at 100 events",
            "x the same at 100 events, measured beside",
            latency,
            lengths,
            ticks,
            ratio_y,
            (TARGET_RATIO, "target 1.2x p50"),
        ),
        "curve-console-bytes.svg": _chart(
            "Bytes sent to the console per change",
            "bytes of JSON (log scale)",
            size,
            lengths,
            [100, 1000, 10000, 100000, 1000000],
            bytes_y,
            (PATCH_LIMIT, "2 KB target"),
        ),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in written.items():
        (folder / name).write_text(text)
    return [f"bench/results/{name}" for name in written]


MEMBER_COLOURS = {"ours": "#1f6fb2", "floor": "#6b7280", "reference": "#c2410c"}
MEMBER_LABELS = {"ours": "ours", "floor": "Flask-SocketIO floor", "reference": "Node socket.io"}


def plot_members(members: dict[str, Any], folder: Path) -> list[str]:
    """Write scenario 1 against the number of members as two SVG charts: step to phone
    p50 and p99, and memory per member, for ours, the floor and the Node reference."""
    points = members["points"]
    sizes = [p["members"] for p in points]
    latency = []
    memory = []
    for name, colour in MEMBER_COLOURS.items():
        label = MEMBER_LABELS[name]
        for quantile, dash in (("p99", ""), ("p50", "2 3")):
            latency.append(
                (
                    f"{label} {quantile}",
                    colour,
                    dash,
                    [(p["members"], p[name]["latency"][f"{quantile}_ms"] or 0) for p in points],
                )
            )
        memory.append(
            (label, colour, "", [(p["members"], p[name]["rss_kb_per_client"]) for p in points])
        )
    top_ms = max(y for _, _, _, pts in latency for _, y in pts)
    step_ms = 10 ** math.floor(math.log10(max(top_ms, 1)))
    top_ms = math.ceil(top_ms / step_ms) * step_ms
    top_kb = math.ceil(max(y for _, _, _, pts in memory for _, y in pts) / 10) * 10

    def linear(top: float) -> Callable[[float], float]:
        return lambda value: HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP)

    written = {
        "curve-members-latency.svg": _chart(
            "One session: step to phone against members",
            "milliseconds",
            latency,
            sizes,
            [step_ms * k for k in range(int(top_ms / step_ms) + 1)],
            linear(top_ms),
            x_label="members in the session (log scale)",
        ),
        "curve-members-memory.svg": _chart(
            "One session: memory per member",
            "KB of RSS per member",
            memory,
            sizes,
            [10.0 * k for k in range(int(top_kb / 10) + 1)],
            linear(top_kb),
            x_label="members in the session (log scale)",
        ),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in written.items():
        (folder / name).write_text(text)
    return [f"bench/results/{name}" for name in written]


if __name__ == "__main__":
    # Draw the charts again from a results file: python -m bench.curves [latest.json]
    import sys

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else bench.BENCH / "results" / "latest.json"
    document = json.loads(source.read_text())
    print(plot(document["curves"]["curves"], source.parent))
    if "members" in document:
        print(plot_members(document["members"], source.parent))
