// The parts of the ticket page around its sections: the header that sums a ticket up (status,
// what it waits for and from whom, its deadlines, what the signed-in role does next), sections
// that fold to one line while they hold nothing, and photos as thumbnails opened large.

import { fill, h } from "../dom.js";
import { dateTime, name, t } from "../i18n.js";
import { session } from "../session.js";

// One deadline on the clock the office trusts (the server's receipt, else the device's): its
// name and a badge of where it stands.
function deadlineLine(d) {
  const clock = d.receipt ?? d.device;
  if (!clock) return null;
  const cls = { met: "ok", missed: "bad", pending: "warn" }[clock.state];
  const state =
    clock.state === "pending"
      ? t("ticket.dueBy", { at: dateTime(clock.due_at) })
      : `${name("clock_state", clock.state)} · ${dateTime(clock.due_at)}`;
  return h(
    "li",
    { "data-deadline": d.deadline, "data-state": clock.state },
    `${name("deadline", d.deadline)} `,
    h("span", { class: `badge ${cls}` }, state),
  );
}

// The header of a ticket shown as `detail`: `person` names users; `actions` are links beside
// the title.
export function ticketHeader(detail, person, ...actions) {
  const v = detail.view;
  const reg = v.intake;
  const role = session()?.role;
  const waiting = (detail.waiting ?? []).map((w) => {
    const [who, why] = w.split(":");
    return { who, why };
  });
  const mine = waiting.filter((w) => w.who === role);
  const next =
    detail.status === "closed"
      ? t("ticket.nextClosed")
      : mine.length
        ? t("ticket.nextYours", { what: mine.map((w) => name("reason", w.why)).join("、") })
        : waiting.length
          ? t("ticket.nextOthers")
          : t("ticket.nextNone");
  const assignees = v.dispatch.orders.flatMap((o) => o.assignees);
  return h(
    "header",
    { class: "ticket-header card", "data-ticket-header": "" },
    h(
      "div",
      { class: "card-head" },
      h(
        "h1",
        {},
        `${v.meta.ledger_number ?? t("ledger.noNumber")} · ${reg.customer_name} `,
        h(
          "span",
          { class: `badge status-${detail.status}`, "data-status": detail.status ?? "" },
          name("status", detail.status),
        ),
        detail.overdue ? h("span", { class: "badge bad", "data-overdue": "" }, t("ledger.overdue")) : null,
        reg.major ? h("span", { class: "badge bad" }, t("f.major")) : null,
      ),
      h("div", { class: "row" }, actions),
    ),
    h(
      "dl",
      { class: "fields summary" },
      h("dt", {}, t("ticket.product")),
      h("dd", {}, [reg.product_name, reg.model, reg.job_number].filter(Boolean).join(" · ")),
      h("dt", {}, t("ticket.waitingFor")),
      h(
        "dd",
        { "data-waiting": "" },
        waiting.length
          ? waiting.map((w) =>
              h(
                "span",
                { class: `chip${w.who === role ? " mine" : ""}` },
                t("ticket.waitingLine", { who: name("role", w.who), what: name("reason", w.why) }),
              ),
            )
          : t("ticket.waitingNone"),
      ),
      assignees.length
        ? [h("dt", {}, t("f.assignee")), h("dd", {}, [...new Set(assignees)].map(person).join("、"))]
        : null,
      h("dt", {}, t("ticket.next")),
      h("dd", { "data-next": "", class: mine.length ? "mine" : null }, next),
      h("dt", {}, t("ticket.deadlines")),
      h(
        "dd",
        {},
        detail.deadlines.length ? h("ul", { class: "deadlines" }, detail.deadlines.map(deadlineLine)) : t("app.none"),
      ),
    ),
  );
}

// Whether `content` offers the signed-in role a form.
function offersForm(content) {
  return content
    .flat(Infinity)
    .some((c) => c instanceof Element && (c.matches("form") || c.querySelector("form") !== null));
}

// A section of the ticket page: a card while `filled` or while it offers the signed-in role a
// form, else one line that opens to show what it holds (nothing yet).
export function section(title, filled, ...content) {
  if (filled || offersForm(content))
    return h("section", { class: "card", "data-section": title }, h("h2", {}, t(title)), content);
  return h(
    "details",
    { class: "card folded", "data-section": title, "data-empty": "" },
    h("summary", {}, h("span", { class: "title" }, t(title)), h("span", { class: "muted" }, ` · ${t("app.none")}`)),
    content,
  );
}

// The photos of ticket `id` as thumbnails; a click opens one large in a dialog.
export function photoGallery(id, photos) {
  if (!photos.length) return null;
  const large = h("img", { alt: "" });
  const caption = h("p", {});
  const dialog = h(
    "dialog",
    { class: "photo", "data-photo-dialog": "" },
    h("form", { method: "dialog" }, h("button", { class: "secondary", "aria-label": t("ticket.closePhoto") }, "×")),
    large,
    caption,
  );
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close();
  });
  const src = (p) => `/v1/tickets/${encodeURIComponent(id)}/blobs/${p.blob.sha256}`;
  return h(
    "div",
    { class: "photos" },
    photos.map((p) =>
      h(
        "figure",
        {},
        h(
          "button",
          {
            type: "button",
            class: "thumb",
            "aria-label": t("ticket.openPhoto", { caption: p.caption }),
            onclick: () => {
              large.src = src(p);
              large.alt = p.caption;
              fill(caption, p.caption);
              dialog.showModal();
            },
          },
          h("img", { src: src(p), alt: p.caption, loading: "lazy" }),
        ),
        h("figcaption", {}, p.caption),
      ),
    ),
    dialog,
  );
}
