// A sync as the user follows it: the progress bar with "waiting N s" while Microsoft 365
// throttles and Cancel, then every selected record's outcome (failures first) and its CSV.
import { h, count } from "./dom.mjs";
import { ACTION_LABEL, explain } from "./messages.mjs";
import { downloadCsv } from "./csv.mjs";
import { PagedTable, shown } from "./table.mjs";

/** The progress section. `onCancel()` for "Cancel"; `announce(text)` speaks through the live region. */
export class ProgressView {
  constructor({ id, onCancel, announce }) {
    this.announce = announce;
    this.bar = h("progress", { id: id("progress"), max: 1, value: 0 });
    this.text = h("p", { class: "cos-progress-text" });
    this.waiting = h("p", { class: "cos-waiting", hidden: true });
    this.cancel = h("button", { type: "button", onclick: () => onCancel() }, "Cancel");
    this.node = h("section", { class: "cos-progress", hidden: true, "aria-labelledby": id("progress-h") },
      h("h3", { id: id("progress-h") }, "Syncing"),
      h("label", { htmlFor: id("progress"), class: "cos-visually-hidden" }, "Sync progress"),
      this.bar, this.text, this.waiting, this.cancel);
  }

  start(total) {
    this.node.hidden = false;
    this.cancel.disabled = false;
    this.lastAnnounced = 0;
    this.wasWaiting = false;
    this.update({ done: 0, total, created: 0, updated: 0, failed: 0, waitingSeconds: 0 });
    this.announce(`Sync started: ${count(total)} records.`);
    this.cancel.focus();
  }

  update(p) {
    const centralTotal = p.centralTotal ?? 0, centralDone = p.centralDone ?? 0;
    this.bar.max = Math.max(p.total + centralTotal, 1);
    this.bar.value = p.done + centralDone;
    const central = centralTotal ? ` Central: ${count(centralDone)} of ${count(centralTotal)} written.` : "";
    const line = `${count(p.done)} of ${count(p.total)} done: ${count(p.created)} created, ${count(p.updated)} updated, ${count(p.failed)} failed.${central}`;
    this.text.textContent = line;
    const waiting = p.waitingSeconds > 0;
    this.waiting.hidden = !waiting;
    this.waiting.textContent = waiting ? `Microsoft 365 is throttling: waiting ${Math.ceil(p.waitingSeconds)} s before going on.` : "";
    // Announce often enough to follow, rarely enough to listen to.
    const now = Date.now();
    if (waiting && !this.wasWaiting) this.announce(this.waiting.textContent);
    else if (now - this.lastAnnounced > 5000) {
      this.announce(line);
      this.lastAnnounced = now;
    }
    this.wasWaiting = waiting;
  }

  cancelling() {
    this.cancel.disabled = true;
    this.text.textContent += " Cancelling after the current batch…";
    this.announce("Cancelling after the current batch.");
  }

  hide() {
    this.node.hidden = true;
  }
}

/** What a record's action wrote, said by the side it wrote. */
const WRITTEN = {
  created: "Created in Outlook", updated: "Updated in Outlook", restored: "Created again in Outlook",
  deletedInOutlook: "The Outlook copy was deleted", deletedInCentral: "The Central record was deleted",
};

/** The results section. `onReplan()` for its "Plan again". */
export class ResultsView {
  constructor({ id, pageSize, onReplan }) {
    this.rows = null;
    this.summary = h("p", { class: "cos-result-summary" });
    this.table = new PagedTable(pageSize, ["Outcome", "Name", "Email", "Central id", "Details"],
      (row) => this.row(row), "Outcome of every selected record");
    this.heading = h("h3", { id: id("results-h"), tabIndex: -1 }, "Results");
    this.node = h("section", { class: "cos-results", hidden: true, "aria-labelledby": id("results-h") },
      this.heading, this.summary,
      h("div", { class: "cos-toolbar" },
        h("button", { type: "button", onclick: () => this.exportResults() }, "Download results (CSV)"),
        h("button", { type: "button", class: "cos-primary", onclick: () => onReplan() }, "Plan again")),
      this.table.node);
  }

  /** Shows `result` (of `session.run`); names and emails come from the plan's `items`. Returns the summary line. */
  show(result, items) {
    const byId = new Map(result.records.map((r) => [r.centralId, null]));
    for (const item of items) if (byId.has(item.centralId)) byId.set(item.centralId, shown(item));
    // A contact created in Central is known by its Outlook id (it had no Central id in the plan).
    const byOutlookId = new Map(items.filter((i) => i.state === "createInCentral").map((i) => [i.outlookId, shown(i)]));
    // The two-way and deletion counts are said only when there are any, so a one-way line reads as before.
    const optional = [[result.createdInCentral, "created in Central"], [result.updatedInCentral, "updated in Central"],
      [result.restored, "restored in Outlook"], [result.deletedInOutlook, "deleted in Outlook"], [result.deletedInCentral, "deleted in Central"]]
      .filter(([n]) => n > 0).map(([n, words]) => `${count(n)} ${words}`);
    const parts = [`${count(result.created)} created`, `${count(result.updated)} updated`, ...optional,
      `${count(result.failed)} failed`, `${count(result.skipped)} skipped`];
    const line = `${result.cancelled ? "Sync cancelled" : "Sync finished"}: ${parts.join(", ")}.`;
    this.summary.replaceChildren(line, result.cancelled ? " Records it did not reach are marked skipped; plan again to sync them." : "");
    Object.assign(this.summary.dataset, { created: result.created, updated: result.updated, failed: result.failed,
      deletedInOutlook: result.deletedInOutlook ?? 0, deletedInCentral: result.deletedInCentral ?? 0, restored: result.restored ?? 0 });
    this.rows = result.records.map((record) => ({ record,
      ...((record.action === "createdInCentral" ? byOutlookId.get(record.outlookId) : null) ?? byId.get(record.centralId) ?? { name: "", email: "" }) }));
    // Failures first: they are what needs attention.
    const order = { failed: 0, skipped: 1, deletedInCentral: 2, deletedInOutlook: 2, restored: 3, created: 3, createdInCentral: 3, updated: 4, updatedInCentral: 4 };
    this.table.setRows([...this.rows].sort((a, b) => (order[a.record.action] ?? 5) - (order[b.record.action] ?? 5)));
    this.node.hidden = false;
    this.heading.focus();
    return line;
  }

  clear() {
    this.rows = null;
    this.table.setRows([]);
    this.node.hidden = true;
  }

  row({ record, name, email }) {
    // Each side said apart: a two-way record may be written in Outlook and not in Central.
    const central = record.central;
    const written = [
      WRITTEN[record.action] ?? "",
      central?.action === "updated" ? "Updated in Central" : central?.action === "failed" ? "Not written in Central:" : "",
    ].filter(Boolean).join("; ");
    const detail = [written && h("span", { class: "cos-sides" }, `${written} `),
      record.error ? [h("strong", {}, explain(record.error).what),
        record.error.code === "cancelled" ? "" : h("span", { class: "cos-detail" }, ` ${record.error.message}`)] : ""];
    return h("tr", { "data-id": record.centralId, "data-action": record.action },
      h("td", {}, h("span", { class: `cos-badge cos-action-${record.action}` }, ACTION_LABEL[record.action] ?? record.action)),
      h("td", { class: "cos-name" }, name || "(no name)"),
      h("td", { class: "cos-email" }, email),
      h("td", { class: "cos-id" }, record.centralId),
      h("td", {}, detail));
  }

  exportResults() {
    if (!this.rows) return;
    const rows = this.rows.map(({ record: r, name, email }) => [r.centralId, name, email, ACTION_LABEL[r.action] ?? r.action,
      r.outlookId ?? "", r.error?.code ?? "", r.error ? `${explain(r.error).what} ${r.error.message}` : ""]);
    downloadCsv("central-contacts-sync-results.csv", ["Central id", "Name", "Email", "Outcome", "Outlook id", "Error code", "Error"], rows);
  }
}
