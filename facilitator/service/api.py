"""The service's one entry point: a method per thing a person can do, in plain values.

Socket.IO events and HTTP routes are tables over these methods (transport/); each
method says who may do it through the audience module, does it through the engine
and the store, and answers with plain values or raises Refused, DomainError or
StorageError, which the edge turns into the one error shape.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol

from facilitator.catalogs import Catalogs, shipped
from facilitator.core import commands as c
from facilitator.core import composed
from facilitator.core.engine import fold
from facilitator.core.errors import DomainError
from facilitator.core.events import ParticipantLeft, SessionEnded
from facilitator.core.messages import N_
from facilitator.core.spec import RolePlaySpec
from facilitator.core.state import RiskAction, SessionState, SignalKind
from facilitator.errors import Refused
from facilitator.languages import DEFAULT_LANGUAGE, direction, own_name
from facilitator.library.catalog import Catalog
from facilitator.library.loader import Instrument
from facilitator.service import audience, audit, exports
from facilitator.service.codes import grouped_code, new_pseudonym
from facilitator.service.consent import consent_text
from facilitator.service.course_actions import CourseActions
from facilitator.service.courses import CourseService
from facilitator.service.crisis import CrisisResources
from facilitator.service.presence import Presence
from facilitator.service.resync import Resync, SendHere
from facilitator.service.sessions import MakeCommand, Outcome, SessionService
from facilitator.service.signins import SignIns
from facilitator.service.tokens import Actor, MembershipSigner, Role, TokenSigner
from facilitator.service.withdrawal import Withdrawal
from facilitator.service.wording import offered_language, requested_tag
from facilitator.storage.base import Store

#: The kinds of signal a member may send, as the payload names them.
SIGNAL_KINDS = tuple(kind.value for kind in SignalKind)
# A member who left still gets the ack of leave_session before their connection closes.
CLOSE_DEPARTED_AFTER = 0.2
# Long enough for the last message to leave before a connection is closed.
CLOSE_AFTER_NOTICE = 0.5


class Gateway(Protocol):
    """How the service reaches connected clients: implemented by the transport."""

    def send(self, event: str, data: dict[str, Any], room: str) -> None:
        """Send to everyone in `room`, on every process."""

    def send_here(self, event: str, data: dict[str, Any], room: str) -> None:
        """Send to this process's clients in `room` only."""

    def notify(self, event: str, message: str, room: str) -> None:
        """Send {"message"} to everyone in `room`, on every process, each in the language
        their connection chose; `message` is English, marked with N_."""

    def close_here(self, room: str, delay: float) -> None:
        """Close this process's connections in `room`, `delay` seconds from now."""

    def defer(self, delay: float, call: Callable[[], None]) -> None:
        """Run `call` after `delay` seconds, off the caller's stack."""


@dataclass(frozen=True)
class Admission:
    """A connection let in: who it is, and the rooms it listens in."""

    actor: Actor
    rooms: list[str]
    # Closed once its sign-in ends or its facilitator stops running the session (`ended`).
    may_end: bool


@dataclass(frozen=True)
class Download:
    body: str | bytes
    mimetype: str
    filename: str
    # A page to show (the printable summary) rather than a file to save.
    inline: bool = False


EXPORTS = ("log.jsonl", "results.csv", "summary.html")


class Service(CourseActions, Withdrawal):
    """Everything the app does, one method per action (course actions: course_actions.py)."""

    def __init__(
        self,
        sessions: SessionService,
        courses: CourseService,
        signer: TokenSigner,
        memberships: MembershipSigner,
        signins: SignIns,
        presence: Presence,
        gateway: Gateway,
        admins: Sequence[str] = (),
        crisis: CrisisResources | None = None,
        consent_file: Path | None = None,
        time_zone: tzinfo | None = None,
        catalogs: Catalogs | None = None,
    ) -> None:
        self.sessions = sessions
        self.courses = courses
        self._memberships = memberships
        self.signins = signins
        self._store: Store = sessions.store
        self._catalog: Catalog = sessions.catalog
        self._signer = signer
        self._presence = presence
        self._gateway = gateway
        self._admins = tuple(admins)
        self._crisis = crisis or CrisisResources()
        self._consent_file = consent_file
        # The zone of the printed summaries' times; None for the host's own.
        self._time_zone = time_zone
        # The words of the printed summaries, in the language of their session or course.
        self._catalogs = catalogs or shipped()

    # -- connections ------------------------------------------------------------------

    def admit(self, token: object, address: str) -> Admission:
        """Let a connection in by its token: its role and session come from the token."""
        actor = replace(self._signer.verify(token), address=address)
        state = self.sessions.current(actor.session_id)
        audience.admit(actor, state)
        if audience.ends_with_signin(actor):
            self.signins.check_token(actor.signin)
        return Admission(actor, audience.rooms_of(actor, state), audience.ends_with_signin(actor))

    def opened(self, actor: Actor) -> dict[str, Any]:
        """A connection let in now listens in its rooms: count it, and return its views."""
        if actor.role is Role.FACILITATOR:
            self._presence.watch(actor.session_id)
        elif actor.role is Role.PARTICIPANT:
            self._presence.opened(actor.session_id, actor.participant_id)
        return self._views(actor)

    def closed(self, actor: Actor) -> None:
        """A connection closed; a member with no other live connection shows as away."""
        if actor.role is Role.PARTICIPANT:
            self._presence.closed(actor.session_id, actor.participant_id)
        elif actor.role is Role.FACILITATOR:
            self._presence.unwatch(actor.session_id)

    def ended(self, connections: Mapping[str, Actor]) -> list[str]:
        """Return which of these consoles and displays may no longer stay open.

        Their sign-in ended (here or on another process, or by time), their session was
        erased, or their facilitator no longer runs it. Members are not looked at: their
        own commands are checked, and they hold no sign-in.
        """
        lasting: dict[str, bool] = {}
        seated: dict[tuple[str, str], bool] = {}
        ended = []
        for key, actor in connections.items():
            if not audience.ends_with_signin(actor):
                continue
            if actor.signin not in lasting:
                lasting[actor.signin] = self.signins.in_use(actor.signin)
            seat = (actor.session_id, actor.user)
            if actor.role is Role.FACILITATOR and seat not in seated:
                seated[seat] = self._still_runs(actor)
            if not lasting[actor.signin] or not seated.get(seat, True):
                ended.append(key)
        return ended

    def _still_runs(self, actor: Actor) -> bool:
        try:
            audience.check_runs(actor, self.sessions.current(actor.session_id))
        except (Refused, DomainError):
            return False
        return True

    def check_event(self, actor: Actor, event: str) -> None:
        """Refuse, before its payload is read, an event `actor` may never send."""
        audience.check_event(actor, event)

    # -- facilitator commands ---------------------------------------------------------

    def start_session(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.Start(at), version, command_id)

    def next_step(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.Next(at), version, command_id)

    def previous_step(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.Previous(at), version, command_id)

    def jump_to_step(
        self, actor: Actor, *, index: int, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.Jump(at, index), version, command_id)

    def end_session(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.End(at), version, command_id)

    def lock_joining(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.LockJoining(at), version, command_id)

    def unlock_joining(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.UnlockJoining(at), version, command_id)

    def remove_participant(
        self, actor: Actor, *, participant_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor, lambda st, at: c.RemoveParticipant(at, participant_id), version, command_id
        )

    def open_poll(
        self, actor: Actor, *, poll: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor,
            lambda st, at: c.OpenPoll(at, self.sessions.poll_spec(st, poll)),
            version,
            command_id,
        )

    def close_poll(
        self, actor: Actor, *, poll_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.ClosePoll(at, poll_id), version, command_id)

    def reveal_poll(
        self,
        actor: Actor,
        *,
        poll_id: str,
        show: bool = True,
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Reveal a closed poll's results: to the room at once, or (`show` false) to the
        facilitators only, to review before showing them."""
        return self._command(
            actor, lambda st, at: c.RevealPoll(at, poll_id, show), version, command_id
        )

    def show_results(
        self, actor: Actor, *, poll_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """Put a revealed poll's results on the room display and the phones."""
        return self._command(actor, lambda st, at: c.ShowResults(at, poll_id), version, command_id)

    def hide_results(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """Take the shown results off the room display and the phones."""
        return self._command(actor, lambda st, at: c.HideResults(at), version, command_id)

    def pin_results(
        self, actor: Actor, *, pinned: bool, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """Keep the shown results up across step changes, or let the next step clear them."""
        return self._command(actor, lambda st, at: c.PinResults(at, pinned), version, command_id)

    def reopen_poll(
        self, actor: Actor, *, poll_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """Open a closed poll again; it is taken off the room until revealed again."""
        return self._command(actor, lambda st, at: c.ReopenPoll(at, poll_id), version, command_id)

    def hide_word(
        self,
        actor: Actor,
        *,
        poll_id: str,
        word: str,
        hidden: bool,
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Keep a word of a short-text poll off the room's word cloud, or let it back."""
        return self._command(
            actor, lambda st, at: c.HideWord(at, poll_id, word, hidden), version, command_id
        )

    def push_role_play(
        self,
        actor: Actor,
        *,
        role_play: str,
        assignments: Mapping[str, str | None],
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        chosen = tuple(sorted(assignments.items()))

        def spec(state: SessionState) -> RolePlaySpec:
            # One composed earlier in the session is pushed again like a library one.
            found = composed.find_composed(state, role_play)
            return found or self.sessions.role_play_spec(state, role_play)

        return self._command(
            actor, lambda st, at: c.PushRolePlay(at, spec(st), chosen), version, command_id
        )

    def compose_role_play(
        self,
        actor: Actor,
        *,
        situation: str,
        other_role: str,
        relation: str,
        member_card: str,
        other_card: str,
        area: str,
        assignments: Mapping[str, str | None],
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Push a role-play written on the console from a member's own situation."""
        chosen = tuple(sorted(assignments.items()))

        def pushing(state: SessionState, at: float) -> c.Command:
            spec = composed.compose(
                state,
                situation=situation,
                other_role=other_role,
                relation=relation,
                member_card=member_card,
                other_card=other_card,
                area=area,
            )
            return c.PushRolePlay(at, spec, chosen)

        return self._command(actor, pushing, version, command_id)

    def reverse_role_play(
        self, actor: Actor, *, role_play_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor, lambda st, at: c.ReverseRolePlay(at, role_play_id), version, command_id
        )

    def start_debrief(
        self, actor: Actor, *, role_play_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor, lambda st, at: c.StartDebrief(at, role_play_id), version, command_id
        )

    def end_role_play(
        self, actor: Actor, *, role_play_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor, lambda st, at: c.EndRolePlay(at, role_play_id), version, command_id
        )

    def push_prompt(
        self, actor: Actor, *, text: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.PushPrompt(at, text), version, command_id)

    def clear_prompt(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(actor, lambda st, at: c.ClearPrompt(at), version, command_id)

    def acknowledge_signal(
        self, actor: Actor, *, signal_id: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor, lambda st, at: c.AcknowledgeSignal(at, signal_id), version, command_id
        )

    def record_risk_action(
        self,
        actor: Actor,
        *,
        alert_id: str,
        action: str,
        note: str = "",
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Record what was done about a risk alert, by whom: it leaves the open alerts."""
        done = RiskAction(action)
        ack = self._command(
            actor,
            lambda st, at: c.RecordRiskAction(at, alert_id, done, note, by=actor.user),
            version,
            command_id,
        )
        self.carried_alert_acted(self.sessions.current(actor.session_id), alert_id, actor.user)
        return ack

    def enter_answer(
        self,
        actor: Actor,
        *,
        poll_id: str,
        participant_id: str,
        value: Any,
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Enter a member's answer asked by interview: recorded as theirs, marked as
        entered by this facilitator; a risk item raises an alert as their own answer does."""
        return self._command(
            actor,
            lambda st, at: c.EnterAnswer(at, poll_id, participant_id, value, by=actor.user),
            version,
            command_id,
        )

    def add_member(
        self,
        actor: Actor,
        *,
        name: str | None = None,
        member_id: str | None = None,
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Add a member who has no phone, by the name given or else a pseudonym: their
        answers are entered by interview. In a meeting of a course they are enrolled in
        the course too, so that their attendance and measures stay with them; with
        `member_id`, a member of the course (who came without a phone before) comes in."""
        audience.check_event(actor, "add_member")
        state = self.sessions.current(actor.session_id)
        audience.check_runs(actor, state)
        typed = (name or "").strip() or None
        if member_id is not None:
            participant_id, typed = self.course_member_here(state, member_id)
        elif state.course_id:
            participant_id, typed = self.enroll_without_phone(state, typed, command_id)
        else:
            participant_id = "m-" + secrets.token_urlsafe(8)

        def adding(st: SessionState, at: float) -> c.Command:
            pseudonym = new_pseudonym(st.names_present())
            return c.AddMember(at, participant_id, typed, pseudonym, by=actor.user)

        ack = self._command(actor, adding, version, command_id)
        return {**ack, "participant_id": participant_id}

    def add_note(
        self, actor: Actor, *, text: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._command(
            actor, lambda st, at: c.AddNote(at, text, by=actor.user), version, command_id
        )

    def record_fidelity(
        self,
        actor: Actor,
        *,
        done: Sequence[int],
        reflection: str,
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Tick the meeting's fidelity checklist and write a reflection; a later record
        replaces an earlier one."""
        ticked = tuple(done)
        return self._command(
            actor,
            lambda st, at: c.RecordFidelity(at, ticked, reflection, by=actor.user),
            version,
            command_id,
        )

    def record_decision(
        self,
        actor: Actor,
        *,
        participant_id: str,
        decision: str,
        note: str,
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """At the meeting before the group: record whether a member joins or is referred."""
        return self._command(
            actor,
            lambda st, at: c.RecordDecision(at, participant_id, decision, note, by=actor.user),
            version,
            command_id,
        )

    def set_language(
        self, actor: Actor, *, language: str, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        """A facilitator sets the language the consoles, the room display and the phones
        that chose none read the protocol's texts in; one the protocol offers."""
        tag = requested_tag(language)

        def setting(state: SessionState, at: float) -> c.Command:
            return c.SetSessionLanguage(at, tag, self.sessions.wording.languages(state))

        return self._command(actor, setting, version, command_id)

    def _command(
        self, actor: Actor, make: MakeCommand, version: int | None, command_id: str
    ) -> dict[str, Any]:
        def checked(state: SessionState, at: float) -> c.Command:
            # Only the session's facilitators: a facilitator token of another account
            # is refused here, on every attempt, against the session as it is then.
            audience.check_runs(actor, state)
            return make(state, at)

        outcome = self.sessions.run(actor, checked, version, command_id)
        self._close_departed(actor, outcome)
        if any(isinstance(event, SessionEnded) for event in outcome.events):
            # A meeting of a course leaves its attendance and measures in the course.
            self.meeting_ended(self.sessions.current(actor.session_id))
        return {"version": outcome.version_for(actor)}

    # -- members ----------------------------------------------------------------------

    def submit_answer(
        self, actor: Actor, *, poll_id: str, action_id: str, value: Any
    ) -> dict[str, Any]:
        """A member answers the open poll; a retry with the same action_id counts once."""
        audience.check_event(actor, "submit_answer")
        member = actor.participant_id
        outcome = self.sessions.run(
            actor, lambda st, at: c.SubmitAnswer(at, member, action_id, poll_id, value)
        )
        return {"duplicate": not outcome.events}

    def send_signal(self, actor: Actor, *, action_id: str, kind: str) -> dict[str, Any]:
        """A member privately signals pass, need a break or need support."""
        audience.check_event(actor, "send_signal")
        member, signal = actor.participant_id, SignalKind(kind)
        outcome = self.sessions.run(
            actor, lambda st, at: c.SendSignal(at, member, action_id, signal)
        )
        return {"duplicate": not outcome.events}

    def choose_language(self, actor: Actor, *, language: str) -> dict[str, Any]:
        """A member's phone chooses the language it reads the protocol's texts in.

        Returns the rooms its connection listens in from now on: its shared view comes
        to the room of its language (see audience.phone_rooms).
        """
        audience.check_event(actor, "choose_language")
        tag, member = requested_tag(language), actor.participant_id
        self.sessions.run(
            actor,
            lambda st, at: c.SetMemberLanguage(
                at, member, tag, self.sessions.wording.languages(st)
            ),
        )
        state = self.sessions.current(actor.session_id)
        return {
            "language": tag,
            # For the transport: the rooms to listen in now, and the views to show now.
            "rooms": audience.rooms_of(actor, state),
            "views": self._views(actor),
        }

    def leave_session(self, actor: Actor) -> dict[str, Any]:
        """A member leaves the session for good."""
        audience.check_event(actor, "leave_session")
        outcome = self.sessions.run(actor, lambda st, at: c.Leave(at, actor.participant_id))
        self._close_departed(actor, outcome)
        return {"version": outcome.version_for(actor)}

    def join(
        self,
        code: str,
        name: str | None,
        address: str,
        guest: bool = False,
        *,
        consent: bool = False,
        language: str | None = None,
        read_in: str = DEFAULT_LANGUAGE,
    ) -> dict[str, Any]:
        """A phone joins with a code and an optional name; it keeps the returned token.

        `read_in` is the language of the phone's page, in which it showed the consent text.

        Only with the member's agreement to the consent text (`consent`), which the join
        records with its time. A meeting's code also enrolls the phone in the meeting's
        course (its answer then holds the membership the phone keeps for next week),
        unless it joins as a guest. With a `language` the protocol offers, the phone
        reads the protocol's texts in it. A phone keeps its choice from group to group, so
        a language this protocol does not offer leaves it following the group's; a tag
        that is no language is refused first.
        """
        agreed = self._agreed(consent, read_in)
        session_id = self.sessions.find_code(code, address)
        session = self.sessions.current(session_id)
        course_id = session.course_id
        tag = requested_tag(language) if language else ""
        chosen = tag if tag in self.sessions.wording.languages(session) else ""
        membership: dict[str, Any] = {}
        if course_id and not guest:
            membership = self._enroll(course_id, name, agreed)
            member_id = membership["member_id"]
            actor = self.sessions.join_as(session_id, member_id, membership["name"], agreed, chosen)
        else:
            member_id = "m-" + secrets.token_urlsafe(8)
            actor = self.sessions.join_as(session_id, member_id, name, agreed, chosen)
        state = self.sessions.current(actor.session_id)
        return {
            "token": self._signer.issue(actor),
            "session_id": actor.session_id,
            "participant_id": actor.participant_id,
            "name": state.participants[actor.participant_id].name,
            **({"membership": membership["membership"]} if membership else {}),
        }

    # -- everyone ---------------------------------------------------------------------

    def sync(self, actor: Actor, *, version: int | None = None) -> dict[str, Any]:
        """Any client asks for its view, e.g. after a reconnect; unchanged when up to date."""
        state = self.sessions.current(actor.session_id)
        audience.seat_of(actor, state)
        seen = audience.version_for(actor, state.version, state.public_version)
        # The display is always sent its view: its answer count and who is here move
        # without its version (see audience.display_changed).
        if version == seen and actor.role is not Role.DISPLAY:
            return {"version": seen, "unchanged": True}
        return {"version": seen, **self._views(actor)}

    def _views(self, actor: Actor) -> dict[str, Any]:
        sid = actor.session_id
        if actor.role is Role.FACILITATOR:
            # With its revision, the base the patches that follow apply to.
            return {"view": self.sessions.console_view(sid)}
        state = self.sessions.current(sid)
        online = lambda: self.sessions.online(sid)  # noqa: E731 (asked for consoles only)
        return audience.views_for(actor, state, online, self.sessions.extras, self.sessions.wording)

    # -- sessions ---------------------------------------------------------------------

    def protocols(self) -> list[dict[str, Any]]:
        """List the protocols, each with its sessions."""
        return [
            {
                "id": p.id,
                "title": p.title,
                "sessions": [
                    {"n": x.n, "phase": x.phase.value, "title": x.title} for x in p.sessions
                ],
            }
            for p in self._catalog.protocols()
        ]

    def protocol(self, protocol_id: str, language: str | None = None) -> dict[str, Any]:
        """Return a protocol's polls and its role-play library with roles, in `language`
        (one it offers) or its own."""
        try:
            original = self._catalog.protocol(protocol_id)
        except KeyError:
            raise Refused(
                "not_found", "There is no protocol {protocol}.", protocol=repr(protocol_id)
            ) from None
        protocol = original.in_language(offered_language(original, language or original.language))
        polls = {**self._catalog.polls_for(protocol_id), **protocol.polls}
        return {
            "id": protocol.id,
            "title": protocol.title,
            "language": protocol.language,
            "languages": list(original.languages),
            "polls": [
                {"id": key, "question": p.question, "type": p.type.value, "anonymous": p.anonymous}
                for key, p in polls.items()
            ],
            "role_plays": [
                {
                    "id": key,
                    "title": rp.title,
                    "area": rp.area,
                    "scenario": rp.scenario,
                    "roles": [
                        {"id": r.id, "name": r.name, "observer": r.observer} for r in rp.roles
                    ],
                }
                for key, rp in protocol.role_plays.items()
            ],
        }

    def sessions_of(self, user: str) -> list[dict[str, Any]]:
        """List the sessions `user` runs: those they opened and those they were invited to."""
        listed = []
        for record in self._store.sessions_of(user):
            found = self.sessions.rendered(
                record.id,
                lambda state: {
                    **_listed(state, user),
                    "language": state.language,
                    "languages": list(self.sessions.wording.languages(state)),
                },
            )
            if found is None:
                continue  # erased since it was listed
            listed.append(
                {
                    "id": record.id,
                    "title": record.title,
                    "created_at": record.created_at,
                    "join_code": grouped_code(record.join_code),
                    "owner": record.owner,
                    **found,
                }
            )
        return listed

    def create_session(
        self,
        user: str,
        protocol_id: str,
        session_number: int,
        signin: str,
        language: str | None = None,
        accepted: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Open a new live session of one protocol session; return its links.

        Its screens read the protocol in `language`, or else in the first of `accepted`
        (the facilitator's Accept-Language) the protocol offers, or else its own.
        """
        state = self.sessions.create(
            user, protocol_id, session_number, language=language, accepted=accepted
        )
        return self._links(state, user, signin)

    def links(self, user: str, session_id: str, signin: str) -> dict[str, Any]:
        """Return a console token for `user`, a display token and the session's join code."""
        state = self.sessions.current(session_id)
        audience.check_runs(self._facilitator(user, session_id), state)
        return self._links(state, user, signin)

    def _links(self, state: SessionState, user: str, signin: str) -> dict[str, Any]:
        # Both tokens end with the sign-in that asked for them.
        console = Actor(Role.FACILITATOR, state.id, user=user, signin=signin)
        return {
            "session_id": state.id,
            "title": state.title,
            "join_code": grouped_code(state.join_code),
            "language": state.language,
            "languages": list(self.sessions.wording.languages(state)),
            "console_token": self._signer.issue(console),
            "display_token": self._signer.issue(Actor(Role.DISPLAY, state.id, signin=signin)),
        }

    def delete_session(self, user: str, session_id: str, address: str) -> None:
        """Erase a session and everything kept about it; its open screens are told and closed."""
        actor = self._facilitator(user, session_id, address)
        state = self.sessions.current(session_id)
        audience.check_owns(actor, state, N_("delete it"))
        languages = self.sessions.wording.languages(state)
        self._store.delete(session_id)
        self.sessions.forget(session_id)
        self._audit(audit.SESSION_DELETED, actor, user)
        notice = N_("This session was deleted.")
        rooms = audience.session_rooms(session_id, languages)
        for room in rooms:
            self._gateway.notify(audience.SESSION_DELETED, notice, room)
        for room in rooms:
            # The member rooms' phones are in the participants' or a language's room too.
            self._gateway.close_here(room, CLOSE_AFTER_NOTICE)

    # -- who runs a session -----------------------------------------------------------

    def facilitators(self, user: str, session_id: str) -> dict[str, Any]:
        """Return a session's owner and co-facilitators, to anyone who runs it."""
        state = self.sessions.current(session_id)
        audience.check_runs(self._facilitator(user, session_id), state)
        return _facilitators(state)

    def invite(
        self, user: str, session_id: str, invitee: str, may_export: bool, address: str
    ) -> dict[str, Any]:
        """Let another facilitator account run the session (and export it, when granted)."""
        actor = self._facilitator(user, session_id, address)
        audience.check_owns(actor, self.sessions.current(session_id), N_("choose who runs it"))
        if self._store.password_hash(invitee) is None:
            raise Refused(
                "not_found",
                "There is no facilitator account named {name}.",
                name=repr(invitee),
            )

        def inviting(state: SessionState, at: float) -> c.Command:
            audience.check_owns(actor, state, N_("choose who runs it"))
            return c.InviteCoFacilitator(at, invitee, may_export)

        self.sessions.run(actor, inviting)
        state = self.sessions.current(session_id)
        self._audit(audit.FACILITATOR_INVITED, actor, state.owner, invitee)
        return _facilitators(state)

    def uninvite(self, user: str, session_id: str, invitee: str, address: str) -> dict[str, Any]:
        """Stop a co-facilitator running the session; their open consoles are closed."""
        actor = self._facilitator(user, session_id, address)

        def removing(state: SessionState, at: float) -> c.Command:
            audience.check_owns(actor, state, N_("choose who runs it"))
            return c.RemoveCoFacilitator(at, invitee)

        self.sessions.run(actor, removing)
        room = audience.facilitator_user_room(session_id, invitee)
        # Through the message queue, to their consoles on every process; those on another
        # process are also closed there within a sweep (see `ended`).
        notice = N_("You no longer run this session.")
        self._gateway.notify(audience.ACCESS_ENDED, notice, room)
        self._gateway.close_here(room, CLOSE_AFTER_NOTICE)
        state = self.sessions.current(session_id)
        self._audit(audit.FACILITATOR_REMOVED, actor, state.owner, invitee)
        return _facilitators(state)

    # -- exports ----------------------------------------------------------------------

    def export(
        self, user: str, session_id: str, kind: str, address: str, languages: Sequence[str] = ()
    ) -> Download:
        """Return one of a session's exports, to its owner or a co-facilitator granted it.

        The summary is in the session's language, else the first of `languages` (those
        the reader's browser asks for) that the catalogs have; the data files keep their
        English codes whatever the language.
        """
        if kind not in EXPORTS:
            raise Refused("not_found", "A session exports as {names}.", names=", ".join(EXPORTS))
        actor = self._facilitator(user, session_id, address)
        state = self.sessions.current(session_id)
        audience.check_exports(actor, state)
        if kind == "log.jsonl":
            logged = self._store.read(session_id)
            # Withheld as the log read here stands, not as the state did a moment before.
            withheld = exports.withheld_polls(fold(event for _, event in logged))
            lines = exports.log_lines(logged, withheld)
            download = Download(
                "".join(f"{line}\n" for line in lines),
                "application/x-ndjson",
                f"session-{session_id}.jsonl",
            )
        elif kind == "results.csv":
            results = exports.results_csv(state, self._session_instruments(state))
            download = Download(results, "text/csv; charset=utf-8", f"results-{session_id}.csv")
        else:
            body = exports.summary_html(
                state,
                self.sessions.clock(),
                tz=self._session_zone(state),
                titles=self._titles(state),
                instruments=self._session_instruments(state),
                language=self.document_language(state, languages),
                catalogs=self._catalogs,
            )
            download = Download(body, "text/html", f"summary-{session_id}.html", inline=True)
        self._audit(audit.EXPORT, actor, state.owner, kind)
        return download

    def _session_zone(self, state: SessionState) -> tzinfo | None:
        """Return the time zone a session's documents give times in: its course's, if it
        is a meeting of one that has chosen one, else the deployment's."""
        if state.course_id:
            with suppress(DomainError):
                return self.course_zone(self.courses.current(state.course_id))
        return self._time_zone

    def _titles(self, state: SessionState) -> dict[str, str]:
        """Return the titles of the session's instruments, by their polls' spec ids."""
        return {spec_id: found.title for spec_id, found in self._session_instruments(state).items()}

    def _session_instruments(self, state: SessionState) -> dict[str, Instrument]:
        """Return the session's instruments, by their polls' spec ids."""
        found = {}
        for poll in state.polls.values():
            instrument = self._catalog.instrument_of(poll.spec)
            if instrument is not None:  # else a protocol's own poll
                found[poll.spec.id] = instrument
        return found

    # -- the audit log ----------------------------------------------------------------

    def audit_entries(self, user: str, of: str | None) -> list[dict[str, object]]:
        """Return the audit entries `user` may read (anyone's, `of` one account, for an admin)."""
        return [audit.as_dict(e) for e in audit.readable_by(self._store, user, self._admins, of)]

    def audit_export(self, user: str, of: str | None, kind: str, address: str) -> Download:
        """Return the readable audit entries as JSON Lines (jsonl) or CSV (csv)."""
        if kind not in ("jsonl", "csv"):
            raise Refused("not_found", "The audit log exports as export.jsonl or export.csv.")
        entries = audit.readable_by(self._store, user, self._admins, of)
        if kind == "csv":
            download = Download(audit.as_csv(entries), "text/csv", f"audit.{kind}")
        else:
            download = Download(audit.as_json_lines(entries), "application/x-ndjson", "audit.jsonl")
        audit.record(
            self._store,
            self.sessions.clock(),
            audit.AUDIT_EXPORTED,
            actor=user,
            address=address,
            owner=user,
            detail=f"audit.{kind}",
        )
        return download

    # -- the process ------------------------------------------------------------------

    def consent(self, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """Return the consent text every phone shows before joining, with its version: the
        deployment's file, or the default in `language`."""
        say = lambda text: self._catalogs.gettext(language, "server", text)  # noqa: E731
        return consent_text(self._consent_file, say)

    def _agreed(self, consent: bool, language: str = DEFAULT_LANGUAGE) -> tuple[float, str]:
        """Refuse a join without consent; return when it was given, and to which text."""
        if consent is not True:
            raise Refused(
                "consent_required",
                "Read what the group keeps and who sees it, and agree, before you join.",
            )
        # The version of the text shown, in the language the phone read it in.
        return self.sessions.clock(), self.consent(language)["version"]

    def languages(self) -> list[dict[str, str]]:
        """Return every language a protocol here is offered in, each named in itself, for
        the phone's language picker (before a phone joins it knows no session's protocol)."""
        tags = {tag for protocol in self._catalog.protocols() for tag in protocol.languages}
        return [
            {"tag": tag, "name": own_name(tag), "direction": direction(tag)} for tag in sorted(tags)
        ]

    def crisis(self, language: str | None = None, region: str | None = None) -> dict[str, Any]:
        """Return the crisis resources every phone shows, for a course's language and region."""
        return self._crisis.for_course(language, region)

    def health(self) -> None:
        """Raise StorageError when this process cannot reach its store."""
        self._store.version("")  # a cheap read

    def now(self) -> float:
        return self.sessions.clock()

    def refresh_consoles_here(self, session_id: str) -> None:
        """Send the session's consoles on this process a fresh view: presence moved."""
        self.sessions.refresh_consoles_here(session_id)

    def resync(
        self,
        rooms: Callable[[], Iterable[object]],
        spawn: Callable[[Callable[[], None]], object],
        sleep: Callable[[float], None],
    ) -> Resync:
        """Return what sends this process's clients their views again when asked."""
        send_here: SendHere = self._gateway.send_here
        return Resync(self.sessions, rooms, send_here, spawn, sleep)

    # -- internals --------------------------------------------------------------------

    def _facilitator(self, user: str, session_id: str, address: str = "") -> Actor:
        return Actor(Role.FACILITATOR, session_id, user=user, address=address)

    def _close_departed(self, actor: Actor, outcome: Outcome) -> None:
        """Close this process's connections of members who left or were removed."""
        for event in outcome.events:
            if isinstance(event, ParticipantLeft):
                room = audience.member_room(actor.session_id, event.participant_id)
                self._gateway.close_here(room, CLOSE_DEPARTED_AFTER)

    def _audit(self, action: str, actor: Actor, owner: str, detail: str = "") -> None:
        # The entry is the owner's to read: they learn what a co-facilitator did too.
        audit.record(
            self._store,
            self.sessions.clock(),
            action,
            actor=actor.user,
            address=actor.address,
            owner=owner,
            session_id=actor.session_id,
            detail=detail,
        )


def _listed(state: SessionState, user: str) -> dict[str, Any]:
    """Return what the home page's list says of a session: where it stands, and who came."""
    owner = state.owner == user
    return {
        "role": audience.Seat.OWNER if owner else audience.Seat.CO_FACILITATOR,
        "may_export": owner or audience.may_export(user, state),
        "status": state.phase.value,
        "started_at": state.started_at,
        "ended_at": state.ended_at,
        # Everyone who joined (removed and left included), and those still in it.
        "members": len(state.participants),
        "members_present": sum(1 for m in state.participants.values() if m.present),
    }


def _facilitators(state: SessionState) -> dict[str, Any]:
    return {
        "owner": state.owner,
        "co_facilitators": [
            {"user": name, "may_export": grant}
            for name, grant in sorted(state.co_facilitators.items())
        ],
    }
