//! The plan: for every active Central contact, in input order, what a sync would do — and the
//! Outlook contacts nobody claims (orphans). Deterministic: same input, same plan.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tsify::Tsify;

use super::accounts::{AccountLink, Accounts};
use super::body::{create_body, update_body};
use super::decide::{
    decide_to_outlook, decide_two_way, display_name_change, reasons_after, Conflicts,
    FieldDirections, Knobs, OutlookClears, SyncDirection,
};
use super::deletions::{copies, gone_in_central, gone_in_outlook, Deletions, ReadOnly};
use super::diff::{Change, ChangeDirection, EmptyValues};
use super::email::normalize;
use super::input::{CentralContact, OutlookContact};
use super::kinds::{email_key, Kind, TypeFolders};
use super::ledger::Bases;
use super::link::{link, CentralKeys, Keys, Link, Links, Named, OutlookSide};
use super::mapping::{account_field, outlook_value, Field, Mapped, Parts};
use super::reverse::central_patch;
use super::text::trim;
use super::validate::{account_name, outlook_reasons, record_reasons, Reason};

/// Options of [`plan`] (`planSync`'s third argument).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanOptions {
    /// What to do when Central has no value where Outlook has one. Default `"clear"`.
    #[serde(default)]
    #[tsify(optional)]
    pub empty_values: EmptyValues,
    /// `"toOutlook"` (default) or `"twoWay"`. Two-way needs the ledger's bases: without a
    /// ledger a plan is made as toOutlook.
    #[serde(default)]
    #[tsify(optional)]
    pub direction: SyncDirection,
    /// Who wins a field both sides changed (two-way): `"ask"` (default), `"central"`, `"outlook"`.
    #[serde(default)]
    #[tsify(optional)]
    pub conflicts: Conflicts,
    /// A field emptied in Outlook (two-way): `"keep"` Central's value (default) or `"clear"` it.
    #[serde(default)]
    #[tsify(optional)]
    pub outlook_clears: OutlookClears,
    /// Fields whose master is pinned (two-way): `{ "mobilePhone": "toCentral" }`.
    #[serde(default)]
    #[tsify(optional, type = "Partial<Record<Field, Master>>")]
    pub field_directions: FieldDirections,
    /// `"off"` or `"propagate"` (DESIGN §4); unset: off in toOutlook, propagate in twoWay.
    /// Needs the ledger.
    #[serde(default)]
    #[tsify(optional)]
    pub deletions: Option<Deletions>,
    /// Types never written in Central: `{ "contact": true }`.
    #[serde(default)]
    #[tsify(optional)]
    pub read_only: ReadOnly,
    /// Which types have a folder of their own (`folders`): then a record's type decides its
    /// folder and a contact's folder its type. Set from `folders`, not given.
    #[serde(skip)]
    pub types: TypeFolders,
}

impl PlanOptions {
    /// Every option at its default (for `const`s: `PlanOptions { empty_values, ..DEFAULT }`).
    pub const DEFAULT: PlanOptions = PlanOptions {
        empty_values: EmptyValues::Clear,
        direction: SyncDirection::ToOutlook,
        conflicts: Conflicts::Ask,
        outlook_clears: OutlookClears::Keep,
        field_directions: FieldDirections([None; super::mapping::FIELD_COUNT]),
        deletions: None,
        read_only: ReadOnly {
            contact: false,
            individual: false,
            account: false,
        },
        types: TypeFolders {
            individual: false,
            account: false,
        },
    };

    /// Whether deletions propagate: as set, else in twoWay only.
    pub fn deletions_on(&self) -> bool {
        match self.deletions {
            Some(d) => d == Deletions::Propagate,
            None => self.direction == SyncDirection::TwoWay,
        }
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            empty_values: self.empty_values,
            conflicts: self.conflicts,
            outlook_clears: self.outlook_clears,
            field_directions: self.field_directions,
        }
    }

    /// The same options with `conflicts` set (a user's resolution of one record).
    pub fn resolved(mut self, conflicts: Conflicts) -> PlanOptions {
        self.conflicts = conflicts;
        self
    }
}

/// The state of one Central contact in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Not in the folder: would be created.
    New,
    /// In the folder with different values: would be updated (see `changes`).
    Update,
    /// In the folder with the same values.
    UpToDate,
    /// Never synced; `reasons` says why.
    NonActionable,
    /// Ambiguous in Outlook, or a field edited on both sides; nothing is written until it is
    /// resolved; `reasons` says why.
    Conflict,
    /// No longer active in Central (or gone), its Outlook copy would be deleted.
    DeleteInOutlook,
    /// Its Outlook contact was deleted (or taken out of the folder): the Central record would
    /// be deleted.
    DeleteInCentral,
    /// Its Outlook contact was deleted but its type is read-only: it would be created again.
    RestoreInOutlook,
    /// Two-way: a contact made in Outlook, in the folder, that Central does not have: it would
    /// be created in Central (no Central id yet: `centralId` is `""`).
    CreateInCentral,
}

/// How a Central contact was matched to its Outlook contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum LinkedBy {
    /// The Central id stored on the Outlook contact.
    Id,
    /// The email address (the Central id will be stored with the next write).
    Email,
    /// The ledger entry that names the Outlook contact (one linked by email and never written
    /// since, so without the stored id).
    Ledger,
}

/// One active Central contact and what a sync would do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PlanItem<'a> {
    #[tsify(type = "string")]
    pub central_id: Cow<'a, str>,
    #[tsify(type = "string | null")]
    pub outlook_id: Option<Cow<'a, str>>,
    /// The record's type (an Outlook contact's: its folder's).
    #[serde(rename = "type")]
    pub kind: Kind,
    pub state: State,
    pub reasons: Vec<Reason>,
    pub changes: Vec<Change>,
    pub linked_by: Option<LinkedBy>,
    /// The account a company edited in Outlook was linked to (DESIGN §4); `null` otherwise.
    pub account: Option<AccountLink>,
    /// What the plan's table shows of the record.
    pub display: ItemDisplay<'a>,
    /// Index of the Central contact in the input (`None`: a record no longer active or gone,
    /// whose Outlook copy is to be deleted).
    #[serde(skip)]
    pub central_index: Option<usize>,
    /// Index of the linked Outlook contact in the input.
    #[serde(skip)]
    pub outlook_index: Option<usize>,
}

/// What the plan's table shows of an item's record (DESIGN §7's `display`), so that the page
/// needs no copy of the data of its own. Values come from untrusted records: a field that holds
/// no text reads as `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Tsify)]
pub struct ItemDisplay<'a> {
    /// A person's first and last name, trimmed, joined by one space (either may be empty).
    // Kept as its two parts, joined only where the name is written out (`name()`, the
    // serialization, the packing), so that planning copies no name.
    #[serde(rename = "name", serialize_with = "serialize_joined")]
    #[tsify(type = "string")]
    pub name_parts: [Cow<'a, str>; 2],
    /// The email address, trimmed.
    #[tsify(type = "string")]
    pub email: Cow<'a, str>,
    /// The company: the name of the contact's account (`""` for none, or while the accounts
    /// are not known).
    #[tsify(type = "string")]
    pub company: Cow<'a, str>,
}

impl<'a> ItemDisplay<'a> {
    /// What the table shows of a Central contact (whose values are trimmed when read).
    pub fn of_central(c: &'a CentralContact<'_>) -> Self {
        if c.is_account {
            return ItemDisplay {
                name_parts: [Cow::Borrowed(c.name.as_str()), Cow::Borrowed("")],
                email: Cow::Borrowed(c.email.as_str()),
                company: Cow::Borrowed(c.name.as_str()),
            };
        }
        ItemDisplay {
            name_parts: [
                Cow::Borrowed(c.first_name.as_str()),
                Cow::Borrowed(c.last_name.as_str()),
            ],
            email: Cow::Borrowed(c.email.as_str()),
            company: Cow::Borrowed(c.company.as_deref().unwrap_or("")),
        }
    }

    /// What the table shows of an Outlook contact whose Central record is gone.
    pub fn of_outlook(o: &'a OutlookContact<'_>) -> Self {
        ItemDisplay {
            name_parts: [
                Cow::Borrowed(o.given_name.as_str().trim()),
                Cow::Borrowed(o.surname.as_str().trim()),
            ],
            email: Cow::Borrowed(o.primary_email().trim()),
            company: Cow::Borrowed(o.company_name.as_str().trim()),
        }
    }

    /// The name: the non-empty parts joined by one space.
    pub fn name(&self) -> Cow<'_, str> {
        let [first, last] = &self.name_parts;
        Parts::joined([first, last, ""], " ").value()
    }

    /// The same values, independent of the input.
    pub fn into_owned(self) -> ItemDisplay<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        let [first, last] = self.name_parts;
        ItemDisplay {
            name_parts: [own(first), own(last)],
            email: own(self.email),
            company: own(self.company),
        }
    }
}

fn serialize_joined<S: serde::Serializer>(
    parts: &[Cow<'_, str>; 2],
    s: S,
) -> Result<S::Ok, S::Error> {
    let [first, last] = parts;
    s.serialize_str(&Parts::joined([first, last, ""], " ").value())
}

/// The name and email that the table shows of each active record, in order, copied one after
/// another into one string as each record is read, while its text is in the cache: packing
/// the plan then reads them from a few megabytes in order rather than from all over the
/// input, long evicted from the cache by then.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisplayCopies {
    text: String,
    /// Where each record's name, then its email, ends in `text`.
    ends: Vec<usize>,
}

impl DisplayCopies {
    /// Adds the next record's name (its parts joined by one space) and email.
    fn push(&mut self, first: &str, last: &str, email: &str) {
        let text = &mut self.text;
        text.push_str(first);
        if !first.is_empty() && !last.is_empty() {
            text.push(' ');
        }
        text.push_str(last);
        self.ends.push(text.len());
        text.push_str(email);
        self.ends.push(text.len());
    }

    /// The name and email of record `k`, if copied.
    pub fn get(&self, k: usize) -> Option<(&str, &str)> {
        let start = match k {
            0 => 0,
            _ => *self.ends.get(2 * k - 1)?,
        };
        let (name_end, end) = (*self.ends.get(2 * k)?, *self.ends.get(2 * k + 1)?);
        Some((
            self.text.get(start..name_end)?,
            self.text.get(name_end..end)?,
        ))
    }
}

/// An Outlook contact in the folder that no Central contact claims. Never touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Orphan<'a> {
    #[tsify(type = "string")]
    pub outlook_id: Cow<'a, str>,
    #[tsify(type = "string")]
    pub email: Cow<'a, str>,
    #[tsify(type = "string")]
    pub display_name: Cow<'a, str>,
}

/// Number of items in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub new: usize,
    pub update: usize,
    pub up_to_date: usize,
    pub non_actionable: usize,
    pub conflict: usize,
    pub delete_in_outlook: usize,
    pub delete_in_central: usize,
    pub restore_in_outlook: usize,
    pub create_in_central: usize,
}

impl Summary {
    fn count(&mut self, state: State) {
        *match state {
            State::New => &mut self.new,
            State::Update => &mut self.update,
            State::UpToDate => &mut self.up_to_date,
            State::NonActionable => &mut self.non_actionable,
            State::Conflict => &mut self.conflict,
            State::DeleteInOutlook => &mut self.delete_in_outlook,
            State::DeleteInCentral => &mut self.delete_in_central,
            State::RestoreInOutlook => &mut self.restore_in_outlook,
            State::CreateInCentral => &mut self.create_in_central,
        } += 1;
    }
}

/// The whole plan, as `planSync` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Plan<'a> {
    pub items: Vec<PlanItem<'a>>,
    /// Number of Central contacts left out because they are not active.
    pub excluded: usize,
    pub orphans: Vec<Orphan<'a>>,
    pub summary: Summary,
    #[serde(skip)]
    pub options: PlanOptions,
    /// The names and emails of the items' `display`, item by item, as copied from the records
    /// while they were read: what the packing writes for item `n` (the item's own `display`
    /// stands in where there is no copy). Whoever changes an item's name or email after
    /// planning clears these.
    #[serde(skip)]
    pub display_copies: DisplayCopies,
}

/// What a run writes for one plan item: to Outlook, to Central, or both.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemWrites {
    pub graph: Option<Write>,
    pub central: Option<CentralPatch>,
    /// The record to delete in Central (its Outlook contact was deleted).
    pub delete_central: Option<CentralDelete>,
}

/// `DELETE /contacts/{central_id}` on `If-Match: version`, once the Outlook contact the
/// ledger named (`outlook_id`) is confirmed gone from the synced folders.
#[derive(Debug, Clone, PartialEq)]
pub struct CentralDelete {
    pub central_id: String,
    pub version: String,
    pub outlook_id: String,
    /// The record's type: an account is deleted at `/accounts`.
    pub kind: Kind,
}

/// `PATCH /contacts/{central_id}` on `If-Match: version` with this body (changed fields only).
#[derive(Debug, Clone, PartialEq)]
pub struct CentralPatch {
    pub central_id: String,
    pub version: String,
    pub body: Value,
    /// The record's type: an account is written at `/accounts`.
    pub kind: Kind,
}

/// `DELETE …/contacts/{outlook_id}` on `If-Match: etag` (its Central record is gone).
#[derive(Debug, Clone, PartialEq)]
pub struct OutlookDelete {
    pub central_id: String,
    pub outlook_id: String,
    pub etag: String,
}

/// A write the executor would send to Graph for one plan item.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// `POST …/contactFolders/{folder}/contacts` with this body, into the folder of `kind`.
    Create {
        central_id: String,
        body: Value,
        kind: Kind,
    },
    /// The contact `outlook_id` into the folder of `kind`, which Graph cannot do: the whole
    /// contact as it is now, with this PATCH `body` over it, created there; then the original
    /// deleted on `If-Match: etag`.
    Move {
        central_id: String,
        outlook_id: String,
        body: Value,
        etag: String,
        kind: Kind,
    },
    /// `PATCH …/contacts/{outlook_id}` with this body, on `If-Match: etag` (the contact as
    /// the plan read it; `""` when Graph sent none).
    Update {
        central_id: String,
        outlook_id: String,
        body: Value,
        etag: String,
    },
    Delete(OutlookDelete),
}

/// The Central side of a plan, gathered one record at a time — in
/// [`plan_packed`](super::plan_packed) as each record is read, while its text is in the
/// cache: the active
/// records with their own reasons, their ids and (when they have no reason of their own)
/// normalised emails. Ids and emails are copied into two compact strings, so that the lookups
/// of linking compare keys in a few megabytes rather than all over the input; the names and
/// emails the table shows are copied too ([`DisplayCopies`]), for packing. Inactive records
/// are only counted.
#[derive(Debug, Default)]
pub struct CentralSide {
    excluded: usize,
    /// Position in the input and own reasons of every active record.
    entries: Vec<(usize, Vec<Reason>)>,
    ids: Keys,
    emails: Keys,
    display: DisplayCopies,
    /// The types with a folder of their own: the emails of each link within it.
    pub types: TypeFolders,
}

impl CentralSide {
    /// An empty side, of `types`.
    pub fn new(types: TypeFolders) -> Self {
        CentralSide {
            types,
            ..CentralSide::default()
        }
    }

    /// The ids of the active records, in order (`None` for an invalid or empty id): item `n`
    /// of the plan has the id at `n`.
    pub fn ids(&self) -> &Keys {
        &self.ids
    }

    /// Adds record `i` of the input (records must be added in order).
    pub fn add(&mut self, i: usize, c: &CentralContact<'_>) {
        if !c.is_active() {
            self.excluded += 1;
            return;
        }
        let reasons = record_reasons(c);
        let id = c.id.as_str();
        self.ids
            .push((!c.id.is_invalid() && !id.is_empty()).then_some(id));
        let slot = self.types.slot(c.kind());
        self.emails.push(
            reasons
                .is_empty()
                .then(|| normalize(c.email.as_str()))
                .as_deref()
                .map(|email| email_key(slot, email))
                .as_deref(),
        );
        let (first, last) = if c.is_account {
            (c.name.as_str(), "")
        } else {
            (c.first_name.as_str(), c.last_name.as_str())
        };
        self.display.push(first, last, c.email.as_str());
        self.entries.push((i, reasons));
    }
}

/// Plans the sync of `central` into a folder holding `outlook`, without a ledger.
pub fn plan<'a>(
    central: &'a [CentralContact<'_>],
    outlook: &'a [OutlookContact<'_>],
    options: PlanOptions,
) -> Plan<'a> {
    plan_with(central, outlook, options, None)
}

/// [`plan_with`] with Central's accounts (`None`: not known, so companies are not synced). The
/// contacts must have had their companies attached ([`Accounts::attach`]).
pub fn plan_with_accounts<'a>(
    central: &'a [CentralContact<'_>],
    outlook: &'a [OutlookContact<'_>],
    options: PlanOptions,
    bases: Option<&Bases<'_>>,
    accounts: Option<&Accounts>,
) -> Plan<'a> {
    let mut side = CentralSide::new(options.types);
    for (i, c) in central.iter().enumerate() {
        side.add(i, c);
    }
    let mut outlook_side = OutlookSide::default();
    for o in outlook {
        let slot = if options.types.typed() {
            o.kind
        } else {
            Kind::Contact
        };
        outlook_side.add(o, slot);
    }
    plan_from(
        &mut side,
        &outlook_side,
        (central, outlook, &[]),
        options,
        bases,
        accounts,
    )
}

/// [`plan`] with the ledger's `bases` (`None`: no ledger, so toOutlook whatever `direction` says).
pub fn plan_with<'a>(
    central: &'a [CentralContact<'_>],
    outlook: &'a [OutlookContact<'_>],
    options: PlanOptions,
    bases: Option<&Bases<'_>>,
) -> Plan<'a> {
    plan_with_accounts(central, outlook, options, bases, None)
}

/// The plan from both sides, gathered from all of `central` and `outlook`, and the ledger's
/// `bases` when there is a ledger. The records' reasons and display copies are taken from
/// `side` (the copies into the plan); its ids stay, for
/// [`pack_plan_with_ids`](super::packed::pack_plan_with_ids).
pub fn plan_from<'a>(
    side: &mut CentralSide,
    outlook_side: &OutlookSide,
    (central, outlook, synced): (&'a [CentralContact<'_>], &'a [OutlookContact<'_>], &[&str]),
    options: PlanOptions,
    bases: Option<&Bases<'_>>,
    accounts: Option<&Accounts>,
) -> Plan<'a> {
    let excluded = side.excluded;
    let mut entries = std::mem::take(&mut side.entries);
    let (ids, emails) = (&side.ids, &side.emails);

    // Records sharing an id cannot be linked safely; otherwise actionable records sharing
    // an email are all left out. Linking finds both.
    let own_invalid: Vec<bool> = entries
        .iter()
        .map(|(_, reasons)| reasons.contains(&Reason::InvalidRecord))
        .collect();
    // With a ledger, a record no stored id links is linked by the contact its entry names.
    let named = bases.map(|b| move |k: usize| b.named(ids.get(k)?));
    let keys = CentralKeys {
        ids,
        emails,
        own_invalid: &own_invalid,
        named: named.as_ref().map(|f| f as &Named<'_>),
    };
    let mut links = link(&keys, outlook_side);
    for (k, (_, reasons)) in entries.iter_mut().enumerate() {
        if links.shared_id[k] && !own_invalid[k] {
            reasons.push(Reason::InvalidRecord);
        }
        if links.shared_email[k] {
            reasons.push(Reason::DuplicateEmail);
        }
        reasons.sort_unstable();
    }
    // Outlook contact → the Central record it is an extra copy of (of actionable records
    // only: nothing of a record that is never synced is touched).
    let actionable: Vec<bool> = entries.iter().map(|(_, r)| r.is_empty()).collect();
    let copy_of: HashMap<usize, usize> =
        settle_copies(&mut links, ids, &actionable, outlook, bases)
            .into_iter()
            .map(|(j, k)| (j, entries[k].0))
            .collect();

    let emails = ActiveEmails::new(central);

    // Two-way, an active record whose Outlook contact the ledger names is in none of the
    // synced folders: deleted there (DESIGN §4); the ids of the folder are indexed on first use.
    let present = std::cell::OnceCell::new();
    let gone_in_folder = |c: &CentralContact<'_>| {
        if options.direction != SyncDirection::TwoWay || !options.deletions_on() {
            return None;
        }
        let (outlook_id, base) = bases?.entry(c.id.as_str())?;
        let present = present.get_or_init(|| {
            outlook
                .iter()
                .map(|o| o.id.as_str())
                .collect::<std::collections::HashSet<&str>>()
        });
        if outlook_id.is_empty() || present.contains(outlook_id) {
            return None;
        }
        // A contact in a folder no longer synced (the user chose another for its type) was
        // not removed: the record is written anew, never deleted for it.
        if bases?
            .folder(c.id.as_str())
            .is_some_and(|f| !synced.is_empty() && !synced.contains(&f))
        {
            return None;
        }
        let (state, reasons) = gone_in_outlook(c, &base, options.read_only, options.conflicts);
        Some((outlook_id.to_owned(), state, reasons))
    };

    let mut summary = Summary::default();
    let mut items: Vec<PlanItem<'a>> = entries
        .into_iter()
        .zip(links.links)
        .map(|((i, mut reasons), link)| {
            let c = &central[i];
            let actionable = reasons.is_empty();
            let (outlook_index, linked_by) = match link {
                Link::ById(j) => (Some(j), Some(LinkedBy::Id)),
                Link::ByLedger(j) => (Some(j), Some(LinkedBy::Ledger)),
                Link::ByEmail(j) => (Some(j), Some(LinkedBy::Email)),
                _ => (None, None),
            };
            let mut changes = Vec::new();
            let mut account = None;
            let mut gone_id = None;
            let state = match (actionable, link, outlook_index) {
                (false, _, _) => State::NonActionable,
                (true, Link::Conflict(reason), _) => {
                    reasons.push(reason);
                    State::Conflict
                }
                // A person's contact in the accounts' folder, or an account's in a person's.
                (true, _, Some(j))
                    if options.types.typed()
                        && options.types.slot(c.kind()).is_person()
                            != outlook[j].kind.is_person() =>
                {
                    reasons.push(Reason::TypeChangeNotSupported);
                    State::Conflict
                }
                (true, _, Some(j)) => {
                    changes = decide_pair(c, &outlook[j], bases, options);
                    // A marked contact goes into its record's folder, whatever else changes
                    // (shown as its type set, from none).
                    let moved = |ch: &Change| {
                        ch.field == Field::Type && ch.direction == ChangeDirection::ToOutlook
                    };
                    if outlook[j].marked && !changes.iter().any(moved) {
                        changes.push(Change::to_outlook(
                            Field::Type,
                            String::new(),
                            c.kind().name().to_owned(),
                        ));
                    }
                    let unresolved;
                    // (An account's company is its name: an edit renames it.)
                    (account, unresolved) = if c.is_account {
                        (None, false)
                    } else {
                        link_company(&mut changes, accounts)
                    };
                    if changes.is_empty() {
                        State::UpToDate
                    } else if changes
                        .iter()
                        .any(|ch| ch.direction == ChangeDirection::Conflict)
                    {
                        reasons.push(Reason::EditedOnBothSides);
                        State::Conflict
                    } else {
                        // An Outlook edit that would make Central's record non-actionable is
                        // not written: the record says why.
                        let after = reasons_after(c, &changes, |e| emails.taken(e, i));
                        if after.is_empty() {
                            if unresolved {
                                reasons.push(Reason::UnresolvedCompany);
                            }
                            State::Update
                        } else {
                            account = None;
                            reasons = after;
                            State::NonActionable
                        }
                    }
                }
                (true, _, None) => match gone_in_folder(c) {
                    Some((outlook_id, state, why)) => {
                        gone_id = Some(Cow::Owned(outlook_id));
                        reasons.extend(why);
                        state
                    }
                    None => State::New,
                },
            };
            summary.count(state);
            PlanItem {
                central_id: Cow::Borrowed(c.id.as_str()),
                outlook_id: outlook_index
                    .map(|j| Cow::Borrowed(outlook[j].id.as_str()))
                    .or(gone_id),
                kind: c.kind(),
                state,
                reasons,
                changes,
                linked_by,
                account,
                display: ItemDisplay::of_central(c),
                central_index: Some(i),
                outlook_index,
            }
        })
        .collect();

    // Outlook contacts whose Central record, named by the ledger, is no longer active or
    // gone: after Central's records, in folder order. The record is the one the contact
    // carries the id of, else (a contact linked by email, never written) the one whose entry
    // names it. A contact no ledger entry names (one a person made in Outlook) is never deleted.
    // Extra copies of a record (`duplicateCopy`) are offered among them, whatever
    // `deletions` says.
    let mut taken = vec![false; outlook.len()];
    let gone_pass = bases.filter(|_| options.deletions_on());
    // Two-way with a ledger, contacts made in Outlook are created in Central (DESIGN §4),
    // unless the folder's type is read-only: then they stay orphans.
    let create_pass = bases.filter(|_| {
        options.direction == SyncDirection::TwoWay
            && Kind::ALL.iter().any(|&k| !options.read_only.of(k))
    });
    let mut to_create = Vec::new();
    if gone_pass.is_some() || create_pass.is_some() || !copy_of.is_empty() {
        let active = std::cell::OnceCell::new();
        let named = std::cell::OnceCell::new();
        for (j, o) in outlook.iter().enumerate() {
            if let Some(&i) = copy_of.get(&j) {
                summary.count(State::DeleteInOutlook);
                items.push(PlanItem {
                    central_id: Cow::Borrowed(central[i].id.as_str()),
                    outlook_id: Some(Cow::Borrowed(o.id.as_str())),
                    kind: o.kind,
                    state: State::DeleteInOutlook,
                    reasons: vec![Reason::DuplicateCopy],
                    changes: Vec::new(),
                    linked_by: Some(LinkedBy::Id),
                    account: None,
                    display: ItemDisplay::of_outlook(o),
                    central_index: None,
                    outlook_index: Some(j),
                });
                continue;
            }
            let Some(bases) = gone_pass.or(create_pass) else {
                continue;
            };
            if !links.usable[j] || links.claimed[j] {
                continue;
            }
            let id: Cow<'a, str> = match o.central_id.as_deref().map(str::trim) {
                Some(id) => Cow::Borrowed(id),
                None => {
                    let named = named.get_or_init(|| {
                        bases
                            .pairs()
                            .filter(|(_, outlook_id)| !outlook_id.is_empty())
                            .map(|(id, outlook_id)| (outlook_id, id))
                            .collect::<std::collections::HashMap<&str, &str>>()
                    });
                    match named.get(o.id.as_str()) {
                        Some(id) => Cow::Owned((*id).to_owned()),
                        // Neither Central nor the ledger has it: a person made it in Outlook.
                        None => {
                            if create_pass.is_some() && !options.read_only.of(o.kind) {
                                to_create.push(j);
                            }
                            continue;
                        }
                    }
                }
            };
            // (A contact carrying an id that Central and the ledger do not know stays an
            // orphan: never a second record for it.)
            if gone_pass.is_none() {
                continue;
            }
            let Some((named, base)) = bases.entry(&id) else {
                continue;
            };
            if id.is_empty() || named != o.id.as_str() {
                continue;
            }
            // An account's contact while accounts are not synced: its record was not read, so
            // it is not known to be gone.
            if !options.types.account && bases.kind(&id, named) == Some(Kind::Account) {
                continue;
            }
            let active = active.get_or_init(|| {
                central
                    .iter()
                    .filter(|c| c.is_active())
                    .map(|c| c.id.as_str())
                    .collect::<std::collections::HashSet<&str>>()
            });
            if active.contains(id.as_ref()) {
                continue;
            }
            let (state, reasons) = gone_in_central(o, &base, options.conflicts);
            summary.count(state);
            taken[j] = true;
            items.push(PlanItem {
                linked_by: Some(if o.central_id.is_some() {
                    LinkedBy::Id
                } else {
                    LinkedBy::Ledger
                }),
                central_id: id,
                outlook_id: Some(Cow::Borrowed(o.id.as_str())),
                kind: o.kind,
                state,
                reasons,
                changes: Vec::new(),
                account: None,
                display: ItemDisplay::of_outlook(o),
                central_index: None,
                outlook_index: Some(j),
            });
        }
    }

    // Contacts to create in Central, in folder order: each passes §3's rules on its Outlook
    // values; one whose email is an active Central record's would make that email shared
    // (`duplicateEmail`); two to create with one email are a conflict.
    if !to_create.is_empty() {
        let mut counts: HashMap<Cow<str>, usize> = HashMap::new();
        for &j in &to_create {
            *counts
                .entry(normalize(outlook[j].primary_email()))
                .or_default() += 1;
        }
        for j in to_create {
            let o = &outlook[j];
            let email = normalize(o.primary_email());
            let mut reasons = outlook_reasons(o);
            let shared = reasons.is_empty() && counts.get(&email).is_some_and(|&n| n > 1);
            if !shared && !email.is_empty() && emails.taken(&email, usize::MAX) {
                reasons.push(Reason::DuplicateEmail);
                reasons.sort_unstable();
            }
            let state = if shared {
                reasons.push(Reason::DuplicateOutlookEmail);
                State::Conflict
            } else if reasons.is_empty() {
                State::CreateInCentral
            } else {
                State::NonActionable
            };
            let mut changes = if state == State::CreateInCentral {
                // Outlook's display name is made "given surname", as for every synced contact.
                let mut changes = created_values(o);
                if (options.types.typed() || o.marked) && o.kind.is_person() {
                    changes.push(Change {
                        field: Field::Type,
                        from: String::new(),
                        to: o.kind.name().to_owned(),
                        direction: ChangeDirection::ToCentral,
                        overwrites_outlook_edit: false,
                    });
                }
                if o.kind.is_person() {
                    changes.extend(display_name_change(o, &[]));
                }
                changes
            } else {
                Vec::new()
            };
            let (account, unresolved) = if o.kind.is_person() {
                link_company(&mut changes, accounts)
            } else {
                (None, false)
            };
            if unresolved {
                reasons.push(Reason::UnresolvedCompany);
            }
            summary.count(state);
            taken[j] = true;
            // The company shown is the account's name, as for every record ("" for none).
            let display = ItemDisplay {
                company: Cow::Owned(account.as_ref().map_or(String::new(), |a| a.name.clone())),
                ..ItemDisplay::of_outlook(o)
            };
            items.push(PlanItem {
                central_id: Cow::Borrowed(""),
                outlook_id: Some(Cow::Borrowed(o.id.as_str())),
                kind: o.kind,
                state,
                reasons,
                changes,
                linked_by: None,
                account,
                display,
                central_index: None,
                outlook_index: Some(j),
            });
        }
    }

    let orphans = outlook
        .iter()
        .enumerate()
        .filter(|(j, _)| links.usable[*j] && !links.claimed[*j] && !taken[*j])
        .map(|(_, o)| Orphan {
            outlook_id: Cow::Borrowed(o.id.as_str()),
            email: Cow::Borrowed(o.primary_email()),
            display_name: Cow::Borrowed(o.display_name.as_str()),
        })
        .collect();

    Plan {
        items,
        excluded,
        orphans,
        summary,
        options,
        display_copies: std::mem::take(&mut side.display),
    }
}

/// The values a record created in Central from `o` takes: every mapped field Outlook holds a
/// value in (the display name never flows back), as toCentral changes from empty.
fn created_values(o: &OutlookContact<'_>) -> Vec<Change> {
    let account = o.kind == Kind::Account;
    Field::ALL
        .into_iter()
        .filter(|&f| f != Field::DisplayName)
        .filter(|&f| !account || account_field(f))
        .filter_map(|f| {
            // An account takes its name from the company, else the display name.
            let value = match f {
                Field::CompanyName if account => account_name(o),
                _ => trim(outlook_value(o, f)),
            };
            (!value.is_empty()).then(|| Change {
                field: f,
                from: String::new(),
                to: value.to_owned(),
                direction: ChangeDirection::ToCentral,
                overwrites_outlook_edit: false,
            })
        })
        .collect()
}

/// Records in conflict because several Outlook contacts carry their Central id: the extra
/// copies among them ([`copies`]), as (Outlook contact, record) pairs; a record whose other
/// contacts are all copies is linked to the one kept.
fn settle_copies(
    links: &mut Links,
    ids: &Keys,
    actionable: &[bool],
    outlook: &[OutlookContact<'_>],
    bases: Option<&Bases<'_>>,
) -> Vec<(usize, usize)> {
    let in_conflict: HashMap<&str, usize> = links
        .links
        .iter()
        .enumerate()
        .filter(|(k, l)| {
            **l == Link::Conflict(Reason::DuplicateOutlookId) && actionable.get(*k) == Some(&true)
        })
        .filter_map(|(k, _)| Some((ids.get(k)?, k)))
        .collect();
    if in_conflict.is_empty() {
        return Vec::new();
    }
    let mut candidates: HashMap<usize, Vec<usize>> = HashMap::new();
    for (j, o) in outlook.iter().enumerate() {
        let stored = o.central_id.as_deref().map(trim);
        if let Some(&k) = stored.and_then(|id| in_conflict.get(id)) {
            if links.usable[j] {
                candidates.entry(k).or_default().push(j);
            }
        }
    }
    let mut pairs = Vec::new();
    for (k, js) in candidates {
        let named = bases.and_then(|b| b.named(ids.get(k)?));
        let Some((keep, copies, all)) = copies(&js, outlook, named) else {
            continue;
        };
        if all {
            links.links[k] = Link::ById(keep);
        }
        pairs.extend(copies.into_iter().map(|j| (j, k)));
    }
    pairs
}

/// The normalised emails of Central's active records, indexed on first use: only when an
/// Outlook edit of an email is to be written to Central (it must not be another record's).
pub struct ActiveEmails<'a, 'b> {
    central: &'a [CentralContact<'b>],
    index: std::cell::OnceCell<std::collections::HashMap<Cow<'a, str>, usize>>,
}

impl<'a, 'b> ActiveEmails<'a, 'b> {
    pub fn new(central: &'a [CentralContact<'b>]) -> Self {
        ActiveEmails {
            central,
            index: std::cell::OnceCell::new(),
        }
    }

    /// True when the normalised `email` is that of an active record other than record `own`.
    pub fn taken(&self, email: &str, own: usize) -> bool {
        self.index
            .get_or_init(|| {
                let active = self.central.iter().enumerate();
                active
                    .filter(|(_, c)| c.is_active() && !c.email.as_str().is_empty())
                    .map(|(i, c)| (normalize(c.email.as_str()), i))
                    .collect()
            })
            .get(email)
            .is_some_and(|&i| i != own)
    }
}

/// Links the company that `changes` send to Central (DESIGN §4 "Company → account"): the
/// account found, and — when its name is not exactly what was typed — a change that writes
/// the account's name to Outlook in the same run; `true` when a company was typed and no
/// account found (`unresolvedCompany`: the record is written without one). An emptied
/// company unlinks the account.
pub fn link_company(
    changes: &mut Vec<Change>,
    accounts: Option<&Accounts>,
) -> (Option<AccountLink>, bool) {
    let Some(k) = changes.iter().position(|ch| {
        ch.field == Field::CompanyName && ch.direction == ChangeDirection::ToCentral
    }) else {
        return (None, false);
    };
    let typed = changes[k].to.clone();
    if typed.is_empty() {
        return (None, false);
    }
    match accounts.and_then(|a| a.link(&typed)) {
        Some(account) => {
            if account.name != typed {
                let named = Change::to_outlook(Field::CompanyName, typed, account.name.clone());
                changes.insert(k + 1, named);
            }
            (Some(account), false)
        }
        None => (None, true),
    }
}

/// The changes of one linked, actionable pair: two-way with a ledger, else toOutlook.
pub fn decide(
    c: &CentralContact<'_>,
    o: &OutlookContact<'_>,
    bases: Option<&Bases<'_>>,
    options: PlanOptions,
) -> Vec<Change> {
    // Most pairs agree exactly: their base is never read.
    if super::diff::is_unchanged(c, o) {
        return Vec::new();
    }
    let base = bases.and_then(|b| b.base(c.id.as_str(), o.id.as_str()));
    match (options.direction, bases) {
        (SyncDirection::TwoWay, Some(_)) => decide_two_way(c, o, base.as_ref(), options.knobs()),
        _ => decide_to_outlook(c, o, base.as_ref(), options.empty_values),
    }
}

/// The changes of one linked, actionable pair ([`decide`]) and, when individuals have a folder
/// of their own, its type change.
pub fn decide_pair(
    c: &CentralContact<'_>,
    o: &OutlookContact<'_>,
    bases: Option<&Bases<'_>>,
    options: PlanOptions,
) -> Vec<Change> {
    let mut changes = decide(c, o, bases, options);
    if options.types.typed() {
        changes.extend(type_change(c, o, bases, options));
    }
    changes
}

/// The type change of a linked pair whose record and contact differ in type (individuals
/// having a folder of their own), three-way against the type the ledger's entry agreed on:
/// Outlook's, toCentral, when only the contact moved since and the record's type is written in
/// Central; else Central's, toOutlook (the contact is moved into its type's folder), marked as
/// overwriting Outlook's move when the contact was the one that moved.
fn type_change(
    c: &CentralContact<'_>,
    o: &OutlookContact<'_>,
    bases: Option<&Bases<'_>>,
    options: PlanOptions,
) -> Option<Change> {
    let (central, outlook) = (options.types.slot(c.kind()), o.kind);
    if central == outlook {
        return None;
    }
    let base = bases
        .and_then(|b| b.kind(c.id.as_str(), o.id.as_str()))
        .map(|k| options.types.slot(k));
    let outlook_moved = base == Some(central);
    let two_way = options.direction == SyncDirection::TwoWay && bases.is_some();
    Some(
        if two_way && outlook_moved && !options.read_only.covers(c) {
            Change {
                field: Field::Type,
                from: central.name().to_owned(),
                to: outlook.name().to_owned(),
                direction: ChangeDirection::ToCentral,
                overwrites_outlook_edit: false,
            }
        } else {
            Change {
                field: Field::Type,
                from: outlook.name().to_owned(),
                to: central.name().to_owned(),
                direction: ChangeDirection::ToOutlook,
                overwrites_outlook_edit: outlook_moved,
            }
        },
    )
}

impl Plan<'_> {
    /// The plan with every borrowed string copied, independent of its inputs.
    pub fn into_owned(self) -> Plan<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        Plan {
            items: self
                .items
                .into_iter()
                .map(|i| PlanItem {
                    central_id: own(i.central_id),
                    outlook_id: i.outlook_id.map(own),
                    kind: i.kind,
                    state: i.state,
                    reasons: i.reasons,
                    changes: i.changes,
                    linked_by: i.linked_by,
                    account: i.account,
                    display: i.display.into_owned(),
                    central_index: i.central_index,
                    outlook_index: i.outlook_index,
                })
                .collect(),
            excluded: self.excluded,
            orphans: self
                .orphans
                .into_iter()
                .map(|o| Orphan {
                    outlook_id: own(o.outlook_id),
                    email: own(o.email),
                    display_name: own(o.display_name),
                })
                .collect(),
            summary: self.summary,
            options: self.options,
            display_copies: self.display_copies,
        }
    }

    /// What a run writes for `item` with these `changes` and the `account` their company was
    /// linked to (the item's own, or those of a conflict resolved): nothing unless it is
    /// `new`, or linked with changes to write. `central` and `outlook` must be the inputs the
    /// plan was made from.
    pub fn writes_for(
        &self,
        item: &PlanItem<'_>,
        changes: &[Change],
        account: Option<&AccountLink>,
        central: &[CentralContact<'_>],
        outlook: &[OutlookContact<'_>],
    ) -> ItemWrites {
        let central_id = item.central_id.clone().into_owned();
        let Some(i) = item.central_index else {
            // A record gone from Central: only its Outlook copy can be written, deleted.
            return match (item.state, item.outlook_index) {
                (State::DeleteInOutlook, Some(j)) => ItemWrites {
                    graph: Some(Write::Delete(OutlookDelete {
                        central_id,
                        outlook_id: outlook[j].id.as_str().to_owned(),
                        etag: outlook[j].etag.as_str().to_owned(),
                    })),
                    ..ItemWrites::default()
                },
                _ => ItemWrites::default(),
            };
        };
        let c = &central[i];
        match (item.state, item.outlook_index) {
            (State::New | State::RestoreInOutlook, _) => ItemWrites {
                graph: Some(Write::Create {
                    body: create_body(&central_id, &Mapped::from_central(c)),
                    central_id,
                    kind: c.kind(),
                }),
                ..ItemWrites::default()
            },
            (State::DeleteInCentral, _) => ItemWrites {
                delete_central: Some(CentralDelete {
                    outlook_id: item.outlook_id.as_deref().unwrap_or("").to_owned(),
                    version: c.version.as_str().to_owned(),
                    central_id,
                    kind: c.kind(),
                }),
                ..ItemWrites::default()
            },
            (_, Some(j)) => {
                let o = &outlook[j];
                // A type to Outlook is a move into the type's folder, with the other changes.
                let moved_to = changes
                    .iter()
                    .any(|ch| ch.field == Field::Type && ch.direction == ChangeDirection::ToOutlook)
                    .then(|| c.kind());
                let to_outlook: Vec<Change> = changes
                    .iter()
                    .filter(|ch| ch.direction == ChangeDirection::ToOutlook)
                    .filter(|ch| ch.field != Field::Type)
                    .cloned()
                    .collect();
                let graph = (!to_outlook.is_empty() || moved_to.is_some()).then(|| {
                    // What Outlook holds after the write: Central's values, but Outlook's own
                    // where a field goes to Central or waits for the user (and then the
                    // display name it has, unless a change makes it anew).
                    let mut target = Mapped::from_central(c);
                    // (A company linked to an account goes both ways: its name is written.)
                    let keeps = |field: Field| {
                        !to_outlook.iter().any(|ch| ch.field == field)
                            && changes.iter().any(|ch| {
                                ch.field == field && ch.direction != ChangeDirection::ToOutlook
                            })
                    };
                    let kept_any = Field::ALL.iter().any(|&f| keeps(f));
                    for field in Field::ALL {
                        let display = field == Field::DisplayName
                            && kept_any
                            && !to_outlook.iter().any(|ch| ch.field == field);
                        if keeps(field) || display {
                            target.values[field as usize] = Cow::Borrowed(outlook_value(o, field));
                        }
                    }
                    // Two-way, the display name is made from the names Outlook will hold, and a
                    // company takes its account's name.
                    for ch in to_outlook
                        .iter()
                        .filter(|ch| matches!(ch.field, Field::DisplayName | Field::CompanyName))
                    {
                        target.values[ch.field as usize] = Cow::Owned(ch.to.clone());
                    }
                    let body = update_body(
                        &central_id,
                        &target,
                        o,
                        &to_outlook,
                        self.options.empty_values,
                    );
                    let (outlook_id, etag) = (o.id.as_str().to_owned(), o.etag.as_str().to_owned());
                    let central_id = central_id.clone();
                    match moved_to {
                        Some(kind) => Write::Move {
                            central_id,
                            outlook_id,
                            body,
                            etag,
                            kind,
                        },
                        None => Write::Update {
                            body,
                            outlook_id,
                            etag,
                            central_id,
                        },
                    }
                });
                let central = central_patch(c, changes, account).map(|body| CentralPatch {
                    central_id: central_id.clone(),
                    version: c.version.as_str().to_owned(),
                    body,
                    kind: c.kind(),
                });
                ItemWrites {
                    graph,
                    central,
                    delete_central: None,
                }
            }
            _ => ItemWrites::default(),
        }
    }

    /// The write to Graph for a `new` or `update` item (tests and the toOutlook bench).
    pub fn write_for(
        &self,
        item: &PlanItem<'_>,
        central: &[CentralContact<'_>],
        outlook: &[OutlookContact<'_>],
    ) -> Option<Write> {
        match item.state {
            State::New | State::Update => {
                self.writes_for(item, &item.changes, item.account.as_ref(), central, outlook)
                    .graph
            }
            _ => None,
        }
    }
}
