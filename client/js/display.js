// The room display: join code and QR, step and timer, the role-play scenario, a cue while
// a poll is open, and the results the facilitator shows. Read-only: it draws the view the
// server sends and decides nothing (which results are shown, and when they go, is the
// server's). Everything fits the screen without scrolling: see fit() below.

import { byId, clockText, fill, h } from "./dom.js";
import { load, parts, t, tn } from "./i18n.js";
import { Live, serverClock, statusText } from "./live.js";
import { drawQr, joinUrl } from "./qr.js";
import { resultsChart } from "./results.js";

// Every text this screen makes up (the rest is in display.html or comes from the server).
const TEXT = {
  welcome: () => t("Welcome"),
  thanks: () => t("Thank you"),
  planned: (minutes) => tn("of {count} min", "of {count} min", minutes),
  roles: (names) => t("Roles: {names}", { names: names.join(", ") }),
  answered: (count, of) => tn("{count} of {of} answered", "{count} of {of} answered", count, { of }),
  answers: (count) => tn("{count} answer", "{count} answers", count),
  noWords: () => t("No words to show."),
  qr: (url) => t("QR code for {url}", { url }),
  title: (title) => t("{title} - Room display", { title }),
  brokenLink: (message) => t("This display link does not work: {message}", { message }),
};

// In the fragment (#token=...): browsers never send it, so no log or proxy sees it.
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
let view = null;
let qrFor = "";

async function showJoin(code) {
  if (qrFor === code) return;
  qrFor = code;
  const url = await joinUrl(code);
  const address = new URL("/join", url).href;
  const strong = () => h("strong", { class: "join-address", text: address, "data-content": true });
  byId("join-how-big").replaceChildren(...parts("Scan the code, or open {address} and type", { address: strong() }));
  byId("join-how-small").replaceChildren(...parts("Open {address} and type", { address: strong() }));
  drawQr(byId("qr"), url, TEXT.qr(url));
  fit();
}

/** How the join panel shows: big in the lobby, a small corner code once running, gone
 * when joining is locked or the session has ended. */
function joinMode() {
  if (view.locked || view.phase === "ended") return "join-none";
  return view.phase === "lobby" ? "join-big" : "join-small";
}

function render() {
  document.title = TEXT.title(view.title);
  const mode = joinMode();
  byId("live").className = `room ${view.phase} ${mode}`;
  byId("join").hidden = mode === "join-none";
  byId("session-title").textContent = view.title;
  const step = view.phase === "ended" ? null : view.step;
  byId("step-title").textContent = step ? step.title : view.phase === "ended" ? TEXT.thanks() : TEXT.welcome();
  byId("step-title").toggleAttribute("data-content", Boolean(step)); // the protocol's words
  byId("planned").textContent = step ? TEXT.planned(step.minutes) : "";
  byId("prompt").hidden = !view.prompt;
  byId("prompt").textContent = view.prompt ? view.prompt.text : "";
  byId("join-code").textContent = view.join_code;
  showJoin(view.join_code).catch(() => {});
  renderCue();
  renderRolePlay(view.role_play);
  // The server sends at most one entry: the results the facilitator shows now.
  renderResults(view.results[view.results.length - 1]);
  tick();
  fit();
}

function renderCue() {
  const open = view.poll_open;
  byId("poll-cue").hidden = !open;
  if (!open) return;
  byId("cue-question").textContent = open.question;
  byId("cue-count").textContent = TEXT.answered(open.count, open.of);
}

function renderRolePlay(rp) {
  byId("role-play").hidden = !rp;
  if (!rp) return;
  byId("rp-title").textContent = rp.title;
  byId("rp-scenario").textContent = rp.scenario;
  byId("rp-roles").textContent = rp.roles.length ? TEXT.roles(rp.roles) : "";
  byId("rp-debrief-part").hidden = !rp.debrief.length;
  byId("role-play").classList.toggle("with-debrief", rp.debrief.length > 0);
  fill(byId("rp-debrief"), rp.debrief.map((q) => h("li", { text: q })));
}

function renderResults(result) {
  byId("results").hidden = !result;
  if (!result) {
    byId("results-body").replaceChildren();
    return;
  }
  byId("results-title").textContent = result.question;
  byId("results-count").textContent = TEXT.answers(result.summary.count);
  const chart = resultsChart(result, result.summary);
  const empty = chart?.classList.contains("cloud") && !chart.children.length;
  byId("results").dataset.type = result.type;
  fill(byId("results-body"), empty ? document.createTextNode(TEXT.noWords()) : chart);
}

// Shrink steps for fit(), as [chart, all type]: the chart alone a little, then both.
const SCALES = [
  [1, 1],
  [0.9, 1],
  [0.8, 1],
  [0.75, 0.95],
  [0.75, 0.9],
  [0.7, 0.85],
  [0.7, 0.8],
  [0.65, 0.75],
  [0.6, 0.7],
  [0.6, 0.65],
  [0.55, 0.6],
  [0.5, 0.55],
  [0.45, 0.5],
];
// Narrow screens (a phone opening the display link) stack and scroll instead.
const stacked = matchMedia("(max-width: 700px), (orientation: portrait)");

function overflows() {
  const page = document.scrollingElement;
  return page.scrollHeight > innerHeight || page.scrollWidth > innerWidth;
}

/**
 * Make the screen fit without scrolling: type is sized by the viewport in display.css,
 * and when a state holds more than that allows (a long scenario with its questions and a
 * shown chart, say), shrink the chart first and then all the type, step by step, until
 * nothing reaches past the bottom. Deterministic: the same view on the same screen
 * always lands on the same sizes.
 */
function fit() {
  const style = document.body.style;
  for (const [chart, all] of stacked.matches ? [[1, 1]] : SCALES) {
    style.setProperty("--chart-fit", String(chart));
    style.setProperty("--fit", String(all));
    if (!overflows()) return;
  }
}

function tick() {
  const step = view?.step;
  if (!step || view.phase !== "running" || !step.entered_at) {
    byId("timer").textContent = "";
    return;
  }
  const spent = Math.max(0, serverClock.now() - step.entered_at);
  byId("timer").textContent = clockText(spent);
  byId("timer").classList.toggle("over", spent > step.minutes * 60);
}

/** A counted answer: the count only, for the open poll (no value ever reaches here). */
function answerCount(event) {
  const open = view?.poll_open;
  if (!open || !event || event.poll_id !== open.poll_id) return;
  // Counts from two processes may arrive out of order; a count only grows while the poll
  // is open (a reopen that starts afresh comes as a new view, which resets it).
  if (event.count < open.count) return;
  open.count = event.count;
  open.of = event.of;
  renderCue();
}

addEventListener("resize", () => fit());

// The room reads the session's language once the view names it; until then the
// browser's (the view is not known before the connection). A pseudo-language, offered
// only for checking a page (FACILITATOR_PSEUDO_LANGUAGES), stays what the browser asked.
const PSEUDO_LANGUAGES = new Set(["en-XA", "ar-XB"]);
let shownLanguage = await load("display");

new Live({
  token,
  onView: async (v) => {
    view = v;
    if (v.language && v.language !== shownLanguage && !PSEUDO_LANGUAGES.has(shownLanguage)) {
      shownLanguage = await load("display", [v.language]);
      qrFor = ""; // the join lines are drawn again in the new language
    }
    render();
  },
  on: { answer_count: answerCount },
  onStatus: (state, pending, trouble) => {
    byId("status").hidden = state === "online";
    byId("status").className = `status ${state}`;
    byId("status").textContent = statusText(state, 0, trouble);
    fit();
  },
  // Only refusals that no retry can change (see REFUSALS in live.js): revoked, expired...
  onRefused: (error) => {
    byId("status").hidden = false;
    byId("status").textContent = TEXT.brokenLink(error.message);
    fit();
  },
  // The session was deleted: nothing of it stays on the wall, least of all its join code.
  onEnded: (event, message) => {
    view = null;
    byId("status").hidden = true;
    byId("live").hidden = true;
    byId("ended-text").textContent = message;
    byId("ended").hidden = false;
    fit();
  },
}).start();
setInterval(tick, 1000);
