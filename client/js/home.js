// The facilitator's home: list their courses and sessions (those they own and those
// they run with the owner or supervise), start a new course and open a new session.

import { api, byId, dateText, fill, h, sentence } from "./dom.js";
import { dateTime, load, t, tn } from "./i18n.js";

let csrf = "";
let protocols = [];

// The words of the session list, in one place: functions, as the catalog loads after
// this module is read.
const STATUS_TEXT = {
  lobby: () => t("In the lobby"),
  running: () => t("Running"),
  ended: () => t("Ended"),
};
const ROLE_TEXT = {
  owner: () => t("owner"),
  co_facilitator: () => t("co-facilitator"),
  supervisor: () => t("supervisor"),
};
const TEXT = {
  openConsole: () => t("Open console"),
  openDisplay: () => t("Open room display"),
  exports: () => t("Exports:"),
  summary: () => t("Printable summary"),
  results: () => t("Poll results (CSV)"),
  log: () => t("Session log (JSON Lines)"),
  delete: () => t("Delete…"),
  deleteForGood: () => t("Delete for good"),
  keep: () => t("Keep it"),
  deleted: () => t("The session was deleted."),
};

/** A day and time from the server's epoch seconds, with the year: lists go back a while. */
const dayAndTime = (seconds) => dateTime(new Date(seconds * 1000), { dateStyle: "medium", timeStyle: "short" });

/** When a session started, ended or was opened, by where it stands. */
function sessionDate(session) {
  if (session.status === "ended" && session.ended_at) return t("Ended {when}", { when: dayAndTime(session.ended_at) });
  if (session.started_at) return t("Started {when}", { when: dayAndTime(session.started_at) });
  return t("Opened {when}", { when: dayAndTime(session.created_at) });
}

/** How many joined; while it runs, how many of them are still in it. */
function membersText(session) {
  const joined = session.members ?? 0;
  if (session.status === "running" && session.members_present !== undefined && session.members_present !== joined) {
    return tn("{present} of {count} member here", "{present} of {count} members here", joined, { present: session.members_present });
  }
  return tn("{count} member", "{count} members", joined);
}

/** The question asked before a session is deleted, by where it stands. */
function deleteQuestion(session) {
  const title = session.title;
  if (session.status === "running") {
    return t('Delete "{title}" and everything kept about it? This cannot be undone. It is running: every phone and display in it will close.', { title });
  }
  return t('Delete "{title}" and everything kept about it? This cannot be undone.', { title });
}

/** Who the session is run with, for a co-facilitator's list. */
function withOwner(session) {
  const owner = session.owner;
  return session.may_export ? t("with {owner} (may export)", { owner }) : t("with {owner}", { owner });
}

/** One session of the list: its title, status, date, members, and what can be done. */
function sessionItem(session, index) {
  const co = session.role === "co_facilitator";
  const id = encodeURIComponent(session.id);
  const status = session.status || "lobby";
  const error = h("p", { class: "error", role: "alert" });
  const about = [sessionDate(session), membersText(session), t("code {code}", { code: session.join_code })];
  if (co) about.push(withOwner(session));
  const actions = h(
    "p",
    { class: "row" },
    h("a", { class: "button", href: `/console/${id}`, text: TEXT.openConsole() }),
    status === "ended" ? null : h("button", { type: "button", text: TEXT.openDisplay(), on: { click: () => openDisplay(session, error) } }),
  );
  const exports = session.may_export
    ? h(
        "p",
        { class: "row exports" },
        h("span", { class: "help", text: TEXT.exports() }),
        h("a", { href: `/api/sessions/${id}/export/summary.html`, target: "_blank", rel: "noopener", text: TEXT.summary() }),
        h("a", { href: `/api/sessions/${id}/export/results.csv`, download: "", text: TEXT.results() }),
        h("a", { href: `/api/sessions/${id}/export/log.jsonl`, download: "", text: TEXT.log() }),
      )
    : null;
  const item = h(
    "li",
    { "data-session": session.id, "data-role": session.role, "data-status": status },
    h(
      "h3",
      { class: "session-title" },
      h("span", { text: session.title, "data-content": true }),
      " ",
      h("span", { class: `tag status-${status}`, text: STATUS_TEXT[status]?.() || status }),
      // A list without roles (an older server) holds only the user's own sessions.
      session.role ? h("span", { class: "tag", text: co ? ROLE_TEXT.co_facilitator() : ROLE_TEXT.owner() }) : null,
    ),
    h("p", { class: "help", text: about.join(" · ") }),
    actions,
    exports,
  );
  // Only the owner deletes; a second step asks first, beside the session it deletes.
  if (!co) {
    const question = `delete-question-${index}`;
    const start = h("button", { type: "button", class: "danger", text: TEXT.delete(), "aria-expanded": "false" });
    const keep = h("button", { type: "button", text: TEXT.keep() });
    const confirmBox = h(
      "div",
      { class: "confirm", role: "group", "aria-labelledby": question, hidden: true },
      h("p", { id: question, text: deleteQuestion(session) }),
      h("p", { class: "row" }, h("button", { type: "button", class: "danger", text: TEXT.deleteForGood(), on: { click: () => deleteSession(session, item, error) } }), keep),
    );
    start.addEventListener("click", () => {
      confirmBox.hidden = false;
      start.setAttribute("aria-expanded", "true");
      keep.focus();
    });
    keep.addEventListener("click", () => {
      confirmBox.hidden = true;
      start.setAttribute("aria-expanded", "false");
      start.focus();
    });
    actions.append(start);
    item.append(confirmBox);
  }
  item.append(error);
  return item;
}

/** Open the room display in a new window: its address carries a fresh display token. */
async function openDisplay(session, error) {
  error.textContent = "";
  // Opened at the click, which lets a window open, and pointed at the display once the token is here.
  const opened = window.open("", "_blank");
  try {
    const links = await api(`/api/sessions/${encodeURIComponent(session.id)}/links`);
    const url = `/display/${encodeURIComponent(session.id)}#token=${encodeURIComponent(links.display_token)}`;
    if (opened) {
      opened.opener = null;
      opened.location.href = url;
    } else {
      location.assign(url);
    }
  } catch (failure) {
    opened?.close();
    error.textContent = t("The room display could not be opened: {message}", { message: sentence(failure.message) });
  }
}

async function deleteSession(session, item, error) {
  error.textContent = "";
  try {
    await api(`/api/sessions/${encodeURIComponent(session.id)}`, { method: "DELETE", csrf });
  } catch (failure) {
    error.textContent = t("Not deleted: {message}", { message: sentence(failure.message) });
    return;
  }
  item.remove();
  byId("no-sessions").hidden = byId("sessions").children.length > 0;
  byId("sessions-note").textContent = TEXT.deleted();
}

/** Sessions not ended first, then the ended ones; newest first in each. */
function sessionOrder(a, b) {
  const endedA = a.status === "ended" ? 1 : 0;
  const endedB = b.status === "ended" ? 1 : 0;
  return endedA - endedB || b.created_at - a.created_at;
}

function fillSessions() {
  const protocol = protocols.find((p) => p.id === byId("protocol").value);
  fill(
    byId("number"),
    (protocol?.sessions || []).map((s) => h("option", { value: String(s.n), text: `${s.n}. ${s.title}`, "data-content": true })),
  );
}

/** One course of the list: its public title, the protocol in small print, its progress. */
function courseItem(course) {
  // The next meeting not yet ended: {n, title, planned_at}, or null when all are done.
  const coming = course.next_meeting;
  const when = dateText(coming?.planned_at);
  let next = t("All meetings done");
  if (coming && when) next = t("Next: meeting {n}, {title}, {when}", { n: coming.n, title: coming.title, when });
  else if (coming) next = t("Next: meeting {n}, {title}", { n: coming.n, title: coming.title });
  const counted = Number.isInteger(course.meetings_done) && Number.isInteger(course.meetings);
  const done = counted ? tn("{done} of {count} meetings done", "{done} of {count} meetings done", course.meetings, { done: course.meetings_done }) : "";
  return h(
    "li",
    { "data-course": course.id, "data-role": course.role },
    h("a", { href: `/course/${encodeURIComponent(course.id)}`, text: course.title, "data-content": true }),
    " ",
    course.role ? h("span", { class: "tag", text: ROLE_TEXT[course.role]?.() || course.role }) : null,
    course.clinical_title ? h("small", { class: "help small-print", text: course.clinical_title, "data-content": true }) : null,
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
    byId("courses-error").textContent = t("Your courses could not be loaded: {message}", { message: error.message });
  }
}

byId("course-create").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = byId("course-title").value.trim();
  const error = byId("course-create-error");
  if (!title) {
    error.textContent = t("Type a public title: phones and the room display show it.");
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
    error.textContent = t("Not started: {message}", { message: failure.message });
    byId("course-create-button").disabled = false;
  }
});

async function start() {
  const [me, list, catalog] = await Promise.all([api("/api/me"), api("/api/sessions"), api("/api/protocols")]);
  csrf = me.csrf_token;
  byId("logout-csrf").value = csrf;
  byId("logout-everywhere-csrf").value = csrf;
  protocols = catalog.protocols;
  fill(byId("protocol"), protocols.map((p) => h("option", { value: p.id, text: p.title, "data-content": true })));
  fillSessions();
  byId("protocol").addEventListener("change", fillSessions);
  fill(byId("course-protocol"), protocols.map((p) => h("option", { value: p.id, text: p.title, "data-content": true })));
  byId("course-create-button").disabled = false;
  const sessions = [...list.sessions].sort(sessionOrder);
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

await load("home");
start().catch((error) => {
  if (error.status === 401) location.assign("/login");
  else byId("create-error").textContent = error.message;
});
