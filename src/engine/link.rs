//! Linking Central contacts to Outlook contacts (DESIGN §4): first by the Central id stored on
//! the Outlook contact, then — for Outlook contacts step one left unlinked — by normalised
//! primary email. An Outlook contact is linked to at most one Central contact; an ambiguous
//! match is a conflict and links nothing.

use std::borrow::Cow;

use std::collections::hash_map::Entry;

use foldhash::{HashMap, HashMapExt};

use super::email::normalize;
use super::input::OutlookContact;
use super::text::trim;
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

/// No further entry in an [`Index`] chain.
const END: u32 = u32::MAX;

/// Outlook contacts by key: the map holds one position per key, and `next` chains the other
/// positions with the same key, so a conflict names every contact involved without a scan of
/// the whole folder (which would make many conflicts quadratic).
struct Index<'k> {
    map: HashMap<&'k str, u32>,
    next: Vec<u32>,
}

impl<'k> Index<'k> {
    fn new(keys: impl Iterator<Item = (usize, &'k str)>, len: usize, capacity: usize) -> Self {
        let mut map: HashMap<&'k str, u32> = HashMap::with_capacity(capacity);
        let mut next = vec![END; len];
        for (j, key) in keys {
            match map.entry(key) {
                Entry::Occupied(mut e) => {
                    next[j] = *e.get();
                    e.insert(j as u32);
                }
                Entry::Vacant(e) => {
                    e.insert(j as u32);
                }
            }
        }
        Index { map, next }
    }

    /// Every position with `key` (at least one when `Some`).
    fn get(&self, key: &str) -> Option<impl Iterator<Item = usize> + '_> {
        let head = *self.map.get(key)?;
        Some(
            std::iter::successors(Some(head), |&j| {
                Some(self.next[j as usize]).filter(|&n| n != END)
            })
            .map(|j| j as usize),
        )
    }
}

/// One position when `positions` holds exactly one, else `None` (a conflict).
fn single(mut positions: impl Iterator<Item = usize>) -> Result<usize, Vec<usize>> {
    let first = positions.next().unwrap_or_default();
    match positions.next() {
        None => Ok(first),
        Some(second) => Err([first, second].into_iter().chain(positions).collect()),
    }
}

/// Links `keys` (Central side) to `outlook`. Outlook contacts whose `usable` flag is false
/// (no id, or a repeat of an earlier id) take no part.
pub fn link(keys: &[LinkKey<'_>], outlook: &[OutlookContact<'_>], usable: &[bool]) -> Links {
    let mut claimed = vec![false; outlook.len()];
    let mut links = vec![Link::Unlinked; keys.len()];

    let stored_ids = outlook.iter().enumerate().filter_map(|(j, o)| {
        let id = o.central_id.as_deref()?;
        usable[j].then(|| (j, trim(id)))
    });
    let by_stored_id = Index::new(stored_ids, outlook.len(), outlook.len());
    for (i, key) in keys.iter().enumerate() {
        let Some(found) = key.id.and_then(|id| by_stored_id.get(id)) else {
            continue;
        };
        match single(found) {
            Ok(j) => {
                claimed[j] = true;
                links[i] = Link::ById(j);
            }
            Err(all) => {
                all.into_iter().for_each(|j| claimed[j] = true);
                links[i] = Link::Conflict(Reason::DuplicateOutlookId);
            }
        }
    }

    // Only Outlook contacts step one left unclaimed link by email.
    let emails: Vec<Option<Cow<'_, str>>> = outlook
        .iter()
        .enumerate()
        .map(|(j, o)| {
            let email = o.primary_email();
            (usable[j] && !claimed[j] && !trim(email).is_empty()).then(|| normalize(email))
        })
        .collect();
    let by_email = Index::new(
        emails
            .iter()
            .enumerate()
            .filter_map(|(j, e)| Some((j, e.as_deref()?))),
        outlook.len(),
        outlook.len(),
    );
    let mut newly_claimed = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if links[i] != Link::Unlinked {
            continue;
        }
        let Some(found) = key.email.as_deref().and_then(|e| by_email.get(e)) else {
            continue;
        };
        match single(found) {
            Ok(j) => {
                newly_claimed.push(j);
                links[i] = Link::ByEmail(j);
            }
            Err(all) => {
                newly_claimed.extend(all);
                links[i] = Link::Conflict(Reason::DuplicateOutlookEmail);
            }
        }
    }
    for j in newly_claimed {
        claimed[j] = true;
    }
    Links { links, claimed }
}
