// A course's page for its facilitators and supervisors: the meetings and a way into each
// one's console, the members' attendance, plans, notes, weekly steps and measures, a new
// phone's re-link code, the exports, and who runs or supervises the course.
//
// Every change goes to the server first; the page says it is done only once the server
// answered ok, and reads the course again from the server to show it.

import { api, byId, dateText, fill, h } from "./dom.js";
import { dateTime, load, number, parts, t, tn } from "./i18n.js";

const courseId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/courses/${encodeURIComponent(courseId)}`;

// Words for the server's codes. Functions, not tables of text: the catalog is read after
// this module is evaluated.
const STATUSES = ["present", "late", "left_early", "absent"];
function statusText(status) {
  return { present: t("Present"), late: t("Late"), left_early: t("Left early"), absent: t("Absent") }[status] ?? status;
}
/** "Saved: Eli at meeting 1, late.": one whole sentence per status, for word order. */
function savedText(status, name, n) {
  const params = { name, n };
  switch (status) {
    case "present":
      return t("Saved: {name} at meeting {n}, present.", params);
    case "late":
      return t("Saved: {name} at meeting {n}, late.", params);
    case "left_early":
      return t("Saved: {name} at meeting {n}, left early.", params);
    case "absent":
      return t("Saved: {name} at meeting {n}, absent.", params);
    default:
      return t("Saved: {name} at meeting {n}.", params);
  }
}
const AREAS = ["grief", "disputes", "transitions", "isolation"];
function areaText(area) {
  return { grief: t("Grief"), disputes: t("Disputes"), transitions: t("Life changes (transitions)"), isolation: t("Isolation") }[area] ?? area;
}
function triedText(tried) {
  return { yes: t("tried it"), partly: t("tried it partly"), no: t("did not try it") }[tried] ?? tried;
}
function roleText(role) {
  return { owner: t("owner"), co_facilitator: t("co-facilitator"), supervisor: t("supervisor") }[role] ?? "";
}
/** Text that comes from people or the protocol, not from a catalog. */
const content = (tag, attrs = {}) => h(tag, { ...attrs, "data-content": true });

let me = null;
let course = null;
// A change on its way: another of the same panel waits for its answer.
let teamBusy = false;

// -- reading the course view ----------------------------------------------------------

/** Items kept by meeting: a list of {n, ...} or an object keyed by n; sorted by n. */
function byMeeting(value) {
  if (!value) return [];
  const pairs = Array.isArray(value) ? value.map((item) => [Number(item.n ?? item.meeting), item]) : Object.entries(value).map(([n, item]) => [Number(n), item]);
  return pairs.filter(([n]) => Number.isFinite(n)).sort((a, b) => a[0] - b[0]);
}

/** Who runs the course: co-facilitators as [{user, may_export}], supervisors as names. */
function team() {
  const co = course.co_facilitators ?? [];
  const coList = Array.isArray(co) ? co : Object.entries(co).map(([user, may_export]) => ({ user, may_export }));
  const supervisors = (course.supervisors ?? []).map((s) => (typeof s === "string" ? s : s.user));
  return { owner: course.owner, co_facilitators: coList, supervisors };
}

/** This user's part in the course: "owner", "co_facilitator", "supervisor" or "". */
function myRole() {
  if (course.role) return course.role;
  const who = team();
  if (!me?.user) return "";
  if (me.user === who.owner) return "owner";
  if (who.co_facilitators.some((c) => c.user === me.user)) return "co_facilitator";
  if (who.supervisors.includes(me.user)) return "supervisor";
  return "";
}

/** Whether this user may change the course's records (supervisors only read). */
const runs = () => ["owner", "co_facilitator"].includes(myRole());

function mayExport() {
  const role = myRole();
  if (role === "co_facilitator") return Boolean(team().co_facilitators.find((c) => c.user === me?.user)?.may_export);
  return true;
}

/** "ended", "running", or "planned" for a meeting not opened yet (dated or not). */
function meetingStatus(meeting) {
  if (meeting.ended_at || meeting.status === "ended") return "ended";
  if (meeting.session_id || meeting.status === "running") return "running";
  return "planned";
}

const started = (meeting) => meetingStatus(meeting) !== "planned";

/** A member's attendance at meeting n: "present", "late", "left_early", "absent" or "". */
function attendanceAt(member, n) {
  const found = (member.attendance ?? []).find((a) => a.n === n);
  return found?.status ?? "";
}

function plan(member) {
  const p = member.plan ?? {};
  return {
    areas: p.areas ?? member.areas ?? [],
    goal: p.goal ?? member.goal ?? "",
    key_people: p.key_people ?? member.key_people ?? [],
    notes: p.notes ?? member.notes ?? [],
  };
}

const members = () => course.members ?? [];

// -- words for refusals ---------------------------------------------------------------

/** A server message as a sentence: a capital first, a full stop last. */
function sentence(text) {
  const trimmed = String(text || "").trim();
  if (!trimmed) return "";
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Why a change was refused, in words (by the error shape's code). */
function refusal(error, notFound = "") {
  if (error.status === undefined) return t("No answer from the server. Check your connection, then try again.");
  switch (error.code) {
    case "unauthenticated":
    case "401":
      return t("Your sign-in has ended. Sign in again, then try again.");
    case "csrf":
      return t("This page has expired. Reload it and try again.");
    case "forbidden":
      return myRole() === "supervisor" ? t("Supervisors read this course but cannot change it.") : t("Not allowed: {reason}", { reason: sentence(error.message) });
    case "not_found":
      return notFound || t("Not found: {reason}", { reason: sentence(error.message) });
    case "rate_limited":
      return t("Too many changes at once. Wait a moment and try again.");
    default:
      return t("Not saved: {reason}", { reason: sentence(error.message) });
  }
}

// -- rendering ------------------------------------------------------------------------

/** Re-render `fn` but give keyboard focus back to the control that had it. */
function keepingFocus(fn) {
  const key = document.activeElement?.dataset?.key;
  fn();
  if (key) document.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function render() {
  document.title = t("{title} - Course", { title: course.title });
  // The course's own title from now on, no longer the page's word "Course".
  for (const id of ["course-bar-title", "course-title"]) {
    byId(id).textContent = course.title;
    byId(id).setAttribute("data-content", "");
  }
  byId("clinical-title").textContent = course.clinical_title ? t("Protocol: {title}", { title: course.clinical_title }) : "";
  byId("course-code").textContent = course.join_code ?? "";
  const joinUrl = course.join_url || `${location.origin}/j/${encodeURIComponent(String(course.join_code ?? "").replace(/[^0-9A-Za-z]/g, ""))}`;
  const link = byId("course-join-url");
  link.textContent = joinUrl;
  link.href = joinUrl;
  byId("course-join").replaceChildren(...parts("Members join once with the course code at {address}. After that their phone finds each meeting by itself.", { address: link }));
  const role = myRole();
  byId("my-role").hidden = !role;
  byId("my-role").textContent = roleText(role);
  keepingFocus(() => {
    renderRisk();
    renderMeetings();
    renderAttendance();
    renderAllDetails();
    renderTeam();
  });
  byId("exports-card").hidden = !mayExport();
  for (const [id, file] of Object.entries(EXPORTS)) byId(id).href = `${base}/export/${file}`;
  byId("delete-card").hidden = role !== "owner";
  // Hidden in the page until now: a form sent before its handler is attached would
  // reload the page and drop what was typed.
  byId("settings-form").hidden = role === "supervisor";
}

/** Put the course's region and time zone in their fields: at the start and once saved. */
function fillSettings() {
  byId("settings-region").value = course.region ?? "";
  byId("settings-zone").value = course.time_zone ?? "";
}

async function saveSettings(event) {
  event.preventDefault();
  byId("settings-error").textContent = "";
  byId("settings-done").textContent = "";
  const body = { region: byId("settings-region").value.trim(), time_zone: byId("settings-zone").value.trim() };
  try {
    await api(`${base}/settings`, { method: "PUT", body, csrf: me.csrf_token });
  } catch (error) {
    byId("settings-error").textContent = refusal(error);
    return;
  }
  await refresh(null);
  fillSettings();
  // Said only now: the server has it.
  byId("settings-done").textContent = t("Region and time zone saved.");
}

// Each export link and the file it fetches (facilitator/transport/course_routes.py).
const EXPORTS = {
  "export-summary": "summary.html",
  "export-attendance": "attendance.csv",
  "export-measures": "measures.csv",
  "export-steps": "steps.csv",
  "export-xlsx": "course.xlsx",
};

const ACTIONS = ["spoke_with_them", "safety_plan", "referred", "emergency_services", "other"];
/** An action's name: in the form's choices ("Other (say what)"), or once recorded ("Other"). */
function actionText(action, recorded = false) {
  if (action === "other") return recorded ? t("Other") : t("Other (say what)");
  return { spoke_with_them: t("Spoke with them"), safety_plan: t("Safety plan made"), referred: t("Referred"), emergency_services: t("Emergency services") }[action] ?? action;
}
// What is typed into each open alert's form, kept across the redraws of the page.
const riskDrafts = {};
let riskKey = "";

/** An instrument's item as the server names it ("item 9"), in the page's language. */
function itemText(item) {
  const [, number, rest] = /^item (\d+)(: .*)?$/s.exec(String(item)) || [];
  return number ? t("item {number}", { number: Number(number) }) + (rest || "") : String(item);
}

/** "Meeting 1 (Title): PHQ-9, item 9: ..., scored 2 of 3 ("More than half the days")". */
function alertWords(a) {
  const meeting = a.meeting ? t("Meeting {n} ({title})", { n: a.n, title: a.meeting }) : t("Meeting {n}", { n: a.n });
  const params = { meeting, instrument: a.instrument, item: itemText(a.item), score: a.score, max: a.max_score, meaning: a.meaning };
  if (a.score === null || a.score === undefined) return t("{meeting}: {instrument}, {item}", params);
  if (!a.meaning) return t("{meeting}: {instrument}, {item}, scored {score} of {max}", params);
  return t('{meeting}: {instrument}, {item}, scored {score} of {max} ("{meaning}")', params);
}

/** The risk alerts meetings ended with: open ones at the top until an action is recorded. */
function renderRisk() {
  const alerts = course.risk_alerts ?? [];
  const key = JSON.stringify([alerts, runs()]);
  if (key === riskKey) return;
  riskKey = key;
  const open = alerts.filter((a) => a.open);
  const done = alerts.filter((a) => !a.open);
  byId("course-risk").hidden = alerts.length === 0;
  byId("course-risk").classList.toggle("alert", open.length > 0);
  byId("course-risk").setAttribute("role", open.length ? "alert" : "region");
  byId("course-risk-title").textContent = open.length ? t("Risk alerts from earlier meetings: nothing recorded yet") : t("Risk alerts from earlier meetings: an action is recorded for each");
  fill(byId("course-risk-list"), open.map(riskItem));
  byId("course-risk-done-box").hidden = done.length === 0;
  byId("course-risk-done-title").textContent = t("Recorded ({count})", { count: done.length });
  fill(
    byId("course-risk-done"),
    done.map((a) => {
      const action = actionText(a.action, true);
      return h(
        "li",
        { "data-alert": a.id },
        content("strong", { text: a.name }),
        " ",
        h("span", { text: alertWords(a) }),
        " · ",
        h("span", { text: a.note ? t("{action}: {note}", { action, note: a.note }) : action }),
        " · ",
        content("span", { text: a.acted_by }),
      );
    }),
  );
}

function riskItem(a) {
  const about = [h("p", {}, content("strong", { text: a.name }), " · ", h("span", { text: alertWords(a) }))];
  if (!runs()) return h("li", { "data-alert": a.id }, about);
  const draft = (riskDrafts[a.id] ||= { action: "spoke_with_them", note: "" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "row",
      "aria-label": t("What was done for {name}", { name: a.name }),
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            await api(`${base}/risk-alerts/${encodeURIComponent(a.id)}/action`, { method: "POST", body: draft, csrf: me.csrf_token });
          } catch (failure) {
            error.textContent = refusal(failure, t("This alert is no longer in the course."));
            return;
          }
          delete riskDrafts[a.id];
          await refresh(null);
        },
      },
    },
    h("label", { for: `course-risk-action-${a.id}`, text: t("What was done") }),
    h(
      "select",
      { id: `course-risk-action-${a.id}`, on: { change: (event) => (draft.action = event.target.value) } },
      ACTIONS.map((value) => h("option", { value, text: actionText(value), selected: value === draft.action })),
    ),
    h("label", { for: `course-risk-note-${a.id}`, text: t("Note") }),
    h("input", { id: `course-risk-note-${a.id}`, maxlength: "500", value: draft.note, on: { input: (event) => (draft.note = event.target.value) } }),
    h("button", { type: "submit", class: "primary", text: t("Record") }),
  );
  return h("li", { "data-alert": a.id }, about, form, error);
}

function renderMeetings() {
  fill(
    byId("meetings"),
    course.meetings.map((meeting) => {
      const status = meetingStatus(meeting);
      const about = meetingAbout(meeting, status);
      const params = { n: meeting.n, title: meeting.title };
      let action = null;
      if (status === "running" && meeting.session_id && runs()) {
        action = h("a", { class: "button", href: `/console/${encodeURIComponent(meeting.session_id)}`, text: t("Go to the console"), "aria-label": t("Go to the console of Meeting {n}: {title}", params) });
      } else if (status === "planned" && runs()) {
        action = h("button", { type: "button", class: "primary", "data-key": `open-${meeting.n}`, text: t("Open meeting"), "aria-label": t("Open Meeting {n}: {title}", params), on: { click: (event) => openMeeting(meeting, event.currentTarget) } });
      }
      const tag = { running: t("running"), ended: t("ended"), planned: t("planned") }[status];
      return h(
        "li",
        { "data-meeting": String(meeting.n), "data-status": status },
        h("p", { class: "row" }, h("strong", { text: t("Meeting {n}: {title}", params) }), h("span", { class: `tag ${status === "ended" ? "gone" : ""}`, text: tag })),
        h("p", { class: "help", text: about }),
        action ? h("p", {}, action) : null,
        h("p", { class: "error", role: "alert", id: `meeting-${meeting.n}-error` }),
      );
    }),
  );
}

/** When a meeting is planned for, has run since, or ended. */
function meetingAbout(meeting, status) {
  if (status === "running") {
    const since = dateText(meeting.started_at);
    return since ? t("Running since {date}", { date: since }) : t("Running now");
  }
  if (status === "ended") {
    const ended = dateText(meeting.ended_at);
    return ended ? t("Ended {date}", { date: ended }) : t("Ended");
  }
  const planned = dateText(meeting.planned_at);
  return planned ? t("Planned for {date}", { date: planned }) : t("Not planned yet");
}

async function openMeeting(meeting, button) {
  const error = byId(`meeting-${meeting.n}-error`);
  error.textContent = "";
  button.disabled = true;
  try {
    const links = await api(`${base}/meetings/${meeting.n}/open`, { method: "POST", body: {}, csrf: me.csrf_token });
    // The console's token travels in the address's fragment, which browsers never send.
    location.assign(`/console/${encodeURIComponent(links.session_id)}#token=${encodeURIComponent(links.console_token)}`);
  } catch (failure) {
    error.textContent = failure.code === "conflict" ? t("This meeting is open already. Reload the page to go to its console.") : refusal(failure, t("This meeting is not part of the course."));
    button.disabled = false;
  }
}

function renderAttendance() {
  const list = members();
  byId("no-members").hidden = list.length > 0;
  byId("attendance").hidden = list.length === 0;
  fill(
    byId("attendance-head"),
    h("th", { scope: "col", text: t("Member") }),
    // A meeting's number, with its title (the protocol's words) as a tooltip.
    course.meetings.map((m) => content("th", { scope: "col", title: m.title, text: number(m.n) })),
    h("th", { scope: "col", text: t("Check in") }),
  );
  fill(
    byId("attendance-body"),
    list.map((member) =>
      h(
        "tr",
        { "data-member": member.id },
        h("th", { scope: "row" }, content("span", { text: member.name }), member.withdrawn ? [" ", h("span", { class: "tag gone", text: t("withdrawn") })] : null),
        course.meetings.map((meeting) => h("td", {}, attendanceCell(member, meeting))),
        h("td", {}, member.flag ? h("strong", { class: "flag", text: t("Check in with this member") }) : null, member.missed_in_a_row >= 1 ? h("span", { class: "help block", text: tn("Missed {count} in a row", "Missed {count} in a row", member.missed_in_a_row) }) : null),
      ),
    ),
  );
}

function attendanceCell(member, meeting) {
  const status = attendanceAt(member, meeting.n);
  if (!runs() || member.withdrawn || (!started(meeting) && !status)) {
    return status ? h("span", { text: statusText(status) }) : h("span", { class: "help", "aria-label": t("Not recorded"), text: "·" });
  }
  const key = `attendance-${member.id}-${meeting.n}`;
  const select = h(
    "select",
    { "data-key": key, class: "compact", "aria-label": t("Attendance of {name} at meeting {n}", { name: member.name, n: meeting.n }) },
    status ? null : h("option", { value: "", text: t("Not recorded") }),
    STATUSES.map((value) => h("option", { value, text: statusText(value) })),
  );
  select.value = status;
  select.addEventListener("change", () => setAttendance(member, meeting, select, status));
  return select;
}

async function setAttendance(member, meeting, select, before) {
  const status = select.value;
  if (!status) return;
  byId("attendance-error").textContent = "";
  byId("attendance-done").textContent = "";
  select.removeAttribute("aria-invalid");
  try {
    await api(`${base}/attendance/${meeting.n}/${encodeURIComponent(member.id)}`, { method: "PUT", body: { status }, csrf: me.csrf_token });
    byId("attendance-done").textContent = savedText(status, member.name, meeting.n);
    await refresh(member.id);
  } catch (error) {
    select.value = before;
    select.setAttribute("aria-invalid", "true");
    byId("attendance-error").textContent = t("{name} at meeting {n}: {reason}", { name: member.name, n: meeting.n, reason: refusal(error, t("This member or meeting is not in the course.")) });
  }
}

// -- one member: plan, notes, steps, measures, re-link, withdraw ------------------------

function renderAllDetails() {
  const open = new Set(Array.from(document.querySelectorAll("#member-details details[open]"), (d) => d.dataset.member));
  fill(byId("member-details"), members().map((m) => memberDetails(m, open.has(m.id))));
}

/** Replace one member's details, keeping it open and the others untouched. */
function renderDetails(memberId) {
  const member = members().find((m) => m.id === memberId);
  const old = document.querySelector(`#member-details details[data-member="${CSS.escape(memberId)}"]`);
  if (!member || !old) {
    renderAllDetails();
    return;
  }
  keepingFocus(() => old.replaceWith(memberDetails(member, old.open)));
}

function memberDetails(member, open) {
  const id = (part) => `m-${member.id}-${part}`;
  const summary = h("summary", {}, content("strong", { text: member.name }), member.flag ? h("span", { class: "tag away", text: t("check in") }) : null, member.withdrawn ? h("span", { class: "tag gone", text: t("withdrawn") }) : null);
  const editable = runs() && !member.withdrawn;
  return h(
    "details",
    { class: "member", "data-member": member.id, open },
    summary,
    planSection(member, id, editable),
    notesSection(member, id, editable),
    stepsSection(member),
    measuresSection(member),
    editable ? phoneSection(member, id) : null,
  );
}

function planSection(member, id, editable) {
  const p = plan(member);
  if (!editable) {
    return h(
      "div",
      {},
      h("h3", { text: t("Plan") }),
      h("p", { text: p.areas.length ? t("Areas: {areas}", { areas: p.areas.map(areaText).join(", ") }) : t("Areas: none chosen") }),
      h("p", { text: p.goal ? t("Goal: {goal}", { goal: p.goal }) : t("Goal: none yet") }),
      h("p", { text: p.key_people.length ? t("Key people: {people}", { people: p.key_people.join(", ") }) : t("Key people: none named") }),
    );
  }
  const error = h("p", { class: "error", role: "alert", id: id("plan-error") });
  const done = h("p", { class: "done", role: "status", "aria-live": "polite", id: id("plan-done") });
  const form = h(
    "form",
    { class: "plan" },
    h("h3", { text: t("Plan") }),
    h(
      "fieldset",
      {},
      h("legend", { text: t("Areas to work on") }),
      AREAS.map((area) =>
        h("p", { class: "check" }, h("input", { type: "checkbox", id: id(`area-${area}`), name: "area", value: area, checked: p.areas.includes(area) }), h("label", { for: id(`area-${area}`), text: areaText(area) })),
      ),
    ),
    h("p", {}, h("label", { for: id("goal"), text: t("Goal") }), content("textarea", { id: id("goal"), rows: "2", maxlength: "500", text: p.goal })),
    h(
      "p",
      {},
      h("label", { for: id("people"), text: t("Key people") }),
      h("input", { id: id("people"), maxlength: "500", autocomplete: "off", value: p.key_people.join(", "), "aria-describedby": id("people-help") }),
      h("span", { class: "help", id: id("people-help"), text: t('Separate them with commas. Use first names or roles, such as "sister".') }),
    ),
    error,
    done,
    h("p", {}, h("button", { type: "submit", "data-key": id("plan-save"), text: t("Save plan") })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    done.textContent = "";
    const body = {
      areas: Array.from(form.querySelectorAll('input[name="area"]:checked'), (input) => input.value),
      goal: byId(id("goal")).value.trim(),
      key_people: byId(id("people")).value.split(",").map((s) => s.trim()).filter(Boolean),
    };
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}/plan`, { method: "PUT", body, csrf: me.csrf_token });
      await refresh(member.id);
      byId(id("plan-done")).textContent = t("{name}'s plan is saved.", { name: member.name });
    } catch (failure) {
      error.textContent = refusal(failure, t("This member is no longer in the course."));
    }
  });
  return form;
}

function notesSection(member, id, editable) {
  const notes = plan(member).notes;
  const list = h(
    "ul",
    { class: "plain" },
    notes.map((note) => h("li", {}, h("span", { class: "help", text: noteHeading(note) }), " ", content("span", { class: "note-text", text: note.text }))),
  );
  const shown = [h("h3", { text: t("Notes") }), notes.length ? list : h("p", { class: "help", text: t("No notes yet.") })];
  if (!editable) return h("div", {}, shown);
  const latest = [...course.meetings].reverse().find(started) ?? course.meetings[0];
  const meetingSelect = h("select", { id: id("note-meeting") }, course.meetings.map((m) => content("option", { value: String(m.n), text: `${number(m.n)}. ${m.title}` })));
  if (latest) meetingSelect.value = String(latest.n);
  const error = h("p", { class: "error", role: "alert" });
  const done = h("p", { class: "done", role: "status", "aria-live": "polite", id: id("note-done") });
  const form = h(
    "form",
    {},
    h("p", {}, h("label", { for: id("note-meeting"), text: t("About meeting") }), meetingSelect),
    h("p", {}, h("label", { for: id("note"), text: t("Note about {name} (only the course's facilitators and supervisors see it)", { name: member.name }) }), content("textarea", { id: id("note"), rows: "3", maxlength: "500" })),
    error,
    done,
    h("p", {}, h("button", { type: "submit", "data-key": id("note-add"), text: t("Add note") })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = byId(id("note")).value.trim();
    error.textContent = "";
    done.textContent = "";
    if (!text) {
      error.textContent = t("Write the note first.");
      byId(id("note")).focus();
      return;
    }
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}/notes`, { method: "POST", body: { n: Number(meetingSelect.value), text }, csrf: me.csrf_token });
      await refresh(member.id);
      byId(id("note-done")).textContent = t("Note added.");
    } catch (failure) {
      error.textContent = refusal(failure, t("This member is no longer in the course."));
    }
  });
  return h("div", {}, shown, form);
}

/** "Meeting 2, asha, Tue 3 Mar 10:00:" before a note; who and when when known. */
function noteHeading(note) {
  const params = { n: note.n ?? note.meeting, by: note.by, date: dateText(note.at) };
  if (params.by && params.date) return t("Meeting {n}, {by}, {date}:", params);
  if (params.by) return t("Meeting {n}, {by}:", params);
  if (params.date) return t("Meeting {n}, {date}:", params);
  return t("Meeting {n}:", params);
}

function stepsSection(member) {
  const steps = byMeeting(member.steps);
  return h(
    "div",
    {},
    h("h3", { text: t("Weekly steps") }),
    steps.length
      ? h(
          "ul",
          { class: "plain" },
          steps.map(([n, step]) => h("li", {}, h("span", { class: "help", text: t("Meeting {n}:", { n }) }), " ", content("span", { class: "note-text", text: step.text }), " ", h("span", { class: "tag", text: step.tried ? triedText(step.tried) : t("not reviewed yet") }))),
        )
      : h("p", { class: "help", text: t("No steps yet.") }),
  );
}

function measureTitle(measureId) {
  const known = (course.measures ?? []).find?.((m) => m.id === measureId);
  return known?.title || measureId;
}

function measuresSection(member) {
  const measures = member.measures ?? {};
  const ids = Array.isArray(measures) ? [...new Set(measures.map((m) => m.measure_id ?? m.id))] : Object.keys(measures);
  const rowsOf = (measureId) => (Array.isArray(measures) ? byMeeting(measures.filter((m) => (m.measure_id ?? m.id) === measureId)) : byMeeting(measures[measureId]));
  return h(
    "div",
    {},
    h("h3", { text: t("Measures") }),
    ids.length
      ? ids.map((measureId) => {
          const title = measureTitle(measureId);
          const src = `${base}/members/${encodeURIComponent(member.id)}/trend.svg?measure=${encodeURIComponent(measureId)}`;
          return h(
            "figure",
            { class: "trend", "data-measure": measureId },
            h("img", { src, alt: t("Line chart of {name}'s {measure} scores by meeting; the table below gives the same numbers.", { name: member.name, measure: title }), loading: "lazy", class: "chart" }),
            // The measure's title and the member's name: no words of the page's own.
            content("figcaption", { text: `${title}: ${member.name}` }),
            h(
              "table",
              { class: "grid-table" },
              h("caption", { class: "help", text: t("{measure} scores of {name}", { measure: title, name: member.name }) }),
              h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("Meeting") }), h("th", { scope: "col", text: t("Score") }), h("th", { scope: "col", text: t("Band") }))),
              h(
                "tbody",
                {},
                rowsOf(measureId).map(([n, m]) => h("tr", {}, h("th", { scope: "row", text: number(n) }), h("td", { text: typeof m.score === "number" ? number(m.score) : String(m.score) }), content("td", { text: m.band ?? "" }))),
              ),
            ),
          );
        })
      : h("p", { class: "help", text: t("No scores yet.") }),
  );
}

function phoneSection(member, id) {
  const shown = h("p", { class: "relink-code", role: "status", "aria-live": "polite", id: id("relink-code") });
  const error = h("p", { class: "error", role: "alert" });
  const relink = h("button", { type: "button", "data-key": id("relink"), text: t("Re-link phone"), "aria-label": t("Re-link phone of {name}", { name: member.name }) });
  relink.addEventListener("click", async () => {
    error.textContent = "";
    shown.textContent = "";
    relink.disabled = true;
    try {
      const reply = await api(`${base}/members/${encodeURIComponent(member.id)}/relink`, { method: "POST", body: {}, csrf: me.csrf_token });
      const until = reply.expires_at ? dateTime(new Date(reply.expires_at * 1000), { hour: "2-digit", minute: "2-digit" }) : "";
      const code = content("strong", { class: "code", text: reply.code });
      // Shown once and kept nowhere: a reload of this page does not show it again.
      shown.replaceChildren(
        ...(until
          ? parts('Code for the new phone: {code}. It works once, until {time}. On the new phone: "New phone? Enter the code your facilitator gives you". The old phone stops working.', { code, time: until })
          : parts('Code for the new phone: {code}. It works once. On the new phone: "New phone? Enter the code your facilitator gives you". The old phone stops working.', { code })),
      );
    } catch (failure) {
      error.textContent = refusal(failure, t("This member is no longer in the course."));
    } finally {
      relink.disabled = false;
    }
  });
  const withdraw = h("button", { type: "button", class: "danger", "data-key": id("withdraw"), text: t("Withdraw from the course"), "aria-label": t("Withdraw from the course: {name}", { name: member.name }) });
  withdraw.addEventListener("click", async () => {
    if (!confirm(t("Withdraw {name} from this course? Their phone stops joining its meetings.", { name: member.name }))) return;
    error.textContent = "";
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}`, { method: "DELETE", csrf: me.csrf_token });
      await refresh();
      byId("attendance-done").textContent = t("{name} is withdrawn from the course.", { name: member.name });
    } catch (failure) {
      error.textContent = refusal(failure, t("This member is no longer in the course."));
    }
  });
  const erase = h("button", { type: "button", class: "danger", "data-key": id("erase"), text: t("Erase their data"), "aria-label": t("Erase their data: {name}", { name: member.name }) });
  erase.addEventListener("click", async () => {
    if (!confirm(t("Erase {name}'s data? They are withdrawn, and their name, plan, notes, steps, scores and named answers are removed for good. Attendance and anonymous results stay.", { name: member.name }))) return;
    error.textContent = "";
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}/erase`, { method: "POST", body: {}, csrf: me.csrf_token });
      await refresh();
      byId("attendance-done").textContent = t("The member's data is erased.");
    } catch (failure) {
      error.textContent = refusal(failure, t("This member was erased already."));
    }
  });
  return h(
    "div",
    {},
    h("h3", { text: t("Phone") }),
    h("p", { class: "help", text: t("A new phone? Give the member a one-time code to link it.") }),
    h("p", { class: "row" }, relink, withdraw, member.erased ? null : erase),
    shown,
    error,
  );
}

// -- facilitators and supervisors -----------------------------------------------------

function renderTeam() {
  const who = team();
  const owner = myRole() === "owner";
  const you = (user) => (me?.user === user ? h("span", { class: "tag", text: t("you") }) : null);
  const button = (key, text, label, click) => h("button", { type: "button", class: "quiet", "data-key": key, text, "aria-label": label, on: { click } });
  fill(
    byId("facilitator-list"),
    who.owner ? h("li", { class: "row", "data-user": who.owner }, content("span", { text: who.owner }), h("span", { class: "tag", text: t("owner") }), you(who.owner)) : null,
    who.co_facilitators.map((c) => {
      const user = c.user;
      return h(
        "li",
        { class: "row", "data-user": user },
        content("span", { text: user }),
        h("span", { class: "tag", text: t("co-facilitator") }),
        c.may_export ? h("span", { class: "tag", text: t("may export") }) : null,
        you(user),
        owner
          ? [
              c.may_export
                ? button(`facilitator-export-${user}`, t("Stop exports"), t("Stop exports for {user}", { user }), () =>
                    changeTeam("PUT", "facilitators", user, { may_export: false }, t("{user} may no longer export this course.", { user })),
                  )
                : button(`facilitator-export-${user}`, t("Allow exports"), t("Allow exports for {user}", { user }), () =>
                    changeTeam("PUT", "facilitators", user, { may_export: true }, t("{user} may now export this course.", { user })),
                  ),
              button(`facilitator-remove-${user}`, t("Remove"), t("Remove {user} as a facilitator", { user }), () => {
                if (confirm(t("Remove {user} as a facilitator of this course?", { user }))) changeTeam("DELETE", "facilitators", user, undefined, t("{user} no longer runs this course.", { user }));
              }),
            ]
          : null,
      );
    }),
    who.supervisors.map((user) =>
      h(
        "li",
        { class: "row", "data-user": user },
        content("span", { text: user }),
        h("span", { class: "tag", text: t("supervisor") }),
        you(user),
        owner
          ? button(`supervisor-remove-${user}`, t("Remove"), t("Remove {user} as a supervisor", { user }), () => {
              if (confirm(t("Remove {user} as a supervisor of this course?", { user }))) changeTeam("DELETE", "supervisors", user, undefined, t("{user} no longer supervises this course.", { user }));
            })
          : null,
      ),
    ),
  );
  byId("invite-form").hidden = !owner;
  byId("supervisor-form").hidden = !owner;
  byId("team-note").textContent = teamNote(who);
}

function teamNote(who) {
  const role = myRole();
  if (role === "owner") return who.co_facilitators.length || who.supervisors.length ? "" : t("Nobody else runs or supervises this course.");
  if (role === "co_facilitator") return t("You run this course with {owner}. Only {owner} can delete it or change who runs it.", { owner: who.owner });
  if (role === "supervisor") return t("You supervise this course: you read its records and exports, and change nothing.");
  return "";
}

/** Send one change of who runs or supervises the course; say the outcome beside the forms. */
async function changeTeam(method, kind, user, body, done) {
  if (teamBusy) return false;
  byId("team-error").textContent = "";
  byId("team-done").textContent = "";
  teamBusy = true;
  try {
    await api(`${base}/${kind}/${encodeURIComponent(user)}`, { method, body, csrf: me.csrf_token });
    await refresh(null);
    // Said only now: the server has it.
    byId("team-done").textContent = done;
    return true;
  } catch (error) {
    const missing = method === "PUT" ? t("There is no account called {user}.", { user }) : t("{user} is not on this course's list.", { user });
    byId("team-error").textContent = error.code === "invalid" && user === team().owner ? t("You own this course already. Add another account.") : refusal(error, missing);
    return false;
  } finally {
    teamBusy = false;
  }
}

async function invite(event) {
  event.preventDefault();
  const user = byId("invite-user").value.trim();
  const mayExportToo = byId("invite-export").checked;
  if (!user) {
    byId("team-done").textContent = "";
    byId("team-error").textContent = t("Type the user name of a facilitator account.");
    byId("invite-user").focus();
    return;
  }
  const done = mayExportToo ? t("{user} now runs this course with you and may export it.", { user }) : t("{user} now runs this course with you.", { user });
  if (await changeTeam("PUT", "facilitators", user, { may_export: mayExportToo }, done)) {
    byId("invite-user").value = "";
    byId("invite-export").checked = false;
  }
}

async function addSupervisor(event) {
  event.preventDefault();
  const user = byId("supervisor-user").value.trim();
  if (!user) {
    byId("team-done").textContent = "";
    byId("team-error").textContent = t("Type the user name of a supervisor's account.");
    byId("supervisor-user").focus();
    return;
  }
  if (await changeTeam("PUT", "supervisors", user, {}, t("{user} now supervises this course.", { user }))) byId("supervisor-user").value = "";
}

async function deleteCourse() {
  if (!confirm(t('Delete the course "{title}" with every meeting and every member\'s records? This cannot be undone.', { title: course.title }))) return;
  byId("delete-error").textContent = "";
  try {
    await api(base, { method: "DELETE", csrf: me.csrf_token });
    location.assign("/");
  } catch (error) {
    byId("delete-error").textContent = error.code === "forbidden" ? t("Only the owner of this course can delete it.") : refusal(error);
  }
}

// -- start ----------------------------------------------------------------------------

/**
 * Read the course again and show it: the attendance grid and the team always, then one
 * member's details (`memberId`), none (null), or all of them (undefined). Details not
 * re-rendered keep what is being typed in them.
 */
async function reload(memberId) {
  const data = await api(base);
  course = data.course;
  if (memberId === undefined) {
    render();
    return;
  }
  keepingFocus(() => {
    renderRisk();
    renderAttendance();
    renderTeam();
  });
  byId("exports-card").hidden = !mayExport();
  if (memberId) renderDetails(memberId);
}

/** Show the course after a change the server took; a failed read must not undo "saved". */
async function refresh(memberId) {
  try {
    await reload(memberId);
  } catch {
    byId("message").textContent = t("Saved. The page could not read the course again: reload it to see the change.");
  }
}

// The page's words, in the browser's language: read while the course is, drawn after.
const words = load("course");

async function start() {
  const [signedIn, data] = await Promise.all([api("/api/me"), api(base), words]);
  me = signedIn;
  course = data.course;
  render();
  fillSettings();
  byId("settings-form").addEventListener("submit", saveSettings);
  byId("invite-form").addEventListener("submit", invite);
  byId("supervisor-form").addEventListener("submit", addSupervisor);
  byId("delete-course").addEventListener("click", deleteCourse);
}

start().catch(async (error) => {
  await words;
  if (error.status === 401) location.assign("/login");
  else {
    byId("course-grid").hidden = true;
    byId("message").textContent = error.code === "forbidden" || error.code === "not_found" ? t("This course is not there, or you do not run or supervise it.") : t("The course could not be read: {reason}", { reason: sentence(error.message) });
  }
});
