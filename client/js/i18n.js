// The words of the screens, in the reader's language. Every string a page shows is
// written in English where it is used: as a page's marked text (data-i18n), or as
// t("...") and tn("...", "...", n) in a module. The English is the message's id; the
// app serves each screen's translations as JSON (/assets/i18n/<screen>.json), read
// once before the screen draws. A string with no translation is shown in English.

let catalog = { language: "en", dir: "ltr", messages: {}, languages: [] };
let plurals = new Intl.PluralRules("en");
// The English of each translated element and attribute, to translate again on a switch.
const originals = new WeakMap();

/**
 * Read the screen's messages for the first language of `wanted` (tags, most wanted
 * first) that the app has, else the browser's. Returns the language chosen; falls back
 * to English when the catalog cannot be read (a page in English beats no page).
 */
export async function load(screen, wanted = []) {
  const tags = [...wanted, ...(navigator.languages || [navigator.language])].filter(Boolean);
  const query = encodeURIComponent(Array.from(new Set(tags)).slice(0, 10).join(","));
  try {
    const response = await fetch(`/assets/i18n/${screen}.json?languages=${query}`, { credentials: "same-origin" });
    if (response.ok) use(await response.json());
  } catch {
    // Offline with nothing cached: English, as written in the page.
  }
  applyTo(document);
  return catalog.language;
}

/** Take a catalog (as the app serves it) as the page's language. */
export function use(next) {
  catalog = { language: "en", dir: "ltr", messages: {}, languages: [], ...next };
  plurals = new Intl.PluralRules(pluralLocale(catalog.language));
  document.documentElement.lang = catalog.language;
  document.documentElement.dir = catalog.dir;
}

/** The language the page is in ("es"), its direction, and the languages the app has. */
export const language = () => catalog.language;
export const direction = () => catalog.dir;
export const languages = () => catalog.languages;

/** Translate `text`, filling each {name} from `params` (numbers in the reader's style). */
export function t(text, params = {}) {
  const found = catalog.messages[text];
  return fill(typeof found === "string" && found ? found : text, params);
}

/** Translate a message that depends on a count: tn("{count} answer", "{count} answers", n, {count: n}). */
export function tn(singular, plural, count, params = {}) {
  const found = catalog.messages[singular];
  const category = plurals.select(count);
  let text;
  if (found && typeof found === "object") text = found[category] || found.other || (count === 1 ? singular : plural);
  else text = category === "one" ? singular : plural;
  return fill(text, { count, ...params });
}

/**
 * Translate `text` into a list of strings and nodes, for a sentence with an element in
 * it: parts(t-text "Open {address} and type", { address: strongElement }). Put it in
 * place with element.replaceChildren(...parts(...)).
 */
export function parts(text, params = {}) {
  const found = catalog.messages[text];
  const translated = typeof found === "string" && found ? found : text;
  return translated.split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/).map((piece) => {
    const name = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(piece)?.[1];
    if (!name || !(name in params)) return piece;
    const value = params[name];
    return value instanceof Node ? value : fill(piece, params);
  }).filter((piece) => piece !== "");
}

/** A number as the reader writes it (1 234,5 in French). */
export function number(value, options = {}) {
  return new Intl.NumberFormat(catalog.language, options).format(value);
}

/** A date and time as the reader writes them; `options` as Intl.DateTimeFormat takes. */
export function dateTime(date, options) {
  return new Intl.DateTimeFormat(catalog.language, options).format(date);
}

function fill(text, params) {
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === "number" ? number(value) : String(value);
  });
}

function pluralLocale(tag) {
  // The pseudo-languages follow English rules (ar-XB would pick Arabic's six forms).
  if (tag === "en-XA" || tag === "ar-XB") return "en";
  try {
    return Intl.PluralRules.supportedLocalesOf([tag]).length ? tag : "en";
  } catch {
    return "en";
  }
}

/**
 * Translate the marked text and attributes under `root`: elements with data-i18n (their
 * text) and data-i18n-attrs="placeholder aria-label" (those attributes). Safe to call
 * again, say after a language switch: the English is kept aside the first time.
 */
export function applyTo(root) {
  const elements = root.querySelectorAll ? root.querySelectorAll("[data-i18n], [data-i18n-attrs]") : [];
  for (const element of elements) {
    let english = originals.get(element);
    if (!english) {
      english = { text: null, attrs: {} };
      if (element.hasAttribute("data-i18n")) english.text = element.textContent.replace(/\s+/g, " ").trim();
      for (const name of (element.getAttribute("data-i18n-attrs") || "").split(/\s+/).filter(Boolean)) {
        const value = element.getAttribute(name);
        if (value) english.attrs[name] = value.replace(/\s+/g, " ").trim();
      }
      originals.set(element, english);
    }
    if (english.text) element.textContent = t(english.text);
    for (const [name, value] of Object.entries(english.attrs)) element.setAttribute(name, t(value));
  }
}
