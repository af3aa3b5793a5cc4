// Statistics over a period of days: complaints by the axis chosen (the largest groups and the
// others summed; months as a series), hand-off compliance, open corrective actions, return-visit
// satisfaction and costs, each with its Excel export.

import { api, query } from "../api.js";
import { bars, columns } from "../charts.js";
import { fill, h } from "../dom.js";
import { lang, money, name, number, percent, t } from "../i18n.js";
import { session } from "../session.js";

const AXES = [
  "product",
  "model",
  "cause",
  "responsibility",
  "month",
  "customer",
  "disposition",
  "technician",
  "department",
  "resolution",
  "product_code",
  "unit_customer",
  "cause_code",
];
const TOPS = ["5", "10", "20", "50"];

// What was chosen last, kept while the dashboard stays open.
const chosen = { from: "", to: "", by: "product", top: "10" };

function chartCard(key, title, chart, exportHref, ...more) {
  return h(
    "section",
    { class: "card", "data-chart": key },
    h(
      "div",
      { class: "card-head" },
      h("h2", {}, title),
      h("a", { class: "button secondary", href: exportHref, download: "", "data-export": key }, t("stats.export")),
    ),
    chart,
    more,
  );
}

// The name of a group of complaints counted by `by`.
function groupLabel(by, group) {
  const key = group.key;
  if (key === null) {
    const missing = {
      technician: "stats.noTechnician",
      department: "stats.notHandedOff",
      resolution: "stats.notResolved",
    };
    return t(missing[by] ?? "unknown");
  }
  switch (by) {
    case "responsibility":
      return name("responsibility", key);
    case "disposition":
      return name("disposition", key);
    case "department":
      return name("role", key);
    case "technician":
      return group.name ?? key;
    case "resolution":
      return t(`stats.resolution.${key}`);
    default:
      return key;
  }
}

function periodParams() {
  return { from: chosen.from, to: chosen.to };
}

function exportHref(statistic, params) {
  return `/v1/statistics/${statistic}/export${query({ ...params, lang: lang() === "zh-CN" ? "zh" : "en" })}`;
}

function complaintChart(counts) {
  const title = t("stats.complaintsBy", { axis: t(`stats.axis.${counts.by}`) });
  const rows = counts.groups.map((g) => [groupLabel(counts.by, g), g.complaints]);
  const chart =
    counts.by === "month"
      ? columns(title, rows, (n) => number(n))
      : bars(
          title,
          counts.others
            ? [...rows, [t("stats.others", { n: number(counts.others.groups) }), counts.others.complaints, "others"]]
            : rows,
          (n) => number(n),
        );
  return chartCard(
    "complaints",
    title,
    chart,
    exportHref("complaints", { ...periodParams(), by: counts.by, top: chosen.top }),
    h("p", { class: "muted" }, t("stats.total", { n: number(counts.total) })),
  );
}

function costChart(title, totals, labelOf) {
  if (!totals.length) return h("p", { class: "muted" }, t("app.none"));
  return bars(
    title,
    totals.map((c) => [`${labelOf(c.key)} (${c.currency})`, c.amount_minor]),
    (minor, i) => money(minor, totals[i].currency),
  );
}

export async function statistics(main) {
  const status = h("p", { class: "muted", role: "status" });
  const charts = h("div", { class: "charts" });
  // Named by aria-label too: a select's label would otherwise take in its options' text.
  const field = (key, input) => {
    input.setAttribute("aria-label", t(key));
    return h("label", {}, t(key), input);
  };
  const from = h("input", { type: "date", name: "from", value: chosen.from });
  const to = h("input", { type: "date", name: "to", value: chosen.to });
  const by = h(
    "select",
    { name: "by" },
    AXES.map((a) => h("option", { value: a, selected: a === chosen.by }, t(`stats.axis.${a}`))),
  );
  const top = h(
    "select",
    { name: "top" },
    TOPS.map((n) => h("option", { value: n, selected: n === chosen.top }, n)),
  );

  async function load() {
    Object.assign(chosen, { from: from.value, to: to.value, by: by.value, top: top.value });
    if (chosen.from && chosen.to && chosen.from > chosen.to) {
      fill(status, h("span", { class: "error", "data-error": "" }, t("stats.badPeriod")));
      return;
    }
    const period = query(periodParams());
    const joined = period ? `&${period.slice(1)}` : "";
    const [counts, handoff, actions, visits, costs] = await Promise.all([
      api(`/v1/statistics/complaints?by=${chosen.by}&top=${chosen.top}${joined}`),
      api(`/v1/statistics/handoff${period}`),
      api(`/v1/statistics/corrective-actions${period}`),
      api(`/v1/statistics/return-visits${period}`),
      api(`/v1/statistics/costs${period}`),
    ]);
    fill(
      status,
      chosen.from || chosen.to
        ? t("stats.period", { from: chosen.from || "…", to: chosen.to || "…" })
        : t("stats.wholeLedger"),
    );
    const handoffTitle = t("stats.handoff", { minutes: session().handoff_minutes });
    fill(
      charts,
      complaintChart(counts),
      chartCard(
        "handoff",
        handoffTitle,
        bars(
          handoffTitle,
          [
            [t("stats.byDevice"), handoff.share_by_device],
            [t("stats.byReceipt"), handoff.share_by_receipt],
          ],
          percent,
        ),
        exportHref("handoff", periodParams()),
        h("p", { class: "muted" }, `${number(handoff.handed_off)} / ${number(handoff.tickets)}`),
      ),
      chartCard(
        "corrective-actions",
        t("stats.actions"),
        bars(
          t("stats.actions"),
          [
            [t("stats.actions.open"), actions.actions],
            [t("stats.actions.tickets"), actions.tickets],
            [t("stats.actions.pastDue"), actions.tickets_past_due],
          ],
          (n) => number(n),
        ),
        exportHref("corrective-actions", periodParams()),
      ),
      chartCard(
        "return-visits",
        t("stats.satisfaction"),
        bars(
          t("stats.satisfaction"),
          visits.by_satisfaction.map((n, i) => ["★".repeat(i + 1), n]),
          (n) => number(n),
        ),
        exportHref("return-visits", periodParams()),
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
      chartCard(
        "costs",
        t("stats.costsByKind"),
        costChart(t("stats.costsByKind"), costs.by_kind, (k) => name("cost_kind", k)),
        exportHref("costs", periodParams()),
        h("h3", {}, t("stats.costsByBearer")),
        costChart(t("stats.costsByBearer"), costs.by_bearer, (k) => name("bearer", k)),
      ),
    );
  }

  const controls = h(
    "form",
    {
      class: "filters card",
      "data-statistics-filter": "",
      onsubmit: (e) => {
        e.preventDefault();
        load().catch((error) => fill(status, h("span", { class: "error", "data-error": "" }, error.message)));
      },
    },
    field("stats.from", from),
    field("stats.to", to),
    field("stats.by", by),
    field("stats.top", top),
    h("button", { type: "submit" }, t("stats.apply")),
  );
  by.addEventListener("change", () => controls.requestSubmit());
  fill(main, h("h1", {}, t("stats.title")), controls, status, charts);
  await load();
}
