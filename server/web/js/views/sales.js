// The marketing centre's part of the dashboard: the sales representatives offered by name, the
// confirmation that the customer's service requirements were met, the form of a cost that may be
// borne by a representative, and the representative's own panels on their home view (the tickets
// naming them, the costs they bear with their audit and settlement).

import { api, operate, query } from "../api.js";
import { fill, h } from "../dom.js";
import { actionForm } from "../forms.js";
import { dateTime, money, name, t } from "../i18n.js";
import { session } from "../session.js";

// The users of the sales role as [id, name] pairs, for the forms' choices.
export async function salesReps() {
  const reps = await api("/v1/sales-representatives");
  return reps.map((r) => [r.id, r.name]);
}

// Whether the signed-in user confirms the service of ticket `view` at `status`: its own
// representative (or an administrator) once it is resolved or closed.
export function confirmsService(view, status) {
  const s = session();
  const own = s.role === "admin" || view.intake.sales_rep === s.user;
  return own && (status === "resolved" || status === "closed");
}

// The representative's confirmation that the customer's service requirements were met.
export function serviceForm(id, done) {
  return actionForm(
    "sales.confirm",
    [
      { label: "sales.met", name: "met", type: "check", value: true },
      { label: "f.note", name: "note", size: 28, placeholder: t("sales.noteRequired") },
    ],
    async (v) => {
      await operate(id, { op: "confirm_service_met", met: v.met, note: v.note });
      await done();
    },
    { "data-form": "service-met" },
  );
}

// The confirmations of ticket `view`, the latest last; `person` names users.
export function confirmations(view, person) {
  return view.service_confirmations.map((c) =>
    h(
      "p",
      { "data-confirmation": c.met ? "met" : "not-met" },
      h("span", { class: `badge ${c.met ? "ok" : "bad"}` }, t(c.met ? "sales.isMet" : "sales.notMet")),
      ` ${person(c.confirmed_by)} · ${dateTime(c.confirmed_at)}${c.note ? ` · ${c.note}` : ""}`,
    ),
  );
}

// Submitting a cost on ticket `id`; `reps` are the representatives offered to bear it (the
// ticket's own first chosen).
export function costForm(id, reps, ticketRep, done) {
  return actionForm(
    "sales.submitCost",
    [
      { label: "f.cost_kind", name: "kind", type: "select", options: "cost_kind", value: "travel" },
      { label: "f.amount_yuan", name: "amount", type: "number", min: "0.01", step: "0.01", required: true, size: 8 },
      { label: "f.bearer", name: "bearer", type: "select", options: "bearer", value: "company" },
      { label: "f.borne_by", name: "borne_by", type: "select", options: reps, any: "sales.none", value: ticketRep },
      { label: "f.description", name: "description", required: true, size: 20 },
    ],
    async (v) => {
      const representative = v.bearer === "sales_representative";
      await operate(id, {
        op: "submit_cost",
        kind: v.kind,
        amount_minor: Math.round(Number(v.amount) * 100),
        currency: "CNY",
        bearer: v.bearer,
        borne_by: representative && v.borne_by ? v.borne_by : null,
        description: v.description,
      });
      await done();
    },
    { "data-form": "submit-cost" },
  );
}

// Where a cost stands between submission and settlement.
export function costState(c) {
  if (c.settled) return h("span", { class: "badge ok" }, t("sales.settled"));
  if (c.approved === true) return h("span", { class: "badge warn" }, t("sales.toSettle"));
  if (c.approved === false) return h("span", { class: "badge bad" }, t("sales.rejected"));
  return h("span", { class: "badge" }, t("sales.toAudit"));
}

function table(headers, rows) {
  return rows.length
    ? h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headers.map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h("tbody", {}, rows),
      )
    : h("p", { class: "muted" }, t("app.none"));
}

function ticketLink(id, number) {
  return h("a", { href: `#/ticket/${encodeURIComponent(id)}` }, number ?? t("home.noNumber"));
}

// The representative's own panels: the tickets naming them and the costs they bear.
export async function salesPanels() {
  const me = session().user;
  const panel = h("div", { "data-sales": "" });
  const [page, costs] = await Promise.all([api(`/v1/ledger${query({ limit: 200 })}`), api("/v1/costs")]);
  const mine = page.rows.filter((r) => r.sales_rep === me);
  fill(
    panel,
    h("h2", {}, t("sales.myTickets")),
    table(
      [t("f.ledger_number"), t("f.customer"), t("f.product"), t("f.status")],
      mine.map((r) =>
        h(
          "tr",
          { "data-my-ticket": r.ticket_id },
          h("td", {}, ticketLink(r.ticket_id, r.ledger_number)),
          h("td", {}, r.customer_name),
          h("td", {}, r.product_name),
          h("td", {}, h("span", { class: "badge" }, name("status", r.status))),
        ),
      ),
    ),
    h("h2", {}, t("sales.myCosts")),
    table(
      [t("f.ledger_number"), t("f.customer"), t("f.cost_kind"), t("f.amount"), t("f.status")],
      costs.map((c) =>
        h(
          "tr",
          { "data-my-cost": c.cost_id },
          h("td", {}, ticketLink(c.ticket_id, c.ledger_number)),
          h("td", {}, c.customer_name),
          h("td", {}, name("cost_kind", c.kind)),
          h("td", {}, money(c.amount_minor, c.currency)),
          h("td", {}, costState(c)),
        ),
      ),
    ),
  );
  return panel;
}
