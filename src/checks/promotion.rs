//! Promotion document checks: structure (sections, competencies, values, business results),
//! evidence (count, links, length, reuse, dates) and the career step (known role, real step,
//! interim period). Each kind's doc comment says what it flags and why; `explain` shows the
//! rules' own text.

use super::{Check, CheckContext, Factory, RuleOptions, parse_options};
use crate::diagnostic::{Finding, normalize_anchor_text};
use crate::document::{Block, Document, count_words};
use crate::outcome::{Coverage, CoverageRow};
use crate::rules::model::{InterimWhen, Required};
use crate::rules::{Competency, Role, RuleSet, did_you_mean};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub static KINDS: &[(&str, Factory)] = &[
    ("missing-section", |o| unit(o, MissingSection)),
    ("empty-section", |o| unit(o, EmptySection)),
    ("missing-competency", |o| unit(o, MissingCompetency)),
    ("insufficient-evidence", |o| unit(o, InsufficientEvidence)),
    ("evidence-without-link", |o| unit(o, EvidenceWithoutLink)),
    ("evidence-too-short", |o| unit(o, EvidenceTooShort)),
    ("duplicate-evidence", |o| Ok(Box::new(parse_options::<DuplicateEvidence>(o)?))),
    ("summary-length", |o| unit(o, SummaryLength)),
    ("business-result-parts", |o| unit(o, BusinessResultParts)),
    ("document-too-long", |o| Ok(Box::new(parse_options::<DocumentTooLong>(o)?))),
    ("unknown-role", |o| unit(o, UnknownRole)),
    ("invalid-promotion-path", |o| unit(o, InvalidPromotionPath)),
    ("missing-interim-period", |o| unit(o, MissingInterimPeriod)),
    ("evidence-outside-review-period", |o| unit(o, EvidenceOutsideReviewPeriod)),
];

/// A kind that takes no options: any option is an error.
pub(crate) fn unit<C: Check + 'static>(options: &RuleOptions, check: C) -> Result<Box<dyn Check>, String> {
    match options.keys().next() {
        Some(key) => Err(format!("this check takes no options, but `{key}` is given")),
        None => Ok(Box::new(check)),
    }
}

fn section<'a>(doc: &Document, rules: &'a RuleSet, id: &str) -> Option<(usize, &'a crate::rules::model::SectionDef)> {
    let def = rules.promotion.sections.iter().find(|s| s.id == id)?;
    let names = section_names(def);
    doc.find_heading(&names, Some(def.level), None).or_else(|| doc.find_heading(&names, None, None)).map(|i| (i, def))
}

fn section_names(def: &crate::rules::model::SectionDef) -> Vec<String> {
    std::iter::once(&def.name).chain(&def.aliases).map(|n| crate::document::normalize_heading(n)).collect()
}

fn target_role<'a>(doc: &Document, rules: &'a RuleSet) -> Option<&'a Role> {
    let target = doc.front_matter.str("target_role")?;
    rules.role(target).filter(|r| !r.competencies.is_empty())
}

/// The heading of a competency (or value) within a section, by name or alias.
fn competency_heading(doc: &Document, within: usize, c: &Competency) -> Option<usize> {
    doc.subheadings(within).find(|&i| c.names.contains(&doc.headings[i].norm))
}

/// Whether a block is a left-in placeholder rather than evidence.
pub fn is_placeholder(text: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\bTODO\b|\bTBD\b|\bCHANGEME\b|(?i:\[insert[^\]]*\])|^\s*\.\.\.\s*$|^\s*…\s*$")
            .unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
    });
    RE.is_match(text)
}

/// An evidence item that counts: linked, not a placeholder, long enough.
fn counts(doc: &Document, block: &Block, min_words: usize) -> bool {
    !is_placeholder(&block.plain) && has_link(doc, block) && words_without_links(&block.text) >= min_words
}

fn has_link(doc: &Document, block: &Block) -> bool {
    block.links.iter().any(|&l| !doc.links[l].is_image && !doc.links[l].url.starts_with('#'))
}

fn words_without_links(text: &str) -> usize {
    count_words(text)
}

fn min_words(rules: &RuleSet) -> usize {
    rules.promotion.min_evidence_words.unwrap_or(5)
}

/// Every competency of the target role and every value, with the heading that covers it.
fn evidence_targets<'a>(
    doc: &Document,
    rules: &'a RuleSet,
    role: Option<&'a Role>,
) -> Vec<(&'a Competency, Option<usize>)> {
    let mut out = Vec::new();
    if let Some(role) = role
        && let Some((c, _)) = section(doc, rules, "competencies")
    {
        for comp in &role.competencies {
            out.push((comp, competency_heading(doc, c, comp)));
        }
    }
    if let Some((v, _)) = section(doc, rules, "values") {
        for value in &rules.values {
            out.push((value, competency_heading(doc, v, value)));
        }
    }
    out
}

/// Competency coverage for the MR summary table; `None` for documents without a known role.
pub fn coverage(doc: &Document, rules: &RuleSet) -> Option<Coverage> {
    let role = target_role(doc, rules)?;
    let min_words = min_words(rules);
    let rows = evidence_targets(doc, rules, Some(role))
        .into_iter()
        .map(|(c, heading)| CoverageRow {
            group: c.group.clone(),
            name: c.name.clone(),
            evidence: heading.map_or(0, |h| doc.blocks_within(h).filter(|b| counts(doc, b, min_words)).count()),
            required: c.min_evidence.max(1),
        })
        .collect();
    let fm = &doc.front_matter;
    Some(Coverage {
        path: doc.path.clone(),
        candidate: fm.str("candidate").map(|s| s.trim_start_matches('@').to_string()),
        manager: fm.str("manager").map(|s| s.trim_start_matches('@').to_string()),
        current_role: fm.str("current_role").map(str::to_string),
        target_role: role.name.clone(),
        rows,
        dri_candidates: dri_candidates(doc, rules, role),
        dri_manager_of: role
            .dri
            .as_deref()
            .and_then(|name| rules.dri.strategies.get(name))
            .and_then(|s| s.team_manager_of.as_deref())
            .and_then(|field| fm.str(field))
            .map(|u| u.trim().trim_start_matches('@').to_string()),
    })
}

/// Usernames the role's DRI strategy names from the front matter and the rules.
fn dri_candidates(doc: &Document, rules: &RuleSet, role: &Role) -> Vec<String> {
    let Some(strategy) = role.dri.as_deref().and_then(|name| rules.dri.strategies.get(name)) else {
        return Vec::new();
    };
    let from_front_matter = strategy.front_matter.iter().filter_map(|field| doc.front_matter.str(field));
    from_front_matter
        .chain(strategy.users.iter().map(String::as_str))
        .map(|u| u.trim().trim_start_matches('@').to_string())
        .filter(|u| !u.is_empty())
        .collect()
}

/// Flags a required section that is absent, or present only at another heading level.
#[derive(Debug)]
struct MissingSection;

impl Check for MissingSection {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for def in ctx.rules.promotion.sections.iter().filter(|s| s.required == Required::Always) {
            let names = section_names(def);
            if doc.find_heading(&names, Some(def.level), None).is_some() {
                continue;
            }
            let hashes = "#".repeat(def.level as usize);
            match doc.find_heading(&names, None, None) {
                Some(i) => out.push(
                    ctx.finding(
                        doc,
                        doc.headings[i].span.clone(),
                        format!(
                            "section `{}` is at level {} but must be at level {}",
                            def.name, doc.headings[i].level, def.level
                        ),
                    )
                    .with_help(format!("write it as `{hashes} {}`", def.name))
                    .with_anchor(format!("level {}", def.id)),
                ),
                None => out.push(
                    ctx.finding(doc, doc.head_span(), format!("required section `{}` is missing", def.name))
                        .with_help(format!("add a `{hashes} {}` section", def.name))
                        .with_anchor(def.id.clone()),
                ),
            }
        }
    }
}

/// Flags a required section with no paragraph or list item in it or its subsections.
#[derive(Debug)]
struct EmptySection;

impl Check for EmptySection {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for def in &ctx.rules.promotion.sections {
            if def.required == Required::Optional {
                continue;
            }
            let Some((i, _)) = section(doc, ctx.rules, &def.id) else { continue };
            if doc.blocks_within(i).next().is_none() {
                out.push(
                    ctx.finding(doc, doc.headings[i].span.clone(), format!("section `{}` is empty", def.name))
                        .with_help(
                            def.guidance
                                .clone()
                                .unwrap_or_else(|| "write the section's content under its heading".into()),
                        )
                        .with_anchor(def.id.clone()),
                );
            }
        }
    }
}

/// Flags each competency of the target role that has no heading under Competencies.
#[derive(Debug)]
struct MissingCompetency;

impl Check for MissingCompetency {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some(role) = target_role(doc, ctx.rules) else { return };
        let Some((section_heading, _)) = section(doc, ctx.rules, "competencies") else { return };
        for comp in &role.competencies {
            if competency_heading(doc, section_heading, comp).is_none() {
                out.push(
                    ctx.finding(
                        doc,
                        doc.headings[section_heading].span.clone(),
                        format!("competency `{}` of {} has no heading", comp.name, role.name),
                    )
                    .with_help(format!(
                        "add `#### {}` under `### {}` with linked evidence: {} (source: {})",
                        comp.name,
                        comp.group,
                        comp.description.trim(),
                        comp.source
                    ))
                    .with_anchor(format!("competency {}", comp.names[0]))
                    .with_competency(comp.name.clone()),
                );
            }
        }
    }
}

/// Flags a competency or value with fewer evidence items than it requires. Placeholders do not
/// count; items without a link count here (they are flagged by `evidence-without-link`).
#[derive(Debug)]
struct InsufficientEvidence;

impl Check for InsufficientEvidence {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let values_section = section(doc, ctx.rules, "values").map(|(i, _)| i);
        for (comp, heading) in evidence_targets(doc, ctx.rules, target_role(doc, ctx.rules)) {
            let required = comp.min_evidence.max(1);
            let is_value = comp.group == "Values";
            let (count, span) = match heading {
                Some(h) => {
                    (doc.blocks_within(h).filter(|b| !is_placeholder(&b.plain)).count(), doc.headings[h].span.clone())
                }
                // A missing competency heading is `missing-competency`'s finding; a missing value
                // heading has nobody else to report it.
                None if is_value => {
                    (0, values_section.map_or_else(|| doc.head_span(), |v| doc.headings[v].span.clone()))
                }
                None => continue,
            };
            if count < required {
                let what = if is_value { "value" } else { "competency" };
                out.push(
                    ctx.finding(
                        doc,
                        span,
                        format!(
                            "{what} `{}` has {count} evidence item{} but needs {required}",
                            comp.name,
                            if count == 1 { "" } else { "s" }
                        ),
                    )
                    .with_help(format!(
                        "add list items under `{}`, each describing work and linking to it: {}",
                        comp.name,
                        comp.description.trim()
                    ))
                    .with_anchor(format!("{what} {}", comp.names[0]))
                    .with_competency(comp.name.clone()),
                );
            }
        }
    }
}

/// Flags an evidence item (under a competency or value heading) that links to nothing.
#[derive(Debug)]
struct EvidenceWithoutLink;

impl Check for EvidenceWithoutLink {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for (comp, heading) in evidence_targets(doc, ctx.rules, target_role(doc, ctx.rules)) {
            let Some(h) = heading else { continue };
            for block in doc.blocks_within(h) {
                if !is_placeholder(&block.plain) && !has_link(doc, block) {
                    out.push(
                        ctx.finding(
                            doc,
                            first_line(doc, block),
                            format!("evidence for `{}` has no link to an artifact", comp.name),
                        )
                        .with_help(
                            "link the merge request, issue, ticket, handbook page or recording that shows this work",
                        )
                        .with_anchor(format!("{} {}", comp.names[0], normalize_anchor_text(&block.text)))
                        .with_competency(comp.name.clone()),
                    );
                }
            }
        }
    }
}

/// Flags an evidence item with fewer words than `min_evidence_words`, links aside.
#[derive(Debug)]
struct EvidenceTooShort;

impl Check for EvidenceTooShort {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let min = min_words(ctx.rules);
        for (comp, heading) in evidence_targets(doc, ctx.rules, target_role(doc, ctx.rules)) {
            let Some(h) = heading else { continue };
            for block in doc.blocks_within(h) {
                let words = words_without_links(&block.text);
                if !is_placeholder(&block.plain) && words < min {
                    out.push(
                        ctx.finding(
                            doc,
                            first_line(doc, block),
                            format!(
                                "evidence for `{}` has {words} word{} but needs at least {min}",
                                comp.name,
                                if words == 1 { "" } else { "s" }
                            ),
                        )
                        .with_help("say what the candidate did and what came of it, not only the link")
                        .with_anchor(format!("{} {}", comp.names[0], normalize_anchor_text(&block.text)))
                        .with_competency(comp.name.clone()),
                    );
                }
            }
        }
    }
}

/// Flags a link used as evidence for more competencies than `max_competencies`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DuplicateEvidence {
    #[serde(default = "two")]
    max_competencies: usize,
}

fn two() -> usize {
    2
}

impl Check for DuplicateEvidence {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some(role) = target_role(doc, ctx.rules) else { return };
        let Some((section_heading, _)) = section(doc, ctx.rules, "competencies") else { return };
        // url → (competencies in order, span of each use)
        let mut uses: BTreeMap<String, Vec<(String, crate::diagnostic::Span)>> = BTreeMap::new();
        for comp in &role.competencies {
            let Some(h) = competency_heading(doc, section_heading, comp) else { continue };
            for block in doc.blocks_within(h) {
                for &l in &block.links {
                    let link = &doc.links[l];
                    let url = link.url.trim_end_matches('/').to_string();
                    let entry = uses.entry(url).or_default();
                    if !entry.iter().any(|(c, _)| c == &comp.name) {
                        entry.push((comp.name.clone(), link.span.clone()));
                    }
                }
            }
        }
        for (url, entries) in uses {
            if entries.len() > self.max_competencies {
                let names: Vec<&str> = entries.iter().map(|(c, _)| c.as_str()).collect();
                let span = entries[self.max_competencies].1.clone();
                out.push(
                    ctx.finding(
                        doc,
                        span,
                        format!(
                            "the same link is evidence for {} competencies ({}), more than {}",
                            entries.len(),
                            names.join(", "),
                            self.max_competencies
                        ),
                    )
                    .with_help("give each competency its own example; one piece of work rarely shows everything")
                    .with_anchor(format!("url {url}")),
                );
            }
        }
    }
}

/// Flags a summary with fewer or more sentences than `summary_sentences`.
#[derive(Debug)]
struct SummaryLength;

impl Check for SummaryLength {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some((i, def)) = section(doc, ctx.rules, "summary") else { return };
        let [min, max] = ctx.rules.promotion.summary_sentences.unwrap_or([3, 5]);
        let text: Vec<&str> = doc.blocks_within(i).map(|b| b.text.as_str()).collect();
        if text.is_empty() {
            return; // empty-section reports it
        }
        let n: usize = text.iter().map(|t| count_sentences(t)).sum();
        if n < min || n > max {
            out.push(
                ctx.finding(
                    doc,
                    doc.headings[i].span.clone(),
                    format!(
                        "`{}` has {n} sentence{} but should have {min} to {max}",
                        def.name,
                        if n == 1 { "" } else { "s" }
                    ),
                )
                .with_help("keep the summary to the few strongest reasons; details belong in the sections below")
                .with_anchor("summary"),
            );
        }
    }
}

/// Sentences in prose: ends at `.`, `!` or `?` followed by a space or the end, not after a
/// common abbreviation.
pub fn count_sentences(text: &str) -> usize {
    split_sentences(text).len()
}

pub fn split_sentences(text: &str) -> Vec<&str> {
    // Paragraphs and list items are joined by newlines: each is at least one sentence.
    text.split('\n').flat_map(split_line_sentences).collect()
}

fn split_line_sentences(text: &str) -> Vec<&str> {
    const ABBREV: &[&str] = &["e.g", "i.e", "etc", "vs", "mr", "ms", "mrs", "dr", "no", "approx", "incl"];
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next = bytes.get(i + 1).copied();
        if next.is_some_and(|b| !b.is_ascii_whitespace()) {
            continue;
        }
        let word = text[start..i].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_lowercase();
        if c == '.' && ABBREV.contains(&word.as_str()) {
            continue;
        }
        let sentence = text[start..=i].trim();
        if sentence.chars().any(char::is_alphanumeric) {
            out.push(sentence);
        }
        start = i + 1;
    }
    let rest = text[start..].trim();
    if rest.chars().any(char::is_alphanumeric) {
        out.push(rest);
    }
    out
}

/// Flags a business result missing one of its parts, and results beyond the maximum.
#[derive(Debug)]
struct BusinessResultParts;

impl Check for BusinessResultParts {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some((i, def)) = section(doc, ctx.rules, "business-results") else { return };
        let results = doc.children(i);
        let max = ctx.rules.promotion.max_business_results.unwrap_or(3);
        if results.len() > max {
            let extra = results[max];
            out.push(
                ctx.finding(
                    doc,
                    doc.headings[extra].span.clone(),
                    format!("{} business results, but at most {max} are allowed", results.len()),
                )
                .with_help("keep the strongest results; fold the others into competency evidence")
                .with_anchor("business results count"),
            );
        }
        let parts = &ctx.rules.promotion.business_result_parts;
        if results.is_empty() && doc.blocks_within(i).next().is_some() {
            out.push(
                ctx.finding(doc, doc.headings[i].span.clone(), format!("`{}` has no result headings", def.name))
                    .with_help("give each result its own `###` heading with the parts as bold labels")
                    .with_anchor("business results none"),
            );
        }
        for r in results {
            let labels: Vec<String> =
                doc.blocks_within(r).map(|b| crate::document::normalize_heading(&b.text)).collect();
            let missing: Vec<&String> = parts
                .iter()
                .filter(|p| {
                    let p = crate::document::normalize_heading(p);
                    !labels.iter().any(|l| l.starts_with(&p) && l[p.len()..].starts_with(' '))
                })
                .collect();
            if !missing.is_empty() {
                let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                out.push(
                    ctx.finding(
                        doc,
                        doc.headings[r].span.clone(),
                        format!("business result `{}` lacks {}", doc.headings[r].text, names.join(", ")),
                    )
                    .with_help(format!(
                        "write each part as a list item starting with a bold label, e.g. `- **{}:** …`",
                        names[0]
                    ))
                    .with_anchor(format!("result {} {}", doc.headings[r].norm, names.join(","))),
                );
            }
        }
    }
}

/// Flags a document with more prose words than allowed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentTooLong {
    #[serde(default)]
    max_words: Option<usize>,
}

impl Check for DocumentTooLong {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let max = ctx.rules.promotion.max_words.or(self.max_words).unwrap_or(1500);
        let words = doc.prose_words();
        if words > max {
            out.push(
                ctx.finding(
                    doc,
                    doc.head_span(),
                    format!("document has {words} words of prose, more than the limit of {max}"),
                )
                .with_help("keep to about three pages: one or two sentences per example, the strongest examples only")
                .with_anchor("length"),
            );
        }
    }
}

/// Flags a target role with no framework in the rules.
#[derive(Debug)]
struct UnknownRole;

impl Check for UnknownRole {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let Some(target) = doc.front_matter.str("target_role") else { return };
        let span = doc.front_matter.key_span("target_role").unwrap_or_else(|| doc.head_span());
        let with_framework: Vec<&str> =
            ctx.rules.roles.iter().filter(|r| !r.competencies.is_empty()).map(|r| r.name.as_str()).collect();
        match ctx.rules.role(target) {
            Some(role) if !role.competencies.is_empty() => {}
            Some(role) => out.push(
                ctx.finding(doc, span, format!("target role `{}` has no competency framework in the rules", role.name))
                    .with_help(format!(
                        "add its framework in a rules file (`roles:` with `competencies:`), or use one of: {}",
                        with_framework.join(", ")
                    ))
                    .with_anchor(format!("role {}", role.names[0])),
            ),
            None => {
                let hint = did_you_mean(target, with_framework.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("roles with a framework: {}", with_framework.join(", ")));
                out.push(
                    ctx.finding(doc, span, format!("unknown target role `{target}`"))
                        .with_help(hint)
                        .with_anchor(format!("role {}", normalize_anchor_text(target))),
                );
            }
        }
    }
}

/// Flags `current_role → target_role` when it is not a step of the career graph.
#[derive(Debug)]
struct InvalidPromotionPath;

impl Check for InvalidPromotionPath {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let (Some(current), Some(target)) = (doc.front_matter.str("current_role"), doc.front_matter.str("target_role"))
        else {
            return;
        };
        if ctx.rules.role(target).is_none() {
            return; // unknown-role says it
        }
        let span = doc.front_matter.key_span("current_role").unwrap_or_else(|| doc.head_span());
        if current.trim().is_empty() {
            return; // invalid-front-matter says it is empty
        }
        if ctx.rules.role(current).is_none() {
            let names: Vec<&str> = ctx.rules.roles.iter().map(|r| r.name.as_str()).collect();
            let hint = did_you_mean(current, names.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("roles in the career graph: {}", names.join(", ")));
            out.push(
                ctx.finding(doc, span, format!("current role `{current}` is not in the career graph"))
                    .with_help(hint)
                    .with_anchor(format!("path {} {}", normalize_anchor_text(current), normalize_anchor_text(target))),
            );
            return;
        }
        if !ctx.rules.is_step(current, target) {
            let next = ctx.rules.next_roles(current);
            let help = if next.is_empty() {
                format!("`{current}` has no next step in the career graph")
            } else {
                format!("from `{current}` the next steps are: {}", next.join(", "))
            };
            let source =
                ctx.rules.career.source.as_deref().map(|s| format!(" (career graph: {s})")).unwrap_or_default();
            out.push(
                ctx.finding(doc, span, format!("`{current}` → `{target}` is not a step of the career graph"))
                    .with_help(format!("{help}{source}"))
                    .with_anchor(format!("path {} {}", normalize_anchor_text(current), normalize_anchor_text(target))),
            );
        }
    }
}

/// Flags a step that needs an interim period (per the interim table) without that section.
#[derive(Debug)]
struct MissingInterimPeriod;

impl Check for MissingInterimPeriod {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let (Some(current), Some(target)) = (doc.front_matter.str("current_role"), doc.front_matter.str("target_role"))
        else {
            return;
        };
        let Some(entry) = ctx.rules.interim_for(current, target) else { return };
        let prior = doc.front_matter.get("prior_management").and_then(serde_json::Value::as_bool).unwrap_or(false);
        if entry.when == InterimWhen::WithoutManagementExperience && prior {
            return;
        }
        if section(doc, ctx.rules, "interim").is_some() {
            return;
        }
        let name = ctx
            .rules
            .promotion
            .sections
            .iter()
            .find(|s| s.id == "interim")
            .map_or("Interim Period", |s| s.name.as_str());
        let why = match entry.when {
            InterimWhen::Always => String::new(),
            InterimWhen::WithoutManagementExperience => " without prior management experience (set `prior_management: true` in front matter if the candidate has it)".into(),
        };
        let note = entry.note.as_deref().map(|n| format!(" {}", n.trim())).unwrap_or_default();
        out.push(
            ctx.finding(
                doc,
                doc.front_matter.key_span("target_role").unwrap_or_else(|| doc.head_span()),
                format!("`{current}` → `{target}` needs an `{name}` section{why}"),
            )
            .with_help(format!("add `## {name}` describing the interim period and its outcome.{note}"))
            .with_anchor("interim"),
        );
    }
}

/// Flags dates in evidence outside the front matter's `review_period: START..END`.
#[derive(Debug)]
struct EvidenceOutsideReviewPeriod;

impl Check for EvidenceOutsideReviewPeriod {
    fn check(&self, doc: &Document, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        static DATE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").unwrap_or_else(|_| unreachable!()));
        let Some(period) = doc.front_matter.str("review_period") else { return };
        let Some((start, end)) = period.split_once("..") else { return };
        let (start, end) = (start.trim(), end.trim());
        if !DATE.is_match(start) || !DATE.is_match(end) || start > end {
            return; // invalid-front-matter reports the format
        }
        for (comp, heading) in evidence_targets(doc, ctx.rules, target_role(doc, ctx.rules)) {
            let Some(h) = heading else { continue };
            for block in doc.blocks_within(h) {
                for m in DATE.find_iter(&block.text) {
                    let date = m.as_str();
                    if date < start || date > end {
                        out.push(
                            ctx.finding(
                                doc,
                                first_line(doc, block),
                                format!(
                                    "evidence for `{}` is dated {date}, outside the review period {start}..{end}",
                                    comp.name
                                ),
                            )
                            .with_help("use work from the review period, or widen `review_period` if it is wrong")
                            .with_anchor(format!("{} {date}", comp.names[0]))
                            .with_competency(comp.name.clone()),
                        );
                    }
                }
            }
        }
    }
}

/// The first line of a block: findings about an item underline its start, not the whole item.
fn first_line(doc: &Document, block: &Block) -> crate::diagnostic::Span {
    let text = &doc.text()[block.span.clone()];
    let end = text.find('\n').map_or(block.span.end, |i| block.span.start + i);
    block.span.start..end
}

/// A skeleton promotion document for `promolint new promotion`: every section, one heading per
/// competency and value, the parts of each business result, and placeholders that `check`
/// reports until they are replaced.
pub fn skeleton(
    rules: &RuleSet,
    target: &str,
    current: Option<&str>,
    candidate: &str,
    manager: &str,
) -> Result<String, String> {
    let with_framework: Vec<&str> =
        rules.roles.iter().filter(|r| !r.competencies.is_empty()).map(|r| r.name.as_str()).collect();
    let role = rules.role(target).filter(|r| !r.competencies.is_empty()).ok_or_else(|| {
        let hint = did_you_mean(target, with_framework.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        format!("no competency framework for `{target}`{hint}; roles with one: {}", with_framework.join(", "))
    })?;
    let current = match current {
        Some(c) => {
            if !rules.is_step(c, &role.name) {
                return Err(format!("`{c}` → `{}` is not a step of the career graph", role.name));
            }
            rules.role(c).map_or(c.to_string(), |r| r.name.clone())
        }
        None => rules
            .career
            .steps
            .iter()
            .find(|s| s.to.iter().any(|t| rules.canonical_role(t) == role.names[0]))
            .map(|s| s.from.clone())
            .unwrap_or_else(|| "TODO current role".into()),
    };
    let interim = rules.interim_for(&current, &role.name).is_some();
    let mut s = String::new();
    s.push_str(&format!(
        "---\ntype: promotion\ncandidate: {candidate}\nmanager: {manager}\ncurrent_role: {current}\ntarget_role: {}\n---\n",
        role.name
    ));
    let guidance =
        |def: &crate::rules::model::SectionDef| def.guidance.as_deref().unwrap_or("").trim().replace('\n', " ");
    for def in &rules.promotion.sections {
        if def.required == Required::Optional || (def.required == Required::WhenInterim && !interim) {
            continue;
        }
        let hashes = "#".repeat(def.level as usize);
        s.push_str(&format!("\n{hashes} {}\n\n<!-- {} -->\n\n", def.name, guidance(def)));
        let sub = "#".repeat(def.level as usize + 1);
        match def.id.as_str() {
            "business-results" => {
                s.push_str(&format!("{sub} TODO: name the first result\n\n"));
                for part in &rules.promotion.business_result_parts {
                    s.push_str(&format!("- **{part}:** TODO\n"));
                }
            }
            "competencies" => {
                let mut groups: Vec<&str> = Vec::new();
                for c in &role.competencies {
                    if !groups.contains(&c.group.as_str()) {
                        groups.push(&c.group);
                    }
                }
                for group in groups {
                    s.push_str(&format!("{sub} {group}\n\n"));
                    for c in role.competencies.iter().filter(|c| c.group == group) {
                        s.push_str(&format!(
                            "{sub}# {}\n\n<!-- {} Source: {} -->\n\n- TODO: an example of work at the target level, with a link to it\n\n",
                            c.name,
                            c.description.trim().replace('\n', " "),
                            c.source
                        ));
                    }
                }
            }
            "values" => {
                for v in &rules.values {
                    s.push_str(&format!(
                        "{sub} {}\n\n- TODO: an example of living this value, with a link to it\n\n",
                        v.name
                    ));
                }
            }
            _ => s.push_str("TODO\n"),
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        assert_eq!(count_sentences("One. Two! Three?"), 3);
        assert_eq!(count_sentences("She led it, e.g. the upgrade. Then more."), 2);
        assert_eq!(count_sentences("Version 1.2 shipped. Done"), 2);
        assert_eq!(count_sentences(""), 0);
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder("TODO: write this"));
        assert!(is_placeholder("[Insert the example here]"));
        assert!(!is_placeholder("Led the todos migration"));
    }
}
