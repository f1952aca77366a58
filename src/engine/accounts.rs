//! Central's accounts (organisations) as the planner uses them (DESIGN §4 "Company → account"):
//! the company name each contact shows in Outlook, and the account a company typed in Outlook
//! links to — an exact name (the earliest created of several), else a unique substring, else none.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use tsify::Tsify;
use unicode_normalization::UnicodeNormalization;

use super::input::{CentralContact, InputError};
use super::text::normalize_spaces;

/// One active account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    /// The name, trimmed.
    pub name: String,
    /// `createdAt` in seconds since 1970, `None` when missing or unreadable (such an account
    /// counts as created last).
    pub created_at: Option<i64>,
    /// The name as names are compared: trimmed, inner whitespace collapsed, NFC, lower case.
    key: String,
}

/// How a company typed in Outlook found its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum MatchedBy {
    /// An account's name is the company, once normalised.
    Exact,
    /// The only account whose name contains the company.
    Substring,
}

/// The account an item's company was linked to (the item's `account`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AccountLink {
    pub id: String,
    pub name: String,
    pub matched_by: MatchedBy,
}

/// The active accounts, by id and by compared name.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    list: Vec<Account>,
    by_id: HashMap<String, usize>,
}

/// A name as names are compared.
fn name_key(name: &str) -> String {
    normalize_spaces(name)
        .nfc()
        .collect::<String>()
        .to_lowercase()
}

impl Accounts {
    /// Reads `GET /accounts`' records (a JSON array). Records that are not active, or have no
    /// text `id`, are left out; a record without a text `name` has the empty name.
    pub fn parse(json: &[u8]) -> Result<Accounts, InputError> {
        let records: Vec<Value> = match serde_json::from_slice(json) {
            Ok(Value::Array(list)) => list,
            Ok(_) => {
                return Err(InputError {
                    message: "accounts must be a JSON array of records".into(),
                })
            }
            Err(e) => {
                return Err(InputError {
                    message: format!("accounts are not valid JSON: {e}"),
                })
            }
        };
        let mut accounts = Accounts::default();
        for r in &records {
            let text = |key: &str| r.get(key).and_then(Value::as_str).map(str::trim);
            let active = text("status").is_some_and(|s| s.eq_ignore_ascii_case("active"));
            let Some(id) = text("id").filter(|id| !id.is_empty() && active) else {
                continue;
            };
            let name = text("name").unwrap_or("").to_owned();
            accounts.push(Account {
                id: id.to_owned(),
                key: name_key(&name),
                name,
                created_at: text("createdAt").and_then(epoch_seconds),
            });
        }
        Ok(accounts)
    }

    fn push(&mut self, account: Account) {
        self.by_id.insert(account.id.clone(), self.list.len());
        self.list.push(account);
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The account with this id.
    pub fn get(&self, id: &str) -> Option<&Account> {
        self.by_id.get(id).map(|&i| &self.list[i])
    }

    /// Gives each contact its company: its account's name (`""` for none, or an account that
    /// is not active); an individual has none to sync (`None`).
    pub fn attach(&self, contacts: &mut [CentralContact<'_>]) {
        // (An account read as a record is its own company.)
        for c in contacts.iter_mut().filter(|c| !c.is_account) {
            c.company = (!c.is_individual()).then(|| {
                let name = self.get(c.account_id.as_str()).map(|a| a.name.as_str());
                Cow::Owned(name.unwrap_or("").to_owned())
            });
        }
    }

    /// The account a company typed in Outlook links to, by DESIGN §4's three steps; `None` for
    /// an empty company or none found.
    pub fn link(&self, company: &str) -> Option<AccountLink> {
        let key = name_key(company);
        if key.is_empty() {
            return None;
        }
        let found = |a: &Account, matched_by| AccountLink {
            id: a.id.clone(),
            name: a.name.clone(),
            matched_by,
        };
        // The earliest created, then the lowest id; an unknown creation counts as last.
        let exact = self.list.iter().filter(|a| a.key == key).min_by(|a, b| {
            let at = |x: &Account| x.created_at.unwrap_or(i64::MAX);
            at(a).cmp(&at(b)).then_with(|| a.id.cmp(&b.id))
        });
        if let Some(a) = exact {
            return Some(found(a, MatchedBy::Exact));
        }
        let mut containing = self.list.iter().filter(|a| a.key.contains(&key));
        match (containing.next(), containing.next()) {
            (Some(a), None) => Some(found(a, MatchedBy::Substring)),
            _ => None,
        }
    }
}

/// Seconds since 1970 of an RFC 3339 time (`2024-03-01T09:00:00Z`, `…T09:00:00.123+01:00`).
pub fn epoch_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut rest = 19;
    if b[rest] == b'.' {
        rest += 1;
        while b.get(rest).is_some_and(u8::is_ascii_digit) {
            rest += 1;
        }
    }
    let offset = match b.get(rest..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if b.len() == rest + 6 && b[rest + 3] == b':' => {
            let minutes = num(rest + 1..rest + 3)? * 60 + num(rest + 4..rest + 6)?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_seconds_since_1970() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2024-03-01T09:00:00Z"), Some(1_709_283_600));
        assert_eq!(
            epoch_seconds("2024-03-01T10:00:00.250+01:00"),
            Some(1_709_283_600)
        );
        assert_eq!(
            epoch_seconds("2024-03-01T08:30:00-00:30"),
            Some(1_709_283_600)
        );
        assert_eq!(epoch_seconds("2024-13-01T09:00:00Z"), None);
        assert_eq!(epoch_seconds("yesterday"), None);
        assert_eq!(epoch_seconds("2024-03-01T09:00:00"), None);
    }
}
