// The marketing centre against the real server (`serve --demo`): the desk registers a ticket
// naming the demo sales representative (offered by name), the ticket is resolved and a cost
// borne by the representative is submitted through the ticket's cost form, choosing them by
// name; the representative signs in, finds the ticket in their home queue, their tickets and the
// costs they bear, and confirms through the home's form that the service requirements were met.
// Screenshots of their home go to target/browser-artifacts/sales-home-<zh|en>.png.

import assert from "node:assert/strict";
import { test } from "node:test";
import { call, ok, setUp, shot, signedIn } from "./harness.js";

setUp();

const stamp = String(Date.now()).slice(-6);
// Chinese data only, so that the Chinese screens show no English but the demo's own.
const CUSTOMER = `保定纺织${stamp}`;
let ticket;

function operate(page, operation) {
  return ok(page, "POST", `/v1/tickets/${ticket}/operations`, operation);
}

// The line of the ticket waiting for the representative's confirmation on the home view.
function line(page) {
  return page.locator(`tr[data-ticket="${ticket}"][data-reason="service_confirmation"]`);
}

test("the desk names the representative, the ticket is resolved and a cost is borne by them", async () => {
  const desk = await signedIn("desk.wang");
  await desk.goto("/#/desk");
  const picker = desk.locator('form[data-form="register"] select[name="sales_rep"]');
  await picker.waitFor();
  assert.ok((await picker.locator("option").allTextContents()).includes("徐明 Xu Ming"));
  ticket = (
    await ok(desk, "POST", "/v1/tickets", {
      kind: "complaint",
      complaint: true,
      major: false,
      source: "sales_representative",
      sales_rep: await picker.locator("option", { hasText: "徐明" }).getAttribute("value"),
      product_name: "APF 有源滤波器",
      model: "APF-400/100",
      job_number: `J-${stamp}`,
      contract_number: `HT-${stamp}`,
      customer_name: CUSTOMER,
      contact_person: "赵工",
      contact_method: "0312-555 0101",
      content: "谐波超标",
      requests: "请派人处理",
    })
  ).ticket_id;
  await desk.context().close();

  // The administrator resolves it: a visit and a repair on site.
  const admin = await signedIn("admin");
  const visit = (await operate(admin, { op: "arrive", site: "配电室" })).entry;
  await operate(admin, { op: "decide", disposition: "repair_on_site", rationale: "参数设置不当" });
  await operate(admin, { op: "depart", visit_id: visit });
  assert.equal((await ok(admin, "GET", `/v1/tickets/${ticket}`)).status, "resolved");
  await admin.context().close();

  // The supervisor submits the freight the representative promised, choosing them by name.
  const supervisor = await signedIn("sup.sun");
  await supervisor.goto(`/#/ticket/${ticket}`);
  const form = supervisor.locator('form[data-form="submit-cost"]');
  await form.locator('select[name="kind"]').selectOption("freight");
  await form.locator('input[name="amount"]').fill("1800");
  await form.locator('select[name="bearer"]').selectOption("sales_representative");
  await form.locator('select[name="borne_by"]').selectOption({ label: "徐明 Xu Ming" });
  await form.locator('input[name="description"]').fill("加急运费");
  await form.getByRole("button").click();
  await supervisor.locator('[data-section="ticket.costs"] li', { hasText: "加急运费" }).waitFor();
  const costs = (await ok(supervisor, "GET", `/v1/tickets/${ticket}`)).view.costs;
  assert.deepEqual(
    costs.map((c) => [c.bearer, c.borne_by, c.amount_minor]),
    [["sales_representative", "sales.xu", 180_000]],
  );
  await supervisor.context().close();
});

test("the representative's home in Chinese and English", async () => {
  for (const [locale, tag] of [
    ["zh-CN", "zh"],
    ["en-GB", "en"],
  ]) {
    const page = await signedIn("sales.xu", { locale });
    await line(page).waitFor();
    await page.locator(`[data-my-ticket="${ticket}"]`).waitFor();
    await page.locator("[data-my-cost]").first().waitFor();
    if (tag === "zh") {
      const text = await page.locator("body").textContent();
      assert.doesNotMatch(text, /\b[a-z]+_[a-z_]+\b/, "a code word on the Chinese home");
      assert.doesNotMatch(text, /\b(home|sales|nav|f)\.[a-zA-Z_.]+/, "an untranslated key");
      for (const word of ["Waiting", "My tickets", "Costs I bear", "to audit", "Confirm", "sales."]) {
        assert.ok(!text.includes(word), `"${word}" on the Chinese home`);
      }
      assert.ok(text.includes("待确认服务需求是否满足") && text.includes("由我承担的费用"));
    }
    // What the whole ledger holds is not theirs: no statistics or events in the menu.
    assert.equal(await page.locator('#nav a[href="#/statistics"]').count(), 0);
    await shot(page, `sales-home-${tag}`);
    await page.context().close();
  }
});

test("the representative confirms the service through their home", async () => {
  const page = await signedIn("sales.xu");
  await line(page).getByRole("button").click();
  const work = page.locator('tr[data-work="service_confirmation"]');
  const form = work.locator('form[data-form="service-met"]');
  await form.locator('input[name="note"]').fill("客户确认谐波已达标");
  await form.getByRole("button").click();
  await line(page).waitFor({ state: "detached", timeout: 15_000 });
  const view = (await ok(page, "GET", `/v1/tickets/${ticket}`)).view;
  assert.deepEqual(
    view.service_confirmations.map((c) => [c.met, c.confirmed_by, c.note]),
    [[true, "sales.xu", "客户确认谐波已达标"]],
  );
  // Another ticket's confirmation is not theirs to give: the desk is refused.
  const desk = await signedIn("desk.wang");
  const refused = await call(desk, "POST", `/v1/tickets/${ticket}/operations`, {
    op: "confirm_service_met",
    met: false,
    note: "x",
  });
  assert.equal(refused.status, 403);
  await desk.context().close();
  await page.context().close();
});
