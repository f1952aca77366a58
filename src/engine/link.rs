//! Linking Central contacts to Outlook contacts (DESIGN §4): first by the Central id stored on
//! the Outlook contact, then — for Outlook contacts step one left unlinked — by normalised
//! primary email. An Outlook contact is linked to at most one Central contact; an ambiguous
//! match is a conflict and links nothing.

use std::collections::HashMap;

use super::email::normalize;
use super::input::OutlookContact;
use super::validate::Reason;

/// What a Central contact needs for linking.
pub struct LinkKey<'a> {
    /// Its id, or `None` when it has no usable id (blank, invalid, or shared).
    pub id: Option<&'a str>,
    /// Its normalised email when it is actionable (only those link by email).
    pub email: Option<String>,
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

/// Links `keys` (Central side) to `outlook`. Outlook contacts whose `usable` flag is false
/// (no id, or a repeat of an earlier id) take no part.
pub fn link(keys: &[LinkKey<'_>], outlook: &[OutlookContact<'_>], usable: &[bool]) -> Links {
    let mut claimed = vec![false; outlook.len()];
    let mut links = vec![Link::Unlinked; keys.len()];

    let mut by_stored_id: HashMap<&str, Vec<usize>> = HashMap::with_capacity(outlook.len());
    for (j, o) in outlook.iter().enumerate() {
        if let (true, Some(cid)) = (usable[j], o.central_id.as_deref()) {
            by_stored_id.entry(cid.trim()).or_default().push(j);
        }
    }
    for (i, key) in keys.iter().enumerate() {
        let Some(matches) = key.id.and_then(|id| by_stored_id.get(id)) else {
            continue;
        };
        for &j in matches {
            claimed[j] = true;
        }
        links[i] = match matches.as_slice() {
            [j] => Link::ById(*j),
            _ => Link::Conflict(Reason::DuplicateOutlookId),
        };
    }

    let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, o) in outlook.iter().enumerate() {
        let email = o.primary_email();
        if usable[j] && !claimed[j] && !email.trim().is_empty() {
            by_email.entry(normalize(email).into_owned()).or_default().push(j);
        }
    }
    for (i, key) in keys.iter().enumerate() {
        if links[i] != Link::Unlinked {
            continue;
        }
        let Some(matches) = key.email.as_ref().and_then(|e| by_email.get(e.as_str())) else {
            continue;
        };
        for &j in matches {
            claimed[j] = true;
        }
        links[i] = match matches.as_slice() {
            [j] => Link::ByEmail(*j),
            _ => Link::Conflict(Reason::DuplicateOutlookEmail),
        };
    }
    Links { links, claimed }
}
