// Every stable error code the package declares (src/error.rs, the one place they are named)
// has words in the widget (www/messages.mjs), so no error ever reaches a user as a bare code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ERRORS, explain } from "../../www/messages.mjs";

const source = readFileSync(new URL("../../src/error.rs", import.meta.url), "utf8");
const codes = [...source.matchAll(/ErrorCode::\w+ => "(\w+)"/g)].map((m) => m[1]);

test("every package error code has words in the widget", () => {
  assert.ok(codes.length >= 18, `codes read from src/error.rs: ${codes}`);
  const missing = codes.filter((c) => !(c in ERRORS));
  assert.deepEqual(missing, []);
  for (const code of codes) {
    const [what, next] = ERRORS[code];
    assert.ok(what.endsWith(".") && next.endsWith("."), code);
    assert.equal(explain({ code, message: "m" }).code, code);
  }
});
