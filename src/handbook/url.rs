//! The small part of URL handling link resolution needs: splitting a destination, decoding
//! percent escapes, resolving against a page URL the way a browser does, and the page URL and
//! `GetPage` key of a content file.

use std::borrow::Cow;

/// A link destination split as Go's `url.Parse` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest<'a> {
    /// `https` in `https://x/…`; `None` for relative references.
    pub scheme: Option<&'a str>,
    /// Host (with port) of `scheme://host/…` or `//host/…`.
    pub host: Option<&'a str>,
    /// The path as written (still percent-encoded).
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// The fragment as written (still percent-encoded); `Some("")` for a bare `#`.
    pub fragment: Option<&'a str>,
}

pub fn split(dest: &str) -> Dest<'_> {
    let (rest, fragment) = match dest.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (dest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let (scheme, rest) = match scheme_of(rest) {
        Some(s) => (Some(s), &rest[s.len() + 1..]),
        None => (None, rest),
    };
    let (host, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    Dest { scheme, host, path, query, fragment }
}

/// `mailto` in `mailto:x`, by RFC 3986: a letter, then letters, digits, `+`, `-`, `.`, then `:`.
/// Looks only as far as the first character that cannot be in a scheme: a relative link is
/// rejected at its first `.` or `/`, without a search of the whole destination.
pub fn scheme_of(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let len = bytes.iter().position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))?;
    (bytes[len] == b':').then(|| &s[..len])
}

/// Decodes `%xx` escapes; an escape that is not two hex digits is kept as written, and bytes that
/// do not form UTF-8 are replaced, so odd input never fails.
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if memchr::memchr(b'%', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Resolves a relative path reference against a base path (both absolute, `/`-separated) the way
/// a browser does, removing `.` and `..` segments.
pub fn resolve(base: &str, reference: &str) -> String {
    if reference.starts_with('/') {
        return remove_dot_segments(reference);
    }
    if reference.is_empty() {
        return base.to_string();
    }
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "/",
    };
    // Empty segments of a relative reference collapse (`a//` is `a/`), as the oracle's resolver
    // (Python's urljoin) and slash-merging web servers treat them.
    let mut joined = format!("{dir}{reference}");
    while joined.contains("//") {
        joined = joined.replace("//", "/");
    }
    remove_dot_segments(&joined)
}

/// RFC 3986 §5.2.4, on an absolute path.
pub fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') { joined } else { format!("/{joined}") }
}

/// Go's `path.Join` of an absolute directory and a relative reference, cleaned: no trailing
/// slash, `..` never climbs above `/`.
pub fn join_clean(dir: &str, reference: &str) -> String {
    let mut out = String::with_capacity(dir.len() + reference.len() + 1);
    for seg in dir.split('/').chain(reference.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                let parent = out.rfind('/').unwrap_or(0);
                out.truncate(parent);
            }
            s => {
                out.push('/');
                out.push_str(s);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The key `GetPage` finds a page by: lower case, no extension, no `index`/`_index`, no trailing
/// slash: `/handbook/a/b` for `handbook/a/b.md`, `handbook/a/b/_index.md` and `…/b/index.md`.
pub fn page_key(path: &str) -> String {
    let path = path.trim_end_matches('/');
    // One pass for the usual ASCII path; `to_lowercase` knows the rest of Unicode's rules.
    let mut p = if path.is_ascii() {
        path.bytes().map(|b| if b == b' ' { '-' } else { b.to_ascii_lowercase() as char }).collect()
    } else {
        path.to_lowercase().replace(' ', "-")
    };
    for ext in [".md", ".markdown", ".html", ".htm"] {
        if p.ends_with(ext) {
            p.truncate(p.len() - ext.len());
            break;
        }
    }
    for index in ["/_index", "/index"] {
        if p.ends_with(index) {
            p.truncate(p.len() - index.len());
            break;
        }
    }
    if p == "_index" || p == "index" {
        p.clear();
    }
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    p
}

/// The URL Hugo gives a content file (path relative to `content/`): `/handbook/a/b/`.
pub fn page_url(rel: &str) -> String {
    let key = page_key(rel);
    if key == "/" { key } else { format!("{key}/") }
}

/// Lower-cased extension of the last path segment, if any (`.md`, `.png`).
pub fn extension(path: &str) -> Option<String> {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let dot = last.rfind('.')?;
    // As Python's splitext: leading dots of a name (`.hidden`) do not start an extension.
    last[..dot].bytes().any(|b| b != b'.').then(|| last[dot..].to_ascii_lowercase())
}

/// A relative URL from page URL `from` to page URL `to` (both absolute paths ending in `/`), the
/// way a writer would put it in a link: `../sibling/`, `child/`, `./`.
pub fn relative(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let to_segs: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = from_dirs.iter().zip(&to_segs).take_while(|(a, b)| a == b).count();
    let mut out = String::new();
    for _ in common..from_dirs.len() {
        out.push_str("../");
    }
    for seg in &to_segs[common..] {
        out.push_str(seg);
        out.push('/');
    }
    if !to.ends_with('/') && out.ends_with('/') {
        out.pop();
    }
    if out.is_empty() { "./".to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_by_rfc_3986() {
        for (dest, scheme) in [
            ("https://x/", Some("https")),
            ("mailto:a@b", Some("mailto")),
            ("svn+ssh://h/", Some("svn+ssh")),
            ("../a.md", None),
            ("a/b:c", None),
            ("a?b:c", None),
            ("#x:y", None),
            ("1a:b", None),
            ("é:x", None),
            ("https", None),
            ("", None),
        ] {
            assert_eq!(scheme_of(dest), scheme, "{dest}");
        }
    }

    #[test]
    fn splits_like_go() {
        let d = split("https://handbook.gitlab.com/handbook/x/?a=1#frag");
        assert_eq!(d.scheme, Some("https"));
        assert_eq!(d.host, Some("handbook.gitlab.com"));
        assert_eq!(d.path, "/handbook/x/");
        assert_eq!(d.query, Some("a=1"));
        assert_eq!(d.fragment, Some("frag"));
        let d = split("../a.md#x?y");
        assert_eq!((d.scheme, d.path, d.query, d.fragment), (None, "../a.md", None, Some("x?y")));
        assert_eq!(split("#only").path, "");
        assert_eq!(split("mailto:a@b.c").scheme, Some("mailto"));
        assert_eq!(split("//cdn.test/x").host, Some("cdn.test"));
        assert_eq!(split("c:d/e").scheme, Some("c"));
    }

    #[test]
    fn decodes_percent_escapes_leniently() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%2"), "%zz%2");
        assert_eq!(percent_decode("%FF"), "\u{fffd}");
    }

    #[test]
    fn browser_resolution() {
        assert_eq!(resolve("/handbook/a/b/", "c/"), "/handbook/a/b/c/");
        assert_eq!(resolve("/handbook/a/b/", "../c"), "/handbook/a/c");
        assert_eq!(resolve("/handbook/a/b/", "../../../../x/"), "/x/");
        assert_eq!(resolve("/handbook/a/b/", "/teamops/"), "/teamops/");
        assert_eq!(resolve("/handbook/a/b/", "."), "/handbook/a/b/");
        assert_eq!(resolve("/handbook/a/b/", "./x/./y/.."), "/handbook/a/b/x/");
        assert_eq!(resolve("/handbook/a/", "c//"), "/handbook/a/c/");
        assert_eq!(resolve("/handbook/a/", "/c//"), "/c//");
    }

    #[test]
    fn keys_and_urls() {
        assert_eq!(page_key("handbook/a/_index.md"), "/handbook/a");
        assert_eq!(page_key("/handbook/a/index.md"), "/handbook/a");
        assert_eq!(page_key("handbook/Billing-GPO.md"), "/handbook/billing-gpo");
        assert_eq!(page_key("_index.md"), "/");
        assert_eq!(page_url("handbook/a/b.md"), "/handbook/a/b/");
        assert_eq!(page_url("_index.md"), "/");
        assert_eq!(join_clean("/handbook/a", "../b/c.md"), "/handbook/b/c.md");
        assert_eq!(join_clean("/handbook", "../../../x"), "/x");
        assert_eq!(join_clean("/", ""), "/");
        assert_eq!(join_clean("/a", ".."), "/");
        assert_eq!(join_clean("/a/b", "./c//d/../e/"), "/a/b/c/e");
        assert_eq!(page_key("Handbook/Σ Team Page/_index.md"), "/handbook/σ-team-page");
        assert_eq!(extension("/images/a.PNG"), Some(".png".into()));
        assert_eq!(extension("/handbook/a/"), None);
        assert_eq!(extension("/handbook/v1.2/"), Some(".2".into()));
    }

    #[test]
    fn relative_forms() {
        assert_eq!(relative("/handbook/a/b/", "/handbook/a/c/"), "../c/");
        assert_eq!(relative("/handbook/a/", "/handbook/a/c/"), "c/");
        assert_eq!(relative("/handbook/a/", "/handbook/a/"), "./");
        assert_eq!(relative("/handbook/a/b/", "/teamops/"), "../../../teamops/");
    }
}
