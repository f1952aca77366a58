// Both ways, a company the user types in Outlook is linked to a Central account (README
// "Companies", DESIGN §4 "Company → account"); one that matches none is written without an
// account, and the plan lists it below the table under "Unresolved companies": each company
// once, with how many contacts carry it and who they are.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, DEMO_USER } from "./support.mjs";

const USER = encodeURIComponent(DEMO_USER);
const ACCOUNTS = [
  { id: "A-1", status: "active", name: "Contoso Ltd", createdAt: "2024-01-01T00:00:00Z", email: "info@contoso.example" },
  { id: "A-2", status: "active", name: "Fabrikam Trading", createdAt: "2024-02-01T00:00:00Z", email: "hello@fabrikam.example" },
];
const CONTACTS = [
  { id: "C-1", status: "active", type: "contact", firstName: "Ann", lastName: "Lee", email: "ann.lee@example.org" },
  { id: "C-2", status: "active", type: "contact", accountId: "A-2", firstName: "Bob", lastName: "Stone", email: "bob.stone@example.org" },
  { id: "C-3", status: "active", type: "contact", firstName: "Cleo", lastName: "Hart", email: "cleo.hart@example.org" },
  { id: "C-4", status: "active", type: "contact", accountId: "A-2", firstName: "Dev", lastName: "Rao", email: "dev.rao@example.org" },
];
// What the user types in Outlook: one exact account name, two names that match no account —
// one of them on an existing contact and on a contact made in Outlook (to create in Central).
const RESOLVED = "Contoso Ltd";
const NORTHWIND = "Northwind Traders";
const NOOR = "مختبرات النور"; // right to left: shown isolated from the text around it
const TYPED = { "C-1": RESOLVED, "C-2": NORTHWIND, "C-3": NOOR };
const MADE = { givenName: "Tamsin", surname: "Okafor", displayName: "Tamsin Okafor", companyName: NORTHWIND,
  emailAddresses: [{ address: "tamsin.okafor@example.net", name: "Tamsin Okafor" }] };

let emu, browser;
before(async () => {
  emu = await startEmulator([]);
  await emu.api("PUT", "/_emulator/central/accounts", ACCOUNTS);
  await emu.api("PUT", "/_emulator/central/contacts", CONTACTS);
  await emu.api("POST", `/_emulator/mailboxes/${USER}/folders`, { displayName: "Central Contacts" });
  browser = await launch();
});
after(async () => { await browser?.close(); await emu?.stop(); });

const folder = async () => (await emu.api("GET", `/_emulator/mailboxes/${USER}`)).folders.find((f) => f.displayName === "Central Contacts");
const centralRecords = () => emu.api("GET", "/_emulator/central/contacts");
const status = (page) => page.locator(".cos-status").textContent();

/** Waits for a plan (or fails with the error the page shows). */
async function waitForPlan(page) {
  await page.waitForFunction(() => /^Plan ready: /.test(document.querySelector(".cos-status").textContent) ||
    !document.querySelector(".cos-error").hidden, undefined, { timeout: 30_000 });
  const error = page.locator(".cos-error");
  if (!(await error.isHidden())) assert.fail(`the page shows an error: [${await error.getAttribute("data-code")}] ${await error.textContent()}`);
  await page.locator(".cos-plan:not([hidden])").waitFor();
}

async function sync(page) {
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  return page.locator(".cos-result-summary").textContent();
}

test("Both ways, companies typed in Outlook that match no account are listed under Unresolved companies and written without one", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await page.goto(emu.url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await waitForPlan(page);
  // One way first: the four land in Outlook (with their accounts' names) and the ledger holds them.
  assert.match(await sync(page), /^Sync finished: 4 created, 0 updated, 0 failed, 0 skipped\./);
  const landed = Object.fromEntries((await folder()).contacts.map((c) => [c.centralId, c]));
  assert.equal(landed["C-2"].companyName, "Fabrikam Trading");

  // The user types companies in Outlook, and makes a contact there.
  for (const [id, companyName] of Object.entries(TYPED)) {
    await emu.api("PATCH", `/_emulator/mailboxes/${USER}/contacts/${encodeURIComponent(landed[id].id)}`, { companyName });
  }
  const made = await emu.api("POST", `/_emulator/mailboxes/${USER}/folders/${encodeURIComponent((await folder()).id)}/contacts`, [MADE]);
  assert.equal(made.ids.length, 1);

  // Settings → Sync direction: Both ways (this plans again).
  await page.locator(".cos-settings > summary").click();
  await page.getByLabel("Sync direction").selectOption("twoWay");
  await waitForPlan(page);
  assert.match(await status(page), /^Plan ready: 0 new, 3 to update, 1 up to date, 0 not syncable, 0 conflicts, 1 to create in Central\.$/);

  // The rows: the resolved one says its account; the others carry the reason.
  const row = (id) => page.locator(`.cos-plan tbody tr[data-id="${id}"]`);
  await row("C-1").locator("summary").click();
  assert.match(await row("C-1").locator(".cos-account").textContent(), /Linked to the Central account “Contoso Ltd” \(same name\)/);
  assert.equal(await row("C-1").locator(".cos-reasons").count(), 0);
  for (const id of ["C-2", "C-3"]) assert.match(await row(id).textContent(), /The company matches no Central account/);

  // The list: exactly the two unresolved companies, most contacts first, with their names.
  const section = page.locator(".cos-companies");
  assert.equal(await section.isVisible(), true);
  assert.equal(await section.getByRole("heading", { level: 4 }).textContent(), "Unresolved companies");
  assert.match(await section.locator(".cos-companies-intro").textContent(),
    /Written to Central without an account; create the account in Central, or correct the company in Outlook, then plan again\.$/);
  const region = page.getByRole("region", { name: "Unresolved companies" });
  const entries = region.getByRole("listitem");
  assert.equal(await entries.count(), 2);
  const shown = await entries.evaluateAll((lis) => lis.map((li) => ({
    company: li.querySelector(".cos-company-name").textContent, count: li.dataset.count,
    names: [...li.querySelectorAll(".cos-company-contact")].map((n) => n.textContent), text: li.textContent,
  })));
  assert.deepEqual(shown.map(({ company, count, names }) => ({ company, count, names })), [
    { company: NORTHWIND, count: "2", names: ["Bob Stone", "Tamsin Okafor"] },
    { company: NOOR, count: "1", names: ["Cleo Hart"] },
  ]);
  assert.equal(shown[0].text, `${NORTHWIND} — 2 contacts: Bob Stone and Tamsin Okafor`);
  assert.equal(shown[1].text, `${NOOR} — 1 contact: Cleo Hart`);
  assert.ok(!(await section.textContent()).includes(RESOLVED), "the resolved company is not listed");
  assert.match(await page.locator(".cos-plan .cos-note").first().textContent(),
    /2 companies typed in Outlook match no Central account: listed below the table\./);
  // Untrusted text: isolated (bdi), set as text.
  assert.deepEqual(await region.locator(".cos-company-name, .cos-company-contact").evaluateAll((ns) => [...new Set(ns.map((n) => n.localName))]), ["bdi"]);
  // What a screen reader reads: a region named by its heading holding a list of two items.
  assert.equal(await region.ariaSnapshot(), [
    "- region \"Unresolved companies\":",
    "  - list:",
    `    - listitem: "${NORTHWIND} — 2 contacts: Bob Stone and Tamsin Okafor"`,
    `    - listitem: "${NOOR} — 1 contact: Cleo Hart"`,
  ].join("\n"));
  // By keyboard: Tab from the last control of the table reaches the list.
  await page.locator(".cos-plan tbody input[type=checkbox]").last().focus();
  let reached = false;
  for (let n = 0; n < 40 && !reached; n++) {
    await page.keyboard.press("Tab");
    reached = await region.evaluate((r) => r === document.activeElement);
  }
  assert.ok(reached, "Tab reaches the unresolved companies");
  await section.scrollIntoViewIfNeeded();
  await screenshot(page, "companies-1-unresolved", { fullPage: true });

  // Sync everything selected: the unresolved are written without an account, the resolved with its.
  assert.match(await sync(page), /^Sync finished: 0 created, 0 updated, 1 created in Central, 3 updated in Central, 0 failed, 0 skipped\./);
  const records = await centralRecords();
  const byId = Object.fromEntries(records.map((c) => [c.id, c]));
  assert.equal(byId["C-1"].accountId, "A-1");
  assert.ok(!byId["C-2"].accountId, `C-2 has no account: ${JSON.stringify(byId["C-2"])}`);
  assert.ok(!byId["C-3"].accountId, `C-3 has no account: ${JSON.stringify(byId["C-3"])}`);
  assert.equal(byId["C-4"].accountId, "A-2", "an untouched contact keeps its account");
  const created = records.filter((c) => c.email === MADE.emailAddresses[0].address);
  assert.equal(created.length, 1);
  assert.ok(!created[0].accountId, `the contact made in Outlook has no account: ${JSON.stringify(created[0])}`);
  // Outlook keeps the companies as typed.
  const after = Object.fromEntries((await folder()).contacts.map((c) => [c.centralId, c.companyName]));
  assert.deepEqual([after["C-1"], after["C-2"], after["C-3"], after["C-4"], after[created[0].id]],
    [RESOLVED, NORTHWIND, NOOR, "Fabrikam Trading", NORTHWIND]);

  // Plan again: nothing left to write, so nothing listed.
  await page.getByRole("button", { name: "Plan again" }).last().click();
  await waitForPlan(page);
  assert.match(await status(page), /^Plan ready: 0 new, 0 to update, 5 up to date, 0 not syncable, 0 conflicts\.$/);
  assert.equal(await section.isHidden(), true);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
});

test("The list groups a company however it was typed, shows the first names then how many more, and keeps hostile text as text", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await page.goto(emu.url);
  const result = await page.evaluate(async () => {
    const { UnresolvedCompaniesView, NAMES_SHOWN } = await import("/companies.mjs");
    const item = (n, company, extra = {}) => ({
      centralId: `C-${n}`, outlookId: `O-${n}`, state: "update", reasons: ["unresolvedCompany"], account: null,
      changes: [{ field: "companyName", from: "", to: company, direction: "toCentral" }],
      display: { name: `Person ${n}`, email: `p${n}@example.org`, company: "" }, ...extra,
    });
    const hostile = "<img src=x onerror=alert(1)>\u202Eevil";
    const items = [
      ...["Tailspin", "tailspin ", "TAILSPIN", "Tailspin", "Tailspin", "Tailspin"].map((c, n) => item(n + 1, c)),
      item(7, hostile, { display: { name: "<b>Eve</b>", email: "", company: "" } }),
      { ...item(8, "Nowhere"), reasons: [] }, // resolved or not written: not listed
      { ...item(9, ""), state: "createInCentral", centralId: "", outlookId: "O-9",
        changes: [{ field: "givenName", from: "", to: "Zed", direction: "toCentral" },
          { field: "companyName", from: "", to: "Made Here", direction: "toCentral" }],
        display: { name: "Zed Quill", email: "zed@example.net", company: "" } },
    ];
    const view = new UnresolvedCompaniesView((name) => `t-${name}`);
    document.body.append(view.node);
    const n = view.show(items);
    const lis = [...view.node.querySelectorAll("li")];
    const out = { n, namesShown: NAMES_SHOWN, hidden: view.node.hidden, imgs: view.node.querySelectorAll("img, b").length,
      entries: lis.map((li) => ({ company: li.dataset.company, count: li.dataset.count, text: li.textContent })) };
    out.emptyHidden = (view.show([item(1, "X", { reasons: [] })]), view.node.hidden);
    return out;
  });
  assert.equal(result.n, 3);
  assert.equal(result.hidden, false);
  assert.equal(result.imgs, 0, "no markup from the data");
  assert.deepEqual(result.entries, [
    { company: "Tailspin", count: "6", text: "Tailspin — 6 contacts (also typed as tailspin and TAILSPIN): Person 1, Person 2, Person 3 and 3 more" },
    { company: "<img src=x onerror=alert(1)>\u202Eevil", count: "1", text: "<img src=x onerror=alert(1)>\u202Eevil — 1 contact: <b>Eve</b>" },
    { company: "Made Here", count: "1", text: "Made Here — 1 contact: Zed Quill" },
  ]);
  assert.equal(result.emptyHidden, true);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, []);
});
