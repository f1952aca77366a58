// 100,000 Central contacts: the page plans them, shows one page of rows, and stays responsive
// (search, filter and paging answer quickly; the main thread is never blocked for long).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, launch, newPage, screenshot, shownCounts } from "./support.mjs";

let emu, browser;
before(async () => { emu = await startEmulator(["--demo-size", "100000"]); browser = await launch(); });
after(async () => { await browser?.close(); await emu?.stop(); });

test("100,000 contacts plan, page, filter and search without freezing", { timeout: 240_000 }, async () => {
  const { page, seen } = await newPage(browser);
  await page.goto(emu.url);
  // Long tasks (main thread busy > 50 ms) while loading and planning.
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
      .observe({ type: "longtask", buffered: true });
  });
  const started = Date.now();
  await page.getByRole("button", { name: "Demo sign-in" }).click();
  await page.locator(".cos-plan:not([hidden])").waitFor({ timeout: 180_000 });
  const planMs = Date.now() - started;
  const counts = await shownCounts(page);
  assert.ok(counts.all > 95_000, JSON.stringify(counts));
  assert.equal(await page.locator(".cos-plan tbody tr[data-id]").count(), 100);

  const timed = async (action, until) => {
    const t0 = Date.now();
    await action();
    await page.waitForFunction(until);
    return Date.now() - t0;
  };
  const filterMs = await timed(() => page.getByRole("button", { name: /^Update / }).click(),
    () => [...document.querySelectorAll(".cos-plan tbody tr[data-id]")].every((r) => r.dataset.state === "update"));
  const pageMs = await timed(() => page.getByRole("button", { name: "Next page" }).first().click(),
    () => /^Rows 101–200 of/.test(document.querySelector(".cos-plan .cos-page-info").textContent));
  await page.getByRole("button", { name: /^All / }).click();
  const searchMs = await timed(() => page.getByLabel("Search").fill("C-99999"),
    () => document.querySelectorAll(".cos-plan tbody tr[data-id]").length <= 2);
  const longest = Math.max(0, ...(await page.evaluate(() => window.__longTasks)));
  await screenshot(page, "large-100k");
  console.log(JSON.stringify({ rows: counts.all, planMs, filterMs, pageMs, searchMs, longestTaskMs: Math.round(longest) }));
  for (const [what, ms] of Object.entries({ filterMs, pageMs, searchMs })) assert.ok(ms < 1500, `${what} ${ms} ms`);
  assert.deepEqual(seen.errors, []);
});
