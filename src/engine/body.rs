//! The Graph request bodies a create or an update sends, so the executor only transports them.
//! A create carries every non-empty mapped field; an update carries only the changed Graph
//! properties (PATCH keeps absent properties and replaces collections whole, so collections
//! are sent merged). Both carry Central's id in our extended property.

use serde_json::{json, Map, Value};

use super::diff::{Change, EmptyValues};
use super::email::same_address;
use super::input::{OutlookContact, CENTRAL_ID_PROPERTY};
use super::mapping::{outlook_address_values, Field, Mapped, ADDRESS_KEYS};
use super::text::same_text;

/// Graph's cap on `emailAddresses`.
pub const MAX_EMAILS: usize = 3;
/// Graph's cap on `businessPhones`.
pub const MAX_BUSINESS_PHONES: usize = 2;

/// The body of `POST …/contactFolders/{id}/contacts` for a new contact.
pub fn create_body(central_id: &str, m: &Mapped<'_>) -> Value {
    let mut body = Map::new();
    for field in [
        Field::Title,
        Field::GivenName,
        Field::Surname,
        Field::DisplayName,
        Field::MobilePhone,
        Field::BusinessHomePage,
        Field::CompanyName,
    ] {
        let v = m.get(field);
        if !v.is_empty() {
            body.insert(field.graph_property().into(), Value::from(v));
        }
    }
    // (An account may have no email; a person always has one.)
    if !m.get(Field::Email).is_empty() {
        body.insert(
            "emailAddresses".into(),
            json!([{ "address": m.get(Field::Email), "name": m.get(Field::DisplayName) }]),
        );
    }
    let phone = m.get(Field::BusinessPhone);
    if !phone.is_empty() {
        body.insert("businessPhones".into(), json!([phone]));
    }
    for home in [true, false] {
        let values = address_values(m, home);
        if values.iter().any(|v| !v.is_empty()) {
            let mut addr = Map::new();
            for (key, v) in ADDRESS_KEYS.iter().zip(values) {
                if !v.is_empty() {
                    addr.insert((*key).into(), Value::from(v));
                }
            }
            body.insert(address_property(home).into(), Value::Object(addr));
        }
    }
    body.insert(
        "singleValueExtendedProperties".into(),
        central_id_property(central_id),
    );
    Value::Object(body)
}

/// The body of `PATCH /me/contacts/{id}` that applies `changes` to `outlook`.
pub fn update_body(
    central_id: &str,
    m: &Mapped<'_>,
    outlook: &OutlookContact<'_>,
    changes: &[Change],
    empty: EmptyValues,
) -> Value {
    let mut body = Map::new();
    let mut addresses_changed = [false, false];
    for change in changes {
        match change.field {
            Field::Email => {
                body.insert("emailAddresses".into(), merged_emails(m, outlook));
            }
            Field::BusinessPhone => {
                body.insert("businessPhones".into(), merged_phones(m, outlook));
            }
            f => match f.address_part() {
                Some((home, _)) => addresses_changed[usize::from(!home)] = true,
                None => {
                    let v = m.get(f);
                    let v = if v.is_empty() {
                        Value::Null
                    } else {
                        Value::from(v)
                    };
                    body.insert(f.graph_property().into(), v);
                }
            },
        }
    }
    for home in [true, false] {
        if addresses_changed[usize::from(!home)] {
            body.insert(
                address_property(home).into(),
                merged_address(m, outlook, home, empty),
            );
        }
    }
    body.insert(
        "singleValueExtendedProperties".into(),
        central_id_property(central_id),
    );
    Value::Object(body)
}

/// `singleValueExtendedProperties` holding Central's id.
pub fn central_id_property(central_id: &str) -> Value {
    json!([{ "id": CENTRAL_ID_PROPERTY, "value": central_id }])
}

fn address_property(home: bool) -> &'static str {
    if home {
        "homeAddress"
    } else {
        "businessAddress"
    }
}

fn address_values<'m>(m: &'m Mapped<'_>, home: bool) -> [&'m str; 5] {
    let first = if home {
        Field::HomeStreet
    } else {
        Field::BusinessStreet
    } as usize;
    std::array::from_fn(|i| m.values[first + i].as_ref())
}

/// The whole address object (Graph replaces it whole): Central's values, and where Central has
/// none, Outlook's (`keep`) or null (`clear`).
fn merged_address(
    m: &Mapped<'_>,
    outlook: &OutlookContact<'_>,
    home: bool,
    empty: EmptyValues,
) -> Value {
    let current = outlook_address_values(if home {
        &outlook.home_address
    } else {
        &outlook.business_address
    });
    let mut addr = Map::new();
    for ((key, to), from) in ADDRESS_KEYS
        .iter()
        .zip(address_values(m, home))
        .zip(current)
    {
        let v = if !to.is_empty() {
            Value::from(to)
        } else if empty == EmptyValues::Keep && !from.trim().is_empty() {
            Value::from(from)
        } else {
            Value::Null
        };
        addr.insert((*key).into(), v);
    }
    Value::Object(addr)
}

/// Central's email first (named with the display name), then Outlook's other addresses, without
/// repeats, at most [`MAX_EMAILS`].
fn merged_emails(m: &Mapped<'_>, outlook: &OutlookContact<'_>) -> Value {
    let primary = m.get(Field::Email);
    let mut list = vec![json!({ "address": primary, "name": m.get(Field::DisplayName) })];
    let mut kept: Vec<&str> = vec![primary];
    for e in outlook.email_addresses.iter().skip(1) {
        let addr = e.address.as_str();
        if list.len() == MAX_EMAILS {
            break;
        }
        if addr.trim().is_empty() || kept.iter().any(|k| same_address(k, addr)) {
            continue;
        }
        kept.push(addr);
        let mut entry = Map::new();
        entry.insert("address".into(), Value::from(addr));
        if !e.name.as_str().is_empty() {
            entry.insert("name".into(), Value::from(e.name.as_str()));
        }
        list.push(Value::Object(entry));
    }
    Value::Array(list)
}

/// Central's telephone first, then Outlook's other business numbers, without repeats, at most
/// [`MAX_BUSINESS_PHONES`]. A cleared telephone clears the list: any number left behind would
/// become the primary one.
fn merged_phones(m: &Mapped<'_>, outlook: &OutlookContact<'_>) -> Value {
    let primary = m.get(Field::BusinessPhone);
    if primary.is_empty() {
        return json!([]);
    }
    let mut list = vec![primary];
    for p in outlook.business_phones.iter().skip(1) {
        let p = p.as_str();
        if list.len() == MAX_BUSINESS_PHONES {
            break;
        }
        if !p.trim().is_empty() && !list.iter().any(|k| same_text(k, p)) {
            list.push(p);
        }
    }
    json!(list)
}
