// The Central → Outlook contacts widget's entry: mounts it, signs in, and asks the package's
// SyncSession for the plan and the run; the other modules draw the settings, table and results.
//
//   import { mountCentralSync } from "./widget.mjs";
//   mountCentralSync(document.getElementById("sync"), { centralUrl: "/api", clientId: "…" });
// or <central-o365-sync data-central-url="/api" data-client-id="…"></central-o365-sync>
import { h, count, codedError, clean, addStylesheet, mark } from "./dom.mjs";
import { ERRORS, explain } from "./messages.mjs";
import { demoAuth, startMsal, msalSignIn, msalAuth } from "./signin.mjs";
import { SettingsView, loadSettings, saveSettings, pickFolder, FOLDER_PICKERS, folderClash, folderOptions,
  typedFolders } from "./settings.mjs";
import { PlanView } from "./table.mjs";
import { ProgressView, ResultsView } from "./progress.mjs";
import { ConfirmDeletionsView } from "./confirm.mjs";

export { csvCell } from "./csv.mjs";

const HERE = import.meta.url;

const DEFAULTS = {
  centralUrl: "/central/api",
  graphUrl: "https://graph.microsoft.com/v1.0",
  mailbox: "me",
  folderId: "",
  folderName: "Central Contacts",
  folderIndividual: "", // the individuals' own folder; empty = individuals go to the contacts folder
  folderAccount: "", // the accounts' folder; empty = accounts are not synced
  emptyValues: "clear",
  direction: "toOutlook",
  deletions: "", // "off" | "propagate"; empty = the direction's default (off one way, propagate both ways)
  readOnlyContact: false, // true: Central contacts are never deleted; deleted Outlook contacts come back
  clientId: "", // an Entra app (SPA) client id; empty = demo sign-in against the emulator
  authority: "https://login.microsoftonline.com/organizations",
  // For a non-Microsoft OpenID Connect authority: its host(s) ("host:port", a list or a
  // comma/space-separated string) and protocolMode "OIDC". Empty = MSAL's defaults (Entra ID).
  knownAuthorities: "",
  protocolMode: "",
  redirectUri: new URL("redirect.html", HERE).href,
  demoUser: "demo@contoso.example",
  demoTokenUrl: "", // default: /_emulator/token on the Graph URL's origin
  packageUrl: new URL("pkg/central_o365_sync.js", HERE).href,
  msalUrl: new URL("vendor/msal-browser.min.js", HERE).href,
  storageKey: "central-o365-sync.settings",
  pageSize: 100,
};

let instances = 0;

/** Mounts the widget into `root` (emptied first). Returns `{ destroy }`. */
export function mountCentralSync(root, config = {}) {
  if (!(root instanceof Element)) throw new TypeError("mountCentralSync needs an element");
  const cfg = { ...DEFAULTS, ...clean(config) };
  // Absolute, so Graph's absolute @odata.nextLink stays on the configured origin.
  cfg.graphUrl = new URL(cfg.graphUrl, location.href).href.replace(/\/+$/, "");
  addStylesheet(new URL("widget.css", HERE).href);
  return new Widget(root, cfg, `cos${++instances}`);
}

class Widget {
  constructor(root, cfg, uid) {
    this.root = root;
    this.cfg = cfg;
    this.id = (name) => `${uid}-${name}`;
    this.settings = loadSettings(cfg);
    this.pkg = null; // the wasm package's exports
    this.auth = null; // { label, getToken({forceRefresh}), signOut() }
    this.folders = [];
    this.session = null; // the SyncSession whose plan is shown; it runs that plan once
    this.running = null; // AbortController of the run
    this.generation = 0; // guards against a late answer of a superseded plan
    this.render();
    this.start();
  }

  destroy() {
    this.running?.abort();
    this.session?.free();
    this.root.replaceChildren();
  }

  scopes() {
    const shared = this.settings.mailbox !== "me";
    return ["User.Read", "Contacts.ReadWrite", ...(shared ? ["Contacts.ReadWrite.Shared"] : [])];
  }

  render() {
    const id = this.id;
    const demo = !this.cfg.clientId;
    const ui = (this.ui = {});
    ui.account = h("span", { class: "cos-account-text" }, "Not signed in.");
    ui.signIn = h("button", { type: "button", class: "cos-primary", disabled: true, onclick: () => this.signIn() },
      demo ? "Demo sign-in" : "Sign in with Microsoft");
    ui.signOut = h("button", { type: "button", hidden: true, onclick: () => this.signOut() }, "Sign out");
    const demoNote = demo
      ? h("p", { class: "cos-note" }, "Demo sign-in: no Microsoft sign-in is configured, so this signs in as ",
        h("strong", {}, this.cfg.demoUser), " on the local demo server. Nothing leaves this machine.")
      : null;
    ui.error = h("div", { class: "cos-error", role: "alert", hidden: true });
    ui.status = h("p", { class: "cos-status", role: "status" });
    ui.live = h("div", { class: "cos-visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
    ui.settings = new SettingsView({ id, settings: this.settings,
      canWriteCentral: this.cfg.contacts === undefined,
      onApply: () => this.applySettings(), onCreateFolder: (name, key) => this.createFolder(name, key) });
    ui.plan = new PlanView({ id, pageSize: this.cfg.pageSize, onSync: (ids) => this.sync(ids), onReplan: () => this.replan() });
    ui.confirm = new ConfirmDeletionsView({ id,
      onConfirm: (n) => this.sync(ui.plan.selectedIds(), n), onCancel: () => this.keepPlan() });
    ui.progress = new ProgressView({ id, onCancel: () => this.cancel(), announce: (t) => this.announce(t) });
    ui.results = new ResultsView({ id, pageSize: this.cfg.pageSize, onReplan: () => this.replan() });
    this.root.replaceChildren(h("section", { class: "cos", "aria-labelledby": id("title") },
      h("header", { class: "cos-head" },
        h("h2", { id: id("title") }, "Sync Central contacts to Outlook"),
        h("div", { class: "cos-account" }, ui.account, ui.signIn, ui.signOut)),
      demoNote, ui.error, ui.status, ui.settings.node, ui.confirm.node, ui.plan.node, ui.progress.node, ui.results.node, ui.live));
  }

  showError(error) {
    // A token callback that failed because MSAL needs the user (refresh token refused, no
    // session for a silent renewal) reaches us as the package's "unauthorized": ask to sign in.
    if (this.signInExpired && error?.code === "unauthorized") error = codedError("signInAgain", error.message);
    const e = explain(error, this.settings.mailbox);
    const again = e.code === "signInAgain"
      ? h("p", {}, h("button", { type: "button", class: "cos-primary cos-sign-in-again", onclick: () => this.signIn() }, "Sign in again"))
      : null;
    this.ui.error.replaceChildren(h("strong", {}, e.what), " ", h("span", {}, e.next), ...(again ? [again] : []),
      h("details", {}, h("summary", {}, "Details"), h("code", {}, `${e.code}: ${e.detail}`)));
    this.ui.error.dataset.code = e.code;
    if (e.permission) this.ui.error.dataset.permission = e.permission;
    else delete this.ui.error.dataset.permission;
    this.ui.error.hidden = false;
    if (again) this.announce(`${e.what} ${e.next}`);
  }

  clearError() {
    this.ui.error.hidden = true;
    this.ui.error.replaceChildren();
  }

  status(message) {
    this.ui.status.textContent = message;
  }

  announce(message) {
    this.ui.live.textContent = message;
  }

  // ---- start and sign-in ----------------------------------------------------------------

  async start() {
    this.status("Loading…");
    try {
      const pkg = await import(this.cfg.packageUrl);
      await pkg.default();
      this.pkg = pkg;
    } catch (error) {
      this.status("");
      this.showError(codedError("packageLoad", String(error?.message ?? error)));
      return;
    }
    try {
      if (this.cfg.clientId) {
        this.msal = await startMsal(this.cfg);
        const account = this.msal.getActiveAccount() ?? this.msal.getAllAccounts()[0];
        if (account) this.useMsalAccount(account);
      }
    } catch (error) {
      this.showError(codedError("signIn", String(error?.message ?? error)));
    }
    this.ui.signIn.disabled = false;
    this.status(this.auth ? "" : "Sign in to see what a sync would do.");
    if (this.auth) await this.afterSignIn();
  }

  async signIn() {
    mark("sign-in");
    this.clearError();
    this.ui.signIn.disabled = true;
    try {
      if (this.cfg.clientId) {
        this.useMsalAccount(await msalSignIn(this.msal, this.scopes()));
        this.signInExpired = false;
      } else {
        const url = this.cfg.demoTokenUrl || new URL("/_emulator/token", this.cfg.graphUrl).href;
        this.auth = demoAuth({ url, user: this.cfg.demoUser, scopes: () => this.scopes() });
        await this.auth.getToken({ forceRefresh: true }); // proves the endpoint answers
      }
    } catch (error) {
      this.auth = null;
      this.setSignedIn(false);
      this.ui.signIn.disabled = false;
      this.showError(error?.code in ERRORS ? error : codedError("signIn", String(error?.message ?? error)));
      return;
    }
    mark("signed-in");
    await this.afterSignIn();
  }

  useMsalAccount(account) {
    this.auth = msalAuth(this.msal, account, { scopes: () => this.scopes(), redirectUri: this.cfg.redirectUri,
      onExpired: () => { this.signInExpired = true; } });
  }

  async signOut() {
    this.running?.abort();
    try { await this.auth?.signOut(); } catch { /* the local state is cleared anyway */ }
    this.auth = null;
    this.signInExpired = false;
    this.resetPlan();
    this.clearError();
    this.ui.results.clear();
    this.folders = [];
    this.ui.settings.fillFolders([], this.settings, false);
    this.setSignedIn(false);
    this.status("Signed out.");
  }

  setSignedIn(on) {
    const ui = this.ui;
    ui.account.textContent = on ? `Signed in as ${this.auth.label}.` : "Not signed in.";
    ui.signIn.hidden = on;
    ui.signIn.disabled = on;
    ui.signOut.hidden = !on;
    ui.settings.setSignedIn(on);
  }

  async afterSignIn() {
    this.setSignedIn(true);
    if (await this.loadFolders()) await this.replan();
  }

  // ---- folders and settings -------------------------------------------------------------

  /** The mailbox part of every package call: Graph's root, the mailbox, the token. */
  mailboxOptions() {
    return {
      graphBaseUrl: this.cfg.graphUrl,
      mailbox: this.settings.mailbox,
      getGraphToken: (options) => this.auth.getToken(options),
      ...(this.cfg.retry ? { retry: this.cfg.retry } : {}),
      ...(this.cfg.timeoutMs ? { timeoutMs: Number(this.cfg.timeoutMs) } : {}),
    };
  }

  async loadFolders() {
    this.status("Loading contacts folders…");
    try {
      this.folders = await this.pkg.listFolders(this.mailboxOptions());
    } catch (error) {
      this.status("");
      this.folders = [];
      this.ui.settings.fillFolders([], this.settings, false);
      this.showError(error);
      return false;
    }
    // The contacts folder falls back to the one named `folderName`; a type's own folder to none.
    this.settings.folderId = pickFolder(this.folders, this.settings.folderId, this.cfg.folderName);
    this.settings.folderIndividual = pickFolder(this.folders, this.settings.folderIndividual);
    this.settings.folderAccount = pickFolder(this.folders, this.settings.folderAccount);
    this.ui.settings.fillFolders(this.folders, this.settings);
    this.status("");
    mark("folders");
    return true;
  }

  /** Creates a folder named `name` and picks it for the setting `key` (`folderId`, `folderIndividual`, `folderAccount`). */
  async createFolder(name, key = "folderId") {
    const picker = this.ui.settings.pickers[key];
    if (!picker) return;
    if (!name) {
      picker.input.focus();
      return;
    }
    this.clearError();
    let folder;
    try {
      folder = await this.pkg.createFolder(this.mailboxOptions(), name);
    } catch (error) {
      const exists = error?.graphCode === "ErrorFolderExists" || error?.status === 409;
      this.showError(exists ? codedError("folderExists", error.message) : error);
      return;
    }
    picker.input.value = "";
    this.settings[key] = folder.id;
    saveSettings(this.cfg, this.settings);
    if (!(await this.loadFolders())) return;
    this.announce(`Folder ${folder.displayName} created.`);
    await this.replan();
  }

  async applySettings() {
    const before = this.settings;
    this.settings = this.ui.settings.read();
    saveSettings(this.cfg, this.settings);
    if (!this.auth) return;
    this.clearError();
    if (before.mailbox !== this.settings.mailbox) {
      // Another mailbox's folders: every type's folder is picked again.
      for (const { key } of FOLDER_PICKERS) this.settings[key] = "";
      if (!(await this.loadFolders())) return;
      saveSettings(this.cfg, this.settings);
    }
    await this.replan();
  }

  // ---- plan and sync --------------------------------------------------------------------

  /** A new session for the current settings: it loads Central and the folder itself. */
  async newSession() {
    const cfg = this.cfg;
    let contacts = cfg.contacts;
    if (typeof contacts === "function") {
      try {
        contacts = await contacts();
      } catch (error) {
        throw codedError("centralUnavailable", `the host's contacts(): ${error?.message ?? error}`);
      }
    }
    return new this.pkg.SyncSession({
      ...this.mailboxOptions(),
      // `folderId` while the contacts folder is the only one; `folders` once a type has its own.
      ...folderOptions(this.settings),
      centralBaseUrl: this.settings.centralUrl,
      ...(cfg.getCentralToken ? { getCentralToken: (options) => cfg.getCentralToken(options) } : {}),
      ...(contacts !== undefined ? { contacts } : {}),
      emptyValues: this.settings.emptyValues,
      ...(contacts === undefined && this.settings.direction === "twoWay" ? { direction: "twoWay" } : {}),
      // Left out when not chosen, so the package's default for the direction applies.
      ...(this.settings.deletions ? { deletions: this.settings.deletions } : {}),
      ...(this.settings.readOnlyContact ? { readOnly: { contact: true } } : {}),
      ...(cfg.batchConcurrency ? { batchConcurrency: Number(cfg.batchConcurrency) } : {}),
    });
  }

  resetPlan() {
    this.generation++;
    if (!this.running) this.session?.free();
    this.session = null;
    this.ui.confirm.hide();
    this.ui.plan.clear();
    this.ui.results.node.hidden = true;
  }

  /** A fresh plan: a new session reads both sides again, so edits made since are seen. */
  async replan() {
    if (!this.auth || this.running) return;
    this.clearError();
    this.resetPlan();
    const generation = this.generation;
    this.ui.settings.showFolderClash(null);
    if (!this.settings.folderId) {
      this.status("Choose a contacts folder in Settings (or create one) to see the plan.");
      this.ui.settings.folder.focus();
      return;
    }
    // A folder holds one type: one folder chosen for two types is said beside the pickers, not planned.
    const clash = folderClash(this.settings);
    if (clash) {
      this.ui.settings.open = true;
      this.ui.settings.showFolderClash(clash);
      this.status("Choose a different folder for each type in Settings to see the plan.");
      return;
    }
    // The type of each row is shown once more than one type has a folder.
    const showType = typedFolders(this.settings) > 1;
    this.status("Loading Central's contacts and the Outlook folder…");
    mark("plan");
    let session;
    try {
      session = await this.newSession();
      const plan = await session.plan();
      if (generation !== this.generation) return session.free();
      mark("planned");
      this.session = session;
      this.showPlan(plan, { showType, individualFolder: Boolean(this.settings.folderIndividual) });
    } catch (error) {
      session?.free();
      if (generation !== this.generation) return;
      this.status("");
      this.showError(error);
    }
  }

  showPlan(plan, { showType = false, individualFolder = false } = {}) {
    this.ui.plan.show(plan, { showType, individualFolder });
    this.ui.results.node.hidden = true;
    this.ui.settings.open = false;
    const s = plan.summary;
    // The two-way and deletion counts are said only when there are any.
    const more = [[s.createInCentral, "to create in Central"], [s.restoreInOutlook, "to restore in Outlook"],
      [s.deleteInOutlook, "to delete in Outlook"], [s.deleteInCentral, "to delete in Central"]]
      .filter(([n]) => n > 0).map(([n, words]) => `, ${count(n)} ${words}`).join("");
    const message = `Plan ready: ${count(s.new)} new, ${count(s.update)} to update, ${count(s.upToDate)} up to date, ${count(s.nonActionable)} not syncable, ${count(s.conflict)} ${s.conflict === 1 ? "conflict" : "conflicts"}${more}.`;
    this.status(message);
    this.announce(message);
    mark("table");
  }

  /** Runs the plan for `ids`; `confirmDeletions` is the number of deletions the user typed to confirm. */
  async sync(ids, confirmDeletions) {
    if (!this.session || this.running || !ids.length) return;
    const ui = this.ui;
    const items = ui.plan.plan.items;
    const generation = this.generation;
    this.clearError();
    ui.confirm.hide();
    this.running = new AbortController();
    ui.plan.node.hidden = true;
    ui.plan.setRunning(true);
    ui.settings.disabled = true;
    ui.progress.start(ids.length);
    const session = this.session;
    this.session = null; // a plan runs once
    let result = null;
    let guard = null; // the mass-delete guard's refusal: nothing written, the plan kept
    try {
      const resolutions = Object.fromEntries(ui.plan.resolutions);
      result = await session.run(ids, { onProgress: (p) => ui.progress.update(p), signal: this.running.signal, resolutions,
        ...(confirmDeletions === undefined ? {} : { confirmDeletions }) });
    } catch (error) {
      const asks = error?.code === "confirmDeletions" && Number.isFinite(error.deletions) && Number.isFinite(error.limit);
      if (asks && generation === this.generation) guard = error;
      else this.showError(error);
    } finally {
      this.running = null;
      // Refused by the guard, the session still holds its plan and can run it once confirmed.
      if (guard) this.session = session;
      else session.free();
      ui.settings.disabled = false;
      ui.progress.hide();
      ui.plan.setRunning(false);
    }
    if (!result) {
      ui.plan.node.hidden = false;
      if (guard) this.announce(ui.confirm.ask(guard.deletions, guard.limit));
      return;
    }
    if (result.error) this.showError(result.error);
    const line = ui.results.show(result, items);
    this.status(line);
    this.announce(line);
  }

  /** The confirmation was cancelled: nothing was written, the plan stays to change the selection. */
  keepPlan() {
    this.status("Nothing was written. Untick some deletions, or sync again to be asked once more.");
    this.ui.plan.sync.focus();
  }

  cancel() {
    if (!this.running) return;
    this.running.abort();
    this.ui.progress.cancelling();
  }
}

/** `<central-o365-sync data-central-url=… data-client-id=…>`; or set `element.config = {…}` before it connects. */
export class CentralSyncElement extends HTMLElement {
  connectedCallback() {
    if (this.widget) return;
    this.widget = mountCentralSync(this, { ...this.dataset, ...(this.config ?? {}) });
  }

  disconnectedCallback() {
    this.widget?.destroy();
    this.widget = null;
  }
}

if (!customElements.get("central-o365-sync")) customElements.define("central-o365-sync", CentralSyncElement);
