// Reference data (基础资料): customers with their sites and contacts, installed units with their
// service history, the product catalogue and the cause codes. Every office role reads them; the
// forms to add to a list are offered to the roles the server lets change it (GET /v1/reference),
// and the server refuses the others all the same.

import { ApiError, api, csrfToken, query } from "../api.js";
import { fill, h } from "../dom.js";
import { form } from "../forms.js";
import { dateTime, day, name, t } from "../i18n.js";
import { attempt, toast } from "../toast.js";

// The units whose job number, contract number, serial or customer contains `q`, at most `n`.
export async function findUnits(q, n = 8) {
  const page = await api(`/v1/reference/units${query({ q, per_page: n })}`);
  return page.items;
}

// A unit in one line: job number, customer, product and model, contract number.
export function unitLine(u) {
  const parts = [u.job_number, u.customer_name, [u.product_name, u.model].filter(Boolean).join(" ")];
  if (u.contract_number) parts.push(`${t("f.contract_number")} ${u.contract_number}`);
  return parts.join(" · ");
}

// A search box over a list that reloads it as the user types.
function searchBox(label, load) {
  let timer = null;
  return h("input", {
    type: "search",
    "aria-label": t(label),
    placeholder: t(label),
    size: 36,
    oninput: (e) => {
      clearTimeout(timer);
      const q = e.target.value;
      timer = setTimeout(() => load(q), 200);
    },
  });
}

// A table of `rows` under `heads` (text keys), each row's cells by `cells`; "none" when empty.
function table(heads, rows, cells, attrs = {}) {
  if (!rows.length) return h("p", { class: "muted" }, t("app.none"));
  return h(
    "table",
    attrs,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        heads.map((k) => h("th", { scope: "col" }, t(k))),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((r) =>
        h(
          "tr",
          {},
          cells(r).map((c) => h("td", {}, c)),
        ),
      ),
    ),
  );
}

// After a list's form saved: say so, empty the form and show the list again.
async function saved(form, load) {
  toast(t("app.saved"));
  form.reset();
  await load();
}

// The card of the list `key`: its title, then its form (for those who may add), search and rows.
function listCard(key, ...parts) {
  return h("section", { class: "card", "data-ref": key }, h("h2", {}, t(`ref.${key}`)), ...parts);
}

function customersSection(rights) {
  const list = h("div");
  async function load(q = "") {
    const page = await api(`/v1/reference/customers${query({ q, per_page: 50 })}`);
    fill(
      list,
      table(["ref.customer", "ref.sites", "ref.contacts"], page.items, (c) => [
        c.name,
        c.sites.map((s) => (s.address ? `${s.name}（${s.address}）` : s.name)).join("；") || "—",
        c.contacts.map((p) => (p.phone ? `${p.name} ${p.phone}` : p.name)).join("；") || "—",
      ]),
    );
  }
  const add = rights.customers
    ? form({
        attrs: { "data-form": "ref-customer" },
        items: [
          {
            group: "div.grid",
            items: [
              { label: "ref.customer", name: "name", required: true },
              { label: "ref.siteName", name: "site" },
              { label: "ref.siteAddress", name: "address" },
              { label: "ref.contactName", name: "contact" },
              { label: "ref.phone", name: "phone" },
            ],
          },
          { group: "p", items: [{ button: "submit", label: "ref.addCustomer" }] },
        ],
        submit: (v, el) =>
          attempt(async () => {
            const one = (key, entry) => (v[key].trim() ? [entry] : []);
            await api("/v1/reference/customers", {
              method: "POST",
              body: {
                name: v.name,
                sites: one("site", { name: v.site, address: v.address }),
                contacts: one("contact", { name: v.contact, phone: v.phone }),
              },
            });
            await saved(el, load);
          }),
      })
    : null;
  return {
    el: listCard("customers", add, h("p", {}, searchBox("ref.searchCustomers", load)), list),
    load,
  };
}

function unitsSection(rights) {
  const list = h("div");
  async function load(q = "") {
    const units = await findUnits(q, 50);
    fill(
      list,
      table(
        ["f.job_number", "f.contract_number", "ref.customer", "ref.site", "f.product", "f.model", "ref.serial"],
        units,
        (u) => [
          h("a", { href: `#/reference/unit/${u.id}` }, u.job_number),
          u.contract_number,
          u.customer_name,
          u.site,
          u.product_name,
          u.model,
          u.serial,
        ],
        { "data-units": "" },
      ),
    );
  }
  const add = rights.customers
    ? form({
        attrs: { "data-form": "ref-unit" },
        items: [
          {
            group: "div.grid",
            items: [
              { label: "ref.customer", name: "customer", required: true },
              { label: "ref.site", name: "site" },
              { label: "f.product", name: "product_name", required: true },
              { label: "f.model", name: "model" },
              { label: "f.job_number", name: "job_number", required: true },
              { label: "f.contract_number", name: "contract_number" },
              { label: "ref.serial", name: "serial" },
              { label: "ref.commissioned", name: "commissioned_on", type: "date" },
            ],
          },
          { group: "p", items: [{ button: "submit", label: "ref.addUnit" }] },
        ],
        submit: (v, el) =>
          attempt(async () => {
            const found = await api(`/v1/reference/customers${query({ q: v.customer.trim(), per_page: 100 })}`);
            const customer = found.items.find((c) => c.name === v.customer.trim());
            if (!customer) {
              toast(t("ref.unknownCustomer", { name: v.customer.trim() }), true);
              return;
            }
            const { customer: _, commissioned_on, ...fields } = v;
            await api("/v1/reference/units", {
              method: "POST",
              body: { ...fields, customer_id: customer.id, commissioned_on: commissioned_on || null },
            });
            await saved(el, load);
          }),
      })
    : null;
  return {
    el: listCard("units", add, h("p", {}, searchBox("ref.searchUnits", load)), list),
    load,
  };
}

function productsSection(rights) {
  const list = h("div");
  async function load() {
    const products = await api("/v1/reference/products");
    fill(
      list,
      table(["ref.code", "f.product", "ref.family"], products, (p) => [p.code, p.name, p.model_family]),
    );
  }
  const add = rights.products
    ? form({
        attrs: { class: "inline", "data-form": "ref-product" },
        items: [
          { label: "ref.code", name: "code", required: true, size: 10 },
          { label: "f.product", name: "name", required: true },
          { label: "ref.family", name: "model_family", size: 10 },
          { button: "submit", label: "ref.add" },
        ],
        submit: (v, el) =>
          attempt(async () => {
            await api("/v1/reference/products", { method: "POST", body: v });
            await saved(el, load);
          }),
      })
    : null;
  return {
    el: listCard("products", add, list),
    load,
  };
}

function causesSection(rights) {
  const list = h("div");
  async function load() {
    const causes = await api("/v1/reference/causes");
    fill(
      list,
      table(["ref.code", "ref.labelZh", "ref.labelEn", "f.responsibility"], causes, (c) => [
        c.code,
        c.label_zh,
        // The English label is data in English, marked so for readers and screen readers.
        h("span", { lang: "en" }, c.label_en),
        c.responsibility ? name("responsibility", c.responsibility) : "—",
      ]),
    );
  }
  const add = rights.causes
    ? form({
        attrs: { class: "inline", "data-form": "ref-cause" },
        items: [
          { label: "ref.code", name: "code", required: true, size: 10 },
          { label: "ref.labelZh", name: "label_zh", required: true },
          { label: "ref.labelEn", name: "label_en", required: true },
          {
            label: "f.responsibility",
            name: "responsibility",
            type: "select",
            options: "responsibility",
            any: "ref.noResponsibility",
          },
          { button: "submit", label: "ref.add" },
        ],
        submit: (v, el) =>
          attempt(async () => {
            await api("/v1/reference/causes", {
              method: "POST",
              body: { ...v, responsibility: v.responsibility || null },
            });
            await saved(el, load);
          }),
      })
    : null;
  return {
    el: listCard("causes", add, list),
    load,
  };
}

// How many rows go to the server at a time: the progress bar moves on after each piece.
const IMPORT_PIECE = 500;

// Import of customers and units from a spreadsheet (CSV): the server reads the file, then the
// rows go in pieces with a progress bar, and every line not imported is listed with why.
function importSection(reload) {
  const bar = h("progress", { max: 1, value: 0, hidden: true, "data-import-progress": "" });
  const status = h("p", { class: "muted", "aria-live": "polite", "data-import-status": "" });
  const errors = h("ul", { class: "import-errors", "data-import-errors": "" });
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv", required: true });
  const run = (e) => {
    e.preventDefault();
    return attempt(async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      fill(errors);
      fill(status, t("ref.importReading"));
      const body = await chosen.arrayBuffer();
      const response = await fetch("/v1/reference/import/read", {
        method: "POST",
        headers: { "X-CSRF-Token": csrfToken(), "Content-Type": "text/csv" },
        credentials: "same-origin",
        body,
      });
      const read = await response.json();
      if (!response.ok) throw new ApiError(response.status, read?.error, read?.message);
      const outcomes = read.rejected.map((r) => ({ line: r.line, outcome: "rejected", reason: r.reason }));
      bar.hidden = false;
      bar.max = Math.max(read.rows.length, 1);
      bar.value = 0;
      for (let i = 0; i < read.rows.length; i += IMPORT_PIECE) {
        const rows = read.rows.slice(i, i + IMPORT_PIECE);
        outcomes.push(...(await api("/v1/reference/import", { method: "POST", body: { rows } })));
        bar.value = i + rows.length;
        fill(status, t("ref.importProgress", { done: bar.value, total: read.rows.length }));
      }
      const counted = (kind) => outcomes.filter((o) => o.outcome === kind).length;
      fill(
        status,
        t("ref.importDone", {
          created: counted("created"),
          existing: counted("existing"),
          rejected: counted("rejected"),
        }),
      );
      fill(
        errors,
        outcomes
          .filter((o) => o.outcome === "rejected")
          .sort((a, b) => a.line - b.line)
          .map((o) => h("li", {}, t("ref.importLine", { line: o.line, reason: o.reason }))),
      );
      await reload();
    });
  };
  return h(
    "section",
    { class: "card", "data-ref": "import" },
    h("h2", {}, t("ref.import")),
    h("p", { class: "muted" }, t("ref.importHint")),
    h(
      "form",
      { class: "inline", "data-form": "ref-import", onsubmit: run },
      h("label", {}, t("ref.importFile"), file),
      h("button", { type: "submit" }, t("ref.importRun")),
    ),
    bar,
    status,
    errors,
  );
}

// One unit with its service history: the tickets of its job number, newest first.
async function unitPage(main, id) {
  const unit = await api(`/v1/reference/units/${encodeURIComponent(id)}`);
  const facts = [
    ["f.job_number", unit.job_number],
    ["f.contract_number", unit.contract_number],
    ["ref.customer", unit.customer_name],
    ["ref.site", unit.site],
    ["f.product", unit.product_name],
    ["f.model", unit.model],
    ["ref.serial", unit.serial],
    ["ref.commissioned", unit.commissioned_on ? day(unit.commissioned_on) : ""],
  ];
  fill(
    main,
    h("p", {}, h("a", { href: "#/reference" }, t("ref.back"))),
    h("h1", {}, t("ref.unitTitle", { job: unit.job_number })),
    h(
      "section",
      { class: "card" },
      h(
        "dl",
        { class: "grid" },
        facts.map(([k, v]) => h("div", {}, h("dt", {}, t(k)), h("dd", {}, v || "—"))),
      ),
    ),
    h("h2", {}, t("ref.history")),
    table(
      ["f.ledger_number", "f.status", "f.registered_at", "f.content"],
      unit.history,
      (r) => [
        h("a", { href: `#/ticket/${encodeURIComponent(r.ticket_id)}` }, r.ledger_number ?? t("ref.noNumber")),
        name("status", r.status),
        r.registered_at ? dateTime(r.registered_at) : "—",
        r.content,
      ],
      { "data-history": "" },
    ),
  );
}

export async function reference(main, [sub, id] = []) {
  if (sub === "unit" && id) return unitPage(main, id);
  const rights = await api("/v1/reference");
  const sections = [customersSection(rights), unitsSection(rights), productsSection(rights), causesSection(rights)];
  const reload = () => Promise.all(sections.slice(0, 2).map((s) => s.load()));
  fill(
    main,
    h("h1", {}, t("ref.title")),
    sections.map((s) => s.el),
  );
  // The import goes with the customers it adds to, before their list.
  if (rights.customers) sections[0].el.after(importSection(reload));
  await Promise.all(sections.map((s) => s.load()));
}
