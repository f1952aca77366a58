// The plan as a table: counts per state (also the state filter), search, selection, one row per
// plan item with its changes or reasons in words. Rows come from the plan items alone (`display`).
import { h, count } from "./dom.mjs";
import { STATES, STATE_LABEL, SELECTABLE, FIELD_LABEL, DIRECTION_LABEL, ACCOUNT_MATCH, reasonText, sharedCentralIds } from "./messages.mjs";
import { downloadCsv } from "./csv.mjs";

/** What a plan item shows: `{ name, email, company }` ("" when absent). */
export function shown(item) {
  const d = item.display ?? {};
  return { name: d.name ?? "", email: d.email ?? "", company: d.company ?? "" };
}

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
 * wholesale ("Select new") and the rows ticked or unticked by hand since.
 */
class Selection {
  constructor(resolutions) {
    this.states = new Set();
    this.byHand = new Map(); // centralId → selected (selectable items have unique ids)
    this.resolutions = resolutions; // centralId → "central" | "outlook": a conflict with a side picked
  }

  choose(states) {
    this.states = new Set([...states].filter((s) => SELECTABLE.has(s)));
    this.byHand.clear();
  }

  selectable(item) {
    return SELECTABLE.has(item.state) || this.resolutions.has(item.centralId);
  }

  has(item) {
    return this.selectable(item) && (this.byHand.get(item.centralId) ?? this.states.has(item.state));
  }

  set(item, on) {
    if (on === this.states.has(item.state)) this.byHand.delete(item.centralId);
    else this.byHand.set(item.centralId, on);
  }

  size(summary) {
    let n = 0;
    for (const state of this.states) n += summary[state] ?? 0;
    for (const on of this.byHand.values()) n += on ? 1 : -1;
    return n;
  }
}

/** The plan section. `onSync(ids)` for "Sync selected", `onReplan()` for "Plan again". */
export class PlanView {
  constructor({ id, pageSize, onSync, onReplan }) {
    this.plan = null;
    this.shared = new Set();
    this.haystacks = null; // lower-cased search text per item, built on the first search
    this.filter = { state: "", query: "" };
    this.resolutions = new Map(); // conflicts the user resolved: centralId → side
    this.selected = new Selection(this.resolutions);
    this.running = false;
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
    this.node = h("section", { class: "cos-plan", hidden: true, "aria-labelledby": id("plan-h") },
      h("h3", { id: id("plan-h") }, "Plan"),
      this.counts, this.note,
      h("div", { class: "cos-toolbar" },
        h("label", { htmlFor: id("search") }, "Search"), this.search,
        h("span", { class: "cos-group", role: "group", "aria-label": "Select" },
          h("button", { type: "button", onclick: () => this.select(SELECTABLE) }, "Select all"),
          h("button", { type: "button", onclick: () => this.select(new Set()) }, "Select none"),
          h("button", { type: "button", onclick: () => this.select(new Set(["new"])) }, "Select new"),
          h("button", { type: "button", onclick: () => this.select(new Set(["update"])) }, "Select updates")),
        h("span", { class: "cos-group", role: "group", "aria-label": "Conflicts" },
          h("button", { type: "button", onclick: () => this.resolveAll("central") }, "Keep Central's for all conflicts"),
          h("button", { type: "button", onclick: () => this.resolveAll("outlook") }, "Keep Outlook's for all conflicts")),
        h("button", { type: "button", onclick: () => this.exportNotSyncable() }, "Download not-syncable records (CSV)"),
        h("button", { type: "button", onclick: () => onReplan() }, "Plan again")),
      h("div", { class: "cos-syncbar" }, this.selection, this.sync),
      this.table.node);
  }

  /** Shows `plan` (the session's): every syncable item selected, no filter. */
  show(plan) {
    this.plan = plan;
    this.shared = sharedCentralIds(plan.items);
    this.haystacks = null;
    this.filter = { state: "", query: "" };
    this.search.value = "";
    this.resolutions.clear();
    this.select(SELECTABLE, false);
    const note = [];
    if (plan.excluded) note.push(`${count(plan.excluded)} Central contacts are not active and are left out.`);
    if (plan.orphans.length) note.push(`${count(plan.orphans.length)} Outlook contacts in the folder have no Central contact; they are left alone.`);
    this.note.textContent = note.join(" ");
    this.renderCounts();
    this.refresh();
    this.node.hidden = false;
  }

  clear() {
    this.plan = null;
    this.haystacks = null;
    this.selected.choose([]);
    this.table.setRows([]);
    this.node.hidden = true;
  }

  /** The selected Central ids, in plan order. */
  selectedIds() {
    return this.plan ? this.plan.items.filter((i) => this.selected.has(i)).map((i) => i.centralId) : [];
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
    this.counts.replaceChildren(chip("", "All", this.plan.items.length),
      ...STATES.map((state) => chip(state, STATE_LABEL[state], s[state] ?? 0)));
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
    if (state || q) {
      const hay = q ? (this.haystacks ??= items.map((i) => {
        const d = shown(i);
        return `${d.name}\n${d.email}\n${d.company}\n${i.centralId ?? ""}`.toLowerCase();
      })) : null;
      rows = [];
      for (let n = 0; n < items.length; n++) {
        if ((!state || items[n].state === state) && (!q || hay[n].includes(q))) rows.push(items[n]);
      }
    }
    this.table.setRows(rows);
    this.updateSelection();
  }

  select(states, render = true) {
    this.selected.choose(states);
    if (render) {
      this.table.rerender();
      this.updateSelection();
    }
  }

  updateSelection() {
    const n = this.plan ? this.selected.size(this.plan.summary) : 0;
    this.selection.textContent = `${count(n)} selected`;
    this.sync.textContent = n ? `Sync ${count(n)} selected` : "Sync selected";
    this.sync.disabled = n === 0 || this.running;
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
        this.updateSelection();
      },
    });
    return h("tr", { "data-id": id, "data-state": item.state },
      h("td", {}, box),
      h("td", {}, h("span", { class: `cos-badge cos-state-${item.state}` }, STATE_LABEL[item.state] ?? item.state)),
      h("td", { class: "cos-name" }, name || "(no name)"),
      h("td", { class: "cos-email" }, email),
      h("td", { class: "cos-id" }, id),
      h("td", {}, this.details(item)));
  }

  details(item) {
    if (item.state === "update") {
      return h("details", { class: "cos-changes" },
        h("summary", {}, `${item.changes.length} ${item.changes.length === 1 ? "change" : "changes"}`),
        h("ul", {}, item.changes.map((c) => h("li", { "data-direction": c.direction },
          h("span", { class: "cos-direction" }, DIRECTION_LABEL[c.direction] ?? c.direction), " ",
          h("span", { class: "cos-field-name" }, FIELD_LABEL[c.field] ?? c.field), ": ",
          h("del", {}, c.from === "" ? "(empty)" : c.from), h("span", { "aria-label": "becomes" }, " → "),
          h("ins", {}, c.to === "" ? "(empty: cleared)" : c.to),
          c.overwritesOutlookEdit ? h("span", { class: "cos-overwrite" }, " (replaces an edit made in Outlook)") : ""))),
        item.account ? h("p", { class: "cos-account" }, `Linked to the Central account “${item.account.name}” (${ACCOUNT_MATCH[item.account.matchedBy] ?? item.account.matchedBy}).`) : "",
        item.reasons.length ? h("ul", { class: "cos-reasons" }, this.reasons(item).map((r) => h("li", {}, r))) : "");
    }
    if (item.state === "conflict" && item.reasons.includes("editedOnBothSides")) return this.conflict(item);
    if (item.reasons.length) return h("ul", { class: "cos-reasons" }, this.reasons(item).map((r) => h("li", {}, r)));
    if (item.state === "new") return "Will be created in Outlook";
    return "Nothing to change";
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
      h("ul", {}, item.changes.map((c) => h("li", { "data-direction": c.direction },
        h("span", { class: "cos-field-name" }, FIELD_LABEL[c.field] ?? c.field), ": ",
        c.direction === "conflict"
          ? [h("span", {}, "Central has "), h("q", {}, c.from || "(empty)"), h("span", {}, ", Outlook has "), h("q", {}, c.to || "(empty)")]
          : [h("span", { class: "cos-direction" }, DIRECTION_LABEL[c.direction] ?? c.direction), " ", c.to || "(empty)"]))),
      h("span", { class: "cos-group", role: "group", "aria-label": `Resolve ${name}` },
        pick("central", "Keep Central's"), pick("outlook", "Keep Outlook's")),
      side ? h("span", { class: "cos-note" }, side === "central" ? " Central's values will be written to Outlook." : " Outlook's values will be written to Central.") : "");
  }

  /** Picks a side for a conflict; the record is then selected to sync. */
  resolve(item, side) {
    this.resolutions.set(item.centralId, side);
    this.selected.set(item, true);
    this.table.rerender();
    this.updateSelection();
  }

  resolveAll(side) {
    if (!this.plan) return;
    for (const item of this.plan.items) {
      if (item.state === "conflict" && item.reasons.includes("editedOnBothSides")) {
        this.resolutions.set(item.centralId, side);
        this.selected.set(item, true);
      }
    }
    this.table.rerender();
    this.updateSelection();
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
