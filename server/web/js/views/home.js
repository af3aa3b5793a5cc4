// Each office role's home: its queue (GET /v1/queue: what waits for the department, oldest first,
// with the time it falls due where a time limit applies), and for the selected line the forms of
// the actions its reason calls for, offered only as the server's policy allows. After an action
// the queue is read again.

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { auditForm, handOffForm, orderForm, settleForm } from "../forms.js";
import { dateTime, day, errorText, lang, money, name, t } from "../i18n.js";
import { personName } from "../people.js";
import { may } from "../policy.js";
import { session } from "../session.js";
import {
  actionLine,
  actionStatusForm,
  advancesPanel,
  awaitsMyAcknowledgement,
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
  manufactureForm,
  mayMoveAction,
  nextStage,
  outgoingTestForm,
  procurementForm,
  receiveReturnButton,
  requestReturnForm,
  responsibilityForm,
  reviewForm,
  shipForm,
} from "./home_forms.js";
import { confirmations, confirmsService, salesPanels, serviceForm } from "./sales.js";

const key = (item) => `${item.ticket_id} ${item.reason}`;

// How long ago or ahead `ms` is, as the language says it ("3 天前", "in 2 hours").
function relative(ms) {
  const diff = ms - Date.now();
  const abs = Math.abs(diff);
  const format = new Intl.RelativeTimeFormat(lang(), { numeric: "auto" });
  for (const [unit, size] of [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
  ]) {
    if (abs >= size) return format.format(Math.trunc(diff / size), unit);
  }
  return format.format(Math.trunc(diff / 1000), "second");
}

// The cell of a due time: the time itself and a badge saying how far off it is, or that it is
// overdue; `tick` keeps the badge current.
function dueCell(due) {
  if (due === null || due === undefined) return { el: h("td", { class: "muted" }, "—"), tick: () => {} };
  const badge = h("span", { class: "badge", "data-due": "" });
  const tick = () => {
    const left = due - Date.now();
    badge.className = `badge ${left < 0 ? "bad" : left < 3_600_000 ? "warn" : "ok"}`;
    badge.dataset.overdue = left < 0 ? "true" : "false";
    badge.textContent = left < 0 ? t("home.overdue", { t: relative(due) }) : t("home.dueIn", { t: relative(due) });
  };
  tick();
  return { el: h("td", {}, dateTime(due), h("br"), badge), tick };
}

// The disposition in force, as far as the office shows it: the latest recorded.
function disposition(view) {
  const entries = [...view.decisions.entries].sort((a, b) => a.recorded_at - b.recorded_at);
  return entries.length ? name("disposition", entries.at(-1).disposition) : t("unknown");
}

function cost(c) {
  return `${name("cost_kind", c.kind)} · ${money(c.amount_minor, c.currency)} · ${t("f.bearer")} ${name("bearer", c.bearer)} · ${c.description}`;
}

// The forms (and what they act on) that `item`'s reason calls for on ticket `detail`.
function work(item, detail, done) {
  const id = item.ticket_id;
  const v = detail.view;
  const role = session().role;
  const person = (user) => personName(user, detail.people);
  const track = () => fulfilmentTrack(v, detail.status, person);
  const qa = may("add_corrective_action") ? correctiveActionForm(id, done) : null;
  switch (item.reason) {
    case "handoff":
      return [
        handoffList(id, v.dispatch, done, person, (x) => awaitsMyAcknowledgement(v.dispatch, x)),
        may("issue_guidance")
          ? [h("h4", {}, t("ticket.guidance")), guidanceList(v.quality, person), guidanceForm(id, done)]
          : null,
      ];
    case "awaiting_handoff":
      return [may("hand_off") ? handOffForm(id, done) : null, may("issue_travel_order") ? orderForm(id, done) : null];
    case "return": {
      const out = v.returns.filter((r) => !r.received_at);
      return [
        track(),
        out.map((r) =>
          h(
            "p",
            { "data-return": r.id },
            `${r.unit}: ${r.reason} · ${dateTime(r.requested_at)} `,
            may("receive_return") ? receiveReturnButton(id, r.id, done) : null,
          ),
        ),
        !v.returns.length && may("request_return") ? requestReturnForm(id, done) : null,
      ];
    }
    case "inspection": {
      const received = v.returns.filter((r) => r.received_at);
      const incoming = received.filter((r) => nextStage(r) === "incoming");
      return [
        track(),
        (incoming.length ? incoming : received).map((r) =>
          h(
            "div",
            { "data-return": r.id },
            h("p", {}, `${r.unit}: ${r.reason} · ${dateTime(r.received_at)}`),
            may("record_inspection") ? inspectionForm(id, r.id, nextStage(r), done) : null,
          ),
        ),
      ];
    }
    case "materials":
      return [track(), may("record_procurement") ? procurementForm(id, "materials_received", done) : null];
    case "supplier_repair":
      return [track(), may("record_procurement") ? procurementForm(id, "returned_by_supplier", done) : null];
    case "manufacture":
      return [track(), may("record_manufacture") ? manufactureForm(id, done) : null];
    case "outgoing_test":
      return [track(), may("record_outgoing_test") ? outgoingTestForm(id, done) : null];
    case "shipment":
      return [track(), may("ship_unit") ? shipForm(id, done) : null];
    case "installation":
      return [track(), h("p", { class: "muted" }, t("home.installation"))];
    case "close":
      return [may("close") ? closeForm(id, done) : null];
    case "cause":
      return [may("record_cause") ? causeForm(id, v.quality.cause, done) : null, qa];
    case "responsibility":
      return [may("rule_responsibility") ? responsibilityForm(id, v.quality.responsibility, done) : null, qa];
    case "letter":
      return [
        may("draft_letter") ? draftLetterForm(id, v.letter, done) : null,
        may("issue_letter") ? h("p", {}, issueLetterButton(id, done)) : null,
      ];
    case "letter_delivery":
      return [
        h("p", {}, letterState(v.letter, person)),
        may("record_letter_delivery") ? letterDeliveryForm(id, done) : null,
      ];
    case "drawings":
      return [
        h("p", {}, `${t("f.shipped_on")}: ${day(v.delivery.shipped_on)}`),
        may("send_drawings") ? drawingsForm(id, done) : null,
      ];
    case "corrective_action":
      return [
        h(
          "ul",
          {},
          v.quality.actions
            .filter((a) => a.status === "open" && (role === "quality_assurance" || a.owner_department === role))
            .map((a) =>
              h("li", { "data-action": a.id }, actionLine(a), mayMoveAction(a) ? actionStatusForm(id, a, done) : null),
            ),
        ),
      ];
    case "manager_review":
      return [may("review_major_complaint") ? reviewForm(id, done) : null];
    case "rnd_responsibility":
      return [
        may("rule_responsibility") ? responsibilityForm(id, v.quality.responsibility, done) : null,
        may("record_cause") ? causeForm(id, v.quality.cause, done) : null,
      ];
    case "cost_audit":
      return [
        h(
          "ul",
          {},
          v.costs
            .filter((c) => !c.audit)
            .map((c) =>
              h(
                "li",
                { "data-cost": c.id },
                `${cost(c)} `,
                !may("audit_cost")
                  ? null
                  : c.submitted_by === session().user
                    ? h("span", { class: "muted" }, t("home.ownCost"))
                    : auditForm(id, c.id, done),
              ),
            ),
        ),
      ];
    case "settlement":
      return [
        h(
          "ul",
          {},
          v.costs
            .filter((c) => c.audit?.approved && !c.settlement)
            .map((c) =>
              h("li", { "data-cost": c.id }, `${cost(c)} `, may("settle_cost") ? settleForm(id, c.id, done) : null),
            ),
        ),
        advancesPanel(id, v, done, person),
        h("p", {}, h("a", { href: "#/finance" }, t("home.costsLink"))),
      ];
    case "advance_open":
      return [advancesPanel(id, v, done, person)];
    case "service_confirmation":
      return [
        confirmations(v, person),
        may("confirm_service_met") && confirmsService(v, detail.status) ? serviceForm(id, done) : null,
      ];
    default:
      return [];
  }
}

// What the ticket is about, for whoever acts on it from the queue.
function context(detail) {
  const v = detail.view;
  const pairs = [
    [t("f.content"), v.intake.content],
    [t("f.disposition"), disposition(v)],
    [t("f.cause"), v.quality.cause || t("unknown")],
    [t("f.responsibility"), name("responsibility", v.quality.responsibility)],
  ];
  if (v.quality.manager_review) pairs.push([t("work.managerReview"), v.quality.manager_review.note]);
  return h(
    "dl",
    { class: "fields" },
    pairs.map(([k, val]) => [h("dt", {}, k), h("dd", {}, val ?? "—")]),
  );
}

export async function home(main) {
  const s = session();
  const list = h("div", { "data-queue": "" });
  const ticks = [];
  let items = [];
  let selected = null;
  const timer = setInterval(() => {
    for (const tick of ticks) tick();
  }, 15_000);

  // A sales representative's home also lists the tickets naming them and the costs they bear.
  const own = h("div");

  async function load() {
    const queue = await api("/v1/queue");
    items = queue.items;
    if (!items.some((i) => key(i) === selected)) selected = items.length ? key(items[0]) : null;
    render();
    if (s.role === "sales") fill(own, await salesPanels());
  }

  function render() {
    ticks.length = 0;
    if (!items.length) {
      fill(list, h("p", { class: "muted", "data-empty": "" }, t("home.empty")));
      return;
    }
    const rows = [];
    for (const item of items) {
      const chosen = key(item) === selected;
      const age = h("span", { title: dateTime(item.since) });
      const ageTick = () => {
        age.textContent = relative(item.since);
      };
      ageTick();
      const due = dueCell(item.due);
      ticks.push(ageTick, due.tick);
      rows.push(
        h(
          "tr",
          {
            "data-ticket": item.ticket_id,
            "data-reason": item.reason,
            class: chosen ? "selected" : null,
            "aria-selected": chosen ? "true" : "false",
          },
          h(
            "td",
            {},
            h(
              "a",
              { href: `#/ticket/${encodeURIComponent(item.ticket_id)}` },
              item.ledger_number ?? t("home.noNumber"),
            ),
            item.major ? [" ", h("span", { class: "badge bad", "data-major": "" }, t("f.major"))] : null,
          ),
          h("td", {}, item.customer_name),
          h("td", {}, item.product_name),
          h("td", {}, h("strong", {}, name("reason", item.reason))),
          h("td", {}, h("span", { class: "badge" }, name("status", item.status))),
          h("td", {}, age),
          due.el,
          h(
            "td",
            {},
            h(
              "button",
              {
                type: "button",
                class: chosen ? null : "secondary",
                "aria-expanded": chosen ? "true" : "false",
                onclick: () => {
                  selected = key(item);
                  render();
                },
              },
              t(chosen ? "home.working" : "home.open"),
            ),
          ),
        ),
      );
      if (chosen) {
        const slot = h("td", { colspan: 8 }, h("p", { class: "muted" }, t("app.loading")));
        rows.push(h("tr", { class: "work", "data-work": item.reason }, slot));
        showWork(item, slot);
      }
    }
    fill(
      list,
      h("p", { class: "muted" }, t("home.count", { n: items.length })),
      h(
        "table",
        { class: "queue" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [
              t("f.ledger_number"),
              t("f.customer"),
              t("f.product"),
              t("home.reason"),
              t("f.status"),
              t("home.since"),
              t("home.due"),
              t("ticket.actions"),
            ].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h("tbody", {}, rows),
      ),
    );
  }

  async function showWork(item, slot) {
    try {
      const detail = await api(`/v1/tickets/${encodeURIComponent(item.ticket_id)}`);
      const forms = work(item, detail, load).flat(Infinity).filter(Boolean);
      fill(
        slot,
        h(
          "div",
          { class: "work-panel" },
          h("h2", {}, `${item.ledger_number ?? ""} · ${name("reason", item.reason)}`),
          context(detail),
          forms.length ? forms : h("p", { class: "muted" }, t("home.nothingHere")),
          h(
            "p",
            {},
            h("a", { href: `#/ticket/${encodeURIComponent(item.ticket_id)}`, class: "more" }, t("home.toTicket")),
          ),
        ),
      );
    } catch (e) {
      fill(slot, h("p", { class: "refused" }, `${t("app.error")}：${errorText(e)}`));
    }
  }

  fill(
    main,
    h("h1", {}, t("home.title", { role: name("role", s.role) })),
    h("p", { class: "intro" }, t(`home.intro.${s.role}`)),
    list,
    own,
  );
  await load();
  return () => clearInterval(timer);
}
