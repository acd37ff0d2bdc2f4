//! Checks over front matter and raw or rendered text: front matter validity, placeholders left in,
//! regex patterns (talent assessment ratings, first person) and the style guide's warnings.

use super::{Check, CheckContext, Factory, RuleOptions, parse_options};
use crate::diagnostic::{Covering, Finding, Span, normalize_anchor_text};
use crate::document::{DocKind, Document, FrontMatter};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub static KINDS: &[(&str, Factory)] = &[
    ("invalid-front-matter", |o| Ok(Box::new(InvalidFrontMatter::new(o)?))),
    ("placeholder-text", |o| Ok(Box::new(PlaceholderText::new(o)?))),
    ("pattern", |o| Ok(Box::new(Pattern::new(o)?))),
    ("style", |o| Ok(Box::new(Style::new(o)?))),
    // Waivers and unreadable files change or replace other findings, so the engine produces these
    // findings itself; the kinds exist so the rules can be listed, configured and explained.
    ("invalid-waiver", |o| super::promotion::unit(o, EngineReported)),
    ("unreadable-file", |o| super::promotion::unit(o, EngineReported)),
];

#[derive(Debug)]
struct EngineReported;

impl Check for EngineReported {
    fn check(&self, _: &Document, _: &CheckContext<'_>, _: &mut Vec<Finding>) {}
}

fn compile(pattern: &str, case_insensitive: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid regex `{pattern}`: {e}"))
}

/// Flags front matter that does not parse, and (for promotion documents) required fields that
/// are missing or not text, usernames that are not usernames, and a malformed review period.
#[derive(Debug)]
struct InvalidFrontMatter {
    required: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatterOptions {
    #[serde(default)]
    required_fields: Vec<String>,
}

impl InvalidFrontMatter {
    fn new(o: &RuleOptions) -> Result<Self, String> {
        let opts: FrontMatterOptions = parse_options(o)?;
        Ok(InvalidFrontMatter { required: opts.required_fields })
    }
}

impl Check for InvalidFrontMatter {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        match &doc.front_matter {
            FrontMatter::Invalid { span, message, at } => {
                let at = at.unwrap_or(span.start);
                let line_end = doc.text()[at..].find('\n').map_or(doc.text().len(), |i| at + i);
                out.push(
                    ctx.finding(doc, at..line_end.max(at), format!("front matter does not parse: {message}"))
                        .with_help("front matter is YAML between two `---` lines; quote values that contain `:` or start with `[`, `{`, `@` or `*`")
                        .with_anchor("front matter"),
                );
            }
            FrontMatter::None if doc.kind == DocKind::Promotion => out.push(
                ctx.finding(doc, doc.head_span(), "promotion document has no front matter")
                    .with_help(format!("start the file with `---`, the fields {}, and `---`", self.required.join(", ")))
                    .with_anchor("front matter"),
            ),
            FrontMatter::None => {}
            FrontMatter::Yaml { span, .. } if doc.kind == DocKind::Promotion => self.check_fields(doc, ctx, span, out),
            FrontMatter::Yaml { .. } => {}
        }
    }
}

impl InvalidFrontMatter {
    fn check_fields(&self, doc: &Document, ctx: &CheckContext<'_>, fm_span: &Span, out: &mut Vec<Finding>) {
        let fm = &doc.front_matter;
        let head = fm_span.start.saturating_sub(4)..fm_span.start.saturating_sub(1);
        for field in &self.required {
            match fm.get(field) {
                None | Some(serde_json::Value::Null) => out.push(
                    ctx.finding(doc, head.clone(), format!("front matter has no `{field}`"))
                        .with_help(format!("add `{field}: …` to the front matter"))
                        .with_anchor(format!("field {field}")),
                ),
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => out.push(
                    ctx.finding(
                        doc,
                        fm.key_span(field).unwrap_or(head.clone()),
                        format!("front matter field `{field}` is empty"),
                    )
                    .with_anchor(format!("field {field}")),
                ),
                Some(serde_json::Value::String(_)) => {}
                Some(other) => out.push(
                    ctx.finding(
                        doc,
                        fm.key_span(field).unwrap_or(head.clone()),
                        format!("front matter field `{field}` must be text, not {}", json_kind(other)),
                    )
                    .with_help(format!("write `{field}: value` with a single value"))
                    .with_anchor(format!("field {field}")),
                ),
            }
        }
        for field in ["candidate", "manager"] {
            if let Some(name) = fm.str(field) {
                let name = name.trim().trim_start_matches('@');
                let valid =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !valid {
                    out.push(
                        ctx.finding(
                            doc,
                            fm.key_span(field).unwrap_or(head.clone()),
                            format!("`{field}` must be a GitLab username, not `{name}`"),
                        )
                        .with_help("use the username without spaces, e.g. `jdoe`")
                        .with_anchor(format!("field {field}")),
                    );
                }
            }
        }
        if let Some(period) = fm.get("review_period") {
            let ok = period
                .as_str()
                .and_then(|p| p.split_once(".."))
                .is_some_and(|(a, b)| is_date(a.trim()) && is_date(b.trim()) && a.trim() <= b.trim());
            if !ok {
                out.push(
                    ctx.finding(
                        doc,
                        fm.key_span("review_period").unwrap_or(head),
                        "`review_period` must be `YYYY-MM-DD..YYYY-MM-DD`, start before end",
                    )
                    .with_anchor("field review_period"),
                );
            }
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}

/// Flags template text left in: `TODO`, `TBD`, `<…>`, `[Insert …]` and configured phrases,
/// anywhere outside code and HTML comments (the skeleton's guidance lives in comments).
#[derive(Debug)]
struct PlaceholderText {
    patterns: Vec<Regex>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternList {
    patterns: Vec<String>,
}

impl PlaceholderText {
    fn new(o: &RuleOptions) -> Result<Self, String> {
        let opts: PatternList = parse_options(o)?;
        let patterns = opts.patterns.iter().map(|p| compile(p, false)).collect::<Result<_, _>>()?;
        Ok(PlaceholderText { patterns })
    }
}

impl Check for PlaceholderText {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let text = doc.text();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut spans: BTreeSet<(usize, usize)> = BTreeSet::new();
        let opaque = doc.opaque();
        let links = Covering::new(doc.links.iter().map(|l| &l.span));
        for re in &self.patterns {
            for m in re.find_iter(text) {
                // The spans kept do not overlap: the one that starts last before this match ends
                // is the only one that can overlap it.
                if opaque.contains(m.start())
                    || spans.range(..(m.end(), 0)).next_back().is_some_and(|&(s, e)| m.start() < e && s < m.end())
                    || is_html_tag(m.as_str())
                    || is_link_part(doc, &links, m.start(), m.end())
                {
                    continue;
                }
                spans.insert((m.start(), m.end()));
            }
        }
        for (start, end) in spans {
            let heading = doc.headings.partition_point(|h| h.span.start <= start).checked_sub(1);
            let key = format!("{} {}", doc.section_path(heading), normalize_anchor_text(&text[start..end]));
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            out.push(
                ctx.finding(doc, start..end, format!("placeholder `{}` left in", &text[start..end]))
                    .with_help("replace it with the real content, or remove it")
                    .with_anchor(format!("{key} #{n}")),
            );
        }
    }
}

/// `<details open>` and the like are HTML, not placeholders.
fn is_html_tag(m: &str) -> bool {
    const TAGS: &[&str] = &[
        "a", "abbr", "b", "br", "code", "details", "div", "em", "figure", "hr", "i", "iframe", "img", "kbd", "li",
        "ol", "p", "pre", "section", "span", "strong", "sub", "summary", "sup", "table", "td", "th", "tr", "u", "ul",
        "video",
    ];
    let Some(inner) = m.strip_prefix('<') else { return false };
    let name: String = inner.chars().take_while(char::is_ascii_alphanumeric).collect();
    TAGS.contains(&name.to_ascii_lowercase().as_str())
}

/// Whether a match lies in a link's destination (a file named `TODO.md`), or is the text of a
/// link (`[Insert form](url)` names a real form).
fn is_link_part(doc: &Document, links: &Covering, start: usize, end: usize) -> bool {
    let text = doc.text();
    links.holding(start, end).map(|i| &doc.links[i]).any(|l| {
        let in_text = text[start..end].trim_matches(|c| c == '[' || c == ']');
        l.autolink || !l.text.contains(in_text) || text[end..].starts_with('(') || text[end..].starts_with('[')
    })
}

/// Flags prose matching configured regexes, each with its own message (talent assessment
/// ratings, first person). Code, headings and comments are not prose.
#[derive(Debug)]
struct Pattern {
    patterns: Vec<(Regex, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternOptions {
    patterns: Vec<PatternEntry>,
    #[serde(default = "yes")]
    case_insensitive: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternEntry {
    regex: String,
    message: String,
}

fn yes() -> bool {
    true
}

impl Pattern {
    fn new(o: &RuleOptions) -> Result<Self, String> {
        let opts: PatternOptions = parse_options(o)?;
        let patterns = opts
            .patterns
            .iter()
            .map(|p| Ok((compile(&p.regex, opts.case_insensitive)?, p.message.clone())))
            .collect::<Result<_, String>>()?;
        Ok(Pattern { patterns })
    }
}

impl Check for Pattern {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for run in doc.texts.iter().filter(|t| !t.in_heading) {
            for (re, message) in &self.patterns {
                for m in re.find_iter(&run.text) {
                    let span = locate(doc, &run.text, &run.span, m.start(), m.end());
                    let key = format!("{} {}", doc.section_path(run.heading), m.as_str().to_lowercase());
                    let n = seen.entry(key.clone()).or_default();
                    *n += 1;
                    out.push(ctx.finding(doc, span, message.clone()).with_anchor(format!("{key} #{n}")));
                }
            }
        }
    }
}

/// Maps a match inside a text run to file bytes: exact when the run stands in the source as
/// written, else the whole run.
fn locate(doc: &Document, run: &str, span: &Span, start: usize, end: usize) -> Span {
    if doc.text().get(span.clone()) == Some(run) { span.start + start..span.start + end } else { span.clone() }
}

/// The style guide's warnings: long sentences, filler phrases, acronyms never expanded.
#[derive(Debug)]
struct Style {
    max_sentence_words: usize,
    fillers: Vec<(String, Regex)>,
    acronyms_allowed: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleOptions {
    #[serde(default = "thirty")]
    max_sentence_words: usize,
    #[serde(default)]
    filler_phrases: Vec<String>,
    #[serde(default)]
    acronyms_allowed: Vec<String>,
}

fn thirty() -> usize {
    30
}

impl Style {
    fn new(o: &RuleOptions) -> Result<Self, String> {
        let opts: StyleOptions = parse_options(o)?;
        let fillers = opts
            .filler_phrases
            .iter()
            .map(|p| Ok((p.clone(), compile(&format!(r"\b{}\b", regex::escape(p)), true)?)))
            .collect::<Result<_, String>>()?;
        Ok(Style {
            max_sentence_words: opts.max_sentence_words,
            fillers,
            acronyms_allowed: opts.acronyms_allowed.into_iter().collect(),
        })
    }
}

impl Check for Style {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for block in &doc.blocks {
            for sentence in super::promotion::split_sentences(&block.text) {
                let words = crate::document::count_words(sentence);
                if words > self.max_sentence_words {
                    let first =
                        doc.text()[block.span.clone()].find('\n').map_or(block.span.end, |i| block.span.start + i);
                    out.push(
                        ctx.finding(
                            doc,
                            block.span.start..first,
                            format!("sentence of {words} words; keep sentences under {}", self.max_sentence_words),
                        )
                        .with_help("split it in two; reviewers read many documents")
                        .with_anchor(format!("long {}", normalize_anchor_text(sentence))),
                    );
                }
            }
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for run in doc.texts.iter().filter(|t| !t.in_heading) {
            for (phrase, re) in &self.fillers {
                for m in re.find_iter(&run.text) {
                    let key = format!("filler {} {}", doc.section_path(run.heading), phrase.to_lowercase());
                    let n = seen.entry(key.clone()).or_default();
                    *n += 1;
                    out.push(
                        ctx.finding(
                            doc,
                            locate(doc, &run.text, &run.span, m.start(), m.end()),
                            format!("filler phrase `{}`", m.as_str()),
                        )
                        .with_help("cut it, or say the concrete thing it stands for")
                        .with_anchor(format!("{key} #{n}")),
                    );
                }
            }
        }
        self.acronyms(doc, ctx, out);
    }
}

impl Style {
    /// Each acronym once, at its first use, unless the document expands it somewhere as
    /// `Words (ABC)` or it is allowed.
    fn acronyms(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let all: String = doc.texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
        let mut reported = BTreeSet::new();
        for run in doc.texts.iter().filter(|t| !t.in_heading) {
            for (start, word) in acronym_words(&run.text) {
                if self.acronyms_allowed.contains(word)
                    || reported.contains(word)
                    || super::promotion::is_placeholder(word)
                    || all.contains(&format!("({word})"))
                {
                    continue;
                }
                reported.insert(word.to_string());
                out.push(
                    ctx.finding(
                        doc,
                        locate(doc, &run.text, &run.span, start, start + word.len()),
                        format!("acronym `{word}` is not expanded"),
                    )
                    .with_help(format!("write it out at first use, followed by `({word})`"))
                    .with_anchor(format!("acronym {word}")),
                );
            }
        }
    }
}

/// Words of two to six capitals (digits allowed after the first letter), with their offsets.
fn acronym_words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_alphanumeric() || c == '_' {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            let w = &text[s..i];
            let upper = w.chars().filter(char::is_ascii_uppercase).count();
            if (2..=6).contains(&w.len())
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && upper >= 2
            {
                out.push((s, w));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_acronyms() {
        let words: Vec<&str> =
            acronym_words("The SLA and P1 with KPIs, a GitLab MR and I.").into_iter().map(|(_, w)| w).collect();
        assert_eq!(words, vec!["SLA", "MR"]);
    }

    #[test]
    fn links_holding_a_stretch_are_those_a_scan_finds() {
        // Images inside links, autolinks, links one after another and a long link before them.
        let text = "[a long link with [x] text](https://a.test/1) and [![img](https://i.test/p.png) TODO](https://b.test/2)\n\
                    see https://c.test/3 then [TODO](TODO.md) [t](u) <https://d.test/4>\n";
        let doc = Document::parse("p.md", DocKind::Promotion, text.to_string());
        assert!(doc.links.len() >= 5, "{:?}", doc.links);
        let links = Covering::new(doc.links.iter().map(|l| &l.span));
        for start in 0..text.len() {
            for end in start..=(start + 12).min(text.len()) {
                let mut found: Vec<&Span> = links.holding(start, end).map(|i| &doc.links[i].span).collect();
                let mut scanned: Vec<&Span> =
                    doc.links.iter().filter(|l| l.span.start <= start && end <= l.span.end).map(|l| &l.span).collect();
                found.sort_by_key(|s| (s.start, s.end));
                scanned.sort_by_key(|s| (s.start, s.end));
                assert_eq!(found, scanned, "{start}..{end}");
            }
        }
    }
}
