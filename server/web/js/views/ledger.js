// The complaint ledger: filters, search, sorting and paging over GET /v1/ledger, and links to
// its export in CSV and XLSX with the same filters. The user chooses its columns and names
// filters to use again (both remembered in the browser); a status has its colour, an overdue
// ticket its mark. A statistic's bar opens it narrowed to the bar's complaints through the
// route's query (#/ledger?by=product&key=…&from=…&to=…).

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { form } from "../forms.js";
import { dateTime, day, lang, money, name, number, t } from "../i18n.js";
import { personName } from "../people.js";
import { groupLabel } from "./statistics_groups.js";

const PAGE = 50;
const TEXT_FILTERS = ["customer", "product", "model", "job_number", "contract_number", "assignee"];
const FILTER_FIELDS = ["q", "status", ...TEXT_FILTERS, "from", "to"];
const COLUMNS_KEY = "fieldledger.ledger.columns";
const SAVED_KEY = "fieldledger.ledger.filters";

// A cell's text cut to one line, whole in its tooltip.
function clipped(text) {
  return text ? h("span", { class: "clip", title: text }, text) : "";
}

function dueCell(date, overdue) {
  return date ? h("span", { class: overdue ? "late-day" : null }, day(date)) : "";
}

// Each column: its key, header text key, the API's sort key when it sorts by it, its cell, and
// whether a new user sees it.
const COLUMNS = [
  {
    key: "ledger_number",
    label: "f.ledger_number",
    sort: "ledger_number",
    fixed: true,
    cell: (r) =>
      h("a", { href: `#/ticket/${encodeURIComponent(r.ticket_id)}` }, r.ledger_number ?? t("ledger.noNumber")),
  },
  {
    key: "status",
    label: "f.status",
    sort: "status",
    shown: true,
    cell: (r) => [
      h("span", { class: `badge status-${r.status}`, "data-status": r.status }, name("status", r.status)),
      r.overdue ? h("span", { class: "badge bad", "data-overdue": "" }, t("ledger.overdue")) : null,
      r.decision_conflict ? h("span", { class: "badge bad" }, t("ledger.conflict")) : null,
      r.major ? h("span", { class: "badge bad" }, t("f.major")) : null,
    ],
  },
  { key: "customer", label: "f.customer", sort: "customer", shown: true, cell: (r) => clipped(r.customer_name) },
  { key: "product", label: "f.product", sort: "product", shown: true, cell: (r) => clipped(r.product_name) },
  { key: "content", label: "f.content", shown: true, cell: (r) => clipped(r.content) },
  { key: "model", label: "f.model", shown: true, cell: (r) => clipped(r.model) },
  { key: "job_number", label: "f.job_number", shown: true, cell: (r) => r.job_number },
  { key: "contract_number", label: "f.contract_number", cell: (r) => r.contract_number },
  {
    key: "assignee",
    label: "f.assignee",
    shown: true,
    cell: (r) => clipped(r.assignees.map((a) => personName(a)).join("、")),
  },
  {
    key: "disposition",
    label: "f.disposition",
    cell: (r) => (r.disposition ? name("disposition", r.disposition) : ""),
  },
  {
    key: "age",
    label: "ledger.age",
    shown: true,
    cell: (r) => (r.age_days === null ? "" : t("ledger.days", { n: number(r.age_days) })),
  },
  { key: "next_due", label: "ledger.nextDue", shown: true, cell: (r) => dueCell(r.next_due, r.overdue) },
  {
    key: "next_return_visit",
    label: "ledger.nextVisit",
    shown: true,
    cell: (r) => dueCell(r.next_return_visit, r.overdue),
  },
  {
    key: "registered_at",
    label: "f.registered_at",
    sort: "registered",
    shown: true,
    cell: (r) => dateTime(r.registered_at),
  },
  { key: "updated_at", label: "f.updated_at", sort: "updated", cell: (r) => dateTime(r.updated_at) },
  { key: "cost_total", label: "f.cost_total", cell: (r) => (r.cost_total_minor ? money(r.cost_total_minor) : "") },
];

// What the browser remembers under `key`, or `fallback`.
function remembered(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

function remember(key, value) {
  localStorage.setItem(key, JSON.stringify(value));
}

// The columns shown: the user's choice, or those a new user sees.
function chosenColumns() {
  const keys = remembered(COLUMNS_KEY, null);
  return new Set(Array.isArray(keys) ? keys : COLUMNS.filter((c) => c.shown).map((c) => c.key));
}

// Milliseconds of the start of a local day "YYYY-MM-DD", plus `days`.
function dayStart(iso, days = 0) {
  if (!iso) return undefined;
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(y, m - 1, d + days).getTime();
}

// The group of a statistic the route names (#/ledger?by=…&key=…&from=…&to=…), if any.
function routeGroup() {
  const search = location.hash.split("?")[1];
  if (!search) return null;
  const p = new URLSearchParams(search);
  const by = p.get("by");
  if (!by) return null;
  return {
    by,
    key: p.get("key") ?? undefined,
    name: p.get("name") ?? undefined,
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
  };
}

export async function ledger(main) {
  const state = { filters: {}, sort: undefined, desc: false, offset: 0, group: routeGroup() };
  const shown = chosenColumns();
  const table = h("div", { class: "table-scroll" });
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

  // Named filters: the fields as they are now, saved under a name and applied again by it.
  const saved = h("div", { class: "row saved-filters", "data-saved-filters": "" });
  const filterName = h("input", { name: "filter_name", size: 14, "aria-label": t("ledger.filterName") });
  function applyFilter(values) {
    for (const field of FILTER_FIELDS) {
      const el = filters.elements.namedItem(field);
      if (el) el.value = values[field] ?? "";
    }
    filters.requestSubmit();
  }
  function showSaved() {
    const all = remembered(SAVED_KEY, {});
    fill(
      saved,
      h("span", { class: "muted" }, t("ledger.savedFilters")),
      Object.keys(all).length === 0 ? h("span", { class: "muted" }, t("app.none")) : null,
      Object.entries(all).map(([label, values]) =>
        h(
          "span",
          { class: "chip", "data-filter": label },
          h("button", { type: "button", class: "link", onclick: () => applyFilter(values) }, label),
          h(
            "button",
            {
              type: "button",
              class: "link",
              title: t("ledger.deleteFilter"),
              "aria-label": `${t("ledger.deleteFilter")} ${label}`,
              onclick: () => {
                const left = remembered(SAVED_KEY, {});
                delete left[label];
                remember(SAVED_KEY, left);
                showSaved();
              },
            },
            "×",
          ),
        ),
      ),
      h("label", {}, t("ledger.filterName"), filterName),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-save-filter": "",
          onclick: () => {
            const label = filterName.value.trim();
            if (!label) return filterName.focus();
            const values = {};
            for (const field of FILTER_FIELDS) values[field] = filters.elements.namedItem(field)?.value ?? "";
            remember(SAVED_KEY, { ...remembered(SAVED_KEY, {}), [label]: values });
            filterName.value = "";
            showSaved();
          },
        },
        t("ledger.saveFilter"),
      ),
    );
  }
  showSaved();

  // The columns to show, chosen by ticking them.
  const chooser = h(
    "details",
    { class: "columns", "data-columns": "" },
    h("summary", {}, t("ledger.columns")),
    h(
      "div",
      { class: "row" },
      COLUMNS.filter((c) => !c.fixed).map((c) =>
        h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            name: c.key,
            checked: shown.has(c.key),
            onchange: (e) => {
              if (e.target.checked) shown.add(c.key);
              else shown.delete(c.key);
              remember(COLUMNS_KEY, [...shown]);
              load();
            },
          }),
          t(c.label),
        ),
      ),
    ),
  );

  const group = state.group
    ? h(
        "p",
        { class: "drill", "data-drill": "" },
        t("ledger.group", {
          axis: t(`stats.axis.${state.group.by}`),
          group: groupLabel(state.group.by, { key: state.group.key ?? null, name: state.group.name }),
        }),
        state.group.from || state.group.to
          ? ` · ${t("stats.period", { from: state.group.from || "…", to: state.group.to || "…" })}`
          : "",
        " ",
        h("a", { href: "#/ledger" }, t("ledger.wholeLedger")),
      )
    : null;
  const exports = h("p", { class: "row" });
  fill(
    main,
    h("h1", {}, t("ledger.title")),
    group,
    h("section", { class: "card" }, filters, saved, chooser, exports),
    table,
  );

  function params() {
    const f = state.filters;
    const p = { q: f.q, status: f.status, registered_from: dayStart(f.from), registered_to: dayStart(f.to, 1) };
    for (const k of TEXT_FILTERS) p[k] = f[k]?.trim();
    if (state.sort) Object.assign(p, { sort: state.sort, desc: state.desc });
    return p;
  }

  function header(column) {
    if (!column.sort) return h("th", { scope: "col" }, t(column.label));
    const active = state.sort === column.sort;
    return h(
      "th",
      { scope: "col", "aria-sort": active ? (state.desc ? "descending" : "ascending") : null },
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            state.desc = active ? !state.desc : false;
            state.sort = column.sort;
            load();
          },
        },
        t(column.label),
        active ? (state.desc ? " ▼" : " ▲") : "",
      ),
    );
  }

  function pageButton(label, disabled, step) {
    return h(
      "button",
      {
        type: "button",
        class: "secondary",
        disabled,
        onclick: () => {
          state.offset += step;
          load();
        },
      },
      t(label),
    );
  }

  async function load() {
    const p = params();
    const { by, key, from, to } = state.group ?? {};
    const g = { by, key, from, to };
    const page = await api(`/v1/ledger${query({ ...p, ...g, offset: state.offset, limit: PAGE })}`);
    const exportLang = lang() === "zh-CN" ? "zh" : "en";
    fill(
      exports,
      t("ledger.export"),
      ":",
      ["csv", "xlsx"].map((format) =>
        h(
          "a",
          { href: `/v1/ledger/export${query({ ...p, ...g, format, lang: exportLang })}`, download: "" },
          format.toUpperCase(),
        ),
      ),
    );
    const columns = COLUMNS.filter((c) => c.fixed || shown.has(c.key));
    const rows = page.rows.map((r) =>
      h(
        "tr",
        { "data-ticket": r.ticket_id, class: r.overdue ? "overdue" : null },
        columns.map((c) => h("td", { "data-column": c.key }, c.cell(r))),
      ),
    );
    const pages = Math.max(1, Math.ceil(page.total / PAGE));
    const current = Math.floor(state.offset / PAGE) + 1;
    fill(
      table,
      h(
        "table",
        { class: "ledger", "aria-label": t("ledger.title") },
        h("thead", {}, h("tr", {}, columns.map(header))),
        h("tbody", {}, rows),
      ),
      h(
        "div",
        { class: "pager" },
        pageButton("ledger.prev", state.offset === 0, -PAGE),
        h(
          "span",
          {},
          t("ledger.page", { p: number(current), n: number(pages) }),
          " · ",
          t("ledger.total", { n: number(page.total) }),
        ),
        pageButton("ledger.next", current >= pages, PAGE),
      ),
    );
  }

  await load();
}
