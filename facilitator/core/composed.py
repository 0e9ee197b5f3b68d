"""Role-plays composed on the console from a member's own situation, and role reversal.

A composed role-play is an ordinary RolePlaySpec: pushed, cast, played, debriefed and
logged exactly as one from the protocol's library.
"""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import find_role_play, nonempty, present_member, running
from facilitator.core.messages import N_
from facilitator.core.spec import RolePlaySpec, RoleSpec
from facilitator.core.state import RolePlayPhase, SessionState

#: Spec ids of composed role-plays start with this; library ids are the protocol's.
COMPOSED = "composed-"
MEMBER_ROLE = "member"
OTHER_ROLE = "other"
OBSERVERS_CARD = "Watch what helps the member say what they need, and what gets in the way."
DEBRIEF = (
    "How did that feel?",
    "What worked well?",
    "What would you say differently?",
    "What did the observers notice?",
    "What will you try this week?",
)


def compose(
    state: SessionState,
    *,
    situation: str,
    other_role: str,
    relation: str,
    member_card: str,
    other_card: str,
    area: str = "",
) -> RolePlaySpec:
    """Return a role-play from what the facilitator wrote: the member's situation in a
    sentence, the other person's role and relation to the member, and both cards."""
    other = nonempty(other_role, N_("the other person's role"))
    relation = relation.strip()
    number = 1 + len({rp.spec.id for rp in state.role_plays.values() if is_composed(rp.spec)})
    return RolePlaySpec(
        id=f"{COMPOSED}{number}",
        title=f"With {other}" + (f" ({relation})" if relation else ""),
        area=area.strip(),
        scenario=nonempty(situation, N_("the member's situation")),
        roles=(
            RoleSpec(MEMBER_ROLE, "The member", nonempty(member_card, N_("the member's card"))),
            RoleSpec(
                OTHER_ROLE,
                f"{other} ({relation})" if relation else other,
                nonempty(other_card, N_("the other person's card")),
            ),
            RoleSpec("observers", "Observers", OBSERVERS_CARD, observer=True),
        ),
        debrief=DEBRIEF,
    )


def is_composed(spec: RolePlaySpec) -> bool:
    return spec.id.startswith(COMPOSED)


def find_composed(state: SessionState, spec_id: str) -> RolePlaySpec | None:
    """Return a role-play composed earlier in this session, to be pushed again."""
    return next(
        (
            rp.spec
            for rp in state.role_plays.values()
            if rp.spec.id == spec_id and is_composed(rp.spec)
        ),
        None,
    )


def _reverse(state: SessionState, cmd: c.ReverseRolePlay) -> list[e.Event]:
    running(state, N_("reverse a role-play"))
    played = find_role_play(state, cmd.role_play_id)
    if state.active_role_play not in (None, played.id):
        raise DomainError(
            "End the role-play under way first, then reverse this one.", "illegal_state"
        )
    main = [role.id for role in played.spec.roles if not role.observer][:2]
    if len(main) < 2:
        raise DomainError("A role-play needs two main roles to reverse.", "invalid")
    first, second = (played.assignments.get(role) for role in main)
    for participant_id in (first, second):
        if participant_id is not None:
            present_member(state, participant_id)
    # The two players swap cards; everyone else keeps theirs.
    swapped = {**played.assignments, main[0]: second, main[1]: first}
    events: list[e.Event] = []
    if played.phase is not RolePlayPhase.ENDED:
        events.append(e.RolePlayEnded(played.id, cmd.at))
    role_play_id = f"role-play-{len(state.role_plays) + 1}"
    events.append(
        e.RolePlayPushed(
            role_play_id, played.spec, tuple(swapped.items()), cmd.at, reverses=played.id
        )
    )
    return events


DECIDERS: dict[type[c.Command], Decider] = {c.ReverseRolePlay: _reverse}
