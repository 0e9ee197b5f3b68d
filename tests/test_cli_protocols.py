"""`facilitator protocols list | show | validate`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from facilitator.cli import main
from facilitator.library.catalog import DIR_VARIABLE, SHIPPED_DIR, files_in

BROKEN_DIR = Path(__file__).parent / "broken_protocols"


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    # An empty variable keeps a directory set in the caller's environment out of the test.
    return CliRunner().invoke(main, ["protocols", *args], env={DIR_VARIABLE: "", **(env or {})})


def test_list_names_every_protocol_and_instrument() -> None:
    result = _run("list")
    assert result.exit_code == 0
    for name in ("group-ipt-8", "ipt-g-12", "phq-9", "phq-2", "gad-7", "who-5"):
        assert name in result.output
    assert re.search(r"phq-9 +9 items +private only", result.output)
    assert re.search(r"group-ipt-8 .* \[en, es, fr\]$", result.output, re.M)
    assert re.search(r"phq-9 .* \[en\]$", result.output, re.M)


def test_list_includes_a_user_directory_from_the_environment(tmp_path: Path) -> None:
    text = (SHIPPED_DIR / "group-ipt-8.yaml").read_text(encoding="utf-8")
    (tmp_path / "ours.yaml").write_text(text.replace("id: group-ipt-8", "id: ours"))
    result = _run("list", env={DIR_VARIABLE: str(tmp_path)})
    assert result.exit_code == 0
    assert "  ours " in result.output


def test_list_with_a_broken_user_file_fails_naming_it(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: bad\n")
    result = _run("list", env={DIR_VARIABLE: str(tmp_path)})
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad.yaml'}:1: version: Missing data" in result.stderr


def test_show_prints_each_session_agenda_with_minutes_polls_and_role_plays() -> None:
    result = _run("show", "group-ipt-8")
    assert result.exit_code == 0
    out = result.output
    assert "Session 0 [pre_group] Meeting before the group: 45 of 45 min" in out
    assert "Session 8 [termination]" in out
    assert "poll: mood10" in out
    assert "poll: phq-9" in out
    assert "role-play: dispute_need" in out
    assert "grief: grief_empty_chair, grief_tell_friend" in out


def test_show_prints_the_course_section_measures_and_member_rounds() -> None:
    out = _run("show", "ipt-g-12").output
    assert (
        "Course: weekly measure: mood_named; steps carried forward: yes; member rounds in: middle"
        in out
    )
    assert "Session 1 [initial] Welcome and getting to know each other: 90 of 90 min  " in out
    assert re.search(r"^Session 7 \[middle\] .*: 90 of 90 min  measures: phq-9$", out, re.M)
    assert re.search(r"^ +22 min  member_round +Member round$", out, re.M)
    assert "poll: mood_named" in out


def test_show_a_protocol_without_a_course_section_prints_no_course(tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text(
        """\
id: ours
version: 1
title: Ours
source: ours
sessions:
  - {n: 1, phase: initial, title: One, steps: [{kind: discussion, title: Talk, minutes: 5}]}
""",
        encoding="utf-8",
    )
    out = _run("show", "ours", env={DIR_VARIABLE: str(tmp_path)}).output
    assert "Session 1 [initial] One: 5 of 90 min\n" in out
    assert "Course:" not in out and "measures:" not in out


def test_show_in_a_language_prints_the_translated_texts_with_the_same_agenda() -> None:
    english, spanish = (
        _run("show", "group-ipt-8").output,
        _run("show", "group-ipt-8", "--language", "es"),
    )
    assert spanish.exit_code == 0
    out = spanish.output
    assert "Language: es" in out
    assert "Session 0 [pre_group] Reunión antes del grupo: 45 of 45 min" in out
    assert re.search(r"^ +5 min  check_in +Bienvenida y número del ánimo  poll: mood10$", out, re.M)
    numbers = re.compile(r"^ +\d+ min  \w+", re.M)
    assert numbers.findall(out) == numbers.findall(english)


def test_show_in_a_language_the_protocol_does_not_offer_fails() -> None:
    result = _run("show", "group-ipt-8", "--language", "de")
    assert result.exit_code == 1
    assert "not offered in de; only in en, es, fr" in result.stderr


def test_translate_prints_a_template_that_validates_as_a_translation(tmp_path: Path) -> None:
    result = _run("translate", "ipt-g-12", "sw")
    assert result.exit_code == 0
    assert "translation_of: ipt-g-12\nlanguage: sw\nversion: 3\n" in result.output
    path = tmp_path / "ipt-g-12.sw.yaml"
    path.write_text(result.output, encoding="utf-8")
    validated = _run("validate", str(path))
    assert (validated.exit_code, validated.stderr) == (0, "")
    assert validated.stdout == f"OK {path}: protocol ipt-g-12 in sw, 13 sessions\n"


def test_translate_an_instrument_asks_for_the_official_source() -> None:
    out = _run("translate", "phq-9", "es").output
    assert "source: 'The official translation: its authors, year and where it is published.'" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nothing", "es"), "no protocol or instrument 'nothing'"),
        (("phq-9", "sp"), "unknown language 'sp'"),
    ],
)
def test_translate_refuses_an_unknown_original_or_language(args, message) -> None:
    result = _run("translate", *args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_show_unknown_protocol_fails() -> None:
    result = _run("show", "nothing")
    assert result.exit_code == 1
    assert "no protocol 'nothing'" in result.stderr


def test_validate_shipped_directory_prints_ok_per_file() -> None:
    result = _run("validate", str(SHIPPED_DIR))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("OK ") == len(files_in(SHIPPED_DIR)) == 10
    assert "protocol group-ipt-8, 9 sessions" in result.stdout
    assert f"OK {SHIPPED_DIR / 'group-ipt-8.es.yaml'}: protocol group-ipt-8 in es, 9 sessions" in (
        result.stdout
    )
    assert "instrument phq-9, 9 items" in result.stdout


@pytest.mark.parametrize("path", files_in(SHIPPED_DIR), ids=lambda p: p.name)
def test_validate_each_shipped_file(path: Path) -> None:
    result = _run("validate", str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"OK {path}: ")


def test_validate_a_protocol_file_checks_the_translations_beside_it() -> None:
    result = _run("validate", str(SHIPPED_DIR / "ipt-g-12.yaml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"OK {SHIPPED_DIR / 'ipt-g-12.yaml'}: protocol ipt-g-12, 13 sessions",
        f"OK {SHIPPED_DIR / 'ipt-g-12.es.yaml'}: protocol ipt-g-12 in es, 13 sessions",
        f"OK {SHIPPED_DIR / 'ipt-g-12.fr.yaml'}: protocol ipt-g-12 in fr, 13 sessions",
    ]


def test_validate_reports_a_missing_translation_by_path(tmp_path: Path) -> None:
    original = (SHIPPED_DIR / "group-ipt-8.yaml").read_text(encoding="utf-8")
    (tmp_path / "ours.yaml").write_text(original.replace("id: group-ipt-8", "id: ours"))
    french = (SHIPPED_DIR / "group-ipt-8.fr.yaml").read_text(encoding="utf-8")
    french = french.replace("translation_of: group-ipt-8", "translation_of: ours")
    # The note of the fourth step of the pre-group meeting is left out.
    note = "      - title: La dépression est fréquente et peut aller mieux\n        note: >-\n"
    start = french.index(note) + len(note) - len("        note: >-\n")
    end = french.index("      - title: Les personnes de sa vie")
    (tmp_path / "ours.fr.yaml").write_text(french[:start] + french[end:], encoding="utf-8")
    result = _run("validate", str(tmp_path / "ours.yaml"))
    assert result.exit_code == 1
    assert f"OK {tmp_path / 'ours.yaml'}" in result.stdout
    line = french[:start].count("\n")
    assert (
        result.stderr
        == f"{tmp_path / 'ours.fr.yaml'}:{line}: sessions[0].steps[3].note: missing in fr\n"
    )


def test_validate_broken_file_exits_1_naming_file_path_and_reason() -> None:
    path = BROKEN_DIR / "unknown_poll.yaml"
    result = _run("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:14: sessions[0].steps[1].poll: unknown poll 'mood11'" in result.stderr
    assert "OK" not in result.stdout


def test_validate_reports_good_and_bad_files_together() -> None:
    good, bad = SHIPPED_DIR / "ipt-g-12.yaml", BROKEN_DIR / "instruments" / "duplicate_item.yaml"
    result = _run("validate", str(good), str(bad))
    assert result.exit_code == 1
    assert f"OK {good}" in result.stdout
    assert f"{bad}:9: items[1].id: duplicate item id" in result.stderr


def test_validate_every_broken_file_fails() -> None:
    result = _run("validate", str(BROKEN_DIR))
    assert result.exit_code == 1
    assert "OK" not in result.stdout


def test_validate_needs_a_path() -> None:
    assert _run("validate").exit_code == 2


def test_validate_the_broken_translations_reports_each_beside_their_valid_original() -> None:
    folder = BROKEN_DIR / "translations"
    result = _run("validate", str(folder))
    assert result.exit_code == 1
    assert result.stdout == f"OK {folder / 'original.yaml'}: protocol translated, 1 sessions\n"
    broken = {line.split(":")[0] for line in result.stderr.splitlines()}
    assert broken == {str(path) for path in folder.glob("*.*.yaml")}
    assert "not_text.es.yaml:9: polls.tried.options[1]: must be text (put it in quotes)" in (
        result.stderr
    )
