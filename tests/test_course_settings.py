"""A course's region and time zone in its log: set, unchanged when set again, and absent
from logs written before they were asked, which still load."""

from __future__ import annotations

import json

from facilitator.core import course_commands as cc
from facilitator.core import course_events as ce
from facilitator.core.codec import event_from_dict, event_to_dict
from facilitator.core.course import create_course, fold, handle
from facilitator.core.course_state import Meeting


def _created(**settings: str) -> ce.CourseCreated:
    command = cc.CreateCourse(
        at=1.0,
        course_id="c1",
        protocol_id="group-ipt-8",
        protocol_version=1,
        title="Tuesday group",
        clinical_title="IPT group",
        owner="asha",
        language="es",
        join_code="ABCDEFGH",
        meetings=(Meeting(n=1, session_number=1, phase="initial", title="Start"),),
        **settings,
    )
    _, (event,) = create_course(command)
    assert isinstance(event, ce.CourseCreated)
    return event


def test_a_course_created_before_region_and_time_zone_loads_with_neither() -> None:
    line = event_to_dict(_created())
    del line["region"], line["time_zone"]
    old = event_from_dict(json.loads(json.dumps(line)))
    state = fold([old])
    assert (state.region, state.time_zone) == ("", "")


def test_a_course_keeps_its_region_and_time_zone_through_its_log() -> None:
    created = _created(region="MX", time_zone="America/Mexico_City")
    state = fold([event_from_dict(event_to_dict(created))])
    assert (state.region, state.time_zone) == ("MX", "America/Mexico_City")
    change = cc.SetCourseSettings(at=2.0, region="419", time_zone="", by="asha")
    (event,) = handle(state, change)
    assert (state.region, state.time_zone) == ("419", "")
    again = fold([created, event_from_dict(event_to_dict(event))])
    assert (again.region, again.time_zone) == ("419", "")
    assert handle(state, change) == []
