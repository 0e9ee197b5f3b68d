"""Decide which language a session's screens, and each member's phone, read the protocol in.

Only a language the protocol is offered in may be chosen: a protocol offers a language
only when every text is translated, so no screen ever mixes two (library/translation.py).
"""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import present_member
from facilitator.core.state import SessionState


def offered(language: str, languages: tuple[str, ...]) -> str:
    """Return `language` if it is one of `languages`, or refuse it naming those that are."""
    if language not in languages:
        raise DomainError(
            "This protocol is not offered in {language}; choose one of {languages}.",
            "invalid",
            language=language,
            languages=", ".join(languages),
        )
    return language


def _set_session(state: SessionState, cmd: c.SetSessionLanguage) -> list[e.Event]:
    language = offered(cmd.language, cmd.offered)
    if language == state.language:
        return []
    return [e.SessionLanguageSet(language, cmd.at)]


def _set_member(state: SessionState, cmd: c.SetMemberLanguage) -> list[e.Event]:
    member = present_member(state, cmd.participant_id)
    language = offered(cmd.language, cmd.offered)
    if language == member.language:
        return []
    return [e.MemberLanguageSet(member.id, language, cmd.at)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.SetSessionLanguage: _set_session,
    c.SetMemberLanguage: _set_member,
}
