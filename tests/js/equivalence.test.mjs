// The wasm engine (`planSync` from the built package) and the plain-JavaScript reference
// (tests/bench/plan-reference.mjs, the browser benchmark's baseline) produce the same plan.
//
//   node --test tests/js/                       # builds a 2,000-contact fixture with cargo
//   FIXTURE_DIR=target/bench/fixture-2000 node --test tests/js/
//
// Needs the package built into pkg/ (`wasm-pack build --target web --release --out-dir pkg`).

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { initSync, planSync } from "../../pkg/central_o365_sync.js";
import { planReference } from "../bench/plan-reference.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

const REASONS = [
  "deceased", "missingEmail", "malformedEmail", "missingFirstName", "missingLastName",
  "duplicateEmail", "invalidRecord", "duplicateOutlookEmail", "duplicateOutlookId",
];
const STATES = ["new", "update", "upToDate", "nonActionable", "conflict"];
const OPTIONS = [undefined, {}, { emptyValues: "clear" }, { emptyValues: "keep" }];

const edge = JSON.parse(fs.readFileSync(path.join(here, "fixtures/edge-cases.json"), "utf8"));
let shared; // { dir, centralBytes, outlookBytes, central, outlook }

/** The shared fixture: FIXTURE_DIR, or 2,000 contacts written by the Rust example. */
function loadSharedFixture() {
  let dir = process.env.FIXTURE_DIR;
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-fixture-"));
    execFileSync("cargo", ["run", "--release", "--quiet", "--example", "bench_fixture", "--", dir, "2000"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const centralBytes = fs.readFileSync(path.join(dir, "central.json"));
  const outlookBytes = fs.readFileSync(path.join(dir, "outlook.json"));
  return {
    dir,
    centralBytes: new Uint8Array(centralBytes),
    outlookBytes: new Uint8Array(outlookBytes),
    central: JSON.parse(centralBytes.toString("utf8")),
    outlook: JSON.parse(outlookBytes.toString("utf8")),
  };
}

before(() => {
  initSync({ module: fs.readFileSync(path.join(root, "pkg/central_o365_sync_bg.wasm")) });
  shared = loadSharedFixture();
});

/** Deep equality, reporting the first differing item rather than a 100 kB diff. */
function assertSamePlan(actual, expected, what) {
  assert.equal(actual.items.length, expected.items.length, `${what}: number of items`);
  for (let i = 0; i < expected.items.length; i++) {
    assert.deepStrictEqual(actual.items[i], expected.items[i], `${what}: item ${i}`);
  }
  assert.deepStrictEqual(actual, expected, what);
}

const seen = (plan, pick) => new Set(plan.items.flatMap(pick));

test("shared fixture: planReference equals planSync, with every option", () => {
  assert.ok(shared.central.length >= 1000, `fixture in ${shared.dir} is too small`);
  for (const options of OPTIONS) {
    const wasm = planSync(shared.central, shared.outlook, options);
    const js = planReference(shared.central, shared.outlook, options);
    assertSamePlan(js, wasm, `options ${JSON.stringify(options)}`);
  }
});

test("shared fixture exercises every state but conflict, and orphans", () => {
  const plan = planSync(shared.central, shared.outlook, {});
  const states = seen(plan, (i) => [i.state]);
  for (const s of ["new", "update", "upToDate", "nonActionable"]) assert.ok(states.has(s), s);
  assert.ok(plan.excluded > 0 && plan.orphans.length > 0);
  assert.deepStrictEqual(seen(plan, (i) => (i.linkedBy ? [i.linkedBy] : [])), new Set(["id", "email"]));
});

test("shared fixture: JSON text and bytes give the same plan as arrays", () => {
  const fromArrays = planSync(shared.central, shared.outlook, {});
  const fromBytes = planSync(shared.centralBytes, shared.outlookBytes, {});
  const text = (b) => new TextDecoder().decode(b);
  const fromText = planSync(text(shared.centralBytes), text(shared.outlookBytes), {});
  assertSamePlan(fromBytes, fromArrays, "bytes");
  assertSamePlan(fromText, fromArrays, "text");
});

test("edge cases: planReference equals planSync, with every option", () => {
  for (const options of OPTIONS) {
    const wasm = planSync(edge.central, edge.outlook, options);
    const js = planReference(edge.central, edge.outlook, options);
    assertSamePlan(js, wasm, `options ${JSON.stringify(options)}`);
  }
});

test("edge cases cover every reason, state, link kind, orphans, exclusions, clear and keep", () => {
  const clear = planSync(edge.central, edge.outlook, { emptyValues: "clear" });
  const keep = planSync(edge.central, edge.outlook, { emptyValues: "keep" });
  assert.deepStrictEqual([...seen(clear, (i) => i.reasons)].sort(), [...REASONS].sort());
  assert.deepStrictEqual([...seen(clear, (i) => [i.state])].sort(), [...STATES].sort());
  assert.deepStrictEqual(seen(clear, (i) => (i.linkedBy ? [i.linkedBy] : [])), new Set(["id", "email"]));
  assert.ok(clear.excluded >= 5);
  assert.ok(clear.orphans.length >= 5);
  const byId = (plan, id) => plan.items.find((i) => i.centralId === id);
  // A clear shows as a change to ""; keep leaves those fields alone.
  assert.ok(byId(clear, "C-CLEAR").changes.some((c) => c.to === ""));
  assert.equal(byId(keep, "C-CLEAR").state, "upToDate");
  // Numbers and booleans taken as text, linked by a numeric stored id.
  assert.deepStrictEqual(byId(clear, "10023"), {
    centralId: "10023", outlookId: "42", type: "contact", state: "upToDate", reasons: [], changes: [], linkedBy: "id",
    display: { name: "Num true", email: "num@example.com", company: "" }, account: null,
  });
  // Email matched after NFC and case folding.
  assert.equal(byId(clear, "C-NFC").linkedBy, "email");
  // A stale stored id is re-linked by email.
  assert.equal(byId(clear, "C-STALE").outlookId, "O-STALE");
});

test("display: first and last name trimmed and joined by one space, the trimmed email, no company", () => {
  const central = [
    { id: "C-1", status: "active", firstName: "  Mary  Ann ", lastName: "\tO'Neil\u00a0", email: " m@x.co \n" },
    { id: "C-2", status: "active", firstName: "", lastName: "Lee", email: null },
    { id: "C-3", status: "active", firstName: { a: 1 }, lastName: ["x"], email: { a: "b@x.co" } },
    { id: "C-4", status: "active", firstName: 7, lastName: true, email: 1.5 },
    { id: "C-5", status: "active", firstName: "Zo\u00eb", lastName: "\u00d8rsted \u{1f600}", email: "Zo\u00eb <z@x.co>" },
  ];
  const expected = [
    { name: "Mary  Ann O'Neil", email: "m@x.co", company: "" },
    { name: "Lee", email: "", company: "" },
    { name: "", email: "", company: "" },
    { name: "7 true", email: "1.5", company: "" },
    { name: "Zo\u00eb \u00d8rsted \u{1f600}", email: "Zo\u00eb <z@x.co>", company: "" },
  ];
  const plans = {
    arrays: planSync(central, [], {}),
    text: planSync(JSON.stringify(central), "[]", {}),
    reference: planReference(central, [], {}),
  };
  for (const [what, plan] of Object.entries(plans)) {
    assert.deepStrictEqual(plan.items.map((i) => i.display), expected, what);
  }
});

test("edge cases: JSON text and bytes give the same plan as arrays", () => {
  const fromArrays = planSync(edge.central, edge.outlook, { emptyValues: "keep" });
  const central = JSON.stringify(edge.central);
  const outlook = JSON.stringify(edge.outlook);
  const bytes = (s) => new TextEncoder().encode(s);
  assertSamePlan(planSync(central, outlook, { emptyValues: "keep" }), fromArrays, "text");
  assertSamePlan(planSync(bytes(central), bytes(outlook), { emptyValues: "keep" }), fromArrays, "bytes");
});

const BAD_INPUTS = [
  ["a plain object", {}, []],
  ["a number", 5, []],
  ["null", null, []],
  ["undefined", undefined, []],
  ["an array of numbers", [1, 2], []],
  ["an array holding null", [{ id: "C-1" }, null], []],
  ["an array of arrays", [["C-1"]], []],
  ["Outlook contacts as an array of strings", [], ["AAMk1"]],
];
const BAD_OPTIONS = [
  ["an unknown option", { emptyValue: "keep" }],
  ["emptyValues: \"bogus\"", { emptyValues: "bogus" }],
  ["emptyValues: null", { emptyValues: null }],
  ["options as an array", []],
  ["options as a string", "keep"],
];

function assertInvalidInput(fn, what) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, `${what}: not an Error`);
    assert.equal(err.code, "invalidInput", what);
    assert.ok(err.message.length > 0, `${what}: empty message`);
    return true;
  });
}

for (const [what, central, outlook] of BAD_INPUTS) {
  test(`bad input (${what}) throws invalidInput, in both implementations`, () => {
    assertInvalidInput(() => planSync(central, outlook, {}), `planSync: ${what}`);
    assertInvalidInput(() => planReference(central, outlook, {}), `planReference: ${what}`);
  });
}

for (const [what, options] of BAD_OPTIONS) {
  test(`bad options (${what}) throw invalidInput, in both implementations`, () => {
    assertInvalidInput(() => planSync(edge.central, edge.outlook, options), `planSync: ${what}`);
    assertInvalidInput(() => planReference(edge.central, edge.outlook, options), `planReference: ${what}`);
  });
}

test("JSON text that is not an array of objects throws invalidInput", () => {
  for (const text of ["not json", "{}", "[1]", "[null]", ""]) {
    assertInvalidInput(() => planSync(text, "[]", {}), `text ${JSON.stringify(text)}`);
    assertInvalidInput(() => planSync(new TextEncoder().encode(text), "[]", {}), `bytes ${JSON.stringify(text)}`);
  }
});

// A number is taken as its text exactly as String(n) renders it, from arrays and from JSON text.
const NUMBER_CASES = [
  ["1e21", 1e21, "1e+21"],
  ["1e-7", 1e-7, "1e-7"],
  ["2**64", 2 ** 64, "18446744073709552000"],
  ["-0", -0, "0"],
  ["0.1+0.2", 0.1 + 0.2, "0.30000000000000004"],
];
for (const [what, value, expected] of NUMBER_CASES) {
  test(`a number ${what} is taken as String(n) = ${expected}`, () => {
    const central = [{ id: "C-1", status: "active", firstName: "A", lastName: "B", email: "a@b.co", mobile: value }];
    const outlook = [{ id: "O-1", emailAddresses: [{ address: "a@b.co" }] }];
    for (const input of [central, JSON.stringify(central)]) {
      const change = planSync(input, outlook, {}).items[0].changes.find((c) => c.field === "mobilePhone");
      assert.equal(change.to, expected);
    }
    const reference = planReference(central, outlook, {}).items[0].changes.find((c) => c.field === "mobilePhone");
    assert.equal(reference.to, expected);
  });
}

test("a JS string holding a lone surrogate is accepted like any text", () => {
  const central = [{ id: "C-1", status: "active", firstName: "A\ud800", lastName: "B", email: "a@b.co" }];
  assert.equal(planSync(central, [], {}).items[0].state, "new");
  const outlook = [{ id: "O-1", givenName: "A\udc00", surname: "B", emailAddresses: [{ address: "a@b.co" }] }];
  // Both lone surrogates read as U+FFFD, so the given names compare equal.
  const changes = planSync(central, outlook, {}).items[0].changes;
  assert.equal(changes.find((c) => c.field === "givenName"), undefined);
  assert.deepEqual(changes.find((c) => c.field === "displayName"), { field: "displayName", from: "", to: "A\ufffd B", direction: "toOutlook" });
});

test("names equal after Unicode NFC are up to date", () => {
  const central = [{ id: "C-1", status: "active", firstName: "Jos\u00e9", lastName: "N\u00fa\u00f1ez", email: "a@b.co" }];
  const outlook = [{ id: "O-1", givenName: "Jose\u0301", surname: "Nu\u0301n\u0303ez", displayName: "Jose\u0301 Nu\u0301n\u0303ez",
                     emailAddresses: [{ address: "a@b.co" }] }];
  assert.equal(planSync(central, outlook, {}).items[0].state, "upToDate");
  assert.equal(planReference(central, outlook, {}).items[0].state, "upToDate");
});
