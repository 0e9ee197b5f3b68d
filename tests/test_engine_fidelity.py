"""The fidelity checklist and the pre-group decision: what the facilitator records for
their supervisor. One test per illegal transition."""

from __future__ import annotations

import dataclasses

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.codec import event_from_dict, event_to_dict
from facilitator.core.engine import create, fold, handle
from facilitator.core.errors import DomainError
from facilitator.core.state import FidelityItem, SessionState
from tests.factories import AGENDA, T0

CHECKLIST = ("Started and ended on time", "Asked about self-harm", "Each member set a step")


def _session(number: int = 1, members: int = 2, *, start: bool = True) -> SessionState:
    command = c.CreateSession(
        T0, "s1", "group-ipt-8", 1, number, "Session", AGENDA, checklist=CHECKLIST
    )
    state, _ = create(command)
    for n in range(1, members + 1):
        handle(state, c.Join(T0 + n, f"p{n}", None, f"Member {n}"))
    if start:
        handle(state, c.Start(T0 + 100))
    return state


def test_the_checklist_is_copied_into_the_log_when_the_session_is_created() -> None:
    state, events = create(c.CreateSession(T0, "s1", "p", 1, 1, "S", AGENDA, checklist=CHECKLIST))
    assert state.checklist == list(CHECKLIST)
    assert fold(events).checklist == list(CHECKLIST)
    # A log written before checklists existed has none.
    old = event_to_dict(events[0])
    del old["checklist"]
    assert fold([event_from_dict(old)]).checklist == []


def test_fidelity_records_ticks_and_a_reflection_and_a_later_record_replaces_it() -> None:
    state = _session()
    events = handle(state, c.RecordFidelity(T0 + 200, (0, 2), " Went well. ", by="amina"))
    assert events == [
        e.FidelityRecorded(CHECKLIST, (True, False, True), "Went well.", "amina", T0 + 200)
    ]
    assert state.fidelity is not None
    assert state.fidelity.items == [
        FidelityItem(CHECKLIST[0], True),
        FidelityItem(CHECKLIST[1], False),
        FidelityItem(CHECKLIST[2], True),
    ]
    handle(state, c.End(T0 + 300))
    handle(state, c.RecordFidelity(T0 + 400, (0, 1, 2), "All done after all.", by="ben"))
    assert [item.done for item in state.fidelity.items] == [True, True, True]
    assert (state.fidelity.by, state.fidelity.at) == ("ben", T0 + 400)


def test_a_fidelity_record_is_private_and_folds_back_the_same() -> None:
    state = _session()
    public = state.public_version
    events = handle(state, c.RecordFidelity(T0 + 200, (1,), "", by="amina"))
    assert state.public_version == public
    again = fold(
        [
            *[event_from_dict(event_to_dict(ev)) for ev in _log_of(state)],
            *[event_from_dict(event_to_dict(ev)) for ev in events],
        ]
    )
    assert again.fidelity == state.fidelity


def _log_of(state: SessionState) -> list[e.Event]:
    """The events that made a fresh _session(): created, two joins, started."""
    first = e.SessionCreated(
        state.id,
        "group-ipt-8",
        1,
        state.session_number,
        "Session",
        AGENDA,
        T0,
        checklist=CHECKLIST,
    )
    joins = [e.ParticipantJoined(f"p{n}", f"Member {n}", False, T0 + n) for n in (1, 2)]
    return [first, *joins, e.SessionStarted(T0 + 100)]


def test_fidelity_is_refused_before_the_session_starts() -> None:
    state = _session(start=False)
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordFidelity(T0 + 50, (0,), ""))
    assert refused.value.code == "illegal_state"
    assert state.fidelity is None


@pytest.mark.parametrize("done", [(3,), (-1,), (0, 0)])
def test_fidelity_refuses_an_item_not_on_the_checklist_or_ticked_twice(done) -> None:
    state = _session()
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordFidelity(T0 + 200, done, ""))
    assert refused.value.code == "invalid"


def test_a_session_without_a_checklist_needs_a_reflection() -> None:
    state, _ = create(c.CreateSession(T0, "s1", "p", 1, 1, "S", AGENDA))
    handle(state, c.Start(T0 + 1))
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordFidelity(T0 + 2, (), "   "))
    assert refused.value.code == "invalid"
    handle(state, c.RecordFidelity(T0 + 3, (), "Short meeting; two came."))
    assert state.fidelity is not None and state.fidelity.items == []


# -- the decision at the meeting before the group ---------------------------------------


def test_a_pre_group_decision_is_recorded_per_member_and_replaced_when_changed() -> None:
    state = _session(number=0)
    events = handle(state, c.RecordDecision(T0 + 200, "p1", "join", "", by="amina"))
    assert events == [e.DecisionRecorded("p1", "join", "", "amina", T0 + 200)]
    handle(
        state, c.RecordDecision(T0 + 210, "p2", "refer", " Community mental health team ", "amina")
    )
    handle(state, c.RecordDecision(T0 + 220, "p1", "refer", "Needs one-to-one first", "ben"))
    assert {pid: (d.decision, d.note, d.by) for pid, d in state.decisions.items()} == {
        "p1": ("refer", "Needs one-to-one first", "ben"),
        "p2": ("refer", "Community mental health team", "amina"),
    }
    assert not events[0].public


def test_a_decision_is_refused_outside_the_pre_group_meeting() -> None:
    state = _session(number=1)
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordDecision(T0 + 200, "p1", "join", ""))
    assert refused.value.code == "illegal_state"


def test_a_decision_for_someone_not_in_the_session_is_refused() -> None:
    state = _session(number=0)
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordDecision(T0 + 200, "p9", "join", ""))
    assert refused.value.code == "not_found"


def test_a_decision_other_than_join_or_refer_is_refused() -> None:
    state = _session(number=0)
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordDecision(T0 + 200, "p1", "maybe", ""))
    assert refused.value.code == "invalid"


def test_a_referral_without_a_note_of_where_is_refused() -> None:
    state = _session(number=0)
    with pytest.raises(DomainError) as refused:
        handle(state, c.RecordDecision(T0 + 200, "p1", "refer", "  "))
    assert refused.value.code == "invalid"
    assert state.decisions == {}


def test_commands_are_frozen_values() -> None:
    command = c.RecordFidelity(T0, (0,), "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.reflection = "y"  # type: ignore[misc]
