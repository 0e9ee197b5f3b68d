"""The JSON API of courses: creating and running them, members' plans, phones' places.

Each route reads its request, calls one service method, and answers JSON in the one
shape (errors through transport/web.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from facilitator.catalogs import accepted_languages
from facilitator.transport import schemas as s
from facilitator.transport.web import (
    address,
    download,
    join_url,
    json_body,
    service,
    signed_in,
    signin_reference,
    user,
)

bp = Blueprint("courses", __name__)
COURSE = "/api/courses/<course_id>"
MEMBER = COURSE + "/members/<member_id>"


# -- facilitators ----------------------------------------------------------------------


@bp.post("/api/courses")
@signed_in
def create_course() -> Any:
    """Open a course of a protocol: its sessions become the course's weekly meetings."""
    data = s.CreateCourse().load(json_body())
    made = service().create_course(
        user(),
        data["protocol_id"],
        data["title"],
        data["language"],
        data["planned"],
        accepted=[tag for tag, _ in request.accept_languages],
        region=data["region"],
        time_zone=data["time_zone"],
    )
    return jsonify(ok=True, **made, join_url=join_url(made["join_code"])), 201


@bp.get("/api/courses")
@signed_in
def list_courses() -> Any:
    """List the courses the signed-in facilitator runs or supervises."""
    return jsonify(ok=True, courses=service().courses_of(user()))


@bp.get(COURSE)
@signed_in
def course(course_id: str) -> Any:
    """Return a course: meetings, members, attendance, plans, steps and measures."""
    return jsonify(ok=True, course=service().course(user(), course_id))


@bp.delete(COURSE)
@signed_in
def delete_course(course_id: str) -> Any:
    """Erase a course, its meetings and everything kept about them (its owner only)."""
    service().delete_course(user(), course_id, address())
    return jsonify(ok=True)


@bp.post(COURSE + "/meetings/<int:n>/open")
@signed_in
def open_meeting(course_id: str, n: int) -> Any:
    """Open meeting n as a live session (or return the one open); answer its links."""
    links = service().open_meeting(user(), course_id, n, signin_reference())
    return jsonify(ok=True, **links, join_url=join_url(links["join_code"])), 201


@bp.put(COURSE + "/attendance/<int:n>/<member_id>")
@signed_in
def attendance(course_id: str, n: int, member_id: str) -> Any:
    """Correct a member's attendance at one meeting."""
    data = s.Attendance().load(json_body())
    found = service().set_attendance(user(), course_id, n, member_id, data["status"])
    return jsonify(ok=True, course=found)


@bp.post(COURSE + "/risk-alerts/<alert_id>/action")
@signed_in
def risk_action(course_id: str, alert_id: str) -> Any:
    """Record what was done about a risk alert carried from an earlier meeting."""
    data = s.RiskAction().load(json_body())
    found = service().record_course_alert_action(
        user(), course_id, alert_id, data["action"], data["note"]
    )
    return jsonify(ok=True, course=found)


@bp.put(COURSE + "/language")
@signed_in
def course_language(course_id: str) -> Any:
    """Set the language the course's meetings read the protocol in (the meeting on now too)."""
    data = s.CourseLanguage().load(json_body())
    return jsonify(
        ok=True, course=service().set_course_language(user(), course_id, data["language"])
    )


@bp.put(COURSE + "/settings")
@signed_in
def course_settings(course_id: str) -> Any:
    """Set the course's region (its phones' crisis resources) and its documents' time zone."""
    data = s.CourseSettings().load(json_body())
    found = service().set_course_settings(user(), course_id, data["region"], data["time_zone"])
    return jsonify(ok=True, course=found)


@bp.put(MEMBER + "/plan")
@signed_in
def plan(course_id: str, member_id: str) -> Any:
    """Keep a member's problem areas, goal and key people."""
    data = s.Plan().load(json_body())
    found = service().update_plan(
        user(), course_id, member_id, data["areas"], data["goal"], data["key_people"]
    )
    return jsonify(ok=True, course=found)


@bp.post(MEMBER + "/notes")
@signed_in
def plan_note(course_id: str, member_id: str) -> Any:
    """Add a facilitator's note about a member at one meeting."""
    data = s.PlanNote().load(json_body())
    found = service().add_plan_note(user(), course_id, member_id, data["n"], data["text"])
    return jsonify(ok=True, course=found), 201


@bp.post(MEMBER + "/relink")
@signed_in
def offer_relink(course_id: str, member_id: str) -> Any:
    """Show a one-use code that moves a member's place to a new phone."""
    return jsonify(ok=True, **service().offer_relink(user(), course_id, member_id)), 201


@bp.delete(MEMBER)
@signed_in
def withdraw(course_id: str, member_id: str) -> Any:
    """Withdraw a member from the course; their records stay for its summary."""
    return jsonify(ok=True, course=service().withdraw_member(user(), course_id, member_id))


@bp.post(MEMBER + "/erase")
@signed_in
def erase(course_id: str, member_id: str) -> Any:
    """Erase a member: withdrawn, and their name, plan, notes, steps and scores removed."""
    return jsonify(ok=True, course=service().erase_member(user(), course_id, member_id, address()))


@bp.get(MEMBER + "/trend.svg")
@signed_in
def trend(course_id: str, member_id: str) -> Response:
    """One member's scores of one measure (?measure=) across meetings, as an SVG chart."""
    measure = request.args.get("measure", "")
    body = service().trend_svg(user(), course_id, member_id, measure)
    return Response(body, mimetype="image/svg+xml")


@bp.put(COURSE + "/facilitators/<name>")
@signed_in
def invite(course_id: str, name: str) -> Any:
    """Invite a facilitator account to run the course's meetings (owner only)."""
    data = s.Invite().load(json_body(optional=True))
    found = service().invite_to_course(user(), course_id, name, data["may_export"], address())
    return jsonify(ok=True, course=found)


@bp.delete(COURSE + "/facilitators/<name>")
@signed_in
def uninvite(course_id: str, name: str) -> Any:
    found = service().uninvite_from_course(user(), course_id, name, address())
    return jsonify(ok=True, course=found)


@bp.put(COURSE + "/supervisors/<name>")
@signed_in
def grant_supervisor(course_id: str, name: str) -> Any:
    """Let an account read the course's summaries and exports, and nothing else."""
    return jsonify(ok=True, course=service().grant_supervisor(user(), course_id, name))


@bp.delete(COURSE + "/supervisors/<name>")
@signed_in
def revoke_supervisor(course_id: str, name: str) -> Any:
    return jsonify(ok=True, course=service().revoke_supervisor(user(), course_id, name))


@bp.get(COURSE + "/export/summary.html")
@signed_in
def export_summary(course_id: str) -> Response:
    """The printable course summary, marked confidential."""
    languages = accepted_languages(request.headers.get("Accept-Language"))
    return download(
        service().course_export(user(), course_id, "summary.html", address(), languages)
    )


@bp.get(COURSE + "/export/attendance.csv")
@signed_in
def export_attendance(course_id: str) -> Response:
    """Attendance: one row per member, one column per meeting."""
    return download(service().course_export(user(), course_id, "attendance.csv", address()))


@bp.get(COURSE + "/export/measures.csv")
@signed_in
def export_measures(course_id: str) -> Response:
    """Measures: one row per member, meeting and measure."""
    return download(service().course_export(user(), course_id, "measures.csv", address()))


@bp.get(COURSE + "/export/steps.csv")
@signed_in
def export_steps(course_id: str) -> Response:
    """Weekly steps: one row per member and meeting, with whether it was tried."""
    return download(service().course_export(user(), course_id, "steps.csv", address()))


@bp.get(COURSE + "/export/fidelity.csv")
@signed_in
def export_fidelity(course_id: str) -> Response:
    """Fidelity checklists of the course's meetings, as CSV."""
    return download(service().course_export(user(), course_id, "fidelity.csv", address()))


@bp.get(COURSE + "/export/course.xlsx")
@signed_in
def export_course(course_id: str) -> Response:
    """The same tables as a workbook, one sheet each."""
    return download(service().course_export(user(), course_id, "course.xlsx", address()))


# -- phones ---------------------------------------------------------------------------


@bp.post("/api/courses/join")
def join_course() -> Any:
    """A phone joins a course once; it keeps the membership for the weeks to come."""
    data = s.CourseJoin().load(json_body())
    joined = service().join_course(
        data["code"], data.get("name"), address(), consent=data["consent"]
    )
    return jsonify(ok=True, **joined), 201


@bp.post("/api/courses/leave")
def leave() -> Any:
    """A member leaves their course from their phone, and may ask to be erased."""
    data = s.LeaveCourse().load(json_body())
    return jsonify(ok=True, **service().leave_course(data["membership"], data["erase"], address()))


@bp.post("/api/courses/relink")
def relink() -> Any:
    """A member's new phone takes over their place with the facilitator's re-link code."""
    data = s.Relink().load(json_body())
    return jsonify(ok=True, **service().relink(data["code"], address())), 201


@bp.post("/api/courses/attend")
def attend() -> Any:
    """A member's phone asks into the meeting of their course that is on now."""
    data = s.Attend().load(json_body())
    return jsonify(ok=True, **service().attend(data["membership"], address())), 201
