// What the signed-in role may do: the server's authority table (GET /v1/policy), read once per
// session. The dashboard offers only these actions and views; the server refuses the others all
// the same.

import { api } from "./api.js";

let current = null;

// Reads the policy of the signed-in role, or forgets it when nobody is signed in.
export async function loadPolicy(signedIn) {
  current = signedIn ? await api("/v1/policy") : null;
}

// Whether the role may perform `action`, as change messages name it ("hand_off", "audit_cost").
export function may(action) {
  return current?.may.includes(action) ?? false;
}

// Whether the role may perform any of `actions`.
export function mayAny(actions) {
  return actions.some(may);
}

// Whether the role registers new tickets.
export function mayRegister() {
  return current?.may_register ?? false;
}
