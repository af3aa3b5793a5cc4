// The sign-in form.

import { api, ApiError } from "../api.js";
import { h, values } from "../dom.js";
import { t } from "../i18n.js";

export function signIn(done) {
  const error = h("p", { class: "refused", role: "alert", hidden: true });
  const form = h(
    "form",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        try {
          done(await api("/web/sign-in", { method: "POST", body: values(form) }));
        } catch (err) {
          error.textContent = err instanceof ApiError && err.status === 401 ? t("signin.failed") : err.message;
          error.hidden = false;
        }
      },
    },
    h(
      "label",
      {},
      t("signin.user"),
      h("input", { name: "user", autocomplete: "username", required: true, autofocus: true }),
    ),
    h(
      "label",
      {},
      t("signin.password"),
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("button", { type: "submit" }, t("signin.submit")),
  );
  return h("section", { class: "card signin" }, h("h1", {}, t("signin.title")), form, error);
}
