//! The three-way decision of DESIGN §4: per mapped field of a linked pair, Central's value (c),
//! Outlook's (o) and what both agreed on at the last write (b, the ledger's base) say which
//! side writes the field — or that both moved and the user must choose.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tsify::Tsify;

use super::diff::{diff_contact, Change, ChangeDirection, EmptyValues};
use super::email::{is_plain_address, normalize, same_address};
use super::input::{CentralContact, OutlookContact};
use super::ledger::{base_value, Base};
use super::mapping::{central_part, outlook_value, synced, Field, Parts, FIELD_COUNT};
use super::text::{same_text, trim};
use super::validate::{contains_deceased, Reason};

/// Which way a sync goes (`direction`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum SyncDirection {
    /// Central is the system of record: only Outlook is written. The default.
    #[default]
    ToOutlook,
    /// Each side's edits reach the other, decided field by field against the ledger.
    TwoWay,
}

/// Who wins a field both sides changed since they last agreed (`conflicts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Conflicts {
    /// Neither: the record is a `conflict` until the user picks a side. The default.
    #[default]
    Ask,
    Central,
    Outlook,
}

/// What a field the user emptied in Outlook does to Central's value (`outlookClears`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum OutlookClears {
    /// Central's value stays and is written back to Outlook. The default.
    #[default]
    Keep,
    /// Central's value is cleared too.
    Clear,
}

/// A field's pinned master (`fieldDirections`, two-way only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Master {
    /// Central's value wins; Outlook edits are overwritten.
    ToOutlook,
    /// Outlook's value wins.
    ToCentral,
}

/// The pinned master of each field, read from `{"givenName": "toCentral", …}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldDirections(pub [Option<Master>; FIELD_COUNT]);

impl FieldDirections {
    pub fn get(&self, field: Field) -> Option<Master> {
        self.0.get(field as usize).copied().flatten()
    }
}

impl<'de> Deserialize<'de> for FieldDirections {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map: HashMap<Field, Master> = HashMap::deserialize(d)?;
        let mut out = FieldDirections::default();
        for (field, master) in map {
            if field == Field::DisplayName {
                return Err(serde::de::Error::custom(
                    "displayName is made from the names and never flows back: it cannot be pinned",
                ));
            }
            if field == Field::Type {
                return Err(serde::de::Error::custom(
                    "type follows the folder a contact is in: it cannot be pinned",
                ));
            }
            out.0[field as usize] = Some(master);
        }
        Ok(out)
    }
}

impl Serialize for FieldDirections {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pinned: std::collections::BTreeMap<&str, Master> = Field::ALL
            .iter()
            .filter_map(|&f| Some((f.name(), self.get(f)?)))
            .collect();
        pinned.serialize(s)
    }
}

/// The knobs of the decision.
#[derive(Debug, Clone, Copy, Default)]
pub struct Knobs {
    pub empty_values: EmptyValues,
    pub conflicts: Conflicts,
    pub outlook_clears: OutlookClears,
    pub field_directions: FieldDirections,
}

/// True when `a` and `b` are the same value of `field` once normalised (DESIGN §4); a street
/// on separate lines is the same as its lines joined by ", ".
pub fn same(field: Field, a: &str, b: &str) -> bool {
    match field {
        Field::Email => same_address(a, b),
        Field::HomeStreet | Field::BusinessStreet if !same_text(a, b) => {
            base_value(field, a) == base_value(field, b)
        }
        _ => same_text(a, b),
    }
}

/// Which side's value a field takes.
enum Winner {
    Central,
    Outlook,
    Ask,
}

/// The changes of a one-way (toOutlook) pair: Central's values, each change saying whether it
/// overwrites an edit made in Outlook since the base.
pub fn decide_to_outlook(
    c: &CentralContact<'_>,
    o: &OutlookContact<'_>,
    base: Option<&Base<'_>>,
    empty: EmptyValues,
) -> Vec<Change> {
    let mut changes = diff_contact(c, o, empty);
    if let Some(base) = base {
        for change in &mut changes {
            change.overwrites_outlook_edit = change.field != Field::DisplayName
                && base
                    .get(change.field)
                    .is_some_and(|b| !same(change.field, &change.from, b));
        }
    }
    changes
}

/// The changes of a two-way pair, in [`Field::ALL`] order (the planner has settled the pairs
/// that agree exactly). Without a base for a field (a first link), Central's value wins.
/// `displayName` is never decided: it is made, as on a create, from the names Outlook will hold.
pub fn decide_two_way(
    c: &CentralContact<'_>,
    o: &OutlookContact<'_>,
    base: Option<&Base<'_>>,
    knobs: Knobs,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for field in Field::ALL {
        if !synced(c, field) {
            continue;
        }
        // An account's display name is its name, from Central.
        if field == Field::DisplayName && c.is_account {
            let (name, ov) = (central_part(c, field).value(), outlook_value(o, field));
            if !same(field, &name, ov) {
                changes.push(Change::to_outlook(field, ov.to_owned(), name.into_owned()));
            }
            continue;
        }
        if field == Field::DisplayName {
            if let Some(change) = display_name_change(o, &changes) {
                changes.push(change);
            }
            continue;
        }
        let part = central_part(c, field);
        let ov = outlook_value(o, field);
        if part.is(ov) {
            continue;
        }
        if field == Field::CompanyName && !c.is_account {
            match company_change(c, ov, base, knobs) {
                Company::Decide => {}
                Company::Skip => continue,
                Company::Link(change) => {
                    changes.push(change);
                    continue;
                }
            }
        }
        let cv = part.value();
        if same(field, &cv, ov) {
            continue;
        }
        let b = base.and_then(|b| b.get(field));
        let winner = match (knobs.field_directions.get(field), b) {
            (Some(Master::ToOutlook), _) | (None, None) => Winner::Central,
            (Some(Master::ToCentral), _) => Winner::Outlook,
            (None, Some(b)) => match (!same(field, &cv, b), !same(field, ov, b)) {
                (true, false) => Winner::Central,
                (false, true) => Winner::Outlook,
                _ => match knobs.conflicts {
                    Conflicts::Ask => Winner::Ask,
                    Conflicts::Central => Winner::Central,
                    Conflicts::Outlook => Winner::Outlook,
                },
            },
        };
        let outlook_edited = b.is_some_and(|b| !same(field, ov, b));
        let change = match winner {
            Winner::Central if cv.is_empty() && knobs.empty_values == EmptyValues::Keep => continue,
            Winner::Central => Change {
                overwrites_outlook_edit: outlook_edited,
                ..Change::to_outlook(field, ov.to_owned(), cv.into_owned())
            },
            // A field emptied in Outlook never erases Central's value unless asked to.
            Winner::Outlook
                if trim(ov).is_empty() && knobs.outlook_clears == OutlookClears::Keep =>
            {
                Change {
                    overwrites_outlook_edit: true,
                    ..Change::to_outlook(field, ov.to_owned(), cv.into_owned())
                }
            }
            Winner::Outlook => Change {
                field,
                from: cv.into_owned(),
                to: trim(ov).to_owned(),
                direction: ChangeDirection::ToCentral,
                overwrites_outlook_edit: false,
            },
            Winner::Ask => Change {
                field,
                from: cv.into_owned(),
                to: ov.to_owned(),
                direction: ChangeDirection::Conflict,
                overwrites_outlook_edit: false,
            },
        };
        changes.push(change);
    }
    changes
}

/// What the company field of a two-way pair needs beyond the usual decision.
enum Company {
    /// Decide it like any other field.
    Decide,
    /// Nothing to write.
    Skip,
    /// A company typed in Outlook, to be linked to an account in Central.
    Link(Change),
}

/// The company is not synced when the accounts are unknown or for an individual. A contact
/// with no account holds no company of its own: it never clears Outlook's, and a company typed
/// in Outlook since the base (unless the field is pinned to Central's side) goes to Central to
/// be linked.
fn company_change(
    c: &CentralContact<'_>,
    ov: &str,
    base: Option<&Base<'_>>,
    knobs: Knobs,
) -> Company {
    match c.company.as_deref() {
        None => Company::Skip,
        Some("") => {
            let edited = || {
                base.and_then(|b| b.get(Field::CompanyName))
                    .is_some_and(|b| !same(Field::CompanyName, ov, b))
            };
            let typed = !trim(ov).is_empty()
                && match knobs.field_directions.get(Field::CompanyName) {
                    Some(Master::ToOutlook) => false,
                    Some(Master::ToCentral) => true,
                    None => edited(),
                };
            if typed {
                Company::Link(Change {
                    field: Field::CompanyName,
                    from: String::new(),
                    to: trim(ov).to_owned(),
                    direction: ChangeDirection::ToCentral,
                    overwrites_outlook_edit: false,
                })
            } else {
                Company::Skip
            }
        }
        Some(_) => Company::Decide,
    }
}

/// The `displayName` change that makes it "given surname" of the names Outlook holds after
/// `changes` (those decided so far: the names come before it).
pub(crate) fn display_name_change(o: &OutlookContact<'_>, changes: &[Change]) -> Option<Change> {
    let after = |field: Field, now: &'_ str| -> String {
        changes
            .iter()
            .find(|ch| ch.field == field && ch.direction == ChangeDirection::ToOutlook)
            .map(|ch| ch.to.clone())
            .unwrap_or_else(|| trim(now).to_owned())
    };
    let given = after(Field::GivenName, o.given_name.as_str());
    let surname = after(Field::Surname, o.surname.as_str());
    let wanted = Parts::joined([&given, &surname, ""], " ")
        .value()
        .into_owned();
    let now = o.display_name.as_str();
    (!same_text(now, &wanted))
        .then(|| Change::to_outlook(Field::DisplayName, now.to_owned(), wanted))
}

/// The reasons Central's record would become non-actionable (DESIGN §3) once the toCentral
/// `changes` are written to it; `email_taken` says whether a normalised email is another
/// Central record's. Such changes are not written.
pub fn reasons_after(
    c: &CentralContact<'_>,
    changes: &[Change],
    email_taken: impl Fn(&str) -> bool,
) -> Vec<Reason> {
    let written = |field: Field| {
        changes
            .iter()
            .find(|ch| ch.field == field && ch.direction == ChangeDirection::ToCentral)
            .map(|ch| Cow::Borrowed(ch.to.as_str()))
    };
    let first = written(Field::GivenName);
    let last = written(Field::Surname);
    let email = written(Field::Email);
    let mut reasons = Vec::new();
    // An account's name is its company name; it may have no email.
    if c.is_account {
        if written(Field::CompanyName).is_some_and(|n| n.is_empty()) {
            reasons.push(Reason::MissingName);
        }
        match &email {
            Some(e) if !e.is_empty() && !is_plain_address(e) => {
                reasons.push(Reason::MalformedEmail)
            }
            Some(e)
                if !e.is_empty()
                    && !same_address(e, c.email.as_str())
                    && email_taken(&normalize(e)) =>
            {
                reasons.push(Reason::DuplicateEmail)
            }
            _ => {}
        }
        reasons.sort_unstable();
        return reasons;
    }
    if first.as_deref().is_some_and(contains_deceased)
        || last.as_deref().is_some_and(contains_deceased)
    {
        reasons.push(Reason::Deceased);
    }
    if let Some(email) = &email {
        if email.is_empty() {
            reasons.push(Reason::MissingEmail);
        } else if !is_plain_address(email) {
            reasons.push(Reason::MalformedEmail);
        } else if !same_address(email, c.email.as_str()) && email_taken(&normalize(email)) {
            reasons.push(Reason::DuplicateEmail);
        }
    }
    if first.is_some_and(|f| f.is_empty()) {
        reasons.push(Reason::MissingFirstName);
    }
    if last.is_some_and(|l| l.is_empty()) {
        reasons.push(Reason::MissingLastName);
    }
    reasons.sort_unstable();
    reasons
}
