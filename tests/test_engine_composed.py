"""Role-plays composed on the console from a member's own situation, and role reversal.
One test per illegal transition."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.composed import compose, find_composed, is_composed
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from facilitator.core.state import RolePlayPhase, SessionState
from tests.factories import ROLE_PLAY, T0, new_session

WRITTEN = {
    "situation": "Sam wants to ask their mother-in-law for time alone with their partner.",
    "other_role": "Mother-in-law",
    "relation": "lives with us",
    "member_card": "Ask for one evening a week alone with your partner.",
    "other_card": "You feel you help a lot and are hurt to be asked to leave.",
    "area": "disputes",
}


def _composed(state: SessionState, **changes: str):
    return compose(state, **{**WRITTEN, **changes})


def _playing_composed() -> SessionState:
    state = new_session(4, start=True)
    spec = _composed(state)
    handle(state, c.PushRolePlay(T0 + 150, spec, (("member", "p1"), ("other", "p2"))))
    return state


def test_a_composed_role_play_is_an_ordinary_spec_with_the_members_situation() -> None:
    state = new_session(2, start=True)
    spec = _composed(state)
    assert (spec.id, spec.title, spec.area, spec.scenario) == (
        "composed-1",
        "With Mother-in-law (lives with us)",
        "disputes",
        WRITTEN["situation"],
    )
    assert [(r.id, r.name, r.setup, r.observer) for r in spec.roles][:2] == [
        ("member", "The member", WRITTEN["member_card"], False),
        ("other", "Mother-in-law (lives with us)", WRITTEN["other_card"], False),
    ]
    assert spec.roles[2].observer and spec.debrief
    assert is_composed(spec) and not is_composed(ROLE_PLAY)


def test_a_composed_role_play_is_pushed_and_logged_like_a_library_one() -> None:
    state = new_session(3, start=True)
    spec = _composed(state)
    events = handle(state, c.PushRolePlay(T0 + 150, spec, (("member", "p1"), ("other", None))))
    assert events == [
        e.RolePlayPushed("role-play-1", spec, (("member", "p1"), ("other", None)), T0 + 150)
    ]
    assert find_composed(state, "composed-1") == spec
    # The next one composed is numbered on; a library id is never found as composed.
    assert _composed(state).id == "composed-2"
    assert find_composed(state, "ask_help") is None


@pytest.mark.parametrize("field", ["situation", "other_role", "member_card", "other_card"])
def test_a_composed_role_play_needs_every_part_written(field: str) -> None:
    state = new_session(2, start=True)
    with pytest.raises(DomainError) as refused:
        _composed(state, **{field: "   "})
    assert refused.value.code == "invalid"


def test_role_reversal_swaps_the_two_main_roles_and_plays_again() -> None:
    state = _playing_composed()
    events = handle(state, c.ReverseRolePlay(T0 + 160, "role-play-1"))
    spec = state.role_plays["role-play-1"].spec
    assert events == [
        e.RolePlayEnded("role-play-1", T0 + 160),
        e.RolePlayPushed(
            "role-play-2",
            spec,
            (("member", "p2"), ("other", "p1")),
            T0 + 160,
            reverses="role-play-1",
        ),
    ]
    assert state.active_role_play == "role-play-2"
    assert state.role_plays["role-play-1"].phase is RolePlayPhase.ENDED
    assert state.role_plays["role-play-2"].reverses == "role-play-1"
    # Reversing the reversal gives the first cast back.
    handle(state, c.ReverseRolePlay(T0 + 170, "role-play-2"))
    assert state.role_plays["role-play-3"].assignments == {"member": "p1", "other": "p2"}


def test_an_ended_role_play_is_reversed_without_ending_it_again() -> None:
    state = new_session(3, start=True)
    handle(state, c.PushRolePlay(T0 + 150, ROLE_PLAY, (("protagonist", "p1"), ("other", None))))
    handle(state, c.EndRolePlay(T0 + 155, "role-play-1"))
    events = handle(state, c.ReverseRolePlay(T0 + 160, "role-play-1"))
    assert [type(ev) for ev in events] == [e.RolePlayPushed]
    assert state.role_plays["role-play-2"].assignments == {"protagonist": None, "other": "p1"}


def test_reversal_is_refused_when_the_session_is_not_running() -> None:
    state = _playing_composed()
    handle(state, c.End(T0 + 200))
    with pytest.raises(DomainError) as refused:
        handle(state, c.ReverseRolePlay(T0 + 210, "role-play-1"))
    assert refused.value.code == "illegal_state"


def test_reversal_of_an_unknown_role_play_is_refused() -> None:
    state = _playing_composed()
    with pytest.raises(DomainError) as refused:
        handle(state, c.ReverseRolePlay(T0 + 160, "role-play-9"))
    assert refused.value.code == "not_found"


def test_reversal_is_refused_while_another_role_play_is_under_way() -> None:
    state = _playing_composed()
    handle(state, c.EndRolePlay(T0 + 155, "role-play-1"))
    handle(state, c.PushRolePlay(T0 + 156, ROLE_PLAY, (("protagonist", "p3"), ("other", None))))
    with pytest.raises(DomainError) as refused:
        handle(state, c.ReverseRolePlay(T0 + 160, "role-play-1"))
    assert refused.value.code == "illegal_state"


def test_reversal_is_refused_when_a_player_has_left() -> None:
    state = _playing_composed()
    handle(state, c.Leave(T0 + 155, "p2"))
    with pytest.raises(DomainError) as refused:
        handle(state, c.ReverseRolePlay(T0 + 160, "role-play-1"))
    assert refused.value.code == "illegal_state"
    assert state.active_role_play == "role-play-1"


def test_reversal_needs_two_main_roles() -> None:
    state = new_session(2, start=True)
    solo = _composed(state)
    solo = type(solo)(solo.id, solo.title, solo.area, solo.scenario, solo.roles[:1], ())
    handle(state, c.PushRolePlay(T0 + 150, solo, (("member", "p1"),)))
    with pytest.raises(DomainError) as refused:
        handle(state, c.ReverseRolePlay(T0 + 160, "role-play-1"))
    assert refused.value.code == "invalid"
