// Runs the browser plan benchmark (tests/bench/bench.html) in headless Chromium and reports it.
//
//   npm install --prefix tests                     # once: playwright-core (no browser download)
//   node tests/bench/run.mjs                       # 100,000 × 100,000
//   BENCH_N=20000 BENCH_RUNS=3 node tests/bench/run.mjs
//   BENCH_SETTLE_MS=1500 node tests/bench/run.mjs  # idle time after the collection before each run
//
// Needs the package in pkg/ (`scripts/build-pkg`) and
// /usr/bin/chromium. Generates the fixture with the Rust example into target/bench/fixture-N/
// when it is missing. Serves pkg/, tests/bench/ and the fixture on 127.0.0.1 (a free port),
// prints a table and writes target/bench/browser-plan.json (browser-plan-N.json for another N).

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const n = Number(process.env.BENCH_N ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const warmup = Number(process.env.BENCH_WARMUP ?? 1);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS ?? 30 * 60_000);
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const outDir = path.join(root, "target/bench");
const fixtureDir = path.join(outDir, `fixture-${n}`);

const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic",
  // bench.mjs collects the heap before every run, so one run's garbage is not collected in
  // the next one's time.
  "--js-flags=--expose-gc",
];

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
};

function ensureFixture() {
  // FORMAT says how the files are written (examples/bench_fixture.rs); a fixture without it
  // predates the keys' documented order, and is written again.
  const format = path.join(fixtureDir, "FORMAT");
  if (
    fs.existsSync(path.join(fixtureDir, "central.json")) &&
    fs.existsSync(path.join(fixtureDir, "outlook.json")) &&
    fs.existsSync(format) &&
    fs.readFileSync(format, "utf8") === "keys in the documented orders\n"
  ) {
    return;
  }
  console.log(`generating the ${n}-contact fixture in ${path.relative(root, fixtureDir)}/ …`);
  execFileSync("cargo", ["run", "--release", "--quiet", "--example", "bench_fixture", "--", fixtureDir, String(n)], {
    cwd: root,
    stdio: "inherit",
  });
}

/** A static file server for exactly three trees: /pkg/, /tests/bench/ and /fixture/. */
function startServer() {
  const mounts = [
    ["/pkg/", path.join(root, "pkg")],
    ["/tests/bench/", path.join(root, "tests/bench")],
    ["/fixture/", fixtureDir],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const pathname = decodeURIComponent(url.pathname);
    const mount = mounts.find(([prefix]) => pathname.startsWith(prefix));
    const file = mount && path.join(mount[1], pathname.slice(mount[0].length));
    if (!mount || !file.startsWith(mount[1] + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[path.extname(file)] ?? "application/octet-stream",
      "content-length": fs.statSync(file).size,
      "cache-control": "no-store",
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function table(result) {
  const m = result.medianMs;
  const rows = [
    ["path", "wasm (ms)", "JS (ms)", "JS / wasm"],
    ["bytes as fetched (planSync(Uint8Array) vs JSON.parse + JS)", m.wasmBytes, m.jsBytes, result.ratio.bytes],
    ["arrays already parsed (planSync(array) vs JS)", m.wasmArrays, m.jsArrays, result.ratio.arrays],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(" | "))
    .join("\n") +
    `\nwith a full ledger (${result.ledgerBytes} bytes), side by side: toOutlook without ledger ${m.toOutlook} ms, ` +
    `toOutlook ${m.ledgerToOutlook} ms, twoWay ${m.ledgerTwoWay} ms — twoWay / toOutlook ${result.ratio.twoWayOverToOutlook}`;
}

async function main() {
  if (!fs.existsSync(path.join(root, "pkg/central_o365_sync_bg.wasm"))) {
    throw new Error("pkg/ is missing: run `wasm-pack build --target web --release --out-dir pkg` first");
  }
  ensureFixture();
  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}`;
  const loadBefore = os.loadavg();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    // Nothing but this server may be reached.
    await page.route((url) => url.origin !== base, (route) => route.abort());
    page.on("console", (msg) => console.log(`  page: ${msg.text()}`));
    page.on("pageerror", (err) => console.error(`  page error: ${err.message}`));
    const url = `${base}/tests/bench/bench.html?fixture=/fixture/&runs=${runs}&warmup=${warmup}&settle=${process.env.BENCH_SETTLE_MS ?? 300}`;
    console.log(`benchmark: ${n} Central × ${n} Outlook contacts, ${warmup} warm-up + ${runs} runs, ${url}`);
    await page.goto(url);
    await page.waitForFunction(() => window.__benchResult, null, { timeout: timeoutMs, polling: 500 });
    const result = await page.evaluate(() => window.__benchResult);
    if (result.error) throw new Error(`the page failed: ${result.error}`);
    const report = {
      date: new Date().toISOString(),
      ...result,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
        loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
        browser: browser.version(),
      },
    };
    fs.mkdirSync(outDir, { recursive: true });
    // The full-size report keeps its well-known name; other sizes do not overwrite it.
    const out = path.join(outDir, n === 100_000 ? "browser-plan.json" : `browser-plan-${n}.json`);
    fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
    console.log();
    console.log(table(result));
    console.log();
    console.log(`median of ${runs} runs (fastest: ${Object.entries(result.minMs).map(([k, v]) => `${k} ${v}`).join(", ")} ms);` +
      ` wasm instantiation ${result.wasmInitMs} ms, not included`);
    console.log(`same plan from all four variants: ${result.samePlan}; summary ${JSON.stringify(result.summary)}`);
    console.log(`load average before/after: ${report.machine.loadAverageBefore[0]} / ${report.machine.loadAverageAfter[0]} on ${report.machine.cpus} CPUs`);
    console.log(`written to ${path.relative(root, out)}`);
    if (!result.samePlan) process.exitCode = 1;
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
