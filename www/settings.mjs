// Settings: the Central URL, the mailbox, the folder, the direction, what an empty Central value does
// and how deletions propagate, remembered in localStorage (never a token); the folder list through
// the package's listFolders.
import { h } from "./dom.mjs";

/** Settings the user can change. */
export const REMEMBERED = ["centralUrl", "mailbox", "folderId", "emptyValues", "direction", "deletions", "readOnlyContact"];
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

/** The folder to use: the remembered one if the mailbox still has it, else the one named `folderName`. */
export function pickFolder(folders, folderId, folderName) {
  if (folders.some((f) => f.id === folderId)) return folderId;
  const byName = folders.find((f) => f.path === folderName) ?? folders.find((f) => f.displayName === folderName);
  return byName?.id ?? "";
}

/** The Settings form. `onApply()` when a setting changes; `onCreateFolder(name)` for "Create folder". */
export class SettingsView {
  constructor({ id, settings, onApply, onCreateFolder, canWriteCentral = true }) {
    this.fallbackCentralUrl = settings.centralUrl;
    this.centralUrl = h("input", { id: id("central"), type: "text", inputMode: "url", autocomplete: "off", spellcheck: false, value: settings.centralUrl });
    this.mailboxMe = h("input", { id: id("mb-me"), type: "radio", name: id("mailbox"), value: "me", checked: settings.mailbox === "me" });
    this.mailboxShared = h("input", { id: id("mb-shared"), type: "radio", name: id("mailbox"), value: "shared", checked: settings.mailbox !== "me" });
    this.sharedAddress = h("input", { id: id("shared"), type: "email", autocomplete: "off", placeholder: "office@contoso.com", value: settings.mailbox === "me" ? "" : settings.mailbox });
    this.folder = h("select", { id: id("folder"), disabled: true }, h("option", { value: "" }, "Sign in to list folders"));
    this.newFolder = h("input", { id: id("newfolder"), type: "text", autocomplete: "off", disabled: true });
    this.createFolder = h("button", { type: "button", disabled: true, onclick: () => onCreateFolder(this.newFolder.value.trim()) }, "Create folder");
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
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("folder") }, "Contacts folder"), this.folder),
      h("div", { class: "cos-field cos-inline" }, h("label", { htmlFor: id("newfolder") }, "Or a new folder named"), this.newFolder, this.createFolder),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("direction") }, "Sync direction"), this.direction),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("empty") }, "When Central has no value where Outlook has one"), this.emptyValues),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("deletions") }, "Deletions"), this.deletions),
      h("div", { class: "cos-field cos-check" }, this.readOnlyContact,
        h("label", { htmlFor: id("readonly-contact") }, "Central contacts are read-only (deleted Outlook contacts come back)")),
      h("button", { type: "submit" }, "Save and plan"));
    const form = h("form", { class: "cos-settings-form", onsubmit: (e) => { e.preventDefault(); onApply(); } }, this.box);
    this.folder.addEventListener("change", () => onApply());
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
      folderId: this.folder.value,
      emptyValues: this.emptyValues.value,
      direction: this.direction.value,
      deletions: this.deletionsChosen ? this.deletions.value : "",
      readOnlyContact: this.readOnlyContact.checked,
    };
  }

  /** Lists `folders` (child folders as "Parent / Child") with `folderId` selected. */
  fillFolders(folders, folderId) {
    const options = folders.map((f) => h("option", { value: f.id }, f.path || f.displayName));
    if (!folderId || !folders.length) {
      options.unshift(h("option", { value: "" }, folders.length ? "Choose a folder…" : "Sign in to list folders"));
    }
    this.folder.replaceChildren(...options);
    this.folder.value = folderId;
  }

  setSignedIn(on) {
    for (const c of [this.folder, this.newFolder, this.createFolder]) c.disabled = !on;
  }

  set disabled(on) {
    this.box.disabled = on;
  }

  set open(on) {
    this.node.open = on;
  }
}
