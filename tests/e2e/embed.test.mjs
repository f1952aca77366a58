// Embedding in someone else's page under the strict CSP: one call (mountCentralSync with a JS
// object) and the custom element with data attributes; MSAL mode loads MSAL from our origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot } from "./support.mjs";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });

/** Serves `files` ({path: [type, body]}) on the emulator's origin through the browser. */
async function serve(page, files) {
  for (const [path, [contentType, body]] of Object.entries(files)) {
    await page.route(`**${path}`, (route) => route.fulfill({ contentType, body }));
  }
}

const HOST = (body, script) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Central homepage</title>
<script type="module" src="${script}"></script></head><body><h1>Central</h1><p>Welcome back.</p>${body}</body></html>`;

test("mountCentralSync(element, config) mounts the widget into a host page under the strict CSP", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await serve(page, {
    "/central-home.html": ["text/html", HOST('<div id="contacts-sync"></div>', "/central-home.mjs")],
    "/central-home.mjs": ["text/javascript", `import { mountCentralSync } from "/widget.mjs";
      mountCentralSync(document.getElementById("contacts-sync"), { graphUrl: "/v1.0", centralUrl: "/central/api", folderName: "Central Contacts" });`],
  });
  await page.goto(`${emu.url}/central-home.html`);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  // The widget brought its own stylesheet (a <link>, allowed by style-src 'self').
  assert.equal(await page.locator('link[rel="stylesheet"][href$="/widget.css"]').count(), 1);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector(".cos")).borderTopStyle), "solid");
  await screenshot(page, "embed-1-mount-call");
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.errors, []);
});

test("a host that holds the contacts hands them in (a function returning JSON text): Central's contacts are not read", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  // Central's contacts are not read; its sync ledger still is (one read per plan).
  const centralReads = [], ledgerReads = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/central/api/sync-ledgers/")) ledgerReads.push(r.method());
    else if (path.startsWith("/central/")) centralReads.push(r.url());
  });
  const contacts = [
    { id: "H-1", status: "active", firstName: "Hana", lastName: "Host", email: "hana.host@example.com" },
    { id: "H-2", status: "active", firstName: "Hugo", lastName: "Host", email: "hugo.host@example.com" },
    { id: "H-3", status: "inactive", firstName: "Old", lastName: "Host", email: "old.host@example.com" },
  ];
  await serve(page, {
    "/central-given.html": ["text/html", HOST('<div id="contacts-sync"></div>', "/central-given.mjs")],
    "/central-given.mjs": ["text/javascript", `import { mountCentralSync } from "/widget.mjs";
      const text = ${JSON.stringify(JSON.stringify(contacts))};
      window.contactCalls = 0;
      mountCentralSync(document.getElementById("contacts-sync"), { graphUrl: "/v1.0", centralUrl: "/central/api",
        contacts: async () => { window.contactCalls++; return text; } });`],
  });
  await page.goto(`${emu.url}/central-given.html`);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  const rows = await page.$$eval(".cos-plan tbody tr[data-id]", (trs) => trs.map((r) => [r.dataset.id, r.dataset.state, r.querySelector(".cos-name").textContent]));
  assert.deepEqual(rows, [["H-1", "new", "Hana Host"], ["H-2", "new", "Hugo Host"]]);
  assert.match(await page.locator(".cos-plan .cos-note").textContent(), /^1 Central contacts are not active and are left out\./);
  await page.getByRole("button", { name: "Plan again" }).first().click();
  await page.waitForFunction(() => window.contactCalls === 2 && !document.querySelector(".cos-plan").hidden);
  assert.deepEqual(centralReads, []);
  assert.deepEqual(ledgerReads, ["GET", "GET"]);
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.errors, []);
});

test("with a client id the element offers Microsoft sign-in, with MSAL served from our origin", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await serve(page, {
    "/central-msal.html": ["text/html", HOST(`<central-o365-sync data-client-id="11111111-2222-3333-4444-555555555555"
      data-graph-url="/v1.0" data-central-url="/central/api"></central-o365-sync>`, "/widget.mjs")],
  });
  await page.goto(`${emu.url}/central-msal.html`);
  const signIn = page.getByRole("button", { name: "Sign in with Microsoft" });
  await signIn.waitFor();
  await page.waitForFunction(() => !document.querySelector(".cos-head .cos-primary").disabled);
  assert.equal(await page.evaluate(() => typeof window.msal?.PublicClientApplication), "function");
  assert.equal(await page.getByText("Demo sign-in").count(), 0);
  assert.ok(requests.every((u) => u.startsWith(emu.url)), requests.filter((u) => !u.startsWith(emu.url)).join(" "));
  assert.ok(requests.some((u) => u.endsWith("/vendor/msal-browser.min.js")));
  await screenshot(page, "embed-2-msal-mode");
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.errors, []);

  // The v5 bridge page loads its script from our origin and runs (no response to hand back here).
  const bridge = await newPage(browser, { csp: true });
  await bridge.page.goto(`${emu.url}/redirect.html`);
  await bridge.page.waitForFunction(() => typeof window.msalRedirectBridge?.broadcastResponseToMainFrame === "function");
  assert.deepEqual(bridge.seen.violations, []);
});
