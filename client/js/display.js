// The room display: join code and QR, step and timer, the role-play scenario, and
// results once the facilitator has revealed them. Read-only.

import { byId, clockText, fill, h } from "./dom.js";
import { Live, serverClock, statusText } from "./live.js";
import { drawQr, joinUrl } from "./qr.js";
import { resultsChart } from "./results.js";

// In the fragment (#token=...): browsers never send it, so no log or proxy sees it.
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
let view = null;
let qrFor = "";

async function showJoin(code) {
  if (qrFor === code) return;
  qrFor = code;
  const url = await joinUrl(code);
  byId("join-address").textContent = new URL("/join", url).href;
  drawQr(byId("qr"), url);
}

function render() {
  document.title = `${view.title} - Room display`;
  byId("session-title").textContent = view.title;
  const step = view.phase === "ended" ? null : view.step;
  byId("step-title").textContent = step ? step.title : view.phase === "ended" ? "Thank you" : "Welcome";
  byId("planned").textContent = step ? `of ${step.minutes} min` : "";
  byId("prompt").hidden = !view.prompt;
  byId("prompt").textContent = view.prompt ? view.prompt.text : "";
  byId("join-code").textContent = view.join_code;
  byId("join").hidden = view.phase === "ended";
  byId("locked").hidden = !view.locked;
  byId("qr").classList.toggle("hidden", view.locked);
  showJoin(view.join_code).catch(() => {});
  const rp = view.role_play;
  byId("role-play").hidden = !rp;
  if (rp) {
    byId("rp-title").textContent = rp.title;
    byId("rp-scenario").textContent = rp.scenario;
    byId("rp-roles").textContent = rp.roles.length ? `Roles: ${rp.roles.join(", ")}` : "";
    fill(byId("rp-debrief"), rp.debrief.map((q) => h("li", { text: q })));
  }
  // The most recently revealed result.
  const result = view.results[view.results.length - 1];
  byId("results").hidden = !result;
  if (result) {
    byId("results-title").textContent = result.question;
    fill(byId("results-body"), resultsChart(result, result.summary), h("p", { class: "help", text: `${result.summary.count} answers` }));
  }
  tick();
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

new Live({
  token,
  onView: (v) => {
    view = v;
    render();
  },
  onStatus: (state, pending, trouble) => {
    byId("status").hidden = state === "online";
    byId("status").className = `status ${state}`;
    byId("status").textContent = statusText(state, 0, trouble);
  },
  // Only refusals that no retry can change (see REFUSALS in live.js): revoked, expired...
  onRefused: (error) => {
    byId("status").hidden = false;
    byId("status").textContent = `This display link does not work: ${error.message}`;
  },
  // The session was deleted: nothing of it stays on the wall, least of all its join code.
  onEnded: (event, message) => {
    view = null;
    byId("status").hidden = true;
    byId("live").hidden = true;
    byId("ended-text").textContent = message;
    byId("ended").hidden = false;
  },
}).start();
setInterval(tick, 1000);
