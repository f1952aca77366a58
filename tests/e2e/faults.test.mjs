// Faults as the user sees them: throttling ("waiting N s") that the run rides out, a record
// Graph refuses shown as failed with words, and Cancel stopping a run part-way.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, shownCounts, watchText, readLog,
  demoFolder, DEMO_USER } from "./support.mjs";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });
beforeEach(async () => { await emu.api("POST", "/_emulator/reset", { demo: true }); });

test("throttling is shown as waiting and the run still writes everything", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  const before = await shownCounts(page);
  await emu.api("POST", "/_emulator/faults", { kind: "throttle", scope: "batchItem", everyNth: 9, maxCount: 3, retryAfterSeconds: 2 });
  await watchText(page, ".cos-waiting", "waiting");
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-waiting:not([hidden])").waitFor({ timeout: 30_000 });
  await screenshot(page, "faults-1-throttled");
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  const waiting = await readLog(page, "waiting");
  assert.ok(waiting.some((t) => /^Microsoft 365 is throttling: waiting [12] s before going on\.$/.test(t)), waiting.join(" | "));
  assert.equal(await page.locator(".cos-result-summary").getAttribute("data-failed"), "0");
  assert.equal(await page.locator(".cos-result-summary").getAttribute("data-created"), String(before.new));
  const { log } = await emu.api("GET", "/_emulator/faults");
  assert.ok(log.length >= 1);
  assert.deepEqual(seen.errors, []);
});

test("a record Graph refuses is shown failed, with words, and the rest are written", async () => {
  const { page } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  const counts = await shownCounts(page);
  // After planning, the Outlook contact of one update disappears for good (deleted and purged
  // from Deleted Items, so not even its immutable id finds it): its PATCH gets 404.
  await page.getByRole("button", { name: /^Update \d+/ }).click();
  const victim = await page.locator(".cos-plan tbody tr").first().getAttribute("data-id");
  const folder = await demoFolder(emu);
  const outlook = folder.contacts.find((c) => c.centralId === victim);
  const gone = await fetch(`${emu.url}/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}/contacts/${encodeURIComponent(outlook.id)}?permanent=true`, { method: "DELETE" });
  assert.equal(gone.status, 204);

  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  const summary = page.locator(".cos-result-summary");
  assert.equal(await summary.getAttribute("data-failed"), "1");
  assert.equal(await summary.getAttribute("data-updated"), String(counts.update - 1));
  assert.equal(await summary.getAttribute("data-created"), String(counts.new));
  const row = page.locator(".cos-results tbody tr").first(); // failures first
  assert.equal(await row.getAttribute("data-id"), victim);
  assert.equal(await row.getAttribute("data-action"), "failed");
  assert.equal(await row.locator(".cos-badge").textContent(), "Failed");
  assert.match(await row.textContent(), /Microsoft 365 refused the change\./);
  await screenshot(page, "faults-2-failed-record");
});

test("Cancel stops the run between batches and says what was written", async () => {
  const { page } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  const counts = await shownCounts(page);
  await emu.api("PUT", "/_emulator/limits", { latencyMs: 150 });
  await page.locator(".cos-syncbar button").click();
  await page.waitForFunction(() => document.querySelector(".cos-progress progress").value >= 20, null, { timeout: 30_000 });
  await page.getByRole("button", { name: "Cancel" }).click();
  await screenshot(page, "faults-3-cancelling");
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  const summary = await page.locator(".cos-result-summary").textContent();
  assert.match(summary, /^Sync cancelled: \d+ created, \d+ updated, \d+ failed/);
  const created = Number(await page.locator(".cos-result-summary").getAttribute("data-created"));
  const updated = Number(await page.locator(".cos-result-summary").getAttribute("data-updated"));
  assert.ok(created + updated >= 20 && created + updated < counts.new + counts.update, `${created} + ${updated}`);
  const first = page.locator(".cos-results tbody tr").first();
  assert.equal(await first.getAttribute("data-action"), "skipped");
  assert.match(await first.textContent(), /cancelled before this record was written/);
  await screenshot(page, "faults-4-cancelled");

  // Plan again: what was written is up to date, the rest is still to do.
  await emu.api("PUT", "/_emulator/limits", { latencyMs: 0 });
  await page.getByRole("button", { name: "Plan again" }).last().click();
  await page.locator(".cos-plan:not([hidden])").waitFor();
  const after = await shownCounts(page);
  assert.equal(after.new + after.update, counts.new + counts.update - created - updated);
  assert.equal(after.upToDate, counts.upToDate + created + updated);
});
