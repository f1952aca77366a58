// Sync benchmark page, served by the emulator itself (same origin, so no CORS preflights):
// N new contacts written into a folder that already holds M others, under the emulator's
// Graph limits (4 concurrent requests per mailbox, a fixed latency per request). Measures
// Graph requests per record against the minimum ceil(N/20) + ceil(M/1000), and the run's wall
// time against the bound the limits set: ceil(N/4) × latency.

import init, { SyncSession } from "/pkg/central_o365_sync.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10000);
const M = Number(params.get("m") ?? 5000);
const LATENCY_MS = Number(params.get("latency") ?? 20);
const USER = "bench@contoso.example";

async function control(method, path, body) {
  const r = await fetch(`/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`control ${path}: HTTP ${r.status} ${await r.text()}`);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

function centralContact(i) {
  return {
    id: `C-${String(i).padStart(6, "0")}`, status: "active", title: "Mr",
    firstName: `John${i}`, lastName: "Smith", email: `john${i}@example.org`,
    mobile: "+44 7700 900123", telephone: "+44 20 7946 0000", website: "https://example.org",
    homeAddress: { line1: "Flat 1", line2: "King's Court", line3: "10 Long Street", town: "Leeds",
                   county: "West Yorkshire", country: "United Kingdom", postcode: "LS1 4AB" },
  };
}

async function main() {
  await init();
  performance.setResourceTimingBufferSize(100000);
  await control("POST", "reset", {});
  await control("PUT", "limits", { maxConcurrentPerMailbox: 4, latencyMs: 0 });
  const folder = await control("POST", `mailboxes/${USER}/folders`, { displayName: "Bench" });
  for (let start = 0; start < M; start += 1000) {
    const chunk = [];
    for (let i = start; i < Math.min(M, start + 1000); i++) {
      chunk.push({ givenName: `Other${i}`, surname: "Person", displayName: `Other${i} Person`,
                   emailAddresses: [{ address: `other${i}@example.com`, name: `Other${i} Person` }] });
    }
    await control("POST", `mailboxes/${USER}/folders/${folder.id}/contacts`, chunk);
  }
  const { access_token: token } = await control("POST", "token", { user: USER, scopes: ["Contacts.ReadWrite"], ttlSeconds: 3600 });
  const contacts = Array.from({ length: N }, (_, i) => centralContact(i));
  const session = new SyncSession({
    graphBaseUrl: `${location.origin}/v1.0`, folderId: folder.id, getGraphToken: () => token, contacts,
    // The contacts are handed in; Central keeps the sync ledger (one GET per plan, a claim
    // and a final PUT per run, one more per minute of lease renewal).
    centralBaseUrl: `${location.origin}/central/api`,
  });

  await control("POST", "stats/reset");
  const t0 = performance.now();
  const plan = await session.plan();
  const planMs = performance.now() - t0;
  const readStats = await control("GET", "stats");
  const ids = plan.items.filter((i) => i.state === "new" || i.state === "update").map((i) => i.centralId);

  await control("PUT", "limits", { latencyMs: LATENCY_MS });
  await control("POST", "stats/reset");
  let progressEvents = 0;
  const t1 = performance.now();
  const result = await session.run(ids, { onProgress: () => progressEvents++ });
  const runMs = performance.now() - t1;
  const runStats = await control("GET", "stats");
  // Where the time goes: each $batch fetch's duration, and the gaps between them.
  const batches = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/v1.0/$batch"));
  const fetchMs = batches.reduce((a, e) => a + e.duration, 0);
  const serverMs = batches.reduce((a, e) => a + (e.responseStart - e.requestStart), 0);
  const mean = (f) => batches.reduce((a, e) => a + f(e), 0) / Math.max(1, batches.length);
  const phases = { queued: mean((e) => e.requestStart - e.startTime), connect: mean((e) => e.connectEnd - e.connectStart),
                   waitingForServer: mean((e) => e.responseStart - e.requestStart), download: mean((e) => e.responseEnd - e.responseStart),
                   gapAfterPrevious: mean((e, i) => 0) };
  const gaps = batches.slice(1).map((e, i) => e.startTime - batches[i].responseEnd);
  phases.gapAfterPrevious = gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length);
  await control("PUT", "limits", { latencyMs: 0 });
  const mailbox = await control("GET", `mailboxes/${USER}`);
  const inFolder = mailbox.folders.find((f) => f.id === folder.id).contacts;

  const minBatches = Math.ceil(N / 20);
  const minReads = Math.max(1, Math.ceil(M / 1000));
  const boundMs = Math.ceil(N / 4) * LATENCY_MS;
  const out = {
    n: N, m: M, latencyMs: LATENCY_MS,
    plan: { ms: Math.round(planMs), graphRequests: readStats.graphRequests, byKind: readStats.graphRequestsByKind,
            minimumReads: minReads, ledgerRequests: readStats.ledgerRequests, centralRequests: readStats.centralRequests },
    run: { ms: Math.round(runMs), graphRequests: runStats.graphRequests, byKind: runStats.graphRequestsByKind,
           batchItems: runStats.batchItems, minimumBatches: minBatches,
           ledgerRequests: runStats.ledgerRequests, ledger: result.ledger,
           maxConcurrencyObserved: runStats.maxConcurrencyObserved, throttled: runStats.throttledConcurrency,
           progressEvents, batchFetches: batches.length, meanBatchFetchMs: fetchMs / Math.max(1, batches.length),
           meanBatchServerMs: serverMs / Math.max(1, batches.length),
           meanGapBetweenBatchesMs: (runMs - fetchMs) / Math.max(1, batches.length), batchFetchPhasesMs: phases },
    requestsPerRecord: (readStats.graphRequests + runStats.graphRequests) / N,
    minimumRequestsPerRecord: (minBatches + minReads) / N,
    boundMs, wallOverBound: runMs / boundMs,
    result: { created: result.created, updated: result.updated, failed: result.failed, skipped: result.skipped },
    folderContacts: inFolder.length,
  };
  window.__syncBench = out;
  document.getElementById("result").textContent = JSON.stringify(out, null, 2);
}

main().catch((e) => {
  window.__syncBench = { error: String(e && e.stack || e) };
  document.getElementById("result").textContent = String(e && e.stack || e);
});
