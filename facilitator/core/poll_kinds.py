"""The poll kinds: each one's spec check, answer check, tally, question view and export.

Everything that differs between poll kinds lives in one entry here; the engine, the
views, the exports and the protocol loader look a kind up with `poll_kind`, so that a
new kind is one entry (plus its client renderer and docs), not a chain in every module.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from facilitator.core.errors import DomainError
from facilitator.core.spec import ItemSpec, PollSpec, PollType
from facilitator.core.wording import D_

# A poll answer as it travels and is stored: an int (scale, single choice index), a
# list of ints (multiple choice indices, instrument option per item, ranking order) or
# a text.
Answer = Any
Summary = dict[str, Any]
# One cell of an export: a text or a number.
Cell = str | int | float
# One export row of a poll's aggregate: (item, answer, count).
ExportRow = tuple[Cell, Cell, Cell]
# A problem in a protocol's poll entry: (path inside the entry, message).
FieldProblem = tuple[tuple[str | int, ...], str]

#: Fields of a protocol's poll entry that only some kinds use.
KIND_FIELDS = ("options", "min", "max", "max_length")


@dataclass(frozen=True)
class PollKind:
    """What one poll kind does; the functions take the poll's spec first."""

    type: PollType
    # Which of KIND_FIELDS a protocol may give for this kind.
    fields: frozenset[str]
    # The refusal of a poll spec this kind cannot ask, or None.
    spec_problem: Callable[[PollSpec], DomainError | None]
    check_answer: Callable[[PollSpec, Answer], Answer]
    tally: Callable[[PollSpec, list[Answer]], Summary]
    question: Callable[[PollSpec], dict[str, Any]]
    export_rows: Callable[[PollSpec, Summary], list[ExportRow]]
    # A named answer as one export cell, with (item id, score) pairs for instruments.
    person_answer: Callable[[PollSpec, Answer], tuple[Cell, list[tuple[str, int]]]]
    # Headings of the printable summary's columns: answer, count.
    headings: tuple[str, str] = (D_("Answer"), D_("Count"))
    # Heading of a named answer's column.
    named_heading: str = D_("Answer")
    # False for kinds that come from their own files (instruments), not from protocols.
    in_protocols: bool = True
    # Checks of a protocol's entry beyond the shared ones, with the path to each problem.
    protocol_problems: Callable[[dict[str, Any]], list[FieldProblem]] = lambda data: []
    # Extra fields beside a named answer on the facilitator's console.
    answer_extra: Callable[[PollSpec, Answer], dict[str, Any]] = lambda spec, value: {}
    risk_items: Callable[[PollSpec, Answer], list[ItemSpec]] = lambda spec, value: []


def poll_kind(kind: PollType | str) -> PollKind:
    """Return the entry of a poll kind, refusing one that is not registered."""
    entry = KINDS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        raise DomainError("Unknown poll type {type}.", "invalid", type=repr(kind))
    return entry


def protocol_types() -> tuple[str, ...]:
    """Return the poll types a protocol file may use."""
    return tuple(str(kind) for kind, entry in KINDS.items() if entry.in_protocols)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid(message: str, **params: Any) -> DomainError:
    return DomainError(message, "invalid", **params)


def _options_view(spec: PollSpec) -> dict[str, Any]:
    return {"options": list(spec.options)}


def _two_options(spec: PollSpec) -> DomainError | None:
    if len(spec.options) >= 2:
        return None
    return _invalid("The poll {poll} needs at least two options.", poll=repr(spec.id))


def _options_problems(noun: str) -> Callable[[dict[str, Any]], list[FieldProblem]]:
    def problems(data: dict[str, Any]) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        options = data.get("options")
        # Counted in the original so that an option that failed to load is not
        # reported a second time as a missing option.
        if len(options if isinstance(options, list) else []) < 2:
            found.append((("options",), f"a {noun} poll needs at least two options"))
        seen: dict[str, int] = {}
        for index, option in enumerate(options if isinstance(options, list) else []):
            if not isinstance(option, str):
                continue
            if option in seen:
                found.append((("options", index), f"repeats option {seen[option]}"))
            else:
                seen[option] = index
        return found

    return problems


def _plain_rows(spec: PollSpec, summary: Summary) -> list[ExportRow]:
    return [("", answer, n) for answer, n in summary["counts"].items()]


def _counted_rows(values: list[Cell]) -> list[ExportRow]:
    return [("", value, len(list(group))) for value, group in groupby(values)]


# Single choice


def _check_single(spec: PollSpec, value: Answer) -> Answer:
    if not _is_int(value) or not 0 <= value < len(spec.options):
        raise _invalid(
            "The answer must be an option number from 0 to {last}.", last=len(spec.options) - 1
        )
    return value


def _option_counts(spec: PollSpec, values: list[Answer]) -> Summary:
    counts = [0] * len(spec.options)
    for value in values:
        for index in value if isinstance(value, list) else [value]:
            counts[index] += 1
    return {"counts": dict(zip(spec.options, counts, strict=True))}


SINGLE_CHOICE = PollKind(
    type=PollType.SINGLE_CHOICE,
    fields=frozenset({"options"}),
    spec_problem=_two_options,
    check_answer=_check_single,
    tally=_option_counts,
    question=_options_view,
    export_rows=_plain_rows,
    person_answer=lambda spec, value: (spec.options[value], []),
    protocol_problems=_options_problems("choice"),
)


# Multiple choice


def _check_multiple(spec: PollSpec, value: Answer) -> Answer:
    if (
        not isinstance(value, list)
        or not value
        or not all(_is_int(v) and 0 <= v < len(spec.options) for v in value)
        or len(set(value)) != len(value)
    ):
        raise _invalid("The answer must be a non-empty list of distinct option numbers.")
    return sorted(value)


MULTIPLE_CHOICE = PollKind(
    type=PollType.MULTIPLE_CHOICE,
    fields=frozenset({"options"}),
    spec_problem=_two_options,
    check_answer=_check_multiple,
    tally=_option_counts,
    question=_options_view,
    export_rows=_plain_rows,
    person_answer=lambda spec, value: ("; ".join(spec.options[i] for i in value), []),
    protocol_problems=_options_problems("choice"),
)


# Scale


def _check_scale(spec: PollSpec, value: Answer) -> Answer:
    if not _is_int(value) or not spec.min <= value <= spec.max:
        raise _invalid(
            "The answer must be a whole number from {min} to {max}.", min=spec.min, max=spec.max
        )
    return value


def _scale_tally(spec: PollSpec, values: list[Answer]) -> Summary:
    counts = {str(v): 0 for v in range(spec.min, spec.max + 1)}
    for value in values:
        counts[str(value)] += 1
    return {"counts": counts, "mean": round(sum(values) / len(values), 2) if values else None}


def _scale_problems(data: dict[str, Any]) -> list[FieldProblem]:
    low, high = data.get("min", 0), data.get("max", 10)
    if _is_int(low) and _is_int(high) and low >= high:
        return [(("max",), "must be above min")]
    return []


SCALE = PollKind(
    type=PollType.SCALE,
    fields=frozenset({"min", "max"}),
    spec_problem=lambda spec: (
        None
        if spec.min < spec.max
        else _invalid("The poll {poll} needs min below max.", poll=repr(spec.id))
    ),
    check_answer=_check_scale,
    tally=_scale_tally,
    question=lambda spec: {"min": spec.min, "max": spec.max},
    export_rows=lambda spec, summary: [
        ("", int(value), n) for value, n in summary["counts"].items()
    ],
    person_answer=lambda spec, value: (value, []),
    protocol_problems=_scale_problems,
)


# Short text


def _check_text(spec: PollSpec, value: Answer) -> Answer:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("Write an answer first.")
    if len(value) > spec.max_length:
        raise _invalid("An answer can be at most {max} characters.", max=spec.max_length)
    return value.strip()


def normalize_word(text: str) -> str:
    """Return the form a short-text answer is counted under in a word cloud.

    "Tired", " tired " and "TIRED!" are one word: Unicode NFKC (so that full-width and
    composed letters match), case folded, trimmed, inner spaces collapsed, surrounding
    punctuation stripped. An answer of punctuation alone stays as it is, folded.
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(folded)
    while start < end and _strippable(folded[start]):
        start += 1
    while end > start and _strippable(folded[end - 1]):
        end -= 1
    return folded[start:end] or folded


def _strippable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def _text_tally(spec: PollSpec, values: list[Answer]) -> Summary:
    # One answer is one entry, however many words it holds.
    counted = Counter(normalize_word(value) for value in values)
    words = sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))
    return {
        "texts": sorted(values),
        "words": [{"word": word, "count": count} for word, count in words],
    }


SHORT_TEXT = PollKind(
    type=PollType.SHORT_TEXT,
    fields=frozenset({"max_length"}),
    spec_problem=lambda spec: None,
    check_answer=_check_text,
    tally=_text_tally,
    question=lambda spec: {"max_length": spec.max_length},
    export_rows=lambda spec, summary: _counted_rows(summary["texts"]),
    person_answer=lambda spec, value: (value, []),
)


# Instrument


def instrument_total(spec: PollSpec, value: list[int]) -> int:
    """Return an instrument's total score for one set of option choices."""
    return sum(spec.scores[choice] for choice in value) * spec.multiplier


def _check_instrument(spec: PollSpec, value: Answer) -> Answer:
    if (
        not isinstance(value, list)
        or len(value) != len(spec.items)
        or not all(_is_int(v) and 0 <= v < len(spec.options) for v in value)
    ):
        raise _invalid(
            "The answer must list one option number (0 to {last}) for each of the {count} items.",
            last=len(spec.options) - 1,
            count=len(spec.items),
        )
    return list(value)


def _instrument_problem(spec: PollSpec) -> DomainError | None:
    if not spec.items or not spec.options or len(spec.scores) != len(spec.options):
        return _invalid(
            "The poll {poll} needs items, options and one score per option.", poll=repr(spec.id)
        )
    return None


def _instrument_person(spec: PollSpec, value: Answer) -> tuple[Cell, list[tuple[str, int]]]:
    items = [(item.id, spec.scores[c]) for item, c in zip(spec.items, value, strict=True)]
    return instrument_total(spec, value), items


def _risk_items(spec: PollSpec, value: Answer) -> list[ItemSpec]:
    return [
        item
        for item, choice in zip(spec.items, value, strict=True)
        if item.risk and spec.scores[choice] > min(spec.scores)
    ]


INSTRUMENT = PollKind(
    type=PollType.INSTRUMENT,
    fields=frozenset(),
    spec_problem=_instrument_problem,
    check_answer=_check_instrument,
    tally=lambda spec, values: {"totals": sorted(instrument_total(spec, v) for v in values)},
    question=lambda spec: {
        **_options_view(spec),
        "items": [{"id": item.id, "text": item.text} for item in spec.items],
    },
    export_rows=lambda spec, summary: _counted_rows(summary["totals"]),
    person_answer=_instrument_person,
    headings=(D_("Total score"), D_("Count")),
    named_heading=D_("Total score"),
    in_protocols=False,
    answer_extra=lambda spec, value: {"total": instrument_total(spec, value)},
    risk_items=_risk_items,
)


# Ranking: members put every option in order, first = most important to them.


def _check_ranking(spec: PollSpec, value: Answer) -> Answer:
    n = len(spec.options)
    if (
        not isinstance(value, list)
        or not all(_is_int(v) for v in value)
        or sorted(value) != list(range(n))
    ):
        raise _invalid(
            "Put every option in order: the option numbers 0 to {last}, each once.", last=n - 1
        )
    return list(value)


def _ranking_tally(spec: PollSpec, values: list[Answer]) -> Summary:
    # Borda points: first place earns one point per option below it, last place none.
    n = len(spec.options)
    points = [0] * n
    rank_sums = [0] * n
    for order in values:
        for place, option in enumerate(order):
            points[option] += n - 1 - place
            rank_sums[option] += place + 1
    return {
        "points": dict(zip(spec.options, points, strict=True)),
        "mean_ranks": {
            option: round(total / len(values), 2) if values else None
            for option, total in zip(spec.options, rank_sums, strict=True)
        },
    }


def _ranking_rows(spec: PollSpec, summary: Summary) -> list[ExportRow]:
    rows: list[ExportRow] = []
    for option, points in summary["points"].items():
        rows.append(("points", option, points))
        rows.append(("mean rank", option, summary["mean_ranks"][option]))
    return rows


RANKING = PollKind(
    type=PollType.RANKING,
    fields=frozenset({"options"}),
    spec_problem=_two_options,
    check_answer=_check_ranking,
    tally=_ranking_tally,
    question=_options_view,
    export_rows=_ranking_rows,
    person_answer=lambda spec, value: (" > ".join(spec.options[i] for i in value), []),
    headings=(D_("Option"), D_("Borda points, mean rank")),
    named_heading=D_("Order (first to last)"),
    protocol_problems=_options_problems("ranking"),
)


KINDS: dict[str, PollKind] = {
    entry.type: entry
    for entry in (SINGLE_CHOICE, SCALE, MULTIPLE_CHOICE, SHORT_TEXT, INSTRUMENT, RANKING)
}
