// The live connection every screen shares: connect with a token, resync after every
// (re)connect, and keep a participant's taps in a queue on the phone until the server
// has acknowledged them. Each queued action carries an action_id, so a resend after a
// dropped connection counts once.

import { actionId, api } from "./dom.js";

const ACK_TIMEOUT_MS = 10000;
const RATE_LIMITED_RETRY_MS = 1000;

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
        reject(new Error("The connection code could not be loaded."));
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
   * @param {string} [options.outboxKey] - localStorage key of the queue of pending actions
   */
  constructor({ token, outboxKey, onView, onPersonal, onStatus, onRefused, onSent }) {
    this.token = token;
    this.outboxKey = outboxKey;
    this.version = null;
    this.handlers = { onView, onPersonal, onStatus, onRefused, onSent };
    this.flushing = false;
    this.socket = null;
  }

  start() {
    this.status("connecting");
    loadSocketIo().then(
      () => this.open(),
      () => {
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
      this.status(navigator.onLine ? "reconnecting" : "offline");
      // The server closed this connection on purpose: try again, it says why if it refuses.
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
    });
    socket.on("connect_error", (error) => {
      if (error && error.data && error.data.code) {
        this.status("refused");
        this.handlers.onRefused?.(error.data);
      } else {
        this.status(navigator.onLine ? "reconnecting" : "offline");
      }
    });
    socket.on("view", (view) => this.applyView(view));
    socket.on("personal", (personal) => this.handlers.onPersonal?.(personal));
    window.addEventListener("offline", () => {
      this.status("offline");
      socket.disconnect();
    });
    window.addEventListener("online", () => {
      if (!socket.connected) {
        this.status("reconnecting");
        socket.connect();
      }
    });
  }

  stop() {
    this.socket?.disconnect();
  }

  status(state) {
    this.state = state;
    this.handlers.onStatus?.(state, this.pending().length);
  }

  async connected() {
    this.status("online");
    serverClock.calibrate();
    const ack = await this.emit("sync", { version: this.version });
    if (ack && ack.ok && !ack.unchanged) {
      this.applyView(ack.view, true);
      if (ack.personal) this.handlers.onPersonal?.(ack.personal);
    }
    this.flush();
  }

  applyView(view, fresh = false) {
    if (!view) return;
    if (!fresh && this.version !== null && view.version < this.version) return;
    this.version = view.version;
    this.handlers.onView?.(view);
  }

  /** Send an event now and resolve with its ack; {ok:false} when not connected. */
  emit(event, payload = {}) {
    return new Promise((resolve) => {
      if (!this.socket || !this.socket.connected) {
        resolve({ ok: false, error: { code: "offline", message: "Not connected; trying again." } });
        return;
      }
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (error, ack) => {
        resolve(error ? { ok: false, error: { code: "timeout", message: "No answer from the server." } } : ack);
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
    if (this.flushing || !this.socket?.connected) return;
    this.flushing = true;
    try {
      for (;;) {
        const [item] = this.pending();
        if (!item) break;
        const ack = await this.emit(item.event, item.payload);
        if (!ack || ack.error?.code === "offline" || ack.error?.code === "timeout") break;
        if (ack.error?.code === "rate_limited") {
          // Sent too fast: the server asks for a pause, not a different answer.
          setTimeout(() => this.flush(), RATE_LIMITED_RETRY_MS);
          break;
        }
        // Acknowledged, or refused for good (say, the poll closed): either way it is done.
        this.savePending(this.pending().filter((p) => p.payload.action_id !== item.payload.action_id));
        this.handlers.onSent?.(item, ack);
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** Text for a connection state, for the status line of each screen. */
export function statusText(state, pending = 0) {
  const waiting = pending ? ` ${pending} ${pending === 1 ? "tap is" : "taps are"} saved on this phone and will be sent.` : "";
  switch (state) {
    case "online":
      return "Connected.";
    case "connecting":
      return "Connecting…";
    case "offline":
      return `No network. Reconnecting when it is back.${waiting}`;
    case "refused":
      return "The server refused this connection.";
    default:
      return `Connection lost. Reconnecting…${waiting}`;
  }
}
