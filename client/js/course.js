// A course's page for its facilitators and supervisors: the meetings and a way into each
// one's console, the members' attendance, plans, notes, weekly steps and measures, a new
// phone's re-link code, the exports, and who runs or supervises the course.
//
// Every change goes to the server first; the page says it is done only once the server
// answered ok, and reads the course again from the server to show it.

import { api, byId, dateText, fill, h } from "./dom.js";

const courseId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/courses/${encodeURIComponent(courseId)}`;

const STATUS_TEXT = { present: "Present", late: "Late", left_early: "Left early", absent: "Absent" };
const AREA_TEXT = { grief: "Grief", disputes: "Disputes", transitions: "Life changes (transitions)", isolation: "Isolation" };
const TRIED_TEXT = { yes: "tried it", partly: "tried it partly", no: "did not try it" };
const ROLE_TEXT = { owner: "owner", co_facilitator: "co-facilitator", supervisor: "supervisor" };

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
  const t = team();
  if (!me?.user) return "";
  if (me.user === t.owner) return "owner";
  if (t.co_facilitators.some((c) => c.user === me.user)) return "co_facilitator";
  if (t.supervisors.includes(me.user)) return "supervisor";
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

function meetingName(n) {
  const meeting = course.meetings.find((m) => m.n === n);
  return meeting ? `meeting ${n} (${meeting.title})` : `meeting ${n}`;
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
  if (error.status === undefined) return "No answer from the server. Check your connection, then try again.";
  switch (error.code) {
    case "unauthenticated":
    case "401":
      return "Your sign-in has ended. Sign in again, then try again.";
    case "csrf":
      return "This page has expired. Reload it and try again.";
    case "forbidden":
      return myRole() === "supervisor" ? "Supervisors read this course but cannot change it." : `Not allowed: ${sentence(error.message)}`;
    case "not_found":
      return notFound || `Not found: ${sentence(error.message)}`;
    case "rate_limited":
      return "Too many changes at once. Wait a moment and try again.";
    default:
      return `Not saved: ${sentence(error.message)}`;
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
  document.title = `${course.title} - Course`;
  byId("course-bar-title").textContent = course.title;
  byId("course-title").textContent = course.title;
  byId("clinical-title").textContent = course.clinical_title ? `Protocol: ${course.clinical_title}` : "";
  byId("course-code").textContent = course.join_code ?? "";
  const joinUrl = course.join_url || `${location.origin}/j/${encodeURIComponent(String(course.join_code ?? "").replace(/[^0-9A-Za-z]/g, ""))}`;
  byId("course-join-url").textContent = joinUrl;
  byId("course-join-url").href = joinUrl;
  const role = myRole();
  byId("my-role").hidden = !role;
  byId("my-role").textContent = ROLE_TEXT[role] ?? "";
  keepingFocus(() => {
    renderRisk();
    renderMeetings();
    renderAttendance();
    renderAllDetails();
    renderTeam();
  });
  byId("exports-card").hidden = !mayExport();
  byId("delete-card").hidden = role !== "owner";
}

const ACTION_TEXT = {
  spoke_with_them: "Spoke with them",
  safety_plan: "Safety plan made",
  referred: "Referred",
  emergency_services: "Emergency services",
  other: "Other (say what)",
};
// What is typed into each open alert's form, kept across the redraws of the page.
const riskDrafts = {};
let riskKey = "";

function alertWords(a) {
  const score = a.score === null ? "" : `, scored ${a.score} of ${a.max_score}`;
  const meaning = a.meaning ? ` ("${a.meaning}")` : "";
  return `Meeting ${a.n}${a.meeting ? ` (${a.meeting})` : ""}: ${a.instrument}, ${a.item}${score}${meaning}`;
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
  byId("course-risk-title").textContent = open.length ? "Risk alerts from earlier meetings: nothing recorded yet" : "Risk alerts from earlier meetings: an action is recorded for each";
  fill(byId("course-risk-list"), open.map(riskItem));
  byId("course-risk-done-box").hidden = done.length === 0;
  byId("course-risk-done-title").textContent = `Recorded (${done.length})`;
  fill(
    byId("course-risk-done"),
    done.map((a) => h("li", { "data-alert": a.id }, h("strong", { text: a.name }), ` ${alertWords(a)} · ${a.action === "other" ? "Other" : ACTION_TEXT[a.action] || a.action}${a.note ? `: ${a.note}` : ""} · ${a.acted_by}`)),
  );
}

function riskItem(a) {
  const parts = [h("p", {}, h("strong", { text: a.name }), ` · ${alertWords(a)}.`)];
  if (!runs()) return h("li", { "data-alert": a.id }, parts);
  const draft = (riskDrafts[a.id] ||= { action: "spoke_with_them", note: "" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "row",
      "aria-label": `What was done for ${a.name}`,
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            await api(`${base}/risk-alerts/${encodeURIComponent(a.id)}/action`, { method: "POST", body: draft, csrf: me.csrf_token });
          } catch (failure) {
            error.textContent = failure.message;
            return;
          }
          delete riskDrafts[a.id];
          await refresh(null);
        },
      },
    },
    h("label", { for: `course-risk-action-${a.id}`, text: "What was done" }),
    h(
      "select",
      { id: `course-risk-action-${a.id}`, on: { change: (event) => (draft.action = event.target.value) } },
      Object.entries(ACTION_TEXT).map(([value, text]) => h("option", { value, text, selected: value === draft.action })),
    ),
    h("label", { for: `course-risk-note-${a.id}`, text: "Note" }),
    h("input", { id: `course-risk-note-${a.id}`, maxlength: "500", value: draft.note, on: { input: (event) => (draft.note = event.target.value) } }),
    h("button", { type: "submit", class: "primary", text: "Record" }),
  );
  return h("li", { "data-alert": a.id }, parts, form, error);
}

function renderMeetings() {
  fill(
    byId("meetings"),
    course.meetings.map((meeting) => {
      const status = meetingStatus(meeting);
      const planned = dateText(meeting.planned_at);
      const about = {
        planned: planned ? `Planned for ${planned}` : "Not planned yet",
        running: `Running since ${dateText(meeting.started_at) || "now"}`,
        ended: `Ended ${dateText(meeting.ended_at)}`.trim(),
      }[status] ?? status;
      const label = `Meeting ${meeting.n}: ${meeting.title}`;
      let action = null;
      if (status === "running" && meeting.session_id && runs()) {
        action = h("a", { class: "button", href: `/console/${encodeURIComponent(meeting.session_id)}`, text: "Go to the console", "aria-label": `Go to the console of ${label}` });
      } else if (status === "planned" && runs()) {
        action = h("button", { type: "button", class: "primary", "data-key": `open-${meeting.n}`, text: "Open meeting", "aria-label": `Open ${label}`, on: { click: (event) => openMeeting(meeting, event.currentTarget) } });
      }
      return h(
        "li",
        { "data-meeting": String(meeting.n), "data-status": status },
        h("p", { class: "row" }, h("strong", { text: label }), h("span", { class: `tag ${status === "ended" ? "gone" : ""}`, text: status === "running" ? "running" : status === "ended" ? "ended" : "planned" })),
        h("p", { class: "help", text: about }),
        action ? h("p", {}, action) : null,
        h("p", { class: "error", role: "alert", id: `meeting-${meeting.n}-error` }),
      );
    }),
  );
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
    error.textContent = failure.code === "conflict" ? "This meeting is open already. Reload the page to go to its console." : refusal(failure, "This meeting is not part of the course.");
    button.disabled = false;
  }
}

function renderAttendance() {
  const list = members();
  byId("no-members").hidden = list.length > 0;
  byId("attendance").hidden = list.length === 0;
  fill(
    byId("attendance-head"),
    h("th", { scope: "col", text: "Member" }),
    course.meetings.map((m) => h("th", { scope: "col", title: m.title, text: String(m.n) })),
    h("th", { scope: "col", text: "Check in" }),
  );
  fill(
    byId("attendance-body"),
    list.map((member) =>
      h(
        "tr",
        { "data-member": member.id },
        h("th", { scope: "row" }, member.name, member.withdrawn ? h("span", { class: "tag gone", text: "withdrawn" }) : null),
        course.meetings.map((meeting) => h("td", {}, attendanceCell(member, meeting))),
        h("td", {}, member.flag ? h("strong", { class: "flag", text: "Check in with this member" }) : null, member.missed_in_a_row >= 1 ? h("span", { class: "help block", text: `Missed ${member.missed_in_a_row} in a row` }) : null),
      ),
    ),
  );
}

function attendanceCell(member, meeting) {
  const status = attendanceAt(member, meeting.n);
  if (!runs() || member.withdrawn || (!started(meeting) && !status)) {
    return status ? h("span", { text: STATUS_TEXT[status] ?? status }) : h("span", { class: "help", "aria-label": "Not recorded", text: "·" });
  }
  const key = `attendance-${member.id}-${meeting.n}`;
  const select = h(
    "select",
    { "data-key": key, class: "compact", "aria-label": `Attendance of ${member.name} at meeting ${meeting.n}` },
    status ? null : h("option", { value: "", text: "Not recorded" }),
    Object.entries(STATUS_TEXT).map(([value, text]) => h("option", { value, text })),
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
    byId("attendance-done").textContent = `Saved: ${member.name} at meeting ${meeting.n}, ${STATUS_TEXT[status].toLowerCase()}.`;
    await refresh(member.id);
  } catch (error) {
    select.value = before;
    select.setAttribute("aria-invalid", "true");
    byId("attendance-error").textContent = `${member.name} at meeting ${meeting.n}: ${refusal(error, "This member or meeting is not in the course.")}`;
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
  const summary = h("summary", {}, h("strong", { text: member.name }), member.flag ? h("span", { class: "tag away", text: "check in" }) : null, member.withdrawn ? h("span", { class: "tag gone", text: "withdrawn" }) : null);
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
      h("h3", { text: "Plan" }),
      h("p", { text: `Areas: ${p.areas.map((a) => AREA_TEXT[a] ?? a).join(", ") || "none chosen"}` }),
      h("p", { text: `Goal: ${p.goal || "none yet"}` }),
      h("p", { text: `Key people: ${p.key_people.join(", ") || "none named"}` }),
    );
  }
  const error = h("p", { class: "error", role: "alert", id: id("plan-error") });
  const done = h("p", { class: "done", role: "status", "aria-live": "polite", id: id("plan-done") });
  const form = h(
    "form",
    { class: "plan" },
    h("h3", { text: "Plan" }),
    h(
      "fieldset",
      {},
      h("legend", { text: "Areas to work on" }),
      Object.entries(AREA_TEXT).map(([area, text]) =>
        h("p", { class: "check" }, h("input", { type: "checkbox", id: id(`area-${area}`), name: "area", value: area, checked: p.areas.includes(area) }), h("label", { for: id(`area-${area}`), text })),
      ),
    ),
    h("p", {}, h("label", { for: id("goal"), text: "Goal" }), h("textarea", { id: id("goal"), rows: "2", maxlength: "500", text: p.goal })),
    h(
      "p",
      {},
      h("label", { for: id("people"), text: "Key people" }),
      h("input", { id: id("people"), maxlength: "500", autocomplete: "off", value: p.key_people.join(", "), "aria-describedby": id("people-help") }),
      h("span", { class: "help", id: id("people-help"), text: "Separate them with commas. Use first names or roles, such as \"sister\"." }),
    ),
    error,
    done,
    h("p", {}, h("button", { type: "submit", "data-key": id("plan-save"), text: "Save plan" })),
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
      byId(id("plan-done")).textContent = `${member.name}'s plan is saved.`;
    } catch (failure) {
      error.textContent = refusal(failure, "This member is no longer in the course.");
    }
  });
  return form;
}

function notesSection(member, id, editable) {
  const notes = plan(member).notes;
  const list = h(
    "ul",
    { class: "plain" },
    notes.map((note) => h("li", {}, h("span", { class: "help", text: `Meeting ${note.n ?? note.meeting}${note.by ? `, ${note.by}` : ""}${note.at ? `, ${dateText(note.at)}` : ""}: ` }), h("span", { class: "note-text", text: note.text }))),
  );
  const parts = [h("h3", { text: "Notes" }), notes.length ? list : h("p", { class: "help", text: "No notes yet." })];
  if (!editable) return h("div", {}, parts);
  const latest = [...course.meetings].reverse().find(started) ?? course.meetings[0];
  const meetingSelect = h("select", { id: id("note-meeting") }, course.meetings.map((m) => h("option", { value: String(m.n), text: `${m.n}. ${m.title}` })));
  if (latest) meetingSelect.value = String(latest.n);
  const error = h("p", { class: "error", role: "alert" });
  const done = h("p", { class: "done", role: "status", "aria-live": "polite", id: id("note-done") });
  const form = h(
    "form",
    {},
    h("p", {}, h("label", { for: id("note-meeting"), text: "About meeting" }), meetingSelect),
    h("p", {}, h("label", { for: id("note"), text: `Note about ${member.name} (only the course's facilitators and supervisors see it)` }), h("textarea", { id: id("note"), rows: "3", maxlength: "500" })),
    error,
    done,
    h("p", {}, h("button", { type: "submit", "data-key": id("note-add"), text: "Add note" })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = byId(id("note")).value.trim();
    error.textContent = "";
    done.textContent = "";
    if (!text) {
      error.textContent = "Write the note first.";
      byId(id("note")).focus();
      return;
    }
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}/notes`, { method: "POST", body: { n: Number(meetingSelect.value), text }, csrf: me.csrf_token });
      await refresh(member.id);
      byId(id("note-done")).textContent = "Note added.";
    } catch (failure) {
      error.textContent = refusal(failure, "This member is no longer in the course.");
    }
  });
  return h("div", {}, parts, form);
}

function stepsSection(member) {
  const steps = byMeeting(member.steps);
  return h(
    "div",
    {},
    h("h3", { text: "Weekly steps" }),
    steps.length
      ? h(
          "ul",
          { class: "plain" },
          steps.map(([n, step]) => h("li", {}, h("span", { class: "help", text: `Meeting ${n}: ` }), h("span", { class: "note-text", text: step.text }), " ", h("span", { class: "tag", text: step.tried ? TRIED_TEXT[step.tried] ?? step.tried : "not reviewed yet" }))),
        )
      : h("p", { class: "help", text: "No steps yet." }),
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
    h("h3", { text: "Measures" }),
    ids.length
      ? ids.map((measureId) => {
          const title = measureTitle(measureId);
          const src = `${base}/members/${encodeURIComponent(member.id)}/trend.svg?measure=${encodeURIComponent(measureId)}`;
          return h(
            "figure",
            { class: "trend", "data-measure": measureId },
            h("img", { src, alt: `Line chart of ${member.name}'s ${title} scores by meeting; the table below gives the same numbers.`, loading: "lazy", class: "chart" }),
            h("figcaption", { text: `${title}: ${member.name}` }),
            h(
              "table",
              { class: "grid-table" },
              h("caption", { class: "help", text: `${title} scores of ${member.name}` }),
              h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Meeting" }), h("th", { scope: "col", text: "Score" }), h("th", { scope: "col", text: "Band" }))),
              h(
                "tbody",
                {},
                rowsOf(measureId).map(([n, m]) => h("tr", {}, h("th", { scope: "row", text: String(n) }), h("td", { text: String(m.score) }), h("td", { text: m.band ?? "" }))),
              ),
            ),
          );
        })
      : h("p", { class: "help", text: "No scores yet." }),
  );
}

function phoneSection(member, id) {
  const shown = h("p", { class: "relink-code", role: "status", "aria-live": "polite", id: id("relink-code") });
  const error = h("p", { class: "error", role: "alert" });
  const relink = h("button", { type: "button", "data-key": id("relink"), text: "Re-link phone", "aria-label": `Re-link phone of ${member.name}` });
  relink.addEventListener("click", async () => {
    error.textContent = "";
    shown.textContent = "";
    relink.disabled = true;
    try {
      const reply = await api(`${base}/members/${encodeURIComponent(member.id)}/relink`, { method: "POST", body: {}, csrf: me.csrf_token });
      const until = reply.expires_at ? new Date(reply.expires_at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
      // Shown once and kept nowhere: a reload of this page does not show it again.
      fill(shown, "Code for the new phone: ", h("strong", { class: "code", text: reply.code }), `. It works once${until ? `, until ${until}` : ""}. On the new phone: "New phone? Enter the code your facilitator gives you". The old phone stops working.`);
    } catch (failure) {
      error.textContent = refusal(failure, "This member is no longer in the course.");
    } finally {
      relink.disabled = false;
    }
  });
  const withdraw = h("button", { type: "button", class: "danger", "data-key": id("withdraw"), text: "Withdraw from the course", "aria-label": `Withdraw from the course: ${member.name}` });
  withdraw.addEventListener("click", async () => {
    if (!confirm(`Withdraw ${member.name} from this course? Their phone stops joining its meetings.`)) return;
    error.textContent = "";
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}`, { method: "DELETE", csrf: me.csrf_token });
      await refresh();
      byId("attendance-done").textContent = `${member.name} is withdrawn from the course.`;
    } catch (failure) {
      error.textContent = refusal(failure, "This member is no longer in the course.");
    }
  });
  const erase = h("button", { type: "button", class: "danger", "data-key": id("erase"), text: "Erase their data", "aria-label": `Erase their data: ${member.name}` });
  erase.addEventListener("click", async () => {
    if (!confirm(`Erase ${member.name}'s data? They are withdrawn, and their name, plan, notes, steps, scores and named answers are removed for good. Attendance and anonymous results stay.`)) return;
    error.textContent = "";
    try {
      await api(`${base}/members/${encodeURIComponent(member.id)}/erase`, { method: "POST", body: {}, csrf: me.csrf_token });
      await refresh();
      byId("attendance-done").textContent = "The member's data is erased.";
    } catch (failure) {
      error.textContent = refusal(failure, "This member was erased already.");
    }
  });
  return h(
    "div",
    {},
    h("h3", { text: "Phone" }),
    h("p", { class: "help", text: "A new phone? Give the member a one-time code to link it." }),
    h("p", { class: "row" }, relink, withdraw, member.erased ? null : erase),
    shown,
    error,
  );
}

// -- facilitators and supervisors -----------------------------------------------------

function renderTeam() {
  const t = team();
  const owner = myRole() === "owner";
  const you = (user) => (me?.user === user ? h("span", { class: "tag", text: "you" }) : null);
  const button = (key, text, label, click) => h("button", { type: "button", class: "quiet", "data-key": key, text, "aria-label": label, on: { click } });
  fill(
    byId("facilitator-list"),
    t.owner ? h("li", { class: "row", "data-user": t.owner }, h("span", { text: t.owner }), h("span", { class: "tag", text: "owner" }), you(t.owner)) : null,
    t.co_facilitators.map((c) =>
      h(
        "li",
        { class: "row", "data-user": c.user },
        h("span", { text: c.user }),
        h("span", { class: "tag", text: "co-facilitator" }),
        c.may_export ? h("span", { class: "tag", text: "may export" }) : null,
        you(c.user),
        owner
          ? [
              button(`facilitator-export-${c.user}`, c.may_export ? "Stop exports" : "Allow exports", `${c.may_export ? "Stop exports for" : "Allow exports for"} ${c.user}`, () =>
                changeTeam("PUT", "facilitators", c.user, { may_export: !c.may_export }, c.may_export ? `${c.user} may no longer export this course.` : `${c.user} may now export this course.`),
              ),
              button(`facilitator-remove-${c.user}`, "Remove", `Remove ${c.user} as a facilitator`, () => {
                if (confirm(`Remove ${c.user} as a facilitator of this course?`)) changeTeam("DELETE", "facilitators", c.user, undefined, `${c.user} no longer runs this course.`);
              }),
            ]
          : null,
      ),
    ),
    t.supervisors.map((user) =>
      h(
        "li",
        { class: "row", "data-user": user },
        h("span", { text: user }),
        h("span", { class: "tag", text: "supervisor" }),
        you(user),
        owner
          ? button(`supervisor-remove-${user}`, "Remove", `Remove ${user} as a supervisor`, () => {
              if (confirm(`Remove ${user} as a supervisor of this course?`)) changeTeam("DELETE", "supervisors", user, undefined, `${user} no longer supervises this course.`);
            })
          : null,
      ),
    ),
  );
  byId("invite-form").hidden = !owner;
  byId("supervisor-form").hidden = !owner;
  byId("team-note").textContent = teamNote(t);
}

function teamNote(t) {
  const role = myRole();
  if (role === "owner") return t.co_facilitators.length || t.supervisors.length ? "" : "Nobody else runs or supervises this course.";
  if (role === "co_facilitator") return `You run this course with ${t.owner}. Only ${t.owner} can delete it or change who runs it.`;
  if (role === "supervisor") return `You supervise this course: you read its records and exports, and change nothing.`;
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
    const missing = method === "PUT" ? `There is no account called ${user}.` : `${user} is not on this course's list.`;
    byId("team-error").textContent = error.code === "invalid" && user === team().owner ? "You own this course already. Add another account." : refusal(error, missing);
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
    byId("team-error").textContent = "Type the user name of a facilitator account.";
    byId("invite-user").focus();
    return;
  }
  const done = `${user} now runs this course with you${mayExportToo ? " and may export it" : ""}.`;
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
    byId("team-error").textContent = "Type the user name of a supervisor's account.";
    byId("supervisor-user").focus();
    return;
  }
  if (await changeTeam("PUT", "supervisors", user, {}, `${user} now supervises this course.`)) byId("supervisor-user").value = "";
}

async function deleteCourse() {
  if (!confirm(`Delete the course "${course.title}" with every meeting and every member's records? This cannot be undone.`)) return;
  byId("delete-error").textContent = "";
  try {
    await api(base, { method: "DELETE", csrf: me.csrf_token });
    location.assign("/");
  } catch (error) {
    byId("delete-error").textContent = error.code === "forbidden" ? "Only the owner of this course can delete it." : refusal(error);
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
    byId("message").textContent = "Saved. The page could not read the course again: reload it to see the change.";
  }
}

async function start() {
  const [signedIn, data] = await Promise.all([api("/api/me"), api(base)]);
  me = signedIn;
  course = data.course;
  render();
  byId("invite-form").addEventListener("submit", invite);
  byId("supervisor-form").addEventListener("submit", addSupervisor);
  byId("delete-course").addEventListener("click", deleteCourse);
}

start().catch((error) => {
  if (error.status === 401) location.assign("/login");
  else {
    byId("course-grid").hidden = true;
    byId("message").textContent = error.code === "forbidden" || error.code === "not_found" ? "This course is not there, or you do not run or supervise it." : error.message;
  }
});
