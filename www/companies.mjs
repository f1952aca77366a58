// Companies typed in Outlook that match no Central account (reason `unresolvedCompany`, DESIGN §4
// "Company → account"), listed below the plan's table: each company once, with how many
// contacts carry it and who they are. Built from the plan items alone; every company and name
// is untrusted text, set as text and bidi-isolated.
import { h, count } from "./dom.mjs";
import { UNRESOLVED_COMPANIES } from "./messages.mjs";

/** Names shown per company before "and N more"; companies shown before "and N more companies". */
export const NAMES_SHOWN = 3;
export const COMPANIES_SHOWN = 100;

/**
 * The company an item sends to Central as typed in Outlook: its `companyName` change towards
 * Central (an update's edit, or one of a contact's creation values). `""` when it has none.
 */
export function typedCompany(item) {
  const change = item.changes.find((c) => c.field === "companyName" && c.direction === "toCentral");
  return typeof change?.to === "string" ? change.to.trim() : "";
}

/** Two spellings name one company when Central's link compares them equal: trimmed, NFC, any case. */
const companyKey = (typed) => typed.normalize("NFC").trim().toLowerCase();

/**
 * The unresolved companies of `items`: `[{ company, spellings, items }]`, one per company
 * (`spellings`: the other ways it was typed), most contacts first, then by name. One pass.
 */
export function unresolvedCompanies(items) {
  const groups = new Map();
  for (const item of items) {
    if (!item.reasons.length || !item.reasons.includes("unresolvedCompany")) continue;
    const typed = typedCompany(item);
    const key = companyKey(typed);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { company: typed, spellings: [], items: [] }));
    else if (typed !== group.company && !group.spellings.includes(typed)) group.spellings.push(typed);
    group.items.push(item);
  }
  return [...groups.values()].sort((a, b) => b.items.length - a.items.length || a.company.localeCompare(b.company));
}

/** A contact as the list names it: its name, else its email, else its Central id. */
const nameOf = (item) => {
  const d = item.display ?? {};
  return d.name || d.email || item.centralId || "(no name)";
};

/** `nodes` joined as a sentence lists them: "A, B and C". */
function listed(nodes, more) {
  const parts = [];
  nodes.forEach((node, n) => {
    if (n > 0) parts.push(n === nodes.length - 1 && !more ? " and " : ", ");
    parts.push(node);
  });
  if (more) parts.push(` and ${count(more)} more`);
  return parts;
}

/** The "Unresolved companies" section: hidden while the plan has none. */
export class UnresolvedCompaniesView {
  constructor(id) {
    this.companies = [];
    this.list = h("ul", { class: "cos-companies-list" });
    this.more = h("p", { class: "cos-companies-more", hidden: true });
    // The list may be long: it scrolls in a region that the keyboard reaches (Tab) and a screen
    // reader names by the heading.
    this.node = h("section", { id: id("companies"), class: "cos-companies", hidden: true },
      h("h4", { id: id("companies-h") }, UNRESOLVED_COMPANIES.heading),
      h("p", { class: "cos-companies-intro" }, `${UNRESOLVED_COMPANIES.intro} ${UNRESOLVED_COMPANIES.what}`),
      h("div", { class: "cos-companies-scroll", role: "region", "aria-labelledby": id("companies-h"), tabIndex: 0 },
        this.list, this.more));
  }

  /** Shows the unresolved companies of `items` (the plan's); returns how many there are. */
  show(items) {
    this.companies = unresolvedCompanies(items);
    const n = this.companies.length;
    this.list.replaceChildren(...this.companies.slice(0, COMPANIES_SHOWN).map((group) => this.entry(group)));
    const rest = n - COMPANIES_SHOWN;
    this.more.hidden = rest <= 0;
    this.more.textContent = rest > 0 ? `and ${count(rest)} more ${rest === 1 ? "company" : "companies"}` : "";
    this.node.hidden = n === 0;
    return n;
  }

  clear() {
    this.companies = [];
    this.list.replaceChildren();
    this.node.hidden = true;
  }

  /** One company: "Northwind — 2 contacts: Ann Lee and Bob Stone". */
  entry({ company, spellings, items }) {
    const names = items.slice(0, NAMES_SHOWN).map((item) =>
      h("bdi", { class: "cos-company-contact", "data-id": item.centralId || item.outlookId || "" }, nameOf(item)));
    return h("li", { class: "cos-company", "data-company": company, "data-count": items.length },
      h("bdi", { class: "cos-company-name" }, company || "(no company)"),
      h("span", { class: "cos-company-count" }, ` — ${UNRESOLVED_COMPANIES.contacts(items.length, count(items.length))}`),
      spellings.length
        ? h("span", { class: "cos-company-spellings" }, " (also typed as ",
          listed(spellings.map((s) => h("bdi", {}, s)), 0), ")")
        : "",
      ": ",
      h("span", { class: "cos-company-contacts" }, listed(names, items.length - names.length)));
  }
}
