// The packed npm package in real consumers: `npm pack` of pkg/, installed into a throwaway app
// that is type-checked with tsc, built and served with Vite, and loaded as a plain page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { ROOT, startEmulator, launch, newPage, screenshot } from "../e2e/support.mjs";

const BIN = `${ROOT}tests/node_modules/.bin/`;
let dir, app, emu, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "central-o365-sync-consumer-"));
  const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: `${ROOT}pkg`, encoding: "utf8" }));
  app = join(dir, "app");
  cpSync(`${ROOT}tests/consumers/app`, app, { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", join(dir, filename)], { cwd: app, stdio: "ignore" });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the packed package holds exactly its files", () => {
  const listing = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: `${ROOT}pkg`, encoding: "utf8" }));
  const files = listing[0].files.map((f) => f.path).sort();
  // README.md is the project README wasm-pack copies in (npm always packs a README). The
  // snippet is the JS that builds a plan's objects (src/unpack_plan.js), under a directory
  // named for the crate and a hash wasm-bindgen chooses.
  const snippets = files.filter((f) => f.startsWith("snippets/"));
  assert.equal(snippets.length, 1, snippets.join());
  assert.match(snippets[0], /^snippets\/central-o365-sync-[0-9a-f]{16}\/src\/unpack_plan\.js$/);
  assert.deepEqual(files.filter((f) => !f.startsWith("snippets/")), ["README.md", "central_o365_sync.d.ts",
    "central_o365_sync.js", "central_o365_sync_bg.wasm", "central_o365_sync_bg.wasm.d.ts", "package.json"]);
});

for (const variant of ["nodenext", "bundler"]) {
  test(`tsc type-checks a TypeScript consumer (moduleResolution ${variant})`, () => {
    execFileSync(`${BIN}tsc`, ["-p", join(app, `tsconfig.${variant}.json`)], { cwd: app, encoding: "utf8" });
  });
}

async function loadAndPlan(url, name) {
  const { page, seen } = await newPage(browser);
  await page.goto(url);
  await page.waitForSelector("body[data-done]", { timeout: 60_000 });
  const out = JSON.parse(await page.locator("#out").textContent());
  await screenshot(page, `consumer-${name}`);
  assert.equal(out.error, undefined, out.error);
  assert.deepEqual(out.local, {
    new: 1, update: 0, upToDate: 0, nonActionable: 0, conflict: 0,
    deleteInOutlook: 0, deleteInCentral: 0, restoreInOutlook: 0, createInCentral: 0,
  });
  assert.ok(out.demo.new > 0 && out.demo.upToDate > 0 && out.demo.nonActionable > 0, JSON.stringify(out.demo));
  assert.deepEqual(seen.errors, []);
  return out;
}

test("a Vite build of an app importing the package loads and plans", async () => {
  execFileSync(`${BIN}vite`, ["build"], { cwd: app, stdio: "pipe" });
  emu ??= await startEmulator(["--demo"], app);
  const out = await loadAndPlan(`${emu.url}/dist/index.html`, "vite-build");
  assert.equal(out.label, "vite");
});

test("a plain HTML page loads the web-target ESM with no bundler and plans", async () => {
  emu ??= await startEmulator(["--demo"], app);
  const out = await loadAndPlan(`${emu.url}/plain.html`, "plain");
  assert.equal(out.label, "plain");
});

test("the Vite dev server serves the package and it plans", async () => {
  emu ??= await startEmulator(["--demo"], app);
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const dev = spawn(`${BIN}vite`, ["--host", "127.0.0.1", "--port", String(port), "--strictPort"],
    { cwd: app, env: { ...process.env, EMULATOR_URL: emu.url }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let log = "";
    dev.stderr.on("data", (c) => { log += c; });
    for (let i = 0; ; i++) {
      if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false)) break;
      if (i > 300 || dev.exitCode !== null) throw new Error(`vite dev did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = await loadAndPlan(`http://127.0.0.1:${port}/`, "vite-dev");
    assert.equal(out.label, "vite");
  } finally {
    dev.kill();
  }
});
