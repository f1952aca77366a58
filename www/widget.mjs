// The Central → Outlook contacts widget: sign-in, settings, the plan as a table, sync with
// progress, results. A thin host: every sync rule, request and retry lives in the wasm package;
// this module only asks it and shows the answers. Data is rendered with DOM APIs only.
//
//   import { mountCentralSync } from "./widget.mjs";
//   mountCentralSync(document.getElementById("sync"), { centralUrl: "/api", clientId: "…" });
// or <central-o365-sync data-central-url="/api" data-client-id="…"></central-o365-sync>

const HERE = import.meta.url;

const DEFAULTS = {
  centralUrl: "/central/api",
  graphUrl: "https://graph.microsoft.com/v1.0",
  mailbox: "me",
  folderId: "",
  folderName: "Central Contacts",
  emptyValues: "clear",
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
// Settings the user can change; remembered in localStorage (never a token).
const REMEMBERED = ["centralUrl", "mailbox", "folderId", "emptyValues"];

const STATES = ["new", "update", "upToDate", "nonActionable", "conflict"];
const STATE_LABEL = {
  new: "New", update: "Update", upToDate: "Up to date",
  nonActionable: "Not syncable", conflict: "Conflict",
};
const SELECTABLE = new Set(["new", "update"]);
const REASON_TEXT = {
  deceased: "The name says “deceased”",
  missingEmail: "No email address",
  malformedEmail: "The email address is not a valid address",
  missingFirstName: "No first name",
  missingLastName: "No last name",
  duplicateEmail: "Another Central contact has the same email address",
  invalidRecord: "A field holds a list or object where text is expected",
  duplicateOutlookEmail: "Two Outlook contacts in the folder have this email address",
  duplicateOutlookId: "Two Central contacts claim the same Outlook contact",
};
const FIELD_LABEL = {
  title: "Title", givenName: "First name", surname: "Last name", displayName: "Display name",
  mobilePhone: "Mobile", email: "Email", businessPhone: "Work phone", businessHomePage: "Website",
};
for (const [side, word] of [["homeAddress", "Home"], ["businessAddress", "Work"]]) {
  Object.assign(FIELD_LABEL, {
    [`${side}.street`]: `${word} street`, [`${side}.city`]: `${word} town`,
    [`${side}.state`]: `${word} county`, [`${side}.countryOrRegion`]: `${word} country`,
    [`${side}.postalCode`]: `${word} postcode`,
  });
}
const ACTION_LABEL = { created: "Created", updated: "Updated", skipped: "Skipped", failed: "Failed" };
// Every error code the package uses (and the few this page adds): what happened, what to do.
const ERRORS = {
  invalidInput: ["A setting is not valid.", "Check the Central URL, the mailbox and the folder in Settings."],
  network: ["The server could not be reached.", "Check your connection and try again. Plan again to see what was already written."],
  unauthorized: ["Your sign-in was refused or has expired.", "Sign out, sign in again, then plan again."],
  forbidden: ["You have no permission for this mailbox or folder.", "For a shared mailbox, ask its owner to share their contacts with you (read and write), then sign in again."],
  throttled: ["Microsoft 365 kept limiting requests (throttling).", "Wait a few minutes, then plan again and sync what is left."],
  centralUnavailable: ["Central did not answer.", "Check the Central URL in Settings, or try again in a few minutes."],
  invalidCentralData: ["Central sent data this widget cannot read.", "Check that the Central URL points at Central's API; if it does, tell your administrator."],
  invalidGraphData: ["Microsoft 365 sent an unexpected answer.", "Try again; if it happens again, tell your administrator."],
  folderNotFound: ["The contacts folder was not found.", "Pick another folder in Settings, or create one."],
  busy: ["A sync of this mailbox is already running, here or in another tab.", "Wait for it to finish, then plan again."],
  noPlan: ["There is no current plan to sync.", "Plan again, then sync."],
  cancelled: ["The sync was cancelled before this record was written.", "Plan again to sync what is left."],
  graphError: ["Microsoft 365 refused the change.", "Plan again: the record may have been changed or deleted in Outlook meanwhile."],
  notSyncable: ["This record cannot be synced as it is.", "Fix it in Central, then plan again."],
  notInPlan: ["This record is no longer an active Central contact.", "Plan again."],
  signIn: ["Sign-in did not work.", "Try again; if a pop-up was blocked, allow pop-ups for this site."],
  signInAgain: ["Your sign-in has expired and could not be renewed without you.", "Sign in again to go on, then plan again: nothing was written after the sign-in expired."],
  packageLoad: ["The sync component could not be loaded.", "Reload the page; if it happens again, tell your administrator."],
};

let instances = 0;

/** Mounts the widget into `root` (emptied first). Returns `{ destroy }`. */
export function mountCentralSync(root, config = {}) {
  if (!(root instanceof Element)) throw new TypeError("mountCentralSync needs an element");
  const cfg = { ...DEFAULTS, ...clean(config) };
  // Absolute, so Graph's absolute @odata.nextLink stays on the configured origin.
  cfg.graphUrl = new URL(cfg.graphUrl, location.href).href.replace(/\/+$/, "");
  const uid = `cos${++instances}`;
  addStylesheet();
  return new Widget(root, cfg, uid);
}

function clean(config) {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined && v !== null && v !== ""));
}

function addStylesheet() {
  const href = new URL("widget.css", HERE).href;
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) return;
  document.head.append(h("link", { rel: "stylesheet", href }));
}

/** Creates an element: `props` are properties (attributes when the name has a dash), children text or nodes. */
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key.includes("-")) node.setAttribute(key, value === true ? "" : String(value));
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

/** A Central field as display text (Central sends any JSON; objects are shown, not run). */
function text(value) {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return value == null ? "" : JSON.stringify(value);
}

const count = (n) => Number(n).toLocaleString();

function codedError(code, message) {
  return Object.assign(new Error(message), { code });
}

function explain(error, mailbox = "me") {
  const code = error?.code in ERRORS ? error.code : "graphError";
  let [what, next] = ERRORS[code];
  if (code === "forbidden" && (error?.graphCode === "ErrorAccessDenied" || error?.status === 403)) {
    // Graph's ErrorAccessDenied: the token lacks the delegated permission (or, for another
    // user's mailbox, the owner has not shared it). Name the permission.
    const shared = mailbox && mailbox !== "me";
    const permission = shared ? "Contacts.ReadWrite.Shared" : "Contacts.ReadWrite";
    what = `Microsoft 365 refused access: your sign-in lacks the permission ${permission}.`;
    next = shared
      ? `Ask your administrator to grant this app the delegated permission ${permission}, and the owner of ${mailbox} to share their contacts with you (read and write); then sign out and sign in again.`
      : `Ask your administrator to grant this app the delegated permission ${permission} (with admin consent if your organisation requires it), then sign out and sign in again.`;
  }
  return { code, what, next, detail: error?.message ?? String(error), permission: code === "forbidden" ? (mailbox && mailbox !== "me" ? "Contacts.ReadWrite.Shared" : "Contacts.ReadWrite") : undefined };
}

/** A list option: an array, or a comma/space-separated string (as from a data-* attribute). */
function list(value) {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  return typeof value === "string" ? value.split(/[\s,]+/).filter(Boolean) : [];
}

/** One CSV cell: quoted, and a leading = + - @ (or tab/CR) defused so spreadsheets show text. */
export function csvCell(value) {
  let s = value == null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

function downloadCsv(filename, header, rows) {
  const lines = [header, ...rows].map((cells) => cells.map(csvCell).join(","));
  const blob = new Blob(["\ufeff", lines.join("\r\n"), "\r\n"], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  h("a", { href: url, download: filename }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

class Widget {
  constructor(root, cfg, uid) {
    this.root = root;
    this.cfg = cfg;
    this.id = (name) => `${uid}-${name}`;
    this.settings = this.loadSettings();
    this.pkg = null; // the wasm package's exports
    this.auth = null; // { label, getToken({forceRefresh}) , signOut() }
    this.folders = [];
    this.central = null; // { contacts, byId }
    this.session = null;
    this.plan = null;
    this.rows = []; // plan items + display fields
    this.filter = { state: "", query: "" };
    this.selected = new Set();
    this.running = null; // AbortController of the run
    this.result = null;
    this.generation = 0; // guards against a late answer of a superseded plan
    this.render();
    this.start();
  }

  destroy() {
    this.running?.abort();
    this.session?.free();
    this.root.replaceChildren();
  }

  // ---- settings -------------------------------------------------------------------------

  loadSettings() {
    const base = Object.fromEntries(REMEMBERED.map((k) => [k, this.cfg[k]]));
    try {
      const saved = JSON.parse(localStorage.getItem(this.cfg.storageKey) || "{}");
      for (const k of REMEMBERED) if (typeof saved[k] === "string") base[k] = saved[k];
    } catch { /* unreadable or blocked storage: defaults */ }
    return base;
  }

  saveSettings() {
    try {
      localStorage.setItem(this.cfg.storageKey, JSON.stringify(this.settings));
    } catch { /* storage blocked: settings last for this page only */ }
  }

  scopes() {
    const shared = this.settings.mailbox !== "me";
    return ["User.Read", "Contacts.ReadWrite", ...(shared ? ["Contacts.ReadWrite.Shared"] : [])];
  }

  // ---- layout ---------------------------------------------------------------------------

  render() {
    const id = this.id;
    const demo = !this.cfg.clientId;
    this.ui = {};
    const ui = this.ui;

    ui.account = h("span", { class: "cos-account-text" }, "Not signed in.");
    ui.signIn = h("button", { type: "button", class: "cos-primary", disabled: true, onclick: () => this.signIn() },
      demo ? "Demo sign-in" : "Sign in with Microsoft");
    ui.signOut = h("button", { type: "button", hidden: true, onclick: () => this.signOut() }, "Sign out");
    ui.demoNote = demo
      ? h("p", { class: "cos-note" }, "Demo sign-in: no Microsoft sign-in is configured, so this signs in as ",
        h("strong", {}, this.cfg.demoUser), " on the local demo server. Nothing leaves this machine.")
      : null;

    ui.error = h("div", { class: "cos-error", role: "alert", hidden: true });
    ui.status = h("p", { class: "cos-status", role: "status" });
    ui.live = h("div", { class: "cos-visually-hidden", "aria-live": "polite", "aria-atomic": "true" });

    // Settings
    ui.centralUrl = h("input", { id: id("central"), type: "text", inputMode: "url", autocomplete: "off", spellcheck: false, value: this.settings.centralUrl });
    ui.mailboxMe = h("input", { id: id("mb-me"), type: "radio", name: id("mailbox"), value: "me", checked: this.settings.mailbox === "me" });
    ui.mailboxShared = h("input", { id: id("mb-shared"), type: "radio", name: id("mailbox"), value: "shared", checked: this.settings.mailbox !== "me" });
    ui.sharedAddress = h("input", { id: id("shared"), type: "email", autocomplete: "off", placeholder: "office@contoso.com", value: this.settings.mailbox === "me" ? "" : this.settings.mailbox });
    ui.folder = h("select", { id: id("folder"), disabled: true }, h("option", { value: "" }, "Sign in to list folders"));
    ui.newFolder = h("input", { id: id("newfolder"), type: "text", autocomplete: "off", disabled: true });
    ui.createFolder = h("button", { type: "button", disabled: true, onclick: () => this.createFolder() }, "Create folder");
    ui.emptyValues = h("select", { id: id("empty") },
      h("option", { value: "clear" }, "Clear them in Outlook (Central is the record)"),
      h("option", { value: "keep" }, "Keep Outlook's value"));
    ui.emptyValues.value = this.settings.emptyValues;
    ui.settingsBox = h("fieldset", { class: "cos-settings-box" },
      h("legend", { class: "cos-visually-hidden" }, "Settings"),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("central") }, "Central URL"), ui.centralUrl),
      h("fieldset", { class: "cos-field" }, h("legend", {}, "Mailbox"),
        h("div", { class: "cos-radio" }, ui.mailboxMe, h("label", { htmlFor: id("mb-me") }, "My mailbox")),
        h("div", { class: "cos-radio" }, ui.mailboxShared, h("label", { htmlFor: id("mb-shared") }, "A shared mailbox:")),
        h("label", { htmlFor: id("shared"), class: "cos-visually-hidden" }, "Shared mailbox address"), ui.sharedAddress),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("folder") }, "Contacts folder"), ui.folder),
      h("div", { class: "cos-field cos-inline" }, h("label", { htmlFor: id("newfolder") }, "Or a new folder named"), ui.newFolder, ui.createFolder),
      h("div", { class: "cos-field" }, h("label", { htmlFor: id("empty") }, "When Central has no value where Outlook has one"), ui.emptyValues),
      h("button", { type: "submit" }, "Save and plan"));
    const settingsForm = h("form", { class: "cos-settings-form", onsubmit: (e) => { e.preventDefault(); this.applySettings(); } }, ui.settingsBox);
    ui.folder.addEventListener("change", () => this.applySettings());
    ui.emptyValues.addEventListener("change", () => this.applySettings());
    ui.sharedAddress.addEventListener("input", () => { ui.mailboxShared.checked = true; });

    // Plan
    ui.counts = h("div", { class: "cos-counts", role: "group", "aria-label": "Filter by state" });
    ui.planNote = h("p", { class: "cos-note" });
    ui.search = h("input", { id: id("search"), type: "search", autocomplete: "off", placeholder: "Name or email" });
    let searchTimer = 0;
    ui.search.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => this.setFilter({ query: ui.search.value }), 150);
    });
    ui.selectionText = h("span", { class: "cos-selection", "aria-live": "polite" });
    ui.sync = h("button", { type: "button", class: "cos-primary", disabled: true, onclick: () => this.sync() }, "Sync selected");
    ui.planTable = new PagedTable(this.cfg.pageSize, ["Select", "State", "Name", "Email", "Central id", "Details"],
      (row) => this.planRow(row), "Contacts in the plan");
    ui.plan = h("section", { class: "cos-plan", hidden: true, "aria-labelledby": id("plan-h") },
      h("h3", { id: id("plan-h") }, "Plan"),
      ui.counts, ui.planNote,
      h("div", { class: "cos-toolbar" },
        h("label", { htmlFor: id("search") }, "Search"), ui.search,
        h("span", { class: "cos-group", role: "group", "aria-label": "Select" },
          h("button", { type: "button", onclick: () => this.select(SELECTABLE) }, "Select all"),
          h("button", { type: "button", onclick: () => this.select(new Set()) }, "Select none"),
          h("button", { type: "button", onclick: () => this.select(new Set(["new"])) }, "Select new"),
          h("button", { type: "button", onclick: () => this.select(new Set(["update"])) }, "Select updates")),
        h("button", { type: "button", onclick: () => this.exportNotSyncable() }, "Download not-syncable records (CSV)"),
        h("button", { type: "button", onclick: () => this.replan() }, "Plan again")),
      h("div", { class: "cos-syncbar" }, ui.selectionText, ui.sync),
      ui.planTable.node);

    // Progress
    ui.progressBar = h("progress", { id: id("progress"), max: 1, value: 0 });
    ui.progressText = h("p", { class: "cos-progress-text" });
    ui.waiting = h("p", { class: "cos-waiting", hidden: true });
    ui.cancel = h("button", { type: "button", onclick: () => this.cancel() }, "Cancel");
    ui.progress = h("section", { class: "cos-progress", hidden: true, "aria-labelledby": id("progress-h") },
      h("h3", { id: id("progress-h") }, "Syncing"),
      h("label", { htmlFor: id("progress"), class: "cos-visually-hidden" }, "Sync progress"),
      ui.progressBar, ui.progressText, ui.waiting, ui.cancel);

    // Results
    ui.resultSummary = h("p", { class: "cos-result-summary" });
    ui.resultTable = new PagedTable(this.cfg.pageSize, ["Outcome", "Name", "Email", "Central id", "Details"],
      (record) => this.resultRow(record), "Outcome of every selected record");
    ui.results = h("section", { class: "cos-results", hidden: true, "aria-labelledby": id("results-h") },
      h("h3", { id: id("results-h"), tabIndex: -1 }, "Results"),
      ui.resultSummary,
      h("div", { class: "cos-toolbar" },
        h("button", { type: "button", onclick: () => this.exportResults() }, "Download results (CSV)"),
        h("button", { type: "button", class: "cos-primary", onclick: () => this.replan() }, "Plan again")),
      ui.resultTable.node);

    this.root.replaceChildren(h("section", { class: "cos", "aria-labelledby": id("title") },
      h("header", { class: "cos-head" },
        h("h2", { id: id("title") }, "Sync Central contacts to Outlook"),
        h("div", { class: "cos-account" }, ui.account, ui.signIn, ui.signOut)),
      ui.demoNote, ui.error, ui.status,
      ui.settings = h("details", { class: "cos-settings", open: true }, h("summary", {}, "Settings"), settingsForm),
      ui.plan, ui.progress, ui.results, ui.live));
  }

  showError(error) {
    // A token callback that failed because MSAL needs the user (refresh token refused, no
    // session for a silent renewal) reaches us as the package's "unauthorized": ask to sign in.
    if (this.signInExpired && error?.code === "unauthorized") error = codedError("signInAgain", error.message);
    const e = explain(error, this.settings.mailbox);
    const again = e.code === "signInAgain"
      ? h("p", {}, h("button", { type: "button", class: "cos-primary cos-sign-in-again", onclick: () => this.signIn() }, "Sign in again"))
      : null;
    this.ui.error.replaceChildren(...[
      h("strong", {}, e.what), " ", h("span", {}, e.next), again,
      h("details", {}, h("summary", {}, "Details"), h("code", {}, `${e.code}: ${e.detail}`))].filter(Boolean));
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
      if (this.cfg.clientId) await this.startMsal();
    } catch (error) {
      this.showError(codedError("signIn", String(error?.message ?? error)));
    }
    this.ui.signIn.disabled = false;
    this.status(this.auth ? "" : "Sign in to see what a sync would do.");
    if (this.auth) await this.afterSignIn();
  }

  async signIn() {
    this.clearError();
    this.ui.signIn.disabled = true;
    try {
      if (this.cfg.clientId) {
        const hint = this.msal.getActiveAccount()?.username;
        const result = await this.msal.loginPopup({ scopes: this.scopes(), ...(hint ? { loginHint: hint } : {}) });
        this.msal.setActiveAccount(result.account);
        this.signInExpired = false;
        this.useMsalAccount(result.account);
      } else {
        this.auth = this.demoAuth();
        await this.auth.getToken({ forceRefresh: true }); // proves the endpoint answers
      }
    } catch (error) {
      this.auth = null;
      this.setSignedIn(false);
      this.ui.signIn.disabled = false;
      this.showError(error?.code in ERRORS ? error : codedError("signIn", String(error?.message ?? error)));
      return;
    }
    await this.afterSignIn();
  }

  demoAuth() {
    const url = this.cfg.demoTokenUrl || new URL("/_emulator/token", new URL(this.cfg.graphUrl, location.href)).href;
    let cached = null; // { token, scopes, expires }
    return {
      label: `${this.cfg.demoUser} (demo sign-in)`,
      getToken: async ({ forceRefresh } = {}) => {
        const scopes = this.scopes().join(" ");
        if (!forceRefresh && cached && cached.scopes === scopes && cached.expires > Date.now() + 60_000) return cached.token;
        let response;
        try {
          response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ user: this.cfg.demoUser, scopes, ttlSeconds: 3600 }) });
        } catch (error) {
          throw codedError("network", `demo token endpoint ${url}: ${error.message}`);
        }
        if (!response.ok) throw codedError("signIn", `demo token endpoint answered ${response.status}`);
        const body = await response.json();
        cached = { token: body.access_token, scopes, expires: Date.now() + body.expires_in * 1000 };
        return cached.token;
      },
      signOut: async () => { cached = null; },
    };
  }

  async startMsal() {
    if (!globalThis.msal) {
      await new Promise((resolve, reject) => {
        document.head.append(h("script", { src: this.cfg.msalUrl, onload: resolve,
          onerror: () => reject(new Error(`could not load ${this.cfg.msalUrl}`)) }));
      });
    }
    const knownAuthorities = list(this.cfg.knownAuthorities);
    this.msal = new globalThis.msal.PublicClientApplication({
      auth: { clientId: this.cfg.clientId, authority: this.cfg.authority, redirectUri: this.cfg.redirectUri,
        ...(knownAuthorities.length ? { knownAuthorities } : {}) },
      // Tokens stay in MSAL's sessionStorage cache (per tab, gone with it), never localStorage.
      cache: { cacheLocation: "sessionStorage" },
      ...(this.cfg.protocolMode ? { system: { protocolMode: this.cfg.protocolMode } } : {}),
    });
    await this.msal.initialize();
    const account = this.msal.getActiveAccount() ?? this.msal.getAllAccounts()[0];
    if (account) this.useMsalAccount(account);
  }

  useMsalAccount(account) {
    const msal = this.msal;
    this.auth = {
      label: account.username,
      getToken: async ({ forceRefresh } = {}) => {
        const request = { scopes: this.scopes(), account, forceRefresh: Boolean(forceRefresh) };
        try {
          return (await msal.acquireTokenSilent(request)).accessToken;
        } catch (error) {
          if (!(error instanceof globalThis.msal.InteractionRequiredAuthError)) throw error;
          // The refresh token was refused and no session allows a silent sign-in. A pop-up
          // here (mid-sync, without a click) would be blocked: ask the user to sign in again.
          this.signInExpired = true;
          throw codedError("signInAgain", `sign-in needed (${error.errorCode || error.name})`);
        }
      },
      signOut: async () => {
        try {
          // The pop-up ends the provider's session, then lands on the bridge page, which
          // tells MSAL it is done (any other page would leave MSAL waiting for it).
          await msal.logoutPopup({ account, postLogoutRedirectUri: this.cfg.redirectUri });
        } finally {
          // Whatever the pop-up did (blocked, closed), forget this account's tokens here.
          await msal.clearCache({ account }).catch(() => {});
        }
      },
    };
  }

  async signOut() {
    this.running?.abort();
    try { await this.auth?.signOut(); } catch { /* the local state is cleared anyway */ }
    this.auth = null;
    this.signInExpired = false;
    this.resetPlan();
    this.clearError();
    this.central = null;
    this.result = null;
    this.resultRows = null;
    this.ui.resultTable.setRows([]);
    this.ui.planTable.setRows([]);
    this.folders = [];
    this.fillFolders();
    this.setSignedIn(false);
    this.status("Signed out.");
  }

  setSignedIn(on) {
    const ui = this.ui;
    ui.account.textContent = on ? `Signed in as ${this.auth.label}.` : "Not signed in.";
    ui.signIn.hidden = on;
    ui.signIn.disabled = on;
    ui.signOut.hidden = !on;
    for (const c of [ui.folder, ui.newFolder, ui.createFolder]) c.disabled = !on;
  }

  async afterSignIn() {
    this.setSignedIn(true);
    if (await this.loadFolders()) await this.replan();
  }

  // ---- folders --------------------------------------------------------------------------

  newSession(extra = {}) {
    return new this.pkg.SyncSession({
      graphBaseUrl: this.cfg.graphUrl,
      mailbox: this.settings.mailbox,
      getGraphToken: (options) => this.auth.getToken(options),
      contacts: [],
      ...(this.cfg.retry ? { retry: this.cfg.retry } : {}),
      ...(this.cfg.batchConcurrency ? { batchConcurrency: Number(this.cfg.batchConcurrency) } : {}),
      ...extra,
    });
  }

  async loadFolders() {
    this.status("Loading contacts folders…");
    const session = this.newSession();
    try {
      this.folders = await session.listFolders();
    } catch (error) {
      this.status("");
      this.folders = [];
      this.fillFolders();
      this.showError(error);
      return false;
    } finally {
      session.free();
    }
    const s = this.settings;
    if (!this.folders.some((f) => f.id === s.folderId)) {
      const byName = this.folders.find((f) => f.path === this.cfg.folderName) ??
        this.folders.find((f) => f.displayName === this.cfg.folderName);
      s.folderId = byName?.id ?? "";
    }
    this.fillFolders();
    this.status("");
    return true;
  }

  fillFolders() {
    const options = this.folders.map((f) => h("option", { value: f.id }, f.path || f.displayName));
    if (!this.settings.folderId || !this.folders.length) {
      options.unshift(h("option", { value: "" }, this.folders.length ? "Choose a folder…" : "Sign in to list folders"));
    }
    this.ui.folder.replaceChildren(...options);
    this.ui.folder.value = this.settings.folderId;
  }

  async createFolder() {
    const name = this.ui.newFolder.value.trim();
    if (!name) {
      this.ui.newFolder.focus();
      return;
    }
    this.clearError();
    const session = this.newSession();
    try {
      const folder = await session.createFolder(name, null);
      this.ui.newFolder.value = "";
      this.settings.folderId = folder.id;
      this.saveSettings();
      await this.loadFolders();
      this.announce(`Folder ${folder.displayName} created.`);
      await this.replan();
    } catch (error) {
      this.showError(error);
    } finally {
      session.free();
    }
  }

  async applySettings() {
    const ui = this.ui;
    const before = { ...this.settings };
    const shared = ui.sharedAddress.value.trim();
    this.settings = {
      centralUrl: ui.centralUrl.value.trim() || this.cfg.centralUrl,
      mailbox: ui.mailboxShared.checked && shared ? shared : "me",
      folderId: ui.folder.value,
      emptyValues: ui.emptyValues.value,
    };
    if (ui.mailboxShared.checked && !shared) ui.mailboxMe.checked = true;
    if (before.centralUrl !== this.settings.centralUrl) this.central = null;
    this.saveSettings();
    if (!this.auth) return;
    this.clearError();
    if (before.mailbox !== this.settings.mailbox) {
      this.settings.folderId = "";
      if (!(await this.loadFolders())) return;
      this.saveSettings();
    }
    await this.replan();
  }

  // ---- plan -----------------------------------------------------------------------------

  async loadCentral() {
    if (this.central) return this.central;
    let contacts;
    if (this.cfg.contacts) {
      contacts = typeof this.cfg.contacts === "function" ? await this.cfg.contacts() : this.cfg.contacts;
    } else {
      contacts = [];
      const base = this.settings.centralUrl.replace(/\/+$/, "");
      for (let page = 1; page; ) {
        this.status(`Loading Central contacts… ${count(contacts.length)}`);
        const url = `${base}/contacts?status=active&pageSize=500&page=${page}`;
        const headers = this.cfg.getCentralToken ? { Authorization: `Bearer ${await this.cfg.getCentralToken({ forceRefresh: false })}` } : {};
        let response, body;
        try {
          response = await fetch(url, { headers, credentials: "same-origin" });
        } catch (error) {
          throw codedError("centralUnavailable", `${url}: ${error.message}`);
        }
        if (!response.ok) throw codedError("centralUnavailable", `${url} answered ${response.status}`);
        try {
          body = await response.json();
        } catch {
          throw codedError("invalidCentralData", `${url} did not send JSON`);
        }
        if (!Array.isArray(body?.items)) throw codedError("invalidCentralData", `${url}: no "items" list`);
        for (const c of body.items) contacts.push(c);
        page = Number.isInteger(body.nextPage) && body.nextPage > page ? body.nextPage : 0;
      }
    }
    if (!Array.isArray(contacts)) throw codedError("invalidCentralData", "contacts must be an array");
    const byId = new Map();
    for (const c of contacts) {
      if (c && typeof c === "object" && c.id != null) byId.set(text(c.id), c);
    }
    this.central = { contacts, byId };
    return this.central;
  }

  resetPlan() {
    this.generation++;
    if (!this.running) this.session?.free();
    this.session = null;
    this.plan = null;
    this.rows = [];
    this.selected.clear();
    this.ui.plan.hidden = true;
    this.ui.results.hidden = true;
  }

  async replan() {
    if (!this.auth || this.running) return;
    this.clearError();
    this.resetPlan();
    const generation = this.generation;
    if (!this.settings.folderId) {
      this.status("Choose a contacts folder in Settings (or create one) to see the plan.");
      this.ui.folder.focus();
      return;
    }
    let session;
    try {
      const central = await this.loadCentral();
      if (generation !== this.generation) return;
      this.status(`Comparing ${count(central.contacts.length)} Central contacts with the Outlook folder…`);
      session = this.newSession({ folderId: this.settings.folderId, contacts: central.contacts, emptyValues: this.settings.emptyValues });
      const plan = await session.plan();
      if (generation !== this.generation) return session.free();
      this.session = session;
      this.showPlan(plan);
    } catch (error) {
      session?.free();
      if (generation !== this.generation) return;
      this.status("");
      this.showError(error);
    }
  }

  showPlan(plan) {
    const byId = this.central.byId;
    this.plan = plan;
    this.rows = plan.items.map((item) => {
      const c = byId.get(item.centralId) ?? {};
      const name = [text(c.firstName), text(c.lastName)].filter(Boolean).join(" ");
      const email = text(c.email);
      return { item, name, email, haystack: `${name}\n${email}\n${item.centralId}`.toLowerCase() };
    });
    this.filter = { state: "", query: "" };
    this.ui.search.value = "";
    this.select(SELECTABLE, false);
    const s = plan.summary;
    const note = [];
    if (plan.excluded) note.push(`${count(plan.excluded)} Central contacts are not active and are left out.`);
    if (plan.orphans.length) note.push(`${count(plan.orphans.length)} Outlook contacts in the folder have no Central contact; they are left alone.`);
    this.ui.planNote.textContent = note.join(" ");
    this.ui.plan.hidden = false;
    this.ui.results.hidden = true;
    this.ui.settings.open = false;
    this.renderCounts();
    this.refreshTable();
    const message = `Plan ready: ${count(s.new)} new, ${count(s.update)} to update, ${count(s.upToDate)} up to date, ${count(s.nonActionable)} not syncable, ${count(s.conflict)} ${s.conflict === 1 ? "conflict" : "conflicts"}.`;
    this.status(message);
    this.announce(message);
  }

  renderCounts() {
    const s = this.plan.summary;
    const chip = (state, label, n) => h("button", {
      type: "button", class: `cos-count cos-state-${state || "all"}`, "aria-pressed": String(this.filter.state === state),
      "data-state": state || "all", "data-count": n, onclick: () => this.setFilter({ state }),
    }, h("span", { class: "cos-count-label" }, label), " ", h("span", { class: "cos-count-n" }, count(n)));
    this.ui.counts.replaceChildren(chip("", "All", this.rows.length),
      ...STATES.map((state) => chip(state, STATE_LABEL[state], s[state])));
  }

  setFilter(change) {
    Object.assign(this.filter, change);
    this.renderCounts();
    this.refreshTable();
  }

  refreshTable() {
    const { state, query } = this.filter;
    const q = query.trim().toLowerCase();
    const rows = this.rows.filter((r) => (!state || r.item.state === state) && (!q || r.haystack.includes(q)));
    this.ui.planTable.setRows(rows);
    this.updateSelection();
  }

  select(states, render = true) {
    this.selected.clear();
    for (const r of this.rows) if (states.has(r.item.state)) this.selected.add(r.item.centralId);
    if (render) {
      this.ui.planTable.rerender();
      this.updateSelection();
    }
  }

  updateSelection() {
    const n = this.selected.size;
    this.ui.selectionText.textContent = `${count(n)} selected`;
    this.ui.sync.textContent = n ? `Sync ${count(n)} selected` : "Sync selected";
    this.ui.sync.disabled = n === 0 || Boolean(this.running);
  }

  planRow({ item, name, email }) {
    const selectable = SELECTABLE.has(item.state);
    const box = h("input", {
      type: "checkbox", checked: this.selected.has(item.centralId), disabled: !selectable,
      "aria-label": selectable ? `Select ${name || item.centralId}` : `${name || item.centralId} cannot be selected`,
      onchange: (e) => {
        if (e.target.checked) this.selected.add(item.centralId);
        else this.selected.delete(item.centralId);
        this.updateSelection();
      },
    });
    return h("tr", { "data-id": item.centralId, "data-state": item.state },
      h("td", {}, box),
      h("td", {}, h("span", { class: `cos-badge cos-state-${item.state}` }, STATE_LABEL[item.state])),
      h("td", { class: "cos-name" }, name || "(no name)"),
      h("td", { class: "cos-email" }, email),
      h("td", { class: "cos-id" }, item.centralId),
      h("td", {}, this.details(item)));
  }

  details(item) {
    if (item.state === "update") {
      return h("details", { class: "cos-changes" },
        h("summary", {}, `${item.changes.length} ${item.changes.length === 1 ? "change" : "changes"}`),
        h("ul", {}, item.changes.map((c) => h("li", {},
          h("span", { class: "cos-field-name" }, FIELD_LABEL[c.field] ?? c.field), ": ",
          h("del", {}, c.from === "" ? "(empty)" : c.from), h("span", { "aria-label": "becomes" }, " → "),
          h("ins", {}, c.to === "" ? "(empty: cleared)" : c.to)))));
    }
    if (item.reasons.length) return h("ul", { class: "cos-reasons" }, item.reasons.map((r) => h("li", {}, REASON_TEXT[r] ?? r)));
    if (item.state === "new") return "Will be created in Outlook";
    return "Nothing to change";
  }

  exportNotSyncable() {
    if (!this.plan) return;
    const rows = this.rows.filter((r) => r.item.state === "nonActionable" || r.item.state === "conflict")
      .map((r) => [r.item.centralId, r.name, r.email, STATE_LABEL[r.item.state], r.item.reasons.map((c) => REASON_TEXT[c] ?? c).join("; "), r.item.reasons.join(" ")]);
    downloadCsv("central-contacts-not-syncable.csv", ["Central id", "Name", "Email", "State", "Reasons", "Reason codes"], rows);
  }

  // ---- sync -----------------------------------------------------------------------------

  async sync() {
    if (!this.session || this.running || !this.selected.size) return;
    const ui = this.ui;
    const ids = this.rows.filter((r) => this.selected.has(r.item.centralId)).map((r) => r.item.centralId);
    this.clearError();
    this.running = new AbortController();
    ui.plan.hidden = true;
    ui.settingsBox.disabled = true;
    ui.progress.hidden = false;
    ui.cancel.disabled = false;
    this.updateSelection();
    this.onProgress({ done: 0, total: ids.length, created: 0, updated: 0, failed: 0, waitingSeconds: 0 });
    this.announce(`Sync started: ${count(ids.length)} records.`);
    ui.cancel.focus();
    const session = this.session;
    this.session = null; // a plan runs once
    let result = null;
    try {
      result = await session.run(ids, { onProgress: (p) => this.onProgress(p), signal: this.running.signal });
    } catch (error) {
      this.showError(error);
    } finally {
      this.running = null;
      session.free();
      ui.settingsBox.disabled = false;
      ui.progress.hidden = true;
    }
    if (result) this.showResults(result);
    else ui.plan.hidden = false;
    this.updateSelection();
  }

  onProgress(p) {
    const ui = this.ui;
    ui.progressBar.max = Math.max(p.total, 1);
    ui.progressBar.value = p.done;
    const line = `${count(p.done)} of ${count(p.total)} done: ${count(p.created)} created, ${count(p.updated)} updated, ${count(p.failed)} failed.`;
    ui.progressText.textContent = line;
    const waiting = p.waitingSeconds > 0;
    ui.waiting.hidden = !waiting;
    ui.waiting.textContent = waiting ? `Microsoft 365 is throttling: waiting ${Math.ceil(p.waitingSeconds)} s before going on.` : "";
    // Announce often enough to follow, rarely enough to listen to.
    const now = Date.now();
    if (waiting && !this.wasWaiting) this.announce(ui.waiting.textContent);
    else if (now - (this.lastAnnounced ?? 0) > 5000) {
      this.announce(line);
      this.lastAnnounced = now;
    }
    this.wasWaiting = waiting;
  }

  cancel() {
    if (!this.running) return;
    this.running.abort();
    this.ui.cancel.disabled = true;
    this.ui.progressText.textContent += " Cancelling after the current batch…";
    this.announce("Cancelling after the current batch.");
  }

  showResults(result) {
    this.result = result;
    const byId = this.central.byId;
    const parts = [`${count(result.created)} created`, `${count(result.updated)} updated`, `${count(result.failed)} failed`, `${count(result.skipped)} skipped`];
    const summary = `${result.cancelled ? "Sync cancelled" : "Sync finished"}: ${parts.join(", ")}.`;
    this.ui.resultSummary.replaceChildren(summary, result.cancelled ? " Records it did not reach are marked skipped; plan again to sync them." : "");
    this.ui.resultSummary.dataset.created = result.created;
    this.ui.resultSummary.dataset.updated = result.updated;
    this.ui.resultSummary.dataset.failed = result.failed;
    if (result.error) this.showError(result.error);
    this.resultRows = result.records.map((record) => {
      const c = byId.get(record.centralId) ?? {};
      return { record, name: [text(c.firstName), text(c.lastName)].filter(Boolean).join(" "), email: text(c.email) };
    });
    // Failures first: they are what needs attention.
    const order = { failed: 0, skipped: 1, created: 2, updated: 3 };
    const rows = [...this.resultRows].sort((a, b) => order[a.record.action] - order[b.record.action]);
    this.ui.resultTable.setRows(rows);
    this.ui.results.hidden = false;
    this.status(summary);
    this.announce(summary);
    this.ui.results.querySelector("h3").focus();
  }

  resultRow({ record, name, email }) {
    const detail = record.error
      ? [h("strong", {}, explain(record.error).what),
        record.error.code === "cancelled" ? "" : h("span", { class: "cos-detail" }, ` ${record.error.message}`)]
      : record.action === "created" ? "Created in Outlook" : record.action === "updated" ? "Updated in Outlook" : "";
    return h("tr", { "data-id": record.centralId, "data-action": record.action },
      h("td", {}, h("span", { class: `cos-badge cos-action-${record.action}` }, ACTION_LABEL[record.action] ?? record.action)),
      h("td", { class: "cos-name" }, name || "(no name)"),
      h("td", { class: "cos-email" }, email),
      h("td", { class: "cos-id" }, record.centralId),
      h("td", {}, detail));
  }

  exportResults() {
    if (!this.resultRows) return;
    const rows = this.resultRows.map(({ record: r, name, email }) => [r.centralId, name, email, ACTION_LABEL[r.action] ?? r.action,
      r.outlookId ?? "", r.error?.code ?? "", r.error ? `${explain(r.error).what} ${r.error.message}` : ""]);
    downloadCsv("central-contacts-sync-results.csv", ["Central id", "Name", "Email", "Outcome", "Outlook id", "Error code", "Error"], rows);
  }
}

/** A table that shows `pageSize` rows at a time, so 100,000 rows cost what 100 do. */
class PagedTable {
  constructor(pageSize, headings, renderRow, caption) {
    this.pageSize = pageSize;
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
    const shown = this.rows.slice(start, start + this.pageSize);
    this.body.replaceChildren(...shown.map(this.renderRow));
    if (!shown.length) this.body.append(h("tr", {}, h("td", { colSpan: 6, class: "cos-empty" }, "No records match.")));
    this.info.textContent = this.rows.length
      ? `Rows ${count(start + 1)}–${count(start + shown.length)} of ${count(this.rows.length)}`
      : "No rows";
    this.prev.disabled = this.page === 0;
    this.next.disabled = start + this.pageSize >= this.rows.length;
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
