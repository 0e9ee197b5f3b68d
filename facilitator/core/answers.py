"""Check a poll answer against its poll, and find the risk items it touches."""

from __future__ import annotations

from facilitator.core.errors import DomainError
from facilitator.core.spec import ItemSpec, PollSpec, PollType
from facilitator.core.state import Answer


def check_spec(spec: PollSpec) -> None:
    """Refuse a poll that cannot be answered or that would break a privacy rule."""
    if spec.has_risk_item and spec.anonymous:
        raise DomainError(
            f"poll {spec.id!r} has a risk item and cannot be asked anonymously", "invalid"
        )
    if spec.type in (PollType.SINGLE_CHOICE, PollType.MULTIPLE_CHOICE) and len(spec.options) < 2:
        raise DomainError(f"poll {spec.id!r} needs at least two options", "invalid")
    if spec.type is PollType.SCALE and spec.min >= spec.max:
        raise DomainError(f"poll {spec.id!r} needs min below max", "invalid")
    if spec.type is PollType.INSTRUMENT and (
        not spec.items or not spec.options or len(spec.scores) != len(spec.options)
    ):
        raise DomainError(
            f"poll {spec.id!r} needs items, options and one score per option", "invalid"
        )


def check_answer(spec: PollSpec, value: Answer) -> Answer:
    """Return the answer in its stored form, or raise DomainError saying what is wrong."""
    if spec.type is PollType.SCALE:
        if not _is_int(value) or not spec.min <= value <= spec.max:
            raise DomainError(
                f"answer must be a whole number from {spec.min} to {spec.max}", "invalid"
            )
        return value
    if spec.type is PollType.SINGLE_CHOICE:
        if not _is_int(value) or not 0 <= value < len(spec.options):
            raise DomainError(
                f"answer must be an option number from 0 to {len(spec.options) - 1}", "invalid"
            )
        return value
    if spec.type is PollType.MULTIPLE_CHOICE:
        if (
            not isinstance(value, list)
            or not value
            or not all(_is_int(v) and 0 <= v < len(spec.options) for v in value)
            or len(set(value)) != len(value)
        ):
            raise DomainError(
                "answer must be a non-empty list of distinct option numbers", "invalid"
            )
        return sorted(value)
    if spec.type is PollType.SHORT_TEXT:
        if not isinstance(value, str) or not value.strip():
            raise DomainError("answer must be a non-empty text", "invalid")
        if len(value) > spec.max_length:
            raise DomainError(f"answer must be at most {spec.max_length} characters", "invalid")
        return value.strip()
    if (
        not isinstance(value, list)
        or len(value) != len(spec.items)
        or not all(_is_int(v) and 0 <= v < len(spec.options) for v in value)
    ):
        raise DomainError(
            f"answer must list one option number (0 to {len(spec.options) - 1}) "
            f"for each of the {len(spec.items)} items",
            "invalid",
        )
    return list(value)


def risk_items_touched(spec: PollSpec, value: Answer) -> list[ItemSpec]:
    """Return the risk items answered above their lowest score."""
    if spec.type is not PollType.INSTRUMENT:
        return []
    return [
        item
        for item, choice in zip(spec.items, value, strict=True)
        if item.risk and spec.scores[choice] > min(spec.scores)
    ]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
