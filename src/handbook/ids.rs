//! What on a page yields an id, in document order: headings (with `{{% include %}}` files spliced
//! in where they are included), explicit `{#id}`s, block attributes and raw HTML attributes.

use super::anchor::IdSource;
use crate::document::{DocKind, Document};
use memchr::memmem;
use std::path::Path;
use std::sync::Arc;

/// Largest include file read; anything bigger is not a handbook snippet.
const MAX_INCLUDE_BYTES: u64 = 4 << 20;

#[derive(Debug, Default)]
pub(crate) struct IdSources(pub(crate) Vec<IdSource>);

impl IdSources {
    /// The id sources of a parsed page. `include` gives the sources of an include file by its path
    /// below `assets/`.
    pub(crate) fn of_document(doc: &Document, include: &dyn Fn(&str) -> Arc<IdSources>) -> IdSources {
        let text = doc.text();
        let body_start = doc.body_start.min(text.len());
        let mut ordered: Vec<(usize, Item)> = doc
            .headings
            .iter()
            .map(|h| {
                let source = match &h.explicit_id {
                    Some(id) => IdSource::Explicit(id.clone()),
                    None => {
                        let raw = text.get(h.span.clone()).unwrap_or("");
                        IdSource::Heading(hugo_heading_text(&strip_shortcodes(&h.text), raw))
                    }
                };
                (h.span.start, Item::Source(source))
            })
            .collect();
        for (at, heading) in nested_headings(text, body_start) {
            ordered.push((at, Item::Source(IdSource::Heading(heading))));
        }
        for (at, markdown, path) in includes(text, body_start) {
            ordered.push((at, Item::Include { markdown, path }));
        }
        ordered.sort_by_key(|(at, _)| *at);
        let mut out = Vec::with_capacity(ordered.len());
        for (_, item) in ordered {
            match item {
                Item::Source(s) => out.push(s),
                Item::Include { markdown, path } => {
                    let inner = include(&path);
                    for s in &inner.0 {
                        match s {
                            // `{{< include >}}` output is not Markdown: no headings, only raw HTML.
                            IdSource::Heading(_) | IdSource::Explicit(_) if !markdown => {}
                            other => out.push(other.clone()),
                        }
                    }
                }
            }
        }
        html_ids(&text[body_start..], &mut out);
        footnote_ids(&text[body_start..], &mut out);
        block_attribute_ids(&text[body_start..], &mut out);
        IdSources(out)
    }
}

enum Item {
    Source(IdSource),
    Include { markdown: bool, path: String },
}

/// Id sources of `assets/<path>` (empty when missing or unreadable). Shortcodes in the included
/// text are not expanded again, as Hugo does not re-scan shortcode output.
pub(crate) fn include_sources_of(root: &Path, path: &str) -> IdSources {
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|seg| seg == "..") {
        return IdSources::default();
    }
    let full = root.join("assets").join(rel);
    let Ok(meta) = std::fs::metadata(&full) else {
        return IdSources::default();
    };
    if !meta.is_file() || meta.len() > MAX_INCLUDE_BYTES {
        return IdSources::default();
    }
    let Ok(bytes) = std::fs::read(&full) else {
        return IdSources::default();
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let doc = Document::parse(path, DocKind::Handbook, text);
    IdSources::of_document(&doc, &|_| Arc::new(IdSources::default()))
}

/// `{{% include "x" %}}` and `{{< include "x" >}}` calls: offset, whether the output is Markdown
/// (`%`), and the path. Found in code blocks too, as Hugo expands shortcodes before Markdown.
pub(crate) fn includes(text: &str, from: usize) -> Vec<(usize, bool, String)> {
    let mut out = Vec::new();
    let hay = &text.as_bytes()[from..];
    // Once a closing `%}}` (or `>}}`) is not found, none is found after a later call either:
    // a page of a hundred thousand unclosed calls is not searched to its end for each.
    let mut unclosed = [false; 2];
    for pos in memmem::find_iter(hay, b"{{") {
        let at = from + pos;
        let rest = &text[at + 2..];
        let markdown = match rest.as_bytes().first() {
            Some(b'%') => true,
            Some(b'<') => false,
            _ => continue,
        };
        let rest = rest[1..].trim_start();
        let Some(rest) = rest.strip_prefix("include") else {
            continue;
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.trim_start();
        let close = if markdown { "%}}" } else { ">}}" };
        if unclosed[usize::from(markdown)] {
            continue;
        }
        let Some(end) = memmem::find(rest.as_bytes(), close.as_bytes()) else {
            unclosed[usize::from(markdown)] = true;
            continue;
        };
        let arg = rest[..end].trim();
        let path = arg
            .strip_prefix('"')
            .and_then(|a| a.split('"').next())
            .or_else(|| arg.strip_prefix('`').and_then(|a| a.split('`').next()))
            .unwrap_or_else(|| arg.split_whitespace().next().unwrap_or(""));
        if !path.is_empty() {
            out.push((at, markdown, path.to_string()));
        }
    }
    out
}

/// Heading text with shortcode calls removed: the site's stub shortcodes render nothing there.
fn strip_shortcodes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("{{") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let close = match after.as_bytes().first() {
            Some(b'<') => ">}}",
            Some(b'%') => "%}}",
            _ => "}}",
        };
        match after.find(close) {
            Some(end) => rest = &after[end + close.len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The heading text Hugo 0.151 makes its id from. Goldmark's typographer turns `--`/`---` into
/// dashes, which the anchorizer drops. Inside emphasis the built site's id stops at the first
/// quote, apostrophe, intraword `_` or `[`: `## **We've Got You**` gets `we`,
/// `## remote **temporary_branch**` gets `remote-temporary_`. (Measured against the built
/// handbook; where the emphasis starts after other markup the text is left whole.)
pub(crate) fn hugo_heading_text(text: &str, raw: &str) -> String {
    let content = raw.trim_start_matches('#').trim().trim_end_matches('#').trim_end();
    let unlinked;
    let text =
        if content.contains("](") || !(content.contains("://") || content.contains('@') || content.contains("www.")) {
            text
        } else {
            let code: Vec<&str> = content.split('`').skip(1).step_by(2).collect();
            unlinked = drop_bare_links(text, &code);
            unlinked.as_str()
        };
    let cut_from = emphasis_start(content).filter(|&p| text.starts_with(&content[..p])).unwrap_or(usize::MAX);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if i >= cut_from => break,
            '\'' | '_' | '[' if i >= cut_from => {
                out.push(c);
                break;
            }
            '-' if chars.peek().is_some_and(|(_, n)| *n == '-') => {
                while chars.peek().is_some_and(|(_, n)| *n == '-') {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Bare URLs and e-mail addresses in heading text: the built site's ids leave out text that
/// goldmark's linkify turned into links.
fn drop_bare_links(text: &str, code: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        let is_link = word.contains("://")
            || word.starts_with("www.")
            || (word.contains('@') && word.rsplit('@').next().is_some_and(|d| d.contains('.')));
        let is_link = is_link && !code.iter().any(|c| c.contains(word));
        if i > 0 {
            out.push(' ');
        }
        if !is_link {
            out.push_str(word);
        }
    }
    out
}

/// Where the first emphasis opens in a heading's raw text, if only plain text comes before it.
fn emphasis_start(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'*' | b'_' => {
                let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace();
                let next = bytes.get(i + 1).copied().unwrap_or(b' ');
                let closes_later = content[i + 1..].contains(b as char);
                return (at_word_start && !next.is_ascii_whitespace() && closes_later).then_some(i);
            }
            b'`' | b'[' | b'<' | b'&' | b'\\' | b'!' => return None,
            _ => {}
        }
    }
    None
}

/// Headings inside list items and block quotes (`- ### Title`), which the document model keeps
/// only as text: their raw text after the `#`s.
fn nested_headings(text: &str, from: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut last_line = usize::MAX;
    for pos in memchr::memchr_iter(b'#', &bytes[from..]) {
        let at = from + pos;
        // Most `#`s are in link fragments and top-level headings: only one after a list or quote
        // marker and white space can start such a heading. (Any non-ASCII byte is stepped over:
        // the white space between marker and `#` may be Unicode, as `list_item_heading` trims it.)
        let mut before = at;
        while before > from && matches!(bytes[before - 1], b' ' | b'\t' | b'\r' | 0x0b | 0x0c | 0x80..) {
            before -= 1;
        }
        if before == at || before == from || !matches!(bytes[before - 1], b'-' | b'*' | b'+' | b'>' | b'.' | b')') {
            continue;
        }
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1).max(from);
        if line_start == last_line {
            continue;
        }
        last_line = line_start;
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(text.len(), |i| at + i);
        if let Some(title) = list_item_heading(&text[line_start..line_end]) {
            out.push((line_start, title));
        }
    }
    if !out.is_empty() {
        let fences = crate::diagnostic::Covering::new(&fenced_ranges(text, from));
        out.retain(|(at, _)| !fences.contains(*at));
    }
    out
}

/// `- ### Title` (or `1. ### Title`, `> ### Title`): the title.
fn list_item_heading(line: &str) -> Option<String> {
    let t = line.trim_start();
    let rest = if let Some(r) = t.strip_prefix(['-', '*', '+', '>']) {
        r
    } else {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        match t[digits..].strip_prefix(['.', ')']) {
            Some(r) if digits > 0 => r,
            _ => return None,
        }
    };
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let hashes = rest.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) || !rest[hashes..].starts_with([' ', '\t']) {
        return None;
    }
    let title = rest[hashes..].trim().trim_end_matches('#').trim_end();
    Some(title.replace(['*', '`'], ""))
}

/// Byte ranges of fenced code blocks (``` or ~~~ lines) from `from` on.
fn fenced_ranges(text: &str, from: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            match open.take() {
                Some(start) => out.push(start..offset + line.len()),
                None => open = Some(offset),
            }
        }
        offset += line.len();
    }
    if let Some(start) = open {
        out.push(start..text.len());
    }
    out
}

/// Goldmark's footnote ids: `fn:N` for each definition and `fnref:N` for its first reference.
fn footnote_ids(body: &str, out: &mut Vec<IdSource>) {
    if memmem::find(body.as_bytes(), b"[^").is_none() {
        return;
    }
    let count = body.lines().filter(|l| l.starts_with("[^") && l.contains("]:")).count();
    for n in 1..=count {
        out.push(IdSource::Other(format!("fn:{n}")));
        out.push(IdSource::Other(format!("fnref:{n}")));
    }
}

/// `id="…"` of any raw HTML tag and `name="…"` of `<a>` tags.
fn html_ids(body: &str, out: &mut Vec<IdSource>) {
    let bytes = body.as_bytes();
    for attr in ["id=", "name="] {
        // The last `<` and `>` before the attribute, looked for only in what lies between it and
        // the one before (not back to the start each time: a line of a hundred thousand `id=`).
        let (mut seen, mut last_lt, mut last_gt) = (0, None, None);
        for pos in memmem::find_iter(bytes, attr.as_bytes()) {
            if let Some(i) = memchr::memrchr(b'<', &bytes[seen..pos]) {
                last_lt = Some(seen + i);
            }
            if let Some(i) = memchr::memrchr(b'>', &bytes[seen..pos]) {
                last_gt = Some(seen + i);
            }
            seen = pos;
            if pos == 0 || !bytes[pos - 1].is_ascii_whitespace() {
                continue;
            }
            // Inside a tag: the last `<` before it is after the last `>`, and is not `{{<`.
            let Some(lt) = last_lt else {
                continue;
            };
            if last_gt.is_some_and(|gt| gt > lt) || body[..lt].ends_with("{{") {
                continue;
            }
            let tag = &body[lt + 1..pos];
            if !tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            if attr == "name=" && !(tag.starts_with("a ") || tag.starts_with("A ")) {
                continue;
            }
            let value = &body[pos + attr.len()..];
            let id = match value.as_bytes().first() {
                Some(&q @ (b'"' | b'\'')) => value[1..].split(q as char).next().unwrap_or(""),
                _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
            };
            if !id.is_empty() {
                out.push(IdSource::Other(html_unescape(id)));
            }
        }
    }
}

/// Block attributes on a line of their own after a block: `{#id}` or `{#id .class}`.
fn block_attribute_ids(body: &str, out: &mut Vec<IdSource>) {
    if memmem::find(body.as_bytes(), b"{#").is_none() {
        return;
    }
    for line in body.lines() {
        let t = line.trim();
        if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}'))
            && let Some(id) = inner.split_whitespace().find_map(|p| p.strip_prefix('#'))
            && !id.is_empty()
        {
            out.push(IdSource::Other(id.to_string()));
        }
    }
}

fn html_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handbook::anchor::ids_of;

    fn sources(text: &str, include: &dyn Fn(&str) -> Arc<IdSources>) -> Vec<IdSource> {
        let doc = Document::parse("content/p.md", DocKind::Handbook, text.to_string());
        IdSources::of_document(&doc, include).0
    }

    #[test]
    fn headings_includes_and_html_in_order() {
        let text = "---\ntitle: t\n---\n## Intro\n\n{{% include \"includes/x.md\" %}}\n\n## Intro\n\n<a name=\"old\"></a>\n\n## <i class=\"fa\" id=\"icon\"></i> Team {{< label \"x\" >}}\n\nPara\n{#para-id}\n";
        let include = |path: &str| {
            assert_eq!(path, "includes/x.md");
            Arc::new(IdSources(vec![IdSource::Heading("Intro".into())]))
        };
        let ids = ids_of(&sources(text, &include));
        for id in ["intro", "intro-1", "intro-2", "old", "icon", "team", "para-id"] {
            assert!(ids.contains(id), "{id} not in {ids:?}");
        }
    }

    #[test]
    fn html_ids_only_inside_tags() {
        let mut out = Vec::new();
        let body = "x id=a <div id=\"b\"> y id=c </div> <p\n id='d'>{{< s id=\"e\" >}} <a name=f> <b name=g> <i\tid=h>";
        html_ids(body, &mut out);
        let ids: Vec<&str> = out
            .iter()
            .map(|s| match s {
                IdSource::Other(id) => id.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, ["b", "d", "h", "f"]);
    }

    #[test]
    fn angle_includes_add_no_headings() {
        let text = "{{< include \"a.md\" >}}\n";
        let include = |_: &str| Arc::new(IdSources(vec![IdSource::Heading("X".into()), IdSource::Other("y".into())]));
        assert_eq!(sources(text, &include), vec![IdSource::Other("y".into())]);
    }

    #[test]
    fn include_calls_are_found() {
        let found = includes("a {{% include \"i/a.md\" %}} b {{< include `i/b.md` >}} {{% includes x %}}", 0);
        assert_eq!(found, vec![(2, true, "i/a.md".to_string()), (29, false, "i/b.md".to_string())]);
        // An unclosed call of one kind does not hide a closed call of the other after it.
        let found = includes("{{% include a.md {{< include b.md >}} {{% include c.md", 0);
        assert_eq!(found, vec![(17, false, "b.md".to_string())]);
        let found = includes("{{< include a.md {{% include b.md %}} {{< include c.md", 0);
        assert_eq!(found, vec![(17, true, "b.md".to_string())]);
    }

    #[test]
    fn heading_text_as_hugo_cuts_it() {
        assert_eq!(hugo_heading_text("We've Got You Covered:", "## **We've Got You Covered:**"), "We'");
        assert_eq!(hugo_heading_text("2013: \"I want\"", "### *2013: \"I want\"*"), "2013: ");
        assert_eq!(
            hugo_heading_text("1. Logging (Rattle) [Required]", "### 1. **Logging (Rattle) [Required]**"),
            "1. Logging (Rattle) ["
        );
        assert_eq!(hugo_heading_text("Mail abuse@x.com now", "## Mail abuse@x.com now"), "Mail  now");
        assert_eq!(hugo_heading_text("Mail abuse@x.com", "## Mail `abuse@x.com`"), "Mail abuse@x.com");
        assert_eq!(hugo_heading_text("What is the “All\"", "## *What is the “All\"*"), "What is the “All");
        assert_eq!(
            hugo_heading_text("Using the --onto option", "#### Using the --onto option"),
            "Using the onto option"
        );
        assert_eq!(hugo_heading_text("The it's_here code", "## The `it's_here` code"), "The it's_here code");
        assert_eq!(hugo_heading_text("GitLab's approach", "## GitLab's approach"), "GitLab's approach");
        assert_eq!(hugo_heading_text("remote temporary_branch", "## remote **temporary_branch**"), "remote temporary_");
    }

    #[test]
    fn list_item_headings_and_footnotes() {
        let text = "- ### E1/E2: Driven\n\n- \u{a0}### Pasted Space\n\n```\n- # not\n```\n\nA[^a]\n\n[^a]: note\n";
        let doc = Document::parse("content/p.md", DocKind::Handbook, text.to_string());
        let ids = ids_of(&IdSources::of_document(&doc, &|_| Arc::new(IdSources::default())).0);
        assert!(ids.contains("e1e2-driven"), "{ids:?}");
        assert!(ids.contains("pasted-space"), "{ids:?}");
        assert!(!ids.contains("not"));
        assert!(ids.contains("fn:1") && ids.contains("fnref:1"));
    }

    #[test]
    fn shortcodes_leave_headings() {
        assert_eq!(strip_shortcodes("A {{< b \"c\" >}} D {{% e %}}"), "A  D ");
        assert_eq!(strip_shortcodes("open {{< never"), "open ");
    }
}
