"""The exports of a course: a printable summary, three CSV tables and one workbook.

Pure functions of the course state; the views that serve them add the HTTP. Scores
come from `state.measures` alone, which holds named answers only: no anonymous answer
can reach an export.

CSV tables (the workbook has one sheet for each, with the same rows):
- attendance.csv: member, then one column per meeting ("n: title") holding "present",
  "late", "left_early", "absent", or nothing when none was recorded;
- measures.csv: member, meeting, measure, score, band; one row per score;
- steps.csv: member, meeting (the one the step was set at), step, tried ("yes",
  "partly", "no", or nothing while not reviewed).
- fidelity.csv: meeting, title, item, done ("yes", "no"), reflection, by, recorded; one
  row per checklist item and one for the reflection (item "reflection") of each meeting
  whose checklist was recorded, and a row with done "not recorded" for each meeting held
  without one. Read from the meetings' own sessions, which hold the records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from jinja2 import Template
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from facilitator.catalogs import Catalogs, shipped
from facilitator.core.course_state import CourseState
from facilitator.core.poll_kinds import Cell
from facilitator.core.state import Decision, Fidelity, RiskAction, SessionState
from facilitator.core.wording import D_, Dn_, Plural
from facilitator.library.loader import Instrument
from facilitator.service.charts import trend_figure_html
from facilitator.service.course_views import (
    ATTENDANCE_LABELS,
    TrendPoint,
    measure_ids,
    measure_title,
    member_order,
    member_steps,
    member_trend,
)

# One rule for every export: the same formula-defusing, the same rounding of minutes.
from facilitator.service.document_words import DocumentWords
from facilitator.service.exports import (
    DECISION_LABELS,
    RISK_ACTION_LABELS,
    _minutes,
    alert_what,
    content,
    environment,
    member_name,
)
from facilitator.service.exports import _safe as defuse
from facilitator.service.print_style import print_style
from facilitator.service.views import risk_alert

MEASURES_COLUMNS = ("member", "meeting", "measure", "score", "band")
FIDELITY_COLUMNS = ("meeting", "title", "item", "done", "reflection", "by", "recorded")
STEPS_COLUMNS = ("member", "meeting", "step", "tried")

#: Instruments on which a higher score is the better one; on the rest a higher score
#: means more symptoms. Instrument files do not say which way they run yet.
HIGHER_IS_BETTER = frozenset({"who-5"})

#: The course summary's labels (the CSV tables keep their codes): the phases of IPT the
#: protocols name their meetings by, and a weekly step's review.
MEETING_PHASE_LABELS = {
    "pre_group": D_("pre group"),
    "initial": D_("initial"),
    "middle": D_("middle"),
    "termination": D_("termination"),
}
TRIED_LABELS = {"yes": D_("yes"), "partly": D_("partly"), "no": D_("no")}


@dataclass(frozen=True)
class Distribution:
    """How members' first and last scores on one instrument compare, by its bands."""

    measure_id: str
    title: str
    # Members with a first and a last score (at two different meetings).
    counted: int
    improved: int = 0
    same: int = 0
    worse: int = 0
    # Why the counts are not shown, when they are not; `why` is the same, marked.
    withheld: str | None = None
    why: str | Plural | None = None


def attendance_rows(state: CourseState) -> list[list[Cell]]:
    """Return the attendance table, heading row first."""
    rows: list[list[Cell]] = [["member", *(f"{m.n}: {m.title}" for m in state.meetings)]]
    for member_id in member_order(state):
        row: list[Cell] = [state.members[member_id].name]
        row += [state.attendance.get(m.n, {}).get(member_id, "") for m in state.meetings]
        rows.append(row)
    return rows


def measures_rows(state: CourseState) -> list[list[Cell]]:
    """Return the scores table, heading row first: one row per member, meeting and measure."""
    rows: list[list[Cell]] = [list(MEASURES_COLUMNS)]
    for member_id in member_order(state):
        name = state.members[member_id].name
        by_meeting = state.measures.get(member_id, {})
        for n in sorted(by_meeting):
            for measure_id, measure in sorted(by_meeting[n].items()):
                rows.append([name, n, measure_id, measure.score, measure.band])
    return rows


def steps_rows(state: CourseState) -> list[list[Cell]]:
    """Return the weekly steps table, heading row first."""
    rows: list[list[Cell]] = [list(STEPS_COLUMNS)]
    for member_id in member_order(state):
        name = state.members[member_id].name
        for n, step in member_steps(state, member_id):
            rows.append([name, n, step.text, step.tried or ""])
    return rows


def fidelity_rows(
    state: CourseState, fidelity: Mapping[int, Fidelity], tz: tzinfo | None = None
) -> list[list[Cell]]:
    """Return the fidelity table, heading row first: adherence meeting by meeting."""
    rows: list[list[Cell]] = [list(FIDELITY_COLUMNS)]
    for meeting in state.meetings:
        record = fidelity.get(meeting.n)
        if record is None:
            if meeting.started_at is not None:
                rows.append([meeting.n, meeting.title, "", "not recorded", "", "", ""])
            continue
        when = datetime.fromtimestamp(record.at).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        head: list[Cell] = [meeting.n, meeting.title]
        for item in record.items:
            rows.append([*head, item.text, "yes" if item.done else "no", "", record.by, when])
        rows.append([*head, "reflection", "", record.reflection, record.by, when])
    return rows


def fidelity_csv(
    state: CourseState, fidelity: Mapping[int, Fidelity], tz: tzinfo | None = None
) -> str:
    """Return fidelity.csv, its times in `tz` (the course's zone)."""
    return _csv(fidelity_rows(state, fidelity, tz))


@dataclass(frozen=True)
class ReferralCheck:
    """A member whose score on an instrument has not improved from first to last."""

    name: str
    title: str
    first: TrendPoint
    last: TrendPoint


def referral_checks(
    state: CourseState,
    instruments: Mapping[str, Instrument],
    higher_is_better: Collection[str] = HIGHER_IS_BETTER,
) -> list[ReferralCheck]:
    """Return the members whose first and last scores on an instrument with bands show
    no improvement (the same band or a worse one): the end-of-course referral check."""
    found = []
    for member_id in member_order(state):
        for measure_id, series in member_trend(state, member_id).items():
            instrument = instruments.get(measure_id)
            if instrument is None or not instrument.severity or len(series) < 2:
                continue
            first, last = series[0], series[-1]
            moved = _band_index(instrument, last) - _band_index(instrument, first)
            if measure_id in higher_is_better:
                moved = -moved
            if moved >= 0:
                name = state.members[member_id].name
                found.append(ReferralCheck(name, instrument.title, first, last))
    return found


def attendance_csv(state: CourseState) -> str:
    """Return attendance.csv."""
    return _csv(attendance_rows(state))


def measures_csv(state: CourseState) -> str:
    """Return measures.csv."""
    return _csv(measures_rows(state))


def steps_csv(state: CourseState) -> str:
    """Return steps.csv."""
    return _csv(steps_rows(state))


def _csv(rows: Sequence[Sequence[Cell]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([defuse(cell) for cell in row] for row in rows)
    return out.getvalue()


def course_xlsx(state: CourseState) -> bytes:
    """Return the workbook: sheets Attendance, Measures and Steps, as the CSV tables."""
    book = Workbook()
    sheets = (
        ("Attendance", attendance_rows(state)),
        ("Measures", measures_rows(state)),
        ("Steps", steps_rows(state)),
    )
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):
                    # A workbook cannot hold control characters; openpyxl refuses them.
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = sheet.cell(row=r, column=c, value=value)
                # openpyxl stores a text starting with "=" as a formula; a name or a
                # step typed that way must stay the text it is.
                if isinstance(value, str):
                    cell.data_type = "s"
        sheet.freeze_panes = "B2" if title == "Attendance" else "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def change_distribution(
    state: CourseState,
    instrument: Instrument,
    reveal_threshold: int,
    *,
    higher_is_better: bool = False,
) -> Distribution:
    """Return how many members improved, stayed or got worse by the instrument's bands.

    Shown only when at least `reveal_threshold` members have a first and a last score:
    with fewer, a count could point at one person. Raises ValueError for an instrument
    without severity bands.
    """
    if not instrument.severity:
        raise ValueError(f"instrument {instrument.id!r} has no severity bands")
    pairs = [
        (series[0], series[-1])
        for member_id in member_order(state)
        if len(series := member_trend(state, member_id).get(instrument.id, [])) >= 2
    ]
    counted = len(pairs)
    if counted < reveal_threshold:
        why = Dn_(
            "withheld: fewer than {count} members have a first and a last score ({counted} have)",
            "withheld: fewer than {count} members have a first and a last score ({counted} have)",
            reveal_threshold,
        )
        english = DocumentWords()(why, counted=counted)
        return Distribution(instrument.id, instrument.title, counted, withheld=english, why=why)
    improved = same = worse = 0
    for first, last in pairs:
        moved = _band_index(instrument, last) - _band_index(instrument, first)
        if higher_is_better:
            moved = -moved
        if moved < 0:
            improved += 1
        elif moved > 0:
            worse += 1
        else:
            same += 1
    return Distribution(instrument.id, instrument.title, counted, improved, same, worse)


def _band_index(instrument: Instrument, point: TrendPoint) -> int:
    """Return the rank of a score's band, lowest scores first."""
    bands = sorted(instrument.severity, key=lambda b: b.min)
    band = instrument.band(point.score)
    if band is None:
        # A score outside every band: below the first or above the last.
        return -1 if point.score < bands[0].min else len(bands)
    return bands.index(band)


def course_summary_html(
    state: CourseState,
    instruments: Mapping[str, Instrument],
    *,
    reveal_threshold: int,
    now: float,
    tz: tzinfo | None = None,
    planned_minutes: Mapping[int, int] | None = None,
    scales: Mapping[str, tuple[int, int]] | None = None,
    higher_is_better: Collection[str] = HIGHER_IS_BETTER,
    fidelity: Mapping[int, Fidelity] | None = None,
    decisions: Mapping[str, Decision] | None = None,
    sessions: Mapping[int, SessionState] | None = None,
    language: str = "en",
    catalogs: Catalogs | None = None,
) -> str:
    """Return a printable, self-contained HTML summary of the course, marked confidential.

    `instruments` gives measures their titles and bands; `reveal_threshold` is the
    protocol's k for the course-level change distribution; `planned_minutes` is each
    meeting's planned length by n; `scales` the score range of measures that are polls
    (instruments bring their own). `fidelity` is each held meeting's checklist record by
    n and `decisions` each member's decision at the meeting before the group, both read
    from the meetings' sessions; `sessions`, the held meetings' sessions by n, give every
    risk alert raised in them, beside those the course carried. Times are shown in `tz`,
    the server's local time when None; the words are in `language`, from `catalogs`.
    """
    planned_minutes = planned_minutes or {}
    scales = scales or {}
    fidelity = fidelity or {}
    decisions = decisions or {}

    words = DocumentWords(language, catalogs or shipped(), tz)
    when = words.date_time

    def label(measure_id: str) -> str:
        return measure_title(measure_id, instruments)

    titles = {m.n: m.title for m in state.meetings}
    members = [state.members[member_id] for member_id in member_order(state)]
    context: dict[str, Any] = {
        **words.template_functions(),
        "content": content,
        "content_list": lambda items: Markup(", ").join(content(i, "text") for i in items),
        "scored": lambda point: _scored(words, point),
        "state": state,
        "style": print_style(words),
        "printed": when(now),
        "zone": words.zone(now),
        "supervisors": sorted(state.supervisors),
        "co_facilitators": sorted(state.co_facilitators),
        "meetings": [
            {
                "n": m.n,
                "title": m.title,
                "phase": words(MEETING_PHASE_LABELS.get(m.phase, m.phase.replace("_", " "))),
                "planned": when(m.planned_at),
                "started": when(m.started_at),
                "ended": when(m.ended_at),
                "planned_minutes": planned_minutes.get(m.n),
                "actual_minutes": (
                    None
                    if m.started_at is None or m.ended_at is None
                    else _minutes(m.ended_at - m.started_at)
                ),
            }
            for m in state.meetings
        ],
        "attendance_legend": [words(label) for label in ATTENDANCE_LABELS.values()],
        "attendance": [
            {
                "name": member_name(words, member.name),
                "withdrawn": member.withdrawn,
                "cells": [
                    {
                        "status": words.labels(ATTENDANCE_LABELS).get(
                            state.attendance.get(m.n, {}).get(member.id, ""), ""
                        ),
                        "corrected": state.attendance_corrected.get(m.n, {}).get(member.id, False),
                    }
                    for m in state.meetings
                ],
            }
            for member in members
        ],
        "members": [
            {
                "name": member_name(words, member.name),
                "withdrawn": member.withdrawn,
                "plan": state.plans.get(member.id),
                "measures": [
                    _measure(
                        words, state, member.id, measure_id, series, instruments, scales, label
                    )
                    for measure_id, series in member_trend(state, member.id).items()
                ],
                "steps": [
                    {
                        "n": n,
                        "meeting": titles.get(n, ""),
                        "text": step.text,
                        "tried": words(TRIED_LABELS[step.tried])
                        if step.tried in TRIED_LABELS
                        else "",
                        "reviewed": when(step.reviewed_at),
                    }
                    for n, step in member_steps(state, member.id)
                ],
            }
            for member in members
        ],
        "distributions": [
            change_distribution(
                state,
                instruments[measure_id],
                reveal_threshold,
                higher_is_better=measure_id in higher_is_better,
            )
            for measure_id in measure_ids(state)
            if measure_id in instruments and instruments[measure_id].severity
        ],
        "reveal_threshold": reveal_threshold,
        "fidelity": [
            {
                "n": m.n,
                "title": m.title,
                "record": fidelity.get(m.n),
                "at": when(fidelity[m.n].at) if m.n in fidelity else "",
                "done": sum(1 for item in fidelity[m.n].items if item.done)
                if m.n in fidelity
                else 0,
            }
            for m in state.meetings
            if m.started_at is not None or m.n in fidelity
        ],
        "decisions": [
            {
                "name": member_name(words, state.members[member_id].name),
                "decision": words(DECISION_LABELS.get(d.decision, d.decision)),
                "note": d.note,
                "by": d.by,
                "at": when(d.at),
            }
            for member_id, d in decisions.items()
            if member_id in state.members
        ],
        "referrals": [
            replace(check, name=member_name(words, check.name))
            for check in referral_checks(state, instruments, higher_is_better)
        ],
        "course_over": bool(state.meetings) and state.meetings[-1].ended_at is not None,
        "alerts": risk_alert_rows(state, sessions or {}, instruments, when, words),
        # Wherever an instrument's scores show, its attribution line goes with them.
        "attributions": [
            {"title": instruments[m].title, "attribution": instruments[m].attribution}
            for m in measure_ids(state)
            if m in instruments
        ],
    }
    return _template().render(context)


def _scored(words: DocumentWords, point: TrendPoint) -> Markup:
    """Return a score with its band and meeting: "14 (moderate), meeting 3"."""
    if point.band:
        return words.markup(
            D_("{score} ({band}), meeting {n}"),
            score=point.score,
            band=content(point.band),
            n=point.n,
        )
    return words.markup(D_("{score}, meeting {n}"), score=point.score, n=point.n)


def _measure(
    words: DocumentWords,
    state: CourseState,
    member_id: str,
    measure_id: str,
    series: list[TrendPoint],
    instruments: Mapping[str, Instrument],
    scales: Mapping[str, tuple[int, int]],
    label: Callable[[str], str],
) -> dict[str, Any]:
    instrument = instruments.get(measure_id)
    bands = instrument.severity if instrument else ()
    scale = (instrument.score_min, instrument.score_max) if instrument else scales.get(measure_id)
    first, last = series[0], series[-1]
    return {
        "title": label(measure_id),
        "first": first,
        "last": last,
        # One score is no change to speak of.
        "change": last.score - first.score if len(series) >= 2 else None,
        # Built from escaped text only (see charts.py).
        "figure": Markup(  # noqa: S704
            trend_figure_html(
                state,
                member_id,
                measure_id,
                bands,
                scale=scale,
                label=label(measure_id),
                words=words,
            )
        ),
    }


def risk_alert_rows(
    state: CourseState,
    sessions: Mapping[int, SessionState],
    instruments: Mapping[str, Instrument],
    when: Callable[[float | None], str],
    words: DocumentWords | None = None,
) -> list[dict[str, Any]]:
    """Return every risk alert of the course's meetings with its member's name and what was
    done, wherever it was recorded: in its meeting, or later, in the course."""
    words = words or DocumentWords()
    carried = {(a.n, a.alert_id): a for a in state.risk_alerts}
    rows = []
    for n, session in sorted(sessions.items()):
        for alert in session.risk_alerts:
            instrument = instruments.get(session.polls[alert.poll_id].spec.instrument_id or "")
            view = risk_alert(session, alert, instrument.title if instrument else "")
            later = carried.pop((n, alert.id), None)
            action, note, by, at = alert.action, alert.note, alert.acted_by, alert.acted_at
            if action is None and later is not None:
                action, note, by, at = later.action, later.note, later.acted_by, later.acted_at
            what = alert_what(words, view["instrument"], view["item"], view["item_text"])
            rows.append(
                _alert_row(
                    words,
                    n,
                    view["name"],
                    what,
                    view["score"],
                    view["max_score"],
                    view["meaning"],
                    when(alert.at),
                    action,
                    note,
                    by,
                    when(at),
                    later is not None,
                )
            )
    for kept in carried.values():  # its meeting's session is gone; the course kept it
        member = state.members.get(kept.member_id)
        rows.append(
            _alert_row(
                words,
                kept.n,
                member.name if member else "",
                alert_what(words, kept.instrument, kept.item),
                kept.score,
                kept.max_score,
                kept.meaning,
                when(kept.raised_at),
                kept.action,
                kept.note,
                kept.acted_by,
                when(kept.acted_at),
                True,
            )
        )
    return sorted(rows, key=lambda r: (r["n"], r["raised"]))


def _alert_row(
    words: DocumentWords,
    n: int,
    name: str,
    what: str,
    score: int | None,
    max_score: int | None,
    meaning: str,
    raised: str,
    action: RiskAction | None,
    note: str,
    by: str,
    acted: str,
    carried: bool,
) -> dict[str, Any]:
    scored = (
        "" if score is None else words.markup(D_("{score} of {max}"), score=score, max=max_score)
    )
    return {
        "n": n,
        "name": member_name(words, name),
        "what": what,
        "score": words.markup(D_("{score} ({meaning})"), score=scored, meaning=content(meaning))
        if meaning and scored
        else scored,
        "raised": raised,
        "action": words(RISK_ACTION_LABELS[action]) if action else "",
        "note": note,
        "by": by,
        "acted": acted if action else "",
        "carried": carried,
    }


def _template() -> Template:
    return environment().get_template("course_summary.html")
