//! What a lint run produced: the findings, the files that could not be read, and per promotion
//! document the competency coverage that the MR summary note shows. Reporters and the GitLab layer
//! read this; they never run checks themselves.

use crate::diagnostic::{Finding, LineIndex, Severity};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Default, Clone)]
pub struct LintOutcome {
    pub files_checked: usize,
    /// Every file checked, repository-relative, sorted.
    pub files: Vec<std::sync::Arc<str>>,
    /// Sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Per promotion document, in path order.
    pub coverage: Vec<Coverage>,
    /// Source text of files with findings whose findings carry no position, or that a caller
    /// wants reporters to quote from; the terminal report reads other files again from `root`.
    pub sources: BTreeMap<String, Arc<SourceFile>>,
    /// The directory finding paths are relative to.
    pub root: Option<std::path::PathBuf>,
    /// How long each phase of the run took, in order (`check --timings`).
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// Bytes of links and heading ids that waited for the cross-page checks in a temporary file,
    /// not in memory (`link_memory_bytes`).
    pub links_spilled: u64,
}

/// A file's text and its line index.
#[derive(Debug)]
pub struct SourceFile {
    pub text: String,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(text: String) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile { text, lines }
    }

    /// Lines and columns of a span.
    pub fn position(&self, span: &crate::diagnostic::Span) -> Position {
        self.positions().position(span)
    }

    /// [`SourceFile::position`] for many spans, in document order as far as they come so.
    pub fn positions(&self) -> Positions<'_> {
        Positions {
            file: self,
            last: None,
            #[cfg(test)]
            counted: 0,
        }
    }
}

/// Lines and columns of spans that mostly come in document order. A column is counted in
/// characters, so from the start of its line; here it is counted on from the last offset asked
/// for when that is earlier on the same line. One line holding a hundred thousand links then
/// costs its length once rather than once per link.
pub struct Positions<'a> {
    file: &'a SourceFile,
    /// The last offset asked for, its line and its column.
    last: Option<(usize, usize, usize)>,
    /// Bytes stepped over to count columns, for a test of the above.
    #[cfg(test)]
    counted: usize,
}

impl Positions<'_> {
    pub fn position(&mut self, span: &crate::diagnostic::Span) -> Position {
        let (line, column) = self.line_col(span.start);
        let (end_line, end_column) = self.line_col(span.end);
        Position { line, column, end_line, end_column }
    }

    /// As [`LineIndex::line_col`], which it asks unless the last offset is earlier on the
    /// same line.
    fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let text = &self.file.text;
        let offset = crate::diagnostic::floor_char_boundary(text, offset);
        let (line, column) = match self.last {
            Some((at, at_line, at_column))
                if at <= offset && memchr::memchr(b'\n', &text.as_bytes()[at..offset]).is_none() =>
            {
                #[cfg(test)]
                {
                    self.counted += offset - at;
                }
                (at_line, at_column + text[at..offset].chars().count())
            }
            _ => {
                let (line, column) = self.file.lines.line_col(text, offset);
                #[cfg(test)]
                {
                    self.counted += offset - self.file.lines.line_start(line);
                }
                (line, column)
            }
        };
        self.last = Some((offset, line, column));
        (line, column)
    }
}

/// Line and column of a finding, 1-based, columns in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl LintOutcome {
    /// Where a finding is, in lines and columns: as the engine worked it out, else from the kept
    /// source. A finding in a file that could not be read is at 1:1.
    pub fn position(&self, finding: &Finding) -> Position {
        if let Some(position) = finding.position {
            return position;
        }
        match self.sources.get(&*finding.path) {
            Some(src) => src.position(&finding.span),
            None => Position { line: 1, column: 1, end_line: 1, end_column: 1 },
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// How well a promotion document covers its target role's framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub path: String,
    pub candidate: Option<String>,
    pub manager: Option<String>,
    pub current_role: Option<String>,
    pub target_role: String,
    pub rows: Vec<CoverageRow>,
    /// Usernames the rules name as reviewers for this promotion (the role's DRI strategy), in order
    /// of preference.
    pub dri_candidates: Vec<String>,
    /// A username whose manager in the team file is also a candidate (the DRI strategy's
    /// `team_manager_of`).
    pub dri_manager_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    /// `Leadership`, `Technical` or `Values`.
    pub group: String,
    pub name: String,
    /// Evidence items that count (linked, not placeholders, long enough).
    pub evidence: usize,
    pub required: usize,
}

impl CoverageRow {
    pub fn covered(&self) -> bool {
        self.evidence >= self.required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_any_order_are_those_of_one_span_at_a_time() {
        let file = SourceFile::new("é [a](b) ü\nline two ß [c](d)\n\n後 x\n".to_string());
        let len = file.text.len();
        let mut spans: Vec<crate::diagnostic::Span> = Vec::new();
        for start in (0..=len).filter(|&i| file.text.is_char_boundary(i)) {
            spans.push(start..(start + 3).min(len));
        }
        // In order, backwards, and jumping about (a span inside the one before, an end past
        // the text).
        let mut jumbled = spans.clone();
        jumbled.reverse();
        jumbled.extend([5..6, 2..9, 3..4, 0..len + 9, 20..21, 1..2]);
        // Each offset on its own, from the start of its line.
        let alone = |span: &crate::diagnostic::Span| {
            let (line, column) = file.lines.line_col(&file.text, span.start);
            let (end_line, end_column) = file.lines.line_col(&file.text, span.end);
            Position { line, column, end_line, end_column }
        };
        for list in [&spans, &jumbled] {
            let mut positions = file.positions();
            for span in list {
                assert_eq!(positions.position(span), alone(span), "span {span:?}");
                assert_eq!(file.position(span), alone(span), "span {span:?}");
            }
        }
    }

    #[test]
    fn spans_along_one_long_line_count_it_once() {
        let piece = "ü [a](b) ";
        let file = SourceFile::new(piece.repeat(10_000));
        let mut positions = file.positions();
        for i in 0..10_000 {
            let start = i * piece.len() + "ü ".len();
            let p = positions.position(&(start..start + "[a](b)".len()));
            assert_eq!((p.line, p.column, p.end_column), (1, i * 9 + 3, i * 9 + 9));
        }
        // From one span's end to the next one's start, never again from the start of the line.
        assert!(positions.counted <= file.text.len(), "{} bytes counted", positions.counted);
    }
}
