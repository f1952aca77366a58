// The main path under the strict CSP: load, counts match the plan, an update's changes, select,
// sync with progress to the end, the mailbox holds the records, plan again ⇒ all up to date.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, shownCounts, referencePlan,
  watchText, readLog, demoFolder, shownRows } from "./support.mjs";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });

test("demo plan, sync and plan again under the strict CSP", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  await screenshot(page, "flow-1-plan");

  // Counts per state are the package's own plan of the same data.
  const reference = await referencePlan(page);
  const counts = await shownCounts(page);
  assert.deepEqual(counts, { all: reference.items, ...reference.summary });
  assert.ok(reference.summary.new > 0 && reference.summary.update > 0 && reference.summary.nonActionable > 0);
  assert.match(await page.locator(".cos-status").textContent(),
    new RegExp(`Plan ready: ${reference.summary.new} new, ${reference.summary.update} to update`));

  // Filter by state, then open an update's changes: field, from → to.
  await page.getByRole("button", { name: /^Update \d+/ }).click();
  const updates = await shownRows(page);
  assert.equal(updates.length, Math.min(reference.summary.update, 100));
  assert.ok(updates.every((r) => r.state === "update" && r.checked));
  const first = page.locator(".cos-plan tbody tr").first();
  await first.locator("summary").click();
  const changes = await first.locator(".cos-changes li").allTextContents();
  assert.ok(changes.length >= 1);
  // One way, every change goes Central → Outlook, and says so.
  for (const line of changes) assert.match(line, /^Central → Outlook [A-Z][\w ]+: .* → .*$/);
  await screenshot(page, "flow-2-update-changes");

  // Non-actionable rows cannot be selected and say why in words.
  await page.getByRole("button", { name: /^Not syncable \d+/ }).click();
  const blocked = await shownRows(page);
  assert.ok(blocked.length > 0 && blocked.every((r) => r.disabled && !r.checked));
  assert.equal(await page.locator(".cos-plan tbody tr").first().locator(".cos-reasons li").count() > 0, true);

  // Search by name and by email.
  await page.getByRole("button", { name: /^All \d+/ }).click();
  const someone = (await shownRows(page)).find((r) => r.state === "new");
  await page.getByLabel("Search").fill(someone.email.toUpperCase());
  await page.waitForFunction((id) => [...document.querySelectorAll(".cos-plan tbody tr[data-id]")].every((r) => r.dataset.id === id), someone.id);
  await page.getByLabel("Search").fill("");
  await page.waitForFunction(() => document.querySelectorAll(".cos-plan tbody tr[data-id]").length === 100);

  // Select none / new / one update by hand / all.
  const sync = page.locator(".cos-syncbar button");
  await page.getByRole("button", { name: "Select none" }).click();
  assert.equal(await sync.isDisabled(), true);
  await page.getByRole("button", { name: "Select new" }).click();
  assert.equal(await sync.textContent(), `Sync ${reference.summary.new} selected`);
  await page.getByRole("button", { name: /^Update \d+/ }).click();
  await page.locator(".cos-plan tbody tr input").first().check();
  assert.equal(await sync.textContent(), `Sync ${reference.summary.new + 1} selected`);
  await page.getByRole("button", { name: "Select all" }).click();
  const total = reference.summary.new + reference.summary.update;
  assert.equal(await sync.textContent(), `Sync ${total} selected`);

  // Sync, slowed down so the progress is visible; progress must reach the end.
  await emu.api("PUT", "/_emulator/limits", { latencyMs: 40 });
  await watchText(page, ".cos-progress-text", "progress");
  await sync.click();
  await page.locator(".cos-progress:not([hidden]) progress").waitFor();
  await page.waitForFunction(() => document.querySelector(".cos-progress progress").value > 0);
  await screenshot(page, "flow-3-progress");
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  const progress = await readLog(page, "progress");
  assert.ok(progress.length >= 3, `progress updates: ${progress.join(" | ")}`);
  assert.equal(progress.at(-1), `${total} of ${total} done: ${reference.summary.new} created, ${reference.summary.update} updated, 0 failed.`);
  const summary = await page.locator(".cos-result-summary").textContent();
  assert.match(summary, new RegExp(`^Sync finished: ${reference.summary.new} created, ${reference.summary.update} updated, 0 failed, 0 skipped\\.`));
  assert.equal(await page.locator(".cos-results tbody tr[data-action]").count(), Math.min(total, 100));
  await screenshot(page, "flow-4-results");

  // CSV of the results: one line per record plus the header.
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download results (CSV)" }).click();
  const csv = await (await download).createReadStream().then(async (s) => { let t = ""; for await (const c of s) t += c; return t; });
  assert.equal(csv.replace(/^\ufeff/, "").trim().split("\r\n").length, total + 1);

  // The emulator's mailbox holds every created record, linked by Central id.
  const folder = await demoFolder(emu);
  const linked = new Set(folder.contacts.map((c) => c.centralId));
  const resultIds = await page.$$eval(".cos-results tbody tr[data-id]", (rows) => rows.map((r) => r.dataset.id));
  for (const id of resultIds) assert.ok(linked.has(id), `${id} is in the folder`);

  // Plan again: everything selected is up to date.
  await emu.api("PUT", "/_emulator/limits", { latencyMs: 0 });
  await page.getByRole("button", { name: "Plan again" }).last().click();
  await page.locator(".cos-plan:not([hidden])").waitFor();
  const again = await shownCounts(page);
  assert.equal(again.new, 0);
  assert.equal(again.update, 0);
  assert.equal(again.upToDate, reference.summary.upToDate + total);
  await screenshot(page, "flow-5-replanned");

  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, []);
});
