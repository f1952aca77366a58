//! Linking Central contacts to Outlook contacts (DESIGN §4): first by the Central id stored on
//! the Outlook contact or, for a record that finds none, by the Outlook contact its ledger
//! entry names; then — for Outlook contacts step one left unlinked — by normalised primary
//! email. An Outlook contact is linked to at most one Central contact; an ambiguous match is
//! a conflict and links nothing.
//!
//! Linking works on the keys of both sides, copied into compact strings as the records are
//! read ([`Keys`], [`OutlookSide`]); it never reads the records themselves. The keys are
//! matched one group of like hashes at a time ([`super::group`]), with the results one map
//! over all of them would give.

use super::email::normalize;
use super::group::{first_occurrences, match_groups, Grouped, Hasher};
use super::input::OutlookContact;
use super::kinds::{email_key, Kind};
use super::text::trim;

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

    /// Number of records.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The positions that have a key, with their key.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str)> + Clone + '_ {
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
    /// Adds the next contact, in the folder of type `slot` (its email links there only).
    pub fn add(&mut self, o: &OutlookContact<'_>, slot: Kind) {
        self.ids.push((!o.id.is_blank()).then(|| o.id.as_str()));
        self.central_ids.push(o.central_id.as_deref().map(trim));
        let email = o.primary_email();
        // (No valid email holds a NUL: one that does links nothing.)
        self.emails.push(
            (!trim(email).is_empty() && !email.contains('\0'))
                .then(|| normalize(email))
                .as_deref()
                .map(|email| email_key(slot, email))
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

/// The Central side of linking: the active records' ids and normalised emails (an email only
/// for a record with no reason of its own), which records have `invalidRecord` of their own,
/// and — with a ledger — the Outlook id that record `k`'s entry names (`None`: no entry, or
/// one naming no contact). That is asked only of the records the stored ids leave unlinked,
/// so that a plan where every record carries its id looks nothing up.
pub struct CentralKeys<'m> {
    pub ids: &'m Keys,
    pub emails: &'m Keys,
    pub own_invalid: &'m [bool],
    pub named: Option<&'m Named<'m>>,
}

/// See [`CentralKeys::named`].
pub type Named<'m> = dyn Fn(usize) -> Option<&'m str> + 'm;

/// How one Central contact was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Unlinked,
    ById(usize),
    /// The contact the record's ledger entry names (one linked by email and not written
    /// since, so without the stored id).
    ByLedger(usize),
    ByEmail(usize),
    /// Ambiguous: the Outlook contacts that matched are left alone.
    Conflict(Reason),
}

/// The links of every Central contact, which Outlook contacts took part in any link or
/// conflict, and which could take part at all (the usable, unclaimed ones are orphans).
#[derive(Debug, PartialEq)]
pub struct Links {
    pub links: Vec<Link>,
    pub claimed: Vec<bool>,
    /// False for an Outlook contact without an id, or repeating an earlier contact's id.
    pub usable: Vec<bool>,
    /// Central records whose id another record has too: they cannot be linked safely.
    pub shared_id: Vec<bool>,
    /// Otherwise actionable Central records whose email another such record has too.
    pub shared_email: Vec<bool>,
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
/// repeating an earlier contact's id, take no part; nor do Central records sharing an id (for
/// step one) or an email (for step two) with another. Every Outlook contact is looked up once
/// per step, so the cost does not depend on how many conflicts there are. The keys are
/// matched group by group ([`Grouped`]), with the results of one map per step.
///
/// A record that no stored id links (and that is not invalid, nor shares its id) links to
/// the contact its ledger entry names, if that contact is usable and carries no stored id: one
/// carrying another record's id is that record's, whatever an old entry says. A contact the
/// entries of two such records name is ambiguous and links neither of them by the ledger.
pub fn link(central: &CentralKeys<'_>, outlook: &OutlookSide) -> Links {
    let n = central.own_invalid.len();
    let m = outlook.len();
    let hasher = Hasher::default();
    let mut claimed = vec![false; m];
    let mut links = vec![Link::Unlinked; n];
    let usable = first_occurrences(outlook.ids.iter(), m, &hasher);

    // Step one: the Central id stored on the Outlook contact.
    let mut shared_id = vec![false; n];
    let mut found = Found::new(n);
    match_groups(
        &Grouped::new(central.ids.iter(), &hasher),
        &Grouped::new(
            outlook.central_ids.iter().filter(|&(j, _)| usable[j]),
            &hasher,
        ),
        &mut shared_id,
        |k, j, shared_id| {
            if !central.own_invalid[k] && !shared_id[k] {
                claimed[j] = true;
                found.add(k, j);
            }
        },
    );
    found.settle(&mut links, Link::ById, Reason::DuplicateOutlookId);

    // Step one, by the ledger. The Outlook ids are grouped only when some entry names a
    // contact; each usable id is unique, so a record finds at most one.
    let wanted: Vec<(usize, &str)> = match central.named {
        Some(named) => (0..n)
            .filter(|&k| links[k] == Link::Unlinked && !central.own_invalid[k] && !shared_id[k])
            .filter_map(|k| Some((k, named(k)?)))
            .collect(),
        None => Vec::new(),
    };
    if !wanted.is_empty() {
        let mut named_twice = vec![false; n];
        let without_id = outlook
            .ids
            .iter()
            .filter(|&(j, _)| usable[j] && outlook.central_ids.get(j).is_none());
        match_groups(
            &Grouped::new(wanted.into_iter(), &hasher),
            &Grouped::new(without_id, &hasher),
            &mut named_twice,
            |k, j, named_twice| {
                if !named_twice[k] {
                    claimed[j] = true;
                    links[k] = Link::ByLedger(j);
                }
            },
        );
    }

    // Step two: the primary email of the Outlook contacts step one left unclaimed, for the
    // records step one left unlinked.
    let mut shared_email = vec![false; n];
    let mut found = Found::new(n);
    let emails = Grouped::new(
        central.emails.iter().filter(|&(k, _)| !shared_id[k]),
        &hasher,
    );
    let wanted = Grouped::new(
        outlook
            .emails
            .iter()
            .filter(|&(j, _)| usable[j] && !claimed[j]),
        &hasher,
    );
    match_groups(&emails, &wanted, &mut shared_email, |k, j, shared_email| {
        if !shared_email[k] && links[k] == Link::Unlinked {
            claimed[j] = true;
            found.add(k, j);
        }
    });
    found.settle(&mut links, Link::ByEmail, Reason::DuplicateOutlookEmail);

    Links {
        links,
        claimed,
        usable,
        shared_id,
        shared_email,
    }
}

// proptest is a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    fn keys(list: &[Option<String>]) -> Keys {
        let mut keys = Keys::default();
        for key in list {
            keys.push(key.as_deref());
        }
        keys
    }

    /// The first position of each key among those `counts`, and which positions repeat a key.
    fn first_and_repeats(
        list: &[Option<String>],
        counts: impl Fn(usize) -> bool,
    ) -> (HashMap<&str, usize>, Vec<bool>) {
        let (mut first, mut repeated) = (HashMap::new(), vec![false; list.len()]);
        for (k, key) in list.iter().enumerate() {
            let Some(key) = key.as_deref().filter(|_| counts(k)) else {
                continue;
            };
            match first.get(key) {
                Some(&f) => {
                    repeated[f] = true;
                    repeated[k] = true;
                }
                None => {
                    first.insert(key, k);
                }
            }
        }
        (first, repeated)
    }

    /// The rules of linking written plainly, with one map over all the keys of each kind:
    /// what [`link`] must give. `named` is the Outlook id each record's ledger entry names
    /// (`None`: no ledger).
    fn reference(
        central_ids: &[Option<String>],
        central_emails: &[Option<String>],
        own_invalid: &[bool],
        named: Option<&[Option<String>]>,
        outlook: [&[Option<String>]; 3],
    ) -> Links {
        let [outlook_ids, stored, outlook_emails] = outlook;
        let (n, m) = (central_ids.len(), outlook_ids.len());
        let (by_id, shared_id) = first_and_repeats(central_ids, |_| true);
        let (by_email, shared_email) = first_and_repeats(central_emails, |k| !shared_id[k]);
        let mut seen = HashSet::new();
        let usable: Vec<bool> = outlook_ids
            .iter()
            .map(|id| id.as_deref().is_some_and(|id| seen.insert(id)))
            .collect();
        let (mut links, mut claimed) = (vec![Link::Unlinked; n], vec![false; m]);
        for (by, keys, by_id_step) in [(&by_id, stored, true), (&by_email, outlook_emails, false)] {
            if !by_id_step {
                // Step one by the ledger: a record still unlinked (not invalid, not sharing its
                // id) whose entry names a contact no other such record's entry names links to
                // it, if that contact is usable, unclaimed and carries no stored id.
                let mut namers: HashMap<&str, Vec<usize>> = HashMap::new();
                for (k, name) in named.unwrap_or_default().iter().enumerate() {
                    if links[k] == Link::Unlinked && !own_invalid[k] && !shared_id[k] {
                        if let Some(name) = name.as_deref() {
                            namers.entry(name).or_default().push(k);
                        }
                    }
                }
                for (j, id) in outlook_ids.iter().enumerate() {
                    let Some(ks) = id.as_deref().and_then(|id| namers.get(id)) else {
                        continue;
                    };
                    let free = usable[j] && !claimed[j] && stored[j].is_none();
                    if let (&[k], true) = (ks.as_slice(), free) {
                        links[k] = Link::ByLedger(j);
                        claimed[j] = true;
                    }
                }
            }
            let mut found: Vec<Vec<usize>> = vec![vec![]; n];
            for (j, key) in keys.iter().enumerate() {
                let Some(&k) = key.as_deref().and_then(|key| by.get(key)) else {
                    continue;
                };
                let may_link = if by_id_step {
                    !own_invalid[k] && !shared_id[k]
                } else {
                    !shared_email[k] && links[k] == Link::Unlinked
                };
                if usable[j] && !claimed[j] && may_link {
                    claimed[j] = true;
                    found[k].push(j);
                }
            }
            for (k, js) in found.iter().enumerate() {
                links[k] = match (js.as_slice(), by_id_step) {
                    (&[], _) => continue,
                    (&[j], true) => Link::ById(j),
                    (&[j], false) => Link::ByEmail(j),
                    (_, true) => Link::Conflict(Reason::DuplicateOutlookId),
                    (_, false) => Link::Conflict(Reason::DuplicateOutlookEmail),
                };
            }
        }
        Links {
            links,
            claimed,
            usable,
            shared_id,
            shared_email,
        }
    }

    /// Keys drawn from a handful, so that most repeat.
    fn few_keys(len: usize) -> impl Strategy<Value = Vec<Option<String>>> {
        some_keys(len, 0.8)
    }

    /// [`few_keys`], each there with probability `p`.
    fn some_keys(len: usize, p: f64) -> impl Strategy<Value = Vec<Option<String>>> {
        prop::collection::vec(prop::option::weighted(p, "[a-e]{1,2}"), len)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn linking_gives_what_one_map_over_all_the_keys_gives(
            (central_ids, central_emails, own_invalid, named) in (0..40usize).prop_flat_map(|n| {
                (
                    few_keys(n),
                    few_keys(n),
                    prop::collection::vec(prop::bool::weighted(0.1), n),
                    // The Outlook ids the ledger's entries name, from the same handful as the
                    // contacts' ids: some name a contact without a stored id, some one carrying
                    // a stored id (another record's, or one step one claimed), some none.
                    prop::option::weighted(0.8, few_keys(n)),
                )
            }),
            (outlook_ids, stored, outlook_emails) in (0..40usize).prop_flat_map(|m| {
                // Fewer stored ids than emails, so that the ledger has contacts to find.
                (few_keys(m), some_keys(m, 0.5), few_keys(m))
            }),
        ) {
            // As the planner gathers them: an email only for a record with no reason of its own.
            let central_emails: Vec<Option<String>> = central_emails
                .into_iter()
                .zip(&own_invalid)
                .map(|(email, &invalid)| email.filter(|_| !invalid))
                .collect();
            let outlook = OutlookSide {
                ids: keys(&outlook_ids),
                central_ids: keys(&stored),
                emails: keys(&outlook_emails),
            };
            let (ids, emails) = (keys(&central_ids), keys(&central_emails));
            let name = |k: usize| named.as_ref()?.get(k)?.as_deref();
            let got = link(
                &CentralKeys {
                    ids: &ids,
                    emails: &emails,
                    own_invalid: &own_invalid,
                    named: named.is_some().then_some(&name as &Named<'_>),
                },
                &outlook,
            );
            let want = reference(
                &central_ids,
                &central_emails,
                &own_invalid,
                named.as_deref(),
                [&outlook_ids, &stored, &outlook_emails],
            );
            prop_assert_eq!(got, want);
        }
    }
}
