// Every word in the user's language: each office role signs in in Chinese and visits every view
// the menu offers it, a ticket with a full history and the live events; the test fails when the
// rendered text holds a code word (a snake_case key, a login or an untranslated dotted key, a raw
// hex id, epoch milliseconds) or a server's English error. The detector is first shown to catch
// each kind of word planted on a page. Also: the desk's travel order to a technician the server
// does not know is refused with a Chinese message and stores nothing. Screenshots of the events
// and a ticket's history in both languages go to target/browser-artifacts/.

import assert from "node:assert/strict";
import { test } from "node:test";
import { call, ok, registerComplaint, setUp, shot, signedIn } from "./harness.js";

setUp();

// The kinds of code word, each with the pattern that finds it in rendered text.
const CODE_WORDS = [
  ["snake_case key", /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g],
  ["login or untranslated key", /\b[a-z][a-z0-9]*(?:\.[a-z][a-zA-Z0-9]*)+\b/g],
  ["raw hex id", /\b[0-9a-f]{12,}\b/g],
  ["epoch milliseconds", /\b1\d{12}\b/g],
  [
    "English error",
    /\b(?:must not be|must be|is not a|cannot|may not|invalid|missing|refused|try again|not found|failed|HTTP \d{3})\b/gi,
  ],
];

// The code words in `text`, as "kind: word".
function codeWords(text) {
  return CODE_WORDS.flatMap(([kind, pattern]) => [...text.matchAll(pattern)].map((m) => `${kind}: ${m[0]}`));
}

// Everything the page shows a reader: its text, and the placeholders, titles and labels of its
// controls.
function rendered(page) {
  return page.evaluate(() => {
    const attributes = [...document.querySelectorAll("[placeholder], [title], [aria-label], img[alt]")].flatMap((el) =>
      ["placeholder", "title", "aria-label", "alt"].map((a) => el.getAttribute(a) ?? ""),
    );
    // Text marked as English data (a cause code's English label) is the data, not a code word.
    const english = [...document.body.querySelectorAll('[lang^="en"]')];
    for (const el of english) el.hidden = true;
    // biome-ignore lint/performance/useDomNodeTextContent: the reader sees the rendered text only.
    const text = document.body.innerText;
    for (const el of english) el.hidden = false;
    return [text, ...attributes].join("\n");
  });
}

// Waits until the view has rendered (nothing still loading).
async function settled(page) {
  await page.waitForFunction(() => {
    const view = document.getElementById("view");
    return view && !view.textContent.includes("加载中") && !view.textContent.includes("Loading");
  });
  await page.waitForTimeout(300);
}

const OFFICE = [
  "desk.wang",
  "sup.sun",
  "commerce.ma",
  "qa.chen",
  "insp.liu",
  "tech.dept.he",
  "rnd.gao",
  "mfg.zhou",
  "proc.wu",
  "fin.zhao",
  "sales.xu",
  "mgr.qian",
  "admin",
];

let ticketId;

test("the detector finds each kind of code word planted on a Chinese page", async () => {
  const page = await signedIn("desk.wang", { locale: "zh-CN" });
  await settled(page);
  assert.deepEqual(codeWords(await rendered(page)), [], "the home page is clean to begin with");
  const planted = {
    "snake_case key": "记录 log_work",
    "login or untranslated key": "执行人 tech.zhang",
    "raw hex id": "工单 0f3a9c2b7d1e4f5a6b7c8d9e0f1a2b3c",
    "epoch milliseconds": "时间 1796640000000",
    "English error": "出错了：the ticket cannot close yet",
  };
  for (const [kind, text] of Object.entries(planted)) {
    await page.evaluate((text) => {
      const p = document.createElement("p");
      p.dataset.planted = "";
      p.textContent = text;
      document.getElementById("view").append(p);
    }, text);
    const found = codeWords(await rendered(page));
    assert.ok(
      found.some((f) => f.startsWith(`${kind}:`)),
      `${kind} planted as ${text} was not found: ${found}`,
    );
    await page.evaluate(() => document.querySelector("[data-planted]").remove());
  }
  await page.context().close();
});

test("a ticket goes through the flow, so that its history and the events have something to show", async () => {
  const desk = await signedIn("desk.wang", { locale: "zh-CN" });
  const stamp = Date.now() % 100000;
  ticketId = (await registerComplaint(desk, { customer_name: "邯郸供电公司", job_number: `J2026-${stamp}` })).ticket_id;
  const operate = (op) => ok(desk, "POST", `/v1/tickets/${ticketId}/operations`, op);
  await operate({ op: "hand_off", to: ["technician", "technical"], person: "tech.dept.he", note: "请分析" });
  await operate({
    op: "issue_travel_order",
    number: `CC-2026-${stamp}`,
    kind: "on_site_service",
    issuing_department: "technical_service",
    assignees: ["tech.zhang"],
  });
  await operate({
    op: "submit_cost",
    kind: "travel",
    amount_minor: 52_050,
    currency: "CNY",
    bearer: "company",
    description: "往返高铁",
  });
  await operate({ op: "plan_return_visit", planned_for: "2027-01-05", method: "phone", assignee: "sup.sun" });
  await desk.context().close();
});

test("the desk's travel order to a technician the server does not know is refused in Chinese", async () => {
  const page = await signedIn("desk.wang", { locale: "zh-CN" });
  await page.goto(`/#/ticket/${ticketId}`);
  const travel = page.locator('form[data-form="travel-order"]');
  await travel.waitFor();
  const before = (await call(page, "GET", `/v1/tickets/${ticketId}`)).body.heads;
  await travel.getByLabel("编号").fill("CC-2026-9999");
  // The picker offers only real technicians: a stale page, or a hand-made request, may still
  // name someone who is not one.
  const box = travel.getByLabel("张伟 Zhang Wei");
  await box.check();
  await box.evaluate((el) => {
    el.value = "tech.nobody";
  });
  await travel.getByRole("button", { name: "签发出差任务单" }).click();
  const toast = page.locator("#toast .error");
  await toast.waitFor();
  assert.equal(await toast.textContent(), "出错了：系统中没有用户“tech.nobody”");
  await travel.screenshot({ path: "../../target/browser-artifacts/words-order-refused-zh.png" });
  await page.locator("#toast").screenshot({ path: "../../target/browser-artifacts/words-order-toast-zh.png" });
  assert.deepEqual((await call(page, "GET", `/v1/tickets/${ticketId}`)).body.heads, before, "nothing was stored");
  await page.context().close();
});

test("no code word or English error reaches any Chinese page of any office role", async () => {
  const found = [];
  for (const user of OFFICE) {
    const page = await signedIn(user, { locale: "zh-CN" });
    await settled(page);
    const routes = await page.locator("#nav a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    for (const route of [...routes, `#/ticket/${ticketId}`]) {
      await page.goto(`/${route}`);
      await settled(page);
      if (route === "#/events") await page.locator("li[data-event]").first().waitFor();
      for (const word of codeWords(await rendered(page))) found.push(`${user} ${route} ${word}`);
    }
    await page.context().close();
  }
  assert.deepEqual(found, []);
});

test("screenshots of the events and of a ticket's history in both languages", async () => {
  for (const [locale, suffix] of [
    ["zh-CN", "zh"],
    ["en-GB", "en"],
  ]) {
    const page = await signedIn("sup.sun", { locale });
    await page.goto("/#/events");
    const first = page.locator("li[data-event]").first();
    await first.waitFor();
    const registered = page.locator('li[data-event="registered"]', { hasText: "邯郸供电公司" });
    await registered.waitFor();
    assert.match(await registered.textContent(), /\d{4}-\d+/, "the event shows the ledger number");
    await shot(page, `words-events-${suffix}`);
    await registered.locator("div[data-sentence]").click();
    await page.waitForURL(new RegExp(`#/ticket/${ticketId}`));
    await page.locator('[data-section="ticket.history"]').waitFor();
    await settled(page);
    await page.locator('[data-section="ticket.history"]').screenshot({
      path: `../../target/browser-artifacts/words-history-${suffix}.png`,
    });
    await page.goto("/#/visits");
    await page.locator('form.filters select[name="assignee"]').waitFor();
    await settled(page);
    await shot(page, `words-visits-${suffix}`);
    await page.context().close();
  }
});
