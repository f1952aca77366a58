// Keyboard only: sign in, search, select one record, sync and reach the results without a mouse.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot } from "./support.mjs";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });

/** Presses Tab until `predicate(activeElement)` holds (evaluated in the page). */
async function tabTo(page, predicate, arg, max = 400) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(predicate, arg)) return;
  }
  throw new Error(`Tab never reached ${predicate}`);
}

test("the whole flow works with the keyboard alone", async () => {
  const { page, seen } = await newPage(browser, { csp: true });
  await page.goto(emu.url);
  await page.locator(".cos-head button:not([disabled])").first().waitFor();
  await tabTo(page, () => document.activeElement?.textContent === "Demo sign-in");
  await page.keyboard.press("Enter");
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });

  await tabTo(page, () => document.activeElement?.textContent === "Select none");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator(".cos-selection").textContent(), "0 selected");

  // Filter to the new records with the keyboard, then pick the first one.
  await tabTo(page, () => document.activeElement?.dataset?.state === "new");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator('.cos-count[data-state="new"]').getAttribute("aria-pressed"), "true");
  await tabTo(page, () => document.activeElement?.type === "checkbox");
  const target = await page.evaluate(() => document.activeElement.closest("tr").dataset.id);
  await page.keyboard.press("Space");
  assert.equal(await page.locator(".cos-selection").textContent(), "1 selected");
  await screenshot(page, "keyboard-1-selected");

  await tabTo(page, () => document.activeElement?.textContent === "Sync 1 selected", undefined, 400);
  // The focus ring is visible on the focused control.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, "solid");
  await screenshot(page, "keyboard-2-focus-on-sync");
  await page.keyboard.press("Enter");
  await page.locator(".cos-results:not([hidden])").waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Results");
  assert.equal(await page.locator(".cos-results tbody tr[data-id]").getAttribute("data-id"), target);
  assert.equal(await page.locator(".cos-results tbody tr[data-id]").getAttribute("data-action"), "created");

  // Plan again from the results, by keyboard.
  await tabTo(page, () => document.activeElement?.textContent === "Plan again" && document.activeElement.closest(".cos-results"));
  await page.keyboard.press("Enter");
  await page.locator(".cos-plan:not([hidden])").waitFor();
  await screenshot(page, "keyboard-3-planned-again");
  assert.deepEqual(seen.errors, []);
});

test("every control has an accessible name and progress is announced politely", async () => {
  const { page } = await newPage(browser);
  await page.goto(emu.url);
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 30_000 });
  const unnamed = await page.evaluate(() => [...document.querySelectorAll(".cos input, .cos select, .cos button, .cos progress")]
    .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.textContent.trim() || el.closest("[hidden]")))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  assert.equal(await page.locator('.cos [aria-live="polite"]').count() >= 1, true);
  assert.equal(await page.locator('.cos [role="status"]').count(), 1);
});
