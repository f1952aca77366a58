//! What would change on an Outlook contact: the synced fields whose values differ after
//! normalising both sides (trim, collapse whitespace; addresses case-insensitively). Volatile
//! Graph fields are never read, so they can never cause a change.

use serde::{Deserialize, Serialize};
use tsify::Tsify;

use super::email::same_address;
use super::input::{AddressField, CentralContact, OutlookAddress, OutlookContact};
use super::mapping::{
    account_field, central_part, outlook_value, street_parts, synced, Field, Parts,
};
use super::text::{bytes_eq, same_text, trim, Text};

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

/// Which side a change writes (DESIGN §7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum ChangeDirection {
    /// Central's value is written to Outlook.
    #[default]
    ToOutlook,
    /// Outlook's value is written to Central.
    ToCentral,
    /// Both sides changed the field since they last agreed: nothing is written until the user
    /// picks a side (`from` is Central's value, `to` Outlook's).
    Conflict,
}

impl ChangeDirection {
    /// Every direction, in the order of the variants.
    pub const ALL: [ChangeDirection; 3] = [
        ChangeDirection::ToOutlook,
        ChangeDirection::ToCentral,
        ChangeDirection::Conflict,
    ];
}

/// One field change: the written side's value now and the value it would get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub field: Field,
    /// The written side's value now, `""` when empty (a conflict: Central's value).
    pub from: String,
    /// The value to write, `""` for a clear (a conflict: Outlook's value).
    pub to: String,
    pub direction: ChangeDirection,
    /// Central's value replaces an edit made in Outlook since both sides last agreed.
    #[serde(skip_serializing_if = "is_false")]
    #[tsify(optional)]
    pub overwrites_outlook_edit: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Change {
    /// A change of Outlook's `from` to Central's `to`.
    pub fn to_outlook(field: Field, from: String, to: String) -> Change {
        Change {
            field,
            from,
            to,
            direction: ChangeDirection::ToOutlook,
            overwrites_outlook_edit: false,
        }
    }
}

/// The changes that would make `outlook` match Central's contact `central`, in
/// [`Field::ALL`] order: the changes from Outlook's values to Central's mapped values (a test
/// holds it to that comparison written plainly). A contact whose every field is already
/// exactly Central's value (the usual case) is settled without building any value, and so is
/// every such field of the others.
pub fn diff_contact(
    central: &CentralContact<'_>,
    outlook: &OutlookContact<'_>,
    empty: EmptyValues,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if is_unchanged(central, outlook) {
        return changes;
    }
    for field in Field::ALL {
        if !synced(central, field) {
            continue;
        }
        let part = central_part(central, field);
        let from = outlook_value(outlook, field);
        // Exactly the value: no change, whatever the normalisation.
        if part.is(from) {
            continue;
        }
        let to = part.value();
        if field_differs(field, from, &to, empty) {
            changes.push(Change::to_outlook(field, from.to_owned(), to.into_owned()));
        }
    }
    changes
}

/// True when every synced field of `outlook` already has exactly Central's value; settles the
/// usual case without building any value. When false, [`diff_contact`] may still find no
/// change: it compares normalised values. Field by field in straight-line code, the mapping of
/// [`central_part`] and [`outlook_value`] spelt out (a test holds them together): looping over
/// the fields took three times as long. The fields go nearly in the order Central (DESIGN §2)
/// and Graph write them, so that the check walks each record's text forward, as memory is
/// read fastest: on the bench fixture written with its keys sorted instead, planning took 78
/// ms rather than 49 in Chromium.
pub fn is_unchanged(c: &CentralContact<'_>, o: &OutlookContact<'_>) -> bool {
    let same = |a: &Text<'_>, b: &Text<'_>| same_bytes(a.as_str(), b.as_str());
    if c.is_account {
        return Field::ALL
            .into_iter()
            .filter(|&f| account_field(f))
            .all(|f| central_part(c, f).is(outlook_value(o, f)));
    }
    same(&c.title, &o.title)
        && same(&c.first_name, &o.given_name)
        && same(&c.last_name, &o.surname)
        && Parts::joined([c.first_name.as_str(), c.last_name.as_str(), ""], " ")
            .is(o.display_name.as_str())
        && same(&c.mobile, &o.mobile_phone)
        && same_bytes(c.email.as_str(), o.primary_email())
        && same_bytes(c.telephone.as_str(), o.primary_business_phone())
        && same(&c.website, &o.business_home_page)
        && address_unchanged(&c.home_address, &o.home_address)
        && address_unchanged(&c.business_address, &o.business_address)
        // A company not synced (the accounts unknown, an individual) is never a change.
        && c.company
            .as_deref()
            .is_none_or(|name| same_bytes(name, o.company_name.as_str()))
}

fn address_unchanged(c: &AddressField<'_>, o: &OutlookAddress<'_>) -> bool {
    let same = |a: &Text<'_>, b: &Text<'_>| same_bytes(a.as_str(), b.as_str());
    match c {
        AddressField::Value(a) => {
            street_parts(a).is(o.street.as_str())
                && same(&a.town, &o.city)
                && same(&a.county, &o.state)
                && same(&a.country, &o.country_or_region)
                && same(&a.postcode, &o.postal_code)
        }
        _ => [
            &o.street,
            &o.city,
            &o.state,
            &o.country_or_region,
            &o.postal_code,
        ]
        .iter()
        .all(|t| t.as_str().is_empty()),
    }
}

fn same_bytes(a: &str, b: &str) -> bool {
    bytes_eq(a.as_bytes(), b.as_bytes())
}

/// True when `from` (Outlook) must be changed to `to` (Central).
pub fn field_differs(field: Field, from: &str, to: &str, empty: EmptyValues) -> bool {
    // `to` comes from Central, trimmed when read. A contact without an account never clears the
    // company typed in Outlook.
    if to.is_empty() && field == Field::CompanyName {
        return false;
    }
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

    use crate::engine::input::{CentralAddress, OutlookEmail};
    use crate::engine::mapping::{Mapped, FIELD_COUNT};

    /// The current value of every synced field on an Outlook contact, as stored (`""` if unset).
    fn outlook_values<'a>(o: &'a OutlookContact<'_>) -> [&'a str; FIELD_COUNT] {
        Field::ALL.map(|f| outlook_value(o, f))
    }

    /// The changes that would make `outlook` match `mapped`, in [`Field::ALL`] order.
    fn diff(mapped: &Mapped<'_>, outlook: &OutlookContact<'_>, empty: EmptyValues) -> Vec<Change> {
        let current = outlook_values(outlook);
        let mut changes = Vec::new();
        for field in Field::ALL {
            let from = current[field as usize];
            let to = mapped.get(field);
            if field_differs(field, from, to, empty) {
                changes.push(Change::to_outlook(field, from.to_owned(), to.to_owned()));
            }
        }
        changes
    }

    /// The field-by-field loop that [`is_unchanged`] spells out.
    fn unchanged_by_fields(c: &CentralContact<'_>, o: &OutlookContact<'_>) -> bool {
        Field::ALL
            .iter()
            .filter(|&&f| f != Field::CompanyName || c.company.is_some())
            .all(|&f| central_part(c, f).is(outlook_value(o, f)))
    }

    #[test]
    fn is_unchanged_is_the_loop_over_the_fields_and_diff_contact_the_diff_of_the_mapped_values() {
        // Values chosen so that many fields agree and exactly one or two differ.
        let pool = [
            "", "A", "B", "A B", "A, B", "A, B, C", " a ", "A  B", "a@x.com", "A@X.com",
        ];
        let t = |k: usize| -> Text<'static> {
            match k % 12 {
                10 => Text::Absent,
                11 => Text::Invalid,
                k => Text::Value(pool[k].into()),
            }
        };
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng as usize
        };
        let (mut agree, mut differ) = (0, 0);
        for _ in 0..100_000 {
            let base = next();
            // Mostly the same value on both sides; now and then a different one.
            let mut pick = |_: usize| -> usize {
                if next() % 12 == 0 {
                    next()
                } else {
                    base >> 3
                }
            };
            let central_address = |pick: &mut dyn FnMut(usize) -> usize| match pick(0) % 4 {
                0 => AddressField::Absent,
                1 => AddressField::Invalid,
                _ => AddressField::Value(CentralAddress {
                    line1: t(pick(0)),
                    line2: t(pick(0)),
                    line3: t(pick(0)),
                    town: t(pick(0)),
                    county: t(pick(0)),
                    country: t(pick(0)),
                    postcode: t(pick(0)),
                }),
            };
            let c = CentralContact {
                title: t(pick(0)),
                first_name: t(pick(0)),
                last_name: t(pick(0)),
                email: t(pick(0)),
                mobile: t(pick(0)),
                telephone: t(pick(0)),
                website: t(pick(0)),
                home_address: central_address(&mut pick),
                business_address: central_address(&mut pick),
                // Accounts unknown, or a company name (trimmed, as accounts are read).
                company: (pick(0) % 3 != 0).then(|| t(pick(0)).as_str().trim().to_owned().into()),
                ..Default::default()
            };
            let outlook_address = |pick: &mut dyn FnMut(usize) -> usize| OutlookAddress {
                street: t(pick(0)),
                city: t(pick(0)),
                state: t(pick(0)),
                country_or_region: t(pick(0)),
                postal_code: t(pick(0)),
            };
            let o = OutlookContact {
                title: t(pick(0)),
                given_name: t(pick(0)),
                surname: t(pick(0)),
                display_name: t(pick(0)),
                mobile_phone: t(pick(0)),
                business_home_page: t(pick(0)),
                company_name: t(pick(0)),
                email_addresses: (0..pick(0) % 3)
                    .map(|_| OutlookEmail {
                        name: t(pick(0)),
                        address: t(pick(0)),
                    })
                    .collect(),
                business_phones: (0..pick(0) % 3).map(|_| t(pick(0))).collect(),
                home_address: outlook_address(&mut pick),
                business_address: outlook_address(&mut pick),
                ..Default::default()
            };
            let expected = unchanged_by_fields(&c, &o);
            assert_eq!(is_unchanged(&c, &o), expected, "{c:?}\n{o:?}");
            for empty in [EmptyValues::Clear, EmptyValues::Keep] {
                assert_eq!(
                    diff_contact(&c, &o, empty),
                    diff(&Mapped::from_central(&c), &o, empty),
                    "{c:?}\n{o:?}"
                );
            }
            if expected {
                agree += 1
            } else {
                differ += 1
            }
        }
        // Both outcomes were exercised.
        assert!(
            agree > 1000 && differ > 1000,
            "agree {agree}, differ {differ}"
        );
    }

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
