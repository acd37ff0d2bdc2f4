//! Pages found by a string each page already holds (its URL, its source path, its `GetPage` key).
//!
//! A whole handbook has tens of thousands of pages. A map from an owned or shared string to a page
//! costs a key, a hash slot of three words and often an allocation a page; this table keeps only
//! the page's index (4 bytes a slot) and asks the pages for the string when it compares.

use hashbrown::HashTable;
use std::hash::BuildHasher;

#[derive(Debug, Default)]
pub(super) struct PageTable {
    table: HashTable<u32>,
}

impl PageTable {
    pub(super) fn with_capacity(n: usize) -> PageTable {
        PageTable { table: HashTable::with_capacity(n) }
    }

    /// The page whose string is `key`; `key_of` gives the string of a page.
    pub(super) fn get<'a>(&self, key: &str, key_of: impl Fn(usize) -> &'a str) -> Option<usize> {
        self.find(hash(key), |i| key_of(i) == key)
    }

    /// The page with hash `hash` that `is` accepts: for strings a page does not hold whole but
    /// can hash and compare (the site's URLs), or that are not the pages' own (the facts' paths).
    pub(super) fn find(&self, hash: u64, is: impl Fn(usize) -> bool) -> Option<usize> {
        self.table.find(hash, |&i| is(i as usize)).map(|&i| i as usize)
    }

    /// Adds page `index`, whose hash is `hash`, unless a page that `is` accepts is there already
    /// (`Claim::First`) or in its place (`Claim::Last`); `hash_of` gives the hash of a page (when
    /// the table grows).
    pub(super) fn insert_by(
        &mut self,
        claim: Claim,
        hash: u64,
        index: usize,
        is: impl Fn(usize) -> bool,
        hash_of: impl Fn(usize) -> u64,
    ) {
        let Ok(index) = u32::try_from(index) else { return };
        match (self.table.entry(hash, |&i| is(i as usize), |&i| hash_of(i as usize)), claim) {
            (hashbrown::hash_table::Entry::Occupied(mut slot), Claim::Last) => *slot.get_mut() = index,
            (hashbrown::hash_table::Entry::Occupied(_), Claim::First) => {}
            (hashbrown::hash_table::Entry::Vacant(slot), _) => {
                slot.insert(index);
            }
        }
    }

    /// Adds page `index` under `key` (`key_of(index)`) unless a page is there already: the first
    /// page to claim a string keeps it, as Hugo's first page with a URL is the one it writes.
    pub(super) fn insert_first<'a>(&mut self, key: &str, index: usize, key_of: impl Fn(usize) -> &'a str) {
        self.insert_by(Claim::First, hash(key), index, |i| key_of(i) == key, |i| hash(key_of(i)));
    }

    /// Adds page `index` under `key`, in place of any page there.
    pub(super) fn insert_last<'a>(&mut self, key: &str, index: usize, key_of: impl Fn(usize) -> &'a str) {
        self.insert_by(Claim::Last, hash(key), index, |i| key_of(i) == key, |i| hash(key_of(i)));
    }
}

/// Which of the pages that claim one string a table keeps.
#[derive(Debug, Clone, Copy)]
pub(super) enum Claim {
    First,
    Last,
}

pub(super) fn hash(key: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_pages_by_their_own_strings_first_or_last_claim_wins() {
        let urls = ["/a/", "/b/", "/a/", "/c/"];
        let key_of = |i: usize| urls[i];
        let mut first = PageTable::with_capacity(1);
        let mut last = PageTable::default();
        for (i, url) in urls.iter().enumerate() {
            first.insert_first(url, i, key_of);
            last.insert_last(url, i, key_of);
        }
        assert_eq!(first.get("/a/", key_of), Some(0));
        assert_eq!(last.get("/a/", key_of), Some(2));
        assert_eq!(first.get("/c/", key_of), Some(3));
        assert_eq!(first.get("/b/", key_of), Some(1));
        assert_eq!(first.get("/d/", key_of), None);
        assert_eq!(first.get("/a", key_of), None);
    }
}
