// What every browser test file shares: the real server binary started with `serve --demo` (its
// printed technician token and dashboard password read back), headless Debian Chromium driven by
// playwright-core, a signed-in page per role, screenshots in target/browser-artifacts/, calls to
// the API from inside a page, and a technician's device store on the command line
// (`fieldledger-device`).

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, "target");
const SERVER_BIN = join(TARGET, "debug", "fieldledger-server");
const DEVICE_BIN = join(TARGET, "debug", "fieldledger-device");
const ARTIFACTS = join(TARGET, "browser-artifacts");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

let server, browser, dataDir, phoneDir;
/** The server's address, and the demo's technician token and password, once started. */
export let base, demo;

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

// Starts `serve --demo` and reads the printed technician token and dashboard password.
async function startServer() {
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), "fieldledger-browser-"));
  base = `http://127.0.0.1:${port}`;
  server = spawn(SERVER_BIN, ["--data-dir", dataDir, "serve", "--demo", "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  demo = await new Promise((done, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the server printed no demo tokens:\n${out}`)), 60_000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const token = out.match(/\(device token\): (\S+)/);
      const password = out.match(/with the password: (\S+)/);
      if (token && password) {
        clearTimeout(timer);
        done({ technicianToken: token[1], password: password[1] });
      }
    });
    server.once("exit", (code) => fail(new Error(`the server exited (${code}):\n${out}`)));
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (i > 200) throw new Error("the server did not come up");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function signedIn(user, { locale = "en-GB" } = {}) {
  const context = await browser.newContext({ baseURL: base, locale, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => assert.fail(`script error on the page: ${e.message}`));
  await page.goto("/");
  await page.getByLabel(/User name|用户名/).fill(user);
  await page.getByLabel(/Password|密码/).fill(demo.password);
  await page.getByRole("button", { name: /Sign in|登录/ }).click();
  await page.locator("#sign-out:not([hidden])").waitFor();
  return page;
}

export function shot(page, name) {
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Calls the API from inside the page, as its own script would (cookie, and the CSRF token unless
// `csrf` is false).
export function call(page, method, path, body, { csrf = true } = {}) {
  return page.evaluate(
    async ([method, path, body, csrf]) => {
      const session = await (await fetch("/web/session")).json();
      const headers = { "Content-Type": "application/json" };
      if (csrf) headers["X-CSRF-Token"] = session.csrf;
      const r = await fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body) });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    [method, path, body ?? null, csrf],
  );
}

// `call` that must succeed; the answer's body.
export async function ok(page, method, path, body) {
  const answer = await call(page, method, path, body);
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

// Registers a complaint of a switchgear unit through the API as the signed-in `page`, with
// Chinese data only and `fields` (at least `customer_name` and `job_number`) over the defaults;
// the answer's body (`ticket_id`).
export function registerComplaint(page, fields) {
  return ok(page, "POST", "/v1/tickets", {
    kind: "complaint",
    complaint: true,
    major: false,
    source: "customer",
    sales_representative: null,
    product_name: "KYN28A-12 开关柜",
    model: "KYN28A-12/1250",
    contract_number: `HT-${fields.job_number}`,
    contact_person: "刘工",
    contact_method: "0311-8866 1234",
    content: "断路器无法合闸",
    requests: "请尽快处理",
    ...fields,
  });
}

export function device(...args) {
  return execFileSync(DEVICE_BIN, ["--store", phoneDir, ...args], { encoding: "utf8" });
}

/** Starts the demo server and Chromium before the file's tests, and stops both after them. */
export function setUp() {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    phoneDir = mkdtempSync(join(tmpdir(), "fieldledger-phone-"));
    await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
    await new Promise((r) => (server?.exitCode === null ? server.once("exit", r) : r()));
    for (const dir of [dataDir, phoneDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
