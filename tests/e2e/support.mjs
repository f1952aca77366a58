// Shared by the end-to-end tests: a fresh emulator serving the assembled host page, Debian's
// Chromium through playwright-core, a strict-CSP switch, and screenshots under tests/out/e2e.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const OUT = `${ROOT}tests/out/e2e/`;
export const DEMO_USER = "demo@contoso.example";
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

let assembled = false;

/** Starts `target/release/emulator` on a free port; `args` e.g. ["--demo"]. */
export async function startEmulator(args = ["--demo"], www = `${ROOT}target/www`) {
  for (const file of ["target/release/emulator", "pkg/central_o365_sync.js"]) {
    if (!existsSync(ROOT + file)) throw new Error(`${file} is missing: run scripts/build-pkg and cargo build --release -p emulator`);
  }
  if (!assembled && www === `${ROOT}target/www`) {
    execFileSync(`${ROOT}scripts/build-www`, { stdio: "ignore" });
    assembled = true;
  }
  const child = spawn(`${ROOT}target/release/emulator`, ["--listen", "127.0.0.1:0", "--www", www, "--pkg", `${ROOT}pkg`, ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${seen}`)), 20_000);
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const m = /^emulator listening on (https?:\/\/127\.0\.0\.1:\d+)$/m.exec(seen);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`emulator exited (${code}): ${seen}`)); });
  });
  const api = async (method, path, body) => {
    const response = await fetch(url + path, { method, headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const textBody = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${textBody}`);
    return textBody ? JSON.parse(textBody) : null;
  };
  return {
    url, api,
    stop: () => new Promise((resolve) => { child.once("exit", resolve); child.kill(); }),
  };
}

/** Debian's Chromium with the usual flags; `extraArgs` e.g. the test certificate's SPKI pin. */
export function launch(extraArgs = []) {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * A fresh page that records dialogs, page errors and CSP violations; with `csp`, every
 * document is served with the strict Content-Security-Policy header.
 */
export async function newPage(browser, { csp = false, viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const seen = { dialogs: [], errors: [], violations: [], console: [] };
  page.on("dialog", (d) => { seen.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") seen.console.push(m.text()); });
  await page.exposeFunction("__cspViolation", (v) => seen.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  if (csp) {
    await page.route("**/*", async (route) => {
      if (route.request().resourceType() !== "document") return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": STRICT_CSP } });
    });
  }
  return { page, context, seen };
}

export async function screenshot(page, name, { fullPage = false } = {}) {
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage });
}

/** Opens the demo page, signs in with the demo sign-in and waits for the plan. */
export async function openAndPlan(page, url) {
  await page.goto(url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
}

/** Syncs what the plan selected, when it selected anything (a test before may have synced it all), and waits for the results. */
export async function syncIfAny(page) {
  const sync = page.locator(".cos-syncbar button");
  if (!(await sync.isEnabled())) return;
  await sync.click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
}

/** The per-state counts the page shows, from the filter buttons. */
export async function shownCounts(page) {
  return page.$$eval(".cos-count", (buttons) =>
    Object.fromEntries(buttons.map((b) => [b.dataset.state, Number(b.dataset.count)])));
}

/** Plans independently inside the page with the package (same token flow), for comparison. */
export async function referencePlan(page, folderName = "Central Contacts") {
  return page.evaluate(async ({ user, folderName }) => {
    const { default: init, SyncSession } = await import("/pkg/central_o365_sync.js");
    await init();
    const token = (await (await fetch("/_emulator/token", { method: "POST",
      body: JSON.stringify({ user, scopes: ["Contacts.ReadWrite"] }) })).json()).access_token;
    const s0 = new SyncSession({ graphBaseUrl: "/v1.0", getGraphToken: () => token, contacts: [] });
    const folder = (await s0.listFolders()).find((f) => f.displayName === folderName);
    const session = new SyncSession({ graphBaseUrl: "/v1.0", folderId: folder.id, getGraphToken: () => token, centralBaseUrl: "/central/api" });
    const plan = await session.plan();
    return { summary: plan.summary, items: plan.items.length, folderId: folder.id };
  }, { user: "demo@contoso.example", folderName });
}

/** Records every text the element at `selector` shows from now on (read with `readLog`). */
export async function watchText(page, selector, key) {
  await page.evaluate(({ selector, key }) => {
    const log = (window.__textLog ??= {})[key] = [];
    const node = document.querySelector(selector);
    const record = () => { if (!node.hidden && node.textContent) log.push(node.textContent); };
    new MutationObserver(record).observe(node, { childList: true, characterData: true, subtree: true, attributes: true });
  }, { selector, key });
}

export function readLog(page, key) {
  return page.evaluate((key) => window.__textLog?.[key] ?? [], key);
}

/** The demo user's sync folder as the emulator holds it. */
export async function demoFolder(emu, name = "Central Contacts") {
  const mailbox = await emu.api("GET", `/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}`);
  return mailbox.folders.find((f) => f.displayName === name);
}

/** The plan rows the page shows now (current page of the table). */
export async function shownRows(page) {
  return page.$$eval(".cos-plan tbody tr[data-id]", (rows) => rows.map((r) => ({
    id: r.dataset.id, state: r.dataset.state,
    name: r.querySelector(".cos-name").textContent, email: r.querySelector(".cos-email").textContent,
    checked: r.querySelector("input").checked, disabled: r.querySelector("input").disabled,
  })));
}
