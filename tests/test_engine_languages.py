"""The session's language and each member's: chosen among those offered, or refused."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.codec import event_from_dict, event_to_dict, state_from_dict, state_to_dict
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from tests.factories import T0, new_session

OFFERED = ("en", "es", "fr")


def test_the_session_language_changes_publicly_and_once() -> None:
    state = new_session(2)
    public = state.public_version
    (event,) = handle(state, c.SetSessionLanguage(T0 + 1, "es", OFFERED))
    assert event == e.SessionLanguageSet("es", T0 + 1)
    assert (state.language, state.public_version) == ("es", public + 1)
    assert handle(state, c.SetSessionLanguage(T0 + 2, "es", OFFERED)) == []
    assert event_from_dict(event_to_dict(event)) == event


def test_a_member_language_is_private_and_theirs_alone() -> None:
    state = new_session(2)
    public = state.public_version
    (event,) = handle(state, c.SetMemberLanguage(T0 + 1, "p1", "fr", OFFERED))
    assert event == e.MemberLanguageSet("p1", "fr", T0 + 1)
    assert state.public_version == public  # the room learns nothing of it
    assert (state.language_of("p1"), state.language_of("p2")) == ("fr", "en")
    assert state_from_dict(state_to_dict(state)).participants["p1"].language == "fr"


@pytest.mark.parametrize(
    "command",
    [
        c.SetSessionLanguage(T0 + 1, "de", OFFERED),
        c.SetMemberLanguage(T0 + 1, "p1", "de", OFFERED),
    ],
    ids=["session", "member"],
)
def test_a_language_not_offered_is_refused(command: c.Command) -> None:
    state = new_session(2)
    version = state.version
    with pytest.raises(DomainError) as refused:
        handle(state, command)
    assert refused.value.code == "invalid"
    assert str(refused.value) == "This protocol is not offered in de; choose one of en, es, fr."
    assert (state.version, state.language, state.participants["p1"].language) == (version, "en", "")


def test_a_member_who_left_cannot_choose_a_language() -> None:
    state = new_session(2)
    handle(state, c.Leave(T0 + 1, "p1"))
    with pytest.raises(DomainError) as refused:
        handle(state, c.SetMemberLanguage(T0 + 2, "p1", "es", OFFERED))
    assert refused.value.code == "illegal_state"


def test_a_member_joins_with_a_language_and_older_logs_read_as_english() -> None:
    state = new_session(0)
    (joined,) = handle(state, c.Join(T0 + 1, "p9", None, "Blue", T0, "v1", "es"))
    assert isinstance(joined, e.ParticipantJoined) and joined.language == "es"
    assert state.language_of("p9") == "es"
    older = {key: value for key, value in event_to_dict(joined).items() if key != "language"}
    read_back = event_from_dict(older)
    assert isinstance(read_back, e.ParticipantJoined) and read_back.language == ""
