// People by name: the users the server knows (GET /v1/people), read once a session, so that
// every screen shows 张伟 rather than tech.zhang and the forms choose among real users.

import { api } from "./api.js";
import { t } from "./i18n.js";

// The user id under which the server writes its own changes (ledger numbers).
const SYSTEM = "system";

let byId = new Map();

// Reads the users for the signed-in user, or forgets them when nobody is signed in.
export async function loadPeople(signedIn) {
  const people = signedIn ? await api("/v1/people") : [];
  byId = new Map(people.map((p) => [p.id, p]));
}

// The name of user `id`: the name the server gives, the id of a user it does not know, "—" for
// nobody. `names` (user id to name, as a ticket's detail carries them) is asked first.
export function personName(id, names = {}) {
  if (!id) return "—";
  if (id === SYSTEM) return t("people.system");
  return names[id] ?? byId.get(id)?.name ?? id;
}

// The users of any of `roles` as [id, name] pairs, by name, for a picker.
export function peopleOf(...roles) {
  return [...byId.values()].filter((p) => roles.includes(p.role)).map((p) => [p.id, p.name]);
}
