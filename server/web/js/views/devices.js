// Devices, for administrators: every user with their devices, enrolling a device for a user
// (its token, enrolment link and QR code shown once, right here) and revoking one after a
// confirmation. The server refuses every other role all the same (GET/POST /v1/devices).

import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { dateTime, lang, name, Refusal, t } from "../i18n.js";
import { attempt, toast } from "../toast.js";

export async function devices(main) {
  const once = h("div", { "aria-live": "polite" });
  const list = h("div");
  const users = h("select", { name: "user", required: true });
  const label = h("input", {
    name: "label",
    required: true,
    maxlength: 80,
    size: 28,
    placeholder: t("devices.labelHint"),
  });

  const enrol = h(
    "form",
    {
      class: "inline",
      "data-form": "enrol-device",
      onsubmit: (e) => {
        e.preventDefault();
        return attempt(async () => {
          const user = users.value;
          const enrolled = await api("/v1/devices", { method: "POST", body: { user, label: label.value } });
          label.value = "";
          fill(
            once,
            shown(enrolled, userName(user), () => fill(once)),
          );
          toast(t("devices.enrolled", { label: enrolled.device.label, user: userName(user) }));
          await load();
        });
      },
    },
    h("label", {}, t("devices.user"), users),
    h("label", {}, t("devices.label"), label),
    h("button", { type: "submit" }, t("devices.enrol")),
  );

  let known = [];
  const userName = (id) => known.find((u) => u.id === id)?.name ?? id;

  async function load() {
    const answer = await api("/v1/devices");
    // Technicians first, who get most phones; then everyone else; each by name.
    known = answer.users.sort(
      (a, b) => (a.role !== "technician") - (b.role !== "technician") || a.name.localeCompare(b.name, lang()),
    );
    const chosen = users.value;
    fill(
      users,
      known.map((u) => h("option", { value: u.id, selected: u.id === chosen }, `${u.name} · ${name("role", u.role)}`)),
    );
    fill(list, table(known, load));
  }

  fill(
    main,
    h("h1", {}, t("devices.title")),
    h("p", { class: "muted" }, t("devices.intro")),
    h("section", { class: "card enrol-card" }, h("h2", {}, t("devices.enrolTitle")), enrol, once),
    h("h2", {}, t("devices.users")),
    list,
  );
  await load();
}

// The answer of an enrolment, shown once: the link with a copy button, the QR code, the token.
function shown(enrolled, user, close) {
  const link = h("input", {
    name: "link",
    readonly: true,
    value: enrolled.link,
    size: 60,
    "aria-label": t("devices.link"),
  });
  const copy = () =>
    attempt(async () => {
      try {
        await navigator.clipboard.writeText(enrolled.link);
      } catch {
        link.select();
        if (!document.execCommand("copy")) throw new Refusal(t("devices.copyFailed"));
      }
      toast(t("devices.copied"));
    });
  return h(
    "div",
    { class: "enrolment", "data-enrolment": enrolled.device.id },
    h("p", { class: "warning", role: "alert" }, t("devices.once")),
    h(
      "div",
      { class: "enrolment-body" },
      h("img", {
        class: "qr",
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolled.qr_svg)}`,
        alt: t("devices.qr"),
        width: 220,
        height: 220,
      }),
      h(
        "div",
        {},
        h("p", {}, t("devices.for", { label: enrolled.device.label, user })),
        h(
          "label",
          {},
          t("devices.link"),
          h("span", { class: "row" }, link, h("button", { type: "button", onclick: copy }, t("devices.copy"))),
        ),
        h(
          "label",
          {},
          t("devices.token"),
          h("input", { name: "token", readonly: true, value: enrolled.token, size: 60 }),
        ),
        h("p", { class: "muted" }, t("devices.how")),
        h("p", {}, h("button", { type: "button", class: "secondary", onclick: close }, t("devices.done"))),
      ),
    ),
  );
}

// Every user with their devices; a user without any gets one line that says so.
function table(users, reload) {
  return h(
    "table",
    { "data-devices": "" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [t("devices.user"), t("devices.role"), t("devices.label"), t("devices.enrolledAt"), t("devices.state"), ""].map(
          (c) => h("th", { scope: "col" }, c),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      users.flatMap((u) =>
        (u.devices.length ? u.devices : [null]).map((d, i) =>
          h(
            "tr",
            { "data-user": u.id, "data-device": d?.id },
            h("td", {}, i === 0 ? u.name : ""),
            h("td", {}, i === 0 ? name("role", u.role) : ""),
            d ? h("td", {}, d.label) : h("td", { class: "muted", colspan: 4 }, t("devices.none")),
            d ? h("td", {}, dateTime(d.enrolled_at)) : null,
            d
              ? h(
                  "td",
                  {},
                  d.revoked_at
                    ? h("span", { class: "badge bad" }, t("devices.revokedAt", { at: dateTime(d.revoked_at) }))
                    : h("span", { class: "badge ok" }, t("devices.active")),
                )
              : null,
            d ? h("td", {}, d.revoked_at ? null : revokeButton(u, d, reload)) : null,
          ),
        ),
      ),
    ),
  );
}

// "Revoke", then a confirmation in place: the token stops working at once.
function revokeButton(user, device, reload) {
  const cell = h("span", { class: "row" });
  function idle() {
    fill(
      cell,
      h("button", { type: "button", class: "secondary", "data-revoke": "", onclick: ask }, t("devices.revoke")),
    );
  }
  function ask() {
    fill(
      cell,
      h("span", { class: "warning" }, t("devices.confirmRevoke", { label: device.label, user: user.name })),
      h(
        "button",
        {
          type: "button",
          class: "danger",
          "data-confirm": "",
          onclick: () =>
            attempt(async () => {
              await api(`/v1/devices/${encodeURIComponent(device.id)}/revoke`, { method: "POST" });
              toast(t("devices.revokedToast", { label: device.label }));
              await reload();
            }),
        },
        t("devices.confirm"),
      ),
      h("button", { type: "button", class: "secondary", onclick: idle }, t("devices.cancel")),
    );
  }
  idle();
  return cell;
}
