// Folders in Settings without a session: the list comes from the package's listFolders, and a
// folder created by name (createFolder) appears, is selected and remembered, and the plan and
// the sync target it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, shownCounts, shownRows, demoFolder } from "./support.mjs";

const NAME = "Leads 2026";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });

test("a folder created by name in Settings is selected, planned against and synced into", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  const listed = [];
  page.on("request", (r) => {
    const m = /\/v1\.0\/me\/contactFolders\/([^/?]+)\/contacts(\?|$)/.exec(r.url());
    if (m) listed.push(decodeURIComponent(m[1]));
  });
  await openAndPlan(page, emu.url);
  const before = await shownCounts(page);
  const synced = await demoFolder(emu);
  const inSyncFolder = synced.contacts.length;

  await page.locator(".cos-settings > summary").click();
  const folder = page.getByLabel("Contacts folder");
  assert.equal(await folder.locator("option:checked").textContent(), "Central Contacts");
  await page.getByLabel("Or a new folder named").fill(NAME);
  await page.getByRole("button", { name: "Create folder" }).click();
  await page.waitForFunction((name) => document.querySelector(".cos-settings select option:checked")?.textContent === name, NAME);
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => /^Plan ready: /.test(document.querySelector(".cos-status").textContent));

  const created = await demoFolder(emu, NAME);
  assert.ok(created, "the emulator's mailbox has the folder");
  assert.equal(await folder.inputValue(), created.id);
  assert.ok((await folder.locator("option").allTextContents()).includes("Central Contacts"), "the other folders stay listed");
  assert.equal(listed.at(-1), created.id, "the plan read the new folder");
  const settings = await page.evaluate(() => JSON.parse(localStorage.getItem("central-o365-sync.settings")));
  assert.equal(settings.folderId, created.id);
  assert.equal(await page.getByLabel("Or a new folder named").inputValue(), "");

  // An empty folder: every syncable Central contact is new, nothing to update, no orphans.
  const counts = await shownCounts(page);
  assert.equal(counts.all, before.all);
  assert.deepEqual([counts.update, counts.upToDate, counts.conflict], [0, 0, 0]);
  assert.equal(counts.new + counts.nonActionable, counts.all);
  assert.equal(await page.locator(".cos-plan .cos-note").textContent(), "");
  await screenshot(page, "folders-1-created-and-planned");

  // Sync one record: it lands in the new folder, the old one is untouched.
  await page.getByRole("button", { name: "Select none" }).click();
  const [first] = await shownRows(page);
  await page.locator(`.cos-plan tbody tr[data-id="${first.id}"] input`).check();
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 30_000 });
  assert.match(await page.locator(".cos-result-summary").textContent(), /^Sync finished: 1 created, 0 updated, 0 failed, 0 skipped\./);
  assert.deepEqual((await demoFolder(emu, NAME)).contacts.map((c) => c.centralId), [first.id]);
  assert.equal((await demoFolder(emu)).contacts.length, inSyncFolder);

  // Creating the same name again: Graph's 409 (ErrorFolderExists) in words, the selection stays.
  await page.locator(".cos-settings > summary").click();
  await page.getByLabel("Or a new folder named").fill(NAME);
  await page.getByRole("button", { name: "Create folder" }).click();
  await page.locator(".cos-error:not([hidden])").waitFor();
  assert.equal(await page.locator(".cos-error").getAttribute("data-code"), "folderExists");
  assert.match(await page.locator(".cos-error").textContent(), /^A folder with this name already exists in this mailbox\. Pick it in the list/);
  assert.equal(await folder.inputValue(), created.id);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
});
