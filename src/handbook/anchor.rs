//! Heading ids the way Hugo's default ("github") auto heading id type makes them, and the set of
//! ids one page ends up with.

use rustc_hash::{FxHashMap, FxHashSet};

/// Hugo's "github" anchorize of a heading's rendered text: letters, digits and `_` lower-cased,
/// space and `-` become `-`, everything else is dropped. Nothing is collapsed, so
/// `Diversity, Inclusion & Belonging` gives `diversity-inclusion--belonging`.
pub fn anchorize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Go's bytes.TrimSpace trims Unicode white space at both ends before the mapping.
    for c in text.trim().chars() {
        if c == ' ' || c == '-' {
            out.push('-');
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if is_letter_or_digit(c) {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Go's `unicode.IsLetter || unicode.IsDigit`, approximated: Rust's `is_alphabetic` also accepts
/// combining marks and letter-like numbers, which Go drops.
fn is_letter_or_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    (c.is_alphabetic() && !is_combining_mark(c)) || (c.is_numeric() && !c.is_alphabetic() && is_decimal_digit(c))
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Decimal digits outside ASCII (Arabic-Indic, full-width and so on) count; superscripts,
/// fractions and circled numbers do not.
fn is_decimal_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c as u32, 0x0660..=0x0669 | 0x06F0..=0x06F9 | 0x0966..=0x096F | 0xFF10..=0xFF19)
}

/// Hands out heading ids in document order, as Hugo's id factory does: an explicit `{#id}` is
/// taken as written, an automatic id that was already used gets `-1`, `-2`, … appended, and an
/// empty one becomes `heading`.
#[derive(Debug, Default)]
pub struct IdFactory {
    // Ids are short and come from the page itself: a fast hash is safe and this runs for every
    // heading of the handbook.
    used: FxHashSet<String>,
    /// For an automatic id that came up more than once, the first number not yet tried for it:
    /// every lower one is taken, so a page with thousands of headings of the same text costs a
    /// lookup each, not one per heading before it.
    tried: FxHashMap<String, usize>,
    /// Numbered ids looked up so far, for a test of the above.
    #[cfg(test)]
    probes: usize,
}

impl IdFactory {
    pub fn with_capacity(ids: usize) -> IdFactory {
        IdFactory { used: FxHashSet::with_capacity_and_hasher(ids, Default::default()), ..IdFactory::default() }
    }

    pub fn put(&mut self, id: &str) {
        self.used.insert(id.to_string());
    }

    pub fn generate(&mut self, text: &str) -> String {
        let id = self.next(text);
        self.used.insert(id.clone());
        id
    }

    /// [`IdFactory::generate`] without handing the id back.
    pub fn add(&mut self, text: &str) {
        let id = self.next(text);
        self.used.insert(id);
    }

    /// The id the next heading with this text gets.
    fn next(&mut self, text: &str) -> String {
        let mut id = anchorize(text);
        if id.is_empty() {
            id.push_str("heading");
        }
        if self.used.contains(&id) {
            let from = self.tried.get(&id).copied().unwrap_or(1);
            let base = id.clone();
            id.push('-');
            let mut i = from;
            loop {
                id.truncate(base.len() + 1);
                id.push_str(&i.to_string());
                #[cfg(test)]
                {
                    self.probes += 1;
                }
                if !self.used.contains(&id) {
                    break;
                }
                i += 1;
            }
            self.tried.insert(base, i + 1);
        }
        id
    }

    pub fn into_ids(self) -> impl Iterator<Item = String> {
        self.used.into_iter()
    }
}

/// Something on a page that yields an id, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSource {
    /// A heading without `{#id}`: its rendered text.
    Heading(String),
    /// A heading with `{#id}`.
    Explicit(String),
    /// An `id`/`name` attribute in raw HTML or a block attribute: not part of the heading id
    /// sequence, so it never causes a `-1` suffix.
    Other(String),
}

/// The ids a sequence of sources produces.
pub fn ids_of(sources: &[IdSource]) -> IdSet {
    let mut factory = IdFactory::with_capacity(sources.len());
    let mut others = Vec::new();
    for source in sources {
        match source {
            IdSource::Heading(text) => factory.add(text),
            IdSource::Explicit(id) => factory.put(id),
            IdSource::Other(id) => others.push(id.clone()),
        }
    }
    factory.into_ids().chain(others).collect()
}

/// A page's ids, compact: one allocation holding how many there are, where each ends, and then
/// the ids themselves, sorted. A whole handbook holds on the order of 100,000 ids (a million for
/// ten copies) until its links are checked; one allocation per page, not one per id (nor a string
/// and a vector), keeps that small and quick to free.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct IdSet {
    /// `n` as a little-endian u32, then `n` end offsets (u32, into the ids), then the ids.
    /// Empty for no ids.
    bytes: Box<[u8]>,
}

impl IdSet {
    pub fn contains(&self, id: &str) -> bool {
        self.position(id).is_ok()
    }

    fn position(&self, id: &str) -> Result<usize, usize> {
        let mut lo = 0;
        let mut hi = self.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    fn word(&self, i: usize) -> usize {
        let at = 4 * i;
        self.bytes.get(at..at + 4).map_or(0, |w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
    }

    fn get(&self, i: usize) -> &str {
        let ids = 4 * (1 + self.len());
        let start = if i == 0 { 0 } else { self.word(i) };
        let end = self.word(i + 1);
        // The bytes were written from whole `&str`s at these offsets.
        self.bytes.get(ids + start..ids + end).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// The ids in byte order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn len(&self) -> usize {
        self.word(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The set as bytes, to be stored and read back with [`IdSet::from_bytes`].
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A set from bytes [`IdSet::as_bytes`] gave; `None` if they are not such bytes (a damaged
    /// temporary file), so the caller can work the ids out again.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<IdSet> {
        let set = IdSet { bytes: bytes.into_boxed_slice() };
        if set.bytes.is_empty() {
            return Some(set);
        }
        let n = set.len();
        let ids = n.checked_add(1)?.checked_mul(4)?;
        let text = set.bytes.get(ids..)?;
        let mut start = 0;
        for i in 1..=n {
            let end = set.word(i);
            if end < start || end > text.len() || std::str::from_utf8(&text[start..end]).is_err() {
                return None;
            }
            start = end;
        }
        (start == text.len()).then_some(set)
    }
}

impl<S: AsRef<str>> FromIterator<S> for IdSet {
    fn from_iter<I: IntoIterator<Item = S>>(ids: I) -> IdSet {
        let mut ids: Vec<S> = ids.into_iter().collect();
        ids.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
        ids.dedup_by(|a, b| a.as_ref() == b.as_ref());
        if ids.is_empty() {
            return IdSet::default();
        }
        let text: usize = ids.iter().map(|s| s.as_ref().len()).sum();
        let mut bytes = Vec::with_capacity(4 * (1 + ids.len()) + text);
        // Pages are far below 4 GiB (files are size-limited before parsing).
        let u32_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
        bytes.extend_from_slice(&u32_of(ids.len()));
        let mut end = 0;
        for id in &ids {
            end += id.as_ref().len();
            bytes.extend_from_slice(&u32_of(end));
        }
        for id in &ids {
            bytes.extend_from_slice(id.as_ref().as_bytes());
        }
        IdSet { bytes: bytes.into_boxed_slice() }
    }
}

impl std::fmt::Debug for IdSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(anchorize("🤝 Collaboration"), "-collaboration");
        assert_eq!(anchorize("Diversity, Inclusion & Belonging"), "diversity-inclusion--belonging");
        assert_eq!(anchorize("Roles & Responsibilities"), "roles--responsibilities");
        assert_eq!(anchorize("  Why? Because_Reasons  "), "why-because_reasons");
        assert_eq!(anchorize("Étape 2: café"), "étape-2-café");
        assert_eq!(anchorize("FY24-Q3 OKRs (draft)"), "fy24-q3-okrs-draft");
    }

    #[test]
    fn duplicates_are_numbered_and_explicit_ids_win() {
        let ids = ids_of(&[
            IdSource::Heading("Overview".into()),
            IdSource::Heading("Overview".into()),
            IdSource::Explicit("custom".into()),
            IdSource::Heading("Overview".into()),
            IdSource::Heading("".into()),
            IdSource::Other("biz-tech-icons".into()),
        ]);
        for id in ["overview", "overview-1", "overview-2", "custom", "heading", "biz-tech-icons"] {
            assert!(ids.contains(id), "{id} missing from {ids:?}");
        }
        assert_eq!(ids.len(), 6);
    }

    #[test]
    fn id_sets_find_what_they_hold_and_nothing_else() {
        let set: IdSet = ["b", "a", "ab", "", "b", "é"].into_iter().collect();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec!["", "a", "ab", "b", "é"]);
        for id in ["", "a", "ab", "b", "é"] {
            assert!(set.contains(id), "{id}");
        }
        for id in ["c", "aa", "e", " "] {
            assert!(!set.contains(id), "{id}");
        }
        assert!(IdSet::default().is_empty() && !IdSet::default().contains(""));
        let back = IdSet::from_bytes(set.as_bytes().to_vec()).expect("its own bytes");
        assert_eq!(back, set);
        assert_eq!(IdSet::from_bytes(Vec::new()), Some(IdSet::default()));
        // Damaged bytes are refused, not read as a set.
        let mut bad = set.as_bytes().to_vec();
        bad[0] = 200;
        assert_eq!(IdSet::from_bytes(bad), None);
        assert_eq!(IdSet::from_bytes(set.as_bytes()[..set.as_bytes().len() - 1].to_vec()), None);
        let mut split = set.as_bytes().to_vec();
        let last = split.len() - 1;
        split[last] = 0xff;
        assert_eq!(IdSet::from_bytes(split), None);
        assert_eq!(format!("{set:?}"), r#"{"", "a", "ab", "b", "é"}"#);
    }

    #[test]
    fn a_numbered_id_already_taken_is_skipped() {
        let mut f = IdFactory::default();
        assert_eq!(f.generate("a-1"), "a-1");
        assert_eq!(f.generate("a"), "a");
        assert_eq!(f.generate("a"), "a-2");
        // Numbers handed out or taken since are not handed out again.
        f.put("a-3");
        assert_eq!(f.generate("a"), "a-4");
        assert_eq!(f.generate("a-5"), "a-5");
        assert_eq!(f.generate("a"), "a-6");
    }

    #[test]
    fn many_headings_of_one_text_are_numbered_in_one_pass() {
        // Numbering each one by trying every number before it took minutes for 100,000 (n²/2
        // lookups); now each heading costs one, and a number taken in between one more.
        let mut f = IdFactory::default();
        f.put("same-7");
        for i in 0..20_000 {
            let id = f.generate("Same");
            let n = if i < 7 { i } else { i + 1 };
            assert_eq!(id, if i == 0 { "same".to_string() } else { format!("same-{n}") });
        }
        assert_eq!(f.probes, 20_000);
        assert_eq!(f.into_ids().count(), 20_001);
    }
}
