// The office dashboard in headless Chromium against the real server binary started with
// `serve --demo`, and a technician's device store on the command line (`fieldledger-device`)
// syncing real work (the shared harness is harness.js). Screenshots of each main view go to
// target/browser-artifacts/.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { base, call, demo, device, setUp, shot, signedIn } from "./harness.js";

setUp();

const customer = `浙江电力 Zhejiang Grid ${Date.now()}`;
let ticketId;

test("the desk signs in, registers a complaint and hands it off with the clock running", async () => {
  const page = await signedIn("desk.wang");
  await page.getByRole("link", { name: "Service desk" }).click();
  const form = page.locator('form[data-form="register"]');
  await form.getByLabel("Product").fill("KYN28A-12 开关柜");
  await form.getByLabel("Model").fill("KYN28A-12/1250");
  await form.getByLabel("Job no.").fill("J2026-0777");
  await form.getByLabel("Contract no.").fill("HT-2026-0777");
  await form.getByLabel("Customer", { exact: true }).fill(customer);
  await form.getByLabel("Contact person").fill("刘工");
  await form.getByLabel("Contact", { exact: true }).fill("0571-1234 5678");
  await form.getByLabel("Complaint content").fill("3号柜断路器无法合闸 Breaker will not close");
  await form.getByLabel("Customer's requests").fill("请尽快到现场");
  await form.getByRole("button", { name: "Register" }).click();

  const row = page.locator("tr[data-ticket]", { hasText: customer });
  await row.waitFor();
  ticketId = await row.getAttribute("data-ticket");
  const clock = row.locator("[data-clock]");
  const first = await clock.textContent();
  assert.match(first, /left$/);
  await page.waitForFunction(
    (el) => el.textContent !== el.dataset.seen,
    await clock.evaluateHandle((el) => {
      el.dataset.seen = el.textContent;
      return el;
    }),
  );
  await shot(page, "desk");

  await row.locator('form[data-form="hand-off"]').getByRole("button", { name: "Hand off" }).click();
  await page.getByText("Saved").first().waitFor();
  const order = page.locator("tr[data-ticket]", { hasText: customer }).locator('form[data-form="travel-order"]');
  // The hand-off moved it out of the list of tickets awaiting one.
  assert.equal(await order.count(), 0);

  await page.goto(`/#/ticket/${ticketId}`);
  const dispatch = page.locator('[data-section="ticket.dispatch"]');
  await dispatch.getByText("technician").first().waitFor();
  const travel = dispatch.locator('form[data-form="travel-order"]');
  await travel.getByLabel("Number").fill("CC-2026-0777");
  await travel.getByLabel("张伟 Zhang Wei").check();
  await travel.getByRole("button", { name: "Issue travel task order" }).click();
  await dispatch.getByText("CC-2026-0777").waitFor();
  await page.locator("[data-status]", { hasText: "dispatched" }).waitFor();
  await page.locator('[data-section="ticket.deadlines"] [data-clock]', { hasText: "met" }).waitFor();

  await page.goto("/#/ledger");
  await page.getByRole("searchbox").fill(customer);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.locator(`tr[data-ticket="${ticketId}"]`).waitFor();
  // The filtered page replaces the whole list: wait for it rather than count the one before.
  await page.waitForFunction(() => document.querySelectorAll("tbody tr[data-ticket]").length === 1);
  assert.equal(await page.locator("tbody tr[data-ticket]").count(), 1);
  await shot(page, "ledger");
  await page.context().close();
});

test("a technician's device syncs work on it and the events arrive live without a reload", async () => {
  assert.ok(ticketId, "the desk registered a ticket");
  const page = await signedIn("sup.sun");
  await page.getByRole("link", { name: "Live events" }).click();
  await page.locator('[data-stream="open"]').waitFor();
  await page.evaluate(() => {
    window.notReloaded = true;
  });

  assert.match(device("enrol", base, demo.technicianToken), /enrolled as tech\.zhang/);
  assert.match(device("sync"), /0 error/);
  const arrived = device(
    "record",
    ticketId,
    JSON.stringify({ op: "arrive", order_id: null, site: "110kV 变电站 bay 3" }),
  );
  const visit = arrived.match(/entry (\S+)/)[1];
  device(
    "record",
    ticketId,
    JSON.stringify({
      op: "log_work",
      visit_id: visit,
      work: {
        type: "step",
        description: "检查合闸线圈 Checked the closing coil",
        measurements: [{ quantity: "电阻 resistance", value: 212.5, unit: "Ω" }],
      },
    }),
  );
  device(
    "record",
    ticketId,
    JSON.stringify({ op: "decide", disposition: "repair_on_site", rationale: "线圈松动 loose coil terminal" }),
  );
  device("record", ticketId, JSON.stringify({ op: "depart", visit_id: visit }));
  assert.match(device("sync"), /0 error/);

  for (const kind of ["arrived_on_site", "decision_recorded"]) {
    await page.locator(`li[data-event="${kind}"][data-ticket="${ticketId}"]`).waitFor({ timeout: 15_000 });
  }
  assert.equal(await page.evaluate(() => window.notReloaded), true, "the page was not reloaded");
  await shot(page, "events");

  await page.goto(`/#/ticket/${ticketId}`);
  const history = page.locator('[data-section="ticket.history"]');
  await history.getByText("张伟 Zhang Wei (technician)").first().waitFor();
  assert.match(await history.textContent(), /Device time.*Received/s);
  await page.getByText("Checked the closing coil").waitFor();
  await page.locator("[data-status]", { hasText: "resolved" }).waitFor();
  await shot(page, "ticket");
  await page.context().close();
});

test("a supervisor records a return visit and sees it move from due to done", async () => {
  const page = await signedIn("sup.sun");
  const { body } = await call(page, "GET", "/v1/return-visits");
  await page.goto(`/#/ticket/${ticketId}`);
  const plan = page.locator('form[data-form="plan-visit"]');
  await plan.waitFor();
  const planned = page.locator('[data-section="ticket.followups"] form[data-form="record-visit"]');
  const before = await planned.count();
  await plan.getByLabel("Planned for").fill(body.today);
  await plan.getByRole("button", { name: "Plan a return visit" }).click();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-section="ticket.followups"] form[data-form="record-visit"]').length > n,
    before,
  );

  await page.goto("/#/visits");
  const due = page
    .locator(`tr[data-ticket="${ticketId}"]`)
    .filter({ has: page.locator('form[data-form="record-visit"]') });
  await due.first().waitFor();
  await shot(page, "return-visits-due");
  const record = due.first().locator('form[data-form="record-visit"]');
  await record.locator('select[name="satisfaction"]').selectOption("4");
  await record.locator('input[name="notes"]').fill("运行正常 runs fine");
  await record.getByRole("button", { name: "Record outcome" }).click();
  await page.waitForFunction(
    (id) => !document.querySelector(`tr[data-ticket="${id}"] form[data-form="record-visit"]`),
    ticketId,
  );

  await page.getByLabel("Status").selectOption("done");
  await page.getByRole("button", { name: "Filter" }).click();
  const done = page.locator(`tr[data-ticket="${ticketId}"]`);
  await done.getByText("★★★★").waitFor();
  await shot(page, "return-visits-done");
  await page.context().close();
});

test("the language switches to Chinese with the regulation's terms, and is remembered", async () => {
  const page = await signedIn("desk.wang");
  await page.getByRole("button", { name: "中文" }).click();
  // Signing in leads to the role's home; the ledger is one click away.
  await page.getByRole("heading", { name: "我的待办 · 技术服务部门客服专员" }).waitFor();
  await page.getByRole("link", { name: "台账" }).click();
  await page.getByRole("heading", { name: "客户投诉信息处理台账" }).waitFor();
  const nav = await page.locator("#nav").textContent();
  for (const word of ["我的待办", "台账", "客服登记", "实时动态", "回访"])
    assert.ok(nav.includes(word), `${word} in ${nav}`);
  await page.reload();
  await page.getByRole("columnheader", { name: "规格型号" }).waitFor();
  await page.getByRole("columnheader", { name: "工号" }).waitFor();
  await shot(page, "ledger-zh");
  await page.goto(`/#/ticket/${ticketId}`);
  await page.getByRole("heading", { name: "客户投诉信息处理单" }).waitFor();
  await page.getByText("现场维修").first().waitFor();
  await shot(page, "ticket-zh");
  await page.context().close();

  const chinese = await signedIn("desk.wang", { locale: "zh-CN" });
  await chinese.getByRole("heading", { name: "我的待办 · 技术服务部门客服专员" }).waitFor();
  await chinese.context().close();
});

test("QA, finance and statistics each have their view", async () => {
  const desk = await signedIn("desk.wang");
  const cost = await call(desk, "POST", `/v1/tickets/${ticketId}/operations`, {
    op: "submit_cost",
    kind: "travel",
    amount_minor: 86_000,
    currency: "CNY",
    bearer: "company",
    description: "高铁 train",
  });
  assert.equal(cost.status, 200, JSON.stringify(cost.body));
  await desk.context().close();

  const qa = await signedIn("qa.chen");
  await qa.goto(`/#/ticket/${ticketId}`);
  const quality = qa.locator('[data-section="ticket.quality"]');
  await quality.getByLabel("Cause", { exact: true }).fill("端子压接不良 crimping");
  await quality.getByRole("button", { name: "Cause" }).click();
  await quality.getByText("crimping").waitFor();
  const action = quality.locator("form", { has: qa.getByLabel("Owner") });
  await action.getByLabel("Description").fill("压接工艺培训 crimping training");
  await action.getByLabel("Owner").fill("制造部门");
  await action.getByLabel("Due").fill("2099-12-31");
  await action.getByRole("button", { name: "Add action" }).click();
  await quality.getByText("crimping training").waitFor();
  await qa.getByRole("link", { name: "QA" }).click();
  await qa.locator(`tr[data-ticket="${ticketId}"]`).getByText("crimping").waitFor();
  await shot(qa, "quality");
  await qa.getByRole("link", { name: "Statistics" }).click();
  // The QA view has charts of its own: wait for the statistics view itself, then for its six.
  await qa.getByRole("heading", { name: "Statistics of the service data" }).waitFor();
  await qa.locator("svg.chart").nth(5).waitFor();
  assert.ok((await qa.locator("svg.chart").count()) >= 6);
  await shot(qa, "statistics");
  await qa.context().close();

  // The technical service department audits a cost its desk submitted (never the submitter);
  // finance settles it, and does not audit.
  const supervisor = await signedIn("sup.sun");
  await supervisor.getByRole("link", { name: "Costs", exact: true }).click();
  await supervisor
    .locator('[data-costs="finance.toAudit"] tr[data-cost]', { hasText: customer })
    .getByRole("button", { name: "Approve" })
    .click();
  await supervisor.locator('[data-costs="finance.toSettle"] tr[data-cost]', { hasText: customer }).waitFor();
  await supervisor.context().close();
  const finance = await signedIn("fin.zhao");
  await finance.getByRole("link", { name: "Costs", exact: true }).click();
  await finance.locator('[data-costs="finance.toSettle"]').waitFor();
  assert.equal(await finance.getByRole("button", { name: "Approve" }).count(), 0, "finance does not audit");
  const toSettle = finance.locator('[data-costs="finance.toSettle"] tr[data-cost]', { hasText: customer });
  await toSettle.getByLabel("Reference").fill("PZ-2026-0777");
  await toSettle.getByRole("button", { name: "Settle" }).click();
  await finance.waitForFunction(
    (c) => ![...document.querySelectorAll("[data-costs] tr[data-cost]")].some((r) => r.textContent.includes(c)),
    customer,
  );
  await shot(finance, "finance");
  await finance.context().close();
});

// The action forms of a ticket, and the action each performs.
const TICKET_FORMS = {
  "hand-off": "hand_off",
  "travel-order": "issue_travel_order",
  "record-cause": "record_cause",
  "rule-responsibility": "rule_responsibility",
  "add-corrective-action": "add_corrective_action",
  "record-shipment": "record_shipment",
  "send-drawings": "send_drawings",
  "draft-letter": "draft_letter",
  "plan-visit": "plan_return_visit",
  close: "close",
};

test("each role is offered exactly the actions and views that the server's policy gives it", async () => {
  for (const user of ["tech.dept.he", "fin.zhao", "sup.sun"]) {
    const page = await signedIn(user);
    const { status, body: policy } = await call(page, "GET", "/v1/policy");
    assert.equal(status, 200, JSON.stringify(policy));
    await page.goto(`/#/ticket/${ticketId}`);
    await page.locator('[data-section="ticket.history"]').waitFor();
    for (const [form, action] of Object.entries(TICKET_FORMS)) {
      const offered = (await page.locator(`form[data-form="${form}"]`).count()) > 0;
      assert.equal(offered, policy.may.includes(action), `${user}: the ${form} form`);
    }
    if (user === "tech.dept.he") await shot(page, "ticket-technical");
    await page.context().close();
  }

  // The technical department records a cause and sends drawings, but adds no corrective action,
  // ships nothing and hands nothing off; its menu has QA and not the desk, visits or costs.
  const technical = await signedIn("tech.dept.he");
  await technical.goto(`/#/ticket/${ticketId}`);
  const quality = technical.locator('[data-section="ticket.quality"]');
  await quality.locator('form[data-form="record-cause"]').waitFor();
  assert.equal(await quality.getByRole("button", { name: "Add action" }).count(), 0);
  await technical.locator('form[data-form="send-drawings"]').waitFor();
  for (const form of ["record-shipment", "hand-off", "travel-order"]) {
    assert.equal(await technical.locator(`form[data-form="${form}"]`).count(), 0, form);
  }
  const nav = await technical.locator("#nav").textContent();
  assert.ok(nav.includes("QA"), nav);
  for (const view of ["Service desk", "Return visits", "Costs"]) assert.ok(!nav.includes(view), `${view} in ${nav}`);
  await technical.context().close();
});

test("a user of one role cannot reach another role's actions by URL or by a forged post", async () => {
  const finance = await signedIn("fin.zhao");
  for (const route of ["desk", "visits", "quality"]) {
    await finance.goto(`/#/${route}`);
    await finance.locator("[data-refused]").waitFor();
  }
  await shot(finance, "refused");
  const handOff = await call(finance, "POST", `/v1/tickets/${ticketId}/operations`, {
    op: "hand_off",
    to: ["technician"],
    note: "not mine",
  });
  assert.equal(handOff.status, 403, JSON.stringify(handOff.body));
  assert.match(handOff.body.message, /finance/);
  const register = await call(finance, "POST", "/v1/tickets", { kind: "complaint" });
  assert.ok([403, 422, 400].includes(register.status));
  await finance.context().close();

  const desk = await signedIn("desk.wang");
  const cause = await call(desk, "POST", `/v1/tickets/${ticketId}/operations`, { op: "record_cause", cause: "forged" });
  assert.equal(cause.status, 403, JSON.stringify(cause.body));
  const noToken = await call(
    desk,
    "POST",
    `/v1/tickets/${ticketId}/operations`,
    { op: "hand_off", to: ["technician"], note: "x" },
    { csrf: false },
  );
  assert.deepEqual([noToken.status, noToken.body.error], [403, "csrf"]);

  // A page of another origin posts a form at the server in the desk's browser.
  const before = (await call(desk, "GET", `/v1/tickets/${ticketId}`)).body.history.length;
  const evil = createServer((_, res) => {
    res.setHeader("Content-Type", "text/html");
    res.end(`<form id="f" method="post" enctype="text/plain" action="${base}/v1/tickets/${ticketId}/operations">
      <input name='{"op":"hand_off","to":["technician"],"note":"' value='forged"}'></form><script>f.submit()</script>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  const forged = desk.waitForResponse((r) => r.url().includes("/operations") && r.request().method() === "POST");
  await desk.goto(`http://127.0.0.1:${evil.address().port}/`);
  const answer = await forged;
  assert.ok([401, 403].includes(answer.status()), `forged post answered ${answer.status()}`);
  evil.close();
  await desk.goto(`${base}/`);
  assert.equal((await call(desk, "GET", `/v1/tickets/${ticketId}`)).body.history.length, before);
  await desk.context().close();

  const anonymous = await fetch(`${base}/v1/ledger`);
  assert.equal(anonymous.status, 401);
  const technician = await fetch(`${base}/web/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: "tech.zhang", password: demo.password }),
  });
  assert.equal(technician.status, 401, "technicians have no dashboard password");
});

test("failed sign-ins are rate-limited per user name", async () => {
  const attempt = (password) =>
    fetch(`${base}/web/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: "mgr.qian", password }),
    });
  for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong-${i}-password`)).status, 401);
  const limited = await attempt(demo.password);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  const other = await fetch(`${base}/web/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: "proc.wu", password: demo.password }),
  });
  assert.equal(other.status, 200);
  const cookie = other.headers.get("set-cookie");
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
});
