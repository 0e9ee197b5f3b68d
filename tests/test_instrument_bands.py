"""Severity bands and the attribution line wherever instrument totals show, and the
PHQ-9 suggested on the console after a positive PHQ-2."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC
from typing import Any

from facilitator.core import commands as c
from facilitator.core.engine import handle
from facilitator.core.state import SessionState
from facilitator.library.loader import Instrument
from facilitator.service.audience import NO_EXTRAS, console_view
from facilitator.service.exports import results_csv, summary_html
from facilitator.service.safety import SafetyExtras
from tests.course_samples import catalog, instruments
from tests.factories import T0, new_session

PHQ9 = catalog().instrument("phq-9")
PHQ2 = catalog().instrument("phq-2")


def _phq9_session() -> SessionState:
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 150, PHQ9.poll))
    handle(state, c.SubmitAnswer(T0 + 160, "p1", "a-1", "poll-1", [1] * 9))  # total 9
    handle(state, c.EnterAnswer(T0 + 161, "poll-1", "p2", [3] * 7 + [0, 0], by="ana"))  # 21
    handle(state, c.ClosePoll(T0 + 170, "poll-1"))
    return state


def _label(instrument: Instrument, total: int) -> str:
    band = instrument.band(total)
    assert band is not None
    return band.label


def _console(state: SessionState) -> dict[str, Any]:
    return console_view(state, (), SafetyExtras(NO_EXTRAS, catalog()))


def test_the_results_csv_gives_each_named_total_its_band_and_who_entered_it() -> None:
    rows = list(csv.DictReader(io.StringIO(results_csv(_phq9_session(), instruments()))))
    totals = {r["participant"]: r for r in rows if r["item"] == "total"}
    assert totals["Member 1"]["band"] == _label(PHQ9, 9)
    assert totals["Member 2"]["band"] == _label(PHQ9, 21)
    assert (totals["Member 1"]["entered_by"], totals["Member 2"]["entered_by"]) == ("", "ana")
    assert all(r["band"] == "" for r in rows if r["item"] not in ("total",))


def test_the_results_csv_bands_anonymous_totals_too() -> None:
    state = new_session(5, start=True)
    handle(state, c.OpenPoll(T0 + 150, PHQ2.poll))
    for n, value in enumerate([[0, 0], [2, 2], [2, 2], [1, 0], [0, 1]], start=1):
        handle(state, c.SubmitAnswer(T0 + 160 + n, f"p{n}", f"a-{n}", "poll-1", value))
    handle(state, c.ClosePoll(T0 + 170, "poll-1"))
    rows = list(csv.DictReader(io.StringIO(results_csv(state, instruments()))))
    assert {r["answer"]: r["band"] for r in rows} == {
        "0": "negative screen",
        "1": "negative screen",
        "4": "positive screen: follow up with the PHQ-9",
    }


def test_the_summary_shows_bands_and_the_attribution_line() -> None:
    html = summary_html(_phq9_session(), T0 + 200, tz=UTC, instruments=instruments())
    assert f"9 ({_label(PHQ9, 9)})" in html
    assert "(entered by ana, by interview)" in html
    assert PHQ9.attribution.split(".")[0] in html


def test_the_console_shows_bands_and_the_attribution_line() -> None:
    (poll,) = _console(_phq9_session())["polls"]
    assert poll["attribution"] == PHQ9.attribution
    assert [b["label"] for b in poll["bands"]] == [b.label for b in PHQ9.severity]
    bands = {a["name"]: (a["total"], a["band"], a["entered_by"]) for a in poll["answers"]}
    assert bands == {
        "Member 1": (9, _label(PHQ9, 9), ""),
        "Member 2": (21, _label(PHQ9, 21), "ana"),
    }


def _named_phq2(values: dict[str, list[int]]) -> SessionState:
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 150, replace(PHQ2.poll, anonymous=False)))
    for pid, value in values.items():
        handle(state, c.EnterAnswer(T0 + 160, "poll-1", pid, value, by="ana"))
    return state


def test_a_positive_named_phq2_suggests_the_phq9_for_that_member() -> None:
    state = _named_phq2({"p1": [1, 1], "p2": [2, 1]})
    (hint,) = _console(state)["suggestions"]
    assert (hint["participant_id"], hint["name"], hint["total"]) == ("p2", "Member 2", 3)
    assert (hint["suggest"], hint["band"]) == ("phq-9", _label(PHQ2, 3))


def test_the_suggestion_goes_once_the_member_answered_the_phq9() -> None:
    state = _named_phq2({"p2": [2, 2]})
    handle(state, c.ClosePoll(T0 + 170, "poll-1"))
    handle(state, c.OpenPoll(T0 + 180, PHQ9.poll))
    assert _console(state)["suggestions"]
    handle(state, c.EnterAnswer(T0 + 190, "poll-2", "p2", [1] * 9, by="ana"))
    assert _console(state)["suggestions"] == []


def test_an_anonymous_phq2_suggests_the_phq9_to_the_group_once_revealed_naming_no_one() -> None:
    state = new_session(5, start=True)
    handle(state, c.OpenPoll(T0 + 150, PHQ2.poll))
    for n, value in enumerate([[0, 0], [2, 2], [2, 2], [1, 0], [0, 1]], start=1):
        handle(state, c.SubmitAnswer(T0 + 160 + n, f"p{n}", f"a-{n}", "poll-1", value))
    handle(state, c.ClosePoll(T0 + 170, "poll-1"))
    assert _console(state)["suggestions"] == []  # not yet revealed: no totals to speak of
    handle(state, c.RevealPoll(T0 + 171, "poll-1"))
    (hint,) = _console(state)["suggestions"]
    assert (hint["participant_id"], hint["name"], hint["positive"], hint["of"]) == ("", "", 2, 5)
