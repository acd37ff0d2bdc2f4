//! The machine formats checked against their schemas and parsed back.

use promolint::diagnostic::{Finding, Severity};
use promolint::outcome::{LintOutcome, SourceFile};
use promolint::report::context::ReportContext;
use promolint::report::{codequality, junit, sarif};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

const PROMO: &str = "---\ntitle: Promotion\n---\n# Alex\n\n## Summary\n\nTBD\n\n## Results\n\nTBD\n";
const PAGE: &str = "# Café page\n\n### Deep heading\n\nSee [x](missing.md).\n";

/// Findings in three documents: two in a promotion document (one of them twice with the same
/// anchor), one in a handbook page whose path needs URI escaping, and one in a file whose source
/// was not kept (it could not be read). Messages carry characters XML must escape.
fn outcome() -> LintOutcome {
    let promo = "promotions/alex.md";
    let page = "handbook/café notes/page.md";
    let tbd = PROMO.find("TBD").unwrap();
    let tbd2 = PROMO.rfind("TBD").unwrap();
    let deep = PAGE.find("### Deep").unwrap();
    let link = PAGE.find("[x]").unwrap();
    let findings = vec![
        Finding::new("missing-section", Severity::Error, promo, 0..0, "missing `## Business Results` <required>")
            .with_help("add the section & fill it in")
            .with_anchor("business results"),
        Finding::new("placeholder-text", Severity::Warning, promo, tbd..tbd + 3, "placeholder \"TBD\" left in")
            .with_anchor("summary/tbd"),
        Finding::new("placeholder-text", Severity::Warning, promo, tbd2..tbd2 + 3, "placeholder \"TBD\" left in")
            .with_anchor("summary/tbd"),
        Finding::new("heading-level-skip", Severity::Warning, page, deep..deep + 16, "heading jumps from h1 to h3")
            .with_anchor("deep heading"),
        Finding::new(
            "broken-link",
            Severity::Error,
            page,
            link..link + 15,
            "link target `missing.md` does not exist\u{1}",
        )
        .with_anchor("missing.md"),
        Finding::new("invalid-front-matter", Severity::Error, "handbook/unreadable.md", 0..0, "could not read file")
            .with_anchor(""),
        Finding::new("word-limit", Severity::Info, promo, 0..3, "the summary is short").with_anchor("summary"),
    ];
    let mut sources = BTreeMap::new();
    sources.insert(promo.to_string(), Arc::new(SourceFile::new(PROMO.to_string())));
    sources.insert(page.to_string(), Arc::new(SourceFile::new(PAGE.to_string())));
    let mut files: Vec<String> = findings.iter().map(|f| f.path.to_string()).collect();
    files.sort();
    files.dedup();
    let files = files.into_iter().map(Arc::from).collect();
    LintOutcome { files_checked: 4, files, findings, coverage: Vec::new(), sources, ..LintOutcome::default() }
}

fn context() -> ReportContext {
    let mut ctx = ReportContext::new("9.9.9-test");
    let promo_rules = ["missing-section", "placeholder-text", "word-limit", "competency-coverage"];
    let page_rules = ["heading-level-skip", "broken-link", "broken-anchor"];
    ctx.document_rules.insert("promotions/alex.md".into(), promo_rules.iter().map(|s| s.to_string()).collect());
    ctx.document_rules.insert("handbook/café notes/page.md".into(), page_rules.iter().map(|s| s.to_string()).collect());
    // A clean document: all its cases pass.
    ctx.document_rules.insert("promotions/clean.md".into(), promo_rules.iter().map(|s| s.to_string()).collect());
    for rule in promo_rules.iter().chain(&page_rules) {
        ctx.rule_descriptions.insert(rule.to_string(), format!("what {rule} flags"));
    }
    ctx
}

fn shared_contracts() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/contracts");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn load_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

#[test]
fn codequality_validates_against_the_contract_schema() {
    let Some(contracts) = shared_contracts() else {
        return;
    };
    let schema = load_json(&contracts.join("codequality-report.schema.json"));
    let report: Value = serde_json::from_str(&codequality::render(&outcome(), &context())).unwrap();
    let errors = schema_errors(&schema, &report);
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator does reject a broken report, so the check above means something.
    let mut broken = report.clone();
    broken[0].as_object_mut().unwrap().remove("fingerprint");
    broken[1]["severity"] = Value::from("warning");
    assert_eq!(schema_errors(&schema, &broken).len(), 2);
}

#[test]
fn codequality_maps_severity_paths_and_fingerprints() {
    let outcome = outcome();
    let mut ctx = context();
    let report: Value = serde_json::from_str(&codequality::render(&outcome, &ctx)).unwrap();
    let issues = report.as_array().unwrap();
    assert_eq!(issues.len(), outcome.findings.len());

    let severities: Vec<&str> = issues.iter().map(|i| i["severity"].as_str().unwrap()).collect();
    assert_eq!(severities, ["major", "minor", "minor", "minor", "major", "critical", "info"]);
    for issue in issues {
        let check = issue["check_name"].as_str().unwrap();
        assert!(issue["description"].as_str().unwrap().starts_with(&format!("{check}: ")));
    }
    assert_eq!(issues[1]["location"]["lines"]["begin"], 8);
    assert_eq!(issues[2]["location"]["lines"]["begin"], 12);
    assert_eq!(issues[3]["location"]["path"], "handbook/café notes/page.md");
    assert_eq!(issues[3]["location"]["lines"]["begin"], 3);

    // Fingerprints: unique (GitLab keeps one issue per fingerprint) and not tied to lines.
    let prints: HashSet<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(prints.len(), issues.len());
    assert_eq!(issues[0]["fingerprint"], outcome.findings[0].fingerprint());
    let mut moved = outcome.clone();
    for finding in &mut moved.findings {
        finding.span = finding.span.start / 2..finding.span.end / 2 + 1;
    }
    let moved_report: Value = serde_json::from_str(&codequality::render(&moved, &ctx)).unwrap();
    for (a, b) in issues.iter().zip(moved_report.as_array().unwrap()) {
        assert_eq!(a["fingerprint"], b["fingerprint"]);
    }

    // An absolute CI_PROJECT_DIR prefix is stripped.
    let mut absolute = outcome.clone();
    absolute.findings[0].path = "/builds/grp/proj/promotions/alex.md".into();
    ctx.strip_prefix = Some("/builds/grp/proj".into());
    let report: Value = serde_json::from_str(&codequality::render(&absolute, &ctx)).unwrap();
    assert_eq!(report[0]["location"]["path"], "promotions/alex.md");
}

#[test]
fn codequality_of_a_clean_run_is_an_empty_array() {
    let clean = LintOutcome { files_checked: 2, ..LintOutcome::default() };
    assert_eq!(codequality::render(&clean, &context()).trim(), "[]");
}

fn sarif_schema() -> Value {
    load_json(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json"))
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema = sarif_schema();
    let log: Value = serde_json::from_str(&sarif::render(&outcome(), &context())).unwrap();
    let errors = schema_errors(&schema, &log);
    assert!(errors.is_empty(), "{errors:#?}");

    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = Value::from(0);
    // SARIF uris must be URI references: an unescaped space is rejected.
    broken["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        Value::from("café notes/page.md");
    assert_eq!(schema_errors(&schema, &broken).len(), 3, "{:#?}", schema_errors(&schema, &broken));

    let empty: Value = serde_json::from_str(&sarif::render(&LintOutcome::default(), &context())).unwrap();
    assert!(schema_errors(&schema, &empty).is_empty());
}

#[test]
fn sarif_results_point_at_rules_and_regions() {
    let outcome = outcome();
    let log: Value = serde_json::from_str(&sarif::render(&outcome, &context())).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["version"], "9.9.9-test");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Seven described rules plus invalid-front-matter, which only a finding names.
    assert_eq!(rules.len(), 8);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), outcome.findings.len());
    for (result, finding) in results.iter().zip(&outcome.findings) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], finding.rule);
        assert_eq!(result["ruleId"], finding.rule);
        assert_eq!(result["partialFingerprints"]["promolint/v1"], finding.fingerprint());
    }
    let levels: Vec<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["error", "warning", "warning", "warning", "error", "error", "note"]);

    // "See [x]" on line 5: the link starts at character 5; columns count characters, not bytes.
    let location = &results[4]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "handbook/caf%C3%A9%20notes/page.md");
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 5);
    assert_eq!(location["region"]["endColumn"], 20);
    assert_eq!(results[0]["properties"]["help"], "add the section & fill it in");
}

#[test]
fn junit_has_a_case_per_document_and_rule() {
    let xml = junit::render(&outcome(), &context());
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");

    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    // Three listed documents plus the unreadable file that only a finding names.
    assert_eq!(suites.len(), 4);
    let cases: Vec<_> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4 + 3 + 4 + 1);
    assert_eq!(root.attribute("tests"), Some("12"));

    // With the default fail-on (error), only cases with an error fail: missing-section on the
    // promotion, broken-link on the page, invalid-front-matter on the unreadable file.
    let failed: Vec<(String, String)> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| (c.attribute("classname").unwrap().to_string(), c.attribute("name").unwrap().to_string()))
        .collect();
    assert_eq!(
        failed,
        [
            ("handbook/café notes/page.md".to_string(), "broken-link".to_string()),
            ("handbook/unreadable.md".to_string(), "invalid-front-matter".to_string()),
            ("promotions/alex.md".to_string(), "missing-section".to_string()),
        ]
    );
    assert_eq!(root.attribute("failures"), Some("3"));
    let failures: usize = suites.iter().map(|s| s.attribute("failures").unwrap().parse::<usize>().unwrap()).sum();
    assert_eq!(failures, 3);

    // Messages survive escaping; the control character is replaced, not emitted.
    let missing = cases.iter().find(|c| c.attribute("name") == Some("missing-section")).unwrap();
    let failure = missing.children().find(|n| n.has_tag_name("failure")).unwrap();
    let text = failure.text().unwrap();
    assert!(text.contains("promotions/alex.md:1:1 error: missing `## Business Results` <required>"), "{text}");
    assert!(text.contains("help: add the section & fill it in"), "{text}");
    let link = cases.iter().find(|c| c.attribute("name") == Some("broken-link")).unwrap();
    assert!(link.descendants().any(|n| { n.text().is_some_and(|t| t.contains("does not exist\u{FFFD}")) }));

    // Warnings are visible in the case output without failing it.
    let placeholder = cases.iter().find(|c| c.attribute("name") == Some("placeholder-text")).unwrap();
    let out = placeholder.children().find(|n| n.has_tag_name("system-out")).unwrap().text().unwrap();
    assert_eq!(out.lines().filter(|l| l.contains("placeholder \"TBD\"")).count(), 2);
}

#[test]
fn junit_fail_on_warning_and_never() {
    let outcome = outcome();
    let mut ctx = context();
    ctx.fail_on = Some(Severity::Warning);
    let xml = junit::render(&outcome, &ctx);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().attribute("failures"), Some("5"));
    let failures = doc.descendants().filter(|n| n.has_tag_name("failure")).count();
    assert_eq!(failures, 5);

    ctx.fail_on = None;
    let xml = junit::render(&outcome, &ctx);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 0);
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));
}
