//! The binary as a user runs it: exit codes, formats, errors in rules and configuration, the
//! skeleton round trip, and bad input that must not stop the run.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn promolint() -> Command {
    let mut cmd = Command::cargo_bin("promolint").expect("binary built");
    cmd.env_remove("CI_PROJECT_DIR").env_remove("CI_NODE_INDEX").env_remove("CI_NODE_TOTAL").env("NO_COLOR", "1");
    cmd
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/promotions")
}

/// Standard error with miette's line wrapping undone, so messages can be searched.
fn stderr_of(out: &assert_cmd::assert::Assert) -> String {
    let text = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    text.lines().map(|l| l.trim_start().trim_start_matches('│').trim()).collect::<Vec<_>>().join(" ")
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

fn rules_of(v: &Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn passing_document_exits_zero() {
    let out = promolint()
        .args(["check", "--root"])
        .arg(examples())
        .arg(examples().join("rkowalski-staff-support-engineer.md"))
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("0 errors, 0 warnings in 1 file checked"), "{stdout}");
}

#[test]
fn failing_document_exits_one_and_fail_on_changes_it() {
    let file = examples().join("mchen-senior-support-engineer-with-problems.md");
    promolint().args(["check", "--root"]).arg(examples()).arg(&file).assert().code(1);
    promolint().args(["check", "--fail-on", "never", "--root"]).arg(examples()).arg(&file).assert().code(0);
}

#[test]
fn warnings_fail_only_with_fail_on_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(examples().join("rkowalski-staff-support-engineer.md")).unwrap();
    // First person is a warning, never an error.
    let text = text.replacen("## Business Justification\n", "## Business Justification\n\nI think this is right.\n", 1);
    let file = dir.path().join("doc.md");
    fs::write(&file, text).unwrap();
    let out = promolint().args(["check", "--format", "json", "--root"]).arg(dir.path()).arg(&file).assert().code(0);
    let v = json_of(&out.get_output().stdout);
    assert_eq!(rules_of(&v), vec!["first-person"]);
    promolint().args(["check", "--fail-on", "warning", "--root"]).arg(dir.path()).arg(&file).assert().code(1);
}

#[test]
fn json_output_has_the_documented_shape() {
    let out =
        promolint().args(["check", "--format", "json", "--root"]).arg(examples()).arg(examples()).assert().code(1);
    let v = json_of(&out.get_output().stdout);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["files_checked", "findings", "summary", "tool", "version"]);
    assert_eq!(v["tool"], "promolint");
    assert_eq!(v["files_checked"], 4);
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let mut fkeys: Vec<&str> = findings[0].as_object().unwrap().keys().map(String::as_str).collect();
    fkeys.sort();
    assert_eq!(
        fkeys,
        vec![
            "column",
            "competency",
            "end_column",
            "end_line",
            "fingerprint",
            "help",
            "line",
            "message",
            "path",
            "rule",
            "severity"
        ]
    );
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert_eq!(v["summary"]["errors"].as_u64().unwrap() as usize, errors);
    // Sorted by path, then line, then column.
    let keys: Vec<(String, u64, u64)> = findings
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(findings.iter().all(|f| !f["path"].as_str().unwrap().contains('\\') && f["line"].as_u64().unwrap() >= 1));
}

#[test]
fn output_flag_writes_a_second_format() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("out.json");
    let out = promolint()
        .args(["check", "--root"])
        .arg(examples())
        .arg(examples())
        .arg("--output")
        .arg(format!("json={}", report.display()))
        .assert()
        .code(1);
    let human = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(human.contains("in 4 files checked"), "{human}");
    let v = json_of(&fs::read(&report).unwrap());
    assert!(v["summary"]["errors"].as_u64().unwrap() > 0);
    promolint().args(["check", "--output", "nonsense"]).arg(examples()).assert().code(2);
    // The report streamed to standard output and the one streamed to a file are the same bytes.
    let out = promolint()
        .args(["check", "--format", "json", "--root"])
        .arg(examples())
        .arg(examples())
        .arg("--output")
        .arg(format!("json={}", report.display()))
        .assert()
        .code(1);
    let streamed = out.get_output().stdout.clone();
    assert_eq!(streamed, fs::read(&report).unwrap());
    assert!(streamed.ends_with(b"}\n") && json_of(&streamed)["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let out = promolint()
        .args(["check", "--root"])
        .arg(examples())
        .arg(examples())
        .arg("--output")
        .arg(format!("json={}", dir.path().join("no/such/dir/out.json").display()))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("cannot write") && err.contains("out.json"), "{err}");
}

fn rules_error(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("custom.yml"), yaml).unwrap();
    let out = promolint().args(["rules", "check"]).arg(dir.path()).assert().code(2);
    String::from_utf8_lossy(&out.get_output().stderr).to_string()
}

#[test]
fn rules_errors_point_at_file_line_and_column() {
    let err = rules_error("rules:\n  - id: x\n    check: [unclosed\n");
    assert!(err.contains("custom.yml"), "{err}");
    let err = rules_error("rules:\n  - id: my-rule\n    chek: pattern\n    severity: error\n    summary: s\n");
    assert!(err.contains("did you mean `check`"), "{err}");
    let err = rules_error("rules:\n  - id: my-rule\n    check: patern\n    severity: error\n    summary: s\n");
    assert!(err.contains("unknown check kind `patern`") && err.contains("did you mean `pattern`"), "{err}");
    assert!(err.contains("custom.yml:3:"), "line and column of the kind: {err}");
    let err = rules_error(
        "rules:\n  - id: my-rule\n    check: pattern\n    severity: error\n    summary: s\n    options:\n      patterns: [{regex: '(unclosed', message: m}]\n",
    );
    assert!(err.contains("invalid regex"), "{err}");
    let dup = "  - id: my-rule\n    check: pattern\n    severity: error\n    summary: s\n    options: {patterns: []}\n";
    let err = rules_error(&format!("rules:\n{dup}{dup}"));
    assert!(err.contains("defined twice"), "{err}");
    let err = rules_error("roles:\n  - name: X\n    kind: wizard\n    source: s\n");
    assert!(err.contains("custom.yml"), "{err}");
}

#[test]
fn valid_rules_directory_adds_a_role() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("extra.yml"),
        "roles:\n  - name: Principal Support Engineer\n    kind: individual-contributor\n    source: https://example.test/p\n    competencies:\n      - name: Org-wide impact\n        group: Leadership\n        description: Changes how the whole department works.\n        source: https://example.test/p\ncareer:\n  steps:\n    - from: Staff Support Engineer\n      to: [Principal Support Engineer]\n",
    )
    .unwrap();
    promolint().args(["rules", "check"]).arg(dir.path()).assert().code(0);
    let file = examples().join("pnguyen-unknown-target-role.md");
    let out = promolint()
        .args(["check", "--format", "json", "--fail-on", "never", "--root"])
        .arg(examples())
        .arg(&file)
        .arg("--rules")
        .arg(dir.path())
        .assert()
        .code(0);
    let rules = rules_of(&json_of(&out.get_output().stdout));
    assert!(!rules.contains(&"unknown-role".to_string()), "{rules:?}");
    assert!(rules.contains(&"missing-competency".to_string()), "the new framework applies: {rules:?}");
}

#[test]
fn config_errors_suggest_the_key() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".promolint.yml"), "promotion:\n  - docs/**/*.md\n").unwrap();
    let out = promolint().args(["check", "--root"]).arg(dir.path()).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("did you mean `promotions`"), "{err}");
    fs::write(dir.path().join(".promolint.yml"), "severity:\n  first-persom: off\n").unwrap();
    let out = promolint().args(["check", "--root"]).arg(dir.path()).assert().code(2);
    let err = stderr_of(&out).replace("- ", "-");
    assert!(err.contains("did you mean `first-person`"), "{err}");
}

#[test]
fn config_severity_turns_a_rule_off() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("promotions")).unwrap();
    fs::copy(examples().join("jokafor-support-engineering-manager-no-interim.md"), dir.path().join("promotions/a.md"))
        .unwrap();
    promolint().args(["check", "--root"]).arg(dir.path()).assert().code(1);
    fs::write(dir.path().join(".promolint.yml"), "severity:\n  missing-interim-period: off\n").unwrap();
    promolint().args(["check", "--root"]).arg(dir.path()).assert().code(0);
}

/// Replaces the skeleton's placeholders with linked evidence, as a writer would.
fn fill(skeleton: &str) -> String {
    let mut n = 100;
    let mut out = String::new();
    for line in skeleton.lines() {
        n += 1;
        let filled = if line.starts_with("### TODO") {
            "### Faster ticket routing".to_string()
        } else if let Some(rest) = line.strip_prefix("- **").filter(|_| line.ends_with("TODO")) {
            let part = rest.split(":**").next().unwrap();
            format!(
                "- **{part}:** The candidate cut the time to route urgent tickets in half ([issue](https://gitlab.com/example/support/-/issues/{n}))."
            )
        } else if line.starts_with("- TODO") {
            format!(
                "- Led the redesign of the escalation runbook for the whole region ([merge request](https://gitlab.com/example/support/-/merge_requests/{n}))."
            )
        } else if line == "TODO" {
            "The candidate already works at the target level. Customers see faster answers. The team learns from the candidate every week.".to_string()
        } else {
            line.to_string()
        };
        out.push_str(&filled);
        out.push('\n');
    }
    out
}

#[test]
fn skeleton_fails_until_filled_then_passes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.md");
    promolint()
        .args([
            "new",
            "promotion",
            "--target-role",
            "Staff Support Engineer",
            "--current-role",
            "Senior Support Engineer",
            "--candidate",
            "jdoe",
            "--manager",
            "msmith",
            "-o",
        ])
        .arg(&file)
        .assert()
        .code(0);
    let out = promolint().args(["check", "--format", "json", "--root"]).arg(dir.path()).arg(&file).assert().code(1);
    let rules = rules_of(&json_of(&out.get_output().stdout));
    assert!(rules.contains(&"placeholder-text".to_string()), "{rules:?}");
    assert!(rules.contains(&"insufficient-evidence".to_string()), "{rules:?}");
    for structural in ["missing-section", "missing-competency", "empty-section", "business-result-parts"] {
        assert!(!rules.contains(&structural.to_string()), "skeleton has the structure: {rules:?}");
    }
    let filled = fill(&fs::read_to_string(&file).unwrap());
    fs::write(&file, filled).unwrap();
    let out = promolint().args(["check", "--format", "json", "--root"]).arg(dir.path()).arg(&file).assert();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["summary"]["errors"], 0, "filled skeleton: {v:#}");
    // Writing over an existing file is refused.
    promolint().args(["new", "promotion", "--target-role", "Staff Support Engineer", "-o"]).arg(&file).assert().code(2);
    promolint().args(["new", "promotion", "--target-role", "Wizard"]).assert().code(2);
}

#[test]
fn manager_skeleton_has_an_interim_section() {
    let out = promolint()
        .args([
            "new",
            "promotion",
            "--target-role",
            "Support Engineering Manager",
            "--current-role",
            "Senior Support Engineer",
        ])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("## Interim Period"), "{text}");
}

#[test]
fn explain_and_rules_listing() {
    let out = promolint().args(["explain", "evidence-without-link"]).assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for part in ["## What it does", "## Why", "## Example", "Passes:", "## How to fix"] {
        assert!(text.contains(part), "missing {part}: {text}");
    }
    let out = promolint().args(["explain", "evidence-without-lnk"]).assert().code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("did you mean `evidence-without-link`"));
    let out = promolint().args(["rules", "list"]).assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for id in ["missing-section", "talent-assessment-rating", "style", "Staff Support Engineer"] {
        assert!(text.contains(id), "{id} not listed: {text}");
    }
    let out = promolint().args(["rules", "show", "first-person"]).assert().code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("severity:   warning"));
}

#[test]
fn bad_input_is_reported_per_file_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    fs::copy(examples().join("rkowalski-staff-support-engineer.md"), p("good.md")).unwrap();
    fs::write(p("latin1.md"), b"---\ntype: promotion\n---\ncaf\xe9\n").unwrap();
    fs::write(p("binary.md"), b"\x00\x01\x02PNG").unwrap();
    fs::write(p("empty.md"), "").unwrap();
    fs::write(p("broken.md"), "---\ntype: promotion\ncandidate: [oops\n---\n# x\n").unwrap();
    fs::write(p("unclosed.md"), "---\ntype: promotion\ncandidate: x\n").unwrap();
    let mut bomb = String::from("---\ntype: promotion\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 0..15 {
        let prev = if i == 0 { "a".to_string() } else { format!("b{}", i - 1) };
        bomb.push_str(&format!("b{i}: &b{i} [{}]\n", vec![format!("*{prev}"); 10].join(",")));
    }
    bomb.push_str("---\n");
    fs::write(p("bomb.md"), bomb).unwrap();
    let mut nested = String::from("---\ntype: promotion\n---\n");
    for depth in 0..2000 {
        nested.push_str(&"  ".repeat(depth));
        nested.push_str("- item\n");
    }
    fs::write(p("nested.md"), nested).unwrap();
    let role = "---\ntype: promotion\ncandidate: a\nmanager: b\ncurrent_role: Senior Support Engineer\ntarget_role: Chief Wizard\n---\n";
    fs::write(p("role.md"), role).unwrap();
    let big = format!("---\ntype: promotion\n---\n{}", "A line of prose about the work.\n\n".repeat(330_000));
    assert!(big.len() > 10_000_000);
    fs::write(p("big.md"), big).unwrap();

    let out =
        promolint().args(["check", "--format", "json", "--root"]).arg(dir.path()).arg(dir.path()).assert().code(1);
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["files_checked"], 10);
    let findings = v["findings"].as_array().unwrap();
    let has = |path: &str, rule: &str| findings.iter().any(|f| f["path"] == path && f["rule"] == rule);
    assert!(has("latin1.md", "unreadable-file"));
    assert!(has("binary.md", "unreadable-file"));
    assert!(has("broken.md", "invalid-front-matter"));
    assert!(has("unclosed.md", "invalid-front-matter"));
    assert!(has("bomb.md", "invalid-front-matter"));
    assert!(has("role.md", "unknown-role"));
    assert!(has("big.md", "document-too-long"));
    assert!(!findings.iter().any(|f| f["path"] == "good.md"), "the good file is still clean");
    let latin = findings.iter().find(|f| f["path"] == "latin1.md").unwrap();
    assert!(latin["message"].as_str().unwrap().contains("UTF-8"));

    // The terminal report reads files again to quote them, but not those it could not lint.
    let out = promolint().args(["check", "--root"]).arg(dir.path()).arg(dir.path()).assert().code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string()
        + &String::from_utf8_lossy(&out.get_output().stderr);
    assert!(text.contains("file looks binary"), "{text}");
    assert!(text.contains("candidate: [oops"), "no snippet of the broken front matter in:\n{text}");
}

#[test]
fn thousands_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(examples().join("rkowalski-staff-support-engineer.md")).unwrap();
    for i in 0..2000 {
        let sub = dir.path().join(format!("d{}", i % 20));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("doc{i}.md")), &text).unwrap();
    }
    let out =
        promolint().args(["check", "--format", "json", "--root"]).arg(dir.path()).arg(dir.path()).assert().code(0);
    assert_eq!(json_of(&out.get_output().stdout)["files_checked"], 2000);
}

#[test]
fn missing_path_is_a_usage_error() {
    promolint().args(["check", "/no/such/dir"]).assert().code(2);
}

#[test]
fn several_report_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let (cq, junit, sarif) = (dir.path().join("cq.json"), dir.path().join("junit.xml"), dir.path().join("r.sarif"));
    promolint()
        .args(["check", "--root"])
        .arg(examples())
        .arg(examples())
        .arg("--output")
        .arg(format!("codequality={}", cq.display()))
        .arg("--output")
        .arg(format!("junit={}", junit.display()))
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .assert()
        .code(1);
    let cq = json_of(&fs::read(&cq).unwrap());
    let issues = cq.as_array().expect("Code Quality is a JSON array");
    assert!(issues.iter().any(|i| i["check_name"] == "missing-interim-period"));
    assert!(issues.iter().all(|i| !i["location"]["path"].as_str().unwrap().starts_with('/')));
    let junit = fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("<testsuites") && junit.contains("<failure"), "{junit}");
    // The passing document still has test cases, so GitLab shows what it passes.
    assert!(junit.contains("rkowalski-staff-support-engineer.md"), "{junit}");
    let sarif = json_of(&fs::read(&sarif).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn colour_only_when_asked() {
    let file = examples().join("jokafor-support-engineering-manager-no-interim.md");
    // Not a terminal and NO_COLOR set: plain text that greps well.
    let out = promolint().args(["check", "--root"]).arg(examples()).arg(&file).assert().code(1);
    let plain = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(!plain.contains('\u{1b}'), "{plain}");
    assert!(plain.contains("missing-interim-period"));
    let out = promolint()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["check", "--root"])
        .arg(examples())
        .arg(&file)
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains('\u{1b}'));
    let out = promolint().args(["check", "--color", "always", "--root"]).arg(examples()).arg(&file).assert().code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains('\u{1b}'));
}

#[test]
fn handbook_pages_below_the_root_resolve_against_their_own_site() {
    // The README's first command: the examples' handbook lives in examples/handbook/content.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = promolint()
        .current_dir(repo)
        .args(["check", "--format", "json", "--root"])
        .arg(repo)
        .arg("examples/")
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    let findings = v["findings"].as_array().unwrap();
    let escalations = "examples/handbook/content/handbook/support/example-team/escalations.md";
    for rule in ["broken-link", "broken-anchor"] {
        assert!(findings.iter().any(|f| f["path"] == escalations && f["rule"] == rule), "{rule}: {v:#}");
    }
    // Include files under assets/ are not pages.
    assert!(!findings.iter().any(|f| f["path"].as_str().unwrap().contains("/assets/")), "{v:#}");
}
