"""Decide role-plays, prompts, private signals and notes."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import find_role_play, nonempty, not_ended, present_member, running
from facilitator.core.messages import N_, Listing
from facilitator.core.spec import RolePlaySpec
from facilitator.core.state import RolePlay, RolePlayPhase, SessionState

# Unacknowledged signals of one kind a member may have at once. Each stays on the
# console until acknowledged; a cap per kind (not per member) means a few unanswered
# "pass" signals never stop a member from asking for support.
OPEN_SIGNALS_PER_KIND = 3


def _push_role_play(state: SessionState, cmd: c.PushRolePlay) -> list[e.Event]:
    running(state, N_("push a role-play"))
    if state.active_role_play is not None:
        raise DomainError("End the role-play under way first.", "illegal_state")
    spec = cmd.spec
    cast = {role.id for role in spec.roles if not role.observer}
    assigned: dict[str, str | None] = {}
    for role_id, participant_id in cmd.assignments:
        role = spec.role(role_id)
        if role is None:
            raise DomainError("This role-play has no role {role}.", "invalid", role=repr(role_id))
        if role.observer:
            raise DomainError(
                "{role} are everyone not cast: give the role to no one.", "invalid", role=role.name
            )
        if role_id in assigned:
            raise DomainError(
                "{role} is given twice: give each role once.", "invalid", role=role.name
            )
        if participant_id is not None:
            member = present_member(state, participant_id)
            if participant_id in assigned.values():
                raise DomainError(
                    "{name} has two roles: give each member one.", "invalid", name=member.name
                )
        assigned[role_id] = participant_id
    missing = sorted(cast - assigned.keys())
    if missing:
        raise DomainError("Choose who plays {roles}.", "invalid", roles=_names(spec, missing))
    role_play_id = f"role-play-{len(state.role_plays) + 1}"
    return [e.RolePlayPushed(role_play_id, spec, tuple(assigned.items()), cmd.at)]


def _names(spec: RolePlaySpec, role_ids: list[str]) -> Listing:
    return Listing([role.name for role_id in role_ids if (role := spec.role(role_id)) is not None])


def _not_playing(role_play: RolePlay) -> str:
    if role_play.phase is RolePlayPhase.DEBRIEF:
        return N_("The debrief has started already.")
    return N_("This role-play has ended.")


def _start_debrief(state: SessionState, cmd: c.StartDebrief) -> list[e.Event]:
    role_play = find_role_play(state, cmd.role_play_id)
    if role_play.phase is not RolePlayPhase.PLAYING:
        raise DomainError(_not_playing(role_play), "illegal_state")
    return [e.DebriefStarted(role_play.id, cmd.at)]


def _end_role_play(state: SessionState, cmd: c.EndRolePlay) -> list[e.Event]:
    role_play = find_role_play(state, cmd.role_play_id)
    if role_play.phase is RolePlayPhase.ENDED:
        raise DomainError("This role-play has ended already.", "illegal_state")
    return [e.RolePlayEnded(role_play.id, cmd.at)]


def _push_prompt(state: SessionState, cmd: c.PushPrompt) -> list[e.Event]:
    running(state, N_("push a prompt"))
    text = nonempty(cmd.text, N_("a prompt"))
    return [e.PromptPushed(f"prompt-{len(state.prompts) + 1}", text, cmd.at)]


def _clear_prompt(state: SessionState, cmd: c.ClearPrompt) -> list[e.Event]:
    if state.prompt is None:
        raise DomainError("There is no prompt to clear.", "illegal_state")
    return [e.PromptCleared(state.prompt.id, cmd.at)]


def _signal(state: SessionState, cmd: c.SendSignal) -> list[e.Event]:
    if state.seen(cmd.participant_id, cmd.action_id):
        return []
    member = present_member(state, cmd.participant_id)
    not_ended(state, N_("send a signal"))
    waiting = sum(
        1
        for s in state.signals
        if s.participant_id == member.id and s.kind == cmd.kind and not s.acknowledged
    )
    if waiting >= OPEN_SIGNALS_PER_KIND:
        raise DomainError(
            "The facilitator has {count} of your {kind} signals and has not seen them yet;"
            " they are still shown.",
            "too_many_signals",
            count=waiting,
            kind=cmd.kind,
        )
    signal_id = f"signal-{len(state.signals) + 1}"
    return [e.SignalSent(signal_id, member.id, cmd.action_id, cmd.kind, cmd.at)]


def _acknowledge(state: SessionState, cmd: c.AcknowledgeSignal) -> list[e.Event]:
    signal = next((s for s in state.signals if s.id == cmd.signal_id), None)
    if signal is None:
        raise DomainError("There is no such signal in this session.", "not_found")
    if signal.acknowledged:
        raise DomainError("This signal is acknowledged already.", "illegal_state")
    return [e.SignalAcknowledged(signal.id, cmd.at)]


def _note(state: SessionState, cmd: c.AddNote) -> list[e.Event]:
    text = nonempty(cmd.text, N_("a note"))
    return [e.NoteAdded(f"note-{len(state.notes) + 1}", text, cmd.at, cmd.by)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.PushRolePlay: _push_role_play,
    c.StartDebrief: _start_debrief,
    c.EndRolePlay: _end_role_play,
    c.PushPrompt: _push_prompt,
    c.ClearPrompt: _clear_prompt,
    c.SendSignal: _signal,
    c.AcknowledgeSignal: _acknowledge,
    c.AddNote: _note,
}
