// Deletions in the widget: after a first sync, records deactivated in Central are listed apart as
// "Deletes the Outlook copy", "Select all" leaves them alone, and a run over the mass-delete guard
// asks for the number to be typed before anything is deleted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, demoFolder, DEMO_USER, syncIfAny } from "./support.mjs";

let emu, browser;
before(async () => {
  emu = await startEmulator(["--demo"]);
  browser = await launch();
});
after(async () => { await browser?.close(); await emu?.stop(); });

test("deletions are listed apart, never selected by Select all, and over the guard confirmed by typing their number", async () => {
  const { page, seen } = await newPage(browser);
  await openAndPlan(page, emu.url);
  // A first sync, one way: the ledger then names each record's Outlook copy.
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });

  const folder = await demoFolder(emu);
  const ledgers = await emu.api("GET", "/_emulator/central/ledgers");
  const key = encodeURIComponent(folder.id);
  const ledger = await emu.api("GET", `/_emulator/central/ledgers/${key}`);
  assert.ok(ledger.entries.length > 0, JSON.stringify(ledgers).slice(0, 200));
  const limit = Math.max(10, Math.floor(ledger.entries.length * 0.05));
  // One more than the guard lets through, deactivated in Central.
  const gone = ledger.entries.slice(0, limit + 1).map((e) => e.centralId);
  for (const id of gone) {
    await emu.api("PATCH", `/_emulator/central/contacts/${encodeURIComponent(id)}`, { status: "inactive" });
  }

  await page.locator(".cos-settings > summary").click();
  await page.getByLabel("Sync direction").selectOption("twoWay");
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  const section = page.locator(".cos-deletions");
  await section.waitFor();
  const rows = section.locator('tbody tr[data-deletes="outlook"]');
  assert.equal(await rows.count(), gone.length);
  assert.deepEqual((await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.id))).sort(), [...gone].sort());
  assert.match(await rows.first().textContent(), /Deletes the Outlook copy/);

  // "Select all" selects the table's records, never a deletion.
  await page.getByRole("button", { name: "Select all", exact: true }).click();
  assert.equal(await section.locator(".cos-delete-box:checked").count(), 0);
  await page.getByRole("button", { name: "Select all deletions" }).click();
  assert.equal(await section.locator(".cos-delete-box:checked").count(), gone.length);
  await screenshot(page, "deletions-1-listed");

  await page.locator(".cos-syncbar button").click();
  const prompt = page.locator(".cos-confirm:not([hidden])");
  await prompt.waitFor({ timeout: 30_000 });
  assert.equal(await prompt.getAttribute("data-deletions"), String(gone.length));
  assert.equal(await prompt.getAttribute("data-limit"), String(limit));
  assert.equal((await demoFolder(emu)).contacts.length, folder.contacts.length, "nothing deleted before the number is typed");
  const box = page.getByLabel(`Type ${gone.length} to confirm`);
  const ok = prompt.getByRole("button", { name: "Confirm" });
  await box.fill(String(gone.length - 1));
  assert.equal(await ok.isDisabled(), true);
  await box.fill(String(gone.length));
  assert.equal(await ok.isDisabled(), false);
  await screenshot(page, "deletions-2-confirm");
  await box.press("Enter");

  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  const results = page.locator(".cos-results");
  assert.equal(await results.locator("[data-deleted-in-outlook]").getAttribute("data-deleted-in-outlook"), String(gone.length));
  assert.match(await results.textContent(), new RegExp(`${gone.length} deleted in Outlook`));
  const left = (await demoFolder(emu)).contacts;
  assert.equal(left.length, folder.contacts.length - gone.length);
  assert.ok(left.every((c) => !gone.includes(c.centralId)));
  await screenshot(page, "deletions-3-results");
  assert.deepEqual(seen.errors, []);
});

test("extra copies are listed with the deletions and follow their record's selection, or are ticked on their own", async () => {
  const { page, seen } = await newPage(browser);
  await openAndPlan(page, emu.url);
  await syncIfAny(page);
  const folder = await demoFolder(emu);
  // Two synced contacts, each copy-pasted by the user; one of the two is then edited in Central.
  const [still, edited] = folder.contacts.filter((c) => c.centralId).slice(-2);
  const user = encodeURIComponent(DEMO_USER);
  for (const c of [still, edited]) await emu.api("POST", `/_emulator/mailboxes/${user}/contacts/${encodeURIComponent(c.id)}/copy`, {});
  await emu.api("PATCH", `/_emulator/central/contacts/${encodeURIComponent(edited.centralId)}`, { title: "Prof" });

  await page.getByRole("button", { name: "Plan again" }).filter({ visible: true }).first().click();
  const section = page.locator(".cos-deletions");
  await section.waitFor();
  const copyRow = (c) => section.locator(`tbody tr[data-id="${c.centralId}"]`);
  assert.equal(await section.locator("tbody tr").count(), 2);
  assert.match(await copyRow(still).textContent(), /extra copy/i);
  const box = (c) => copyRow(c).locator(".cos-delete-box");
  // The edited record's update is selected, and its copy with it; the other's record has nothing
  // to write, so its copy waits to be ticked.
  assert.equal(await box(edited).isChecked(), true);
  assert.equal(await box(still).isChecked(), false);
  await page.locator(`.cos-plan tbody tr[data-id="${edited.centralId}"] input`).uncheck();
  assert.equal(await box(edited).isChecked(), false);
  await box(edited).check();
  assert.equal(await page.locator(`.cos-plan tbody tr[data-id="${edited.centralId}"] input`).isChecked(), true);
  await box(still).check();
  assert.match(await page.locator(".cos-syncbar button").textContent(), /\(2 deletions\)/);
  await screenshot(page, "deletions-4-copies");

  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.equal(await page.locator(".cos-results [data-deleted-in-outlook]").getAttribute("data-deleted-in-outlook"), "2");
  const left = (await demoFolder(emu)).contacts;
  for (const c of [still, edited]) {
    assert.deepEqual(left.filter((o) => o.centralId === c.centralId).map((o) => o.id), [c.id]);
  }
  assert.deepEqual(seen.errors, []);
});
