// Finance's duties in the dashboard against the real server (`serve --demo`): the technician's
// expense claim approved by the service desk puts the ticket in finance's queue; finance pays the
// technician a travel advance through its home, settles the claim, and once the ticket is
// resolved clears the advance, with the balance shown. Screenshots of finance's home with the
// advance open go to target/browser-artifacts/finance-advance-<zh|en>.png, and of the ticket's
// cleared advance to finance-cleared-en.png.

import assert from "node:assert/strict";
import { test } from "node:test";
import { base, demo, ok, registerComplaint, setUp, shot, signedIn } from "./harness.js";

setUp();

const stamp = String(Date.now()).slice(-6);
// Chinese data only, so that the Chinese screens show no English but the demo's own.
const CUSTOMER = `唐山钢铁${stamp}`;
let ticket, order;

function operate(page, operation) {
  return ok(page, "POST", `/v1/tickets/${ticket}/operations`, operation);
}

// Technician Zhang (the demo's device token) records `operation` on the ticket from the phone's
// side of the API; the entry it made.
async function asTechnician(operation) {
  const r = await fetch(`${base}/v1/tickets/${ticket}/operations`, {
    method: "POST",
    headers: { Authorization: `Bearer ${demo.technicianToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(operation),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.entry;
}

function row(page, reason) {
  return page.locator(`tr[data-ticket="${ticket}"][data-reason="${reason}"]`);
}

// Finance's home in `locale`, with the line of the ticket for `reason` opened; its work row.
async function open(reason, locale = "en-GB") {
  const page = await signedIn("fin.zhao", { locale });
  await page.locator("[data-queue] table").waitFor();
  await row(page, reason).getByRole("button").click();
  const work = page.locator(`tr[data-work="${reason}"]`);
  await work.locator(".work-panel [data-advances]").waitFor();
  return { page, work };
}

test("a technician's claim, approved by the desk, waits for finance on a resolved ticket", async () => {
  const supervisor = await signedIn("sup.sun");
  ticket = (
    await registerComplaint(supervisor, {
      customer_name: CUSTOMER,
      job_number: `J-${stamp}`,
      contact_method: "0315-8866 1234",
      requests: "请派技术员到现场",
    })
  ).ticket_id;
  order = (
    await operate(supervisor, {
      op: "issue_travel_order",
      number: `CC-${stamp}`,
      kind: "on_site_service",
      issuing_department: "technical_service",
      assignees: ["tech.zhang"],
    })
  ).entry;
  await supervisor.context().close();

  const claim = await asTechnician({
    op: "submit_cost",
    kind: "travel",
    amount_minor: 52_000,
    currency: "CNY",
    bearer: "company",
    description: "往返高铁及住宿",
  });
  const visit = await asTechnician({ op: "arrive", order_id: order, site: "唐山二号变电站" });
  await asTechnician({ op: "depart", visit_id: visit });
  await asTechnician({ op: "decide", disposition: "repair_on_site", rationale: "更换合闸线圈" });

  const desk = await signedIn("desk.wang");
  await operate(desk, { op: "audit_cost", cost_id: claim, approved: true, note: "" });
  assert.equal((await ok(desk, "GET", `/v1/tickets/${ticket}`)).status, "resolved");
  await desk.context().close();
});

test("finance pays the advance and settles the claim through its home", async () => {
  const { page, work } = await open("settlement");
  const form = work.locator('form[data-form="record-advance"]');
  // The technician is chosen by name among those the travel task order sends.
  assert.equal(await form.getByLabel("Technician").locator("option:checked").textContent(), "张伟 Zhang Wei");
  assert.equal(await form.getByLabel("Travel task order").inputValue(), order);
  await form.getByLabel("Reference").fill(`JK-${stamp}`);
  await form.getByLabel("Amount (yuan)").fill("2,000.00");
  await form.getByRole("button", { name: "Pay advance" }).click();
  const advance = page.locator('tr[data-work="settlement"] [data-advance][data-cleared="false"]');
  await advance.waitFor();
  assert.match(await advance.textContent(), /Advance CN¥2,000\.00 · voucher JK-\d+ · 赵丽 Zhao Li/);
  assert.match(await advance.textContent(), new RegExp(`travel task order CC-${stamp}`));
  const account = page.locator('tr[data-work="settlement"] [data-technician="tech.zhang"]');
  assert.match(await account.locator("[data-claim]").textContent(), /travel · CN¥520\.00 · 往返高铁及住宿/);
  assert.match(
    await account.locator("[data-totals]").textContent(),
    /Advanced CN¥2,000\.00 · claims settled CN¥0\.00 · to be paid back by the technician: CN¥2,000\.00/,
  );

  // The claim settled from the same line leaves the settlement; the open advance stays.
  const settle = page.locator('tr[data-work="settlement"] li[data-cost] form');
  await settle.getByLabel("Reference").fill(`PZ-${stamp}`);
  await settle.getByRole("button", { name: "Settle" }).click();
  await row(page, "settlement").waitFor({ state: "detached", timeout: 15_000 });
  await row(page, "advance_open").waitFor();
  await page.context().close();
});

test("finance's home shows the open advance in Chinese and English", async () => {
  for (const [locale, tag] of [
    ["zh-CN", "zh"],
    ["en-GB", "en"],
  ]) {
    const { page, work } = await open("advance_open", locale);
    await work.locator("[data-claim] [data-settled]").waitFor();
    if (tag === "zh") {
      const text = await work.textContent();
      assert.match(text, /借款 2,000\.00 元/);
      assert.match(text, /已结算 · 凭证号 PZ-/);
      assert.match(text, /技术员应退还 1,480\.00 元/);
      assert.doesNotMatch(text, /\b[a-z]+_[a-z_]+\b/, "a code word on the Chinese home");
      assert.doesNotMatch(text, /\bfinance\.[a-zA-Z]+/, "an untranslated key");
      for (const word of ["Advance", "voucher", "Clear", "claims", "tech.zhang", "fin.zhao"]) {
        assert.ok(!text.includes(word), `"${word}" on the Chinese home`);
      }
    }
    await shot(page, `finance-advance-${tag}`);
    await page.context().close();
  }
});

test("finance clears the advance through its home, and the queue no longer shows it", async () => {
  const { page, work } = await open("advance_open");
  const clear = work.locator('form[data-form="clear-advance"]');
  await clear.getByLabel("Reference").fill(`CZ-${stamp}`);
  await clear.getByRole("button", { name: "Clear" }).click();
  await row(page, "advance_open").waitFor({ state: "detached", timeout: 15_000 });
  const [advance] = (await ok(page, "GET", `/v1/tickets/${ticket}`)).view.advances;
  assert.equal(advance.clearing.reference, `CZ-${stamp}`);
  assert.equal(advance.clearing.claimed_minor, 52_000);
  assert.equal(advance.clearing.balance_minor, -148_000);

  await page.goto(`/#/ticket/${ticket}`);
  const cleared = page.locator('[data-section="ticket.costs"] [data-advance][data-cleared="true"]');
  await cleared.waitFor();
  assert.match(
    await cleared.textContent(),
    /Cleared · voucher CZ-\d+ · claims CN¥520\.00 · to be paid back by the technician: CN¥1,480\.00/,
  );
  await shot(page, "finance-cleared-en");
  await page.context().close();
});
