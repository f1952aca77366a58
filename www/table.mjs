// The plan as a table: counts per state (also the state filter), search, selection, one row per
// plan item with its changes or reasons in words; deletions in a section of their own, each
// ticked by hand; companies typed in Outlook that match no Central account listed below the
// table. Rows come from the plan items alone (`display`).
import { h, count } from "./dom.mjs";
import { STATES, STATE_LABEL, SELECTABLE, DELETIONS, DELETES_FROM, STATE_DETAIL, DELETED_BUT_EDITED, deletedIn,
  FIELD_LABEL, DIRECTION_LABEL, ACCOUNT_MATCH, TYPE_LABEL, UNRESOLVED_COMPANIES, typeSetText, reasonText, sharedCentralIds } from "./messages.mjs";
import { downloadCsv } from "./csv.mjs";
import { UnresolvedCompaniesView } from "./companies.mjs";

/** What a plan item shows: `{ name, email, company }` ("" when absent). */
export function shown(item) {
  const d = item.display ?? {};
  return { name: d.name ?? "", email: d.email ?? "", company: d.company ?? "" };
}

/** A change's value as the row shows it: a record type in words ("individual" → "Individual"). */
const valueOf = (change, value) => (change.field === "type" ? TYPE_LABEL[value] ?? value : value);

/** A table that shows `pageSize` rows at a time, so 100,000 rows cost what 100 do. */
export class PagedTable {
  constructor(pageSize, headings, renderRow, caption) {
    this.pageSize = pageSize;
    this.columns = headings.length;
    this.renderRow = renderRow;
    this.rows = [];
    this.page = 0;
    this.body = h("tbody");
    this.info = h("span", { class: "cos-page-info", "aria-live": "polite" });
    this.prev = h("button", { type: "button", onclick: () => this.go(this.page - 1) }, "Previous page");
    this.next = h("button", { type: "button", onclick: () => this.go(this.page + 1) }, "Next page");
    this.node = h("div", { class: "cos-table-wrap" },
      h("table", { class: "cos-table" },
        h("caption", { class: "cos-visually-hidden" }, caption),
        h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
        this.body),
      h("div", { class: "cos-pager" }, this.prev, this.info, this.next));
  }

  setRows(rows) {
    this.rows = rows;
    this.page = 0;
    this.rerender();
  }

  go(page) {
    this.page = Math.min(Math.max(page, 0), Math.max(Math.ceil(this.rows.length / this.pageSize) - 1, 0));
    this.rerender();
  }

  rerender() {
    const start = this.page * this.pageSize;
    const shownRows = this.rows.slice(start, start + this.pageSize);
    this.body.replaceChildren(...shownRows.map(this.renderRow));
    if (!shownRows.length) this.body.append(h("tr", {}, h("td", { colSpan: this.columns, class: "cos-empty" }, "No records match.")));
    this.info.textContent = this.rows.length
      ? `Rows ${count(start + 1)}–${count(start + shownRows.length)} of ${count(this.rows.length)}`
      : "No rows";
    this.prev.disabled = this.page === 0;
    this.next.disabled = start + this.pageSize >= this.rows.length;
  }
}

/**
 * Which plan items are selected, kept without a pass over all of them: the states chosen
 * wholesale ("Select new", "Select all deletions") and the rows ticked or unticked by hand since.
 * The deletions are chosen apart from the rest: "Select all", "Select new" leave them as they are.
 */
class Selection {
  constructor(resolutions) {
    this.states = new Set();
    this.byHand = new Map(); // key(item) → { on, state }
    this.resolutions = resolutions; // centralId → "central" | "outlook": a conflict with a side picked
    // An extra copy of a record (`duplicateCopy`) is deleted by the run that syncs its record
    // (they share the Central id the run is given): key(copy) → the record's item, whose
    // selection the copy follows. A copy whose record cannot be selected is ticked on its own.
    this.owners = new Map();
  }

  /** Ties each extra copy in `items` to its record's item, where that one can be selected. */
  tieCopies(items) {
    this.owners.clear();
    const copies = items.filter((i) => i.reasons.includes("duplicateCopy"));
    if (!copies.length) return;
    const ids = new Set(copies.map((c) => c.centralId));
    const records = new Map();
    for (const i of items) {
      if (ids.has(i.centralId) && !i.reasons.includes("duplicateCopy") && !records.has(i.centralId)) records.set(i.centralId, i);
    }
    for (const c of copies) {
      const owner = records.get(c.centralId);
      if (owner && SELECTABLE.has(owner.state)) this.owners.set(Selection.key(c), owner);
    }
  }

  /**
   * A row's key. Selectable items have unique Central ids, but a deletion may share its id
   * with another item (an extra copy of a record that is kept), so it adds its Outlook id.
   */
  static key(item) {
    if (item.state === "createInCentral") return `\u0001${item.outlookId}`;
    return DELETIONS.has(item.state) ? `${item.centralId}\u0000${item.outlookId ?? ""}` : item.centralId;
  }

  /** Selects exactly the items of `states` among the non-deletions; deletions too unless `keepDeletions`. */
  choose(states, keepDeletions = true) {
    const kept = keepDeletions ? [...this.states].filter((s) => DELETIONS.has(s)) : [];
    this.states = new Set([...[...states].filter((s) => SELECTABLE.has(s)), ...kept]);
    for (const [key, { state }] of this.byHand) if (!keepDeletions || !DELETIONS.has(state)) this.byHand.delete(key);
  }

  /** Selects every deletion, or none, leaving the rest as it is. */
  chooseDeletions(on) {
    for (const state of DELETIONS) on ? this.states.add(state) : this.states.delete(state);
    for (const [key, { state }] of this.byHand) if (DELETIONS.has(state)) this.byHand.delete(key);
  }

  selectable(item) {
    return SELECTABLE.has(item.state) || DELETIONS.has(item.state) || this.resolutions.has(item.centralId);
  }

  has(item) {
    const owner = this.owners.get(Selection.key(item));
    if (owner) return this.has(owner);
    return this.selectable(item) && (this.byHand.get(Selection.key(item))?.on ?? this.states.has(item.state));
  }

  set(item, on) {
    const owner = this.owners.get(Selection.key(item));
    if (owner) return this.set(owner, on);
    const key = Selection.key(item);
    if (on === this.states.has(item.state)) this.byHand.delete(key);
    else this.byHand.set(key, { on, state: item.state });
  }

  /** How many are selected (`all`), and how many of them are deletions. */
  size(summary) {
    let all = 0, deletions = 0;
    for (const state of this.states) {
      const n = summary[state] ?? 0;
      all += n;
      if (DELETIONS.has(state)) deletions += n;
    }
    for (const { on, state } of this.byHand.values()) {
      all += on ? 1 : -1;
      if (DELETIONS.has(state)) deletions += on ? 1 : -1;
    }
    // A tied copy is counted as its record is selected, not by its state.
    for (const [, owner] of this.owners) {
      const n = (this.has(owner) ? 1 : 0) - (this.states.has("deleteInOutlook") ? 1 : 0);
      all += n;
      deletions += n;
    }
    return { all, deletions };
  }
}

const isDeletion = (item) => DELETIONS.has(item.state);
/** One-way's states: counted even when there are none. */
const ALWAYS_COUNTED = new Set(["new", "update", "upToDate", "nonActionable", "conflict"]);

/** The plan section. `onSync(ids)` for "Sync selected", `onReplan()` for "Plan again". */
export class PlanView {
  constructor({ id, pageSize, onSync, onReplan }) {
    this.plan = null;
    this.showType = false; // whether each row says its record type (more than one type has a folder)
    this.individualFolder = false; // whether individuals have a folder of their own (else they go to the contacts')
    this.shared = new Set();
    this.haystacks = null; // lower-cased search text per item, built on the first search
    this.filter = { state: "", query: "" };
    this.resolutions = new Map(); // conflicts the user resolved: centralId → side
    this.selected = new Selection(this.resolutions);
    this.running = false;
    this.deletionCount = 0; // deleteInOutlook + deleteInCentral items in the plan
    this.counts = h("div", { class: "cos-counts", role: "group", "aria-label": "Filter by state" });
    this.note = h("p", { class: "cos-note" });
    this.search = h("input", { id: id("search"), type: "search", autocomplete: "off", placeholder: "Name or email" });
    let searchTimer = 0;
    this.search.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => this.setFilter({ query: this.search.value }), 150);
    });
    this.selection = h("span", { class: "cos-selection", "aria-live": "polite" });
    this.sync = h("button", { type: "button", class: "cos-primary", disabled: true, onclick: () => onSync(this.selectedIds()) }, "Sync selected");
    this.table = new PagedTable(pageSize, ["Select", "State", "Name", "Email", "Central id", "Details"],
      (item) => this.row(item), "Contacts in the plan");
    this.deletions = this.deletionSection(id, pageSize);
    this.companies = new UnresolvedCompaniesView(id);
    this.node = h("section", { class: "cos-plan", hidden: true, "aria-labelledby": id("plan-h") },
      h("h3", { id: id("plan-h") }, "Plan"),
      this.counts, this.note,
      h("div", { class: "cos-toolbar" },
        h("label", { htmlFor: id("search") }, "Search"), this.search,
        h("span", { class: "cos-group", role: "group", "aria-label": "Select" },
          h("button", { type: "button", onclick: () => this.select(SELECTABLE) }, "Select all"),
          h("button", { type: "button", onclick: () => this.select(new Set(), false) }, "Select none"),
          h("button", { type: "button", onclick: () => this.select(new Set(["new"])) }, "Select new"),
          h("button", { type: "button", onclick: () => this.select(new Set(["update"])) }, "Select updates")),
        h("span", { class: "cos-group", role: "group", "aria-label": "Conflicts" },
          h("button", { type: "button", onclick: () => this.resolveAll("central") }, "Keep Central's for all conflicts"),
          h("button", { type: "button", onclick: () => this.resolveAll("outlook") }, "Keep Outlook's for all conflicts")),
        h("button", { type: "button", onclick: () => this.exportNotSyncable() }, "Download not-syncable records (CSV)"),
        h("button", { type: "button", onclick: () => onReplan() }, "Plan again")),
      h("div", { class: "cos-syncbar" }, this.selection, this.sync),
      this.table.node,
      this.companies.node,
      this.deletions.node);
  }

  /**
   * The deletions, apart from the other rows (which never list them): each says which side it
   * deletes from and has its own checkbox; nothing in it is selected until the user ticks it.
   */
  deletionSection(id, pageSize) {
    const d = {};
    d.table = new PagedTable(pageSize, ["Select", "Deletes", "Name", "Email", "Central id", "Why"],
      (item) => this.deletionRow(item), "Deletions in the plan");
    d.selection = h("span", { class: "cos-deletions-selection", "aria-live": "polite" });
    d.node = h("section", { id: id("deletions"), class: "cos-deletions", hidden: true },
      h("h4", { id: id("deletions-h") }, "Deletions"),
      h("p", { class: "cos-deletions-intro" },
        "A deletion is not undone by the next sync, so none is selected until you tick it; Select all leaves them out."),
      h("div", { class: "cos-toolbar" },
        h("button", { type: "button", id: id("select-deletions"), onclick: () => this.selectDeletions(true) }, "Select all deletions"),
        h("button", { type: "button", id: id("select-no-deletions"), onclick: () => this.selectDeletions(false) }, "Select no deletions"),
        d.selection),
      d.table.node);
    return d;
  }

  /**
   * Shows `plan` (the session's): every syncable item selected, no filter. With `showType`,
   * each row's details start with its record type (Contact, Individual, Account).
   * `individualFolder`: whether individuals have a folder of their own, which a marked
   * contact's move names (by default, as `showType` says: with one folder, they share it).
   */
  show(plan, { showType = false, individualFolder = showType } = {}) {
    this.plan = plan;
    this.showType = showType;
    this.individualFolder = individualFolder;
    this.shared = sharedCentralIds(plan.items);
    this.haystacks = null;
    this.filter = { state: "", query: "" };
    this.search.value = "";
    this.resolutions.clear();
    this.selected.tieCopies(plan.items);
    this.selected.choose(SELECTABLE, false);
    const s = plan.summary;
    // The summary counts each state; a package without deletions has no such counts.
    this.deletionCount = [...DELETIONS].reduce((n, state) => n + (s[state] ?? 0), 0);
    const note = [];
    if (plan.excluded) note.push(`${count(plan.excluded)} Central contacts are not active and are left out.`);
    if (plan.orphans.length) note.push(`${count(plan.orphans.length)} Outlook contacts in the folder have no Central contact; they are left alone.`);
    const tied = this.selected.owners.size;
    if (this.deletionCount > tied) note.push(`${count(this.deletionCount - tied)} ${this.deletionCount - tied === 1 ? "deletion is" : "deletions are"} listed apart, below the table; none is selected until you tick it.`);
    if (tied) note.push(`${count(tied)} extra ${tied === 1 ? "copy" : "copies"} of records in the folder ${tied === 1 ? "is" : "are"} listed with the deletions and deleted when ${tied === 1 ? "its record is" : "their records are"} synced.`);
    // Of the whole plan, whatever the filter: the companies to create in Central (or correct).
    const companies = this.companies.show(plan.items);
    if (companies) note.push(UNRESOLVED_COMPANIES.note(companies, count(companies)));
    this.note.textContent = note.join(" ");
    this.renderCounts();
    this.refresh();
    this.node.hidden = false;
  }

  clear() {
    this.plan = null;
    this.haystacks = null;
    this.selected.choose([], false);
    this.deletionCount = 0;
    this.table.setRows([]);
    this.deletions.table.setRows([]);
    this.deletions.node.hidden = true;
    this.companies.clear();
    this.node.hidden = true;
  }

  /**
   * The selected ids, in plan order, each once (a deletion may share its record's id): Central
   * ids, and the Outlook id of a contact to create in Central (it has no Central id yet).
   */
  selectedIds() {
    if (!this.plan) return [];
    const id = (i) => (i.state === "createInCentral" ? i.outlookId : i.centralId);
    return [...new Set(this.plan.items.filter((i) => this.selected.has(i)).map(id))];
  }

  setRunning(on) {
    this.running = on;
    this.updateSelection();
  }

  renderCounts() {
    const s = this.plan.summary;
    const chip = (state, label, n) => h("button", {
      type: "button", class: `cos-count cos-state-${state || "all"}`, "aria-pressed": String(this.filter.state === state),
      "data-state": state || "all", "data-count": n, onclick: () => this.setFilter({ state }),
    }, h("span", { class: "cos-count-label" }, label), " ", h("span", { class: "cos-count-n" }, count(n)));
    // A count for every state the summary has (a state it does not know last); the two-way
    // and deletion states are hidden while there are none, so a one-way plan reads as before.
    const states = [...STATES.filter((state) => state in s), ...Object.keys(s).filter((state) => !STATES.includes(state))];
    this.counts.replaceChildren(chip("", "All", this.plan.items.length), ...states.map((state) => {
      const n = s[state] ?? 0;
      const node = chip(state, STATE_LABEL[state] ?? state, n);
      node.hidden = n === 0 && !ALWAYS_COUNTED.has(state) && this.filter.state !== state;
      return node;
    }));
  }

  setFilter(change) {
    Object.assign(this.filter, change);
    this.renderCounts();
    this.refresh();
  }

  refresh() {
    const items = this.plan.items;
    const { state } = this.filter;
    const q = this.filter.query.trim().toLowerCase();
    let rows = items;
    const deletions = [];
    if (state || q || this.deletionCount) {
      const hay = q ? (this.haystacks ??= items.map((i) => {
        const d = shown(i);
        return `${d.name}\n${d.email}\n${d.company}\n${i.centralId ?? ""}`.toLowerCase();
      })) : null;
      rows = [];
      for (let n = 0; n < items.length; n++) {
        if ((!state || items[n].state === state) && (!q || hay[n].includes(q))) (isDeletion(items[n]) ? deletions : rows).push(items[n]);
      }
    }
    // Filtered to a deletion state, only the deletions section has rows to show.
    this.table.node.hidden = DELETIONS.has(state);
    this.table.setRows(rows);
    this.deletions.node.hidden = !deletions.length;
    this.deletions.table.setRows(deletions);
    this.updateSelection();
  }

  /** "Select all", "Select new", …: those states; deletions stay as they are unless `keepDeletions` is false. */
  select(states, keepDeletions = true) {
    this.selected.choose(states, keepDeletions);
    this.rerenderRows();
  }

  selectDeletions(on) {
    this.selected.chooseDeletions(on);
    this.rerenderRows();
  }

  rerenderRows() {
    this.table.rerender();
    this.deletions.table.rerender();
    this.updateSelection();
  }

  updateSelection() {
    const { all, deletions } = this.plan ? this.selected.size(this.plan.summary) : { all: 0, deletions: 0 };
    this.selection.textContent = `${count(all)} selected`;
    this.sync.textContent = !all ? "Sync selected"
      : deletions ? `Sync ${count(all)} selected (${count(deletions)} ${deletions === 1 ? "deletion" : "deletions"})`
        : `Sync ${count(all)} selected`;
    this.sync.disabled = all === 0 || this.running;
    this.deletions.selection.textContent = `${count(deletions)} of ${count(this.deletionCount)} deletions selected`;
  }

  row(item) {
    const { name, email } = shown(item);
    const id = item.centralId ?? "";
    const selectable = this.selected.selectable(item);
    const box = h("input", {
      type: "checkbox", checked: this.selected.has(item), disabled: !selectable,
      "aria-label": selectable ? `Select ${name || id}` : `${name || id} cannot be selected`,
      onchange: (e) => {
        this.selected.set(item, e.target.checked);
        if (this.selected.owners.size) this.deletions.table.rerender();
        this.updateSelection();
      },
    });
    return h("tr", { "data-id": id, "data-state": item.state },
      h("td", {}, box),
      h("td", {}, h("span", { class: `cos-badge cos-state-${item.state}` }, STATE_LABEL[item.state] ?? item.state)),
      h("td", { class: "cos-name" }, name || "(no name)"),
      h("td", { class: "cos-email" }, email),
      h("td", { class: "cos-id" }, id),
      h("td", {}, this.withType(item, this.details(item))));
  }

  /**
   * A details cell's content, led by the record's type in words when the plan has more than one
   * type folder: "Individual · Will be created in Outlook", or the word above a list of changes.
   */
  withType(item, details) {
    if (!this.showType || !item.type) return details;
    const type = h("span", { class: "cos-type", "data-type": item.type }, TYPE_LABEL[item.type] ?? item.type);
    return typeof details === "string" ? [type, ` · ${details}`] : [h("div", {}, type), details];
  }

  details(item) {
    if (item.state === "update" || (item.state === "createInCentral" && item.changes.length)) {
      return h("details", { class: "cos-changes" },
        h("summary", {}, `${item.changes.length} ${item.changes.length === 1 ? "change" : "changes"}`),
        h("ul", {}, item.changes.map((c) => this.typeSet(c) ?? h("li", { "data-direction": c.direction },
          h("span", { class: "cos-direction" }, DIRECTION_LABEL[c.direction] ?? c.direction), " ",
          h("span", { class: "cos-field-name" }, FIELD_LABEL[c.field] ?? c.field), ": ",
          h("del", {}, c.from === "" ? "(empty)" : valueOf(c, c.from)), h("span", { "aria-label": "becomes" }, " → "),
          h("ins", {}, c.to === "" ? "(empty: cleared)" : valueOf(c, c.to)),
          c.overwritesOutlookEdit ? h("span", { class: "cos-overwrite" }, " (replaces an edit made in Outlook)") : ""))),
        item.account ? h("p", { class: "cos-account" }, `Linked to the Central account “${item.account.name}” (${ACCOUNT_MATCH[item.account.matchedBy] ?? item.account.matchedBy}).`) : "",
        item.reasons.length ? h("ul", { class: "cos-reasons" }, this.reasons(item).map((r) => h("li", {}, r))) : "");
    }
    if (item.state === "conflict" && item.reasons.includes("editedOnBothSides")) return this.conflict(item);
    if (item.state === "conflict" && item.reasons.includes("deletedButEdited")) return this.deletedConflict(item);
    if (item.reasons.length) return h("ul", { class: "cos-reasons" }, this.reasons(item).map((r) => h("li", {}, r)));
    return STATE_DETAIL[item.state] ?? "Nothing to change";
  }

  /**
   * A type change from no type as a line of words — a marked contact's move out of the default
   * Contacts folder, or the type a contact made in Outlook is created with — else null.
   */
  typeSet(change) {
    const words = typeSetText(change, { individualFolder: this.individualFolder });
    return words === null ? null
      : h("li", { class: "cos-type-set", "data-direction": change.direction, "data-field": "type" }, words);
  }

  /** A deletion's row: which side it deletes from, its own checkbox, and why. */
  deletionRow(item) {
    const { name, email } = shown(item);
    const id = item.centralId ?? "";
    const side = item.state === "deleteInOutlook" ? "outlook" : "central";
    const what = DELETES_FROM[item.state];
    const tied = this.selected.owners.has(Selection.key(item));
    const box = h("input", {
      type: "checkbox", class: "cos-delete-box", checked: this.selected.has(item),
      "aria-label": tied ? `Delete this extra copy of ${name || id} (ticked with its record)`
        : `${side === "outlook" ? "Delete the Outlook copy of" : "Delete the Central record of"} ${name || id}`,
      onchange: (e) => {
        this.selected.set(item, e.target.checked);
        if (tied) this.rerenderRows();
        else this.updateSelection();
      },
    });
    return h("tr", { "data-id": id, "data-outlook-id": item.outlookId ?? "", "data-state": item.state, "data-deletes": side },
      h("td", {}, box),
      h("td", {}, h("span", { class: `cos-badge cos-state-${item.state}` }, what)),
      h("td", { class: "cos-name" }, name || "(no name)"),
      h("td", { class: "cos-email" }, email),
      h("td", { class: "cos-id" }, id),
      h("td", {}, this.withType(item, item.reasons.length
        ? h("ul", { class: "cos-reasons" }, this.reasons(item).map((r) => h("li", {}, r)))
        : STATE_DETAIL[item.state])));
  }

  /** A field edited on both sides: both values, and a choice of side for the record. */
  conflict(item) {
    const side = this.resolutions.get(item.centralId) ?? "";
    const name = shown(item).name || item.centralId;
    const pick = (value, label) => h("button", {
      type: "button", class: "cos-resolve", "aria-pressed": String(side === value),
      "aria-label": `${label} for ${name}`, onclick: () => this.resolve(item, value),
    }, label);
    return h("div", { class: "cos-conflict" },
      h("ul", {}, item.changes.map((c) => this.typeSet(c) ?? h("li", { "data-direction": c.direction },
        h("span", { class: "cos-field-name" }, FIELD_LABEL[c.field] ?? c.field), ": ",
        c.direction === "conflict"
          ? [h("span", {}, "Central has "), h("q", {}, valueOf(c, c.from) || "(empty)"), h("span", {}, ", Outlook has "), h("q", {}, valueOf(c, c.to) || "(empty)")]
          : [h("span", { class: "cos-direction" }, DIRECTION_LABEL[c.direction] ?? c.direction), " ", valueOf(c, c.to) || "(empty)"]))),
      h("span", { class: "cos-group", role: "group", "aria-label": `Resolve ${name}` },
        pick("central", "Keep Central's"), pick("outlook", "Keep Outlook's")),
      side ? h("span", { class: "cos-note" }, side === "central" ? " Central's values will be written to Outlook." : " Outlook's values will be written to Central.") : "");
  }

  /** Picks a side for a conflict; the record is then selected to sync. */
  resolve(item, side) {
    this.resolutions.set(item.centralId, side);
    this.selected.set(item, true);
    this.rerenderRows();
  }

  /**
   * Deleted on one side, edited on the other: what happened, and a side to decide — its
   * deletion, or its edit, which brings the record back on the other side.
   */
  deletedConflict(item) {
    const side = this.resolutions.get(item.centralId) ?? "";
    const name = shown(item).name || item.centralId;
    const words = DELETED_BUT_EDITED[deletedIn(item)];
    const pick = (value, label) => h("button", {
      type: "button", class: "cos-resolve", "aria-pressed": String(side === value), disabled: !words[value],
      "aria-label": `${label} for ${name}`, onclick: () => this.resolve(item, value),
    }, label);
    return h("div", { class: "cos-conflict cos-deleted-conflict", "data-deleted-in": deletedIn(item) },
      h("p", {}, words.what),
      h("span", { class: "cos-group", role: "group", "aria-label": `Resolve ${name}` },
        pick("central", "Keep Central's"), pick("outlook", "Keep Outlook's")),
      side ? h("span", { class: "cos-resolution" }, ` ${words[side]}`)
        : words.outlook ? "" : h("span", { class: "cos-resolution" }, " Keeping Outlook's edit is not supported yet."));
  }

  /** Picks a side for every field conflict; a deleted-but-edited one is decided row by row (it may delete). */
  resolveAll(side) {
    if (!this.plan) return;
    for (const item of this.plan.items) {
      if (item.state === "conflict" && item.reasons.includes("editedOnBothSides")) {
        this.resolutions.set(item.centralId, side);
        this.selected.set(item, true);
      }
    }
    this.rerenderRows();
  }

  reasons(item) {
    return item.reasons.map((code) => reasonText(code, item, this.shared));
  }

  exportNotSyncable() {
    if (!this.plan) return;
    const rows = this.plan.items.filter((i) => i.state === "nonActionable" || i.state === "conflict").map((i) => {
      const { name, email } = shown(i);
      return [i.centralId ?? "", name, email, STATE_LABEL[i.state], this.reasons(i).join("; "), i.reasons.join(" ")];
    });
    downloadCsv("central-contacts-not-syncable.csv", ["Central id", "Name", "Email", "State", "Reasons", "Reason codes"], rows);
  }
}
