//! The rules that make a Central contact non-actionable (DESIGN §3), each with a stable reason
//! code. A record gets every reason that applies, in the order of [`Reason`].

use serde::Serialize;
use tsify::Tsify;

use super::email::is_plain_address;
use super::input::{CentralContact, OutlookContact};
use super::kinds::Kind;

/// Why a record is not synced. The serialized names are part of the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Reason {
    /// "deceased" appears in the first or last name (any case).
    Deceased,
    /// No email, or only whitespace.
    MissingEmail,
    /// The email is not a single plain address.
    MalformedEmail,
    /// The first name is blank.
    MissingFirstName,
    /// The last name is blank.
    MissingLastName,
    /// Another otherwise actionable Central contact has the same email.
    DuplicateEmail,
    /// A field holds an object or array where text is expected, or the id is missing or shared
    /// with another Central contact.
    InvalidRecord,
    /// Two Outlook contacts not linked by id share this record's email (a conflict).
    DuplicateOutlookEmail,
    /// Two Outlook contacts carry this record's Central id (a conflict).
    DuplicateOutlookId,
    /// Both sides changed a field since they last agreed (a conflict the user resolves).
    EditedOnBothSides,
    /// The company typed in Outlook names no account (or several): the record is written to
    /// Central without one, and Outlook keeps the company as typed.
    UnresolvedCompany,
    /// One side deleted the record and the other edited it since they last agreed (a
    /// conflict: nothing is deleted until the user decides).
    DeletedButEdited,
    /// An extra Outlook contact carrying a record's Central id, whose mapped values equal the
    /// one kept (a create that landed twice, an untouched copy-paste): offered for deletion.
    DuplicateCopy,
    /// An account without a name.
    MissingName,
    /// The contact was moved between a person's folder and the accounts' (a conflict: a person
    /// cannot become an account, nor an account a person).
    TypeChangeNotSupported,
}

impl Reason {
    /// Every reason, in the order of the variants.
    pub const ALL: [Reason; 15] = [
        Reason::Deceased,
        Reason::MissingEmail,
        Reason::MalformedEmail,
        Reason::MissingFirstName,
        Reason::MissingLastName,
        Reason::DuplicateEmail,
        Reason::InvalidRecord,
        Reason::DuplicateOutlookEmail,
        Reason::DuplicateOutlookId,
        Reason::EditedOnBothSides,
        Reason::UnresolvedCompany,
        Reason::DeletedButEdited,
        Reason::DuplicateCopy,
        Reason::MissingName,
        Reason::TypeChangeNotSupported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Deceased => "deceased",
            Reason::MissingEmail => "missingEmail",
            Reason::MalformedEmail => "malformedEmail",
            Reason::MissingFirstName => "missingFirstName",
            Reason::MissingLastName => "missingLastName",
            Reason::DuplicateEmail => "duplicateEmail",
            Reason::InvalidRecord => "invalidRecord",
            Reason::DuplicateOutlookEmail => "duplicateOutlookEmail",
            Reason::DuplicateOutlookId => "duplicateOutlookId",
            Reason::EditedOnBothSides => "editedOnBothSides",
            Reason::UnresolvedCompany => "unresolvedCompany",
            Reason::DeletedButEdited => "deletedButEdited",
            Reason::DuplicateCopy => "duplicateCopy",
            Reason::MissingName => "missingName",
            Reason::TypeChangeNotSupported => "typeChangeNotSupported",
        }
    }
}

/// The reasons that one record, on its own, cannot be synced (everything but the cross-record
/// rules, which the planner adds). A field of the wrong type counts once, as `invalidRecord`,
/// and is not also reported as missing.
pub fn record_reasons(c: &CentralContact<'_>) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if c.is_account {
        return account_reasons(c);
    }
    if contains_deceased(c.first_name.as_str()) || contains_deceased(c.last_name.as_str()) {
        reasons.push(Reason::Deceased);
    }
    if !c.email.is_invalid() {
        if c.email.as_str().is_empty() {
            reasons.push(Reason::MissingEmail);
        } else if !is_plain_address(c.email.as_str()) {
            reasons.push(Reason::MalformedEmail);
        }
    }
    if !c.first_name.is_invalid() && c.first_name.as_str().is_empty() {
        reasons.push(Reason::MissingFirstName);
    }
    if !c.last_name.is_invalid() && c.last_name.as_str().is_empty() {
        reasons.push(Reason::MissingLastName);
    }
    if c.has_invalid_field() || c.id.as_str().is_empty() {
        reasons.push(Reason::InvalidRecord);
    }
    reasons
}

/// An account's rules: a name; an email, if it has one, plain.
fn account_reasons(c: &CentralContact<'_>) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if !c.email.is_invalid() && !c.email.as_str().is_empty() && !is_plain_address(c.email.as_str())
    {
        reasons.push(Reason::MalformedEmail);
    }
    if c.has_invalid_field() || c.id.as_str().is_empty() {
        reasons.push(Reason::InvalidRecord);
    }
    if !c.name.is_invalid() && c.name.as_str().is_empty() {
        reasons.push(Reason::MissingName);
    }
    reasons
}

/// The name an account made from Outlook contact `o` takes: its company, else its display name.
pub fn account_name<'a>(o: &'a OutlookContact<'_>) -> &'a str {
    let company = o.company_name.as_str().trim();
    if company.is_empty() {
        o.display_name.as_str().trim()
    } else {
        company
    }
}

/// The same rules on an Outlook contact's values, for a record to be created in Central from
/// it (DESIGN §3: it passes the rules a Central record does) — an account's in the accounts'
/// folder.
pub fn outlook_reasons(o: &OutlookContact<'_>) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if o.kind == Kind::Account {
        let email = o.primary_email().trim();
        if !email.is_empty() && !is_plain_address(email) {
            reasons.push(Reason::MalformedEmail);
        }
        if account_name(o).is_empty() {
            reasons.push(Reason::MissingName);
        }
        return reasons;
    }
    let (first, last) = (o.given_name.as_str().trim(), o.surname.as_str().trim());
    if contains_deceased(first) || contains_deceased(last) {
        reasons.push(Reason::Deceased);
    }
    let email = o.primary_email().trim();
    if email.is_empty() {
        reasons.push(Reason::MissingEmail);
    } else if !is_plain_address(email) {
        reasons.push(Reason::MalformedEmail);
    }
    if first.is_empty() {
        reasons.push(Reason::MissingFirstName);
    }
    if last.is_empty() {
        reasons.push(Reason::MissingLastName);
    }
    reasons
}

pub(crate) fn contains_deceased(name: &str) -> bool {
    const WORD: &str = "deceased";
    if name.is_ascii() {
        name.as_bytes()
            .windows(WORD.len())
            .any(|w| w.eq_ignore_ascii_case(WORD.as_bytes()))
    } else {
        name.to_lowercase().contains(WORD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deceased_is_found_in_any_case_inside_a_name() {
        assert!(contains_deceased("Smith (DECEASED)"));
        assert!(contains_deceased("deceasedSmith"));
        assert!(contains_deceased("Zoë Deceased"));
        assert!(!contains_deceased("Decease"));
    }
}
