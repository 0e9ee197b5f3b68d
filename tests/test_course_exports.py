"""The exports of a course: CSV tables, the workbook, the printable summary, the charts."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC
from html.parser import HTMLParser

import openpyxl
import pytest

from facilitator.core.course_state import CourseState, Measure
from facilitator.service.charts import trend_svg, trend_table_html
from facilitator.service.course_exports import (
    attendance_csv,
    change_distribution,
    course_summary_html,
    course_xlsx,
    measures_csv,
    steps_csv,
)
from tests.course_samples import (
    HOSTILE,
    PHQ9,
    T0,
    WEEK,
    WEEKLY,
    instruments,
    new_course,
    not_measures,
)

SVG = "{http://www.w3.org/2000/svg}"
NOW = T0 + 30 * 24 * 3600
ESCAPED_FOR_CSV = "'" + HOSTILE


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _summary(state: CourseState | None = None, *, k: int = 2) -> str:
    return course_summary_html(
        state or new_course(),
        instruments(),
        reveal_threshold=k,
        now=NOW,
        tz=UTC,
        planned_minutes=dict.fromkeys(range(6), 90),
        scales={WEEKLY: (0, 10)},
    )


class _Page(HTMLParser):
    """Collect a page's tags, its text, and each table's rows by the table's class."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append((dict(attrs).get("class") or "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table(self, css_class: str, index: int = 0) -> list[list[str]]:
        return [rows for name, rows in self.tables if name == css_class][index]


def _svg(text: str) -> ET.Element:
    # The app's own output, parsed to check that it is well-formed XML.
    return ET.fromstring(text)  # noqa: S314


def _svgs(html: str) -> list[ET.Element]:
    return [_svg(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, re.DOTALL)]


# -- CSV ------------------------------------------------------------------------------


def test_attendance_csv_has_a_member_column_then_one_per_meeting() -> None:
    assert _rows(attendance_csv(new_course())) == [
        [
            "member",
            "0: Pre-group meeting",
            "1: Getting started",
            "2: Working on it",
            "3: Keeping going",
            "4: Looking back",
            "5: Farewell",
        ],
        ["Ana", "present", "present", "present", "present", "", ""],
        ["Bo", "present", "late", "absent", "absent", "", ""],
        [ESCAPED_FOR_CSV, "present", "present", "left_early", "present", "", ""],
        ["Dee", "present", "absent", "absent", "absent", "", ""],
    ]


def test_measures_csv_has_one_row_per_member_meeting_and_measure() -> None:
    assert _rows(measures_csv(new_course())) == [
        ["member", "meeting", "measure", "score", "band"],
        ["Ana", "1", WEEKLY, "4", ""],
        ["Ana", "1", PHQ9, "14", "moderate"],
        ["Ana", "2", WEEKLY, "5", ""],
        ["Ana", "3", WEEKLY, "7", ""],
        ["Ana", "3", PHQ9, "8", "mild"],
        ["Bo", "1", WEEKLY, "6", ""],
        ["Bo", "1", PHQ9, "9", "mild"],
        [ESCAPED_FOR_CSV, "1", WEEKLY, "3", ""],
        [ESCAPED_FOR_CSV, "1", PHQ9, "20", "severe"],
        [ESCAPED_FOR_CSV, "3", WEEKLY, "2", ""],
        [ESCAPED_FOR_CSV, "3", PHQ9, "22", "severe"],
    ]


def test_steps_csv_gives_each_step_with_the_meeting_it_was_set_at_and_if_tried() -> None:
    assert _rows(steps_csv(new_course())) == [
        ["member", "meeting", "step", "tried"],
        ["Ana", "1", "Call my sister", "yes"],
        ["Ana", "2", "Walk with Sam", ""],
        [ESCAPED_FOR_CSV, "1", "'=cmd|' /C calc'!A0", "partly"],
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_csv_defuses_a_formula_in_a_name_or_a_meeting_title(start: str) -> None:
    state = new_course()
    state.members["c-ana"].name = start + "1+1"
    state.meetings[0].title = start + "SUM(A1)"
    state.steps[1]["c-ana"].text = start + "2+2"
    assert _rows(attendance_csv(state))[0][1] == "0: " + start + "SUM(A1)"
    for text in (attendance_csv(state), measures_csv(state), steps_csv(state)):
        assert _rows(text)[1][0] == "'" + start + "1+1"
    assert _rows(steps_csv(state))[1][2] == "'" + start + "2+2"


# -- XLSX -----------------------------------------------------------------------------


def _sheets(data: bytes) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def test_workbook_has_one_sheet_per_table_in_order() -> None:
    book = openpyxl.load_workbook(io.BytesIO(course_xlsx(new_course())))
    assert book.sheetnames == ["Attendance", "Measures", "Steps"]


def test_workbook_attendance_sheet_matches_the_csv_with_names_as_typed() -> None:
    sheet = _sheets(course_xlsx(new_course()))["Attendance"]
    assert sheet[0] == [
        "member",
        "0: Pre-group meeting",
        "1: Getting started",
        "2: Working on it",
        "3: Keeping going",
        "4: Looking back",
        "5: Farewell",
    ]
    # An empty cell reads back as None.
    assert sheet[2] == ["Bo", "present", "late", "absent", "absent", None, None]
    assert sheet[3] == [HOSTILE, "present", "present", "left_early", "present", None, None]
    assert [row[0] for row in sheet[1:]] == ["Ana", "Bo", HOSTILE, "Dee"]


def test_workbook_measures_sheet_keeps_meetings_and_scores_as_numbers() -> None:
    sheet = _sheets(course_xlsx(new_course()))["Measures"]
    assert sheet[0] == ["member", "meeting", "measure", "score", "band"]
    assert sheet[1:3] == [["Ana", 1, WEEKLY, 4, None], ["Ana", 1, PHQ9, 14, "moderate"]]
    assert sheet[-1] == [HOSTILE, 3, PHQ9, 22, "severe"]
    assert len(sheet) == 12


def test_workbook_steps_sheet_lists_every_step() -> None:
    sheet = _sheets(course_xlsx(new_course()))["Steps"]
    assert sheet == [
        ["member", "meeting", "step", "tried"],
        ["Ana", 1, "Call my sister", "yes"],
        ["Ana", 2, "Walk with Sam", None],
        [HOSTILE, 1, "=cmd|' /C calc'!A0", "partly"],
    ]


def test_workbook_keeps_a_text_starting_with_equals_a_text_never_a_formula() -> None:
    book = openpyxl.load_workbook(io.BytesIO(course_xlsx(new_course())))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c for c in cells if c.data_type == "f"] == []
    hostile = [c for c in cells if c.value == HOSTILE]
    assert len(hostile) == 1 + 4 + 1  # attendance, four scores, one step
    assert {c.data_type for c in hostile} == {"s"}


def test_workbook_drops_control_characters_a_workbook_cannot_hold() -> None:
    state = new_course()
    state.members["c-ana"].name = "An\x07a\x00"
    assert _sheets(course_xlsx(state))["Attendance"][1][0] == "Ana"


# -- Charts ---------------------------------------------------------------------------


def test_trend_svg_is_an_image_with_a_title_and_a_description() -> None:
    state = new_course()
    phq9 = instruments()[PHQ9]
    root = _svg(trend_svg(state, "c-ana", PHQ9, phq9.severity, label=phq9.title))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and desc.tag == f"{SVG}desc"
    assert title.text == "Ana: Patient Health Questionnaire (PHQ-9)"
    assert desc.text is not None
    assert "meeting 1: 14 (moderate); meeting 3: 8 (mild)" in desc.text
    assert "minimal 0 to 4" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_trend_svg_shades_each_band_and_labels_it_for_print() -> None:
    state = new_course()
    bands = instruments()[PHQ9].severity
    root = _svg(trend_svg(state, "c-ana", PHQ9, bands))
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") != "none"]
    assert len(rects) == len(bands) == 5
    # Two shades of grey: bands are told apart by their edges and labels, not colour.
    assert {r.get("fill") for r in rects} == {"#e4e4e4", "#ffffff"}
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    for band in bands:
        assert any(t.startswith(band.label) for t in texts), band.label
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == len(bands)


def test_trend_svg_draws_a_black_line_through_each_score_labelled_with_it() -> None:
    state = new_course()
    root = _svg(trend_svg(state, "c-ana", WEEKLY, (), scale=(0, 10)))
    (line,) = root.iter(f"{SVG}polyline")
    assert line.get("stroke") == "#000"
    assert len((line.get("points") or "").split()) == 3
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 3 and {c.get("fill") for c in circles} == {"#000"}
    bold = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert bold == ["4", "5", "7"]
    # Every meeting has its place on the axis, so a missed one shows as a gap.
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert all(str(n) in labels for n in range(6))


def test_trend_svg_puts_higher_scores_higher_up() -> None:
    root = _svg(trend_svg(new_course(), "c-ana", WEEKLY, (), scale=(0, 10)))
    (line,) = root.iter(f"{SVG}polyline")
    ys = [float(point.split(",")[1]) for point in (line.get("points") or "").split()]
    assert ys[0] > ys[1] > ys[2]  # 4, 5, 7: SVG y grows downwards


def test_trend_svg_of_a_member_without_scores_says_so() -> None:
    root = _svg(trend_svg(new_course(), "c-dee", PHQ9, instruments()[PHQ9].severity))
    assert list(root.iter(f"{SVG}polyline")) == []
    assert "No scores recorded" in [t.text for t in root.iter(f"{SVG}text")]
    assert "No scores recorded." in (root[1].text or "")


def test_trend_svg_refers_to_nothing_outside_itself() -> None:
    svg = trend_svg(new_course(), "c-evil", PHQ9, instruments()[PHQ9].severity)
    root = _svg(svg)
    attrs = [(k, v) for el in root.iter() for k, v in el.attrib.items()]
    assert not [k for k, _ in attrs if k.endswith("href") or k == "src"]
    assert not [v for _, v in attrs if "url(" in v or "javascript:" in v]
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= {
        "svg",
        "title",
        "desc",
        "rect",
        "line",
        "text",
        "polyline",
        "circle",
    }
    # The namespace declaration names SVG; it loads nothing.
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_trend_svg_escapes_a_hostile_name() -> None:
    state = new_course()
    svg = trend_svg(state, "c-evil", PHQ9, instruments()[PHQ9].severity)
    assert HOSTILE not in svg and "<script" not in svg
    root = _svg(svg)
    assert root[0].text == f"{HOSTILE}: {PHQ9}"
    assert [el for el in root.iter() if el.tag.endswith("script")] == []


def test_trend_svg_drops_characters_xml_cannot_hold() -> None:
    state = new_course()
    state.members["c-ana"].name = "An\x07a\x1b"
    root = _svg(trend_svg(state, "c-ana", PHQ9, ()))
    assert root[0].text == "Ana: phq-9"


def test_trend_table_holds_the_numbers_the_chart_draws() -> None:
    state = new_course()
    page = _Page(trend_table_html(state, "c-evil", PHQ9, label="PHQ-9"))
    assert page.table("trend-data") == [
        ["Meeting", "Score", "Band"],
        ["1: Getting started", "20", "severe"],
        ["3: Keeping going", "22", "severe"],
    ]
    assert f"{HOSTILE}: PHQ-9" in "".join(page.text)
    assert "script" not in [tag for tag, _ in page.tags]


# -- Summary --------------------------------------------------------------------------


def test_summary_opens_with_a_confidential_banner() -> None:
    page = _Page(_summary())
    banner = next(i for i, (_, attrs) in enumerate(page.tags) if attrs.get("role") == "note")
    tag, attrs = page.tags[banner]
    assert (tag, attrs.get("class")) == ("p", "confidential")
    assert banner < next(i for i, (tag, _) in enumerate(page.tags) if tag == "h1")
    text = " ".join("".join(page.text).split())
    assert "Confidential: names, attendance and clinical scores" in text
    # The header and footer every printed page repeats (tests/browser/test_summary.py).
    assert "Confidential · Tuesday group · course summary" in text
    assert "Confidential clinical record. Printed" in text


def test_summary_heads_with_both_titles_and_who_had_access() -> None:
    text = " ".join("".join(_Page(_summary()).text).split())
    assert "Tuesday group" in text and "Group IPT for depression, 8 sessions" in text
    assert "Owner fac; co-facilitators cofac; supervisors sup." in text
    assert "Printed 2023-12-14 22:13 (times in UTC)." in text


def test_summary_compares_planned_and_actual_time_per_meeting() -> None:
    rows = _Page(_summary()).table("meetings")
    assert rows[0] == [
        "#",
        "Meeting",
        "Phase",
        "Planned",
        "Started",
        "Ended",
        "Planned min",
        "Actual min",
    ]
    assert rows[2] == [
        "1",
        "Getting started",
        "initial",
        "2023-11-21 22:13",
        "2023-11-21 22:15",
        "2023-11-21 23:43",
        "90",
        "89",
    ]
    assert rows[5][5:] == ["", "90", ""]  # under way: no end, no length yet
    assert rows[6][3:] == ["", "", "", "90", ""]  # no date yet


def test_summary_has_an_attendance_grid_member_by_meeting() -> None:
    rows = _Page(_summary()).table("attendance")
    assert rows[0] == ["Member", "0", "1", "2", "3", "4", "5"]
    assert rows[1] == ["Ana", "present", "present", "present", "present*", "", ""]
    assert rows[3] == [HOSTILE, "present", "present", "left early", "present", "", ""]
    assert rows[4][0] == "Dee (withdrawn)"


def test_summary_gives_each_members_first_last_and_change_per_measure() -> None:
    page = _Page(_summary())
    ana = page.table("change", 0)
    assert ana == [
        ["Measure", "First", "Last", "Change"],
        ["mood_named", "4, meeting 1", "7, meeting 3", "+3"],
        [
            "Patient Health Questionnaire (PHQ-9)",
            "14 (moderate), meeting 1",
            "8 (mild), meeting 3",
            "-6",
        ],
    ]
    bo = page.table("change", 1)
    assert bo[2] == ["Patient Health Questionnaire (PHQ-9)", "9 (mild), meeting 1", "", "one score"]


def test_summary_draws_a_chart_with_its_table_beside_it_for_every_members_measure() -> None:
    html = _summary()
    page = _Page(html)
    charts = _svgs(html)
    # Ana, Bo and the hostile member have two measures each; Dee none.
    assert len(charts) == 6 == len([name for name, _ in page.tables if name == "trend-data"])
    for chart in charts:
        assert chart.get("role") == "img"
        assert chart[0].tag == f"{SVG}title" and chart[1].tag == f"{SVG}desc"
    figures = re.findall(r'<figure class="trend">(.*?)</figure>', html, re.DOTALL)
    assert len(figures) == 6
    for figure in figures:
        chart = _svgs(figure)[0]
        drawn = [t.text for t in chart.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
        table = _Page(figure).table("trend-data")
        assert drawn == [row[1] for row in table[1:]]


def test_summary_charts_use_the_instruments_bands_and_range() -> None:
    charts = _svgs(_summary())
    phq9 = [c for c in charts if (c[0].text or "").endswith("(PHQ-9)")]
    assert len(phq9) == 3
    for chart in phq9:
        texts = [t.text or "" for t in chart.iter(f"{SVG}text")]
        assert "27" in texts and any(t.startswith("moderately severe") for t in texts)


def test_summary_lists_weekly_steps_and_their_reviews() -> None:
    page = _Page(_summary())
    assert page.table("steps", 0) == [
        ["Set at", "Step", "Tried", "Reviewed"],
        ["1", "Call my sister", "yes", "2023-11-28 22:13"],
        ["2", "Walk with Sam", "not reviewed", ""],
    ]
    assert page.table("steps", 1)[1] == ["1", "=cmd|' /C calc'!A0", "partly", "2023-11-28 22:13"]


def test_summary_lists_plans_and_notes() -> None:
    page = _Page(_summary())
    text = " ".join("".join(page.text).split())
    assert "Problem areas: transitions." in text
    assert "Goal: Settle into the new job" in text and "Key people: Sam" in text
    assert page.table("notes") == [
        ["Meeting", "By", "Note"],
        ["1", "fac", "Wants to talk about work"],
    ]


def test_summary_shows_the_course_change_distribution_at_k_members() -> None:
    page = _Page(_summary(k=2))
    # Ana went from moderate to mild; the hostile member stayed severe; Bo has one score.
    assert page.table("distribution") == [
        ["Change", "Members"],
        ["Improved", "1"],
        ["No change", "1"],
        ["Worse", "0"],
    ]
    assert "2 members with a first and a last score" in "".join(page.text)


def test_summary_withholds_the_distribution_below_k_members() -> None:
    html = _summary(k=3)
    page = _Page(html)
    assert [name for name, _ in page.tables if name == "distribution"] == []
    text = " ".join("".join(page.text).split())
    assert "Withheld: fewer than 3 members have a first and a last score (2 have)." in text
    assert "Improved" not in text


def test_distribution_counts_a_move_to_a_lower_band_as_better_on_a_symptom_scale() -> None:
    state = new_course()
    state.measures["c-evil"][3][PHQ9] = Measure(score=25, band="severe", at=T0 + 3 * WEEK)
    state.measures["c-bo"][3] = {PHQ9: Measure(score=16, band="moderately severe", at=T0)}
    d = change_distribution(state, instruments()[PHQ9], 3)
    assert (d.counted, d.improved, d.same, d.worse, d.withheld) == (3, 1, 1, 1, None)


def test_distribution_counts_a_move_to_a_higher_band_as_better_on_a_wellbeing_scale() -> None:
    state = new_course()
    who5 = instruments()["who-5"]
    state.measures = {
        "c-ana": {1: {"who-5": Measure(20, "", T0)}, 3: {"who-5": Measure(60, "", T0)}},
        "c-bo": {1: {"who-5": Measure(40, "", T0)}, 2: {"who-5": Measure(20, "", T0)}},
    }
    d = change_distribution(state, who5, 2, higher_is_better=True)
    assert (d.improved, d.same, d.worse) == (1, 0, 1)
    html = _summary(state)
    assert _Page(html).table("distribution")[1:] == [
        ["Improved", "1"],
        ["No change", "0"],
        ["Worse", "1"],
    ]


def test_summary_escapes_a_hostile_name_everywhere() -> None:
    html = _summary()
    assert HOSTILE not in html
    assert "<script" not in html.lower()
    page = _Page(html)
    assert "script" not in [tag for tag, _ in page.tags]
    text = "".join(page.text)
    # Attendance, the member's heading, plan goal and key people, two chart titles,
    # two chart descriptions, two table captions and the referral check.
    assert text.count(HOSTILE) == 11
    for chart in _svgs(html):
        assert [el for el in chart.iter() if el.tag.endswith("script")] == []


def test_summary_has_no_script_and_loads_nothing_from_anywhere() -> None:
    html = _summary()
    page = _Page(html)
    assert not [name for _, attrs in page.tags for name in attrs if name in ("src", "href")]
    rest = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http" not in rest and "url(" not in rest and "@import" not in rest


def test_summary_of_a_course_without_members_renders() -> None:
    state = new_course()
    state.members, state.measures, state.steps, state.plans = {}, {}, {}, {}
    text = " ".join("".join(_Page(_summary(state)).text).split())
    assert "No members enrolled." in text
    assert "No instrument with severity bands was scored." in text


# -- Only the measures ----------------------------------------------------------------


def test_no_export_shows_a_poll_that_is_not_a_recorded_measure() -> None:
    """Every other poll and instrument on offer, anonymous ones above all, stays out."""
    state = new_course()
    book = _sheets(course_xlsx(state))
    texts = {
        "summary": _summary(state),
        "attendance.csv": attendance_csv(state),
        "measures.csv": measures_csv(state),
        "steps.csv": steps_csv(state),
        "course.xlsx": repr(book),
        "charts": "".join(
            trend_svg(state, member_id, measure_id, ())
            for member_id in state.members
            for measure_id in (PHQ9, WEEKLY)
        ),
    }
    for name, text in texts.items():
        for word in not_measures(state):
            assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), (name, word)


def test_distribution_needs_an_instrument_with_bands() -> None:
    bare = replace(instruments()[PHQ9], severity=())
    with pytest.raises(ValueError, match="no severity bands"):
        change_distribution(new_course(), bare, 2)


def test_the_course_summary_gives_each_scored_instrument_its_attribution_line() -> None:
    section = _summary().split('<section id="instruments">')[1].split("</section>")[0]
    phq9 = instruments()[PHQ9]
    assert phq9.title in section
    assert " ".join(phq9.attribution.split()[:6]) in " ".join(section.split())
