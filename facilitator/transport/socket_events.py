"""Socket.IO: a table of event name to payload schema, each served by the service
method of the same name.

The role comes from the token bound at connect, the payload is loaded by its schema,
the service decides and does the work, and the ack has one shape: {"ok": true, ...}
or {"ok": false, "error": {"code", "message"}}.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIO
from marshmallow import Schema, ValidationError
from socketio.exceptions import ConnectionRefusedError

from facilitator.catalogs import Catalogs, accepted_languages
from facilitator.errors import SERVICE_ERRORS, Refused, error_body
from facilitator.languages import DEFAULT_LANGUAGE
from facilitator.service.api import Service
from facilitator.service.limits import TokenBucket
from facilitator.service.tokens import Actor
from facilitator.transport import schemas as s
from facilitator.transport.gateway import language_room
from facilitator.transport.json_packet import Unreadable

log = logging.getLogger(__name__)

# How often each process looks for consoles and displays that may no longer stay open:
# their sign-in ended, or their facilitator stopped running the session, perhaps
# through another process, or by time.
REVOCATION_SWEEP = 2.0
KNOWN_ERRORS: tuple[type[Exception], ...] = (Refused, ValidationError, *SERVICE_ERRORS)

#: Events after which the sender's connection listens in other rooms (its language's).
MOVES_ROOMS = frozenset({"choose_language"})

#: Every event a client may send, and the schema of its payload.
EVENTS: dict[str, type[Schema]] = {
    # the console's commands
    "start_session": s.Versioned,
    "next_step": s.Versioned,
    "previous_step": s.Versioned,
    "jump_to_step": s.Jump,
    "end_session": s.Versioned,
    "lock_joining": s.Versioned,
    "unlock_joining": s.Versioned,
    "remove_participant": s.ParticipantRef,
    "open_poll": s.OpenPoll,
    "close_poll": s.PollRef,
    "reveal_poll": s.RevealPoll,
    "show_results": s.PollRef,
    "hide_results": s.Versioned,
    "pin_results": s.PinResults,
    "reopen_poll": s.PollRef,
    "hide_word": s.HideWord,
    "push_role_play": s.PushRolePlay,
    "start_debrief": s.RolePlayRef,
    "end_role_play": s.RolePlayRef,
    "push_prompt": s.Text,
    "clear_prompt": s.Versioned,
    "acknowledge_signal": s.SignalRef,
    "record_risk_action": s.RiskActionRef,
    "enter_answer": s.EnterAnswer,
    "add_member": s.AddMember,
    "record_course_risk_action": s.RiskActionRef,
    "add_note": s.Text,
    "member_round_next": s.Versioned,
    "member_round_previous": s.Versioned,
    "compose_role_play": s.ComposeRolePlay,
    "reverse_role_play": s.RolePlayRef,
    "record_fidelity": s.RecordFidelity,
    "record_decision": s.RecordDecision,
    "set_language": s.SetLanguage,
    # members
    "submit_answer": s.SubmitAnswer,
    "send_signal": s.SendSignal,
    "leave_session": s.Empty,
    "set_step": s.SetStep,
    "review_step": s.ReviewStep,
    "choose_language": s.ChooseLanguage,
    # everyone
    "sync": s.Sync,
}


def bind(
    socketio: SocketIO,
    service: Service,
    event_burst: int = 60,
    event_rate: int = 20,
    catalogs: Catalogs | None = None,
) -> None:
    """Attach connect, disconnect and every event of the table to `socketio`.

    The handlers sit on the Socket.IO server itself, not on Flask-SocketIO's wrappers:
    those build a Flask request context for every message, which none of these
    handlers reads, and which cost a tenth of the server's time under load. So the
    catalogs that refusals are said from are given here, not read from the app.
    """
    server = socketio.server
    connections: dict[str, Actor] = {}
    # Each connection's language, chosen at connect: every refusal it gets is in it.
    languages: dict[str, str] = {}
    said = _Refusals(catalogs or Catalogs(), languages)
    # Consoles and displays: checked now and then for whether they may stay open.
    signed: dict[str, Actor] = {}
    sweeping: list[bool] = []
    # A bucket per connection: one phone flooding events is refused at the door
    # before its events cost a write each.
    buckets: dict[str, TokenBucket] = {}

    def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Any client connects with {"token", "language"}; the token fixes its role and
        session, the language (else the handshake's Accept-Language) its refusals'."""
        languages[sid] = said.language_of(auth, environ.get("HTTP_ACCEPT_LANGUAGE"))
        try:
            if isinstance(auth, Unreadable):
                raise Refused("invalid", auth.reason)
            token = auth.get("token") if isinstance(auth, dict) else None
            admission = service.admit(token, environ.get("REMOTE_ADDR", ""))
        except KNOWN_ERRORS as error:
            body = said(sid, error)["error"]
            languages.pop(sid, None)
            # The client receives {"message": ..., "data": {"code", "message"}}.
            raise ConnectionRefusedError(body["message"], body) from None
        actor = admission.actor
        connections[sid] = actor
        buckets[sid] = TokenBucket(event_burst, event_rate, time.monotonic())
        if admission.may_end:
            signed[sid] = actor
            if not sweeping:
                sweeping.append(True)
                socketio.start_background_task(sweep)
        for room in admission.rooms:
            server.enter_room(sid, room)
            # Notices (a session deleted) go to the room's connections by language.
            server.enter_room(sid, language_room(room, languages[sid]))
        for name, data in service.opened(actor).items():
            server.emit(name, data, to=sid)

    def disconnect(sid: str, reason: Any = None) -> None:
        actor = connections.pop(sid, None)
        languages.pop(sid, None)
        signed.pop(sid, None)
        buckets.pop(sid, None)
        if actor is not None:
            service.closed(actor)

    def sweep() -> None:
        """Now and then, close consoles and displays that may no longer stay open."""
        while True:
            socketio.sleep(REVOCATION_SWEEP)
            try:
                ended = service.ended(dict(signed))
            except KNOWN_ERRORS:
                continue  # the store is away; the next sweep tries again
            for sid in ended:
                server.disconnect(sid)

    def unknown(event: str, sid: str, *args: Any) -> dict[str, Any]:
        """Any client sends an event this server has not, or one it could not read."""
        if args and isinstance(args[0], Unreadable):
            return said(sid, Refused("invalid", args[0].reason))
        return said(sid, Refused("invalid", "There is no such event."))

    server.on("connect", connect)
    server.on("disconnect", disconnect)
    server.on("*", unknown)
    for name, schema in EVENTS.items():
        handle = _handler(name, schema(), service, connections, buckets, said)
        moves = name in MOVES_ROOMS
        server.on(name, _moving_rooms(server, handle, languages, said) if moves else handle)


class _Refusals:
    """Says a refusal to one connection, in the language it chose at connect."""

    def __init__(self, catalogs: Catalogs, languages: dict[str, str]) -> None:
        self.catalogs = catalogs
        self.languages = languages

    def language_of(self, auth: Any, accept_language: str | None) -> str:
        chosen = auth.get("language") if isinstance(auth, dict) else None
        wanted = [chosen[:35]] if isinstance(chosen, str) and chosen.strip() else []
        return self.catalogs.best([*wanted, *accepted_languages(accept_language)])

    def __call__(self, sid: str, error: Exception) -> dict[str, Any]:
        language = self.languages.get(sid, DEFAULT_LANGUAGE)
        return error_body(error, language, self.catalogs)


def _handler(
    name: str,
    schema: Schema,  # one instance per event: building one per message was costly
    service: Service,
    connections: dict[str, Actor],
    buckets: dict[str, TokenBucket],
    said: _Refusals,
) -> Callable[..., dict[str, Any]]:
    method: Callable[..., dict[str, Any]] = getattr(service, name)

    def handle(sid: str, *args: Any) -> dict[str, Any]:
        actor = connections.get(sid)
        try:
            if actor is None:
                raise Refused("unauthenticated", "Connect with a token first.")
            bucket = buckets.get(sid)
            if bucket is not None and not bucket.take(time.monotonic()):
                raise Refused("rate_limited", "Too many messages at once. Send it again soon.")
            service.check_event(actor, name)
            if len(args) > 1:
                raise Refused("invalid", "Send one payload object.")
            payload = args[0] if args and args[0] is not None else {}
            if not isinstance(payload, dict):
                raise Refused("invalid", "The payload must be an object.")
            result = method(actor, **schema.load(payload))
        except KNOWN_ERRORS as error:
            return said(sid, error)
        except Exception:
            # Logged without the payload: answers and notes never reach server logs.
            log.exception("event %s failed", name)
            return said(sid, RuntimeError())
        return {"ok": True, **result}

    handle.__name__ = f"on_{name}"
    return handle


def _moving_rooms(
    server: Any, handle: Callable[..., dict[str, Any]], languages: dict[str, str], said: _Refusals
) -> Callable[..., Any]:
    """Wrap a handler whose result names the rooms the connection listens in from now on:
    leave the others, enter those, and send the connection its views as they now read.

    A phone that chose a language reads its refusals and notices in it from now on too
    (the nearest the interface has: `es` for `es-MX`).
    """

    def moving(sid: str, *args: Any) -> dict[str, Any]:
        result = handle(sid, *args)
        rooms = result.pop("rooms", None)
        views = result.pop("views", {})
        if result.get("ok") and rooms is not None:
            chosen = args[0].get("language") if args and isinstance(args[0], dict) else None
            if isinstance(chosen, str) and sid in languages:
                languages[sid] = said.catalogs.best([chosen[:35]])
            wanted = {*rooms, *(language_room(room, languages.get(sid, "en")) for room in rooms)}
            for room in server.rooms(sid):
                if room not in wanted and room != sid:
                    server.leave_room(sid, room)
            for room in wanted:
                server.enter_room(sid, room)
            for name, data in views.items():
                server.emit(name, data, to=sid)
        return result

    moving.__name__ = handle.__name__
    return moving
