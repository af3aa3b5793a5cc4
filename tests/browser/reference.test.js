// Reference data against the real server (`serve --demo`, which seeds customers, units,
// products and cause codes): the desk registers a complaint for an existing customer by typing
// part of a job number and choosing the unit the form offers, the ticket names that customer and
// unit and the unit's service history lists it; a new customer and unit typed by hand are added
// to the reference data on the spot; the finance office reads the lists but is offered no form;
// QA records a cause by choosing its code; the desk imports customers and units from a file.
// Screenshots: target/browser-artifacts/reference-<view>-<zh|en>.png.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ok, registerComplaint, setUp, shot, signedIn } from "./harness.js";

setUp();

const stamp = String(Date.now()).slice(-6);
// A demo unit no demo ticket names: its history starts with the ticket registered here.
const JOB = "J2026-0312";
const CUSTOMER = "沧州水务集团 Cangzhou Water";

// The registration form of the desk view, opened as `page`.
async function registrationForm(page) {
  await page.goto("/#/desk");
  const form = page.locator('form[data-form="register"]');
  await form.waitFor();
  return form;
}

// The ledger rows of job number `job`.
async function rowsOf(page, job) {
  return (await ok(page, "GET", `/v1/ledger?job_number=${encodeURIComponent(job)}`)).rows;
}

// Waits until the ledger has `n` rows of job number `job`; they are returned.
async function registered(page, job, n) {
  for (let i = 0; ; i++) {
    const rows = await rowsOf(page, job);
    if (rows.length >= n) return rows;
    assert.ok(i < 50, `the ticket of ${job} was not registered`);
    await page.waitForTimeout(100);
  }
}

test("the desk registers a complaint by typing part of a job number and choosing the unit", async () => {
  for (const [locale, lang] of [
    ["en-GB", "en"],
    ["zh-CN", "zh"],
  ]) {
    const desk = await signedIn("desk.wang", { locale });
    const form = await registrationForm(desk);
    await form.locator('input[name="job_number"]').pressSequentially("0312");
    const offered = form.locator("ul[data-suggestions] button", { hasText: JOB });
    await offered.waitFor();
    // Only the unit of that job number is offered.
    assert.equal(await form.locator("ul[data-suggestions] button").count(), 1);
    await shot(desk, `reference-registration-suggestions-${lang}`);
    await offered.click();
    assert.equal(await form.locator('input[name="customer_name"]').inputValue(), CUSTOMER);
    assert.equal(await form.locator('input[name="contract_number"]').inputValue(), `HT-${JOB}`);
    assert.equal(await form.locator('input[name="model"]').inputValue(), "KYN28A-12/1250");
    // The customer's contact comes with it.
    assert.equal(await form.locator('input[name="contact_person"]').inputValue(), "刘工 Engineer Liu");
    await form.locator("[data-chosen-unit]", { hasText: JOB }).waitFor();
    await form.locator('textarea[name="content"]').fill(`柜门联锁失灵 ${lang}`);
    const before = (await rowsOf(desk, JOB)).length;
    await form.locator('button[type="submit"]').click();
    assert.equal((await registered(desk, JOB, before + 1)).length, before + 1);
    // The form is ready for the next call: no unit chosen.
    assert.equal(await form.locator("[data-chosen-unit]").textContent(), "");
    await desk.context().close();
  }

  const desk = await signedIn("desk.wang", { locale: "zh-CN" });
  const [row] = await rowsOf(desk, JOB);
  const ticket = await ok(desk, "GET", `/v1/tickets/${row.ticket_id}`);
  const { items } = await ok(desk, "GET", `/v1/reference/units?q=${JOB}`);
  assert.equal(ticket.view.intake.unit_id, items[0].id);
  assert.equal(ticket.view.intake.customer_id, items[0].customer_id);
  assert.equal(ticket.view.intake.customer_name, CUSTOMER);

  // The ticket shows the customer and unit.
  await desk.goto(`/#/ticket/${row.ticket_id}`);
  await desk.getByText(JOB).first().waitFor();
  await desk.getByText(CUSTOMER).first().waitFor();

  // The unit's history lists both tickets, newest first, by ledger number.
  for (const [locale, lang] of [
    ["zh-CN", "zh"],
    ["en-GB", "en"],
  ]) {
    const page = lang === "zh" ? desk : await signedIn("desk.wang", { locale });
    await page.goto("/#/reference");
    const link = page.locator("table[data-units] a", { hasText: JOB });
    await link.waitFor();
    await shot(page, `reference-lists-${lang}`);
    await link.click();
    const history = page.locator("table[data-history] tbody tr");
    await history.first().waitFor();
    assert.equal(await history.count(), 2);
    assert.match(await history.first().textContent(), new RegExp(row.ledger_number));
    await shot(page, `reference-unit-${lang}`);
    await page.context().close();
  }
});

test("a new customer and unit typed by hand join the reference data on the spot", async () => {
  const desk = await signedIn("desk.wang", { locale: "zh-CN" });
  const form = await registrationForm(desk);
  const customer = `邢台化工${stamp}`;
  const job = `J-${stamp}`;
  const fields = {
    product_name: "KYN28A-12 开关柜",
    model: "KYN28A-12/1250",
    job_number: job,
    contract_number: `HT-${stamp}`,
    customer_name: customer,
    contact_person: "钱工",
    contact_method: "0319-222 3333",
  };
  for (const [name, value] of Object.entries(fields)) await form.locator(`input[name="${name}"]`).fill(value);
  // Nothing matches a new customer: nothing is offered.
  await desk.waitForTimeout(400);
  assert.equal(await form.locator("ul[data-suggestions] button").count(), 0);
  assert.ok(await form.locator('input[name="create_reference"]').isChecked());
  await form.locator('textarea[name="content"]').fill("母线室有放电声");
  await form.locator('button[type="submit"]').click();
  await registered(desk, job, 1);

  const customers = await ok(desk, "GET", `/v1/reference/customers?q=${encodeURIComponent(customer)}`);
  assert.equal(customers.items.length, 1);
  assert.deepEqual(customers.items[0].contacts, [{ name: "钱工", phone: "0319-222 3333" }]);
  const units = await ok(desk, "GET", `/v1/reference/units?q=${job}`);
  assert.equal(units.items.length, 1);
  assert.equal(units.items[0].customer_name, customer);

  // The next registration finds it by part of the customer's name.
  await form.locator('input[name="customer_name"]').pressSequentially(`化工${stamp}`);
  await form.locator("ul[data-suggestions] button", { hasText: job }).waitFor();
  await desk.context().close();
});

test("finance reads the reference data without forms; QA records a cause by its code", async () => {
  const finance = await signedIn("fin.zhao", { locale: "zh-CN" });
  await finance.goto("/#/reference");
  await finance.locator("table[data-units] a").first().waitFor();
  assert.equal(await finance.locator('form[data-form^="ref-"]').count(), 0);
  await finance.getByRole("link", { name: "基础资料" }).waitFor();
  const causes = finance.locator('[data-ref="causes"] tbody tr');
  assert.ok((await causes.count()) >= 5);
  assert.match(await causes.first().textContent(), /设计缺陷/);
  await finance.context().close();

  // QA, who keeps the cause codes, is offered their form and not the customers'.
  const qa = await signedIn("qa.chen", { locale: "zh-CN" });
  await qa.goto("/#/reference");
  await qa.locator('form[data-form="ref-cause"]').waitFor();
  assert.equal(await qa.locator('form[data-form="ref-customer"]').count(), 0);
  await shot(qa, "reference-qa-zh");

  // QA records a ticket's cause by choosing a code of the list: its label becomes the cause.
  const desk = await signedIn("desk.wang");
  const { ticket_id: ticket } = await registerComplaint(desk, {
    customer_name: CUSTOMER,
    job_number: `J-QA-${stamp}`,
  });
  await desk.context().close();
  await qa.goto(`/#/ticket/${ticket}`);
  const form = qa.locator('form[data-form="record-cause"]').first();
  await form.locator('select[name="cause_code"] option[value="C03"]').waitFor({ state: "attached" });
  await form.locator('select[name="cause_code"]').selectOption("C03");
  assert.equal(await form.locator('input[name="cause"]').inputValue(), "外购件失效");
  await form.locator('button[type="submit"]').click();
  for (let i = 0; ; i++) {
    const quality = (await ok(qa, "GET", `/v1/tickets/${ticket}`)).view.quality;
    if (quality.cause_code === "C03") {
      assert.equal(quality.cause, "外购件失效");
      break;
    }
    assert.ok(i < 50, "the cause code was not recorded");
    await qa.waitForTimeout(100);
  }
  await qa.context().close();
});

test("the desk imports customers and units from a spreadsheet with a progress bar and each bad line", async () => {
  const rows = ["客户名称,现场,联系人,联系电话,产品名称,规格型号,工号,合同号,投运日期"];
  for (let i = 0; i < 1200; i++) {
    rows.push(
      `衡水电力${stamp}-${i % 300},${i % 2}号站,冯工,0318-${i},SVG 无功补偿装置,SVG-10,JI-${stamp}-${i},HT-${i},2025-06-01`,
    );
  }
  rows.push(`,1号站,冯工,,SVG,SVG-10,JI-${stamp}-x,,`);
  rows.push(`衡水电力${stamp}-0,1号站,冯工,,SVG,SVG-10,JI-${stamp}-y,,2025-13-40`);
  const csv = `${rows.join("\n")}\n`;
  for (const [locale, lang] of [
    ["zh-CN", "zh"],
    ["en-GB", "en"],
  ]) {
    const desk = await signedIn("desk.wang", { locale });
    await desk.goto("/#/reference");
    const form = desk.locator('form[data-form="ref-import"]');
    await form.locator('input[type="file"]').setInputFiles({
      name: "customers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await form.locator('button[type="submit"]').click();
    const status = desk.locator("[data-import-status]");
    await status.filter({ hasText: lang === "zh" ? "完成" : "Done" }).waitFor({ timeout: 60_000 });
    const bar = desk.locator("[data-import-progress]");
    assert.equal(await bar.getAttribute("value"), "1200");
    const errors = await desk.locator("[data-import-errors] li").allTextContents();
    assert.equal(errors.length, 2, errors.join("\n"));
    assert.match(errors[0], lang === "zh" ? /^第 1202 行/ : /^Line 1202/);
    assert.match(errors[1], /1203/);
    // The first import creates every row; the second, the same file again, creates nothing.
    const done = await status.textContent();
    assert.match(done, lang === "zh" ? /新建或补充 1200 行/ : /0 rows created or completed, 1200 already there/);
    await shot(desk, `reference-import-${lang}`);
    await desk.context().close();
  }
  const desk = await signedIn("desk.wang");
  const found = await ok(
    desk,
    "GET",
    `/v1/reference/customers?q=${encodeURIComponent(`衡水电力${stamp}`)}&per_page=100`,
  );
  assert.equal(found.items.length, 100);
  assert.equal(found.more, true);
  await desk.context().close();
});
