//! Linking Central contacts to Outlook contacts (DESIGN §4): first by the Central id stored on
//! the Outlook contact, then — for Outlook contacts step one left unlinked — by normalised
//! primary email. An Outlook contact is linked to at most one Central contact; an ambiguous
//! match is a conflict and links nothing.
//!
//! Linking works on the keys of both sides, copied into compact strings as the records are
//! read ([`Keys`], [`OutlookSide`]); it never reads the records themselves.

use foldhash::{HashMap, HashSet, HashSetExt};

use super::email::normalize;
use super::input::OutlookContact;
use super::text::{trim, HashKey};

/// Optional keys of the records in one string, each found by its byte range.
#[derive(Debug, Default)]
pub struct Keys {
    text: String,
    spans: Vec<Option<(usize, usize)>>,
}

impl Keys {
    /// Adds the key of the next record.
    pub fn push(&mut self, key: Option<&str>) {
        self.spans.push(key.map(|key| {
            let start = self.text.len();
            self.text.push_str(key);
            (start, self.text.len())
        }));
    }

    /// The key of record `k`.
    pub fn get(&self, k: usize) -> Option<&str> {
        let (start, end) = (*self.spans.get(k)?)?;
        self.text.get(start..end)
    }

    /// True when record `k` has a key.
    pub fn has(&self, k: usize) -> bool {
        self.spans.get(k).is_some_and(Option::is_some)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The positions that have a key, with their key.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.spans.iter().enumerate().filter_map(|(k, span)| {
            let (start, end) = (*span)?;
            Some((k, self.text.get(start..end)?))
        })
    }
}

/// The Outlook side of linking, gathered one contact at a time (as each is read, while its
/// text is in the cache): every contact's id, the Central id it stores and its normalised
/// primary email.
#[derive(Debug, Default)]
pub struct OutlookSide {
    ids: Keys,
    central_ids: Keys,
    emails: Keys,
}

impl OutlookSide {
    /// Adds the next contact.
    pub fn add(&mut self, o: &OutlookContact<'_>) {
        self.ids.push((!o.id.is_blank()).then(|| o.id.as_str()));
        self.central_ids.push(o.central_id.as_deref().map(trim));
        let email = o.primary_email();
        self.emails.push(
            (!trim(email).is_empty())
                .then(|| normalize(email))
                .as_deref(),
        );
    }

    /// The contacts' ids, in order (`None` for a blank id).
    pub fn ids(&self) -> &Keys {
        &self.ids
    }

    /// Number of contacts.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
use super::validate::Reason;

/// The Central side of linking: the active records' ids and normalised emails, each indexed
/// to the position of the first record with it, and which positions may link by each.
pub struct CentralKeys<'m> {
    pub by_id: &'m HashMap<HashKey<'m>, usize>,
    /// False for a record without a usable id (blank, invalid, or shared).
    pub id_linkable: &'m [bool],
    pub by_email: &'m HashMap<HashKey<'m>, usize>,
    /// True only for an actionable record, whose email no other record shares.
    pub email_linkable: &'m [bool],
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

/// The links of every Central contact, which Outlook contacts took part in any link or
/// conflict, and which could take part at all (the usable, unclaimed ones are orphans).
pub struct Links {
    pub links: Vec<Link>,
    pub claimed: Vec<bool>,
    /// False for an Outlook contact without an id, or repeating an earlier contact's id.
    pub usable: Vec<bool>,
}

/// No Outlook contact found yet.
const NONE: usize = usize::MAX;

/// The Outlook contacts one linking step found for each Central record: the first, and
/// whether there were more.
struct Found {
    first: Vec<usize>,
    more: Vec<bool>,
}

impl Found {
    fn new(n: usize) -> Self {
        Found {
            first: vec![NONE; n],
            more: vec![false; n],
        }
    }

    fn add(&mut self, k: usize, j: usize) {
        if self.first[k] == NONE {
            self.first[k] = j;
        } else {
            self.more[k] = true;
        }
    }

    /// Sets the link of every record this step found something for.
    fn settle(self, links: &mut [Link], single: fn(usize) -> Link, conflict: Reason) {
        for (k, (first, more)) in self.first.into_iter().zip(self.more).enumerate() {
            if first != NONE {
                links[k] = if more {
                    Link::Conflict(conflict)
                } else {
                    single(first)
                };
            }
        }
    }
}

/// Links the Central records of `central` to `outlook`. Outlook contacts without an id, or
/// repeating an earlier contact's id, take no part. Every Outlook contact is looked up once per
/// step in the Central indexes, so the cost does not depend on how many conflicts there are.
pub fn link(central: &CentralKeys<'_>, outlook: &OutlookSide) -> Links {
    let n = central.id_linkable.len();
    let m = outlook.len();
    let mut claimed = vec![false; m];
    let mut usable = vec![false; m];
    let mut links = vec![Link::Unlinked; n];
    let mut seen: HashSet<HashKey<'_>> = HashSet::with_capacity(m);

    // Step one, in the same pass as the check of the Outlook ids: the Central id stored on the
    // Outlook contact.
    let mut found = Found::new(n);
    for j in 0..m {
        usable[j] = outlook
            .ids
            .get(j)
            .is_some_and(|id| seen.insert(HashKey(id)));
        let Some(id) = outlook.central_ids.get(j).filter(|_| usable[j]) else {
            continue;
        };
        let Some(&k) = central.by_id.get(&HashKey(id)) else {
            continue;
        };
        if central.id_linkable[k] {
            claimed[j] = true;
            found.add(k, j);
        }
    }
    found.settle(&mut links, Link::ById, Reason::DuplicateOutlookId);

    // Step two: the primary email of the Outlook contacts step one left unclaimed, for the
    // records step one left unlinked.
    let mut found = Found::new(n);
    for (j, email) in outlook.emails.iter() {
        if !usable[j] || claimed[j] {
            continue;
        }
        let Some(&k) = central.by_email.get(&HashKey(email)) else {
            continue;
        };
        if central.email_linkable[k] && links[k] == Link::Unlinked {
            claimed[j] = true;
            found.add(k, j);
        }
    }
    found.settle(&mut links, Link::ByEmail, Reason::DuplicateOutlookEmail);

    Links {
        links,
        claimed,
        usable,
    }
}
