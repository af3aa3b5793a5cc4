// The forms of each department's actions on one ticket, and the parts of a ticket they act on
// (hand-offs and their acknowledgements, the fulfilment track, corrective actions), shared by the
// home view (the forms a queue item calls for) and the ticket page. Each form is offered only
// when the server's policy gives the role its action; `done` runs after the action succeeded.

import { api, operate } from "../api.js";
import { h } from "../dom.js";
import { actionForm } from "../forms.js";
import { dateTime, day, lang, money, name, Refusal, t } from "../i18n.js";
import { personName } from "../people.js";
import { may } from "../policy.js";
import { session } from "../session.js";
import { attempt, toast } from "../toast.js";

// Today, or the day `days` later, as "YYYY-MM-DD" in the user's time zone.
export function today(days = 0) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// One button that performs `operation` and then `done`.
function actionButton(label, ticketId, operation, done, attrs = {}) {
  return h(
    "button",
    {
      type: "button",
      ...attrs,
      onclick: ({ currentTarget: button }) =>
        attempt(async () => {
          // One click, one change: the button waits for the answer.
          button.disabled = true;
          try {
            await operate(ticketId, operation);
            toast(t("app.saved"));
            await done();
          } finally {
            button.disabled = false;
          }
        }),
    },
    t(label),
  );
}

// --- hand-offs -------------------------------------------------------------------------------

// Whether the signed-in user's department (or the user) is addressed by `handoff` and has not
// acknowledged it yet.
export function awaitsMyAcknowledgement(dispatch, handoff) {
  const s = session();
  const addressed = handoff.to.includes(s.role) || handoff.person === s.user;
  const acknowledged = dispatch.acknowledgements.some((a) => a.handoff === handoff.id && a.role === s.role);
  return addressed && !acknowledged;
}

// Who `user` is: the ticket page and the home view pass the ticket's names (`detail.people`);
// without them, the names every screen knows.
const byId = (user) => personName(user);

// The hand-offs of a ticket (those `only` keeps): who passed it to which departments, each
// department's acknowledgement, and a button for the signed-in department when it is addressed;
// `person` names users.
export function handoffList(ticketId, dispatch, done, person = byId, only = () => true) {
  const shown = dispatch.handoffs.filter(only);
  if (!shown.length) return h("p", { class: "muted" }, t("app.none"));
  return h(
    "ul",
    { class: "handoffs" },
    shown.map((x) =>
      h(
        "li",
        { "data-handoff": x.id },
        t("work.handoffLine", { by: person(x.by), at: dateTime(x.handed_off_at) }),
        x.person ? ` · ${t("work.handoffPerson", { person: person(x.person) })}` : "",
        x.note ? ` · ${x.note}` : "",
        h(
          "span",
          { class: "acks" },
          x.to.map((role) => {
            const ack = dispatch.acknowledgements.find((a) => a.handoff === x.id && a.role === role);
            return h(
              "span",
              { class: `badge ${ack ? "ok" : "warn"}`, "data-ack": ack ? "done" : "pending" },
              ack
                ? t("work.acknowledgedBy", {
                    role: name("role", role),
                    by: person(ack.by),
                    at: dateTime(ack.acknowledged_at),
                  })
                : t("work.notAcknowledged", { role: name("role", role) }),
            );
          }),
        ),
        may("acknowledge_hand_off") && awaitsMyAcknowledgement(dispatch, x)
          ? actionButton("work.acknowledge", ticketId, { op: "acknowledge_hand_off", handoff_id: x.id }, done, {
              "data-form": "acknowledge",
            })
          : null,
      ),
    ),
  );
}

// --- the fulfilment track --------------------------------------------------------------------

// The departments whose turn each waiting status is.
const TURN = {
  awaiting_return: ["service_desk", "technician"],
  awaiting_inspection: ["inspection"],
  awaiting_materials: ["procurement"],
  awaiting_supplier_repair: ["procurement"],
  awaiting_manufacture: ["manufacturing"],
  awaiting_outgoing_test: ["inspection"],
  awaiting_shipment: ["commerce"],
  awaiting_installation: ["technician"],
};

// Whether a ticket at `status` waits for a step of its fulfilment track.
export function trackOpen(status) {
  return status in TURN;
}

// One recorded step of the track, as a line.
function stepLine(e, person) {
  const what = [name("fulfilment", e.kind)];
  if (e.verdict) what.push(name("verdict", e.verdict));
  if (e.shipped_on) what.push(day(e.shipped_on));
  return [
    h("strong", {}, what.join(" · ")),
    ` · ${name("role", e.role)} ${person(e.by)} · ${dateTime(e.recorded_at)}`,
    e.note ? ` · ${e.note}` : "",
  ];
}

// The track of a replacement or a return: the steps recorded, oldest first, and the one the
// ticket waits for with the departments whose turn it is; `person` names users.
export function fulfilmentTrack(view, status, person = byId) {
  const entries = [...view.fulfilment].sort((a, b) => a.recorded_at - b.recorded_at);
  const open = trackOpen(status);
  if (!entries.length && !open) return h("p", { class: "muted" }, t("app.none"));
  return h(
    "ol",
    { class: "track", "data-track": "" },
    entries.map((e) => h("li", { class: "done", "data-step": e.kind }, stepLine(e, person))),
    open
      ? h(
          "li",
          { class: "current", "data-waiting": status },
          t("work.waitingFor", {
            step: name("status", status),
            who: TURN[status].map((r) => name("role", r)).join("、"),
          }),
        )
      : entries.length
        ? h("li", { class: "complete" }, t("work.trackDone"))
        : null,
  );
}

// --- forms of the fulfilment track -------------------------------------------------------------

export function procurementForm(ticketId, step, done) {
  return actionForm(
    "work.procure",
    [
      { label: "f.step", name: "step", type: "select", options: "procurement_step", value: step },
      { label: "f.procurementNote", name: "note", size: 28 },
    ],
    async (v) => {
      await operate(ticketId, { op: "record_procurement", step: v.step, note: v.note });
      await done();
    },
    { "data-form": "procurement" },
  );
}

export function manufactureForm(ticketId, done) {
  return actionForm(
    "work.manufacture",
    [{ label: "f.manufactureNote", name: "note", size: 32 }],
    async (v) => {
      await operate(ticketId, { op: "record_manufacture", note: v.note });
      await done();
    },
    { "data-form": "manufacture" },
  );
}

export function outgoingTestForm(ticketId, done) {
  return actionForm(
    "work.outgoingTest",
    [
      {
        label: "f.verdict",
        name: "verdict",
        type: "select",
        options: ["passed", "failed"].map((v) => [v, name("verdict", v)]),
        value: "passed",
      },
      { label: "f.findings", name: "findings", size: 32 },
    ],
    async (v) => {
      await operate(ticketId, { op: "record_outgoing_test", verdict: v.verdict, findings: v.findings });
      await done();
    },
    { "data-form": "outgoing-test" },
  );
}

export function shipForm(ticketId, done) {
  return actionForm(
    "work.ship",
    [
      { label: "f.shipped_on", name: "shipped_on", type: "date", required: true, value: today() },
      { label: "f.waybill", name: "note", size: 28 },
    ],
    async (v) => {
      await operate(ticketId, { op: "ship_unit", shipped_on: v.shipped_on, note: v.note });
      await done();
    },
    { "data-form": "ship-unit" },
  );
}

// The statuses before the unit is built and tested, while procurement may still order material
// or send a part to its supplier.
const BEFORE_BUILT = [
  "awaiting_return",
  "awaiting_inspection",
  "awaiting_materials",
  "awaiting_supplier_repair",
  "awaiting_manufacture",
  "awaiting_outgoing_test",
];

// The forms of the track the signed-in role may use at the step the ticket waits for.
export function trackForms(ticketId, status, done) {
  const step = {
    awaiting_materials: "materials_received",
    awaiting_supplier_repair: "returned_by_supplier",
  }[status];
  return [
    BEFORE_BUILT.includes(status) && may("record_procurement")
      ? procurementForm(ticketId, step ?? "materials_ordered", done)
      : null,
    status === "awaiting_manufacture" && may("record_manufacture") ? manufactureForm(ticketId, done) : null,
    status === "awaiting_outgoing_test" && may("record_outgoing_test") ? outgoingTestForm(ticketId, done) : null,
    status === "awaiting_shipment" && may("ship_unit") ? shipForm(ticketId, done) : null,
  ];
}

// --- returns ---------------------------------------------------------------------------------

export function requestReturnForm(ticketId, done) {
  return actionForm(
    "work.requestReturn",
    [
      { label: "f.unit", name: "unit", required: true, size: 16 },
      { label: "f.returnReason", name: "reason", required: true, size: 28 },
    ],
    async (v) => {
      await operate(ticketId, { op: "request_return", unit: v.unit, reason: v.reason });
      await done();
    },
    { "data-form": "request-return" },
  );
}

export function receiveReturnButton(ticketId, returnId, done) {
  return actionButton("work.receiveReturn", ticketId, { op: "receive_return", return_id: returnId }, done, {
    "data-form": "receive-return",
  });
}

// Inspection's verdict on a returned unit: incoming (defect or not), or the retest of the
// repaired unit (passed or failed).
export function inspectionForm(ticketId, returnId, stage, done) {
  const verdicts = stage === "incoming" ? ["defect_confirmed", "no_defect_found"] : ["passed", "failed"];
  return actionForm(
    stage === "incoming" ? "work.inspectIncoming" : "work.inspectRetest",
    [
      {
        label: "f.verdict",
        name: "verdict",
        type: "select",
        options: verdicts.map((v) => [v, name("verdict", v)]),
        value: verdicts[0],
      },
      { label: "f.findings", name: "findings", size: 32 },
    ],
    async (v) => {
      await operate(ticketId, {
        op: "record_inspection",
        return_id: returnId,
        stage,
        verdict: v.verdict,
        findings: v.findings,
      });
      await done();
    },
    { "data-form": "inspection" },
  );
}

// The stage a returned unit's next inspection is: incoming until it has an incoming verdict.
export function nextStage(ret) {
  return ret.inspections.some((i) => i.stage === "incoming") ? "retest" : "incoming";
}

// --- cause, responsibility, corrective actions, the manager's review ---------------------------

// The cause code list, read once per page load for every cause form (none for a role that may
// not read it).
let causeCodes = null;
function codes() {
  causeCodes ??= api("/v1/reference/causes").catch(() => []);
  return causeCodes;
}

export function causeForm(ticketId, cause, done) {
  const form = actionForm(
    "work.recordCause",
    [
      { label: "f.cause_code", name: "cause_code", type: "select", options: [], any: "ref.noCode" },
      { label: "f.cause", name: "cause", required: true, size: 36, value: cause || undefined },
    ],
    async (v) => {
      await operate(ticketId, { op: "record_cause", cause: v.cause, cause_code: v.cause_code || null });
      await done();
    },
    { "data-form": "record-cause" },
  );
  // Choosing a code of the list writes its label as the cause when none is written yet.
  codes().then((list) => {
    const label = (c) => (lang() === "en" ? c.label_en : c.label_zh);
    for (const c of list) form.elements.cause_code.append(h("option", { value: c.code }, `${c.code} ${label(c)}`));
    form.elements.cause_code.addEventListener("change", (e) => {
      const chosen = list.find((c) => c.code === e.target.value);
      if (chosen && !form.elements.cause.value) form.elements.cause.value = label(chosen);
    });
  });
  return form;
}

export function responsibilityForm(ticketId, responsibility, done) {
  return actionForm(
    "work.rule",
    [
      {
        label: "f.responsibility",
        name: "responsibility",
        type: "select",
        options: "responsibility",
        value: responsibility ?? "design",
      },
    ],
    async (v) => {
      await operate(ticketId, { op: "rule_responsibility", responsibility: v.responsibility });
      await done();
    },
    { "data-form": "rule-responsibility" },
  );
}

// The departments an action may be owned by.
const OWNERS = [
  "technical",
  "rn_d",
  "manufacturing",
  "procurement",
  "inspection",
  "quality_assurance",
  "service_desk",
  "commerce",
  "technician",
  "sales",
  "finance",
];

export function correctiveActionForm(ticketId, done) {
  return actionForm(
    "work.addAction",
    [
      { label: "f.kind", name: "kind", type: "select", options: "action_kind", value: "corrective" },
      { label: "f.description", name: "description", required: true, size: 26 },
      {
        label: "f.owner_department",
        name: "owner_department",
        type: "select",
        options: OWNERS.map((r) => [r, name("role", r)]),
        value: "technical",
      },
      { label: "f.owner", name: "owner", required: true, size: 10 },
      { label: "f.due", name: "due", type: "date", required: true, value: today(30) },
    ],
    async (v) => {
      await operate(ticketId, { op: "add_corrective_action", ...v, owner_department: v.owner_department || null });
      await done();
    },
    { "data-form": "add-corrective-action" },
  );
}

// Whether the signed-in role may move `action` on: QA any action not yet verified or cancelled,
// the owning department its own open one (to report it done).
export function mayMoveAction(action) {
  if (!may("set_action_status")) return false;
  if (["quality_assurance", "admin"].includes(session().role))
    return !["verified", "cancelled"].includes(action.status);
  return action.status === "open" && action.owner_department === session().role;
}

// The owning department reports the action done with its evidence; QA also verifies, cancels
// or reopens it.
export function actionStatusForm(ticketId, action, done) {
  const qa = ["quality_assurance", "admin"].includes(session().role);
  const fields = [{ label: "f.evidence", name: "evidence", required: true, size: 30 }];
  if (qa)
    fields.unshift({
      label: "f.status",
      name: "status",
      type: "select",
      options: (action.status === "open" ? ["done", "verified", "cancelled"] : ["verified", "cancelled", "open"]).map(
        (s) => [s, name("action_status", s)],
      ),
      value: "verified",
    });
  return actionForm(
    qa ? "work.setStatus" : "work.reportDone",
    fields,
    async (v) => {
      await operate(ticketId, {
        op: "set_action_status",
        action_id: action.id,
        status: qa ? v.status : "done",
        evidence: v.evidence,
      });
      await done();
    },
    { "data-form": "action-status" },
  );
}

// One corrective or preventive action, with its owner department and evidence.
export function actionLine(a) {
  return [
    h("strong", {}, `${name("action_kind", a.kind)} · ${a.description}`),
    ` · ${t("f.owner_department")} ${a.owner_department ? name("role", a.owner_department) : "—"}`,
    ` · ${t("f.owner")} ${a.owner}`,
    ` · ${t("f.due")} ${day(a.due)} · `,
    h("span", { class: "badge", "data-action-status": a.status }, name("action_status", a.status)),
    a.evidence ? ` · ${t("f.evidence")}: ${a.evidence}` : "",
  ];
}

export function reviewForm(ticketId, done) {
  return actionForm(
    "work.review",
    [{ label: "f.review", name: "note", required: true, size: 40 }],
    async (v) => {
      await operate(ticketId, { op: "review_major_complaint", note: v.note });
      await done();
    },
    { "data-form": "review-major" },
  );
}

// --- the letter, drawings, closing -------------------------------------------------------------

export function draftLetterForm(ticketId, letter, done) {
  const el = actionForm(
    "work.draftLetter",
    [
      { label: "f.number", name: "number", required: true, size: 16, value: letter.number || undefined },
      { label: "f.letter_body", name: "body", type: "textarea", required: true },
    ],
    async (v) => {
      await operate(ticketId, { op: "draft_letter", number: v.number, body: v.body });
      await done();
    },
    { "data-form": "draft-letter" },
  );
  if (letter.body) el.elements.body.value = letter.body;
  return el;
}

export function issueLetterButton(ticketId, done) {
  return actionButton("work.issueLetter", ticketId, { op: "issue_letter" }, done, { "data-form": "issue-letter" });
}

// The letter's state for whoever reads the ticket: its number and whether it is issued, and
// whether its delivery to the customer is recorded.
export function letterState(letter, person = byId) {
  if (!letter.number) return t("ticket.letterNone");
  if (letter.status !== "issued") return `${letter.number} · ${t("ticket.letterDraft")}`;
  const delivered = letter.delivered_at
    ? t("ticket.letterDelivered", {
        at: dateTime(letter.delivered_at),
        by: person(letter.delivered_by),
        note: letter.delivery_note,
      })
    : t("ticket.letterNotDelivered");
  return `${letter.number} · ${t("ticket.letterIssued")} · ${delivered}`;
}

export function letterDeliveryForm(ticketId, done) {
  return actionForm(
    "work.recordDelivery",
    [{ label: "f.deliveryNote", name: "note", required: true, size: 36 }],
    async (v) => {
      await operate(ticketId, { op: "record_letter_delivery", note: v.note });
      await done();
    },
    { "data-form": "letter-delivery" },
  );
}

// --- written guidance and retrofit plans (3.2.2) -----------------------------------------------

export function guidanceList(quality, person = byId) {
  if (!quality.guidance.length) return h("p", { class: "muted" }, t("app.none"));
  return h(
    "ul",
    { class: "guidance" },
    quality.guidance.map((g) =>
      h(
        "li",
        { "data-guidance": g.id },
        h("strong", {}, `${name("guidance_kind", g.kind)} ${g.title}`),
        ` · ${person(g.by)} · ${dateTime(g.issued_at)}`,
        h("br"),
        g.body,
      ),
    ),
  );
}

export function guidanceForm(ticketId, done) {
  return actionForm(
    "work.issueGuidance",
    [
      { label: "f.kind", name: "kind", type: "select", options: "guidance_kind" },
      { label: "f.guidanceTitle", name: "title", required: true, size: 20 },
      { label: "f.guidanceBody", name: "body", type: "textarea", required: true },
    ],
    async (v) => {
      await operate(ticketId, { op: "issue_guidance", kind: v.kind, title: v.title, body: v.body });
      await done();
    },
    { "data-form": "issue-guidance" },
  );
}

export function drawingsForm(ticketId, done) {
  return actionForm(
    "ticket.sendDrawings",
    [{ label: "f.note", name: "note", size: 30 }],
    async (v) => {
      await operate(ticketId, { op: "send_drawings", note: v.note });
      await done();
    },
    { "data-form": "send-drawings" },
  );
}

export function closeForm(ticketId, done) {
  return actionForm(
    "ticket.close",
    [{ label: "f.note", name: "note", size: 30 }],
    async (v) => {
      await operate(ticketId, { op: "close", note: v.note });
      await done();
    },
    { "data-form": "close" },
  );
}

// --- travel advances and expense claims ----------------------------------------------------------

// An amount typed in yuan ("2000", "2,000.5", "520.00") in fen, or an error when it is not one.
function fen(typed) {
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(typed.replaceAll(/[,\s，]/g, ""));
  const minor = m ? Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0")) : 0;
  if (minor <= 0) throw new Refusal(t("finance.badAmount"));
  return minor;
}

// What a balance means: more than zero the company owes the technician, less they pay back.
function balanceText(minor, currency) {
  if (minor > 0) return t("finance.owed", { amount: money(minor, currency) });
  if (minor < 0) return t("finance.payBack", { amount: money(-minor, currency) });
  return t("finance.even");
}

// One expense claim: what, how much, its audit and its settlement.
function claimLine(c) {
  const audit = !c.audit
    ? h("span", { class: "badge warn", "data-audit": "pending" }, t("finance.toAudit"))
    : h(
        "span",
        { class: `badge ${c.audit.approved ? "ok" : "bad"}`, "data-audit": c.audit.approved ? "approved" : "rejected" },
        t(c.audit.approved ? "finance.approved" : "finance.rejected"),
      );
  const settled = c.settlement
    ? h(
        "span",
        { class: "badge ok", "data-settled": "" },
        t("finance.settledRef", { reference: c.settlement.reference }),
      )
    : null;
  return h(
    "li",
    { "data-claim": c.id },
    `${name("cost_kind", c.kind)} · ${money(c.amount_minor, c.currency)} · ${c.description} · ${dateTime(c.submitted_at)} `,
    audit,
    settled ? " " : null,
    settled,
  );
}

// One advance with its clearing, or the form that clears it.
function advanceLine(ticketId, view, a, person, done) {
  const order = view.dispatch.orders.find((o) => o.id === a.order);
  const c = a.clearing;
  return h(
    "li",
    { "data-advance": a.id, "data-cleared": c ? "true" : "false" },
    t("finance.advanceLine", {
      amount: money(a.amount_minor, a.currency),
      reference: a.reference,
      by: person(a.paid_by),
      at: dateTime(a.paid_at),
    }),
    order ? ` · ${t("finance.advanceOrder", { number: order.number })}` : "",
    " ",
    c
      ? h(
          "span",
          { class: "badge ok", "data-balance": c.balance_minor },
          t("finance.clearedLine", {
            reference: c.reference,
            claimed: money(c.claimed_minor, a.currency),
            balance: balanceText(c.balance_minor, a.currency),
          }),
        )
      : [
          h("span", { class: "badge warn" }, t("finance.notCleared")),
          may("clear_advance")
            ? actionForm(
                "finance.clearAdvance",
                [{ label: "f.reference", name: "reference", required: true, size: 12, hideLabel: true }],
                async (v) => {
                  await operate(ticketId, { op: "clear_advance", advance_id: a.id, reference: v.reference });
                  await done();
                },
                { "data-form": "clear-advance" },
              )
            : null,
        ],
  );
}

// A technician's account on the ticket: the advances paid them, their claims, and what the
// settled claims less the advances come to.
function technicianAccount(ticketId, view, technician, person, done) {
  const advances = view.advances.filter((a) => a.technician === technician);
  const claims = view.costs.filter((c) => c.submitted_by === technician);
  const currency = advances[0]?.currency ?? claims[0]?.currency ?? "CNY";
  const sum = (items) => items.filter((x) => x.currency === currency).reduce((n, x) => n + x.amount_minor, 0);
  const advanced = sum(advances);
  const claimed = sum(claims.filter((c) => c.settlement));
  return h(
    "section",
    { class: "account", "data-technician": technician },
    h("h3", {}, person(technician)),
    advances.length
      ? h(
          "ul",
          {},
          advances.map((a) => advanceLine(ticketId, view, a, person, done)),
        )
      : null,
    h("h4", {}, t("finance.claims")),
    claims.length ? h("ul", {}, claims.map(claimLine)) : h("p", { class: "muted" }, t("finance.noClaims")),
    h(
      "p",
      { "data-totals": claimed - advanced },
      h(
        "strong",
        {},
        t("finance.totals", {
          advanced: money(advanced, currency),
          claimed: money(claimed, currency),
          balance: balanceText(claimed - advanced, currency),
        }),
      ),
    ),
  );
}

// Finance's form of a travel advance: the technician chosen by name among those the ticket's
// travel task orders send, the amount in yuan, the voucher number and the order it is paid on.
function advanceForm(ticketId, view, technicians, person, done) {
  return actionForm(
    "finance.recordAdvance",
    [
      {
        label: "finance.technician",
        name: "technician",
        type: "select",
        options: technicians.map((u) => [u, person(u)]),
        value: technicians[0],
      },
      { label: "finance.amountYuan", name: "amount", required: true, size: 10, inputmode: "decimal" },
      { label: "f.reference", name: "reference", required: true, size: 12 },
      {
        label: "finance.order",
        name: "order",
        type: "select",
        any: "finance.noOrder",
        options: view.dispatch.orders.map((o) => [o.id, o.number]),
        value: view.dispatch.orders.find((o) => o.assignees.includes(technicians[0]))?.id ?? "",
      },
    ],
    async (v) => {
      await operate(ticketId, {
        op: "record_advance",
        technician: v.technician,
        amount_minor: fen(v.amount),
        currency: "CNY",
        reference: v.reference,
        order: v.order || null,
      });
      await done();
    },
    { "data-form": "record-advance" },
  );
}

// The travel advances and expense claims of a ticket, technician by technician (those its
// travel task orders send and those paid an advance), with finance's forms; `person` names
// users.
export function advancesPanel(ticketId, view, done, person = byId) {
  const technicians = [
    ...new Set([...view.dispatch.orders.flatMap((o) => o.assignees), ...view.advances.map((a) => a.technician)]),
  ];
  return h(
    "div",
    { class: "advances", "data-advances": "" },
    h("h3", {}, t("finance.advances")),
    technicians.length
      ? technicians.map((u) => technicianAccount(ticketId, view, u, person, done))
      : h("p", { class: "muted" }, t("app.none")),
    technicians.length && may("record_advance") ? advanceForm(ticketId, view, technicians, person, done) : null,
  );
}
