"""What each audience may see of a session, rendered from state.

Functions of the state alone. The facilitator sees everything but anonymous answers before
reveal; the room display and the participants see nothing that names who answered
what, no results before they are revealed and shown, and no one's private card or
signal. The display alone sees how many have answered the open poll: a count holds
no answer, and phones are not sent it, so that no phone learns when another answered.

The console's long lists (polls, signals, notes) are rendered part by part through
view_memo: a part whose inputs did not change is the one rendered before.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial
from typing import Any

from facilitator.core.composed import is_composed
from facilitator.core.errors import DomainError
from facilitator.core.fidelity import PRE_GROUP
from facilitator.core.poll_kinds import normalize_word, poll_kind
from facilitator.core.polls import reopen_refusal, reveal_refusal
from facilitator.core.spec import PollSpec
from facilitator.core.state import (
    Poll,
    PollPhase,
    RiskAlert,
    RolePlay,
    RolePlayPhase,
    SessionState,
    poll_answer_summary,
)
from facilitator.service import view_memo
from facilitator.service.codes import grouped_code


def facilitator_view(state: SessionState, online: Collection[str]) -> dict[str, Any]:
    """Return the console's view: who runs the session, agenda with notes, roster, polls,
    signals, notes.

    `online` holds the members with a live connection now (service/presence.py): who is
    connected is not in the session's state, which only says who is in the session.
    """
    open_poll = state.polls.get(state.open_poll or "")
    return {
        **_common(state),
        "version": state.version,
        "shown_results": state.shown_results,
        "results_pinned": state.results_pinned,
        "members_present": state.members_present,
        "owner": state.owner,
        "co_facilitators": [
            {"user": user, "may_export": may_export}
            for user, may_export in sorted(state.co_facilitators.items())
        ],
        "locked": state.locked,
        "step_seconds": list(state.step_seconds),  # copied: the state changes it in place
        "agenda": [
            {
                "kind": step.kind.value,
                "title": step.title,
                "minutes": step.minutes,
                "note": step.note,
                "poll": step.poll,
                "role_play": step.role_play,
            }
            for step in state.agenda
        ],
        "participants": _roster(state, online, open_poll),
        "polls": facilitator_polls(state),
        "role_plays": [
            {
                **_role_play(rp),
                "assignments": rp.assignments,
                "setups": {role.id: role.setup for role in rp.spec.roles},
                "role_names": {role.id: role.name for role in rp.spec.roles},
                "composed": is_composed(rp.spec),
                "reverses": rp.reverses,
            }
            for rp in state.role_plays.values()
        ],
        "signals": _signals(state),
        "risk_alerts": [risk_alert(state, a) for a in state.risk_alerts],
        "notes": _notes(state),
        **fidelity_view(state),
    }


def _signals(state: SessionState) -> list[dict[str, Any]]:
    # A signal changes only when acknowledged (one more acknowledged each time), and its
    # member's name only when they are erased.
    acknowledged = sum(1 for s in state.signals if s.acknowledged)
    key = (len(state.signals), acknowledged, erased_count(state))
    return view_memo.cached(
        state,
        "signals",
        key,
        lambda: [
            {
                "id": s.id,
                "participant_id": s.participant_id,
                "name": state.participants[s.participant_id].name,
                "kind": s.kind.value,
                "at": s.at,
                "acknowledged": s.acknowledged,
                "acknowledged_at": s.acknowledged_at,
            }
            for s in state.signals
        ],
    )


def _notes(state: SessionState) -> list[dict[str, Any]]:
    # Notes are only ever added.
    return view_memo.cached(
        state,
        "notes",
        len(state.notes),
        lambda: [
            {"id": n.id, "text": n.text, "at": n.at, "step": n.step, "by": n.by}
            for n in state.notes
        ],
    )


def erased_count(state: SessionState) -> int:
    """Return how many members were erased: names change, and answers go, only then."""
    return sum(1 for member in state.participants.values() if member.erased)


def fidelity_view(state: SessionState) -> dict[str, Any]:
    """Return the console's fidelity checklist and, at the meeting before the group, each
    member's decision: records for the facilitators and their supervisor only."""
    record = state.fidelity
    return {
        "checklist": list(state.checklist),
        "fidelity": None
        if record is None
        else {
            "items": [{"text": item.text, "done": item.done} for item in record.items],
            "reflection": record.reflection,
            "by": record.by,
            "at": record.at,
        },
        "pre_group": state.session_number == PRE_GROUP,
        "decisions": {
            pid: {"decision": d.decision, "note": d.note, "by": d.by, "at": d.at}
            for pid, d in state.decisions.items()
        },
    }


def risk_alert(state: SessionState, alert: RiskAlert, title: str = "") -> dict[str, Any]:
    """Return one risk alert in words: who, which instrument and item, the score and what
    it means, and what was done about it. For the facilitators alone."""
    poll = state.polls[alert.poll_id]
    spec = poll.spec
    item = next(i for i, it in enumerate(spec.items) if it.id == alert.item_id)
    answer = poll.answers.get(alert.participant_id)
    choice = answer[item] if isinstance(answer, list) and item < len(answer) else None
    return {
        "id": alert.id,
        "participant_id": alert.participant_id,
        "name": state.participants[alert.participant_id].name,
        "poll_id": alert.poll_id,
        "instrument": title or spec.id,
        "item_id": alert.item_id,
        "item": f"item {item + 1}",
        "item_text": spec.items[item].text,
        "score": spec.scores[choice] if choice is not None else None,
        "max_score": max(spec.scores) if spec.scores else None,
        "meaning": spec.options[choice] if choice is not None else "",
        "at": alert.at,
        "open": alert.open,
        "action": alert.action.value if alert.action else None,
        "note": alert.note,
        "acted_at": alert.acted_at,
        "acted_by": alert.acted_by,
    }


def participant_view(state: SessionState) -> dict[str, Any]:
    """Return what every member's phone shows; the same for all members."""
    poll = state.polls.get(state.open_poll or "")
    return {
        **_common(state),
        "poll": _question(poll) if poll else None,
    }


def personal_view(state: SessionState, participant_id: str) -> dict[str, Any]:
    """Return what only this member sees: who they are, what they answered, their card."""
    member = state.participants[participant_id]
    active = state.role_plays.get(state.active_role_play or "")
    return {
        "id": member.id,
        "name": member.name,
        "present": member.present,
        "removed": member.removed,
        "answered": sorted(p.id for p in state.polls.values() if member.id in p.voters),
        "card": role_card(active, participant_id) if active else None,
        "crisis": any(a.participant_id == participant_id for a in state.risk_alerts),
        # Their own signals only, so that the phone can say which the facilitator has seen.
        "signals": [
            {"id": s.id, "kind": s.kind.value, "at": s.at, "seen": s.acknowledged}
            for s in state.signals
            if s.participant_id == participant_id
        ],
    }


def display_view(state: SessionState) -> dict[str, Any]:
    """Return the room display's view: code, step, timer, shown results, scenario, and
    how many have answered the open poll (a count, never what)."""
    return {
        **_common(state),
        "join_code": grouped_code(state.join_code),
        "locked": state.locked,
        "members_present": state.members_present,
        "poll_open": poll_open(state),
    }


def poll_open(state: SessionState) -> dict[str, Any] | None:
    """Return the open poll as the display counts it, or None (also for a facilitator-only
    poll, which the room is not asked). The count holds no answer; phones never get it."""
    poll = state.polls.get(state.open_poll or "")
    if poll is None or poll.spec.facilitator_only:
        return None
    return {**answer_count(state, poll), "question": poll.spec.question}


def answer_count(state: SessionState, poll: Poll) -> dict[str, Any]:
    """Return how many have answered `poll`, of the members present who can answer it."""
    return {"poll_id": poll.id, "count": poll.count, "of": state.may_answer(poll)}


def role_card(role_play: RolePlay, participant_id: str) -> dict[str, Any]:
    """Return the private card of one member: their role, or the observers' card."""
    role_id = next((r for r, p in role_play.assignments.items() if p == participant_id), None)
    role = role_play.spec.role(role_id) if role_id else None
    if role is None:
        role = next((r for r in role_play.spec.roles if r.observer), None)
    return {
        "role_play_id": role_play.id,
        "role": role.name if role else "Observer",
        "setup": role.setup if role else "",
        "observer": role is None or role.observer,
    }


def _common(state: SessionState) -> dict[str, Any]:
    step = state.agenda[state.current_step] if state.current_step is not None else None
    active = state.role_plays.get(state.active_role_play or "")
    prompt = state.prompt
    return {
        "session_id": state.id,
        # Members and the display count public events only (see Event.public).
        "version": state.public_version,
        "title": state.title,
        "protocol_id": state.protocol_id,
        "session_number": state.session_number,
        "phase": state.phase.value,
        "step": None
        if step is None
        else {
            "index": state.current_step,
            "of": len(state.agenda),
            "kind": step.kind.value,
            "title": step.title,
            "minutes": step.minutes,
            "entered_at": state.step_entered_at,
        },
        "role_play": _role_play(active) if active else None,
        "prompt": {"id": prompt.id, "text": prompt.text} if prompt else None,
        "results": _results(state),
    }


def _results(state: SessionState) -> list[dict[str, Any]]:
    # Only the poll put up can be shown: looked up, not searched for among every poll.
    poll = state.polls.get(state.shown_results or "")
    return [_revealed(state, poll)] if poll is not None and _shown(state, poll) else []


def _shown(state: SessionState, poll: Poll) -> bool:
    # Every condition, always: put up by the facilitator, revealed, at least k answers.
    return state.shown_results == poll.id and _results_seen(poll)


def _results_seen(poll: Poll) -> bool:
    """Tell whether anyone may see `poll`'s results: revealed, with at least k answers."""
    return (
        poll.phase is PollPhase.REVEALED
        and not poll.spec.facilitator_only
        and poll.count >= poll.threshold
    )


def _revealed(state: SessionState, poll: Poll) -> dict[str, Any]:
    return {
        "poll_id": poll.id,
        **_spec(poll.spec),
        "summary": _room_summary(poll),
        "pinned": state.results_pinned,
    }


def _room_summary(poll: Poll) -> dict[str, Any]:
    """Return a poll's results as the room sees them: without the words a facilitator hid."""
    summary = poll_answer_summary(poll)
    if "words" in summary:
        hidden = set(poll.hidden_words)
        summary["words"] = [w for w in summary["words"] if w["word"] not in hidden]
        summary["texts"] = [t for t in summary["texts"] if normalize_word(t) not in hidden]
    return summary


def _console_summary(poll: Poll) -> dict[str, Any]:
    """Return a poll's results as the console sees them: hidden words marked, not dropped."""
    summary = poll_answer_summary(poll)
    if "words" in summary:
        hidden = set(poll.hidden_words)
        summary["words"] = [{**w, "hidden": w["word"] in hidden} for w in summary["words"]]
    return summary


def _question(poll: Poll) -> dict[str, Any]:
    return {"poll_id": poll.id, **_spec(poll.spec)}


def _spec(spec: PollSpec) -> dict[str, Any]:
    return {
        "question": spec.question,
        "type": spec.type.value,
        "anonymous": spec.anonymous,
        **poll_kind(spec.type).question(spec),
    }


def facilitator_polls(state: SessionState) -> list[dict[str, Any]]:
    """Return every poll of the session as the console sees it."""
    return [view for _, view in keyed_polls(state)]


def keyed_polls(state: SessionState) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Return every poll as the console sees it, each with the key it was rendered under:
    everything its view is made from, so that an unchanged key means an unchanged view."""
    # Looked at again only after an event that may have changed a poll (see
    # SessionState.poll_changes): a prompt or a note in a long session visits none.
    return view_memo.cached(state, "keyed polls", state.poll_changes, partial(_keyed_polls, state))


def _keyed_polls(state: SessionState) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    present = state.members_present
    phones = state.may_answer_on_phones()
    around = (present, phones, erased_count(state), state.phase, state.open_poll is None)
    shown = state.shown_results
    parts = view_memo.table(state)
    found = []
    for poll in state.polls.values():
        key = (
            id(poll.spec),  # never replaced while the state lives
            poll.phase,
            poll.closed_at,
            poll.step,
            poll.count,
            len(poll.answers),
            len(poll.entered),
            len(poll.ballots),
            tuple(poll.hidden_words) if poll.hidden_words else (),
            poll.seen_count,
            poll.reopened,
            poll.id == shown,
            around,
        )
        # Looked up in place, not through view_memo.cached: a long session has hundreds.
        name = ("poll", poll.id)
        kept = parts.get(name)
        if kept is not None and kept[0] == key:
            view = kept[1]
        else:
            view = _facilitator_poll(state, poll)
            parts[name] = (key, view)
        found.append((key, view))
    return found


def _roster(state: SessionState, online: Collection[str], open_poll: Poll | None) -> list[Any]:
    """Return the console's roster, each member's row the one rendered before unless
    something it shows changed.

    An answer changes one row of a thousand, and the console's view is rendered again
    after a burst of them: rows kept as they were cost a comparison instead of a new
    dictionary, and the patch to the view skips each of them, or the whole roster when
    no row changed, by identity."""
    parts = view_memo.table(state)
    voters: Collection[str] = open_poll.voters if open_poll is not None else ()
    rows = []
    for member in state.participants.values():
        present = member.present
        key = (
            member.name,
            present,
            present and member.id in online,
            member.removed,
            member.erased,
            member.no_phone,
            member.id in voters,
        )
        name = ("member", member.id)
        kept = parts.get(name)
        if kept is not None and kept[0] == key:
            rows.append(kept[1])
            continue
        row = {
            "id": member.id,
            "name": key[0],
            "connected": key[2],
            "present": present,
            "removed": key[3],
            "erased": key[4],
            "no_phone": key[5],
            "answered": key[6],
        }
        parts[name] = (key, row)
        rows.append(row)
    before = parts.get("roster")
    if before is not None and len(before[1]) == len(rows):
        kept_rows: list[Any] = before[1]
        if all(a is b for a, b in zip(kept_rows, rows, strict=True)):
            return kept_rows
    parts["roster"] = ((), rows)
    return rows


def _said(refusal: DomainError) -> dict[str, Any]:
    params = {k: v if isinstance(v, int | float) else str(v) for k, v in refusal.params.items()}
    return {"text": refusal.template, "params": params}


def _facilitator_poll(state: SessionState, poll: Poll) -> dict[str, Any]:
    refusal = reveal_refusal(poll)
    view: dict[str, Any] = {
        **_question(poll),
        "spec_id": poll.spec.id,
        "phase": poll.phase.value,
        "count": poll.count,
        "of": state.may_answer(poll),
        "threshold": poll.threshold,
        "facilitator_only": poll.spec.facilitator_only,
        "step": poll.step,
        "shown": _shown(state, poll),
        # Why Reveal would be refused now, in the refusal's own words; None: it would not.
        "reveal_blocked": refusal.message if refusal is not None else None,
        # The same as its template and values, which the console says in its language.
        "reveal_blocked_why": _said(refusal) if refusal is not None else None,
        "can_reopen": reopen_refusal(state, poll) is None,
    }
    if poll.spec.anonymous:
        # Rule 2: before reveal the facilitator sees how many answered, not what.
        view["summary"] = _console_summary(poll) if _results_seen(poll) else None
        return view
    names = {pid: state.participants[pid].name for pid in poll.answers}
    view["answers"] = [
        {
            "participant_id": pid,
            "name": names[pid],
            "answer": answer,
            "entered_by": poll.entered.get(pid, ""),
        }
        | poll_kind(poll.spec.type).answer_extra(poll.spec, answer)
        for pid, answer in poll.answers.items()
    ]
    view["summary"] = _console_summary(poll)
    return view


def _role_play(role_play: RolePlay) -> dict[str, Any]:
    spec = role_play.spec
    return {
        "id": role_play.id,
        "spec_id": spec.id,
        "title": spec.title,
        "area": spec.area,
        "scenario": spec.scenario,
        "phase": role_play.phase.value,
        "roles": [role.name for role in spec.roles if not role.observer],
        "debrief": list(spec.debrief) if role_play.phase is RolePlayPhase.DEBRIEF else [],
    }
