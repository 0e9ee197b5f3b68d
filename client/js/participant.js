// The participant's phone: join, follow the step, answer polls, see a private role
// card, send private signals, and reach the crisis resources from every screen.

import { api, byId, dateText, fill, h, sentence } from "./dom.js";
import { language, load as loadCatalog, number, parts, t, tn } from "./i18n.js";
import { ENDINGS, Live, loadSocketIo, statusText } from "./live.js";
import { resultsChart } from "./results.js";

const STORE = "facilitator.participant";
// A weekly group's membership: kept for the group's later meetings (the token says how long).
const MEMBERSHIP_STORE = "facilitator.membership";
const CRISIS_STORE = "facilitator.crisis";
const CONSENT_STORE = "facilitator.consent";
// The language this phone chose (a tag), kept for every later session; none: the group's.
// The page's own words follow it too (else the browser's language).
const LANGUAGE_STORE = "facilitator.language";
// Every language the server's protocols offer, named in itself: [{tag, name, direction}].
const LANGUAGES_STORE = "facilitator.languages";
// Functions, not strings: the catalog is read after this module is evaluated.
const SIGNAL_TEXT = {
  pass: () => t("You passed this turn. The facilitator knows."),
  break: () => t("The facilitator knows you need a break."),
  support: () => t("The facilitator knows you need support and will come to you."),
};

const SEEN_TEXT = {
  pass: () => t("Seen by the facilitator: your pass."),
  break: () => t("Seen by the facilitator: your break."),
  support: () => t("Seen by the facilitator: they know you need support."),
};

// Texts said in more than one place.
const TEXT = {
  noNetwork: () => t("No network. Try again when you are connected."),
  thanks: () => t("Thank you for taking part."),
  leftSession: () => t("You have left the session"),
  notInSession: () => t("You are no longer in this session"),
  answerIn: () => t("Thank you. Your answer is in."),
  notSaved: (error) => t("Not saved: {reason}", { reason: sentence(error.message) }),
};

let me = load(STORE);
let chosenLanguage = localStorage.getItem(LANGUAGE_STORE) || "";
let knownLanguages = load(LANGUAGES_STORE) || [];
// The language and region whose crisis text is shown, so that it is fetched again only on
// a change; the region is the course's (the member's personal view says it), "" for none.
let crisisLanguage = null;
let crisisRegion = "";
let crisisAsked = null;
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

/** Put text from the server or a protocol (not a catalog's) into `element`. */
function content(element, text) {
  element.textContent = text;
  element.setAttribute("data-content", "");
  // Not ours to translate again when the page's language changes.
  element.removeAttribute("data-i18n");
}

/** A contact of the crisis resources: its name and how to reach it, as the server wrote them. */
const contactItem = (c) => h("li", { "data-content": true }, h("strong", { text: c.name }), " ", c.detail);

/** The member's name in "You are {name}", put in place once the catalog is read. */
function myName() {
  let name = byId("my-name");
  if (!name) {
    name = h("strong", { id: "my-name", "data-content": true });
    byId("whoami").replaceChildren(...parts("You are {name}", { name }));
  }
  return name;
}

function show(screen) {
  for (const id of ["join-screen", "relink-screen", "waiting-screen", "live-screen", "gone-screen"]) byId(id).hidden = id !== screen;
}

// -- crisis resources: cached on the phone, so they show without a network ----------

function renderCrisis(resources) {
  if (!resources) return;
  crisisResources = resources;
  renderClosedSignals();
  content(byId("crisis-title"), resources.title);
  content(byId("crisis-text"), resources.text);
  fill(byId("crisis-contacts"), resources.contacts.map(contactItem));
}

async function loadCrisis(language = chosenLanguage, region = crisisRegion) {
  const asked = `${language || ""}|${region}`;
  if (asked === crisisAsked) return;
  crisisAsked = asked;
  crisisLanguage = language;
  crisisRegion = region;
  renderCrisis(load(CRISIS_STORE));
  const query = new URLSearchParams();
  if (language) query.set("language", language);
  if (region) query.set("region", region);
  const search = query.toString();
  try {
    const data = await api("/api/crisis" + (search ? `?${search}` : ""));
    // An answer to an earlier question (the language before the course's region came,
    // say) that arrives late must not replace the one asked since.
    if (asked !== crisisAsked) return;
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
  fill(byId("closed-crisis-contacts"), reachable.map(contactItem));
}

// Says "seen" once the facilitator acknowledged this member's latest signal.
function renderSignalSeen() {
  const mine = personal ? personal.signals || [] : [];
  const latest = mine[mine.length - 1];
  const seen = byId("signal-seen");
  seen.hidden = !latest || !latest.seen;
  seen.textContent = latest && latest.seen ? SEEN_TEXT[latest.kind]?.() || t("Seen by the facilitator.") : "";
}

function openCrisis() {
  const dialog = byId("crisis");
  if (!dialog.open) dialog.showModal();
}

// -- language: the phone's own, among those the protocol offers -------------------------

function languageName(tag) {
  return knownLanguages.find((l) => l.tag === tag)?.name || tag;
}

// The language the page's own words were last read in ("" before the first read).
let wordsIn = null;

/**
 * Show the page's own words in `tag`'s language (the nearest the app has; the browser's
 * when none is chosen), and draw the screen again in them. The catalog sets the page's
 * lang and direction.
 */
async function showIn(tag) {
  if (wordsIn !== null && (tag || "") === wordsIn) return;
  wordsIn = tag || "";
  await loadCatalog("participant", tag ? [tag] : []);
  if (view) render();
}

function markLanguage(tag) {
  if (tag) showIn(tag);
}

function renderJoinLanguages() {
  const select = byId("join-language");
  const first = select.options[0];
  fill(select, first, ...knownLanguages.map((l) => h("option", { value: l.tag, text: l.name, "data-content": true })));
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
    note.textContent = later ? t("Saved on this phone: it changes once the phone is connected.") : t("Not changed: {reason}", { reason: sentence(ack.error.message) });
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
    fill(select, ...offered.map((tag) => h("option", { value: tag, text: languageName(tag), "data-content": true })));
  }
  select.value = view.language;
  if (view.language === chosenLanguage) byId("language-note").textContent = "";
  // The page's own words stay in the language chosen on this phone, else the browser's:
  // the group's language is the protocol texts', which a phone may read in another.
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
  // Chosen on another page of this member: this phone keeps it too, whatever it shows.
  if (theirs && theirs !== languageAsked && theirs !== chosenLanguage) keepLanguage(theirs);
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
  content(byId("consent-title"), consent.title);
  content(byId("consent-text"), consent.text);
  fill(byId("consent-points"), consent.points.map((point) => h("li", { text: point, "data-content": true })));
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
  byId("join-error").textContent = t("Read what the group keeps and who sees it, and tick that you agree, to join.");
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
      byId("join-error").textContent = t("Type the code shown in the room.");
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
      byId("join-error").textContent = navigator.onLine ? sentence(error.message) : TEXT.noNetwork();
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
    ? t("Leave the group and erase what it keeps about you? This cannot be undone.")
    : t("Leave the group? Your phone stops joining its meetings.");
  if (!membership || !confirm(asked)) return;
  byId("leave-group-error").textContent = "";
  try {
    await api("/api/courses/leave", { method: "POST", body: { membership: membership.membership, erase } });
  } catch (error) {
    // Already gone from the group (moved to another phone, or withdrawn): nothing to keep.
    if (error.code !== "revoked") {
      byId("leave-group-error").textContent = navigator.onLine ? sentence(error.message) : TEXT.noNetwork();
      return;
    }
  }
  forgetMembership();
  forget(t("You have left the group"), erase ? t("What the group kept about you is erased. Thank you for taking part.") : TEXT.thanks());
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
  byId("waiting-whoami").replaceChildren(...(membership?.name ? parts("You are in the group as {name}.", { name: h("span", { text: membership.name, "data-content": true }) }) : []));
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
  showWaiting(t("Finding your group's meeting…"), { retry: false });
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
      showWaiting(error.code === "not_meeting" ? t("Your group is not meeting right now.") : sentence(error.message), {
        next: next ? t("The next meeting is on {date}.", { date: next }) : "",
      });
    } else if (error.status === undefined || error.status >= 500 || error.status === 429) {
      // No network, or the server cannot answer now: a seat kept on this phone still
      // shows the session and keeps taps until the connection is back.
      if (kept) return goLive(code);
      showWaiting(t("Your group's meeting could not be found just now."), {
        error: error.status === undefined ? TEXT.noNetwork() : sentence(error.message),
      });
    } else {
      // Refused for good: the membership moved to another phone, ended, or was withdrawn.
      forgetMembership();
      if (me?.course) dropSeat();
      if (kept && me) return goLive(code);
      showJoin(code, t("This phone is no longer linked to your group. Ask your facilitator for a code, or join with the code in the room."));
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
    byId("relink-error").textContent = t("Type the code your facilitator gave you.");
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
        ? TEXT.noNetwork()
        : error.code === "not_found"
          ? t("This code does not work. A code works once, for {minutes} minutes: ask your facilitator for a new one.", { minutes: 15 })
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
  myName().textContent = me.name;
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
      loadCrisis(crisisLanguage, p.region || "");
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
    onRefused: (error) => forget(TEXT.notInSession(), error.message),
    // The session was deleted: this phone's place in it is gone, and so is its token.
    // Said in the page's own words when the phone knows the reason (live.js ENDINGS).
    onEnded: (event, message) => forget(t("This session has closed"), ENDINGS[event]?.() ?? message),
    onSent: (item, ack) => {
      if (item.event === "submit_answer") {
        if (ack.ok) counted.add(item.payload.poll_id);
        else pollError = { pollId: item.payload.poll_id, text: t("Not counted: {reason}", { reason: sentence(ack.error.message) }) };
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
      byId("signal-note").textContent = t("Sending…");
    });
  }
  byId("leave").addEventListener("click", async () => {
    if (!confirm(t("Leave this session? You would need the code to join again."))) return;
    const ack = await live.emit("leave_session", {});
    if (ack.ok) forget(TEXT.leftSession(), TEXT.thanks());
    else byId("signal-note").textContent = sentence(ack.error.message);
  });
}

function signalNote(kind, ack) {
  if (ack.ok) return SIGNAL_TEXT[kind]();
  // The facilitator has this member's earlier signals of this kind, not yet acknowledged.
  if (ack.error.code === "too_many_signals") return `${SIGNAL_TEXT[kind]()} ${t("Your earlier signal is still with them.")}`;
  return t("Not sent: {reason}", { reason: sentence(ack.error.message) });
}

function render() {
  if (personal && (personal.removed || !personal.present)) {
    // Not removed: they left, from this phone or another tab of it.
    if (personal.removed) forget(TEXT.notInSession(), t("The facilitator removed you from this session."));
    else forget(TEXT.leftSession(), TEXT.thanks());
    return;
  }
  if (personal) {
    myName().textContent = personal.name;
    byId("crisis-banner").hidden = !personal.crisis;
    if (personal.crisis && !crisisShown) {
      crisisShown = true;
      openCrisis();
    }
  }
  if (!view) return;
  document.title = t("{title} - Group session", { title: view.title });
  const title = byId("session-title");
  content(title, view.title);
  // Cut to one line on screen; the whole title on a long press.
  title.title = view.title;
  const ended = view.phase === "ended";
  const step = ended ? null : view.step;
  byId("step-count").textContent = step ? t("Step {number} of {count}", { number: step.index + 1, count: step.of ?? step.count }) : "";
  const stepTitle = byId("step-title");
  stepTitle.textContent = step ? step.title : view.phase === "ended" ? t("The session has ended") : t("Waiting to start");
  stepTitle.toggleAttribute("data-content", Boolean(step)); // the protocol's words
  stepTitle.removeAttribute("data-i18n");
  byId("phase-note").textContent =
    view.phase === "lobby" ? t("You are in. The facilitator will start soon.") : view.phase === "ended" ? TEXT.thanks() : "";
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
  fill(byId("results-body"), chart, h("p", { class: "help", text: tn("{count} answer", "{count} answers", count) }));
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
  if (live?.state === "online") return t("Sending…");
  if (live?.state === "retrying") return t("Saved on this phone; it will be sent as soon as the server can take it.");
  return t("Saved on this phone; it will be sent when you are back online.");
}

function courseSent(item, ack) {
  if (item.event === "review_step") {
    reviewDone = ack.ok ? { tried: item.payload.tried } : { error: TEXT.notSaved(ack.error) };
  } else {
    stepOutcome = ack.ok ? { text: item.payload.text } : { error: TEXT.notSaved(ack.error), text: item.payload.text };
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
  byId("review-question").replaceChildren(
    ...(text ? parts("Last time you chose: {step}. Did you try it?", { step: h("span", { text, "data-content": true }) }) : [t("Did you try last time's step?")]),
  );
  const answered = waiting.length > 0 || (reviewDone && !reviewDone.error);
  byId("review-buttons").hidden = answered;
  const note = byId("review-note");
  if (waiting.length) note.textContent = waitingTap();
  else if (reviewDone?.error) note.textContent = reviewDone.error;
  else if (reviewDone) note.textContent = TEXT.answerIn();
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
  else if (stepOutcome && !stepOutcome.error) note.textContent = t("Your step is saved. Next time you will be asked how it went.");
  else if (saved && !stepEdited) note.textContent = t("Your step is saved.");
  else note.textContent = "";
  byId("step-save").textContent = saved ? t("Save the change") : t("Save my step");
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
      byId("step-error").textContent = t("Write one small thing you will try.");
      byId("step-text").focus();
      return;
    }
    if (text.length > 500) {
      byId("step-error").textContent = t("Keep it under {count} characters.", { count: 500 });
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
  if (live?.state === "online") return t("Sending your answer…");
  if (live?.state === "retrying") return t("Your answer is saved on this phone and will be sent as soon as the server can take it.");
  return t("Your answer is saved on this phone and will be sent when you are back online.");
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
      h("h2", { id: "poll-question", text: poll.question, "data-content": true }),
      h("p", { class: "done", id: "poll-note", role: "status", text: answered ? TEXT.answerIn() : waitingNote() }),
    );
    return;
  }
  const form = h("form", { class: "poll", novalidate: true });
  const kind = INPUTS[poll.type];
  if (!kind) {
    fill(section, h("h2", { id: "poll-question", text: poll.question, "data-content": true }), h("p", { class: "error", text: t("This phone cannot show this kind of poll. Please reload the page.") }));
    return;
  }
  const read = kind.build(poll, form);
  const note = h("p", { id: "poll-note", class: "error", role: "alert", text: pollError.pollId === poll.poll_id ? pollError.text : "" });
  pollError = { pollId: "", text: "" };
  const send = h("button", { type: "submit", class: "primary", text: t("Send answer") });
  form.append(note, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = read();
    if (value === null) {
      note.textContent = kind.missing?.() || t("Choose an answer first.");
      return;
    }
    live.queue("submit_answer", { poll_id: poll.poll_id, value });
    renderPoll();
  });
  const privacy = poll.anonymous ? t("Anonymous: nobody sees who gave which answer.") : t("Seen only by the facilitator.");
  fill(section, h("h2", { id: "poll-question", text: poll.question, "data-content": true }), h("p", { class: "help", text: privacy }), form);
}

/** Radio or checkbox tiles; `legend` is a node or text, `labels` the protocol's words. */
function choiceGroup(name, legend, labels, values, type, className) {
  const fieldset = h("fieldset", { class: className }, legend instanceof Node ? legend : h("legend", { text: legend }));
  labels.forEach((label, i) => {
    const id = `${name}-${i}`;
    fieldset.append(
      h("div", { class: "choice" }, h("input", { type, id, name, value: String(values[i]) }), h("label", { for: id, text: label, "data-content": true })),
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
  const undo = h("button", { type: "button", class: "quiet", id: "rank-undo", text: t("Undo last") });
  const draw = () => {
    fill(list, order.map((i) => h("li", { text: poll.options[i], "data-content": true })));
    fill(
      pool,
      poll.options.map((label, i) =>
        order.includes(i)
          ? null
          : h("button", { type: "button", class: "rank-option", text: label, "data-content": true, on: { click: () => { order.push(i); draw(); } } }),
      ),
    );
    undo.disabled = !order.length;
    list.hidden = !order.length;
  };
  undo.addEventListener("click", () => {
    order.pop();
    draw();
  });
  const legend = h("legend", { text: t("Tap the options in order, most important first") });
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
      form.append(choiceGroup("answer", t("Your number"), values.map((v) => number(v)), values, "radio", "scale"));
      return () => checkedValues(form, "answer")[0] ?? null;
    },
  },
  single_choice: {
    build: (poll, form) => {
      form.append(choiceGroup("answer", t("Choose one"), poll.options, poll.options.map((_, i) => i), "radio", "options"));
      return () => checkedValues(form, "answer")[0] ?? null;
    },
  },
  multiple_choice: {
    build: (poll, form) => {
      form.append(choiceGroup("answer", t("Choose all that fit"), poll.options, poll.options.map((_, i) => i), "checkbox", "options"));
      return () => {
        const values = checkedValues(form, "answer");
        return values.length ? values : null;
      };
    },
  },
  short_text: {
    build: (poll, form) => {
      const area = h("textarea", { id: "answer-text", rows: 3, maxlength: poll.max_length });
      form.append(h("label", { for: "answer-text", text: t("Your answer") }), area);
      return () => area.value.trim() || null;
    },
  },
  // Every item on the same options.
  instrument: {
    build: (poll, form) => {
      poll.items.forEach((item, index) => {
        const legend = h("legend", { text: item.text, "data-content": true });
        form.append(choiceGroup(`item${index}`, legend, poll.options, poll.options.map((_, i) => i), "radio", "options"));
      });
      return () => {
        const values = poll.items.map((_, index) => checkedValues(form, `item${index}`)[0]);
        return values.every((v) => v !== undefined) ? values : null;
      };
    },
  },
  ranking: { build: rankingInputs, missing: () => t("Put every option in order first.") },
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
  const shown = [
    h("p", { class: "eyebrow", text: t("Role-play") }),
    h("h2", { id: "role-title", text: rolePlay.title, "data-content": true }),
    h("p", { text: rolePlay.scenario, "data-content": true }),
  ];
  if (card && card.role_play_id === rolePlay.id && rolePlay.phase === "playing") {
    const role = h("span", { text: card.role, "data-content": true });
    shown.push(
      h(
        "div",
        { class: "private-card" },
        h("h3", {}, parts("Your role: {role}", { role })),
        h("p", { text: card.setup, "data-content": true }),
        h("p", { class: "help", text: t("Only you see this card.") }),
      ),
    );
  }
  if (rolePlay.debrief.length) {
    shown.push(h("h3", { text: t("Talking it over") }), h("ul", {}, rolePlay.debrief.map((q) => h("li", { text: q, "data-content": true }))));
  }
  fill(section, shown);
}

// -- start ----------------------------------------------------------------------------

// The page's words in the person's language before anything is drawn: the one chosen on
// this phone, else the browser's. The service worker keeps the catalog read last, so a
// reload without network still speaks it.
// Help is reachable at once, even while the words are still on their way.
byId("crisis-open").addEventListener("click", openCrisis);
byId("crisis-banner-open").addEventListener("click", openCrisis);
await showIn(chosenLanguage);
myName();
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
  const controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.register("/join-worker.js", { scope: "/join" }).catch(() => {});
  // A worker that did not see this page's catalog pass (it was just installed) is told
  // which language to keep; once it controls the page, it keeps the catalog on its own.
  if (!controlled) {
    navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage({ keepCatalog: language() })).catch(() => {});
  }
}
