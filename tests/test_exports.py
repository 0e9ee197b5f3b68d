"""The session exports: JSON Lines log, results CSV, printable HTML summary."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC
from html.parser import HTMLParser

import pytest

from facilitator.core import commands as c
from facilitator.core.codec import event_from_dict
from facilitator.core.engine import create, handle
from facilitator.core.events import CommandRecorded, Event
from facilitator.core.spec import ItemSpec, PollSpec, PollType
from facilitator.core.state import RiskAction, SessionState, SignalKind
from facilitator.service.exports import CSV_COLUMNS, log_lines, results_csv, summary_html
from facilitator.storage.base import EventStore
from tests.factories import (
    AGENDA,
    MOOD,
    NAMED,
    ORDER,
    RISKY,
    ROLE_PLAY,
    T0,
    WORDS,
    answer_all,
    new_session,
)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
MINUTE = 60.0
STARTED = T0 + 100


def _poll(state: SessionState, spec: PollSpec, values: list[object], *, at: float) -> str:
    """Open `spec`, have p1..pN answer `values`, close it; return the poll id."""
    handle(state, c.OpenPoll(at, spec))
    poll_id = f"poll-{len(state.polls)}"
    answer_all(state, poll_id, values)
    handle(state, c.ClosePoll(at + 1, poll_id))
    return poll_id


def _full_session() -> SessionState:
    """Run a whole session: polls, a role-play, signals, notes, a leaver and a removal."""
    state = new_session(4, start=True)
    _poll(state, MOOD, [7, 3, 7], at=STARTED + 1)
    handle(state, c.RevealPoll(STARTED + 3, "poll-1"))
    handle(state, c.Next(STARTED + 12 * MINUTE))
    _poll(state, NAMED, [0, 2, 1], at=STARTED + 13 * MINUTE)
    _poll(state, WORDS, ["calm", "tired"], at=STARTED + 14 * MINUTE)
    _poll(state, RISKY, [[0, 0], [3, 2]], at=STARTED + 15 * MINUTE)
    handle(state, c.SendSignal(STARTED + 16 * MINUTE, "p3", "s-1", SignalKind.SUPPORT))
    handle(state, c.SendSignal(STARTED + 17 * MINUTE, "p4", "s-2", SignalKind.BREAK))
    handle(state, c.SendSignal(STARTED + 18 * MINUTE, "p3", "s-3", SignalKind.BREAK))
    handle(state, c.AddNote(STARTED + 19 * MINUTE, "Member 2 quiet; check in next week."))
    handle(state, c.Next(STARTED + 30 * MINUTE))
    handle(
        state,
        c.PushRolePlay(STARTED + 31 * MINUTE, ROLE_PLAY, (("protagonist", "p1"), ("other", None))),
    )
    handle(state, c.EndRolePlay(STARTED + 50 * MINUTE, "role-play-1"))
    handle(state, c.Leave(STARTED + 51 * MINUTE, "p4"))
    handle(state, c.RemoveParticipant(STARTED + 52 * MINUTE, "p3"))
    handle(state, c.Next(STARTED + 56 * MINUTE))
    handle(state, c.End(STARTED + 64 * MINUTE))
    return state


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _poll_rows(state: SessionState, poll_id: str) -> list[dict[str, str]]:
    return [row for row in _rows(results_csv(state)) if row["poll_id"] == poll_id]


class _Page(HTMLParser):
    """Collect the tags, attributes and table rows of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def row(self, first: str) -> list[str]:
        return next(row for row in self.rows if first in row)


def _section(html: str, heading: str) -> str:
    start = html.index(f"<h2>{heading}</h2>")
    return html[start : html.index("</section>", start)]


# -- JSON Lines log -------------------------------------------------------------------


def _stored(store: EventStore) -> list[tuple[int, Event]]:
    """Run a short session through the engine into `store`; return what it logged."""
    state, events = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA))
    commands: list[c.Command] = [
        c.Join(T0 + 1, "p1", None, "Member 1"),
        c.Join(T0 + 2, "p2", "Amina", "x"),
        c.Join(T0 + 2, "p3", None, "Member 3"),
        c.Start(T0 + 3),
        c.OpenPoll(T0 + 4, MOOD),
        c.SubmitAnswer(T0 + 5, "p1", "a1", "poll-1", 8),
        c.SubmitAnswer(T0 + 6, "p2", "a2", "poll-1", 2),
        c.SubmitAnswer(T0 + 6, "p3", "a3", "poll-1", 5),
        c.ClosePoll(T0 + 7, "poll-1"),
        c.AddNote(T0 + 8, "ok"),
        c.End(T0 + 9),
    ]
    for command in commands:
        events += handle(state, command)
    store.append("s1", 0, events)
    return store.read("s1")


def test_log_lines_round_trip_through_the_codec_with_consecutive_versions(store) -> None:
    logged = _stored(store)
    lines = list(log_lines(logged))
    records = [json.loads(line) for line in lines]
    assert [r["version"] for r in records] == list(range(1, len(logged) + 1))
    assert [event_from_dict({k: v for k, v in r.items() if k != "version"}) for r in records] == [
        event for _, event in logged
    ]
    assert all("\n" not in line for line in lines)


def test_log_lines_hold_no_ballots_and_the_closed_poll_lists_its_answers_sorted(store) -> None:
    records = [json.loads(line) for line in log_lines(_stored(store))]
    assert "ballot_cast" not in {r["type"] for r in records}
    (closed,) = [r for r in records if r["type"] == "poll_closed"]
    assert closed["ballots"] == [2, 5, 8]


def test_log_lines_carry_co_facilitators_and_who_wrote_a_note_or_sent_a_command() -> None:
    command = c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    state, events = create(command)
    events += handle(state, c.InviteCoFacilitator(T0 + 1, "ben", True))
    events += handle(state, c.AddNote(T0 + 2, "Noted.", by="ben"))
    events += [CommandRecorded("cmd-1", by="ben")]
    events += handle(state, c.RemoveCoFacilitator(T0 + 3, "ben"))
    records = [json.loads(line) for line in log_lines(enumerate(events, start=1))]
    assert records[1:] == [
        {"version": 2, "type": "co_facilitator_invited", "user": "ben", "may_export": True,
         "at": T0 + 1},
        {"version": 3, "type": "note_added", "note_id": "note-1", "text": "Noted.", "at": T0 + 2,
         "by": "ben"},
        {"version": 4, "type": "command_recorded", "command_id": "cmd-1", "by": "ben"},
        {"version": 5, "type": "co_facilitator_removed", "user": "ben", "at": T0 + 3},
    ]  # fmt: skip


def test_log_lines_drop_a_ballot_even_when_handed_one() -> None:
    state = new_session(1, start=True)
    handle(state, c.OpenPoll(T0 + 150, MOOD))
    events = answer_all(state, "poll-1", [6])
    numbered = list(enumerate(events, start=1))
    assert [json.loads(line)["type"] for line in log_lines(numbered)] == ["anonymous_vote_counted"]


# -- results CSV ----------------------------------------------------------------------


def test_csv_has_the_documented_columns() -> None:
    header = results_csv(_full_session()).splitlines()[0]
    assert tuple(header.split(",")) == CSV_COLUMNS


def test_anonymous_poll_csv_counts_the_answers_given_and_names_no_one() -> None:
    state = _full_session()
    rows = _poll_rows(state, "poll-1")
    assert all(row["participant"] == "" for row in rows)
    counts = {row["answer"]: int(row["count"]) for row in rows if row["item"] == ""}
    assert counts == {str(v): {3: 1, 7: 2}.get(v, 0) for v in range(11)}
    (mean,) = [row for row in rows if row["item"] == "mean"]
    assert (mean["answer"], mean["count"]) == ("5.67", "3")
    assert not any("Member" in value for row in rows for value in row.values())


def test_anonymous_text_answers_are_sorted_with_their_counts() -> None:
    state = new_session(4, start=True)
    _poll(state, WORDS, ["tired", "calm", "tired", "hopeful"], at=STARTED + 1)
    rows = _poll_rows(state, "poll-1")
    assert [(row["answer"], row["count"]) for row in rows] == [
        ("calm", "1"),
        ("hopeful", "1"),
        ("tired", "2"),
    ]


def test_anonymous_poll_below_threshold_is_withheld_in_one_row() -> None:
    state = _full_session()
    (row,) = _poll_rows(state, "poll-3")
    assert row["item"] == "withheld"
    assert row["answer"] == "results withheld (fewer than 3 answers)"
    assert "calm" not in results_csv(state) and "tired" not in results_csv(state)


def test_anonymous_poll_still_open_is_withheld() -> None:
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(STARTED + 1, MOOD))
    answer_all(state, "poll-1", [1, 2, 3])
    (row,) = _poll_rows(state, "poll-1")
    assert (row["phase"], row["item"]) == ("open", "withheld")


def test_a_reopened_poll_with_fewer_than_k_new_answers_is_withheld() -> None:
    # Exported at its first close, the poll showed 2, 4 and 6; reopened for p4, who is
    # named in the log as answering since, results with one more would give p4's 10.
    state = new_session(4, start=True)
    _poll(state, MOOD, [2, 4, 6], at=STARTED + 1)
    assert {row["answer"] for row in _poll_rows(state, "poll-1") if row["count"] == "1"} == {
        "2",
        "4",
        "6",
    }
    handle(state, c.ReopenPoll(STARTED + 10, "poll-1"))
    handle(state, c.SubmitAnswer(STARTED + 11, "p4", "late", "poll-1", 10))
    handle(state, c.ClosePoll(STARTED + 12, "poll-1"))
    (row,) = _poll_rows(state, "poll-1")
    assert (row["item"], row["count"]) == ("withheld", "4")
    assert row["answer"] == "results withheld (fewer than 3 new answers since it was reopened)"
    html = _summary(state)
    assert "Results withheld (fewer than 3 new answers since it was reopened)." in html
    assert "Mean" not in html


def test_named_poll_csv_has_one_row_per_person_with_the_option_chosen() -> None:
    rows = _poll_rows(_full_session(), "poll-2")
    assert [(row["participant"], row["answer"], row["count"]) for row in rows] == [
        ("Member 1", "yes", ""),
        ("Member 2", "no", ""),
        ("Member 3", "partly", ""),
    ]
    assert {row["anonymous"] for row in rows} == {"no"}


def test_named_instrument_csv_gives_each_person_a_total_and_item_scores() -> None:
    rows = _poll_rows(_full_session(), "poll-4")
    assert [(row["participant"], row["item"], row["answer"]) for row in rows] == [
        ("Member 1", "total", "0"),
        ("Member 1", "1", "0"),
        ("Member 1", "9", "0"),
        ("Member 2", "total", "5"),
        ("Member 2", "1", "3"),
        ("Member 2", "9", "2"),
    ]


def test_anonymous_instrument_csv_gives_the_distribution_of_totals_only() -> None:
    who5ish = replace(
        RISKY,
        id="wellbeing",
        anonymous=True,
        facilitator_only=False,
        items=(ItemSpec("1", "Cheerful"), ItemSpec("2", "Calm")),
        multiplier=4,
    )
    state = new_session(3, start=True)
    _poll(state, who5ish, [[1, 1], [3, 0], [2, 2]], at=STARTED + 1)
    rows = _poll_rows(state, "poll-1")
    assert [(row["participant"], row["answer"], row["count"]) for row in rows] == [
        ("", "8", "1"),
        ("", "12", "1"),
        ("", "16", "1"),
    ]


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1+2", "-2+3", "@SUM(A1)"])
def test_text_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(text) -> None:
    state = new_session(0, start=True)
    handle(state, c.Join(T0 + 1, "p1", text, "x"))
    _poll(state, replace(WORDS, anonymous=False), [text], at=STARTED + 1)
    (row,) = _poll_rows(state, "poll-1")
    assert (row["participant"], row["answer"]) == ("'" + text, "'" + text)


def test_negative_scale_values_stay_numbers_in_the_csv() -> None:
    state = new_session(3, start=True)
    _poll(state, replace(MOOD, min=-3, max=3), [-3, -3, 2], at=STARTED + 1)
    counts = {row["answer"]: row["count"] for row in _poll_rows(state, "poll-1")}
    assert counts["-3"] == "2" and counts["2"] == "1"


# -- HTML summary ---------------------------------------------------------------------


def _summary(state: SessionState | None = None) -> str:
    state = state or _full_session()
    return summary_html(state, STARTED + 90 * MINUTE, tz=UTC)


def test_summary_heads_with_title_protocol_session_number_date_and_times() -> None:
    html = _summary()
    assert "<title>Session 2 - session summary</title>" in html
    assert "Protocol group-ipt-8 (version 1)" in html and "session 2" in html
    # T0 is 2023-11-14 22:13:20 UTC; the session started 100 s later.
    assert "2023-11-14, started 22:15, ended 23:19 (times in UTC)" in html


def test_summary_compares_planned_and_actual_minutes_per_step_and_in_total() -> None:
    page = _Page(_summary())
    assert page.row("Check-in")[3:] == ["10", "12"]
    assert page.row("Link mood and events")[3:] == ["20", "18"]
    assert page.row("Practise asking")[3:] == ["25", "26"]
    assert page.row("Homework")[3:] == ["10", "8"]
    assert page.row("Total")[3:] == ["65", "64"]


def test_summary_counts_the_step_under_way_up_to_now() -> None:
    state = new_session(1, start=True)
    page = _Page(summary_html(state, STARTED + 7 * MINUTE + 29, tz=UTC))
    assert page.row("Check-in (under way)")[3:] == ["10", "7"]


def test_summary_gives_attendance_numbers_and_names() -> None:
    html = _summary()
    assert "4 joined; 1 left; 1 removed." in html
    page = _Page(html)
    assert page.row("Member 4")[2] == "23:06 (left)"
    assert page.row("Member 3")[2] == "23:07 (removed)"


def test_summary_counts_signals_by_kind_and_lists_who_sent_each_and_when_it_was_seen() -> None:
    state = _full_session()
    handle(state, c.AcknowledgeSignal(STARTED + 70 * MINUTE, "signal-1"))
    html = summary_html(state, STARTED + 70 * MINUTE, tz=UTC)
    page = _Page(html)
    assert page.row("Need support")[1] == "1"
    assert page.row("Need a break")[1] == "2"
    assert page.row("Pass")[1] == "0"
    # For the facilitators' records: who signalled, when, and when it was acknowledged.
    signals = _Page(_section(html, "Private signals"))
    assert ["Who", "Signal", "Sent", "Acknowledged", "When acknowledged"] in signals.rows
    assert signals.row("Member 3")[1:] == ["Need support", "22:31", "yes", "23:25"]
    assert signals.row("Member 4")[1:] == ["Need a break", "22:32", "no", ""]


def test_summary_names_each_risk_alert_in_words_and_what_was_done() -> None:
    state = _full_session()
    html = summary_html(state, STARTED + 70 * MINUTE, tz=UTC, titles={"phq9-lite": "PHQ-9"})
    risk = _section(html, "Risk alerts")
    assert "1 still open: nothing recorded yet" in " ".join(risk.split())
    row = _Page(risk).row("Member 2")
    assert row[1:5] == [
        "PHQ-9, item 2: Thoughts of harm",
        "2 of 3 (More than half the days)",
        "22:16",
        "open: nothing recorded",
    ]
    handle(
        state,
        c.RecordRiskAction(
            STARTED + 65 * MINUTE, "alert-1", RiskAction.SAFETY_PLAN, "with GP", "ana"
        ),
    )
    risk = _section(summary_html(state, STARTED + 70 * MINUTE, tz=UTC), "Risk alerts")
    assert "an action is recorded for each" in " ".join(risk.split())
    assert _Page(risk).row("Member 2")[4:] == ["Safety plan made", "with GP", "ana", "23:20"]


def test_summary_shows_anonymous_aggregates_and_withholds_below_threshold() -> None:
    html = _summary()
    polls = _Page(_section(html, "Polls"))
    assert polls.row("7") == ["7", "2"]
    assert "Mean: 5.67" in html
    assert "Results withheld (fewer than 3 answers)." in html
    assert "calm" not in html and "tired" not in html


def test_summary_lists_named_and_facilitator_only_answers_per_person() -> None:
    polls = _Page(_section(_summary(), "Polls"))
    assert ["Member 3", "partly"] in polls.rows
    assert ["Member 2", "5"] in polls.rows


def test_summary_lists_role_plays_with_who_played_each_role() -> None:
    page = _Page(_section(_summary(), "Role-plays"))
    assert page.rows[0] == ["Title", "Problem area", "Step", "Started", "Roles", "Phase", "From"]
    # The protocol's names of the roles, and the members' names (or the facilitator).
    assert page.row("Asking family for help") == [
        "Asking family for help",
        "transitions",
        "Practise asking",
        "22:46",
        "New parent: Member 1 Sister: the facilitator Observers: every other member",
        "ended",
        "library",
    ]


def test_summary_lists_notes_with_time_and_step() -> None:
    page = _Page(_summary())
    assert page.row("Member 2 quiet; check in next week.") == [
        "22:34",
        "Link mood and events",
        "",  # a note of a session's console before notes named who wrote them
        "Member 2 quiet; check in next week.",
    ]


def _co_facilitated() -> SessionState:
    command = c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    state, _ = create(command)
    handle(state, c.InviteCoFacilitator(T0 + 1, "cleo", True))
    handle(state, c.InviteCoFacilitator(T0 + 2, "ben", False))
    handle(state, c.InviteCoFacilitator(T0 + 3, "devi", False))
    handle(state, c.RemoveCoFacilitator(T0 + 4, "devi"))
    handle(state, c.Start(STARTED))
    handle(state, c.AddNote(STARTED + MINUTE, "Ben's note.", by="ben"))
    handle(state, c.AddNote(STARTED + 2 * MINUTE, "Asha's note.", by="asha"))
    return state


def test_summary_lists_the_facilitators_owner_first_and_marked() -> None:
    html = _summary(_co_facilitated())
    section = _section(html, "Facilitators")
    items = [" ".join(item.split("</li>")[0].split()) for item in section.split("<li")[1:]]
    # Each name in its own element, marked as content: the words around it are translated.
    assert items == [
        '><span class="text" data-content>asha</span> <span class="muted">(owner)</span>',
        '><span class="text" data-content>ben</span>',
        '><span class="text" data-content>cleo</span>',
    ]
    assert "devi" not in section


def test_summary_shows_who_added_each_note() -> None:
    page = _Page(_section(_summary(_co_facilitated()), "Facilitator notes"))
    assert page.rows[0] == ["Time", "Step", "By", "Note"]
    assert page.row("Ben's note.") == ["22:16", "Check-in", "ben", "Ben's note."]
    assert page.row("Asha's note.") == ["22:17", "Check-in", "asha", "Asha's note."]


def test_summary_of_a_session_without_an_owner_lists_no_facilitators() -> None:
    assert "<h2>Facilitators</h2>" not in _summary()


def _hostile_session() -> SessionState:
    state = new_session(0, start=True)
    for n, name in enumerate([SCRIPT, IMG, "Member 3"], start=1):
        handle(state, c.Join(T0 + n, f"p{n}", name, "x"))
    _poll(state, WORDS, [SCRIPT, IMG, "fine"], at=STARTED + 1)
    _poll(state, replace(WORDS, anonymous=False), [SCRIPT, IMG, "fine"], at=STARTED + 10)
    handle(state, c.AddNote(STARTED + 20, f"{SCRIPT} {IMG}"))
    handle(state, c.PushPrompt(STARTED + 21, IMG))
    return state


def test_summary_escapes_hostile_names_answers_notes_and_prompts() -> None:
    html = _summary(_hostile_session())
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_img = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    # Twice as names (attendance, named poll), twice as answers, once in the note.
    assert html.count(escaped_script) == 5
    assert html.count(escaped_img) == 6
    assert SCRIPT not in html and IMG not in html


def test_summary_has_no_script_element_and_loads_nothing_from_anywhere() -> None:
    html = _summary(_hostile_session())
    page = _Page(html)
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "img" not in tags
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert "url(" not in html and "@import" not in html
    assert not [
        (tag, name) for tag, attrs in page.tags for name, _ in attrs if name in ("src", "href")
    ]


def test_summary_of_a_session_never_started_renders() -> None:
    html = summary_html(new_session(0), T0 + 5, tz=UTC)
    assert "not started" in html and "No polls were run." in html
    assert _Page(html).row("Total")[3:] == ["65", "0"]


def test_named_multiple_choice_csv_joins_the_options_chosen() -> None:
    state = new_session(3, start=True)
    pick = PollSpec(
        "helped", "What helped?", PollType.MULTIPLE_CHOICE, anonymous=False, options=("a", "b")
    )
    _poll(state, pick, [[0, 1], [1], [0]], at=STARTED + 1)
    rows = _poll_rows(state, "poll-1")
    assert [(row["type"], row["answer"]) for row in rows] == [
        ("multiple_choice", "a; b"),
        ("multiple_choice", "b"),
        ("multiple_choice", "a"),
    ]


# -- ranking polls --------------------------------------------------------------------


def _ranking(values: list[object], *, anonymous: bool = True) -> SessionState:
    state = new_session(len(values), start=True)
    _poll(state, replace(ORDER, anonymous=anonymous), values, at=STARTED + 1)
    return state


def test_anonymous_ranking_csv_gives_points_and_mean_rank_per_option_and_names_no_one() -> None:
    rows = _poll_rows(_ranking([[0, 1, 2], [0, 2, 1], [2, 0, 1]]), "poll-1")
    assert [(r["participant"], r["item"], r["answer"], r["count"]) for r in rows] == [
        ("", "points", "sleep", "5"),
        ("", "mean rank", "sleep", "1.33"),
        ("", "points", "friends", "1"),
        ("", "mean rank", "friends", "2.67"),
        ("", "points", "work", "3"),
        ("", "mean rank", "work", "2.0"),
    ]
    assert {r["type"] for r in rows} == {"ranking"}


def test_anonymous_ranking_below_threshold_is_withheld() -> None:
    (row,) = _poll_rows(_ranking([[0, 1, 2], [2, 1, 0]]), "poll-1")
    assert (row["item"], row["answer"]) == ("withheld", "results withheld (fewer than 3 answers)")


def test_named_ranking_csv_gives_each_person_their_order() -> None:
    rows = _poll_rows(_ranking([[2, 0, 1], [0, 1, 2]], anonymous=False), "poll-1")
    assert [(r["participant"], r["item"], r["answer"]) for r in rows] == [
        ("Member 1", "", "work > sleep > friends"),
        ("Member 2", "", "sleep > friends > work"),
    ]


def test_summary_shows_a_ranking_as_points_and_mean_rank_per_option() -> None:
    state = _ranking([[0, 1, 2], [0, 2, 1], [2, 0, 1]])
    polls = _Page(_section(summary_html(state, STARTED + MINUTE, tz=UTC), "Polls"))
    assert ["Option", "Borda points, mean rank"] in polls.rows
    assert ["sleep", "points 5"] in polls.rows
    assert ["sleep", "mean rank 1.33"] in polls.rows


def test_summary_lists_each_named_members_ranking_in_order() -> None:
    state = _ranking([[2, 0, 1], [0, 1, 2]], anonymous=False)
    polls = _Page(_section(summary_html(state, STARTED + MINUTE, tz=UTC), "Polls"))
    assert ["Name", "Order (first to last)"] in polls.rows
    assert ["Member 1", "work > sleep > friends"] in polls.rows


def test_a_protocol_s_named_who5_exports_each_member_s_total_and_band_by_name() -> None:
    from facilitator.library.catalog import Catalog

    catalog = Catalog.load()
    spec = catalog.poll("ipt-g-12", "who5_named")
    state = new_session(2, start=True)
    _poll(state, spec, [[0, 0, 0, 0, 0], [5, 5, 5, 5, 4]], at=STARTED + 1)
    instrument = catalog.instrument_of(spec)
    assert instrument is not None
    text = results_csv(state, {spec.id: instrument})
    rows = [r for r in _rows(text) if r["poll_id"] == "poll-1" and r["item"] == "total"]
    assert [(r["participant"], r["answer"], r["band"]) for r in rows] == [
        ("Member 1", "100", instrument.band(100).label),  # type: ignore[union-attr]
        ("Member 2", "4", instrument.band(4).label),  # type: ignore[union-attr]
    ]
