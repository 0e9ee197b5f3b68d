"""The audience module: who sits where in a session, and what each seat may do and see."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from facilitator.core import commands as c
from facilitator.core.engine import create, handle
from facilitator.core.state import SessionState
from facilitator.errors import Refused
from facilitator.service import audience
from facilitator.service.audience import Seat
from facilitator.service.tokens import Actor, Role
from tests.factories import AGENDA, T0

SID = "s1"
OWNER = Actor(Role.FACILITATOR, SID, user="asha")
CO = Actor(Role.FACILITATOR, SID, user="ben")  # invited, without exports
EXPORTER = Actor(Role.FACILITATOR, SID, user="cleo")  # invited, with exports
STRANGER = Actor(Role.FACILITATOR, SID, user="dora")
DISPLAY = Actor(Role.DISPLAY, SID)
MEMBER = Actor(Role.PARTICIPANT, SID, "p1")


@pytest.fixture
def state() -> SessionState:
    command = c.CreateSession(T0, SID, "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    state, _ = create(command)
    handle(state, c.Join(T0 + 1, "p1", None, "Member 1"))
    handle(state, c.InviteCoFacilitator(T0 + 2, "ben", False))
    handle(state, c.InviteCoFacilitator(T0 + 3, "cleo", True))
    return state


def _refusal(check: Callable[[], object]) -> str | None:
    try:
        check()
    except Refused as refused:
        return refused.code
    return None


@pytest.mark.parametrize(
    ("actor", "seat"),
    [
        (OWNER, Seat.OWNER),
        (CO, Seat.CO_FACILITATOR),
        (EXPORTER, Seat.CO_FACILITATOR),
        (DISPLAY, Seat.DISPLAY),
        (MEMBER, Seat.MEMBER),
    ],
)
def test_each_actor_sits_in_its_seat(state: SessionState, actor: Actor, seat: Seat) -> None:
    assert audience.seat_of(actor, state) is seat


@pytest.mark.parametrize(
    ("actor", "runs", "exports", "owns"),
    [
        (OWNER, None, None, None),
        (CO, None, "forbidden", "forbidden"),
        (EXPORTER, None, None, "forbidden"),
        (STRANGER, "forbidden", "forbidden", "forbidden"),
        (DISPLAY, "forbidden", "forbidden", "forbidden"),
        (MEMBER, "forbidden", "forbidden", "forbidden"),
    ],
)
def test_who_runs_exports_and_owns_a_session(
    state: SessionState, actor: Actor, runs: str | None, exports: str | None, owns: str | None
) -> None:
    assert _refusal(lambda: audience.check_runs(actor, state)) == runs
    assert _refusal(lambda: audience.check_exports(actor, state)) == exports
    assert _refusal(lambda: audience.check_owns(actor, state, "delete it")) == owns


def test_a_removed_co_facilitator_and_a_removed_member_lose_their_seats(
    state: SessionState,
) -> None:
    handle(state, c.RemoveCoFacilitator(T0 + 4, "ben"))
    handle(state, c.RemoveParticipant(T0 + 5, "p1"))
    assert _refusal(lambda: audience.seat_of(CO, state)) == "forbidden"
    assert _refusal(lambda: audience.seat_of(MEMBER, state)) == "removed"


def test_a_member_who_left_may_not_connect_again(state: SessionState) -> None:
    assert audience.admit(MEMBER, state) is Seat.MEMBER
    handle(state, c.Leave(T0 + 4, "p1"))
    assert _refusal(lambda: audience.admit(MEMBER, state)) == "left"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sends_only_its_events(role: Role) -> None:
    actor = Actor(role, SID, "p1" if role is Role.PARTICIPANT else "", "asha")
    for event in sorted(audience.ALL_EVENTS):
        allowed = event in audience.EVENTS[role]
        code = _refusal(lambda name=event: audience.check_event(actor, name))  # type: ignore[misc]
        assert (code is None) is allowed, event
    assert "next_step" in audience.EVENTS[Role.FACILITATOR]
    assert ("submit_answer" in audience.EVENTS[role]) is (role is Role.PARTICIPANT)


def test_each_connection_listens_in_its_rooms_and_sees_its_view(state: SessionState) -> None:
    assert audience.rooms_of(CO) == ["s1:facilitator", "s1:facilitator:ben"]
    assert audience.rooms_of(DISPLAY) == ["s1:display"]
    assert audience.rooms_of(MEMBER) == ["s1:participants", "s1:member:p1"]
    asked: list[bool] = []

    def online() -> list[str]:
        asked.append(True)
        return ["p1"]

    console = audience.views_for(CO, state, online)
    assert console["view"]["co_facilitators"] == [
        {"user": "ben", "may_export": False},
        {"user": "cleo", "may_export": True},
    ]
    assert console["view"]["participants"][0]["connected"] is True
    phone = audience.views_for(MEMBER, state, online)
    assert set(phone) == {"view", "personal"} and len(asked) == 1
    assert "co_facilitators" not in audience.views_for(DISPLAY, state, online)["view"]


def test_the_room_never_knows_the_private_version() -> None:
    assert audience.version_for(OWNER, 9, 4) == 9
    assert audience.version_for(CO, 9, 4) == 9
    assert audience.version_for(MEMBER, 9, 4) == 4
    assert audience.version_for(DISPLAY, 9, 4) == 4


def test_a_phone_that_chose_a_language_listens_in_its_language_room(state: SessionState) -> None:
    offered = ("en", "es", "fr")
    handle(state, c.Join(T0 + 10, "p2", None, "Green", language="fr"))
    handle(state, c.Join(T0 + 11, "p3", None, "Red", language="fr"))
    handle(state, c.SetMemberLanguage(T0 + 12, "p1", "es", offered))
    p2 = Actor(Role.PARTICIPANT, SID, "p2")
    assert audience.rooms_of(MEMBER, state) == ["s1:participants:es", "s1:member:p1"]
    assert audience.rooms_of(p2, state) == ["s1:participants:fr", "s1:member:p2"]
    # One entry per language in use, the session's first: its followers' room.
    assert audience.phone_rooms(state) == {
        "en": ["s1:participants"],
        "es": ["s1:participants:es"],
        "fr": ["s1:participants:fr"],
    }
    handle(state, c.SetSessionLanguage(T0 + 13, "fr", offered))
    assert audience.phone_rooms(state) == {
        "fr": ["s1:participants", "s1:participants:fr"],
        "es": ["s1:participants:es"],
    }
