"""Who is who in a session, and what each may do, hear and see.

The one place that decides, for every seat in a session: the events it may send, the
rooms it listens in, the views it is sent, the version it may know, and what it may do
to the session itself (run it, export it, delete it, invite others to run it). The
transport asks here; the service enforces here; nothing else decides these.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from enum import StrEnum
from typing import Any, Protocol

from facilitator.core import events as e
from facilitator.core.course_state import CourseState
from facilitator.core.messages import N_
from facilitator.core.state import SessionState
from facilitator.errors import Refused
from facilitator.service.tokens import Actor, Role
from facilitator.service.views import (
    answer_count,
    display_view,
    facilitator_view,
    participant_view,
    personal_view,
    poll_open,
)
from facilitator.service.wording import Wording


class Seat(StrEnum):
    """Where an actor sits in one session: their token's role, seen against the session."""

    OWNER = "owner"
    CO_FACILITATOR = "co_facilitator"
    MEMBER = "member"
    DISPLAY = "display"


# -- events ---------------------------------------------------------------------------

#: The console's commands: the owner and co-facilitators alike may send every one.
FACILITATOR_COMMANDS = frozenset(
    {
        "start_session",
        "next_step",
        "previous_step",
        "jump_to_step",
        "end_session",
        "lock_joining",
        "unlock_joining",
        "remove_participant",
        "open_poll",
        "close_poll",
        "reveal_poll",
        "show_results",
        "hide_results",
        "pin_results",
        "reopen_poll",
        "hide_word",
        "push_role_play",
        "start_debrief",
        "end_role_play",
        "push_prompt",
        "clear_prompt",
        "acknowledge_signal",
        "record_risk_action",
        "enter_answer",
        "add_member",
        "record_course_risk_action",
        "add_note",
        "member_round_next",
        "member_round_previous",
        "compose_role_play",
        "reverse_role_play",
        "record_fidelity",
        "record_decision",
        "set_language",
    }
)
MEMBER_ACTIONS = frozenset(
    {"submit_answer", "send_signal", "leave_session", "set_step", "review_step", "choose_language"}
)
EVERYONE = frozenset({"sync"})

#: The events each kind of token may send. Which session a facilitator may send them to
#: is decided against the session (`seat_of`); this is the check before any payload is read.
EVENTS: dict[Role, frozenset[str]] = {
    Role.FACILITATOR: FACILITATOR_COMMANDS | EVERYONE,
    Role.PARTICIPANT: MEMBER_ACTIONS | EVERYONE,
    Role.DISPLAY: EVERYONE,
}
ALL_EVENTS = frozenset().union(*EVENTS.values())

#: What the server sends: views, the display's answer count, and the two notices that a
#: screen must stop.
VIEW, PERSONAL = "view", "personal"
# To consoles after each change: what changed since the view they hold (service/view_patch.py).
VIEW_PATCH = "view_patch"
ANSWER_COUNT = "answer_count"  # to the room display after each answer to the open poll
SESSION_DELETED = "session_deleted"  # to every screen of a session as it is erased
ACCESS_ENDED = "access_ended"  # to a co-facilitator's consoles as they are removed
SERVER_EVENTS = frozenset({VIEW, VIEW_PATCH, PERSONAL, ANSWER_COUNT, SESSION_DELETED, ACCESS_ENDED})


def check_event(actor: Actor, event: str) -> None:
    """Refuse an event that `actor`'s kind of token may never send."""
    if event not in EVENTS[actor.role]:
        raise Refused("forbidden", "A {role} may not send {event}.", role=actor.role, event=event)


# -- seats and what they may do -------------------------------------------------------


def seat_of(actor: Actor, state: SessionState) -> Seat:
    """Return where `actor` sits in this session, or refuse one who has no seat in it."""
    if actor.role is Role.FACILITATOR:
        if actor.user and actor.user == state.owner:
            return Seat.OWNER
        if actor.user in state.co_facilitators:
            return Seat.CO_FACILITATOR
        raise Refused("forbidden", "You do not run this session.")
    if actor.role is Role.DISPLAY:
        return Seat.DISPLAY
    member = state.participants.get(actor.participant_id)
    if member is not None and member.removed:
        raise Refused("removed", "You were removed from this session.")
    return Seat.MEMBER


def admit(actor: Actor, state: SessionState) -> Seat:
    """Return the seat of a connection opening now; a member who left may not come back."""
    seat = seat_of(actor, state)
    if seat is Seat.MEMBER:
        member = state.participants.get(actor.participant_id)
        if member is None or not member.present:
            raise Refused("left", "You are no longer in this session.")
    return seat


def check_runs(actor: Actor, state: SessionState) -> Seat:
    """Refuse anyone but the session's facilitators (its owner and co-facilitators)."""
    seat = seat_of(actor, state) if actor.role is Role.FACILITATOR else None
    if seat not in (Seat.OWNER, Seat.CO_FACILITATOR):
        raise Refused("forbidden", "You do not run this session.")
    return seat


def check_owns(actor: Actor, state: SessionState, what: str) -> None:
    """Refuse anyone but the owner: only they delete a session or choose who runs it."""
    if check_runs(actor, state) is not Seat.OWNER:
        raise Refused(
            "forbidden",
            "Only the facilitator who opened this session may {what}.",
            what=N_(what),
        )


def check_exports(actor: Actor, state: SessionState) -> None:
    """Refuse an export to anyone but the owner and co-facilitators granted exports."""
    if check_runs(actor, state) is Seat.OWNER or state.co_facilitators.get(actor.user):
        return
    raise Refused(
        "forbidden", "The facilitator who opened this session has not shared its exports."
    )


def may_export(user: str, state: SessionState) -> bool:
    return user == state.owner or bool(state.co_facilitators.get(user))


# -- courses --------------------------------------------------------------------------


class CourseSeat(StrEnum):
    """Where a facilitator account sits in a course."""

    OWNER = "owner"
    CO_FACILITATOR = "co_facilitator"
    SUPERVISOR = "supervisor"


def course_seat(user: str, course: CourseState) -> CourseSeat:
    """Return where `user` sits in the course, or refuse one who has no seat in it."""
    if user and user == course.owner:
        return CourseSeat.OWNER
    if user in course.co_facilitators:
        return CourseSeat.CO_FACILITATOR
    if user in course.supervisors:
        return CourseSeat.SUPERVISOR
    raise Refused("forbidden", "You do not run or supervise this course.")


def check_course_reads(user: str, course: CourseState) -> CourseSeat:
    """Refuse anyone who neither runs nor supervises the course: summaries are theirs."""
    return course_seat(user, course)


def check_course_runs(user: str, course: CourseState) -> CourseSeat:
    """Refuse anyone but the course's facilitators: a supervisor only reads."""
    seat = course_seat(user, course)
    if seat is CourseSeat.SUPERVISOR:
        raise Refused("forbidden", "A supervisor reads this course's summaries but runs nothing.")
    return seat


def check_course_owns(user: str, course: CourseState, what: str) -> None:
    if check_course_runs(user, course) is not CourseSeat.OWNER:
        raise Refused(
            "forbidden", "Only the facilitator who opened this course may {what}.", what=N_(what)
        )


def check_course_exports(user: str, course: CourseState) -> None:
    """Exports go to the owner, co-facilitators granted them, and supervisors."""
    seat = course_seat(user, course)
    if seat is CourseSeat.CO_FACILITATOR and not course.co_facilitators.get(user):
        raise Refused(
            "forbidden", "The facilitator who opened this course has not shared its exports."
        )


# -- rooms ----------------------------------------------------------------------------


def facilitator_room(session_id: str) -> str:
    return f"{session_id}:facilitator"


def facilitator_user_room(session_id: str, user: str) -> str:
    """One facilitator's consoles of a session: closed together when they stop running it."""
    return f"{session_id}:facilitator:{user}"


def participants_room(session_id: str) -> str:
    return f"{session_id}:participants"


def language_room(session_id: str, language: str) -> str:
    """The phones of a session that chose to read `language`; those that chose none, and
    follow the session's language, are in the participants' room, so that they need not
    move when the facilitator changes it."""
    return f"{session_id}:participants:{language}" if language else participants_room(session_id)


def display_room(session_id: str) -> str:
    return f"{session_id}:display"


def member_room(session_id: str, participant_id: str) -> str:
    return f"{session_id}:member:{participant_id}"


def session_rooms(session_id: str, languages: Sequence[str] = ()) -> list[str]:
    """Every room with someone of the session in it, members' own rooms aside; with the
    rooms of the phones that chose one of `languages` (the protocol's)."""
    return [
        facilitator_room(session_id),
        participants_room(session_id),
        display_room(session_id),
        *(language_room(session_id, language) for language in languages),
    ]


def rooms_of(actor: Actor, state: SessionState | None = None) -> list[str]:
    """Return the rooms a connection of `actor` listens in.

    A phone listens in the room of the language it chose (its member's, in `state`):
    the shared view is built once per language in use and sent to each such room.
    """
    sid = actor.session_id
    if actor.role is Role.FACILITATOR:
        return [facilitator_room(sid), facilitator_user_room(sid, actor.user)]
    if actor.role is Role.DISPLAY:
        return [display_room(sid)]
    member = state.participants.get(actor.participant_id) if state else None
    chosen = member.language if member else ""
    return [language_room(sid, chosen), member_room(sid, actor.participant_id)]


def phone_rooms(state: SessionState) -> dict[str, list[str]]:
    """Return, per language phones read, the rooms its shared view goes to.

    One entry per language in use (the session's, and each a present member chose), so
    that the views built per change grow with the languages, not with the phones.
    """
    sid = state.id
    rooms: dict[str, list[str]] = {state.language: [language_room(sid, "")]}
    for member in state.participants.values():
        if member.present and member.language:
            chosen = rooms.setdefault(member.language, [])
            room = language_room(sid, member.language)
            if room not in chosen:
                chosen.append(room)
    return rooms


# -- views and versions ---------------------------------------------------------------


class Extras(Protocol):
    """What a session's views add from beyond the session, e.g. the course it meets for."""

    def console(self, state: SessionState) -> dict[str, Any]:
        """Return fields the console's view adds; {} when there are none."""

    def personal(self, state: SessionState, participant_id: str) -> dict[str, Any]:
        """Return fields one member's personal view adds; {} when there are none."""

    def console_mark(self, state: SessionState) -> str:
        """Return what the console's fields depend on beyond the session (a course's
        version): two views of one session version under one mark are the same."""


class NoExtras:
    def console(self, state: SessionState) -> dict[str, Any]:
        return {}

    def personal(self, state: SessionState, participant_id: str) -> dict[str, Any]:
        return {}

    def console_mark(self, state: SessionState) -> str:
        return ""


NO_EXTRAS = NoExtras()


def _read_in(wording: Wording | None, state: SessionState, language: str) -> SessionState:
    return wording.read_in(state, language) if wording else state


def _languages(wording: Wording | None, state: SessionState, language: str) -> dict[str, Any]:
    """Say which language a view's protocol texts are in, and which others are offered."""
    offered = wording.languages(state) if wording else (state.language,)
    return {"language": language, "languages": list(offered)}


def console_view(
    state: SessionState,
    online: Collection[str],
    extras: Extras = NO_EXTRAS,
    wording: Wording | None = None,
) -> dict[str, Any]:
    """Return the view every console of the session is sent, in the session's language."""
    local = _read_in(wording, state, state.language)
    return {
        **facilitator_view(local, online),
        **extras.console(local),
        **_languages(wording, state, state.language),
    }


def member_view(
    state: SessionState,
    participant_id: str,
    extras: Extras = NO_EXTRAS,
    wording: Wording | None = None,
) -> dict[str, Any]:
    """Return the personal view one member's phones are sent, in the language they read."""
    language = state.language_of(participant_id)
    local = _read_in(wording, state, language)
    member = state.participants.get(participant_id)
    return {
        **personal_view(local, participant_id),
        **extras.personal(local, participant_id),
        **_languages(wording, state, language),
        # The phone's own choice; "" while it follows the session's language.
        "chosen_language": member.language if member else "",
    }


def room_view(
    state: SessionState, language: str | None = None, wording: Wording | None = None
) -> dict[str, Any]:
    """Return the view every member's phone of one language shows: the same for all."""
    language = language or state.language
    local = _read_in(wording, state, language)
    return {**participant_view(local), **_languages(wording, state, language)}


def screen_view(state: SessionState, wording: Wording | None = None) -> dict[str, Any]:
    """Return the room display's view: it follows the session's language."""
    local = _read_in(wording, state, state.language)
    return {**display_view(local), **_languages(wording, state, state.language)}


# Private events that change what the display shows (who is here, whether joining is
# open) but not what phones show: the display's view is sent again, its version unmoved.
_DISPLAY_CHANGES = (e.JoiningLocked, e.JoiningUnlocked, e.ParticipantJoined, e.ParticipantLeft)


def display_changed(events: Sequence[e.Event]) -> bool:
    """Tell whether the display's view changed though no public event happened."""
    return any(isinstance(event, _DISPLAY_CHANGES) for event in events)


def display_answer_count(state: SessionState, events: Sequence[e.Event]) -> dict[str, Any] | None:
    """Return the count the display is sent after answers to the open poll, or None.

    A count only, to the display only: it moves no version and reaches no phone.
    """
    counted = {
        event.poll_id
        for event in events
        if isinstance(event, (e.AnonymousVoteCounted, e.NamedAnswerRecorded))
    }
    if state.open_poll not in counted or poll_open(state) is None:
        return None
    return answer_count(state, state.polls[state.open_poll])


def views_for(
    actor: Actor,
    state: SessionState,
    online: Callable[[], Collection[str]],
    extras: Extras = NO_EXTRAS,
    wording: Wording | None = None,
) -> dict[str, Any]:
    """Return the view (and for a member, the personal part) that `actor` may see.

    `online` is asked only for a console's view: only that one shows who is connected.
    """
    if actor.role is Role.FACILITATOR:
        return {"view": console_view(state, online(), extras, wording)}
    if actor.role is Role.DISPLAY:
        return {"view": screen_view(state, wording)}
    language = state.language_of(actor.participant_id)
    return {
        "view": room_view(state, language, wording),
        "personal": member_view(state, actor.participant_id, extras, wording),
    }


def ends_with_signin(actor: Actor) -> bool:
    """Tell whether a connection of `actor` closes when its sign-in or its seat ends.

    Consoles and displays are opened by a signed-in facilitator; phones hold no sign-in.
    """
    return actor.role is not Role.PARTICIPANT


def version_for(actor: Actor, version: int, public_version: int) -> int:
    """Return the version `actor` may know: the room never sees private events counted."""
    return version if actor.role is Role.FACILITATOR else public_version
