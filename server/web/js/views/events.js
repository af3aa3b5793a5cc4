// Live events for the service department: Server-Sent Events from GET /v1/events, shown as
// they arrive, with no reload. Each reads as a sentence in the user's language with the ticket's
// ledger number and customer, who and when; filters by kind, department and ticket; a click
// opens the ticket.

import { fill, h } from "../dom.js";
import { form } from "../forms.js";
import { dateTime, eventSentence, name, options, t } from "../i18n.js";
import { personName } from "../people.js";

const SHOWN = 200;

// The departments whose events one may follow: the server tells each event to these roles.
const DEPARTMENTS = [
  "service_desk",
  "supervisor",
  "technical",
  "quality_assurance",
  "inspection",
  "manufacturing",
  "procurement",
  "finance",
  "rn_d",
  "manager",
  "commerce",
];

export async function events(main) {
  const status = h("p", { class: "muted", "data-stream": "connecting" }, t("events.reconnecting"));
  const items = h("ol", { class: "events timeline", reversed: true, "aria-live": "polite" });
  const chosen = { kind: "", role: "", ticket: "" };
  let source = null;
  const filters = form({
    attrs: { class: "filters", "data-form": "event-filters" },
    items: [
      { label: "events.kind", name: "kind", type: "select", options: "event", any: "events.anyKind" },
      {
        label: "events.department",
        name: "role",
        type: "select",
        options: DEPARTMENTS.map((r) => [r, name("role", r)]),
        any: "visits.anyDept",
      },
      { label: "events.ticket", name: "ticket", type: "search", size: 16 },
      { button: "submit", label: "ledger.apply" },
    ],
    submit: (v) => {
      Object.assign(chosen, v);
      connect();
    },
  });
  fill(main, h("h1", {}, t("events.title")), h("section", { class: "card" }, filters), status, items);

  // (Re)opens the stream with the chosen kind and department; the ticket is matched here, on the
  // ledger number or the customer as typed.
  function connect() {
    source?.close();
    items.replaceChildren();
    const params = new URLSearchParams({ recent: "50" });
    if (chosen.kind) params.set("kind", chosen.kind);
    if (chosen.role) params.set("role", chosen.role);
    source = new EventSource(`/v1/events?${params}`);
    source.onopen = () => {
      status.textContent = t("events.connected");
      status.dataset.stream = "open";
    };
    source.onerror = () => {
      status.textContent = t("events.reconnecting");
      status.dataset.stream = "closed";
    };
    source.onmessage = show;
    for (const [kind] of options("event")) source.addEventListener(kind, show);
  }

  function show(message) {
    const event = JSON.parse(message.data);
    const wanted = chosen.ticket.trim();
    if (wanted && ![event.ledger_number, event.customer].some((s) => s?.includes(wanted))) return;
    const open = () => {
      location.hash = `#/ticket/${encodeURIComponent(event.ticket_id)}`;
    };
    const by = event.detail?.by;
    items.prepend(
      h(
        "li",
        { "data-event": event.kind, "data-ticket": event.ticket_id, class: "event", onclick: open },
        h("a", { href: `#/ticket/${encodeURIComponent(event.ticket_id)}` }, event.ledger_number ?? t("home.noNumber")),
        " · ",
        event.customer ?? "",
        " · ",
        h("strong", {}, name("event", event.kind)),
        h("div", { "data-sentence": "" }, eventSentence(event.kind, event.detail ?? {}, personName)),
        h("div", { class: "muted" }, by ? `${personName(by)} · ` : "", dateTime(event.at)),
      ),
    );
    while (items.children.length > SHOWN) items.lastElementChild.remove();
  }
  connect();
  return () => source?.close();
}
