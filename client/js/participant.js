// The participant's phone: join, follow the step, answer polls, see a private role
// card, send private signals, and reach the crisis resources from every screen.

import { api, byId, dateText, fill, h, sentence } from "./dom.js";
import { Live, loadSocketIo, statusText } from "./live.js";
import { resultsChart } from "./results.js";

const STORE = "facilitator.participant";
// A weekly group's membership: kept for the group's later meetings (the token says how long).
const MEMBERSHIP_STORE = "facilitator.membership";
const CRISIS_STORE = "facilitator.crisis";
const CONSENT_STORE = "facilitator.consent";
// The language this phone chose (a tag), kept for every later session; none: the group's.
const LANGUAGE_STORE = "facilitator.language";
// Every language the server's protocols offer, named in itself: [{tag, name, direction}].
const LANGUAGES_STORE = "facilitator.languages";
const SIGNAL_TEXT = {
  pass: "You passed this turn. The facilitator knows.",
  break: "The facilitator knows you need a break.",
  support: "The facilitator knows you need support and will come to you.",
};

const SEEN_TEXT = {
  pass: "Seen by the facilitator: your pass.",
  break: "Seen by the facilitator: your break.",
  support: "Seen by the facilitator: they know you need support.",
};

let me = load(STORE);
let chosenLanguage = localStorage.getItem(LANGUAGE_STORE) || "";
let knownLanguages = load(LANGUAGES_STORE) || [];
// The language whose crisis text is shown, so that it is fetched again only on a change.
let crisisLanguage = null;
// The kept choice this page has asked the server for, so that it asks once.
let languageAsked = "";
let membership = load(MEMBERSHIP_STORE);
let live = null;
let view = null;
let personal = null;
let crisisShown = false;
// The crisis resources last shown: also shown on the phone once the session has ended.
let crisisResources = null;
let renderedPoll = "";
// Why this phone's answer to one poll was not counted; shown with that poll only.
let pollError = { pollId: "", text: "" };
// Polls whose answer from this phone the server acknowledged, before `personal` says so.
const counted = new Set();

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

/** A join code without the dashes and spaces people type or see it with. */
const canonical = (code) => (code || "").toUpperCase().replace(/[^0-9A-Z]/g, "");

function show(screen) {
  for (const id of ["join-screen", "relink-screen", "waiting-screen", "live-screen", "gone-screen"]) byId(id).hidden = id !== screen;
}

// -- crisis resources: cached on the phone, so they show without a network ----------

function renderCrisis(resources) {
  if (!resources) return;
  crisisResources = resources;
  renderClosedSignals();
  byId("crisis-title").textContent = resources.title;
  byId("crisis-text").textContent = resources.text;
  fill(
    byId("crisis-contacts"),
    resources.contacts.map((c) => h("li", {}, h("strong", { text: c.name }), " ", c.detail)),
  );
}

async function loadCrisis(language = chosenLanguage) {
  if (language === crisisLanguage) return;
  crisisLanguage = language;
  renderCrisis(load(CRISIS_STORE));
  const query = language ? `?language=${encodeURIComponent(language)}` : "";
  try {
    const data = await api("/api/crisis" + query);
    localStorage.setItem(CRISIS_STORE, JSON.stringify(data));
    renderCrisis(data);
  } catch {
    // Offline: the cached or built-in text stays.
  }
}

// After the session ends a signal would reach no one: the phone stops offering them, and
// shows the crisis resources in their place (the contacts that need a live session aside).
function renderClosedSignals() {
  const ended = Boolean(view && view.phase === "ended");
  byId("signals-card").hidden = ended;
  byId("signals-closed").hidden = !ended;
  if (!ended || !crisisResources) return;
  byId("closed-crisis-text").textContent = crisisResources.text;
  const reachable = crisisResources.contacts.filter((c) => !/I need support/.test(c.detail));
  fill(
    byId("closed-crisis-contacts"),
    reachable.map((c) => h("li", {}, h("strong", { text: c.name }), " ", c.detail)),
  );
}

// Says "seen" once the facilitator acknowledged this member's latest signal.
function renderSignalSeen() {
  const mine = personal ? personal.signals || [] : [];
  const latest = mine[mine.length - 1];
  const seen = byId("signal-seen");
  seen.hidden = !latest || !latest.seen;
  seen.textContent = latest && latest.seen ? SEEN_TEXT[latest.kind] || "Seen by the facilitator." : "";
}

function openCrisis() {
  const dialog = byId("crisis");
  if (!dialog.open) dialog.showModal();
}

// -- language: the phone's own, among those the protocol offers -------------------------

function languageName(tag) {
  return knownLanguages.find((l) => l.tag === tag)?.name || tag;
}

/** Show the page in `tag`'s language and direction, as far as the texts shown are in it. */
function markLanguage(tag) {
  if (!tag) return;
  document.documentElement.lang = tag;
  const known = knownLanguages.find((l) => l.tag === tag);
  document.documentElement.dir = known?.direction || "ltr";
}

function renderJoinLanguages() {
  const select = byId("join-language");
  const first = select.options[0];
  fill(select, first, ...knownLanguages.map((l) => h("option", { value: l.tag, text: l.name })));
  select.value = knownLanguages.some((l) => l.tag === chosenLanguage) ? chosenLanguage : "";
}

async function loadLanguages() {
  renderJoinLanguages();
  try {
    const data = await api("/api/languages");
    knownLanguages = data.languages;
    localStorage.setItem(LANGUAGES_STORE, JSON.stringify(knownLanguages));
    renderJoinLanguages();
    if (view) renderLanguage();
  } catch {
    // Offline: the kept list stays.
  }
}

function keepLanguage(tag) {
  chosenLanguage = tag;
  if (tag) localStorage.setItem(LANGUAGE_STORE, tag);
  else localStorage.removeItem(LANGUAGE_STORE);
  markLanguage(tag);
}

function wireLanguages() {
  byId("join-language").addEventListener("change", (event) => keepLanguage(event.target.value));
  byId("live-language").addEventListener("change", async (event) => {
    const tag = event.target.value;
    keepLanguage(tag);
    const note = byId("language-note");
    note.textContent = "";
    languageAsked = tag;
    const ack = await live.emit("choose_language", { language: tag });
    // The server sends this phone its screen in the new language; a refusal is said here.
    if (ack.ok) return;
    languageAsked = "";
    const later = ["offline", "timeout"].includes(ack.error.code);
    // Kept on the phone: sent with the next connection (see settleLanguage).
    note.textContent = later ? "Saved on this phone: it changes once the phone is connected." : `Not changed: ${sentence(ack.error.message)}`;
  });
}

/** The live picker lists the languages this session's protocol offers; the one shown is selected. */
function renderLanguage() {
  const offered = view?.languages || [];
  const card = byId("language-card");
  card.hidden = offered.length < 2;
  const select = byId("live-language");
  const key = `${offered.join(",")}:${knownLanguages.length}`;
  if (select.dataset.offered !== key) {
    select.dataset.offered = key;
    fill(select, ...offered.map((tag) => h("option", { value: tag, text: languageName(tag) })));
  }
  select.value = view.language;
  if (view.language === chosenLanguage) byId("language-note").textContent = "";
  markLanguage(view.language);
  loadCrisis(view.language);
}

/**
 * Bring this page and the server to one language: send a choice kept on this phone that
 * the server does not have yet (a later meeting, say), or follow a choice made on another
 * page of this member, whose views this page's connection must now be sent.
 */
function settleLanguage() {
  if (!personal || !view || !live) return;
  const theirs = personal.chosen_language;
  if (theirs && theirs !== languageAsked && view.language !== personal.language) {
    keepLanguage(theirs);
    askLanguage(theirs);
    return;
  }
  if (!chosenLanguage || languageAsked === chosenLanguage || theirs === chosenLanguage) return;
  if (!(view.languages || []).includes(chosenLanguage)) return;
  askLanguage(chosenLanguage);
}

function askLanguage(tag) {
  languageAsked = tag;
  live.emit("choose_language", { language: tag }).then((ack) => {
    if (!ack.ok) languageAsked = ""; // asked again with the next personal view
  });
}

// -- consent: shown on the join form, agreed to before the server lets a phone in ------

function renderConsent(consent) {
  if (!consent) return;
  byId("consent-title").textContent = consent.title;
  byId("consent-text").textContent = consent.text;
  fill(byId("consent-points"), consent.points.map((point) => h("li", { text: point })));
}

async function loadConsent() {
  renderConsent(load(CONSENT_STORE));
  try {
    const data = await api("/api/consent");
    localStorage.setItem(CONSENT_STORE, JSON.stringify(data));
    renderConsent(data);
  } catch {
    // Offline: the cached or built-in text stays; joining needs the network anyway.
  }
}

/** True when the member ticked their agreement; otherwise say why they cannot join yet. */
function agreed() {
  if (byId("consent-agree").checked) return true;
  byId("join-error").textContent = "Read what the group keeps and who sees it, and tick that you agree, to join.";
  byId("consent-agree").focus();
  return false;
}

// -- joining --------------------------------------------------------------------------

function setUpJoin() {
  wireJoining();
  byId("leave-group").hidden = !membership;
  byId("leave-group-only").addEventListener("click", () => leaveGroup(false));
  byId("leave-group-erase").addEventListener("click", () => leaveGroup(true));
  const params = new URLSearchParams(location.search);
  const code = (params.get("code") || "").trim().toUpperCase();
  // The seat kept on this phone, if it is for the session of the code in the address.
  const kept = me && (!code || canonical(code) === canonical(me.code));
  if (location.hash === "#relink") {
    showRelink();
  } else if (membership) {
    // A member of a weekly group: the server says which meeting is on now.
    attend(code);
  } else if (kept) {
    if (code) history.replaceState(null, "", "/join");
    startLive();
  } else {
    showJoin(code);
  }
}

function showJoin(code = "", note = "") {
  show("join-screen");
  if (code) byId("code").value = code;
  byId("join-error").textContent = note;
  if (code) byId("name").focus();
  byId("join-button").disabled = false;
}

function wireJoining() {
  const button = byId("join-button");
  byId("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const codeValue = byId("code").value.trim().toUpperCase();
    const name = byId("name").value.trim();
    const guest = byId("guest").checked;
    if (!codeValue) {
      byId("join-error").textContent = "Type the code shown in the room.";
      byId("code").focus();
      return;
    }
    if (!agreed()) return;
    button.disabled = true;
    byId("join-error").textContent = "";
    const body = { code: codeValue, consent: true };
    if (name) body.name = name;
    if (chosenLanguage) body.language = chosenLanguage;
    if (guest) body.guest = true;
    let reply;
    try {
      reply = await api("/api/join", { method: "POST", body });
    } catch (error) {
      // Not a session's code (the server says "unknown_code"): it may be a weekly group's own code.
      if (error.code === "unknown_code" && !guest && (await joinCourse(codeValue, name))) return;
      byId("join-error").textContent = navigator.onLine ? sentence(error.message) : "No network. Try again when you are connected.";
      button.disabled = false;
      return;
    }
    // A meeting of a weekly group: this phone is a member from now on.
    keepMembership(reply);
    me = { token: reply.token, session_id: reply.session_id, id: reply.participant_id, name: reply.name, code: codeValue, course: reply.membership ? reply.course_id : undefined };
    localStorage.setItem(STORE, JSON.stringify(me));
    history.replaceState(null, "", "/join");
    startLive();
  });
  for (const link of document.querySelectorAll("[data-relink]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      showRelink();
    });
  }
  byId("relink-back").addEventListener("click", (event) => {
    event.preventDefault();
    history.replaceState(null, "", "/join");
    showJoin();
  });
  byId("waiting-join").addEventListener("click", (event) => {
    event.preventDefault();
    showJoin();
  });
  byId("relink-form").addEventListener("submit", relink);
  byId("attend-retry").addEventListener("click", () => attend());
}

/** Join a weekly group with its own code; true when joined (then on to its meeting). */
async function joinCourse(code, name) {
  try {
    const body = { code, consent: true };
    if (name) body.name = name;
    keepMembership(await api("/api/courses/join", { method: "POST", body }));
  } catch {
    return false;
  }
  history.replaceState(null, "", "/join");
  await attend();
  return true;
}

function keepMembership(reply) {
  if (!reply?.membership) return;
  membership = { membership: reply.membership, course_id: reply.course_id, member_id: reply.member_id, name: reply.name };
  localStorage.setItem(MEMBERSHIP_STORE, JSON.stringify(membership));
  byId("leave-group").hidden = false;
}

function forgetMembership() {
  localStorage.removeItem(MEMBERSHIP_STORE);
  membership = null;
  byId("leave-group").hidden = true;
}

/** A member leaves their weekly group for good, and may ask for their data to be erased. */
async function leaveGroup(erase) {
  const asked = erase
    ? "Leave the group and erase what it keeps about you? This cannot be undone."
    : "Leave the group? Your phone stops joining its meetings.";
  if (!membership || !confirm(asked)) return;
  byId("leave-group-error").textContent = "";
  try {
    await api("/api/courses/leave", { method: "POST", body: { membership: membership.membership, erase } });
  } catch (error) {
    // Already gone from the group (moved to another phone, or withdrawn): nothing to keep.
    if (error.code !== "revoked") {
      byId("leave-group-error").textContent = navigator.onLine ? sentence(error.message) : "No network. Try again when you are connected.";
      return;
    }
  }
  forgetMembership();
  forget("You have left the group", erase ? "What the group kept about you is erased. Thank you for taking part." : "Thank you for taking part.");
}

/** Drop the seat kept for a meeting that is over, with its unsent taps. */
function dropSeat() {
  if (!me) return;
  localStorage.removeItem(outboxKey());
  localStorage.removeItem(screenKey());
  localStorage.removeItem(STORE);
  me = null;
}

function showWaiting(title, { next = "", error = "", retry = true } = {}) {
  show("waiting-screen");
  byId("waiting-title").textContent = title;
  byId("waiting-whoami").textContent = membership?.name ? `You are in the group as ${membership.name}.` : "";
  byId("waiting-next").textContent = next;
  byId("waiting-error").textContent = error;
  byId("attend-retry").hidden = !retry;
  byId("attend-retry").disabled = false;
}

/**
 * Ask the server for the meeting of this phone's group that is on now, and join it.
 * `code` is a session's code from the address, if any: when the group is not meeting,
 * the phone joins with that code instead.
 */
async function attend(code = "") {
  showWaiting("Finding your group's meeting…", { retry: false });
  const kept = me && (!code || canonical(code) === canonical(me.code));
  let reply;
  try {
    reply = await api("/api/courses/attend", { method: "POST", body: { membership: membership.membership } });
  } catch (error) {
    if (error.status === 409) {
      // No meeting now: a seat kept for an earlier meeting is over; one in another
      // session (not the group's) is not.
      if (me?.course) dropSeat();
      else if (kept) return goLive(code);
      if (code) return showJoin(code);
      const next = dateText(error.data?.error?.next_meeting ?? error.data?.next_meeting);
      showWaiting(error.code === "not_meeting" ? "Your group is not meeting right now." : sentence(error.message), {
        next: next ? `The next meeting is on ${next}.` : "",
      });
    } else if (error.status === undefined || error.status >= 500 || error.status === 429) {
      // No network, or the server cannot answer now: a seat kept on this phone still
      // shows the session and keeps taps until the connection is back.
      if (kept) return goLive(code);
      showWaiting("Your group's meeting could not be found just now.", {
        error: error.status === undefined ? "No network. Try again when you are connected." : sentence(error.message),
      });
    } else {
      // Refused for good: the membership moved to another phone, ended, or was withdrawn.
      forgetMembership();
      if (me?.course) dropSeat();
      if (kept && me) return goLive(code);
      showJoin(code, "This phone is no longer linked to your group. Ask your facilitator for a code, or join with the code in the room.");
    }
    return undefined;
  }
  // The same meeting keeps its unsent taps (the member's id is the same); another drops them.
  if (me && me.session_id !== reply.session_id) dropSeat();
  me = { token: reply.token, session_id: reply.session_id, id: reply.participant_id, name: reply.name, code: me?.code ?? "", course: membership.course_id };
  localStorage.setItem(STORE, JSON.stringify(me));
  return goLive("");
}

function goLive(code) {
  if (code) history.replaceState(null, "", "/join");
  startLive();
}

function showRelink() {
  show("relink-screen");
  byId("relink-error").textContent = "";
  byId("relink-code").focus();
}

async function relink(event) {
  event.preventDefault();
  const code = byId("relink-code").value.trim().toUpperCase();
  if (!code) {
    byId("relink-error").textContent = "Type the code your facilitator gave you.";
    byId("relink-code").focus();
    return;
  }
  const button = byId("relink-button");
  button.disabled = true;
  byId("relink-error").textContent = "";
  try {
    keepMembership(await api("/api/courses/relink", { method: "POST", body: { code } }));
  } catch (error) {
    byId("relink-error").textContent =
      error.status === undefined
        ? "No network. Try again when you are connected."
        : error.code === "not_found"
          ? "This code does not work. A code works once, for 15 minutes: ask your facilitator for a new one."
          : sentence(error.message);
    button.disabled = false;
    return;
  }
  button.disabled = false;
  byId("relink-code").value = "";
  history.replaceState(null, "", "/join");
  // A seat kept from another phone's meeting is not this member's any more.
  if (me?.course) dropSeat();
  await attend();
}

function forget(title, text) {
  live?.stop();
  localStorage.removeItem(STORE);
  if (me) {
    localStorage.removeItem(outboxKey());
    localStorage.removeItem(screenKey());
  }
  me = null;
  view = null;
  personal = null;
  // Nothing is connecting any more: no banner may go on saying so.
  clearStatus();
  byId("gone-title").textContent = title;
  byId("gone-text").textContent = sentence(text);
  show("gone-screen");
}

const outboxKey = () => `facilitator.outbox.${me.session_id}.${me.id}`;
// The last screen the server sent this member, shown again after a reload without network.
const screenKey = () => `facilitator.screen.${me.session_id}.${me.id}`;

function keepScreen() {
  if (!me) return;
  try {
    localStorage.setItem(screenKey(), JSON.stringify({ view, personal }));
  } catch {
    // A full storage: the screen is not kept, the session goes on.
  }
}

function restoreScreen() {
  const kept = load(screenKey());
  if (!kept || kept.view?.session_id !== me.session_id) return;
  view = kept.view;
  personal = kept.personal;
  render();
}

function clearStatus() {
  const status = byId("status");
  status.hidden = true;
  status.className = "status";
  status.textContent = "";
}

// -- live -----------------------------------------------------------------------------

function startLive() {
  show("live-screen");
  byId("my-name").textContent = me.name;
  restoreScreen();
  if (!me) return; // the kept screen said this member is gone
  const connection = new Live({
    token: me.token,
    member: true,
    outboxKey: outboxKey(),
    settled: (item) => item.event === "submit_answer" && answeredPoll(item.payload.poll_id),
    onView: (v) => {
      view = v;
      // An answer counted to a poll that closed says nothing once it is reopened: the
      // server's list (personal.answered) says whether it still counts.
      for (const id of counted) if (v.poll?.poll_id !== id) counted.delete(id);
      keepScreen();
      render();
    },
    onPersonal: (p) => {
      personal = p;
      keepScreen();
      render();
      settleLanguage();
    },
    onStatus: (state, pending, trouble) => {
      // Stopped (left, removed, or the session closed) or ended: the screen that replaces
      // this one says why, and no banner may say the phone is still connecting.
      if (connection.stopped) return;
      const status = byId("status");
      status.hidden = (state === "online" && !pending) || state === "ended";
      status.className = `status ${state}`;
      status.textContent = statusText(state, pending, trouble);
      renderPoll();
      renderCourseStep();
    },
    // Only a refusal that ends the membership arrives here (see REFUSALS in live.js).
    onRefused: (error) => forget("You are no longer in this session", error.message),
    // The session was deleted: this phone's place in it is gone, and so is its token.
    onEnded: (event, message) => forget("This session has closed", message),
    onSent: (item, ack) => {
      if (item.event === "submit_answer") {
        if (ack.ok) counted.add(item.payload.poll_id);
        else pollError = { pollId: item.payload.poll_id, text: `Not counted: ${sentence(ack.error.message)}` };
      }
      // The note speaks of the latest tap: while later ones wait, it still says sending.
      const waiting = live.pending().some((p) => p.event === "send_signal");
      if (item.event === "send_signal" && !waiting) byId("signal-note").textContent = signalNote(item.payload.kind, ack);
      if (item.event === "review_step" || item.event === "set_step") courseSent(item, ack);
      renderedPoll = "";
      renderPoll();
      renderCourseStep();
    },
  });
  live = connection;
  connection.start();
  wireCourseStep();
  for (const button of document.querySelectorAll("[data-signal]")) {
    button.addEventListener("click", () => {
      live.queue("send_signal", { kind: button.dataset.signal });
      // Said only once the server has it (see onSent): until then it is on its way.
      byId("signal-note").textContent = "Sending…";
    });
  }
  byId("leave").addEventListener("click", async () => {
    if (!confirm("Leave this session? You would need the code to join again.")) return;
    const ack = await live.emit("leave_session", {});
    if (ack.ok) forget("You have left the session", "Thank you for taking part.");
    else byId("signal-note").textContent = sentence(ack.error.message);
  });
}

function signalNote(kind, ack) {
  if (ack.ok) return SIGNAL_TEXT[kind];
  // The facilitator has this member's earlier signals of this kind, not yet acknowledged.
  if (ack.error.code === "too_many_signals") return `${SIGNAL_TEXT[kind]} Your earlier signal is still with them.`;
  return `Not sent: ${sentence(ack.error.message)}`;
}

function render() {
  if (personal && (personal.removed || !personal.present)) {
    // Not removed: they left, from this phone or another tab of it.
    if (personal.removed) forget("You are no longer in this session", "The facilitator removed you from this session.");
    else forget("You have left the session", "Thank you for taking part.");
    return;
  }
  if (personal) {
    byId("my-name").textContent = personal.name;
    byId("crisis-banner").hidden = !personal.crisis;
    if (personal.crisis && !crisisShown) {
      crisisShown = true;
      openCrisis();
    }
  }
  if (!view) return;
  document.title = view.title;
  const title = byId("session-title");
  title.textContent = view.title;
  // Cut to one line on screen; the whole title on a long press.
  title.title = view.title;
  const ended = view.phase === "ended";
  const step = ended ? null : view.step;
  byId("step-count").textContent = step ? `Step ${step.index + 1} of ${step.of ?? step.count}` : "";
  byId("step-title").textContent = step ? step.title : view.phase === "ended" ? "The session has ended" : "Waiting to start";
  byId("phase-note").textContent =
    view.phase === "lobby" ? "You are in. The facilitator will start soon." : view.phase === "ended" ? "Thank you for taking part." : "";
  const prompt = byId("prompt");
  prompt.hidden = !view.prompt;
  prompt.textContent = view.prompt ? view.prompt.text : "";
  renderPoll();
  renderResults();
  renderRole();
  renderCourseStep();
  renderClosedSignals();
  renderSignalSeen();
  renderLanguage();
}

// The results the facilitator shows the room: at most one poll's, gone once hidden.
function renderResults() {
  const section = byId("results");
  const shown = view?.results?.at(-1);
  const chart = shown ? resultsChart(shown, shown.summary) : null;
  section.hidden = !chart;
  if (!chart) {
    fill(byId("results-body"));
    return;
  }
  byId("results-title").textContent = shown.question;
  const count = shown.summary.count;
  fill(byId("results-body"), chart, h("p", { class: "help", text: count === 1 ? "1 answer" : `${count} answers` }));
}

// -- a weekly group: last week's step, and this week's ------------------------------

// The outcome of this phone's review and step, once the server answered (never before).
let reviewDone = null;
// The step asked about, still shown once the server no longer asks (answered).
let reviewText = "";
let stepOutcome = null;
// The member is writing a step: the text box is theirs, not the server's.
let stepEdited = false;

function pendingOf(event) {
  return live?.pending().filter((item) => item.event === event) ?? [];
}

/** What a tap still on the phone waits for, by the connection's state. */
function waitingTap() {
  if (live?.state === "online") return "Sending…";
  if (live?.state === "retrying") return "Saved on this phone; it will be sent as soon as the server can take it.";
  return "Saved on this phone; it will be sent when you are back online.";
}

function courseSent(item, ack) {
  if (item.event === "review_step") {
    reviewDone = ack.ok ? { tried: item.payload.tried } : { error: `Not saved: ${sentence(ack.error.message)}` };
  } else {
    stepOutcome = ack.ok ? { text: item.payload.text } : { error: `Not saved: ${sentence(ack.error.message)}`, text: item.payload.text };
    // Refused: the text goes back into the box, so that nothing typed is lost.
    if (!ack.ok) {
      byId("step-text").value = item.payload.text;
      stepEdited = true;
    } else stepEdited = false;
  }
}

function renderCourseStep() {
  const course = personal?.course;
  const section = byId("course-step");
  if (!course) {
    section.hidden = true;
    return;
  }
  const review = renderReview(course);
  const step = renderStepForm(course);
  section.hidden = !review && !step;
}

function renderReview(course) {
  const toReview = course.step_to_review;
  const waiting = pendingOf("review_step");
  const box = byId("review");
  if (!toReview && !waiting.length && !reviewDone) {
    box.hidden = true;
    return false;
  }
  box.hidden = false;
  if (toReview) reviewText = toReview.text;
  const text = reviewText;
  byId("review-question").textContent = text ? `Last time you chose: ${text}. Did you try it?` : "Did you try last time's step?";
  const answered = waiting.length > 0 || (reviewDone && !reviewDone.error);
  byId("review-buttons").hidden = answered;
  const note = byId("review-note");
  if (waiting.length) note.textContent = waitingTap();
  else if (reviewDone?.error) note.textContent = reviewDone.error;
  else if (reviewDone) note.textContent = "Thank you. Your answer is in.";
  else note.textContent = "";
  return true;
}

function renderStepForm(course) {
  const form = byId("step-form");
  const waiting = pendingOf("set_step");
  const open = Boolean(course.step_open);
  form.hidden = !open && !waiting.length;
  if (form.hidden) return false;
  const box = byId("step-text");
  const saved = course.my_step?.text ?? "";
  if (!stepEdited && document.activeElement !== box) box.value = waiting.at(-1)?.payload.text ?? saved;
  const note = byId("step-note");
  const error = byId("step-error");
  error.textContent = stepOutcome?.error && !waiting.length ? stepOutcome.error : "";
  if (waiting.length) note.textContent = waitingTap();
  else if (stepOutcome && !stepOutcome.error) note.textContent = "Your step is saved. Next time you will be asked how it went.";
  else if (saved && !stepEdited) note.textContent = "Your step is saved.";
  else note.textContent = "";
  byId("step-save").textContent = saved ? "Save the change" : "Save my step";
  return true;
}

function wireCourseStep() {
  for (const button of document.querySelectorAll("[data-tried]")) {
    button.addEventListener("click", () => {
      reviewText = personal?.course?.step_to_review?.text ?? reviewText;
      reviewDone = null;
      live.queue("review_step", { tried: button.dataset.tried });
      renderCourseStep();
    });
  }
  byId("step-text").addEventListener("input", () => {
    stepEdited = true;
    stepOutcome = null;
    byId("step-note").textContent = "";
  });
  byId("step-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = byId("step-text").value.trim();
    if (!text) {
      byId("step-error").textContent = "Write one small thing you will try.";
      byId("step-text").focus();
      return;
    }
    if (text.length > 500) {
      byId("step-error").textContent = "Keep it under 500 characters.";
      return;
    }
    stepOutcome = null;
    stepEdited = false;
    live.queue("set_step", { text });
    renderCourseStep();
  });
}

// -- polls ----------------------------------------------------------------------------

function answeredPoll(pollId) {
  return counted.has(pollId) || Boolean(personal?.answered.includes(pollId));
}

/** What the poll says of an answer still on the phone, by the connection's state. */
function waitingNote() {
  if (live?.state === "online") return "Sending your answer…";
  if (live?.state === "retrying") return "Your answer is saved on this phone and will be sent as soon as the server can take it.";
  return "Your answer is saved on this phone and will be sent when you are back online.";
}

function pendingAnswer(pollId) {
  return live?.pending().some((item) => item.event === "submit_answer" && item.payload.poll_id === pollId);
}

function renderPoll() {
  const section = byId("poll");
  const poll = view?.poll;
  if (!poll) {
    section.hidden = true;
    renderedPoll = "";
    fill(section);
    return;
  }
  section.hidden = false;
  const answered = answeredPoll(poll.poll_id);
  const waiting = pendingAnswer(poll.poll_id);
  // With the language: the same poll in another language is drawn again.
  const key = `${view.language}:${poll.poll_id}:${answered}:${waiting}:${waiting ? waitingNote() : ""}`;
  if (key === renderedPoll) return;
  renderedPoll = key;
  if (answered || waiting) {
    fill(
      section,
      h("h2", { id: "poll-question", text: poll.question }),
      h("p", { class: "done", id: "poll-note", role: "status", text: answered ? "Thank you. Your answer is in." : waitingNote() }),
    );
    return;
  }
  const form = h("form", { class: "poll", novalidate: true });
  const kind = INPUTS[poll.type];
  if (!kind) {
    fill(section, h("h2", { id: "poll-question", text: poll.question }), h("p", { class: "error", text: "This phone cannot show this kind of poll. Please reload the page." }));
    return;
  }
  const read = kind.build(poll, form);
  const note = h("p", { id: "poll-note", class: "error", role: "alert", text: pollError.pollId === poll.poll_id ? pollError.text : "" });
  pollError = { pollId: "", text: "" };
  const send = h("button", { type: "submit", class: "primary", text: "Send answer" });
  form.append(note, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = read();
    if (value === null) {
      note.textContent = kind.missing || "Choose an answer first.";
      return;
    }
    live.queue("submit_answer", { poll_id: poll.poll_id, value });
    renderPoll();
  });
  const privacy = poll.anonymous ? "Anonymous: nobody sees who gave which answer." : "Seen only by the facilitator.";
  fill(section, h("h2", { id: "poll-question", text: poll.question }), h("p", { class: "help", text: privacy }), form);
}

function choiceGroup(name, legend, labels, values, type, className) {
  const fieldset = h("fieldset", { class: className }, h("legend", { text: legend }));
  labels.forEach((label, i) => {
    const id = `${name}-${i}`;
    fieldset.append(
      h("div", { class: "choice" }, h("input", { type, id, name, value: String(values[i]) }), h("label", { for: id, text: label })),
    );
  });
  return fieldset;
}

function checkedValues(form, name) {
  return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (input) => Number(input.value));
}

/** A ranking: tap the options first to last; the order so far is shown above, with undo. */
function rankingInputs(poll, form) {
  const order = [];
  const list = h("ol", { class: "ranked", id: "ranked", "aria-live": "polite" });
  const pool = h("div", { class: "rank-pool" });
  const undo = h("button", { type: "button", class: "quiet", id: "rank-undo", text: "Undo last" });
  const draw = () => {
    fill(list, order.map((i) => h("li", { text: poll.options[i] })));
    fill(
      pool,
      poll.options.map((label, i) =>
        order.includes(i)
          ? null
          : h("button", { type: "button", class: "rank-option", text: label, on: { click: () => { order.push(i); draw(); } } }),
      ),
    );
    undo.disabled = !order.length;
    list.hidden = !order.length;
  };
  undo.addEventListener("click", () => {
    order.pop();
    draw();
  });
  const legend = h("legend", { text: "Tap the options in order, most important first" });
  form.append(h("fieldset", { class: "ranking" }, legend, list, pool, undo));
  draw();
  return () => (order.length === poll.options.length ? [...order] : null);
}

// One entry per poll kind: add its inputs to `form`, return a function reading the
// answer (null while incomplete), and say what is missing when it is.
const INPUTS = {
  scale: {
    build: (poll, form) => {
      const values = [];
      for (let v = poll.min; v <= poll.max; v += 1) values.push(v);
      form.append(choiceGroup("answer", "Your number", values.map(String), values, "radio", "scale"));
      return () => checkedValues(form, "answer")[0] ?? null;
    },
  },
  single_choice: {
    build: (poll, form) => {
      form.append(choiceGroup("answer", "Choose one", poll.options, poll.options.map((_, i) => i), "radio", "options"));
      return () => checkedValues(form, "answer")[0] ?? null;
    },
  },
  multiple_choice: {
    build: (poll, form) => {
      form.append(choiceGroup("answer", "Choose all that fit", poll.options, poll.options.map((_, i) => i), "checkbox", "options"));
      return () => {
        const values = checkedValues(form, "answer");
        return values.length ? values : null;
      };
    },
  },
  short_text: {
    build: (poll, form) => {
      const area = h("textarea", { id: "answer-text", rows: 3, maxlength: poll.max_length });
      form.append(h("label", { for: "answer-text", text: "Your answer" }), area);
      return () => area.value.trim() || null;
    },
  },
  // Every item on the same options.
  instrument: {
    build: (poll, form) => {
      poll.items.forEach((item, index) => {
        form.append(choiceGroup(`item${index}`, item.text, poll.options, poll.options.map((_, i) => i), "radio", "options"));
      });
      return () => {
        const values = poll.items.map((_, index) => checkedValues(form, `item${index}`)[0]);
        return values.every((v) => v !== undefined) ? values : null;
      };
    },
  },
  ranking: { build: rankingInputs, missing: "Put every option in order first." },
};

// -- role card ------------------------------------------------------------------------

function renderRole() {
  const section = byId("role");
  const rolePlay = view?.role_play;
  const card = personal?.card;
  if (!rolePlay) {
    section.hidden = true;
    fill(section);
    return;
  }
  section.hidden = false;
  const parts = [h("p", { class: "eyebrow", text: "Role-play" }), h("h2", { id: "role-title", text: rolePlay.title }), h("p", { text: rolePlay.scenario })];
  if (card && card.role_play_id === rolePlay.id && rolePlay.phase === "playing") {
    parts.push(
      h("div", { class: "private-card" }, h("h3", { text: `Your role: ${card.role}` }), h("p", { text: card.setup }), h("p", { class: "help", text: "Only you see this card." })),
    );
  }
  if (rolePlay.debrief.length) {
    parts.push(h("h3", { text: "Talking it over" }), h("ul", {}, rolePlay.debrief.map((q) => h("li", { text: q }))));
  }
  fill(section, parts);
}

// -- start ----------------------------------------------------------------------------

byId("crisis-open").addEventListener("click", openCrisis);
byId("crisis-banner-open").addEventListener("click", openCrisis);
markLanguage(chosenLanguage);
loadCrisis();
loadConsent();
wireLanguages();
loadLanguages();
setUpJoin();
// Fetched after the join screen works, so that a slow link does not hold up the Join button.
// The service worker registers last, once the page's files are in the browser's cache.
loadSocketIo()
  .catch(() => {})
  .finally(keepPageOnPhone);

/** Keep this page on the phone, for a reload without network (client/js/join-worker.js). */
function keepPageOnPhone() {
  // Browsers run service workers on HTTPS and localhost only.
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/join-worker.js", { scope: "/join" }).catch(() => {});
}
