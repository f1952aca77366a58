//! What would change on an Outlook contact: the synced fields whose values differ after
//! normalising both sides (trim, collapse whitespace; addresses case-insensitively). Volatile
//! Graph fields are never read, so they can never cause a change.

use serde::{Deserialize, Serialize};
use tsify::Tsify;

use super::email::same_address;
use super::input::{CentralContact, OutlookContact};
use super::mapping::{central_part, outlook_value, outlook_values, Field, Mapped};
use super::text::{same_text, trim};

/// What to do when Central has no value where Outlook has one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum EmptyValues {
    /// Clear the Outlook value (Central is the system of record). The default.
    #[default]
    Clear,
    /// Leave the Outlook value as it is.
    Keep,
}

/// One field change of an update: the Outlook value now and the value it would get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Tsify)]
pub struct Change {
    pub field: Field,
    /// The current Outlook value, `""` when empty.
    pub from: String,
    /// The value to write, `""` for a clear.
    pub to: String,
}

/// The changes that would make `outlook` match Central's contact `central`, in
/// [`Field::ALL`] order. A contact whose every field is already exactly Central's value (the
/// usual case) is settled without building any value.
pub fn diff_contact(
    central: &CentralContact<'_>,
    outlook: &OutlookContact<'_>,
    empty: EmptyValues,
) -> Vec<Change> {
    let unchanged = Field::ALL
        .iter()
        .all(|&f| central_part(central, f).is(outlook_value(outlook, f)));
    if unchanged {
        return Vec::new();
    }
    diff(&Mapped::from_central(central), outlook, empty)
}

/// The changes that would make `outlook` match `mapped`, in [`Field::ALL`] order.
pub fn diff(mapped: &Mapped<'_>, outlook: &OutlookContact<'_>, empty: EmptyValues) -> Vec<Change> {
    let current = outlook_values(outlook);
    let mut changes = Vec::new();
    for field in Field::ALL {
        let from = current[field as usize];
        let to = mapped.get(field);
        if field_differs(field, from, to, empty) {
            changes.push(Change {
                field,
                from: from.to_owned(),
                to: to.to_owned(),
            });
        }
    }
    changes
}

/// True when `from` (Outlook) must be changed to `to` (Central).
pub fn field_differs(field: Field, from: &str, to: &str, empty: EmptyValues) -> bool {
    // `to` comes from Central, trimmed when read.
    if to.is_empty() {
        return empty == EmptyValues::Clear && !trim(from).is_empty();
    }
    if field == Field::Email {
        !same_address(from, to)
    } else {
        !same_text(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_central_value_clears_or_keeps() {
        assert!(field_differs(Field::Title, "Dr", "", EmptyValues::Clear));
        assert!(!field_differs(Field::Title, "Dr", "", EmptyValues::Keep));
        assert!(!field_differs(Field::Title, " ", "", EmptyValues::Clear));
    }

    #[test]
    fn email_compares_case_insensitively_other_fields_do_not() {
        assert!(!field_differs(
            Field::Email,
            "John@Outlook.com",
            "john@outlook.com",
            EmptyValues::Clear
        ));
        assert!(field_differs(
            Field::Surname,
            "smith",
            "Smith",
            EmptyValues::Clear
        ));
        assert!(!field_differs(
            Field::Surname,
            " Smith ",
            "Smith",
            EmptyValues::Clear
        ));
    }
}
