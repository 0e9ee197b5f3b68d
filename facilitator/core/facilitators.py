"""Decide who runs the session besides its owner: inviting and removing co-facilitators.

Who may ask (the owner alone) is the service's to check: the engine knows no accounts.
Both are allowed in every phase, an ended session included, since exports happen after
the end and an export grant may be given then.
"""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import nonempty
from facilitator.core.messages import N_
from facilitator.core.state import SessionState


def _invite(state: SessionState, cmd: c.InviteCoFacilitator) -> list[e.Event]:
    user = nonempty(cmd.user, N_("a co-facilitator's account name"))
    if user == state.owner:
        raise DomainError(
            "{user} owns this session: they need no invitation.", "invalid", user=user
        )
    if state.co_facilitators.get(user) == cmd.may_export:
        return []  # invited already, with the same grant: nothing to change
    # Inviting again with another grant logs the new grant, which then holds.
    return [e.CoFacilitatorInvited(user, cmd.may_export, cmd.at)]


def _remove(state: SessionState, cmd: c.RemoveCoFacilitator) -> list[e.Event]:
    if cmd.user not in state.co_facilitators:
        raise DomainError(
            "{user} is not a co-facilitator of this session.", "not_found", user=cmd.user
        )
    return [e.CoFacilitatorRemoved(cmd.user, cmd.at)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.InviteCoFacilitator: _invite,
    c.RemoveCoFacilitator: _remove,
}
