// The facilitator's home: list their courses and sessions (those they own and those
// they run with the owner or supervise), start a new course and open a new session.

import { api, byId, dateText, fill, h } from "./dom.js";

let csrf = "";
let protocols = [];

/** One session of the list: its title, the user's part in it, its code and age. */
function sessionItem(session) {
  const co = session.role === "co_facilitator";
  const opened = `code ${session.join_code}, opened ${new Date(session.created_at * 1000).toLocaleString()}`;
  const about = co ? `with ${session.owner}${session.may_export ? " (may export)" : ""}; ${opened}` : opened;
  return h(
    "li",
    { "data-session": session.id, "data-role": session.role },
    h("a", { href: `/console/${encodeURIComponent(session.id)}`, text: session.title }),
    " ",
    // A list without roles (an older server) holds only the user's own sessions.
    session.role ? h("span", { class: "tag", text: co ? "co-facilitator" : "owner" }) : null,
    " ",
    h("span", { class: "help", text: about }),
  );
}

function fillSessions() {
  const protocol = protocols.find((p) => p.id === byId("protocol").value);
  fill(
    byId("number"),
    (protocol?.sessions || []).map((s) => h("option", { value: String(s.n), text: `${s.n}. ${s.title}` })),
  );
}

const ROLE_TEXT = { owner: "owner", co_facilitator: "co-facilitator", supervisor: "supervisor" };

/** One course of the list: its public title, the protocol in small print, its progress. */
function courseItem(course) {
  // The next meeting not yet ended: {n, title, planned_at}, or null when all are done.
  const coming = course.next_meeting;
  const when = dateText(coming?.planned_at);
  const next = coming ? `Next: meeting ${coming.n}, ${coming.title}${when ? `, ${when}` : ""}` : "All meetings done";
  const done = Number.isInteger(course.meetings_done) && Number.isInteger(course.meetings) ? `${course.meetings_done} of ${course.meetings} meetings done` : "";
  return h(
    "li",
    { "data-course": course.id, "data-role": course.role },
    h("a", { href: `/course/${encodeURIComponent(course.id)}`, text: course.title }),
    " ",
    course.role ? h("span", { class: "tag", text: ROLE_TEXT[course.role] || course.role }) : null,
    course.clinical_title ? h("small", { class: "help small-print", text: course.clinical_title }) : null,
    h("span", { class: "help block", text: [next, done].filter(Boolean).join(" · ") }),
  );
}

/** The planned dates: the first meeting, then one a week for each protocol session. */
function plannedDates(protocol) {
  const first = byId("course-first").value;
  if (!first) return undefined;
  const start = new Date(first);
  if (Number.isNaN(start.getTime())) return undefined;
  const count = byId("course-weekly").checked ? Math.max(1, protocol?.sessions?.length || 1) : 1;
  return Array.from({ length: count }, (_, week) => {
    // Local calendar days, so that a change of summer time keeps the hour of the meeting.
    const date = new Date(start);
    date.setDate(start.getDate() + 7 * week);
    return date.toISOString();
  });
}

async function loadCourses() {
  try {
    const list = await api("/api/courses");
    const courses = [...list.courses];
    byId("no-courses").hidden = courses.length > 0;
    fill(byId("courses"), courses.map(courseItem));
    byId("courses-error").textContent = "";
  } catch (error) {
    if (error.status === 401) throw error;
    byId("courses-error").textContent = `Your courses could not be loaded: ${error.message}`;
  }
}

byId("course-create").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = byId("course-title").value.trim();
  const error = byId("course-create-error");
  if (!title) {
    error.textContent = "Type a public title: phones and the room display show it.";
    byId("course-title").focus();
    return;
  }
  byId("course-create-button").disabled = true;
  error.textContent = "";
  try {
    const protocol = protocols.find((p) => p.id === byId("course-protocol").value);
    const body = { protocol_id: byId("course-protocol").value, title };
    const planned = plannedDates(protocol);
    if (planned) body.planned = planned;
    const reply = await api("/api/courses", { method: "POST", body, csrf });
    location.assign(`/course/${encodeURIComponent(reply.course_id)}`);
  } catch (failure) {
    error.textContent = `Not started: ${failure.message}`;
    byId("course-create-button").disabled = false;
  }
});

async function start() {
  const [me, list, catalog] = await Promise.all([api("/api/me"), api("/api/sessions"), api("/api/protocols")]);
  csrf = me.csrf_token;
  byId("logout-csrf").value = csrf;
  byId("logout-everywhere-csrf").value = csrf;
  protocols = catalog.protocols;
  fill(byId("protocol"), protocols.map((p) => h("option", { value: p.id, text: p.title })));
  fillSessions();
  byId("protocol").addEventListener("change", fillSessions);
  fill(byId("course-protocol"), protocols.map((p) => h("option", { value: p.id, text: p.title })));
  byId("course-create-button").disabled = false;
  const sessions = [...list.sessions].sort((a, b) => b.created_at - a.created_at);
  byId("no-sessions").hidden = sessions.length > 0;
  fill(byId("sessions"), sessions.map(sessionItem));
  byId("create-button").disabled = false;
  await loadCourses();
}

byId("create").addEventListener("submit", async (event) => {
  event.preventDefault();
  byId("create-button").disabled = true;
  try {
    const body = { protocol_id: byId("protocol").value, session_number: Number(byId("number").value) };
    const reply = await api("/api/sessions", { method: "POST", body, csrf });
    location.assign(`/console/${encodeURIComponent(reply.session_id)}`);
  } catch (error) {
    byId("create-error").textContent = error.message;
    byId("create-button").disabled = false;
  }
});

start().catch((error) => {
  if (error.status === 401) location.assign("/login");
  else byId("create-error").textContent = error.message;
});
