//! Exact matching of many string keys, with the cache in mind. A hash map of 100,000 keys
//! takes a few megabytes, and every insert or lookup lands somewhere random in it: when the
//! cache the machine shares with others is busy, each is a trip to memory. Here the keys are
//! first grouped by the top bits of their hash (in input order within a group), then matched
//! one group at a time in a table small enough to stay in the core's own cache. Equal keys
//! always fall into the same group, so the results are exactly those of one map over all the
//! keys — and do not depend on the hash.

use std::hash::BuildHasher;

/// The groups are numbered by this many top bits of the hash: 100,000 keys make groups of
/// ~1,600, whose entries and table take a few tens of kilobytes.
const GROUP_BITS: u32 = 6;

/// Number of groups of every [`Grouped`], so that group `g` of one is matched against group
/// `g` of another.
pub const GROUPS: usize = 1 << GROUP_BITS;

/// The hashing of keys; both sides of a match must use the same one. Seeded at random, as the
/// keys come from untrusted data.
pub type Hasher = foldhash::fast::RandomState;

/// One key: the low bits of its hash, its position in the input and its bytes.
#[derive(Debug, Clone, Copy)]
struct Entry<'k> {
    hash: u32,
    pos: usize,
    key: &'k [u8],
}

/// Keys grouped by hash: group `g` is `entries[starts[g]..starts[g + 1]]`, in input order.
#[derive(Debug)]
pub struct Grouped<'k> {
    starts: Vec<usize>,
    entries: Vec<Entry<'k>>,
}

impl<'k> Grouped<'k> {
    /// Groups `keys`, given as `(position, key)` in input order.
    pub fn new<I>(keys: I, hasher: &Hasher) -> Grouped<'k>
    where
        I: Iterator<Item = (usize, &'k str)> + Clone,
    {
        let group_of = |h: u64| (h >> (64 - GROUP_BITS)) as usize;
        // Hash every key and count each group; then place each key after its group's earlier
        // ones.
        let mut hashes = Vec::with_capacity(keys.size_hint().0);
        let mut next = [0usize; GROUPS];
        for (_, key) in keys.clone() {
            let h = hasher.hash_one(key.as_bytes());
            next[group_of(h)] += 1;
            hashes.push(h);
        }
        let mut starts = Vec::with_capacity(GROUPS + 1);
        let mut total = 0;
        for count in next.iter_mut() {
            starts.push(total);
            total += std::mem::replace(count, total);
        }
        starts.push(total);
        let mut entries = vec![
            Entry {
                hash: 0,
                pos: 0,
                key: &[]
            };
            total
        ];
        for ((pos, key), h) in keys.zip(hashes) {
            let at = &mut next[group_of(h)];
            if let Some(e) = entries.get_mut(*at) {
                *e = Entry {
                    hash: h as u32,
                    pos,
                    key: key.as_bytes(),
                };
            }
            *at += 1;
        }
        Grouped { starts, entries }
    }

    /// Group `g` (`g < GROUPS`).
    pub fn group(&self, g: usize) -> Group<'_, 'k> {
        Group {
            entries: &self.entries[self.starts[g]..self.starts[g + 1]],
        }
    }
}

/// The keys of one group, in input order.
#[derive(Clone, Copy)]
pub struct Group<'g, 'k> {
    entries: &'g [Entry<'k>],
}

impl Group<'_, '_> {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position in the input of key `i` of the group.
    pub fn pos(&self, i: usize) -> usize {
        self.entries[i].pos
    }
}

/// An open-addressing table of one group's keys, reused from group to group. A slot holds
/// the index of a key in the group plus one; zero is empty.
#[derive(Debug, Default)]
pub struct Table {
    slots: Vec<u32>,
}

impl Table {
    /// Empties the table and fills it with the keys of `group`, in order. For every key `i`
    /// equal to an earlier key `first`, calls `repeat(first, i)`; `first` (the first of its
    /// kind) stays the one in the table.
    pub fn fill(&mut self, group: Group<'_, '_>, mut repeat: impl FnMut(usize, usize)) {
        let size = (2 * group.len()).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(size, 0);
        for (i, e) in group.entries.iter().enumerate() {
            match self.slot_of(group, e) {
                Ok(first) => repeat(first, i),
                Err(s) => self.slots[s] = i as u32 + 1,
            }
        }
    }

    /// The key of `group` (as last filled) equal to key `i` of `probe`, if there is one.
    pub fn find(&self, group: Group<'_, '_>, probe: Group<'_, '_>, i: usize) -> Option<usize> {
        self.slot_of(group, &probe.entries[i]).ok()
    }

    /// `Ok(index in the group)` of the key equal to `e`, or `Err(the empty slot for it)`.
    fn slot_of(&self, group: Group<'_, '_>, e: &Entry<'_>) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut s = e.hash as usize & mask;
        loop {
            let Some(index) = (self.slots[s] as usize).checked_sub(1) else {
                return Err(s);
            };
            let other = &group.entries[index];
            if other.hash == e.hash && super::text::bytes_eq(other.key, e.key) {
                return Ok(index);
            }
            s = (s + 1) & mask;
        }
    }
}

/// Matches `probes` against `keys` (grouped with the same hasher) one group at a time. First
/// marks in `repeated` every position of `keys` whose key another position has too; then, in
/// input order within each group, calls `hit(k, j, repeated)` for every probe `j` whose key
/// `keys` has, `k` being the first position with it.
pub fn match_groups(
    keys: &Grouped<'_>,
    probes: &Grouped<'_>,
    repeated: &mut [bool],
    mut hit: impl FnMut(usize, usize, &[bool]),
) {
    let mut table = Table::default();
    for g in 0..GROUPS {
        let (keys, probes) = (keys.group(g), probes.group(g));
        table.fill(keys, |first, i| {
            repeated[keys.pos(first)] = true;
            repeated[keys.pos(i)] = true;
        });
        for i in 0..probes.len() {
            if let Some(c) = table.find(keys, probes, i) {
                hit(keys.pos(c), probes.pos(i), repeated);
            }
        }
    }
}

/// For each of `len` positions, true when `keys` (`(position, key)` in input order) has a key
/// there that no earlier position has.
pub fn first_occurrences<'k, I>(keys: I, len: usize, hasher: &Hasher) -> Vec<bool>
where
    I: Iterator<Item = (usize, &'k str)> + Clone,
{
    let grouped = Grouped::new(keys, hasher);
    let mut first = vec![false; len];
    let mut table = Table::default();
    for g in 0..GROUPS {
        let group = grouped.group(g);
        for i in 0..group.len() {
            first[group.pos(i)] = true;
        }
        table.fill(group, |_, i| first[group.pos(i)] = false);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Keys where many repeat, some collide in a group, and some are empty.
    fn keys(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| match i % 7 {
                0 => String::new(),
                1 | 2 => format!("k{}", i / 3),
                _ => format!("key-{i}"),
            })
            .collect()
    }

    fn indexed(keys: &[String]) -> impl Iterator<Item = (usize, &str)> + Clone {
        keys.iter().enumerate().map(|(i, k)| (i, k.as_str()))
    }

    #[test]
    fn first_occurrences_are_those_of_a_set() {
        let keys = keys(20_000);
        let got = first_occurrences(indexed(&keys), keys.len() + 3, &Hasher::default());
        let mut seen = std::collections::HashSet::new();
        let mut want: Vec<bool> = keys.iter().map(|k| seen.insert(k.as_str())).collect();
        want.extend([false; 3]);
        assert_eq!(got, want);
        assert!(want.iter().any(|&f| !f) && want.iter().filter(|&&f| f).count() > 10_000);
    }

    #[test]
    fn repeats_and_lookups_are_those_of_a_map() {
        let keys = keys(20_000);
        let probes: Vec<String> = (0..5_000).map(|i| format!("k{i}")).collect();
        let hasher = Hasher::default();
        let (grouped, probed) = (
            Grouped::new(indexed(&keys), &hasher),
            Grouped::new(indexed(&probes), &hasher),
        );
        let mut map: HashMap<&str, usize> = HashMap::new();
        let mut want_repeats = vec![];
        for (i, k) in keys.iter().enumerate() {
            match map.get(k.as_str()) {
                Some(&first) => want_repeats.push((first, i)),
                None => {
                    map.insert(k, i);
                }
            }
        }
        let want_found: Vec<Option<usize>> = probes
            .iter()
            .map(|p| map.get(p.as_str()).copied())
            .collect();

        let (mut repeats, mut found) = (vec![], vec![None; probes.len()]);
        let mut table = Table::default();
        for g in 0..GROUPS {
            let (group, probe) = (grouped.group(g), probed.group(g));
            table.fill(group, |first, i| {
                repeats.push((group.pos(first), group.pos(i)))
            });
            for i in 0..probe.len() {
                found[probe.pos(i)] = table.find(group, probe, i).map(|c| group.pos(c));
            }
        }
        repeats.sort_unstable();
        want_repeats.sort_unstable();
        assert!(!want_repeats.is_empty());
        assert_eq!(repeats, want_repeats);
        assert_eq!(found, want_found);
        assert!(found.iter().any(Option::is_some) && found.iter().any(Option::is_none));
    }

    #[test]
    fn one_hash_for_every_key_still_matches_exactly() {
        // All keys with one hash, so in one probe chain: the table stays exact.
        let keys: Vec<String> = ["a", "b", "a", "c", "b", "a"].map(String::from).to_vec();
        let entries: Vec<Entry<'_>> = keys
            .iter()
            .enumerate()
            .map(|(pos, k)| Entry {
                hash: 7,
                pos,
                key: k.as_bytes(),
            })
            .collect();
        let group = Group { entries: &entries };
        let mut repeats = vec![];
        let mut table = Table::default();
        table.fill(group, |first, i| repeats.push((first, i)));
        assert_eq!(repeats, [(0, 2), (1, 4), (0, 5)]);
        assert_eq!(table.find(group, group, 3), Some(3));
    }
}
