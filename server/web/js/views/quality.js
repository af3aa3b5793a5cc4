// QA: causes and responsibility counted, and the tickets with open corrective and preventive
// actions by their earliest due day.

import { api } from "../api.js";
import { bars } from "../charts.js";
import { fill, h } from "../dom.js";
import { day, name, number, t } from "../i18n.js";

export async function quality(main) {
  const [open, causes, responsibility] = await Promise.all([
    api("/v1/corrective-actions"),
    api("/v1/statistics/complaints?by=cause&top=15"),
    api("/v1/statistics/complaints?by=responsibility"),
  ]);
  fill(
    main,
    h("h1", {}, t("quality.title")),
    h("h2", {}, t("quality.open")),
    open.tickets.length
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
                t("f.cause"),
                t("f.responsibility"),
                t("f.open_actions"),
                t("f.due"),
              ].map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          h(
            "tbody",
            {},
            open.tickets.map((r) =>
              h(
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
                h("td", {}, r.cause || t("unknown")),
                h("td", {}, name("responsibility", r.responsibility)),
                h("td", {}, number(r.open_actions)),
                h(
                  "td",
                  {},
                  day(r.next_action_due),
                  r.next_action_due < open.today ? h("span", { class: "badge bad" }, t("quality.pastDue")) : null,
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("app.none")),
    h(
      "div",
      { class: "charts" },
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("quality.byCause")),
        bars(
          t("quality.byCause"),
          [
            ...causes.groups.map((g) => [g.key ?? t("unknown"), g.complaints]),
            ...(causes.others
              ? [[t("stats.others", { n: number(causes.others.groups) }), causes.others.complaints, "others"]]
              : []),
          ],
          (n) => number(n),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("quality.byResponsibility")),
        bars(
          t("quality.byResponsibility"),
          responsibility.groups.map((g) => [name("responsibility", g.key), g.complaints]),
          (n) => number(n),
        ),
      ),
    ),
  );
}
