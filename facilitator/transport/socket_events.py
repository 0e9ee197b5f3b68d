"""Socket.IO handlers: each event's roles, payload schema and one-line purpose.

Every handler is thin: the role comes from the token bound at connect, the payload
is loaded by its schema, the service does the work, and the ack has one shape:
{"ok": true, ...} or {"ok": false, "error": {"code", "message"}}.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask_socketio import SocketIO
from marshmallow import Schema, ValidationError
from socketio.exceptions import ConnectionRefusedError

from facilitator.core import commands as c
from facilitator.core.errors import DomainError
from facilitator.core.events import ParticipantLeft
from facilitator.errors import Refused, error_body
from facilitator.service import broadcast as rooms
from facilitator.service.limits import TokenBucket
from facilitator.service.sessions import Outcome, SessionService
from facilitator.service.signins import SignIns
from facilitator.service.tokens import Actor, Role, TokenSigner
from facilitator.service.views import (
    display_view,
    facilitator_view,
    participant_view,
    personal_view,
)
from facilitator.storage.base import StorageError
from facilitator.transport import schemas as s
from facilitator.transport.json_packet import Unreadable

log = logging.getLogger(__name__)

Handler = Callable[[SessionService, Actor, dict[str, Any]], "Outcome | dict[str, Any]"]
FACILITATOR = frozenset({Role.FACILITATOR})
PARTICIPANT = frozenset({Role.PARTICIPANT})
EVERYONE = frozenset(Role)
# How often each process looks for consoles and displays whose sign-in has ended: it
# may have ended through another process, or by time.
REVOCATION_SWEEP = 2.0


@dataclass(frozen=True)
class EventSpec:
    name: str
    roles: frozenset[Role]
    schema: type[Schema]
    handler: Handler


EVENTS: dict[str, EventSpec] = {}


def on(name: str, roles: frozenset[Role], schema: type[Schema]) -> Callable[[Handler], Handler]:
    """Register a handler for client event `name`, allowed for `roles`."""

    def register(handler: Handler) -> Handler:
        EVENTS[name] = EventSpec(name, roles, schema, handler)
        return handler

    return register


def _facilitator_command(
    name: str,
    schema: type[Schema],
    make: Callable[[SessionService, Any, dict[str, Any], float], c.Command],
) -> None:
    def handler(service: SessionService, actor: Actor, data: dict[str, Any]) -> Outcome:
        return service.run(
            actor,
            lambda state, at: make(service, state, data, at),
            data.get("version"),
            data["command_id"],
        )

    on(name, FACILITATOR, schema)(handler)


# -- facilitator commands -------------------------------------------------------------

_facilitator_command("start_session", s.Versioned, lambda sv, st, d, at: c.Start(at))
_facilitator_command("next_step", s.Versioned, lambda sv, st, d, at: c.Next(at))
_facilitator_command("previous_step", s.Versioned, lambda sv, st, d, at: c.Previous(at))
_facilitator_command("jump_to_step", s.Jump, lambda sv, st, d, at: c.Jump(at, d["index"]))
_facilitator_command("end_session", s.Versioned, lambda sv, st, d, at: c.End(at))
_facilitator_command("lock_joining", s.Versioned, lambda sv, st, d, at: c.LockJoining(at))
_facilitator_command("unlock_joining", s.Versioned, lambda sv, st, d, at: c.UnlockJoining(at))
_facilitator_command(
    "remove_participant",
    s.ParticipantRef,
    lambda sv, st, d, at: c.RemoveParticipant(at, d["participant_id"]),
)
_facilitator_command(
    "open_poll", s.OpenPoll, lambda sv, st, d, at: c.OpenPoll(at, sv.poll_spec(st, d["poll"]))
)
_facilitator_command("close_poll", s.PollRef, lambda sv, st, d, at: c.ClosePoll(at, d["poll_id"]))
_facilitator_command("reveal_poll", s.PollRef, lambda sv, st, d, at: c.RevealPoll(at, d["poll_id"]))
_facilitator_command(
    "push_role_play",
    s.PushRolePlay,
    lambda sv, st, d, at: c.PushRolePlay(
        at, sv.role_play_spec(st, d["role_play"]), tuple(sorted(d["assignments"].items()))
    ),
)
_facilitator_command(
    "start_debrief", s.RolePlayRef, lambda sv, st, d, at: c.StartDebrief(at, d["role_play_id"])
)
_facilitator_command(
    "end_role_play", s.RolePlayRef, lambda sv, st, d, at: c.EndRolePlay(at, d["role_play_id"])
)
_facilitator_command("push_prompt", s.Text, lambda sv, st, d, at: c.PushPrompt(at, d["text"]))
_facilitator_command("clear_prompt", s.Versioned, lambda sv, st, d, at: c.ClearPrompt(at))
_facilitator_command(
    "acknowledge_signal",
    s.SignalRef,
    lambda sv, st, d, at: c.AcknowledgeSignal(at, d["signal_id"]),
)
_facilitator_command("add_note", s.Text, lambda sv, st, d, at: c.AddNote(at, d["text"]))


# -- participant actions --------------------------------------------------------------


@on("submit_answer", PARTICIPANT, s.SubmitAnswer)
def submit_answer(service: SessionService, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A member answers the open poll; a retry with the same action_id counts once."""
    outcome = service.run(
        actor,
        lambda state, at: c.SubmitAnswer(
            at, actor.participant_id, data["action_id"], data["poll_id"], data["value"]
        ),
    )
    return {"duplicate": not outcome.events}


@on("send_signal", PARTICIPANT, s.SendSignal)
def send_signal(service: SessionService, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A member privately signals pass, need a break or need support."""
    outcome = service.run(
        actor,
        lambda state, at: c.SendSignal(at, actor.participant_id, data["action_id"], data["kind"]),
    )
    return {"duplicate": not outcome.events}


@on("leave_session", PARTICIPANT, s.Empty)
def leave_session(service: SessionService, actor: Actor, data: dict[str, Any]) -> Outcome:
    """A member leaves the session for good."""
    return service.run(actor, lambda state, at: c.Leave(at, actor.participant_id))


@on("sync", EVERYONE, s.Sync)
def sync(service: SessionService, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Any client asks for its view, e.g. after a reconnect; unchanged when up to date."""
    state = service.current(actor.session_id)
    service.authorize(actor, state)
    version = state.version if actor.role is Role.FACILITATOR else state.public_version
    if data.get("version") == version:
        return {"version": version, "unchanged": True}
    return {"version": version, **views_for(service, actor)}


def views_for(service: SessionService, actor: Actor) -> dict[str, Any]:
    """Return the view (and for a member, the personal part) that `actor` may see."""
    state = service.current(actor.session_id)
    if actor.role is Role.FACILITATOR:
        return {"view": facilitator_view(state)}
    if actor.role is Role.DISPLAY:
        return {"view": display_view(state)}
    return {
        "view": participant_view(state),
        "personal": personal_view(state, actor.participant_id),
    }


# -- binding to a Socket.IO server ----------------------------------------------------


def bind(
    socketio: SocketIO,
    service: SessionService,
    signer: TokenSigner,
    signins: SignIns,
    event_burst: int = 60,
    event_rate: int = 20,
) -> None:
    """Attach connect, disconnect and every registered event to `socketio`.

    The handlers sit on the Socket.IO server itself, not on Flask-SocketIO's wrappers:
    those build a Flask request context for every message, which none of these
    handlers reads, and which cost a tenth of the server's time under load.
    """
    server = socketio.server
    connections: dict[str, Actor] = {}
    open_per_actor: dict[Actor, int] = {}
    # Console and display connections, and the sign-in each one's token belongs to.
    signed: dict[str, str] = {}
    sweeping: list[bool] = []
    # A bucket per connection: one phone flooding events is refused at the door
    # before its events cost a write each.
    buckets: dict[str, TokenBucket] = {}

    def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Any client connects with {"token"}; the token fixes its role and session."""
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            if isinstance(auth, Unreadable):
                raise Refused("invalid", auth.reason)
            actor = replace(signer.verify(token), address=environ.get("REMOTE_ADDR", ""))
            state = service.current(actor.session_id)
            service.authorize(actor, state)
            if actor.role is Role.PARTICIPANT:
                member = state.participants.get(actor.participant_id)
                if member is None or not member.present:
                    raise Refused("left", "you are no longer in this session", 403)
            else:
                signins.check_token(actor.signin)
        except (Refused, DomainError, StorageError) as error:
            body = error_body(error)["error"]
            # The client receives {"message": ..., "data": {"code", "message"}}.
            raise ConnectionRefusedError(body["message"], body) from None
        connections[sid] = actor
        buckets[sid] = TokenBucket(event_burst, event_rate, time.monotonic())
        open_per_actor[actor] = open_per_actor.get(actor, 0) + 1
        if actor.role is not Role.PARTICIPANT:
            signed[sid] = actor.signin
            if not sweeping:
                sweeping.append(True)
                socketio.start_background_task(sweep)
        server.enter_room(sid, _audience_room(actor))
        if actor.role is Role.PARTICIPANT:
            server.enter_room(sid, rooms.member_room(actor.session_id, actor.participant_id))
            _presence(service, actor, connected=True)
        for name, data in views_for(service, actor).items():
            server.emit(name, data, to=sid)

    def disconnect(sid: str, reason: Any = None) -> None:
        """A connection closed; a member with no other connection here shows as away."""
        actor = connections.pop(sid, None)
        signed.pop(sid, None)
        buckets.pop(sid, None)
        if actor is None:
            return
        left = open_per_actor.get(actor, 1) - 1
        if left > 0:
            open_per_actor[actor] = left
            return
        open_per_actor.pop(actor, None)
        if actor.role is Role.PARTICIPANT:
            _presence(service, actor, connected=False)

    def sweep() -> None:
        """Now and then, close consoles and displays whose sign-in has ended."""
        while True:
            socketio.sleep(REVOCATION_SWEEP)
            try:
                lasting = {ref: signins.in_use(ref) for ref in set(signed.values())}
            except StorageError:
                continue  # the store is away; the next sweep tries again
            for sid, ref in list(signed.items()):
                if not lasting.get(ref, True):
                    server.disconnect(sid)

    def unknown(event: str, sid: str, *args: Any) -> dict[str, Any]:
        """Any client sends an event this server has not, or one it could not read."""
        if args and isinstance(args[0], Unreadable):
            return error_body(Refused("invalid", args[0].reason))
        return error_body(Refused("invalid", "there is no such event"))

    server.on("connect", connect)
    server.on("disconnect", disconnect)
    server.on("*", unknown)
    for spec in EVENTS.values():
        server.on(spec.name, _wrap(spec, service, connections, buckets, socketio))


def _wrap(
    spec: EventSpec,
    service: SessionService,
    connections: dict[str, Actor],
    buckets: dict[str, TokenBucket],
    socketio: SocketIO,
) -> Callable[..., dict[str, Any]]:
    schema = spec.schema()  # one instance per event: building one per message was costly

    def handle(sid: str, *args: Any) -> dict[str, Any]:
        actor = connections.get(sid)
        try:
            if actor is None:
                raise Refused("unauthenticated", "connect with a token first", 401)
            bucket = buckets.get(sid)
            if bucket is not None and not bucket.take(time.monotonic()):
                raise Refused("rate_limited", "too many messages at once; send it again soon", 429)
            if actor.role not in spec.roles:
                raise Refused("forbidden", f"a {actor.role} may not send {spec.name}", 403)
            if len(args) > 1:
                raise Refused("invalid", "send one payload object")
            payload = args[0] if args and args[0] is not None else {}
            if not isinstance(payload, dict):
                raise Refused("invalid", "the payload must be an object")
            data = schema.load(payload)
            result = spec.handler(service, actor, data)
        except (Refused, DomainError, StorageError, ValidationError) as error:
            return error_body(error)
        except Exception:
            # Logged without the payload: answers and notes never reach server logs.
            log.exception("event %s failed", spec.name)
            return error_body(RuntimeError())
        if isinstance(result, Outcome):
            _drop_departed(result, connections, socketio)
            return {"ok": True, "version": result.version_for(actor)}
        return {"ok": True, **result}

    handle.__name__ = f"on_{spec.name}"
    return handle


def _drop_departed(outcome: Outcome, connections: dict[str, Actor], socketio: SocketIO) -> None:
    """Close this process's connections of members who left or were removed."""
    gone = {event.participant_id for event in outcome.events if isinstance(event, ParticipantLeft)}
    if not gone:
        return  # the usual case: no need to look through every connection of the process
    sids = [sid for sid, actor in connections.items() if actor.participant_id in gone]
    if sids:
        # A moment later, so that a member who left still gets the ack of leave_session.
        socketio.start_background_task(_disconnect_later, socketio, sids)


def _disconnect_later(socketio: SocketIO, sids: list[str]) -> None:
    socketio.sleep(0.2)
    for sid in sids:
        socketio.server.disconnect(sid)


def _audience_room(actor: Actor) -> str:
    if actor.role is Role.FACILITATOR:
        return rooms.facilitator_room(actor.session_id)
    if actor.role is Role.DISPLAY:
        return rooms.display_room(actor.session_id)
    return rooms.participants_room(actor.session_id)


def _presence(service: SessionService, actor: Actor, *, connected: bool) -> None:
    kind = c.Connect if connected else c.Disconnect
    try:
        service.run(actor, lambda state, at: kind(at, actor.participant_id))
    except (Refused, DomainError, StorageError):
        # Presence is a courtesy to the facilitator; it never blocks a connection.
        log.info("presence not recorded for a member of session %s", actor.session_id)
