//! The links of a page, kept once its parsed document is dropped. Whether a link is broken depends
//! on every other page of the site, which is known only after all pages are parsed; holding each
//! page's links (and not its whole document) until then keeps a whole-handbook run small.

use super::{DocKind, Document, Suppressions};
use crate::diagnostic::Span;

/// A page's links, compact: one string holds every destination and section path, and each link is
/// a fixed-size record of offsets into it. A whole handbook keeps some 30,000 links (300,000 for
/// ten copies) until the site is indexed: one allocation per page instead of three per link keeps
/// that small and quick to free.
#[derive(Debug)]
pub struct PageLinks {
    /// Shared with the page's [`crate::handbook::PageFacts`].
    pub path: std::sync::Arc<str>,
    pub kind: DocKind,
    text: String,
    records: Vec<Record>,
    pub suppressions: Suppressions,
    /// Rules the page's front matter waives (with a reason).
    pub waived: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    dest: (u32, u32),
    section: (u32, u32),
    span: (u32, u32),
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    markdown: bool,
    is_image: bool,
}

/// One link of a [`PageLinks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef<'a> {
    /// The destination as written.
    pub dest: &'a str,
    pub span: Span,
    /// Lines and columns of the span.
    pub position: crate::outcome::Position,
    /// Section path of the closest heading above ("team > on-call"), for finding anchors.
    pub section: &'a str,
    /// A Markdown link (Hugo's link render hook resolves it, then the browser) rather than an
    /// `href` of raw HTML (only the browser resolves it).
    pub markdown: bool,
    pub is_image: bool,
}

/// The links of many pages in a few large allocations: what the first pass of a run keeps until
/// the site is indexed. Kept as one small string, one small vector and a box per page, the links
/// of a handbook are tens of thousands of small allocations made among the much larger, short-lived
/// ones of parsing; each pins a page of the allocator that parsing freed around it, and memory then
/// grows with the number of files well past what the links themselves take.
#[derive(Debug, Default)]
pub struct LinkStore {
    text: String,
    records: Vec<Record>,
    pages: Vec<StoredPage>,
}

#[derive(Debug)]
struct StoredPage {
    path: std::sync::Arc<str>,
    kind: DocKind,
    text: std::ops::Range<usize>,
    records: std::ops::Range<usize>,
    /// Suppressions and waivers: most pages have neither.
    extra: Option<Box<(Suppressions, Vec<String>)>>,
}

impl LinkStore {
    /// Keeps a page's links (nothing for a page without any).
    pub fn push(&mut self, page: PageLinks) {
        if page.is_empty() {
            return;
        }
        let text = self.text.len()..self.text.len() + page.text.len();
        self.text.push_str(&page.text);
        let records = self.records.len()..self.records.len() + page.records.len();
        self.records.extend_from_slice(&page.records);
        let extra = (!page.suppressions.is_empty() || !page.waived.is_empty())
            .then(|| Box::new((page.suppressions, page.waived)));
        self.pages.push(StoredPage { path: page.path, kind: page.kind, text, records, extra });
    }

    /// Gives back unused capacity: a store is kept until the site is indexed.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.pages.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The links of the `i`th page kept, as they were pushed.
    pub fn page(&self, i: usize) -> PageLinks {
        let p = &self.pages[i];
        let (suppressions, waived) = p.extra.as_deref().cloned().unwrap_or_default();
        PageLinks {
            path: std::sync::Arc::clone(&p.path),
            kind: p.kind,
            text: self.text[p.text.clone()].to_string(),
            records: self.records[p.records.clone()].to_vec(),
            suppressions,
            waived,
        }
    }
}

/// Offsets into a page's text: pages are size-limited far below 4 GiB before they are parsed.
fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl PageLinks {
    /// The links of a parsed page whose destination `keep` accepts; `waived` is left for the
    /// caller, which owns waiver rules.
    pub fn of(doc: &Document, keep: &dyn Fn(&str) -> bool) -> PageLinks {
        PageLinks::sharing(doc, keep, doc.path.as_str().into())
    }

    /// [`PageLinks::of`] keeping `path` (the document's path) rather than a copy of its own.
    pub fn sharing(doc: &Document, keep: &dyn Fn(&str) -> bool, path: std::sync::Arc<str>) -> PageLinks {
        debug_assert_eq!(&*path, doc.path);
        let mut page = PageLinks {
            path,
            kind: doc.kind,
            text: String::new(),
            records: Vec::new(),
            suppressions: doc.suppressions.clone(),
            waived: Vec::new(),
        };
        // Section paths already written to `text`, by heading; links come in document order, so
        // the last one asked for is nearly always the one.
        let mut sections: Vec<(Option<usize>, (u32, u32))> = Vec::new();
        let mut add = |page: &mut PageLinks, dest: &str, span: &Span, heading: Option<usize>, markdown, is_image| {
            let section = match sections.iter().rev().find(|(h, _)| *h == heading) {
                Some(&(_, range)) => range,
                None => {
                    let start = page.text.len();
                    let path = doc.section_path(heading);
                    // Offsets are u32: a page (size-limited far below 2 GiB) whose section paths
                    // would pass that keeps the rest of its links without one (it only names a
                    // finding for the fingerprint).
                    if start + path.len() + doc.text().len() < u32::MAX as usize {
                        page.text.push_str(&path);
                    }
                    let range = (u32_of(start), u32_of(page.text.len()));
                    sections.push((heading, range));
                    range
                }
            };
            let start = page.text.len();
            page.text.push_str(dest);
            let p = doc.source.position(span);
            page.records.push(Record {
                dest: (u32_of(start), u32_of(page.text.len())),
                section,
                span: (u32_of(span.start), u32_of(span.end)),
                line: u32_of(p.line),
                column: u32_of(p.column),
                end_line: u32_of(p.end_line),
                end_column: u32_of(p.end_column),
                markdown,
                is_image,
            });
        };
        for l in doc.links.iter().filter(|l| keep(&l.url)) {
            add(&mut page, &l.url, &l.span, l.heading, true, l.is_image);
        }
        for (span, href) in html_hrefs(doc).into_iter().filter(|(_, href)| keep(href)) {
            let heading = doc.headings.iter().rposition(|h| h.span.start < span.start);
            add(&mut page, &href, &span, heading, false, false);
        }
        page.text.shrink_to_fit();
        page.records.shrink_to_fit();
        page
    }

    /// Markdown links in document order, then `href`s of raw HTML `<a>` tags in document order.
    pub fn links(&self) -> impl ExactSizeIterator<Item = LinkRef<'_>> + '_ {
        self.records.iter().map(|r| self.link(r))
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn link(&self, r: &Record) -> LinkRef<'_> {
        let text = |(start, end): (u32, u32)| self.text.get(start as usize..end as usize).unwrap_or("");
        LinkRef {
            dest: text(r.dest),
            span: r.span.0 as usize..r.span.1 as usize,
            position: crate::outcome::Position {
                line: r.line as usize,
                column: r.column as usize,
                end_line: r.end_line as usize,
                end_column: r.end_column as usize,
            },
            section: text(r.section),
            markdown: r.markdown,
            is_image: r.is_image,
        }
    }

    /// Position of the link with this span, if the page has one.
    pub fn position_of(&self, span: &Span) -> Option<crate::outcome::Position> {
        self.links().find(|l| l.span == *span).map(|l| l.position)
    }
}

/// `href` attributes of `<a>` tags in raw HTML, outside code and comments.
fn html_hrefs(doc: &Document) -> Vec<(Span, String)> {
    let text = doc.text();
    let start = doc.body_start.min(text.len());
    let bytes = text.as_bytes();
    if memchr::memmem::find(&bytes[start..], b"href").is_none() {
        return Vec::new();
    }
    // Code shows tags as text and comments are not rendered: neither holds a link.
    let code: Vec<&Span> = doc.code.iter().chain(&doc.comments).collect();
    let mut out = Vec::new();
    for pos in memchr::memchr_iter(b'<', &bytes[start..]) {
        let at = start + pos;
        let is_anchor =
            matches!(bytes.get(at + 1), Some(b'a' | b'A')) && bytes.get(at + 2).is_some_and(u8::is_ascii_whitespace);
        if !is_anchor || code.iter().any(|s| s.contains(&at)) {
            continue;
        }
        let Some(end) = memchr::memchr(b'>', &bytes[at..]) else {
            continue;
        };
        let tag = &text[at..at + end];
        let Some(h) = tag.find("href=") else { continue };
        if !tag[..h].ends_with(char::is_whitespace) {
            continue;
        }
        let value = &tag[h + 5..];
        let href = match value.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => value[1..].split(q as char).next().unwrap_or(""),
            _ => value.split(char::is_whitespace).next().unwrap_or(""),
        };
        out.push((at..at + end + 1, href.replace("&amp;", "&")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_then_html_hrefs_with_lines_and_sections() {
        let text = "---\ntitle: t\n---\n# Top\n\nSee [a](a.md).\n\n## Sub\n\n<a href=\"b/#x\">b</a> and ![i](i.png)\n\n`<a href=\"code\">`\n<!-- <a href=\"comment\"> -->\n";
        let doc = Document::parse("content/p.md", DocKind::Handbook, text.to_string());
        let page = PageLinks::of(&doc, &|_| true);
        let got: Vec<(&str, usize, &str, bool, bool)> =
            page.links().map(|l| (l.dest, l.position.line, l.section, l.markdown, l.is_image)).collect();
        assert_eq!(
            got,
            vec![
                ("a.md", 6, "top", true, false),
                ("i.png", 10, "top > sub", true, true),
                ("b/#x", 10, "top > sub", false, false)
            ]
        );
        let html = page.position_of(&page.links().nth(2).unwrap().span).unwrap();
        assert_eq!((html.line, html.column, html.end_line), (10, 1, 10));
        let page = PageLinks::of(&doc, &|dest| dest.contains('#'));
        assert_eq!(page.links().map(|l| l.dest).collect::<Vec<_>>(), vec!["b/#x"]);
    }

    #[test]
    fn a_store_gives_back_each_page_as_it_was_kept() {
        let one = "# One\n\n[a](a.md) [b](b.md#x)\n";
        let two = "# Two\n\n## Sub\n\n<!-- promolint-disable-next-line broken-link -->\n[c](c.md)\n";
        let docs = [
            Document::parse("content/one.md", DocKind::Handbook, one.to_string()),
            Document::parse("content/none.md", DocKind::Handbook, "no links\n".to_string()),
            Document::parse("content/two.md", DocKind::Handbook, two.to_string()),
        ];
        let mut store = LinkStore::default();
        for doc in &docs {
            store.push(PageLinks::of(doc, &|_| true));
        }
        store.shrink_to_fit();
        // The page without links is not kept.
        assert_eq!(store.len(), 2);
        let summary = |p: &PageLinks| {
            let links: Vec<String> = p
                .links()
                .map(|l| format!("{}@{}:{} in {}", l.dest, l.position.line, l.position.column, l.section))
                .collect();
            (p.path.to_string(), links, p.suppressions.is_suppressed("broken-link", 6))
        };
        let kept: Vec<_> = (0..store.len()).map(|i| summary(&store.page(i))).collect();
        let fresh: Vec<_> = [&docs[0], &docs[2]].iter().map(|d| summary(&PageLinks::of(d, &|_| true))).collect();
        assert_eq!(kept, fresh);
        assert_eq!(kept[1].1, vec!["c.md@6:1 in two > sub".to_string()]);
        assert!(kept[1].2, "the second page's suppression is kept");
        assert!(!kept[0].2);
    }
}
