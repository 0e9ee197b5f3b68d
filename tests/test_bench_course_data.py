"""The benchmark's programme of courses reads back through the service as a held course.

bench/course_data.py writes courses through the course engine and the store, beside
the service: these tests keep what it writes what the service would have written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from bench import course_data
from facilitator.app import close_app, create_app
from facilitator.config import Settings
from facilitator.core import course as engine
from facilitator.core.codec import course_state_to_dict
from facilitator.service.api import Service


@pytest.fixture
def written(tmp_path: Path) -> Iterator[tuple[dict[str, Any], Flask]]:
    report = course_data.generate(tmp_path / "data", courses=2, members=10, seed=3)
    app = create_app(
        Settings(data_dir=tmp_path / "data", async_mode="threading", log_level="WARNING")
    )
    try:
        yield report, app
    finally:
        close_app(app)


def _service(app: Flask) -> Service:
    found: Service = app.extensions["facilitator.api"]
    return found


def test_each_course_has_twelve_held_meetings_with_everything_a_member_leaves(
    written: tuple[dict[str, Any], Flask],
) -> None:
    report, app = written
    assert len(report["courses"]) == 2
    for course in report["courses"]:
        # The account a one-time sign-in link signs in as owns it.
        view = _service(app).course("local", course["id"])
        assert view["protocol_id"] == "ipt-g-12"
        assert [m["n"] for m in view["meetings"] if m["status"] == "ended"] == list(range(1, 13))
        assert view["meetings"][0]["status"] != "ended"  # the pre-group meeting
        assert [m["id"] for m in view["measures"]] == ["mood_named", "phq-9"]
        assert sorted(m["id"] for m in view["members"]) == course["members"]
        for member in view["members"]:
            statuses = [a["status"] for a in member["attendance"] if a["n"] >= 1]
            assert len(statuses) == 12 and None not in statuses
            assert [s["n"] for s in member["steps"]] == list(range(1, 13))
            assert all(s["tried"] for s in member["steps"][:-1])
            assert member["steps"][-1]["tried"] is None
            assert member["areas"] and member["goal"]
            assert member["latest"]["mood_named"]["n"] == 12
            assert member["latest"]["phq-9"]["band"]


def test_a_member_trend_and_the_summary_show_every_meeting(
    written: tuple[dict[str, Any], Flask],
) -> None:
    report, app = written
    course = report["courses"][0]
    service = _service(app)
    svg = service.trend_svg("local", course["id"], course["members"][0], "mood_named")
    assert svg.count("<circle") == 12
    summary = service.course_export("local", course["id"], "summary.html", "127.0.0.1")
    assert isinstance(summary.body, str)
    assert summary.body.count("<svg") == 2 * 10  # mood and PHQ-9 for each member


def test_a_course_loaded_from_its_snapshot_is_the_fold_of_its_whole_log(
    written: tuple[dict[str, Any], Flask],
) -> None:
    report, app = written
    assert report["snapshots"] >= 2 * 3  # at versions 200, 400 and 600 of about 800
    service = _service(app)
    for course in report["courses"]:
        store = service.courses.store
        assert store.load_snapshot(course["id"]) is not None
        loaded = service.courses.current(course["id"])
        folded = engine.fold(event for _, event in store.read(course["id"]))
        assert course_state_to_dict(loaded) == course_state_to_dict(folded)
        assert loaded.version == store.version(course["id"])


def test_a_shorter_course_holds_only_its_first_weeks(tmp_path: Path) -> None:
    report = course_data.generate(tmp_path / "data", courses=1, members=5, seed=4, weeks=3)
    app = create_app(
        Settings(data_dir=tmp_path / "data", async_mode="threading", log_level="WARNING")
    )
    try:
        course = report["courses"][0]
        view = _service(app).course("local", course["id"])
        assert [m["n"] for m in view["meetings"] if m["status"] == "ended"] == [1, 2, 3]
        assert len(view["members"]) == 5
        svg = _service(app).trend_svg("local", course["id"], course["members"][0], "mood_named")
        assert svg.count("<circle") == 3
    finally:
        close_app(app)
