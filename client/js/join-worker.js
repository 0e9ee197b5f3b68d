// The phone page's service worker: keeps the page, its modules, styles, the Socket.IO
// client, the catalog of its words and the crisis text on the phone, so that a reload on
// bad Wi-Fi shows the last screen (kept by the page in localStorage), in its language, and
// its unsent taps instead of a browser error.
// Served at /join-worker.js and registered for the scope /join; nothing else passes here.

const CACHE = "facilitator-phone-2";
// The page's words, in the language it read last: kept without its ?languages=, so that
// a reload offline speaks that language whatever the page asks for.
const CATALOG = "/assets/i18n/participant.json";
// Everything the phone page loads. The page's address is kept without its ?code=.
const KEPT = [
  "/join",
  "/assets/css/app.css",
  "/assets/css/phone.css",
  "/assets/js/participant.js",
  "/assets/js/dom.js",
  "/assets/js/live.js",
  "/assets/js/results.js",
  "/assets/js/i18n.js",
  "/assets/vendor/socket.io.min.js",
  "/assets/i18n/participant.json",
  "/api/crisis",
  "/api/consent",
  "/api/languages",
];
// A slow network answers first if it can; past this, the kept copy is shown at once
// (and the network's answer, when it comes, still refreshes the copy).
const PATIENCE_MS = 4000;

self.addEventListener("install", (event) => {
  // Files the page just loaded come from the HTTP cache; the rest are small.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(KEPT))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("facilitator-phone-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// The page that installed this worker read its catalog before the worker could see it:
// it says which language it reads, and the worker keeps that catalog in place of the
// one it fetched on install (in the browser's language, not the phone's choice).
self.addEventListener("message", (event) => {
  const language = event.data?.keepCatalog;
  if (typeof language !== "string" || !/^[A-Za-z0-9-]{1,35}$/.test(language)) return;
  event.waitUntil(keepCatalog(language).catch(() => undefined));
});

async function keepCatalog(language) {
  const response = await fetch(`${CATALOG}?languages=${encodeURIComponent(language)}`, { credentials: "same-origin" });
  if (response.ok) await (await caches.open(CACHE)).put(CATALOG, response);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !KEPT.includes(url.pathname)) return;
  event.respondWith(networkFirst(event, url.pathname));
});

/** The network's answer, kept for later; the kept copy when the network fails or dawdles. */
async function networkFirst(event, key) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(event.request).then((response) => {
    // The page gets the answer at once; the copy is written beside it.
    if (response.ok) event.waitUntil(cache.put(key, response.clone()).catch(() => undefined));
    return response;
  });
  // The worker stays up until the network answered, even when the kept copy answered
  // first; a network that fails after that is no error of the page's.
  event.waitUntil(fromNetwork.then(() => undefined, () => undefined));
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, PATIENCE_MS);
  });
  try {
    const first = await Promise.race([fromNetwork, late]);
    if (first) return first;
  } catch {
    // No network: the kept copy below.
  } finally {
    clearTimeout(timer);
  }
  const kept = await cache.match(key);
  if (kept) return kept;
  return fromNetwork;
}
