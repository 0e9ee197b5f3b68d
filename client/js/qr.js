// The join QR code, drawn in the page as SVG (no image fetched, nothing from another
// host): the room display shows it on the wall, the console one click from its bar.

import qrcode from "/assets/vendor/qrcode.mjs";
import { api } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
// Four modules of white around the code: scanners need the margin to find it.
const QUIET = 4;

/** Return the address a phone opens for join code `code` (the QR code's content). */
export async function joinUrl(code) {
  const { url } = await api(`/api/join-url/${encodeURIComponent(code)}`);
  return url;
}

/** Draw the QR code of `url` into the <svg> element `svg`, named `label` for screen readers. */
export function drawQr(svg, url, label) {
  const qr = qrcode(0, "M");
  qr.addData(url);
  qr.make();
  const size = qr.getModuleCount();
  let d = "";
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (qr.isDark(row, col)) d += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
    }
  }
  const total = size + 2 * QUIET;
  svg.setAttribute("viewBox", `0 0 ${total} ${total}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", String(total));
  background.setAttribute("height", String(total));
  background.setAttribute("fill", "#fff");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.replaceChildren(background, path);
  svg.setAttribute("aria-label", label);
}
