// "Both ways" in the widget: after a first sync, an Outlook edit is shown going to Central, a
// field edited on both sides is a conflict resolved by keyboard, and the sync writes each side.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, demoFolder, DEMO_USER, syncIfAny } from "./support.mjs";

let emu, browser;
before(async () => {
  emu = await startEmulator(["--demo"]);
  browser = await launch();
});
after(async () => { await browser?.close(); await emu?.stop(); });

const central = async (id) => (await emu.api("GET", "/_emulator/central/contacts")).find((c) => c.id === id);

async function editInOutlook(contact, patch) {
  await emu.api("PATCH", `/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}/contacts/${encodeURIComponent(contact.id)}`, patch);
}

/** Shows only the row of `email` (the search box) and returns it. */
async function rowOf(page, email, id) {
  await page.getByLabel("Search").fill(email);
  const row = page.locator(`.cos-plan tr[data-id="${id}"]`);
  await row.waitFor();
  return row;
}

test("Both ways shows each change's direction and resolves a conflict by keyboard", async () => {
  const { page, seen } = await newPage(browser);
  await openAndPlan(page, emu.url);
  // A first sync, one way: the ledger then holds what both sides agreed.
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });

  const folder = await demoFolder(emu);
  const active = new Map((await emu.api("GET", "/_emulator/central/contacts"))
    .filter((c) => c.status === "active").map((c) => [c.id, c]));
  const [a, b] = folder.contacts.filter((c) => active.has(c.centralId)).slice(0, 2);
  // A: edited in Outlook only. B: the mobile edited on both sides.
  await editInOutlook(a, { mobilePhone: "+44 7700 900801" });
  await editInOutlook(b, { mobilePhone: "+44 7700 900802" });
  await emu.api("PATCH", `/_emulator/central/contacts/${encodeURIComponent(b.centralId)}`, { mobile: "+44 7700 900803" });

  // Settings → Sync direction: Both ways (this plans again).
  await page.locator(".cos-settings > summary").click();
  await page.getByLabel("Sync direction").selectOption("twoWay");
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector(".cos-status")?.textContent.startsWith("Plan ready") ?? true);

  const rowA = await rowOf(page, active.get(a.centralId).email, a.centralId);
  assert.equal(await rowA.getAttribute("data-state"), "update");
  await rowA.locator("summary").click();
  const changeA = rowA.locator('li[data-direction="toCentral"]');
  assert.match(await changeA.textContent(), /^Outlook → Central Mobile: .* → \+44 7700 900801$/);

  const rowB = await rowOf(page, active.get(b.centralId).email, b.centralId);
  assert.equal(await rowB.getAttribute("data-state"), "conflict");
  assert.match(await rowB.locator(".cos-conflict li").first().textContent(), /Central has .*900803.*Outlook has .*900802/);
  const box = rowB.locator("input[type=checkbox]");
  assert.equal(await box.isDisabled(), true, "a conflict cannot be synced before a side is picked");
  // By keyboard: Tab to "Keep Outlook's" and press Enter.
  await rowB.getByRole("button", { name: /^Keep Central's/ }).focus();
  await page.keyboard.press("Tab");
  const keepOutlook = rowB.getByRole("button", { name: /^Keep Outlook's/ });
  assert.equal(await keepOutlook.evaluate((n) => n === document.activeElement), true);
  await page.keyboard.press("Enter");
  assert.equal(await rowB.getByRole("button", { name: /^Keep Outlook's/ }).getAttribute("aria-pressed"), "true");
  assert.equal(await rowB.locator("input[type=checkbox]").isChecked(), true);
  await screenshot(page, "twoway-1-conflict-resolved");

  await page.getByLabel("Search").fill("");
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.match(await page.locator(".cos-results").textContent(), /2 updated in Central/);
  assert.equal((await central(a.centralId)).mobile, "+44 7700 900801");
  assert.equal((await central(b.centralId)).mobile, "+44 7700 900802");
  const resultB = page.locator(`.cos-results tr[data-id="${b.centralId}"]`);
  assert.equal(await resultB.getAttribute("data-action"), "updatedInCentral");
  await screenshot(page, "twoway-2-results");
  assert.deepEqual(seen.errors, []);
});

test("Both ways offers a contact typed in Outlook for creation in Central, and the sync creates and links it", async () => {
  const { page, seen } = await newPage(browser);
  await openAndPlan(page, emu.url);
  await syncIfAny(page);
  const folder = await demoFolder(emu);
  const user = encodeURIComponent(DEMO_USER);
  const made = await emu.api("POST", `/_emulator/mailboxes/${user}/folders/${encodeURIComponent(folder.id)}/contacts`,
    [{ givenName: "Tamsin", surname: "Okafor", displayName: "Tamsin Okafor", emailAddresses: [{ address: "tamsin.okafor@example.net" }] }]);
  assert.equal(made.ids.length, 1);

  await page.locator(".cos-settings > summary").click();
  await page.getByLabel("Sync direction").selectOption("twoWay");
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector(".cos-status")?.textContent.startsWith("Plan ready") ?? true);
  await page.getByLabel("Search").fill("tamsin.okafor@example.net");
  const row = page.locator('.cos-plan tbody tr[data-state="createInCentral"]');
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /Tamsin Okafor/);
  await row.locator("summary").click();
  assert.match(await row.locator('li[data-direction="toCentral"]').first().textContent(), /Outlook → Central/);
  // Only this one: nothing else is synced.
  await page.getByRole("button", { name: "Select none", exact: true }).click();
  await row.locator("input[type=checkbox]").check();
  await screenshot(page, "twoway-3-create-in-central");
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.match(await page.locator(".cos-results").textContent(), /1 created in Central/);
  const records = (await emu.api("GET", "/_emulator/central/contacts")).filter((c) => c.email === "tamsin.okafor@example.net");
  assert.equal(records.length, 1);
  const after = (await demoFolder(emu)).contacts.find((c) => c.surname === "Okafor");
  assert.equal(after.centralId, records[0].id);
  assert.deepEqual(seen.errors, []);
});
