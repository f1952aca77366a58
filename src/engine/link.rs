//! Linking Central contacts to Outlook contacts (DESIGN §4): first by the Central id stored on
//! the Outlook contact, then — for Outlook contacts step one left unlinked — by normalised
//! primary email. An Outlook contact is linked to at most one Central contact; an ambiguous
//! match is a conflict and links nothing.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt};

use super::email::normalize;
use super::input::OutlookContact;
use super::validate::Reason;

/// What a Central contact needs for linking.
pub struct LinkKey<'a> {
    /// Its id, or `None` when it has no usable id (blank, invalid, or shared).
    pub id: Option<&'a str>,
    /// Its normalised email when it is actionable (only those link by email).
    pub email: Option<Cow<'a, str>>,
}

/// How one Central contact was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Unlinked,
    ById(usize),
    ByEmail(usize),
    /// Ambiguous: the Outlook contacts that matched are left alone.
    Conflict(Reason),
}

/// The links of every Central contact, and which Outlook contacts took part in any link or
/// conflict (the rest are orphans).
pub struct Links {
    pub links: Vec<Link>,
    pub claimed: Vec<bool>,
}

/// The Outlook contacts under one key: the first, and whether there are more.
#[derive(Clone, Copy)]
struct Slot {
    first: usize,
    shared: bool,
}

fn index<'k>(
    keys: impl Iterator<Item = (usize, Cow<'k, str>)>,
    capacity: usize,
) -> HashMap<Cow<'k, str>, Slot> {
    let mut map: HashMap<Cow<'k, str>, Slot> = HashMap::with_capacity(capacity);
    for (j, key) in keys {
        map.entry(key)
            .and_modify(|s| s.shared = true)
            .or_insert(Slot {
                first: j,
                shared: false,
            });
    }
    map
}

/// Links `keys` (Central side) to `outlook`. Outlook contacts whose `usable` flag is false
/// (no id, or a repeat of an earlier id) take no part.
pub fn link(keys: &[LinkKey<'_>], outlook: &[OutlookContact<'_>], usable: &[bool]) -> Links {
    let mut claimed = vec![false; outlook.len()];
    let mut links = vec![Link::Unlinked; keys.len()];

    let stored_id = |j: usize| -> Option<Cow<'_, str>> {
        let id = outlook[j].central_id.as_deref()?;
        usable[j].then(|| Cow::Borrowed(id.trim()))
    };
    let by_stored_id = index(
        (0..outlook.len()).filter_map(|j| Some((j, stored_id(j)?))),
        outlook.len(),
    );
    for (i, key) in keys.iter().enumerate() {
        let Some(slot) = key.id.and_then(|id| by_stored_id.get(id)) else {
            continue;
        };
        if slot.shared {
            let id = key.id.unwrap_or_default();
            (0..outlook.len())
                .filter(|&j| stored_id(j).as_deref() == Some(id))
                .for_each(|j| claimed[j] = true);
            links[i] = Link::Conflict(Reason::DuplicateOutlookId);
        } else {
            claimed[slot.first] = true;
            links[i] = Link::ById(slot.first);
        }
    }

    let email_key = |j: usize| -> Option<Cow<'_, str>> {
        let email = outlook[j].primary_email();
        (usable[j] && !claimed[j] && !email.trim().is_empty()).then(|| normalize(email))
    };
    let by_email = index(
        (0..outlook.len()).filter_map(|j| Some((j, email_key(j)?))),
        0,
    );
    let mut newly_claimed = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if links[i] != Link::Unlinked {
            continue;
        }
        let Some(email) = key.email.as_deref() else {
            continue;
        };
        let Some(slot) = by_email.get(email) else {
            continue;
        };
        if slot.shared {
            newly_claimed
                .extend((0..outlook.len()).filter(|&j| email_key(j).as_deref() == Some(email)));
            links[i] = Link::Conflict(Reason::DuplicateOutlookEmail);
        } else {
            newly_claimed.push(slot.first);
            links[i] = Link::ByEmail(slot.first);
        }
    }
    for j in newly_claimed {
        claimed[j] = true;
    }
    Links { links, claimed }
}
