// The facilitator's home: list their sessions (those they own and those they run with
// the owner) and open a new one.

import { api, byId, fill, h } from "./dom.js";

let csrf = "";
let protocols = [];

/** One session of the list: its title, the user's part in it, its code and age. */
function sessionItem(session) {
  const co = session.role === "co_facilitator";
  const opened = `code ${session.join_code}, opened ${new Date(session.created_at * 1000).toLocaleString()}`;
  const about = co ? `with ${session.owner}${session.may_export ? " (may export)" : ""}; ${opened}` : opened;
  return h(
    "li",
    { "data-session": session.id, "data-role": session.role },
    h("a", { href: `/console/${encodeURIComponent(session.id)}`, text: session.title }),
    " ",
    // A list without roles (an older server) holds only the user's own sessions.
    session.role ? h("span", { class: "tag", text: co ? "co-facilitator" : "owner" }) : null,
    " ",
    h("span", { class: "help", text: about }),
  );
}

function fillSessions() {
  const protocol = protocols.find((p) => p.id === byId("protocol").value);
  fill(
    byId("number"),
    (protocol?.sessions || []).map((s) => h("option", { value: String(s.n), text: `${s.n}. ${s.title}` })),
  );
}

async function start() {
  const [me, list, catalog] = await Promise.all([api("/api/me"), api("/api/sessions"), api("/api/protocols")]);
  csrf = me.csrf_token;
  byId("logout-csrf").value = csrf;
  byId("logout-everywhere-csrf").value = csrf;
  protocols = catalog.protocols;
  fill(byId("protocol"), protocols.map((p) => h("option", { value: p.id, text: p.title })));
  fillSessions();
  byId("protocol").addEventListener("change", fillSessions);
  const sessions = [...list.sessions].sort((a, b) => b.created_at - a.created_at);
  byId("no-sessions").hidden = sessions.length > 0;
  fill(byId("sessions"), sessions.map(sessionItem));
  byId("create-button").disabled = false;
}

byId("create").addEventListener("submit", async (event) => {
  event.preventDefault();
  byId("create-button").disabled = true;
  try {
    const body = { protocol_id: byId("protocol").value, session_number: Number(byId("number").value) };
    const reply = await api("/api/sessions", { method: "POST", body, csrf });
    location.assign(`/console/${encodeURIComponent(reply.session_id)}`);
  } catch (error) {
    byId("create-error").textContent = error.message;
    byId("create-button").disabled = false;
  }
});

start().catch((error) => {
  if (error.status === 401) location.assign("/login");
  else byId("create-error").textContent = error.message;
});
