"""What the console, the phones and the display see of who runs a session."""

from __future__ import annotations

import json

from facilitator.core import commands as c
from facilitator.core.engine import create, handle
from facilitator.core.state import SessionState
from facilitator.service.views import display_view, facilitator_view, participant_view
from tests.factories import AGENDA, T0


def _session() -> SessionState:
    command = c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    state, _ = create(command)
    handle(state, c.Join(T0 + 1, "p1", None, "Member 1"))
    handle(state, c.Start(T0 + 10))
    return state


def test_the_console_lists_the_co_facilitators_by_name_with_their_export_grant() -> None:
    state = _session()
    assert facilitator_view(state, set())["co_facilitators"] == []
    for user, may_export in (("cleo", True), ("ben", False), ("abe", False), ("abe", True)):
        handle(state, c.InviteCoFacilitator(T0 + 20, user, may_export))
    handle(state, c.RemoveCoFacilitator(T0 + 21, "cleo"))
    view = facilitator_view(state, set())
    assert view["owner"] == "asha"
    assert view["co_facilitators"] == [
        {"user": "abe", "may_export": True},
        {"user": "ben", "may_export": False},
    ]


def test_the_console_shows_who_wrote_each_note() -> None:
    state = _session()
    handle(state, c.AddNote(T0 + 20, "From Ben.", by="ben"))
    handle(state, c.AddNote(T0 + 21, "Unsigned."))
    notes = facilitator_view(state, set())["notes"]
    assert [(n["text"], n["by"]) for n in notes] == [("From Ben.", "ben"), ("Unsigned.", "")]


def test_phones_and_the_display_see_nothing_of_the_facilitators() -> None:
    state = _session()
    before = (participant_view(state), display_view(state))
    handle(state, c.InviteCoFacilitator(T0 + 20, "ben-account", True))
    handle(state, c.AddNote(T0 + 21, "Quiet.", by="ben-account"))
    after = (participant_view(state), display_view(state))
    assert after == before  # not a name, and not even a version moved
    assert "ben-account" not in json.dumps(after)
    assert "asha" not in json.dumps(after)
