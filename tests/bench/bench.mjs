// The browser half of the plan benchmark (issue 2, DESIGN §8): plans the same Central and
// Outlook contacts with the wasm engine and with the plain-JavaScript reference, side by side
// in this page, and publishes the timings as JSON in `window.__benchResult` and #result.
//
// Four variants, each timed end to end (conversion across the JS↔wasm boundary included):
//   wasmBytes  — planSync(Uint8Array, Uint8Array, {}): the data as fetched (what SyncSession does)
//   jsBytes    — TextDecoder + JSON.parse of both, then planReference
//   wasmArrays — planSync(array, array, {}) on arrays already parsed
//   jsArrays   — planReference(array, array, {}) on the same arrays
// Rounds interleave the variants so that a busy machine slows them alike; the median is kept.

import init, { planSync } from "../../pkg/central_o365_sync.js";
import { planReference } from "./plan-reference.mjs";

const params = new URLSearchParams(location.search);
const fixture = params.get("fixture") ?? "/fixture/";
const runs = Number(params.get("runs") ?? 5);
const warmup = Number(params.get("warmup") ?? 1);

const statusEl = document.getElementById("status");
const resultEl = document.getElementById("result");

function status(text) {
  statusEl.textContent = text;
  console.log(`[bench] ${text}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

async function main() {
  status("instantiating wasm…");
  let t = performance.now();
  await init({ module_or_path: new URL("../../pkg/central_o365_sync_bg.wasm", import.meta.url) });
  const initMs = performance.now() - t;

  status(`fetching ${fixture}central.json and outlook.json…`);
  const [centralBuf, outlookBuf] = await Promise.all([
    fetchBytes(`${fixture}central.json`),
    fetchBytes(`${fixture}outlook.json`),
  ]);
  const decoder = new TextDecoder();
  const centralArray = JSON.parse(decoder.decode(centralBuf));
  const outlookArray = JSON.parse(decoder.decode(outlookBuf));

  const variants = {
    wasmBytes: () => planSync(new Uint8Array(centralBuf), new Uint8Array(outlookBuf), {}),
    jsBytes: () => planReference(
      JSON.parse(decoder.decode(centralBuf)),
      JSON.parse(decoder.decode(outlookBuf)),
      {},
    ),
    wasmArrays: () => planSync(centralArray, outlookArray, {}),
    jsArrays: () => planReference(centralArray, outlookArray, {}),
  };
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  // The first (warm-up) round also checks that all four variants give the same plan.
  let reference;
  let samePlan = true;
  let first;

  for (let r = 0; r < warmup + runs; r++) {
    for (const [name, run] of Object.entries(variants)) {
      status(`${r < warmup ? "warm-up" : `run ${r - warmup + 1}/${runs}`}: ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the page breathe between runs
      t = performance.now();
      const plan = run();
      const ms = performance.now() - t;
      if (r >= warmup) times[name].push(ms);
      if (r === 0) {
        const text = JSON.stringify(plan);
        if (reference === undefined) {
          reference = text;
          first = { summary: plan.summary, excluded: plan.excluded, orphans: plan.orphans.length };
        } else if (text !== reference) {
          samePlan = false;
          console.error(`[bench] ${name} planned differently from wasmBytes`);
        }
      }
    }
    reference = undefined; // keep nothing large alive while timing
  }

  const result = {
    n: { central: centralArray.length, outlook: outlookArray.length },
    bytes: { central: centralBuf.byteLength, outlook: outlookBuf.byteLength },
    runs,
    warmup,
    wasmInitMs: round(initMs),
    medianMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v))])),
    minMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(Math.min(...v))])),
    runsMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(round)])),
    ratio: {
      bytes: Math.round((median(times.jsBytes) / median(times.wasmBytes)) * 100) / 100,
      arrays: Math.round((median(times.jsArrays) / median(times.wasmArrays)) * 100) / 100,
    },
    samePlan,
    summary: first.summary,
    excluded: first.excluded,
    orphans: first.orphans,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  window.__benchResult = result;
  resultEl.textContent = JSON.stringify(result, null, 2);
  status(samePlan ? "done" : "done — PLANS DIFFER");
}

main().catch((err) => {
  window.__benchResult = { error: String(err && err.stack ? err.stack : err) };
  resultEl.textContent = JSON.stringify(window.__benchResult, null, 2);
  status(`failed: ${err}`);
});
