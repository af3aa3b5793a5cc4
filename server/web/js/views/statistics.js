// Statistics as charts: complaints by product, model, cause and month; hand-off compliance;
// return-visit satisfaction.

import { api } from "../api.js";
import { bars } from "../charts.js";
import { fill, h } from "../dom.js";
import { number, percent, t } from "../i18n.js";
import { session } from "../session.js";

function chartCard(title, chart, ...more) {
  return h("section", { class: "card", "data-chart": title }, h("h2", {}, title), chart, more);
}

export async function statistics(main) {
  const axes = [
    ["product", "stats.byProduct"],
    ["model", "stats.byModel"],
    ["cause", "stats.byCause"],
    ["month", "stats.byMonth"],
  ];
  const [groups, handoff, visits] = await Promise.all([
    Promise.all(axes.map(([by]) => api(`/v1/statistics/complaints?by=${by}`))),
    api("/v1/statistics/handoff"),
    api("/v1/statistics/return-visits"),
  ]);
  const complaintCharts = axes.map(([by, label], i) => {
    let rows = groups[i].groups.map((g) => [g.key ?? t("unknown"), g.complaints]);
    if (by === "month") rows = rows.sort(([a], [b]) => String(a).localeCompare(String(b)));
    return chartCard(
      t(label),
      bars(t(label), rows.slice(0, 15), (n) => number(n)),
    );
  });
  fill(
    main,
    h("h1", {}, t("stats.title")),
    h(
      "div",
      { class: "charts" },
      complaintCharts,
      chartCard(
        t("stats.handoff", { minutes: session().handoff_minutes }),
        bars(
          t("stats.handoff", { minutes: session().handoff_minutes }),
          [
            [t("stats.byDevice"), handoff.share_by_device],
            [t("stats.byReceipt"), handoff.share_by_receipt],
          ],
          percent,
        ),
        h("p", { class: "muted" }, `${number(handoff.handed_off)} / ${number(handoff.tickets)}`),
      ),
      chartCard(
        t("stats.satisfaction"),
        bars(
          t("stats.satisfaction"),
          visits.by_satisfaction.map((n, i) => ["★".repeat(i + 1), n]),
          (n) => number(n),
        ),
        h(
          "p",
          { class: "muted" },
          t("stats.mean", {
            m: visits.mean_satisfaction === null ? "—" : number(visits.mean_satisfaction, 1),
            d: number(visits.done),
            p: number(visits.planned),
          }),
        ),
      ),
    ),
  );
}
