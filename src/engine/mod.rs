//! The pure planning engine: validation, email normalisation, linking, field mapping, diff and
//! the request bodies — everything that decides what a sync does, with no browser in sight.
//! Runs natively under `cargo test` and inside the wasm module alike.

pub mod accounts;
pub mod body;
pub mod decide;
pub mod deletions;
pub mod diff;
pub mod email;
pub mod group;
pub mod input;
mod json_reader;
pub mod kinds;
pub mod ledger;
pub mod link;
pub mod mapping;
pub mod packed;
pub mod plan;
pub mod reverse;
pub mod text;
pub mod validate;

pub use accounts::{AccountLink, Accounts, MatchedBy};
pub use decide::{Conflicts, Master, OutlookClears, SyncDirection};
pub use diff::{Change, ChangeDirection, EmptyValues};
pub use input::{
    parse_accounts_with, parse_central, parse_central_with, parse_outlook, parse_outlook_with,
    CentralContact, InputError, OutlookContact, CENTRAL_ID_PROPERTY,
};
pub use kinds::{Folders, Kind};
pub use ledger::Bases;
pub use mapping::Field;
pub use packed::PackedPlan;
pub use plan::{
    plan, CentralDelete, CentralPatch, ItemWrites, LinkedBy, Orphan, Plan, PlanItem, PlanOptions,
    State, Summary, Write,
};
pub use validate::Reason;

/// Parses both inputs and plans: the whole engine in one call.
pub fn plan_json(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
) -> Result<Plan<'static>, InputError> {
    let central = parse_central(central)?;
    let outlook = parse_outlook(outlook)?;
    Ok(plan(&central, &outlook, options).into_owned())
}

/// Parses both inputs, plans, and returns the plan packed — what `planSync` hands to
/// JavaScript. Nothing is copied out of the inputs on the way.
pub fn plan_packed(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
) -> Result<PackedPlan, InputError> {
    plan_packed_with(central, outlook, options, None)
}

/// [`plan_packed`] with the ledger's bases (`None`: no ledger).
pub fn plan_packed_with(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
    bases: Option<&Bases<'_>>,
) -> Result<PackedPlan, InputError> {
    Ok(read(central, outlook)?.plan(options, bases, None).1)
}

/// Both inputs read, with what planning gathers from each record as it is read.
pub struct Read<'a> {
    pub central: Vec<CentralContact<'a>>,
    pub outlook: Vec<OutlookContact<'a>>,
    central_side: plan::CentralSide,
    outlook_side: link::OutlookSide,
    /// The types with a folder of their own.
    types: kinds::TypeFolders,
    /// The synced folders (empty when not known).
    folder_ids: Vec<String>,
}

/// Reads both inputs. Each record is looked at as it is read, while its text is in the
/// cache: a Central record is validated and its keys copied, an Outlook contact's keys copied.
pub fn read<'a>(central: &'a [u8], outlook: &'a [u8]) -> Result<Read<'a>, InputError> {
    read_folders(central, &[Part::folder(outlook, None)], None, None)
}

/// One text of Outlook contacts for [`read_folders`].
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub text: &'a [u8],
    /// The folder's type; `None`: contacts of any folder, typed by their `parentFolderId`.
    pub kind: Option<Kind>,
    /// Contacts of the default Contacts folder carrying the marker category of `kind`.
    pub marked: bool,
}

impl<'a> Part<'a> {
    /// The contacts of a synced folder of type `kind` (`None`: typed by `parentFolderId`).
    pub fn folder(text: &'a [u8], kind: Option<Kind>) -> Self {
        Part {
            text,
            kind,
            marked: false,
        }
    }
}

/// [`read`] with the contacts of each synced folder: a folder's text with its type, or (`None`)
/// contacts of any folder, each typed by its `parentFolderId` as `folders` says. Without
/// `folders` (or with no folder for individuals) every contact is of the contacts' folder.
/// Marked parts (after the folders) keep their marker's type. With a folder for accounts,
/// Central's `accounts` are records too, after the contacts.
pub fn read_folders<'a>(
    central: &'a [u8],
    outlook: &[Part<'a>],
    folders: Option<&Folders>,
    accounts: Option<&'a [u8]>,
) -> Result<Read<'a>, InputError> {
    let types = folders.map(Folders::types).unwrap_or_default();
    let typed = types.typed();
    let mut central_side = plan::CentralSide::new(types);
    let mut central = parse_central_with(central, &mut |i, c| central_side.add(i, c))?;
    if let Some(text) = accounts.filter(|_| types.account) {
        let n = central.len();
        let mut records = parse_accounts_with(text, &mut |i, c| central_side.add(n + i, c))?;
        central.append(&mut records);
    }
    let mut outlook_side = link::OutlookSide::default();
    let mut contacts = Vec::new();
    for &Part { text, kind, marked } in outlook {
        let kind_of = |o: &OutlookContact<'_>| match (kind, folders) {
            (Some(kind), _) if marked => kind,
            _ if !typed => Kind::Contact,
            (Some(kind), _) => kind,
            (None, Some(f)) => f.kind_of(o.parent_folder_id.as_str()),
            (None, None) => Kind::Contact,
        };
        let mut part = parse_outlook_with(text, &mut |_, o| {
            outlook_side.add(o, types.slot(kind_of(o)))
        })?;
        if typed || marked {
            for o in &mut part {
                o.kind = kind_of(o);
                o.marked = marked;
            }
        }
        if contacts.is_empty() {
            contacts = part;
        } else {
            contacts.append(&mut part);
        }
    }
    Ok(Read {
        central,
        outlook: contacts,
        central_side,
        outlook_side,
        types,
        folder_ids: folders
            .map(|f| f.ids().into_iter().map(|(id, _)| id.to_owned()).collect())
            .unwrap_or_default(),
    })
}

impl Read<'_> {
    /// The plan of what was read (with the ledger's `bases`, if there is a ledger, and
    /// Central's `accounts`, if known), and its packing. Plans once: the Central side's entries
    /// move into the plan.
    pub fn plan(
        &mut self,
        options: PlanOptions,
        bases: Option<&Bases<'_>>,
        accounts: Option<&Accounts>,
    ) -> (Plan<'_>, PackedPlan) {
        if let Some(accounts) = accounts {
            accounts.attach(&mut self.central);
        }
        let options = PlanOptions {
            types: self.types,
            ..options
        };
        let synced: Vec<&str> = self.folder_ids.iter().map(String::as_str).collect();
        let plan = plan::plan_from(
            &mut self.central_side,
            &self.outlook_side,
            (&self.central, &self.outlook, &synced),
            options,
            bases,
            accounts,
        );
        let packed =
            packed::pack_plan_with_ids(&plan, self.central_side.ids(), self.outlook_side.ids());
        (plan, packed)
    }
}
