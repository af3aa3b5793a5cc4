// The complaint ledger: filters, search, sorting and paging over GET /v1/ledger, and links to
// its export in CSV and XLSX with the same filters.

import { api, query } from "../api.js";
import { h, fill, values, select, field } from "../dom.js";
import { t, name, options, dateTime, money, number, lang } from "../i18n.js";

const PAGE = 50;
const TEXT_FILTERS = ["customer", "product", "model", "job_number", "contract_number", "assignee"];
const COLUMNS = [
  ["ledger_number", "f.ledger_number", "ledger_number"],
  ["status", "f.status", "status"],
  ["customer", "f.customer", "customer"],
  ["product", "f.product", "product"],
  ["model", "f.model"],
  ["job_number", "f.job_number"],
  ["contract_number", "f.contract_number"],
  ["assignees", "f.assignee"],
  ["disposition", "f.disposition"],
  ["registered", "f.registered_at", "registered"],
  ["updated", "f.updated_at", "updated"],
  ["cost", "f.cost_total"],
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
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        state.filters = values(form);
        state.offset = 0;
        load();
      },
    },
    field(t("ledger.search"), h("input", { name: "q", type: "search", "aria-label": t("ledger.search") })),
    field(t("f.status"), select("status", [["", t("ledger.anyStatus")], ...options("status")], "")),
    TEXT_FILTERS.map((f) => field(t(`f.${f}`), h("input", { name: f, size: 12 }))),
    field(t("ledger.from"), h("input", { name: "from", type: "date" })),
    field(t("ledger.to"), h("input", { name: "to", type: "date" })),
    h("button", { type: "submit" }, t("ledger.apply")),
    h(
      "button",
      {
        type: "reset",
        class: "secondary",
        onclick: () => {
          state.filters = {};
          state.offset = 0;
          setTimeout(load);
        },
      },
      t("ledger.reset"),
    ),
  );
  const exports = h("p", { class: "row" });
  fill(main, h("h1", {}, t("ledger.title")), h("section", { class: "card" }, form, exports), table);

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
      COLUMNS.map(([key, label, sort]) => {
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
        h("td", {}, r.assignees.join(", ")),
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
