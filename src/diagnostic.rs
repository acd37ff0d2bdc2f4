//! Findings are plain data: what was flagged, where, and how bad. They know nothing of how they are
//! printed; reporters in `report/` turn them into text, JSON, Code Quality, SARIF or JUnit.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Range;

/// How serious a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in a document's source. Only reporters turn spans into lines and columns.
pub type Span = Range<usize>;

/// One thing a check flagged in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable kebab-case rule id, e.g. `missing-section`.
    pub rule: String,
    pub severity: Severity,
    /// Path relative to the repository root, `/`-separated; shared by a page's findings (and,
    /// through [`Finding::share_path`], with the run's own string for the page).
    pub path: std::sync::Arc<str>,
    /// Byte range in the file's source. An empty range at 0 means "the file as a whole".
    pub span: Span,
    pub message: String,
    /// Most help is the same text for every finding of a rule: kept once, not copied into each.
    pub help: Option<std::borrow::Cow<'static, str>>,
    /// What the finding is about, independent of line numbers: the section path and the normalised
    /// text concerned. Fingerprints are computed from the rule, the path and this anchor.
    pub anchor: String,
    /// The competency (or value) this finding is about, for coverage tables.
    pub competency: Option<String>,
    /// Line and column of the span, worked out by the engine while the file's text is at hand, so
    /// reporters need not keep every file's text.
    pub position: Option<crate::outcome::Position>,
}

impl Finding {
    pub fn new(rule: &str, severity: Severity, path: &str, span: Span, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.to_string(),
            severity,
            path: path.into(),
            span,
            message: message.into(),
            help: None,
            anchor: String::new(),
            competency: None,
            position: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_anchor(mut self, anchor: impl Into<String>) -> Self {
        self.anchor = anchor.into();
        self
    }

    pub fn with_competency(mut self, competency: impl Into<String>) -> Self {
        self.competency = Some(competency.into());
        self
    }

    /// Keeps `path` (the run's string for the page) in place of the finding's own copy of it, so
    /// that a page's findings hold its path once.
    pub fn share_path(&mut self, path: &std::sync::Arc<str>) {
        if self.path == *path {
            self.path = std::sync::Arc::clone(path);
        }
    }

    /// A hash of rule, path and anchor. Never the line: an edit above a finding keeps its
    /// fingerprint, so the MR review does not see it as new.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.rule, &self.path, &self.anchor)
    }
}

/// The fingerprint of a finding from its parts; see [`Finding::fingerprint`].
pub fn fingerprint(rule: &str, path: &str, anchor: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule, path, anchor] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(32);
    for byte in &digest[..16] {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Normalises text for anchors: lower case, whitespace folded, so reflowing a paragraph does not
/// change a fingerprint.
pub fn normalize_anchor_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Line and column (1-based, columns in characters) of byte offsets in a source text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        // Sized for lines of 40 bytes or so, so that a page rarely grows it.
        let mut starts = Vec::with_capacity(source.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// Byte offset where 1-based `line` starts (clamped to the last line).
    pub fn line_start(&self, line: usize) -> usize {
        let idx = line.saturating_sub(1).min(self.starts.len() - 1);
        self.starts[idx]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// 1-based (line, column) of a byte offset, the column counted in characters.
    pub fn line_col(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let line = self.line_of(offset);
        let start = self.starts[line - 1];
        let col = source[start..offset].chars().count() + 1;
        (line, col)
    }
}

/// Byte ranges, in any order and possibly overlapping, asked which of them hold an offset or a
/// stretch: sorted once by start with the furthest end reached so far, then a binary search per
/// question. (A page can have tens of thousands of code spans or links and as many things to
/// place.)
#[derive(Debug, Default, Clone)]
pub struct Covering {
    /// (start, end, index in the ranges given), by start.
    ranges: Vec<(usize, usize, usize)>,
    /// `reach[k]`: the largest end of `ranges[..=k]`.
    reach: Vec<usize>,
}

impl Covering {
    pub fn new<'a>(spans: impl IntoIterator<Item = &'a Span>) -> Covering {
        let mut ranges: Vec<(usize, usize, usize)> =
            spans.into_iter().zip(0..).map(|(s, i)| (s.start, s.end, i)).collect();
        ranges.sort_unstable();
        let reach = ranges
            .iter()
            .scan(0, |far, &(_, end, _)| {
                *far = end.max(*far);
                Some(*far)
            })
            .collect();
        Covering { ranges, reach }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether some range holds `offset` (`start <= offset < end`).
    pub fn contains(&self, offset: usize) -> bool {
        let n = self.ranges.partition_point(|&(start, ..)| start <= offset);
        n > 0 && self.reach[n - 1] > offset
    }

    /// The indices (in the order given to [`Covering::new`]) of the ranges that hold all of
    /// `start..end`: of those that start at or before it, back to where none reaches its end.
    pub fn holding(&self, start: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
        let n = self.ranges.partition_point(|&(s, ..)| s <= start);
        (0..n)
            .rev()
            .take_while(move |&k| self.reach[k] >= end)
            .filter(move |&k| end <= self.ranges[k].1)
            .map(|k| self.ranges[k].2)
    }
}

/// The largest char boundary at or below `i`.
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_answers_as_a_scan_of_its_ranges_would() {
        let ranges: Vec<Span> = vec![10..20, 0..3, 15..40, 50..50, 45..47, 2..5, 60..61];
        let covering = Covering::new(&ranges);
        for at in 0..70 {
            assert_eq!(covering.contains(at), ranges.iter().any(|r| r.contains(&at)), "offset {at}");
        }
        assert!(!Covering::new(&[]).contains(0));
        for start in 0..70 {
            for end in start..72 {
                let mut held: Vec<usize> = covering.holding(start, end).collect();
                held.sort_unstable();
                let scanned: Vec<usize> =
                    (0..ranges.len()).filter(|&i| ranges[i].start <= start && end <= ranges[i].end).collect();
                assert_eq!(held, scanned, "{start}..{end}");
            }
        }
    }

    #[test]
    fn a_finding_shares_its_pages_path_and_no_other() {
        let page: std::sync::Arc<str> = "content/a.md".into();
        let mut f = Finding::new("r", Severity::Error, "content/a.md", 0..1, "m");
        assert!(!std::sync::Arc::ptr_eq(&f.path, &page));
        f.share_path(&page);
        assert!(std::sync::Arc::ptr_eq(&f.path, &page));
        let mut other = Finding::new("r", Severity::Error, "content/b.md", 0..1, "m");
        other.share_path(&page);
        assert_eq!(&*other.path, "content/b.md");
    }

    #[test]
    fn fingerprint_ignores_span_but_not_anchor() {
        let a = Finding::new("r", Severity::Error, "p.md", 0..1, "m").with_anchor("x");
        let mut b = a.clone();
        b.span = 100..120;
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = a.clone().with_anchor("y");
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_ne!(fingerprint("ab", "c", ""), fingerprint("a", "bc", ""));
    }

    #[test]
    fn line_col_counts_characters() {
        let src = "ab\nçé x\n";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 0), (1, 1));
        assert_eq!(idx.line_col(src, 3), (2, 1));
        let x = src.find('x').unwrap();
        assert_eq!(idx.line_col(src, x), (2, 4));
        assert_eq!(idx.line_col(src, src.len()), (3, 1));
    }
}
