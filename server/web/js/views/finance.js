// Finance and the service department: totals by bearer, and the service costs themselves with
// what each was, who submitted it and when, its receipts (the ticket's photos) and where it
// stands, filtered by state. Costs are approved in one click and rejected only with a reason
// (forms.js); a rejected cost stays listed with it.

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { auditForm, settleForm } from "../forms.js";
import { dateTime, money, name, t } from "../i18n.js";
import { personName } from "../people.js";
import { may } from "../policy.js";

// Where cost `c` stands.
function stateOf(c) {
  if (c.settled) return "settled";
  if (c.approved === true) return "to_settle";
  if (c.approved === false) return "rejected";
  return "to_audit";
}

const BADGE = { to_audit: "warn", to_settle: "", settled: "ok", rejected: "bad" };

// What the signed-in role may do with cost `c` now.
function action(c, load) {
  const state = stateOf(c);
  if (state === "to_audit" && may("audit_cost")) return auditForm(c.ticket_id, c.cost_id, load);
  if (state === "to_settle" && may("settle_cost")) return settleForm(c.ticket_id, c.cost_id, load);
  return null;
}

function totalsCard(totals) {
  return h(
    "section",
    { class: "card" },
    h("h2", {}, t("finance.byBearer")),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [t("f.bearer"), t("finance.total"), t("finance.approvedSum"), t("finance.settledSum")].map((c) =>
            h("th", { scope: "col" }, c),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        totals.by_bearer.map((b) =>
          h(
            "tr",
            {},
            h("td", {}, name("bearer", b.key)),
            h("td", {}, money(b.amount_minor, b.currency)),
            h("td", {}, money(b.approved_minor, b.currency)),
            h("td", {}, money(b.settled_minor, b.currency)),
          ),
        ),
      ),
    ),
  );
}

function costRow(c, load) {
  const state = stateOf(c);
  const ticket = `#/ticket/${encodeURIComponent(c.ticket_id)}`;
  return h(
    "tr",
    { "data-cost": c.cost_id, "data-state": state },
    h("td", {}, h("a", { href: ticket }, c.ledger_number ?? t("ledger.noNumber")), h("br"), c.customer_name),
    h("td", {}, name("cost_kind", c.kind), h("br"), h("span", { class: "muted" }, name("bearer", c.bearer))),
    h("td", { class: "wrap" }, c.description || "—"),
    h(
      "td",
      {},
      c.submitted_by_name ?? personName(c.submitted_by),
      h("br"),
      h("span", { class: "muted" }, dateTime(c.submitted_at)),
    ),
    h("td", { class: "amount" }, money(c.amount_minor, c.currency)),
    h(
      "td",
      { class: "wrap" },
      h("span", { class: `badge ${BADGE[state]}` }, t(`finance.state.${state}`)),
      state === "rejected" && c.audit_note
        ? h("p", { class: "reason", "data-reason": "" }, t("finance.rejectedBecause", { note: c.audit_note }))
        : null,
    ),
    h("td", {}, h("a", { href: ticket, "data-receipts": "" }, t("finance.receiptsLink"))),
    h("td", {}, action(c, load)),
  );
}

// A card of `costs` under `title`, its table marked with `key`; `more` goes beside the title.
function costCard(title, key, costs, load, more = null) {
  const headers = [
    "f.ledger_number",
    "f.cost_kind",
    "finance.description",
    "finance.submitter",
    "f.amount",
    "f.status",
    "finance.receipts",
    "ticket.actions",
  ];
  return h(
    "section",
    { class: "card", "data-costs": key },
    h("div", { class: "card-head" }, h("h2", {}, t(title)), more),
    costs.length
      ? h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "costs" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                headers.map((k) => h("th", { scope: "col" }, t(k))),
              ),
            ),
            h(
              "tbody",
              {},
              costs.map((c) => costRow(c, load)),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("app.none")),
  );
}

export async function finance(main) {
  const lists = h("div");
  // The third list, of costs done with: rejected ones first, as they stay until resubmitted.
  let past = "rejected";
  const filter = h(
    "select",
    {
      name: "state",
      "aria-label": t("finance.stateFilter"),
      onchange: (e) => {
        past = e.target.value;
        load();
      },
    },
    ["rejected", "settled", ""].map((s) =>
      h("option", { value: s, selected: s === past }, t(s ? `finance.state.${s}` : "finance.allStates")),
    ),
  );
  const filterLabel = h("label", {}, t("finance.stateFilter"), filter);

  async function load() {
    const [sums, toAudit, toSettle, done] = await Promise.all([
      api("/v1/statistics/costs"),
      api(`/v1/costs${query({ state: "to_audit" })}`),
      api(`/v1/costs${query({ state: "to_settle" })}`),
      api(`/v1/costs${query({ state: past })}`),
    ]);
    fill(
      lists,
      totalsCard(sums),
      costCard("finance.toAudit", "finance.toAudit", toAudit, load),
      costCard("finance.toSettle", "finance.toSettle", toSettle, load),
      costCard("finance.costs", "finance.past", done, load, filterLabel),
    );
  }
  fill(main, h("h1", {}, t("finance.title")), lists);
  await load();
}
