// The sign-in page. A one-time link carries its token in the address's fragment
// (/login#token=...), which browsers never send: this script posts it instead, so that
// it reaches no access log, proxy or Referer header.

import { api, byId } from "./dom.js";

const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (token) {
  // Out of the address bar and the history before anything else happens.
  history.replaceState(null, "", location.pathname);
  api("/login/link", { method: "POST", body: { token }, csrf: byId("csrf").value }).then(
    () => location.assign("/"),
    (error) => {
      byId("login-error").textContent = error.message;
    },
  );
}
