// Every office department's home view against the real server (`serve --demo`): each signs in,
// finds in its queue what waits for it, and carries out its action through the form its home
// offers; the queue then no longer shows it, and the ticket records it. Screenshots of every
// role's home in Chinese and English go to target/browser-artifacts/home-<role>-<zh|en>.png.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ok, registerComplaint, setUp, shot, signedIn } from "./harness.js";

setUp();

const stamp = String(Date.now()).slice(-6);
// Chinese data only, so that the Chinese screens show no English but the demo's own.
const CUSTOMERS = {
  replace: `沧州电力${stamp}`,
  materials: `邢台化工${stamp}`,
  major: `邯郸钢铁${stamp}`,
};
const tickets = {};

// The demo's office users, one of each role.
const USERS = {
  service_desk: "desk.wang",
  supervisor: "sup.sun",
  commerce: "commerce.ma",
  quality_assurance: "qa.chen",
  inspection: "insp.liu",
  technical: "tech.dept.he",
  rn_d: "rnd.gao",
  manufacturing: "mfg.zhou",
  procurement: "proc.wu",
  finance: "fin.zhao",
  manager: "mgr.qian",
  admin: "admin",
};

function register(page, customer, major) {
  return registerComplaint(page, { customer_name: customer, job_number: `J-${stamp}`, major });
}

function operate(page, ticket, operation) {
  return ok(page, "POST", `/v1/tickets/${ticket}/operations`, operation);
}

async function status(page, ticket) {
  return (await ok(page, "GET", `/v1/tickets/${ticket}`)).status;
}

// The row of `ticket` waiting for `reason` on the home view.
function row(page, ticket, reason) {
  return page.locator(`tr[data-ticket="${ticket}"][data-reason="${reason}"]`);
}

// Signs `role`'s user in to the home view, with its queue and the selected line's forms loaded.
async function home(role, locale = "en-GB") {
  const page = await signedIn(USERS[role], { locale });
  await page.locator("[data-queue] table, [data-queue] [data-empty]").first().waitFor();
  if (await page.locator("[data-queue] table").count()) await page.locator("tr[data-work] .work-panel").waitFor();
  return page;
}

// Opens the line of `ticket` for `reason` and returns its forms' row.
async function open(page, ticket, reason) {
  const line = row(page, ticket, reason);
  await line.waitFor();
  await line.getByRole("button").click();
  const work = page.locator(`tr[data-work="${reason}"]`);
  await work.locator(".work-panel").waitFor();
  return work;
}

// After an action, the line leaves the queue (which the home reads again).
async function gone(page, ticket, reason) {
  await row(page, ticket, reason).waitFor({ state: "detached", timeout: 15_000 });
}

// Screenshots of `role`'s home in Chinese and English; the Chinese one shows no code word and
// no English word of the dashboard's own.
async function shots(role) {
  for (const [locale, tag] of [
    ["zh-CN", "zh"],
    ["en-GB", "en"],
  ]) {
    const page = await home(role, locale);
    if (tag === "zh") {
      await page.getByRole("heading", { name: /我的待办/ }).waitFor();
      const text = await page.locator("body").textContent();
      assert.doesNotMatch(text, /\b[a-z]+_[a-z_]+\b/, `${role}: a code word on the Chinese home`);
      assert.doesNotMatch(text, /\b(home|work|nav|f)\.[a-zA-Z_.]+/, `${role}: an untranslated key`);
      for (const word of ["Waiting", "Due", "Work on it", "Ledger no.", "Status", "My queue", "overdue"]) {
        assert.ok(!text.includes(word), `${role}: "${word}" on the Chinese home`);
      }
    } else {
      await page.getByRole("heading", { name: /My queue/ }).waitFor();
    }
    await shot(page, `home-${role}-${tag}`);
    await page.context().close();
  }
}

test("the office sets up a replacement, a procurement case, a major complaint and a cost", async () => {
  const supervisor = await signedIn("sup.sun");
  tickets.replace = (await register(supervisor, CUSTOMERS.replace, false)).ticket_id;
  tickets.materials = (await register(supervisor, CUSTOMERS.materials, false)).ticket_id;
  tickets.major = (await register(supervisor, CUSTOMERS.major, true)).ticket_id;
  for (const id of [tickets.replace, tickets.materials]) {
    await operate(supervisor, id, { op: "decide", disposition: "replace", rationale: "线圈烧毁，整机更换" });
  }
  await operate(supervisor, tickets.materials, { op: "hand_off", to: ["procurement"], note: "请备料" });
  await operate(supervisor, tickets.major, { op: "hand_off", to: ["manager", "rn_d"], note: "重大投诉" });
  assert.equal(await status(supervisor, tickets.replace), "awaiting_manufacture");
  await supervisor.context().close();

  const desk = await signedIn("desk.wang");
  await operate(desk, tickets.replace, {
    op: "submit_cost",
    kind: "travel",
    amount_minor: 128_000,
    currency: "CNY",
    bearer: "company",
    description: "差旅费",
  });
  await desk.context().close();
});

test("the desk's home shows a complaint awaiting hand-off with its due time, and hands it off", async () => {
  await shots("service_desk");
  const page = await home("service_desk");
  const line = row(page, tickets.replace, "awaiting_handoff");
  await line.waitFor();
  assert.match(await line.locator("[data-due]").textContent(), /^due in \d+ minutes?$/);
  assert.equal(await line.locator("[data-due]").getAttribute("data-overdue"), "false");
  const work = await open(page, tickets.replace, "awaiting_handoff");
  const form = work.locator('form[data-form="hand-off"]');
  await form.getByLabel("technician", { exact: true }).uncheck();
  await form.getByLabel("technical department").check();
  await form.getByRole("button", { name: "Hand off" }).click();
  await gone(page, tickets.replace, "awaiting_handoff");
  const handoffs = (await ok(page, "GET", `/v1/tickets/${tickets.replace}`)).view.dispatch.handoffs;
  assert.deepEqual(handoffs.at(-1).to, ["technical"]);
  await page.context().close();
});

test("the technical department issues guidance, acknowledges the hand-off, then drafts, issues and delivers the letter", async () => {
  await shots("technical");
  const page = await home("technical");
  const work = await open(page, tickets.replace, "handoff");
  await work.locator('[data-ack="pending"]', { hasText: "technical department" }).waitFor();
  // People by name: the desk user who handed it off.
  assert.match(await work.locator("[data-handoff]").textContent(), /handed off by 王芳 Wang Fang/);
  // Written guidance for the site, issued from the same line before acknowledging it.
  const guidance = work.locator('form[data-form="issue-guidance"]');
  await guidance.getByLabel("Kind").selectOption("retrofit_plan");
  await guidance.getByLabel("Title or document number").fill(`ZG-${stamp}`);
  await guidance.getByLabel("What is to be done").fill("同批次断路器更换加强型合闸线圈。");
  await guidance.getByRole("button", { name: "Issue", exact: true }).click();
  await work.locator("[data-guidance]", { hasText: `retrofit plan ZG-${stamp}` }).waitFor();
  await work.getByRole("button", { name: "Acknowledge" }).click();
  await gone(page, tickets.replace, "handoff");

  await page.goto(`/#/ticket/${tickets.replace}`);
  const dispatch = page.locator('[data-section="ticket.dispatch"]');
  await dispatch.locator('[data-ack="done"]', { hasText: "technical department acknowledged" }).waitFor();
  assert.equal(await dispatch.locator('[data-form="acknowledge"]').count(), 0);
  const draft = page.locator('form[data-form="draft-letter"]');
  await draft.getByLabel("Number").fill(`JF-${stamp}`);
  await draft.getByLabel("Text").fill("经分析，合闸线圈选型偏小，已更换为加强型。");
  await draft.getByRole("button", { name: "Save draft" }).click();
  await page.locator('[data-section="ticket.letter"]').getByText(`JF-${stamp}`).waitFor();

  await page.goto("/#/home");
  const letter = await open(page, tickets.replace, "letter");
  await letter.getByRole("button", { name: "Issue the letter" }).click();
  await gone(page, tickets.replace, "letter");
  assert.equal((await ok(page, "GET", `/v1/tickets/${tickets.replace}`)).view.letter.status, "issued");

  // Issued, the letter waits until its delivery to the customer is recorded.
  const delivery = await open(page, tickets.replace, "letter_delivery");
  await delivery.getByLabel("How it was delivered").fill("EMS 1187 2290 3341");
  await delivery.getByRole("button", { name: "Record delivery" }).click();
  await gone(page, tickets.replace, "letter_delivery");
  const letterNow = (await ok(page, "GET", `/v1/tickets/${tickets.replace}`)).view.letter;
  assert.equal(letterNow.delivery_note, "EMS 1187 2290 3341");
  assert.equal(letterNow.delivered_by, "tech.dept.he");
  await page.context().close();
});

test("manufacturing records the replacement built through its home", async () => {
  await shots("manufacturing");
  const page = await home("manufacturing");
  const work = await open(page, tickets.replace, "manufacture");
  await work.locator('[data-waiting="awaiting_manufacture"]').waitFor();
  await work.getByLabel("What was built or repaired").fill("新制 KYN28A-12 断路器一台");
  await work.getByRole("button", { name: "Record built or repaired" }).click();
  await gone(page, tickets.replace, "manufacture");
  assert.equal(await status(page, tickets.replace), "awaiting_outgoing_test");
  await page.context().close();
});

test("inspection passes the outgoing test through its home", async () => {
  await shots("inspection");
  const page = await home("inspection");
  const work = await open(page, tickets.replace, "outgoing_test");
  await work.getByLabel("Verdict").selectOption("passed");
  await work.getByLabel("Findings").fill("耐压试验合格");
  await work.getByRole("button", { name: "Record outgoing test" }).click();
  await gone(page, tickets.replace, "outgoing_test");
  assert.equal(await status(page, tickets.replace), "awaiting_shipment");
  await page.context().close();
});

test("commerce ships the unit through its home, and the ticket shows the track", async () => {
  await shots("commerce");
  const page = await home("commerce");
  const work = await open(page, tickets.replace, "shipment");
  await work.getByLabel("Carrier and waybill").fill("顺丰 SF1234567890");
  await work.getByRole("button", { name: "Record the unit shipped" }).click();
  await gone(page, tickets.replace, "shipment");
  assert.equal(await status(page, tickets.replace), "awaiting_installation");
  await page.context().close();

  const zh = await signedIn("commerce.ma", { locale: "zh-CN" });
  await zh.goto(`/#/ticket/${tickets.replace}`);
  const track = zh.locator('[data-section="ticket.fulfilment"] [data-track]');
  await track.locator('[data-step="shipped"]', { hasText: "已发货" }).waitFor();
  assert.equal(await track.locator("[data-step]").count(), 3);
  assert.match(await track.locator('[data-step="outgoing_test"]').textContent(), /合格/);
  assert.match(await track.locator('[data-waiting="awaiting_installation"]').textContent(), /待安装.*客服部门技术员/);
  await shot(zh, "ticket-fulfilment-zh");
  await zh.context().close();
});

test("procurement orders material on the ticket and records it received through its home", async () => {
  const page = await signedIn("proc.wu");
  await page.goto(`/#/ticket/${tickets.materials}`);
  const order = page.locator('[data-section="ticket.fulfilment"] form[data-form="procurement"]');
  await order.getByLabel("Step").selectOption("materials_ordered");
  await order.getByLabel("Material, supplier, order no.").fill("真空灭弧室 2 只，订单 PO-0815");
  await order.getByRole("button", { name: "Record procurement" }).click();
  await page.locator('[data-section="ticket.fulfilment"] [data-step="materials_ordered"]').waitFor();
  assert.equal(await status(page, tickets.materials), "awaiting_materials");
  await page.context().close();

  await shots("procurement");
  const again = await home("procurement");
  // The hand-off addressed to procurement is acknowledged from the same home.
  const handoff = await open(again, tickets.materials, "handoff");
  await handoff.getByRole("button", { name: "Acknowledge" }).click();
  await gone(again, tickets.materials, "handoff");
  const work = await open(again, tickets.materials, "materials");
  assert.equal(await work.getByLabel("Step").inputValue(), "materials_received");
  await work.getByRole("button", { name: "Record procurement" }).click();
  await gone(again, tickets.materials, "materials");
  assert.equal(await status(again, tickets.materials), "awaiting_manufacture");
  await again.context().close();
});

test("QA records cause and responsibility and raises an action that its owner department reports done", async () => {
  await shots("quality_assurance");
  const qa = await home("quality_assurance");
  const cause = await open(qa, tickets.replace, "cause");
  await cause.getByLabel("Cause", { exact: true }).fill("合闸线圈选型偏小");
  await cause.getByRole("button", { name: "Record cause" }).click();
  await gone(qa, tickets.replace, "cause");

  const ruling = await open(qa, tickets.replace, "responsibility");
  await ruling.getByLabel("Responsibility").selectOption("design");
  await ruling.getByRole("button", { name: "Rule responsibility" }).click();
  await gone(qa, tickets.replace, "responsibility");

  await qa.goto(`/#/ticket/${tickets.replace}`);
  const action = qa.locator('[data-section="ticket.quality"] form[data-form="add-corrective-action"]');
  await action.getByLabel("Description").fill("修订线圈选型规范");
  await action.getByLabel("Department").selectOption("manufacturing");
  await action.getByLabel("Owner").fill("周敏");
  await action.getByLabel("Due").fill("2099-12-31");
  await action.getByRole("button", { name: "Add action" }).click();
  await qa.locator('[data-section="ticket.quality"] li', { hasText: "修订线圈选型规范" }).waitFor();
  await qa.goto("/#/home");
  await row(qa, tickets.replace, "corrective_action").waitFor();
  await qa.context().close();

  const mfg = await home("manufacturing");
  const work = await open(mfg, tickets.replace, "corrective_action");
  assert.match(await work.locator("li[data-action]").textContent(), /Department manufacturing/);
  await work.getByLabel("Evidence").fill("规范 Q/GB-2026-07 已发布");
  await work.getByRole("button", { name: "Report done" }).click();
  await gone(mfg, tickets.replace, "corrective_action");
  await mfg.goto(`/#/ticket/${tickets.replace}`);
  const line = mfg.locator('[data-section="ticket.quality"] li', { hasText: "修订线圈选型规范" });
  await line.locator('[data-action-status="done"]').waitFor();
  assert.match(await line.textContent(), /Evidence: 规范 Q\/GB-2026-07 已发布/);
  assert.equal(await line.locator('form[data-form="action-status"]').count(), 0, "the owner only reports done");
  await mfg.context().close();

  // QA verifies it on the ticket page.
  const verify = await signedIn("qa.chen");
  await verify.goto(`/#/ticket/${tickets.replace}`);
  const done = verify.locator('[data-section="ticket.quality"] li', { hasText: "修订线圈选型规范" });
  await done.getByLabel("Status").selectOption("verified");
  await done.getByLabel("Evidence").fill("抽查合格");
  await done.getByRole("button", { name: "Update status" }).click();
  await done.locator('[data-action-status="verified"]').waitFor();
  await verify.context().close();
});

test("the supervisor audits the cost and finance settles it, each through its home", async () => {
  await shots("supervisor");
  const supervisor = await home("supervisor");
  const audit = await open(supervisor, tickets.replace, "cost_audit");
  await audit.getByRole("button", { name: "Approve" }).click();
  await gone(supervisor, tickets.replace, "cost_audit");
  await supervisor.context().close();

  await shots("finance");
  const finance = await home("finance");
  const work = await open(finance, tickets.replace, "settlement");
  await work.getByLabel("Reference").fill(`PZ-${stamp}`);
  await work.getByRole("button", { name: "Settle" }).click();
  await gone(finance, tickets.replace, "settlement");
  const costs = (await ok(finance, "GET", `/v1/tickets/${tickets.replace}`)).view.costs;
  assert.equal(costs[0].settlement.reference, `PZ-${stamp}`);
  await finance.context().close();
});

test("the general manager reviews the major complaint through the home view", async () => {
  await shots("manager");
  const page = await home("manager");
  await row(page, tickets.major, "manager_review").locator("[data-major]").waitFor();
  const work = await open(page, tickets.major, "manager_review");
  await work.getByLabel("Review").fill("同意更换方案，研发部一周内提交分析报告");
  await work.getByRole("button", { name: "Record review" }).click();
  await gone(page, tickets.major, "manager_review");
  const quality = (await ok(page, "GET", `/v1/tickets/${tickets.major}`)).view.quality;
  assert.equal(quality.manager_review.note, "同意更换方案，研发部一周内提交分析报告");
  // A complaint that is not major never waits for the manager.
  assert.equal(await row(page, tickets.replace, "manager_review").count(), 0);
  await page.context().close();
});

test("R&D rules on responsibility for the major complaint through the home view", async () => {
  await shots("rn_d");
  const page = await home("rn_d");
  const work = await open(page, tickets.major, "rnd_responsibility");
  await work.getByLabel("Responsibility").selectOption("supplier");
  await work.getByRole("button", { name: "Rule responsibility" }).click();
  await gone(page, tickets.major, "rnd_responsibility");
  const quality = (await ok(page, "GET", `/v1/tickets/${tickets.major}`)).view.quality;
  assert.deepEqual([quality.responsibility, quality.ruled_by_role], ["supplier", "rn_d"]);
  await page.context().close();
});

test("the administrator's home says it has no department queue", async () => {
  await shots("admin");
  const page = await home("admin");
  await page.getByText("Administrators have no department queue").waitFor();
  await page.context().close();
});

test("the home view is the first view after sign-in, and the menu leads to it", async () => {
  const page = await signedIn("insp.liu");
  await page.getByRole("heading", { name: "My queue · inspection" }).waitFor();
  assert.match(page.url(), /#\/home$|\/$/);
  await page.getByRole("link", { name: "Ledger", exact: true }).click();
  await page.getByRole("heading", { name: "Complaint ledger" }).waitFor();
  await page.getByRole("link", { name: "My queue" }).click();
  await page.getByRole("heading", { name: "My queue · inspection" }).waitFor();
  await page.context().close();
});
