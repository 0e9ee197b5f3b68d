"""Finding words on a page that did not come from a catalog.

In the pseudo-languages (facilitator/catalogs.py) every translated string is wrapped in
⟦ ⟧. A page opened in one and driven through its states must show no letter outside
those brackets, except in what the page marks as content (`data-content`): names,
protocol texts, answers and codes, which come from people and protocols, not catalogs.
"""

from __future__ import annotations

from playwright.sync_api import Page

PSEUDO_LTR = "en-XA"
PSEUDO_RTL = "ar-XB"

# Every text node, the document's title and the attributes people read (labels,
# placeholders, tooltips), hidden ones too: a hidden panel is shown in some state.
UNWRAPPED = r"""() => {
  const letters = /\p{L}/u;
  const strip = (text) => {
    let rest = text.replace(/[\u202a-\u202e\u2066-\u2069]/g, "");
    for (let before = ""; before !== rest; ) {
      before = rest;
      rest = rest.replace(/⟦[^⟦⟧]*⟧/g, "");
    }
    return rest;
  };
  const exempt = (element) => !element || element.closest("[data-content], script, style, noscript, template");
  const found = [];
  if (letters.test(strip(document.title))) found.push(`title: ${document.title}`);
  // An element's own text as one string, an element inside standing for one space: a
  // sentence with a link or a name in it is one message, split around that element.
  for (const element of [document.body, ...document.body.querySelectorAll("*")]) {
    if (exempt(element)) continue;
    const own = Array.from(element.childNodes, (n) => (n.nodeType === Node.TEXT_NODE ? n.textContent : n.nodeType === Node.ELEMENT_NODE ? " " : "")).join("");
    if (letters.test(strip(own))) found.push(`${element.tagName.toLowerCase()}#${element.id}: ${own.trim()}`);
  }
  for (const name of ["aria-label", "placeholder", "title", "alt", "aria-roledescription"]) {
    for (const element of document.querySelectorAll(`[${name}]`)) {
      if (exempt(element)) continue;
      const value = element.getAttribute(name);
      if (letters.test(strip(value))) found.push(`${element.tagName.toLowerCase()}#${element.id}[${name}]: ${value}`);
    }
  }
  return found;
}"""


def unwrapped(page: Page) -> list[str]:
    """Return each string on the page that no catalog translated, where it is."""
    found: list[str] = page.evaluate(UNWRAPPED)
    return found


def assert_translated(page: Page, state: str) -> None:
    """Every word the page shows in `state` came from a catalog."""
    found = unwrapped(page)
    assert not found, f"{state}: not from a catalog:\n" + "\n".join(found)
