// The sign-in form.

import { ApiError, api } from "../api.js";
import { h } from "../dom.js";
import { form } from "../forms.js";
import { errorText, t } from "../i18n.js";

export function signIn(done) {
  const error = h("p", { class: "refused", role: "alert", hidden: true });
  const credentials = form({
    items: [
      { label: "signin.user", name: "user", autocomplete: "username", required: true, autofocus: true },
      {
        label: "signin.password",
        name: "password",
        type: "password",
        autocomplete: "current-password",
        required: true,
      },
      { button: "submit", label: "signin.submit" },
    ],
    submit: async (v) => {
      error.hidden = true;
      try {
        await done(await api("/web/sign-in", { method: "POST", body: v }));
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 401 ? t("signin.failed") : errorText(err);
        error.hidden = false;
      }
    },
  });
  return h("section", { class: "card signin" }, h("h1", {}, t("signin.title")), credentials, error);
}
