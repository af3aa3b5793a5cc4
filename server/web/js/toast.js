// Short messages to the user at the foot of the page, and the wrapper that turns a failed
// action into one rather than losing it.

import { ApiError } from "./api.js";
import { h } from "./dom.js";
import { errorText, t } from "./i18n.js";
import { sessionExpired } from "./session.js";

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
    if (e instanceof ApiError && e.status === 401) return sessionExpired();
    toast(`${t("app.error")}：${errorText(e)}`, true);
    throw e;
  }
}
