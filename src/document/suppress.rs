//! Inline suppressions: `<!-- promolint-disable rule -->` … `<!-- promolint-enable rule -->`
//! and `<!-- promolint-disable-next-line rule -->`. No rule id means every rule.

use crate::diagnostic::{Covering, LineIndex, Span};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    /// Lines suppressed for every rule, and per rule, as ranges of line numbers (end excluded)
    /// looked up by binary search: a page can have thousands of directives and a finding for
    /// each.
    all: Covering,
    by_rule: BTreeMap<String, Covering>,
}

impl Suppressions {
    /// Reads directives from the document's HTML comments (those in code are examples, not
    /// directives, and are not passed in).
    pub fn scan(text: &str, lines: &LineIndex, comments: &[std::ops::Range<usize>]) -> Self {
        let mut ranges: Vec<(Option<String>, RangeInclusive<usize>)> = Vec::new();
        // The line each still open `disable` started on, by rule.
        let mut open: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
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
                        open.entry(rule).or_default().push(line);
                    }
                }
                "promolint-enable" => {
                    for rule in rules {
                        // `enable` with no rule closes everything; with a rule, that rule's range.
                        let closed = match rule {
                            None => std::mem::take(&mut open),
                            Some(_) => open.remove_entry(&rule).into_iter().collect(),
                        };
                        for (r, starts) in closed {
                            ranges.extend(starts.into_iter().map(|start| (r.clone(), start..=line)));
                        }
                    }
                }
                _ => {}
            }
        }
        for (rule, starts) in open {
            ranges.extend(starts.into_iter().map(|start| (rule.clone(), start..=usize::MAX)));
        }
        let (mut all, mut by_rule): (Vec<Span>, BTreeMap<String, Vec<Span>>) = Default::default();
        for (rule, lines) in ranges {
            let lines = *lines.start()..lines.end().saturating_add(1);
            match rule {
                None => all.push(lines),
                Some(rule) => by_rule.entry(rule).or_default().push(lines),
            }
        }
        Suppressions {
            all: Covering::new(&all),
            by_rule: by_rule.into_iter().map(|(rule, lines)| (rule, Covering::new(&lines))).collect(),
        }
    }

    pub fn is_suppressed(&self, rule: &str, line: usize) -> bool {
        self.all.contains(line) || self.by_rule.get(rule).is_some_and(|lines| lines.contains(line))
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.by_rule.is_empty()
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

    /// Suppressed lines as a list of (rule, lines) asked one by one, from the directives in
    /// order: what `scan` and `is_suppressed` must agree with.
    fn one_by_one(directives: &[(usize, &str, Option<&str>)]) -> Vec<(Option<String>, RangeInclusive<usize>)> {
        let (mut ranges, mut open): (Vec<_>, Vec<(Option<String>, usize)>) = (Vec::new(), Vec::new());
        for &(line, directive, rule) in directives {
            let rule = rule.map(str::to_string);
            match directive {
                "disable-next-line" => ranges.push((rule, line + 1..=line + 1)),
                "disable-line" => ranges.push((rule, line..=line)),
                "disable" => open.push((rule, line)),
                _ => {
                    for (r, start) in open.extract_if(.., |(r, _)| rule.is_none() || *r == rule) {
                        ranges.push((r, start..=line));
                    }
                }
            }
        }
        ranges.extend(open.into_iter().map(|(r, start)| (r, start..=usize::MAX)));
        ranges
    }

    #[test]
    fn overlapping_nested_and_unclosed_ranges_suppress_what_each_would() {
        let directives: Vec<(usize, &str, Option<&str>)> = vec![
            (2, "disable", Some("a")),
            (3, "disable", Some("a")),
            (4, "disable-next-line", Some("b")),
            (5, "disable-next-line", Some("b")),
            (7, "enable", Some("a")),
            (8, "disable", None),
            (9, "disable-line", Some("a")),
            (10, "enable", Some("b")),
            (12, "enable", None),
            (13, "disable", Some("c")),
            (14, "disable-line", Some("c")),
            (16, "enable", None),
            (17, "disable-next-line", None),
            (20, "disable", Some("a")),
            (22, "disable-line", Some("b")),
        ];
        let mut text = String::new();
        let mut at = directives.iter().peekable();
        for line in 1..=24 {
            match at.next_if(|(l, ..)| *l == line) {
                Some((_, d, r)) => text.push_str(&format!("<!-- promolint-{d} {} -->\n", r.unwrap_or(""))),
                None => text.push_str("x\n"),
            }
        }
        let comments: Vec<_> =
            text.match_indices("<!--").map(|(i, _)| i..i + text[i..].find("-->").unwrap() + 3).collect();
        let s = Suppressions::scan(&text, &LineIndex::new(&text), &comments);
        let expected = one_by_one(&directives);
        for rule in ["a", "b", "c", "d"] {
            for line in 1..=26 {
                let want =
                    expected.iter().any(|(r, lines)| r.as_deref().is_none_or(|r| r == rule) && lines.contains(&line));
                assert_eq!(s.is_suppressed(rule, line), want, "rule {rule}, line {line}");
            }
        }
    }
}
