// Records typed by folder (DESIGN §4, §7 `folders`): Settings pick a folder for contacts, one for
// individuals and one for accounts (each created by name, as the contacts folder is); the plan says
// each row's type once more than one type has a folder; the sync writes contacts, individuals and
// accounts (as contacts named after the account) each into its own folder. One folder chosen for
// two types is said beside the pickers and nothing is planned.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, shownRows, DEMO_USER } from "./support.mjs";

const FOLDERS = { contact: "Central Contacts", individual: "Central Individuals", account: "Central Accounts" };

// A small Central of each type, and an empty mailbox: every record is new and lands by its type.
const CONTACTS = [
  { id: "C-1", status: "active", type: "contact", accountId: "A-1", firstName: "Ann", lastName: "Lee", email: "ann.lee@contoso.example", mobile: "+44 7700 900101" },
  { id: "C-2", status: "active", type: "contact", firstName: "Bob", lastName: "Stone", email: "bob.stone@example.org" },
  { id: "C-3", status: "active", type: "individual", firstName: "Iris", lastName: "Park", email: "iris.park@example.net", homeAddress: { line1: "1 Mill Lane", town: "Leeds", postcode: "LS1 1AA" } },
  { id: "C-4", status: "active", type: "individual", firstName: "Ivan", lastName: "Moss", email: "ivan.moss@example.net" },
  { id: "C-5", status: "inactive", type: "individual", firstName: "Old", lastName: "Record", email: "old.record@example.net" },
];
const ACCOUNTS = [
  { id: "A-1", status: "active", name: "Contoso Ltd", createdAt: "2024-01-01T00:00:00Z", email: "info@contoso.example",
    telephone: "+44 20 7946 0001", website: "https://contoso.example", businessAddress: { line1: "2 Dock Road", town: "Hull", postcode: "HU1 1AA" } },
  { id: "A-2", status: "active", name: "Fabrikam Trading", createdAt: "2024-02-01T00:00:00Z", email: "hello@fabrikam.example" },
  { id: "A-3", status: "inactive", name: "Gone Away Ltd", createdAt: "2023-01-01T00:00:00Z", email: "gone@example.org" },
];
const TYPE_WORD = { contact: "Contact", individual: "Individual", account: "Account" };
const EXPECTED = { "C-1": "contact", "C-2": "contact", "C-3": "individual", "C-4": "individual", "A-1": "account", "A-2": "account" };

let emu, browser;
before(async () => {
  emu = await startEmulator([]);
  await emu.api("PUT", "/_emulator/central/contacts", CONTACTS);
  await emu.api("PUT", "/_emulator/central/accounts", ACCOUNTS);
  browser = await launch();
});
after(async () => { await browser?.close(); await emu?.stop(); });

const mailbox = () => emu.api("GET", `/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}`);
const folderNamed = async (name) => (await mailbox()).folders.find((f) => f.displayName === name);
const status = (page) => page.locator(".cos-status").textContent();

async function openSettings(page) {
  if (!(await page.locator(".cos-settings").evaluate((d) => d.open))) await page.locator(".cos-settings > summary").click();
}

/** Waits for the plan (or an error, which fails the test with its words). */
async function waitForPlan(page) {
  await page.waitForFunction(() => /^Plan ready: /.test(document.querySelector(".cos-status").textContent) ||
    !document.querySelector(".cos-error").hidden, undefined, { timeout: 30_000 });
  const error = page.locator(".cos-error");
  if (!(await error.isHidden())) {
    assert.fail(`the page shows an error instead of a plan: [${await error.getAttribute("data-code")}] ${await error.textContent()}`);
  }
  await page.locator(".cos-plan:not([hidden])").waitFor();
}

/** Creates `name` through the picker labelled `label` ("Or a new … named" / "Create …") and waits for its plan. */
async function createThrough(page, { input, button, select }, name) {
  await openSettings(page);
  await page.getByLabel(input, { exact: true }).fill(name);
  await page.getByRole("button", { name: button, exact: true }).click();
  await page.waitForFunction(({ select, name }) => {
    const label = [...document.querySelectorAll(".cos-settings label")].find((l) => l.textContent === select);
    return document.getElementById(label?.htmlFor)?.selectedOptions[0]?.textContent === name;
  }, { select, name });
  await waitForPlan(page);
  const folder = await folderNamed(name);
  assert.ok(folder, `the mailbox has the folder ${name}`);
  assert.equal(await page.getByLabel(select, { exact: true }).inputValue(), folder.id);
  return folder;
}

/** Every plan row's id → the type its Details says ("" when it says none). */
async function shownTypes(page) {
  return Object.fromEntries(await page.$$eval(".cos-plan tbody tr[data-id]", (rows) =>
    rows.map((r) => [r.dataset.id, r.querySelector(".cos-type")?.textContent ?? ""])));
}

test("Settings pick a folder per type; the plan says each row's type and the sync writes each type into its folder", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  const read = new Set(); // the folders a plan read
  page.on("request", (r) => {
    const m = /\/v1\.0\/me\/contactFolders\/([^/?]+)\/contacts(\/delta)?(\?|$)/.exec(r.url());
    if (m) read.add(decodeURIComponent(m[1]));
  });
  await page.goto(emu.url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  // An empty mailbox: no contacts folder yet, so no plan until one is chosen.
  await page.waitForFunction(() => /^Choose a contacts folder/.test(document.querySelector(".cos-status").textContent));
  assert.equal(await page.getByLabel("Individuals folder", { exact: true }).locator("option:checked").textContent(),
    "(none — individuals go to the Contacts folder)");
  assert.equal(await page.getByLabel("Accounts folder", { exact: true }).locator("option:checked").textContent(),
    "(none — accounts are not synced)");

  // The contacts folder alone: individuals go to it, accounts are not synced, no type is said.
  const contactFolder = await createThrough(page,
    { input: "Or a new folder named", button: "Create folder", select: "Contacts folder" }, FOLDERS.contact);
  assert.deepEqual(await shownTypes(page), { "C-1": "", "C-2": "", "C-3": "", "C-4": "" });

  // Individuals get their own folder: two types, so each row says its type.
  read.clear();
  const individualFolder = await createThrough(page,
    { input: "Or a new individuals folder named", button: "Create individuals folder", select: "Individuals folder" }, FOLDERS.individual);
  assert.deepEqual(await shownTypes(page), { "C-1": "Contact", "C-2": "Contact", "C-3": "Individual", "C-4": "Individual" });
  assert.ok(read.has(contactFolder.id) && read.has(individualFolder.id), "the plan read both folders");

  // And accounts theirs: the accounts join the plan.
  read.clear();
  const accountFolder = await createThrough(page,
    { input: "Or a new accounts folder named", button: "Create accounts folder", select: "Accounts folder" }, FOLDERS.account);
  assert.ok([contactFolder, individualFolder, accountFolder].every((f) => read.has(f.id)), "the plan read the three folders");
  // The other pickers list the new folders too, and keep their choice.
  for (const label of ["Contacts folder", "Individuals folder", "Accounts folder"]) {
    const options = await page.getByLabel(label, { exact: true }).locator("option").allTextContents();
    for (const name of Object.values(FOLDERS)) assert.ok(options.includes(name), `${label} lists ${name}`);
  }
  assert.equal(await page.getByLabel("Contacts folder", { exact: true }).inputValue(), contactFolder.id);
  assert.equal(await page.getByLabel("Individuals folder", { exact: true }).inputValue(), individualFolder.id);
  const settings = await page.evaluate(() => JSON.parse(localStorage.getItem("central-o365-sync.settings")));
  assert.deepEqual([settings.folderId, settings.folderIndividual, settings.folderAccount],
    [contactFolder.id, individualFolder.id, accountFolder.id]);

  const rows = await shownRows(page);
  assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.state])),
    Object.fromEntries(Object.keys(EXPECTED).map((id) => [id, "new"])));
  assert.deepEqual(await shownTypes(page), Object.fromEntries(Object.entries(EXPECTED).map(([id, type]) => [id, TYPE_WORD[type]])));
  assert.equal(rows.find((r) => r.id === "A-1").name, "Contoso Ltd");
  const details = await page.locator('.cos-plan tbody tr[data-id="C-3"] td').last().textContent();
  assert.match(details, /^Individual · Will be created in Outlook$/);
  assert.equal(await page.locator('.cos-plan tbody tr[data-id="A-2"] .cos-type').getAttribute("data-type"), "account");
  await screenshot(page, "types-1-planned", { fullPage: true });

  // Sync everything: each type lands in its own folder.
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.match(await page.locator(".cos-result-summary").textContent(), /^Sync finished: 6 created, 0 updated, 0 failed, 0 skipped\./);
  await screenshot(page, "types-2-results", { fullPage: true });

  const box = await mailbox();
  const inFolder = (folder) => box.folders.find((f) => f.id === folder.id).contacts;
  const ids = (folder) => inFolder(folder).map((c) => c.centralId).sort();
  assert.deepEqual(ids(contactFolder), ["C-1", "C-2"]);
  assert.deepEqual(ids(individualFolder), ["C-3", "C-4"]);
  assert.deepEqual(ids(accountFolder), ["A-1", "A-2"]);
  for (const account of ACCOUNTS.filter((a) => a.status === "active")) {
    const written = inFolder(accountFolder).find((c) => c.centralId === account.id);
    assert.equal(written.displayName, account.name, `${account.id}'s displayName`);
    assert.equal(written.companyName, account.name, `${account.id}'s companyName`);
    assert.equal(written.emailAddresses[0]?.address, account.email, `${account.id}'s email`);
  }
  const ann = inFolder(contactFolder).find((c) => c.centralId === "C-1");
  assert.equal(ann.companyName, "Contoso Ltd", "a contact's company is its account's name");
  const iris = inFolder(individualFolder).find((c) => c.centralId === "C-3");
  assert.deepEqual([iris.givenName, iris.surname, iris.companyName ?? ""], ["Iris", "Park", ""]);
  // Nothing anywhere else (the default Contacts folder stays empty).
  const elsewhere = box.folders.filter((f) => ![contactFolder.id, individualFolder.id, accountFolder.id].includes(f.id));
  assert.deepEqual(elsewhere.flatMap((f) => f.contacts.map((c) => `${f.displayName}: ${c.displayName}`)), []);

  // Plan again: every record is up to date where it is.
  await page.getByRole("button", { name: "Plan again" }).last().click();
  await waitForPlan(page);
  assert.deepEqual(Object.fromEntries((await shownRows(page)).map((r) => [r.id, r.state])),
    Object.fromEntries(Object.keys(EXPECTED).map((id) => [id, "upToDate"])));
  assert.match(await status(page), /^Plan ready: 0 new, 0 to update, 6 up to date, 0 not syncable, 0 conflicts\.$/);

  // A person dragged into the Accounts folder in Outlook cannot become an account: a conflict, in words.
  await emu.api("POST", `/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}/contacts/${encodeURIComponent(iris.immutableId)}/move`,
    { folder: accountFolder.id });
  await page.getByRole("button", { name: "Plan again" }).first().click();
  await waitForPlan(page);
  const moved = page.locator('.cos-plan tbody tr[data-id="C-3"]');
  assert.equal(await moved.getAttribute("data-state"), "conflict");
  assert.equal(await moved.locator(".cos-type").textContent(), "Individual");
  assert.deepEqual(await moved.locator(".cos-reasons li").allTextContents(),
    ["Moved between a person's folder and the Accounts folder: a person cannot become an account. Move it back in Outlook."]);
  assert.equal(await moved.locator("input[type=checkbox]").isDisabled(), true);
  await screenshot(page, "types-4-moved-to-accounts");

  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.dialogs, []);
});

test("one folder chosen for two types is said beside the pickers and nothing is planned", async () => {
  await emu.api("POST", `/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}/folders`, { displayName: FOLDERS.contact });
  await emu.api("POST", `/_emulator/mailboxes/${encodeURIComponent(DEMO_USER)}/folders`, { displayName: FOLDERS.individual });
  const { page, seen } = await newPage(browser, { csp: true });
  let sessions = 0; // plans made: each reads the contacts folder
  page.on("request", (r) => { if (/\/v1\.0\/me\/contactFolders\/[^/?]+\/contacts(\/delta)?(\?|$)/.test(r.url())) sessions++; });
  await page.goto(emu.url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await waitForPlan(page); // a fresh browser: the folder named "Central Contacts", alone
  await openSettings(page);

  const individuals = page.getByLabel("Individuals folder", { exact: true });
  const error = page.locator(".cos-folder-error");
  assert.equal(await error.isHidden(), true);
  sessions = 0;
  await individuals.selectOption({ label: FOLDERS.contact });
  await error.waitFor();
  assert.equal(await error.textContent(),
    "“Central Contacts” is both the Contacts folder and the Individuals folder. A folder holds one type of record: choose another folder for one of them. Nothing is planned until then.");
  assert.equal(await error.getAttribute("role"), "alert");
  assert.equal(await individuals.getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("Contacts folder", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("Accounts folder", { exact: true }).getAttribute("aria-invalid"), null);
  assert.equal(await status(page), "Choose a different folder for each type in Settings to see the plan.");
  assert.equal(await page.locator(".cos-plan").isHidden(), true, "no plan is shown");
  assert.equal(await page.locator(".cos-error").isHidden(), true, "no package error: nothing was asked of it");
  assert.equal(await page.locator(".cos-settings").evaluate((d) => d.open), true);
  await screenshot(page, "types-3-same-folder-twice", { fullPage: true });

  // "Save and plan" does not plan it either.
  await page.getByRole("button", { name: "Save and plan" }).click();
  await page.waitForTimeout(500);
  assert.equal(await error.isVisible(), true);
  assert.equal(await page.locator(".cos-plan").isHidden(), true);
  assert.equal(sessions, 0, "no plan read a folder");

  // The accounts folder on the same folder as the individuals: still said, for that pair first found.
  await page.getByLabel("Accounts folder", { exact: true }).selectOption({ label: FOLDERS.contact });
  assert.match(await error.textContent(), /^“Central Contacts” is both the Contacts folder and the Individuals folder\./);
  await individuals.selectOption({ label: "(none — individuals go to the Contacts folder)" });
  await page.waitForFunction(() => /Contacts folder and the Accounts folder/.test(document.querySelector(".cos-folder-error").textContent));
  assert.equal(await individuals.getAttribute("aria-invalid"), null);

  // Back to none: the error goes and the plan comes back, planned with `folderId` alone.
  await page.getByLabel("Accounts folder", { exact: true }).selectOption({ label: "(none — accounts are not synced)" });
  await waitForPlan(page);
  assert.equal(await error.isHidden(), true);
  assert.equal(await page.getByLabel("Contacts folder", { exact: true }).getAttribute("aria-invalid"), null);
  assert.ok(sessions > 0);
  const settings = await page.evaluate(() => JSON.parse(localStorage.getItem("central-o365-sync.settings")));
  assert.deepEqual([settings.folderIndividual, settings.folderAccount], ["", ""]);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
});

test("Both ways, a marked contact of the default Contacts folder is created in Central or linked, and moved into its type's folder", async () => {
  // A clean start: the three type folders made through the pickers, as in the first test.
  await emu.api("POST", "/_emulator/reset", {});
  await emu.api("PUT", "/_emulator/central/contacts", CONTACTS);
  await emu.api("PUT", "/_emulator/central/accounts", ACCOUNTS);
  const user = encodeURIComponent(DEMO_USER);
  const { page, seen } = await newPage(browser, { csp: true });
  await page.goto(emu.url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await page.waitForFunction(() => /^Choose a contacts folder/.test(document.querySelector(".cos-status").textContent));
  const contactFolder = await createThrough(page,
    { input: "Or a new folder named", button: "Create folder", select: "Contacts folder" }, FOLDERS.contact);
  const individualFolder = await createThrough(page,
    { input: "Or a new individuals folder named", button: "Create individuals folder", select: "Individuals folder" }, FOLDERS.individual);
  const accountFolder = await createThrough(page,
    { input: "Or a new accounts folder named", button: "Create accounts folder", select: "Accounts folder" }, FOLDERS.account);

  // A first sync, one way: every record lands in its folder and the ledger holds them.
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.match(await page.locator(".cos-result-summary").textContent(), /^Sync finished: 6 created, 0 updated, 0 failed, 0 skipped\./);

  // Both ways: still all up to date.
  await openSettings(page);
  await page.getByLabel("Sync direction").selectOption("twoWay");
  await waitForPlan(page);
  assert.match(await status(page), /^Plan ready: 0 new, 0 to update, 6 up to date, 0 not syncable, 0 conflicts\.$/);

  // Central gets a contact no Outlook folder has yet; the user files three contacts in the
  // mailbox's default Contacts folder: one marked as an individual (with a category of their
  // own), one marked as a contact with the new record's email, one not marked at all.
  const cara = { id: "C-6", status: "active", type: "contact", firstName: "Cara", lastName: "Mills",
    email: "cara.mills@example.org", mobile: "+44 7700 900606" };
  await emu.api("PUT", "/_emulator/central/contacts", [...CONTACTS, cara]);
  const defaultFolder = (await mailbox()).folders.find((f) => f.isDefault);
  assert.equal(defaultFolder.displayName, "Contacts");
  assert.deepEqual(defaultFolder.contacts, []);
  const seeded = {
    nadia: { givenName: "Nadia", surname: "Quinn", displayName: "Nadia Quinn", categories: ["Central Individual", "Friends"],
      emailAddresses: [{ address: "nadia.quinn@example.net", name: "Nadia Quinn" }], mobilePhone: "+44 7700 900707" },
    cara: { givenName: "Cara", surname: "Mills", displayName: "Cara Mills", categories: ["Central Contact"],
      emailAddresses: [{ address: cara.email, name: "Cara Mills" }] },
    uma: { givenName: "Uma", surname: "Vance", displayName: "Uma Vance", categories: [],
      emailAddresses: [{ address: "uma.vance@example.net", name: "Uma Vance" }] },
  };
  const { ids } = await emu.api("POST", `/_emulator/mailboxes/${user}/folders/${encodeURIComponent(defaultFolder.id)}/contacts`,
    [seeded.nadia, seeded.cara, seeded.uma]);
  assert.equal(ids.length, 3);
  const immutable = Object.fromEntries(await Promise.all(Object.keys(seeded).map(async (key, n) =>
    [key, (await emu.api("GET", `/_emulator/mailboxes/${user}/contacts/${encodeURIComponent(ids[n])}`)).immutableId])));

  await page.getByRole("button", { name: "Plan again" }).first().click();
  await waitForPlan(page);
  assert.match(await status(page),
    /^Plan ready: 0 new, 1 to update, 6 up to date, 0 not syncable, 0 conflicts, 1 to create in Central\.$/);
  // (a) to create in Central, as an individual.
  const rowA = page.locator('.cos-plan tbody tr[data-state="createInCentral"]');
  assert.equal(await rowA.count(), 1);
  assert.equal(await rowA.locator(".cos-name").textContent(), "Nadia Quinn");
  assert.equal(await rowA.locator(".cos-type").textContent(), "Individual");
  assert.equal(await rowA.locator(".cos-id").textContent(), "");
  await rowA.locator("summary").click();
  const typeA = rowA.locator('li[data-field="type"]');
  assert.equal(await typeA.count(), 1);
  assert.equal(await typeA.textContent(), "Created in Central as an individual");
  assert.equal(await typeA.getAttribute("data-direction"), "toCentral");
  assert.ok((await rowA.locator(".cos-changes li").allTextContents()).some((t) => /^Outlook → Central Email: \(empty\) → nadia\.quinn@example\.net$/.test(t)),
    "its other changes read as before");
  assert.ok((await rowA.locator(".cos-changes li").allTextContents()).every((t) => !/Type:/.test(t)), "no bare type change");
  // (b) linked to C-6 by email: an update that moves it, and Central's mobile.
  const rowB = page.locator('.cos-plan tbody tr[data-id="C-6"]');
  assert.equal(await rowB.getAttribute("data-state"), "update");
  assert.equal(await rowB.locator(".cos-type").textContent(), "Contact");
  await rowB.locator("summary").click();
  assert.deepEqual(await rowB.locator(".cos-changes li").allTextContents(), [
    "Central → Outlook Mobile: (empty) → +44 7700 900606",
    "Moves from the default Contacts folder into the Contacts folder",
  ]);
  assert.equal(await rowB.locator('li[data-field="type"]').getAttribute("data-direction"), "toOutlook");
  // (c), not marked, is not in the plan.
  const names = await page.locator(".cos-plan tbody tr[data-id] .cos-name").allTextContents();
  assert.equal(names.length, 8);
  assert.ok(!names.includes("Uma Vance"), "the unmarked contact is not planned");
  await screenshot(page, "types-5-marked-planned", { fullPage: true });

  // Only these two.
  await page.getByRole("button", { name: "Select none", exact: true }).click();
  await rowA.locator("input[type=checkbox]").check();
  await rowB.locator("input[type=checkbox]").check();
  assert.equal(await page.locator(".cos-syncbar button").textContent(), "Sync 2 selected");
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  assert.match(await page.locator(".cos-result-summary").textContent(),
    /^Sync finished: 0 created, 1 updated, 1 created in Central, 0 failed, 0 skipped\./);
  await screenshot(page, "types-6-marked-results", { fullPage: true });

  // (a): a new individual in Central, its contact in the Individuals folder without the marker.
  const made = (await emu.api("GET", "/_emulator/central/contacts")).filter((c) => c.email === "nadia.quinn@example.net");
  assert.equal(made.length, 1, "Central has the individual once");
  assert.deepEqual([made[0].type, made[0].status, made[0].firstName, made[0].lastName], ["individual", "active", "Nadia", "Quinn"]);
  const box = await mailbox();
  const folderOf = (id) => box.folders.find((f) => f.id === id);
  // (A move creates the contact in its new folder and deletes the original: Deleted Items has it.)
  const find = (key) => box.folders.filter((f) => !f.isDeletedItems).flatMap((f) => f.contacts.map((c) => ({ ...c, folder: f.id })))
    .filter((c) => c.immutableId === immutable[key] || c.emailAddresses?.[0]?.address === seeded[key].emailAddresses[0].address);
  const [nadia, ...nadiaMore] = find("nadia");
  assert.equal(nadiaMore.length, 0, "one contact of Nadia");
  assert.equal(nadia.folder, individualFolder.id, "Nadia is in the Individuals folder");
  assert.deepEqual(nadia.categories, ["Friends"]);
  assert.equal(nadia.centralId, made[0].id);
  assert.equal(nadia.mobilePhone, seeded.nadia.mobilePhone);
  // (b): in the Contacts folder, linked to C-6, without a category, with Central's mobile.
  const [caraThere, ...caraMore] = find("cara");
  assert.equal(caraMore.length, 0, "one contact of Cara");
  assert.equal(caraThere.folder, contactFolder.id, "Cara is in the Contacts folder");
  assert.equal(caraThere.centralId, "C-6");
  assert.deepEqual(caraThere.categories ?? [], []);
  assert.equal(caraThere.mobilePhone, cara.mobile);
  // The default Contacts folder holds only (c); the other folders what they held, plus the two.
  assert.deepEqual(folderOf(defaultFolder.id).contacts.map((c) => c.displayName), ["Uma Vance"]);
  assert.deepEqual(folderOf(contactFolder.id).contacts.map((c) => c.centralId).sort(), ["C-1", "C-2", "C-6"]);
  assert.deepEqual(folderOf(individualFolder.id).contacts.map((c) => c.centralId).sort(), ["C-3", "C-4", made[0].id].sort());
  assert.deepEqual(folderOf(accountFolder.id).contacts.map((c) => c.centralId).sort(), ["A-1", "A-2"]);

  // Plan again: everything is up to date where it is.
  await page.getByRole("button", { name: "Plan again" }).last().click();
  await waitForPlan(page);
  assert.match(await status(page), /^Plan ready: 0 new, 0 to update, 8 up to date, 0 not syncable, 0 conflicts\.$/);
  const rows = await shownRows(page);
  assert.equal(rows.length, 8);
  assert.ok(rows.every((r) => r.state === "upToDate"), JSON.stringify(rows.filter((r) => r.state !== "upToDate")));
  assert.equal((await shownTypes(page))[made[0].id], "Individual");
  await screenshot(page, "types-7-marked-up-to-date", { fullPage: true });

  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.dialogs, []);
});
