// The participant's phone: join, follow the step, answer polls, see a private role
// card, send private signals, and reach the crisis resources from every screen.

import { api, byId, fill, h } from "./dom.js";
import { Live, loadSocketIo, statusText } from "./live.js";

const STORE = "facilitator.participant";
const CRISIS_STORE = "facilitator.crisis";
const SIGNAL_TEXT = {
  pass: "You passed this turn. The facilitator knows.",
  break: "The facilitator knows you need a break.",
  support: "The facilitator knows you need support and will come to you.",
};

let me = load(STORE);
let live = null;
let view = null;
let personal = null;
let crisisShown = false;
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
  for (const id of ["join-screen", "live-screen", "gone-screen"]) byId(id).hidden = id !== screen;
}

// -- crisis resources: cached on the phone, so they show without a network ----------

function renderCrisis(resources) {
  if (!resources) return;
  byId("crisis-title").textContent = resources.title;
  byId("crisis-text").textContent = resources.text;
  fill(
    byId("crisis-contacts"),
    resources.contacts.map((c) => h("li", {}, h("strong", { text: c.name }), " ", c.detail)),
  );
}

async function loadCrisis() {
  renderCrisis(load(CRISIS_STORE));
  try {
    const data = await api("/api/crisis");
    localStorage.setItem(CRISIS_STORE, JSON.stringify(data));
    renderCrisis(data);
  } catch {
    // Offline: the cached or built-in text stays.
  }
}

function openCrisis() {
  const dialog = byId("crisis");
  if (!dialog.open) dialog.showModal();
}

// -- joining --------------------------------------------------------------------------

function setUpJoin() {
  const params = new URLSearchParams(location.search);
  const code = (params.get("code") || "").trim().toUpperCase();
  if (me && (!code || canonical(code) === canonical(me.code))) {
    if (code) history.replaceState(null, "", "/join");
    startLive();
    return;
  }
  show("join-screen");
  byId("code").value = code;
  if (code) byId("name").focus();
  const button = byId("join-button");
  button.disabled = false;
  byId("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const codeValue = byId("code").value.trim().toUpperCase();
    const name = byId("name").value.trim();
    if (!codeValue) {
      byId("join-error").textContent = "Type the code shown in the room.";
      byId("code").focus();
      return;
    }
    button.disabled = true;
    byId("join-error").textContent = "";
    try {
      const body = { code: codeValue };
      if (name) body.name = name;
      const reply = await api("/api/join", { method: "POST", body });
      me = { token: reply.token, session_id: reply.session_id, id: reply.participant_id, name: reply.name, code: codeValue };
      localStorage.setItem(STORE, JSON.stringify(me));
      history.replaceState(null, "", "/join");
      startLive();
    } catch (error) {
      byId("join-error").textContent = navigator.onLine ? error.message : "No network. Try again when you are connected.";
      button.disabled = false;
    }
  });
}

function forget(title, text) {
  live?.stop();
  localStorage.removeItem(STORE);
  if (me) localStorage.removeItem(outboxKey());
  me = null;
  byId("gone-title").textContent = title;
  byId("gone-text").textContent = text;
  show("gone-screen");
}

const outboxKey = () => `facilitator.outbox.${me.session_id}.${me.id}`;

// -- live -----------------------------------------------------------------------------

function startLive() {
  show("live-screen");
  byId("my-name").textContent = me.name;
  live = new Live({
    token: me.token,
    member: true,
    outboxKey: outboxKey(),
    settled: (item) => item.event === "submit_answer" && answeredPoll(item.payload.poll_id),
    onView: (v) => {
      view = v;
      render();
    },
    onPersonal: (p) => {
      personal = p;
      render();
    },
    onStatus: (state, pending, trouble) => {
      const status = byId("status");
      // Ended: the screen that replaces this one says why.
      status.hidden = (state === "online" && !pending) || state === "ended";
      status.className = `status ${state}`;
      status.textContent = statusText(state, pending, trouble);
      renderPoll();
    },
    // Only a refusal that ends the membership arrives here (see REFUSALS in live.js).
    onRefused: (error) => forget("You are no longer in this session", error.message),
    // The session was deleted: this phone's place in it is gone, and so is its token.
    onEnded: (event, message) => forget("This session has closed", message),
    onSent: (item, ack) => {
      if (item.event === "submit_answer") {
        if (ack.ok) counted.add(item.payload.poll_id);
        else pollError = { pollId: item.payload.poll_id, text: `Not counted: ${ack.error.message}` };
      }
      // The note speaks of the latest tap: while later ones wait, it still says sending.
      const waiting = live.pending().some((p) => p.event === "send_signal");
      if (item.event === "send_signal" && !waiting) byId("signal-note").textContent = signalNote(item.payload.kind, ack);
      renderedPoll = "";
      renderPoll();
    },
  }).start();
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
    else byId("signal-note").textContent = ack.error.message;
  });
}

function signalNote(kind, ack) {
  if (ack.ok) return SIGNAL_TEXT[kind];
  // The facilitator has this member's earlier signals of this kind, not yet acknowledged.
  if (ack.error.code === "too_many_signals") return `${SIGNAL_TEXT[kind]} Your earlier signal is still with them.`;
  return `Not sent: ${ack.error.message}`;
}

function render() {
  if (personal && (personal.removed || !personal.present)) {
    forget("You are no longer in this session", personal.removed ? "The facilitator removed you from this session." : "Thank you for taking part.");
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
  byId("session-title").textContent = view.title;
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
  renderRole();
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
  const key = `${poll.poll_id}:${answered}:${waiting}:${waiting ? waitingNote() : ""}`;
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
loadCrisis();
setUpJoin();
// Fetched after the join screen works, so that a slow link does not hold up the Join button.
loadSocketIo().catch(() => {});
