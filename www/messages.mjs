// The widget's words: states, change fields, outcomes, reason codes (DESIGN §3, §4) and error
// codes (what happened, what to do next). Every stable code the page shows is named here once.

/** The states in the order the counts show them; the two-way and deletion ones only when the plan has them. */
export const STATES = ["new", "update", "upToDate", "nonActionable", "conflict",
  "createInCentral", "restoreInOutlook", "deleteInOutlook", "deleteInCentral"];
export const STATE_LABEL = {
  new: "New", update: "Update", upToDate: "Up to date", nonActionable: "Not syncable", conflict: "Conflict",
  createInCentral: "Create in Central", deleteInOutlook: "Delete in Outlook",
  deleteInCentral: "Delete in Central", restoreInOutlook: "Restore in Outlook",
};
/** States "Select all" selects: what a sync creates or updates (a restore is a create). */
export const SELECTABLE = new Set(["new", "update", "restoreInOutlook", "createInCentral"]);
/**
 * States that delete a record: listed apart and selected one by one (or with "Select all
 * deletions"), never by "Select all", since what is deleted is not undone by the next sync.
 */
export const DELETIONS = new Set(["deleteInOutlook", "deleteInCentral"]);
/** Which side a deletion deletes from, as its row says it. */
export const DELETES_FROM = { deleteInOutlook: "Deletes the Outlook copy", deleteInCentral: "Deletes the Central record" };
/** What a row with nothing else to say (no changes, no reasons) will do. */
export const STATE_DETAIL = {
  new: "Will be created in Outlook",
  createInCentral: "Will be created in Central",
  restoreInOutlook: "Deleted in Outlook, but Central contacts are read-only: it will be created again in Outlook",
  deleteInOutlook: "No longer an active Central contact (or gone from Central)",
  deleteInCentral: "Deleted in Outlook, or moved out of the synced folders",
};

const REASON_TEXT = {
  deceased: "The name says “deceased”",
  missingEmail: "No email address",
  malformedEmail: "The email address is not a valid address",
  missingFirstName: "No first name",
  missingLastName: "No last name",
  missingName: "The account has no name",
  duplicateEmail: "Another Central contact has the same email address",
  duplicateOutlookEmail: "Two Outlook contacts in the folder have this email address",
  duplicateOutlookId: "Two Outlook contacts in the folder carry this Central id and differ: keep one by deleting the other in Outlook",
  editedOnBothSides: "Edited in Central and in Outlook since the last sync",
  deletedButEdited: "Deleted on one side but edited on the other",
  unresolvedCompany: "The company matches no Central account: it is written to Central without one, and stays in Outlook as typed",
  duplicateCopy: "An extra copy of a contact already in Outlook",
  typeChangeNotSupported: "Moved between a person's folder and the Accounts folder: a person cannot become an account. Move it back in Outlook.",
};

/**
 * The Central ids that more than one plan item carries, among the items with `invalidRecord`
 * (the only ones whose words depend on it). One pass over the items, two when any is invalid.
 */
export function sharedCentralIds(items) {
  const seen = new Map();
  for (let i = 0; i < items.length; i++) {
    const { reasons, centralId } = items[i];
    if (reasons.length && centralId && reasons.includes("invalidRecord")) seen.set(centralId, 0);
  }
  if (!seen.size) return new Set();
  for (const item of items) if (seen.has(item.centralId)) seen.set(item.centralId, seen.get(item.centralId) + 1);
  return new Set([...seen].filter(([, n]) => n > 1).map(([id]) => id));
}

/** A reason code of `item` in words; `shared` is `sharedCentralIds` of the plan's items. */
export function reasonText(code, item, shared) {
  if (code === "invalidRecord") {
    if (!item.centralId) return "The record has no Central id";
    if (shared.has(item.centralId)) return "It shares its Central id with another Central record";
    return "A field holds a list or object instead of text";
  }
  return REASON_TEXT[code] ?? code;
}

/**
 * `deletedButEdited` in words, by the side that deleted (`deletedIn`): what happened, and what
 * "Keep Central's" / "Keep Outlook's" then does (null: that side cannot decide yet).
 */
export const DELETED_BUT_EDITED = {
  outlook: {
    what: "Deleted in Outlook, but edited in Central since the last sync.",
    central: "Central's edit is kept: the contact will be created again in Outlook.",
    outlook: "Outlook's deletion is kept: the Central record will be deleted.",
  },
  central: {
    what: "No longer active in Central, but edited in Outlook since the last sync.",
    central: "Central's side is kept: the Outlook copy will be deleted.",
    outlook: null, // restoring the record in Central is not built: such a record is skipped
  },
};

/**
 * Which side deleted the record of a `deletedButEdited` conflict. An item whose Outlook contact
 * is gone cannot be linked to one, so `linkedBy` null means Outlook deleted it; a linked
 * contact means Central's record is the one no longer active.
 */
export function deletedIn(item) {
  return item.linkedBy ? "central" : "outlook";
}

/**
 * The list of companies typed in Outlook that match no Central account (`unresolvedCompany`),
 * below the plan's table. `n` is a count, `shown` the same count as the page writes it.
 */
export const UNRESOLVED_COMPANIES = {
  heading: "Unresolved companies",
  intro: "The contacts below carry a company, typed in Outlook, that matches no Central account.",
  what: "Written to Central without an account; create the account in Central, or correct the company in Outlook, then plan again.",
  note: (n, shown) => `${shown} ${n === 1 ? "company typed in Outlook matches" : "companies typed in Outlook match"} no Central account: listed below the table.`,
  contacts: (n, shown) => `${shown} ${n === 1 ? "contact" : "contacts"}`,
};

/** How a company typed in Outlook found its Central account. */
export const ACCOUNT_MATCH = { exact: "same name", substring: "the only account whose name contains it" };

export const FIELD_LABEL = {
  title: "Title", givenName: "First name", surname: "Last name", displayName: "Display name",
  mobilePhone: "Mobile", email: "Email", businessPhone: "Work phone", businessHomePage: "Website",
  companyName: "Company", type: "Type",
};
for (const [side, word] of [["homeAddress", "Home"], ["businessAddress", "Work"]]) {
  Object.assign(FIELD_LABEL, {
    [`${side}.street`]: `${word} street`, [`${side}.city`]: `${word} town`,
    [`${side}.state`]: `${word} county`, [`${side}.countryOrRegion`]: `${word} country`,
    [`${side}.postalCode`]: `${word} postcode`,
  });
}

export const ACTION_LABEL = {
  created: "Created", updated: "Updated", createdInCentral: "Created in Central", updatedInCentral: "Updated in Central",
  deletedInOutlook: "Deleted in Outlook", deletedInCentral: "Deleted in Central", restored: "Restored in Outlook",
  skipped: "Skipped", failed: "Failed",
};

/** A record's type (DESIGN §2), as a row says it when more than one type has a folder. */
export const TYPE_LABEL = { contact: "Contact", individual: "Individual", account: "Account" };

/** The folder a type's records go to, in words. */
export const TYPE_FOLDER = { contact: "Contacts folder", individual: "Individuals folder", account: "Accounts folder" };
/** A record type as a sentence names it ("as an individual"). */
const TYPE_NOUN = { contact: "a contact", individual: "an individual", account: "an account" };

/**
 * A `type` change from no type (`from` ""), in words, or null for any other change (and a type
 * the widget does not know). Central → Outlook: a contact of the default Contacts folder
 * carrying a marker category, moved into its type's folder ("Moves from the default Contacts
 * folder into the Individuals folder"); Outlook → Central: the type a contact made in Outlook is
 * created with ("Created in Central as an individual"). Without `individualFolder` individuals
 * go to the Contacts folder, and the words say so.
 */
export function typeSetText(change, { individualFolder = true } = {}) {
  if (change.field !== "type" || change.from !== "") return null;
  if (change.direction === "toOutlook") {
    const slot = change.to === "individual" && !individualFolder ? "contact" : change.to;
    return Object.hasOwn(TYPE_FOLDER, slot) ? `Moves from the default Contacts folder into the ${TYPE_FOLDER[slot]}` : null;
  }
  if (change.direction === "toCentral") return Object.hasOwn(TYPE_NOUN, change.to) ? `Created in Central as ${TYPE_NOUN[change.to]}` : null;
  return null;
}

/** Which side a change writes. */
export const DIRECTION_LABEL = { toOutlook: "Central → Outlook", toCentral: "Outlook → Central", conflict: "Edited on both sides" };

// Every error code the package uses (and the few this page adds): what happened, what to do.
export const ERRORS = {
  invalidInput: ["A setting is not valid.", "Check the Central URL, the mailbox and the folder in Settings."],
  network: ["The server could not be reached.", "Check your connection and try again. Plan again to see what was already written."],
  unauthorized: ["Your sign-in was refused or has expired.", "Sign out, sign in again, then plan again."],
  forbidden: ["You have no permission for this mailbox or folder.", "For a shared mailbox, ask its owner to share their contacts with you (read and write), then sign in again."],
  throttled: ["Microsoft 365 kept limiting requests (throttling).", "Wait a few minutes, then plan again and sync what is left."],
  centralUnavailable: ["Central did not answer.", "Check the Central URL in Settings, or try again in a few minutes."],
  invalidCentralData: ["Central sent data this widget cannot read.", "Check that the Central URL points at Central's API; if it does, tell your administrator."],
  invalidGraphData: ["Microsoft 365 sent an unexpected answer.", "Try again; if it happens again, tell your administrator."],
  folderNotFound: ["The contacts folder was not found.", "Pick another folder in Settings, or create one."],
  folderExists: ["A folder with this name already exists in this mailbox.", "Pick it in the list of contacts folders, or choose another name."],
  busy: ["A sync of this mailbox is already running, here or in another tab.", "Wait for it to finish, then plan again."],
  noPlan: ["There is no current plan to sync.", "Plan again, then sync."],
  stalePlan: ["Someone synced this mailbox since this plan was made.", "Plan again, then sync."],
  changedSincePlan: ["The record changed after the plan was made, so it was not written.", "Plan again to see its current state."],
  confirmDeletions: ["This sync would delete more records than a run deletes without asking, so nothing was written.", "Check the deletions you selected, then type their number to confirm, or select fewer."],
  cancelled: ["The sync was cancelled before this record was written.", "Plan again to sync what is left."],
  alreadyInFolder: ["This contact was already in the folder: another sync created it after this plan was made.", "Plan again to see it linked; nothing was created twice."],
  outcomeUnknown: ["It is not known whether this contact was written.", "Plan again: a contact that was created is linked by its Central id, never created twice."],
  centralRejected: ["Central refused this change.", "Central's message says why; correct the contact in Outlook or in Central, then plan again."],
  possibleDuplicate: ["This contact was created, but a second copy may be left in the folder.", "Plan again: an extra copy is listed with the deletions and deleted with its record."],
  recordTooLarge: ["This contact is too large for Microsoft 365 to accept, so it was not written.", "Shorten its longest field in Central (a name, an address or a note pasted by mistake), then plan again."],
  graphError: ["Microsoft 365 refused the change.", "Plan again: the record may have been changed or deleted in Outlook meanwhile."],
  notSyncable: ["This record cannot be synced as it is.", "Fix it in Central, then plan again."],
  notInPlan: ["This record is no longer an active Central contact.", "Plan again."],
  signIn: ["Sign-in did not work.", "Try again; if a pop-up was blocked, allow pop-ups for this site."],
  signInAgain: ["Your sign-in has expired and could not be renewed without you.", "Sign in again to go on, then plan again: nothing was written after the sign-in expired."],
  packageLoad: ["The sync component could not be loaded.", "Reload the page; if it happens again, tell your administrator."],
};

/**
 * An error in words: `{code, what, next, detail, permission?}`. An unknown code reads as
 * `graphError`; a Graph 403 names the delegated permission the sign-in lacks.
 */
export function explain(error, mailbox = "me") {
  const code = error?.code in ERRORS ? error.code : "graphError";
  let [what, next] = ERRORS[code];
  const shared = Boolean(mailbox) && mailbox !== "me";
  const permission = shared ? "Contacts.ReadWrite.Shared" : "Contacts.ReadWrite";
  if (code === "forbidden" && (error?.graphCode === "ErrorAccessDenied" || error?.status === 403)) {
    // Graph's ErrorAccessDenied: the token lacks the delegated permission (or, for another
    // user's mailbox, the owner has not shared it). Name the permission.
    what = `Microsoft 365 refused access: your sign-in lacks the permission ${permission}.`;
    next = shared
      ? `Ask your administrator to grant this app the delegated permission ${permission}, and the owner of ${mailbox} to share their contacts with you (read and write); then sign out and sign in again.`
      : `Ask your administrator to grant this app the delegated permission ${permission} (with admin consent if your organisation requires it), then sign out and sign in again.`;
  }
  return { code, what, next, detail: error?.message ?? String(error), permission: code === "forbidden" ? permission : undefined };
}
