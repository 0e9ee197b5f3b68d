// The live connection every screen shares: connect with a token, resync after every
// (re)connect, and keep a participant's taps in a queue on the phone until the server
// has acknowledged them. Each queued action carries an action_id, so a resend after a
// dropped connection counts once. When the server says the screen's session is gone
// for it (deleted, or this facilitator no longer runs it), the screen stops for good.

import { actionId, api } from "./dom.js";
import { t, tn } from "./i18n.js";

const ACK_TIMEOUT_MS = 10000;
// A tap refused as too fast waits this long, without backing off further: the server's
// bucket refills every second, and a longer pause would only hold up the taps behind it.
const RATE_LIMITED_PAUSE_MS = 1000;

/**
 * What each refusal means, by its code (docs/events.md, "How a screen takes a refusal").
 * `member` is for a phone's refused connection, `staff` for a refused console or display
 * connection, `tap` for a refused tap from the phone's queue:
 *   "ends"  - the member is no longer in the session: the phone forgets its token and taps;
 *   "final" - this connection or this tap will never be taken: say why, drop the tap;
 *   "retry" - kept, and tried again after a pause that doubles up to 15 s (a tap refused
 *             as rate_limited: after 1 s each time, as the server asks).
 * A code not listed here, a time-out and a lost connection are retried: a refusal the
 * page does not know is no reason to throw away a person's place or answer.
 */
export const REFUSALS = {
  removed: { member: "ends", staff: "final", tap: "ends" },
  left: { member: "ends", staff: "final", tap: "ends" },
  expired: { member: "ends", staff: "final", tap: "ends" },
  not_found: { member: "ends", staff: "final", tap: "final" },
  revoked: { member: "retry", staff: "final", tap: "retry" },
  unauthenticated: { member: "retry", staff: "final", tap: "retry" },
  forbidden: { member: "retry", staff: "final", tap: "final" },
  invalid: { member: "retry", staff: "retry", tap: "final" },
  illegal_state: { member: "retry", staff: "retry", tap: "final" },
  too_many_signals: { member: "retry", staff: "retry", tap: "final" },
  below_threshold: { member: "retry", staff: "retry", tap: "final" },
  stale_version: { member: "retry", staff: "retry", tap: "final" },
  conflict: { member: "retry", staff: "retry", tap: "retry" },
  rate_limited: { member: "retry", staff: "retry", tap: "retry" },
  storage_unavailable: { member: "retry", staff: "retry", tap: "retry" },
  busy: { member: "retry", staff: "retry", tap: "retry" },
  corrupt: { member: "retry", staff: "retry", tap: "retry" },
  internal: { member: "retry", staff: "retry", tap: "retry" },
};

/** How to take a refusal `code` in the column `kind` (member, staff or tap). */
export function verdict(kind, code) {
  return REFUSALS[code]?.[kind] ?? "retry";
}

/**
 * Server events after which the server disconnects the screen and will refuse it again:
 * said in these words when the event carries no message of its own.
 */
export const ENDINGS = {
  session_deleted: () => t("This session was deleted."),
  access_ended: () => t("You no longer run this session."),
};

/** Pauses between tries: 1 s doubling to 15 s, each a random half to whole of that. */
export class Backoff {
  constructor(first = 1000, most = 15000) {
    this.first = first;
    this.most = most;
    this.tries = 0;
  }

  next() {
    const ceiling = Math.min(this.most, this.first * 2 ** this.tries);
    this.tries += 1;
    // Jitter: phones refused together by one outage must not all come back at once.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  reset() {
    this.tries = 0;
  }
}

/** The server's clock: timers on screen count from server times, not the device's. */
export const serverClock = {
  offset: 0,
  now() {
    return Date.now() / 1000 + this.offset;
  },
  async calibrate() {
    try {
      const sent = Date.now() / 1000;
      const { now } = await api("/api/time");
      const received = Date.now() / 1000;
      this.offset = now - (sent + received) / 2;
    } catch {
      // Keep the last offset; a timer a second off is better than none.
    }
  },
};

let socketIoLoading = null;

/** Load the Socket.IO client (served by this app) once; a page may start it early. */
export function loadSocketIo() {
  if (window.io) return Promise.resolve(window.io);
  if (!socketIoLoading) {
    socketIoLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/assets/vendor/socket.io.min.js";
      script.addEventListener("load", () => resolve(window.io));
      script.addEventListener("error", () => {
        socketIoLoading = null;
        reject(new Error(t("The connection code could not be loaded.")));
      });
      document.head.append(script);
    });
  }
  return socketIoLoading;
}

export class Live {
  /**
   * @param {object} options
   * @param {string} options.token - console, display or participant token
   * @param {boolean} [options.member] - a participant's phone (REFUSALS' member column)
   * @param {string} [options.outboxKey] - localStorage key of the queue of pending actions
   * @param {(item: object) => boolean} [options.settled] - the server already has this tap
   * @param {Object<string, Function>} [options.on] - handlers of a screen's own server events
   */
  constructor({ token, member = false, outboxKey, settled, on = {}, onView, onPersonal, onStatus, onRefused, onSent, onEnded }) {
    this.token = token;
    // A phone's refusals read the member column of REFUSALS; consoles and displays, staff.
    this.kind = member ? "member" : "staff";
    this.outboxKey = outboxKey;
    // Whether the server already holds what a queued tap asks for (say, the poll is answered).
    this.settled = settled ?? (() => false);
    this.version = null;
    this.handlers = { onView, onPersonal, onStatus, onRefused, onSent, onEnded };
    this.on = on;
    this.flushing = false;
    this.socket = null;
    this.stopped = false;
    this.trouble = "";
    this.connectBackoff = new Backoff();
    this.tapBackoff = new Backoff();
    this.reconnectTimer = null;
    this.flushTimer = null;
  }

  start() {
    if (this.stopped) return this;
    this.status("connecting");
    loadSocketIo().then(
      () => {
        if (!this.stopped) this.open();
      },
      () => {
        // Stopped meanwhile (the member left or was removed): nothing to load any more.
        if (this.stopped) return;
        this.status(navigator.onLine ? "reconnecting" : "offline");
        setTimeout(() => this.start(), 3000);
      },
    );
    return this;
  }

  open() {
    this.socket = window.io({ auth: { token: this.token }, reconnectionDelayMax: 5000 });
    const socket = this.socket;
    socket.on("connect", () => this.connected());
    socket.on("disconnect", (reason) => {
      // Stopped (left, forgotten, or the session ended for this screen): nothing to resume.
      if (this.stopped) return;
      this.status(navigator.onLine ? "reconnecting" : "offline");
      // The server closed this connection on purpose: try again, it says why if it refuses.
      if (reason === "io server disconnect") {
        setTimeout(() => {
          if (!this.stopped) socket.connect();
        }, 1000);
      }
    });
    socket.on("connect_error", (error) => {
      const refusal = error?.data?.code ? error.data : null;
      if (!refusal) {
        // No answer at all: Socket.IO tries again by itself.
        this.status(navigator.onLine ? "reconnecting" : "offline");
        return;
      }
      const taken = verdict(this.kind, refusal.code);
      if (taken === "retry") {
        // A refused connection is not retried by Socket.IO: this page does it.
        this.status("retrying", refusal.code);
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = setTimeout(() => {
          if (!socket.connected && !this.stopped && navigator.onLine) socket.connect();
        }, this.connectBackoff.next());
        return;
      }
      this.refused(refusal);
    });
    socket.on("view", (view) => this.applyView(view));
    socket.on("personal", (personal) => this.handlers.onPersonal?.(personal));
    for (const [event, handler] of Object.entries(this.on)) socket.on(event, (data) => this.stopped || handler(data));
    for (const event of Object.keys(ENDINGS)) socket.on(event, (data) => this.ended(event, data));
    window.addEventListener("offline", () => {
      if (this.stopped) return;
      this.status("offline");
      socket.disconnect();
    });
    window.addEventListener("online", () => {
      if (!socket.connected && !this.stopped) {
        this.status("reconnecting");
        socket.connect();
      }
    });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    this.socket?.disconnect();
  }

  /**
   * The server ended this screen's part in the session (`session_deleted`, or for a
   * console `access_ended`) and disconnects it: stop, so that nothing reconnects and the
   * status does not say "Reconnecting" forever, and let the screen say why.
   */
  ended(event, data) {
    if (this.stopped) return;
    this.stop();
    this.status("ended");
    const message = typeof data?.message === "string" && data.message.trim() ? data.message.trim() : ENDINGS[event]();
    this.handlers.onEnded?.(event, message);
  }

  /** Set the connection state; `trouble` is the code of the refusal being retried. */
  status(state, trouble = "") {
    this.state = state;
    this.trouble = trouble;
    this.handlers.onStatus?.(state, this.pending().length, trouble);
  }

  async connected() {
    clearTimeout(this.reconnectTimer);
    this.connectBackoff.reset();
    this.status("online");
    serverClock.calibrate();
    const ack = await this.emit("sync", { version: this.version });
    if (this.stopped) return;
    if (ack?.ok && !ack.unchanged) {
      this.applyView(ack.view, true);
      if (ack.personal) this.handlers.onPersonal?.(ack.personal);
    } else if (ack && !ack.ok && ack.error.code !== "offline") {
      if (verdict(this.kind, ack.error.code) !== "retry") {
        this.refused(ack.error);
        return;
      }
      // Connected, but the server could not say where the session is: ask again soon.
      this.status("retrying", ack.error.code);
      this.reconnectTimer = setTimeout(() => {
        if (this.socket?.connected && !this.stopped) this.connected();
      }, this.connectBackoff.next());
      return;
    }
    this.flush();
  }

  /** A refusal this screen must not retry: for a phone, its membership has ended. */
  refused(error) {
    this.status("refused");
    this.handlers.onRefused?.(error);
  }

  applyView(view, fresh = false) {
    if (!view || this.stopped) return;
    if (!fresh && this.version !== null && view.version < this.version) return;
    this.version = view.version;
    this.handlers.onView?.(view);
  }

  /** Send an event now and resolve with its ack; {ok:false} when not connected. */
  emit(event, payload = {}) {
    return new Promise((resolve) => {
      if (!this.socket || !this.socket.connected) {
        resolve({ ok: false, error: { code: "offline", message: t("Not connected; trying again.") } });
        return;
      }
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (error, ack) => {
        resolve(error ? { ok: false, error: { code: "timeout", message: t("No answer from the server.") } } : ack);
      });
    });
  }

  pending() {
    if (!this.outboxKey) return [];
    try {
      return JSON.parse(localStorage.getItem(this.outboxKey) || "[]");
    } catch {
      return [];
    }
  }

  savePending(items) {
    localStorage.setItem(this.outboxKey, JSON.stringify(items));
    this.handlers.onStatus?.(this.state, items.length);
  }

  /** Keep an action on the phone and send it as soon as there is a connection. */
  queue(event, payload) {
    const item = { event, payload: { action_id: actionId(), ...payload } };
    this.savePending([...this.pending(), item]);
    this.flush();
    return item;
  }

  async flush() {
    if (this.flushing || this.stopped || !this.socket?.connected) return;
    clearTimeout(this.flushTimer);
    this.flushing = true;
    try {
      for (;;) {
        const [item] = this.pending();
        if (!item) break;
        // Counted already (an earlier try whose ack was lost, or another tab): done.
        const ack = this.settled(item) ? { ok: true, duplicate: true } : await this.emit(item.event, item.payload);
        if (!ack || ack.error?.code === "offline") break;
        const taken = ack.ok ? "done" : verdict("tap", ack.error.code);
        if (taken === "ends") {
          this.refused(ack.error);
          return;
        }
        if (taken === "retry") {
          // Kept on the phone: the same action_id again later counts once. (Without a
          // connection the status already says so, and the reconnect flushes.)
          if (this.socket?.connected) this.status("retrying", ack.error.code);
          const pause = ack.error.code === "rate_limited" ? RATE_LIMITED_PAUSE_MS : this.tapBackoff.next();
          this.flushTimer = setTimeout(() => this.flush(), pause);
          return;
        }
        // Acknowledged, or refused for good (say, the poll closed): either way it is done.
        this.tapBackoff.reset();
        this.savePending(this.pending().filter((p) => p.payload.action_id !== item.payload.action_id));
        this.handlers.onSent?.(item, ack);
      }
      if (this.state === "retrying" && this.socket?.connected) this.status("online");
    } finally {
      this.flushing = false;
    }
  }
}

// Said while a refusal is retried, by its code; any other code gets the last line.
const TROUBLE = {
  storage_unavailable: () => t("The server cannot save right now."),
  corrupt: () => t("The server cannot read this session right now."),
  rate_limited: () => t("The server asked for a short pause."),
  timeout: () => t("The server did not answer in time."),
  conflict: () => t("The server was busy."),
  busy: () => t("The server was busy."),
};

/** Text for a connection state, for the status line of each screen. */
export function statusText(state, pending = 0, trouble = "") {
  const saved = pending ? tn("{count} tap is saved on this phone and will be sent.", "{count} taps are saved on this phone and will be sent.", pending) : "";
  const waiting = saved ? ` ${saved}` : "";
  switch (state) {
    case "online":
      return pending ? `${t("Connected. Sending…")}${waiting}` : t("Connected.");
    case "retrying":
      return `${TROUBLE[trouble]?.() ?? t("The server had a problem.")} ${t("Trying again soon.")}${waiting}`;
    case "connecting":
      return t("Connecting…");
    case "offline":
      return `${t("No network. Reconnecting when it is back.")}${waiting}`;
    case "refused":
      return t("The server refused this connection.");
    case "ended":
      return t("Not connected.");
    default:
      return `${t("Connection lost. Reconnecting…")}${waiting}`;
  }
}
