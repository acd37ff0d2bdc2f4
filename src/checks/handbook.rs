//! Handbook page checks: front matter keys, links and anchors as the built site resolves them,
//! heading levels, and protected pages that a change moves or deletes.

use super::{Check, CheckContext, Factory, RuleOptions, parse_options};
use crate::diagnostic::Finding;
use crate::document::{DocKind, Document, FrontMatter, LinkRef, PageLinks, parse_front_matter};
use crate::handbook::{Render, Site, Target, url};
use crate::rules::{did_you_mean, levenshtein};
use regex::{Regex, RegexSet};
use serde::Deserialize;
use serde_json::Value;
use std::sync::{LazyLock, OnceLock};

pub static KINDS: &[(&str, Factory)] = &[
    ("missing-title", |o| no_options(o).map(|()| Box::new(MissingTitle) as Box<dyn Check>)),
    ("misspelled-front-matter-key", |o| {
        parse_options::<MisspelledOptions>(o).map(|opts| Box::new(MisspelledKey(opts)) as Box<dyn Check>)
    }),
    ("absolute-handbook-link", |o| no_options(o).map(|()| Box::new(AbsoluteHandbookLink) as Box<dyn Check>)),
    ("broken-link", |o| no_options(o).map(|()| Box::new(BrokenLink::default()) as Box<dyn Check>)),
    ("broken-anchor", |o| no_options(o).map(|()| Box::new(BrokenAnchor::default()) as Box<dyn Check>)),
    ("heading-level-skip", |o| no_options(o).map(|()| Box::new(HeadingLevelSkip) as Box<dyn Check>)),
    ("protected-page-moved", |o| no_options(o).map(|()| Box::new(ProtectedPageMoved) as Box<dyn Check>)),
];

fn no_options(options: &RuleOptions) -> Result<(), String> {
    match options.keys().next() {
        None => Ok(()),
        Some(key) => Err(format!("this check takes no options, but `{key}` was given")),
    }
}

/// Hosts whose `/handbook/…` URLs are the handbook itself when the rules name none.
const DEFAULT_HANDBOOK_HOSTS: [&str; 2] = ["handbook.gitlab.com", "about.gitlab.com"];

fn is_handbook(doc: &Document) -> bool {
    doc.kind == DocKind::Handbook
}

// ------------------------------------------------------------------------------------ front matter

/// A page without a required key (`title`, and whatever else `handbook.required_keys` lists).
#[derive(Debug)]
struct MissingTitle;

impl Check for MissingTitle {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        if !is_handbook(doc) {
            return;
        }
        let required: Vec<&str> = if ctx.rules.handbook.required_keys.is_empty() {
            vec!["title"]
        } else {
            ctx.rules.handbook.required_keys.iter().map(String::as_str).collect()
        };
        let keys: Vec<&str> = match &doc.front_matter {
            // Broken front matter is `invalid-front-matter`'s finding; one is enough.
            FrontMatter::Invalid { .. } => return,
            FrontMatter::None => Vec::new(),
            FrontMatter::Yaml { keys, .. } => keys.iter().map(|k| k.name.as_str()).collect(),
        };
        let span = doc.front_matter.span().unwrap_or_else(|| doc.head_span());
        for key in required {
            // A wrong-case `Title` is reported by misspelled-front-matter-key instead.
            if keys.iter().any(|k| k.eq_ignore_ascii_case(key) && *k != key) {
                continue;
            }
            let empty = match doc.front_matter.get(key) {
                None => {
                    if keys.contains(&key) {
                        true
                    } else {
                        out.push(
                            ctx.finding(doc, span.clone(), format!("the page has no `{key}` in its front matter"))
                                .with_help(format!("add `{key}: …` between the `---` lines at the top of the page"))
                                .with_anchor(key.to_string()),
                        );
                        continue;
                    }
                }
                Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                Some(_) => false,
            };
            if empty {
                let span = doc.front_matter.key_span(key).unwrap_or(span.clone());
                out.push(
                    ctx.finding(doc, span, format!("`{key}` is empty"))
                        .with_help(format!("give the page a `{key}`"))
                        .with_anchor(key.to_string()),
                );
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MisspelledOptions {
    /// Largest edit distance to a known key that still counts as a misspelling.
    #[serde(default = "default_max_distance")]
    max_distance: usize,
}

fn default_max_distance() -> usize {
    2
}

/// A front matter key that is not a known key but close to one (`decription`, `Title`).
#[derive(Debug)]
struct MisspelledKey(MisspelledOptions);

impl Check for MisspelledKey {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let known = &ctx.rules.handbook.known_keys;
        if !is_handbook(doc) || known.is_empty() {
            return;
        }
        let FrontMatter::Yaml { keys, .. } = &doc.front_matter else {
            return;
        };
        for key in keys {
            let name = key.name.as_str();
            if known.iter().any(|k| k == name) {
                continue;
            }
            if let Some(right) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
                out.push(
                    ctx.finding(doc, key.span.clone(), format!("front matter key `{name}` is in the wrong case"))
                        .with_help(format!("did you mean `{right}`? Rename the key to `{right}`"))
                        .with_anchor(name.to_string()),
                );
                continue;
            }
            if let Some(right) = self.nearest(name, known) {
                out.push(
                    ctx.finding(doc, key.span.clone(), format!("unknown front matter key `{name}`"))
                        .with_help(format!("did you mean `{right}`?"))
                        .with_anchor(name.to_string()),
                );
            }
        }
    }
}

impl MisspelledKey {
    fn nearest<'a>(&self, name: &str, known: &'a [String]) -> Option<&'a str> {
        let lower = name.to_lowercase();
        // Short keys need a closer match: `dri` is not a misspelling of `dris` or `date`.
        let limit = self.0.max_distance.min(name.chars().count().saturating_sub(1) / 3).max(1);
        let len = name.len();
        let best = did_you_mean(name, known.iter().map(String::as_str).filter(|k| k.len().abs_diff(len) <= limit))?;
        let best_lower = best.to_lowercase();
        let distance = levenshtein(&lower, &best_lower);
        let plural = lower.strip_suffix('s') == Some(best_lower.as_str())
            || best_lower.strip_suffix('s') == Some(lower.as_str());
        (distance <= limit && !plural).then_some(best)
    }
}

// ------------------------------------------------------------------------------------------- links

/// The page a document is on, if links on it are checked at all: pages the site renders (drafts,
/// bundle resources and `build.render: never` pages are never seen by a reader).
fn page_of(page: &PageLinks, site: &Site) -> Option<usize> {
    if page.kind != DocKind::Handbook || site.is_unpublished(&page.path) {
        return None;
    }
    site.page_of(&page.path).filter(|&i| site.pages()[i].rendered == Render::Always)
}

/// Whether a destination stays on the site: no scheme and no host (`../a.md`, `/handbook/x/`,
/// `#id`). Only these can be broken links or anchors.
fn is_site_link(dest: &str) -> bool {
    let dest = dest.trim();
    !dest.starts_with("//") && url::scheme_of(dest).is_none()
}

/// A page's links during the link pass. Where each link leads is worked out once, by the first
/// check that asks, and shared by the others (broken links and broken anchors look at the same
/// targets).
pub struct LinkedPage<'a> {
    pub page: &'a PageLinks,
    targets: OnceLock<Option<(usize, Vec<Option<Target>>)>>,
}

impl<'a> LinkedPage<'a> {
    pub fn new(page: &'a PageLinks) -> LinkedPage<'a> {
        LinkedPage { page, targets: OnceLock::new() }
    }

    /// The page's index on the site and, for each of its links, where it leads: `None` for links a
    /// reader does not follow (images). `None` when links on the page are not checked at all.
    fn targets(&self, site: &Site) -> Option<(usize, &[Option<Target>])> {
        let resolved = self.targets.get_or_init(|| {
            let from = page_of(self.page, site)?;
            let targets = self
                .page
                .links()
                .map(|link| {
                    (!link.is_image).then(|| {
                        if link.markdown { site.resolve(from, link.dest) } else { site.resolve_html(from, link.dest) }
                    })
                })
                .collect();
            Some((from, targets))
        });
        resolved.as_ref().map(|(from, targets)| (*from, targets.as_slice()))
    }

    /// Followed links with where they lead.
    fn followed(&self, site: &Site) -> Option<(usize, impl Iterator<Item = (LinkRef<'a>, &Target)>)> {
        let (from, targets) = self.targets(site)?;
        let links = self.page.links().zip(targets).filter_map(|(link, target)| Some((link, target.as_ref()?)));
        Some((from, links))
    }
}

/// The rules' `handbook.exclude_links`, compiled once per check. (The site also applies the
/// tree's own `.hugolint.yaml`.) A pattern that does not compile excludes nothing.
#[derive(Debug, Default)]
struct RuleExcludes(OnceLock<Option<RegexSet>>);

impl RuleExcludes {
    fn matches(&self, ctx: &CheckContext<'_>, path: &str, fragment: Option<&str>) -> bool {
        let set = self.0.get_or_init(|| {
            let patterns = &ctx.rules.handbook.exclude_links;
            if patterns.is_empty() { None } else { RegexSet::new(patterns).ok() }
        });
        let Some(set) = set else { return false };
        match fragment {
            Some(f) => set.is_match(&format!("{path}#{f}")),
            None => set.is_match(path),
        }
    }
}

/// A relative link to something that is not a page of the site.
#[derive(Debug, Default)]
struct BrokenLink(RuleExcludes);

impl Check for BrokenLink {
    fn wants_link(&self, dest: &str, _rules: &crate::rules::RuleSet) -> bool {
        is_site_link(dest)
    }

    fn check_links(&self, linked: &LinkedPage<'_>, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some(site) = ctx.site else { return };
        let Some((from, links)) = linked.followed(site) else {
            return;
        };
        let doc = linked.page;
        for (link, target) in links {
            let Target::Broken { path } = target else { continue };
            if self.0.matches(ctx, path, url::split(link.dest).fragment.filter(|f| !f.is_empty())) {
                continue;
            }
            let mut finding = ctx
                .finding_in(
                    &doc.path,
                    link.span.clone(),
                    format!("`{}` leads to no page: nothing is published at `{path}`", link.dest),
                )
                .with_anchor(format!("{}|{}", link.section, link.dest));
            finding = match suggest_page(site, from, path) {
                Some(better) => finding.with_help(format!("did you mean `{better}`?")),
                None => finding.with_help(
                    "link to the page's source file relative to this one (`../other/page.md`) or to its URL path (`/handbook/…/`)",
                ),
            };
            out.push(finding);
        }
    }
}

/// A page whose URL ends with the same last segment as a broken path, if exactly one does.
fn suggest_page(site: &Site, from: usize, path: &str) -> Option<String> {
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    let last = last.strip_suffix(".md").or_else(|| last.strip_suffix(".html")).unwrap_or(last).to_lowercase();
    if last.is_empty() || last == "_index" || last == "index" {
        return None;
    }
    let [only] = site.pages_named(&last) else {
        return None;
    };
    Some(url::relative(&site.pages()[from].url(), &site.pages()[*only].url()))
}

/// A `#fragment` that no heading (or other id) of the target page produces.
#[derive(Debug, Default)]
struct BrokenAnchor(RuleExcludes);

impl Check for BrokenAnchor {
    fn wants_link(&self, dest: &str, _rules: &crate::rules::RuleSet) -> bool {
        is_site_link(dest)
    }

    fn check_links(&self, linked: &LinkedPage<'_>, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some(site) = ctx.site else { return };
        let Some((from, links)) = linked.followed(site) else {
            return;
        };
        let doc = linked.page;
        for (link, target) in links {
            let &Target::Page { page, fragment: Some(ref fragment) } = target else {
                continue;
            };
            let ids = match site.ids(page) {
                Ok(ids) => ids,
                Err(e) => {
                    out.push(ids_unreadable(ctx, &doc.path, &link, fragment, &e));
                    continue;
                }
            };
            let target = &site.pages()[page];
            if ids.contains(fragment) || self.0.matches(ctx, &target.url(), Some(fragment)) {
                continue;
            }
            let message = if page == from {
                format!("no heading on this page has the id `{fragment}`")
            } else {
                format!("`{}` has no heading with the id `{fragment}`", target.url())
            };
            let mut finding = ctx
                .finding_in(&doc.path, link.span.clone(), message)
                .with_anchor(format!("{}|{}", link.section, link.dest));
            // Only ids of about the same length can be within `did_you_mean`'s distance.
            let len = fragment.chars().count();
            let near = ids.iter().filter(|id| id.len().abs_diff(len) <= (len / 3).max(2));
            let suggestion = did_you_mean(fragment, near);
            finding = match suggestion {
                Some(id) => finding.with_help(format!("did you mean `#{id}`?")),
                None => finding.with_help(
                    "heading ids are the heading text in lower case with spaces as `-` and punctuation dropped; set one with `{#id}`",
                ),
            };
            out.push(finding);
        }
    }
}

/// A fragment link whose target page's ids cannot be had (the page went unreadable during the
/// run): said on the link, not reported as a broken anchor nor passed over.
fn ids_unreadable(ctx: &CheckContext<'_>, path: &str, link: &LinkRef<'_>, fragment: &str, e: &str) -> Finding {
    crate::engine::unreadable(
        ctx.rules,
        path,
        link.span.clone(),
        format!("`#{fragment}` could not be checked: the page it points to cannot be read ({e})"),
    )
    .with_help("check that the page exists and is readable, then run again")
    .with_anchor(format!("ids|{}", link.dest))
}

/// A handbook link written as an absolute URL to the handbook's own host.
#[derive(Debug)]
struct AbsoluteHandbookLink;

impl Check for AbsoluteHandbookLink {
    fn wants_link(&self, dest: &str, rules: &crate::rules::RuleSet) -> bool {
        absolute_handbook_path(dest, rules).is_some()
    }

    fn check_links(&self, linked: &LinkedPage<'_>, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let doc = linked.page;
        if doc.kind != DocKind::Handbook {
            return;
        }
        // Where the page is is looked up only for a page that has such a link: most have none.
        let mut from_url = None;
        for link in doc.links().filter(|l| l.markdown && !l.is_image) {
            let Some(path) = absolute_handbook_path(link.dest, ctx.rules) else {
                continue;
            };
            let from_url = from_url
                .get_or_insert_with(|| ctx.site.and_then(|s| page_of(doc, s).map(|i| s.pages()[i].url().into_owned())));
            let parts = url::split(link.dest.trim());
            let mut target = match &from_url {
                Some(from) => url::relative(from, &path),
                None => path.clone(),
            };
            if let Some(q) = parts.query {
                target.push('?');
                target.push_str(q);
            }
            if let Some(f) = parts.fragment {
                target.push('#');
                target.push_str(f);
            }
            out.push(
                ctx.finding_in(
                    &doc.path,
                    link.span.clone(),
                    format!("handbook link written as an absolute URL: `{}`", link.dest),
                )
                .with_help(format!("write it as the relative link `{target}` so it works in review apps and forks"))
                .with_anchor(format!("{}|{}", link.section, link.dest)),
            );
        }
    }
}

/// The decoded `/handbook/…` path of an `http(s)` URL to one of the handbook's hosts (the rules'
/// `handbook.handbook_hosts`, else the public handbook's), `www.` or not.
fn absolute_handbook_path(dest: &str, rules: &crate::rules::RuleSet) -> Option<String> {
    static HANDBOOK: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("/handbook"));
    let dest = dest.trim();
    // Relative links have no scheme, and most links to other sites no `/handbook`: nothing to
    // look at in either.
    if url::scheme_of(dest).is_none() || (HANDBOOK.find(dest.as_bytes()).is_none() && !dest.contains("%2")) {
        return None;
    }
    let parts = url::split(dest);
    let (scheme, host) = (parts.scheme?, parts.host?);
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let configured = &rules.handbook.handbook_hosts;
    let known = if configured.is_empty() {
        DEFAULT_HANDBOOK_HOSTS.iter().any(|h| h.eq_ignore_ascii_case(host))
    } else {
        configured.iter().any(|h| h.eq_ignore_ascii_case(host))
    };
    if !known {
        return None;
    }
    let path = url::percent_decode(parts.path).into_owned();
    (path == "/handbook" || path.starts_with("/handbook/")).then_some(path)
}

// ---------------------------------------------------------------------------------------- headings

/// A heading more than one level deeper than the one before it.
#[derive(Debug)]
struct HeadingLevelSkip;

impl Check for HeadingLevelSkip {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        if !is_handbook(doc) {
            return;
        }
        for pair in doc.headings.windows(2) {
            let (prev, cur) = (&pair[0], &pair[1]);
            if cur.level > prev.level + 1 {
                let want = "#".repeat(usize::from(prev.level) + 1);
                out.push(
                    ctx.finding(
                        doc,
                        cur.span.clone(),
                        format!("heading jumps from level {} to level {}", prev.level, cur.level),
                    )
                    .with_help(format!("make it a `{want}` heading, or add the level in between"))
                    .with_anchor(cur.norm.clone()),
                );
            }
        }
    }
}

// ------------------------------------------------------------------------------- protected pages

/// A protected page renamed, moved or deleted without a change-management issue.
///
/// A page is protected when its front matter sets one of `handbook.protected_keys` to true or any
/// of its front matter text matches one of `handbook.protected_patterns`. The change is allowed
/// when the change's issue text (the MR description, or `--change-issue`) links a GitLab issue:
/// an issue URL (`https://host/group/project/-/issues/12`, the older `…/issues/12`, or a work
/// item `…/-/work_items/12`) or a full reference `group/project#12`. A bare `#12` does not count:
/// it names an issue of the handbook project itself, which is not where change-management issues
/// are kept, and is easily written by accident.
#[derive(Debug)]
struct ProtectedPageMoved;

impl Check for ProtectedPageMoved {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        // Renames whose old contents the change does not carry: judge by the page as it is now.
        let Some((old, _)) = ctx.change.renamed.iter().find(|(_, new)| paths_equal(new, &doc.path)) else {
            return;
        };
        if ctx.change.old_contents.iter().any(|(p, _)| p == old) || has_change_issue(ctx) {
            return;
        }
        if let Some(reason) = protection(&doc.front_matter, ctx) {
            out.push(moved_finding(ctx, &doc.path, old, Some(&doc.path), &reason));
        }
    }

    fn check_change(&self, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        if has_change_issue(ctx) {
            return;
        }
        let old_text = |path: &str| ctx.change.old_contents.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_str());
        for (old, new) in &ctx.change.renamed {
            let Some(text) = old_text(old) else { continue };
            let (fm, _) = parse_front_matter(text);
            if let Some(reason) = protection(&fm, ctx) {
                out.push(moved_finding(ctx, new, old, Some(new), &reason));
            }
        }
        for old in &ctx.change.deleted {
            let Some(text) = old_text(old) else { continue };
            let (fm, _) = parse_front_matter(text);
            if let Some(reason) = protection(&fm, ctx) {
                out.push(moved_finding(ctx, old, old, None, &reason));
            }
        }
    }
}

fn paths_equal(a: &str, b: &str) -> bool {
    a.trim_start_matches("./") == b.trim_start_matches("./")
}

fn moved_finding(ctx: &CheckContext<'_>, at: &str, old: &str, new: Option<&str>, reason: &str) -> Finding {
    let message = match new {
        Some(new) => {
            format!("protected page `{old}` is moved to `{new}` without a change-management issue")
        }
        None => format!("protected page `{old}` is deleted without a change-management issue"),
    };
    ctx.finding_at(at, message)
        .with_help(format!(
            "the page is protected ({reason}); link its change-management issue in the MR description, or pass `--change-issue URL` locally"
        ))
        .with_anchor(old.to_string())
}

/// Why a page's front matter marks it protected, if it does.
fn protection(fm: &FrontMatter, ctx: &CheckContext<'_>) -> Option<String> {
    let hb = &ctx.rules.handbook;
    let FrontMatter::Yaml { value, .. } = fm else {
        return None;
    };
    for key in &hb.protected_keys {
        let set = match value.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("yes"),
            _ => false,
        };
        if set {
            return Some(format!("`{key}: true`"));
        }
    }
    if hb.protected_patterns.is_empty() {
        return None;
    }
    let mut texts = Vec::new();
    collect_strings(value, &mut texts);
    for pattern in &hb.protected_patterns {
        // A bad pattern is the rules file's error, reported when rules compile; skip it here.
        let Ok(re) = Regex::new(pattern) else {
            continue;
        };
        if let Some(hit) = texts.iter().find_map(|t| re.find(t)) {
            return Some(format!("its front matter says “{}”", hit.as_str()));
        }
    }
    None
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

static ISSUE_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        https?://[^\s/]+/[^\s\#?]+?/(?:-/)?(?:issues|work_items)/\d+
        | (?:^|[\s(\[])[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\#\d+",
    )
    .expect("static regex")
});

/// Whether the change links a change-management issue (see [`ProtectedPageMoved`]).
fn has_change_issue(ctx: &CheckContext<'_>) -> bool {
    ctx.change.change_issue_text.as_deref().is_some_and(|t| ISSUE_LINK.is_match(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_links_that_count() {
        let yes = [
            "https://gitlab.com/gitlab-com/support/support-team-meta/-/issues/123",
            "see https://gitlab.example/a/b/issues/9.",
            "Closes gitlab-com/support/support-team-meta#42",
            "https://gitlab.com/g/p/-/work_items/7",
        ];
        let no = ["#42", "https://gitlab.com/g/p/-/merge_requests/5", "no link", "https://gitlab.com/g/p/-/issues/"];
        for t in yes {
            assert!(ISSUE_LINK.is_match(t), "{t}");
        }
        for t in no {
            assert!(!ISSUE_LINK.is_match(t), "{t}");
        }
    }
}
