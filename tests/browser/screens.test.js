// The ticket page, the ledger, finance and statistics as an office user reads them: the ledger
// on a 1,024 px screen with no header broken one character per line, its columns and named
// filters remembered; statistics with headline figures, a trend by month and a bar that opens
// the ledger of its complaints; in Chinese and in English, with screenshots of each.

import assert from "node:assert/strict";
import { test } from "node:test";
import { call, ok, registerComplaint, setUp, shot, signedIn } from "./harness.js";

setUp();

// How many lines each header cell of the page's ledger takes, with its text.
function headerLines(page) {
  return page.locator("table.ledger thead th").evaluateAll((cells) =>
    cells.map((th) => {
      const range = document.createRange();
      range.selectNodeContents(th);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return { text: th.textContent.trim(), lines: tops.size, width: th.getBoundingClientRect().width };
    }),
  );
}

async function ledgerAt1024(locale, tag) {
  const page = await signedIn("sup.sun", { locale });
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto("/#/ledger");
  await page.locator("table.ledger tbody tr").first().waitFor();
  const headers = await headerLines(page);
  assert.ok(headers.length >= 8, JSON.stringify(headers));
  for (const header of headers) {
    assert.equal(header.lines, 1, `the header ${header.text} takes ${header.lines} lines`);
    assert.ok(header.width > 20, `the header ${header.text} is ${header.width} px wide`);
  }
  // The page itself does not scroll sideways: the table scrolls within its box.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  await shot(page, `screens-ledger-1024-${tag}`);
  return page;
}

test("the ledger at 1,024 px keeps every header on one line, in Chinese and in English", async () => {
  const zh = await ledgerAt1024("zh-CN", "zh");
  // Status has its colour, and the new columns show in Chinese.
  const headerText = (await zh.locator("table.ledger thead").textContent()).replace(/\s+/g, "");
  for (const label of ["投诉内容", "已历时", "下一到期日", "下次回访"]) assert.ok(headerText.includes(label), label);
  const status = zh.locator("table.ledger tbody [data-status]").first();
  const colour = await status.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(colour, "rgb(228, 233, 241)", "the status keeps the grey of a plain badge");
  await zh.context().close();
  const en = await ledgerAt1024("en-GB", "en");
  await en.context().close();
});

test("the ledger remembers the columns chosen and the filters named, after a reload", async () => {
  const page = await signedIn("desk.wang");
  await registerComplaint(page, { customer_name: "衡水热电 Hengshui Power", job_number: "J2026-7701" });
  await page.goto("/#/ledger");
  await page.locator("table.ledger tbody tr").first().waitFor();
  const chooser = page.locator("[data-columns]");
  await chooser.locator("summary").click();
  await chooser.getByLabel("Complaint content").uncheck();
  await chooser.getByLabel("Model").uncheck();
  await chooser.getByLabel("Contract no.").check();
  await page.locator('table.ledger th:has-text("Contract no.")').waitFor();

  const filters = page.getByRole("search");
  await filters.getByLabel("Customer", { exact: true }).fill("Hengshui");
  await page.getByLabel("Filter name").fill("衡水");
  await page.locator("[data-save-filter]").click();
  await page.locator('[data-filter="衡水"]').waitFor();

  await page.reload();
  await page.locator("table.ledger tbody tr").first().waitFor();
  const headers = await page.locator("table.ledger thead th").allTextContents();
  assert.ok(
    headers.some((h) => h.includes("Contract no.")),
    headers.join("|"),
  );
  for (const gone of ["Model", "Complaint content"])
    assert.ok(!headers.some((h) => h.includes(gone)), headers.join("|"));
  const before = await page.locator("table.ledger tbody tr").count();
  assert.ok(before > 1, "the demo ledger holds more than one ticket");
  await page.locator('[data-filter="衡水"] button').first().click();
  await page.waitForFunction(() => document.querySelectorAll("table.ledger tbody tr").length === 1);
  assert.match(await page.locator("table.ledger tbody").textContent(), /衡水热电/);
  await shot(page, "screens-ledger-saved-filter-en");
  // A saved filter is deleted by its ×, and stays deleted.
  await page.getByRole("button", { name: "Forget 衡水" }).click();
  await page.reload();
  await page.locator("[data-saved-filters]").waitFor();
  assert.equal(await page.locator('[data-filter="衡水"]').count(), 0);
  await page.context().close();
});

// The statistics view in `locale`: its headline, its trend by month, and a bar of complaints by
// product that opens the ledger of exactly its complaints.
async function drillDown(locale, tag, words) {
  const page = await signedIn("qa.chen", { locale });
  const figures = await ok(page, "GET", "/v1/statistics/headline");
  await page.goto("/#/statistics");
  const headline = page.locator("[data-headline]");
  await headline.waitFor();
  assert.equal(
    (await headline.locator('[data-figure="registered"] .value').textContent()).trim(),
    String(figures.registered),
  );
  for (const label of words.headline) await headline.getByText(label, { exact: true }).waitFor();
  const trend = page.locator('[data-chart="trend"]');
  await trend.getByRole("heading", { name: words.trend }).waitFor();
  assert.ok((await trend.locator("svg.chart a.drill rect.bar").count()) >= 1);
  await shot(page, `screens-statistics-${tag}`);

  const bar = page.locator('[data-chart="complaints"] svg.chart a.drill').first();
  const [, count] = (await bar.getAttribute("aria-label")).match(/: (\d+)$/);
  await bar.click();
  await page.waitForURL(/#\/ledger\?by=product&key=/);
  await page.locator("[data-drill]").waitFor();
  await page.locator("table.ledger tbody tr").first().waitFor();
  assert.match(await page.locator(".pager").textContent(), words.total(count));
  assert.equal(await page.locator("table.ledger tbody tr").count(), Number(count));
  await shot(page, `screens-statistics-drill-${tag}`);
  // The month of the trend opens the ledger of that month's complaints.
  await page.goBack();
  await trend.locator("svg.chart a.drill").last().click();
  await page.waitForURL(/#\/ledger\?by=month&key=\d{4}-\d{2}/);
  await page.locator("table.ledger tbody tr").first().waitFor();
  await page.context().close();
}

test("a statistics bar opens the ledger of its complaints, with headline figures and a trend", async () => {
  await drillDown("zh-CN", "zh", {
    headline: ["登记投诉", "未关闭", "逾期未办", "平均处理天数", "首次上门解决率"],
    trend: "每月投诉趋势",
    total: (n) => new RegExp(`共 ${n} 条`),
  });
  await drillDown("en-GB", "en", {
    headline: ["Complaints registered", "Open", "Overdue", "Average days to resolve", "First-visit fix rate"],
    trend: "Complaints by month",
    total: (n) => new RegExp(`${n} tickets`),
  });
});

// A ticket's page as `user` in `locale`: its header and its sections.
async function ticketPage(user, locale, ticketId) {
  const page = await signedIn(user, { locale });
  await page.goto(`/#/ticket/${ticketId}`);
  await page.locator("[data-ticket-header]").waitFor();
  return page;
}

test("the ticket page sums the ticket up, folds its empty sections and prints its form", async () => {
  const desk = await signedIn("desk.wang");
  const { ticket_id: ticketId } = await registerComplaint(desk, {
    customer_name: "承德矿业 Chengde Mining",
    job_number: "J2026-7703",
  });
  await desk.context().close();

  // The desk, in Chinese: registered, waiting for the desk and the supervisor to hand it off,
  // which is the desk's own next step; its hand-off deadline runs.
  const zh = await ticketPage("desk.wang", "zh-CN", ticketId);
  const header = zh.locator("[data-ticket-header]");
  assert.equal((await header.locator("[data-status]").textContent()).trim(), "已登记");
  const waiting = await header.locator("[data-waiting]").textContent();
  assert.match(waiting, /客服专员：待移交/);
  assert.match(waiting, /技术服务部门主管：待移交/);
  assert.match(await header.locator("[data-next]").textContent(), /请您处理：待移交/);
  await header.locator('[data-deadline="handoff"]').waitFor();
  // Sections holding nothing are one line each, and open to offer their forms.
  const visits = zh.locator('[data-section="ticket.visits"][data-empty]');
  assert.ok((await visits.boundingBox()).height < 50, "the empty visits section is one line");
  assert.match(await visits.textContent(), /现场服务 · 暂无/);
  const intake = zh.locator('section[data-section="ticket.intake"]');
  assert.ok((await intake.boundingBox()).height > 100, "the form's section is shown whole");
  assert.match(await zh.locator('[data-section="ticket.letter"]').textContent(), /尚未起草/);
  assert.doesNotMatch(await zh.locator('[data-section="ticket.letter"]').textContent(), /草稿/);
  await shot(zh, "screens-ticket-zh");

  // Its complaint information form prints from its own route, with the regulation's headings.
  await zh.locator("[data-open-form]").click();
  await zh.waitForURL(new RegExp(`#/ticket/${ticketId}/print$`));
  const form = zh.locator("[data-complaint-form]");
  for (const heading of ["客户投诉信息处理单", "一、客户信息登记", "二、信息移交与派工", "三、处理方式"]) {
    await form.getByText(heading, { exact: true }).first().waitFor();
  }
  for (const heading of ["四、原因分析与责任认定", "五、回访", "六、客户确认与关闭"]) {
    await form.getByText(heading, { exact: true }).first().waitFor();
  }
  await shot(zh, "screens-ticket-print-zh");
  await zh.context().close();

  // QA, in English, has nothing to do on it yet; the supervisor hands it off.
  const qa = await ticketPage("qa.chen", "en-GB", ticketId);
  assert.match(await qa.locator("[data-next]").textContent(), /Nothing for you now/);
  await shot(qa, "screens-ticket-en");
  await qa.context().close();
  const supervisor = await ticketPage("sup.sun", "en-GB", ticketId);
  assert.match(await supervisor.locator("[data-next]").textContent(), /Yours: to hand off/);
  await supervisor.context().close();
});

test("a cost is rejected only with a reason, confirmed, and stays listed as rejected with it", async () => {
  const desk = await signedIn("desk.wang");
  const { ticket_id: ticketId } = await registerComplaint(desk, {
    customer_name: "秦皇岛港 Qinhuangdao Port",
    job_number: "J2026-7704",
  });
  const { entry: cost } = await ok(desk, "POST", `/v1/tickets/${ticketId}/operations`, {
    op: "submit_cost",
    kind: "travel",
    amount_minor: 45_000,
    currency: "CNY",
    bearer: "company",
    description: "宾馆两晚 two nights at the hotel",
  });
  await desk.context().close();

  const page = await signedIn("sup.sun", { locale: "zh-CN" });
  await page.goto("/#/finance");
  const pending = page.locator(`[data-costs="finance.toAudit"] tr[data-cost="${cost}"]`);
  await pending.waitFor();
  const line = await pending.textContent();
  for (const shown of ["宾馆两晚", "王芳 Wang Fang", "待审核", "查看工单照片"]) assert.ok(line.includes(shown), shown);

  // Without a reason the dialog refuses, and so does the server; nothing changes.
  await pending.locator("[data-reject]").click();
  const dialog = page.locator("dialog[open][data-reject-dialog]");
  await dialog.locator("[data-confirm-reject]").click();
  await dialog.getByText("驳回费用须填写理由").waitFor();
  await shot(page, "screens-finance-reject-zh");
  const refused = await call(page, "POST", `/v1/tickets/${ticketId}/operations`, {
    op: "audit_cost",
    cost_id: cost,
    approved: false,
    note: " ",
  });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  await dialog.getByRole("button", { name: "取消" }).click();
  await page.reload();
  await pending.waitFor();

  // With one, confirmed, it leaves the audit list and stays listed as rejected with it.
  await pending.locator("[data-reject]").click();
  await dialog.getByLabel("驳回理由").fill("缺少住宿发票");
  await dialog.locator("[data-confirm-reject]").click();
  const rejected = page.locator(`[data-costs="finance.past"] tr[data-cost="${cost}"][data-state="rejected"]`);
  await rejected.waitFor();
  assert.match(await rejected.textContent(), /已驳回.*驳回理由：缺少住宿发票/s);
  assert.equal(await pending.count(), 0);
  await shot(page, "screens-finance-zh");
  await page.context().close();

  const en = await signedIn("fin.zhao");
  await en.goto("/#/finance");
  await en.locator(`[data-costs="finance.past"] tr[data-cost="${cost}"]`).getByText("Rejected: 缺少住宿发票").waitFor();
  await shot(en, "screens-finance-en");
  await en.context().close();
});
