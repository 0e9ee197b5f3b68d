"""docs/events.md documents every Socket.IO event, its payload fields and who may send it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from facilitator.service import audience
from facilitator.service.tokens import Role
from facilitator.transport.socket_events import EVENTS

DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"

# Events documented in docs/events.md that are not entries of EVENTS.
SERVER_EVENTS = audience.SERVER_EVENTS
LIFECYCLE_EVENTS = frozenset({"connect", "disconnect"})
SERVER = "server"
ALL_ROLES = frozenset(role.value for role in Role)

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_EVENT_HEADING = re.compile(r"^`([a-z_]+)`$")
_SENT_BY = re.compile(r"^\*\*Sent by:\*\*\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Expected:
    """What the doc must say about one event: who sends it and its payload fields."""

    roles: frozenset[str]
    fields: frozenset[str]


def event_sections(text: str) -> dict[str, str]:
    """Return the body of each "### `name`" section, up to the next heading of level <= 3."""
    sections: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading and len(heading.group(1)) <= 3:
            if current is not None:
                sections[current] = "\n".join(body)
            current, body = None, []
            named = _EVENT_HEADING.match(heading.group(2))
            if len(heading.group(1)) == 3 and named:
                current = named.group(1)
                if current in sections:
                    raise ValueError(f"event {current!r} is documented twice")
            continue
        if current is not None:
            body.append(line)
    if current is not None:
        sections[current] = "\n".join(body)
    return sections


def sent_by(section: str) -> frozenset[str] | None:
    """Return the roles on the section's "**Sent by:**" line, or None when it has none."""
    lines = _SENT_BY.findall(section)
    if len(lines) != 1:
        return None
    return frozenset(part.strip() for part in lines[0].split(","))


def expected_events() -> dict[str, Expected]:
    """Return what the doc must hold: every registered event, plus server and lifecycle."""
    expected = {
        name: Expected(
            frozenset(role.value for role, sent in audience.EVENTS.items() if name in sent),
            frozenset(schema().fields),
        )
        for name, schema in EVENTS.items()
    }
    for name in LIFECYCLE_EVENTS:
        expected[name] = Expected(ALL_ROLES, frozenset({"token"} if name == "connect" else ()))
    for name in SERVER_EVENTS:
        expected[name] = Expected(frozenset({SERVER}), frozenset())
    return expected


def doc_problems(text: str, expected: dict[str, Expected]) -> list[str]:
    """Return every way `text` disagrees with `expected`; empty when the doc is right."""
    try:
        sections = event_sections(text)
    except ValueError as error:
        return [str(error)]
    problems = [f"{name}: not documented" for name in sorted(expected.keys() - sections.keys())]
    problems += [
        f"{name}: documented but not an event" for name in sorted(sections.keys() - expected)
    ]
    for name in sorted(expected.keys() & sections.keys()):
        section, want = sections[name], expected[name]
        roles = sent_by(section)
        if roles is None:
            problems.append(f"{name}: needs exactly one '**Sent by:**' line")
        elif roles != want.roles:
            problems.append(
                f"{name}: sent by {', '.join(sorted(roles))} in the doc,"
                f" {', '.join(sorted(want.roles))} in the code"
            )
        for field in sorted(want.fields):
            if f"`{field}`" not in section:
                problems.append(f"{name}: payload field `{field}` not documented")
    return problems


# -- the real doc ---------------------------------------------------------------------


def test_every_event_is_documented_as_the_code_defines_it() -> None:
    assert doc_problems(DOC.read_text(encoding="utf-8"), expected_events()) == []


def test_registered_events_do_not_collide_with_server_or_lifecycle_events() -> None:
    assert not (EVENTS.keys() & (SERVER_EVENTS | LIFECYCLE_EVENTS))


def test_every_error_code_the_events_produce_is_in_the_ack_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    ack = text.split("## The ack shape", 1)[1].split("\n## ", 1)[0]
    for code in (
        "invalid",
        "unauthenticated",
        "forbidden",
        "removed",
        "stale_version",
        "conflict",
        "not_found",
        "illegal_state",
        "below_threshold",
        "storage_unavailable",
        "busy",
        "internal",
    ):
        assert f"`{code}`" in ack, code


# -- the checker itself ---------------------------------------------------------------

FAKE_EXPECTED = {
    "next_step": Expected(frozenset({"facilitator"}), frozenset({"version"})),
    "submit_answer": Expected(frozenset({"participant"}), frozenset({"action_id", "value"})),
    "view": Expected(frozenset({SERVER}), frozenset()),
}

GOOD_DOC = """# Events

## Client events

### `next_step`

**Sent by:** facilitator

- `version` (integer, optional)

### `submit_answer`

**Sent by:** participant

- `action_id` (string)
- `value` (answer)

## Server events

### `view`

**Sent by:** server
"""


def test_checker_accepts_a_complete_doc() -> None:
    assert doc_problems(GOOD_DOC, FAKE_EXPECTED) == []


def test_checker_reports_an_undocumented_event() -> None:
    doc = GOOD_DOC.replace("### `next_step`", "### Next step")
    assert doc_problems(doc, FAKE_EXPECTED) == ["next_step: not documented"]


def test_checker_reports_a_stale_event() -> None:
    doc = GOOD_DOC + "\n### `old_event`\n\n**Sent by:** facilitator\n"
    assert doc_problems(doc, FAKE_EXPECTED) == ["old_event: documented but not an event"]


def test_checker_reports_an_undocumented_field() -> None:
    doc = GOOD_DOC.replace("- `value` (answer)\n", "")
    assert doc_problems(doc, FAKE_EXPECTED) == [
        "submit_answer: payload field `value` not documented"
    ]


def test_checker_reads_fields_only_from_their_own_section() -> None:
    # `value` is mentioned under next_step, which must not count for submit_answer.
    doc = GOOD_DOC.replace("- `value` (answer)\n", "").replace(
        "- `version` (integer, optional)", "- `version` (integer, optional), not `value`"
    )
    assert doc_problems(doc, FAKE_EXPECTED) == [
        "submit_answer: payload field `value` not documented"
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            "**Sent by:** participant, facilitator",
            "submit_answer: sent by facilitator, participant in the doc, participant in the code",
        ),
        (
            "**Sent by:** display",
            "submit_answer: sent by display in the doc, participant in the code",
        ),
        ("Sent by participant", "submit_answer: needs exactly one '**Sent by:**' line"),
    ],
)
def test_checker_reports_wrong_or_missing_roles(line: str, problem: str) -> None:
    doc = GOOD_DOC.replace("**Sent by:** participant", line)
    assert doc_problems(doc, FAKE_EXPECTED) == [problem]


def test_checker_reports_a_duplicate_section() -> None:
    doc = GOOD_DOC + "\n### `view`\n\n**Sent by:** server\n"
    assert doc_problems(doc, FAKE_EXPECTED) == ["event 'view' is documented twice"]


def test_checker_ignores_headings_inside_code_blocks() -> None:
    doc = GOOD_DOC.replace("## Server events", "```\n### `ghost`\n```\n\n## Server events")
    assert doc_problems(doc, FAKE_EXPECTED) == []
