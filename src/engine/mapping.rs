//! Field mapping, Central → Graph contact (DESIGN §5): the synced fields, the value each takes
//! from a Central contact, and the value it currently has on an Outlook contact.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use tsify::Tsify;

use super::input::{AddressField, CentralAddress, CentralContact, OutlookAddress, OutlookContact};
use super::text::bytes_eq;

/// A synced field, named as in the plan's `changes[].field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Tsify)]
pub enum Field {
    #[serde(rename = "title")]
    Title,
    #[serde(rename = "givenName")]
    GivenName,
    #[serde(rename = "surname")]
    Surname,
    #[serde(rename = "displayName")]
    DisplayName,
    #[serde(rename = "mobilePhone")]
    MobilePhone,
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "businessPhone")]
    BusinessPhone,
    #[serde(rename = "businessHomePage")]
    BusinessHomePage,
    #[serde(rename = "homeAddress.street")]
    HomeStreet,
    #[serde(rename = "homeAddress.city")]
    HomeCity,
    #[serde(rename = "homeAddress.state")]
    HomeState,
    #[serde(rename = "homeAddress.countryOrRegion")]
    HomeCountryOrRegion,
    #[serde(rename = "homeAddress.postalCode")]
    HomePostalCode,
    #[serde(rename = "businessAddress.street")]
    BusinessStreet,
    #[serde(rename = "businessAddress.city")]
    BusinessCity,
    #[serde(rename = "businessAddress.state")]
    BusinessState,
    #[serde(rename = "businessAddress.countryOrRegion")]
    BusinessCountryOrRegion,
    #[serde(rename = "businessAddress.postalCode")]
    BusinessPostalCode,
    /// The name of the contact's account; synced only once the accounts are known.
    #[serde(rename = "companyName")]
    CompanyName,
    /// The record's type, which an Outlook contact takes from its folder: compared only when
    /// individuals have a folder of their own. Not one of [`Field::ALL`]: it is never a
    /// property of a contact, and written to Outlook by moving the contact.
    #[serde(rename = "type")]
    Type,
}

/// Number of synced fields.
pub const FIELD_COUNT: usize = 19;

impl Field {
    /// Every field, in the order changes are listed.
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::Title,
        Field::GivenName,
        Field::Surname,
        Field::DisplayName,
        Field::MobilePhone,
        Field::Email,
        Field::BusinessPhone,
        Field::BusinessHomePage,
        Field::HomeStreet,
        Field::HomeCity,
        Field::HomeState,
        Field::HomeCountryOrRegion,
        Field::HomePostalCode,
        Field::BusinessStreet,
        Field::BusinessCity,
        Field::BusinessState,
        Field::BusinessCountryOrRegion,
        Field::BusinessPostalCode,
        Field::CompanyName,
    ];

    /// The field's public name (`changes[].field`, the ledger's `base` keys).
    pub fn name(self) -> &'static str {
        match self {
            Field::Type => "type",
            f => FIELD_NAMES[f as usize],
        }
    }

    /// The field of a public name.
    pub fn from_name(name: &str) -> Option<Field> {
        FIELD_NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Field::ALL[i])
    }

    /// The Graph property a field is written to (the address sub-fields share one object).
    pub fn graph_property(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::GivenName => "givenName",
            Field::Surname => "surname",
            Field::DisplayName => "displayName",
            Field::MobilePhone => "mobilePhone",
            Field::Email => "emailAddresses",
            Field::BusinessPhone => "businessPhones",
            Field::BusinessHomePage => "businessHomePage",
            Field::CompanyName => "companyName",
            Field::Type => "type",
            f if f.address_part().map(|(home, _)| home) == Some(true) => "homeAddress",
            _ => "businessAddress",
        }
    }

    /// For an address sub-field: (is it the home address, sub-field index 0..5).
    pub fn address_part(self) -> Option<(bool, usize)> {
        let i = self as usize;
        match i {
            8..=12 => Some((true, i - 8)),
            13..=17 => Some((false, i - 13)),
            _ => None,
        }
    }
}

/// The public names of the fields, in [`Field::ALL`] order (a test holds them to the serde names).
const FIELD_NAMES: [&str; FIELD_COUNT] = [
    "title",
    "givenName",
    "surname",
    "displayName",
    "mobilePhone",
    "email",
    "businessPhone",
    "businessHomePage",
    "homeAddress.street",
    "homeAddress.city",
    "homeAddress.state",
    "homeAddress.countryOrRegion",
    "homeAddress.postalCode",
    "businessAddress.street",
    "businessAddress.city",
    "businessAddress.state",
    "businessAddress.countryOrRegion",
    "businessAddress.postalCode",
    "companyName",
];

/// Names of a Graph address's sub-fields, in [`Field`] order.
pub const ADDRESS_KEYS: [&str; 5] = ["street", "city", "state", "countryOrRegion", "postalCode"];

/// The value of one synced field from a Central contact, as up to three non-empty parts
/// joined by a separator (the display name and streets are joined; other fields have one
/// part). Comparing the parts with a value needs no allocation, which keeps planning an
/// unchanged contact allocation-free.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    parts: [&'a str; 3],
    len: usize,
    sep: &'static str,
}

impl<'a> Parts<'a> {
    fn one(s: &'a str) -> Self {
        Parts {
            parts: [s, "", ""],
            len: usize::from(!s.is_empty()),
            sep: "",
        }
    }

    /// The non-empty values of `parts`, joined by `sep`.
    pub(crate) fn joined(parts: [&'a str; 3], sep: &'static str) -> Self {
        let mut out = Parts {
            parts: [""; 3],
            len: 0,
            sep,
        };
        for p in parts.into_iter().filter(|p| !p.is_empty()) {
            out.parts[out.len] = p;
            out.len += 1;
        }
        out
    }

    /// True when the joined value is exactly `value`.
    pub fn is(&self, value: &str) -> bool {
        let parts = &self.parts[..self.len];
        let joined_len = parts.iter().map(|p| p.len()).sum::<usize>()
            + self.sep.len() * self.len.saturating_sub(1);
        if joined_len != value.len() {
            return false;
        }
        let mut rest = value.as_bytes();
        for (k, p) in parts.iter().enumerate() {
            if k > 0 {
                let (sep, r) = rest.split_at(self.sep.len());
                if !bytes_eq(sep, self.sep.as_bytes()) {
                    return false;
                }
                rest = r;
            }
            let (head, r) = rest.split_at(p.len());
            if !bytes_eq(head, p.as_bytes()) {
                return false;
            }
            rest = r;
        }
        true
    }

    /// The joined value (borrowed unless there are several parts).
    pub fn value(&self) -> Cow<'a, str> {
        match &self.parts[..self.len] {
            [] => Cow::Borrowed(""),
            [one] => Cow::Borrowed(one),
            many => Cow::Owned(many.join(self.sep)),
        }
    }
}

/// The value of every synced field from a Central contact (already trimmed when read), `""`
/// where Central has nothing, in [`Field::ALL`] order.
pub fn central_parts<'a>(c: &'a CentralContact<'a>) -> [Parts<'a>; FIELD_COUNT] {
    Field::ALL.map(|f| central_part(c, f))
}

/// The value of one synced field from a Central contact.
#[inline]
pub fn central_part<'a>(c: &'a CentralContact<'a>, field: Field) -> Parts<'a> {
    if let Some((home, part)) = field.address_part() {
        let address = if home {
            &c.home_address
        } else {
            &c.business_address
        };
        let AddressField::Value(a) = address else {
            return Parts::one("");
        };
        return match part {
            0 => street_parts(a),
            1 => Parts::one(a.town.as_str()),
            2 => Parts::one(a.county.as_str()),
            3 => Parts::one(a.country.as_str()),
            _ => Parts::one(a.postcode.as_str()),
        };
    }
    if c.is_account && matches!(field, Field::DisplayName | Field::CompanyName) {
        return Parts::one(c.name.as_str());
    }
    match field {
        Field::Title => Parts::one(c.title.as_str()),
        Field::GivenName => Parts::one(c.first_name.as_str()),
        Field::Surname => Parts::one(c.last_name.as_str()),
        Field::DisplayName => Parts::joined([c.first_name.as_str(), c.last_name.as_str(), ""], " "),
        Field::MobilePhone => Parts::one(c.mobile.as_str()),
        Field::Email => Parts::one(c.email.as_str()),
        Field::BusinessPhone => Parts::one(c.telephone.as_str()),
        Field::CompanyName => Parts::one(c.company.as_deref().unwrap_or("")),
        Field::Type => Parts::one(c.kind().name()),
        _ => Parts::one(c.website.as_str()),
    }
}

pub(crate) fn street_parts<'a>(a: &'a CentralAddress<'a>) -> Parts<'a> {
    Parts::joined([a.line1.as_str(), a.line2.as_str(), a.line3.as_str()], ", ")
}

/// The value every synced field should have, taken from a Central contact: trimmed, and
/// `""` where Central has nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped<'a> {
    pub values: [Cow<'a, str>; FIELD_COUNT],
}

impl<'a> Mapped<'a> {
    /// Central's values (already trimmed when read).
    pub fn from_central(c: &'a CentralContact<'a>) -> Self {
        Mapped {
            values: central_parts(c).map(|p| p.value()),
        }
    }

    pub fn get(&self, f: Field) -> &str {
        &self.values[f as usize]
    }
}

/// Address lines one to three, blank ones left out, joined by ", ".
///
/// ```
/// # use central_o365_sync::engine::input::CentralAddress;
/// # use central_o365_sync::engine::mapping::street;
/// let a = CentralAddress { line1: "Flat 1".into(), line2: "King's Court".into(),
///                          line3: "10 Long Street".into(), ..Default::default() };
/// assert_eq!(street(&a), "Flat 1, King's Court, 10 Long Street");
/// ```
pub fn street<'a>(a: &'a CentralAddress<'a>) -> Cow<'a, str> {
    street_parts(a).value()
}

/// Whether `field` is synced for `c`: every field for a person; for an account (written as a
/// contact of its name) its name, email, telephone, website and business address.
#[inline]
pub fn synced(c: &CentralContact<'_>, field: Field) -> bool {
    !c.is_account || account_field(field)
}

/// The fields an account has (DESIGN §2 accounts, §5).
pub fn account_field(field: Field) -> bool {
    matches!(
        field,
        Field::DisplayName
            | Field::Email
            | Field::BusinessPhone
            | Field::BusinessHomePage
            | Field::BusinessStreet
            | Field::BusinessCity
            | Field::BusinessState
            | Field::BusinessCountryOrRegion
            | Field::BusinessPostalCode
            | Field::CompanyName
    )
}

/// The current value of one synced field on an Outlook contact.
#[inline]
pub fn outlook_value<'a>(o: &'a OutlookContact<'_>, field: Field) -> &'a str {
    if let Some((home, part)) = field.address_part() {
        let a = if home {
            &o.home_address
        } else {
            &o.business_address
        };
        return outlook_address_values(a)[part];
    }
    match field {
        Field::Title => o.title.as_str(),
        Field::GivenName => o.given_name.as_str(),
        Field::Surname => o.surname.as_str(),
        Field::DisplayName => o.display_name.as_str(),
        Field::MobilePhone => o.mobile_phone.as_str(),
        Field::Email => o.primary_email(),
        Field::BusinessPhone => o.primary_business_phone(),
        Field::CompanyName => o.company_name.as_str(),
        Field::Type => o.kind.name(),
        _ => o.business_home_page.as_str(),
    }
}

/// An Outlook address's sub-fields in [`ADDRESS_KEYS`] order.
pub fn outlook_address_values<'a>(a: &'a OutlookAddress<'_>) -> [&'a str; 5] {
    [
        a.street.as_str(),
        a.city.as_str(),
        a.state.as_str(),
        a.country_or_region.as_str(),
        a.postal_code.as_str(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_the_public_ones() {
        let names: Vec<String> = Field::ALL
            .iter()
            .map(|f| {
                serde_json::to_value(f)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(names[0], "title");
        assert_eq!(names[5], "email");
        assert_eq!(names[8], "homeAddress.street");
        assert_eq!(names[17], "businessAddress.postalCode");
        assert_eq!(names[18], "companyName");
        assert_eq!(Field::CompanyName.address_part(), None);
        assert_eq!(Field::HomeCity.graph_property(), "homeAddress");
        assert_eq!(
            Field::BusinessPostalCode.graph_property(),
            "businessAddress"
        );
        assert_eq!(Field::BusinessPostalCode.address_part(), Some((false, 4)));
        assert!(Field::ALL.iter().enumerate().all(|(i, f)| *f as usize == i));
        for (f, serde_name) in Field::ALL.iter().zip(&names) {
            assert_eq!(f.name(), serde_name);
            assert_eq!(Field::from_name(serde_name), Some(*f));
        }
        assert_eq!(Field::from_name("Title"), None);
    }
}
