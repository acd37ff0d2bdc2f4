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
    pub(crate) fn of_document(
        doc: &Document,
        include: &dyn Fn(&str) -> Arc<IdSources>,
    ) -> IdSources {
        let text = doc.text();
        let body_start = doc.body_start.min(text.len());
        let mut ordered: Vec<(usize, Item)> = doc
            .headings
            .iter()
            .map(|h| {
                let source = match &h.explicit_id {
                    Some(id) => IdSource::Explicit(id.clone()),
                    None => IdSource::Heading(strip_shortcodes(&h.text)),
                };
                (h.span.start, Item::Source(source))
            })
            .collect();
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
        let Some(end) = rest.find(close) else {
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
fn strip_shortcodes(text: &str) -> String {
    if !text.contains("{{") {
        return text.to_string();
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
    out
}

/// `id="…"` of any raw HTML tag and `name="…"` of `<a>` tags.
fn html_ids(body: &str, out: &mut Vec<IdSource>) {
    let bytes = body.as_bytes();
    for attr in ["id=", "name="] {
        for pos in memmem::find_iter(bytes, attr.as_bytes()) {
            if pos == 0 || !bytes[pos - 1].is_ascii_whitespace() {
                continue;
            }
            // Inside a tag: the last `<` before it is after the last `>`, and is not `{{<`.
            let before = &body[..pos];
            let Some(lt) = before.rfind('<') else {
                continue;
            };
            if before[lt..].contains('>') || before[..lt].ends_with("{{") {
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
                _ => value
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            if !id.is_empty() {
                out.push(IdSource::Other(html_unescape(id)));
            }
        }
    }
}

/// Block attributes on a line of their own after a block: `{#id}` or `{#id .class}`.
fn block_attribute_ids(body: &str, out: &mut Vec<IdSource>) {
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
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
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
        for id in [
            "intro", "intro-1", "intro-2", "old", "icon", "team", "para-id",
        ] {
            assert!(ids.contains(id), "{id} not in {ids:?}");
        }
    }

    #[test]
    fn angle_includes_add_no_headings() {
        let text = "{{< include \"a.md\" >}}\n";
        let include = |_: &str| {
            Arc::new(IdSources(vec![
                IdSource::Heading("X".into()),
                IdSource::Other("y".into()),
            ]))
        };
        assert_eq!(sources(text, &include), vec![IdSource::Other("y".into())]);
    }

    #[test]
    fn include_calls_are_found() {
        let found = includes(
            "a {{% include \"i/a.md\" %}} b {{< include `i/b.md` >}} {{% includes x %}}",
            0,
        );
        assert_eq!(
            found,
            vec![
                (2, true, "i/a.md".to_string()),
                (29, false, "i/b.md".to_string())
            ]
        );
    }

    #[test]
    fn shortcodes_leave_headings() {
        assert_eq!(strip_shortcodes("A {{< b \"c\" >}} D {{% e %}}"), "A  D ");
        assert_eq!(strip_shortcodes("open {{< never"), "open ");
    }
}
