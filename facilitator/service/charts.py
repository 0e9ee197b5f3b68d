"""One member's scores across a course's meetings, drawn as SVG on the server.

A chart is a self-contained `<svg>` (no scripts, fonts, images or links to anything
outside itself) that reads in black and white: the line and points are black, every
point carries its score, and the severity bands are grey shades told apart by dashed
edges and their labels, never by colour alone. Its `<title>` and `<desc>` say in words
what it shows, and a `<table>` with the same numbers goes beside it wherever it is shown.
Every text in it is escaped: member names are typed by members.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence

from facilitator.core.course_state import CourseState
from facilitator.core.wording import D_
from facilitator.library.loader import SeverityBand
from facilitator.service.course_views import TrendPoint, member_trend
from facilitator.service.document_words import DocumentWords

WIDTH = 600
HEIGHT = 260
# The plot area; the right margin holds the band labels.
LEFT, RIGHT, TOP, BOTTOM = 44, 400, 16, 216
BAND_FILLS = ("#e4e4e4", "#ffffff")
# A band label needs this much height to be drawn; the table names every band anyway.
MIN_LABEL_HEIGHT = 11
LABEL_CHARS = 22

# The chart's and its table's own words (marked here, out of the f-strings that use
# them, where extraction would not see them).
MEETING, SCORE, BAND = D_("Meeting"), D_("Score"), D_("Band")
NO_SCORES = D_("No scores recorded")

# Characters XML 1.0 does not allow even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: object) -> str:
    """Return a text safe inside an element or a quoted attribute, in HTML and in XML."""
    return html.escape(_NOT_XML.sub("", str(text)), quote=True)


def trend_svg(
    state: CourseState,
    member_id: str,
    measure_id: str,
    bands: Sequence[SeverityBand],
    *,
    scale: tuple[int, int] | None = None,
    label: str | None = None,
    words: DocumentWords | None = None,
) -> str:
    """Return an SVG line chart of one member's scores on one measure, meeting by meeting.

    `bands` are shaded as horizontal ranges; `scale` is the score range to draw (the
    bands' range, widened to the scores, when None); `label` names the measure (its id
    when None); `words` its language (English when None). Raises KeyError for a member
    the course does not have. Names, labels and band names are marked data-content: they
    come from people and instruments, not from the catalogs.
    """
    words = words or DocumentWords()
    name = state.members[member_id].name
    label = label or measure_id
    points = member_trend(state, member_id).get(measure_id, [])
    low, high = _scale(points, bands, scale)
    columns = _columns(state, points)

    def x(n: int) -> float:
        step = (RIGHT - LEFT) / len(columns)
        return LEFT + step * (columns.index(n) + 0.5)

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP)

    chart_id = _chart_id(member_id, measure_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'font-family="sans-serif" font-size="11">',
        f'<title id="{chart_id}-title" data-content="">{esc(f"{name}: {label}")}</title>',
        f'<desc id="{chart_id}-desc">'
        f"{esc(_description(words, name, label, points, bands, low, high))}</desc>",
    ]
    for i, band in enumerate(sorted(bands, key=lambda b: b.min)):
        top, bottom = y(band.max + 0.5), y(band.min - 0.5)
        if bottom - top <= 0:
            continue
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{RIGHT - LEFT}" height="{bottom - top:.1f}" '
            f'fill="{BAND_FILLS[i % 2]}"/>'
        )
        parts.append(
            f'<line x1="{LEFT}" y1="{top:.1f}" x2="{RIGHT}" y2="{top:.1f}" '
            'stroke="#555" stroke-width="0.75" stroke-dasharray="4 3"/>'
        )
        if bottom - top >= MIN_LABEL_HEIGHT:
            parts.append(
                f'<text x="{RIGHT + 6}" y="{(top + bottom) / 2 + 4:.1f}" font-size="10" '
                'data-content="">'
                f"{esc(_shorten(band.label))} ({band.min}\u2013{band.max})</text>"
            )
    parts += [
        f'<rect x="{LEFT}" y="{TOP}" width="{RIGHT - LEFT}" height="{BOTTOM - TOP}" '
        'fill="none" stroke="#000" stroke-width="1"/>',
        f'<text x="{LEFT - 6}" y="{y(high) + 4:.1f}" text-anchor="end">{high}</text>',
        f'<text x="{LEFT - 6}" y="{y(low) + 4:.1f}" text-anchor="end">{low}</text>',
        f'<text x="{(LEFT + RIGHT) / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{esc(words(MEETING))}</text>",
    ]
    parts += [
        f'<text x="{x(n):.1f}" y="{BOTTOM + 16}" text-anchor="middle">{n}</text>' for n in columns
    ]
    if points:
        line = " ".join(f"{x(p.n):.1f},{y(p.score):.1f}" for p in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#000" stroke-width="2"/>')
        for p in points:
            parts.append(
                f'<circle cx="{x(p.n):.1f}" cy="{y(p.score):.1f}" r="3.5" '
                'fill="#000" stroke="#fff" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{x(p.n):.1f}" y="{y(p.score) - 7:.1f}" text-anchor="middle" '
                f'font-weight="bold">{p.score}</text>'
            )
    else:
        parts.append(
            f'<text x="{(LEFT + RIGHT) / 2:.1f}" y="{(TOP + BOTTOM) / 2:.1f}" '
            f'text-anchor="middle">{esc(words(NO_SCORES))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def trend_table_html(
    state: CourseState,
    member_id: str,
    measure_id: str,
    *,
    label: str | None = None,
    words: DocumentWords | None = None,
) -> str:
    """Return an HTML table of the numbers a trend chart draws: meeting, score, band."""
    words = words or DocumentWords()
    name = state.members[member_id].name
    titles = {m.n: m.title for m in state.meetings}
    points = member_trend(state, member_id).get(measure_id, [])
    rows = [
        f"<tr><td data-content>{p.n}{esc(': ' + titles[p.n]) if p.n in titles else ''}</td>"
        f'<td class="num">{p.score}</td><td data-content>{esc(p.band)}</td></tr>'
        for p in points
    ]
    if not rows:
        rows = [f'<tr><td colspan="3">{esc(words(NO_SCORES))}</td></tr>']
    return "\n".join(
        [
            '<table class="trend-data">',
            f"<caption data-content>{esc(f'{name}: {label or measure_id}')}</caption>",
            f'<thead><tr><th scope="col">{esc(words(MEETING))}</th>'
            f'<th scope="col" class="num">{esc(words(SCORE))}</th>'
            f'<th scope="col">{esc(words(BAND))}</th></tr></thead>',
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
        ]
    )


def trend_figure_html(
    state: CourseState,
    member_id: str,
    measure_id: str,
    bands: Sequence[SeverityBand],
    *,
    scale: tuple[int, int] | None = None,
    label: str | None = None,
    words: DocumentWords | None = None,
) -> str:
    """Return the chart and its table side by side, in one `<figure>`."""
    return "\n".join(
        [
            '<figure class="trend">',
            trend_svg(state, member_id, measure_id, bands, scale=scale, label=label, words=words),
            trend_table_html(state, member_id, measure_id, label=label, words=words),
            "</figure>",
        ]
    )


def _scale(
    points: Sequence[TrendPoint], bands: Sequence[SeverityBand], scale: tuple[int, int] | None
) -> tuple[int, int]:
    """Return the score range to draw: the given one or the bands', widened to every score."""
    if scale is not None:
        low, high = scale
    elif bands:
        low, high = min(b.min for b in bands), max(b.max for b in bands)
    else:
        low, high = 0, max((p.score for p in points), default=1)
    low = min([low, *(p.score for p in points)])
    high = max([high, *(p.score for p in points)])
    return low, max(high, low + 1)


def _columns(state: CourseState, points: Sequence[TrendPoint]) -> list[int]:
    """Return the meeting numbers along the x axis: every meeting, so gaps show."""
    columns = [m.n for m in state.meetings]
    return columns + sorted({p.n for p in points} - set(columns))


def _description(
    words: DocumentWords,
    name: str,
    label: str,
    points: Sequence[TrendPoint],
    bands: Sequence[SeverityBand],
    low: int,
    high: int,
) -> str:
    scores = "; ".join(
        words(D_("meeting {n}: {score} ({band})"), n=p.n, score=p.score, band=p.band)
        if p.band
        else words(D_("meeting {n}: {score}"), n=p.n, score=p.score)
        for p in points
    )
    text = words(
        D_("{label} scores of {name} by meeting, on a scale from {low} to {high}."),
        label=label,
        name=name,
        low=low,
        high=high,
    )
    text += f" {scores}." if points else " " + words(D_("No scores recorded."))
    if bands:
        shaded = "; ".join(
            words(D_("{band} {min} to {max}"), band=b.label, min=b.min, max=b.max) for b in bands
        )
        text += " " + words(D_("Shaded bands: {bands}."), bands=shaded)
    return text


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "\u2026"


def _chart_id(member_id: str, measure_id: str) -> str:
    # Ids must be unique on a page showing many charts, and safe whatever the ids hold.
    digest = hashlib.sha256(f"{member_id}\0{measure_id}".encode()).hexdigest()[:12]
    return f"trend-{digest}"
