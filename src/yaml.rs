//! YAML through serde-saphyr with a parse budget: one place that decides how much a hostile file
//! may make the parser do, and that turns its errors into a message and a byte offset.

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Options};

#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    /// Byte offset into the parsed text, when the parser said where.
    pub offset: Option<usize>,
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_events = 200_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_depth = 64;
    budget.max_nodes = 100_000;
    budget.max_recorded_anchor_events = 10_000;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    options
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str_with_options::<T>(text, options()).map_err(|err| {
        let offset = err.location().and_then(|loc| {
            loc.span().byte_offset().map(|o| o as usize).or_else(|| {
                let line = loc.line() as usize;
                let col = loc.column() as usize;
                line_col_to_offset(text, line, col)
            })
        });
        YamlError { message: first_line(&err.to_string()), offset }
    })
}

/// The message without serde-saphyr's "at line L, column C": lines count from the start of the
/// parsed text, which for front matter is not the file's; callers point at the offset instead.
/// The span a miette label underlines for a YAML error at `offset`: the rest of the key or line.
pub fn label_span(text: &str, offset: usize) -> miette::SourceSpan {
    let o = crate::diagnostic::floor_char_boundary(text, offset);
    let len = text[o..].find(['\n', ':']).unwrap_or(0).max(1).min(text.len() - o);
    miette::SourceSpan::new(o.into(), len)
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or(s).trim();
    match line.rfind(" at line ") {
        Some(i) if line[i..].contains("column") => line[..i].trim_end_matches(',').to_string(),
        _ => line.to_string(),
    }
}

fn line_col_to_offset(text: &str, line: usize, col: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let line_text = &text[start..];
    let byte_col = line_text.char_indices().nth(col.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i);
    Some(start + byte_col)
}
