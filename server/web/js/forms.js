// The one form builder, and the forms of the service flow's office actions shared by the views
// that offer them. A form is described as data: each item is a field, a button or a group of
// items, and the builder makes the labelled controls, so that every form reads and behaves alike.

import { operate } from "./api.js";
import { h } from "./dom.js";
import { name, options, t } from "./i18n.js";
import { peopleOf } from "./people.js";
import { attempt, toast } from "./toast.js";

// Reads a form's named fields into an object; checkboxes give booleans, a group of checkboxes
// (`checks`) the list of the values checked.
function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") {
      if (el.dataset.many !== undefined) {
        out[el.name] ??= [];
        if (el.checked) out[el.name].push(el.value);
      } else out[el.name] = el.checked;
    } else out[el.name] = el.value;
  }
  return out;
}

// The [value, label] pairs of a field: a group of API names (see i18n.js) or the pairs
// themselves, after an "any" choice when the field has one.
function choices({ options: given, any }) {
  const pairs = typeof given === "string" ? options(given) : given;
  return any ? [["", t(any)], ...pairs] : pairs;
}

// What describes a field; its other properties are attributes of its control.
const DESCRIBED = ["label", "name", "type", "options", "any", "value", "hideLabel"];

// One item of a form:
// - a field { label, name, type, options, any, value, required, hideLabel, ...attributes },
//   where `label` and `any` are text keys, `type` is an input type or "select", "textarea",
//   "check" (one checkbox) or "checks" (one checkbox per option, under a legend), and the other
//   attributes (size, placeholder, autocomplete, …) go to the control as they are;
// - a button { button: "submit" | "reset" | "button", label, ...attributes };
// - a group { group: "div.grid" | "div.row" | "p", items }.
function item(spec) {
  if (spec.group) {
    const [tag, cls] = spec.group.split(".");
    return h(tag, { class: cls }, spec.items.map(item));
  }
  if (spec.button) {
    const { button, label, ...attrs } = spec;
    return h("button", { type: button, ...attrs }, t(label));
  }
  const { label, name: key, type = "text", value, hideLabel } = spec;
  const attrs = Object.fromEntries(Object.entries(spec).filter(([k]) => !DESCRIBED.includes(k)));
  switch (type) {
    case "select":
      return h(
        "label",
        {},
        t(label),
        h(
          "select",
          { name: key, ...attrs },
          choices(spec).map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
        ),
      );
    case "textarea":
      return h("label", {}, t(label), h("textarea", { name: key, ...attrs }));
    case "check":
      return h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: key, checked: value, ...attrs }),
        t(label),
      );
    case "checks":
      return h(
        "fieldset",
        { class: "row" },
        h("legend", {}, t(label)),
        choices(spec).map(([v, text]) =>
          h(
            "label",
            { class: "check" },
            h("input", { type: "checkbox", name: key, value: v, "data-many": "", checked: value?.includes(v) }),
            text,
          ),
        ),
      );
    default: {
      const input = h("input", { name: key, type: type === "text" ? null : type, value, ...attrs });
      if (!hideLabel) return h("label", {}, t(label), input);
      input.setAttribute("aria-label", t(label));
      input.setAttribute("placeholder", t(label));
      return input;
    }
  }
}

// A form of `items` (see `item`) with the attributes `attrs`; `submit(values, form)` runs when
// it is submitted.
export function form({ attrs = {}, items, submit }) {
  const el = h(
    "form",
    {
      ...attrs,
      onsubmit: async (e) => {
        e.preventDefault();
        await submit(values(el), el);
      },
    },
    items.map(item),
  );
  return el;
}

// A form of one office action, on one line: its fields and a button `label`; `run(values)`
// performs the action, and "saved" shows when it did.
export function actionForm(label, fields, run, attrs = {}) {
  return form({
    attrs: { class: "inline", ...attrs },
    items: [...fields, { button: "submit", label }],
    // A failure is shown as a message by `attempt`, and the form stays as it was filled.
    submit: (v) =>
      attempt(async () => {
        await run(v);
        toast(t("app.saved"));
      }).catch(() => null),
  });
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
  return actionForm(
    "desk.handOff",
    [
      {
        label: "f.to",
        name: "to",
        type: "checks",
        options: HAND_OFF_ROLES.map((r) => [r, name("role", r)]),
        value: ["technician"],
      },
      {
        label: "f.handoffPerson",
        name: "person",
        type: "select",
        options: peopleOf(...HAND_OFF_ROLES),
        any: "f.nobodyInParticular",
      },
      { label: "f.note", name: "note", size: 24 },
    ],
    async (v) => {
      await operate(id, { op: "hand_off", to: v.to, person: v.person || null, note: v.note });
      await done();
    },
    { "data-form": "hand-off" },
  );
}

export function orderForm(id, done) {
  return actionForm(
    "desk.order",
    [
      { label: "f.number", name: "number", required: true, size: 14, placeholder: "CC-2026-0001" },
      { label: "f.kind", name: "kind", type: "select", options: "order_kind", value: "on_site_service" },
      {
        label: "f.department",
        name: "issuing_department",
        type: "select",
        options: "department",
        value: "technical_service",
      },
      { label: "f.assignees", name: "assignees", type: "checks", options: peopleOf("technician") },
    ],
    async (v) => {
      await operate(id, {
        op: "issue_travel_order",
        number: v.number,
        kind: v.kind,
        issuing_department: v.issuing_department,
        assignees: v.assignees ?? [],
      });
      await done();
    },
    { "data-form": "travel-order" },
  );
}

// The roles of the technical service department, who do return visits.
export const VISITING_ROLES = ["service_desk", "supervisor"];

export function planVisitForm(id, today, done) {
  return actionForm(
    "visits.plan",
    [
      { label: "f.planned_for", name: "planned_for", type: "date", required: true, value: today },
      { label: "f.method", name: "method", type: "select", options: "method", value: "phone" },
      {
        label: "f.visitAssignee",
        name: "assignee",
        type: "select",
        options: peopleOf(...VISITING_ROLES),
        any: "f.plannerVisits",
      },
    ],
    async (v) => {
      await operate(id, {
        op: "plan_return_visit",
        planned_for: v.planned_for,
        method: v.method,
        assignee: v.assignee || null,
      });
      await done();
    },
    { "data-form": "plan-visit" },
  );
}

export function recordVisitForm(ticketId, visitId, method, done) {
  return actionForm(
    "visits.record",
    [
      { label: "f.method", name: "method", type: "select", options: "method", value: method },
      {
        label: "f.satisfaction",
        name: "satisfaction",
        type: "select",
        options: [5, 4, 3, 2, 1].map((n) => [String(n), "★".repeat(n)]),
        value: "5",
      },
      { label: "f.resolved", name: "resolved", type: "check", value: true },
      { label: "f.notes", name: "notes", size: 20 },
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

// Approving or rejecting a cost: two buttons, no fields.
// Approves cost `costId` of ticket `ticketId` in one click; rejects it only with a reason,
// typed in a dialog and confirmed there (a rejection without one is refused before it is sent,
// and by the server too). `done` runs once the audit is recorded.
export function auditForm(ticketId, costId, done) {
  const decide = (approved, note) =>
    attempt(async () => {
      await operate(ticketId, { op: "audit_cost", cost_id: costId, approved, note });
      toast(t("app.saved"));
      await done();
    });
  const reason = h("textarea", { name: "note", rows: 3, "aria-label": t("finance.rejectReason") });
  const problem = h("p", { class: "error", role: "alert" });
  const dialog = h(
    "dialog",
    { class: "reject", "data-reject-dialog": "" },
    h(
      "form",
      {
        method: "dialog",
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          if (!reason.value.trim()) {
            problem.textContent = t("finance.reasonRequired");
            reason.focus();
            return;
          }
          dialog.close();
          await decide(false, reason.value.trim());
        },
      },
      h("h3", {}, t("finance.rejectTitle")),
      h("label", {}, t("finance.rejectReason"), reason),
      problem,
      h(
        "p",
        { class: "row" },
        h("button", { type: "submit", "data-confirm-reject": "" }, t("finance.rejectConfirm")),
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("finance.cancel")),
      ),
    ),
  );
  return h(
    "span",
    { class: "row" },
    h("button", { type: "button", onclick: () => decide(true, "") }, t("finance.audit")),
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        "data-reject": "",
        onclick: () => {
          problem.textContent = "";
          dialog.showModal();
        },
      },
      t("finance.reject"),
    ),
    dialog,
  );
}

export function settleForm(ticketId, costId, done) {
  return actionForm(
    "finance.settle",
    [{ label: "f.reference", name: "reference", required: true, size: 12, hideLabel: true }],
    async (v) => {
      await operate(ticketId, { op: "settle_cost", cost_id: costId, reference: v.reference });
      await done();
    },
  );
}
