"""Check a poll answer against its poll, and find the risk items it touches."""

from __future__ import annotations

from facilitator.core.errors import DomainError
from facilitator.core.poll_kinds import Answer, poll_kind
from facilitator.core.spec import ItemSpec, PollSpec


def check_spec(spec: PollSpec) -> None:
    """Refuse a poll that cannot be answered or that would break a privacy rule."""
    if spec.has_risk_item and spec.anonymous:
        raise DomainError(
            "The poll {poll} has a risk item and cannot be asked anonymously.",
            "invalid",
            poll=repr(spec.id),
        )
    problem = poll_kind(spec.type).spec_problem(spec)
    if problem is not None:
        raise problem


def check_answer(spec: PollSpec, value: Answer) -> Answer:
    """Return the answer in its stored form, or raise DomainError saying what is wrong."""
    return poll_kind(spec.type).check_answer(spec, value)


def risk_items_touched(spec: PollSpec, value: Answer) -> list[ItemSpec]:
    """Return the risk items answered above their lowest score."""
    return poll_kind(spec.type).risk_items(spec, value)
