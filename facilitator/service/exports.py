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
from datetime import tzinfo
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from facilitator.catalogs import Catalogs, shipped
from facilitator.core.codec import event_to_dict
from facilitator.core.composed import is_composed
from facilitator.core.events import Event, PollClosed
from facilitator.core.poll_kinds import Cell, ExportRow, PollKind, poll_kind
from facilitator.core.spec import RolePlaySpec, StepKind
from facilitator.core.state import (
    ERASED_NAME,
    Answer,
    Poll,
    PollPhase,
    RiskAction,
    RolePlay,
    RolePlayPhase,
    SessionState,
    SignalKind,
    poll_answer_summary,
)
from facilitator.core.wording import D_, Dn_, Plural
from facilitator.library.loader import Instrument
from facilitator.service.document_words import DocumentWords
from facilitator.service.print_style import print_style
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

# The labels of the summaries, marked for the documents catalog and translated when a
# summary is rendered (DocumentWords). The CSV and JSON Lines exports keep their English
# codes: they are data formats, read by programs as much as by people.
SIGNAL_LABELS = {
    SignalKind.PASS: D_("Pass"),
    SignalKind.BREAK: D_("Need a break"),
    SignalKind.SUPPORT: D_("Need support"),
}
RISK_ACTION_LABELS = {
    RiskAction.SPOKE: D_("Spoke with them"),
    RiskAction.SAFETY_PLAN: D_("Safety plan made"),
    RiskAction.REFERRED: D_("Referred"),
    RiskAction.EMERGENCY: D_("Emergency services"),
    RiskAction.OTHER: D_("Other"),
}

DECISION_LABELS = {"join": D_("Joins the group"), "refer": D_("Referred elsewhere")}

STEP_KIND_LABELS = {
    StepKind.CHECK_IN: D_("check in"),
    StepKind.DISCUSSION: D_("discussion"),
    StepKind.PSYCHOEDUCATION: D_("psychoeducation"),
    StepKind.ROLE_PLAY: D_("role play"),
    StepKind.HOMEWORK_REVIEW: D_("homework review"),
    StepKind.BREAK: D_("break"),
    StepKind.CLOSING: D_("closing"),
    StepKind.MEMBER_ROUND: D_("member round"),
}
POLL_TYPE_LABELS = {
    "single_choice": D_("single choice"),
    "scale": D_("scale"),
    "multiple_choice": D_("multiple choice"),
    "short_text": D_("short text"),
    "instrument": D_("instrument"),
    "ranking": D_("ranking"),
}
POLL_PHASE_LABELS = {
    PollPhase.OPEN: D_("open"),
    PollPhase.CLOSED: D_("closed"),
    PollPhase.REVEALED: D_("revealed"),
}
ROLE_PLAY_PHASE_LABELS = {
    RolePlayPhase.PLAYING: D_("playing"),
    RolePlayPhase.DEBRIEF: D_("debrief"),
    RolePlayPhase.ENDED: D_("ended"),
}
#: The rows a ranking adds per option, as the summary names them.
ROW_ITEM_LABELS = {"points": D_("points"), "mean rank": D_("mean rank")}


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
    # Why no answer shows, in English for the CSV; `why` is the same message, marked.
    withheld: str | None = None
    why: str | Plural | None = None
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
        return _withheld(poll, D_("results withheld while the poll is open"))
    if poll.count < poll.threshold:
        return _withheld(
            poll,
            Dn_(
                "results withheld (fewer than {count} answers)",
                "results withheld (fewer than {count} answers)",
                poll.threshold,
            ),
        )
    if poll.too_few_new:
        # Exported (or revealed) before it was reopened: the difference would be theirs.
        return _withheld(
            poll,
            Dn_(
                "results withheld (fewer than {count} new answers since it was reopened)",
                "results withheld (fewer than {count} new answers since it was reopened)",
                poll.threshold,
            ),
        )
    summary = poll_answer_summary(poll)
    counts = poll_kind(spec.type).export_rows(spec, summary)
    return PollResult(poll, counts=counts, mean=summary.get("mean"))


def _withheld(poll: Poll, why: str | Plural) -> PollResult:
    return PollResult(poll, withheld=DocumentWords()(why), why=why)


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
    language: str = "en",
    catalogs: Catalogs | None = None,
) -> str:
    """Return a printable, self-contained HTML summary of the session.

    Times are shown in `tz`, the server's local time when None; `titles` names the
    instruments of risk alerts by their poll's spec id; `instruments`, by the same ids,
    give totals their severity bands and each instrument its attribution line. The words
    are in `language`, from `catalogs` (the shipped ones when None).
    """
    instruments = instruments or {}
    words = DocumentWords(language, catalogs or shipped(), tz)
    clock = words.clock

    def step_title(index: int | None) -> str:
        return "" if index is None else state.agenda[index].title

    def name(member_id: str) -> str:
        return member_name(words, state.participants[member_id].name)

    members = sorted(state.participants.values(), key=lambda m: m.joined_at)
    seconds = [state.step_elapsed(i, now) for i in range(len(state.agenda))]
    signals = Counter(signal.kind for signal in state.signals)
    opened = state.started_at or state.created_at
    context: dict[str, Any] = {
        **words.template_functions(),
        "content": content,
        "row_item": lambda item: words(ROW_ITEM_LABELS[item]) if item in ROW_ITEM_LABELS else item,
        "state": state,
        "style": print_style(words),
        "printed": words.date_time(now),
        "date": words.date(opened),
        "zone": words.zone(opened),
        "started": clock(state.started_at),
        "ended": clock(state.ended_at),
        "members": [
            {
                "name": name(m.id),
                "joined": clock(m.joined_at),
                "status": ""
                if m.present
                else (words(D_("removed")) if m.removed else words(D_("left"))),
                "left": clock(m.left_at),
            }
            for m in members
        ],
        "left_count": sum(1 for m in members if m.left_at is not None and not m.removed),
        "removed_count": sum(1 for m in members if m.removed),
        "steps": [
            {
                "title": step.title,
                "kind": words(STEP_KIND_LABELS.get(step.kind, step.kind.value.replace("_", " "))),
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
                "result": _named(words, poll_result(state, poll)),
                "details": _poll_details(words, poll, step_title(poll.step)),
                "instrument": instruments.get(poll.spec.id),
            }
            for poll in state.polls.values()
        ],
        "band_of": band_of,
        "role_plays": [
            {
                "spec": rp.spec,
                "phase": words(ROLE_PLAY_PHASE_LABELS.get(rp.phase, rp.phase.value)),
                "step": step_title(rp.step),
                "started": clock(rp.started_at),
                "roles": _role_assignments(words, state, rp),
                "source": _role_play_source(words, state, rp.spec, rp.reverses),
            }
            for rp in state.role_plays.values()
        ],
        "fidelity": state.fidelity,
        "fidelity_at": clock(state.fidelity.at) if state.fidelity else "",
        "checklist": state.checklist,
        "decisions": [
            {
                "name": name(pid),
                "decision": words(DECISION_LABELS.get(d.decision, d.decision)),
                "note": d.note,
                "by": d.by,
                "at": clock(d.at),
            }
            for pid, d in state.decisions.items()
        ],
        "signals": [(words(label), signals[kind]) for kind, label in SIGNAL_LABELS.items()],
        "risk_alerts": len(state.risk_alerts),
        "alerts": [
            _alert_row(
                words,
                risk_alert(state, a, (titles or {}).get(state.polls[a.poll_id].spec.id, "")),
            )
            | {"raised": clock(a.at), "acted": clock(a.acted_at)}
            for a in state.risk_alerts
        ],
        "open_alerts": sum(1 for a in state.risk_alerts if a.open),
        "signal_rows": [
            {
                "name": name(sig.participant_id),
                "kind": words(SIGNAL_LABELS[sig.kind]),
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


def content(text: object, css_class: str = "") -> Markup:
    """Return `text` (a name, a protocol's words, what someone wrote) in an element marked
    as content, to sit inside a translated sentence: escaped, and left out of the check
    that every interface word came from a catalog."""
    classes = Markup(' class="{}"').format(css_class) if css_class else ""
    return Markup("<span{} data-content>{}</span>").format(classes, text)


def member_name(words: DocumentWords, name: str) -> str:
    """Return a member's name; an erased member's in the document's language."""
    return words(D_("Erased member")) if name == ERASED_NAME else name


def _named(words: DocumentWords, result: PollResult) -> PollResult:
    """Return a poll's result with erased members named in the document's language."""
    if not any(p.name == ERASED_NAME for p in result.people):
        return result
    people = [replace(p, name=member_name(words, p.name)) for p in result.people]
    return replace(result, people=people)


def _poll_details(words: DocumentWords, poll: Poll, step: str) -> Markup:
    """Return what kind of poll it was, and when: "scale, anonymous, closed, during ..."."""
    spec = poll.spec
    kind = spec.type.value
    details: list[object] = [
        words(POLL_TYPE_LABELS.get(kind, kind.replace("_", " "))),
        words(D_("anonymous")) if spec.anonymous else words(D_("named")),
    ]
    if spec.facilitator_only:
        details.append(words(D_("facilitator's record only")))
    details.append(words(POLL_PHASE_LABELS.get(poll.phase, poll.phase.value)))
    if step:
        details.append(words.markup(D_('during "{step}"'), step=content(step)))
    return Markup(", ").join(escape(part) for part in details)


def _alert_row(words: DocumentWords, view: dict[str, Any]) -> dict[str, Any]:
    score = (
        ""
        if view["score"] is None
        else words.markup(D_("{score} of {max}"), score=view["score"], max=view["max_score"])
    )
    action = view["action"]
    return {
        "name": member_name(words, view["name"]),
        "what": alert_what(words, view["instrument"], view["item"], view["item_text"]),
        "score": words.markup(
            D_("{score} ({meaning})"), score=score, meaning=content(view["meaning"])
        )
        if view["meaning"]
        else score,
        "action": words(RISK_ACTION_LABELS[RiskAction(action)]) if action else "",
        "note": view["note"],
        "by": view["acted_by"],
    }


def alert_what(words: DocumentWords, instrument: str, item: str, text: str = "") -> Markup:
    """Return a risk alert's instrument and item: "PHQ-9, item 9: Thoughts that ..."."""
    number = item.removeprefix("item ")
    # A course keeps "item 9" in English words; a session's view says the same.
    label = words.markup(D_("item {number}"), number=number) if number.isdigit() else content(item)
    if text:
        return words.markup(
            D_("{instrument}, {item}: {text}"),
            instrument=content(instrument),
            item=label,
            text=content(text),
        )
    return words.markup(D_("{instrument}, {item}"), instrument=content(instrument), item=label)


def _role_assignments(
    words: DocumentWords, state: SessionState, role_play: RolePlay
) -> list[dict[str, Any]]:
    """Return who played each role of a role-play, in the protocol's order of its roles."""
    played: list[dict[str, Any]] = []
    for role in role_play.spec.roles:
        if role.id in role_play.assignments:
            member = role_play.assignments[role.id]
            if member is None:
                played.append(
                    {"role": role.name, "played_by": words(D_("the facilitator")), "member": False}
                )
            else:
                name = member_name(words, state.participants[member].name)
                played.append({"role": role.name, "played_by": name, "member": True})
        elif role.observer:
            # The observers' card goes to every member without another role.
            played.append(
                {"role": role.name, "played_by": words(D_("every other member")), "member": False}
            )
    return played


def _role_play_source(
    words: DocumentWords, state: SessionState, spec: RolePlaySpec, reverses: str
) -> Markup:
    """Say where a role-play came from: the library, the console, or a reversal."""
    composed = is_composed(spec)
    if reverses:
        title = content(state.role_plays[reverses].spec.title)
        if composed:
            return words.markup(
                D_("composed on the console; roles reversed from {title}"), title=title
            )
        return words.markup(D_("library; roles reversed from {title}"), title=title)
    return escape(words(D_("composed on the console")) if composed else words(D_("library")))


def _facilitators(state: SessionState) -> list[dict[str, Any]]:
    """Return who ran the session: its owner first, then the co-facilitators by name."""
    owner = [{"user": state.owner, "owner": True}] if state.owner else []
    return owner + [{"user": user, "owner": False} for user in sorted(state.co_facilitators)]


def _minutes(seconds: float) -> int:
    # Half a minute rounds up, as a person reading a clock would.
    return math.floor(seconds / 60 + 0.5)


@functools.cache
def environment() -> Environment:
    """The summaries' templates, whose words the i18n extension marks ({% trans %})."""
    env = Environment(
        loader=PackageLoader("facilitator", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # As message_sources.py extracts them: the spaces inside a message collapsed.
    env.policies["ext.i18n.trimmed"] = True
    return env


def _template() -> Template:
    return environment().get_template("summary.html")
