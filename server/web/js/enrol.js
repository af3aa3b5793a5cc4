// The page an enrolment link opens in a phone's browser (GET /enrol#token=…): it tells the
// person how to finish in the fieldledger app, and offers the link to copy. The token is in the
// fragment, which the browser never sends; this page sends it nowhere either (no request).

import { fill, h } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";

// The token, as the app would read it: letters, digits, _ and -.
function token() {
  const value = new URLSearchParams(location.hash.slice(1)).get("token");
  return value && /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : null;
}

function show() {
  document.documentElement.lang = lang();
  document.title = `${t("enrolPage.title")} · fieldledger`;
  document.getElementById("lang").textContent = t("app.switch");
  const main = document.getElementById("view");
  if (!token()) {
    fill(
      main,
      h("h1", {}, t("enrolPage.title")),
      h("p", { class: "warning", "data-incomplete": "" }, t("enrolPage.incomplete")),
    );
    return;
  }
  const link = h("input", { readonly: true, value: location.href, "aria-label": t("enrolPage.link") });
  const copied = h("p", { class: "muted", "aria-live": "polite" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
    } catch {
      link.select();
      if (!document.execCommand("copy")) {
        copied.textContent = t("enrolPage.copyByHand");
        return;
      }
    }
    copied.textContent = t("enrolPage.copied");
  };
  fill(
    main,
    h("h1", {}, t("enrolPage.title")),
    h("p", {}, t("enrolPage.intro")),
    h("ol", {}, h("li", {}, t("enrolPage.step1")), h("li", {}, t("enrolPage.step2"))),
    h("p", { class: "row" }, link, h("button", { type: "button", onclick: copy }, t("enrolPage.copy"))),
    copied,
    h("p", { class: "warning" }, t("enrolPage.secret")),
  );
}

document.getElementById("lang").addEventListener("click", () => {
  setLang(lang() === "zh-CN" ? "en" : "zh-CN");
  show();
});
window.addEventListener("hashchange", show);
show();
