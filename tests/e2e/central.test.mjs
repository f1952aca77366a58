// The session owns the data: the page reads Central once per page of 500 and the folder once
// per page of 1,000 per plan, "Plan again" reads both again (a Central edit shows), Central's
// 503s are ridden out, and a page that skips a number fails the plan with words and no table.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { startEmulator, launch, newPage, screenshot, openAndPlan, shownCounts, shownRows, demoFolder,
  DEMO_USER, ROOT } from "./support.mjs";

const SIZE = 1201; // Central records of the demo: three pages of 500 once the inactive ones are left out
const ORPHANS = 520; // extra Outlook contacts, so that the folder holds more than 1,000

let emu, browser;
before(async () => { emu = await startEmulator(["--demo-size", String(SIZE)]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });
beforeEach(async () => { await emu.api("POST", "/_emulator/reset", { demoSize: SIZE }); });

/** Central's active contacts as the API pages them (500 a page): the number of pages and of records. */
async function centralPages() {
  let pages = 0, records = 0;
  for (let page = 1; page; pages++) {
    const body = await (await fetch(`${emu.url}/central/api/contacts?status=active&pageSize=500&page=${page}`)).json();
    records += body.items.length;
    page = body.nextPage;
  }
  return { pages, records };
}

/** Every request the page makes to Central's contacts and to the folder's contacts, from now on. */
function recordRequests(page) {
  const seen = { central: [], folder: [] };
  page.on("request", (r) => {
    const { pathname } = new URL(r.url());
    if (pathname === "/central/api/contacts") seen.central.push(r.url());
    else if (/^\/v1\.0\/me\/contactFolders\/[^/]+\/contacts$/.test(pathname)) seen.folder.push(r.url());
  });
  return seen;
}

test("the page's modules fetch no Central or Graph data themselves (only the demo token)", () => {
  const www = `${ROOT}www/`;
  for (const file of readdirSync(www).filter((f) => f.endsWith(".mjs"))) {
    const source = readFileSync(www + file, "utf8");
    const fetches = source.match(/\bfetch\(/g)?.length ?? 0;
    assert.equal(fetches, file === "signin.mjs" ? 1 : 0, `${file} calls fetch ${fetches} times`);
    assert.ok(!/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/.test(source), `${file} writes markup`);
  }
});

test("one Central read per page of 500 and one folder read per page of 1,000 per plan; Plan again sees a Central edit", async () => {
  const folder = await demoFolder(emu);
  await emu.api("POST", `/_emulator/mailboxes/${DEMO_USER}/folders/${encodeURIComponent(folder.id)}/contacts`,
    Array.from({ length: ORPHANS }, (_, n) => ({ givenName: "Outlook", surname: `Only ${n}`,
      emailAddresses: [{ address: `outlook.only.${n}@example.net` }] })));
  const inFolder = (await demoFolder(emu)).contacts.length;
  assert.ok(inFolder > 1000 && inFolder % 1000 !== 0, `${inFolder} contacts in the folder`);
  const graphPages = Math.ceil(inFolder / 1000);
  const central = await centralPages();
  assert.ok(central.pages >= 3, `${central.pages} Central pages`);

  const { page, seen } = await newPage(browser, { csp: true });
  const requests = recordRequests(page);
  await emu.api("POST", "/_emulator/stats/reset");
  await openAndPlan(page, emu.url);
  let stats = await emu.api("GET", "/_emulator/stats");
  assert.equal(stats.centralRequests, central.pages);
  assert.equal(stats.graphRequestsByKind.listContacts, graphPages);
  assert.equal(requests.central.length, central.pages, requests.central.join("\n"));
  assert.equal(requests.folder.length, graphPages, requests.folder.join("\n"));
  const counts = await shownCounts(page);
  assert.equal(counts.all, central.records);
  const orphans = /([\d,]+) Outlook contacts in the folder have no Central contact/.exec(await page.locator(".cos-plan .cos-note").textContent());
  assert.ok(Number(orphans?.[1].replace(/,/g, "")) >= ORPHANS, orphans?.[0]); // ours and the demo's own

  // Edit a record in Central; Plan again reads Central and the folder once more and shows it.
  const target = (await shownRows(page)).find((r) => r.state === "new");
  const records = await emu.api("GET", "/_emulator/central/contacts");
  const record = records.find((c) => c?.id === target.id);
  record.firstName = "Zoë-Edited";
  await emu.api("PUT", "/_emulator/central/contacts", records);
  await emu.api("POST", "/_emulator/stats/reset");
  await page.getByRole("button", { name: "Plan again" }).first().click();
  await page.waitForFunction((id) => document.querySelector(`.cos-plan:not([hidden]) tr[data-id="${id}"] .cos-name`)
    ?.textContent.startsWith("Zoë-Edited "), target.id);
  assert.equal(await page.locator(`.cos-plan tr[data-id="${target.id}"] .cos-name`).textContent(), `Zoë-Edited ${record.lastName.trim()}`);
  stats = await emu.api("GET", "/_emulator/stats");
  assert.equal(stats.centralRequests, central.pages);
  assert.equal(stats.graphRequestsByKind.listContacts, graphPages);
  assert.equal(requests.central.length, 2 * central.pages);
  assert.equal(requests.folder.length, 2 * graphPages);
  await screenshot(page, "central-1-planned-again");
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
});

test("Central answering 503 twice, then 200: the plan is made", async () => {
  const central = await centralPages();
  await emu.api("POST", "/_emulator/stats/reset");
  await emu.api("POST", "/_emulator/faults", { kind: "unavailable", scope: "central", pathContains: "/central/api/contacts", maxCount: 2 });
  const { page, seen } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  assert.match(await page.locator(".cos-status").textContent(), /^Plan ready: /);
  assert.equal(await page.locator(".cos-error").isHidden(), true);
  assert.equal((await shownCounts(page)).all, central.records);
  const { log } = await emu.api("GET", "/_emulator/faults");
  assert.deepEqual(log.map((f) => [f.scope, f.kind]), [["central", "unavailable"], ["central", "unavailable"]]);
  const stats = await emu.api("GET", "/_emulator/stats");
  assert.equal(stats.centralRequests, central.pages + 2);
  assert.deepEqual(seen.errors, []);
});

test("a Central page naming N+2 as the next page fails the plan with invalidCentralData and no table", async () => {
  await emu.api("POST", "/_emulator/faults", { kind: "skipPage", scope: "central", pathContains: "/central/api/contacts", maxCount: 1 });
  const { page, seen } = await newPage(browser, { csp: true });
  await page.goto(emu.url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  const error = page.locator(".cos-error:not([hidden])");
  await error.waitFor({ timeout: 30_000 });
  assert.equal(await error.getAttribute("data-code"), "invalidCentralData");
  assert.match(await error.textContent(), /^Central sent data this widget cannot read\. Check that the Central URL points at Central's API/);
  assert.equal(await page.locator(".cos-plan").isHidden(), true);
  assert.equal(await page.locator(".cos-plan tbody tr[data-id]").count(), 0);
  assert.equal(await page.locator(".cos-status").textContent(), "");
  const stats = await emu.api("GET", "/_emulator/stats");
  assert.equal(stats.centralRequests, 1, "paging stops at the page that skips");
  await screenshot(page, "central-2-skipped-page");

  // The fault fired once: "Save and plan" plans.
  await page.getByRole("button", { name: "Save and plan" }).click();
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(".cos-error").isHidden(), true);
  assert.deepEqual(seen.errors, []);
});
