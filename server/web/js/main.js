// The dashboard: signs in, then shows one view per hash route. Which views a role sees in the
// menu is a convenience; the server's role policy decides what each request may do.

import { api, setCsrf, ApiError } from "./api.js";
import { h, fill } from "./dom.js";
import { t, name, lang, setLang } from "./i18n.js";
import { signIn } from "./views/sign_in.js";
import { ledger } from "./views/ledger.js";
import { ticket } from "./views/ticket.js";
import { desk } from "./views/desk.js";
import { events } from "./views/events.js";
import { visits } from "./views/visits.js";
import { quality } from "./views/quality.js";
import { finance } from "./views/finance.js";
import { statistics } from "./views/statistics.js";

const OFFICE = [
  "service_desk",
  "supervisor",
  "commerce",
  "quality_assurance",
  "inspection",
  "technical",
  "rn_d",
  "manufacturing",
  "procurement",
  "finance",
  "manager",
  "admin",
];

// Each view: its route, menu label, the roles it is for, and what renders it.
const VIEWS = [
  { route: "ledger", label: "nav.ledger", roles: OFFICE, render: ledger },
  { route: "desk", label: "nav.desk", roles: ["service_desk", "commerce", "supervisor", "admin"], render: desk },
  { route: "events", label: "nav.events", roles: OFFICE, render: events },
  { route: "visits", label: "nav.visits", roles: ["service_desk", "supervisor", "manager", "admin"], render: visits },
  {
    route: "quality",
    label: "nav.quality",
    roles: ["quality_assurance", "technical", "rn_d", "manager", "admin"],
    render: quality,
  },
  {
    route: "finance",
    label: "nav.finance",
    roles: ["finance", "service_desk", "supervisor", "manager", "admin"],
    render: finance,
  },
  { route: "statistics", label: "nav.statistics", roles: OFFICE, render: statistics },
  { route: "ticket", roles: OFFICE, render: ticket },
];

const app = { session: null, cleanup: null };

// Shows a short message; errors stay longer.
export function toast(text, error = false) {
  const p = h("p", { class: error ? "error" : "" }, text);
  document.getElementById("toast").append(p);
  setTimeout(() => p.remove(), error ? 8000 : 3000);
}

// Runs `work`, showing a failure as a message rather than losing it.
export async function attempt(work) {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return start();
    toast(`${t("app.error")}: ${e.message}`, true);
    throw e;
  }
}

export function session() {
  return app.session;
}

function header() {
  const s = app.session;
  document.getElementById("lang").textContent = t("app.switch");
  const out = document.getElementById("sign-out");
  out.textContent = t("app.signOut");
  out.hidden = !s;
  fill(document.getElementById("who"), s ? `${s.name} · ${name("role", s.role)}` : "");
  const route = location.hash.replace(/^#\//, "").split("/")[0] || "ledger";
  fill(
    document.getElementById("nav"),
    s
      ? VIEWS.filter((v) => v.label && v.roles.includes(s.role)).map((v) =>
          h("a", { href: `#/${v.route}`, "aria-current": v.route === route ? "page" : null }, t(v.label)),
        )
      : [],
  );
}

async function show() {
  app.cleanup?.();
  app.cleanup = null;
  header();
  const main = document.getElementById("view");
  if (!app.session) {
    fill(
      main,
      signIn(async (s) => {
        adopt(s);
        await show();
      }),
    );
    return;
  }
  const [route, ...rest] = location.hash.replace(/^#\//, "").split("/");
  const view = VIEWS.find((v) => v.route === (route || "ledger"));
  if (!view) {
    location.hash = "#/ledger";
    return;
  }
  document.title = `${t(view.label ?? "nav.ledger")} · fieldledger`;
  if (!view.roles.includes(app.session.role)) {
    fill(main, h("div", { class: "refused", "data-refused": "" }, t("app.refused")));
    return;
  }
  // Each view renders into its own element: a view left while it still loads or reloads then
  // fills an element no longer on the page, never the next view's.
  const slot = h("div", {}, h("p", { class: "muted" }, t("app.loading")));
  fill(main, slot);
  try {
    app.cleanup = (await view.render(slot, rest.map(decodeURIComponent))) ?? null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return start();
    const refused = e instanceof ApiError && e.status === 403;
    fill(
      slot,
      h(
        "div",
        { class: "refused", "data-refused": refused ? "" : null },
        refused ? t("app.refused") : `${t("app.error")}: ${e.message}`,
      ),
    );
  }
  main.focus({ preventScroll: true });
}

function adopt(s) {
  app.session = s;
  setCsrf(s?.csrf);
}

async function start() {
  try {
    adopt(await api("/web/session"));
  } catch {
    adopt(null);
  }
  await show();
}

document.documentElement.lang = lang();
document.getElementById("lang").addEventListener("click", () => {
  setLang(lang() === "zh-CN" ? "en" : "zh-CN");
  show();
});
document.getElementById("sign-out").addEventListener("click", async () => {
  await api("/web/sign-out", { method: "POST" }).catch(() => null);
  adopt(null);
  location.hash = "";
  show();
});
window.addEventListener("hashchange", show);
start();
