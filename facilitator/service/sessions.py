"""Run commands against sessions: authorize, decide, append, then broadcast.

Every change is appended to the log before anyone hears of it; the in-process state
is only a cache, checked against the store's version before each command, so that
several processes can serve one session.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from facilitator.catalogs import shipped
from facilitator.core import commands as c
from facilitator.core.codec import snapshot_to_dict
from facilitator.core.engine import apply, create, decide
from facilitator.core.errors import DomainError
from facilitator.core.events import CommandRecorded, Event, ParticipantLeft, PollClosed
from facilitator.core.messages import N_
from facilitator.core.spec import PollSpec, RolePlaySpec
from facilitator.core.state import PollPhase, SessionPhase, SessionState, ballot_key
from facilitator.errors import Refused
from facilitator.library.catalog import Catalog
from facilitator.service import audience, audit
from facilitator.service.broadcast import Broadcaster, Defer, Online, Render, Sender
from facilitator.service.codes import new_join_code, new_pseudonym, normalize_code
from facilitator.service.limits import address_key
from facilitator.service.loading import load_state
from facilitator.service.tokens import Actor, Role
from facilitator.service.wording import Wording, first_offered, offered_language
from facilitator.storage.base import Snapshot, Store, VersionConflict

MakeCommand = Callable[[SessionState, float], c.Command]
T = TypeVar("T")
# Under a storm of answers on two busy processes, five attempts sometimes all lost.
RUN_ATTEMPTS = 8
# Seconds a command may wait (for its session's lock, or for the store) before it is
# refused instead of run: well below the clients' 10 s ack time-out, so that nothing is
# recorded after its sender was told it failed. A store call that starts just before
# the bound ends within Redis's 2 s reply time-out, still inside the ten.
COMMAND_DEADLINE = 5.0
# How far back in the log the events of a command found applied are looked for; a
# command writes a few events at most, and members' events in between are harmless.
REPUBLISH_WINDOW = 50


@dataclass(frozen=True)
class Outcome:
    version: int
    public_version: int
    events: Sequence[Event]

    def version_for(self, actor: Actor) -> int:
        """Return the version `actor` may know (see audience.version_for)."""
        return audience.version_for(actor, self.version, self.public_version)


class SessionService:
    """The one way sessions change."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        send: Sender,
        *,
        clock: Callable[[], float] = time.time,
        snapshot_every: int = 200,
        join_attempts: int = 20,
        join_code_attempts: int = 2000,
        defer: Defer | None = None,
        deadline: float = COMMAND_DEADLINE,
        online: Online | None = None,
        send_here: Sender | None = None,
        extras: audience.Extras = audience.NO_EXTRAS,
    ) -> None:
        self.store = store
        # What views add from beyond a session (its course), for every sender of views.
        self.extras = extras
        self.catalog = catalog
        # Reads the protocol's texts in the language of each screen.
        self.wording = Wording(catalog)
        # Who is connected comes from live connections (service/presence.py), not the log.
        self._online: Online = online or (lambda session_id: frozenset())
        # With `defer`, the console's view is throttled in bursts (see Broadcaster).
        self._broadcast = Broadcaster(
            send,
            defer,
            self._with_state,
            online=self._online,
            send_here=send_here,
            extras=extras,
            wording=self.wording,
        )
        self._clock = clock
        self._snapshot_every = snapshot_every
        self._snapshot_at: dict[str, int] = {}  # the version of each session's last snapshot
        self._join_attempts = join_attempts
        self._code_attempts = join_code_attempts
        self._cache: dict[str, SessionState] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._deadline = deadline

    # -- reading ----------------------------------------------------------------------

    def current(self, session_id: str) -> SessionState:
        """Return the session's state as the store has it now."""
        # Under the session's lock: catching up while a command is applying its events
        # would apply them twice to the cached state.
        with self._lock(session_id):
            return self._caught_up(session_id)

    def rendered(self, session_id: str, render: Callable[[SessionState], T]) -> T | None:
        """Render the session as it stands now, under its lock; None once it is erased."""
        with self._lock(session_id):
            try:
                state = self._caught_up(session_id)
            except DomainError:
                return None
            return render(state)

    def _caught_up(self, session_id: str) -> SessionState:
        state = self._cache.get(session_id)
        if state is None:
            state = load_state(self.store, session_id)
            self._cache[session_id] = state
            return state
        stored = self.store.version(session_id)
        if stored == 0:
            self._cache.pop(session_id, None)
            raise DomainError("There is no such session.", "not_found")
        if stored != state.version:
            # Another process appended: fold in its events and re-read open ballots.
            for _, event in self.store.read(session_id, since=state.version):
                apply(state, event)
            for poll in state.polls.values():
                if poll.phase is PollPhase.OPEN:
                    ballots = self.store.ballots(session_id, poll.id)
                    poll.ballots = sorted(ballots, key=ballot_key)
        return state

    def console_view(self, session_id: str) -> dict[str, Any]:
        """Return the whole view of a console opening now or asking `sync`."""
        with self._lock(session_id):
            return self._broadcast.console_full(self._caught_up(session_id))

    def console_resent(self, state: SessionState) -> dict[str, Any]:
        """Return the whole view sent again to this process's consoles, under the lock."""
        return self._broadcast.console_resent(state)

    def online(self, session_id: str) -> Collection[str]:
        """Return the session's members with a live connection now."""
        return self._online(session_id)

    def refresh_consoles_here(self, session_id: str) -> None:
        """Send the session's consoles on this process a fresh view: presence moved."""
        self._broadcast.refresh_consoles_here(session_id)

    # -- changing ---------------------------------------------------------------------

    def create(
        self,
        owner: str,
        protocol_id: str,
        session_number: int,
        *,
        title: str = "",
        course_id: str = "",
        language: str | None = None,
        accepted: Sequence[str] = (),
    ) -> SessionState:
        """Open a new session of one protocol session's agenda, with a fresh join code.

        A meeting of a course passes its title (the course's neutral one) and its course;
        a one-off session without a title is named after its meeting, since phones and
        the display never show the protocol's clinical title.

        Its screens read the protocol in `language` (refused unless the protocol offers
        it); without one, in the first of `accepted` (the browser's Accept-Language) the
        protocol offers, else in the protocol's own language.
        """
        try:
            protocol = self.catalog.protocol(protocol_id)
        except KeyError:
            raise Refused(
                "not_found", "There is no protocol {protocol}.", protocol=repr(protocol_id)
            ) from None
        chosen = next((s for s in protocol.sessions if s.n == session_number), None)
        if chosen is None:
            numbers = ", ".join(str(s.n) for s in protocol.sessions)
            raise Refused(
                "not_found",
                "The protocol {protocol} has sessions {numbers}.",
                protocol=repr(protocol_id),
                numbers=numbers,
            )
        if language is not None:
            language = offered_language(protocol, language)
        else:
            language = first_offered(protocol, accepted)
        named = protocol.in_language(language).session(chosen.n).title
        for _ in range(5):
            session_id = secrets.token_urlsafe(9)
            command = c.CreateSession(
                at=self._clock(),
                session_id=session_id,
                protocol_id=protocol.id,
                protocol_version=protocol.version,
                session_number=chosen.n,
                # Phones and the room display show it: never the protocol's clinical title.
                title=title or default_title(named, language),
                agenda=chosen.steps,
                join_code=new_join_code(),
                owner=owner,
                course_id=course_id,
                checklist=chosen.fidelity,
                language=language,
            )
            state, events = create(command)
            try:
                self.store.append(session_id, 0, events)
            except VersionConflict:
                continue  # the join code (or id) was taken: draw again
            self._cache[session_id] = state
            return state
        raise Refused("busy", "Could not find a free join code. Try again.")

    def run(
        self,
        actor: Actor,
        make: MakeCommand,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> Outcome:
        """Apply one command for `actor`; return the new version and what happened.

        With a `command_id`, the command is applied at most once: a retry, or the same
        command decided again after a lost store reply, gets the first outcome back.
        With an `expected_version`, it is refused when a facilitator command changed the
        session after that version (see `_check_version`). A command that could not be
        written within the deadline is refused, never written later.
        """
        sid = actor.session_id
        started = time.monotonic()
        lock = self._lock(sid)
        if not lock.acquire(timeout=self._deadline):
            raise _too_late()
        try:
            for attempt in range(RUN_ATTEMPTS):
                if attempt:
                    # Several processes racing for one session: a short random pause
                    # lets the others' writes land instead of colliding again.
                    time.sleep(secrets.randbelow(2000 * attempt) / 1e6)
                state = self.current(sid)
                audience.seat_of(actor, state)
                applied = state.commands.get(command_id) if command_id else None
                if applied is not None:
                    # Before the version check: the command itself moved the version.
                    return self._applied_before(actor, state, applied)
                if expected_version is not None:
                    _check_version(state, expected_version)
                events = decide(state, make(state, self._clock()))
                if not events:
                    return Outcome(state.version, state.public_version, [])
                if command_id:
                    events = [*events, CommandRecorded(command_id, by=actor.user)]
                if time.monotonic() - started > self._deadline:
                    raise _too_late()
                self._drop_earlier_results(state, events)
                try:
                    self.store.append(sid, state.version, events)
                except VersionConflict as conflict:
                    # Another process wrote first. The cached state is untouched (events
                    # apply only once stored), so catching up on its events is enough;
                    # reload whole only when the store disagrees without moving on.
                    if conflict.actual <= state.version:
                        self._cache.pop(sid, None)
                    continue
                self._broadcast.before_change(state)
                for event in events:
                    apply(state, event)
                self._maybe_snapshot(state)
                self._broadcast.publish(
                    state, events, by_facilitator=actor.role is Role.FACILITATOR
                )
                self._audit_removals(actor, state, events)
                return Outcome(state.version, state.public_version, events)
        finally:
            lock.release()
        raise Refused("conflict", "The session kept changing. Try again.")

    def _applied_before(self, actor: Actor, state: SessionState, applied: int) -> Outcome:
        """Answer a command found applied with its first version, and send its views again.

        Its first sending may never have happened: when the store's reply to its append
        was lost, the process that wrote it heard only an error. Sending a view twice is
        harmless; a change nobody was shown is not.
        """
        window = self.store.read(state.id, since=max(applied - REPUBLISH_WINDOW, 0))
        mine: list[Event] = []
        for version, event in window:
            if version > applied:
                break
            if isinstance(event, CommandRecorded) and version < applied:
                mine = []  # an earlier command's: this command's events come after it
            else:
                mine.append(event)
        self._broadcast.publish(state, mine, by_facilitator=actor.role is Role.FACILITATOR)
        return Outcome(applied, state.public_version, [])  # nothing applied this time

    def join(self, typed_code: str, display_name: str | None, address: str) -> Actor:
        """Admit a member by join code; return their actor.

        Every attempt counts, per address and per code, before the code is looked up:
        over either limit a right code is refused like a wrong one, so that the answer
        never tells a guesser which codes are live. An ended or locked session answers
        exactly like a code no session has.
        """
        session_id = self.find_code(typed_code, address)
        return self.join_as(session_id, "m-" + secrets.token_urlsafe(8), display_name)

    def find_code(self, typed_code: str, address: str) -> str:
        """Return the session a join code opens, counting the attempt against the limits."""
        now = self._clock()
        code = normalize_code(typed_code)
        over_address = (
            self.store.count_attempt(f"join:{address_key(address)}", now, 60.0)
            > self._join_attempts
        )
        over_code = self.store.count_attempt(f"join-code:{code}", now, 60.0) > self._code_attempts
        if over_address or over_code:
            raise Refused("rate_limited", "Too many attempts. Wait a minute and try again.")
        session_id = self.store.session_for_code(code) if code else None
        if session_id is None:
            raise _unknown_code()
        return session_id

    def join_as(
        self,
        session_id: str,
        participant_id: str,
        display_name: str | None,
        consent: tuple[float | None, str] = (None, ""),
        language: str = "",
    ) -> Actor:
        """Admit a member under `participant_id` (a course's member keeps theirs), with
        when they agreed to the consent text and its version."""
        actor = Actor(Role.PARTICIPANT, session_id, participant_id)

        def joining(state: SessionState, at: float) -> c.Command:
            if state.phase is SessionPhase.ENDED or state.locked:
                raise _unknown_code()
            pseudonym = new_pseudonym(state.names_present())
            return c.Join(at, participant_id, display_name, pseudonym, *consent, language)

        try:
            self.run(Actor(Role.PARTICIPANT, session_id), joining)
        except DomainError as error:
            if error.code == "not_found":  # erased since the code was looked up
                raise _unknown_code() from None
            raise
        return actor

    def republish(self, session_id: str, participant_ids: Sequence[str]) -> None:
        """Send the consoles, and these members, their views again: something beyond the
        session's own log (its course) changed what they show."""
        with self._lock(session_id):
            state = self._caught_up(session_id)
            self._broadcast.touch(state, participant_ids)

    def poll_spec(self, state: SessionState, poll_ref: str) -> PollSpec:
        """Return the poll or instrument that `poll_ref` names for this session."""
        try:
            return self.catalog.poll(state.protocol_id, poll_ref)
        except KeyError:
            raise DomainError(
                "This protocol has no poll {poll}.", "not_found", poll=repr(poll_ref)
            ) from None

    def role_play_spec(self, state: SessionState, ref: str) -> RolePlaySpec:
        """Return the role-play that `ref` names in this session's protocol."""
        spec = self.catalog.protocol(state.protocol_id).role_plays.get(ref)
        if spec is None:
            raise DomainError(
                "This protocol has no role-play {role_play}.", "not_found", role_play=repr(ref)
            )
        return spec

    def clock(self) -> float:
        return self._clock()

    def forget(self, session_id: str) -> None:
        """Drop a session from the cache, e.g. after it was erased."""
        self._cache.pop(session_id, None)
        self._snapshot_at.pop(session_id, None)
        self._broadcast.forget(session_id)

    # -- internals --------------------------------------------------------------------

    def _with_state(self, session_id: str, render: Render) -> dict[str, Any] | None:
        return self.rendered(session_id, render)

    def _lock(self, session_id: str) -> threading.RLock:
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.RLock())

    def _drop_earlier_results(self, state: SessionState, events: Sequence[Event]) -> None:
        """Before a reopened anonymous poll closes again, empty its earlier close's results.

        Its kept ballots went back into its ballot box when it was reopened, and the new
        close keeps them with the new ones in one sorted whole. Two closes each holding
        ballots would tell, by their difference, what those who answered in between
        gave, and the log names them. Done first, and done again should the close fail
        after: while the poll is open its ballots live in the box, so nothing is lost.
        """
        for event in events:
            if not isinstance(event, PollClosed):
                continue
            poll = state.polls[event.poll_id]
            if not (poll.spec.anonymous and poll.reopened):
                continue
            earlier = {
                version: replace(logged, ballots=())
                for version, logged in self.store.read(state.id)
                if isinstance(logged, PollClosed) and logged.poll_id == poll.id and logged.ballots
            }
            if earlier:
                self.store.redact(state.id, earlier, ())

    def _audit_removals(self, actor: Actor, state: SessionState, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, ParticipantLeft) and event.removed:
                # The member's id only: their display name may be something they wrote.
                audit.record(
                    self.store,
                    event.at,
                    audit.MEMBER_REMOVED,
                    actor=actor.user,
                    address=actor.address,
                    owner=state.owner,
                    session_id=state.id,
                    detail=event.participant_id,
                )

    def _maybe_snapshot(self, state: SessionState) -> None:
        # At least `snapshot_every` events apart, and a quarter of the log apart in long
        # sessions: a snapshot costs time in proportion to the state, and the state grows
        # with the log, so this keeps its cost per event flat (a snapshot every 200
        # events of a 1,000-member vote took a fifth of the server's time).
        last = self._snapshot_at.get(state.id, 0)
        if state.version - last >= max(self._snapshot_every, state.version // 4):
            self.store.save_snapshot(state.id, Snapshot(state.version, snapshot_to_dict(state)))
            self._snapshot_at[state.id] = state.version


def _check_version(state: SessionState, expected: int) -> None:
    """Refuse a facilitator command sent from a screen older than the last command.

    Only facilitator commands count: members answering and phones coming and going move
    the session's version too, but do not change what a facilitator's click means.
    """
    if expected > state.version:
        raise Refused(
            "stale_version",
            "The session is at version {version}, not {expected}: resync and try again.",
            version=state.version,
            expected=expected,
        )
    if expected < state.command_version:
        raise Refused(
            "stale_version",
            "A facilitator command changed the session after version {expected}"
            " (at version {version}): resync, check and try again.",
            expected=expected,
            version=state.command_version,
        )


def _too_late() -> Refused:
    # The sender may already have given up on it: better refused than applied unseen.
    return Refused(
        "busy", "The server could not get to this in time. Nothing was saved; try again."
    )


def _unknown_code() -> Refused:
    # True of a code no session has, of an ended session and of a locked one alike.
    return Refused("unknown_code", "No session you can join has that code. Check it and try again.")


def default_title(meeting: str, language: str) -> str:
    """Return the name of a session opened without a title, in its language: after its
    meeting, never the protocol's clinical title (shown on phones and the wall)."""
    return shipped().translate(language, "server", N_("Group meeting: {meeting}"), meeting=meeting)
