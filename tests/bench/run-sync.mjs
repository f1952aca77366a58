// Runs the sync benchmark (tests/bench/sync.html) in headless Chromium against the emulator.
//
//   scripts/build-pkg && cargo build --release -p emulator
//   node tests/bench/run-sync.mjs            # N=10000 new, M=5000 already in the folder, 20 ms latency
//   SYNC_N=2000 SYNC_M=0 SYNC_LATENCY=10 node tests/bench/run-sync.mjs
//
// Starts target/release/emulator on a free 127.0.0.1 port serving tests/bench/ and pkg/,
// prints the figures and writes target/bench/sync.json.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const n = Number(process.env.SYNC_N ?? 10000);
const m = Number(process.env.SYNC_M ?? 5000);
const latency = Number(process.env.SYNC_LATENCY ?? 20);

const emulator = spawn(path.join(root, "target/release/emulator"),
  ["--listen", "127.0.0.1:0", "--www", path.join(root, "tests/bench"), "--pkg", path.join(root, "pkg")],
  { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  const lines = readline.createInterface({ input: emulator.stdout });
  lines.on("line", (line) => {
    const match = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    if (match) resolve(match[1]);
  });
  emulator.on("exit", (code) => reject(new Error(`emulator exited (${code})`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic"],
});
try {
  const page = await browser.newPage();
  await page.route((u) => !u.href.startsWith(url), (route) => route.abort());
  await page.goto(`${url}/sync.html?n=${n}&m=${m}&latency=${latency}`);
  await page.waitForFunction(() => window.__syncBench, null, { timeout: 30 * 60_000, polling: 500 });
  const out = await page.evaluate(() => window.__syncBench);
  if (out.error) throw new Error(out.error);
  fs.mkdirSync(path.join(root, "target/bench"), { recursive: true });
  fs.writeFileSync(path.join(root, "target/bench/sync.json"), JSON.stringify(out, null, 2));
  console.log(JSON.stringify(out, null, 2));
  console.log(`\nGraph requests: plan ${out.plan.graphRequests} (minimum ${out.plan.minimumReads}), ` +
    `run ${out.run.graphRequests} (minimum ${out.run.minimumBatches}) → ` +
    `${out.requestsPerRecord.toFixed(4)} per record (minimum ${out.minimumRequestsPerRecord.toFixed(4)})`);
  console.log(`Central ledger requests: plan ${out.plan.ledgerRequests} (GET), run ${out.run.ledgerRequests} ` +
    `(claim + final write + ${out.run.ledgerRequests - 2} renewals)`);
  console.log(`Run wall time ${out.run.ms} ms vs bound ${out.boundMs} ms (ceil(N/4) × ${latency} ms) → ` +
    `${out.wallOverBound.toFixed(3)}×`);
  // The counts are exact, not timings: a fault-free sync must make the minimum of requests and
  // write every record once.
  const problems = [];
  if (out.result.created !== n || out.result.failed !== 0) problems.push(`created ${out.result.created}/${n}, failed ${out.result.failed}`);
  if (out.folderContacts !== n + m) problems.push(`folder holds ${out.folderContacts}, expected ${n + m}`);
  if (out.plan.graphRequests !== out.plan.minimumReads) problems.push(`plan made ${out.plan.graphRequests} Graph requests`);
  if (out.run.graphRequests !== out.run.minimumBatches) problems.push(`run made ${out.run.graphRequests} Graph requests`);
  // The ledger: one GET to plan; a claim and a final write to run, plus one renewal a minute.
  if (out.plan.ledgerRequests !== 1 || out.plan.centralRequests !== 0) problems.push(`plan made ${out.plan.ledgerRequests} ledger and ${out.plan.centralRequests} contact requests to Central`);
  const renewals = out.run.ledgerRequests - 2;
  if (renewals < 0 || renewals > Math.ceil(out.run.ms / 60_000) || out.run.ledger !== "written") problems.push(`run made ${out.run.ledgerRequests} ledger requests (ledger ${out.run.ledger})`);
  if (problems.length) {
    console.error(`sync benchmark: ${problems.join("; ")}`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  emulator.kill();
}
