// The facilitator's console: agenda and clock, script note, polls, role-plays,
// roster, private signals and notes, links and exports, and who runs the session. In a
// meeting of a course, also the course's members and the member round.

import { actionId, api, byId, clockText, fill, h } from "./dom.js";
import { dateTime, load, number, parts, t, tn } from "./i18n.js";
import { Live, serverClock, statusText } from "./live.js";
import { drawQr } from "./qr.js";
import { answerText, resultsChart, wordCloud } from "./results.js";
import { patched } from "./view_patch.js";

const sessionId = decodeURIComponent(location.pathname.split("/").pop());

/** A member's signal as a line: their name (an element) and the time it came. */
function signalLine(kind, params) {
  if (kind === "pass") return parts("{name} passes this turn · {time}", params);
  if (kind === "break") return parts("{name} needs a break · {time}", params);
  if (kind === "support") return parts("{name} needs support · {time}", params);
  return parts("{name} sent a signal · {time}", params);
}

/** The name of the button that acknowledges a signal. */
function acknowledgeLabel(kind, name) {
  if (kind === "pass") return t("Acknowledge: {name} passes this turn", { name });
  if (kind === "break") return t("Acknowledge: {name} needs a break", { name });
  if (kind === "support") return t("Acknowledge: {name} needs support", { name });
  return t("Acknowledge: {name} sent a signal", { name });
}

/** A problem area of IPT in words (the protocol names it by its id). */
function areaText(area) {
  const text = { grief: t("grief"), disputes: t("disputes"), transitions: t("life changes"), isolation: t("isolation") }[area];
  return text ?? area;
}

/** Whether a member tried last week's step, in words. */
function triedText(tried) {
  return { yes: t("tried it"), partly: t("tried it partly"), no: t("did not try it") }[tried] ?? tried;
}

/** A time of day from the server's epoch seconds, as the reader writes it. */
function timeOf(epoch) {
  return dateTime(new Date(epoch * 1000), { hour: "2-digit", minute: "2-digit" });
}

/** An element holding words that are not the interface's (a name, a protocol's text). */
function content(text, tag = "span", attrs = {}) {
  return h(tag, { ...attrs, "data-content": true, text });
}

/** A server's sentence, {text, params}, in the page's language; else its English. */
function said(why, english) {
  return why ? t(why.text, why.params) : english;
}

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

/**
 * Say something about the whole page (the connection, the library), not one control.
 * `server` marks text that is the server's own words, shown as it sent them.
 */
function say(text, server = false) {
  byId("message").textContent = text;
  byId("message").toggleAttribute("data-content", server && Boolean(text));
}

// What went wrong with a command, said beside the control that sent it: by the key of
// its place (a fixed one such as "step", or one per poll, member or signal). Kept here
// because lists are redrawn by every view, and their message with them.
const refusals = new Map();

/** Say `text` beside the controls of `place` ("" clears it); `server`: the server's words. */
function sayAt(place, text, server = false) {
  if (text) refusals.set(place, { text, server });
  else refusals.delete(place);
  const slots = document.querySelectorAll(`[data-error="${CSS.escape(place)}"]`);
  for (const slot of slots) {
    slot.textContent = text;
    slot.toggleAttribute("data-content", server && Boolean(text));
  }
  // A place no longer on screen (its poll or member gone): the page says it instead.
  if (slots.length === 0 && text) say(text, server);
}

/** The message line of `place`, for controls drawn with each view. */
function errorSlot(place) {
  // Polite, not an alert: a slot is redrawn with every view, and must not be read out
  // again each time; sayAt changes its text in place, which is read out once.
  const said = refusals.get(place);
  return h("p", { class: "error", id: `error-${place}`, "data-error": place, "aria-live": "polite", "data-content": Boolean(said?.server), text: said?.text ?? "" });
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
  if (live.stopped) return { ok: false, error: { code: "ended", message: t("This console has stopped.") } };
  const sent = { ...payload, command_id: actionId(), version: shownVersion };
  let ack = await live.emit(event, sent);
  for (const delay of RETRY_DELAYS_MS) {
    if (ack.ok || live.stopped || !RETRYABLE.has(ack.error?.code)) break;
    sayAt(place, t("Not saved yet; trying again…"));
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
    sayAt(place, t("The session changed; check and try again."));
    await resync();
  } else if (RETRYABLE.has(ack.error.code)) {
    sayAt(place, t("Not saved. {reason} Try again.", { reason: sentence(ack.error.message) }));
  } else sayAt(place, sentence(ack.error.message), true);
  return ack;
}

/** Fetch the session as it is now and show it. */
async function resync() {
  const ack = await live.emit("sync", {});
  if (ack.ok && ack.view) live.applyView(ack.view, true);
}

// The whole view asked for after a patch that did not fit, while it is on its way.
let resyncing = null;

/**
 * Apply a `view_patch` to the view on screen; one made for another view than this one
 * (a patch was missed) fetches the whole view instead.
 */
function onPatch(message) {
  if (!view || message.revision === view.revision) return;
  const next = patched(view, message);
  if (next) live.applyView(next, true);
  else if (!resyncing) resyncing = resync().finally(() => (resyncing = null));
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
  document.title = t("{title} - Console", { title: view.title });
  byId("session-title").textContent = view.title;
  byId("phase").textContent = { lobby: t("Not started"), running: t("Running"), ended: t("Ended") }[view.phase];
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
  byId("prompt-now").textContent = view.prompt ? t("Showing now: {text}", { text: view.prompt.text }) : t("No prompt is showing.");
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
  byId("step-count").textContent = step ? t("Step {n} of {of}", { n: step.index + 1, of: step.of ?? step.count }) : view.phase === "ended" ? t("Ended") : t("Not started");
  byId("step-title").textContent = step ? step.title : view.phase === "ended" ? t("The session has ended") : t("Ready to start");
  byId("step-title").toggleAttribute("data-content", Boolean(step)); // the protocol's words
  byId("planned").textContent = step ? tn("of {count} min planned", "of {count} min planned", step.minutes) : "";
  const note = agendaStep ? agendaStep.note : view.agenda[0]?.note || "";
  byId("script").textContent = note || t("No script note for this step.");
  byId("script").toggleAttribute("data-content", Boolean(note));
  byId("start").hidden = view.phase !== "lobby";
  // Before the start there is nowhere to move: Start session stands alone.
  byId("previous").hidden = view.phase === "lobby";
  byId("next").hidden = view.phase === "lobby";
  byId("start").disabled = false;
  byId("previous").disabled = view.phase !== "running" || !step || step.index === 0;
  byId("next").disabled = view.phase !== "running" || !step || step.index >= view.agenda.length - 1;
  byId("end").disabled = view.phase === "ended";
  byId("lock").textContent = view.locked ? t("Unlock joining") : t("Lock joining");
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
  byId("over").textContent = over ? t("Over time by {time}", { time: clockText(spent - planned) }) : "";
  const current = document.querySelector('#agenda [aria-current="step"] .used');
  if (current && step) current.textContent = clockText(spent);
}

// What a facilitator may record as done for a risk alert, in the order offered.
const ACTIONS = ["spoke_with_them", "safety_plan", "referred", "emergency_services", "other"];

function actionText(action) {
  const text = {
    spoke_with_them: t("Spoke with them"),
    safety_plan: t("Safety plan made"),
    referred: t("Referred"),
    emergency_services: t("Emergency services"),
    other: t("Other (say what)"),
  }[action];
  return text ?? action;
}
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
    ? tn("Risk alert: speak with this member now", "Risk alerts: speak with these members now", open.length)
    : carried.length
      ? t("Risk alert from an earlier meeting: record what was done")
      : t("Risk alerts: an action is recorded for each");
  byId("risk-steps").hidden = waiting === 0;
  // Risk alerts waiting (each with its form) take the larger share of the column.
  byId("people").classList.toggle("urgent", waiting > 0);
  fill(byId("risk-list"), open.map((a) => riskItem(a, "record_risk_action", [alertWords(a), ".", a.total === undefined ? null : [" ", t("Total {total}", { total: a.total }), a.band ? content(` (${a.band})`) : null, "."]].flat(Infinity))));
  byId("risk-carried-box").hidden = carried.length === 0;
  fill(byId("risk-carried"), carried.map((a) => riskItem(a, "record_course_risk_action", carriedWords(a))));
  const safety = view.safety || { script: [], contacts_note: "", supervisor_contact: "" };
  fill(byId("safety-script"), safety.script.map((line) => h("li", { text: line })));
  byId("safety-contacts").textContent = safety.contacts_note;
  byId("supervisor-contact").hidden = !safety.supervisor_contact;
  byId("supervisor-contact").textContent = safety.supervisor_contact ? t("Supervisor: {contact}", { contact: safety.supervisor_contact }) : "";
  byId("risk-done-box").hidden = done.length === 0;
  byId("risk-done-title").textContent = t("Recorded ({count})", { count: done.length });
  fill(
    byId("risk-done"),
    done.map((a) =>
      h(
        "li",
        { "data-alert": a.id },
        content(a.name, "strong"),
        " ",
        alertWords(a),
        " · ",
        actionText(a.action),
        a.note ? [": ", content(a.note)] : null,
        " · ",
        t("{user} at {time}", { user: a.acted_by, time: timeOf(a.acted_at) }),
      ),
    ),
  );
}

/** What an answer that raised an alert said: the instrument's words, and the score. */
function scoreWords(a) {
  return [
    a.score === null ? null : [", ", t("scored {score} of {max}", { score: a.score, max: a.max_score })],
    a.meaning ? content(` ("${a.meaning}")`) : null,
  ].flat(Infinity);
}

/** An instrument's item as the server names it ("item 9"), in the page's language. */
function itemText(item) {
  const [, number, rest] = /^item (\d+)(: .*)?$/s.exec(String(item)) || [];
  if (!number) return [content(String(item))];
  return [t("item {number}", { number: Number(number) }), rest ? content(rest) : null];
}

function alertWords(a) {
  return [content(a.instrument), ", ", ...itemText(a.item), ": ", content(a.item_text), ...scoreWords(a)];
}

function carriedWords(a) {
  return [
    t("Meeting {n}", { n: a.n }),
    a.meeting ? content(` (${a.meeting})`) : null,
    ": ",
    content(a.instrument), ", ", ...itemText(a.item),
    ...scoreWords(a),
    ".",
  ];
}

function riskItem(a, eventName, words) {
  const draft = (riskDrafts[a.id] ||= { action: "spoke_with_them", note: "" });
  const action = h(
    "select",
    { id: `risk-action-${a.id}`, on: { change: (event) => (draft.action = event.target.value) } },
    ACTIONS.map((value) => h("option", { value, text: actionText(value), selected: value === draft.action })),
  );
  const note = h("input", { id: `risk-note-${a.id}`, maxlength: "500", value: draft.note, on: { input: (event) => (draft.note = event.target.value) } });
  const place = `risk-${a.id}`;
  const form = h(
    "form",
    {
      class: "row",
      "aria-label": t("What was done for {name}", { name: a.name }),
      on: {
        submit: async (event) => {
          event.preventDefault();
          const ack = await command(eventName, { alert_id: a.id, action: draft.action, note: draft.note }, place);
          if (ack.ok) delete riskDrafts[a.id];
        },
      },
    },
    h("label", { for: `risk-action-${a.id}`, text: t("What was done") }),
    action,
    h("label", { for: `risk-note-${a.id}`, text: t("Note") }),
    note,
    h("button", { type: "submit", class: "primary", text: t("Record"), "aria-describedby": `error-${place}` }),
  );
  return h(
    "li",
    { "data-alert": a.id },
    h("p", {}, parts("{name} · {time}", { name: content(a.name, "strong"), time: timeOf(a.at ?? a.raised_at) })),
    h("p", { class: "risk-words" }, words),
    form,
    errorSlot(place),
  );
}

function renderPolls() {
  const choice = byId("poll-choice");
  const stepPoll = view.step ? view.agenda[view.step.index].poll : null;
  if (choice.options.length !== library.polls.length) {
    fill(choice, library.polls.map((p) => h("option", { value: p.id, text: p.anonymous ? t("{question} (anonymous)", { question: p.question }) : t("{question} (named)", { question: p.question }) })));
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

function phaseText(phase) {
  return { open: t("Open"), closed: t("Closed"), revealed: t("Results revealed") }[phase] ?? phase;
}
// The earlier polls whose results the facilitator opened, kept open across redraws.
const openResults = new Set();

/** One poll: what it asks, how many answered, its controls, and what it may show. */
function pollItem(poll, inHand) {
  const place = `poll-${poll.poll_id}`;
  const of = poll.of ?? membersPresent();
  const privacy = poll.facilitator_only
    ? t("Only for the facilitators")
    : poll.anonymous
      ? tn("Anonymous; results can show from {count} answer", "Anonymous; results can show from {count} answers", poll.threshold)
      : t("Named");
  const state = [h("span", { class: "tag", text: phaseText(poll.phase) })];
  if (poll.shown) state.push(" ", h("span", { class: "tag shown", text: view.results_pinned ? t("On the display, pinned") : t("On the display") }));
  const results = pollResults(poll);
  const pieces = [
    h("p", { class: "poll-question" }, content(poll.question, "strong")),
    h("p", { class: "help poll-state" }, state, " ", h("span", { class: "answered-count", text: tn("{count} of {of} answered", "{count} of {of} answered", poll.count, { of }) }), ` · ${privacy}`),
    pollControls(poll, place),
    errorSlot(place),
  ];
  if (results.length && inHand) pieces.push(...results);
  else if (results.length) {
    const key = poll.poll_id;
    const details = h("details", { class: "poll-results", open: openResults.has(key) }, h("summary", { text: t("Results") }), results);
    details.addEventListener("toggle", () => (details.open ? openResults.add(key) : openResults.delete(key)));
    pieces.push(details);
  }
  return h("li", { class: inHand ? "poll in-hand" : "poll", "data-poll": poll.poll_id }, pieces);
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
  if (poll.phase === "open") controls.push(button("close", t("Close poll"), "close_poll", { poll_id: id }));
  if (poll.phase !== "revealed" && !poll.facilitator_only) {
    const blocked = Boolean(poll.reveal_blocked);
    const attrs = { disabled: blocked, "aria-describedby": blocked ? `${reason} error-${place}` : `error-${place}` };
    // Short answers are read through (and words hidden) before the room sees any; other
    // anonymous results may be looked at first. Named answers are on the console already.
    const review = poll.type === "short_text";
    const reveal = [button("reveal", t("Reveal to the room"), "reveal_poll", { poll_id: id, show: true }, { ...attrs, class: review ? null : "primary" })];
    if (review || poll.anonymous) {
      reveal.push(button("review", review ? t("Review the words first") : t("See the results here first"), "reveal_poll", { poll_id: id, show: false }, { ...attrs, class: review ? "primary" : null }));
    }
    // Why Reveal is disabled, right under it.
    // The reason is the server's words.
    controls.push(h("div", { class: "reveal-group" }, h("div", { class: "row" }, reveal), blocked ? h("p", { class: "reason", id: reason, text: said(poll.reveal_blocked_why, poll.reveal_blocked) }) : null));
  }
  if (poll.phase === "revealed" && !poll.facilitator_only) {
    if (poll.shown) {
      controls.push(button("hide", t("Hide from the display"), "hide_results", {}));
      const pinned = Boolean(view.results_pinned);
      controls.push(button("pin", pinned ? t("Unpin") : t("Keep shown across steps"), "pin_results", { pinned: !pinned }));
    } else controls.push(button("show", t("Show on the display"), "show_results", { poll_id: id }, { class: "primary" }));
  }
  // "Reopen", not "Reopen poll": a name holding "Open poll" would answer for that button too.
  if (poll.can_reopen) controls.push(button("reopen", t("Reopen"), "reopen_poll", { poll_id: id }, { "aria-label": t("Reopen the poll: {question}", { question: poll.question }) }));
  // A facilitator-only poll, once closed: why it never goes to the room.
  if (poll.facilitator_only && poll.phase !== "open" && poll.reveal_blocked) controls.push(h("p", { class: "reason", text: said(poll.reveal_blocked_why, poll.reveal_blocked) }));
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
    h("p", { class: "help", text: hidden ? t("Words the room sees: {shown} of {all}. Hidden words never reach the display or the phones.", { shown: words.length - hidden, all: words.length }) : t("Hide any word the room should not see before you show them.") }),
    h(
      "ul",
      { class: "plain word-list", "aria-label": t("Words answered to: {question}", { question: poll.question }) },
      words.map((w) =>
        h(
          "li",
          { class: w.hidden ? "word hidden-word" : "word", "data-word": w.word },
          content(w.word, "span", { class: "word-text" }),
          h("span", { class: "n", text: tn("{count} answer", "{count} answers", w.count) }),
          w.hidden ? h("span", { class: "tag gone", text: t("hidden") }) : null,
          h("button", {
            type: "button",
            class: "quiet small",
            "data-key": `word-${poll.poll_id}-${w.word}`,
            // The name starts with the visible text, for those who speak to their computer.
            "aria-label": w.hidden ? t("Show again the word {word}", { word: w.word }) : t("Hide the word {word}", { word: w.word }),
            "aria-describedby": `error-${place}`,
            text: w.hidden ? t("Show again") : t("Hide"),
            on: { click: () => command("hide_word", { poll_id: poll.poll_id, word: w.word, hidden: !w.hidden }, place) },
          }),
        ),
      ),
    ),
    // The cloud as the room will see it: hidden words left out.
    hidden < words.length ? [h("p", { class: "help", text: t("What the room sees:") }), wordCloud(words)] : h("p", { class: "help", text: t("Every word is hidden: the room would see none.") }),
  );
}

/** What the facilitator sees of a poll's answers: the chart, or each named answer. */
function pollResults(poll) {
  const pieces = [];
  if (poll.summary?.words && !poll.facilitator_only) pieces.push(wordList(poll));
  if (poll.anonymous) {
    if (!poll.summary) {
      if (poll.phase === "revealed") pieces.push(h("p", { class: "help", text: t("Too few answers to show results.") }));
    } else if (!poll.summary.words) pieces.push(resultsChart(poll, poll.summary));
  } else if (poll.answers?.length) {
    pieces.push(
      h(
        "ul",
        { class: "named-answers" },
        poll.answers.map((a) =>
          h(
            "li",
            {},
            content(a.name, "strong"),
            ": ",
            content(answerText(poll, a)),
            a.band ? content(` (${a.band})`) : "",
            // The space outside the message: the English was one string with it.
            a.entered_by ? [" ", h("span", { class: "entered", text: t("(entered by {name}, by interview)", { name: a.entered_by }) })] : "",
          ),
        ),
      ),
    );
  }
  if (poll.bands?.length && poll.anonymous && poll.summary) {
    const bands = poll.bands.map((b) => `${b.min}-${b.max} ${b.label}`).join("; ");
    pieces.push(h("p", { class: "help" }, parts("Bands: {bands}", { bands: content(bands) })));
  }
  // The instrument's name and its source, as the protocol gives them.
  if (poll.attribution) pieces.push(content(`${poll.title}: ${poll.attribution}`, "p", { class: "help attribution" }));
  return pieces;
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
        suggestionWords(s),
        " ",
        library.polls.some((p) => p.id === s.suggest)
          ? h("button", { type: "button", "data-key": `suggest-${s.participant_id}-${s.poll_id}`, text: t("Choose {poll}", { poll: s.suggest_title }), on: { click: () => (byId("poll-choice").value = s.suggest) } })
          : "",
      ),
    ),
  );
}

/** A suggestion in a sentence: the instruments' names and bands are the protocol's words. */
function suggestionWords(s) {
  const words = { instrument: content(s.instrument), next: content(s.suggest_title) };
  if (s.participant_id) {
    const member = { ...words, name: content(s.name, "strong"), total: number(s.total) };
    return s.band
      ? parts("{name}: {instrument} total {total} ({band}). Suggested next: {next}.", { ...member, band: content(s.band) })
      : parts("{name}: {instrument} total {total}. Suggested next: {next}.", member);
  }
  const group = { ...words, positive: number(s.positive), of: number(s.of) };
  return s.band
    ? parts("{instrument}: {positive} of {of} totals are a {band}. Suggested next: offer each member the {next}, asked by name.", { ...group, band: content(s.band) })
    : parts("{instrument}: {positive} of {of} totals are a positive screen. Suggested next: offer each member the {next}, asked by name.", group);
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
  fill(member, waiting.map((m) => h("option", { value: m.id, text: m.name, selected: m.id === chosen, "data-content": true })));
  form.dataset.poll = poll.poll_id;
  const fields = byId("enter-fields");
  if (fields.dataset.poll !== poll.poll_id) {
    fields.dataset.poll = poll.poll_id;
    fill(fields, ENTRY_FIELDS[poll.type].fields(poll));
    sayAt("enter", "");
    byId("enter-done").textContent = "";
  }
}

// The questions and options are the protocol's words; "(choose)" is the console's.
function choiceSelect(id, label, options) {
  return h("p", {}, content(label, "label", { for: id }), " ", h("select", { id, "data-entry": "" }, h("option", { value: "", text: t("(choose)") }), options.map((text, i) => h("option", { value: String(i), text, "data-content": true }))));
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
    fields: (poll) => [h("p", {}, h("label", { for: "enter-item-0" }, parts("{question} ({min} to {max})", { question: content(poll.question), min: number(poll.min), max: number(poll.max) })), " ", h("input", { id: "enter-item-0", type: "number", min: String(poll.min), max: String(poll.max), "data-entry": "" }))],
    value: ([el]) => (el.value === "" ? null : Number(el.value)),
  },
  short_text: {
    fields: (poll) => [h("p", {}, content(poll.question, "label", { for: "enter-item-0" }), " ", h("input", { id: "enter-item-0", maxlength: String(poll.max_length), "data-entry": "" }))],
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
    sayAt("enter", t("Enter an answer to every question first."));
    return;
  }
  byId("enter-done").textContent = "";
  const ack = await command("enter_answer", { poll_id: poll.poll_id, participant_id: byId("enter-member").value, value }, "enter");
  if (!ack.ok) return;
  for (const el of document.querySelectorAll("#enter-fields [data-entry]")) el.value = "";
  byId("enter-done").textContent = t("Answer entered.");
}

function renderRolePlay() {
  const active = view.role_play;
  const box = byId("rp-active");
  if (active) {
    const buttons = [];
    if (active.phase === "playing") buttons.push(h("button", { type: "button", "data-key": "debrief", text: t("Start debrief"), on: { click: () => command("start_debrief", { role_play_id: active.id }, "rp") } }));
    buttons.push(h("button", { type: "button", "data-key": "end-rp", text: t("End role-play"), on: { click: () => command("end_role_play", { role_play_id: active.id }, "rp") } }));
    buttons.push(h("button", { type: "button", "data-key": "reverse-rp", id: "reverse-rp", text: t("Reverse roles"), on: { click: () => command("reverse_role_play", { role_play_id: active.id }, "rp") } }));
    const full = view.role_plays.find((r) => r.id === active.id);
    const names = new Map(view.participants.map((p) => [p.id, p.name]));
    fill(
      box,
      h("p", {}, content(active.title, "strong"), " ", h("span", { class: "tag", text: rolePlayPhaseText(active.phase) })),
      h(
        "ul",
        { class: "cast" },
        Object.entries(full?.assignments || {}).map(([role, pid]) =>
          h("li", {}, content(`${roleName(full, role)}: `, "span", { class: "help" }), castName(pid, names)),
        ),
      ),
      active.debrief.length ? h("ol", { "data-content": true }, active.debrief.map((q) => h("li", { text: q }))) : null,
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
    fill(choice, library.role_plays.map((r) => h("option", { value: r.id, text: t("{title} ({area})", { title: r.title, area: areaText(r.area) }) })));
  }
  const stepPlay = view.step ? view.agenda[view.step.index].role_play : null;
  if (stepPlay && choice.dataset.step !== String(view.step.index)) {
    choice.value = stepPlay;
    choice.dataset.step = String(view.step.index);
    rosterKey = "";
  }
  renderAssignments();
}

function rolePlayPhaseText(phase) {
  return { playing: t("Playing"), debrief: t("Debrief") }[phase] ?? phase;
}

/** Who plays a role: a member's name (theirs), or the console's words. */
function castName(pid, names) {
  if (!pid) return t("Played by a facilitator");
  const name = names.get(pid);
  return name ? content(name) : t("A member who has left");
}

/** The name the protocol gives a role (as the form that cast it said), never its id. */
function roleName(rolePlay, role) {
  const spec = library.role_plays.find((r) => r.id === rolePlay?.spec_id);
  return rolePlay?.role_names?.[role] ?? spec?.roles.find((r) => r.id === role)?.name ?? t("A role");
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
          h("option", { value: "", text: t("Nobody (played by a facilitator)") }),
          members.map((m) => h("option", { value: m.id, text: m.name, "data-content": true })),
        );
        select.value = previous.get(role.id) || "";
        return h("p", {}, content(role.name, "label", { for: id }), select);
      }),
    spec?.roles.some((r) => r.observer) ? h("p", { class: "help", text: t("Everyone else gets the observers' card.") }) : null,
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
    fill(select, h("option", { value: "", text: t("Nobody (played by a facilitator)") }), members.map((m) => h("option", { value: m.id, text: m.name, "data-content": true })));
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
          content(text, "label", { for: id }),
        );
      }),
    );
    byId("fidelity-reflection").value = record?.reflection ?? "";
  }
  byId("fidelity-status").textContent = !record
    ? t("Not saved yet.")
    : record.by
      ? t("Saved at {time} by {user}.", { time: timeOf(record.at), user: record.by })
      : t("Saved at {time}.", { time: timeOf(record.at) });
}

async function saveFidelity(event) {
  event.preventDefault();
  const done = Array.from(document.querySelectorAll("#fidelity-items input:checked"), (box) => Number(box.dataset.index));
  await command("record_fidelity", { done, reflection: byId("fidelity-reflection").value.trim() }, "fidelity");
}

function decisionText(decision) {
  return { join: t("joins the group"), refer: t("referred elsewhere") }[decision] ?? decision;
}

/** At the meeting before the group: each member's decision, and buttons to record it. */
function decisionControls(member) {
  if (!view.pre_group) return null;
  const decided = view.decisions?.[member.id];
  const refer = () => {
    const note = prompt(t("Where is {name} referred, or why?", { name: member.name }));
    if (note && note.trim()) command("record_decision", { participant_id: member.id, decision: "refer", note: note.trim() }, `member-${member.id}`);
  };
  return [
    decided ? h("span", { class: "tag", text: decisionText(decided.decision) }) : null,
    h("button", { type: "button", class: "quiet small", "data-key": `join-${member.id}`, "aria-label": t("{name} joins the group", { name: member.name }), text: t("Joins"), on: { click: () => command("record_decision", { participant_id: member.id, decision: "join", note: "" }, `member-${member.id}`) } }),
    h("button", { type: "button", class: "quiet small", "data-key": `refer-${member.id}`, "aria-label": t("Refer {name} elsewhere", { name: member.name }), text: t("Refer"), on: { click: refer } }),
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
          h("span", {}, content(`${index + 1}. ${step.title}`), step.poll ? [" · ", t("poll")] : "", step.role_play ? [" · ", t("role-play")] : ""),
          h("span", { class: "mins" }, h("span", { class: "used", text: used ? clockText(used) : "" }), " / ", tn("{count} min", "{count} min", step.minutes)),
        ),
      );
    }),
  );
  byId("agenda-total").textContent = tn("Planned in all: {count} minute. Select a step to jump to it.", "Planned in all: {count} minutes. Select a step to jump to it.", planned);
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
        // The space after the line: the English had it there, before the button.
        h("span", { class: "signal-text" }, signalLine(s.kind, { name: content(s.name, "strong"), time: timeOf(s.at) }), " "),
        s.acknowledged
          ? h("span", { class: "tag", text: t("seen") })
          : h("button", {
              type: "button",
              class: "small",
              "data-key": `ack-${s.id}`,
              text: t("Acknowledge"),
              "aria-label": acknowledgeLabel(s.kind, s.name),
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
    ? tn("Private signals: {count} asking for support", "Private signals: {count} asking for support", support)
    : open
      ? tn("Private signals ({count} new)", "Private signals ({count} new)", open)
      : t("Private signals");
  byId("signals-title").classList.toggle("support-waiting", support > 0);
}

function renderRoster() {
  // Those in the session first; those who left or were removed after them, dimmed.
  const members = [...view.participants].sort((a, b) => b.present - a.present);
  const here = members.filter((m) => m.present);
  const open = view.polls.find((p) => p.phase === "open");
  byId("add-member-box").hidden = view.phase === "ended";
  byId("roster-count").textContent = tn("{count} connected of {of}", "{count} connected of {of}", here.filter((m) => m.connected).length, { of: here.length });
  // Remove and erase are rare and for good: offered on each line only when asked for.
  const managing = byId("manage-members").getAttribute("aria-pressed") === "true";
  byId("roster").classList.toggle("managing", managing);
  byId("answered").hidden = !open;
  byId("answered").textContent = open ? tn("{count} of {of} answered the open poll", "{count} of {of} answered the open poll", open.count, { of: open.of ?? membersPresent() }) : "";
  fill(
    byId("roster"),
    members.map((m) => {
      // A member without a phone is never connected: "no phone" says why, not "away".
      const state = m.removed ? [t("removed"), "gone"] : !m.present ? [t("left"), "gone"] : m.no_phone ? [t("no phone"), ""] : m.connected ? [t("here"), ""] : [t("away"), "away"];
      const place = `member-${m.id}`;
      return h(
        "li",
        { class: m.present ? "member" : "member gone", "data-member": m.id },
        content(m.name, "span", { class: "member-name" }),
        h("span", { class: "member-tags" }, h("span", { class: `tag ${state[1]}`, text: state[0] }), open && m.present ? h("span", { class: m.answered ? "tag answered" : "tag not-yet", text: m.answered ? t("answered") : t("not yet") }) : null),
        h(
          "span",
          { class: "member-actions" },
          decisionControls(m),
          m.present && managing
            ? h("button", { type: "button", class: "quiet small", "data-key": `remove-${m.id}`, "aria-label": t("Remove {name}", { name: m.name }), "aria-describedby": `error-${place}`, text: t("Remove"), on: { click: () => remove(m) } })
            : null,
          m.erased || !me || !managing
            ? null
            : h("button", { type: "button", class: "quiet small", "data-key": `erase-${m.id}`, "aria-label": t("Erase data of {name}", { name: m.name }), "aria-describedby": `error-${place}`, text: t("Erase data"), on: { click: () => erase(m) } }),
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
  if (confirm(t("Remove {name} from this session?", { name: member.name }))) command("remove_participant", { participant_id: member.id }, `member-${member.id}`);
}

/** Erase a member who asked for it: their name and named answers leave the records. */
async function erase(member) {
  const asked = t("Erase {name}'s data? Their name and named answers are removed for good (a member of the course: from the whole course). Their phone leaves the session.", { name: member.name });
  if (!confirm(asked)) return;
  const path = `/api/sessions/${encodeURIComponent(sessionId)}/participants/${encodeURIComponent(member.id)}/erase`;
  try {
    await api(path, { method: "POST", body: {}, csrf: me.csrf_token });
    sayAt(`member-${member.id}`, "");
  } catch (error) {
    sayAt(`member-${member.id}`, t("Not erased. {reason}", { reason: sentence(error.message) }));
  }
}

function renderNotes() {
  fill(
    byId("notes"),
    [...view.notes].reverse().map((n) => {
      // Who wrote it, once more than one facilitator may have.
      return h("li", {}, h("span", { class: "help", text: noteHead(n) }), " ", content(n.text, "span", { class: "note-text" }));
    }),
  );
}

/** When a note was written, at which step, and by whom. */
function noteHead(n) {
  const params = { time: timeOf(n.at), step: (n.step ?? -1) + 1, user: n.by };
  const atStep = n.step !== null && n.step !== undefined;
  if (atStep && n.by) return t("{time}, step {step}, {user}:", params);
  if (atStep) return t("{time}, step {step}:", params);
  if (n.by) return t("{time}, {user}:", params);
  return t("{time}:", params);
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
  fill(byId("course-members"), members.length ? members.map(courseMember) : h("li", { class: "help", text: t("Nobody has joined the course yet.") }));
  if (inRound) renderRound(course, members);
}

/** What a member brings to this meeting: areas, goal, and last week's step. */
function memberAbout(member) {
  const areas = (member.areas ?? []).map(areaText).join(", ");
  const step = member.last_step;
  const tried = step ? (step.tried ? triedText(step.tried) : t("not reviewed yet")) : "";
  return [
    areas ? h("p", {}, h("span", { class: "help", text: t("Area:") }), " ", areas) : null,
    member.goal ? h("p", {}, h("span", { class: "help", text: t("Goal:") }), " ", content(member.goal, "span", { class: "note-text" })) : null,
    step ? h("p", {}, h("span", { class: "help", text: t("Last step (meeting {n}):", { n: step.n }) }), " ", content(step.text, "span", { class: "note-text" }), " ", h("span", { class: "tag", text: tried })) : null,
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
      content(member.name, "strong"),
      h("span", { class: `tag ${member.present_now ? "" : "gone"}`, text: member.present_now ? t("here now") : t("not here") }),
      member.flag ? h("span", { class: "tag away", text: tn("Check in with this member: missed {count} in a row", "Check in with this member: missed {count} in a row", missed) }) : null,
      // A member who came without a phone: brought in as themselves, for interviews.
      !member.present_now && view.phase !== "ended"
        ? h("button", { type: "button", class: "quiet small", "data-key": `here-${member.id}`, "aria-label": t("Here without a phone: {name}", { name: member.name }), text: t("Here without a phone"), on: { click: () => command("add_member", { member_id: member.id }, `course-${member.id}`) } })
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
  byId("round-count").textContent = !round
    ? t("The round has not started.")
    : of
      ? t("Member {n} of {of}", { n: round.index + 1, of })
      : t("Member {n}", { n: round.index + 1 });
  byId("round-name").textContent = member ? member.name : round ? t("A member who has left") : t("Next member starts the round");
  byId("round-name").toggleAttribute("data-content", Boolean(member));
  fill(byId("round-about"), member ? memberAbout(member) : null);
  byId("round-previous").disabled = !round || round.index === 0;
}

// -- facilitators ---------------------------------------------------------------------

// Asked again with each view while unknown: a sign-in answer lost on a bad network would
// otherwise hide the owner's controls until a reload.
let askingWho = null;
let askedWhoAt = 0;
function askWhoIsSignedIn() {
  if (askingWho || Date.now() - askedWhoAt < 5000) return;
  askedWhoAt = Date.now();
  askingWho = api("/api/me")
    .then((who) => {
      me = who;
      if (view) render();
    })
    .catch(() => null)
    .finally(() => (askingWho = null));
}

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
  const you = (user) => (me?.user === user ? h("span", { class: "tag", text: t("you") }) : null);
  fill(
    byId("facilitator-list"),
    team.owner ? h("li", { class: "row", "data-user": team.owner }, content(team.owner), h("span", { class: "tag", text: t("owner") }), you(team.owner)) : null,
    team.co_facilitators.map((c) =>
      h(
        "li",
        { class: "row", "data-user": c.user },
        content(c.user),
        h("span", { class: "tag", text: t("co-facilitator") }),
        c.may_export ? h("span", { class: "tag", text: t("may export") }) : null,
        you(c.user),
        owner
          ? [
              h("button", {
                type: "button",
                class: "quiet small",
                "data-key": `facilitator-export-${c.user}`,
                text: c.may_export ? t("Stop exports") : t("Allow exports"),
                "aria-label": c.may_export ? t("Stop exports for {user}", { user: c.user }) : t("Allow exports for {user}", { user: c.user }),
                on: { click: () => setExport(c.user, !c.may_export) },
              }),
              h("button", {
                type: "button",
                class: "quiet small",
                "data-key": `facilitator-remove-${c.user}`,
                text: t("Remove"),
                "aria-label": t("Remove {user} as a facilitator", { user: c.user }),
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
  byId("note-label").textContent = team.co_facilitators.length ? t("Note (only the facilitators of this session see it)") : t("Note (only you see it)");
}

function facilitatorsNote(part) {
  if (!me) return t("You are not signed in on this device, so this list cannot be changed here.");
  if (!part) return "";
  if (part.owner) return team.co_facilitators.length ? "" : t("Nobody else runs this session.");
  const owner = team.owner;
  return part.mayExport
    ? t("You run this session with {owner}. You may export it. Only {owner} can delete it or change who runs it.", { owner })
    : t("You run this session with {owner}. Only {owner} can delete it or change who runs it.", { owner });
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
  if (error.status === undefined) return t("No answer from the server. Check the list, then try again.");
  switch (error.code) {
    case "unauthenticated":
    case "401":
      return t("Your sign-in has ended. Sign in again to change who runs this session.");
    case "csrf":
      return t("This page has expired. Reload it and try again.");
    case "forbidden":
      return t("Only the owner of this session can change who runs it.");
    case "not_found":
      return method === "PUT" ? t("There is no facilitator account called {user}.", { user }) : t("{user} does not run this session.", { user });
    case "invalid":
      return user === team.owner ? t("You own this session already. Invite another facilitator account.") : t("Not changed: {reason}", { reason: sentence(error.message) });
    case "rate_limited":
      return t("Too many changes at once. Wait a moment and try again.");
    default:
      return t("Not changed: {reason}", { reason: sentence(error.message) });
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
    byId("facilitators-error").textContent = t("Type the user name of a facilitator account.");
    byId("invite-user").focus();
    return;
  }
  const before = team.co_facilitators.find((c) => c.user === user);
  const done = !before
    ? mayExport
      ? t("{user} now runs this session with you and may export it.", { user })
      : t("{user} now runs this session with you.", { user })
    : before.may_export === mayExport
      ? t("{user} already runs this session with you.", { user })
      : exportDone(user, mayExport);
  if (await changeFacilitators("PUT", user, { may_export: mayExport }, done)) {
    byId("invite-user").value = "";
    byId("invite-export").checked = false;
  }
}

function exportDone(user, mayExport) {
  return mayExport ? t("{user} may now export this session.", { user }) : t("{user} may no longer export this session.", { user });
}

function setExport(user, mayExport) {
  changeFacilitators("PUT", user, { may_export: mayExport }, exportDone(user, mayExport));
}

function removeFacilitator(user) {
  if (!confirm(t("Remove {user} as a facilitator of this session? Their console closes at once.", { user }))) return;
  changeFacilitators("DELETE", user, undefined, t("{user} no longer runs this session.", { user }));
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
    drawQr(byId("qr"), joinAddress, t("QR code for {url}", { url: joinAddress }));
    const address = h("strong", { id: "qr-address", "data-content": true, text: new URL("/join", joinAddress).href });
    byId("qr-how").replaceChildren(...parts("Scan the code, or open {address} and type", { address }));
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
  // The server's words, as it sent them.
  byId("status").textContent = message;
  byId("status").setAttribute("data-content", "");
  if (view) document.title = t("{title} - Console stopped", { title: view.title });
}

// -- controls -------------------------------------------------------------------------

function wire() {
  wireTabs();
  byId("qr-open").addEventListener("click", showQr);
  byId("start").addEventListener("click", () => command("start_session", {}, "step"));
  byId("next").addEventListener("click", () => command("next_step", {}, "step"));
  byId("previous").addEventListener("click", () => command("previous_step", {}, "step"));
  byId("end").addEventListener("click", () => {
    if (confirm(t("End the session for everyone?"))) command("end_session", {}, "step");
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
    on: { view_patch: onPatch },
    onView: async (v) => {
      view = v;
      if (me === null) askWhoIsSignedIn();
      if (loaded === null || libraryLanguage !== v.language) {
        libraryLanguage = v.language;
        const query = v.language ? `?language=${encodeURIComponent(v.language)}` : "";
        loaded = api(`/api/protocols/${encodeURIComponent(v.protocol_id)}${query}`).then((data) => {
          library = data;
          rosterKey = "";
        }).catch((error) => say(t("The role-play library could not be loaded: {reason}", { reason: error.message })));
      }
      await loaded;
      render();
    },
    onStatus: (state, pending, trouble) => {
      byId("status").textContent = statusText(state, 0, trouble);
      byId("status").removeAttribute("data-content");
      byId("status").className = `status ${state}`;
    },
    onRefused: (error) => say(error.message, true),
    onEnded: (event, message) => stopped(message),
  }).start();
}

// Every form here is sent by script. Until the handlers are wired (after the words
// arrive), a press of Enter would send a form the browser's way and reload the page.
document.addEventListener("submit", (event) => {
  if (event.target.method !== "dialog") event.preventDefault();
});

// The console's words in the browser's language, before anything is drawn.
await load("console");

start().catch((error) => {
  if (error.status === 401) location.assign("/login");
  else say(error.message, true);
});
