// The browser half of the plan benchmark (issue 2, DESIGN §8): plans the same Central and
// Outlook contacts with the wasm engine and with the plain-JavaScript reference, side by side
// in this page, and publishes the timings as JSON in `window.__benchResult` and #result.
//
// Four variants, each timed end to end (conversion across the JS↔wasm boundary included):
//   wasmBytes  — planSync(Uint8Array, Uint8Array, {}): the data as fetched (what SyncSession does)
//   jsBytes    — TextDecoder + JSON.parse of both, then planReference
//   wasmArrays — planSync(array, array, {}) on arrays already parsed
//   jsArrays   — planReference(array, array, {}) on the same arrays
// and, side by side with wasmBytes, two plans with a full ledger (one entry per linked pair,
// its base what Outlook holds), handed in as bytes as SyncSession holds it:
//   ledgerToOutlook — planSync(bytes, bytes, { ledger })
//   ledgerTwoWay    — planSync(bytes, bytes, { ledger, direction: "twoWay" })
// Rounds interleave the variants of a group so that a busy machine slows them alike; the
// median is kept. The bytes group runs before any parsed copy of the input exists; the heap is
// collected before every run when `gc` is exposed.

import init, { planSync } from "../../pkg/central_o365_sync.js";
import { planReference } from "./plan-reference.mjs";

const params = new URLSearchParams(location.search);
const fixture = params.get("fixture") ?? "/fixture/";
const runs = Number(params.get("runs") ?? 5);
const warmup = Number(params.get("warmup") ?? 1);
const settleMs = Number(params.get("settle") ?? 300);

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
  // Garbage of one run must not be collected inside the next: with `gc` exposed (the runner
  // starts Chromium with --js-flags=--expose-gc) the heap is collected before every run.
  const collect = typeof globalThis.gc === "function" ? () => globalThis.gc() : () => {};

  const times = {};
  // The first (warm-up) round also checks that all four variants give the same plan.
  let reference;
  let samePlan = true;
  let first;
  let n;

  // Two groups, each interleaved run by run: the bytes variants first, while no parsed copy of
  // the input is alive (a caller holding bytes holds no 100,000 JS objects, and a heap full of
  // them makes every collection inside a run slower), then the arrays variants.
  async function group(variants, comparePlans = true) {
    for (const k of Object.keys(variants)) times[k] = [];
    for (let r = 0; r < warmup + runs; r++) {
      for (const [name, run] of Object.entries(variants)) {
        status(`${r < warmup ? "warm-up" : `run ${r - warmup + 1}/${runs}`}: ${name}`);
        // Collect, then give the collector's background work (sweeping, unmapping a previous
        // run's hundreds of megabytes) time to finish: on two cores it would otherwise compete
        // with the run that follows.
        collect();
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        t = performance.now();
        const plan = run();
        const ms = performance.now() - t;
        if (r >= warmup) times[name].push(ms);
        if (r === 0 && comparePlans) {
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
    }
  }

  await group({
    wasmBytes: () => planSync(new Uint8Array(centralBuf), new Uint8Array(outlookBuf), {}),
    jsBytes: () => planReference(
      JSON.parse(decoder.decode(centralBuf)),
      JSON.parse(decoder.decode(outlookBuf)),
      {},
    ),
  });
  // A full ledger: every Outlook contact that carries a Central id, with what it holds as base.
  const ledger = (() => {
    const street = (a) => a?.street ?? "";
    const entries = [];
    for (const o of JSON.parse(decoder.decode(outlookBuf))) {
      const centralId = o.singleValueExtendedProperties?.[0]?.value;
      if (!centralId) continue;
      const h = o.homeAddress ?? {}, b = o.businessAddress ?? {};
      const base = {
        title: o.title ?? "", givenName: o.givenName ?? "", surname: o.surname ?? "",
        mobilePhone: o.mobilePhone ?? "", email: (o.emailAddresses?.[0]?.address ?? "").toLowerCase(),
        businessPhone: o.businessPhones?.[0] ?? "", businessHomePage: o.businessHomePage ?? "",
        "homeAddress.street": street(h), "homeAddress.city": h.city ?? "", "homeAddress.state": h.state ?? "",
        "homeAddress.countryOrRegion": h.countryOrRegion ?? "", "homeAddress.postalCode": h.postalCode ?? "",
        "businessAddress.street": street(b), "businessAddress.city": b.city ?? "", "businessAddress.state": b.state ?? "",
        "businessAddress.countryOrRegion": b.countryOrRegion ?? "", "businessAddress.postalCode": b.postalCode ?? "",
        companyName: o.companyName ?? "",
      };
      entries.push({ centralId, kind: "contact", outlookId: o.id, folderId: "f", base, centralVersion: "1", syncedAt: "2026-12-01T00:00:00.000Z" });
    }
    return new TextEncoder().encode(JSON.stringify({ schema: 1, entries, history: [] }));
  })();
  await group({
    toOutlook: () => planSync(new Uint8Array(centralBuf), new Uint8Array(outlookBuf), {}),
    ledgerToOutlook: () => planSync(new Uint8Array(centralBuf), new Uint8Array(outlookBuf), { ledger }),
    ledgerTwoWay: () => planSync(new Uint8Array(centralBuf), new Uint8Array(outlookBuf), { ledger, direction: "twoWay" }),
  }, false);
  {
    const centralArray = JSON.parse(decoder.decode(centralBuf));
    const outlookArray = JSON.parse(decoder.decode(outlookBuf));
    n = { central: centralArray.length, outlook: outlookArray.length };
    await group({
      wasmArrays: () => planSync(centralArray, outlookArray, {}),
      jsArrays: () => planReference(centralArray, outlookArray, {}),
    });
  }
  reference = undefined;

  const result = {
    n,
    gcBetweenRuns: typeof globalThis.gc === "function",
    bytes: { central: centralBuf.byteLength, outlook: outlookBuf.byteLength },
    runs,
    warmup,
    wasmInitMs: round(initMs),
    medianMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v))])),
    minMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(Math.min(...v))])),
    runsMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(round)])),
    ledgerBytes: ledger.byteLength,
    ratio: {
      twoWayOverToOutlook: Math.round((median(times.ledgerTwoWay) / median(times.toOutlook)) * 100) / 100,
      ledgerToOutlookOverToOutlook: Math.round((median(times.ledgerToOutlook) / median(times.toOutlook)) * 100) / 100,
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
