"""The three exports of a session: the event log, the poll results, a printable summary.

Pure functions of the log or the state; the views that serve them add the HTTP.

Results CSV columns: poll_id, question, type, anonymous, phase, participant, item,
answer, count, entered_by (the facilitator who entered a named answer by interview),
band (an instrument total's severity band).
An anonymous poll gives aggregate rows only (participant empty): one
per option, scale value, distinct text or instrument total, with its count, plus a
`mean` row for scales (a ranking gives a `points` and a `mean rank` row per option);
or a single `withheld` row while it is open, below its threshold, or reopened with
fewer than k new answers since its results could last be seen (Poll.too_few_new).
Each poll kind's rows come from its entry in core/poll_kinds.py. A named poll gives one
row per person (count empty); an instrument gives a `total` row and one row per item
score.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from facilitator.core.codec import event_to_dict
from facilitator.core.composed import is_composed
from facilitator.core.events import Event, PollClosed
from facilitator.core.poll_kinds import Cell, ExportRow, PollKind, poll_kind
from facilitator.core.spec import RolePlaySpec
from facilitator.core.state import (
    Answer,
    Poll,
    PollPhase,
    RiskAction,
    RolePlay,
    SessionState,
    SignalKind,
    poll_answer_summary,
)
from facilitator.library.loader import Instrument
from facilitator.service.print_style import PRINT_STYLE
from facilitator.service.views import risk_alert

CSV_COLUMNS = (
    "poll_id",
    "question",
    "type",
    "anonymous",
    "phase",
    "participant",
    "item",
    "answer",
    "count",
    "entered_by",
    "band",
)

SIGNAL_LABELS = {
    SignalKind.PASS: "Pass",
    SignalKind.BREAK: "Need a break",
    SignalKind.SUPPORT: "Need support",
}
RISK_ACTION_LABELS = {
    RiskAction.SPOKE: "Spoke with them",
    RiskAction.SAFETY_PLAN: "Safety plan made",
    RiskAction.REFERRED: "Referred",
    RiskAction.EMERGENCY: "Emergency services",
    RiskAction.OTHER: "Other",
}

DECISION_LABELS = {"join": "Joins the group", "refer": "Referred elsewhere"}


# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def log_lines(events: Iterable[tuple[int, Event]], withheld: Collection[str] = ()) -> Iterator[str]:
    """Yield the log as JSON Lines, one `{"version": n, "type": ..., ...}` per event.

    The `poll_closed` entries of the polls in `withheld` (see `withheld_polls`) go
    without their answers, as the results CSV withholds them.
    """
    for version, event in events:
        # A ballot beside its vote in the log would tell who answered what.
        if event.ballot:
            continue
        if isinstance(event, PollClosed) and event.poll_id in withheld:
            event = replace(event, ballots=())
        yield json.dumps({"version": version, **event_to_dict(event)}, ensure_ascii=False)


def withheld_polls(state: SessionState) -> set[str]:
    """Return the polls whose answers no export may show now (see `poll_result`)."""
    return {poll.id for poll in state.polls.values() if poll_result(state, poll).withheld}


@dataclass
class PersonAnswer:
    name: str
    answer: Cell
    # Instruments only: (item id, score).
    items: list[tuple[str, int]] = field(default_factory=list)
    # The facilitator who entered the answer by interview; "" when the member did.
    entered_by: str = ""


@dataclass
class PollResult:
    poll: Poll
    withheld: str | None = None
    # Anonymous polls: (item, answer, count), as the poll's kind tallies them.
    counts: list[ExportRow] = field(default_factory=list)
    mean: float | None = None
    people: list[PersonAnswer] = field(default_factory=list)

    @property
    def kind(self) -> PollKind:
        return poll_kind(self.poll.spec.type)


def poll_result(state: SessionState, poll: Poll) -> PollResult:
    """Return what an export may show of one poll: aggregates, or answers by person."""
    spec = poll.spec
    if not spec.anonymous:
        people = [
            _person_answer(poll, state.participants[pid].name, value, poll.entered.get(pid, ""))
            for pid, value in poll.answers.items()
        ]
        return PollResult(poll, people=sorted(people, key=lambda p: p.name.casefold()))
    # While a poll is open each new count could be matched to whoever just answered.
    if poll.phase is PollPhase.OPEN:
        return PollResult(poll, withheld="results withheld while the poll is open")
    if poll.count < poll.threshold:
        return PollResult(poll, withheld=f"results withheld (fewer than {poll.threshold} answers)")
    if poll.too_few_new:
        # Exported (or revealed) before it was reopened: the difference would be theirs.
        return PollResult(
            poll,
            withheld=f"results withheld (fewer than {poll.threshold} new answers since it was"
            " reopened)",
        )
    summary = poll_answer_summary(poll)
    counts = poll_kind(spec.type).export_rows(spec, summary)
    return PollResult(poll, counts=counts, mean=summary.get("mean"))


def _person_answer(poll: Poll, name: str, value: Answer, entered_by: str) -> PersonAnswer:
    answer, items = poll_kind(poll.spec.type).person_answer(poll.spec, value)
    return PersonAnswer(name, answer, items, entered_by)


def band_of(instrument: Instrument | None, total: Cell) -> str:
    """Return the severity band's label of an instrument total, "" when it has none."""
    if instrument is None or not isinstance(total, int):
        return ""
    band = instrument.band(total)
    return band.label if band else ""


def results_csv(state: SessionState, instruments: Mapping[str, Instrument] | None = None) -> str:
    """Return the poll results as CSV, aggregates only for anonymous polls.

    `instruments`, by their polls' spec ids, give instrument totals their severity band.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for poll in state.polls.values():
        spec = poll.spec
        instrument = (instruments or {}).get(spec.id)
        head: list[Cell] = [poll.id, spec.question, spec.type, _yes_no(spec.anonymous)]
        head.append(poll.phase)
        result = poll_result(state, poll)
        rows: list[list[Cell]] = []
        if result.withheld is not None:
            rows.append(["", "withheld", result.withheld, poll.count])
        for item, answer, count in result.counts:
            rows.append(["", item, answer, count, "", band_of(instrument, answer)])
        if result.mean is not None:
            rows.append(["", "mean", result.mean, poll.count])
        for person in result.people:
            by = person.entered_by
            if person.items:
                band = band_of(instrument, person.answer)
                rows.append([person.name, "total", person.answer, "", by, band])
            else:
                rows.append([person.name, "", person.answer, "", by])
            rows.extend([person.name, item_id, score, "", by] for item_id, score in person.items)
        # Every row as wide as the header: aggregate rows leave the last columns empty.
        padded = ([*head, *row, *[""] * (len(CSV_COLUMNS) - len(head) - len(row))] for row in rows)
        writer.writerows([_safe(cell) for cell in row] for row in padded)
    return out.getvalue()


def _safe(cell: Cell) -> Cell:
    """Defuse a text that a spreadsheet would run as a formula."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def summary_html(
    state: SessionState,
    now: float,
    *,
    tz: tzinfo | None = None,
    titles: Mapping[str, str] | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> str:
    """Return a printable, self-contained HTML summary of the session.

    Times are shown in `tz`, the server's local time when None; `titles` names the
    instruments of risk alerts by their poll's spec id; `instruments`, by the same ids,
    give totals their severity bands and each instrument its attribution line.
    """
    instruments = instruments or {}

    def local(at: float) -> datetime:
        return datetime.fromtimestamp(at).astimezone(tz)

    def clock(at: float | None) -> str:
        return "" if at is None else local(at).strftime("%H:%M")

    def step_title(index: int | None) -> str:
        return "" if index is None else state.agenda[index].title

    members = sorted(state.participants.values(), key=lambda m: m.joined_at)
    seconds = [state.step_elapsed(i, now) for i in range(len(state.agenda))]
    signals = Counter(signal.kind for signal in state.signals)
    context: dict[str, Any] = {
        "state": state,
        "style": PRINT_STYLE,
        "printed": local(now).strftime("%Y-%m-%d %H:%M"),
        "date": local(state.started_at or state.created_at).strftime("%Y-%m-%d"),
        "zone": local(state.started_at or state.created_at).strftime("%Z"),
        "started": clock(state.started_at),
        "ended": clock(state.ended_at),
        "members": [
            {
                "name": m.name,
                "joined": clock(m.joined_at),
                "status": "" if m.present else ("removed" if m.removed else "left"),
                "left": clock(m.left_at),
            }
            for m in members
        ],
        "left_count": sum(1 for m in members if m.left_at is not None and not m.removed),
        "removed_count": sum(1 for m in members if m.removed),
        "steps": [
            {
                "title": step.title,
                "kind": step.kind.value.replace("_", " "),
                "planned": step.minutes,
                "actual": _minutes(spent),
                "current": i == state.current_step and state.ended_at is None,
            }
            for i, (step, spent) in enumerate(zip(state.agenda, seconds, strict=True))
        ],
        "planned_total": sum(step.minutes for step in state.agenda),
        "actual_total": _minutes(sum(seconds)),
        "polls": [
            {
                "result": poll_result(state, poll),
                "step": step_title(poll.step),
                "instrument": instruments.get(poll.spec.id),
            }
            for poll in state.polls.values()
        ],
        "band_of": band_of,
        "role_plays": [
            {
                "spec": rp.spec,
                "phase": rp.phase.value,
                "step": step_title(rp.step),
                "started": clock(rp.started_at),
                "roles": _role_assignments(state, rp),
                "source": _role_play_source(state, rp.spec, rp.reverses),
            }
            for rp in state.role_plays.values()
        ],
        "fidelity": state.fidelity,
        "fidelity_at": clock(state.fidelity.at) if state.fidelity else "",
        "checklist": state.checklist,
        "decisions": [
            {
                "name": state.participants[pid].name,
                "decision": DECISION_LABELS.get(d.decision, d.decision),
                "note": d.note,
                "by": d.by,
                "at": clock(d.at),
            }
            for pid, d in state.decisions.items()
        ],
        "signals": [(label, signals[kind]) for kind, label in SIGNAL_LABELS.items()],
        "risk_alerts": len(state.risk_alerts),
        "alerts": [
            _alert_row(risk_alert(state, a, (titles or {}).get(state.polls[a.poll_id].spec.id, "")))
            | {"raised": clock(a.at), "acted": clock(a.acted_at)}
            for a in state.risk_alerts
        ],
        "open_alerts": sum(1 for a in state.risk_alerts if a.open),
        "signal_rows": [
            {
                "name": state.participants[sig.participant_id].name,
                "kind": SIGNAL_LABELS[sig.kind],
                "at": clock(sig.at),
                "acknowledged": sig.acknowledged,
                "seen": clock(sig.acknowledged_at) if sig.acknowledged else "",
            }
            for sig in state.signals
        ],
        "prompts": [{"at": clock(p.at), "text": p.text} for p in state.prompts],
        "facilitators": _facilitators(state),
        "notes": [
            {"at": clock(n.at), "step": step_title(n.step), "text": n.text, "by": n.by}
            for n in state.notes
        ],
    }
    return _template().render(context)


def _alert_row(view: dict[str, Any]) -> dict[str, Any]:
    score = "" if view["score"] is None else f"{view['score']} of {view['max_score']}"
    action = view["action"]
    return {
        "name": view["name"],
        "what": f"{view['instrument']}, {view['item']}: {view['item_text']}",
        "score": f"{score} ({view['meaning']})" if view["meaning"] else score,
        "action": RISK_ACTION_LABELS[RiskAction(action)] if action else "",
        "note": view["note"],
        "by": view["acted_by"],
    }


def _role_assignments(state: SessionState, role_play: RolePlay) -> list[dict[str, str]]:
    """Return who played each role of a role-play, in the protocol's order of its roles."""
    played = []
    for role in role_play.spec.roles:
        if role.id in role_play.assignments:
            member = role_play.assignments[role.id]
            name = "the facilitator" if member is None else state.participants[member].name
            played.append({"role": role.name, "played_by": name})
        elif role.observer:
            # The observers' card goes to every member without another role.
            played.append({"role": role.name, "played_by": "every other member"})
    return played


def _role_play_source(state: SessionState, spec: RolePlaySpec, reverses: str) -> str:
    """Say where a role-play came from: the library, the console, or a reversal."""
    source = "composed on the console" if is_composed(spec) else "library"
    if reverses:
        source += f"; roles reversed from {state.role_plays[reverses].spec.title}"
    return source


def _facilitators(state: SessionState) -> list[dict[str, Any]]:
    """Return who ran the session: its owner first, then the co-facilitators by name."""
    owner = [{"user": state.owner, "owner": True}] if state.owner else []
    return owner + [{"user": user, "owner": False} for user in sorted(state.co_facilitators)]


def _minutes(seconds: float) -> int:
    # Half a minute rounds up, as a person reading a clock would.
    return math.floor(seconds / 60 + 0.5)


@functools.cache
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("facilitator", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("summary.html")
