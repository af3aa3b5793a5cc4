// Return visits for supervisors: due, overdue, done and planned, by person and department, with
// a form to record each outcome.

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { form, recordVisitForm } from "../forms.js";
import { dateTime, day, name, t } from "../i18n.js";
import { peopleOf, personName } from "../people.js";
import { may } from "../policy.js";

const DEPARTMENTS = ["service_desk", "supervisor", "technician", "commerce", "sales"];

export async function visits(main) {
  const state = { state: "due", assignee: "", department: "" };
  const table = h("div");
  const filters = form({
    attrs: { class: "filters" },
    items: [
      {
        label: "f.status",
        name: "state",
        type: "select",
        options: "visit_state",
        any: "visits.anyState",
        value: state.state,
      },
      {
        label: "f.visitAssignee",
        name: "assignee",
        type: "select",
        options: peopleOf(...DEPARTMENTS),
        any: "visits.anyone",
        value: "",
      },
      {
        label: "f.visitDepartment",
        name: "department",
        type: "select",
        options: DEPARTMENTS.map((r) => [r, name("role", r)]),
        any: "visits.anyDept",
        value: "",
      },
      { button: "submit", label: "ledger.apply" },
    ],
    submit: (v) => {
      Object.assign(state, v);
      load();
    },
  });
  fill(main, h("h1", {}, t("visits.title")), h("section", { class: "card" }, filters), table);

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
                  t("f.visitAssignee"),
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
                      v.ledger_number ?? t("home.noNumber"),
                    ),
                  ),
                  h("td", {}, v.customer_name),
                  h("td", {}, day(v.planned_for)),
                  h("td", {}, name("method", v.method)),
                  h("td", {}, personName(v.assignee)),
                  h("td", {}, v.done_at ? dateTime(v.done_at) : ""),
                  h("td", {}, v.satisfaction ? "★".repeat(v.satisfaction) : ""),
                  h(
                    "td",
                    {},
                    !v.done_at && may("record_return_visit")
                      ? recordVisitForm(v.ticket_id, v.visit_id, v.method, load)
                      : null,
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
