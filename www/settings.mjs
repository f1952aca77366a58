// Settings: the Central URL, the mailbox, the folder of each record type, the direction, what an
// empty Central value does and how deletions propagate, remembered in localStorage (never a token);
// the folder lists through the package's listFolders.
import { h } from "./dom.mjs";

/** Settings the user can change. */
export const REMEMBERED = ["centralUrl", "mailbox", "folderId", "folderIndividual", "folderAccount",
  "emptyValues", "direction", "deletions", "readOnlyContact"];
/** The ones that are on or off; the rest are text. */
const FLAGS = new Set(["readOnlyContact"]);
// A data-* attribute gives "true" or "false" as text.
const flag = (value) => value === true || value === "true";

/** The remembered settings over the configured ones. */
export function loadSettings(cfg) {
  const base = Object.fromEntries(REMEMBERED.map((k) => [k, FLAGS.has(k) ? flag(cfg[k]) : cfg[k]]));
  try {
    const saved = JSON.parse(localStorage.getItem(cfg.storageKey) || "{}");
    for (const k of REMEMBERED) if (typeof saved[k] === (FLAGS.has(k) ? "boolean" : "string")) base[k] = saved[k];
  } catch { /* unreadable or blocked storage: defaults */ }
  return base;
}

/** What `deletions` is when not chosen (DESIGN §4): off one way, propagate both ways. */
export const defaultDeletions = (direction) => (direction === "twoWay" ? "propagate" : "off");

export function saveSettings(cfg, settings) {
  try {
    localStorage.setItem(cfg.storageKey, JSON.stringify(settings));
  } catch { /* storage blocked: settings last for this page only */ }
}

/**
 * The folder picker of each record type (DESIGN §4: records are typed by folder): the setting
 * holding its id, its words, and what "no folder" means (null: a folder is needed).
 */
export const FOLDER_PICKERS = [
  { key: "folderId", type: "contact", label: "Contacts folder", folderWord: "folder", none: null },
  { key: "folderIndividual", type: "individual", label: "Individuals folder", folderWord: "individuals folder",
    none: "(none — individuals go to the Contacts folder)" },
  { key: "folderAccount", type: "account", label: "Accounts folder", folderWord: "accounts folder",
    none: "(none — accounts are not synced)" },
];
const PICKER = Object.fromEntries(FOLDER_PICKERS.map((p) => [p.key, p]));

/**
 * The first folder chosen for two types, as `{ folderId, keys: [the two settings] }`, or null.
 * A folder holds one type, so such settings are not planned.
 */
export function folderClash(settings) {
  const seen = new Map();
  for (const { key } of FOLDER_PICKERS) {
    const folderId = settings[key];
    if (!folderId) continue;
    if (seen.has(folderId)) return { folderId, keys: [seen.get(folderId), key] };
    seen.set(folderId, key);
  }
  return null;
}

/**
 * The session's folder options: `folderId` alone while only the Contacts folder is chosen (what
 * packages and embeddings before typed folders know), else `folders` with the chosen types only.
 */
export function folderOptions(settings) {
  const { folderId, folderIndividual, folderAccount } = settings;
  if (!folderIndividual && !folderAccount) return { folderId };
  return { folders: { contact: folderId,
    ...(folderIndividual ? { individual: folderIndividual } : {}),
    ...(folderAccount ? { account: folderAccount } : {}) } };
}

/** How many record types have a folder of their own. */
export const typedFolders = (settings) => FOLDER_PICKERS.filter(({ key }) => settings[key]).length;

/**
 * The folder to use: the remembered one if the mailbox still has it, else the one named
 * `folderName` (none when no name is given).
 */
export function pickFolder(folders, folderId, folderName) {
  if (folderId && folders.some((f) => f.id === folderId)) return folderId;
  if (!folderName) return "";
  const byName = folders.find((f) => f.path === folderName) ?? folders.find((f) => f.displayName === folderName);
  return byName?.id ?? "";
}

/**
 * The Settings form. `onApply()` when a setting changes; `onCreateFolder(name, key)` for a
 * picker's "Create folder", `key` naming the setting the new folder fills (`folderId`, …).
 */
export class SettingsView {
  constructor({ id, settings, onApply, onCreateFolder, canWriteCentral = true }) {
    this.fallbackCentralUrl = settings.centralUrl;
    this.centralUrl = h("input", { id: id("central"), type: "text", inputMode: "url", autocomplete: "off", spellcheck: false, value: settings.centralUrl });
    this.mailboxMe = h("input", { id: id("mb-me"), type: "radio", name: id("mailbox"), value: "me", checked: settings.mailbox === "me" });
    this.mailboxShared = h("input", { id: id("mb-shared"), type: "radio", name: id("mailbox"), value: "shared", checked: settings.mailbox !== "me" });
    this.sharedAddress = h("input", { id: id("shared"), type: "email", autocomplete: "off", placeholder: "office@contoso.com", value: settings.mailbox === "me" ? "" : settings.mailbox });
    // One picker per record type: a list of the mailbox's folders and a folder created by name.
    this.pickers = Object.fromEntries(FOLDER_PICKERS.map((p) => [p.key, this.folderPicker(id, p, onCreateFolder)]));
    // Until the mailbox's folders are listed, the pickers cannot show the remembered folders:
    // `read` keeps these then.
    this.listed = false;
    this.picked = Object.fromEntries(FOLDER_PICKERS.map(({ key }) => [key, settings[key] ?? ""]));
    this.folder = this.pickers.folderId.select;
    this.newFolder = this.pickers.folderId.input;
    // Said when one folder is chosen for two types (nothing is planned then).
    this.folderError = h("p", { id: id("folder-error"), class: "cos-folder-error", role: "alert", hidden: true });
    this.emptyValues = h("select", { id: id("empty") },
      h("option", { value: "clear" }, "Clear them in Outlook (Central is the record)"),
      h("option", { value: "keep" }, "Keep Outlook's value"));
    this.emptyValues.value = settings.emptyValues;
    // Both ways writes Central: not offered when the host hands the contacts in.
    this.direction = h("select", { id: id("direction") },
      h("option", { value: "toOutlook" }, "Central → Outlook"),
      h("option", { value: "twoWay", disabled: !canWriteCentral }, "Both ways (Outlook edits go to Central)"));
    this.direction.value = canWriteCentral ? settings.direction : "toOutlook";
    // Until the user picks one, Deletions shows (and follows) the direction's default, and the
    // package is left to apply it.
    this.deletionsChosen = settings.deletions === "off" || settings.deletions === "propagate";
    this.deletions = h("select", { id: id("deletions") },
      h("option", { value: "off" }, "Don't propagate"),
      h("option", { value: "propagate" }, "Propagate"));
    this.deletions.value = this.deletionsChosen ? settings.deletions : defaultDeletions(this.direction.value);
    this.readOnlyContact = h("input", { id: id("readonly-contact"), type: "checkbox", checked: Boolean(settings.readOnlyContact) });
    this.box = h("fieldset", { class: "cos-settings-box" },
      h("legend", { class: "cos-visually-hidden" }, "Settings"),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("central") }, "Central URL"), this.centralUrl),
      h("fieldset", { class: "cos-field" }, h("legend", {}, "Mailbox"),
        h("div", { class: "cos-radio" }, this.mailboxMe, h("label", { htmlFor: id("mb-me") }, "My mailbox")),
        h("div", { class: "cos-radio" }, this.mailboxShared, h("label", { htmlFor: id("mb-shared") }, "A shared mailbox:")),
        h("label", { htmlFor: id("shared"), class: "cos-visually-hidden" }, "Shared mailbox address"), this.sharedAddress),
      FOLDER_PICKERS.map(({ key }) => this.pickers[key].fields),
      this.folderError,
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("direction") }, "Sync direction"), this.direction),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("empty") }, "When Central has no value where Outlook has one"), this.emptyValues),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("deletions") }, "Deletions"), this.deletions),
      h("div", { class: "cos-field cos-check" }, this.readOnlyContact,
        h("label", { htmlFor: id("readonly-contact") }, "Central contacts are read-only (deleted Outlook contacts come back)")),
      h("button", { type: "submit" }, "Save and plan"));
    const form = h("form", { class: "cos-settings-form", onsubmit: (e) => { e.preventDefault(); onApply(); } }, this.box);
    for (const { select } of Object.values(this.pickers)) select.addEventListener("change", () => onApply());
    this.emptyValues.addEventListener("change", () => onApply());
    this.direction.addEventListener("change", () => {
      if (!this.deletionsChosen) this.deletions.value = defaultDeletions(this.direction.value);
      onApply();
    });
    this.deletions.addEventListener("change", () => {
      this.deletionsChosen = true;
      onApply();
    });
    this.readOnlyContact.addEventListener("change", () => onApply());
    this.sharedAddress.addEventListener("input", () => { this.mailboxShared.checked = true; });
    this.node = h("details", { class: "cos-settings", open: true }, h("summary", {}, "Settings"), form);
  }

  /** The settings as the form has them now. */
  read() {
    const shared = this.sharedAddress.value.trim();
    if (this.mailboxShared.checked && !shared) this.mailboxMe.checked = true;
    return {
      centralUrl: this.centralUrl.value.trim() || this.fallbackCentralUrl,
      mailbox: this.mailboxShared.checked && shared ? shared : "me",
      ...Object.fromEntries(FOLDER_PICKERS.map(({ key }) => [key, this.listed ? this.pickers[key].select.value : this.picked[key]])),
      emptyValues: this.emptyValues.value,
      direction: this.direction.value,
      deletions: this.deletionsChosen ? this.deletions.value : "",
      readOnlyContact: this.readOnlyContact.checked,
    };
  }

  /** A type's folder list and its "new folder named" box with "Create folder". */
  folderPicker(id, { key, label, folderWord }, onCreateFolder) {
    const name = (part) => id(`${part}${key === "folderId" ? "" : `-${key}`}`);
    const select = h("select", { id: name("folder"), disabled: true },
      h("option", { value: "" }, "Sign in to list folders"));
    const input = h("input", { id: name("newfolder"), type: "text", autocomplete: "off", disabled: true });
    const button = h("button", { type: "button", disabled: true, onclick: () => onCreateFolder(input.value.trim(), key) },
      `Create ${folderWord}`);
    // One cell of the form per type: its list, and below it a new folder by name.
    const fields = h("div", { class: "cos-field", "data-folder-type": PICKER[key].type },
      h("label", { htmlFor: name("folder") }, label), select,
      h("div", { class: "cos-field cos-inline" },
        h("label", { htmlFor: name("newfolder") }, `Or a new ${folderWord} named`), input, button));
    return { select, input, button, fields };
  }

  /**
   * Lists `folders` (child folders as "Parent / Child") in every type's picker, with the folder
   * `picked[key]` selected in each (`picked` holds `folderId`, `folderIndividual`, `folderAccount`).
   * `listed` false: the mailbox's folders are not known (signed out, or the list failed).
   */
  fillFolders(folders, picked, listed = true) {
    this.listed = listed;
    const empty = listed ? "No folders yet: create one" : "Sign in to list folders";
    for (const { key, none } of FOLDER_PICKERS) {
      const folderId = picked[key] ?? "";
      this.picked[key] = folderId;
      const options = folders.map((f) => h("option", { value: f.id }, f.path || f.displayName));
      if (none !== null) options.unshift(h("option", { value: "" }, listed ? none : empty));
      else if (!folderId || !folders.length) {
        options.unshift(h("option", { value: "" }, folders.length ? "Choose a folder…" : empty));
      }
      const { select } = this.pickers[key];
      select.replaceChildren(...options);
      select.value = folderId;
    }
    this.showFolderClash(null);
  }

  /**
   * Says that one folder is chosen for two types (`clash` from `folderClash`), next to the
   * pickers, marking both as invalid; null clears it.
   */
  showFolderClash(clash) {
    for (const { select } of Object.values(this.pickers)) {
      select.removeAttribute("aria-invalid");
      select.removeAttribute("aria-describedby");
    }
    if (!clash) {
      this.folderError.hidden = true;
      this.folderError.replaceChildren();
      return;
    }
    const [first, second] = clash.keys.map((key) => PICKER[key]);
    const select = this.pickers[second.key].select;
    const folderName = select.selectedOptions[0]?.textContent || clash.folderId;
    this.folderError.replaceChildren(h("strong", {}, `“${folderName}” is both the ${first.label} and the ${second.label}.`), " ",
      "A folder holds one type of record: choose another folder for one of them. Nothing is planned until then.");
    this.folderError.hidden = false;
    for (const key of clash.keys) {
      this.pickers[key].select.setAttribute("aria-invalid", "true");
      this.pickers[key].select.setAttribute("aria-describedby", this.folderError.id);
    }
  }

  setSignedIn(on) {
    for (const { select, input, button } of Object.values(this.pickers)) {
      for (const c of [select, input, button]) c.disabled = !on;
    }
  }

  set disabled(on) {
    this.box.disabled = on;
  }

  set open(on) {
    this.node.open = on;
  }
}
