// Return visits for supervisors: due, overdue, done and planned, by person and department, with
// a form to record each outcome.

import { api, query } from "../api.js";
import { h, fill, values, select, field } from "../dom.js";
import { t, name, options, day, dateTime } from "../i18n.js";
import { writes, recordVisitForm } from "../forms.js";

const DEPARTMENTS = ["service_desk", "supervisor", "technician", "commerce", "sales"];

export async function visits(main) {
  const state = { state: "due", assignee: "", department: "" };
  const table = h("div");
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (e) => {
        e.preventDefault();
        Object.assign(state, values(form));
        load();
      },
    },
    field(t("f.status"), select("state", [["", t("visits.anyState")], ...options("visit_state")], state.state)),
    field(t("f.assignee"), h("input", { name: "assignee", size: 12 })),
    field(
      t("f.department"),
      select("department", [["", t("visits.anyDept")], ...DEPARTMENTS.map((r) => [r, name("role", r)])], ""),
    ),
    h("button", { type: "submit" }, t("ledger.apply")),
  );
  fill(main, h("h1", {}, t("visits.title")), h("section", { class: "card" }, form), table);

  async function load() {
    const answer = await api(`/v1/return-visits${query(state)}`);
    fill(
      table,
      h("p", { class: "muted" }, `${day(answer.today)}`),
      answer.visits.length
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
                  t("f.ledger_number"),
                  t("f.customer"),
                  t("f.planned_for"),
                  t("f.method"),
                  t("f.assignee"),
                  t("f.done_at"),
                  t("f.satisfaction"),
                  t("ticket.actions"),
                ].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              answer.visits.map((v) =>
                h(
                  "tr",
                  { "data-visit": v.visit_id, "data-ticket": v.ticket_id },
                  h(
                    "td",
                    {},
                    h(
                      "a",
                      { href: `#/ticket/${encodeURIComponent(v.ticket_id)}` },
                      v.ledger_number ?? v.ticket_id.slice(0, 8),
                    ),
                  ),
                  h("td", {}, v.customer_name),
                  h("td", {}, day(v.planned_for)),
                  h("td", {}, name("method", v.method)),
                  h("td", {}, v.assignee),
                  h("td", {}, v.done_at ? dateTime(v.done_at) : ""),
                  h("td", {}, v.satisfaction ? "★".repeat(v.satisfaction) : ""),
                  h(
                    "td",
                    {},
                    !v.done_at && writes("followups") ? recordVisitForm(v.ticket_id, v.visit_id, v.method, load) : null,
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "muted", "data-empty": "" }, t("app.none")),
    );
  }
  await load();
}
