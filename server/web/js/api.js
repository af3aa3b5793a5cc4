// Calls the server's REST API with the session cookie; every change carries the CSRF token.

let csrf = "";

export function setCsrf(token) {
  csrf = token ?? "";
}

// The CSRF token every change carries, for a request `api` does not make (a file upload).
export function csrfToken() {
  return csrf;
}

// A refusal of the server: its status, its stable code, and what a screen needs to say it in the
// user's language (`params`, and `missing` for a refused close). `message` is the server's
// English text, for logs only: screens show `errorText` of i18n.js.
export class ApiError extends Error {
  constructor(status, data) {
    super(data?.message || `HTTP ${status}`);
    this.status = status;
    this.code = data?.error;
    this.params = data?.params ?? {};
    this.missing = data?.missing ?? [];
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Records one operation on a ticket.
export function operate(ticketId, operation) {
  return api(`/v1/tickets/${encodeURIComponent(ticketId)}/operations`, { method: "POST", body: operation });
}

// A query string of the non-empty entries of `params`.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
