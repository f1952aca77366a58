// The plan's objects, built from the plan as `src/engine/packed.rs` packs it: `ascii` and
// `wide` hold every string in order, `words` (a view of wasm memory, read before anything else
// runs) every count, string and name. A string is one number: its length times two, plus one
// when it is in `wide`. This file knows only that layout — every value and name comes from the
// Rust side — and follows the format's reference reader (tests/oracle/packed_reader.rs) step
// for step; a browser test holds the objects to the plan's own serialization.
export function unpackPlan(ascii, wide, words) {
  let w = 0;
  let asciiAt = 0;
  let wideAt = 0;
  const string = (word) => {
    if (word === 0) return ""; // common (many companies), and needs no slice
    const length = word >>> 1;
    return word & 1 ? wide.slice(wideAt, (wideAt += length)) : ascii.slice(asciiAt, (asciiAt += length));
  };
  const names = [];
  for (let n = words[w++]; n > 0; n--) names.push(string(words[w++]));
  const itemCount = words[w++];
  const excluded = words[w++];
  const orphanCount = words[w++];
  const summary = {
    new: words[w++],
    update: words[w++],
    upToDate: words[w++],
    nonActionable: words[w++],
    conflict: words[w++],
    deleteInOutlook: words[w++],
    deleteInCentral: words[w++],
    restoreInOutlook: words[w++],
    createInCentral: words[w++],
  };
  const items = [];
  for (let i = 0; i < itemCount; i++) {
    const centralId = string(words[w++]);
    const outlook = words[w++];
    const outlookId = outlook === 0 ? null : string(outlook - 1);
    const state = names[words[w++]];
    const type = names[words[w++]];
    const link = words[w++];
    const reasons = [];
    for (let n = words[w++]; n > 0; n--) reasons.push(names[words[w++]]);
    const changes = [];
    for (let n = words[w++]; n > 0; n--) {
      const field = names[words[w++]];
      const how = words[w++];
      const from = string(words[w++]);
      const to = string(words[w++]);
      const change = { field, from, to, direction: names[how >>> 1] };
      if (how & 1) change.overwritesOutlookEdit = true;
      changes.push(change);
    }
    const linkedBy = link === 0 ? null : names[link - 1];
    const name = string(words[w++]);
    const email = string(words[w++]);
    const company = string(words[w++]);
    const match = words[w++];
    const account = match === 0 ? null : { id: string(words[w++]), name: string(words[w++]), matchedBy: names[match - 1] };
    items.push({ centralId, outlookId, type, state, reasons, changes, linkedBy, account, display: { name, email, company } });
  }
  const orphans = [];
  for (let i = 0; i < orphanCount; i++) {
    const outlookId = string(words[w++]);
    const email = string(words[w++]);
    const displayName = string(words[w++]);
    orphans.push({ outlookId, email, displayName });
  }
  if (w !== words.length || asciiAt !== ascii.length || wideAt !== wide.length) {
    throw new Error("the packed plan does not fit its layout");
  }
  return { items, excluded, orphans, summary };
}
