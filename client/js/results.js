// How each poll kind's results and named answers are drawn on the console and the room
// display: one entry per kind, as on the server (facilitator/core/poll_kinds.py).

import { h } from "./dom.js";
import { number, t } from "./i18n.js";

function barList(entries) {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return h(
    "ul",
    { class: "bars" },
    entries.map(([label, n]) => {
      const fill = h("span", { class: "fill" });
      fill.style.width = `${(100 * n) / max}%`;
      return h("li", {}, h("span", { text: label, "data-content": true }), h("span", { class: "track", "aria-hidden": "true" }, fill), h("span", { class: "n", text: number(n) }));
    }),
  );
}

const counted = (summary) => barList(Object.entries(summary.counts));

// Word sizes run from this share of the largest up to the largest, by the square root of
// each word's count over the top count: the eye reads area, and area grows with the square.
const SMALLEST_WORD = 0.3;

/**
 * Draw a short-text poll's words as a cloud: a list of words, each sized by its count.
 * `words` is [{word, count, hidden?}]; an entry marked hidden is left out, so that a
 * preview on the console matches the room. The layout is fixed by the words alone: the
 * most frequent word in the middle, the others alternately before and after it, in
 * order of count, then of the word.
 */
export function wordCloud(words) {
  const shown = words.filter((w) => !w.hidden && w.count > 0);
  shown.sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  const top = Math.max(1, ...shown.map((w) => w.count));
  const placed = [];
  shown.forEach((entry, rank) => {
    const weight = SMALLEST_WORD + (1 - SMALLEST_WORD) * Math.sqrt(entry.count / top);
    const item = h("li", { "data-count": String(entry.count) }, h("span", { text: entry.word, "data-content": true }), h("span", { class: "visually-hidden", text: ` (${number(entry.count)})` }));
    item.style.setProperty("--weight", weight.toFixed(3));
    item.classList.add(`tone-${rank % 3}`);
    if (rank % 2) placed.unshift(item);
    else placed.push(item);
  });
  return h("ul", { class: "cloud" }, placed);
}

const KINDS = {
  scale: { chart: counted, answer: (poll, a) => String(a.answer) },
  single_choice: { chart: counted, answer: (poll, a) => optionList(poll, a.answer) },
  multiple_choice: { chart: counted, answer: (poll, a) => optionList(poll, a.answer) },
  short_text: {
    chart: (summary) => wordCloud(summary.words),
    answer: (poll, a) => String(a.answer),
  },
  instrument: {
    chart: (summary) => h("p", { text: t("Totals: {totals}", { totals: summary.totals.map((n) => number(n)).join(", ") }) }),
    answer: (poll, a) => t("total {total}", { total: a.total }),
  },
  ranking: {
    // Most points first; the bar and number are the Borda points, the label adds the mean place.
    chart: (summary) =>
      h(
        "div",
        { class: "ranking-results" },
        h("p", { class: "help", text: t("Points: first place earns one point for each option ranked below it.") }),
        barList(
          Object.entries(summary.points)
            .sort((a, b) => b[1] - a[1])
            .map(([option, points]) => [summary.mean_ranks[option] === null ? option : t("{option} (mean place {place})", { option, place: summary.mean_ranks[option] }), points]),
        ),
      ),
    answer: (poll, a) => a.answer.map((i, place) => `${place + 1}. ${poll.options[i]}`).join(", "),
  },
};

/** Return the chart of a poll's revealed summary, or null for a kind this page does not know. */
export function resultsChart(poll, summary) {
  const kind = KINDS[poll.type];
  return kind ? kind.chart(summary) : null;
}

/** Return one member's named answer as text. */
export function answerText(poll, answer) {
  const kind = KINDS[poll.type];
  return kind ? kind.answer(poll, answer) : "";
}
