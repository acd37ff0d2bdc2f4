//! The links of a page, kept once its parsed document is dropped. Whether a link is broken depends
//! on every other page of the site, which is known only after all pages are parsed; holding each
//! page's links (and not its whole document) until then keeps a whole-handbook run small.

use super::{DocKind, Document, Suppressions};
use crate::diagnostic::Span;
use std::sync::Arc;

#[derive(Debug)]
pub struct PageLinks {
    pub path: String,
    pub kind: DocKind,
    /// Markdown links in document order, then `href`s of raw HTML `<a>` tags in document order.
    pub links: Vec<LinkRef>,
    pub suppressions: Suppressions,
    /// Rules the page's front matter waives (with a reason).
    pub waived: Vec<String>,
}

#[derive(Debug)]
pub struct LinkRef {
    /// The destination as written.
    pub dest: String,
    pub span: Span,
    /// Lines and columns of the span.
    pub position: crate::outcome::Position,
    /// Section path of the closest heading above ("team > on-call"), for finding anchors.
    pub section: Arc<str>,
    /// A Markdown link (Hugo's link render hook resolves it, then the browser) rather than an
    /// `href` of raw HTML (only the browser resolves it).
    pub markdown: bool,
    pub is_image: bool,
}

impl PageLinks {
    /// The links of a parsed page whose destination `keep` accepts; `waived` is left for the
    /// caller, which owns waiver rules.
    pub fn of(doc: &Document, keep: &dyn Fn(&str) -> bool) -> PageLinks {
        let mut sections: Vec<(Option<usize>, Arc<str>)> = Vec::new();
        let mut section = |heading: Option<usize>| -> Arc<str> {
            // Links come in document order, so the last heading asked for is nearly always the one.
            if let Some((_, s)) = sections.iter().rev().find(|(h, _)| *h == heading) {
                return Arc::clone(s);
            }
            let s: Arc<str> = doc.section_path(heading).into();
            sections.push((heading, Arc::clone(&s)));
            s
        };
        let mut links: Vec<LinkRef> = doc
            .links
            .iter()
            .filter(|l| keep(&l.url))
            .map(|l| LinkRef {
                dest: l.url.clone(),
                span: l.span.clone(),
                position: doc.source.position(&l.span),
                section: section(l.heading),
                markdown: true,
                is_image: l.is_image,
            })
            .collect();
        for (span, href) in html_hrefs(doc).into_iter().filter(|(_, href)| keep(href)) {
            let heading = doc.headings.iter().rposition(|h| h.span.start < span.start);
            links.push(LinkRef {
                dest: href,
                position: doc.source.position(&span),
                span,
                section: section(heading),
                markdown: false,
                is_image: false,
            });
        }
        PageLinks {
            path: doc.path.clone(),
            kind: doc.kind,
            links,
            suppressions: doc.suppressions.clone(),
            waived: Vec::new(),
        }
    }

    /// Position of the link with this span, if the page has one.
    pub fn position_of(&self, span: &Span) -> Option<crate::outcome::Position> {
        self.links.iter().find(|l| l.span == *span).map(|l| l.position)
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
        let got: Vec<(&str, usize, &str, bool, bool)> = page
            .links
            .iter()
            .map(|l| (l.dest.as_str(), l.position.line, &*l.section, l.markdown, l.is_image))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.md", 6, "top", true, false),
                ("i.png", 10, "top > sub", true, true),
                ("b/#x", 10, "top > sub", false, false)
            ]
        );
        let html = page.position_of(&page.links[2].span).unwrap();
        assert_eq!((html.line, html.column, html.end_line), (10, 1, 10));
        let page = PageLinks::of(&doc, &|dest| dest.contains('#'));
        assert_eq!(page.links.iter().map(|l| l.dest.as_str()).collect::<Vec<_>>(), vec!["b/#x"]);
    }
}
