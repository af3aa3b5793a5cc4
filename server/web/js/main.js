// The dashboard's entry point: signs in, reads the role's policy, then shows one view per hash
// route. Which views the menu offers follows the server's policy; the server decides what each
// request may do all the same.

import { ApiError, api } from "./api.js";
import { fill, h } from "./dom.js";
import { errorText, lang, name, setLang, setZone, t } from "./i18n.js";
import { loadPeople } from "./people.js";
import { loadPolicy, mayAny } from "./policy.js";
import { adopt, onExpired, session } from "./session.js";
import { desk } from "./views/desk.js";
import { devices } from "./views/devices.js";
import { events } from "./views/events.js";
import { finance } from "./views/finance.js";
import { home } from "./views/home.js";
import { ledger } from "./views/ledger.js";
import { quality } from "./views/quality.js";
import { reference } from "./views/reference.js";
import { signIn } from "./views/sign_in.js";
import { statistics } from "./views/statistics.js";
import { ticket } from "./views/ticket.js";
import { visits } from "./views/visits.js";

// Each view: its route, menu label, what renders it, and, for the views of one part of the
// service flow, the actions it is for: a role sees it when the policy lets it perform any of
// them. A view with `roles` is for those roles alone. A view `whole` reads the whole ledger, which
// a sales representative, who reads only their own tickets, does not. The others are for every
// office user.
const VIEWS = [
  // Every office role's home: what waits for its department, and the forms to act on it.
  { route: "home", label: "nav.home", render: home },
  { route: "ledger", label: "nav.ledger", render: ledger },
  { route: "desk", label: "nav.desk", render: desk, actions: ["hand_off", "issue_travel_order"] },
  { route: "events", label: "nav.events", render: events, whole: true },
  // Whoever closes a case follows it to its return visit.
  {
    route: "visits",
    label: "nav.visits",
    render: visits,
    actions: ["plan_return_visit", "record_return_visit", "close"],
  },
  // Every department may report its own corrective actions done, from its home and the ticket;
  // the QA view is for those who establish cause and responsibility and raise the actions.
  {
    route: "quality",
    label: "nav.quality",
    render: quality,
    actions: ["record_cause", "rule_responsibility", "add_corrective_action"],
  },
  // Whoever closes a case needs its costs audited first.
  { route: "finance", label: "nav.finance", render: finance, actions: ["audit_cost", "settle_cost", "close"] },
  { route: "statistics", label: "nav.statistics", render: statistics, whole: true },
  // Reference data: read by every office role; its forms follow what the server lets each change.
  { route: "reference", label: "nav.reference", render: reference, whole: true },
  { route: "devices", label: "nav.devices", render: devices, roles: ["admin"] },
  { route: "ticket", render: ticket },
];

let cleanup = null;

function offered(view) {
  if (view.roles) return view.roles.includes(session()?.role);
  if (view.whole && session()?.role === "sales") return false;
  return !view.actions || mayAny(view.actions);
}

function header() {
  const s = session();
  document.getElementById("lang").textContent = t("app.switch");
  const out = document.getElementById("sign-out");
  out.textContent = t("app.signOut");
  out.hidden = !s;
  fill(document.getElementById("who"), s ? `${s.name} · ${name("role", s.role)}` : "");
  const route = location.hash.replace(/^#\//, "").split(/[/?]/)[0] || "home";
  fill(
    document.getElementById("nav"),
    s
      ? VIEWS.filter((v) => v.label && offered(v)).map((v) =>
          h("a", { href: `#/${v.route}`, "aria-current": v.route === route ? "page" : null }, t(v.label)),
        )
      : [],
  );
}

async function show() {
  cleanup?.();
  cleanup = null;
  header();
  const main = document.getElementById("view");
  if (!session()) {
    fill(
      main,
      signIn(async (s) => {
        await signedIn(s);
        await show();
      }),
    );
    return;
  }
  // A route's query (#/ledger?by=…) is its view's to read.
  const [route, ...rest] = location.hash.replace(/^#\//, "").split("?")[0].split("/");
  const view = VIEWS.find((v) => v.route === (route || "home"));
  if (!view) {
    location.hash = "#/home";
    return;
  }
  document.title = `${t(view.label ?? "nav.ledger")} · fieldledger`;
  if (!offered(view)) {
    fill(main, h("div", { class: "refused", "data-refused": "" }, t("app.refused")));
    return;
  }
  // Each view renders into its own element: a view left while it still loads or reloads then
  // fills an element no longer on the page, never the next view's.
  const slot = h("div", {}, h("p", { class: "muted" }, t("app.loading")));
  fill(main, slot);
  try {
    cleanup = (await view.render(slot, rest.map(decodeURIComponent))) ?? null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return start();
    const refused = e instanceof ApiError && e.status === 403;
    fill(
      slot,
      h(
        "div",
        { class: "refused", "data-refused": refused ? "" : null },
        refused ? t("app.refused") : `${t("app.error")}：${errorText(e)}`,
      ),
    );
  }
  main.focus({ preventScroll: true });
}

// Makes `s` the session and reads what its role may do and whom it names.
async function signedIn(s) {
  adopt(s);
  setZone(s?.utc_offset_minutes);
  await Promise.all([loadPolicy(s !== null), loadPeople(s !== null)]);
}

async function start() {
  try {
    await signedIn(await api("/web/session"));
  } catch {
    await signedIn(null);
  }
  await show();
}

onExpired(start);
document.documentElement.lang = lang();
document.getElementById("lang").addEventListener("click", () => {
  setLang(lang() === "zh-CN" ? "en" : "zh-CN");
  show();
});
document.getElementById("sign-out").addEventListener("click", async () => {
  await api("/web/sign-out", { method: "POST" }).catch(() => null);
  await signedIn(null);
  location.hash = "";
  show();
});
window.addEventListener("hashchange", show);
start();
