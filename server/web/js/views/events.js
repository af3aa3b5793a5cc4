// Live events for the service department: Server-Sent Events from GET /v1/events, shown as
// they arrive, with no reload.

import { fill, h } from "../dom.js";
import { dateTime, name, t } from "../i18n.js";

const SHOWN = 200;

export async function events(main) {
  const status = h("p", { class: "muted", "data-stream": "connecting" }, t("events.reconnecting"));
  const items = h("ol", { class: "events timeline", reversed: true, "aria-live": "polite" });
  fill(main, h("h1", {}, t("events.title")), status, items);
  const source = new EventSource("/v1/events?recent=50");
  source.onopen = () => {
    status.textContent = t("events.connected");
    status.dataset.stream = "open";
  };
  source.onerror = () => {
    status.textContent = t("events.reconnecting");
    status.dataset.stream = "closed";
  };
  source.onmessage = show;
  for (const kind of [
    "registered",
    "handed_off",
    "dispatched",
    "arrived_on_site",
    "decision_recorded",
    "decision_conflict",
    "replacement_or_return_requested",
    "inspection_verdict",
    "signed_off",
    "cost_submitted",
    "cost_audited",
    "return_visit_recorded",
    "reopened",
    "major_complaint",
    "closed",
    "deadline_missed",
    "return_visit_due",
    "return_visit_overdue",
    "service_not_met",
  ]) {
    source.addEventListener(kind, show);
  }
  function show(message) {
    const event = JSON.parse(message.data);
    const detail = Object.entries(event.detail ?? {})
      .filter(([, v]) => typeof v !== "object")
      .map(([k, v]) => `${k}: ${v}`)
      .join(" · ");
    items.prepend(
      h(
        "li",
        { "data-event": event.kind, "data-ticket": event.ticket_id },
        h("strong", {}, name("event", event.kind)),
        " · ",
        h(
          "a",
          { href: `#/ticket/${encodeURIComponent(event.ticket_id)}` },
          event.detail?.ledger_number ?? event.ticket_id.slice(0, 8),
        ),
        " · ",
        h("span", { class: "muted" }, dateTime(event.at)),
        detail ? h("div", { class: "muted" }, detail) : null,
      ),
    );
    while (items.children.length > SHOWN) items.lastElementChild.remove();
  }
  return () => source.close();
}
