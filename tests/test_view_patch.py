"""The console's view rendered part by part from what was kept (view_memo) is the view
rendered afresh, and its patch from the view before makes exactly the new view."""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Callable
from typing import Any

from facilitator.core import commands as c
from facilitator.core.engine import handle
from facilitator.core.state import SessionState, SignalKind
from facilitator.library.catalog import Catalog
from facilitator.service import view_memo, view_patch
from facilitator.service.audience import NO_EXTRAS, console_view
from facilitator.service.safety import SafetyExtras
from tests.factories import MOOD, NAMED, T0, WORDS, answer_all, new_session

EXTRAS = SafetyExtras(NO_EXTRAS, Catalog.load())
ONLINE = frozenset({"p1", "p3"})

Step = Callable[[SessionState], object]

# A meeting's changes, each touching a different part of the console's view.
STEPS: list[Step] = [
    lambda s: handle(s, c.OpenPoll(T0 + 200, MOOD)),
    lambda s: answer_all(s, "poll-1", [3, 5, 7]),
    lambda s: handle(s, c.ClosePoll(T0 + 300, "poll-1")),
    lambda s: handle(s, c.RevealPoll(T0 + 310, "poll-1", True)),
    lambda s: handle(s, c.PushPrompt(T0 + 320, "What helped?")),
    lambda s: handle(s, c.HideResults(T0 + 330)),
    lambda s: handle(s, c.OpenPoll(T0 + 400, NAMED)),
    lambda s: answer_all(s, "poll-2", [1, 2]),
    lambda s: handle(s, c.SendSignal(T0 + 410, "p2", "sig-a", SignalKind.SUPPORT)),
    lambda s: handle(s, c.AcknowledgeSignal(T0 + 420, "signal-1")),
    lambda s: handle(s, c.ClosePoll(T0 + 430, "poll-2")),
    lambda s: handle(s, c.AddNote(T0 + 440, "Bo spoke first.", by="asha")),
    lambda s: handle(s, c.OpenPoll(T0 + 500, WORDS)),
    lambda s: answer_all(s, "poll-3", ["calm", "tired", "calm"]),
    lambda s: handle(s, c.ClosePoll(T0 + 510, "poll-3")),
    lambda s: handle(s, c.RevealPoll(T0 + 520, "poll-3", True)),
    lambda s: handle(s, c.HideWord(T0 + 530, "poll-3", "tired", True)),
    lambda s: handle(s, c.Join(T0 + 540, "p4", None, "Member 4")),
    lambda s: handle(s, c.Leave(T0 + 545, "p3")),
    lambda s: handle(s, c.RemoveParticipant(T0 + 546, "p4")),
    lambda s: handle(s, c.EraseParticipant(T0 + 550, "p2")),
    lambda s: handle(s, c.ReopenPoll(T0 + 560, "poll-1")),
    lambda s: handle(s, c.Next(T0 + 570)),
]


def afresh(state: SessionState) -> dict[str, Any]:
    """Render the console's view from a copy of `state`: nothing kept applies to it."""
    return console_view(copy.deepcopy(state), ONLINE, EXTRAS)


def test_each_change_renders_what_a_fresh_render_does_and_patches_to_it() -> None:
    state = new_session(3, start=True)
    before = console_view(state, ONLINE, EXTRAS)
    for step in STEPS:
        step(state)
        view = console_view(state, ONLINE, EXTRAS)
        assert view == afresh(state), step
        patch = view_patch.diff(before, view)
        # Through JSON, as the console receives it.
        assert view_patch.apply(before, json.loads(json.dumps(patch))) == view
        before = view


def test_a_prompt_in_a_long_session_patches_the_prompt_and_version_alone() -> None:
    state = new_session(3, start=True)
    for n in range(40):
        poll_id = f"poll-{n + 1}"
        handle(state, c.OpenPoll(T0 + 200 + n, MOOD))
        answer_all(state, poll_id, [3, 5, 7])
        handle(state, c.ClosePoll(T0 + 200 + n, poll_id))
    before = console_view(state, ONLINE, EXTRAS)
    handle(state, c.PushPrompt(T0 + 900, "One word for today"))
    after = console_view(state, ONLINE, EXTRAS)
    # The polls are the very parts rendered before: nothing re-rendered, nothing walked.
    assert all(a is b for a, b in zip(before["polls"], after["polls"], strict=True))
    patch = view_patch.diff(before, after)
    assert set(patch["set"]) == {"version", "prompt"}
    assert "sub" not in patch and len(json.dumps(patch)) < 200


def test_an_answer_renders_the_row_of_its_member_alone() -> None:
    state = new_session(4, start=True)
    handle(state, c.OpenPoll(T0 + 200, MOOD))
    before = console_view(state, ONLINE, EXTRAS)
    answer_all(state, "poll-1", [3])
    after = console_view(state, ONLINE, EXTRAS)
    assert after == afresh(state)
    pairs = zip(after["participants"], before["participants"], strict=True)
    assert [a["id"] for a, b in pairs if a is not b] == ["p1"]
    assert after["participants"][0]["answered"] and not before["participants"][0]["answered"]
    # A prompt touches no row: the roster is the very list rendered before, skipped whole.
    handle(state, c.PushPrompt(T0 + 300, "One word for today"))
    prompted = console_view(state, ONLINE, EXTRAS)
    assert prompted["participants"] is after["participants"]
    assert "participants" not in view_patch.diff(after, prompted).get("sub", {})
    # A phone coming online changes its member's row, as a fresh render has it.
    online = console_view(state, ONLINE | {"p2"}, EXTRAS)
    assert online == console_view(copy.deepcopy(state), ONLINE | {"p2"}, EXTRAS)
    assert online["participants"][1]["connected"] and not prompted["participants"][1]["connected"]
    assert online["participants"][0] is prompted["participants"][0]


def test_members_reordered_or_gone_are_patched_to_the_new_order() -> None:
    before = {"participants": [{"id": "a", "n": 1}, {"id": "b", "n": 2}, {"id": "c", "n": 3}]}
    after = {"participants": [{"id": "c", "n": 3}, {"id": "d", "n": 4}, {"id": "a", "n": 9}]}
    patch = view_patch.diff(before, after)
    assert patch["sub"]["participants"]["order"] == ["c", "d", "a"]
    assert patch["sub"]["participants"]["drop"] == ["b"]
    assert view_patch.apply(before, patch) == after


def test_parts_kept_for_a_state_go_with_it() -> None:
    state = new_session(3, start=True)
    console_view(state, ONLINE, EXTRAS)
    holder = id(state)
    assert holder in view_memo._parts
    del state
    gc.collect()
    # Its own entry is gone (others' may go too: states earlier tests left for the GC).
    assert holder not in view_memo._parts
