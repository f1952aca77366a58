//! The plan a session showed, kept with the records it was made from, so that `run` writes
//! exactly what the table showed — no second load, parse or plan.

use std::collections::{HashMap, HashSet};

use self_cell::self_cell;

use serde_json::{json, Value};

use crate::central::ledger::Ledger;
use crate::engine::decide::reasons_after;
use crate::engine::ledger::{base_after, base_json, base_value, Written};
use crate::engine::mapping::{outlook_value, Field, Mapped};
use crate::engine::plan::{link_company, ActiveEmails};
use crate::engine::{
    self, Accounts, Bases, CentralContact, CentralDelete, CentralPatch, Change, ChangeDirection,
    Conflicts, InputError, ItemWrites, OutlookContact, PackedPlan, Plan, PlanOptions, State, Write,
};
use crate::error::ErrorCode;
use crate::sync::created::{CentralCreate, Created};
use crate::sync::moves::OutlookMove;
use crate::sync::{Action, RecordError, RecordResult, WriteKind};

/// Both sides' JSON texts as loaded.
struct Texts {
    central: Vec<u8>,
    /// Central's accounts, when they have a folder to be synced into.
    accounts: Option<Vec<u8>>,
    /// Each synced folder's contacts, with the folder's type; then the marked contacts of the
    /// default Contacts folder, with their marker's type.
    outlook: Vec<(Vec<u8>, engine::Kind, bool)>,
}

/// The records read from [`Texts`], borrowing their strings.
struct Records<'a> {
    central: Vec<CentralContact<'a>>,
    outlook: Vec<OutlookContact<'a>>,
}

self_cell!(
    struct RecordCell {
        owner: Texts,
        // Not covariant: an Outlook contact's lists (`SmallVec`) are invariant in `'a`.
        #[not_covariant]
        dependent: Records,
    }
);

/// A plan, the records it was made from, and the ledger as it was read for it.
pub struct Kept {
    records: RecordCell,
    plan: Plan<'static>,
    /// `None` without Central's API (contacts handed in and no `centralBaseUrl`).
    pub ledger: Option<Ledger>,
    /// Central's accounts, when known: companies are synced and linked.
    accounts: Option<Accounts>,
    /// The folder of each type, as planned.
    folders: engine::Folders,
    /// The marker category of each type (two-way).
    markers: Vec<(engine::Kind, String)>,
}

/// What `run` does with a selection of the kept plan.
pub struct Selection {
    /// The writes to Graph, in plan order: the updates and the creates in the contacts' folder.
    pub writes: Vec<(String, WriteKind)>,
    /// The creates in the other types' folders (individuals', accounts'), each folder's in
    /// plan order.
    pub creates_into: Vec<(String, Vec<(String, WriteKind)>)>,
    /// Contacts to move into their type's folder (their record's type changed).
    pub moves: Vec<OutlookMove>,
    /// The writes to Central (two-way), in plan order.
    pub central: Vec<CentralPatch>,
    /// The changes each written record carries: the plan's, or those of a resolved conflict.
    pub changes: HashMap<String, Vec<Change>>,
    /// Selected records of the plan that have nothing to write, then selected ids that are
    /// not in the plan.
    pub skipped: Vec<RecordResult>,
    /// Every item's Central id, in plan order (the order of the run's records).
    pub order: Vec<String>,
    /// Outlook contacts to delete (their Central records are gone), in plan order.
    pub delete_outlook: Vec<engine::plan::OutlookDelete>,
    /// Central records to delete (their Outlook contacts are gone), in plan order.
    pub delete_central: Vec<CentralDelete>,
    /// The Central ids whose create puts back an Outlook contact a user deleted.
    pub restores: HashSet<String>,
    /// Contacts made in Outlook to create in Central (two-way), selected by their Outlook id.
    pub create_central: Vec<CentralCreate>,
}

impl Selection {
    /// Deletions selected, on both sides (counted in the run's Central progress).
    pub fn deletions(&self) -> usize {
        self.delete_outlook.len() + self.delete_central.len()
    }
}

impl Kept {
    /// Reads both texts and plans (two-way against the ledger's bases when there is a
    /// ledger, companies synced when the accounts are known); returns the kept plan and its
    /// packing for JavaScript.
    pub fn plan(
        (central, account_text): (Vec<u8>, Option<Vec<u8>>),
        outlook: Vec<(Vec<u8>, engine::Kind, bool)>,
        ledger: Option<Ledger>,
        accounts: Option<Accounts>,
        options: PlanOptions,
        (folders, markers): (&engine::Folders, &[(engine::Kind, String)]),
    ) -> Result<(Kept, PackedPlan), InputError> {
        let mut planned = None;
        let bases = bases_of(ledger.as_ref());
        let texts = Texts {
            central,
            accounts: account_text,
            outlook,
        };
        let records = RecordCell::try_new(texts, |texts| {
            let parts: Vec<engine::Part<'_>> = texts
                .outlook
                .iter()
                .map(|(text, kind, marked)| engine::Part {
                    text,
                    kind: Some(*kind),
                    marked: *marked,
                })
                .collect();
            let mut read = engine::read_folders(
                &texts.central,
                &parts,
                Some(folders),
                texts.accounts.as_deref(),
            )?;
            let (plan, packed) = read.plan(options, bases.as_ref(), accounts.as_ref());
            planned = Some((plan.into_owned(), packed));
            Ok::<_, InputError>(Records {
                central: read.central,
                outlook: read.outlook,
            })
        })?;
        drop(bases);
        let (plan, packed) = planned.ok_or_else(|| InputError {
            message: "the plan was not made".into(),
        })?;
        Ok((
            Kept {
                records,
                plan,
                ledger,
                accounts,
                folders: folders.clone(),
                markers: markers.to_vec(),
            },
            packed,
        ))
    }

    /// The writes for the `selected` Central ids — a conflict only with a side chosen in
    /// `resolutions` — and a result for each selected record that has none (each id counts once).
    pub fn select(
        &self,
        selected: &[String],
        resolutions: &HashMap<String, Conflicts>,
    ) -> Selection {
        self.records
            .with_dependent(|_, records| self.select_in(records, selected, resolutions))
    }

    fn select_in(
        &self,
        records: &Records<'_>,
        selected: &[String],
        resolutions: &HashMap<String, Conflicts>,
    ) -> Selection {
        let wanted: HashSet<&str> = selected.iter().map(String::as_str).collect();
        let mut found: HashSet<&str> = HashSet::new();
        let mut out = Selection {
            writes: Vec::new(),
            creates_into: Vec::new(),
            moves: Vec::new(),
            central: Vec::new(),
            changes: HashMap::new(),
            skipped: Vec::new(),
            delete_outlook: Vec::new(),
            delete_central: Vec::new(),
            restores: HashSet::new(),
            create_central: Vec::new(),
            order: self
                .plan
                .items
                .iter()
                .map(|i| i.central_id.to_string())
                .collect(),
        };
        // Read again only when a conflict is resolved: planning again needs them.
        let bases = std::cell::OnceCell::new();
        let emails = ActiveEmails::new(&records.central);
        for item in &self.plan.items {
            let id = item.central_id.as_ref();
            // A contact to create in Central has no Central id yet: it is selected by its
            // Outlook id.
            if item.state == State::CreateInCentral {
                let (Some(outlook_id), Some(j)) = (item.outlook_id.as_deref(), item.outlook_index)
                else {
                    continue;
                };
                if wanted.contains(outlook_id) && found.insert(outlook_id) {
                    // Only the display name and the company go to Outlook (plain fields).
                    let outlook = item
                        .changes
                        .iter()
                        .filter(|ch| ch.direction == ChangeDirection::ToOutlook)
                        .filter(|ch| {
                            matches!(
                                ch.field,
                                engine::Field::DisplayName | engine::Field::CompanyName
                            )
                        })
                        .map(|ch| {
                            (
                                ch.field.graph_property().to_owned(),
                                Value::from(ch.to.as_str()),
                            )
                        })
                        .collect();
                    out.create_central.push(CentralCreate {
                        outlook_id: outlook_id.to_owned(),
                        etag: records.outlook[j].etag.as_str().to_owned(),
                        body: engine::reverse::central_create(
                            item.kind,
                            &item.changes,
                            item.account.as_ref(),
                        ),
                        outlook,
                        kind: item.kind,
                        move_to: self.marker_of(&records.outlook[j]).map(|marker| {
                            (self.folders.folder(item.kind).to_owned(), marker.to_owned())
                        }),
                    });
                }
                continue;
            }
            if !wanted.contains(id) {
                continue;
            }
            // A record's extra copies go with it: they share its id.
            if is_copy(item) {
                let writes =
                    self.plan
                        .writes_for(item, &[], None, &records.central, &records.outlook);
                if let Some(Write::Delete(delete)) = writes.graph {
                    out.delete_outlook.push(delete);
                }
                continue;
            }
            if !found.insert(id) {
                continue;
            }
            let deletion = match resolved_deletion(item, resolutions.get(id).copied()) {
                None => None,
                Some(Some(state)) => Some(engine::PlanItem {
                    state,
                    reasons: Vec::new(),
                    ..item.clone()
                }),
                Some(None) => {
                    out.skipped.push(RecordResult {
                        error: Some(RecordError {
                            code: ErrorCode::NotSyncable.as_str().into(),
                            message: NOT_RESTORED_IN_CENTRAL.into(),
                            status: None,
                            graph_code: None,
                        }),
                        ..skipped(item, item.state, &item.reasons)
                    });
                    continue;
                }
            };
            let item = deletion.as_ref().unwrap_or(item);
            let resolved = match (
                item.state,
                resolutions.get(id),
                item.outlook_index,
                item.central_index,
            ) {
                (State::Conflict, Some(&side), Some(j), Some(i))
                    if item.reasons == [engine::Reason::EditedOnBothSides] =>
                {
                    let c = &records.central[i];
                    let bases = bases.get_or_init(|| bases_of(self.ledger.as_ref()));
                    let mut changes = engine::plan::decide_pair(
                        c,
                        &records.outlook[j],
                        bases.as_ref(),
                        self.plan.options.resolved(side),
                    );
                    let (account, _) = link_company(&mut changes, self.accounts.as_ref());
                    let reasons = reasons_after(c, &changes, |e| emails.taken(e, i));
                    if !reasons.is_empty() {
                        out.skipped
                            .push(skipped(item, State::NonActionable, &reasons));
                        continue;
                    }
                    Some((changes, account))
                }
                _ => None,
            };
            let (central, outlook) = (&records.central, &records.outlook);
            let writes = match (&resolved, item.state) {
                (Some((changes, account)), _) => {
                    self.plan
                        .writes_for(item, changes, account.as_ref(), central, outlook)
                }
                (
                    None,
                    State::New
                    | State::Update
                    | State::RestoreInOutlook
                    | State::DeleteInOutlook
                    | State::DeleteInCentral,
                ) => self.plan.writes_for(
                    item,
                    &item.changes,
                    item.account.as_ref(),
                    central,
                    outlook,
                ),
                (None, _) => ItemWrites::default(),
            };
            if writes.graph.is_none() && writes.central.is_none() && writes.delete_central.is_none()
            {
                out.skipped.push(skipped(item, item.state, &item.reasons));
                continue;
            }
            match writes.graph {
                Some(Write::Create {
                    central_id,
                    body,
                    kind,
                }) => {
                    let write = (central_id, WriteKind::Create { body });
                    let folder = self.folders.folder(kind);
                    if folder == self.folders.contact {
                        out.writes.push(write)
                    } else if let Some((_, writes)) =
                        out.creates_into.iter_mut().find(|(f, _)| f == folder)
                    {
                        writes.push(write)
                    } else {
                        out.creates_into.push((folder.to_owned(), vec![write]))
                    }
                }
                Some(Write::Move {
                    central_id,
                    outlook_id,
                    body,
                    etag,
                    kind,
                }) => out.moves.push(OutlookMove {
                    central_id,
                    outlook_id,
                    etag,
                    body,
                    folder_id: self.folders.folder(kind).to_owned(),
                    drop_category: item
                        .outlook_index
                        .and_then(|j| self.marker_of(&records.outlook[j]))
                        .map(str::to_owned),
                }),
                Some(Write::Update {
                    central_id,
                    outlook_id,
                    body,
                    etag,
                }) => out.writes.push((
                    central_id,
                    WriteKind::Update {
                        outlook_id,
                        body,
                        etag: (!etag.is_empty()).then_some(etag),
                    },
                )),
                Some(Write::Delete(delete)) => out.delete_outlook.push(delete),
                None => {}
            }
            if item.state == State::RestoreInOutlook {
                out.restores.insert(id.to_owned());
            }
            out.delete_central.extend(writes.delete_central);
            out.central.extend(writes.central);
            out.changes.insert(
                id.to_owned(),
                resolved.map_or_else(|| item.changes.clone(), |(changes, _)| changes),
            );
        }
        out.skipped.extend(
            selected
                .iter()
                .filter(|id| !found.contains(id.as_str()))
                .map(|id| RecordResult {
                    central_id: id.clone(),
                    outlook_id: None,
                    action: Action::Skipped,
                    error: Some(RecordError {
                        code: ErrorCode::NotInPlan.as_str().into(),
                        message: "this id is not an active Central contact of the plan".into(),
                        status: None,
                        graph_code: None,
                    }),
                    central: None,
                }),
        );
        out
    }

    /// The marker category a contact read from the default Contacts folder carries.
    fn marker_of(&self, o: &OutlookContact<'_>) -> Option<&str> {
        let (_, name) = self
            .markers
            .iter()
            .find(|(kind, _)| o.marked && *kind == o.kind)?;
        Some(name)
    }

    /// The deletions, on either side, that running `selected` would make (each id once; a
    /// conflict counts when its side chosen deletes).
    pub fn deletions_selected(
        &self,
        selected: &[String],
        resolutions: &HashMap<String, Conflicts>,
    ) -> usize {
        let wanted: HashSet<&str> = selected.iter().map(String::as_str).collect();
        let mut seen = HashSet::new();
        self.plan
            .items
            .iter()
            .filter(|i| {
                wanted.contains(i.central_id.as_ref())
                    && (is_copy(i) || seen.insert(i.central_id.as_ref()))
            })
            .filter(|i| {
                let state = resolved_deletion(i, resolutions.get(i.central_id.as_ref()).copied())
                    .flatten()
                    .unwrap_or(i.state);
                matches!(state, State::DeleteInOutlook | State::DeleteInCentral)
            })
            .count()
    }

    /// The number of entries of the ledger the plan read (for the mass-delete guard).
    pub fn ledger_entries(&self) -> usize {
        match &self.ledger {
            Some(Ledger::Present { body, .. }) => body
                .get("entries")
                .and_then(Value::as_array)
                .map_or(0, Vec::len),
            _ => 0,
        }
    }

    /// The ledger's bases, read once per run by whoever plans records again ([`Kept::bases`]
    /// of the plan's ledger; reading them walks every entry).
    pub fn bases(&self) -> Option<Bases<'_>> {
        bases_of(self.ledger.as_ref())
    }

    /// The Central write of `central_id` planned again over its record as Central holds it now
    /// (`fresh`, after a 412; `bases` from [`Kept::bases`]): the new PATCH when the same Outlook
    /// edits are still to be written and nothing else moved, else `None` (the user plans again).
    pub fn replan_central(
        &self,
        fresh: &Value,
        sent: &CentralPatch,
        resolution: Option<Conflicts>,
        bases: Option<&Bases<'_>>,
    ) -> Option<CentralPatch> {
        let central_id = sent.central_id.as_str();
        let text = Value::Array(vec![fresh.clone()]).to_string();
        let mut fresh_records = match sent.kind {
            engine::Kind::Account => engine::parse_accounts_with(text.as_bytes(), &mut |_, _| {}),
            _ => engine::parse_central(text.as_bytes()),
        }
        .ok()?;
        if let Some(accounts) = &self.accounts {
            accounts.attach(&mut fresh_records);
        }
        let c = fresh_records.first()?;
        self.records.with_dependent(|_, records| {
            let item = self
                .plan
                .items
                .iter()
                .find(|i| i.central_id == central_id)?;
            let o = &records.outlook[item.outlook_index?];
            let options = match resolution {
                Some(side) => self.plan.options.resolved(side),
                None => self.plan.options,
            };
            let mut changes = engine::plan::decide_pair(c, o, bases, options);
            let (account, _) = if c.is_account {
                (None, false)
            } else {
                link_company(&mut changes, self.accounts.as_ref())
            };
            let body = engine::reverse::central_patch(c, &changes, account.as_ref())?;
            let conflict = changes
                .iter()
                .any(|ch| ch.direction == ChangeDirection::Conflict);
            (!conflict && body == sent.body).then(|| CentralPatch {
                central_id: central_id.to_owned(),
                version: c.version.as_str().to_owned(),
                body,
                kind: sent.kind,
            })
        })
    }

    /// The ledger entries of the contacts the run created in Central: Outlook's values are
    /// what both sides now hold (the company as the account's name, when one was linked).
    pub fn created_entries(&self, created: &[Created], at: &str) -> Vec<Value> {
        let to_create: HashMap<&str, &engine::PlanItem<'_>> = self
            .plan
            .items
            .iter()
            .filter(|i| i.state == State::CreateInCentral)
            .filter_map(|i| Some((i.outlook_id.as_deref()?, i)))
            .collect();
        self.records.with_dependent(|_, records| {
            created
                .iter()
                .filter(|c| c.result.action == Action::CreatedInCentral)
                .filter_map(|c| {
                    let outlook_id = c.result.outlook_id.as_deref()?;
                    let item = *to_create.get(outlook_id)?;
                    let o = &records.outlook[item.outlook_index?];
                    // The company goes as written back, unless that write failed.
                    let stored = c.result.error.is_none();
                    let values = Field::ALL.map(|f| {
                        let named = item
                            .changes
                            .iter()
                            .find(|ch| ch.field == f && ch.direction == ChangeDirection::ToOutlook);
                        let value = match named {
                            Some(ch) if stored => ch.to.as_str(),
                            _ => outlook_value(o, f),
                        };
                        Some(base_value(f, value))
                    });
                    // A marked contact moved: the entry names it where it now is.
                    let outlook_id = c.moved_to.as_deref().unwrap_or(outlook_id);
                    Some(json!({
                        "centralId": c.result.central_id,
                        "kind": self.folders.slot(o.kind).name(),
                        "outlookId": outlook_id, "folderId": self.folders.folder(o.kind),
                        "base": base_json(&values), "centralVersion": c.version,
                        "syncedAt": at,
                    }))
                })
                .collect()
        })
    }

    /// The Graph update of `central_id` planned again over its Outlook contact as Graph holds
    /// it now (`fresh`, read after a 412: DESIGN §6): the body to send on `If-Match` of the
    /// returned etag when the changes to Outlook are still those the plan showed (same fields,
    /// same values before and after), else `None` and nothing is overwritten. What the user
    /// changed meanwhile in fields the plan does not write (a third email address, a note) is
    /// kept: the body is built over the fresh contact. `bases` from [`Kept::bases`].
    pub fn replan_outlook(
        &self,
        fresh: &Value,
        central_id: &str,
        resolution: Option<Conflicts>,
        bases: Option<&Bases<'_>>,
    ) -> Option<(Value, String)> {
        let text = Value::Array(vec![fresh.clone()]).to_string();
        let fresh_contacts = engine::parse_outlook(text.as_bytes()).ok()?;
        let o = fresh_contacts.first()?;
        self.records.with_dependent(|_, records| {
            let item = self
                .plan
                .items
                .iter()
                .find(|i| i.central_id == central_id && !is_copy(i))?;
            let c = &records.central[item.central_index?];
            let planned = &records.outlook[item.outlook_index?];
            if o.id.as_str() != planned.id.as_str() {
                return None;
            }
            let options = match resolution {
                Some(side) => self.plan.options.resolved(side),
                None => self.plan.options,
            };
            let to_outlook = |o: &OutlookContact<'_>| {
                let mut changes = engine::plan::decide(c, o, bases, options);
                let (account, _) = link_company(&mut changes, self.accounts.as_ref());
                (changes, account)
            };
            let (before, _) = to_outlook(planned);
            let (after, account) = to_outlook(o);
            let sent = |changes: &[Change]| -> Vec<Change> {
                changes
                    .iter()
                    .filter(|ch| ch.direction == ChangeDirection::ToOutlook)
                    .cloned()
                    .collect()
            };
            let conflict = after
                .iter()
                .any(|ch| ch.direction == ChangeDirection::Conflict);
            let sending = sent(&after);
            if conflict || sending.is_empty() || sent(&before) != sending {
                return None;
            }
            let again = engine::PlanItem {
                outlook_index: Some(0),
                ..item.clone()
            };
            let writes = self.plan.writes_for(
                &again,
                &after,
                account.as_ref(),
                &records.central,
                std::slice::from_ref(o),
            );
            match writes.graph? {
                Write::Update { body, etag, .. } => Some((body, etag)),
                _ => None,
            }
        })
    }

    /// The ledger entries of the records both sides now agree on: those the plan found up to
    /// date and those the run wrote (`results`; `changes` as [`Selection::changes`]), each
    /// with the base of what both sides now hold ([`base_after`]); then the Central ids of the
    /// records the run deleted, on either side, whose entries go. (The ledger keeps the
    /// entries of the others as they were.)
    pub fn entries(
        &self,
        results: &[RecordResult],
        changes: &HashMap<String, Vec<Change>>,
        at: &str,
    ) -> (Vec<Value>, Vec<String>) {
        // The results of deleting a record's extra copies say nothing of its entry.
        let copies: HashSet<&str> = self
            .plan
            .items
            .iter()
            .filter(|i| is_copy(i))
            .filter_map(|i| i.outlook_id.as_deref())
            .collect();
        let results: Vec<&RecordResult> = results
            .iter()
            .filter(|r| !r.outlook_id.as_deref().is_some_and(|o| copies.contains(o)))
            .collect();
        let deleted = results
            .iter()
            .filter(|r| {
                matches!(
                    r.action,
                    Action::DeletedInOutlook | Action::DeletedInCentral
                )
            })
            .map(|r| r.central_id.clone())
            .collect();
        let by_id: HashMap<&str, &RecordResult> = results
            .iter()
            .map(|r| (r.central_id.as_str(), *r))
            .collect();
        let bases = bases_of(self.ledger.as_ref());
        let entries = self.records.with_dependent(|_, records| {
            self.plan
                .items
                .iter()
                .filter_map(|item| {
                    let id = item.central_id.as_ref();
                    let result = by_id.get(id).copied();
                    let action = result.map(|r| r.action);
                    let i = item.central_index?;
                    let c = &records.central[i];
                    let (outlook_id, base, kind) = match (item.state, action) {
                        (
                            State::New | State::RestoreInOutlook | State::Conflict,
                            Some(Action::Created | Action::Restored),
                        ) => {
                            let mapped = Mapped::from_central(c);
                            let values = Field::ALL.map(|f| Some(base_value(f, mapped.get(f))));
                            (result?.outlook_id.as_deref()?, values, c.kind())
                        }
                        _ => {
                            let o = &records.outlook[item.outlook_index?];
                            let written = match result {
                                _ if item.state == State::UpToDate => Written {
                                    outlook: false,
                                    central: false,
                                },
                                None => return None,
                                Some(r) => Written {
                                    outlook: r.action == Action::Updated,
                                    central: r
                                        .central
                                        .as_ref()
                                        .is_some_and(|co| co.action == Action::Updated),
                                },
                            };
                            if item.state != State::UpToDate && !written.outlook && !written.central {
                                return None;
                            }
                            let planned_id = item.outlook_id.as_deref()?;
                            let old = bases.as_ref().and_then(|b| b.base(id, planned_id));
                            let old = old.as_ref();
                            let list = changes.get(id).map(Vec::as_slice).unwrap_or(&[]);
                            let values = Field::ALL.map(|f| outlook_value(o, f));
                            // The type both now have: the one written, else as agreed before.
                            let kind = match list.iter().find(|ch| ch.field == Field::Type) {
                                None => o.kind,
                                Some(ch) if ch.direction == ChangeDirection::ToOutlook && written.outlook => c.kind(),
                                Some(ch) if ch.direction == ChangeDirection::ToCentral && written.central => o.kind,
                                Some(_) => bases
                                    .as_ref()
                                    .and_then(|b| b.kind(id, planned_id))
                                    .unwrap_or(o.kind),
                            };
                            // A contact moved has a new id.
                            let outlook_id = result
                                .and_then(|r| r.outlook_id.as_deref())
                                .filter(|_| written.outlook)
                                .unwrap_or(planned_id);
                            (outlook_id, base_after(values, list, written, old), kind)
                        }
                    };
                    Some(json!({
                        "centralId": id, "kind": self.folders.slot(kind).name(),
                        "outlookId": outlook_id, "folderId": self.folders.folder(kind),
                        "base": base_json(&base),
                        "centralVersion": (!c.version.as_str().is_empty()).then(|| c.version.as_str()),
                        "syncedAt": at,
                    }))
                })
                .collect()
        });
        (entries, deleted)
    }
}

const NOT_RESTORED_IN_CENTRAL: &str = "keeping Outlook's edit of a record gone from Central would restore it there, which this version does not do: the record is left as it is";

/// A deletion against an edit, resolved (DESIGN §4: the side chosen decides): `None` when the
/// item is no such conflict or has no side chosen; `Some(None)` when the side chosen needs
/// what is not built (restoring in Central a record gone from it).
fn resolved_deletion(
    item: &engine::PlanItem<'_>,
    side: Option<Conflicts>,
) -> Option<Option<State>> {
    if item.state != State::Conflict || item.reasons != [engine::Reason::DeletedButEdited] {
        return None;
    }
    Some(match (item.central_index, side?) {
        (Some(_), Conflicts::Central) => Some(State::RestoreInOutlook),
        (Some(_), _) => Some(State::DeleteInCentral),
        (None, Conflicts::Central) => Some(State::DeleteInOutlook),
        (None, _) => None,
    })
}

/// An extra Outlook copy of a record, offered for deletion (`duplicateCopy`).
fn is_copy(item: &engine::PlanItem<'_>) -> bool {
    item.reasons.contains(&engine::Reason::DuplicateCopy)
}

/// The ledger's bases: `None` without a ledger (toOutlook only), none for a new one.
fn bases_of(ledger: Option<&Ledger>) -> Option<Bases<'_>> {
    match ledger? {
        Ledger::Present { body, .. } => Some(Bases::read(body)),
        Ledger::Absent => Some(Bases::default()),
        Ledger::Unsupported => None,
    }
}

/// The result of a selected record with nothing to write.
fn skipped(item: &engine::PlanItem<'_>, state: State, reasons: &[engine::Reason]) -> RecordResult {
    RecordResult {
        central_id: item.central_id.to_string(),
        outlook_id: item.outlook_id.as_ref().map(|s| s.to_string()),
        action: Action::Skipped,
        error: not_syncable(state, reasons),
        central: None,
    }
}

/// Why a non-actionable or conflicting record is skipped; `None` for one with nothing to do.
fn not_syncable(state: State, reasons: &[engine::Reason]) -> Option<RecordError> {
    let kind = match state {
        State::NonActionable => "non-actionable",
        State::Conflict => "conflict",
        _ => return None,
    };
    let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
    Some(RecordError {
        code: ErrorCode::NotSyncable.as_str().into(),
        message: format!("{kind} records are never synced ({})", reasons.join(", ")),
        status: None,
        graph_code: None,
    })
}
