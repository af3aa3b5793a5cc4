// Who is signed in (GET /web/session or the sign-in's answer), and what to do when the server
// says the session is over. Views read it; only the entry point changes it.

import { setCsrf } from "./api.js";

let current = null;
let expired = () => {};

// The signed-in user's session, or null.
export function session() {
  return current;
}

// Makes `next` the session (null when signed out); changes carry its CSRF token from now on.
export function adopt(next) {
  current = next;
  setCsrf(next?.csrf);
}

// Sets what happens when a request finds the session over: the entry point signs in again.
export function onExpired(handler) {
  expired = handler;
}

// The server answered 401: the session is over.
export function sessionExpired() {
  return expired();
}
