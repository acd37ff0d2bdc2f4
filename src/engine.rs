//! One lint run: find the files, read and parse each once (in parallel), run the rules that apply,
//! drop what is suppressed or waived, and sort. No printing; the CLI renders the outcome.

use crate::changes::ChangeSet;
use crate::checks::CheckContext;
use crate::config::Config;
use crate::diagnostic::{Finding, Severity};
use crate::document::{DocKind, Document, FrontMatter};
use crate::document::{LinkStore, PageLinks, Spill};
use crate::handbook::{FactStore, Includes, PageFacts, Site, SiteFiles};
use crate::outcome::LintOutcome;
use crate::rules::model::AppliesTo;
use crate::rules::model::HandbookDef;
use crate::rules::{RuleSet, did_you_mean};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Rule id for files that cannot be linted at all (unreadable, binary, not UTF-8, too large).
pub const UNREADABLE: &str = "unreadable-file";
/// Rule id for a front-matter waiver without a reason or for an unknown rule.
pub const INVALID_WAIVER: &str = "invalid-waiver";

/// What to lint and how.
pub struct LintRequest<'a> {
    /// The repository root: paths in findings are relative to it.
    pub root: PathBuf,
    /// Files or directories to lint; empty means the config's globs from the root.
    pub paths: Vec<PathBuf>,
    /// Only these repository-relative paths (from `--changed` or the MR), if set.
    pub only: Option<Vec<String>>,
    pub config: &'a Config,
    pub rules: &'a RuleSet,
    pub change: &'a ChangeSet,
    /// `(index, total)`, 1-based: lint only this shard's files.
    pub shard: Option<(usize, usize)>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EngineError {
    #[error("invalid glob `{glob}` in the configuration: {message}")]
    #[diagnostic(code(promolint::config::glob), help("globs use `*`, `**`, `?` and `{{a,b}}`"))]
    Glob { glob: String, message: String },
    #[error("{path}: no such file or directory")]
    #[diagnostic(
        code(promolint::io::missing),
        help("pass files or directories that exist, relative to the current directory")
    )]
    Missing { path: String },
}

/// A file chosen for linting, before it is read. A whole handbook has tens of thousands: the
/// path is held once, shared with what the run keeps of the page, and what only a file named on
/// the command line has is boxed, so that the rest take four words each.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub rel: Arc<str>,
    /// Where to read it from and its size, when known otherwise than from `rel`.
    pub given: Option<Box<Given>>,
    /// Kind from the globs; `None` means "decide from the front matter".
    pub kind: Option<DocKind>,
}

/// What is known of a candidate before it is read, beyond its repository-relative path.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// Where to read it, when that is not the root joined with `rel`.
    pub abs: Option<PathBuf>,
    /// Size in bytes when known before reading (discovery does not stat every file; reading does).
    pub size: Option<u64>,
}

impl Candidate {
    pub fn new(rel: &str, abs: Option<PathBuf>, size: Option<u64>, kind: Option<DocKind>) -> Candidate {
        let given = (abs.is_some() || size.is_some()).then(|| Box::new(Given { abs, size }));
        Candidate { rel: rel.into(), given, kind }
    }

    /// Where the file is read from, given the repository root.
    pub fn path(&self, root: &Path) -> PathBuf {
        match self.given.as_ref().and_then(|g| g.abs.clone()) {
            Some(abs) => abs,
            None => root.join(&*self.rel),
        }
    }

    /// Its size, if known before reading.
    pub fn size(&self) -> Option<u64> {
        self.given.as_ref().and_then(|g| g.size)
    }
}

pub struct Globs {
    promotions: GlobSet,
    handbook: GlobSet,
    exclude: GlobSet,
}

impl Globs {
    pub fn new(config: &Config) -> Result<Globs, EngineError> {
        Ok(Globs {
            promotions: build_globs(&config.promotions)?,
            handbook: build_globs(&config.handbook)?,
            exclude: build_globs(&config.exclude)?,
        })
    }

    pub fn kind(&self, rel: &str) -> Option<DocKind> {
        if self.promotions.is_match(rel) {
            Some(DocKind::Promotion)
        } else if self.handbook.is_match(rel) {
            Some(DocKind::Handbook)
        } else {
            None
        }
    }

    pub fn excluded(&self, rel: &str) -> bool {
        self.exclude.is_match(rel)
    }
}

fn build_globs(globs: &[String]) -> Result<GlobSet, EngineError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| EngineError::Glob { glob: g.clone(), message: e.kind().to_string() })?;
        b.add(glob);
    }
    b.build().map_err(|e| EngineError::Glob { glob: globs.join(", "), message: e.to_string() })
}

/// Lints what the request asks for.
pub fn run(req: &LintRequest<'_>) -> Result<LintOutcome, EngineError> {
    let start = std::time::Instant::now();
    let globs = Globs::new(req.config)?;
    let candidates = discover(&req.root, &req.paths, &globs)?;
    Ok(run_discovered(req, candidates, start.elapsed()))
}

/// [`run`] on files already discovered (in `discovered`), so a caller can discover while it
/// loads the rules.
pub fn run_discovered(req: &LintRequest<'_>, mut candidates: Vec<Candidate>, discovered: Duration) -> LintOutcome {
    let start = std::time::Instant::now();
    if let Some(only) = &req.only {
        let only: std::collections::HashSet<&str> = only.iter().map(String::as_str).collect();
        candidates.retain(|c| only.contains(&*c.rel));
    }
    if let Some((index, total)) = req.shard {
        let sizes: Vec<(String, u64)> = candidates
            .par_iter()
            .map(|c| {
                let size = c.size().or_else(|| std::fs::metadata(c.path(&req.root)).ok().map(|m| m.len()));
                (c.rel.to_string(), size.unwrap_or(0))
            })
            .collect();
        let mine: std::collections::HashSet<String> =
            crate::shard::shard_of(&sizes, index, total).into_iter().collect();
        candidates.retain(|c| mine.contains(&*c.rel));
    }
    let discovered = discovered + start.elapsed();
    let mut outcome = lint_candidates(req, candidates);
    outcome.timings.insert(0, ("discover", discovered));
    outcome
}

/// Reads, parses and checks the candidates in parallel, in two passes so that no parsed document
/// outlives its own checks: the first pass parses each file, runs every check that needs only the
/// file, keeps what the site index and the link checks need ([`PageFacts`], [`PageLinks`]) and
/// drops the document; the second checks links against the site built from those facts. Memory
/// then holds links and heading ids, not whole documents, however many pages there are.
pub fn lint_candidates(req: &LintRequest<'_>, candidates: Vec<Candidate>) -> LintOutcome {
    // On a thread of rayon's pool (this one, if it is one): what the run does between the
    // parallel parts (indexing, gathering findings) then allocates where parsing freed memory,
    // rather than on a thread of its own with none to reuse. About 1 MB less at the handbook's
    // peak.
    rayon::scope(|_| lint_on_pool(req, candidates))
}

fn lint_on_pool(req: &LintRequest<'_>, candidates: Vec<Candidate>) -> LintOutcome {
    let mut clock = Clock::start();
    // Where the handbook site is, known before parsing so include files can be read while parsing.
    let prefix = Site::prefix_of(candidates.iter().filter(|c| c.kind != Some(DocKind::Promotion)).map(|c| &*c.rel));
    let includes = Includes::new(req.root.join(prefix.as_deref().unwrap_or("")));
    // Links and heading ids past this budget wait for the site index in a temporary file, not in
    // memory.
    let spill = Arc::new(Spill::new(usize::try_from(req.config.link_memory_bytes).unwrap_or(usize::MAX)));
    let pass = Pass { includes: &includes, spill: &spill };
    let content = prefix.as_deref().map(|p| format!("{p}content/"));
    let in_site = |path: &str| content.as_deref().is_some_and(|c| path.starts_with(c));
    // The site's own listing (it holds pages not linted in this run) is walked alongside: the walk
    // waits on the file system while the parsing keeps the cores busy. It keeps the candidates'
    // own path strings for the pages that are linted, rather than copies.
    let sorted = candidates.is_sorted_by(|a, b| a.rel <= b.rel);
    let shared = |prefix: &str, dir: &str, name: &str| {
        if !sorted {
            return None;
        }
        let mut path = String::with_capacity(prefix.len() + "content/".len() + dir.len() + 1 + name.len());
        path.extend([prefix, "content/", dir, if dir.is_empty() { "" } else { "/" }, name]);
        let i = candidates.binary_search_by(|c| (*c.rel).cmp(&path)).ok()?;
        Some((Arc::clone(&candidates[i].rel), prefix.len() + "content/".len()))
    };
    let (mut kept, site_files): (Vec<Kept>, Option<SiteFiles>) = rayon::join(
        || {
            candidates
                .par_iter()
                .fold(
                    || Kept { links: LinkStore::spilling(Arc::clone(&spill)), ..Kept::default() },
                    |mut kept, c| {
                        match read_document(c, &req.root, req.config.max_file_bytes, req.rules) {
                            Ok(doc) => {
                                let parsed = doc.source.text.len();
                                first_pass(doc, Arc::clone(&c.rel), req, &pass, in_site(&c.rel), &mut kept);
                                crate::memory::parsed(parsed);
                            }
                            Err(finding) => kept.findings.push(finding),
                        }
                        kept
                    },
                )
                .map(|mut kept| {
                    // A run that has spilled writes the rest out below: shrinking first would copy
                    // the buffers just before they are written and freed.
                    if spill.spilled() == 0 {
                        kept.links.shrink_to_fit();
                    }
                    kept
                })
                .collect()
        },
        || prefix.as_deref().map(|p| SiteFiles::list_sharing(&req.root.join(p), &|dir, name| shared(p, dir, name))),
    );

    // A run large enough to spill is one where memory matters more than the few milliseconds
    // that giving memory back costs (about 5% of a run over the handbook itself).
    let give_back = || {
        if spill.spilled() > 0 {
            crate::memory::give_back();
        }
    };
    // Such a run writes the rest out too: what the budget let stay in memory would otherwise be
    // held next to the site index and the findings until the end, at the run's peak.
    if spill.spilled() > 0 {
        kept.par_iter_mut().for_each(|k| {
            k.links.spill_out();
            k.links.shrink_to_fit();
            k.facts.shelve_rest(&spill);
        });
    }
    give_back();
    clock.lap("parse and check files");
    // Only the paths are needed from here on: the rest of each candidate goes before the site is
    // indexed. (Collected in place, in the candidates' buffer, which has room for twice as many.)
    let files_checked = candidates.len();
    let mut files: Vec<Arc<str>> = candidates.into_iter().map(|c| c.rel).collect();
    files.shrink_to_fit();
    let mut outcome = LintOutcome { files_checked, files, ..Default::default() };
    outcome.root = Some(req.root.clone());
    let mut facts = Vec::with_capacity(kept.iter().map(|k| k.facts.len()).sum());
    let mut stores = Vec::with_capacity(kept.len());
    for k in kept {
        outcome.findings.extend(k.findings);
        outcome.coverage.extend(k.coverage);
        facts.extend(k.facts.into_facts());
        stores.push(k.links);
    }
    // Every page with links, as (store, index in it), worked out from a running count rather
    // than listed: a whole handbook has tens of thousands.
    let starts: Vec<usize> = stores.iter().scan(0, |n, s| Some(std::mem::replace(n, *n + s.len()))).collect();
    let with_links = stores.iter().map(LinkStore::len).sum::<usize>();
    let page = |k: usize| {
        let s = starts.partition_point(|&start| start <= k) - 1;
        (&stores[s], k - starts[s])
    };
    let has_pages = !facts.is_empty() || with_links > 0;
    // Link exclusions of the site are the tree's own `.hugolint.yaml`; the rules'
    // `handbook.exclude_links` are applied by the link checks themselves.
    let site = match (prefix.filter(|_| has_pages), site_files) {
        (Some(prefix), Some(files)) => {
            let spill = Some(Arc::clone(&spill));
            Site::build_from(&req.root, &prefix, &HandbookDef::default(), includes, files, facts, spill).ok()
        }
        _ => None,
    };

    if let Some(site) = &site {
        outcome.findings.extend(site.unlisted().iter().map(|s| unlisted(s, req.rules)));
    }
    give_back();
    clock.lap("index the site");
    // Kept in the vectors the tasks filled until the site index is gone: appending them to the
    // run's findings holds them twice for a moment, which is the run's peak if the index is
    // still there.
    let link_findings: Vec<Vec<Finding>> = (0..with_links)
        .into_par_iter()
        .map(page)
        .fold(Vec::new, |mut found, (store, i)| {
            match store.page(i) {
                Ok(page) => found.extend(check_links(&page, req.rules, site.as_ref(), req.change)),
                Err(e) => found.push(links_lost(store, i, &e, req.rules)),
            }
            found
        })
        .filter(|found| !found.is_empty())
        .collect();
    clock.lap("check links");

    let mut change_findings = Vec::new();
    for rule in req.rules.rules.iter().filter(|r| r.enabled) {
        let ctx = CheckContext {
            rule_id: &rule.id,
            severity: rule.severity,
            rules: req.rules,
            site: site.as_ref(),
            change: req.change,
        };
        rule.check.check_change(&ctx, &mut change_findings);
    }
    outcome.findings.extend(change_findings);
    drop(site);
    outcome.findings.reserve_exact(link_findings.iter().map(Vec::len).sum());
    outcome.findings.extend(link_findings.into_iter().flatten());
    // Freeing every page's links takes a while; the caller need not wait.
    rayon::spawn(move || drop(stores));
    sort_findings(&mut outcome);
    clock.lap("check the change as a whole, sort");
    outcome.timings = clock.laps;
    outcome.links_spilled = spill.spilled();
    outcome
}

/// Phase timings of a run.
struct Clock {
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Clock {
    fn start() -> Clock {
        Clock { last: std::time::Instant::now(), laps: Vec::new() }
    }

    fn lap(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((phase, now - self.last));
        self.last = now;
    }
}

/// What every page of the first pass shares.
struct Pass<'a> {
    includes: &'a Includes,
    spill: &'a Spill,
}

/// What the first pass keeps of the files one task of it handled: their findings, and what the
/// site index and link checks need later, packed (see [`LinkStore`]).
#[derive(Default)]
struct Kept {
    findings: Vec<Finding>,
    coverage: Vec<crate::outcome::Coverage>,
    facts: FactStore,
    links: LinkStore,
}

/// `path` is the document's path, shared by what is kept of it.
fn first_pass(doc: Document, path: Arc<str>, req: &LintRequest<'_>, pass: &Pass<'_>, in_site: bool, kept: &mut Kept) {
    let Pass { includes, spill } = pass;
    let start = kept.findings.len();
    kept.findings.extend(check_document(&doc, req.rules, None, req.change));
    let mut positions = doc.source.positions();
    for f in &mut kept.findings[start..] {
        f.position = Some(positions.position(&f.span));
        f.share_path(&path);
    }
    if doc.kind == DocKind::Promotion {
        kept.coverage.extend(crate::checks::promotion::coverage(&doc, req.rules));
        return;
    }
    let wanted = |dest: &str| link_rules(req.rules).any(|r| r.check.wants_link(dest, req.rules));
    let mut links = PageLinks::sharing(&doc, &wanted, std::sync::Arc::clone(&path));
    if !links.is_empty() {
        links.waived = waivers(&doc, req.rules, &mut Vec::new());
        kept.links.push(links);
    }
    if in_site {
        kept.facts.push(PageFacts::sharing(&doc, includes, path), spill);
    }
}

/// The second pass for one page: the link checks of every enabled rule, then its suppressions and
/// waivers.
pub fn check_links(page: &PageLinks, rules: &RuleSet, site: Option<&Site>, change: &ChangeSet) -> Vec<Finding> {
    let mut findings = Vec::new();
    let linked = crate::checks::LinkedPage::new(page);
    for rule in link_rules(rules) {
        let ctx = CheckContext { rule_id: &rule.id, severity: rule.severity, rules, site, change };
        rule.check.check_links(&linked, &ctx, &mut findings);
    }
    disambiguate_anchors(&mut findings);
    // Most pages have no link finding: their links are not sorted for nothing.
    if !findings.is_empty() {
        let position_of = page.positions();
        for f in &mut findings {
            f.position = position_of(&f.span);
            f.share_path(&page.path);
        }
    }
    findings.retain(|f| {
        let line = f.position.map_or(1, |p| p.line);
        !page.suppressions.is_suppressed(&f.rule, line) && !page.waived.contains(&f.rule)
    });
    findings
}

/// A page whose links were written to the temporary file and cannot be read back: said, not
/// skipped in silence.
fn links_lost(store: &LinkStore, i: usize, e: &std::io::Error, rules: &RuleSet) -> Finding {
    unreadable(rules, store.path(i), 0..0, format!("this page's links could not be checked: {e}"))
        .with_help("its links were kept in a temporary file that could not be read back; run again, or raise `link_memory_bytes` in .promolint.yml to keep them in memory")
        .with_anchor("links")
}

/// A directory of the site that could not be listed: its pages are not in the index, so links to
/// them are reported as broken; the reason is said once, on the directory.
fn unlisted(dir: &crate::handbook::Skipped, rules: &RuleSet) -> Finding {
    unreadable(rules, &dir.path, 0..0, format!("{}: its pages are not in the site index", dir.reason))
        .with_help("links to its pages are reported as broken; make the directory readable, or move its pages up")
        .with_anchor("directory")
}

/// Enabled rules that apply to handbook pages, the only pages whose links are checked.
fn link_rules(rules: &RuleSet) -> impl Iterator<Item = &crate::rules::CompiledRule> {
    rules.rules.iter().filter(|r| r.enabled && matches!(r.applies_to, AppliesTo::All | AppliesTo::Handbook))
}

/// Sorts by path, line, column, rule, message: output is stable across runs.
pub fn sort_findings(outcome: &mut LintOutcome) {
    // Sorted where they lie (positions are worked out again per comparison, most are already
    // kept on the finding): a second vector of every finding would double what the run holds at
    // its end. Not a stable sort, which takes a buffer of half the findings: the order is total
    // instead, so that it is the same every run.
    let mut findings = std::mem::take(&mut outcome.findings);
    let at = |f: &Finding| outcome.position(f);
    findings.sort_unstable_by(|a, b| {
        let (pa, pb) = (at(a), at(b));
        a.path
            .cmp(&b.path)
            .then(pa.line.cmp(&pb.line))
            .then(pa.column.cmp(&pb.column))
            .then(a.rule.cmp(&b.rule))
            .then(a.message.cmp(&b.message))
            .then_with(|| {
                (pa, &a.span.start, &a.span.end, a.severity).cmp(&(pb, &b.span.start, &b.span.end, b.severity))
            })
            .then_with(|| (&a.help, &a.anchor, &a.competency).cmp(&(&b.help, &b.anchor, &b.competency)))
    });
    findings.dedup();
    outcome.findings = findings;
    outcome.coverage.sort_by(|a, b| a.path.cmp(&b.path));
}

/// Every rule that applies to the document, then suppressions and waivers.
pub fn check_document(
    doc: &Document,
    rules: &RuleSet,
    site: Option<&crate::handbook::Site>,
    change: &ChangeSet,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules.rules.iter().filter(|r| r.enabled) {
        let applies = matches!(
            (rule.applies_to, doc.kind),
            (AppliesTo::All, _) | (AppliesTo::Promotion, DocKind::Promotion) | (AppliesTo::Handbook, DocKind::Handbook)
        );
        if !applies {
            continue;
        }
        let ctx = CheckContext { rule_id: &rule.id, severity: rule.severity, rules, site, change };
        rule.check.check(doc, &ctx, &mut findings);
    }
    disambiguate_anchors(&mut findings);
    let waivers = waivers(doc, rules, &mut findings);
    findings.retain(|f| {
        let line = doc.source.lines.line_of(f.span.start);
        !doc.suppressions.is_suppressed(&f.rule, line) && !waivers.iter().any(|w| w == &f.rule)
    });
    findings
}

/// Two findings of one rule about identical text (two identical evidence items) would share a
/// fingerprint and look like one finding to the MR review; number the repeats.
fn disambiguate_anchors(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let n = seen.entry((f.rule.clone(), f.anchor.clone())).or_default();
        *n += 1;
        if *n > 1 {
            f.anchor = format!("{} ~{n}", f.anchor);
        }
    }
}

/// Rules waived in front matter (`promolint: { waive: { rule: "reason" } }`); a waiver without a
/// reason, or for a rule that does not exist, is itself a finding and waives nothing.
fn waivers(doc: &Document, rules: &RuleSet, findings: &mut Vec<Finding>) -> Vec<String> {
    let Some(waive) = doc.front_matter.get("promolint").and_then(|p| p.get("waive")) else {
        return Vec::new();
    };
    let span = doc.front_matter.key_span("promolint").unwrap_or_else(|| doc.head_span());
    let severity = rules.rule(INVALID_WAIVER).map_or(Severity::Error, |r| r.severity);
    let mut out = Vec::new();
    let Some(map) = waive.as_object() else {
        findings.push(
            Finding::new(INVALID_WAIVER, severity, &doc.path, span, "`promolint.waive` must map rule ids to reasons")
                .with_help("write `promolint: { waive: { rule-id: \"why this rule does not apply\" } }`")
                .with_anchor("waive"),
        );
        return out;
    };
    for (rule, reason) in map {
        if rules.rule(rule).is_none() {
            let names: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
            let hint = did_you_mean(rule, names.into_iter()).map(|s| format!("did you mean `{s}`?"));
            findings.push(
                Finding::new(
                    INVALID_WAIVER,
                    severity,
                    &doc.path,
                    span.clone(),
                    format!("waiver for unknown rule `{rule}`"),
                )
                .with_help(hint.unwrap_or_else(|| "see `promolint rules list`".into()))
                .with_anchor(format!("waive {rule}")),
            );
            continue;
        }
        match reason.as_str().map(str::trim) {
            Some(r) if !r.is_empty() => out.push(rule.clone()),
            _ => findings.push(
                Finding::new(
                    INVALID_WAIVER,
                    severity,
                    &doc.path,
                    span.clone(),
                    format!("waiver of `{rule}` gives no reason"),
                )
                .with_help("say why the rule does not apply, so reviewers can judge the waiver")
                .with_anchor(format!("waive {rule}")),
            ),
        }
    }
    out
}

/// An `unreadable-file` finding at the severity the rules give it.
pub fn unreadable(rules: &RuleSet, path: &str, span: crate::diagnostic::Span, message: String) -> Finding {
    let severity = rules.rule(UNREADABLE).map_or(Severity::Error, |r| r.severity);
    Finding::new(UNREADABLE, severity, path, span, message)
}

/// Reads a file and parses it; a file that cannot be linted becomes an `unreadable-file` finding.
pub fn read_document(c: &Candidate, root: &Path, max_bytes: u64, rules: &RuleSet) -> Result<Document, Finding> {
    let fail = |message: String, help: &str| {
        unreadable(rules, &c.rel, 0..0, message).with_help(help.to_string()).with_anchor("file")
    };
    let cannot_read = |e: std::io::Error| fail(format!("cannot read file: {e}"), "check the file's permissions");
    let mut file = std::fs::File::open(c.path(root)).map_err(cannot_read)?;
    let size = match c.size() {
        Some(size) => size,
        None => file.metadata().map_err(cannot_read)?.len(),
    };
    if size > max_bytes {
        return Err(fail(
            format!("file is {size} bytes, more than the limit of {max_bytes}"),
            "split the document, or raise `max_file_bytes` in .promolint.yml",
        ));
    }
    // At most one byte past the limit: a file that grows while it is read is still caught.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, max_bytes.saturating_add(1)), &mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > max_bytes {
        return Err(fail(format!("file is more than {max_bytes} bytes"), "split the document"));
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Err(fail(
            "file looks binary (it contains NUL bytes); skipped".into(),
            "only Markdown files are linted; exclude it in .promolint.yml",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        fail(format!("file is not valid UTF-8 (byte {at}, line {line})"), "save the file as UTF-8")
    })?;
    let kind = match c.kind {
        Some(kind) => kind,
        None => {
            let (fm, _) = crate::document::parse_front_matter(&text);
            if is_promotion_front_matter(&fm) { DocKind::Promotion } else { DocKind::Handbook }
        }
    };
    Ok(Document::parse(&c.rel, kind, text))
}

fn is_promotion_front_matter(fm: &FrontMatter) -> bool {
    fm.str("type").is_some_and(|t| t.eq_ignore_ascii_case("promotion"))
}

/// The Markdown files to lint: the given paths, or the config's globs below the root.
pub fn discover(root: &Path, paths: &[PathBuf], globs: &Globs) -> Result<Vec<Candidate>, EngineError> {
    let mut out = Vec::new();
    if paths.is_empty() {
        // The walk's paths are the root joined with `rel`: not kept.
        out = walk(root, "", &|rel, _| {
            let kind = globs.kind(rel).filter(|_| !globs.excluded(rel))?;
            Some(Candidate::new(rel, None, None, Some(kind)))
        });
    } else {
        for p in paths {
            let meta = std::fs::metadata(p).map_err(|_| EngineError::Missing { path: p.display().to_string() })?;
            if meta.is_dir() {
                out.extend(walk(p, &relative(root, p), &|rel, abs| {
                    (!globs.excluded(rel) && rel.ends_with(".md")).then(|| {
                        let abs = (root.join(rel) != abs).then(|| abs.to_path_buf());
                        Candidate::new(rel, abs, None, globs.kind(rel))
                    })
                }));
            } else {
                let rel = relative(root, p);
                let abs = (root.join(&rel) != *p).then(|| p.clone());
                out.push(Candidate::new(&rel, abs, Some(meta.len()), globs.kind(&rel)));
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.dedup_by(|a, b| a.rel == b.rel);
    Ok(out)
}

/// What `keep` makes of every file below `dir`, given its repository-relative path and its path,
/// walking directories in parallel and never following symlinks (so loops cannot hang it),
/// skipping hidden and build directories. `rel` is `dir` relative to the repository root (empty
/// for the root itself). Unordered. A file `keep` has no use for costs nothing past the walk: a
/// handbook holds tens of thousands.
pub fn walk<T: Send>(dir: &Path, rel: &str, keep: &(dyn Fn(&str, &Path) -> Option<T> + Sync)) -> Vec<T> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Ok(ft) = entry.file_type() else { continue };
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let child = if rel.is_empty() || rel == "." { name.to_string() } else { format!("{rel}/{name}") };
        if ft.is_dir() {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            // A Hugo site's assets/ holds include files, not pages: their headings count for the
            // pages that include them, and the site index reads them there.
            if name == "assets" && dir.join("content").is_dir() {
                continue;
            }
            dirs.push((path, child));
        } else if ft.is_file()
            && let Some(kept) = keep(&child, &path)
        {
            files.push(kept);
        }
    }
    let nested: Vec<Vec<T>> = dirs.par_iter().map(|(d, child)| walk(d, child, keep)).collect();
    files.extend(nested.into_iter().flatten());
    files
}

/// `path` relative to `root` with `/` separators; paths outside the root stay as given.
pub fn relative(root: &Path, path: &Path) -> String {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let rel = path
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .or_else(|_| abs(path).strip_prefix(abs(root)).map(Path::to_path_buf))
        .unwrap_or_else(|_| path.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_takes_four_words_and_keeps_what_was_given() {
        // Tens of thousands are held through the first pass.
        assert!(std::mem::size_of::<Candidate>() <= 4 * std::mem::size_of::<usize>());
        let walked = Candidate::new("content/a.md", None, None, Some(DocKind::Handbook));
        assert!(walked.given.is_none());
        assert_eq!(walked.path(Path::new("/r")), Path::new("/r/content/a.md"));
        let named = Candidate::new("../a.md", Some(PathBuf::from("/elsewhere/a.md")), Some(12), None);
        assert_eq!((named.path(Path::new("/r")), named.size()), (PathBuf::from("/elsewhere/a.md"), Some(12)));
    }

    #[test]
    fn findings_sort_the_same_whatever_order_they_came_in() {
        // Same path, place, rule and message: only the help and the anchor tell them apart.
        let make = |help: &str, anchor: &str| {
            let mut f = Finding::new("broken-link", Severity::Error, "content/a.md", 3..9, "`x` leads to no page")
                .with_help(help.to_string())
                .with_anchor(anchor);
            f.position = Some(crate::outcome::Position { line: 2, column: 1, end_line: 2, end_column: 7 });
            f
        };
        let findings: Vec<Finding> =
            (0..40).map(|i| make(&format!("help {}", i % 7), &format!("a{}", i % 5))).collect();
        let sorted = |findings: Vec<Finding>| {
            let mut outcome = LintOutcome { findings, ..Default::default() };
            sort_findings(&mut outcome);
            outcome.findings.iter().map(|f| format!("{:?}|{}", f.help, f.anchor)).collect::<Vec<_>>()
        };
        let forward = sorted(findings.clone());
        let backward = sorted(findings.into_iter().rev().collect());
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), 35, "the same finding twice is kept once");
    }
}
