"""The protocol's texts in the language a screen reads: a session's state seen in it.

A session's log keeps its agenda, polls and role-plays as the protocol's own language
has them, so that the record reads the same whatever its screens were shown. A screen
in another language is rendered from a copy of the state whose texts come from
`Protocol.in_language`, matched by id (polls, role-plays) or by place (steps, checklist);
ids, option order and every answer stay those of the log, so that a Spanish and a
French phone answering option 2 are counted together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from facilitator.core.spec import PollSpec, RolePlaySpec, StepSpec
from facilitator.core.state import SessionState
from facilitator.errors import Refused
from facilitator.languages import broader, language_tag
from facilitator.library.catalog import Catalog
from facilitator.library.loader import Protocol


class Wording:
    """Read a session's protocol texts in one of the languages its protocol offers."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def languages(self, state: SessionState) -> tuple[str, ...]:
        """Return the languages the session's protocol is offered in, its own first."""
        protocol = self._protocol(state)
        return protocol.languages if protocol else (state.language,)

    def offered(self, state: SessionState, language: object) -> str:
        """Return `language` in its usual spelling if the protocol offers it, else refuse."""
        protocol = self._protocol(state)
        return offered_language(protocol, language) if protocol else state.language

    def read_in(self, state: SessionState, language: str) -> SessionState:
        """Return the state with the protocol's texts in `language` (itself when no copy
        is needed). Anything the translation cannot be matched to keeps its own words."""
        protocol = self._protocol(state)
        if protocol is None or language == protocol.language:
            return state
        try:
            words = protocol.in_language(language)
        except (KeyError, ValueError):
            return state
        try:
            meeting = words.session(state.session_number)
        except KeyError:
            return state
        return replace(
            state,
            agenda=_steps(state.agenda, meeting.steps),
            checklist=list(meeting.fidelity)
            if len(meeting.fidelity) == len(state.checklist)
            else state.checklist,
            polls={
                key: replace(poll, spec=self._poll(poll.spec, words, language))
                for key, poll in state.polls.items()
            },
            role_plays={
                key: replace(play, spec=_role_play(play.spec, words.role_plays.get(play.spec.id)))
                for key, play in state.role_plays.items()
            },
        )

    def _protocol(self, state: SessionState) -> Protocol | None:
        try:
            return self._catalog.protocol(state.protocol_id)
        except KeyError:
            return None

    def _poll(self, spec: PollSpec, words: Protocol, language: str) -> PollSpec:
        other = words.polls.get(spec.id)
        if other is None and spec.instrument_id:
            instrument = self._catalog.instrument_of(spec)
            form = instrument.form_for(language) if instrument else None
            # Only an official translation: an instrument's wording is never our own.
            other = form.instrument.poll if form and form.in_requested_language else None
        if (
            other is None
            or other.type is not spec.type
            or len(other.options) != len(spec.options)
            or [item.id for item in other.items] != [item.id for item in spec.items]
        ):
            return spec
        return replace(spec, question=other.question, options=other.options, items=other.items)


def requested_tag(language: object) -> str:
    """Return a language tag in its usual spelling, or refuse it in the one error shape."""
    try:
        return language_tag(language)
    except ValueError:
        raise Refused("invalid", "This is not a language tag such as es, fr or pt-BR.") from None


def offered_language(protocol: Protocol, language: object) -> str:
    """Return `language` in its usual spelling if `protocol` is offered in it, or refuse
    it with the one error shape (nothing is changed)."""
    tag = requested_tag(language)
    if tag not in protocol.languages:
        raise Refused(
            "invalid",
            "This protocol is not offered in {language}; choose one of {languages}.",
            language=tag,
            languages=", ".join(protocol.languages),
        )
    return tag


def first_offered(protocol: Protocol, accepted: Sequence[str]) -> str:
    """Return the first of `accepted` (or the language it narrows) the protocol offers,
    else the protocol's own language."""
    for text in accepted:
        try:
            asked = language_tag(text)
        except ValueError:
            continue
        for tag in broader(asked):
            if tag in protocol.languages:
                return tag
    return protocol.language


def _steps(agenda: list[StepSpec], translated: tuple[StepSpec, ...]) -> list[StepSpec]:
    if len(agenda) != len(translated):
        return agenda
    return [
        replace(step, title=other.title, note=other.note)
        if (other.kind, other.poll, other.role_play) == (step.kind, step.poll, step.role_play)
        else step
        for step, other in zip(agenda, translated, strict=True)
    ]


def _role_play(spec: RolePlaySpec, other: RolePlaySpec | None) -> RolePlaySpec:
    if other is None or [r.id for r in other.roles] != [r.id for r in spec.roles]:
        return spec  # composed on the console, or changed since: its own words
    return replace(
        spec,
        title=other.title,
        scenario=other.scenario,
        roles=tuple(
            replace(role, name=theirs.name, setup=theirs.setup)
            for role, theirs in zip(spec.roles, other.roles, strict=True)
        ),
        debrief=other.debrief if len(other.debrief) == len(spec.debrief) else spec.debrief,
    )
