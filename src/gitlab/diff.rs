//! Which lines of a file an MR diff shows, computed from the unified diff hunks GitLab returns.
//! Inline discussions can only sit on those lines: an added line is addressed by its new line
//! number, an unchanged context line by both its new and its old line number.

use std::collections::BTreeMap;

/// How a line of the new file appears in the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLine {
    Added,
    /// Unchanged, shown as context; carries its line number in the old file.
    Context {
        old_line: u64,
    },
}

/// The lines of the new file that appear in a diff, keyed by 1-based new line number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffLines {
    pub lines: BTreeMap<u64, DiffLine>,
}

impl DiffLines {
    /// Parses hunks (`@@ -a,b +c,d @@` followed by ` `, `+`, `-` and `\` lines). Text before the
    /// first hunk header and malformed headers are skipped rather than trusted.
    pub fn parse(diff: &str) -> DiffLines {
        let mut lines = BTreeMap::new();
        let mut cursor: Option<(u64, u64)> = None; // (old, new) line numbers of the next line
        for line in diff.lines() {
            if line.starts_with("@@") {
                cursor = parse_hunk_header(line);
                continue;
            }
            let Some((old, new)) = cursor.as_mut() else { continue };
            match line.as_bytes().first() {
                Some(b'+') => {
                    lines.insert(*new, DiffLine::Added);
                    *new += 1;
                }
                Some(b'-') => *old += 1,
                Some(b'\\') => {} // "\ No newline at end of file"
                _ => {
                    // A context line; an empty line is a context line whose leading space was
                    // trimmed by some tools.
                    lines.insert(*new, DiffLine::Context { old_line: *old });
                    *old += 1;
                    *new += 1;
                }
            }
        }
        DiffLines { lines }
    }

    pub fn get(&self, new_line: u64) -> Option<DiffLine> {
        self.lines.get(&new_line).copied()
    }

    pub fn added(&self) -> impl Iterator<Item = u64> + '_ {
        self.lines.iter().filter(|(_, k)| **k == DiffLine::Added).map(|(n, _)| *n)
    }
}

/// `@@ -old[,count] +new[,count] @@ …` → the first old and new line numbers.
fn parse_hunk_header(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("@@")?.trim_start();
    let mut parts = rest.split_whitespace();
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let start = |s: &str| s.split(',').next().and_then(|n| n.parse::<u64>().ok());
    let (old, new) = (start(old)?, start(new)?);
    // A range starting at 0 is an empty side (new or deleted file); the next line is line 1.
    Some((old.max(1), new.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_context_lines_get_their_numbers() {
        let diff = "@@ -1,4 +1,5 @@\n a\n-b\n+B\n+C\n c\n d\n@@ -20,2 +21,3 @@ heading\n x\n+y\n z\n\\ No newline at end of file\n";
        let d = DiffLines::parse(diff);
        assert_eq!(d.get(1), Some(DiffLine::Context { old_line: 1 }));
        assert_eq!(d.get(2), Some(DiffLine::Added));
        assert_eq!(d.get(3), Some(DiffLine::Added));
        assert_eq!(d.get(4), Some(DiffLine::Context { old_line: 3 }));
        assert_eq!(d.get(5), Some(DiffLine::Context { old_line: 4 }));
        assert_eq!(d.get(6), None);
        assert_eq!(d.get(21), Some(DiffLine::Context { old_line: 20 }));
        assert_eq!(d.get(22), Some(DiffLine::Added));
        assert_eq!(d.get(23), Some(DiffLine::Context { old_line: 21 }));
        assert_eq!(d.added().collect::<Vec<_>>(), [2, 3, 22]);
    }

    #[test]
    fn new_file_and_garbage() {
        let d = DiffLines::parse("@@ -0,0 +1,2 @@\n+one\n+two\n");
        assert_eq!(d.added().collect::<Vec<_>>(), [1, 2]);
        assert!(DiffLines::parse("not a diff\n+x\n@@ nonsense @@\n+y\n").lines.is_empty());
    }
}
