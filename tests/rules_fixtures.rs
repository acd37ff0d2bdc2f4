//! Rule fixtures: `fixtures/rules/<rule-id>/invalid/*.md` must each produce at least one finding of
//! `<rule-id>`, and `fixtures/rules/<rule-id>/valid/*.md` none. New fixtures and new rule
//! directories are picked up without code changes. `known-bugs/` directories hold cases the
//! checks get wrong today; the loop skips them so the suite stays green while they wait for a fix.
//!
//! Files are linted in-process, one request per file, with the built-in rules and the default
//! configuration, as `promolint check FILE` run in the fixtures directory would.

use promolint::changes::ChangeSet;
use promolint::config::Config;
use promolint::document::{DocKind, Document};
use promolint::engine::{self, LintRequest};
use promolint::outcome::LintOutcome;
use promolint::report::{self, RenderContext};
use promolint::rules::RuleSet;
use promolint::rules::model::AppliesTo;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::load(&[]).expect("built-in rules compile"));

/// The rule ids whose fixtures live here: every built-in rule that runs on promotion documents.
/// Handbook-only rules get their fixtures with the handbook checks.
fn promotion_rule_ids() -> Vec<&'static str> {
    RULES
        .rules
        .iter()
        .filter(|r| matches!(r.applies_to, AppliesTo::Promotion | AppliesTo::All))
        .map(|r| r.id.as_str())
        .collect()
}

#[test]
fn every_fixture_meets_its_convention() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule_dir in rule_dirs() {
        let rule = dir_name(&rule_dir);
        if RULES.rule(&rule).is_none() {
            // A misspelt directory would otherwise pass all its valid cases without testing anything.
            failures.push(format!("fixtures/rules/{rule}/: no built-in rule has the id `{rule}`"));
            continue;
        }
        for (kind, expect_finding) in [("invalid", true), ("valid", false)] {
            for file in markdown_files(&rule_dir.join(kind)) {
                checked += 1;
                let outcome = lint(std::slice::from_ref(&file));
                let rel = rel(&file);
                let hits = outcome.findings.iter().filter(|f| f.rule == rule).count();
                if expect_finding && hits == 0 {
                    failures
                        .push(format!("{rel}: expected at least one `{rule}` finding, found {}", describe(&outcome)));
                } else if !expect_finding && hits > 0 {
                    failures.push(format!("{rel}: expected no `{rule}` finding, found {}", describe(&outcome)));
                }
                if outcome.files_checked != 1 {
                    failures.push(format!("{rel}: expected 1 file checked, got {}", outcome.files_checked));
                }
                let mut seen = BTreeMap::new();
                for f in &outcome.findings {
                    if let Some(other) = seen.insert(f.fingerprint(), f) {
                        failures.push(format!(
                            "{rel}: two findings share a fingerprint: `{}` {:?} and `{}` {:?}",
                            other.rule, other.message, f.rule, f.message
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 0, "no fixtures found under {}", fixtures().join("rules").display());
    assert!(failures.is_empty(), "{} fixture failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_promotion_rule_has_valid_and_invalid_fixtures() {
    let mut missing = Vec::new();
    for id in promotion_rule_ids() {
        for kind in ["valid", "invalid"] {
            let dir = fixtures().join("rules").join(id).join(kind);
            if markdown_files(&dir).is_empty() {
                missing.push(format!("fixtures/rules/{id}/{kind}/ has no .md fixture"));
            }
        }
    }
    assert!(missing.is_empty(), "rules without fixtures (see STYLE.md, \"Adding a rule\"):\n{}", missing.join("\n"));
}

/// The two complete documents the other fixtures are edited from pass every rule, so a finding in
/// a fixture comes from its edit and not from its base.
#[test]
fn base_documents_are_clean() {
    for fixture in [
        "rules/missing-interim-period/valid/not-a-management-step.md",
        "rules/missing-competency/valid/manager-framework.md",
    ] {
        let outcome = lint(&[fixtures().join(fixture)]);
        assert!(outcome.findings.is_empty(), "{fixture}: {}", describe(&outcome));
        assert_eq!(outcome.coverage.len(), 1, "{fixture} is linted as a promotion document");
        assert!(outcome.coverage[0].rows.iter().all(|r| r.covered()), "{fixture}: {:?}", outcome.coverage[0].rows);
    }
}

/// The JSON report of each rule's invalid fixtures, one snapshot per rule, with what changes
/// between builds (the version) and what is tested elsewhere (fingerprints) redacted.
#[test]
fn invalid_fixtures_json_snapshots() {
    for rule_dir in rule_dirs() {
        let rule = dir_name(&rule_dir);
        let invalid = rule_dir.join("invalid");
        if markdown_files(&invalid).is_empty() {
            continue; // reported by every_promotion_rule_has_valid_and_invalid_fixtures
        }
        let outcome = lint(&[invalid]);
        let value: serde_json::Value =
            serde_json::from_str(&report::json::render(&outcome, &render_context(false))).expect("json output parses");
        insta::assert_json_snapshot!(format!("json-{rule}"), value, {
            ".version" => "[version]",
            ".findings[].fingerprint" => "[fingerprint]",
        });
    }
}

#[test]
fn human_output_snapshots() {
    for fixture in [
        "rules/missing-section/invalid/justification-at-level-3.md",
        "rules/evidence-without-link/invalid/no-link.md",
        "rules/unreadable-file/invalid/latin1-encoded.md",
    ] {
        let outcome = lint(&[fixtures().join(fixture)]);
        assert!(!outcome.findings.is_empty(), "{fixture} should have findings to render");
        let text = report::human::render(&outcome, &render_context(false));
        let name = fixture.trim_start_matches("rules/").trim_end_matches(".md").replace('/', "-");
        insta::assert_snapshot!(format!("human-{name}"), text);
    }
}

/// Inserting lines above findings moves them but keeps their fingerprints; distinct findings keep
/// distinct fingerprints.
#[test]
fn fingerprints_survive_lines_inserted_above() {
    let path = "rules/placeholder-text/invalid/angle-bracket-link.md";
    let fixture = std::fs::read_to_string(fixtures().join(path)).expect("fixture readable");
    // A third rule, below the evidence findings.
    let original = fixture.replacen("She will hand routine", "I expect she will hand routine", 1);
    assert_ne!(original, fixture, "the fixture's justification changed; update this test");
    let before = check_text(path, &original);
    let rules: BTreeSet<&str> = before.iter().map(|f| f.0.as_str()).collect();
    assert!(rules.len() >= 3, "want findings of several rules, got {before:?}");
    let fingerprints = |v: &[(String, usize, String)]| v.iter().map(|f| f.2.clone()).collect::<BTreeSet<_>>();
    assert_eq!(fingerprints(&before).len(), before.len(), "different findings must have different fingerprints");

    // Five lines above every finding: an extra section no rule requires, or the summary
    // paragraph wrapped over five more lines.
    let at = original.find("## Competencies").expect("fixture has a Competencies section");
    let extra = "## Context for reviewers\n\nDana moved to the registry area from the runner area.\nThe move was planned a quarter ahead.\n\n";
    assert_eq!(extra.lines().count(), 5);
    let with_section = format!("{}{extra}{}", &original[..at], &original[at..]);
    let summary_at = original.find("Dana Vasquez has owned").expect("fixture has the summary");
    let summary_end = summary_at + original[summary_at..].find('\n').expect("summary line ends");
    let wrapped_summary = original[summary_at..summary_end].replacen(' ', "\n", 5);
    let with_wrapped_summary = format!("{}{wrapped_summary}{}", &original[..summary_at], &original[summary_end..]);

    for (what, moved) in [("an extra section", with_section), ("a wrapped summary", with_wrapped_summary)] {
        let after = check_text(path, &moved);
        assert_eq!(before.len(), after.len(), "{what} must not add or drop findings: {before:?} vs {after:?}");
        for ((rule_a, line_a, _), (rule_b, line_b, _)) in before.iter().zip(&after) {
            assert_eq!(rule_a, rule_b);
            assert_eq!(line_a + 5, *line_b, "with {what}, the `{rule_a}` finding should have moved down five lines");
        }
        assert_eq!(fingerprints(&before), fingerprints(&after), "fingerprints changed with {what} above the findings");
    }

    // Editing the flagged text itself is a different finding.
    let edited = original.replace("(<link to MR>)", "(<link to issue>)");
    assert_ne!(edited, original);
    let placeholder = |v: &[(String, usize, String)]| {
        v.iter().find(|f| f.0 == "placeholder-text").map(|f| f.2.clone()).expect("placeholder finding")
    };
    assert_ne!(placeholder(&before), placeholder(&check_text(path, &edited)));
}

/// (rule, line, fingerprint) of each finding, for text parsed as a promotion document at `path`.
fn check_text(path: &str, text: &str) -> Vec<(String, usize, String)> {
    let doc = Document::parse(path, DocKind::Promotion, text.to_string());
    let mut findings = engine::check_document(&doc, &RULES, None, &ChangeSet::default());
    findings.sort_by_key(|f| (f.span.start, f.rule.clone()));
    findings.iter().map(|f| (f.rule.clone(), doc.source.lines.line_of(f.span.start), f.fingerprint())).collect()
}

fn lint(paths: &[PathBuf]) -> LintOutcome {
    let config = Config::default();
    let change = ChangeSet::default();
    let req = LintRequest {
        root: fixtures(),
        paths: paths.to_vec(),
        only: None,
        config: &config,
        rules: &RULES,
        change: &change,
        shard: None,
    };
    engine::run(&req).unwrap_or_else(|e| panic!("linting {paths:?} failed: {e}"))
}

fn render_context(color: bool) -> RenderContext<'static> {
    static NO_RULES: fn(&str) -> Vec<String> = |_| Vec::new();
    RenderContext { version: promolint::cmd::VERSION, color, rules_for: &NO_RULES }
}

/// What a lint found, for failure messages: `rule@line: message`, or "nothing".
fn describe(outcome: &LintOutcome) -> String {
    if outcome.findings.is_empty() {
        return "nothing".into();
    }
    let items: Vec<String> =
        outcome.findings.iter().map(|f| format!("`{}`@{}: {}", f.rule, outcome.position(f).line, f.message)).collect();
    format!("[{}]", items.join("; "))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A path relative to the crate, as failure messages show it: `fixtures/rules/…`.
fn rel(path: &Path) -> String {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(manifest).unwrap_or(path).display().to_string()
}

fn dir_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `fixtures/rules/*/`, sorted.
fn rule_dirs() -> Vec<PathBuf> {
    let root = fixtures().join("rules");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The `.md` files directly in `dir`, sorted; none when it does not exist.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}
