"""Results under the facilitator's control: reveal to the console, show, hide, pin,
clear on a step change, reopen, and moderate a word cloud."""

from __future__ import annotations

from dataclasses import replace

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import create, fold, handle
from facilitator.core.errors import DomainError
from facilitator.core.poll_kinds import normalize_word
from facilitator.core.state import PollPhase, poll_answer_summary
from tests.factories import AGENDA, MOOD, NAMED, RISKY, T0, WORDS, answer_all, new_session


def _closed(spec=MOOD, values=(1, 2, 3), members=5):
    state = new_session(members, start=True)
    handle(state, c.OpenPoll(T0 + 150, spec))
    answer_all(state, "poll-1", list(values))
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    return state


def _shown(spec=MOOD, values=(1, 2, 3), members=5):
    state = _closed(spec, values, members)
    handle(state, c.RevealPoll(T0 + 301, "poll-1"))
    return state


def _revealed_to_console():
    state = _closed()
    handle(state, c.RevealPoll(T0 + 301, "poll-1", show=False))
    return state


def _pinned():
    state = _shown()
    handle(state, c.PinResults(T0 + 302, True))
    return state


def _words_revealed():
    state = _closed(WORDS, ["Tired", "calm", "tired!"])
    handle(state, c.RevealPoll(T0 + 301, "poll-1", show=False))
    return state


def _reopened_after_show():
    state = _shown(values=(1, 2, 3))
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    return state


# -- reveal, show, hide, pin ------------------------------------------------------------


def test_reveal_shows_the_results_to_the_room_at_once_by_default() -> None:
    state = _closed()
    events = handle(state, c.RevealPoll(T0 + 301, "poll-1"))
    assert events == [e.PollRevealed("poll-1", T0 + 301, True)]
    assert (state.polls["poll-1"].phase, state.shown_results) == (PollPhase.REVEALED, "poll-1")


def test_reveal_without_show_reveals_to_the_console_only() -> None:
    state = _revealed_to_console()
    assert state.polls["poll-1"].phase is PollPhase.REVEALED
    assert state.shown_results is None


def test_show_puts_a_revealed_poll_up_and_replaces_what_was_shown() -> None:
    state = _shown()
    handle(state, c.OpenPoll(T0 + 310, replace(MOOD, id="mood-b")))
    answer_all(state, "poll-2", [4, 5, 6])
    handle(state, c.ClosePoll(T0 + 320, "poll-2"))
    handle(state, c.RevealPoll(T0 + 321, "poll-2", show=False))
    assert state.shown_results == "poll-1"
    assert handle(state, c.ShowResults(T0 + 322, "poll-2")) == [e.ResultsShown("poll-2", T0 + 322)]
    assert state.shown_results == "poll-2"


def test_showing_what_is_shown_changes_nothing() -> None:
    state = _shown()
    assert handle(state, c.ShowResults(T0 + 302, "poll-1")) == []


def test_hide_takes_the_results_down_and_unpins_them() -> None:
    state = _pinned()
    assert handle(state, c.HideResults(T0 + 303)) == [e.ResultsHidden(T0 + 303)]
    assert (state.shown_results, state.results_pinned) == (None, False)


def test_pinning_twice_changes_nothing() -> None:
    state = _pinned()
    assert handle(state, c.PinResults(T0 + 303, True)) == []
    assert handle(state, c.PinResults(T0 + 304, False)) == [e.ResultsPinned(False, T0 + 304)]


@pytest.mark.parametrize(
    "step_change",
    [c.Next(T0 + 500), c.Jump(T0 + 500, 2)],
    ids=["next", "jump"],
)
def test_a_step_change_clears_shown_results_and_the_prompt(step_change) -> None:
    state = _shown()
    handle(state, c.PushPrompt(T0 + 400, "Breathe out slowly."))
    events = handle(state, step_change)
    assert e.ResultsHidden(T0 + 500) in events
    assert e.PromptCleared("prompt-1", T0 + 500) in events
    assert (state.shown_results, state.prompt) == (None, None)


def test_going_back_a_step_clears_them_too() -> None:
    state = _shown()
    handle(state, c.Next(T0 + 400))
    handle(state, c.ShowResults(T0 + 401, "poll-1"))
    handle(state, c.PushPrompt(T0 + 402, "Breathe out slowly."))
    handle(state, c.Previous(T0 + 500))
    assert (state.shown_results, state.prompt) == (None, None)


def test_pinned_results_stay_across_step_changes_and_the_prompt_goes() -> None:
    state = _pinned()
    handle(state, c.PushPrompt(T0 + 400, "Breathe out slowly."))
    events = handle(state, c.Next(T0 + 500))
    assert not any(isinstance(event, e.ResultsHidden) for event in events)
    handle(state, c.Previous(T0 + 501))
    assert (state.shown_results, state.results_pinned, state.prompt) == ("poll-1", True, None)


def test_a_step_change_with_nothing_shown_clears_nothing() -> None:
    state = new_session(2, start=True)
    assert handle(state, c.Next(T0 + 500)) == [e.StepEntered(1, T0 + 500)]


def test_ending_the_session_leaves_the_results_shown() -> None:
    state = _shown()
    handle(state, c.End(T0 + 600))
    assert state.shown_results == "poll-1"


# -- reopen -----------------------------------------------------------------------------


def test_reopening_takes_the_results_off_the_room_and_puts_the_ballots_back() -> None:
    state = _shown(values=(3, 1, 2))
    events = handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    assert events[:2] == [e.ResultsHidden(T0 + 400), e.PollReopened("poll-1", False, T0 + 400)]
    # The kept answers go back into the ballot box, in value order, naming no one.
    assert events[2:] == [e.BallotCast("poll-1", v) for v in (1, 2, 3)]
    poll = state.polls["poll-1"]
    assert (poll.phase, state.open_poll, poll.ballots) == (PollPhase.OPEN, "poll-1", [1, 2, 3])
    assert (state.shown_results, poll.voters) == (None, ["p1", "p2", "p3"])


def test_after_reopening_those_who_answered_cannot_answer_again_and_others_can() -> None:
    state = _reopened_after_show()
    with pytest.raises(DomainError, match=r"You have answered this poll already\."):
        handle(state, c.SubmitAnswer(T0 + 401, "p1", "again", "poll-1", 9))
    handle(state, c.SubmitAnswer(T0 + 402, "p4", "late", "poll-1", 9))
    closed = handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    # One close keeps every answer, the earlier ones and the new one, as one sorted whole.
    assert closed == [e.PollClosed("poll-1", (1, 2, 3, 9), T0 + 410)]


def test_a_poll_closed_below_its_threshold_reopens_for_everyone() -> None:
    state = _closed(values=(7, 8))
    events = handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    # Its answers were dropped at the close: nothing to put back, no one has answered.
    assert events == [e.PollReopened("poll-1", True, T0 + 400)]
    assert (state.polls["poll-1"].voters, state.polls["poll-1"].count) == ([], 0)
    for n in (1, 2, 3):  # a new answer from a phone is a new action
        handle(state, c.SubmitAnswer(T0 + 400 + n, f"p{n}", f"again-{n}", "poll-1", n))
    assert state.polls["poll-1"].count == 3


def test_a_named_poll_reopens_with_its_answers() -> None:
    state = _closed(NAMED, [0, 1])
    assert handle(state, c.ReopenPoll(T0 + 400, "poll-1")) == [
        e.PollReopened("poll-1", False, T0 + 400)
    ]
    assert state.polls["poll-1"].answers == {"p1": 0, "p2": 1}


def test_a_reopened_poll_folds_from_its_log_as_it_was_decided() -> None:
    state, log = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA))
    for n in range(1, 6):
        log += handle(state, c.Join(T0 + n, f"p{n}", None, f"Member {n}"))
    log += handle(state, c.Start(T0 + 100))
    log += handle(state, c.OpenPoll(T0 + 150, MOOD))
    log += answer_all(state, "poll-1", [1, 2, 3])
    for command in (
        c.ClosePoll(T0 + 300, "poll-1"),
        c.RevealPoll(T0 + 301, "poll-1"),
        c.ReopenPoll(T0 + 400, "poll-1"),
        c.SubmitAnswer(T0 + 401, "p4", "late", "poll-1", 9),
        c.ClosePoll(T0 + 410, "poll-1"),
    ):
        log += handle(state, command)
    rebuilt = fold(log)
    assert rebuilt.polls["poll-1"] == state.polls["poll-1"]
    assert rebuilt.polls["poll-1"].ballots == [1, 2, 3, 9]
    assert (rebuilt.shown_results, rebuilt.open_poll) == (None, None)


# -- reveal again after a reopen --------------------------------------------------------


def test_a_reopened_anonymous_poll_needs_k_new_answers_to_be_revealed_again() -> None:
    state = _reopened_after_show()
    handle(state, c.SubmitAnswer(T0 + 401, "p4", "late", "poll-1", 9))
    handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    # Shown before with three answers: shown now with four, the room would see p4's 9.
    refused = r"Needs 3 new answers since it was reopened; 1 so far\."
    with pytest.raises(DomainError, match=refused) as no:
        handle(state, c.RevealPoll(T0 + 411, "poll-1"))
    assert no.value.code == "below_threshold"


def test_a_reopened_poll_with_no_new_answer_may_be_revealed_again() -> None:
    state = _reopened_after_show()
    handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    handle(state, c.RevealPoll(T0 + 411, "poll-1"))
    assert state.shown_results == "poll-1"


def test_a_reopened_poll_with_k_new_answers_may_be_revealed_again() -> None:
    state = new_session(7, start=True)
    handle(state, c.OpenPoll(T0 + 150, MOOD))
    answer_all(state, "poll-1", [1, 2, 3])
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    handle(state, c.RevealPoll(T0 + 301, "poll-1", show=False))
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    for n in (4, 5, 6):
        handle(state, c.SubmitAnswer(T0 + 400 + n, f"p{n}", f"late-{n}", "poll-1", n))
    handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    handle(state, c.RevealPoll(T0 + 411, "poll-1"))
    assert poll_answer_summary(state.polls["poll-1"])["count"] == 6


def test_a_reopened_poll_never_revealed_needs_k_new_answers_too() -> None:
    # Closed with its threshold, its results were there to be seen in an export (the
    # results CSV, the summary, the log): four now would tell who exported then p4's 9.
    state = _closed()
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    handle(state, c.SubmitAnswer(T0 + 401, "p4", "late", "poll-1", 9))
    handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    with pytest.raises(DomainError, match=r"Needs 3 new answers since it was reopened; 1 so"):
        handle(state, c.RevealPoll(T0 + 411, "poll-1"))


def test_a_poll_reopened_twice_counts_new_answers_since_its_results_were_last_seen() -> None:
    state = new_session(7, start=True)
    handle(state, c.OpenPoll(T0 + 150, MOOD))
    answer_all(state, "poll-1", [1, 2, 3])
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    for n in (4, 5):  # one late answer, closed, then another: two since the three
        handle(state, c.ReopenPoll(T0 + 300 + 10 * n, "poll-1"))
        handle(state, c.SubmitAnswer(T0 + 301 + 10 * n, f"p{n}", f"late-{n}", "poll-1", n))
        handle(state, c.ClosePoll(T0 + 302 + 10 * n, "poll-1"))
        with pytest.raises(DomainError, match=rf"{n - 3} so far"):
            handle(state, c.RevealPoll(T0 + 303 + 10 * n, "poll-1"))
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    handle(state, c.SubmitAnswer(T0 + 401, "p6", "late-6", "poll-1", 6))
    handle(state, c.ClosePoll(T0 + 402, "poll-1"))
    handle(state, c.RevealPoll(T0 + 403, "poll-1"))
    assert poll_answer_summary(state.polls["poll-1"])["count"] == 6


def test_a_reopened_named_poll_shown_before_needs_k_new_answers_to_show_again() -> None:
    # Named answers the room sees as an aggregate: one more would show it that answer.
    state = _shown(NAMED, values=(0, 1, 2))
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    handle(state, c.SubmitAnswer(T0 + 401, "p4", "late", "poll-1", 2))
    handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    with pytest.raises(DomainError, match=r"Needs 3 new answers since it was reopened; 1 so"):
        handle(state, c.RevealPoll(T0 + 411, "poll-1"))


# -- words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("Tired", "tired"),
        ("  so   TIRED  ", "so tired"),
        ("tired!", "tired"),
        ("«calm»", "calm"),
        ("\uff23\uff41\uff4c\uff4d", "calm"),  # full-width letters
        ("Straße", "strasse"),
        ("...", "..."),
        ("well-rested.", "well-rested"),
    ],
)
def test_words_are_normalised_for_the_cloud(typed: str, word: str) -> None:
    assert normalize_word(typed) == word


def test_a_word_cloud_counts_one_entry_per_answer_by_count_then_word() -> None:
    state = _closed(WORDS, ["Tired", "calm", "tired!", "Hopeful", "CALM"], members=5)
    summary = poll_answer_summary(state.polls["poll-1"])
    assert summary["words"] == [
        {"word": "calm", "count": 2},
        {"word": "tired", "count": 2},
        {"word": "hopeful", "count": 1},
    ]


def test_hiding_a_word_records_its_normal_form_and_unhiding_lets_it_back() -> None:
    state = _words_revealed()
    assert handle(state, c.HideWord(T0 + 310, "poll-1", " TIRED ", True)) == [
        e.WordHidden("poll-1", "tired", True, T0 + 310)
    ]
    assert state.polls["poll-1"].hidden_words == ["tired"]
    assert handle(state, c.HideWord(T0 + 311, "poll-1", "tired", True)) == []
    handle(state, c.HideWord(T0 + 312, "poll-1", "tired", False))
    assert state.polls["poll-1"].hidden_words == []


def test_a_hidden_word_stays_hidden_after_a_reopen() -> None:
    state = _words_revealed()
    handle(state, c.HideWord(T0 + 310, "poll-1", "tired", True))
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    handle(state, c.ClosePoll(T0 + 410, "poll-1"))
    assert state.polls["poll-1"].hidden_words == ["tired"]


def test_a_named_short_text_poll_may_have_words_hidden_while_open() -> None:
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 150, replace(WORDS, anonymous=False)))
    answer_all(state, "poll-1", ["awful"])
    handle(state, c.HideWord(T0 + 160, "poll-1", "awful", True))
    assert state.polls["poll-1"].hidden_words == ["awful"]


def test_hiding_a_word_of_an_unrevealed_anonymous_poll_tells_nothing_of_its_answers() -> None:
    state = _closed(WORDS, ["Tired", "calm", "tired!"])
    refusals = []
    for word in ("tired", "never-written"):
        with pytest.raises(DomainError) as refused:
            handle(state, c.HideWord(T0 + 310, "poll-1", word, True))
        refusals.append((refused.value.code, refused.value.message))
    # The same refusal whether or not someone wrote the word: no oracle for answers.
    assert (
        refusals[0]
        == refusals[1]
        == (
            "illegal_state",
            "Reveal the results first, then hide words.",
        )
    )


# -- illegal transitions ----------------------------------------------------------------


def _open_again():
    state = _closed()
    handle(state, c.OpenPoll(T0 + 400, NAMED))
    return state


def _private_closed():
    return _closed(RISKY, [[0, 0], [1, 0], [2, 0]])


def _erased_below():
    state = _closed(NAMED, [0, 1, 2])
    handle(state, c.RevealPoll(T0 + 301, "poll-1", show=False))
    handle(state, c.EraseParticipant(T0 + 302, "p1"))
    return state


def _ended():
    state = _closed()
    handle(state, c.End(T0 + 500))
    return state


ILLEGAL = [
    ("reveal_twice", _shown, c.RevealPoll(T0, "poll-1"), "These results are revealed already."),
    ("show_before_reveal", _closed, c.ShowResults(T0, "poll-1"), "Reveal the results first."),
    (
        "show_facilitator_only",
        _private_closed,
        c.ShowResults(T0, "poll-1"),
        "Only for facilitators; never shown to the room.",
    ),
    (
        "show_below_threshold_after_an_erasure",
        _erased_below,
        c.ShowResults(T0, "poll-1"),
        "Needs 3 answers to show; 2 so far.",
    ),
    ("show_unknown", _shown, c.ShowResults(T0, "poll-9"), "There is no such poll in this session."),
    ("hide_with_nothing_shown", _closed, c.HideResults(T0), "No results are shown right now."),
    ("pin_with_nothing_shown", _revealed_to_console, c.PinResults(T0, True), "Show results first"),
    ("reopen_an_open_poll", _reopened_after_show, c.ReopenPoll(T0, "poll-1"), "open already"),
    ("reopen_while_another_is_open", _open_again, c.ReopenPoll(T0, "poll-1"), "Close the open"),
    ("reopen_after_the_end", _ended, c.ReopenPoll(T0, "poll-1"), "The session has ended"),
    ("reopen_unknown", _closed, c.ReopenPoll(T0, "poll-9"), "There is no such poll"),
    (
        "hide_a_word_of_a_scale",
        _shown,
        c.HideWord(T0, "poll-1", "3", True),
        "Only short-text polls have words to hide.",
    ),
    (
        "hide_a_word_no_one_wrote",
        _words_revealed,
        c.HideWord(T0, "poll-1", "angry", True),
        "No one answered with that word.",
    ),
    (
        "hide_a_word_while_reopened",
        lambda: _reopened(_words_revealed()),
        c.HideWord(T0, "poll-1", "calm", True),
        "Reveal the results first, then hide words.",
    ),
]


def _reopened(state):
    handle(state, c.ReopenPoll(T0 + 400, "poll-1"))
    return state


@pytest.mark.parametrize(
    ("make", "command", "message"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_results_command_raises_and_changes_nothing(make, command, message) -> None:
    state = make()
    before = repr(state)
    with pytest.raises(DomainError, match=message):
        handle(state, command)
    assert repr(state) == before
