// DOM helpers for the widget's modules: elements built from properties and text nodes only
// (never innerHTML), numbers in the reader's locale, errors carrying a stable `code`.

/** Creates an element: `props` are properties (attributes when the name has a dash), children text or nodes. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key.includes("-")) node.setAttribute(key, value === true ? "" : String(value));
    else node[key] = value;
  }
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

// One formatter, made (and its locale data loaded) when the module loads: toLocaleString
// builds one per call, and the first costs tens of milliseconds.
const NUMBER = new Intl.NumberFormat();
NUMBER.format(0);

/** A count as the reader's locale writes it (12,345). */
export const count = (n) => NUMBER.format(Number(n));

/** An `Error` with a `code`, as the package throws them. */
export function codedError(code, message) {
  return Object.assign(new Error(message), { code });
}

/** A list option: an array, or a comma/space-separated string (as from a data-* attribute). */
export function list(value) {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  return typeof value === "string" ? value.split(/[\s,]+/).filter(Boolean) : [];
}

/** `config` without its empty entries (undefined, null, ""), so defaults stay. */
export function clean(config) {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined && v !== null && v !== ""));
}

/** Adds `<link rel="stylesheet" href>` to the document once. */
export function addStylesheet(href) {
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) return;
  document.head.append(h("link", { rel: "stylesheet", href }));
}

/** A performance mark (`central-o365-sync:<name>`), for profiles and the page benchmark. */
export function mark(name) {
  try {
    performance.mark(`central-o365-sync:${name}`);
  } catch { /* no User Timing: nothing to record */ }
}
