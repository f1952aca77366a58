// Two tabs of the widget on one mailbox: both plan, tab A syncs, then tab B syncs its old plan.
// B's plan is stale (the ledger in Central moved on): it writes nothing and says so; every
// Central contact is in the folder once; B's next plan is all up to date.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, openAndPlan, shownCounts, demoFolder, screenshot } from "./support.mjs";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });

async function syncAll(page) {
  await page.getByRole("button", { name: "Select all" }).click();
  await page.locator(".cos-syncbar button").click();
}

test("a second tab's stale plan writes nothing and says why", async () => {
  const context = await browser.newContext();
  const [a, b] = [await context.newPage(), await context.newPage()];
  await openAndPlan(a, emu.url);
  await openAndPlan(b, emu.url);
  const planned = await shownCounts(b);
  assert.ok(planned.new > 0, JSON.stringify(planned));
  const before = (await demoFolder(emu)).contacts.length;

  await syncAll(a);
  await a.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.match(await a.locator(".cos-result-summary").textContent(), new RegExp(`^Sync finished: ${planned.new} created`));
  const afterA = (await demoFolder(emu)).contacts;
  assert.equal(afterA.length, before + planned.new);

  const stats = await emu.api("GET", "/_emulator/stats");
  await syncAll(b);
  const error = b.locator(".cos-error:not([hidden])");
  await error.waitFor({ timeout: 30_000 });
  assert.match(await error.textContent(), /Someone synced this mailbox since this plan was made/);
  await screenshot(b, "tabs-stale-plan");
  assert.equal((await emu.api("GET", "/_emulator/stats")).batchItems, stats.batchItems, "tab B wrote nothing");
  const afterB = (await demoFolder(emu)).contacts;
  assert.equal(afterB.length, afterA.length);
  const ids = afterB.map((c) => c.centralId).filter(Boolean);
  assert.equal(new Set(ids).size, ids.length, "each Central id once");

  await b.getByRole("button", { name: "Plan again" }).click();
  await b.waitForFunction(() => document.querySelector(".cos-count[data-state=new]")?.dataset.count === "0");
  const again = await shownCounts(b);
  assert.equal(again.update, 0);
  assert.equal(again.upToDate, planned.upToDate + planned.new + planned.update);
  await context.close();
});
