// The complaint ledger: filters, search, sorting and paging over GET /v1/ledger, and links to
// its export in CSV and XLSX with the same filters.

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { form } from "../forms.js";
import { dateTime, lang, money, name, number, t } from "../i18n.js";
import { personName } from "../people.js";

const PAGE = 50;
const TEXT_FILTERS = ["customer", "product", "model", "job_number", "contract_number", "assignee"];
// Each column: its header's text key, and the sort key of the API when it sorts by it.
const COLUMNS = [
  ["f.ledger_number", "ledger_number"],
  ["f.status", "status"],
  ["f.customer", "customer"],
  ["f.product", "product"],
  ["f.model"],
  ["f.job_number"],
  ["f.contract_number"],
  ["f.assignee"],
  ["f.disposition"],
  ["f.registered_at", "registered"],
  ["f.updated_at", "updated"],
  ["f.cost_total"],
];

// Milliseconds of the start of a local day "YYYY-MM-DD", plus `days`.
function dayStart(iso, days = 0) {
  if (!iso) return undefined;
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(y, m - 1, d + days).getTime();
}

export async function ledger(main) {
  const state = { filters: {}, sort: undefined, desc: false, offset: 0 };
  const table = h("div");
  const filters = form({
    attrs: { class: "filters", role: "search" },
    items: [
      { label: "ledger.search", name: "q", type: "search" },
      { label: "f.status", name: "status", type: "select", options: "status", any: "ledger.anyStatus", value: "" },
      ...TEXT_FILTERS.map((f) => ({ label: `f.${f}`, name: f, size: 12 })),
      { label: "ledger.from", name: "from", type: "date" },
      { label: "ledger.to", name: "to", type: "date" },
      { button: "submit", label: "ledger.apply" },
      {
        button: "reset",
        label: "ledger.reset",
        class: "secondary",
        onclick: () => {
          state.filters = {};
          state.offset = 0;
          setTimeout(load);
        },
      },
    ],
    submit: (v) => {
      state.filters = v;
      state.offset = 0;
      load();
    },
  });
  const exports = h("p", { class: "row" });
  fill(main, h("h1", {}, t("ledger.title")), h("section", { class: "card" }, filters, exports), table);

  function params() {
    const f = state.filters;
    const p = { q: f.q, status: f.status, registered_from: dayStart(f.from), registered_to: dayStart(f.to, 1) };
    for (const k of TEXT_FILTERS) p[k] = f[k]?.trim();
    if (state.sort) Object.assign(p, { sort: state.sort, desc: state.desc });
    return p;
  }

  async function load() {
    const p = params();
    const page = await api(`/v1/ledger${query({ ...p, offset: state.offset, limit: PAGE })}`);
    const exportLang = lang() === "zh-CN" ? "zh" : "en";
    fill(
      exports,
      t("ledger.export"),
      ":",
      ["csv", "xlsx"].map((format) =>
        h(
          "a",
          { href: `/v1/ledger/export${query({ ...p, format, lang: exportLang })}`, download: "" },
          format.toUpperCase(),
        ),
      ),
    );
    const head = h(
      "tr",
      {},
      COLUMNS.map(([label, sort]) => {
        if (!sort) return h("th", { scope: "col" }, t(label));
        const active = state.sort === sort;
        return h(
          "th",
          { scope: "col", "aria-sort": active ? (state.desc ? "descending" : "ascending") : null },
          h(
            "button",
            {
              type: "button",
              onclick: () => {
                state.desc = active ? !state.desc : false;
                state.sort = sort;
                load();
              },
            },
            t(label),
            active ? (state.desc ? " ▼" : " ▲") : "",
          ),
        );
      }),
    );
    const rows = page.rows.map((r) =>
      h(
        "tr",
        { "data-ticket": r.ticket_id },
        h(
          "td",
          {},
          h("a", { href: `#/ticket/${encodeURIComponent(r.ticket_id)}` }, r.ledger_number ?? r.ticket_id.slice(0, 8)),
        ),
        h(
          "td",
          {},
          h("span", { class: `badge${r.decision_conflict ? " bad" : ""}` }, name("status", r.status)),
          r.major ? h("span", { class: "badge bad" }, t("f.major")) : null,
        ),
        h("td", {}, r.customer_name),
        h("td", {}, r.product_name),
        h("td", {}, r.model),
        h("td", {}, r.job_number),
        h("td", {}, r.contract_number),
        h("td", {}, r.assignees.map((a) => personName(a)).join("、")),
        h("td", {}, r.disposition ? name("disposition", r.disposition) : ""),
        h("td", {}, dateTime(r.registered_at)),
        h("td", {}, dateTime(r.updated_at)),
        h("td", {}, r.cost_total_minor ? money(r.cost_total_minor) : ""),
      ),
    );
    const pages = Math.max(1, Math.ceil(page.total / PAGE));
    const current = Math.floor(state.offset / PAGE) + 1;
    fill(
      table,
      h("table", { "aria-label": t("ledger.title") }, h("thead", {}, head), h("tbody", {}, rows)),
      h(
        "div",
        { class: "pager" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            disabled: state.offset === 0,
            onclick: () => {
              state.offset -= PAGE;
              load();
            },
          },
          t("ledger.prev"),
        ),
        h(
          "span",
          {},
          t("ledger.page", { p: number(current), n: number(pages) }),
          " · ",
          t("ledger.total", { n: number(page.total) }),
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            disabled: current >= pages,
            onclick: () => {
              state.offset += PAGE;
              load();
            },
          },
          t("ledger.next"),
        ),
      ),
    );
  }

  await load();
}
