// The complaint information form (客户投诉信息处理单) of one ticket, laid out as the paper form
// and printed on A4 (app.css, @media print): registration, hand-off, dispatch and visits,
// disposition, cause and responsibility, return visits, sign-off and closing, people by name and
// every value in the language of the page.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { dateTime, day, name, t } from "../i18n.js";

const EMPTY = "—";

function text(value) {
  return value === undefined || value === null || value === "" ? EMPTY : String(value);
}

// A row of label and value pairs; a pair with `wide` takes the rest of the row.
function row(...pairs) {
  const cells = [];
  for (const [label, value, wide] of pairs) {
    cells.push(h("th", { scope: "row" }, t(label)));
    cells.push(h("td", wide ? { colspan: 3, class: "long" } : {}, text(value)));
  }
  return h("tr", {}, cells);
}

// A section's heading across the table.
function part(label) {
  return h("tr", {}, h("th", { class: "section", colspan: 4, scope: "rowgroup" }, t(label)));
}

// Lines of a section, one per entry, or one empty line.
function lines(label, entries, render) {
  const shown = entries.length ? entries.map(render) : [EMPTY];
  return shown.map((line, i) =>
    h("tr", {}, h("th", { scope: "row" }, i === 0 ? t(label) : ""), h("td", { colspan: 3, class: "long" }, line)),
  );
}

export async function complaintForm(main, id) {
  const detail = await api(`/v1/tickets/${encodeURIComponent(id)}`);
  const v = detail.view;
  const reg = v.intake;
  const person = (user) => (user ? (detail.people[user] ?? user) : EMPTY);
  const people = (users) => (users.length ? users.map(person).join("、") : EMPTY);
  const yesNo = (b) => (b ? t("yes") : t("no"));
  const entries = v.decisions.entries;
  const dispositions = detail.decision_conflict
    ? t("form.conflict")
    : entries.length
      ? name("disposition", entries[entries.length - 1].disposition)
      : EMPTY;

  const table = h(
    "table",
    { class: "form" },
    h(
      "colgroup",
      {},
      ["label", "value", "label", "value"].map((c) => h("col", { class: c })),
    ),
    h(
      "tbody",
      {},
      part("form.partRegistration"),
      row(
        ["f.registered_at", reg.registered_at ? dateTime(reg.registered_at) : EMPTY],
        ["form.registeredBy", person(reg.registered_by)],
      ),
      row(
        ["f.source", name("source", reg.source)],
        ["f.sales_representative", reg.sales_rep ? person(reg.sales_rep) : reg.sales_representative],
      ),
      row(["f.customer", reg.customer_name], ["f.contact_person", reg.contact_person]),
      row(["f.contact_method", reg.contact_method], ["f.kind", name("kind", reg.kind)]),
      row(["f.product", reg.product_name], ["f.model", reg.model]),
      row(["f.job_number", reg.job_number], ["f.contract_number", reg.contract_number]),
      row(["f.complaint", yesNo(reg.complaint)], ["f.major", yesNo(reg.major)]),
      row(["f.content", reg.content, true]),
      row(["f.requests", reg.requests, true]),
      part("form.partHandoff"),
      lines(
        "form.handoffs",
        v.dispatch.handoffs,
        (x) =>
          `${dateTime(x.handed_off_at)} ${person(x.by)} → ${x.to.map((r) => name("role", r)).join("、")}${x.note ? `${t("form.sep")}${x.note}` : ""}`,
      ),
      lines(
        "form.orders",
        v.dispatch.orders,
        (o) =>
          `${o.number} · ${name("order_kind", o.kind)} · ${name("department", o.issuing_department)} · ${people(o.assignees)} · ${dateTime(o.issued_at)}`,
      ),
      lines(
        "form.visits",
        v.visits,
        (x) =>
          `${person(x.technician)} · ${x.site} · ${dateTime(x.arrived_at)} – ${x.departed_at ? dateTime(x.departed_at) : EMPTY}`,
      ),
      part("form.partDisposition"),
      row(["f.disposition", dispositions, true]),
      lines(
        "form.decisions",
        entries,
        (e) =>
          `${dateTime(e.recorded_at)} ${person(e.by)} (${name("role", e.role)}) ${name("disposition", e.disposition)}${t("form.sep")}${e.rationale}`,
      ),
      part("form.partQuality"),
      row(["f.cause", v.quality.cause, true]),
      row([
        "f.responsibility",
        v.quality.responsibility ? name("responsibility", v.quality.responsibility) : EMPTY,
        true,
      ]),
      lines(
        "form.actions",
        v.quality.actions,
        (a) =>
          `${name("action_kind", a.kind)} · ${a.description} · ${person(a.owner)} · ${t("f.due")} ${day(a.due)} · ${name("action_status", a.status)}`,
      ),
      part("form.partFollowup"),
      lines("form.followups", v.followups, (f) => {
        const planned = `${day(f.planned_for)} · ${name("method", f.method)} · ${person(f.assignee ?? f.planned_by)}`;
        if (!f.outcome) return `${planned} · ${t("form.notDone")}`;
        const o = f.outcome;
        return `${planned} · ${t("form.satisfaction", { n: o.satisfaction })} · ${o.resolved ? t("form.resolved") : t("form.notResolved")}${o.notes ? ` · ${o.notes}` : ""} · ${dateTime(o.done_at)}`;
      }),
      part("form.partSignoff"),
      lines(
        "form.signoffs",
        v.signoffs,
        (s) => `${s.signer_name} (${s.signer_title}) · ${dateTime(s.signed_at)} · ${s.statement}`,
      ),
      lines(
        "form.closures",
        v.closures,
        (c) => `${dateTime(c.closed_at)} ${person(c.closed_by)}${c.note ? `${t("form.sep")}${c.note}` : ""}`,
      ),
    ),
  );

  fill(
    main,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "button", "data-print": "", onclick: () => window.print() }, t("form.print")),
      h("a", { class: "button secondary", href: `#/ticket/${encodeURIComponent(id)}` }, t("form.back")),
    ),
    h(
      "article",
      { class: "paper", "data-complaint-form": "" },
      h(
        "header",
        {},
        h("h1", {}, t("form.title")),
        h(
          "div",
          { class: "form-meta" },
          h("span", {}, `${t("f.ledger_number")}${t("form.sep")}${text(v.meta.ledger_number)}`),
          h("span", {}, `${t("f.status")}${t("form.sep")}${name("status", detail.status)}`),
        ),
      ),
      table,
      h(
        "footer",
        {},
        h("span", {}, `${t("form.handler")}${t("form.sep")}____________`),
        h("span", {}, `${t("form.reviewer")}${t("form.sep")}____________`),
        h("span", {}, `${t("form.printedAt")}${t("form.sep")}${dateTime(Date.now())}`),
      ),
    ),
  );
}
