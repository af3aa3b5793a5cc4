// One ticket: a header that sums it up (ticket_header.js), then every section in readable form
// in two columns (those holding nothing folded to one line), photos opened large, the sign-off
// and the state signed, the history as a timeline, decision conflicts with a way to resolve
// them, and the office actions the signed-in role may take. `#/ticket/ID/print` (or `/form`) is
// its complaint information form, laid out to print.

import { api, operate } from "../api.js";
import { fill, h } from "../dom.js";
import { actionForm, auditForm, handOffForm, orderForm, planVisitForm, recordVisitForm, settleForm } from "../forms.js";
import { dateTime, day, duration, money, name, t } from "../i18n.js";
import { personName } from "../people.js";
import { may } from "../policy.js";
import { session } from "../session.js";
import { attempt } from "../toast.js";
import { complaintForm } from "./complaint_form.js";
import {
  actionLine,
  actionStatusForm,
  advancesPanel,
  causeForm,
  closeForm,
  correctiveActionForm,
  draftLetterForm,
  drawingsForm,
  fulfilmentTrack,
  guidanceForm,
  guidanceList,
  handoffList,
  inspectionForm,
  issueLetterButton,
  letterDeliveryForm,
  letterState,
  mayMoveAction,
  nextStage,
  receiveReturnButton,
  responsibilityForm,
  reviewForm,
  trackForms,
} from "./home_forms.js";
import { confirmations, confirmsService, costForm, salesReps, serviceForm } from "./sales.js";
import { photoGallery, section, ticketHeader } from "./ticket_header.js";

function fields(pairs) {
  return h(
    "dl",
    { class: "fields" },
    pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v ?? "—")]),
  );
}

function list(items, render) {
  return items.length
    ? h(
        "ul",
        {},
        items.map((i) => h("li", {}, render(i))),
      )
    : h("p", { class: "muted" }, t("app.none"));
}

function handoffClock(detail) {
  const handoff = detail.deadlines.find((d) => d.deadline === "handoff");
  if (!handoff) return null;
  const clock = handoff.receipt ?? handoff.device;
  const el = h("span", { class: "clock", "data-clock": "" });
  const tick = () => {
    const left = clock.due_at - Date.now();
    if (clock.state === "pending") {
      el.className = `clock badge ${left < 0 ? "bad" : "warn"}`;
      el.textContent = left >= 0 ? t("desk.left", { t: duration(left) }) : t("desk.over", { t: duration(left) });
    } else {
      el.className = `clock badge ${clock.state === "met" ? "ok" : "bad"}`;
      el.textContent = name("clock_state", clock.state);
    }
  };
  tick();
  return { el, tick, pending: clock.state === "pending" };
}

export async function ticket(main, [id, part]) {
  if (part === "form" || part === "print") return complaintForm(main, id);
  let timer = null;
  async function load() {
    const detail = await api(`/v1/tickets/${encodeURIComponent(id)}`);
    clearInterval(timer);
    const v = detail.view;
    const reg = v.intake;
    const reload = () => load();
    // People by name where the server knows them, else by their user id.
    const person = (user) => personName(user, detail.people);
    const clock = handoffClock(detail);
    const reps = may("submit_cost") ? await salesReps() : [];
    if (clock?.pending) timer = setInterval(clock.tick, 1000);

    const conflict = detail.decision_conflict
      ? h(
          "div",
          { class: "conflict", "data-conflict": "" },
          h("strong", {}, t("ticket.conflict")),
          list(
            detail.decision_conflict.entries,
            (e) =>
              `${name("disposition", e.disposition)} — ${person(e.by)} (${name("role", e.role)}), ${dateTime(e.recorded_at)}: ${e.rationale}`,
          ),
          may("decide")
            ? actionForm(
                "ticket.resolve",
                [
                  {
                    label: "f.disposition",
                    name: "disposition",
                    type: "select",
                    options: "disposition",
                    value: detail.decision_conflict.entries[0].disposition,
                  },
                  { label: "f.rationale", name: "rationale", required: true, size: 30 },
                ],
                async (f) => {
                  await operate(id, { op: "decide", disposition: f.disposition, rationale: f.rationale });
                  await reload();
                },
                { "data-form": "decide" },
              )
            : null,
        )
      : null;

    const signedView = h("div");
    const q = v.quality;
    fill(
      main,
      ticketHeader(
        detail,
        person,
        h(
          "a",
          { class: "button secondary", href: `#/ticket/${encodeURIComponent(id)}/print`, "data-open-form": "" },
          t("form.open"),
        ),
      ),
      h(
        "div",
        { class: "ticket-sections" },
        section(
          "ticket.deadlines",
          detail.deadlines.length > 0,
          clock ? h("p", {}, t("ticket.handoffClock", { minutes: session().handoff_minutes }), ": ", clock.el) : null,
          list(
            detail.deadlines,
            (d) =>
              `${name("deadline", d.deadline)}: ${t("stats.byDevice")} ${d.device ? `${name("clock_state", d.device.state)} (${dateTime(d.device.due_at)})` : "—"}; ${t("stats.byReceipt")} ${d.receipt ? name("clock_state", d.receipt.state) : "—"}`,
          ),
        ),
        section(
          "ticket.intake",
          true,
          fields([
            ["f.kind", name("kind", reg.kind)],
            ["f.complaint", reg.complaint ? t("yes") : t("no")],
            ["f.product", reg.product_name],
            ["f.model", reg.model],
            ["f.job_number", reg.job_number],
            ["f.contract_number", reg.contract_number],
            ["f.customer", reg.customer_name],
            ["f.contact_person", reg.contact_person],
            ["f.contact_method", reg.contact_method],
            ["f.content", reg.content],
            ["f.requests", reg.requests],
            ["f.source", name("source", reg.source)],
            ["f.sales_representative", reg.sales_representative ?? undefined],
            ["f.sales_rep", reg.sales_rep ? person(reg.sales_rep) : undefined],
            ["f.registered_at", dateTime(v.intake.registered_at)],
            ["form.registeredBy", person(v.intake.registered_by)],
          ]),
          detail.field_conflicts.length
            ? h(
                "div",
                { class: "conflict" },
                h("strong", {}, t("ticket.fieldConflicts")),
                list(
                  detail.field_conflicts,
                  (c) => `${c.path.join(".")}: ${c.values.map((x) => JSON.stringify(x)).join(" / ")}`,
                ),
              )
            : null,
        ),
        section(
          "ticket.dispatch",
          v.dispatch.handoffs.length + v.dispatch.orders.length > 0,
          handoffList(id, v.dispatch, reload, person),
          list(
            v.dispatch.orders,
            (o) =>
              `${o.number} · ${name("order_kind", o.kind)} · ${name("department", o.issuing_department)} · ${o.assignees.map(person).join("、")} · ${dateTime(o.issued_at)}`,
          ),
          may("hand_off") ? handOffForm(id, reload) : null,
          may("issue_travel_order") ? orderForm(id, reload) : null,
        ),
        section(
          "ticket.visits",
          v.visits.length > 0,
          list(v.visits, (visit) => [
            h("strong", {}, `${person(visit.technician)} · ${visit.site}`),
            ` ${dateTime(visit.arrived_at)} – ${visit.departed_at ? dateTime(visit.departed_at) : "…"}`,
            list(visit.log, (l) => `${dateTime(l.recorded_at)} ${workText(l)}`),
            photoGallery(id, visit.photos),
          ]),
        ),
        section(
          "ticket.decisions",
          v.decisions.entries.length > 0 || conflict !== null,
          conflict,
          list(
            v.decisions.entries,
            (e) =>
              `${dateTime(e.recorded_at)} ${name("disposition", e.disposition)} — ${person(e.by)} (${name("role", e.role)}): ${e.rationale}`,
          ),
        ),
        section(
          "ticket.returns",
          v.returns.length > 0,
          list(v.returns, (r) => [
            `${r.unit}: ${r.reason} · ${dateTime(r.requested_at)} · ${r.received_at ? dateTime(r.received_at) : "—"}`,
            list(
              r.inspections,
              (i) => `${dateTime(i.at)} ${name("verdict", i.verdict)} ${i.findings} (${person(i.by)})`,
            ),
            !r.received_at && may("receive_return") ? receiveReturnButton(id, r.id, reload) : null,
            r.received_at && detail.status === "awaiting_inspection" && may("record_inspection")
              ? inspectionForm(id, r.id, nextStage(r), reload)
              : null,
          ]),
        ),
        section(
          "ticket.fulfilment",
          v.fulfilment.length > 0,
          fulfilmentTrack(v, detail.status, person),
          trackForms(id, detail.status, reload),
        ),
        section(
          "ticket.quality",
          Boolean(q.cause || q.responsibility || q.manager_review || q.actions.length),
          fields([
            ["f.cause", v.quality.cause || t("unknown")],
            ["f.responsibility", name("responsibility", v.quality.responsibility)],
          ]),
          v.quality.manager_review
            ? fields([
                [
                  "work.managerReview",
                  `${v.quality.manager_review.note} (${person(v.quality.manager_review.reviewed_by)}, ${dateTime(v.quality.manager_review.reviewed_at)})`,
                ],
              ])
            : null,
          list(v.quality.actions, (a) => [actionLine(a), mayMoveAction(a) ? actionStatusForm(id, a, reload) : null]),
          may("record_cause") ? causeForm(id, v.quality.cause, reload) : null,
          may("rule_responsibility") ? responsibilityForm(id, v.quality.responsibility, reload) : null,
          may("add_corrective_action") ? correctiveActionForm(id, reload) : null,
          reg.major && !v.quality.manager_review && may("review_major_complaint") ? reviewForm(id, reload) : null,
        ),
        section(
          "ticket.guidance",
          q.guidance.length > 0,
          guidanceList(v.quality, person),
          may("issue_guidance") ? guidanceForm(id, reload) : null,
        ),
        section(
          "ticket.delivery",
          Boolean(v.delivery.shipped_on || v.delivery.drawings_sent_at),
          fields([
            ["f.shipped_on", v.delivery.shipped_on ? day(v.delivery.shipped_on) : "—"],
            ["f.drawings_sent_at", v.delivery.drawings_sent_at ? dateTime(v.delivery.drawings_sent_at) : "—"],
            ["f.note", [v.delivery.shipment_note, v.delivery.drawings_note].filter(Boolean).join(" · ") || "—"],
          ]),
          may("record_shipment")
            ? actionForm(
                "ticket.recordShipment",
                [
                  { label: "f.shipped_on", name: "shipped_on", type: "date", required: true },
                  { label: "f.note", name: "note" },
                ],
                async (f) => {
                  await operate(id, { op: "record_shipment", shipped_on: f.shipped_on, note: f.note });
                  await reload();
                },
                { "data-form": "record-shipment" },
              )
            : null,
          may("send_drawings") ? drawingsForm(id, reload) : null,
        ),
        section(
          "ticket.letter",
          true,
          fields([
            ["f.status", letterState(v.letter, person)],
            ["f.letter_body", v.letter.body || "—"],
          ]),
          v.letter.status !== "issued" && may("draft_letter") ? draftLetterForm(id, v.letter, reload) : null,
          v.letter.status !== "issued" && v.letter.number && may("issue_letter") ? issueLetterButton(id, reload) : null,
          v.letter.status === "issued" && !v.letter.delivered_at && may("record_letter_delivery")
            ? letterDeliveryForm(id, reload)
            : null,
        ),
        section(
          "ticket.costs",
          v.costs.length + v.advances.length > 0,
          list(v.costs, (c) => [
            `${name("cost_kind", c.kind)} · ${money(c.amount_minor, c.currency)} · ${name("bearer", c.bearer)}${c.borne_by ? ` ${person(c.borne_by)}` : ""} · ${c.description} · `,
            c.audit
              ? h(
                  "span",
                  { class: `badge ${c.audit.approved ? "ok" : "bad"}`, "data-audit": "" },
                  c.audit.approved ? t("finance.approved") : t("finance.rejectedBecause", { note: c.audit.note }),
                )
              : may("audit_cost") && c.submitted_by !== session()?.user
                ? auditForm(id, c.id, reload)
                : null,
            c.settlement
              ? h("span", { class: "badge ok" }, `${t("finance.settled")} ${c.settlement.reference}`)
              : c.audit?.approved && may("settle_cost")
                ? settleForm(id, c.id, reload)
                : null,
          ]),
          advancesPanel(id, v, reload, person),
          may("submit_cost") ? costForm(id, reps, reg.sales_rep ?? "", reload) : null,
        ),
        reg.sales_rep || v.service_confirmations.length
          ? section(
              "sales.service",
              true,
              fields([["f.sales_rep", person(reg.sales_rep)]]),
              confirmations(v, person),
              !may("confirm_service_met")
                ? null
                : confirmsService(v, detail.status)
                  ? serviceForm(id, reload)
                  : h("p", { class: "muted" }, t("sales.notYet")),
            )
          : null,
        section(
          "ticket.followups",
          v.followups.length > 0,
          list(v.followups, (f) => [
            `${day(f.planned_for)} · ${name("method", f.method)} · ${person(f.assignee ?? f.planned_by)} · `,
            f.outcome
              ? `${"★".repeat(f.outcome.satisfaction)} ${f.outcome.resolved ? t("f.resolved") : ""} ${f.outcome.notes} (${dateTime(f.outcome.done_at)})`
              : may("record_return_visit")
                ? recordVisitForm(id, f.id, f.method, reload)
                : "",
          ]),
          may("plan_return_visit") ? planVisitForm(id, new Date().toISOString().slice(0, 10), reload) : null,
        ),
        section(
          "ticket.signoffs",
          v.signoffs.length > 0,
          list(v.signoffs, (s) => [
            `${s.signer_name} (${s.signer_title}) · ${dateTime(s.signed_at)} · ${s.statement} `,
            h(
              "button",
              {
                type: "button",
                class: "secondary",
                onclick: () =>
                  attempt(async () => {
                    const signed = await api(
                      `/v1/tickets/${encodeURIComponent(id)}/signoffs/${encodeURIComponent(s.id)}`,
                    );
                    const sr = signed.intake;
                    fill(
                      signedView,
                      h(
                        "div",
                        { class: "card", "data-signed-state": "" },
                        h("h2", {}, t("ticket.signedState")),
                        fields([
                          ["f.customer", sr.customer_name],
                          ["f.product", sr.product_name],
                          ["f.model", sr.model],
                          ["f.content", sr.content],
                          [
                            "f.disposition",
                            signed.decisions.entries.map((e) => name("disposition", e.disposition)).join(", ") || "—",
                          ],
                        ]),
                        list(
                          signed.visits.flatMap((x) => x.log),
                          (l) => `${dateTime(l.recorded_at)} ${workText(l)}`,
                        ),
                      ),
                    );
                  }),
              },
              t("ticket.signedState"),
            ),
          ]),
          signedView,
        ),
        section(
          "ticket.closures",
          v.closures.length > 0,
          list(v.closures, (c) => `${dateTime(c.closed_at)} ${person(c.closed_by)}: ${c.note}`),
          may("close") ? closeForm(id, reload) : null,
        ),
        section(
          "ticket.history",
          true,
          h(
            "ol",
            { class: "timeline" },
            detail.history.map((e) =>
              h(
                "li",
                {},
                h("strong", {}, e.note ? name("action", e.note.action) : "—"),
                " · ",
                e.note ? `${person(e.note.user)} (${name("role", e.note.role)})` : t("unknown"),
                h("br"),
                h(
                  "span",
                  { class: "muted" },
                  `${t("f.device_time")} ${dateTime(e.recorded_at)} · ${t("f.received_time")} ${dateTime(e.received_at)} · ${e.sections.map((s) => name("section", s)).join("、")}`,
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  await load();
  return () => clearInterval(timer);
}

// A work-log entry (its work is flattened into it) as one line.
function workText(work) {
  const line =
    work.type === "part_used" || work.type === "part_removed"
      ? `${work.part_number} ×${work.quantity} ${work.serial ?? ""}`
      : "";
  const measured = (work.measurements ?? []).map((m) => `${m.quantity} ${m.value} ${m.unit}`).join("; ");
  const text = [work.description ?? "", line, measured].filter(Boolean).join(" ");
  return t("work.logLine", { kind: name("work", work.type), text });
}
