// The service desk: register a ticket with the regulation's fields, then hand it off and issue a
// travel task order within the hand-off limit, whose clock runs beside each ticket.

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { form, handOffForm, orderForm } from "../forms.js";
import { dateTime, duration, t } from "../i18n.js";
import { may, mayRegister } from "../policy.js";
import { session } from "../session.js";
import { attempt, toast } from "../toast.js";
import { findUnits, unitLine } from "./reference.js";
import { salesReps } from "./sales.js";

// The fields whose text looks units up, and the fields a chosen unit fills.
const LOOKUP = ["job_number", "contract_number", "customer_name"];
const FROM_UNIT = ["product_name", "model", "job_number", "contract_number", "customer_name"];

const TEXT = [
  ["product_name", "f.product"],
  ["model", "f.model"],
  ["job_number", "f.job_number"],
  ["contract_number", "f.contract_number"],
  ["customer_name", "f.customer"],
  ["contact_person", "f.contact_person"],
  ["contact_method", "f.contact_method"],
];

export async function desk(main) {
  const limitMs = session().handoff_minutes * 60_000;
  const awaiting = h("div");
  const reps = await salesReps();
  const register = form({
    attrs: { "data-form": "register" },
    items: [
      {
        group: "div.grid",
        items: [
          { label: "f.kind", name: "kind", type: "select", options: "kind", value: "complaint" },
          { label: "f.source", name: "source", type: "select", options: "source", value: "customer" },
          ...TEXT.map(([name, label]) => ({ label, name, required: true })),
          { label: "f.sales_rep", name: "sales_rep", type: "select", options: reps, any: "sales.none" },
          { label: "f.sales_representative", name: "sales_representative" },
          { label: "f.complaint", name: "complaint", type: "check", value: true },
          { label: "f.major", name: "major", type: "check" },
          { label: "desk.createReference", name: "create_reference", type: "check", value: true },
        ],
      },
      {
        group: "div.row",
        items: [
          { label: "f.content", name: "content", type: "textarea", required: true },
          { label: "f.requests", name: "requests", type: "textarea" },
        ],
      },
      { group: "p", items: [{ button: "submit", label: "desk.register" }] },
    ],
    submit: (v, el) =>
      attempt(async () => {
        const created = await api("/v1/tickets", {
          method: "POST",
          body: {
            kind: v.kind,
            complaint: v.complaint,
            major: v.major,
            source: v.source,
            sales_representative: v.sales_representative.trim() || null,
            sales_rep: v.sales_rep || null,
            ...Object.fromEntries(TEXT.map(([k]) => [k, v[k].trim()])),
            content: v.content,
            requests: v.requests,
            unit_id: chosen?.id ?? null,
            customer_id: chosen?.customer_id ?? null,
            create_reference: v.create_reference,
          },
        });
        toast(t("desk.registered", { n: created.ledger_number ?? "" }));
        el.reset();
        choose(null);
        await load();
      }),
  });

  // Typing part of a job number, contract number or customer name offers the matching units of
  // the reference data; choosing one fills the form from it and names it in the registration.
  // Text typed over a chosen unit's fields drops it: the form then registers what it shows.
  let chosen = null;
  const suggestions = h("ul", { class: "suggestions", "data-suggestions": "", "aria-live": "polite" });
  const chosenNote = h("p", { class: "muted", "data-chosen-unit": "" });
  const fields = register.elements;
  let typing = null;
  let asked = 0;
  async function suggest(q) {
    const ask = ++asked;
    const units = q.trim().length < 2 ? [] : await findUnits(q.trim()).catch(() => []);
    if (ask !== asked) return;
    fill(
      suggestions,
      units.map((u) =>
        h("li", {}, h("button", { type: "button", class: "link", onclick: () => choose(u) }, unitLine(u))),
      ),
    );
  }
  async function choose(unit) {
    chosen = unit;
    fill(suggestions);
    fill(chosenNote, unit ? t("desk.chosenUnit", { unit: unitLine(unit) }) : "");
    if (!unit) return;
    for (const k of FROM_UNIT) fields[k].value = unit[k];
    const found = await api(`/v1/reference/customers${query({ q: unit.customer_name, per_page: 5 })}`);
    const contact = found.items.find((c) => c.id === unit.customer_id)?.contacts[0];
    if (contact && !fields.contact_person.value) fields.contact_person.value = contact.name;
    if (contact && !fields.contact_method.value) fields.contact_method.value = contact.phone;
  }
  for (const k of FROM_UNIT) {
    fields[k].addEventListener("input", (e) => {
      if (chosen && e.target.value !== chosen[k]) choose(null);
      if (!LOOKUP.includes(k)) return;
      clearTimeout(typing);
      typing = setTimeout(() => suggest(e.target.value), 200);
    });
  }
  register.querySelector(".grid").after(chosenNote, suggestions);

  const clocks = [];
  const timer = setInterval(() => {
    for (const tick of clocks) tick();
  }, 1000);

  async function load() {
    const page = await api(`/v1/ledger${query({ status: "registered", limit: 100 })}`);
    clocks.length = 0;
    fill(
      awaiting,
      page.rows.length
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
                  t("f.product"),
                  t("f.registered_at"),
                  t("ticket.handoffClock", { minutes: session().handoff_minutes }),
                  t("ticket.actions"),
                ].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              page.rows.map((r) => {
                const clock = h("span", { class: "clock badge", "data-clock": "" });
                const due = (r.registered_at ?? r.received_at) + limitMs;
                const tick = () => {
                  const left = due - Date.now();
                  clock.className = `clock badge ${left < 0 ? "bad" : left < 10 * 60_000 ? "warn" : "ok"}`;
                  clock.textContent =
                    left >= 0 ? t("desk.left", { t: duration(left) }) : t("desk.over", { t: duration(left) });
                };
                tick();
                clocks.push(tick);
                return h(
                  "tr",
                  { "data-ticket": r.ticket_id },
                  h(
                    "td",
                    {},
                    h(
                      "a",
                      { href: `#/ticket/${encodeURIComponent(r.ticket_id)}` },
                      r.ledger_number ?? t("home.noNumber"),
                    ),
                  ),
                  h("td", {}, r.customer_name),
                  h("td", {}, r.product_name),
                  h("td", {}, dateTime(r.registered_at)),
                  h("td", {}, clock),
                  h(
                    "td",
                    {},
                    may("hand_off") ? handOffForm(r.ticket_id, load) : null,
                    may("issue_travel_order") ? orderForm(r.ticket_id, load) : null,
                  ),
                );
              }),
            ),
          )
        : h("p", { class: "muted" }, t("app.none")),
    );
  }

  fill(
    main,
    h("h1", {}, t("desk.title")),
    mayRegister() ? h("section", { class: "card" }, register) : null,
    h("h2", {}, t("desk.awaiting", { minutes: session().handoff_minutes })),
    awaiting,
  );
  await load();
  return () => clearInterval(timer);
}
