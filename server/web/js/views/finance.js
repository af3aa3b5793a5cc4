// Finance and the service department: service costs to audit and to settle, and totals by
// bearer.

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { auditForm, settleForm } from "../forms.js";
import { money, name, t } from "../i18n.js";
import { may } from "../policy.js";

export async function finance(main) {
  const lists = h("div");
  async function load() {
    const [totals, toAudit, toSettle] = await Promise.all([
      api("/v1/statistics/costs"),
      api(`/v1/costs${query({ state: "to_audit" })}`),
      api(`/v1/costs${query({ state: "to_settle" })}`),
    ]);
    const costTable = (rows, action, op, label) =>
      h(
        "section",
        { class: "card", "data-costs": label },
        h("h2", {}, t(label)),
        rows.length
          ? h(
              "table",
              {},
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  [
                    t("f.bearer"),
                    t("f.ledger_number"),
                    t("f.customer"),
                    t("f.cost_kind"),
                    t("f.amount"),
                    t("ticket.actions"),
                  ].map((c) => h("th", { scope: "col" }, c)),
                ),
              ),
              h(
                "tbody",
                {},
                rows.map((c) =>
                  h(
                    "tr",
                    { "data-cost": c.cost_id },
                    h("td", {}, name("bearer", c.bearer)),
                    h(
                      "td",
                      {},
                      h(
                        "a",
                        { href: `#/ticket/${encodeURIComponent(c.ticket_id)}` },
                        c.ledger_number ?? t("home.noNumber"),
                      ),
                    ),
                    h("td", {}, c.customer_name),
                    h("td", {}, name("cost_kind", c.kind)),
                    h("td", {}, money(c.amount_minor, c.currency)),
                    h("td", {}, may(op) ? action(c.ticket_id, c.cost_id, load) : null),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, t("app.none")),
      );
    fill(
      lists,
      h(
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
      ),
      costTable(toAudit, auditForm, "audit_cost", "finance.toAudit"),
      costTable(toSettle, settleForm, "settle_cost", "finance.toSettle"),
    );
  }
  fill(main, h("h1", {}, t("finance.title")), lists);
  await load();
}
