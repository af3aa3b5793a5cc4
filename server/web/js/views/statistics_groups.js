// The groups a statistic counts complaints in, shared by the statistics view (a bar's label and
// its link) and the ledger (the group it was opened for).

import { name, t } from "../i18n.js";
import { personName } from "../people.js";

// The name of a group of complaints counted by `by`.
export function groupLabel(by, group) {
  const key = group.key;
  if (key === null) {
    const missing = {
      technician: "stats.noTechnician",
      department: "stats.notHandedOff",
      resolution: "stats.notResolved",
    };
    return t(missing[by] ?? "unknown");
  }
  switch (by) {
    case "responsibility":
      return name("responsibility", key);
    case "disposition":
      return name("disposition", key);
    case "department":
      return name("role", key);
    case "technician":
      return group.name ?? personName(key);
    case "resolution":
      return t(`stats.resolution.${key}`);
    default:
      return key;
  }
}

// The ledger's route narrowed to the complaints of `group` counted by `by` in the period
// `from`, `to` (a group without a value leaves out its key; a technician's name goes along).
export function groupHref(by, group, { from, to }) {
  const p = new URLSearchParams({ by });
  if (group.key !== null) p.set("key", group.key);
  if (group.name) p.set("name", group.name);
  if (from) p.set("from", from);
  if (to) p.set("to", to);
  return `#/ledger?${p}`;
}
