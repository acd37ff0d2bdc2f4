//! Inline suppressions: `<!-- promolint-disable rule -->` … `<!-- promolint-enable rule -->`
//! and `<!-- promolint-disable-next-line rule -->`. No rule id means every rule.

use crate::diagnostic::LineIndex;
use std::ops::RangeInclusive;

#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    /// (rule or None for all, lines suppressed)
    ranges: Vec<(Option<String>, RangeInclusive<usize>)>,
}

impl Suppressions {
    /// Reads directives from the document's HTML comments (those in code are examples, not
    /// directives, and are not passed in).
    pub fn scan(text: &str, lines: &LineIndex, comments: &[std::ops::Range<usize>]) -> Self {
        let mut ranges = Vec::new();
        let mut open: Vec<(Option<String>, usize)> = Vec::new();
        for comment in comments {
            let at = comment.start;
            if !text[at..].starts_with("<!-- promolint-") {
                continue;
            }
            let Some(end) = text[at..].find("-->") else { continue };
            let inner = text[at + 5..at + end].trim();
            let line = lines.line_of(at);
            let mut words = inner.split_whitespace();
            let directive = words.next().unwrap_or("");
            let rules: Vec<Option<String>> = {
                let named: Vec<Option<String>> =
                    words.flat_map(|w| w.split(',')).filter(|w| !w.is_empty()).map(|w| Some(w.to_string())).collect();
                if named.is_empty() { vec![None] } else { named }
            };
            match directive {
                "promolint-disable-next-line" => {
                    for rule in rules {
                        ranges.push((rule, line + 1..=line + 1));
                    }
                }
                "promolint-disable-line" => {
                    for rule in rules {
                        ranges.push((rule, line..=line));
                    }
                }
                "promolint-disable" => {
                    for rule in rules {
                        open.push((rule, line));
                    }
                }
                "promolint-enable" => {
                    for rule in rules {
                        // `enable` with no rule closes everything; with a rule, that rule's range.
                        let mut i = 0;
                        while i < open.len() {
                            if rule.is_none() || open[i].0 == rule {
                                let (r, start) = open.remove(i);
                                ranges.push((r, start..=line));
                            } else {
                                i += 1;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (rule, start) in open {
            ranges.push((rule, start..=usize::MAX));
        }
        Suppressions { ranges }
    }

    pub fn is_suppressed(&self, rule: &str, line: usize) -> bool {
        self.ranges.iter().any(|(r, lines)| r.as_deref().is_none_or(|r| r == rule) && lines.contains(&line))
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_next_line() {
        let text = "a\n<!-- promolint-disable first-person -->\nb\n<!-- promolint-enable first-person -->\nc\n<!-- promolint-disable-next-line style -->\nd\ne\n";
        let comments: Vec<_> =
            text.match_indices("<!--").map(|(i, _)| i..i + text[i..].find("-->").unwrap() + 3).collect();
        let s = Suppressions::scan(text, &LineIndex::new(text), &comments);
        assert!(!s.is_suppressed("first-person", 1));
        assert!(s.is_suppressed("first-person", 3));
        assert!(!s.is_suppressed("first-person", 5));
        assert!(!s.is_suppressed("style", 3));
        assert!(s.is_suppressed("style", 7));
        assert!(!s.is_suppressed("style", 8));
    }
}
