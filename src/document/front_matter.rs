//! YAML front matter between `---` lines, parsed with serde-saphyr under a budget so a hostile
//! file (alias bombs, deep nesting) is an error, not a hang.

use crate::diagnostic::Span;
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum FrontMatter {
    /// The file does not start with `---`.
    None,
    Yaml {
        /// The YAML text between the delimiters.
        span: Span,
        value: Value,
        /// Top-level keys as written, with the span of each key.
        keys: Vec<FrontMatterKey>,
    },
    Invalid {
        span: Span,
        message: String,
        /// Where in the file the parser stopped, if it said.
        at: Option<usize>,
    },
}

#[derive(Debug, Clone)]
pub struct FrontMatterKey {
    pub name: String,
    pub span: Span,
}

impl FrontMatter {
    /// A top-level field, if the front matter parsed and has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            FrontMatter::Yaml { value, .. } => value.get(key),
            _ => None,
        }
    }

    /// A top-level string field (numbers and booleans are not strings).
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// The span of a top-level key, for findings about it.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        match self {
            FrontMatter::Yaml { keys, .. } => keys.iter().find(|k| k.name == key).map(|k| k.span.clone()),
            _ => None,
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            FrontMatter::None => None,
            FrontMatter::Yaml { span, .. } | FrontMatter::Invalid { span, .. } => Some(span.clone()),
        }
    }
}

/// Splits and parses front matter; returns it and the byte offset where the body starts.
pub fn parse_front_matter(text: &str) -> (FrontMatter, usize) {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let Some(first_end) = rest.find('\n') else { return (FrontMatter::None, 0) };
    if rest[..first_end].trim_end() != "---" {
        return (FrontMatter::None, 0);
    }
    let yaml_start = start + first_end + 1;
    let mut pos = yaml_start;
    while pos <= text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            let body_start = (line_end + 1).min(text.len());
            let span = yaml_start..pos;
            return (parse_yaml(text, span), body_start);
        }
        if line_end >= text.len() {
            break;
        }
        pos = line_end + 1;
    }
    let span = yaml_start..text.len();
    (
        FrontMatter::Invalid {
            span,
            message: "front matter starts with `---` but is never closed".to_string(),
            at: Some(start),
        },
        text.len(),
    )
}

fn parse_yaml(text: &str, span: Span) -> FrontMatter {
    let yaml = &text[span.clone()];
    if yaml.trim().is_empty() {
        return FrontMatter::Yaml { span, value: Value::Object(Default::default()), keys: Vec::new() };
    }
    if let Some(value) = simple_mapping(yaml) {
        let keys = top_level_keys(yaml, span.start);
        return FrontMatter::Yaml { span, value, keys };
    }
    match crate::yaml::from_str::<Value>(yaml) {
        Ok(value @ Value::Object(_)) => {
            let keys = top_level_keys(yaml, span.start);
            FrontMatter::Yaml { span, value, keys }
        }
        Ok(Value::Null) => FrontMatter::Yaml { span, value: Value::Object(Default::default()), keys: Vec::new() },
        Ok(_) => FrontMatter::Invalid {
            span,
            message: "front matter must be a mapping of keys to values".to_string(),
            at: None,
        },
        Err(err) => {
            let at = err.offset.map(|o| span.start + o.min(yaml.len()));
            FrontMatter::Invalid { span, message: err.message, at }
        }
    }
}

/// Front matter that is nothing but `key: text` lines (and blank lines), read without the YAML
/// parser: most handbook pages have a title and a description and little else, and a full parse
/// of each was 5% of a whole-handbook run. Anything this does not fully understand — a value that
/// YAML could read as something other than the text as written (numbers, booleans, null, dates,
/// escapes, flow collections, anchors, block scalars), comments, control characters, nesting,
/// continuation lines, a repeated key, keys or key counts past the parser's limits — is `None`,
/// and the YAML parser decides. Tested against the parser on every page of the handbook
/// (tests/handbook_corpus.rs) and on generated input.
pub fn simple_mapping(yaml: &str) -> Option<Value> {
    // The parser refuses simple keys longer than 1,024 characters, and our budget caps nodes.
    const MAX_KEY: usize = 1_000;
    const MAX_KEYS: usize = 10_000;
    let mut map = serde_json::Map::new();
    for line in yaml.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_start_matches(' ').is_empty() {
            continue;
        }
        let key_len = line.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
        if key_len == 0 || key_len > MAX_KEY || map.len() >= MAX_KEYS || !line.as_bytes()[0].is_ascii_alphabetic() {
            return None;
        }
        let key = &line[..key_len];
        if SPECIAL.iter().any(|w| key.eq_ignore_ascii_case(w)) {
            return None;
        }
        let value = line[key_len..].strip_prefix(": ")?.trim_matches(' ');
        let text = simple_scalar(value)?;
        if map.insert(key.to_string(), Value::String(text.to_string())).is_some() {
            return None;
        }
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// Plain words YAML 1.1 or 1.2 read as booleans or null.
const SPECIAL: [&str; 9] = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"];

/// A scalar whose value is its text: quoted without escapes, or plain text that starts with a
/// letter and that YAML cannot read as anything else.
fn simple_scalar(value: &str) -> Option<&str> {
    // YAML breaks lines at a lone `\r` and refuses most control characters; `#` may start a comment.
    if value.contains(['#', '\\'])
        || value.chars().any(|c| c.is_control() || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
    {
        return None;
    }
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote) {
            let inner = inner.strip_suffix(quote)?;
            return (!inner.contains(quote)).then_some(inner);
        }
    }
    let first = value.chars().next()?;
    if !first.is_ascii_alphabetic() || value.contains(": ") || value.ends_with(':') {
        return None;
    }
    (!SPECIAL.iter().any(|w| value.eq_ignore_ascii_case(w))).then_some(value)
}

/// Finds top-level keys by their lines: a key starts in column 0 and ends at the first `:`.
fn top_level_keys(yaml: &str, base: usize) -> Vec<FrontMatterKey> {
    let mut keys = Vec::new();
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let first = line.chars().next();
        if first.is_some_and(|c| !c.is_whitespace() && c != '#' && c != '-')
            && let Some(colon) = line.find(':')
        {
            let name = line[..colon].trim().trim_matches(|c| c == '"' || c == '\'');
            if !name.is_empty() {
                let start = base + offset;
                keys.push(FrontMatterKey { name: name.to_string(), span: start..start + colon });
            }
        }
        offset += line.len();
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_with_spans() {
        let text = "---\ntitle: Hello\ndecription: x\nlist:\n  - a\n---\nbody\n";
        let (fm, body) = parse_front_matter(text);
        assert_eq!(&text[body..], "body\n");
        assert_eq!(fm.str("title"), Some("Hello"));
        let span = fm.key_span("decription").unwrap();
        assert_eq!(&text[span], "decription");
        assert!(fm.key_span("a").is_none());
    }

    #[test]
    fn broken_and_unclosed_front_matter_are_invalid() {
        let (fm, _) = parse_front_matter("---\ntitle: [unclosed\n---\n");
        assert!(matches!(fm, FrontMatter::Invalid { .. }), "{fm:?}");
        let (fm, body) = parse_front_matter("---\ntitle: x\n");
        assert!(matches!(fm, FrontMatter::Invalid { .. }));
        assert_eq!(body, 13);
        let (fm, body) = parse_front_matter("# no front matter\n");
        assert!(matches!(fm, FrontMatter::None));
        assert_eq!(body, 0);
    }

    #[test]
    fn simple_front_matter_reads_as_the_parser_does() {
        let simple = "title: Support Engineer\ndescription: \"Says: what we do\"\n\n# a comment line is not simple\n";
        assert_eq!(simple_mapping(simple), None, "comments go to the parser");
        let simple = "title: Support Engineer\ndescription: \"Says: what we do\"\nother-key: 'It is'\n";
        let value = simple_mapping(simple).unwrap();
        assert_eq!(Some(&value), crate::yaml::from_str::<Value>(simple).ok().as_ref());
        for not_simple in [
            "a: 1\n",
            "a: yes\n",
            "a: No\n",
            "a: null\n",
            "a: ~\n",
            "a: 2024-01-01\n",
            "a: [x]\n",
            "a: &x y\n",
            "a: >\n  folded\n",
            "a:\n  b: c\n",
            "a: x\n  continued\n",
            "a: x\na: y\n",
            "a: x # comment\n",
            "a: \"esc\\\"aped\"\n",
            "a: 'it''s'\n",
            "a: b: c\n",
            "a: x\n- y\n",
            " a: x\n",
            "\"a\": x\n",
            "a:x\n",
            "a: x\tz\n",
            "on: x\n",
            "title: a\rb\n",
            "title: a\r\r\n",
            "title: a\u{7f}b\n",
            "title: \"a\u{0}\"\n",
            "title: a\u{feff}\n",
        ] {
            assert_eq!(simple_mapping(not_simple), None, "{not_simple:?}");
        }
    }

    /// Many generated front matters, built from the characters YAML treats specially: whatever
    /// the short path accepts, the parser reads the same.
    #[test]
    fn simple_front_matter_agrees_with_the_parser_on_generated_input() {
        const PIECES: [&str; 40] = [
            "a", "Z", "x1", " ", "  ", ":", ": ", "-", "_", "#", " #", "'", "\"", "\\", "[", "]", "{", "}", ",", "&",
            "*", "!", "|", ">", "%", "@", "`", "?", "~", ".", "1", "0x", "yes", "No", "null", "true", "é", "\t", "%20",
            "::",
        ];
        const WORDS: [&str; 10] = ["a", "Z", "x1", "Team page", "é", "yes", "No", "null", "true", "0x"];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut accepted, mut total) = (0, 0);
        for _ in 0..20_000 {
            let mut yaml = String::new();
            for _ in 0..1 + next(3) {
                yaml.push_str(["title", "description", "a-b", "on", "k_2"][next(5)]);
                yaml.push_str([": ", ":", ":  "][next(3)]);
                for i in 0..next(6) {
                    // Mostly words, so that many values are plain text with special characters in them.
                    let piece =
                        if i == 0 || next(2) == 0 { WORDS[next(WORDS.len())] } else { PIECES[next(PIECES.len())] };
                    yaml.push_str(piece);
                }
                yaml.push('\n');
            }
            total += 1;
            if let Some(fast) = simple_mapping(&yaml) {
                accepted += 1;
                let parsed = crate::yaml::from_str::<Value>(&yaml);
                assert_eq!(Some(&fast), parsed.as_ref().ok(), "{yaml:?}");
            }
        }
        assert!(accepted > total / 10, "only {accepted} of {total} generated inputs took the short path");
        let long_key = format!("{}: x\n", "k".repeat(1_100));
        assert_eq!(simple_mapping(&long_key), None);
        assert!(crate::yaml::from_str::<Value>(&long_key).is_err(), "the parser refuses a key that long");
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut y = String::from("---\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            y.push_str(&format!(
                "l{i}: &l{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        y.push_str("---\n");
        let (fm, _) = parse_front_matter(&y);
        assert!(matches!(fm, FrontMatter::Invalid { .. }), "alias bomb must not expand");
    }
}
