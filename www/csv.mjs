// CSV downloads (the results, the non-syncable records): every cell quoted, and a cell that a
// spreadsheet would run as a formula (= + - @, tab, CR at the start) defused with a leading '.
import { h } from "./dom.mjs";

/** One CSV cell: quoted, and a leading = + - @ (or tab/CR) defused so spreadsheets show text. */
export function csvCell(value) {
  let s = value == null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** Offers `header` and `rows` (arrays of cells) as a UTF-8 CSV file named `filename`. */
export function downloadCsv(filename, header, rows) {
  const lines = [header, ...rows].map((cells) => cells.map(csvCell).join(","));
  const blob = new Blob(["\ufeff", lines.join("\r\n"), "\r\n"], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  h("a", { href: url, download: filename }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
