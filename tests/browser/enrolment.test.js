// Enrolment without a shell: the administrator enrols a technician's device from the dashboard's
// devices view, the command-line device enrols with the link shown there and syncs, and once the
// device is revoked from the same screen its next sync is refused. Other roles neither see the
// view nor may call its routes. Screenshots of the view in English and Chinese, and of the page
// the link opens in a phone's browser, go to target/browser-artifacts/.

import assert from "node:assert/strict";
import { test } from "node:test";
import { base, call, device, setUp, shot, signedIn } from "./harness.js";

setUp();

test("the administrator enrols a device from the dashboard, it enrols by the link and syncs, and once revoked it is refused", async () => {
  const page = await signedIn("admin");
  await page.getByRole("link", { name: "Devices" }).click();
  const form = page.locator('form[data-form="enrol-device"]');
  await form.getByLabel("User").selectOption("tech.zhang");
  await form.getByLabel("Device label").fill("Zhang Wei's tablet");
  await form.getByRole("button", { name: "Enrol device" }).click();

  const shown = page.locator("[data-enrolment]");
  await shown.waitFor();
  await shown.getByText("shown only this once").waitFor();
  const link = await shown.locator('input[name="link"]').inputValue();
  const token = await shown.locator('input[name="token"]').inputValue();
  assert.match(token, /^flt_[0-9a-f]{64}$/);
  assert.equal(link, `${base}/enrol#token=${token}`);
  const qr = await shown.getByRole("img", { name: "Enrolment QR code" }).getAttribute("src");
  assert.match(qr, /^data:image\/svg\+xml/);
  assert.ok(await shown.getByRole("img").evaluate((img) => img.complete && img.naturalWidth > 0), "the QR code shows");

  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  await shown.getByRole("button", { name: "Copy link" }).click();
  await page.getByText("Link copied").first().waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);

  const id = await shown.getAttribute("data-enrolment");
  const row = page.locator(`tr[data-device="${id}"]`);
  await row.getByText("active").waitFor();
  await row.getByText("Zhang Wei's tablet").waitFor();
  await shot(page, "admin-devices-en");

  // The technician's device enrols with the link alone, and syncs.
  assert.match(device("enrol", link), /enrolled as tech\.zhang \(technician\)/);
  assert.match(device("sync"), /0 error/);

  // Shown once: after a reload the token is nowhere on the page, and the list never had it.
  await page.reload();
  await row.waitFor();
  assert.equal(await page.locator("[data-enrolment]").count(), 0);
  assert.ok(!(await page.content()).includes(token));
  const listed = await call(page, "GET", "/v1/devices");
  assert.equal(listed.status, 200);
  assert.ok(!JSON.stringify(listed.body).includes(token));

  // Revoked from the same screen, after a confirmation; a cancel first changes nothing.
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Cancel" }).click();
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByText("Its token stops working at once").waitFor();
  await row.getByRole("button", { name: "Yes, revoke" }).click();
  await row.locator(".badge.bad", { hasText: "revoked" }).waitFor();
  assert.equal(await row.getByRole("button", { name: "Revoke" }).count(), 0);
  assert.throws(() => device("sync"), /refused this device's token/);

  const events = await call(page, "GET", "/v1/security-events");
  const kinds = events.body.filter((e) => e.device === id).map((e) => e.kind);
  assert.deepEqual(kinds.sort(), ["device_enrolled", "device_revoked"]);
  await page.context().close();
});

test("the link opened in a phone's browser says how to finish in the app, in Chinese too, and sends the token nowhere", async () => {
  const admin = await signedIn("admin");
  const enrolled = await call(admin, "POST", "/v1/devices", { user: "tech.li", label: "李娜的手机" });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
  await admin.context().close();

  const page = await signedIn("desk.wang", { locale: "zh-CN" });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(enrolled.body.link);
  await page.getByRole("heading", { name: "在 fieldledger 应用中登记本机" }).waitFor();
  await page.getByText("扫描管理员屏幕上的二维码").waitFor();
  assert.equal(await page.getByRole("textbox", { name: "登记链接" }).inputValue(), enrolled.body.link);
  await shot(page, "enrol-page-zh");
  assert.ok(requests.length > 0);
  for (const url of requests) assert.ok(!url.includes(enrolled.body.token), `the token reached ${url}`);

  await page.goto(`${base}/enrol#token=`);
  await page.locator("[data-incomplete]").waitFor();
  await page.context().close();
});

test("the devices view reads in Chinese with no English of its own", async () => {
  const page = await signedIn("admin", { locale: "zh-CN" });
  await page.getByRole("link", { name: "设备" }).click();
  const form = page.locator('form[data-form="enrol-device"]');
  await form.getByLabel("用户").selectOption("tech.li");
  await form.getByLabel("设备名称").fill("李娜的平板");
  await form.getByRole("button", { name: "登记设备" }).click();
  const shown = page.locator("[data-enrolment]");
  await shown.getByText("只显示这一次").waitFor();
  await shown.getByRole("img", { name: "登记二维码" }).waitFor();
  const row = page.locator("tr[data-device]", { hasText: "李娜的平板" });
  await row.getByText("使用中").waitFor();
  // The screen's own words (headings, column heads, labels, buttons, states, notes) are Chinese;
  // only people's names and labels typed in may hold Latin letters.
  const own = await page.evaluate(() => {
    const texts = [];
    for (const el of document.querySelectorAll("main h1, main h2, main th, main button, main .badge, main p")) {
      texts.push(el.textContent);
    }
    for (const label of document.querySelectorAll("main label")) {
      for (const node of label.childNodes) if (node.nodeType === Node.TEXT_NODE) texts.push(node.textContent);
    }
    for (const option of document.querySelectorAll("main option")) texts.push(option.textContent.split(" · ")[1]);
    return texts;
  });
  // The zone a time is shown in ("(UTC+8)") is written the same in Chinese.
  const english = own.filter((text) =>
    /[A-Za-z]{2,}/.test(text.replace(/fieldledger|“[^”]*”|[^\s]*Zhang Wei|Li Na|\(UTC[+-][\d:]+\)/g, "")),
  );
  assert.deepEqual(english, []);
  await shot(page, "admin-devices-zh");
  await page.context().close();
});

test("the service desk neither sees the devices view nor may call its routes", async () => {
  const page = await signedIn("desk.wang");
  await page.getByRole("link", { name: "Ledger", exact: true }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Devices" }).count(), 0);
  await page.goto("/#/devices");
  await page.locator("[data-refused]").waitFor();
  for (const [method, path, body] of [
    ["GET", "/v1/devices"],
    ["POST", "/v1/devices", { user: "tech.zhang", label: "desk's phone" }],
    ["POST", "/v1/devices/dev-x/revoke"],
  ]) {
    const answer = await call(page, method, path, body);
    assert.equal(answer.status, 403, `${method} ${path}`);
    assert.equal(answer.body.error, "forbidden");
  }
  await page.context().close();
});
