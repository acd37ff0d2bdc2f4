//! A CODEOWNERS parser with GitLab's semantics: sections (merged by case-insensitive name),
//! optional `^[...]` sections, approval counts `[Name][N]`, default owners on the section line,
//! `@user`, `@group/sub`, `@@role` and email owners, `\#` and `\ ` escapes in paths, `!` exclusion
//! patterns, and the last matching pattern winning within each section.
//!
//! Errors do not stop the parse: GitLab keeps using the entries it understood, so we collect every
//! error with its line and keep going.

use globset::{Glob, GlobMatcher};
use std::fmt;

/// A parsed CODEOWNERS file.
#[derive(Debug, Default)]
pub struct Codeowners {
    /// Sections in order of first appearance. Entries before any header are in a section named
    /// `codeowners` (GitLab's name for the default section).
    pub sections: Vec<Section>,
    /// Syntax errors, in line order. The entries around them are still used.
    pub errors: Vec<CodeownersError>,
}

#[derive(Debug)]
pub struct Section {
    /// The name as first written.
    pub name: String,
    pub optional: bool,
    pub approvals: u32,
    pub default_owners: Vec<Owner>,
    pub entries: Vec<Entry>,
}

#[derive(Debug)]
pub struct Entry {
    /// The pattern with escapes removed, as written (without the leading `!`).
    pub pattern: String,
    pub exclusion: bool,
    pub owners: Vec<Owner>,
    /// 1-based line in the file.
    pub line: usize,
    matcher: Option<PatternMatcher>,
}

/// Who owns a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// `@name`: a user, or a top-level group (only the API can tell which).
    User(String),
    /// `@group/sub`: a (nested) group.
    Group(String),
    /// `@@developer`, `@@maintainer`, `@@owner`: everyone with that role.
    Role(String),
    /// `name@example.com`.
    Email(String),
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::User(name) | Owner::Group(name) => write!(f, "@{name}"),
            Owner::Role(role) => write!(f, "@@{role}"),
            Owner::Email(email) => f.write_str(email),
        }
    }
}

/// A syntax error with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("CODEOWNERS line {line}: {kind}")]
#[diagnostic(code(promolint::codeowners::syntax), help("see GitLab's Code Owners syntax reference"))]
pub struct CodeownersError {
    pub line: usize,
    pub kind: CodeownersErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeownersErrorKind {
    MissingSectionName,
    InvalidSectionFormat(String),
    InvalidApprovalCount(String),
    MalformedOwner(String),
    MissingEntryOwner(String),
    InvalidPattern(String),
}

impl fmt::Display for CodeownersErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSectionName => f.write_str("section header without a name"),
            Self::InvalidSectionFormat(s) => write!(f, "malformed section header `{s}`"),
            Self::InvalidApprovalCount(s) => {
                write!(f, "approval count `{s}` is not a positive whole number")
            }
            Self::MalformedOwner(s) => {
                write!(f, "owner `{s}` is not @user, @group/sub, @@role or an email address")
            }
            Self::MissingEntryOwner(p) => {
                write!(f, "pattern `{p}` has no owners and its section has no default owners")
            }
            Self::InvalidPattern(p) => write!(f, "pattern `{p}` is not a valid glob"),
        }
    }
}

/// The owners of one path in one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionMatch<'a> {
    pub section: &'a str,
    pub optional: bool,
    pub line: usize,
    pub owners: &'a [Owner],
}

const ROLES: [&str; 3] = ["developer", "maintainer", "owner"];

impl Codeowners {
    pub fn parse(text: &str) -> Codeowners {
        let mut out = Codeowners::default();
        // Index into `sections` of the section new entries go to.
        let mut current: Option<usize> = None;
        for (idx, raw) in text.lines().enumerate() {
            let line_no = idx + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') || line.starts_with("^[") {
                match parse_section_header(line) {
                    Ok(header) => {
                        let owners = out.owners_of(&header.owner_tokens, line_no);
                        current = Some(out.section_index(header, owners));
                    }
                    Err(kind) => out.errors.push(CodeownersError { line: line_no, kind }),
                }
                continue;
            }
            let tokens = split_unescaped(line);
            let Some((first, rest)) = tokens.split_first() else { continue };
            let (exclusion, pattern) = match first.strip_prefix('!') {
                Some(p) => (true, p.to_string()),
                None => (false, first.clone()),
            };
            let owners = out.owners_of(rest, line_no);
            let section = match current {
                Some(i) => i,
                None => {
                    let i = out.section_index(
                        Header { name: "codeowners".into(), optional: false, approvals: 1, owner_tokens: Vec::new() },
                        Vec::new(),
                    );
                    current = Some(i);
                    i
                }
            };
            if !exclusion && owners.is_empty() && out.sections[section].default_owners.is_empty() {
                // An owner token that failed to parse was already reported; only report a line
                // that really names no owner.
                if rest.is_empty() {
                    out.errors.push(CodeownersError {
                        line: line_no,
                        kind: CodeownersErrorKind::MissingEntryOwner(pattern.clone()),
                    });
                }
                continue;
            }
            let matcher = match PatternMatcher::new(&pattern) {
                Ok(m) => Some(m),
                Err(()) => {
                    out.errors.push(CodeownersError {
                        line: line_no,
                        kind: CodeownersErrorKind::InvalidPattern(pattern.clone()),
                    });
                    None
                }
            };
            out.sections[section].entries.push(Entry { pattern, exclusion, owners, line: line_no, matcher });
        }
        out
    }

    /// For each section with a pattern matching `path` (relative to the repository root), the
    /// last matching entry's owners (the section's default owners where the entry names none).
    /// A section in which an exclusion pattern matches `path` gives no owners for it: GitLab
    /// treats exclusions as final within their section.
    pub fn owners_for<'a>(&'a self, path: &str) -> Vec<SectionMatch<'a>> {
        let path = path.trim_start_matches('/');
        let mut out = Vec::new();
        for section in &self.sections {
            let mut found: Option<&Entry> = None;
            let mut excluded = false;
            for entry in &section.entries {
                let Some(m) = &entry.matcher else { continue };
                if m.is_match(path) {
                    if entry.exclusion {
                        excluded = true;
                    } else {
                        found = Some(entry);
                    }
                }
            }
            if excluded {
                continue;
            }
            if let Some(entry) = found {
                let owners: &[Owner] = if entry.owners.is_empty() { &section.default_owners } else { &entry.owners };
                out.push(SectionMatch { section: &section.name, optional: section.optional, line: entry.line, owners });
            }
        }
        out
    }

    fn section_index(&mut self, header: Header, owners: Vec<Owner>) -> usize {
        if let Some(i) = self.sections.iter().position(|s| s.name.eq_ignore_ascii_case(&header.name)) {
            let s = &mut self.sections[i];
            // A later header of the same section may add default owners; the first one's
            // optionality and approvals stay, as GitLab merges duplicates into the first.
            for o in owners {
                if !s.default_owners.contains(&o) {
                    s.default_owners.push(o);
                }
            }
            return i;
        }
        self.sections.push(Section {
            name: header.name,
            optional: header.optional,
            approvals: header.approvals,
            default_owners: owners,
            entries: Vec::new(),
        });
        self.sections.len() - 1
    }

    fn owners_of(&mut self, tokens: &[String], line: usize) -> Vec<Owner> {
        let mut owners = Vec::new();
        for token in tokens {
            if token.starts_with('#') {
                break; // a trailing comment
            }
            match parse_owner(token) {
                Some(o) => owners.push(o),
                None => {
                    self.errors.push(CodeownersError { line, kind: CodeownersErrorKind::MalformedOwner(token.clone()) })
                }
            }
        }
        owners
    }
}

struct Header {
    name: String,
    optional: bool,
    approvals: u32,
    owner_tokens: Vec<String>,
}

fn parse_section_header(line: &str) -> Result<Header, CodeownersErrorKind> {
    let (optional, rest) = match line.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, line),
    };
    let bad = || CodeownersErrorKind::InvalidSectionFormat(line.to_string());
    let rest = rest.strip_prefix('[').ok_or_else(bad)?;
    let close = rest.find(']').ok_or_else(bad)?;
    let name = rest[..close].trim();
    if name.is_empty() {
        return Err(CodeownersErrorKind::MissingSectionName);
    }
    let mut rest = &rest[close + 1..];
    let mut approvals = 1;
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']').ok_or_else(bad)?;
        let count = after[..close].trim();
        approvals = match count.parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => return Err(CodeownersErrorKind::InvalidApprovalCount(count.to_string())),
        };
        rest = &after[close + 1..];
    }
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Err(bad());
    }
    Ok(Header { name: name.to_string(), optional, approvals, owner_tokens: split_unescaped(rest) })
}

fn parse_owner(token: &str) -> Option<Owner> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            && !s.starts_with('/')
            && !s.ends_with('/')
            && !s.contains("//")
    };
    if let Some(role) = token.strip_prefix("@@") {
        let role = role.to_ascii_lowercase();
        // GitLab accepts singular and plural role names.
        let singular = role.strip_suffix('s').unwrap_or(&role).to_string();
        return ROLES.contains(&singular.as_str()).then_some(Owner::Role(singular));
    }
    if let Some(name) = token.strip_prefix('@') {
        if !name_ok(name) {
            return None;
        }
        return Some(if name.contains('/') { Owner::Group(name.to_string()) } else { Owner::User(name.to_string()) });
    }
    let (local, domain) = token.split_once('@')?;
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return None;
    }
    if domain.contains('@') {
        return None;
    }
    Some(Owner::Email(token.to_string()))
}

/// Splits a line at whitespace that is not escaped with a backslash, removing the escapes.
fn split_unescaped(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // Escapes GitLab documents for paths; anything else keeps its backslash so
                // glob escapes like `\*` still reach the matcher.
                Some(n @ (' ' | '#' | '\t')) => cur.push(n),
                Some(n) => {
                    cur.push('\\');
                    cur.push(n);
                }
                None => cur.push('\\'),
            },
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Matching as GitLab applies it: `/x` is anchored at the root, anything else matches at any
/// depth, `x/` matches everything under a directory, `*` does not cross `/`, `**` does, and a
/// pattern naming a directory also covers what is inside it.
#[derive(Debug)]
struct PatternMatcher {
    exact: GlobMatcher,
    inside: GlobMatcher,
}

impl PatternMatcher {
    fn new(pattern: &str) -> Result<Self, ()> {
        let anchored = pattern.starts_with('/');
        let body = pattern.trim_start_matches('/');
        let dir_only = body.ends_with('/');
        let body = body.trim_end_matches('/');
        // GitLab prefixes every pattern that does not start with `/` with `/**/`, so unlike
        // gitignore, `docs/*.md` matches at any depth too.
        let base = if body.is_empty() {
            "**".to_string()
        } else if anchored || body.starts_with("**") {
            body.to_string()
        } else {
            format!("**/{body}")
        };
        let build = |g: &str| {
            globset::GlobBuilder::new(g)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map(|g: Glob| g.compile_matcher())
                .map_err(|_| ())
        };
        let inside = build(&format!("{base}/**"))?;
        let exact = if dir_only { build(&format!("{base}/**"))? } else { build(&base)? };
        Ok(PatternMatcher { exact, inside })
    }

    fn is_match(&self, path: &str) -> bool {
        self.exact.is_match(path) || self.inside.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(m: &SectionMatch<'_>) -> Vec<String> {
        m.owners.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn last_match_wins_within_a_section_and_sections_merge() {
        let co = Codeowners::parse("* @fallback\n*.md @docs\n[Docs] @writer\n/content/ \n[docs]\n/content/x.md @x\n");
        assert!(co.errors.is_empty(), "{:?}", co.errors);
        assert_eq!(co.sections.len(), 2);
        let m = co.owners_for("content/x.md");
        assert_eq!(m.len(), 2);
        assert_eq!(users(&m[0]), ["@docs"]);
        assert_eq!(m[1].section, "Docs");
        assert_eq!(users(&m[1]), ["@x"]);
        let m = co.owners_for("content/y.md");
        assert_eq!(users(&m[1]), ["@writer"], "default owners of the section");
        let m = co.owners_for("src/main.rs");
        assert_eq!(m.len(), 1);
        assert_eq!(users(&m[0]), ["@fallback"]);
    }

    #[test]
    fn header_forms_and_owner_kinds() {
        let co = Codeowners::parse("^[Optional][3] @@maintainers\nREADME @group/sub/team dev@example.com @alice\n");
        assert!(co.errors.is_empty(), "{:?}", co.errors);
        let s = &co.sections[0];
        assert!(s.optional);
        assert_eq!(s.approvals, 3);
        assert_eq!(s.default_owners, [Owner::Role("maintainer".into())]);
        assert_eq!(
            s.entries[0].owners,
            [
                Owner::Group("group/sub/team".into()),
                Owner::Email("dev@example.com".into()),
                Owner::User("alice".into())
            ]
        );
    }

    #[test]
    fn escapes_and_anchoring() {
        let co = Codeowners::parse("\\#hash.md @a\npath\\ with\\ spaces/ @b\n/root.md @c\ndeep.md @d\ndocs/*.md @e\n");
        assert!(co.errors.is_empty(), "{:?}", co.errors);
        let first = |p: &str| co.owners_for(p).first().map(users).unwrap_or_default();
        assert_eq!(first("#hash.md"), ["@a"]);
        assert_eq!(first("x/path with spaces/file.md"), ["@b"]);
        assert_eq!(first("root.md"), ["@c"]);
        assert!(first("sub/root.md").is_empty());
        assert_eq!(first("a/b/deep.md"), ["@d"]);
        assert_eq!(first("docs/one.md"), ["@e"]);
        assert_eq!(first("x/docs/one.md"), ["@e"], "unanchored patterns match at any depth");
        assert!(first("docs/sub/one.md").is_empty(), "`*` does not cross a slash");
    }

    #[test]
    fn exclusions_are_final_within_their_section_only() {
        let co = Codeowners::parse("* @all\n!*.lock\n[Deps]\n*.lock @deps\n");
        assert!(co.errors.is_empty(), "{:?}", co.errors);
        let m = co.owners_for("Cargo.lock");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].section, "Deps");
        assert_eq!(co.owners_for("a.rs").len(), 1);
    }

    #[test]
    fn odd_input_never_panics() {
        let odd = "[\n^\n^[\n[]]\n[a][\n[a][]\n[a][0]\n\\\n!\n! @a\n@\n@@\na@\n@a/\n**\n/ @x\n[a] [b]\n                   é/ü @ñ\n[ü][3] @@owners x@y\nfoo\\\n\t\n\u{0}\n*[ @z\n{a,b} @w\n";
        let co = Codeowners::parse(odd);
        assert!(!co.errors.is_empty());
        for path in ["", "/", "a", "é/ü/x", "{a,b}"] {
            let _ = co.owners_for(path);
        }
    }

    #[test]
    fn errors_carry_their_line_and_parsing_goes_on() {
        let co =
            Codeowners::parse("# c\n[]\n[Bad][x]\n[Ok]\nfile.md not-an-owner @fine\nother.md\n[Unclosed\nz.md @z\n");
        let lines: Vec<(usize, String)> = co.errors.iter().map(|e| (e.line, e.kind.to_string())).collect();
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert_eq!(lines[0].0, 2);
        assert_eq!(co.errors[0].kind, CodeownersErrorKind::MissingSectionName);
        assert_eq!(co.errors[1].kind, CodeownersErrorKind::InvalidApprovalCount("x".into()));
        assert_eq!(lines[2].0, 5);
        assert_eq!(lines[3].0, 6);
        assert_eq!(lines[4].0, 7);
        assert_eq!(co.owners_for("file.md")[0].owners, [Owner::User("fine".into())]);
        assert_eq!(co.owners_for("z.md").len(), 1);
    }
}
