"""The printed summaries in the language of their session or course: their words from
the documents catalog, their dates as Babel writes them for that language, in the
configured time zone; in the pseudo-language every interface word wrapped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from babel.dates import format_date, format_time

from facilitator.catalogs import Catalogs
from facilitator.core.state import ERASED_NAME, SessionState
from facilitator.service.course_exports import course_summary_html
from facilitator.service.exports import CSV_COLUMNS, results_csv, summary_html
from facilitator.service.print_style import style_source
from tests import test_exports as sessions
from tests.course_samples import WEEKLY, instruments, new_course
from tests.live import Facilitator, Server
from tests.pseudo_documents import assert_translated, unwrapped

PSEUDO = Catalogs(pseudo=True)
# A zone far from UTC: its times are told apart from UTC's.
ZONE = ZoneInfo("Pacific/Chatham")
NOW = sessions.STARTED + 90 * sessions.MINUTE


def _session(language: str, state: SessionState | None = None) -> str:
    return summary_html(
        state or sessions._full_session(),
        NOW,
        tz=ZONE,
        titles={"phq9-lite": "PHQ-9"},
        language=language,
        catalogs=PSEUDO,
    )


def _course(language: str) -> str:
    return course_summary_html(
        new_course(),
        instruments(),
        reveal_threshold=2,
        now=NOW + 30 * 24 * 3600,
        tz=ZONE,
        planned_minutes=dict.fromkeys(range(6), 90),
        scales={WEEKLY: (0, 10)},
        language=language,
        catalogs=PSEUDO,
    )


def _local(at: float) -> datetime:
    return datetime.fromtimestamp(at, ZONE)


def test_a_session_summary_in_spanish_speaks_spanish_with_spanish_dates() -> None:
    state = sessions._full_session()
    html = _session("es", state)
    assert '<html lang="es" dir="ltr">' in html
    assert "resumen de la sesión" in html
    assert "<h2>Alertas de riesgo</h2>" in html and "<h2>Asistencia</h2>" in html
    assert "Registro clínico confidencial." in html
    assert "Necesito apoyo" in html
    assert "session summary" not in html and "Risk alerts" not in html
    started = _local(state.started_at or 0)
    day = format_date(started, "medium", locale="es")
    time = format_time(started, "short", tzinfo=ZONE, locale="es")
    assert f"{day}, empezó a las {time}" in html
    # The configured zone's hour, not UTC's.
    assert time != format_time(
        datetime.fromtimestamp(state.started_at or 0, UTC), "short", locale="es"
    )


def test_a_session_summary_in_french_speaks_french() -> None:
    html = _session("fr")
    assert '<html lang="fr" dir="ltr">' in html
    assert "<h2>Alertes de risque</h2>" in html and "résumé de la séance" in html


def test_a_course_summary_in_spanish_speaks_spanish_with_spanish_dates() -> None:
    html = _course("es")
    assert '<html lang="es" dir="ltr">' in html
    assert "resumen del curso" in html and "<h2>Encuentros</h2>" in html
    assert "course summary" not in html and "<h2>Meetings</h2>" not in html
    state = new_course()
    first = state.meetings[0]
    assert first.started_at is not None
    day = format_date(_local(first.started_at), "medium", locale="es")
    assert day in html


@pytest.mark.parametrize("render", [_session, _course], ids=["session", "course"])
def test_a_summary_in_the_pseudo_language_has_every_interface_word_from_the_catalog(
    render: object,
) -> None:
    html = render("en-XA")  # type: ignore[operator]
    assert '<html lang="en-XA" dir="ltr">' in html
    assert_translated(html, "summary in en-XA")


def test_a_summary_in_a_right_to_left_language_says_so() -> None:
    html = _session("ar-XB")
    assert '<html lang="ar-XB" dir="rtl">' in html
    assert_translated(html, "summary in ar-XB")


def test_the_pseudo_language_check_finds_a_word_left_out_of_the_catalog() -> None:
    html = _session("en-XA").replace("</h1>", "</h1><p>Forgotten words</p>", 1)
    assert unwrapped(html) == ["p: Forgotten words"]


def test_an_erased_member_is_named_in_the_summary_language() -> None:
    state = sessions._full_session()
    member = next(iter(state.participants.values()))
    state.participants[member.id] = replace(member, name=ERASED_NAME)
    assert "Miembro borrado" in _session("es", state)


def test_the_results_csv_keeps_its_column_names_and_codes_whatever_the_language() -> None:
    # A data format: programs read its columns and codes, so they never change language.
    text = results_csv(sessions._full_session())
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)


def test_the_app_writes_a_summary_in_the_sessions_language(
    server: Server, facilitator: Facilitator
) -> None:
    """A session's summary speaks the session's language, whatever the reader's browser."""
    links = facilitator.create_session("group-ipt-8", 2, language="es")
    path = f"/api/sessions/{links['session_id']}/export/summary.html"
    spanish = facilitator.http.get(server.url + path, headers={"Accept-Language": "de"}, timeout=10)
    assert spanish.status_code == 200, spanish.text
    assert '<html lang="es" dir="ltr">' in spanish.text
    assert "<h2>Alertas de riesgo</h2>" in spanish.text
    assert '"Página " counter(page) " de " counter(pages)' in spanish.text
    _assert_policy_allows_its_style(spanish)
    links = facilitator.create_session("group-ipt-8", 2, language="en")
    path = f"/api/sessions/{links['session_id']}/export/summary.html"
    english = facilitator.http.get(server.url + path, headers={"Accept-Language": "es"}, timeout=10)
    assert '<html lang="en" dir="ltr">' in english.text and "<h2>Risk alerts</h2>" in english.text

    # A course has its own language: its summary speaks it, whatever the reader's browser.
    made = facilitator.post(
        "/api/courses", {"protocol_id": "group-ipt-8", "title": "Mardi", "language": "fr"}
    )
    assert made.status_code == 201, made.text
    course = facilitator.http.get(
        server.url + f"/api/courses/{made.json()['course_id']}/export/summary.html",
        headers={"Accept-Language": "es"},
        timeout=10,
    )
    assert course.status_code == 200, course.text
    assert '<html lang="fr" dir="ltr">' in course.text and "<h2>Rencontres</h2>" in course.text
    _assert_policy_allows_its_style(course)


def _assert_policy_allows_its_style(response: requests.Response) -> None:
    """The page number is in the summary's own stylesheet, which the policy names by its
    hash: a browser would drop a stylesheet in a language the policy does not name."""
    style = response.text.split("<style>", 1)[1].split("</style>", 1)[0]
    assert style_source(style) in response.headers["Content-Security-Policy"]
