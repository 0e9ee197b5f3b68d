// How each poll kind's results and named answers are drawn on the console and the room
// display: one entry per kind, as on the server (facilitator/core/poll_kinds.py).

import { h } from "./dom.js";

function barList(entries) {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return h(
    "ul",
    { class: "bars" },
    entries.map(([label, n]) => {
      const fill = h("span", { class: "fill" });
      fill.style.width = `${(100 * n) / max}%`;
      return h("li", {}, h("span", { text: label }), h("span", { class: "track", "aria-hidden": "true" }, fill), h("span", { class: "n", text: String(n) }));
    }),
  );
}

const counted = (summary) => barList(Object.entries(summary.counts));
const optionList = (poll, value) => (Array.isArray(value) ? value.map((i) => poll.options[i]).join(", ") : poll.options[value]);

const KINDS = {
  scale: { chart: counted, answer: (poll, a) => String(a.answer) },
  single_choice: { chart: counted, answer: (poll, a) => optionList(poll, a.answer) },
  multiple_choice: { chart: counted, answer: (poll, a) => optionList(poll, a.answer) },
  short_text: {
    chart: (summary) => h("ul", {}, summary.texts.map((t) => h("li", { class: "note-text", text: t }))),
    answer: (poll, a) => String(a.answer),
  },
  instrument: {
    chart: (summary) => h("p", { text: `Totals: ${summary.totals.join(", ")}` }),
    answer: (poll, a) => `total ${a.total}`,
  },
  ranking: {
    // Most points first; the bar and number are the Borda points, the label adds the mean place.
    chart: (summary) =>
      h(
        "div",
        { class: "ranking-results" },
        h("p", { class: "help", text: "Points: first place earns one point for each option ranked below it." }),
        barList(
          Object.entries(summary.points)
            .sort((a, b) => b[1] - a[1])
            .map(([option, points]) => [summary.mean_ranks[option] === null ? option : `${option} (mean place ${summary.mean_ranks[option]})`, points]),
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
