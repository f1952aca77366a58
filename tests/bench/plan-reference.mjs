// A plain-JavaScript implementation of the planning rules (DESIGN §3–5, and the engine's own
// choices in src/engine/), producing the same plan as the package's `planSync`. It is the
// honest baseline of the browser benchmark and the second opinion of the equivalence test;
// it is test tooling, never shipped.
//
// Inputs are JSON data (arrays of plain objects, as `JSON.parse` returns them).

const CENTRAL_ID_PROPERTY = "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId";
const CENTRAL_ID_HEAD = "string {3cceee99-16d4-4ae2-ad04-488106d3074b} name"; // ASCII-lowercased
const CENTRAL_ID_NAME = "CentralContactId";

// Reason codes in the engine's order (reasons are listed in this order).
const REASONS = [
  "deceased", "missingEmail", "malformedEmail", "missingFirstName", "missingLastName",
  "duplicateEmail", "invalidRecord", "duplicateOutlookEmail", "duplicateOutlookId",
];
const REASON_RANK = new Map(REASONS.map((r, i) => [r, i]));

// Synced fields, in the order changes are listed.
const FIELDS = [
  "title", "givenName", "surname", "displayName", "mobilePhone", "email", "businessPhone",
  "businessHomePage",
  "homeAddress.street", "homeAddress.city", "homeAddress.state", "homeAddress.countryOrRegion",
  "homeAddress.postalCode",
  "businessAddress.street", "businessAddress.city", "businessAddress.state",
  "businessAddress.countryOrRegion", "businessAddress.postalCode",
];
const EMAIL_FIELD = FIELDS.indexOf("email");

// ---------------------------------------------------------------------------------------------
// Text values. A field meant to hold text may hold a string, a number or boolean (taken as its
// text), nothing (null/absent), or an object/array (invalid).

const INVALID = Symbol("invalid");

function textOf(v) {
  switch (typeof v) {
    case "string": return v;
    case "number": return Number.isFinite(v) ? String(v) : null; // as JSON.stringify sees it
    case "boolean": return v ? "true" : "false";
    case "object": return v === null ? null : INVALID;
    default: return null;
  }
}

/** The text of a value, "" when absent or invalid. */
function str(v) {
  const t = textOf(v);
  return typeof t === "string" ? t : "";
}

const isInvalid = (v) => v !== null && typeof v === "object";
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// Whitespace as Unicode's White_Space property (what the engine trims); unlike
// String.prototype.trim it includes U+0085 and excludes U+FEFF.
function isSpace(c) {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && (c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000));
}

function trim(s) {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const SPACE_RUNS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** Trimmed, every inner whitespace run collapsed to one space. */
const collapse = (s) => trim(s).replace(SPACE_RUNS, " ");

/** Equal after trimming, collapsing whitespace and Unicode NFC. */
const sameText = (a, b) => a === b || collapse(a).normalize("NFC") === collapse(b).normalize("NFC");

// ---------------------------------------------------------------------------------------------
// Email addresses (a port of src/engine/email.rs).

/** Trimmed, Unicode NFC, lowercased: the form in which addresses are matched. */
export function normalizeEmail(address) {
  return trim(address).normalize("NFC").toLowerCase();
}

const sameAddress = (a, b) => a === b || normalizeEmail(a) === normalizeEmail(b);

function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3; // a surrogate pair is 4
  }
  return n;
}

const ATEXT_SYMBOLS = "!#$%&'*+-/=?^_`{|}~";
const isAsciiAlnum = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Non-ASCII characters allowed in an internationalised address: all but whitespace, controls
 * and invisible formatting characters. */
function isUtf8Letter(cp) {
  return cp > 127 && !isSpace(cp) && !(cp >= 0x80 && cp <= 0x9f) &&
    !((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2060 && cp <= 0x2064) || cp === 0xfeff);
}

function validLocalPart(local) {
  if (local.length === 0 || utf8Length(local) > 64) return false;
  return local.split(".").every((atom) => {
    if (atom.length === 0) return false;
    for (const ch of atom) {
      const cp = ch.codePointAt(0);
      if (!(isAsciiAlnum(cp) || ATEXT_SYMBOLS.includes(ch) || isUtf8Letter(cp))) return false;
    }
    return true;
  });
}

function validLabel(label) {
  if (label.length === 0 || utf8Length(label) > 63 || label.startsWith("-") || label.endsWith("-")) {
    return false;
  }
  for (const ch of label) {
    const cp = ch.codePointAt(0);
    if (!(isAsciiAlnum(cp) || cp === 45 || isUtf8Letter(cp))) return false;
  }
  return true;
}

function validDomain(domain) {
  if (utf8Length(domain) > 255) return false;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every(validLabel)) return false;
  return !/^[0-9]*$/.test(labels[labels.length - 1]);
}

/** True when `value` (already trimmed) is one plain address `local@domain` (RFC 5321 limits). */
export function isPlainAddress(value) {
  if (value.length === 0 || utf8Length(value) > 254) return false;
  const at = value.indexOf("@");
  if (at < 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (domain.includes("@")) return false;
  return validLocalPart(local) && validDomain(domain);
}

// ---------------------------------------------------------------------------------------------
// Input checks (what planSync rejects with code "invalidInput").

function invalidInput(message) {
  const err = new Error(message);
  err.code = "invalidInput";
  return err;
}

function checkRecords(records, name) {
  if (!Array.isArray(records)) throw invalidInput(`${name} must be an array of objects`);
  for (const r of records) {
    if (!isObject(r)) throw invalidInput(`${name} must be an array of objects`);
  }
}

function readOptions(options) {
  if (options === undefined || options === null) return { emptyValues: "clear" };
  if (!isObject(options)) throw invalidInput("options must be an object");
  for (const [key, value] of Object.entries(options)) {
    if (key !== "emptyValues") throw invalidInput(`invalid options: unknown field \`${key}\``);
    if (value !== undefined && value !== "clear" && value !== "keep") {
      throw invalidInput("invalid options: emptyValues must be \"clear\" or \"keep\"");
    }
  }
  return { emptyValues: options.emptyValues ?? "clear" };
}

// ---------------------------------------------------------------------------------------------
// Central side.

const CENTRAL_TEXT_FIELDS = ["id", "title", "firstName", "lastName", "email", "mobile", "telephone", "website"];
const ADDRESS_LINES = ["line1", "line2", "line3", "town", "county", "country", "postcode"];

/** An address field that is neither an object nor null, or an object with a non-text line. */
function invalidAddress(a) {
  if (a === undefined || a === null) return false;
  if (!isObject(a)) return true;
  return ADDRESS_LINES.some((k) => isInvalid(a[k]));
}

/** Lowercases A–Z only (the engine compares these names ASCII-case-insensitively). */
const asciiLower = (s) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

const isActive = (c) => asciiLower(trim(str(c.status))) === "active";
/** The record's type: "individual" (trimmed, ASCII case-insensitive), else "contact". */
const kindOf = (c) => (asciiLower(trim(str(c.type))) === "individual" ? "individual" : "contact");

/** The reasons a record, on its own, cannot be synced (cross-record rules come later). */
function recordReasons(c) {
  const reasons = [];
  const first = str(c.firstName);
  const last = str(c.lastName);
  if (first.toLowerCase().includes("deceased") || last.toLowerCase().includes("deceased")) {
    reasons.push("deceased");
  }
  if (!isInvalid(c.email)) {
    const email = trim(str(c.email));
    if (email === "") reasons.push("missingEmail");
    else if (!isPlainAddress(email)) reasons.push("malformedEmail");
  }
  if (!isInvalid(c.firstName) && trim(first) === "") reasons.push("missingFirstName");
  if (!isInvalid(c.lastName) && trim(last) === "") reasons.push("missingLastName");
  const invalid = CENTRAL_TEXT_FIELDS.some((k) => isInvalid(c[k])) ||
    invalidAddress(c.homeAddress) || invalidAddress(c.businessAddress);
  if (invalid || trim(str(c.id)) === "") reasons.push("invalidRecord");
  return reasons;
}

function street(a) {
  return [a.line1, a.line2, a.line3].map((l) => trim(str(l))).filter((l) => l !== "").join(", ");
}

function centralAddress(a) {
  if (!isObject(a)) return ["", "", "", "", ""];
  return [street(a), trim(str(a.town)), trim(str(a.county)), trim(str(a.country)), trim(str(a.postcode))];
}

/** Trimmed first and last names joined by one space (either may be empty). */
const fullName = (first, last) => (first && last ? `${first} ${last}` : first || last);

/** What the plan's table shows of a record (an item's `display`). */
const displayOf = (c) => ({
  name: fullName(trim(str(c.firstName)), trim(str(c.lastName))),
  email: trim(str(c.email)),
  company: "",
});

/** The value every synced field should have, in FIELDS order. */
function mapCentral(c) {
  const first = trim(str(c.firstName));
  const last = trim(str(c.lastName));
  const displayName = fullName(first, last);
  return [
    trim(str(c.title)), first, last, displayName, trim(str(c.mobile)), trim(str(c.email)),
    trim(str(c.telephone)), trim(str(c.website)),
    ...centralAddress(c.homeAddress), ...centralAddress(c.businessAddress),
  ];
}

// ---------------------------------------------------------------------------------------------
// Outlook side (read leniently: a value of the wrong shape reads as empty).

const list = (v) => (Array.isArray(v) ? v : []);

function primaryEmail(o) {
  const first = list(o.emailAddresses)[0];
  return isObject(first) ? str(first.address) : "";
}

function isCentralIdProperty(id) {
  const t = trim(id);
  const space = t.lastIndexOf(" ");
  if (space < 0 || t.slice(space + 1) !== CENTRAL_ID_NAME) return false;
  const head = t.slice(0, space);
  return asciiLower(head) === CENTRAL_ID_HEAD;
}

/** The Central id stored in our extended property, or null. */
function storedCentralId(o) {
  const prop = list(o.singleValueExtendedProperties).find((p) => isObject(p) && isCentralIdProperty(str(p.id)));
  if (!prop) return null;
  const value = textOf(prop.value);
  return typeof value === "string" && trim(value) !== "" ? value : null;
}

function outlookAddress(a) {
  if (!isObject(a)) return ["", "", "", "", ""];
  return [str(a.street), str(a.city), str(a.state), str(a.countryOrRegion), str(a.postalCode)];
}

/** The current value of every synced field, in FIELDS order. */
function outlookValues(o) {
  return [
    str(o.title), str(o.givenName), str(o.surname), str(o.displayName), str(o.mobilePhone),
    primaryEmail(o), str(list(o.businessPhones)[0]), str(o.businessHomePage),
    ...outlookAddress(o.homeAddress), ...outlookAddress(o.businessAddress),
  ];
}

function diff(mapped, o, emptyValues) {
  const current = outlookValues(o);
  const changes = [];
  for (let f = 0; f < FIELDS.length; f++) {
    const from = current[f];
    const to = mapped[f];
    const differs = trim(to) === ""
      ? emptyValues === "clear" && trim(from) !== ""
      : !(f === EMAIL_FIELD ? sameAddress(from, to) : sameText(from, to));
    if (differs) changes.push({ field: FIELDS[f], from, to, direction: "toOutlook" });
  }
  return changes;
}

function pushTo(map, key, value) {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

// ---------------------------------------------------------------------------------------------
// The plan.

/**
 * Plans the sync of `central` (Central contacts) into a folder holding `outlook` (Graph
 * contacts): the same result as `planSync(central, outlook, options)`.
 */
export function planReference(central, outlook, options) {
  const { emptyValues } = readOptions(options);
  checkRecords(central, "centralContacts");
  checkRecords(outlook, "outlookContacts");

  // Active records with their own reasons; inactive ones are only counted.
  let excluded = 0;
  const entries = [];
  for (const c of central) {
    if (isActive(c)) entries.push({ c, id: trim(str(c.id)), reasons: recordReasons(c) });
    else excluded++;
  }

  // A Central id shared by two records cannot be linked safely.
  const idCount = new Map();
  for (const e of entries) {
    if (!isInvalid(e.c.id) && e.id !== "") idCount.set(e.id, (idCount.get(e.id) ?? 0) + 1);
  }
  for (const e of entries) {
    if (idCount.get(e.id) > 1 && !e.reasons.includes("invalidRecord")) e.reasons.push("invalidRecord");
  }

  // Otherwise actionable records sharing one email: all of them.
  const emailCount = new Map();
  for (const e of entries) {
    e.email = e.reasons.length === 0 ? normalizeEmail(str(e.c.email)) : null;
    if (e.email !== null) emailCount.set(e.email, (emailCount.get(e.email) ?? 0) + 1);
  }
  for (const e of entries) {
    if (e.email !== null && emailCount.get(e.email) > 1) {
      e.reasons.push("duplicateEmail");
      e.email = null;
    }
    e.reasons.sort((a, b) => REASON_RANK.get(a) - REASON_RANK.get(b));
  }

  // Outlook contacts without an id, or repeating an earlier id, take no part.
  const seen = new Set();
  const usable = outlook.map((o) => {
    const id = str(o.id);
    if (trim(id) === "" || seen.has(id)) return false;
    seen.add(id);
    return true;
  });

  // Linking, step 1: the Central id stored on the Outlook contact.
  const claimed = new Array(outlook.length).fill(false);
  const byStoredId = new Map();
  outlook.forEach((o, j) => {
    const cid = usable[j] ? storedCentralId(o) : null;
    if (cid !== null) pushTo(byStoredId, trim(cid), j);
  });
  for (const e of entries) {
    e.link = null; // { kind: "id" | "email", j } or { conflict: reason }
    const matches = e.reasons.includes("invalidRecord") ? undefined : byStoredId.get(e.id);
    if (!matches) continue;
    for (const j of matches) claimed[j] = true;
    e.link = matches.length === 1 ? { kind: "id", j: matches[0] } : { conflict: "duplicateOutlookId" };
  }

  // Step 2: normalised primary email, among the Outlook contacts step 1 left unclaimed.
  const byEmail = new Map();
  outlook.forEach((o, j) => {
    const email = primaryEmail(o);
    if (usable[j] && !claimed[j] && trim(email) !== "") pushTo(byEmail, normalizeEmail(email), j);
  });
  for (const e of entries) {
    if (e.link !== null || e.email === null) continue;
    const matches = byEmail.get(e.email);
    if (!matches) continue;
    for (const j of matches) claimed[j] = true;
    e.link = matches.length === 1 ? { kind: "email", j: matches[0] } : { conflict: "duplicateOutlookEmail" };
  }

  const summary = {
    new: 0, update: 0, upToDate: 0, nonActionable: 0, conflict: 0,
    deleteInOutlook: 0, deleteInCentral: 0, restoreInOutlook: 0, createInCentral: 0,
  };
  const items = entries.map(({ c, id, reasons, link }) => {
    const j = link && link.kind ? link.j : null;
    let changes = [];
    let state;
    if (reasons.length > 0) {
      state = "nonActionable";
    } else if (link && link.conflict) {
      reasons.push(link.conflict);
      state = "conflict";
    } else if (j !== null) {
      changes = diff(mapCentral(c), outlook[j], emptyValues);
      state = changes.length === 0 ? "upToDate" : "update";
    } else {
      state = "new";
    }
    summary[state]++;
    return {
      centralId: id,
      outlookId: j === null ? null : str(outlook[j].id),
      type: kindOf(c),
      state,
      reasons,
      changes,
      linkedBy: j === null ? null : link.kind,
      account: null,
      display: displayOf(c),
    };
  });

  const orphans = [];
  outlook.forEach((o, j) => {
    if (usable[j] && !claimed[j]) {
      orphans.push({ outlookId: str(o.id), email: primaryEmail(o), displayName: str(o.displayName) });
    }
  });

  return { items, excluded, orphans, summary };
}

export { CENTRAL_ID_PROPERTY };
