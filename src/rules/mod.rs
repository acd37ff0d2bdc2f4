//! Rules: YAML files (built-in, embedded in the binary, then the project's own) merged in order and
//! compiled into a [`RuleSet`]. A mistake in a file is a [`RulesError`] that points at the file,
//! line and column.

pub mod model;

use crate::checks::{self, Check};
use crate::diagnostic::Severity;
use crate::document::normalize_heading;
use include_dir::{Dir, include_dir};
use miette::{Diagnostic, NamedSource, SourceSpan};
use model::*;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;

static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

#[derive(Debug, Error, Diagnostic)]
pub enum RulesError {
    #[error("{file}: {message}")]
    #[diagnostic(code(promolint::rules::invalid))]
    Invalid {
        file: String,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{label}")]
        span: Option<SourceSpan>,
        label: String,
        #[help]
        help: Option<String>,
    },
    #[error("cannot read rules from {path}: {source}")]
    #[diagnostic(code(promolint::rules::io), help("check that the directory exists and is readable"))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A rule ready to run.
#[derive(Debug)]
pub struct CompiledRule {
    pub id: String,
    pub kind: String,
    pub severity: Severity,
    /// `None` when configured off.
    pub enabled: bool,
    pub applies_to: AppliesTo,
    pub summary: String,
    pub why: String,
    pub bad: Option<String>,
    pub good: Option<String>,
    pub fix: Option<String>,
    pub source: Option<String>,
    /// The file the rule was (last) defined in.
    pub origin: String,
    pub check: Box<dyn Check>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    /// Normalised name and aliases.
    pub names: Vec<String>,
    pub kind: RoleKind,
    pub track: Option<String>,
    pub source: String,
    pub dri: Option<String>,
    pub competencies: Vec<Competency>,
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct Competency {
    pub name: String,
    pub group: String,
    pub names: Vec<String>,
    pub description: String,
    pub source: String,
    pub min_evidence: usize,
}

#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<CompiledRule>,
    pub roles: Vec<Role>,
    pub values: Vec<Competency>,
    pub promotion: PromotionDef,
    pub career: CareerDef,
    pub handbook: HandbookDef,
    pub dri: DriDef,
}

/// One rules file's text and the name it is reported under.
pub struct RulesSource {
    pub name: String,
    pub text: String,
}

/// The built-in rules files, in name order.
pub fn builtin_sources() -> Vec<RulesSource> {
    let mut files: Vec<_> = BUILTIN
        .files()
        .filter(|f| is_yaml(f.path()))
        .filter_map(|f| {
            Some(RulesSource {
                name: format!("<built-in>/{}", f.path().display()),
                text: f.contents_utf8()?.to_string(),
            })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// The `.yml`/`.yaml` files of a directory, in name order.
pub fn dir_sources(dir: &Path) -> Result<Vec<RulesSource>, RulesError> {
    let io = |source| RulesError::Io { path: dir.display().to_string(), source };
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).map_err(io)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| is_yaml(p)).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .map_err(|source| RulesError::Io { path: p.display().to_string(), source })?;
            Ok(RulesSource { name: p.display().to_string(), text })
        })
        .collect()
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml"))
}

/// How a project changes a rule: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOverride {
    Error,
    Warning,
    Info,
    Off,
}

impl RuleSet {
    /// Parses, merges and compiles rules files in order; later definitions override earlier ones.
    pub fn compile(sources: &[RulesSource]) -> Result<RuleSet, RulesError> {
        let mut set = RuleSet::default();
        let mut rule_index: BTreeMap<String, usize> = BTreeMap::new();
        for source in sources {
            let file: RulesFile = crate::yaml::from_str(&source.text)
                .map_err(|e| invalid(source, e.message.clone(), e.offset, "here", Some(schema_help(&e.message))))?;
            let mut seen_here: BTreeMap<String, ()> = BTreeMap::new();
            for def in file.rules {
                let id = def.id.value.clone();
                if seen_here.insert(id.clone(), ()).is_some() {
                    return Err(invalid(
                        source,
                        format!("rule id `{id}` is defined twice in this file"),
                        offset_of(&def.id),
                        "second definition",
                        Some("rename one of them; to override a built-in rule, define it in its own file".into()),
                    ));
                }
                if !is_kebab(&id) {
                    return Err(invalid(
                        source,
                        format!("rule id `{id}` is not kebab-case"),
                        offset_of(&def.id),
                        "rule id",
                        Some("use lower-case words joined by `-`, naming what is flagged".into()),
                    ));
                }
                let kind = def.check.value.clone();
                let Some(factory) = checks::lookup(&kind) else {
                    let help = did_you_mean(&kind, checks::kind_names().into_iter())
                        .map(|s| format!("did you mean `{s}`?"))
                        .or_else(|| Some(format!("known check kinds: {}", checks::kind_names().join(", "))));
                    return Err(invalid(
                        source,
                        format!("unknown check kind `{kind}`"),
                        offset_of(&def.check),
                        "unknown kind",
                        help,
                    ));
                };
                let check = factory(&def.options).map_err(|msg| {
                    invalid(
                        source,
                        format!("rule `{id}`: invalid options: {msg}"),
                        offset_of(&def.id),
                        "in this rule",
                        None,
                    )
                })?;
                let compiled = CompiledRule {
                    id: id.clone(),
                    kind,
                    severity: def.severity,
                    enabled: true,
                    applies_to: def.applies_to,
                    summary: def.summary,
                    why: def.why,
                    bad: def.bad,
                    good: def.good,
                    fix: def.fix,
                    source: def.source,
                    origin: source.name.clone(),
                    check,
                };
                match rule_index.get(&id) {
                    Some(&i) => set.rules[i] = compiled,
                    None => {
                        rule_index.insert(id, set.rules.len());
                        set.rules.push(compiled);
                    }
                }
            }
            for role in file.roles {
                let compiled = compile_role(role, &source.name);
                match set.roles.iter_mut().find(|r| r.names[0] == compiled.names[0]) {
                    Some(existing) => *existing = compiled,
                    None => set.roles.push(compiled),
                }
            }
            for value in file.values {
                let mut names = vec![normalize_heading(&value.name)];
                names.extend(value.aliases.iter().map(|a| normalize_heading(a)));
                let compiled = Competency {
                    name: value.name,
                    group: "Values".into(),
                    names,
                    description: value.description,
                    source: value.source,
                    min_evidence: value.min_evidence.unwrap_or(1),
                };
                match set.values.iter_mut().find(|v| v.names[0] == compiled.names[0]) {
                    Some(existing) => *existing = compiled,
                    None => set.values.push(compiled),
                }
            }
            if let Some(p) = file.promotion {
                merge_promotion(&mut set.promotion, p);
            }
            if let Some(c) = file.career {
                set.career.steps.extend(c.steps);
                set.career.interim.extend(c.interim);
                if c.source.is_some() {
                    set.career.source = c.source;
                }
            }
            if let Some(h) = file.handbook {
                merge_handbook(&mut set.handbook, h);
            }
            if let Some(d) = file.dri {
                set.dri.strategies.extend(d.strategies);
                if !d.codeowners_sections.is_empty() {
                    set.dri.codeowners_sections = d.codeowners_sections;
                }
            }
        }
        // A role's competencies default to the role's, then the promotion-wide minimum.
        let default_min = set.promotion.min_evidence.unwrap_or(1);
        for role in &mut set.roles {
            for c in &mut role.competencies {
                if c.min_evidence == 0 {
                    c.min_evidence = default_min;
                }
            }
        }
        Ok(set)
    }

    /// Built-in rules, then each directory in order.
    pub fn load(dirs: &[&Path]) -> Result<RuleSet, RulesError> {
        let mut sources = builtin_sources();
        for dir in dirs {
            sources.extend(dir_sources(dir)?);
        }
        RuleSet::compile(&sources)
    }

    pub fn rule(&self, id: &str) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Applies per-rule severities from the configuration; an unknown rule id is an error message.
    pub fn apply_overrides(&mut self, overrides: &BTreeMap<String, SeverityOverride>) -> Result<(), String> {
        for (id, o) in overrides {
            let Some(rule) = self.rules.iter_mut().find(|r| &r.id == id) else {
                let names: Vec<String> = self.rules.iter().map(|r| r.id.clone()).collect();
                let hint = did_you_mean(id, names.iter().map(String::as_str))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(format!("severity set for unknown rule `{id}`{hint}"));
            };
            match o {
                SeverityOverride::Off => rule.enabled = false,
                SeverityOverride::Error => rule.severity = Severity::Error,
                SeverityOverride::Warning => rule.severity = Severity::Warning,
                SeverityOverride::Info => rule.severity = Severity::Info,
            }
        }
        Ok(())
    }

    /// The role whose name or alias matches, case and punctuation aside.
    pub fn role(&self, name: &str) -> Option<&Role> {
        let norm = normalize_heading(name);
        self.roles.iter().find(|r| r.names.contains(&norm))
    }

    /// Whether `from → to` is a step of the career graph.
    pub fn is_step(&self, from: &str, to: &str) -> bool {
        let (from, to) = (self.canonical_role(from), self.canonical_role(to));
        self.career
            .steps
            .iter()
            .any(|s| self.canonical_role(&s.from) == from && s.to.iter().any(|t| self.canonical_role(t) == to))
    }

    /// Roles reachable in one step from `from`.
    pub fn next_roles(&self, from: &str) -> Vec<String> {
        let from = self.canonical_role(from);
        self.career
            .steps
            .iter()
            .filter(|s| self.canonical_role(&s.from) == from)
            .flat_map(|s| s.to.iter().cloned())
            .collect()
    }

    /// The interim-table entry for `from → to`, if the step has one.
    pub fn interim_for(&self, from: &str, to: &str) -> Option<&InterimDef> {
        let (from, to) = (self.canonical_role(from), self.canonical_role(to));
        self.career.interim.iter().find(|i| self.canonical_role(&i.from) == from && self.canonical_role(&i.to) == to)
    }

    /// A role name mapped through aliases to its framework's normalised name.
    pub fn canonical_role(&self, name: &str) -> String {
        match self.role(name) {
            Some(role) => role.names[0].clone(),
            None => normalize_heading(name),
        }
    }
}

fn compile_role(role: RoleDef, origin: &str) -> Role {
    let mut names = vec![normalize_heading(&role.name.value)];
    names.extend(role.aliases.iter().map(|a| normalize_heading(a)));
    let role_min = role.min_evidence.unwrap_or(0);
    let competencies = role
        .competencies
        .into_iter()
        .map(|c| {
            let mut names = vec![normalize_heading(&c.name)];
            names.extend(c.aliases.iter().map(|a| normalize_heading(a)));
            Competency {
                name: c.name,
                group: c.group,
                names,
                description: c.description,
                source: c.source,
                min_evidence: c.min_evidence.unwrap_or(role_min),
            }
        })
        .collect();
    Role {
        name: role.name.value,
        names,
        kind: role.kind,
        track: role.track,
        source: role.source,
        dri: role.dri,
        competencies,
        origin: origin.to_string(),
    }
}

fn merge_promotion(into: &mut PromotionDef, p: PromotionDef) {
    if !p.sections.is_empty() {
        into.sections = p.sections;
    }
    if !p.business_result_parts.is_empty() {
        into.business_result_parts = p.business_result_parts;
    }
    into.max_business_results = p.max_business_results.or(into.max_business_results);
    into.min_business_results = p.min_business_results.or(into.min_business_results);
    into.summary_sentences = p.summary_sentences.or(into.summary_sentences);
    into.max_words = p.max_words.or(into.max_words);
    into.min_evidence_words = p.min_evidence_words.or(into.min_evidence_words);
    into.min_evidence = p.min_evidence.or(into.min_evidence);
}

fn merge_handbook(into: &mut HandbookDef, h: HandbookDef) {
    into.known_keys.extend(h.known_keys);
    if !h.required_keys.is_empty() {
        into.required_keys = h.required_keys;
    }
    into.handbook_hosts.extend(h.handbook_hosts);
    into.protected_patterns.extend(h.protected_patterns);
    into.protected_keys.extend(h.protected_keys);
    into.exclude_links.extend(h.exclude_links);
}

fn offset_of<T>(s: &Spanned<T>) -> Option<usize> {
    s.referenced.span().byte_offset().map(|o| o as usize)
}

fn invalid(
    source: &RulesSource,
    message: String,
    offset: Option<usize>,
    label: &str,
    help: Option<String>,
) -> RulesError {
    let span = offset.map(|o| crate::yaml::label_span(&source.text, o));
    RulesError::Invalid {
        file: source.name.clone(),
        message,
        src: NamedSource::new(source.name.clone(), source.text.clone()),
        span,
        label: label.to_string(),
        help,
    }
}

/// Adds "did you mean" to serde's unknown-field messages, which list the expected fields.
fn schema_help(message: &str) -> String {
    unknown_field_hint(message)
        .unwrap_or_else(|| "see `promolint rules list` and the built-in rules for the expected shape".to_string())
}

/// For "unknown field `x`, expected one of a, b, c" (as serde-saphyr words it): "did you mean
/// `b`?" when one is close, else the list of known fields.
pub fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    let expected = expected.split(" at line").next().unwrap_or(expected);
    let names: Vec<&str> = expected.split(',').map(|n| n.trim().trim_matches('`')).filter(|n| !n.is_empty()).collect();
    Some(match did_you_mean(field, names.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("expected one of: {}", names.join(", ")),
    })
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// The closest candidate within an edit distance of a quarter of the word (at least 2).
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word: Vec<char> = word.to_lowercase().chars().collect();
    let limit = (word.len() / 4).max(2);
    let counts = CharCounts::of(&word);
    let mut rows = Rows::default();
    let mut best: Option<(usize, &str)> = None;
    let mut other = Vec::new();
    for c in candidates {
        other.clear();
        other.extend(c.chars().flat_map(char::to_lowercase));
        // Only a closer match than the best so far matters.
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        if counts.lower_bound(&other) > bound {
            continue;
        }
        if let Some(d) = rows.within(&word, &other, bound)
            && best.is_none_or(|(b, _)| d < b)
        {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance counting insertions, deletions, substitutions and adjacent transpositions.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    Rows::default().within(&a, &b, usize::MAX).unwrap_or(usize::MAX)
}

/// How often each character occurs in a word (characters folded into 128 buckets), for a cheap
/// lower bound of the edit distance to another word: every character of one that the other lacks
/// costs at least one edit, and one edit fixes at most one such character on each side.
/// (Transpositions move characters without changing the counts.) Folding only makes words look
/// more alike, so the bound stays a lower bound.
struct CharCounts {
    counts: [u32; 128],
    len: usize,
}

impl CharCounts {
    fn of(word: &[char]) -> CharCounts {
        let mut counts = [0u32; 128];
        for &c in word {
            let b = &mut counts[c as usize % 128];
            *b = b.saturating_add(1);
        }
        CharCounts { counts, len: word.len() }
    }

    fn lower_bound(&self, other: &[char]) -> usize {
        let mut left = self.counts;
        let mut common = 0;
        for &c in other {
            let b = &mut left[c as usize % 128];
            if *b > 0 {
                *b -= 1;
                common += 1;
            }
        }
        (self.len - common).max(other.len() - common)
    }
}

/// The rows of the edit-distance table, kept between calls: this runs against every id of a page
/// for each broken anchor, and every known key for odd keys.
#[derive(Default)]
struct Rows {
    prev_prev: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Rows {
    /// [`levenshtein`] of two char sequences if it is at most `limit`; gives up early otherwise.
    fn within(&mut self, a: &[char], b: &[char], limit: usize) -> Option<usize> {
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        let Rows { prev_prev, prev, cur } = self;
        prev_prev.clear();
        prev_prev.resize(b.len() + 1, 0);
        prev.clear();
        prev.extend(0..=b.len());
        cur.clear();
        cur.resize(b.len() + 1, 0);
        for i in 1..=a.len() {
            cur[0] = i;
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    cur[j] = cur[j].min(prev_prev[j - 2] + 1);
                }
            }
            // A row never gets smaller by more than one step through a transposition, so once two
            // consecutive rows are both past the limit the distance is too.
            if cur.iter().min().is_some_and(|&m| m > limit) && prev.iter().min().is_some_and(|&m| m > limit) {
                return None;
            }
            std::mem::swap(prev_prev, prev);
            std::mem::swap(prev, cur);
        }
        Some(prev[b.len()]).filter(|&d| d <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_bound_never_exceeds_the_distance() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "kitten",
            "sitting",
            "étape-2",
            "etape-2",
            "fn:1",
            "overview-1",
            "aaaa",
            "bbbb",
        ];
        for a in words {
            for b in words {
                let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let bound = CharCounts::of(&ca).lower_bound(&cb);
                assert!(bound <= levenshtein(a, b), "{a} / {b}: bound {bound}");
            }
        }
        assert_eq!(CharCounts::of(&['a', 'a', 'a', 'a']).lower_bound(&['b', 'b', 'b', 'b']), 4);
        assert_eq!(CharCounts::of(&['a', 'b']).lower_bound(&['b', 'a']), 0);
    }

    #[test]
    fn edit_distance_and_suggestions() {
        assert_eq!(levenshtein("decription", "description"), 1);
        assert_eq!(levenshtein("tilte", "title"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("ab", "ba"), 1);
        assert_eq!(levenshtein("abcdef", "badcfe"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(did_you_mean("Title", ["title", "weight"].into_iter()), Some("title"));
        assert_eq!(did_you_mean("zzzzzz", ["title"].into_iter()), None);
    }
}
