// The service desk: register a ticket with the regulation's fields, then hand it off and issue a
// travel task order within the hand-off limit, whose clock runs beside each ticket.

import { api, query } from "../api.js";
import { h, fill, values, select, field } from "../dom.js";
import { t, name, options, dateTime, duration } from "../i18n.js";
import { attempt, toast, session } from "../main.js";
import { writes, handOffForm, orderForm } from "../forms.js";

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
  const form = h(
    "form",
    {
      "data-form": "register",
      onsubmit: async (e) => {
        e.preventDefault();
        await attempt(async () => {
          const v = values(form);
          const created = await api("/v1/tickets", {
            method: "POST",
            body: {
              kind: v.kind,
              complaint: v.complaint,
              major: v.major,
              source: v.source,
              sales_representative: v.sales_representative.trim() || null,
              ...Object.fromEntries(TEXT.map(([k]) => [k, v[k].trim()])),
              content: v.content,
              requests: v.requests,
            },
          });
          toast(t("desk.registered", { n: created.ticket_id.slice(0, 8) }));
          form.reset();
          await load();
        });
      },
    },
    h(
      "div",
      { class: "grid" },
      field(t("f.kind"), select("kind", options("kind"), "complaint")),
      field(t("f.source"), select("source", options("source"), "customer")),
      TEXT.map(([k, label]) => field(t(label), h("input", { name: k, required: true }))),
      field(t("f.sales_representative"), h("input", { name: "sales_representative" })),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "complaint", checked: true }),
        t("f.complaint"),
      ),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "major" }), t("f.major")),
    ),
    h(
      "div",
      { class: "row" },
      field(t("f.content"), h("textarea", { name: "content", required: true })),
      field(t("f.requests"), h("textarea", { name: "requests" })),
    ),
    h("p", {}, h("button", { type: "submit" }, t("desk.register"))),
  );

  const clocks = [];
  const timer = setInterval(() => clocks.forEach((c) => c()), 1000);

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
                      r.ledger_number ?? r.ticket_id.slice(0, 8),
                    ),
                  ),
                  h("td", {}, r.customer_name),
                  h("td", {}, r.product_name),
                  h("td", {}, dateTime(r.registered_at)),
                  h("td", {}, clock),
                  h(
                    "td",
                    {},
                    writes("dispatch") ? [handOffForm(r.ticket_id, load), orderForm(r.ticket_id, load)] : null,
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
    session().may_register ? h("section", { class: "card" }, form) : null,
    h("h2", {}, t("desk.awaiting", { minutes: session().handoff_minutes })),
    awaiting,
  );
  await load();
  return () => clearInterval(timer);
}
