//! The mapping back, Outlook → Central (DESIGN §5): the body of the `PATCH /contacts/{id}`
//! that writes a record's toCentral changes — changed fields only, an address whole (Central
//! replaces it whole) with its street split back into lines.

use serde_json::{Map, Value};

use super::accounts::AccountLink;
use super::diff::{Change, ChangeDirection};
use super::input::{AddressField, CentralAddress, CentralContact};
use super::kinds::Kind;
use super::mapping::Field;
use super::text::Text;

/// Central's name of a field that is not part of an address (`None` for `displayName`, which
/// never flows back).
fn central_key(field: Field) -> Option<&'static str> {
    Some(match field {
        Field::Title => "title",
        Field::GivenName => "firstName",
        Field::Surname => "lastName",
        Field::MobilePhone => "mobile",
        Field::Email => "email",
        Field::BusinessPhone => "telephone",
        Field::BusinessHomePage => "website",
        Field::Type => "type",
        _ => return None,
    })
}

/// Address lines from a Graph `street`: split on line breaks, else on `", "`; blank parts
/// dropped; parts beyond the third joined into line 3 with `", "`.
pub fn split_street(street: &str) -> [Option<String>; 3] {
    let parts: Vec<&str> = if street.contains(['\n', '\r']) {
        street.split(['\n', '\r']).collect()
    } else {
        street.split(", ").collect()
    };
    let parts: Vec<&str> = parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut lines: [Option<String>; 3] = Default::default();
    for (k, line) in lines.iter_mut().enumerate() {
        *line = match k {
            2 if parts.len() > 3 => Some(parts[2..].join(", ")),
            _ => parts.get(k).map(|p| (*p).to_owned()),
        };
    }
    lines
}

fn text_value(t: &Text<'_>) -> Value {
    match t.as_str() {
        "" => Value::Null,
        s => Value::from(s),
    }
}

fn value(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::from(s)
    }
}

/// Central's address as an object of its seven keys (`null` where empty).
fn address_object(a: &AddressField<'_>) -> Map<String, Value> {
    let empty = CentralAddress::default();
    let a = match a {
        AddressField::Value(a) => a,
        _ => &empty,
    };
    [
        ("line1", &a.line1),
        ("line2", &a.line2),
        ("line3", &a.line3),
        ("town", &a.town),
        ("county", &a.county),
        ("country", &a.country),
        ("postcode", &a.postcode),
    ]
    .into_iter()
    .map(|(k, t)| (k.to_owned(), text_value(t)))
    .collect()
}

/// The PATCH body writing `changes`' toCentral values to `c`; `None` when there are none. A
/// company is written as the `account` it was linked to (`accountId: null` for none).
pub fn central_patch(
    c: &CentralContact<'_>,
    changes: &[Change],
    account: Option<&AccountLink>,
) -> Option<Value> {
    let mut body = Map::new();
    let mut addresses: [Option<Map<String, Value>>; 2] = [None, None];
    for ch in changes
        .iter()
        .filter(|ch| ch.direction == ChangeDirection::ToCentral)
    {
        // An account's company is its name.
        if ch.field == Field::CompanyName && c.is_account {
            body.insert("name".into(), value(&ch.to));
            continue;
        }
        if ch.field == Field::CompanyName {
            let id = account.map(|a| Value::from(a.id.as_str()));
            body.insert("accountId".into(), id.unwrap_or(Value::Null));
            continue;
        }
        if let Some(key) = central_key(ch.field) {
            body.insert(key.into(), value(&ch.to));
            continue;
        }
        let Some((home, part)) = ch.field.address_part() else {
            continue;
        };
        let address = addresses[usize::from(!home)].get_or_insert_with(|| {
            address_object(if home {
                &c.home_address
            } else {
                &c.business_address
            })
        });
        match part {
            0 => {
                let lines = split_street(&ch.to);
                for (key, line) in ["line1", "line2", "line3"].into_iter().zip(lines) {
                    address.insert(key.into(), line.map(Value::from).unwrap_or(Value::Null));
                }
            }
            _ => {
                let key = ["town", "county", "country", "postcode"][part - 1];
                address.insert(key.into(), value(&ch.to));
            }
        }
    }
    for (home, address) in [true, false].into_iter().zip(addresses) {
        if let Some(address) = address {
            let name = if home {
                "homeAddress"
            } else {
                "businessAddress"
            };
            body.insert(name.into(), Value::Object(address));
        }
    }
    (!body.is_empty()).then_some(Value::Object(body))
}

/// The `POST /contacts` body of a record made from an Outlook contact: every toCentral value
/// of `changes` (as [`central_patch`] writes them; the company as the `account` it was linked
/// to), active, of the type its `type` change names (its folder's), else `contact`. An
/// account's (`POST /accounts`): its name, email, telephone, website and business address.
pub fn central_create(kind: Kind, changes: &[Change], account: Option<&AccountLink>) -> Value {
    let record = CentralContact {
        is_account: kind == Kind::Account,
        ..CentralContact::default()
    };
    let mut body = match central_patch(&record, changes, account) {
        Some(Value::Object(body)) => body,
        _ => Map::new(),
    };
    body.insert("status".into(), Value::from("active"));
    if kind.is_person() {
        body.entry("type").or_insert_with(|| Value::from("contact"));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_street_is_split_on_line_breaks_else_on_comma_space() {
        let s = |v: &str| split_street(v).map(|l| l.unwrap_or_default());
        assert_eq!(
            s("Flat 1\nKing's Court\r\n10 Long Street"),
            ["Flat 1", "King's Court", "10 Long Street"]
        );
        // A line break wins: the commas inside a line stay.
        assert_eq!(
            s("Flat 1, King's Court\n10 Long Street"),
            ["Flat 1, King's Court", "10 Long Street", ""]
        );
        assert_eq!(
            s("Flat 1, King's Court, 10 Long Street"),
            ["Flat 1", "King's Court", "10 Long Street"]
        );
        assert_eq!(s("A, B, C, D, E"), ["A", "B", "C, D, E"]);
        assert_eq!(s("A\nB\nC\nD"), ["A", "B", "C, D"]);
        assert_eq!(s("One Street"), ["One Street", "", ""]);
        assert_eq!(s("A, , B"), ["A", "B", ""]);
        assert_eq!(split_street(""), [None, None, None]);
    }
}
