// The forms of the service flow's office actions, shared by the views that offer them. Each
// posts one operation and then calls `done`.

import { operate } from "./api.js";
import { h, values, select, field } from "./dom.js";
import { t, name, options } from "./i18n.js";
import { attempt, toast, session } from "./main.js";

// Whether the signed-in role may write `section` (the server's policy, sent with the session).
export function writes(section) {
  return session()?.writes.includes(section) ?? false;
}

// Whether the signed-in role may perform `action`, such as "audit_cost" (the server's authority
// table, sent with the session).
export function may(action) {
  return session()?.may.includes(action) ?? false;
}

function form(label, build, submit, attrs = {}) {
  const el = h(
    "form",
    {
      class: "inline",
      ...attrs,
      onsubmit: async (e) => {
        e.preventDefault();
        await attempt(async () => {
          await submit(values(el));
          toast(t("app.saved"));
        });
      },
    },
    build(),
    h("button", { type: "submit" }, label),
  );
  return el;
}

const HAND_OFF_ROLES = [
  "technician",
  "supervisor",
  "technical",
  "quality_assurance",
  "rn_d",
  "manager",
  "commerce",
  "sales",
];

export function handOffForm(id, done) {
  return form(
    t("desk.handOff"),
    () => [
      h(
        "fieldset",
        { class: "row" },
        h("legend", {}, t("f.to")),
        HAND_OFF_ROLES.map((r) =>
          h(
            "label",
            { class: "check" },
            h("input", { type: "checkbox", name: "to", value: r, "data-many": "", checked: r === "technician" }),
            name("role", r),
          ),
        ),
      ),
      field(t("f.note"), h("input", { name: "note", size: 24 })),
    ],
    async (v) => {
      await operate(id, { op: "hand_off", to: v.to, note: v.note });
      await done();
    },
    { "data-form": "hand-off" },
  );
}

export function orderForm(id, done) {
  return form(
    t("desk.order"),
    () => [
      field(t("f.number"), h("input", { name: "number", required: true, size: 14, placeholder: "CC-2026-0001" })),
      field(t("f.kind"), select("kind", options("order_kind"), "on_site_service")),
      field(t("f.department"), select("issuing_department", options("department"), "technical_service")),
      field(
        t("f.assignees"),
        h("input", { name: "assignees", required: true, size: 18, placeholder: "tech.zhang, tech.li" }),
      ),
    ],
    async (v) => {
      const assignees = v.assignees.split(/[,\s，]+/).filter(Boolean);
      await operate(id, {
        op: "issue_travel_order",
        number: v.number,
        kind: v.kind,
        issuing_department: v.issuing_department,
        assignees,
      });
      await done();
    },
    { "data-form": "travel-order" },
  );
}

export function planVisitForm(id, today, done) {
  return form(
    t("visits.plan"),
    () => [
      field(t("f.planned_for"), h("input", { name: "planned_for", type: "date", required: true, value: today })),
      field(t("f.method"), select("method", options("method"), "phone")),
      field(t("f.assignee"), h("input", { name: "assignee", size: 12 })),
    ],
    async (v) => {
      await operate(id, {
        op: "plan_return_visit",
        planned_for: v.planned_for,
        method: v.method,
        assignee: v.assignee.trim() || null,
      });
      await done();
    },
    { "data-form": "plan-visit" },
  );
}

export function recordVisitForm(ticketId, visitId, method, done) {
  return form(
    t("visits.record"),
    () => [
      field(t("f.method"), select("method", options("method"), method)),
      field(
        t("f.satisfaction"),
        select(
          "satisfaction",
          [5, 4, 3, 2, 1].map((n) => [String(n), "★".repeat(n)]),
          "5",
        ),
      ),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "resolved", checked: true }),
        t("f.resolved"),
      ),
      field(t("f.notes"), h("input", { name: "notes", size: 20 })),
    ],
    async (v) => {
      await operate(ticketId, {
        op: "record_return_visit",
        visit_id: visitId,
        method: v.method,
        satisfaction: Number(v.satisfaction),
        resolved: v.resolved,
        notes: v.notes,
      });
      await done();
    },
    { "data-form": "record-visit" },
  );
}

export function auditForm(ticketId, costId, done) {
  const decide = (approved) =>
    attempt(async () => {
      await operate(ticketId, { op: "audit_cost", cost_id: costId, approved, note: "" });
      toast(t("app.saved"));
      await done();
    });
  return h(
    "span",
    { class: "row" },
    h("button", { type: "button", onclick: () => decide(true) }, t("finance.audit")),
    h("button", { type: "button", class: "secondary", onclick: () => decide(false) }, t("finance.reject")),
  );
}

export function settleForm(ticketId, costId, done) {
  return form(
    t("finance.settle"),
    () => [
      h("input", {
        name: "reference",
        required: true,
        size: 12,
        "aria-label": t("f.reference"),
        placeholder: t("f.reference"),
      }),
    ],
    async (v) => {
      await operate(ticketId, { op: "settle_cost", cost_id: costId, reference: v.reference });
      await done();
    },
  );
}
