// Real sign-in end to end: the widget with the real @azure/msal-browser 5 (pop-up flow) against
// the emulator's OpenID Connect provider over https (`--https --auth jwt`), Graph checking the
// signed JWTs. Sign in → folders → sync a few contacts; the access token expires mid-session and
// MSAL renews it silently; a refused refresh token ⇒ "sign in again"; a token without
// Contacts.ReadWrite ⇒ the page names the missing permission; sign-out clears MSAL's cache; no
// token ever in localStorage, the DOM or the console.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, screenshot, demoFolder, shownRows, STRICT_CSP } from "./support.mjs";

// The control API is served with the emulator's self-signed test certificate; this process only
// ever talks to 127.0.0.1 (node --test runs each file in its own process).
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
process.removeAllListeners("warning");

const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const USER = "demo@contoso.example";
const ACCESS_LIFETIME = 4; // seconds: tokens expire mid-session (MSAL renews ≤ 300 s tokens on every silent call)

let emu, browser, context, page;
const tokens = new Set(); // every access, refresh and id token the provider handed out
const consoleLines = []; // every console message of every page (the main page and pop-ups)
const pageErrors = [];

before(async () => {
  emu = await startEmulator(["--https", "--auth", "jwt", "--demo"]);
  assert.match(emu.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const { spkiSha256 } = await emu.api("GET", "/_emulator/tls");
  browser = await launch([`--ignore-certificate-errors-spki-list=${spkiSha256}`]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const host = new URL(emu.url).host;
  // The host page configured for MSAL against the emulator's authority, served under the
  // strict CSP (same origin: page, bridge page, authority and Graph).
  await context.route(`${emu.url}/msal.html`, (route) => route.fulfill({
    status: 200, contentType: "text/html; charset=utf-8", headers: { "content-security-policy": STRICT_CSP },
    body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Central → Outlook contacts (MSAL)</title>
<link rel="stylesheet" href="page.css"><link rel="stylesheet" href="widget.css">
<script type="module" src="widget.mjs"></script></head>
<body><main><h1>Central → Outlook contacts</h1>
<central-o365-sync data-client-id="${CLIENT_ID}" data-authority="${emu.url}/oidc"
  data-known-authorities="${host}" data-protocol-mode="OIDC"
  data-central-url="/central/api" data-graph-url="/v1.0" data-folder-name="Central Contacts"></central-o365-sync>
</main></body></html>`,
  }));
  context.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  context.on("weberror", (e) => pageErrors.push(String(e.error())));
  context.on("response", async (response) => {
    if (!response.url().startsWith(`${emu.url}/oidc/token`) || response.request().method() !== "POST") return;
    try {
      const body = await response.json();
      for (const key of ["access_token", "refresh_token", "id_token"]) if (body[key]) tokens.add(body[key]);
    } catch { /* an error answer */ }
  });
  await emu.api("PUT", "/_emulator/oidc/settings", { accessTokenLifetimeSeconds: ACCESS_LIFETIME });
  page = await context.newPage();
});
after(async () => { await browser?.close(); await emu?.stop(); });

const counters = async () => (await emu.api("GET", "/_emulator/oidc/signins")).counters;
const errorBox = () => page.locator(".cos-error");

/** Clicks `button`, signs in as USER in the provider's pop-up, waits for the pop-up to close. */
async function signInThroughPopup(button, shot) {
  const [popup] = await Promise.all([page.waitForEvent("popup"), button.click()]);
  await popup.locator("#username").waitFor();
  await popup.locator("#username").fill(USER);
  if (shot) await screenshot(popup, shot);
  await popup.getByRole("button", { name: "Sign in" }).click();
  await popup.waitForEvent("close", { timeout: 30_000 });
}

/** No token the provider issued is in localStorage, the page's DOM or any console output. */
async function assertNoTokenLeak() {
  assert.ok(tokens.size >= 3, `tokens seen: ${tokens.size}`);
  const local = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
  const dom = await page.evaluate(() => document.documentElement.outerHTML +
    [...document.querySelectorAll("input, textarea, select")].map((e) => e.value).join("\n"));
  const logs = consoleLines.join("\n");
  for (const token of tokens) {
    // The whole token and, for JWTs, its signature alone (a leak of a token's tail counts).
    for (const needle of [token, token.split(".").at(-1)]) {
      assert.ok(!local.includes(needle), "a token is in localStorage");
      assert.ok(!dom.includes(needle), "a token is in the DOM");
      assert.ok(!logs.includes(needle), "a token is in the console output");
    }
  }
  assert.ok(!/eyJ[\w-]{10,}\.eyJ/.test(local + dom + logs), "something JWT-shaped leaked");
}

test("MSAL against the emulator's OpenID Connect provider", async (t) => {
  await t.test("sign in through the pop-up, see the folders and the plan", async () => {
    await page.goto(`${emu.url}/msal.html`);
    const signIn = page.getByRole("button", { name: "Sign in with Microsoft" });
    await signIn.waitFor();
    await page.waitForFunction(() => !document.querySelector(".cos-account button").disabled);
    await signInThroughPopup(signIn, "msal-1-popup");
    await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(".cos-account-text").textContent(), `Signed in as ${USER}.`);
    const folders = await page.locator(".cos-settings select").first().locator("option").allTextContents();
    assert.ok(folders.includes("Central Contacts"), `folders: ${folders}`);
    assert.match(await page.locator(".cos-status").textContent(), /^Plan ready: \d+ new/);
    const c = await counters();
    assert.equal(c.authorizeInteractive >= 1 && c.codeRedeemed, 1);
    const signins = (await emu.api("GET", "/_emulator/oidc/signins")).signins;
    assert.equal(signins.at(-1).user, USER);
    assert.equal(signins.at(-1).clientId, CLIENT_ID);
    // MSAL's cache is in sessionStorage; localStorage holds the widget's settings only.
    const storage = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) }));
    assert.ok(storage.session.some((k) => k.startsWith("msal.")), `sessionStorage: ${storage.session}`);
    assert.deepEqual(storage.local.filter((k) => k !== "central-o365-sync.settings"), []);
    await screenshot(page, "msal-2-plan");
    await assertNoTokenLeak();
  });

  await t.test("the access token expires mid-session: MSAL renews it silently and the sync completes", async () => {
    await page.getByRole("button", { name: "Select none" }).click();
    await page.getByRole("button", { name: /^New \d+/ }).click();
    const rows = (await shownRows(page)).slice(0, 3);
    assert.equal(rows.length, 3);
    for (const row of rows) await page.locator(`.cos-plan tbody tr[data-id="${row.id}"] input`).check();
    const before = await counters();
    // Let the token the plan used expire: the sync's first Graph call gets 401, the package asks
    // for a fresh token, MSAL redeems its refresh token without any pop-up.
    await page.waitForTimeout((ACCESS_LIFETIME + 1) * 1000);
    await emu.api("PUT", "/_emulator/limits", { latencyMs: 300 });
    const pages = context.pages().length;
    await page.locator(".cos-syncbar button").click();
    await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
    await emu.api("PUT", "/_emulator/limits", { latencyMs: 0 });
    assert.equal(context.pages().length, pages, "no pop-up during the renewal");
    assert.match(await page.locator(".cos-result-summary").textContent(), /^Sync finished: 3 created, 0 updated, 0 failed, 0 skipped\./);
    const after = await counters();
    assert.ok(after.refreshOk > before.refreshOk, `refreshOk ${before.refreshOk} → ${after.refreshOk}`);
    assert.equal(after.authorizeInteractive, before.authorizeInteractive, "no interactive sign-in");
    assert.equal(await errorBox().isHidden(), true);
    // The mailbox holds the three records, linked by Central id.
    const linked = new Set((await demoFolder(emu)).contacts.map((c) => c.centralId));
    for (const row of rows) assert.ok(linked.has(row.id), `${row.id} is in the folder`);
    await screenshot(page, "msal-3-synced");
    await assertNoTokenLeak();
  });

  await t.test("a refused refresh token: the page asks to sign in again, and signing in again works", async () => {
    const before = await counters();
    const fail = await emu.api("POST", "/_emulator/oidc/refresh/fail", {});
    assert.equal(fail.failRefresh, 1);
    await page.getByRole("button", { name: "Plan again" }).last().click();
    await page.locator('.cos-error[data-code="signInAgain"]:not([hidden])').waitFor({ timeout: 30_000 });
    const message = await errorBox().textContent();
    assert.match(message, /Your sign-in has expired/);
    assert.match(message, /Sign in again to go on/);
    assert.match(message, /DetailssignInAgain: .*\(login_required\)$/);
    const again = page.getByRole("button", { name: "Sign in again" });
    assert.equal(await again.isVisible(), true);
    const mid = await counters();
    assert.ok(mid.refreshFailed > before.refreshFailed, "MSAL's refresh was refused");
    assert.ok(mid.authorizeSilentLoginRequired > before.authorizeSilentLoginRequired, "its silent fallback got login_required");
    await screenshot(page, "msal-4-sign-in-again");
    assert.deepEqual(pageErrors, []);

    await signInThroughPopup(again);
    await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
    assert.equal(await errorBox().isHidden(), true);
    assert.equal((await counters()).authorizeInteractive, before.authorizeInteractive + 1);
    await assertNoTokenLeak();
  });

  await t.test("a token without Contacts.ReadWrite: Graph refuses and the page names the permission", async () => {
    await emu.api("PUT", "/_emulator/oidc/settings", { withheldScopes: ["Contacts.ReadWrite"] });
    try {
      // MSAL renews (the token lives ≤ 300 s) and gets a token whose scp lacks the scope.
      await page.getByRole("button", { name: "Plan again" }).first().click();
      await page.locator('.cos-error[data-code="forbidden"]:not([hidden])').waitFor({ timeout: 30_000 });
      const box = errorBox();
      assert.equal(await box.getAttribute("data-permission"), "Contacts.ReadWrite");
      assert.match(await box.textContent(), /your sign-in lacks the permission Contacts\.ReadWrite\./);
      assert.match(await box.textContent(), /delegated permission Contacts\.ReadWrite \(with admin consent if your organisation requires it\), then sign out and sign in again\.Details/);
      await screenshot(page, "msal-5-forbidden");
    } finally {
      await emu.api("PUT", "/_emulator/oidc/settings", { withheldScopes: [] });
    }
    await assertNoTokenLeak();
  });

  await t.test("sign-out clears MSAL's cache and the page", async () => {
    const before = await counters();
    const popup = page.waitForEvent("popup", { timeout: 10_000 }).catch(() => null);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("Not signed in.").waitFor({ timeout: 30_000 });
    const logout = await popup;
    if (logout && !logout.isClosed()) await logout.waitForEvent("close", { timeout: 15_000 }).catch(() => {});
    const storage = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage),
      version: sessionStorage.getItem("msal.version") }));
    // Only MSAL's cache-schema marker ("msal.version" = "5.29.0") stays: no account, token or key entry.
    assert.deepEqual(storage.session.filter((k) => k.toLowerCase().startsWith("msal") && k !== "msal.version"), [], `sessionStorage: ${storage.session}`);
    assert.match(storage.version ?? "5.0.0", /^\d+\.\d+\.\d+$/);
    assert.deepEqual(storage.local.filter((k) => k.toLowerCase().startsWith("msal")), [], `localStorage: ${storage.local}`);
    assert.equal(await page.evaluate(() => document.querySelector("central-o365-sync").widget.msal.getAllAccounts().length), 0);
    assert.equal(await page.locator(".cos-plan").isHidden(), true);
    assert.equal(await page.locator(".cos-results").isHidden(), true);
    assert.equal(await errorBox().isHidden(), true);
    assert.equal(await page.locator(".cos-status").textContent(), "Signed out.");
    assert.equal(await page.getByRole("button", { name: "Sign in with Microsoft" }).isVisible(), true);
    assert.ok((await counters()).logouts > before.logouts, "the provider's session was ended");
    // After a reload nothing signs the page back in.
    await page.reload();
    await page.getByRole("button", { name: "Sign in with Microsoft" }).waitFor();
    await page.waitForFunction(() => document.querySelector(".cos-status").textContent === "Sign in to see what a sync would do.");
    await screenshot(page, "msal-6-signed-out");
    await assertNoTokenLeak();
    assert.deepEqual(pageErrors, []);
  });
});
