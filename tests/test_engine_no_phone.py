"""Members a facilitator adds without a phone: in the session as any member, marked."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import create, fold, handle
from facilitator.core.errors import DomainError
from facilitator.core.state import SessionState
from facilitator.service.courses import LATE_AFTER, attendance_of
from tests.factories import AGENDA, MOOD, RISKY, T0, new_session


def test_an_added_member_is_present_marked_without_a_phone_and_by_whom() -> None:
    state = new_session(2, start=True)
    events = handle(state, c.AddMember(T0 + 150, "m-x", "Rosa", "Member 9", by="ana"))
    assert events == [
        e.ParticipantJoined("m-x", "Rosa", True, T0 + 150, no_phone=True, added_by="ana")
    ]
    member = state.participants["m-x"]
    assert (member.name, member.present, member.no_phone) == ("Rosa", True, True)
    assert not state.participants["p1"].no_phone
    assert not events[0].public


def test_a_blank_name_gives_the_pseudonym() -> None:
    state = new_session(1)
    handle(state, c.AddMember(T0 + 50, "m-x", "  ", "Member 9", by="ana"))
    member = state.participants["m-x"]
    assert (member.name, member.chose_name) == ("Member 9", False)


def test_a_facilitator_adds_a_member_while_joining_is_locked() -> None:
    state = new_session(1)
    handle(state, c.LockJoining(T0 + 40))
    handle(state, c.AddMember(T0 + 50, "m-x", None, "Member 9", by="ana"))
    assert state.participants["m-x"].present


def test_the_added_members_answer_is_entered_by_interview_and_alerts() -> None:
    state = new_session(1, start=True)
    handle(state, c.AddMember(T0 + 110, "m-x", "Rosa", "Member 9", by="ana"))
    handle(state, c.OpenPoll(T0 + 150, RISKY))
    events = handle(state, c.EnterAnswer(T0 + 160, "poll-1", "m-x", [0, 2], by="ana"))
    assert events[1] == e.RiskFlagged("alert-1", "m-x", "poll-1", RISKY.items[1].id, T0 + 160)


def test_no_member_is_added_after_the_end() -> None:
    state = new_session(1, start=True)
    handle(state, c.End(T0 + 300))
    with pytest.raises(DomainError) as refused:
        handle(state, c.AddMember(T0 + 310, "m-x", "Rosa", "Member 9", by="ana"))
    assert refused.value.code == "illegal_state"


def test_no_member_is_added_under_a_name_a_present_member_has() -> None:
    state = new_session(1)
    with pytest.raises(DomainError) as refused:
        handle(state, c.AddMember(T0 + 50, "m-x", "member 1", "Member 9", by="ana"))
    assert refused.value.code == "name_taken"


def test_no_member_is_added_under_an_id_already_in_the_session() -> None:
    state = new_session(1)
    with pytest.raises(DomainError) as refused:
        handle(state, c.AddMember(T0 + 50, "p1", "Rosa", "Member 9", by="ana"))
    assert refused.value.code == "conflict"


def test_added_members_replay() -> None:
    state, log = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA))
    log += handle(state, c.Join(T0 + 1, "p1", None, "Member 1"))
    log += handle(state, c.AddMember(T0 + 2, "m-x", "Rosa", "Member 9", by="ana"))
    assert fold(log).participants == state.participants
    assert fold(log).participants["m-x"].no_phone


def test_a_member_added_late_without_a_phone_counts_as_present_from_the_start() -> None:
    state = new_session(1, start=True)
    late = T0 + 100 + LATE_AFTER + 60
    handle(state, c.AddMember(late, "m-x", "Rosa", "Member 9", by="ana"))
    handle(state, c.Join(late, "p9", "Ben", "Member 10"))
    handle(state, c.End(late + 60))
    found = attendance_of(state, ["p1", "m-x", "p9"])
    assert found == {"p1": "present", "m-x": "present", "p9": "late"}


def _walked(state: SessionState, anonymous: bool) -> tuple[int, int]:
    present = [m for m in state.participants.values() if m.present]
    return len(present), sum(1 for m in present if not (anonymous and m.no_phone))


def _names(state: SessionState) -> frozenset[str]:
    return frozenset(m.name.casefold() for m in state.participants.values() if m.present)


def test_the_members_who_may_answer_follow_every_join_and_leave() -> None:
    # The counts are kept between changes of the roster (a vote asks after every answer):
    # each join, leave and removal must show in the next count, never a kept one.
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 100, MOOD))
    anonymous = state.polls["poll-1"]
    seen = []
    for command in (
        c.AddMember(T0 + 110, "m-x", "Rosa", "Member 9", by="ana"),
        c.Join(T0 + 115, "p4", None, "Member 4"),
        c.Leave(T0 + 120, "p1"),
        c.RemoveParticipant(T0 + 130, "m-x"),
    ):
        assert (state.members_present, state.may_answer(anonymous)) == _walked(state, True)
        assert state.names_present() == _names(state)
        handle(state, command)
        seen.append((state.members_present, state.may_answer(anonymous)))
        assert seen[-1] == _walked(state, True)
        assert state.names_present() == _names(state)
    assert seen == [(4, 3), (5, 4), (4, 3), (3, 3)]
    assert "rosa" not in state.names_present()  # removed: the name is free again
    handle(state, c.EraseParticipant(T0 + 140, "p2"))
    assert "member 2" not in state.names_present()
    assert state.names_present() == _names(state)
    assert (state.members_present, state.may_answer(anonymous)) == _walked(state, True)
