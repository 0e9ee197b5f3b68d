"""Protocol and instrument files: every kind of mistake is caught and located."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from marshmallow import Schema, fields

from facilitator.core.poll_kinds import protocol_types
from facilitator.library.catalog import SHIPPED_DIR, check_files, files_in
from facilitator.library.schema import IdMap, InstrumentSchema, ProtocolSchema
from facilitator.service.crisis import read_crisis_file

BROKEN_DIR = Path(__file__).parent / "broken_protocols"
README = SHIPPED_DIR / "README.md"

# file under tests/broken_protocols -> (text naming where, text naming what is wrong)
BROKEN = {
    "bad_kind.yaml": ("sessions[0].steps[0].kind", "Must be one of"),
    "bad_phase.yaml": ("sessions[0].phase", "Must be one of"),
    "block_uses_block.yaml": ("blocks.outer[0].use", "cannot use another block"),
    "choice_one_option.yaml": ("polls.pick.options", "at least two options"),
    "duplicate_poll_key.yaml": ("duplicate_poll_key.yaml:8", "duplicate key 'mood'"),
    "duplicate_role.yaml": ("role_plays.ask.roles[1].id", "duplicate role id"),
    "duplicate_session.yaml": ("sessions[1].n", "duplicate session number"),
    "low_reveal_threshold.yaml": ("polls.mood.reveal_threshold", "at least 2"),
    "many_problems.yaml": ("sessions[0].steps[1].minutes", "positive number of minutes"),
    "missing_step_fields.yaml": ("sessions[0].steps[0].title", "Missing data"),
    "not_a_mapping.yaml": ("not_a_mapping.yaml", "must be a YAML mapping"),
    "options_on_scale.yaml": ("polls.mood.options", "not used by a scale poll"),
    "poll_shadows_instrument.yaml": ("polls.phq-9", "also the id of an instrument"),
    "role_play_on_discussion.yaml": ("sessions[0].steps[0].role_play", "cannot run a role-play"),
    "role_play_step_without_role_play.yaml": (
        "sessions[0].steps[0].role_play",
        "needs a role_play id",
    ),
    "role_play_unknown_area.yaml": ("role_plays.ask.area", "not in problem_areas"),
    "ranking_one_option.yaml": ("polls.order.options", "a ranking poll needs at least two options"),
    "ranking_with_min.yaml": ("polls.order.min", "not used by a ranking poll"),
    "scale_min_max.yaml": ("polls.mood.max", "must be above min"),
    "unknown_block.yaml": ("sessions[0].steps[0].use", "unknown block 'openning'"),
    "unknown_field.yaml": ("sessions[0].steps[0].nots", "unknown field"),
    "unknown_poll_type.yaml": ("polls.order.type", "Must be one of"),
    "unknown_poll.yaml": ("sessions[0].steps[1].poll", "unknown poll 'mood11'"),
    "unknown_role_play.yaml": (
        "sessions[0].steps[1].role_play",
        "unknown role-play 'ask_for_help'",
    ),
    "unquoted_yes_no.yaml": ("polls.tried.options[0]", "must be text (put it in quotes)"),
    "yaml_syntax.yaml": ("yaml_syntax.yaml:10", "YAML error"),
    "zero_minutes.yaml": ("sessions[0].steps[1].minutes", "positive number of minutes"),
    "course_bad_phase.yaml": ("course.member_round_phases[0]", "Must be one of"),
    "safety_empty_script.yaml": ("safety.script", "needs at least one step"),
    "course_not_a_flag.yaml": ("course.steps_carried_forward", "Not a valid boolean"),
    "course_repeated_phase.yaml": (
        "course.member_round_phases[1]",
        "repeats member_round_phases[0]",
    ),
    "course_unknown_field.yaml": ("course.weekly_measures", "unknown field"),
    "measure_is_a_poll.yaml": ("sessions[0].measures[0]", "'mood' is a poll, not an instrument"),
    "measure_not_asked.yaml": ("sessions[1].measures[0]", "no step of this session opens 'phq-9'"),
    "measure_repeated.yaml": ("sessions[0].measures[1]", "repeats measures[0]"),
    "measure_unknown_instrument.yaml": (
        "sessions[0].measures[0]",
        "unknown instrument 'phq-10'; known: gad-7, phq-2, phq-9, who-5",
    ),
    "member_round_in_block.yaml": (
        "sessions[1].steps[0].use",
        "the member_round step of block 'opening' belongs only in sessions of the phases in "
        "course.member_round_phases (middle); this session's phase is termination",
    ),
    "member_round_missing.yaml": (
        "sessions[1].steps",
        "needs a member_round step: course.member_round_phases lists 'middle'",
    ),
    "member_round_without_course.yaml": (
        "sessions[0].steps[0].kind",
        "course.member_round_phases (none)",
    ),
    "member_round_wrong_phase.yaml": (
        "sessions[0].steps[1].kind",
        "a member_round step belongs only in sessions of the phases in "
        "course.member_round_phases (middle); this session's phase is initial",
    ),
    "steps_without_closing.yaml": ("sessions[1].steps", "needs a closing step"),
    "weekly_measure_anonymous.yaml": (
        "course.weekly_measure",
        "poll 'mood' must be asked by name (anonymous: false)",
    ),
    "weekly_measure_instrument.yaml": ("course.weekly_measure", "'phq-9' is an instrument"),
    "weekly_measure_not_asked.yaml": (
        "sessions[1].steps",
        "no step opens the weekly measure 'mood'",
    ),
    "weekly_measure_not_scale.yaml": ("course.weekly_measure", "must be of type scale"),
    "weekly_measure_unknown.yaml": ("course.weekly_measure", "unknown poll 'moood'; known: mood"),
    "instrument_poll_unknown.yaml": (
        "polls.wellbeing.instrument",
        "unknown instrument 'who-6'; known: gad-7, phq-2, phq-9, who-5",
    ),
    "instrument_poll_anonymous_risk.yaml": (
        "polls.mood_screen.anonymous",
        "must be false: instrument 'phq-9' may not be asked anonymously",
    ),
    "instrument_poll_extra_field.yaml": ("polls.wellbeing.question", "unknown field"),
    "instrument_poll_no_choice.yaml": ("polls.screen.anonymous", "Missing data"),
    "instruments/duplicate_item.yaml": ("items[1].id", "duplicate item id"),
    "instruments/missing_licence.yaml": ("licence", "Missing data"),
    "instruments/risk_item_anonymous.yaml": ("anonymous_allowed", "risk item"),
    "instruments/severity_gap.yaml": ("severity[1].min", "no gap"),
    "instruments/wrong_scoring.yaml": ("scoring.max", "must be 8"),
    "instruments/phq-2_no_source.es.yaml": ("source", "Missing data"),
    "instruments/phq-2_missing_item.es.yaml": ("items[1].text", "missing in es"),
    # Translations of translations/original.yaml, a valid protocol beside them.
    "translations/missing_note.es.yaml": ("sessions[0].steps[1].note", "missing in es"),
    "translations/missing_option.es.yaml": ("polls.tried.options[1]", "missing in es"),
    "translations/extra_session.es.yaml": (
        "sessions[1]",
        "not in the protocol, which has 1 here",
    ),
    "translations/extra_minutes.es.yaml": (
        "sessions[0].steps[1].minutes",
        "is not translated: ids, numbers and settings stay in the protocol file",
    ),
    "translations/misspelt_field.es.yaml": (
        "sessions[0].steps[2].nota",
        "not in the protocol (check the spelling)",
    ),
    "translations/not_text.es.yaml": ("polls.tried.options[1]", "must be text (put it in quotes)"),
    "translations/same_options.es.yaml": ("polls.tried.options[1]", "repeats option 0"),
    "translations/unknown_language.sp.yaml": ("language", "unknown language 'sp'"),
    "translations/wrong_language.fr.yaml": (
        "language",
        "must match the file name's language, 'fr'",
    ),
    "translations/own_language.en.yaml": ("language", "is the language of 'translated' itself"),
    "translations/old_version.es.yaml": (
        "version",
        "translates version 1; the protocol is version 2",
    ),
    "translations/unknown_original.es.yaml": ("translation_of", "unknown protocol 'translate'"),
    "translations/no_header.es.yaml": ("translation_of", "Missing data"),
    "translations/moved_step.es.yaml": (
        "sessions[0].steps[0].use",
        "must be 'opening', as in the protocol",
    ),
    "translations/role_id_changed.es.yaml": (
        "role_plays.invite.roles[1].id",
        "must be 'neighbour', as in the protocol",
    ),
    "translations/instrument_poll_text.es.yaml": ("polls.wellbeing", "is not translated"),
}
#: The valid protocol that the broken translation files translate.
TRANSLATED_ORIGINAL = BROKEN_DIR / "translations" / "original.yaml"


def _problems(path: Path) -> list[str]:
    [report] = check_files([path])
    assert report.loaded is None
    return [str(problem) for problem in report.problems]


@pytest.mark.parametrize(("name", "where", "what"), [(n, *v) for n, v in BROKEN.items()])
def test_broken_file_is_refused_with_file_path_and_reason(name, where, what) -> None:
    problems = _problems(BROKEN_DIR / name)
    matching = [p for p in problems if where in p and what in p]
    assert matching, problems
    assert all(p.startswith(str(BROKEN_DIR / name)) for p in problems)


def test_every_broken_file_has_an_expected_problem() -> None:
    translations = set(files_in(TRANSLATED_ORIGINAL.parent)) - {TRANSLATED_ORIGINAL}
    paths = [*files_in(BROKEN_DIR), *translations]
    names = {str(path.relative_to(BROKEN_DIR)) for path in paths}
    assert names == set(BROKEN)


def test_the_original_of_the_broken_translations_is_valid() -> None:
    # Otherwise each broken translation would be refused for its original's sake.
    [report] = check_files([TRANSLATED_ORIGINAL])
    assert report.problems == ()


def test_a_translation_names_the_line_of_the_missing_text() -> None:
    path = BROKEN_DIR / "translations" / "missing_note.es.yaml"
    [problem] = _problems(path)
    line = path.read_text(encoding="utf-8").splitlines().index("      - {title: A practicar}") + 1
    assert problem == f"{path}:{line}: sessions[0].steps[1].note: missing in es"


def test_a_misspelt_field_in_a_translation_reports_both_the_stray_and_the_missing_text() -> None:
    problems = _problems(BROKEN_DIR / "translations" / "misspelt_field.es.yaml")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "sessions[0].steps[2].note: missing in es",
        "sessions[0].steps[2].nota: not in the protocol (check the spelling)",
    ]


def test_all_problems_of_a_file_are_reported_not_just_the_first() -> None:
    problems = _problems(BROKEN_DIR / "many_problems.yaml")
    assert [p.split(": ")[1] for p in problems] == [
        "id",
        "sessions[0].steps[0].kind",
        "sessions[0].steps[1].minutes",
        "sessions[0].steps[2].poll",
    ]


COURSE_FILES = [
    name
    for name in BROKEN
    if name.startswith(("course_", "measure", "member", "steps_", "weekly_"))
]


@pytest.mark.parametrize("name", COURSE_FILES)
def test_a_broken_course_rule_is_the_only_problem_of_its_file(name: str) -> None:
    # Each file breaks one rule; no other rule fires on it by mistake.
    assert len(_problems(BROKEN_DIR / name)) == 1


def test_a_session_reports_each_course_rule_it_breaks() -> None:
    text = """\
id: many-course-problems
version: 1
title: Broken on purpose
source: test file
course: {weekly_measure: mood, steps_carried_forward: true, member_round_phases: [middle]}
polls:
  mood: {question: "Mood this week?", type: scale, anonymous: false}
sessions:
  - n: 1
    phase: middle
    title: One
    measures: [phq-9]
    steps: [{kind: discussion, title: Talk, minutes: 20}]
"""
    problems: Any = ProtocolSchema(instrument_ids={"phq-9"}).validate(yaml.safe_load(text))
    assert problems == {
        "sessions": {
            0: {
                "steps": [
                    "no step opens the weekly measure 'mood': course.weekly_measure is asked "
                    "at every meeting",
                    "needs a closing step: with course.steps_carried_forward, members choose "
                    "their step for the week there",
                    "needs a member_round step: course.member_round_phases lists 'middle'",
                ],
                "measures": {0: ["no step of this session opens 'phq-9'"]},
            }
        }
    }


def test_problem_names_the_line_of_the_offending_field() -> None:
    [problem] = _problems(BROKEN_DIR / "unknown_poll.yaml")
    assert problem.startswith(f"{BROKEN_DIR / 'unknown_poll.yaml'}:14: ")


def test_unknown_poll_lists_the_polls_that_exist() -> None:
    [problem] = _problems(BROKEN_DIR / "unknown_poll.yaml")
    assert problem.endswith("known: gad-7, mood, phq-2, phq-9, who-5")


def _field_names(schema: Schema) -> set[str]:
    """Return the names of a schema's fields and those of its nested schemas."""
    names: set[str] = set()
    for name, field in schema.declared_fields.items():
        names.add(field.data_key or name)
        names |= _inner_names(field)
    return names


def _inner_names(field: fields.Field[Any]) -> set[str]:
    if isinstance(field, fields.Nested):
        assert isinstance(field.schema, Schema)
        return _field_names(field.schema)
    if isinstance(field, fields.List):
        return _inner_names(field.inner)
    if isinstance(field, IdMap):
        return _inner_names(field.values)
    return set()


def _documented(section: str) -> set[str]:
    """Return the names in the first column of the README tables of one section."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {section}")
    end = text.find("\n## ", start + 1)
    rows = re.findall(r"^\| ([^|]+) \|", text[start : end if end > 0 else None], re.M)
    return {name for row in rows for name in re.findall(r"`([a-z_]+)`", row)}


@pytest.mark.parametrize(
    ("schema", "section"),
    [(ProtocolSchema(), "Protocol files"), (InstrumentSchema(), "Instrument files")],
)
def test_every_schema_field_is_documented_in_the_readme(schema, section) -> None:
    missing = _field_names(schema) - _documented(section)
    assert not missing, f"fields missing from {README}: {sorted(missing)}"


def test_every_poll_type_a_protocol_may_use_is_documented_in_the_readme() -> None:
    missing = set(protocol_types()) - _documented("Protocol files")
    assert not missing, f"poll types missing from {README}: {sorted(missing)}"


def test_readme_examples_are_valid(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 4
    (tmp_path / "instruments").mkdir()
    protocol, instrument = tmp_path / "example.yaml", tmp_path / "instruments" / "example.yaml"
    translation, crisis = tmp_path / "example.es.yaml", tmp_path / "es.yaml"
    for path, block in zip((protocol, instrument, translation, crisis), blocks, strict=True):
        path.write_text(block, encoding="utf-8")
    reports = check_files([protocol, instrument])
    assert [(r.path, r.problems) for r in reports] == [
        (protocol, ()),
        (translation, ()),
        (instrument, ()),
    ]
    assert read_crisis_file(crisis, "es").regions["MX"]["contacts"][0]["name"] == "Our clinic"
