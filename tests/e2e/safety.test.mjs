// Hostile data renders as text: markup in names, SQL-ish quotes, right-to-left text and a bidi
// override; no script runs, nothing violates the strict CSP, and CSV exports defuse formulas.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, openAndPlan, demoFolder } from "./support.mjs";

const HOSTILE = [
  { id: "X-XSS", status: "active", firstName: "<img src=x onerror=alert(1)>", lastName: "Script", email: "xss@example.com" },
  { id: "X-DROP", status: "active", firstName: 'Robert"; DROP TABLE contacts;--', lastName: "Tables", email: "bobby@example.com" },
  { id: "X-RTL", status: "active", firstName: "مريم", lastName: "כהן \u202Eevil", email: "rtl@example.com", mobile: "+972 50 123 4567" },
  { id: "X-HTML", status: "active", firstName: "<script>alert(2)</script>", lastName: "<b>bold</b>", email: "html@example.com" },
  { id: "X-CSV", status: "active", firstName: '=HYPERLINK("http://evil.example","x")', lastName: "@SUM(1)", email: "" },
];

let emu, browser;
before(async () => {
  emu = await startEmulator(["--demo"]);
  browser = await launch();
  const central = await emu.api("GET", "/_emulator/central/contacts");
  await emu.api("PUT", "/_emulator/central/contacts", [...HOSTILE, ...central]);
});
after(async () => { await browser?.close(); await emu?.stop(); });

async function readDownload(download) {
  let text = "";
  for await (const chunk of await download.createReadStream()) text += chunk;
  return text.replace(/^\ufeff/, "");
}

test("names with markup, quotes and RTL text render as text and no script runs", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await openAndPlan(page, emu.url);
  const name = (id) => page.locator(`.cos-plan tr[data-id="${id}"] .cos-name`).textContent();
  // The hostile records are first in Central's order, so on the first page.
  assert.equal(await name("X-XSS"), "<img src=x onerror=alert(1)> Script");
  assert.equal(await name("X-DROP"), 'Robert"; DROP TABLE contacts;-- Tables');
  assert.equal(await name("X-RTL"), "مريم כהן \u202Eevil");
  assert.equal(await name("X-HTML"), "<script>alert(2)</script> <b>bold</b>");
  assert.equal(await page.locator(".cos img, .cos script, .cos b").count(), 0);

  await page.getByLabel("Search").fill("onerror");
  await page.waitForFunction(() => document.querySelectorAll(".cos-plan tbody tr[data-id]").length === 1);
  await page.getByLabel("Search").fill("");
  await screenshot(page, "safety-1-hostile-names");

  // The non-syncable export defuses a formula in a name.
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download not-syncable records (CSV)" }).click();
  const csv = await readDownload(await download);
  const line = csv.split("\r\n").find((l) => l.startsWith('"X-CSV"'));
  assert.ok(line.startsWith(`"X-CSV","'=HYPERLINK(""http://evil.example"",""x"") @SUM(1)","",`), line);
  assert.match(csv.split("\r\n")[0], /^"Central id","Name","Email","State","Reasons"/);

  // Sync: the names reach Outlook exactly as Central has them.
  await page.locator(".cos-syncbar button").click();
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 60_000 });
  const folder = await demoFolder(emu);
  const stored = Object.fromEntries(folder.contacts.map((c) => [c.centralId, c]));
  assert.equal(stored["X-XSS"].givenName, "<img src=x onerror=alert(1)>");
  assert.equal(stored["X-DROP"].givenName, 'Robert"; DROP TABLE contacts;--');
  assert.equal(stored["X-RTL"].surname, "כהן \u202Eevil");
  assert.equal(await page.locator(`.cos-results tr[data-id="X-XSS"] .cos-name`).textContent(), "<img src=x onerror=alert(1)> Script");
  assert.equal(await page.locator(".cos img, .cos script, .cos b").count(), 0);
  await screenshot(page, "safety-2-results");

  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.violations, []);
});

test("csvCell quotes every cell and defuses = + - @ tab and CR at the start", async () => {
  const { page } = await newPage(browser);
  await page.goto(emu.url);
  const cells = await page.evaluate(async () => {
    const { csvCell } = await import("/widget.mjs");
    return ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", 'say "hi"', "plain", "", null, 42].map(csvCell);
  });
  assert.deepEqual(cells, [`"'=1+1"`, `"'+1"`, `"'-1"`, `"'@A1"`, `"'\tx"`, `"'\rx"`, `"say ""hi"""`, `"plain"`, `""`, `""`, `"42"`]);
});
