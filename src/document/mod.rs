//! A document is parsed once into this model: front matter, headings, evidence blocks, links and
//! prose runs, each with a byte span. Every check reads it; none parses again.

mod front_matter;
mod links;
mod suppress;

pub use front_matter::{FrontMatter, FrontMatterKey, parse_front_matter, simple_mapping};
pub use links::{LinkRef, LinkStore, PageLinks, Spill};
pub use suppress::Suppressions;

use crate::diagnostic::Span;
use crate::outcome::SourceFile;
use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options};
use std::sync::Arc;

/// Whether a file is linted as a promotion document or a handbook page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocKind {
    Promotion,
    Handbook,
}

#[derive(Debug)]
pub struct Document {
    pub path: String,
    pub kind: DocKind,
    pub source: Arc<SourceFile>,
    pub front_matter: FrontMatter,
    /// Where the Markdown body starts (after the front matter).
    pub body_start: usize,
    pub headings: Vec<Heading>,
    /// List items and paragraphs directly under a heading, in order.
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    /// Text of paragraphs, list items and headings, for prose checks.
    pub texts: Vec<TextRun>,
    /// Fenced and indented code blocks and code spans: raw scans skip these.
    pub code: Vec<Span>,
    /// HTML comments (`<!-- … -->`), which are not rendered.
    pub comments: Vec<Span>,
    pub suppressions: Suppressions,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    /// The heading's text as rendered, without markup and without a trailing `{#id}`.
    pub text: String,
    /// Lower-cased, punctuation dropped, whitespace folded: what rules match against.
    pub norm: String,
    pub explicit_id: Option<String>,
    pub span: Span,
    /// The closest heading above of a lower level (the section this one is in), if any.
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    ListItem,
    Paragraph,
}

/// An evidence candidate: a top-level list item or paragraph.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    /// Index of the closest heading above, if any.
    pub heading: Option<usize>,
    /// Rendered text, nested list items included; paragraphs and items separated by newlines.
    pub text: String,
    /// The same without inline code, for placeholder tests (`TODO` in code is an example).
    pub plain: String,
    pub span: Span,
    /// Indices into `Document::links`.
    pub links: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub text: String,
    pub span: Span,
    pub heading: Option<usize>,
    pub is_image: bool,
    /// Written as `<https://…>` or a bare URL rather than `[text](url)`.
    pub autolink: bool,
}

#[derive(Debug, Clone)]
pub struct TextRun {
    pub text: String,
    pub span: Span,
    pub heading: Option<usize>,
    pub in_heading: bool,
}

/// Lower case, letters/digits/spaces only, whitespace folded: "Diversity, Inclusion & Belonging"
/// and "diversity inclusion belonging" match.
pub fn normalize_heading(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else if c.is_whitespace() || c == '-' || c == '_' || c == '/' {
            space = true;
        }
    }
    out
}

impl Document {
    /// Parses a file's text. Never fails: broken front matter is kept as `FrontMatter::Invalid`
    /// for the front matter check to report, and Markdown always parses.
    pub fn parse(path: &str, kind: DocKind, text: String) -> Document {
        let source = Arc::new(SourceFile::new(text));
        let (front_matter, body_start) = parse_front_matter(&source.text);
        let mut doc = Document {
            path: path.to_string(),
            kind,
            source: Arc::clone(&source),
            front_matter,
            body_start,
            headings: Vec::new(),
            blocks: Vec::new(),
            links: Vec::new(),
            texts: Vec::new(),
            code: Vec::new(),
            comments: Vec::new(),
            suppressions: Suppressions::default(),
        };
        let body = &source.text[body_start..];
        let line_offset = source.lines.line_of(body_start) - 1;
        let arena = Arena::new();
        let root = comrak::parse_document(&arena, body, &markdown_options());
        let mut walker = Walker {
            doc: &mut doc,
            line_offset,
            current_heading: None,
            open_sections: Vec::new(),
            prose: kind == DocKind::Promotion,
        };
        for child in root.children() {
            walker.block(child);
        }
        doc.comments = html_comments(&source.text, body_start);
        if !doc.comments.is_empty() {
            let code = crate::diagnostic::Covering::new(&doc.code);
            doc.comments.retain(|c| !code.contains(c.start));
        }
        doc.suppressions = Suppressions::scan(&source.text, &source.lines, &doc.comments);
        doc
    }

    pub fn text(&self) -> &str {
        &self.source.text
    }

    /// The range of headings nested under heading `i`: `i+1 .. end`.
    pub fn subheadings(&self, i: usize) -> std::ops::Range<usize> {
        let level = self.headings[i].level;
        let end =
            self.headings[i + 1..].iter().position(|h| h.level <= level).map_or(self.headings.len(), |p| i + 1 + p);
        i + 1..end
    }

    /// Direct child headings of heading `i` (one level down, or the next deeper level present).
    pub fn children(&self, i: usize) -> Vec<usize> {
        let range = self.subheadings(i);
        let min = range.clone().map(|j| self.headings[j].level).min();
        range.filter(|&j| Some(self.headings[j].level) == min).collect()
    }

    /// Blocks whose closest heading is `i`.
    pub fn blocks_under(&self, i: usize) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(move |b| b.heading == Some(i))
    }

    /// Blocks anywhere under heading `i`, its subsections included.
    pub fn blocks_within(&self, i: usize) -> impl Iterator<Item = &Block> {
        let range = self.subheadings(i);
        self.blocks.iter().filter(move |b| b.heading.is_some_and(|h| h == i || range.contains(&h)))
    }

    /// The first heading whose normalised text is one of `names` (normalised), at `level` if given,
    /// and inside `within` if given.
    pub fn find_heading(&self, names: &[String], level: Option<u8>, within: Option<usize>) -> Option<usize> {
        let candidates: Box<dyn Iterator<Item = usize>> = match within {
            Some(w) => Box::new(self.subheadings(w)),
            None => Box::new(0..self.headings.len()),
        };
        candidates.into_iter().find(|&i| {
            let h = &self.headings[i];
            level.is_none_or(|l| h.level == l) && names.contains(&h.norm)
        })
    }

    /// A section path for finding anchors: "competencies > technical > debugging".
    pub fn section_path(&self, heading: Option<usize>) -> String {
        let Some(mut i) = heading else { return String::new() };
        let mut parts = vec![self.headings[i].norm.clone()];
        while let Some(p) = self.headings[i].parent {
            parts.push(self.headings[p].norm.clone());
            i = p;
        }
        parts.reverse();
        parts.join(" > ")
    }

    /// The span of the first line of the file, for file-level findings.
    pub fn head_span(&self) -> Span {
        let end = self.text().find('\n').unwrap_or(self.text().len());
        0..end
    }

    /// Code and HTML comments, to ask whether an offset lies in them: text a reader never sees
    /// as prose.
    pub fn opaque(&self) -> crate::diagnostic::Covering {
        crate::diagnostic::Covering::new(self.code.iter().chain(&self.comments))
    }

    /// Prose words of the body: paragraphs and list items, not headings, code or URLs.
    pub fn prose_words(&self) -> usize {
        self.texts.iter().filter(|t| !t.in_heading).map(|t| count_words(&t.text)).sum()
    }
}

fn markdown_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options
}

struct Walker<'d> {
    doc: &'d mut Document,
    line_offset: usize,
    current_heading: Option<usize>,
    /// The headings whose sections are still open, outermost first (levels rising).
    open_sections: Vec<usize>,
    /// Whether to keep evidence blocks and prose runs: only promotion checks read them, and
    /// handbook pages are most of a whole-repository run.
    prose: bool,
}

impl Walker<'_> {
    /// Converts a comrak source position (1-based line, 1-based byte column, in the body) to a
    /// byte offset in the whole file.
    fn offset(&self, line: usize, column: usize) -> usize {
        let lines = &self.doc.source.lines;
        let start = lines.line_start(line + self.line_offset);
        (start + column.saturating_sub(1)).min(self.doc.source.text.len())
    }

    fn span_of<'a>(&self, node: &'a AstNode<'a>) -> Span {
        let pos = node.data().sourcepos;
        let start = self.offset(pos.start.line, pos.start.column);
        // sourcepos end is inclusive; a zero end (some inlines) means "unknown".
        let end = if pos.end.line == 0 { start } else { self.offset(pos.end.line, pos.end.column) + 1 };
        let end = end.min(self.doc.source.text.len()).max(start);
        start..end
    }

    fn block<'a>(&mut self, node: &'a AstNode<'a>) {
        let span = self.span_of(node);
        // 1–6: a heading; LIST and PARAGRAPH: the evidence blocks; None: anything else.
        const LIST: u8 = 0;
        const PARAGRAPH: u8 = 255;
        let heading_level = match &node.data().value {
            NodeValue::Heading(h) => Some(h.level),
            NodeValue::List(_) => Some(LIST),
            NodeValue::Paragraph => Some(PARAGRAPH),
            NodeValue::CodeBlock(_) => {
                self.doc.code.push(span);
                return;
            }
            NodeValue::HtmlBlock(_) => return,
            _ => None,
        };
        if !self.prose && heading_level.is_some_and(|l| l == LIST || l == PARAGRAPH) {
            self.inlines(node, false);
            return;
        }
        match heading_level {
            Some(level) if (1..=6).contains(&level) => {
                let raw = collect_text(node, true);
                let (text, explicit_id) = split_explicit_id(&raw);
                let index = self.doc.headings.len();
                let headings = &self.doc.headings;
                while self.open_sections.last().is_some_and(|&h| headings[h].level >= level) {
                    self.open_sections.pop();
                }
                let parent = self.open_sections.last().copied();
                self.open_sections.push(index);
                self.doc.headings.push(Heading {
                    level,
                    norm: normalize_heading(&text),
                    text: text.clone(),
                    explicit_id,
                    span: span.clone(),
                    parent,
                });
                self.current_heading = Some(index);
                self.inlines(node, true);
            }
            Some(LIST) => {
                for item in node.children() {
                    let span = self.span_of(item);
                    let first_link = self.doc.links.len();
                    self.inlines(item, false);
                    let links = (first_link..self.doc.links.len()).collect();
                    let text = collect_text(item, true);
                    let plain = if has_code(item) { collect_text(item, false) } else { text.clone() };
                    self.doc.blocks.push(Block {
                        kind: BlockKind::ListItem,
                        heading: self.current_heading,
                        text,
                        plain,
                        span,
                        links,
                    });
                }
            }
            Some(_) => {
                let first_link = self.doc.links.len();
                self.inlines(node, false);
                let links = (first_link..self.doc.links.len()).collect();
                let text = collect_text(node, true);
                let plain = if has_code(node) { collect_text(node, false) } else { text.clone() };
                self.doc.blocks.push(Block {
                    kind: BlockKind::Paragraph,
                    heading: self.current_heading,
                    text,
                    plain,
                    span,
                    links,
                });
            }
            None => self.inlines(node, false),
        }
    }

    /// Records links and text runs below `node`.
    fn inlines<'a>(&mut self, node: &'a AstNode<'a>, in_heading: bool) {
        for child in node.descendants().skip(1) {
            let data = child.data();
            match &data.value {
                NodeValue::Link(link) | NodeValue::Image(link) => {
                    let is_image = matches!(data.value, NodeValue::Image(_));
                    let url = link.url.clone();
                    drop(data);
                    let span = self.span_of(child);
                    let text = collect_text(child, true);
                    let raw = &self.doc.source.text[span.clone()];
                    let autolink = !raw.starts_with('[') && !raw.starts_with("![");
                    self.doc.links.push(Link { url, text, span, heading: self.current_heading, is_image, autolink });
                }
                NodeValue::Text(t) if self.prose || in_heading => {
                    let text = t.to_string();
                    drop(data);
                    let span = self.span_of(child);
                    self.doc.texts.push(TextRun { text, span, heading: self.current_heading, in_heading });
                }
                NodeValue::CodeBlock(_) | NodeValue::Code(_) => {
                    drop(data);
                    let span = self.span_of(child);
                    self.doc.code.push(span);
                }
                _ => {}
            }
        }
    }
}

fn has_code<'a>(node: &'a AstNode<'a>) -> bool {
    node.descendants().any(|n| matches!(n.data().value, NodeValue::Code(_)))
}

/// Words in text: runs of letters or digits, URLs not counted.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace().filter(|w| !w.contains("://") && w.chars().any(char::is_alphanumeric)).count()
}

fn html_comments(text: &str, from: usize) -> Vec<Span> {
    // Every page is searched: memchr's vectorised search, not `str::find`'s two-way.
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = from;
    while let Some(start) = memchr::memmem::find(&bytes[pos..], b"<!--") {
        let start = pos + start;
        let end = memchr::memmem::find(&bytes[start + 4..], b"-->").map_or(text.len(), |e| start + 4 + e + 3);
        out.push(start..end);
        pos = end;
    }
    out
}

/// The rendered text of a node: text and (if `code`) code spans; line breaks as spaces, and a
/// newline between paragraphs and list items.
fn collect_text<'a>(node: &'a AstNode<'a>, code: bool) -> String {
    let mut out = String::new();
    for child in node.descendants() {
        match &child.data().value {
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(c) if code => out.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            NodeValue::Paragraph | NodeValue::Item(_) if !out.is_empty() && !out.ends_with('\n') => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Splits a trailing Hugo heading attribute `{#custom-id}` (or `{#id .class}`) from heading text.
fn split_explicit_id(raw: &str) -> (String, Option<String>) {
    let trimmed = raw.trim_end();
    if trimmed.ends_with('}')
        && let Some(open) = trimmed.rfind('{')
    {
        let inner = &trimmed[open + 1..trimmed.len() - 1];
        let id = inner.split_whitespace().find_map(|part| part.strip_prefix('#'));
        if inner.trim_start().starts_with('#') || inner.trim_start().starts_with('.') {
            let text = trimmed[..open].trim_end().to_string();
            return (text, id.map(str::to_string));
        }
    }
    (trimmed.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(src: &str) -> Document {
        Document::parse("p.md", DocKind::Promotion, src.to_string())
    }

    #[test]
    fn headings_blocks_links_have_file_spans() {
        let src = "---\ntitle: x\n---\n\n## Competencies\n\n### Technical\n\n#### Deep Work {#deep}\n\n- Fixed [it](https://x.test/1) well\n- Second item\n\nA paragraph.\n";
        let d = doc(src);
        assert_eq!(d.headings.len(), 3);
        assert_eq!(d.headings[2].text, "Deep Work");
        assert_eq!(d.headings[2].explicit_id.as_deref(), Some("deep"));
        assert_eq!(&src[d.headings[0].span.clone()], "## Competencies");
        assert_eq!(d.blocks.len(), 3);
        assert_eq!(d.blocks[0].heading, Some(2));
        assert_eq!(d.blocks[0].links.len(), 1);
        let link = &d.links[d.blocks[0].links[0]];
        assert_eq!(link.url, "https://x.test/1");
        assert_eq!(&src[link.span.clone()], "[it](https://x.test/1)");
        assert_eq!(d.blocks[2].kind, BlockKind::Paragraph);
        assert_eq!(d.section_path(Some(2)), "competencies > technical > deep work");
        assert_eq!(d.children(0), vec![1]);
    }

    #[test]
    fn a_section_path_climbs_to_the_closest_lower_level_each_time() {
        let d = doc("# A\n\n### B\n\n## C\n\n### D\n\n#### E\n\n## F\n\n# G\n\n### H\n\n## I\n");
        let paths: Vec<String> = (0..d.headings.len()).map(|i| d.section_path(Some(i))).collect();
        assert_eq!(paths, ["a", "a > b", "a > c", "a > c > d", "a > c > d > e", "a > f", "g", "g > h", "g > i"]);
        assert_eq!(d.section_path(None), "");
    }

    #[test]
    fn normalizes_headings() {
        assert_eq!(normalize_heading("  Diversity, Inclusion & Belonging "), "diversity inclusion belonging");
        assert_eq!(normalize_heading("🤝 Collaboration"), "collaboration");
        assert_eq!(normalize_heading("Business-Results:"), "business results");
    }

    #[test]
    fn bare_urls_are_links() {
        let d = doc("See https://gitlab.com/a/b/-/issues/1 for it.\n");
        assert_eq!(d.links.len(), 1);
        assert!(d.links[0].autolink);
    }
}
