// The load generator: many socket.io-client connections in one Node process.
//
// Usage: node loadgen.js SPEC.json  -> one JSON object on stdout.
// Every trigger and every receipt is timed with performance.now() in this process, so
// latencies are on one clock. Modes: join (HTTP joins only), broadcast (one room,
// serialized pushes), groups (many small sessions on a timeline), burst (one vote
// burst), storm (joins spread over a window, each followed by a connect).
"use strict";

const fs = require("fs");
const http = require("http");
const { io } = require("socket.io-client");

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => process.stderr.write(`[loadgen] ${args.join(" ")}\n`);

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const r = (x) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    n: sorted.length,
    p50_ms: r(percentile(sorted, 50)),
    p99_ms: r(percentile(sorted, 99)),
    max_ms: r(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

// CPU seconds used so far by the server processes (all their threads), from /proc.
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids || []) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime and stime
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

// Busy share of the servers' cores and of this generator's own core over a phase.
// With `redisPid`, Redis's own CPU seconds too, apart: they are not the servers'.
function cpuMeter(pids, redisPid) {
  const redis = redisPid ? [redisPid] : [];
  const start = { wall: now(), server: cpuSeconds(pids), redis: cpuSeconds(redis), self: process.cpuUsage() };
  return () => {
    const wall = (now() - start.wall) / 1000;
    const self = process.cpuUsage(start.self);
    return {
      redis_cpu_s: redisPid ? Math.round((cpuSeconds(redis) - start.redis) * 100) / 100 : null,
      wall_s: Math.round(wall * 10) / 10,
      server_cpu_s: Math.round((cpuSeconds(pids) - start.server) * 100) / 100,
      server_busy: Math.round(((cpuSeconds(pids) - start.server) / wall) * 100) / 100,
      loadgen_busy: Math.round(((self.user + self.system) / 1e6 / wall) * 100) / 100,
    };
  };
}

function rssKb(pids) {
  let total = 0;
  for (const pid of pids || []) {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    total += Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  }
  return total;
}

// -- connecting --------------------------------------------------------------------

function connectOne(url, auth) {
  return new Promise((resolve) => {
    const started = now();
    const socket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: spec.connectTimeoutMs || 20000,
      auth: auth || {},
    });
    const done = (ok, error) => {
      socket.off("connect");
      socket.off("connect_error");
      resolve({ socket, ok, error, ms: now() - started });
    };
    socket.on("connect", () => done(true, null));
    socket.on("connect_error", (err) => done(false, String(err && err.message)));
  });
}

// Connect in batches, as a crowd arriving does; `prepare` attaches handlers first.
async function connectAll(targets, batch, prepare) {
  const out = new Array(targets.length);
  const started = now();
  for (let i = 0; i < targets.length; i += batch) {
    const slice = targets.slice(i, i + batch);
    const results = await Promise.all(
      slice.map(async (t, j) => {
        const r = await connectOne(t.url, t.auth);
        return r;
      }),
    );
    results.forEach((r, j) => {
      out[i + j] = r;
      if (prepare) prepare(r.socket, i + j);
    });
  }
  const failed = out.filter((r) => !r.ok);
  return {
    results: out,
    connected: out.length - failed.length,
    failed: failed.length,
    errors: [...new Set(failed.map((r) => r.error))].slice(0, 5),
    seconds: (now() - started) / 1000,
    connect: summary(out.filter((r) => r.ok).map((r) => r.ms)),
  };
}

// One fresh connection per join, as each phone has its own. On a reused keep-alive
// connection gevent's pywsgi answers ~40 ms late (Nagle and delayed ACK: it sends the
// headers and the body apart, without TCP_NODELAY); fetch() reuses connections.
const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });

function postJson(url, body) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": data.length },
      },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => {
          let parsed = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch (e) {
            parsed = null;
          }
          resolve({ status: response.statusCode, data: parsed });
        });
      },
    );
    request.setTimeout(30000, () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    request.end(data);
  });
}

// Join one member per code over HTTP, `concurrency` at a time; returns tokens in order.
async function joinAll(url, codes, concurrency) {
  const n = codes.length;
  const tokens = new Array(n).fill(null);
  const errors = {};
  let next = 0;
  const started = now();
  async function worker() {
    while (next < n) {
      const i = next++;
      try {
        const r = await postJson(`${url}/api/join`, joinBody(codes[i]));
        if (r.status === 201) tokens[i] = r.data.token;
        else errors[r.status] = (errors[r.status] || 0) + 1;
      } catch (e) {
        errors[String(e.message)] = (errors[String(e.message)] || 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { tokens, errors, seconds: (now() - started) / 1000 };
}

// A release from before consent at joining (BENCH_JOIN_CONSENT=0) refuses the field.
function joinBody(code) {
  return spec.joinConsent === false ? { code } : { code, consent: true };
}

function closeAll(sockets) {
  for (const s of sockets) if (s) s.disconnect();
}

// Events a member's phone sends; every other event is a facilitator command, which
// carries a command id of its own (the server applies a command id once).
const MEMBER_EVENTS = new Set(["submit_answer", "send_signal", "leave_session", "sync"]);
let commandIds = 0;
const newCommandId = () => `bench-${process.pid}-c${++commandIds}`;

function emitAck(socket, event, payload, timeoutMs = 30000) {
  // A release from before command ids (BENCH_COMMAND_IDS=0) refuses the field.
  if (spec.commandIds === false) {
    if (payload) delete payload.command_id;
  } else if (!MEMBER_EVENTS.has(event) && payload && payload.command_id === undefined) {
    payload = { command_id: newCommandId(), ...payload };
  }
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, reply) => {
      resolve(err ? { ok: false, error: { code: "timeout" } } : reply);
    });
  });
}

// -- mode: broadcast ---------------------------------------------------------------
// Receivers listen for `spec.event`; each distinct value of msg[spec.key] is one push.

// Members who arrive as a join storm: each phone joins over HTTP at its moment of the
// window, then connects with its token; timed from the join to the connect's first view.
async function joinStorm(storm, prepare) {
  const n = storm.clients;
  const out = new Array(n);
  const started = now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await sleep((i / n) * storm.windowMs);
      const t = now();
      const url = spec.urls[i % spec.urls.length];
      let joined;
      try {
        joined = await postJson(`${url}/api/join`, joinBody(storm.code));
      } catch (e) {
        out[i] = { ok: false, error: `join ${e.message}`, socket: null };
        return;
      }
      if (joined.status !== 201) {
        out[i] = { ok: false, error: `join ${joined.status}`, socket: null };
        return;
      }
      const socket = io(url, {
        transports: ["websocket"], forceNew: true, reconnection: false,
        timeout: 30000, auth: { token: joined.data.token },
      });
      prepare(socket, i);
      out[i] = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ ok: false, error: "no view within 30 s", socket }), 30000);
        socket.once(spec.event, () => {
          clearTimeout(timer);
          resolve({ ok: true, socket, ms: now() - t });
        });
        socket.once("connect_error", (err) => {
          clearTimeout(timer);
          resolve({ ok: false, error: `connect ${err.message}`, socket });
        });
      });
    }),
  );
  const failed = out.filter((r) => !r.ok);
  const errors = {};
  failed.forEach((r) => (errors[r.error] = (errors[r.error] || 0) + 1));
  return {
    results: out,
    connected: n - failed.length,
    failed: failed.length,
    errors,
    seconds: (now() - started) / 1000,
    connect: summary(out.filter((r) => r.ok).map((r) => r.ms)),
  };
}

async function broadcast() {
  const rssBefore = rssKb(spec.serverPids);
  const storm = spec.storm; // {code, clients, windowMs}: members join as a storm
  const targets = storm
    ? Array.from({ length: storm.clients }, (_, i) => ({ url: spec.urls[i % spec.urls.length] }))
    : spec.receivers.map((auth, i) => ({ url: spec.urls[i % spec.urls.length], auth }));
  const pushes = spec.pushes; // [{event, payload, warmup}]
  const t0 = new Array(pushes.length).fill(null);
  const latencies = pushes.map(() => []);
  const keyToPush = new Map();
  let current = -1;
  let duplicates = 0;
  let unattributed = 0;
  const clientSeen = [];
  // Every message any member receives while the pushes run: the server's deliveries.
  let counting = false;
  let received = 0;
  const prepare = (socket, i) => {
    const seen = new Set();
    clientSeen[i] = seen;
    socket.onAny(() => {
      if (counting) received++;
    });
    socket.on(spec.event, (msg) => {
      const t = now();
      const key = msg && msg[spec.key];
      if (seen.has(key)) {
        duplicates++;
        return;
      }
      seen.add(key);
      if (current < 0) return; // the view sent on connect
      let push = keyToPush.get(key);
      if (push === undefined) {
        push = current;
        keyToPush.set(key, push);
      }
      if (t0[push] === null) {
        unattributed++;
        return;
      }
      latencies[push].push(t - t0[push]);
    });
  };
  const conn = storm ? await joinStorm(storm, prepare) : await connectAll(targets, spec.batch, prepare);
  await sleep(spec.settleMs || 2000);
  const rssConnected = rssKb(spec.serverPids);
  log(`connected ${conn.connected}/${targets.length} in ${conn.seconds.toFixed(1)} s`);
  const trigger = await connectOne(spec.triggerUrl || spec.urls[0], spec.triggerAuth);
  if (!trigger.ok) throw new Error(`trigger could not connect: ${trigger.error}`);
  await sleep(500);
  const acks = [];
  let cpu = null;
  for (let k = 0; k < pushes.length; k++) {
    if (!pushes[k].warmup && cpu === null) {
      cpu = cpuMeter(spec.serverPids, spec.redisPid);
      counting = true;
    }
    current = k;
    t0[k] = now();
    const reply = await emitAck(trigger.socket, pushes[k].event, pushes[k].payload);
    acks.push({ ms: now() - t0[k], ok: !!(reply && reply.ok), error: reply && reply.error });
    const deadline = now() + (spec.waitMs || 15000);
    while (latencies[k].length < conn.connected && now() < deadline) await sleep(5);
    await sleep(spec.gapMs || 200);
  }
  await sleep(500);
  counting = false;
  const busy = cpu ? cpu() : null;
  const counted = pushes.map((p, k) => !p.warmup);
  const all = [];
  const perPush = [];
  latencies.forEach((l, k) => {
    if (!counted[k]) return;
    all.push(...l);
    const s = summary(l);
    perPush.push({ delivered: l.length, p50_ms: s.p50_ms, p99_ms: s.p99_ms, ack_ms: acks[k].ms });
  });
  const measured = pushes.filter((p) => !p.warmup).length;
  closeAll(conn.results.map((r) => r.socket));
  trigger.socket.disconnect();
  return {
    clients: targets.length,
    connected: conn.connected,
    connect_failed: conn.failed,
    connect_errors: conn.errors,
    connect_seconds: conn.seconds,
    connect: conn.connect,
    join_storm: storm ? { clients: storm.clients, window_s: storm.windowMs / 1000, errors: conn.errors } : null,
    pushes: measured,
    messages_received: received,
    cpu: busy,
    expected: targets.length * measured,
    delivered: all.length,
    lost: targets.length * measured - all.length,
    duplicates,
    unattributed,
    latency: summary(all),
    per_push: perPush,
    acks_failed: acks.filter((a) => !a.ok).map((a) => a.error).slice(0, 5),
    rss_kb_before: rssBefore,
    rss_kb_connected: rssConnected,
  };
}

// -- polls: answers matched to the counts the facilitator sees -------------------------

// The k-th answer sent is matched to the first facilitator view with count >= k.
function answerLatencies(sent, countTimes) {
  const sorted = [...sent].sort((a, b) => a - b);
  const out = [];
  sorted.forEach((t, i) => {
    const seen = countTimes[i + 1];
    if (seen !== undefined) out.push(seen - t);
  });
  return out;
}

// The console's own module applies patches here as in the page (client/js/view_patch.js).
let patched = null;
const patching = import("../client/js/view_patch.js").then((m) => (patched = m.patched));

// A console's view: whole on connect and from `sync`, then `view_patch` applied to it as
// the console does; a patch that does not fit asks `sync`. `onView` sees each view.
function holdConsoleView(socket, onView) {
  let held = null;
  let resyncing = false;
  socket.on("view", (view) => {
    held = view;
    onView(view);
  });
  socket.on("view_patch", async (message) => {
    const next = held && patched(held, message);
    if (next) {
      held = next;
      onView(next);
      return;
    }
    if (resyncing || (held && held.revision === message.revision)) return;
    resyncing = true;
    const reply = await emitAck(socket, "sync", {});
    resyncing = false;
    if (reply && reply.view) {
      held = reply.view;
      onView(held);
    }
  });
}

function trackCounts(socket, polls) {
  holdConsoleView(socket, (view) => {
    const t = now();
    for (const p of view.polls || []) {
      const entry = polls.get(p.poll_id) || { counts: [], final: 0 };
      polls.set(p.poll_id, entry);
      for (let c = entry.final + 1; c <= p.count; c++) entry.counts[c] = t;
      entry.final = Math.max(entry.final, p.count);
    }
  });
}

// -- mode: groups ------------------------------------------------------------------

async function groups() {
  const rssBefore = rssKb(spec.serverPids);
  const sessions = spec.sessions.map((s, i) => ({
    ...s,
    index: i,
    pushes: [], // {t0, kind}
    keyToPush: new Map(),
    polls: new Map(), // poll_id -> {counts, final}
    sent: new Map(), // poll_id -> [send times]
    acked: new Map(), // poll_id -> Set of action ids acked as counted
    retriedDuplicates: 0,
  }));
  const stepLat = [];
  const pollLat = [];
  let duplicates = 0;
  let answerErrors = {};
  let running = false;
  const timers = [];
  const targets = [];
  sessions.forEach((s) =>
    s.participants.forEach((auth, j) => targets.push({ url: s.urls[j % s.urls.length], auth, s })),
  );
  // Every message a member or facilitator receives while the clock runs.
  let measuring = false;
  let received = 0;
  const count = () => {
    if (measuring) received++;
  };
  const conn = await connectAll(targets, spec.batch, (socket, i) => {
    const s = targets[i].s;
    const seen = new Set();
    const answered = new Set();
    socket.onAny(count);
    socket.on("view", (view) => {
      const t = now();
      const key = view.version;
      if (seen.has(key)) {
        duplicates++;
        return;
      }
      seen.add(key);
      if (!running) return;
      let push = s.keyToPush.get(key);
      if (push === undefined) {
        push = s.pushes.length - 1;
        s.keyToPush.set(key, push);
      }
      if (push >= 0) {
        const p = s.pushes[push];
        (p.kind === "step" ? stepLat : pollLat).push(t - p.t0);
      }
      const poll = view.poll;
      if (poll && !answered.has(poll.poll_id)) {
        answered.add(poll.poll_id);
        const delay = spec.answerDelayMs[0] + Math.random() * (spec.answerDelayMs[1] - spec.answerDelayMs[0]);
        timers.push(
          setTimeout(async () => {
            const actionId = `a-${i}-${poll.poll_id}`;
            const payload = { action_id: actionId, poll_id: poll.poll_id, value: Math.floor(Math.random() * 11) };
            const list = s.sent.get(poll.poll_id) || [];
            s.sent.set(poll.poll_id, list);
            list.push(now());
            const reply = await emitAck(socket, "submit_answer", payload);
            if (!reply || !reply.ok) {
              const code = (reply && reply.error && reply.error.code) || "no reply";
              answerErrors[code] = (answerErrors[code] || 0) + 1;
              list.pop();
              return;
            }
            const acked = s.acked.get(poll.poll_id) || new Set();
            s.acked.set(poll.poll_id, acked);
            acked.add(actionId);
            if (Math.random() < spec.retryShare) {
              // A phone that lost the ack retries with the same action id: counts once.
              const again = await emitAck(socket, "submit_answer", payload);
              if (again && again.ok && !again.duplicate) s.retriedDuplicates++;
            }
          }, delay),
        );
      }
    });
  });
  log(`participants connected ${conn.connected}/${targets.length} in ${conn.seconds.toFixed(1)} s`);
  const facs = await connectAll(
    sessions.map((s) => ({ url: s.urls[0], auth: s.facilitatorAuth })),
    spec.batch,
    (socket, i) => {
      socket.onAny(count);
      trackCounts(socket, sessions[i].polls);
    },
  );
  log(`facilitators connected ${facs.connected}/${sessions.length}`);
  // Start every session before the clock runs; a refusal (a conflict between two
  // processes, say) is retried as a facilitator would click again, and counted.
  const startErrors = {};
  await Promise.all(
    facs.results.map(async (r) => {
      for (let attempt = 0; r.ok && attempt < 5; attempt++) {
        const reply = await emitAck(r.socket, "start_session", {});
        if (reply && reply.ok) return;
        const why = reply && reply.error ? `${reply.error.code}: ${reply.error.message}` : "no reply";
        startErrors[why] = (startErrors[why] || 0) + 1;
        await sleep(200);
      }
    }),
  );
  await sleep(spec.settleMs || 2000);
  const rssConnected = rssKb(spec.serverPids);
  running = true;
  measuring = true;
  const cpu = cpuMeter(spec.serverPids, spec.redisPid);
  const commandErrors = {};
  let commandsSent = 0;
  // Every facilitator command carries an id of its own, as the console's do.
  const commandId = () => `bench-${process.pid}-${++commandsSent}`;
  const started = now();
  const runOne = async (s, socket) => {
    await sleep(Math.random() * spec.stepEveryMs);
    // Independent groups open their polls at their own moments; "together" puts every
    // group's poll in the same 2 s, the worst case of a programme-wide check-in.
    const pollPhase = spec.pollsTogether ? 0 : Math.floor(Math.random() * spec.pollEveryTicks);
    let step = 0;
    let dir = 1;
    let openPoll = null;
    for (let tick = 0; now() - started < spec.durationMs; tick++) {
      const tickAt = now();
      const command = async (kind, event, payload) => {
        s.pushes.push({ t0: now(), kind });
        const reply = await emitAck(socket, event, { command_id: commandId(), ...payload });
        if (!reply || !reply.ok) {
          const code = (reply && reply.error && reply.error.code) || "no reply";
          commandErrors[`${event}:${code}`] = (commandErrors[`${event}:${code}`] || 0) + 1;
        }
        return reply;
      };
      if (step + dir >= spec.agendaLength || step + dir < 0) dir = -dir;
      const moved = await command("step", dir > 0 ? "next_step" : "previous_step", {});
      if (moved && moved.ok) step += dir;
      if ((tick + pollPhase) % spec.pollEveryTicks === 0) {
        await sleep(spec.stepEveryMs / 2);
        if (openPoll) await command("close", "close_poll", { poll_id: openPoll });
        const reply = await command("poll", "open_poll", { poll: "mood10" });
        openPoll = reply && reply.ok ? pollIdOf(s) : null;
      }
      await sleep(Math.max(0, spec.stepEveryMs - (now() - tickAt)));
    }
    if (openPoll) await command_close(s, socket, openPoll);
  };
  const command_close = async (s, socket, pollId) => {
    await sleep(spec.answerDelayMs[1] + 1000);
    s.pushes.push({ t0: now(), kind: "close" });
    await emitAck(socket, "close_poll", { command_id: commandId(), poll_id: pollId });
  };
  await Promise.all(sessions.map((s, i) => facs.results[i].ok && runOne(s, facs.results[i].socket)));
  const busy = cpu();
  measuring = false;
  await sleep(2000);
  timers.forEach(clearTimeout);
  // Tally every poll: answers acked as counted against the count the facilitator saw.
  let expected = 0;
  let countedSeen = 0;
  let lost = 0;
  let doubled = 0;
  const answerLat = [];
  for (const s of sessions) {
    for (const [pollId, acked] of s.acked) {
      const seen = (s.polls.get(pollId) || { final: 0, counts: [] });
      expected += acked.size;
      countedSeen += Math.min(seen.final, acked.size);
      lost += Math.max(0, acked.size - seen.final);
      doubled += Math.max(0, seen.final - acked.size);
      answerLat.push(...answerLatencies(s.sent.get(pollId) || [], seen.counts));
    }
  }
  closeAll(conn.results.map((r) => r.socket));
  closeAll(facs.results.map((r) => r.socket));
  return {
    clients: targets.length,
    sessions: sessions.length,
    connected: conn.connected,
    connect_failed: conn.failed + facs.failed,
    connect_errors: [...conn.errors, ...facs.errors],
    connect_seconds: conn.seconds,
    steps: summary(stepLat),
    polls_opened: summary(pollLat),
    answers: { expected, counted: countedSeen, lost, double_counted: doubled, retry_counted_twice: sessions.reduce((a, s) => a + s.retriedDuplicates, 0), errors: answerErrors },
    answer_to_count: summary(answerLat),
    duplicates,
    command_errors: commandErrors,
    start_errors: startErrors,
    messages_received: received,
    rss_kb_before: rssBefore,
    rss_kb_connected: rssConnected,
    cpu: busy,
  };
}

// The facilitator learns a new poll's id from its own next view; the newest poll is it.
function pollIdOf(s) {
  return `poll-${s.pollCounter = (s.pollCounter || 0) + 1}`;
}

// -- mode: burst -------------------------------------------------------------------

async function burst() {
  const polls = new Map();
  const pollSeen = [];
  const targets = spec.receivers.map((auth) => ({ url: spec.urls[0], auth }));
  const conn = await connectAll(targets, spec.batch, (socket, i) => {
    socket.on("view", (view) => {
      if (view.poll) pollSeen[i] = view.poll.poll_id;
    });
  });
  log(`connected ${conn.connected}/${targets.length}`);
  const fac = await connectOne(spec.urls[0], spec.triggerAuth);
  trackCounts(fac.socket, polls);
  await emitAck(fac.socket, "start_session", {});
  const opened = await emitAck(fac.socket, "open_poll", { poll: "mood10" });
  const deadline = now() + 20000;
  while (pollSeen.filter(Boolean).length < conn.connected && now() < deadline) await sleep(10);
  const pollId = pollSeen.find(Boolean);
  await sleep(500);
  const sent = [];
  const acked = new Set();
  const errors = {};
  let retryCountedTwice = 0;
  const cpu = cpuMeter(spec.serverPids);
  const start = now();
  await Promise.all(
    conn.results.map(async (r, i) => {
      if (!r.ok) return;
      await sleep(Math.random() * spec.windowMs);
      const payload = { action_id: `b-${i}`, poll_id: pollId, value: i % 11 };
      sent.push(now());
      const reply = await emitAck(r.socket, "submit_answer", payload);
      if (!reply || !reply.ok) {
        const code = (reply && reply.error && reply.error.code) || "no reply";
        errors[code] = (errors[code] || 0) + 1;
        return;
      }
      acked.add(payload.action_id);
      if (Math.random() < spec.retryShare) {
        const again = await emitAck(r.socket, "submit_answer", payload);
        if (again && again.ok && !again.duplicate) retryCountedTwice++;
      }
    }),
  );
  const busy = cpu();
  const lastSent = Math.max(...sent);
  const entry = () => polls.get(pollId) || { counts: [], final: 0 };
  const wait = now() + 10000;
  while (entry().final < acked.size && now() < wait) await sleep(5);
  await sleep(1000);
  const seen = entry();
  const finalAt = seen.counts[acked.size];
  closeAll(conn.results.map((r) => r.socket));
  fac.socket.disconnect();
  return {
    clients: targets.length,
    connected: conn.connected,
    connect_failed: conn.failed,
    open_poll_ok: !!(opened && opened.ok),
    window_s: (lastSent - start) / 1000,
    expected: targets.length,
    acked: acked.size,
    counted: seen.final,
    lost: targets.length - Math.min(seen.final, acked.size),
    double_counted: Math.max(0, seen.final - acked.size) + retryCountedTwice,
    errors,
    last_answer_to_final_count_ms: finalAt === undefined ? null : Math.round((finalAt - lastSent) * 100) / 100,
    answer_to_count: summary(answerLatencies(sent, seen.counts)),
    cpu: busy,
  };
}

// -- mode: storm -------------------------------------------------------------------

async function storm() {
  const fac = await connectOne(spec.urls[0], spec.triggerAuth);
  let facViews = 0;
  fac.socket.on("view", () => facViews++);
  fac.socket.on("view_patch", () => facViews++);
  const results = [];
  const sockets = [];
  const start = now();
  await Promise.all(
    Array.from({ length: spec.clients }, async (_, i) => {
      await sleep((i / spec.clients) * spec.windowMs);
      const t = now();
      const result = { ok: false, stage: "join" };
      results.push(result);
      try {
        const joined = await postJson(`${spec.urls[0]}/api/join`, joinBody(spec.code));
        if (joined.status !== 201) {
          result.error = `join ${joined.status}`;
          return;
        }
        result.stage = "connect";
        const viewed = new Promise((resolve) => {
          const c = io(spec.urls[0], {
            transports: ["websocket"], forceNew: true, reconnection: false,
            timeout: 30000, auth: { token: joined.data.token },
          });
          sockets.push(c);
          c.once("view", () => resolve(true));
          c.once("connect_error", (err) => { result.error = `connect ${err.message}`; resolve(false); });
          setTimeout(() => resolve(false), 30000);
        });
        if (await viewed) {
          result.ok = true;
          result.ms = now() - t;
        } else if (!result.error) result.error = "no view within 30 s";
      } catch (e) {
        result.error = String(e.message);
      }
    }),
  );
  const seconds = (now() - start) / 1000;
  const ok = results.filter((r) => r.ok);
  const errors = {};
  results.filter((r) => !r.ok).forEach((r) => (errors[r.error] = (errors[r.error] || 0) + 1));
  closeAll(sockets);
  fac.socket.disconnect();
  return {
    clients: spec.clients,
    succeeded: ok.length,
    failed: spec.clients - ok.length,
    errors,
    seconds,
    join_to_view: summary(ok.map((r) => r.ms)),
    facilitator_views: facViews,
  };
}

async function joinOnly() {
  return joinAll(spec.url, spec.codes, spec.concurrency || 16);
}

const modes = { broadcast, groups, burst, storm, join: joinOnly };
const watchdog = setTimeout(() => {
  log(`gave up after ${spec.limitSeconds} s`);
  process.stdout.write(JSON.stringify({ error: `timed out after ${spec.limitSeconds} s` }) + "\n");
  process.exit(2);
}, (spec.limitSeconds || 300) * 1000);

patching
  .then(() => modes[spec.mode]())
  .then((result) => {
    clearTimeout(watchdog);
    // Exit only once the whole report is written: a pipe takes 64 KiB at a time.
    process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
  })
  .catch((error) => {
    process.stdout.write(JSON.stringify({ error: String(error && error.stack) }) + "\n");
    process.exit(1);
  });
