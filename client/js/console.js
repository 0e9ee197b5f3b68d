// The facilitator's console: agenda and clock, script note, polls, role-plays,
// roster, private signals and notes, links and exports, and who runs the session. In a
// meeting of a course, also the course's members and the member round.

import { actionId, api, byId, clockText, fill, h } from "./dom.js";
import { Live, serverClock, statusText } from "./live.js";
import { drawQr } from "./qr.js";
import { answerText, resultsChart, wordCloud } from "./results.js";

const sessionId = decodeURIComponent(location.pathname.split("/").pop());
const KIND_TEXT = { pass: "passes this turn", break: "needs a break", support: "needs support" };
const AREA_TEXT = { grief: "grief", disputes: "disputes", transitions: "life changes", isolation: "isolation" };
const TRIED_TEXT = { yes: "tried it", partly: "tried it partly", no: "did not try it" };
// Refusals after which the same command may simply be sent again: nothing was recorded,
// or the server cannot tell; the command id keeps a resend from applying twice.
const RETRYABLE = new Set(["timeout", "offline", "storage_unavailable", "busy", "conflict", "rate_limited", "internal"]);
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 5000, 5000, 5000, 5000];

let live = null;
let view = null;
// Who is signed in on this device ({user, csrf_token}), or null when that is unknown:
// then the facilitators panel only shows, and the exports stay hidden.
let me = null;
// Who runs the session: from each view, and from the server's answer to a change.
let team = { owner: "", co_facilitators: [] };
// A change of the facilitators is on its way: another waits for its answer. (The buttons
// stay enabled, so that keyboard focus stays where it was.)
let teamBusy = false;
let library = { polls: [], role_plays: [] };
let rosterKey = "";
// The version of the view on screen: a command acts on what the facilitator saw.
let shownVersion = null;
// The address phones join at (the QR code's content), and whether the code is drawn.
let joinAddress = "";
let qrDrawn = false;

/** Say something about the whole page (the connection, the library), not one control. */
function say(text) {
  byId("message").textContent = text;
}

// What went wrong with a command, said beside the control that sent it: by the key of
// its place (a fixed one such as "step", or one per poll, member or signal). Kept here
// because lists are redrawn by every view, and their message with them.
const refusals = new Map();

/** Say `text` beside the controls of `place` ("" clears it). */
function sayAt(place, text) {
  if (text) refusals.set(place, text);
  else refusals.delete(place);
  const slots = document.querySelectorAll(`[data-error="${CSS.escape(place)}"]`);
  for (const slot of slots) slot.textContent = text;
  // A place no longer on screen (its poll or member gone): the page says it instead.
  if (slots.length === 0 && text) say(text);
}

/** The message line of `place`, for controls drawn with each view. */
function errorSlot(place) {
  // Polite, not an alert: a slot is redrawn with every view, and must not be read out
  // again each time; sayAt changes its text in place, which is read out once.
  return h("p", { class: "error", id: `error-${place}`, "data-error": place, "aria-live": "polite", text: refusals.get(place) ?? "" });
}

// Commands go one after another: a click made before the previous command's view came
// back carries the version that command reached, not a version it made out of date.
let commandsDone = Promise.resolve();

/**
 * Queue a facilitator command behind those still being sent; resolve with its ack. A
 * refusal is said beside the controls of `place`.
 */
function command(event, payload, place) {
  const ack = commandsDone.then(() => send(event, payload, place));
  commandsDone = ack.then(
    () => undefined,
    () => undefined,
  );
  return ack;
}

/**
 * Send a facilitator command with a fresh command id and the version on screen. After a
 * time-out or a refusal worth retrying it is sent again with the same id and version,
 * so that a command the server recorded (but whose ack was lost) is not applied twice.
 */
async function send(event, payload, place) {
  // The console has stopped (the session was deleted, or this facilitator removed).
  if (live.stopped) return { ok: false, error: { code: "ended", message: "This console has stopped." } };
  const sent = { ...payload, command_id: actionId(), version: shownVersion };
  let ack = await live.emit(event, sent);
  for (const delay of RETRY_DELAYS_MS) {
    if (ack.ok || live.stopped || !RETRYABLE.has(ack.error?.code)) break;
    sayAt(place, "Not saved yet; trying again…");
    await new Promise((resolve) => setTimeout(resolve, delay));
    ack = await live.emit(event, sent);
  }
  // Stopped meanwhile: the page says why, and a "Not saved" would only hide that.
  if (live.stopped) return ack;
  if (ack.ok) {
    sayAt(place, "");
    // The facilitator has seen this command's effect, if not yet its view.
    if (Number.isInteger(ack.version) && ack.version > (shownVersion ?? 0)) shownVersion = ack.version;
  } else if (ack.error.code === "stale_version") {
    sayAt(place, "The session changed; check and try again.");
    await resync();
  } else if (RETRYABLE.has(ack.error.code)) {
    sayAt(place, `Not saved. ${sentence(ack.error.message)} Try again.`);
  } else sayAt(place, sentence(ack.error.message));
  return ack;
}

/** Fetch the session as it is now and show it. */
async function resync() {
  const ack = await live.emit("sync", {});
  if (ack.ok && ack.view) live.applyView(ack.view, true);
}

/** Re-render `fn` but give keyboard focus back to the control that had it. */
function keepingFocus(fn) {
  const key = document.activeElement?.dataset?.key;
  fn();
  if (key) document.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/** Members in the session now (not left or removed): the M of "N of M answered". */
function membersPresent() {
  return view.members_present ?? view.participants.filter((m) => m.present).length;
}

// -- rendering ------------------------------------------------------------------------

function render() {
  // Never back: an ack may already have told of a later version than a view on its way.
  shownVersion = Math.max(view.version, shownVersion ?? 0);
  if (view.owner !== undefined) team = { owner: view.owner, co_facilitators: view.co_facilitators ?? [] };
  document.title = `${view.title} - Console`;
  byId("session-title").textContent = view.title;
  byId("phase").textContent = { lobby: "Not started", running: "Running", ended: "Ended" }[view.phase];
  keepingFocus(() => {
    renderStep();
    arrangeActivity();
    renderRisk();
    renderPolls();
    renderEnterAnswer();
    renderRolePlay();
    renderAgenda();
    renderSignals();
    renderRoster();
    renderNotes();
    renderFacilitators();
    renderCourse();
    renderFidelity();
  });
  byId("prompt-now").textContent = view.prompt ? `Showing now: ${view.prompt.text}` : "No prompt is showing.";
  byId("qr-locked").hidden = !view.locked;
  tick();
}

// The activity the current step is about comes first in its region: the role-play during
// a role-play step (or while one is under way), else the polls. Moved only when that
// changes, so that nothing jumps under the pointer between steps.
let activityFirst = "";

function arrangeActivity() {
  const step = view.step ? view.agenda[view.step.index] : null;
  const rolePlay = Boolean(view.role_play) || Boolean(step?.role_play && !step?.poll);
  const first = rolePlay ? "rp-box" : "polls-box";
  if (first === activityFirst) return;
  activityFirst = first;
  byId("region-activity").insertBefore(byId(first), byId("round").nextSibling);
}

function renderStep() {
  const step = view.phase === "ended" ? null : view.step;
  const agendaStep = step ? view.agenda[step.index] : null;
  byId("step-count").textContent = step ? `Step ${step.index + 1} of ${step.of ?? step.count}` : view.phase === "ended" ? "Ended" : "Not started";
  byId("step-title").textContent = step ? step.title : view.phase === "ended" ? "The session has ended" : "Ready to start";
  byId("planned").textContent = step ? `of ${step.minutes} min planned` : "";
  const note = agendaStep ? agendaStep.note : view.agenda[0]?.note || "";
  byId("script").textContent = note || "No script note for this step.";
  byId("start").hidden = view.phase !== "lobby";
  // Before the start there is nowhere to move: Start session stands alone.
  byId("previous").hidden = view.phase === "lobby";
  byId("next").hidden = view.phase === "lobby";
  byId("start").disabled = false;
  byId("previous").disabled = view.phase !== "running" || !step || step.index === 0;
  byId("next").disabled = view.phase !== "running" || !step || step.index >= view.agenda.length - 1;
  byId("end").disabled = view.phase === "ended";
  byId("lock").textContent = view.locked ? "Unlock joining" : "Lock joining";
  byId("lock").setAttribute("aria-pressed", String(view.locked));
}

function elapsed(index) {
  let spent = view.step_seconds[index] || 0;
  if (view.step && view.step.index === index && view.step.entered_at && view.phase === "running") {
    spent += Math.max(0, serverClock.now() - view.step.entered_at);
  }
  return spent;
}

function tick() {
  if (!view) return;
  const step = view.step;
  const spent = step ? elapsed(step.index) : 0;
  const planned = step ? step.minutes * 60 : 0;
  const over = step && spent > planned;
  byId("timer").textContent = clockText(spent);
  byId("timer").classList.toggle("over", Boolean(over));
  byId("over").textContent = over ? `Over time by ${clockText(spent - planned)}` : "";
  const current = document.querySelector('#agenda [aria-current="step"] .used');
  if (current && step) current.textContent = clockText(spent);
}

const ACTION_TEXT = {
  spoke_with_them: "Spoke with them",
  safety_plan: "Safety plan made",
  referred: "Referred",
  emergency_services: "Emergency services",
  other: "Other (say what)",
};
// What is typed into each open alert's form, kept across the views that redraw it.
const riskDrafts = {};
let riskKey = "";

function renderRisk() {
  const alerts = view.risk_alerts;
  // Redrawn only when the alerts change: a view per answer must not wipe a half-typed note.
  // Alerts an earlier meeting of the course ended with, nothing recorded yet.
  const carried = view.course?.open_alerts ?? [];
  const key = JSON.stringify([alerts, carried, view.safety]);
  if (key === riskKey) return;
  riskKey = key;
  const open = alerts.filter((a) => a.open);
  const done = alerts.filter((a) => !a.open);
  const waiting = open.length + carried.length;
  byId("risk").hidden = alerts.length === 0 && carried.length === 0;
  byId("risk").setAttribute("role", waiting ? "alert" : "region");
  byId("risk").classList.toggle("alert", waiting > 0);
  byId("risk-title").textContent = open.length
    ? `Risk alert${open.length > 1 ? "s" : ""}: speak with ${open.length > 1 ? "these members" : "this member"} now`
    : carried.length
      ? "Risk alert from an earlier meeting: record what was done"
      : "Risk alerts: an action is recorded for each";
  byId("risk-steps").hidden = waiting === 0;
  // Risk alerts waiting (each with its form) take the larger share of the column.
  byId("people").classList.toggle("urgent", waiting > 0);
  fill(byId("risk-list"), open.map((a) => riskItem(a, "record_risk_action", `${alertWords(a)}.${a.total === undefined ? "" : ` Total ${a.total}${a.band ? ` (${a.band})` : ""}.`}`)));
  byId("risk-carried-box").hidden = carried.length === 0;
  fill(byId("risk-carried"), carried.map((a) => riskItem(a, "record_course_risk_action", carriedWords(a))));
  const safety = view.safety || { script: [], contacts_note: "", supervisor_contact: "" };
  fill(byId("safety-script"), safety.script.map((line) => h("li", { text: line })));
  byId("safety-contacts").textContent = safety.contacts_note;
  byId("supervisor-contact").hidden = !safety.supervisor_contact;
  byId("supervisor-contact").textContent = safety.supervisor_contact ? `Supervisor: ${safety.supervisor_contact}` : "";
  byId("risk-done-box").hidden = done.length === 0;
  byId("risk-done-title").textContent = `Recorded (${done.length})`;
  fill(
    byId("risk-done"),
    done.map((a) =>
      h("li", { "data-alert": a.id }, h("strong", { text: a.name }), ` ${alertWords(a)} · ${ACTION_TEXT[a.action] || a.action}${a.note ? `: ${a.note}` : ""} · ${a.acted_by} at ${timeOf(a.acted_at)}`),
    ),
  );
}

function alertWords(a) {
  const score = a.score === null ? "" : `, scored ${a.score} of ${a.max_score}`;
  const meaning = a.meaning ? ` ("${a.meaning}")` : "";
  return `${a.instrument}, ${a.item}: ${a.item_text}${score}${meaning}`;
}

function carriedWords(a) {
  const score = a.score === null ? "" : `, scored ${a.score} of ${a.max_score}`;
  const meaning = a.meaning ? ` ("${a.meaning}")` : "";
  return `Meeting ${a.n}${a.meeting ? ` (${a.meeting})` : ""}: ${a.instrument}, ${a.item}${score}${meaning}.`;
}

function riskItem(a, eventName, words) {
  const draft = (riskDrafts[a.id] ||= { action: "spoke_with_them", note: "" });
  const action = h(
    "select",
    { id: `risk-action-${a.id}`, on: { change: (event) => (draft.action = event.target.value) } },
    Object.entries(ACTION_TEXT).map(([value, text]) => h("option", { value, text, selected: value === draft.action })),
  );
  const note = h("input", { id: `risk-note-${a.id}`, maxlength: "500", value: draft.note, on: { input: (event) => (draft.note = event.target.value) } });
  const place = `risk-${a.id}`;
  const form = h(
    "form",
    {
      class: "row",
      "aria-label": `What was done for ${a.name}`,
      on: {
        submit: async (event) => {
          event.preventDefault();
          const ack = await command(eventName, { alert_id: a.id, action: draft.action, note: draft.note }, place);
          if (ack.ok) delete riskDrafts[a.id];
        },
      },
    },
    h("label", { for: `risk-action-${a.id}`, text: "What was done" }),
    action,
    h("label", { for: `risk-note-${a.id}`, text: "Note" }),
    note,
    h("button", { type: "submit", class: "primary", text: "Record", "aria-describedby": `error-${place}` }),
  );
  return h(
    "li",
    { "data-alert": a.id },
    h("p", {}, h("strong", { text: a.name }), ` · ${timeOf(a.at ?? a.raised_at)}`),
    h("p", { class: "risk-words", text: words }),
    form,
    errorSlot(place),
  );
}

function timeOf(epoch) {
  return new Date(epoch * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderPolls() {
  const choice = byId("poll-choice");
  const stepPoll = view.step ? view.agenda[view.step.index].poll : null;
  if (choice.options.length !== library.polls.length) {
    fill(choice, library.polls.map((p) => h("option", { value: p.id, text: `${p.question} (${p.anonymous ? "anonymous" : "named"})` })));
  }
  if (stepPoll && choice.dataset.step !== String(view.step.index)) {
    choice.value = stepPoll;
    choice.dataset.step = String(view.step.index);
  }
  // The poll in hand first (the open one, else the latest), then the earlier ones.
  const polls = [...view.polls].reverse().sort((a, b) => (b.phase === "open") - (a.phase === "open"));
  fill(
    byId("polls"),
    polls.map((poll, index) => pollItem(poll, index === 0)),
  );
  renderSuggestions();
}

const PHASE_TEXT = { open: "Open", closed: "Closed", revealed: "Results revealed" };
// The earlier polls whose results the facilitator opened, kept open across redraws.
const openResults = new Set();

/** One poll: what it asks, how many answered, its controls, and what it may show. */
function pollItem(poll, inHand) {
  const place = `poll-${poll.poll_id}`;
  const of = poll.of ?? membersPresent();
  const privacy = poll.facilitator_only
    ? "Only for the facilitators"
    : poll.anonymous
      ? `Anonymous; results can show from ${poll.threshold} answers`
      : "Named";
  const state = [h("span", { class: "tag", text: PHASE_TEXT[poll.phase] ?? poll.phase })];
  if (poll.shown) state.push(" ", h("span", { class: "tag shown", text: view.results_pinned ? "On the display, pinned" : "On the display" }));
  const results = pollResults(poll);
  const parts = [
    h("p", { class: "poll-question" }, h("strong", { text: poll.question })),
    h("p", { class: "help poll-state" }, state, " ", h("span", { class: "answered-count", text: `${poll.count} of ${of} answered` }), ` · ${privacy}`),
    pollControls(poll, place),
    errorSlot(place),
  ];
  if (results.length && inHand) parts.push(...results);
  else if (results.length) {
    const key = poll.poll_id;
    const details = h("details", { class: "poll-results", open: openResults.has(key) }, h("summary", { text: "Results" }), results);
    details.addEventListener("toggle", () => (details.open ? openResults.add(key) : openResults.delete(key)));
    parts.push(details);
  }
  return h("li", { class: inHand ? "poll in-hand" : "poll", "data-poll": poll.poll_id }, parts);
}

/**
 * The buttons of one poll: close; reveal (disabled, with the reason beside it, while it
 * cannot be); show on or hide from the room display; pin; reopen. A refusal is said in
 * the poll's message line, which every button names.
 */
function pollControls(poll, place) {
  const id = poll.poll_id;
  const reason = `reason-${id}`;
  const button = (key, text, event, payload, attrs = {}) =>
    h("button", { type: "button", "data-key": `${key}-${id}`, "aria-describedby": `error-${place}`, text, ...attrs, on: { click: () => command(event, payload, place) } });
  const controls = [];
  if (poll.phase === "open") controls.push(button("close", "Close poll", "close_poll", { poll_id: id }));
  if (poll.phase !== "revealed" && !poll.facilitator_only) {
    const blocked = Boolean(poll.reveal_blocked);
    const attrs = { disabled: blocked, "aria-describedby": blocked ? `${reason} error-${place}` : `error-${place}` };
    // Short answers are read through (and words hidden) before the room sees any; other
    // anonymous results may be looked at first. Named answers are on the console already.
    const review = poll.type === "short_text";
    const reveal = [button("reveal", "Reveal to the room", "reveal_poll", { poll_id: id, show: true }, { ...attrs, class: review ? null : "primary" })];
    if (review || poll.anonymous) {
      reveal.push(button("review", review ? "Review the words first" : "See the results here first", "reveal_poll", { poll_id: id, show: false }, { ...attrs, class: review ? "primary" : null }));
    }
    // Why Reveal is disabled, right under it.
    controls.push(h("div", { class: "reveal-group" }, h("div", { class: "row" }, reveal), blocked ? h("p", { class: "reason", id: reason, text: poll.reveal_blocked }) : null));
  }
  if (poll.phase === "revealed" && !poll.facilitator_only) {
    if (poll.shown) {
      controls.push(button("hide", "Hide from the display", "hide_results", {}));
      const pinned = Boolean(view.results_pinned);
      controls.push(button("pin", pinned ? "Unpin" : "Keep shown across steps", "pin_results", { pinned: !pinned }));
    } else controls.push(button("show", "Show on the display", "show_results", { poll_id: id }, { class: "primary" }));
  }
  // "Reopen", not "Reopen poll": a name holding "Open poll" would answer for that button too.
  if (poll.can_reopen) controls.push(button("reopen", "Reopen", "reopen_poll", { poll_id: id }, { "aria-label": `Reopen the poll: ${poll.question}` }));
  // A facilitator-only poll, once closed: why it never goes to the room.
  if (poll.facilitator_only && poll.phase !== "open" && poll.reveal_blocked) controls.push(h("p", { class: "reason", text: poll.reveal_blocked }));
  return controls.length ? h("div", { class: "row poll-controls" }, controls) : null;
}

/**
 * A short-text poll's words, most said first, each with a button to hide it from the room
 * (or show it again): moderation before the words go on the display, and while they are.
 */
function wordList(poll) {
  const place = `poll-${poll.poll_id}`;
  const words = poll.summary.words;
  const hidden = words.filter((w) => w.hidden).length;
  return h(
    "div",
    { class: "words" },
    h("p", { class: "help", text: hidden ? `Words the room sees: ${words.length - hidden} of ${words.length}. Hidden words never reach the display or the phones.` : "Hide any word the room should not see before you show them." }),
    h(
      "ul",
      { class: "plain word-list", "aria-label": `Words answered to: ${poll.question}` },
      words.map((w) =>
        h(
          "li",
          { class: w.hidden ? "word hidden-word" : "word", "data-word": w.word },
          h("span", { class: "word-text", text: w.word }),
          h("span", { class: "n", text: w.count === 1 ? "1 answer" : `${w.count} answers` }),
          w.hidden ? h("span", { class: "tag gone", text: "hidden" }) : null,
          h("button", {
            type: "button",
            class: "quiet small",
            "data-key": `word-${poll.poll_id}-${w.word}`,
            // The name starts with the visible text, for those who speak to their computer.
            "aria-label": w.hidden ? `Show again the word ${w.word}` : `Hide the word ${w.word}`,
            "aria-describedby": `error-${place}`,
            text: w.hidden ? "Show again" : "Hide",
            on: { click: () => command("hide_word", { poll_id: poll.poll_id, word: w.word, hidden: !w.hidden }, place) },
          }),
        ),
      ),
    ),
    // The cloud as the room will see it: hidden words left out.
    hidden < words.length ? [h("p", { class: "help", text: "What the room sees:" }), wordCloud(words)] : h("p", { class: "help", text: "Every word is hidden: the room would see none." }),
  );
}

/** What the facilitator sees of a poll's answers: the chart, or each named answer. */
function pollResults(poll) {
  const parts = [];
  if (poll.summary?.words && !poll.facilitator_only) parts.push(wordList(poll));
  if (poll.anonymous) {
    if (!poll.summary) {
      if (poll.phase === "revealed") parts.push(h("p", { class: "help", text: "Too few answers to show results." }));
    } else if (!poll.summary.words) parts.push(resultsChart(poll, poll.summary));
  } else if (poll.answers?.length) {
    parts.push(
      h(
        "ul",
        { class: "named-answers" },
        poll.answers.map((a) =>
          h("li", {}, h("strong", { text: a.name }), ": ", answerText(poll, a), a.band ? ` (${a.band})` : "", a.entered_by ? h("span", { class: "entered", text: ` (entered by ${a.entered_by}, by interview)` }) : ""),
        ),
      ),
    );
  }
  if (poll.bands?.length && poll.anonymous && poll.summary) parts.push(h("p", { class: "help", text: `Bands: ${poll.bands.map((b) => `${b.min}-${b.max} ${b.label}`).join("; ")}` }));
  if (poll.attribution) parts.push(h("p", { class: "help attribution", text: `${poll.title}: ${poll.attribution}` }));
  return parts;
}

/** Say which members' screens suggest a fuller instrument (a positive PHQ-2: the PHQ-9). */
function renderSuggestions() {
  const suggestions = view.suggestions || [];
  byId("suggestions").hidden = suggestions.length === 0;
  fill(
    byId("suggestions"),
    suggestions.map((s) =>
      h(
        "li",
        { class: "suggestion", "data-member": s.participant_id },
        s.participant_id
          ? [h("strong", { text: s.name }), `: ${s.instrument} total ${s.total}${s.band ? ` (${s.band})` : ""}. Suggested next: ${s.suggest_title}. `]
          : `${s.instrument}: ${s.positive} of ${s.of} totals are a ${s.band || "positive screen"}. Suggested next: offer each member the ${s.suggest_title}, asked by name. `,
        library.polls.some((p) => p.id === s.suggest)
          ? h("button", { type: "button", "data-key": `suggest-${s.participant_id}-${s.poll_id}`, text: `Choose ${s.suggest_title}`, on: { click: () => (byId("poll-choice").value = s.suggest) } })
          : "",
      ),
    ),
  );
}

// The open poll and the members the form offers: redrawn only when these change, so that
// answers being entered survive the views that arrive meanwhile.
let enterKey = "";

/** Show the form to enter a member's answer to the open named poll, asked aloud. */
function renderEnterAnswer() {
  const form = byId("enter-answer-form");
  const poll = view.polls.find((p) => p.phase === "open" && !p.anonymous && ENTRY_FIELDS[p.type]);
  const waiting = poll ? view.participants.filter((m) => m.present && !m.answered) : [];
  const key = JSON.stringify([poll?.poll_id, waiting.map((m) => m.id)]);
  if (key === enterKey) return;
  enterKey = key;
  form.hidden = !poll || waiting.length === 0;
  if (form.hidden) return;
  const member = byId("enter-member");
  const chosen = member.value;
  fill(member, waiting.map((m) => h("option", { value: m.id, text: m.name, selected: m.id === chosen })));
  form.dataset.poll = poll.poll_id;
  const fields = byId("enter-fields");
  if (fields.dataset.poll !== poll.poll_id) {
    fields.dataset.poll = poll.poll_id;
    fill(fields, ENTRY_FIELDS[poll.type].fields(poll));
    sayAt("enter", "");
    byId("enter-done").textContent = "";
  }
}

function choiceSelect(id, label, options) {
  return h("p", {}, h("label", { for: id, text: label }), " ", h("select", { id, "data-entry": "" }, h("option", { value: "", text: "(choose)" }), options.map((text, i) => h("option", { value: String(i), text }))));
}

// How each kind of named poll is entered by interview, and its answer read back.
const ENTRY_FIELDS = {
  instrument: {
    fields: (poll) => poll.items.map((item, n) => choiceSelect(`enter-item-${n}`, `${n + 1}. ${item.text}`, poll.options)),
    value: (els) => els.map((el) => (el.value === "" ? null : Number(el.value))),
  },
  single_choice: {
    fields: (poll) => [choiceSelect("enter-item-0", poll.question, poll.options)],
    value: ([el]) => (el.value === "" ? null : Number(el.value)),
  },
  scale: {
    fields: (poll) => [h("p", {}, h("label", { for: "enter-item-0", text: `${poll.question} (${poll.min} to ${poll.max})` }), " ", h("input", { id: "enter-item-0", type: "number", min: String(poll.min), max: String(poll.max), "data-entry": "" }))],
    value: ([el]) => (el.value === "" ? null : Number(el.value)),
  },
  short_text: {
    fields: (poll) => [h("p", {}, h("label", { for: "enter-item-0", text: poll.question }), " ", h("input", { id: "enter-item-0", maxlength: String(poll.max_length), "data-entry": "" }))],
    value: ([el]) => el.value.trim() || null,
  },
};

async function enterAnswer(event) {
  event.preventDefault();
  const form = byId("enter-answer-form");
  const poll = view.polls.find((p) => p.poll_id === form.dataset.poll);
  if (!poll) return;
  const value = ENTRY_FIELDS[poll.type].value([...document.querySelectorAll("#enter-fields [data-entry]")]);
  if (value === null || (Array.isArray(value) && value.includes(null))) {
    sayAt("enter", "Enter an answer to every question first.");
    return;
  }
  byId("enter-done").textContent = "";
  const ack = await command("enter_answer", { poll_id: poll.poll_id, participant_id: byId("enter-member").value, value }, "enter");
  if (!ack.ok) return;
  for (const el of document.querySelectorAll("#enter-fields [data-entry]")) el.value = "";
  byId("enter-done").textContent = "Answer entered.";
}

function renderRolePlay() {
  const active = view.role_play;
  const box = byId("rp-active");
  if (active) {
    const buttons = [];
    if (active.phase === "playing") buttons.push(h("button", { type: "button", "data-key": "debrief", text: "Start debrief", on: { click: () => command("start_debrief", { role_play_id: active.id }, "rp") } }));
    buttons.push(h("button", { type: "button", "data-key": "end-rp", text: "End role-play", on: { click: () => command("end_role_play", { role_play_id: active.id }, "rp") } }));
    buttons.push(h("button", { type: "button", "data-key": "reverse-rp", id: "reverse-rp", text: "Reverse roles", on: { click: () => command("reverse_role_play", { role_play_id: active.id }, "rp") } }));
    const full = view.role_plays.find((r) => r.id === active.id);
    const names = new Map(view.participants.map((p) => [p.id, p.name]));
    fill(
      box,
      h("p", {}, h("strong", { text: active.title }), " ", h("span", { class: "tag", text: RP_PHASE_TEXT[active.phase] ?? active.phase })),
      h(
        "ul",
        { class: "cast" },
        Object.entries(full?.assignments || {}).map(([role, pid]) =>
          h("li", {}, h("span", { class: "help", text: `${roleName(full, role)}: ` }), pid ? names.get(pid) || "A member who has left" : "Played by a facilitator"),
        ),
      ),
      active.debrief.length ? h("ol", {}, active.debrief.map((q) => h("li", { text: q }))) : null,
      h("div", { class: "row" }, buttons),
    );
  } else {
    fill(box);
  }
  byId("rp-form").hidden = Boolean(active);
  byId("compose").hidden = Boolean(active) || view.phase !== "running";
  renderComposeCast();
  const choice = byId("rp-choice");
  if (choice.options.length !== library.role_plays.length) {
    fill(choice, library.role_plays.map((r) => h("option", { value: r.id, text: `${r.title} (${r.area})` })));
  }
  const stepPlay = view.step ? view.agenda[view.step.index].role_play : null;
  if (stepPlay && choice.dataset.step !== String(view.step.index)) {
    choice.value = stepPlay;
    choice.dataset.step = String(view.step.index);
    rosterKey = "";
  }
  renderAssignments();
}

const RP_PHASE_TEXT = { playing: "Playing", debrief: "Debrief" };

/** The name the protocol gives a role (as the form that cast it said), never its id. */
function roleName(rolePlay, role) {
  const spec = library.role_plays.find((r) => r.id === rolePlay?.spec_id);
  return rolePlay?.role_names?.[role] ?? spec?.roles.find((r) => r.id === role)?.name ?? "A role";
}

function renderAssignments() {
  const spec = library.role_plays.find((r) => r.id === byId("rp-choice").value);
  const members = view.participants.filter((p) => p.present);
  const key = JSON.stringify([spec?.id, members.map((m) => [m.id, m.name])]);
  if (key === rosterKey) return;
  rosterKey = key;
  byId("rp-scenario").textContent = spec ? spec.scenario : "";
  const previous = new Map(Array.from(document.querySelectorAll("#rp-roles select"), (s) => [s.dataset.role, s.value]));
  fill(
    byId("rp-roles"),
    (spec?.roles || [])
      .filter((role) => !role.observer)
      .map((role) => {
        const id = `role-${role.id}`;
        const select = h(
          "select",
          { id, "data-role": role.id, "data-key": id },
          h("option", { value: "", text: "Nobody (played by a facilitator)" }),
          members.map((m) => h("option", { value: m.id, text: m.name })),
        );
        select.value = previous.get(role.id) || "";
        return h("p", {}, h("label", { for: id, text: role.name }), select);
      }),
    spec?.roles.some((r) => r.observer) ? h("p", { class: "help", text: "Everyone else gets the observers' card." }) : null,
  );
}

let composeKey = "";

/** The cast choices of the composed role-play: present members, or a facilitator. */
function renderComposeCast() {
  const members = view.participants.filter((p) => p.present);
  const key = JSON.stringify(members.map((m) => [m.id, m.name]));
  if (key === composeKey) return;
  composeKey = key;
  for (const select of document.querySelectorAll(".compose-cast")) {
    const chosen = select.value;
    fill(select, h("option", { value: "", text: "Nobody (played by a facilitator)" }), members.map((m) => h("option", { value: m.id, text: m.name })));
    select.value = members.some((m) => m.id === chosen) ? chosen : "";
  }
}

async function composeRolePlay(event) {
  event.preventDefault();
  const value = (id) => byId(id).value.trim();
  const payload = {
    situation: value("compose-situation"),
    other_role: value("compose-other"),
    relation: value("compose-relation"),
    member_card: value("compose-member-card"),
    other_card: value("compose-other-card"),
    area: byId("compose-area").value,
    assignments: { member: byId("compose-member").value || null, other: byId("compose-cast-other").value || null },
  };
  if ((await command("compose_role_play", payload, "compose")).ok) showCompose(false);
}

function showCompose(open) {
  byId("compose-form").hidden = !open;
  byId("compose-toggle").setAttribute("aria-expanded", String(open));
}

// -- the fidelity checklist and the decision before the group -------------------------

// The record on screen, so that a later view does not undo ticks not yet saved.
let fidelityShown = "";

function renderFidelity() {
  offerTab("tab-fidelity", view.phase !== "lobby");
  const record = view.fidelity;
  const key = JSON.stringify([view.checklist, record]);
  if (key !== fidelityShown) {
    fidelityShown = key;
    fill(
      byId("fidelity-items"),
      view.checklist.map((text, index) => {
        const id = `fidelity-${index}`;
        return h(
          "li",
          { class: "check" },
          h("input", { type: "checkbox", id, "data-index": String(index), "data-key": id, checked: Boolean(record?.items[index]?.done) }),
          h("label", { for: id, text }),
        );
      }),
    );
    byId("fidelity-reflection").value = record?.reflection ?? "";
  }
  byId("fidelity-status").textContent = record ? `Saved at ${timeOf(record.at)}${record.by ? ` by ${record.by}` : ""}.` : "Not saved yet.";
}

async function saveFidelity(event) {
  event.preventDefault();
  const done = Array.from(document.querySelectorAll("#fidelity-items input:checked"), (box) => Number(box.dataset.index));
  await command("record_fidelity", { done, reflection: byId("fidelity-reflection").value.trim() }, "fidelity");
}

const DECISION_TEXT = { join: "joins the group", refer: "referred elsewhere" };

/** At the meeting before the group: each member's decision, and buttons to record it. */
function decisionControls(member) {
  if (!view.pre_group) return null;
  const decided = view.decisions?.[member.id];
  const refer = () => {
    const note = prompt(`Where is ${member.name} referred, or why?`);
    if (note && note.trim()) command("record_decision", { participant_id: member.id, decision: "refer", note: note.trim() }, `member-${member.id}`);
  };
  return [
    decided ? h("span", { class: "tag", text: DECISION_TEXT[decided.decision] ?? decided.decision }) : null,
    h("button", { type: "button", class: "quiet small", "data-key": `join-${member.id}`, "aria-label": `${member.name} joins the group`, text: "Joins", on: { click: () => command("record_decision", { participant_id: member.id, decision: "join", note: "" }, `member-${member.id}`) } }),
    h("button", { type: "button", class: "quiet small", "data-key": `refer-${member.id}`, "aria-label": `Refer ${member.name} elsewhere`, text: "Refer", on: { click: refer } }),
  ];
}

function renderAgenda() {
  const current = view.step?.index;
  let planned = 0;
  fill(
    byId("agenda"),
    view.agenda.map((step, index) => {
      planned += step.minutes;
      const used = elapsed(index);
      return h(
        "li",
        { "aria-current": index === current ? "step" : false },
        h(
          "button",
          {
            type: "button",
            "data-key": `jump-${index}`,
            disabled: view.phase !== "running",
            on: { click: () => command("jump_to_step", { index }, "agenda") },
          },
          h("span", {}, `${index + 1}. ${step.title}`, step.poll ? " · poll" : "", step.role_play ? " · role-play" : ""),
          h("span", { class: "mins" }, h("span", { class: "used", text: used ? clockText(used) : "" }), ` / ${step.minutes} min`),
        ),
      );
    }),
  );
  byId("agenda-total").textContent = `Planned in all: ${planned} minutes. Select a step to jump to it.`;
}

// The support sound is this device's choice, off until the facilitator turns it on.
const SOUND_KEY = "facilitator.supportSound";
// Support requests already on screen: only a new one sounds, never those a reload finds.
let heardSupport = null;
let audio = null;

function soundOn() {
  try {
    return localStorage.getItem(SOUND_KEY) === "on";
  } catch {
    return false;
  }
}

function setSound(on) {
  try {
    localStorage.setItem(SOUND_KEY, on ? "on" : "off");
  } catch {
    // Storage refused (a private window): the choice lasts for this page only.
  }
  // A browser lets a page make sound only after a click: make the context now.
  if (on) audio ??= new (window.AudioContext || window.webkitAudioContext)();
}

/** Two short tones, made in the page: no file is fetched, nothing plays in the room. */
function chime() {
  audio ??= new (window.AudioContext || window.webkitAudioContext)();
  const now = audio.currentTime;
  for (const [offset, pitch] of [[0, 880], [0.22, 660]]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = pitch;
    gain.gain.setValueAtTime(0.0001, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.2);
    tone.connect(gain).connect(audio.destination);
    tone.start(now + offset);
    tone.stop(now + offset + 0.21);
  }
}

function soundForSupport() {
  const waiting = view.signals.filter((s) => s.kind === "support" && !s.acknowledged).map((s) => s.id);
  const fresh = heardSupport === null ? [] : waiting.filter((id) => !heardSupport.has(id));
  heardSupport = new Set([...(heardSupport ?? []), ...waiting]);
  if (fresh.length && byId("support-sound").checked) {
    try {
      chime();
    } catch {
      // No audio on this device: the request still stands out on screen.
    }
  }
}

function renderSignals() {
  soundForSupport();
  // Newest first, but support requests not yet acknowledged above everything else.
  const waiting = (s) => (s.kind === "support" && !s.acknowledged ? 0 : 1);
  const signals = [...view.signals].reverse().sort((a, b) => waiting(a) - waiting(b));
  byId("no-signals").hidden = signals.length > 0;
  fill(
    byId("signals"),
    signals.map((s) =>
      h(
        "li",
        { class: s.kind === "support" && !s.acknowledged ? "signal signal-support" : "signal", "data-signal": s.id },
        h("span", { class: "signal-text" }, h("strong", { text: s.name }), ` ${KIND_TEXT[s.kind] || s.kind} · ${timeOf(s.at)} `),
        s.acknowledged
          ? h("span", { class: "tag", text: "seen" })
          : h("button", {
              type: "button",
              class: "small",
              "data-key": `ack-${s.id}`,
              text: "Acknowledge",
              "aria-label": `Acknowledge: ${s.name} ${KIND_TEXT[s.kind] || s.kind}`,
              "aria-describedby": `error-signal-${s.id}`,
              on: { click: () => command("acknowledge_signal", { signal_id: s.id }, `signal-${s.id}`) },
            }),
        errorSlot(`signal-${s.id}`),
      ),
    ),
  );
  const open = view.signals.filter((s) => !s.acknowledged).length;
  const support = view.signals.filter((s) => !s.acknowledged && s.kind === "support").length;
  byId("signals-title").textContent = support
    ? `Private signals: ${support} asking for support`
    : open
      ? `Private signals (${open} new)`
      : "Private signals";
  byId("signals-title").classList.toggle("support-waiting", support > 0);
}

function renderRoster() {
  // Those in the session first; those who left or were removed after them, dimmed.
  const members = [...view.participants].sort((a, b) => b.present - a.present);
  const here = members.filter((m) => m.present);
  const open = view.polls.find((p) => p.phase === "open");
  byId("add-member-box").hidden = view.phase === "ended";
  byId("roster-count").textContent = `${here.filter((m) => m.connected).length} connected of ${here.length}`;
  // Remove and erase are rare and for good: offered on each line only when asked for.
  const managing = byId("manage-members").getAttribute("aria-pressed") === "true";
  byId("roster").classList.toggle("managing", managing);
  byId("answered").hidden = !open;
  byId("answered").textContent = open ? `${open.count} of ${open.of ?? membersPresent()} answered the open poll` : "";
  fill(
    byId("roster"),
    members.map((m) => {
      // A member without a phone is never connected: "no phone" says why, not "away".
      const state = m.removed ? ["removed", "gone"] : !m.present ? ["left", "gone"] : m.no_phone ? ["no phone", ""] : m.connected ? ["here", ""] : ["away", "away"];
      const place = `member-${m.id}`;
      return h(
        "li",
        { class: m.present ? "member" : "member gone", "data-member": m.id },
        h("span", { class: "member-name", text: m.name }),
        h("span", { class: "member-tags" }, h("span", { class: `tag ${state[1]}`, text: state[0] }), open && m.present ? h("span", { class: m.answered ? "tag answered" : "tag not-yet", text: m.answered ? "answered" : "not yet" }) : null),
        h(
          "span",
          { class: "member-actions" },
          decisionControls(m),
          m.present && managing
            ? h("button", { type: "button", class: "quiet small", "data-key": `remove-${m.id}`, "aria-label": `Remove ${m.name}`, "aria-describedby": `error-${place}`, text: "Remove", on: { click: () => remove(m) } })
            : null,
          m.erased || !me || !managing
            ? null
            : h("button", { type: "button", class: "quiet small", "data-key": `erase-${m.id}`, "aria-label": `Erase data of ${m.name}`, "aria-describedby": `error-${place}`, text: "Erase data", on: { click: () => erase(m) } }),
        ),
        errorSlot(place),
      );
    }),
  );
}

async function addMember(event) {
  event.preventDefault();
  const name = byId("add-member-name");
  const ack = await command("add_member", { name: name.value.trim() || null }, "add-member");
  if (ack.ok) name.value = "";
}

function remove(member) {
  if (confirm(`Remove ${member.name} from this session?`)) command("remove_participant", { participant_id: member.id }, `member-${member.id}`);
}

/** Erase a member who asked for it: their name and named answers leave the records. */
async function erase(member) {
  const asked = `Erase ${member.name}'s data? Their name and named answers are removed for good (a member of the course: from the whole course). Their phone leaves the session.`;
  if (!confirm(asked)) return;
  const path = `/api/sessions/${encodeURIComponent(sessionId)}/participants/${encodeURIComponent(member.id)}/erase`;
  try {
    await api(path, { method: "POST", body: {}, csrf: me.csrf_token });
    sayAt(`member-${member.id}`, "");
  } catch (error) {
    sayAt(`member-${member.id}`, `Not erased. ${sentence(error.message)}`);
  }
}

function renderNotes() {
  fill(
    byId("notes"),
    [...view.notes].reverse().map((n) => {
      const step = n.step !== null && n.step !== undefined ? `, step ${n.step + 1}` : "";
      // Who wrote it, once more than one facilitator may have.
      const by = n.by ? `, ${n.by}` : "";
      return h("li", {}, h("span", { class: "help", text: `${timeOf(n.at)}${step}${by}: ` }), h("span", { class: "note-text", text: n.text }));
    }),
  );
}

// -- a meeting of a course: its members and the member round --------------------------

function renderCourse() {
  const course = view.course;
  offerTab("tab-course", Boolean(course));
  const inRound = Boolean(course) && view.phase === "running" && view.step?.kind === "member_round";
  byId("round").hidden = !inRound;
  if (!course) return;
  byId("course-page").href = `/course/${encodeURIComponent(course.id)}`;
  const members = course.members ?? [];
  fill(byId("course-members"), members.length ? members.map(courseMember) : h("li", { class: "help", text: "Nobody has joined the course yet." }));
  if (inRound) renderRound(course, members);
}

/** What a member brings to this meeting: areas, goal, and last week's step. */
function memberAbout(member) {
  const areas = (member.areas ?? []).map((a) => AREA_TEXT[a] ?? a).join(", ");
  const step = member.last_step;
  const tried = step ? (step.tried ? TRIED_TEXT[step.tried] ?? step.tried : "not reviewed yet") : "";
  return [
    areas ? h("p", {}, h("span", { class: "help", text: "Area: " }), areas) : null,
    member.goal ? h("p", {}, h("span", { class: "help", text: "Goal: " }), h("span", { class: "note-text", text: member.goal })) : null,
    step ? h("p", {}, h("span", { class: "help", text: `Last step (meeting ${step.n}): ` }), h("span", { class: "note-text", text: step.text }), " ", h("span", { class: "tag", text: tried })) : null,
  ];
}

function courseMember(member) {
  const missed = member.missed_in_a_row ?? 0;
  return h(
    "li",
    { class: "course-member", "data-member": member.id },
    h(
      "p",
      { class: "row" },
      h("strong", { text: member.name }),
      h("span", { class: `tag ${member.present_now ? "" : "gone"}`, text: member.present_now ? "here now" : "not here" }),
      member.flag ? h("span", { class: "tag away", text: `Check in with this member: missed ${missed} in a row` }) : null,
      // A member who came without a phone: brought in as themselves, for interviews.
      !member.present_now && view.phase !== "ended"
        ? h("button", { type: "button", class: "quiet small", "data-key": `here-${member.id}`, "aria-label": `Here without a phone: ${member.name}`, text: "Here without a phone", on: { click: () => command("add_member", { member_id: member.id }, `course-${member.id}`) } })
        : null,
    ),
    errorSlot(`course-${member.id}`),
    memberAbout(member),
  );
}

function renderRound(course, members) {
  const round = course.round;
  const member = round ? members.find((m) => m.id === round.member_id) : null;
  const of = round?.of ?? members.filter((m) => m.present_now).length;
  byId("round-count").textContent = round ? `Member ${round.index + 1}${of ? ` of ${of}` : ""}` : "The round has not started.";
  byId("round-name").textContent = member ? member.name : round ? "A member who has left" : "Next member starts the round";
  fill(byId("round-about"), member ? memberAbout(member) : null);
  byId("round-previous").disabled = !round || round.index === 0;
}

// -- facilitators ---------------------------------------------------------------------

/** This device's part in the session: owner, co-facilitator, or null when unknown. */
function myPart() {
  if (!me?.user || !team.owner) return null;
  if (me.user === team.owner) return { owner: true, mayExport: true };
  const entry = team.co_facilitators.find((c) => c.user === me.user);
  return entry ? { owner: false, mayExport: Boolean(entry.may_export) } : null;
}

function renderFacilitators() {
  const part = myPart();
  const owner = Boolean(part?.owner);
  const you = (user) => (me?.user === user ? h("span", { class: "tag", text: "you" }) : null);
  fill(
    byId("facilitator-list"),
    team.owner ? h("li", { class: "row", "data-user": team.owner }, h("span", { text: team.owner }), h("span", { class: "tag", text: "owner" }), you(team.owner)) : null,
    team.co_facilitators.map((c) =>
      h(
        "li",
        { class: "row", "data-user": c.user },
        h("span", { text: c.user }),
        h("span", { class: "tag", text: "co-facilitator" }),
        c.may_export ? h("span", { class: "tag", text: "may export" }) : null,
        you(c.user),
        owner
          ? [
              h("button", {
                type: "button",
                class: "quiet small",
                "data-key": `facilitator-export-${c.user}`,
                text: c.may_export ? "Stop exports" : "Allow exports",
                "aria-label": `${c.may_export ? "Stop exports for" : "Allow exports for"} ${c.user}`,
                on: { click: () => setExport(c.user, !c.may_export) },
              }),
              h("button", {
                type: "button",
                class: "quiet small",
                "data-key": `facilitator-remove-${c.user}`,
                text: "Remove",
                "aria-label": `Remove ${c.user} as a facilitator`,
                on: { click: () => removeFacilitator(c.user) },
              }),
            ]
          : null,
      ),
    ),
  );
  byId("invite-form").hidden = !owner;
  byId("facilitators-note").textContent = facilitatorsNote(part);
  // Exports are the owner's, and those co-facilitators' the owner let export.
  const exports = Boolean(part?.mayExport);
  byId("exports-title").hidden = !exports;
  byId("exports").hidden = !exports;
  byId("note-label").textContent = team.co_facilitators.length ? "Note (only the facilitators of this session see it)" : "Note (only you see it)";
}

function facilitatorsNote(part) {
  if (!me) return "You are not signed in on this device, so this list cannot be changed here.";
  if (!part) return "";
  if (part.owner) return team.co_facilitators.length ? "" : "Nobody else runs this session.";
  const exports = part.mayExport ? " You may export it." : "";
  return `You run this session with ${team.owner}.${exports} Only ${team.owner} can delete it or change who runs it.`;
}

const facilitatorPath = (user) => `/api/sessions/${encodeURIComponent(sessionId)}/facilitators/${encodeURIComponent(user)}`;

/** A server message as a sentence: a capital first, a full stop last. */
function sentence(text) {
  const trimmed = String(text || "").trim();
  if (!trimmed) return "";
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Why a change of the facilitators was refused, in words (the error shape's code). */
function facilitatorRefusal(error, method, user) {
  if (error.status === undefined) return "No answer from the server. Check the list, then try again.";
  switch (error.code) {
    case "unauthenticated":
    case "401":
      return "Your sign-in has ended. Sign in again to change who runs this session.";
    case "csrf":
      return "This page has expired. Reload it and try again.";
    case "forbidden":
      return "Only the owner of this session can change who runs it.";
    case "not_found":
      return method === "PUT" ? `There is no facilitator account called ${user}.` : `${user} does not run this session.`;
    case "invalid":
      return user === team.owner ? "You own this session already. Invite another facilitator account." : `Not changed: ${sentence(error.message)}`;
    case "rate_limited":
      return "Too many changes at once. Wait a moment and try again.";
    default:
      return `Not changed: ${sentence(error.message)}`;
  }
}

/** Send one change of the facilitators; say the outcome beside the form. */
async function changeFacilitators(method, user, body, done) {
  if (teamBusy) return false;
  byId("facilitators-error").textContent = "";
  byId("facilitators-done").textContent = "";
  teamBusy = true;
  try {
    const reply = await api(facilitatorPath(user), { method, body, csrf: me.csrf_token });
    team = { owner: reply.owner, co_facilitators: reply.co_facilitators ?? [] };
    // Said only now: the server has it.
    byId("facilitators-done").textContent = done;
    return true;
  } catch (error) {
    byId("facilitators-error").textContent = facilitatorRefusal(error, method, user);
    return false;
  } finally {
    teamBusy = false;
    keepingFocus(renderFacilitators);
  }
}

async function invite(event) {
  event.preventDefault();
  const user = byId("invite-user").value.trim();
  const mayExport = byId("invite-export").checked;
  if (!user) {
    byId("facilitators-done").textContent = "";
    byId("facilitators-error").textContent = "Type the user name of a facilitator account.";
    byId("invite-user").focus();
    return;
  }
  const before = team.co_facilitators.find((c) => c.user === user);
  const done = !before
    ? `${user} now runs this session with you${mayExport ? " and may export it" : ""}.`
    : before.may_export === mayExport
      ? `${user} already runs this session with you.`
      : exportDone(user, mayExport);
  if (await changeFacilitators("PUT", user, { may_export: mayExport }, done)) {
    byId("invite-user").value = "";
    byId("invite-export").checked = false;
  }
}

function exportDone(user, mayExport) {
  return mayExport ? `${user} may now export this session.` : `${user} may no longer export this session.`;
}

function setExport(user, mayExport) {
  changeFacilitators("PUT", user, { may_export: mayExport }, exportDone(user, mayExport));
}

function removeFacilitator(user) {
  if (!confirm(`Remove ${user} as a facilitator of this session? Their console closes at once.`)) return;
  changeFacilitators("DELETE", user, undefined, `${user} no longer runs this session.`);
}

// -- the tabs of the less-used panels, and the join QR code ----------------------------

const tabs = () => Array.from(document.querySelectorAll('#region-more [role="tab"]'));

/** Show the panel of `tab` and hide the others (the tabs pattern: one in the Tab order). */
function selectTab(tab, focus = false) {
  for (const each of tabs()) {
    const chosen = each === tab;
    each.setAttribute("aria-selected", String(chosen));
    each.tabIndex = chosen ? 0 : -1;
    byId(each.getAttribute("aria-controls")).hidden = !chosen;
  }
  if (focus) tab.focus();
}

/** Offer a tab only while its panel has something to show; leave it if it was chosen. */
function offerTab(id, offered) {
  const tab = byId(id);
  tab.hidden = !offered;
  if (!offered && tab.getAttribute("aria-selected") === "true") selectTab(byId("tab-agenda"));
}

function wireTabs() {
  for (const tab of tabs()) tab.addEventListener("click", () => selectTab(tab));
  byId("region-more")
    .querySelector('[role="tablist"]')
    .addEventListener("keydown", (event) => {
      const shown = tabs().filter((tab) => !tab.hidden);
      const at = shown.indexOf(document.activeElement);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: shown.length - 1 }[event.key];
      if (to === undefined || at < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      // Here the arrows move between the tabs, not between the steps of the session.
      event.stopPropagation();
      selectTab(shown[(to + shown.length) % shown.length], true);
    });
}

/** Open the join QR code over the console, drawn once for the session's address. */
function showQr() {
  if (!joinAddress) return;
  if (!qrDrawn) {
    drawQr(byId("qr"), joinAddress, `QR code for ${joinAddress}`);
    byId("qr-address").textContent = new URL("/join", joinAddress).href;
    qrDrawn = true;
  }
  byId("qr-dialog").showModal();
}

// -- the end of this console ----------------------------------------------------------

/** The session was deleted, or this facilitator no longer runs it: say so, show nothing. */
function stopped(message) {
  say("");
  byId("console-grid").hidden = true;
  // Nobody joins a session this console no longer runs: its code and QR code go too.
  byId("qr-dialog").close();
  byId("join-box").hidden = true;
  byId("ended-text").textContent = message;
  byId("ended").hidden = false;
  byId("status").textContent = message;
  if (view) document.title = `${view.title} - Console stopped`;
}

// -- controls -------------------------------------------------------------------------

function wire() {
  wireTabs();
  byId("qr-open").addEventListener("click", showQr);
  byId("start").addEventListener("click", () => command("start_session", {}, "step"));
  byId("next").addEventListener("click", () => command("next_step", {}, "step"));
  byId("previous").addEventListener("click", () => command("previous_step", {}, "step"));
  byId("end").addEventListener("click", () => {
    if (confirm("End the session for everyone?")) command("end_session", {}, "step");
  });
  byId("lock").addEventListener("click", () => command(view?.locked ? "unlock_joining" : "lock_joining", {}, "lock"));
  byId("open-poll-form").addEventListener("submit", (event) => {
    event.preventDefault();
    command("open_poll", { poll: byId("poll-choice").value }, "open-poll");
  });
  byId("enter-answer-form").addEventListener("submit", enterAnswer);
  byId("add-member-form").addEventListener("submit", addMember);
  byId("manage-members").addEventListener("click", (event) => {
    const pressed = event.currentTarget.getAttribute("aria-pressed") !== "true";
    event.currentTarget.setAttribute("aria-pressed", String(pressed));
    if (view) keepingFocus(renderRoster);
  });
  byId("support-sound").checked = soundOn();
  byId("support-sound").addEventListener("change", (event) => setSound(event.target.checked));
  byId("rp-choice").addEventListener("change", () => renderAssignments());
  byId("rp-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const assignments = {};
    for (const select of document.querySelectorAll("#rp-roles select")) assignments[select.dataset.role] = select.value || null;
    command("push_role_play", { role_play: byId("rp-choice").value, assignments }, "rp");
  });
  byId("prompt-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = byId("prompt-text").value.trim();
    if (text && (await command("push_prompt", { text }, "prompt")).ok) byId("prompt-text").value = "";
  });
  byId("prompt-clear").addEventListener("click", () => command("clear_prompt", {}, "prompt"));
  byId("round-next").addEventListener("click", () => command("member_round_next", {}, "round"));
  byId("round-previous").addEventListener("click", () => command("member_round_previous", {}, "round"));
  byId("invite-form").addEventListener("submit", invite);
  byId("compose-form").addEventListener("submit", composeRolePlay);
  byId("compose-toggle").addEventListener("click", () => showCompose(byId("compose-form").hidden));
  byId("fidelity-form").addEventListener("submit", saveFidelity);
  byId("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = byId("note-text").value.trim();
    if (text && (await command("add_note", { text }, "note")).ok) byId("note-text").value = "";
  });
  document.addEventListener("keydown", (event) => {
    if (!view || live?.stopped || typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (document.querySelector("dialog[open]")) return;
    const key = event.key;
    if ((key === "n" || key === "N" || key === "ArrowRight") && !byId("next").disabled) {
      event.preventDefault();
      command("next_step", {}, "step");
    } else if ((key === "p" || key === "P" || key === "ArrowLeft") && !byId("previous").disabled) {
      event.preventDefault();
      command("previous_step", {}, "step");
    }
  });
  setInterval(tick, 1000);
}

async function start() {
  // A course page opens a meeting's console with a token in the address's fragment (never
  // sent to a server): out of the address bar and the history, like the sign-in link's.
  // This page asks for its own token below, with the facilitator's sign-in.
  if (new URLSearchParams(location.hash.slice(1)).has("token")) history.replaceState(null, "", location.pathname);
  wire();
  // Who is signed in decides what the facilitators panel and the exports offer; without
  // an answer the console still runs, and the panel only shows.
  const [links, signedIn] = await Promise.all([
    api(`/api/sessions/${encodeURIComponent(sessionId)}/links`),
    api("/api/me").catch(() => null),
  ]);
  me = signedIn;
  byId("join-code").textContent = links.join_code;
  byId("qr-code").textContent = links.join_code;
  joinAddress = links.join_url;
  byId("join-url").textContent = links.join_url;
  byId("join-url").href = links.join_url;
  byId("display-link").href = `/display/${encodeURIComponent(sessionId)}#token=${encodeURIComponent(links.display_token)}`;
  const base = `/api/sessions/${encodeURIComponent(sessionId)}/export`;
  byId("export-log").href = `${base}/log.jsonl`;
  byId("export-csv").href = `${base}/results.csv`;
  byId("export-summary").href = `${base}/summary.html`;
  let loaded = null;
  // The language the role-play library was loaded in: loaded again when the session's changes.
  let libraryLanguage = null;
  live = new Live({
    token: links.console_token,
    onView: async (v) => {
      view = v;
      if (loaded === null || libraryLanguage !== v.language) {
        libraryLanguage = v.language;
        const query = v.language ? `?language=${encodeURIComponent(v.language)}` : "";
        loaded = api(`/api/protocols/${encodeURIComponent(v.protocol_id)}${query}`).then((data) => {
          library = data;
          rosterKey = "";
        }).catch((error) => say(`The role-play library could not be loaded: ${error.message}`));
      }
      await loaded;
      render();
    },
    onStatus: (state, pending, trouble) => {
      byId("status").textContent = statusText(state, 0, trouble);
      byId("status").className = `status ${state}`;
    },
    onRefused: (error) => say(error.message),
    onEnded: (event, message) => stopped(message),
  }).start();
}

start().catch((error) => {
  if (error.status === 401) location.assign("/login");
  else say(error.message);
});
