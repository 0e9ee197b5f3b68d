"""A session's protocol texts read in another language: matched by id or place, never
mixed, the log's own words and every answer untouched."""

from __future__ import annotations

from dataclasses import replace

import pytest

from facilitator.core import commands as c
from facilitator.core.engine import create, handle
from facilitator.core.spec import StepSpec
from facilitator.core.state import SessionState
from facilitator.errors import Refused
from facilitator.library.catalog import Catalog
from facilitator.service.wording import Wording, first_offered, offered_language
from tests.factories import ROLE_PLAY, T0

CATALOG = Catalog.load()
PROTOCOL = CATALOG.protocol("group-ipt-8")
FR = PROTOCOL.in_language("fr")
WORDING = Wording(CATALOG)


def _session(agenda: tuple[StepSpec, ...] | None = None) -> SessionState:
    steps = PROTOCOL.session(2).steps if agenda is None else agenda
    command = c.CreateSession(T0, "s1", PROTOCOL.id, PROTOCOL.version, 2, "Tuesday", steps)
    state, _ = create(replace(command, checklist=PROTOCOL.session(2).fidelity))
    handle(state, c.Join(T0 + 1, "p1", None, "Blue"))
    handle(state, c.Start(T0 + 2))
    handle(state, c.OpenPoll(T0 + 3, CATALOG.poll(PROTOCOL.id, "tried_step")))
    handle(state, c.SubmitAnswer(T0 + 4, "p1", "a1", "poll-1", 1))
    play = PROTOCOL.role_plays["dispute_need"]
    cast = tuple((r.id, None) for r in play.roles if not r.observer)
    handle(state, c.PushRolePlay(T0 + 5, play, cast))
    return state


def test_every_protocol_text_reads_in_the_language_asked() -> None:
    state = _session()
    french = WORDING.read_in(state, "fr")
    assert [s.title for s in french.agenda] == [s.title for s in FR.session(2).steps]
    assert [s.note for s in french.agenda] == [s.note for s in FR.session(2).steps]
    assert french.checklist == list(FR.session(2).fidelity)
    poll = french.polls["poll-1"].spec
    assert (poll.question, poll.options) == (
        FR.polls["tried_step"].question,
        FR.polls["tried_step"].options,
    )
    (play,) = french.role_plays.values()
    assert play.spec == FR.role_plays["dispute_need"]


def test_ids_answers_and_the_logged_words_stay_as_they_were() -> None:
    state = _session()
    french = WORDING.read_in(state, "fr")
    assert french.polls["poll-1"].answers == {"p1": 1}
    assert [s.poll for s in french.agenda] == [s.poll for s in state.agenda]
    assert french.polls["poll-1"].spec.id == "tried_step"
    # The state itself still holds the protocol's own words.
    assert state.agenda[0].title == PROTOCOL.session(2).steps[0].title
    assert state.polls["poll-1"].spec.options == PROTOCOL.polls["tried_step"].options
    assert WORDING.read_in(state, "en") is state


def test_what_cannot_be_matched_keeps_its_own_words() -> None:
    # An agenda that no longer matches the protocol's meeting (the file changed since),
    # and a role-play written on the console, are not the translation's to word.
    state = _session(agenda=PROTOCOL.session(2).steps[:3])
    handle(state, c.EndRolePlay(T0 + 6, next(iter(state.role_plays))))
    handle(state, c.PushRolePlay(T0 + 7, ROLE_PLAY, (("protagonist", None), ("other", None))))
    french = WORDING.read_in(state, "fr")
    assert french.agenda == state.agenda
    assert french.role_plays[state.active_role_play or ""].spec == ROLE_PLAY


def test_accept_language_picks_the_first_offered_then_the_protocols_own() -> None:
    assert first_offered(PROTOCOL, ["de-CH", "fr-CA", "es"]) == "fr"
    assert first_offered(PROTOCOL, ["*", "not a tag", "es-419"]) == "es"
    assert first_offered(PROTOCOL, ["de", "ja"]) == PROTOCOL.language


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("de", "This protocol is not offered in de; choose one of en, es, fr."),
        ("sp", "This is not a language tag such as es, fr or pt-BR."),
    ],
)
def test_a_language_not_offered_is_refused_in_words(asked: str, message: str) -> None:
    with pytest.raises(Refused) as refused:
        offered_language(PROTOCOL, asked)
    assert (refused.value.code, str(refused.value)) == ("invalid", message)
    assert offered_language(PROTOCOL, "FR") == "fr"
