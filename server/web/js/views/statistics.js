// Statistics over a period of days: the headline figures, the trend of complaints by month,
// complaints by the axis chosen (the largest groups and the others summed; months as a series),
// hand-off compliance, open corrective actions, return-visit satisfaction and costs, each with
// its Excel export. A bar of complaints opens the ledger narrowed to its complaints.

import { api, query } from "../api.js";
import { bars, columns } from "../charts.js";
import { fill, h } from "../dom.js";
import { errorText, lang, money, name, number, percent, t } from "../i18n.js";
import { session } from "../session.js";
import { groupHref, groupLabel } from "./statistics_groups.js";

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

function periodParams() {
  return { from: chosen.from, to: chosen.to };
}

function exportHref(statistic, params) {
  return `/v1/statistics/${statistic}/export${query({ ...params, lang: lang() === "zh-CN" ? "zh" : "en" })}`;
}

// The months from `first` to `last` ("YYYY-MM"), both included.
function monthsBetween(first, last) {
  const out = [];
  let [y, m] = first.split("-").map(Number);
  const [ly, lm] = last.split("-").map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
  return out;
}

// The month `n` months before `month` ("YYYY-MM").
function monthsBefore(month, n) {
  const [y, m] = month.split("-").map(Number);
  const at = new Date(y, m - 1 - n, 1);
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, "0")}`;
}

// Complaints by month as a series: every month of the period (without a start, the twelve
// months to its end, or to this month, earlier ones too when they had complaints), those
// without complaints as zero, each column a link to its ledger; at most five years.
function trendChart(counts) {
  const title = t("stats.trend");
  const known = new Map(counts.groups.filter((g) => g.key !== null).map((g) => [g.key, g.complaints]));
  const keys = [...known.keys()].sort();
  const now = new Date();
  const thisMonth = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  const last = chosen.to ? chosen.to.slice(0, 7) : [thisMonth, keys.at(-1) ?? thisMonth].sort()[1];
  const yearBefore = monthsBefore(last, 11);
  const first = chosen.from ? chosen.from.slice(0, 7) : [yearBefore, keys[0] ?? yearBefore].sort()[0];
  const months = monthsBetween(first, last).slice(-60);
  const chart = months.length
    ? columns(
        title,
        months.map((m) => [m, known.get(m) ?? 0]),
        (n) => number(n),
        (i) => groupHref("month", { key: months[i] }, periodParams()),
      )
    : h("p", { class: "muted" }, t("app.none"));
  return chartCard("trend", title, chart, exportHref("complaints", { ...periodParams(), by: "month" }));
}

// The headline figures of the period.
function headlineCard(figures) {
  const figure = (key, value, late) =>
    h(
      "div",
      { class: `figure${late ? " late" : ""}`, "data-figure": key },
      h("span", { class: "value" }, value),
      h("span", { class: "label" }, t(`stats.headline.${key}`)),
    );
  return h(
    "section",
    { class: "card headline", "data-headline": "" },
    figure("registered", number(figures.registered)),
    figure("open", number(figures.open)),
    figure("overdue", number(figures.overdue), figures.overdue > 0),
    figure(
      "meanDays",
      figures.mean_days_to_resolve === null
        ? "—"
        : t("stats.headline.days", { n: number(figures.mean_days_to_resolve, 1) }),
    ),
    figure("firstVisit", figures.resolved_after_visit ? percent(figures.first_visit_fix_rate) : "—"),
  );
}

function complaintChart(counts) {
  const title = t("stats.complaintsBy", { axis: t(`stats.axis.${counts.by}`) });
  const rows = counts.groups.map((g) => [groupLabel(counts.by, g), g.complaints]);
  const link = (i) => (counts.groups[i] ? groupHref(counts.by, counts.groups[i], periodParams()) : null);
  const chart =
    counts.by === "month"
      ? columns(title, rows, (n) => number(n), link)
      : bars(
          title,
          counts.others
            ? [...rows, [t("stats.others", { n: number(counts.others.groups) }), counts.others.complaints, "others"]]
            : rows,
          (n) => number(n),
          link,
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
    const [headline, months, counts, handoff, actions, visits, costs] = await Promise.all([
      api(`/v1/statistics/headline${period}`),
      api(`/v1/statistics/complaints?by=month${joined}`),
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
      headlineCard(headline),
      chosen.by === "month" ? null : trendChart(months),
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
        load().catch((error) => fill(status, h("span", { class: "error", "data-error": "" }, errorText(error))));
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
