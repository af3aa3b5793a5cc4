// The statistics view and the complaint information form in the dashboard: QA picks a period,
// switches the axis (100 customers stay readable: the top groups and the others summed), exports
// each statistic as a workbook, and prints a ticket's form on A4, in Chinese and in English.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { call, setUp, shot, signedIn } from "./harness.js";

setUp();

// A calendar day `offset` days from today, as <input type="date"> writes it.
function isoDay(offset) {
  const at = new Date(Date.now() + offset * 86_400_000);
  return at.toISOString().slice(0, 10);
}

// Registers a complaint of each of 100 customers, some with names too long for a chart's label.
async function hundredCustomers(page) {
  for (let n = 0; n < 100; n++) {
    const long = n % 7 === 0 ? " 电力设备运维检修分公司第三工程处 Maintenance Branch No. 3" : "";
    const { status, body } = await call(page, "POST", "/v1/tickets", {
      kind: "complaint",
      complaint: true,
      product_name: `KYN28A-12 开关柜 ${n % 9}`,
      model: `KYN28A-12/${1000 + (n % 13)}`,
      job_number: `J2026-${String(n).padStart(4, "0")}`,
      contract_number: `HT-2026-${n}`,
      customer_name: `客户 Customer ${String(n).padStart(3, "0")}${long}`,
      contact_person: "刘工",
      contact_method: "0311-1234",
      content: "断路器无法合闸 Breaker will not close",
      requests: "本周到场 Visit this week",
      source: "customer",
      major: false,
    });
    assert.equal(status, 201, JSON.stringify(body));
  }
}

// The statistics view in the page's language: a period, every axis, an export.
async function statisticsView(page, words) {
  await page.goto("/#/statistics");
  await page.getByRole("heading", { name: words.title }).waitFor();
  const filter = page.locator("[data-statistics-filter]");
  await filter.getByLabel(words.from, { exact: true }).fill(isoDay(-7));
  await filter.getByLabel(words.to, { exact: true }).fill(isoDay(1));
  await filter.getByLabel(words.top, { exact: true }).selectOption("50");
  await filter.getByLabel(words.by, { exact: true }).selectOption("customer");
  await filter.getByRole("button", { name: words.apply }).click();
  const complaints = page.locator('[data-chart="complaints"]');
  await complaints.getByRole("heading", { name: words.byCustomer }).waitFor();
  await page.getByText(words.period).waitFor();
  // 50 bars and the others summed, long names cut with their whole text in a tooltip.
  const bars = complaints.locator("svg.chart rect.bar");
  await bars.nth(50).waitFor();
  assert.equal(await bars.count(), 51);
  assert.equal(await complaints.locator("svg.chart rect.bar.others").count(), 1);
  const cut = complaints.locator("svg.chart text", { hasText: "…" }).first();
  assert.match(await cut.locator("title").textContent(), /Maintenance Branch No\. 3/);

  for (const [axis, heading] of words.axes) {
    await filter.getByLabel(words.by, { exact: true }).selectOption(axis);
    await complaints.getByRole("heading", { name: heading }).waitFor();
  }
  assert.equal(await page.locator("section[data-chart]").count(), 5);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    complaints.locator('[data-export="complaints"]').click(),
  ]);
  assert.match(
    download.suggestedFilename(),
    /^fieldledger-complaints-by-month-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.xlsx$/,
  );
  const book = readFileSync(await download.path());
  assert.equal(book.subarray(0, 2).toString(), "PK", "an XLSX file is a zip");
  for (const statistic of ["handoff", "corrective-actions", "return-visits", "costs"]) {
    const href = await page.locator(`[data-export="${statistic}"]`).getAttribute("href");
    assert.match(href, /from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
    const answer = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get("content-type") };
    }, href);
    assert.deepEqual(answer, {
      status: 200,
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    });
  }
  // The customers again, for the screenshot: the chart with the most categories.
  await filter.getByLabel(words.by, { exact: true }).selectOption("customer");
  await complaints.getByRole("heading", { name: words.byCustomer }).waitFor();

  // A period that ends before it starts is refused before the server is asked.
  await filter.getByLabel(words.from, { exact: true }).fill(isoDay(2));
  await filter.getByLabel(words.to, { exact: true }).fill(isoDay(0));
  await filter.getByRole("button", { name: words.apply }).click();
  await page.getByText(words.badPeriod).waitFor();
  await filter.getByLabel(words.from, { exact: true }).fill(isoDay(-7));
  await filter.getByLabel(words.to, { exact: true }).fill(isoDay(1));
  await filter.getByRole("button", { name: words.apply }).click();
  await page.getByText(words.period).waitFor();
}

test("QA reads the statistics of a period by every axis, with 100 customers, and exports each", async () => {
  const desk = await signedIn("desk.wang");
  await hundredCustomers(desk);
  await desk.context().close();

  const zh = await signedIn("qa.chen", { locale: "zh-CN" });
  await statisticsView(zh, {
    title: "服务数据统计分析",
    from: "统计日期自",
    to: "统计日期至",
    by: "统计维度",
    top: "显示前几项",
    apply: "统计",
    period: /^统计期间：\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}$/,
    byCustomer: "按客户统计投诉",
    badPeriod: "开始日期不能晚于结束日期",
    axes: [
      ["technician", "按服务人员统计投诉"],
      ["department", "按移交部门统计投诉"],
      ["disposition", "按处理方式统计投诉"],
      ["resolution", "按处理用时统计投诉"],
      ["month", "按登记月份统计投诉"],
    ],
  });
  await shot(zh, "statistics-zh");
  await zh.context().close();

  const en = await signedIn("qa.chen");
  await statisticsView(en, {
    title: "Statistics of the service data",
    from: "From",
    to: "To",
    by: "Count complaints by",
    top: "Show the top",
    apply: "Show",
    period: /^Period: \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$/,
    byCustomer: "Complaints by customer",
    badPeriod: "The first day must not be after the last",
    axes: [
      ["technician", "Complaints by technician"],
      ["department", "Complaints by department handed off to"],
      ["disposition", "Complaints by disposition"],
      ["resolution", "Complaints by time to resolve"],
      ["month", "Complaints by month of registration"],
    ],
  });
  await shot(en, "statistics-en");
  await en.context().close();
});

// The ticket of the demo that went furthest: a closed or resolved one, or else one dispatched.
async function furthestTicket(page) {
  const { body } = await call(page, "GET", "/v1/ledger?limit=500");
  const order = ["closed", "resolved", "reopened", "on_site", "dispatched", "handed_off"];
  const rank = (row) => (order.includes(row.status) ? order.indexOf(row.status) : order.length);
  return [...body.rows].sort((a, b) => rank(a) - rank(b))[0];
}

// The form of `ticket` in the page's language, on screen and as printed.
async function printedForm(page, ticket, words, name) {
  await page.goto(`/#/ticket/${ticket.ticket_id}`);
  await page.locator("[data-open-form]").click();
  const form = page.locator("[data-complaint-form]");
  await form.getByRole("heading", { name: words.title }).waitFor();
  for (const part of words.parts) await form.getByText(part, { exact: true }).waitFor();
  const text = await form.textContent();
  assert.ok(text.includes(ticket.customer_name), "the customer");
  // People by name, values by their names: no user id nor machine name shows.
  for (const raw of ["tech.zhang", "desk.wang", "sup.sun", "on_site_service", "technical_service", "handed_off"])
    assert.ok(!text.includes(raw), `${raw} on the form`);
  if (words.chineseLabels) {
    const labels = await form.locator("th").allTextContents();
    const english = labels.filter((l) => /[A-Za-z]/.test(l));
    assert.deepEqual(english, [], "labels in English on the Chinese form");
  }
  await page.locator("[data-print]").waitFor();
  await page.emulateMedia({ media: "print" });
  assert.ok(!(await page.locator("header.top").isVisible()), "the menu is not printed");
  assert.ok(!(await page.locator("[data-print]").isVisible()), "the buttons are not printed");
  await shot(page, name);
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
  await page.emulateMedia({ media: "screen" });
}

test("a ticket's complaint information form prints on A4 in Chinese and in English", async () => {
  const zh = await signedIn("sup.sun", { locale: "zh-CN" });
  const ticket = await furthestTicket(zh);
  await printedForm(
    zh,
    ticket,
    {
      title: "客户投诉信息处理单",
      parts: ["一、客户信息登记", "二、信息移交与派工", "三、处理方式", "六、客户确认与关闭"],
      chineseLabels: true,
    },
    "complaint-form-zh",
  );
  await zh.context().close();

  const en = await signedIn("sup.sun");
  await printedForm(
    en,
    ticket,
    {
      title: "Customer complaint information form",
      parts: ["1. Registration", "2. Hand-off and dispatch", "3. Disposition", "6. Customer sign-off and closing"],
    },
    "complaint-form-en",
  );
  await en.context().close();
});
