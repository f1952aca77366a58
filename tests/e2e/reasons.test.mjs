// Reasons in words, from the plan items alone: a record without a Central id, two records
// sharing one, a list where text belongs (all invalidRecord, each said as what is wrong), and
// two Outlook contacts carrying one Central id (duplicateOutlookId).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, demoFolder, DEMO_USER } from "./support.mjs";

const CENTRAL = [
  { status: "active", firstName: "Nora", lastName: "Noid", email: "nora.noid@example.com" },
  { id: "X-TWIN", status: "active", firstName: "Tom", lastName: "Twin", email: "tom.twin@example.com" },
  { id: "X-TWIN", status: "active", firstName: "Tim", lastName: "Twin", email: "tim.twin@example.com" },
  { id: "X-LIST", status: "active", firstName: ["Li", "Sa"], lastName: "List", email: "lisa.list@example.com" },
  { id: "X-DUP", status: "active", firstName: "Dee", lastName: "Dupe", email: "dee.dupe@example.com" },
];

let emu, browser;
before(async () => {
  emu = await startEmulator(["--demo"]);
  browser = await launch();
  const central = await emu.api("GET", "/_emulator/central/contacts");
  await emu.api("PUT", "/_emulator/central/contacts", [...CENTRAL, ...central]);
  const folder = await demoFolder(emu);
  const copy = (n) => ({ givenName: "Dee", surname: "Dupe", emailAddresses: [{ address: `dee.${n}@example.com` }], centralId: "X-DUP" });
  await emu.api("POST", `/_emulator/mailboxes/${DEMO_USER}/folders/${encodeURIComponent(folder.id)}/contacts`, [copy(1), copy(2)]);
});
after(async () => { await browser?.close(); await emu?.stop(); });

test("every reason is said as what is wrong with this record", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  const reasons = (id) => page.locator(`.cos-plan tbody tr[data-id="${id}"] .cos-reasons li`).allTextContents();
  assert.deepEqual(await reasons(""), ["The record has no Central id"]);
  const twins = page.locator('.cos-plan tbody tr[data-id="X-TWIN"]');
  assert.equal(await twins.count(), 2);
  for (const row of await twins.all()) {
    assert.deepEqual(await row.locator(".cos-reasons li").allTextContents(), ["It shares its Central id with another Central record"]);
  }
  assert.deepEqual(await reasons("X-LIST"), ["A field holds a list or object instead of text"]);
  const dup = page.locator('.cos-plan tbody tr[data-id="X-DUP"]');
  assert.equal(await dup.getAttribute("data-state"), "conflict");
  assert.deepEqual(await reasons("X-DUP"), ["Two Outlook contacts in the folder carry this Central id and differ: keep one by deleting the other in Outlook"]);
  await screenshot(page, "reasons-1-in-words");

  // The non-syncable CSV carries the same words and the codes.
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download not-syncable records (CSV)" }).click();
  let csv = "";
  for await (const chunk of await (await download).createReadStream()) csv += chunk;
  const lines = csv.replace(/^\ufeff/, "").split("\r\n");
  assert.ok(lines.some((l) => l.startsWith('"X-DUP","Dee Dupe","dee.dupe@example.com","Conflict","Two Outlook contacts in the folder carry this Central id and differ: keep one by deleting the other in Outlook","duplicateOutlookId"')), lines.slice(0, 8).join("\n"));
  assert.ok(lines.some((l) => l.endsWith('"The record has no Central id","invalidRecord"')));
  assert.deepEqual(seen.errors, []);
});
