//! `promolint mr` as CI runs it: the real binary, configured by GitLab CI's variables, against the
//! loopback GitLab fake. A temporary checkout holds a Staff promotion document with real problems
//! (a placeholder, six missing competencies on the `## Competencies` heading, a link-less evidence
//! item), CODEOWNERS, `.promolint.yml` and a team file; the fake MR adds the document, so every line
//! of it is a changed line.

mod gitlab_support;

use assert_cmd::Command;
use gitlab_support::TOKEN;
use gitlab_support::server::*;
use promolint::gitlab::api::{FileDiff, MergeRequest};
use promolint::gitlab::fake::FakeGitLab;
use promolint::gitlab::{FINGERPRINT_MARKER_PREFIX, SUMMARY_MARKER};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const DOC_PATH: &str = "promotions/mchen-staff.md";

const DOC: &str = r#"---
type: promotion
candidate: mchen
manager: olarsen
current_role: Senior Support Engineer
target_role: Staff Support Engineer
review_period: 2025-07-01..2026-06-30
---

## Promotion Summary

Ming Chen has led the runner troubleshooting work in Support for a year. The registration guide Ming wrote cut repeat runner tickets by a third. Ming also paired with the Runner team on the token deprecation and now coaches two newer engineers on executor problems.

## Business Results

### Runner troubleshooting guide

- **Impact:** Customers fix common runner registration errors without opening a ticket ([guide](https://gitlab.com/gitlab-org/gitlab/-/merge_requests/199001)).
- **Business result:** TODO
- **Direct contribution:** Ming wrote the guide and collected the error catalogue from 60 tickets.
- **Values:** Efficiency.

## Competencies

### Leadership

#### Technical leadership

- Set the team's approach to runner executor escalations and wrote the triage checklist now used by the region ([checklist](https://gitlab.com/gitlab-com/support/support-team-meta/-/issues/7020)).

#### Mentoring and coaching

- <link to MR>

## Values Alignment

### Collaboration

- Reviews teammates' ticket drafts in the review channel every week ([thread](https://gitlab.com/gitlab-com/support/support-team-meta/-/issues/7010)).

### Results

- Shipped the runner error catalogue that halved first-response time on registration tickets ([report](https://gitlab.com/gitlab-com/support/support-team-meta/-/issues/7011)).

### Efficiency

- Reused the runner error catalogue as saved replies for the team ([macros MR](https://gitlab.com/gitlab-com/support/zendesk-global/macros/-/merge_requests/880)).

### Iteration

- Released the guide in three small parts and revised it after each round of ticket feedback ([history](https://gitlab.com/gitlab-org/gitlab/-/merge_requests/199002)).

### Transparency

- Shares ticket learnings in the public issue tracker whenever the customer agrees ([issue](https://gitlab.com/gitlab-org/gitlab/-/issues/502002)).

## Business Justification

The Support team needs a Staff engineer who owns runner escalations across regions; Ming already does this work.
"#;

/// The placeholder on line 19 replaced by a real result: the same number of lines, one finding less.
fn fixed_doc() -> String {
    let fixed = DOC.replace(
        "- **Business result:** TODO",
        "- **Business result:** Repeat runner registration tickets fell by a third in two quarters ([dashboard](https://gitlab.com/gitlab-com/support/support-team-meta/-/issues/7030)).",
    );
    assert_ne!(fixed, DOC);
    fixed
}

/// Line numbers (1-based) of the document where findings sit.
const PLACEHOLDER_LINE: u64 = 19;
const COMPETENCIES_LINE: u64 = 23;

// Users of the fake GitLab.
const OLARSEN: u64 = 40; // the manager, author of the MR
const MCHEN: u64 = 41; // the candidate
const ADIRECTOR: u64 = 42; // the manager's manager in team.yml
const HRPARTNER: u64 = 43;

/// The diff GitLab shows for a file the MR adds: every line an added line.
fn added_file_diff(text: &str) -> FileDiff {
    let lines: Vec<&str> = text.lines().collect();
    let mut diff = format!("@@ -0,0 +1,{} @@\n", lines.len());
    for l in &lines {
        diff.push('+');
        diff.push_str(l);
        diff.push('\n');
    }
    FileDiff { old_path: DOC_PATH.into(), new_path: DOC_PATH.into(), new_file: true, diff, ..FileDiff::default() }
}

fn gitlab() -> FakeGitLab {
    let mr: MergeRequest = serde_json::from_value(json!({
        "id": 6001, "iid": 3, "project_id": 7,
        "title": "Promotion: mchen to Staff Support Engineer",
        "description": "Adds the promotion document.",
        "state": "opened",
        "author": {"id": OLARSEN, "username": "olarsen"},
        "reviewers": [],
        "labels": ["promotion"],
        "diff_refs": {
            "base_sha": "1111111111111111111111111111111111111111",
            "start_sha": "2222222222222222222222222222222222222222",
            "head_sha": "3333333333333333333333333333333333333333"
        }
    }))
    .expect("MR JSON");
    FakeGitLab::new(mr, vec![added_file_diff(DOC)])
        .with_user(OLARSEN, "olarsen", false, 0)
        .with_user(MCHEN, "mchen", false, 0)
        .with_user(ADIRECTOR, "adirector", false, 7)
        .with_user(HRPARTNER, "hrpartner", false, 0)
        .with_user(44, "vpsupport", false, 0)
}

/// The checkout: the document, CODEOWNERS naming the author, the candidate and someone else, the
/// config pointing at the team file.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, DOC_PATH, DOC);
    write(root, ".gitlab/CODEOWNERS", "[Promotions]\n/promotions/ @olarsen @mchen @hrpartner\n");
    write(root, ".promolint.yml", "team_file: team.yml\n");
    write(root, "team.yml", "mchen: olarsen\nolarsen: adirector\nadirector: vpsupport\n");
    dir
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write");
}

/// `promolint mr` with the variables a GitLab MR pipeline sets, and nothing else from the
/// environment of the test run.
fn mr_cmd(server: &Server, root: &Path) -> Command {
    let mut cmd = Command::cargo_bin("promolint").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("CI_API_V4_URL", server.url())
        .env("CI_PROJECT_ID", "7")
        .env("CI_MERGE_REQUEST_IID", "3")
        .env("CI_PROJECT_DIR", root)
        .env("PROMOLINT_GITLAB_TOKEN", TOKEN)
        .env("PROMOLINT_RETRY_BUDGET_SECS", "5")
        .current_dir(root)
        .arg("mr");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the command and checks what must hold for every run: it ended by itself (no signal) and
/// the token is nowhere in its output.
fn run(cmd: &mut Command) -> Run {
    let out = cmd.timeout(Duration::from_secs(60)).output().expect("promolint runs");
    let run = Run {
        code: out.status.code().expect("exited normally, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stdout.contains(TOKEN), "token in stdout:\n{}", run.stdout);
    assert!(!run.stderr.contains(TOKEN), "token in stderr:\n{}", run.stderr);
    // Not even a recognisable part of it.
    assert!(!run.stderr.contains("SECRET-test") && !run.stdout.contains("SECRET-test"));
    run
}

/// Standard error with miette's wrapping undone, so messages can be searched.
fn flat(text: &str) -> String {
    text.lines().map(|l| l.trim_start().trim_start_matches('│').trim()).collect::<Vec<_>>().join(" ")
}

fn shapes(reqs: &[Req]) -> Vec<String> {
    reqs.iter().map(|r| format!("{} {}", r.method, r.target.trim_end_matches('?'))).collect()
}

fn fingerprints(body: &str) -> Vec<String> {
    body.match_indices(FINGERPRINT_MARKER_PREFIX)
        .filter_map(|(i, _)| {
            let rest = &body[i + FINGERPRINT_MARKER_PREFIX.len()..];
            rest.find(" -->").map(|end| rest[..end].to_string())
        })
        .collect()
}

/// Our inline discussions: (id, new_line posted, first note body, resolved).
fn threads(server: &Server, log: &[Req]) -> Vec<(String, u64, String, bool)> {
    let lines: Vec<u64> = log
        .iter()
        .filter(|r| r.method == "POST" && r.target.trim_end_matches('?').ends_with("/discussions"))
        .filter_map(|r| get(&form(&r.body), "position[new_line]").and_then(|v| v.parse().ok()))
        .collect();
    let state = server.fake().lock();
    state
        .discussions
        .iter()
        .filter(|d| !d.individual_note)
        .zip(lines)
        .map(|(d, line)| (d.id.clone(), line, d.notes[0].body.clone(), d.notes[0].resolved))
        .collect()
}

fn summary_notes(server: &Server) -> Vec<(u64, String)> {
    let state = server.fake().lock();
    state
        .discussions
        .iter()
        .filter(|d| d.individual_note)
        .flat_map(|d| d.notes.iter())
        .filter(|n| n.body.starts_with(SUMMARY_MARKER))
        .map(|n| (n.id, n.body.clone()))
        .collect()
}

#[test]
fn first_run_rerun_and_fix_through_the_binary() {
    let server = Server::start(gitlab());
    let dir = checkout();
    let root = dir.path();
    let cq = root.join("gl-code-quality-report.json");

    // (a) First run.
    let first =
        run(mr_cmd(&server, root).args(["--format", "json", "--output"]).arg(format!("codequality={}", cq.display())));
    assert_eq!(first.code, 1, "errors fail the job\n{}", first.stderr);
    let report: Value = serde_json::from_str(&first.stdout).expect("--format json works in mr mode");
    let findings = report["findings"].as_array().expect("findings");
    assert!(findings.iter().all(|f| f["path"] == DOC_PATH), "only the changed document is linted");
    let rules: Vec<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"placeholder-text") && rules.contains(&"missing-competency"), "{rules:?}");
    let missing = findings.iter().filter(|f| f["rule"] == "missing-competency").count();
    assert!(missing >= 4, "several competencies missing on one line: {missing}");
    // The report file is written as in `check` (its format's details are the renderer's tests).
    let cq: Value = serde_json::from_str(&std::fs::read_to_string(&cq).expect("codequality written")).expect("JSON");
    let issues = cq.as_array().expect("Code Quality report is a JSON array");
    let names: Vec<&str> = issues.iter().filter_map(|i| i["check_name"].as_str()).collect();
    assert!(names.contains(&"placeholder-text") && names.contains(&"missing-competency"), "{names:?}");
    assert!(issues.iter().all(|i| i["fingerprint"].as_str().is_some_and(|f| !f.is_empty())));

    let log = server.log();
    assert!(log.iter().all(|r| r.token.as_deref() == Some(TOKEN)));
    let writes = server.writes();
    let shown = shapes(&writes);
    let mr = "/api/v4/projects/7/merge_requests/3";
    assert_eq!(shown.iter().filter(|s| **s == format!("POST {mr}/notes")).count(), 1, "{shown:?}");
    assert_eq!(shown.last().map(String::as_str), Some(format!("PUT {mr}").as_str()), "{shown:?}");
    assert!(
        shown.iter().all(|s| s == &format!("POST {mr}/discussions")
            || s.starts_with(&format!("POST {mr}/notes"))
            || s == &format!("PUT {mr}")),
        "{shown:?}"
    );

    // Summary: one note, coverage table, DRI.
    let notes = summary_notes(&server);
    assert_eq!(notes.len(), 1);
    let summary = &notes[0].1;
    assert!(summary.contains("changes requested"), "{summary}");
    assert!(summary.contains(&format!("Competency coverage: {DOC_PATH}")), "{summary}");
    assert!(summary.contains("| Group | Competency | Evidence | Covered |"), "{summary}");
    assert!(summary.contains("Technical leadership | 1 / 1 | ✅"), "{summary}");
    assert!(summary.contains("Root cause analysis | 0 / 1 | ❌"), "{summary}");
    assert!(summary.contains("adirector") && summary.contains("named by the promotion rules"), "{summary}");

    // Inline discussions: every finding is on a changed line, so each has a thread, and the
    // findings on one line share one thread that carries all their fingerprints.
    let ours = threads(&server, &log);
    let fps_posted: Vec<String> = ours.iter().flat_map(|t| fingerprints(&t.2)).collect();
    let mut fps_found: Vec<String> =
        findings.iter().filter_map(|f| f["fingerprint"].as_str()).map(str::to_string).collect();
    fps_found.sort();
    fps_found.dedup();
    let mut sorted = fps_posted.clone();
    sorted.sort();
    assert_eq!(sorted, fps_found, "each finding's fingerprint in exactly one thread");
    let mut lines: Vec<u64> = ours.iter().map(|t| t.1).collect();
    let n = lines.len();
    lines.dedup();
    assert_eq!(lines.len(), n, "one thread per line: {lines:?}");
    let heading = ours.iter().find(|t| t.1 == COMPETENCIES_LINE).expect("a thread on `## Competencies`");
    assert_eq!(fingerprints(&heading.2).len(), missing, "{}", heading.2);
    assert!(heading.2.starts_with(FINGERPRINT_MARKER_PREFIX), "markers first: {}", heading.2);
    assert!(heading.2.contains("Root cause analysis") && heading.2.contains("Support tooling"), "{}", heading.2);
    assert!(ours.iter().any(|t| t.1 == PLACEHOLDER_LINE && t.2.contains("placeholder-text")));
    for w in writes.iter().filter(|r| r.target.trim_end_matches('?').ends_with("/discussions")) {
        let f = form(&w.body);
        assert_eq!(get(&f, "position[old_line]"), None, "an added file has no old lines");
        assert_eq!(get(&f, "position[head_sha]"), Some("3333333333333333333333333333333333333333"));
    }

    // The DRI: the manager's manager from team.yml, not the author (olarsen) or the candidate
    // (mchen), although both are code owners; and the verdict label.
    let put = form(&writes.last().expect("PUT").body);
    let ids: Vec<&str> = put.iter().filter(|(k, _)| k == "reviewer_ids[]").map(|(_, v)| v.as_str()).collect();
    assert_eq!(ids, [ADIRECTOR.to_string()]);
    assert_eq!(get(&put, "add_labels"), Some("promolint::changes-requested"));
    {
        let state = server.fake().lock();
        assert_eq!(state.mr.reviewers.iter().map(|r| r.username.as_str()).collect::<Vec<_>>(), ["adirector"]);
        assert!(state.mr.labels.contains(&"promolint::changes-requested".to_string()));
    }

    // (b) Rerun with nothing changed: no write at all, same exit code.
    server.clear_log();
    let again = run(&mut mr_cmd(&server, root));
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(server.writes().is_empty(), "{:?}", shapes(&server.writes()));
    assert!(!server.log().is_empty(), "it did read the MR");

    // (c) The placeholder fixed: its thread is resolved and the note edited; nothing new posted.
    write(root, DOC_PATH, &fixed_doc());
    server.fake().lock().diffs = vec![added_file_diff(&fixed_doc())];
    server.clear_log();
    let fixed = run(mr_cmd(&server, root).arg("--verbose"));
    assert_eq!(fixed.code, 1, "other errors remain\n{}", fixed.stderr);
    let placeholder = ours.iter().find(|t| t.1 == PLACEHOLDER_LINE).expect("placeholder thread");
    let summary_id = notes[0].0;
    assert_eq!(
        shapes(&server.writes()),
        [format!("PUT {mr}/discussions/{}", placeholder.0), format!("PUT {mr}/notes/{summary_id}")]
    );
    assert_eq!(get(&form(&server.writes()[0].body), "resolved"), Some("true"));
    assert_eq!(summary_notes(&server).len(), 1);
    let after = threads(&server, &log);
    for t in &after {
        assert_eq!(t.3, t.0 == placeholder.0, "only the fixed thread is resolved: {t:?}");
    }
    // (e) --verbose prints the API call counts, which match the server's log.
    let reads = server.log().iter().filter(|r| r.method == "GET").count();
    let stderr = flat(&fixed.stderr);
    assert!(stderr.contains(&format!("GitLab API: {reads} read(s), 2 write(s), 0 retries")), "{stderr}");
    assert!(stderr.contains("1 resolved"), "{stderr}");
}

#[test]
fn dry_run_prints_the_writes_and_makes_none() {
    let server = Server::start(gitlab());
    let dir = checkout();
    let out = run(mr_cmd(&server, dir.path()).arg("--dry-run"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(server.log().iter().all(|r| r.method == "GET"), "{:?}", shapes(&server.log()));
    assert!(!server.log().is_empty());
    let err = &out.stderr;
    assert!(err.contains("dry run:") && err.contains("none made"), "{err}");
    let mr = "projects/7/merge_requests/3";
    assert!(err.contains(&format!("would POST {mr}/discussions — inline discussion on {DOC_PATH}:")), "{err}");
    assert!(err.contains(&format!("would POST {mr}/notes — create the summary note")), "{err}");
    assert!(err.contains(&format!("would PUT {mr} — reviewer_ids=[{ADIRECTOR}] (adds @adirector)")), "{err}");
    let state = server.fake().lock();
    assert!(state.discussions.is_empty() && state.mr.reviewers.is_empty());
}

#[test]
fn dry_run_needs_no_token() {
    let server = Server::start(gitlab());
    let dir = checkout();
    let out = run(mr_cmd(&server, dir.path()).arg("--dry-run").env_remove("PROMOLINT_GITLAB_TOKEN"));
    // The fake, like a private project, refuses anonymous reads: a clear API error, exit 2.
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(flat(&out.stderr).contains("HTTP 401"), "{}", out.stderr);
    assert!(server.log().iter().all(|r| r.method == "GET" && r.token.is_none()));
}

#[test]
fn a_gitlab_that_stays_down_ends_the_job_with_exit_2_within_the_budget() {
    let server = Server::start(gitlab());
    server.always(Some(Fault::Status(500, None)));
    let dir = checkout();
    let start = Instant::now();
    let out = run(mr_cmd(&server, dir.path()).env("PROMOLINT_RETRY_BUDGET_SECS", "1"));
    let took = start.elapsed();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let err = flat(&out.stderr);
    assert!(err.contains("still failing") && err.contains("HTTP 500") && err.contains("retry budget"), "{err}");
    assert!(err.contains("rerun the job later"), "{err}");
    assert!(server.log().len() >= 2, "it retried: {}", server.log().len());
    assert!(server.log().iter().all(|r| r.method == "GET"), "nothing written");
    // Far below the default budget of a minute (not a timing test: a generous bound).
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn a_bad_retry_budget_is_a_usage_error() {
    let server = Server::start(gitlab());
    let dir = checkout();
    let out = run(mr_cmd(&server, dir.path()).env("PROMOLINT_RETRY_BUDGET_SECS", "soon"));
    assert_eq!(out.code, 2);
    assert!(flat(&out.stderr).contains("PROMOLINT_RETRY_BUDGET_SECS"), "{}", out.stderr);
    assert!(server.log().is_empty());
}

#[test]
fn missing_ci_variables_name_the_variable_and_the_flag() {
    let server = Server::start(gitlab());
    let dir = checkout();
    for (var, flag) in
        [("CI_API_V4_URL", "--api-url"), ("CI_PROJECT_ID", "--project"), ("CI_MERGE_REQUEST_IID", "--mr")]
    {
        let out = run(mr_cmd(&server, dir.path()).env_remove(var));
        assert_eq!(out.code, 2, "{var}: {}", out.stderr);
        let err = flat(&out.stderr);
        assert!(err.contains(&format!("set {var} or pass {flag}")), "{var}: {err}");
    }
    let out = run(mr_cmd(&server, dir.path()).env_remove("PROMOLINT_GITLAB_TOKEN"));
    assert_eq!(out.code, 2);
    assert!(flat(&out.stderr).contains("set PROMOLINT_GITLAB_TOKEN"), "{}", out.stderr);
    // The flag stands in for its variable.
    let out = run(mr_cmd(&server, dir.path()).env_remove("CI_MERGE_REQUEST_IID").args(["--mr", "3", "--dry-run"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(server.log().iter().all(|r| r.method == "GET"));
    assert!(!server.log().is_empty());
}

#[test]
fn a_token_the_server_echoes_is_redacted() {
    let server = Server::start(gitlab());
    server.fault(Fault::EchoToken);
    let dir = checkout();
    let out = run(&mut mr_cmd(&server, dir.path()));
    assert_eq!(out.code, 2);
    assert!(flat(&out.stderr).contains("bad token ***"), "{}", out.stderr);
}

#[test]
fn threads_people_resolved_or_answered_are_left_to_them() {
    let server = Server::start(gitlab());
    let dir = checkout();
    let root = dir.path();
    assert_eq!(run(&mut mr_cmd(&server, root)).code, 1);
    let ours = threads(&server, &server.log());
    let heading = ours.iter().find(|t| t.1 == COMPETENCIES_LINE).expect("heading thread").0.clone();
    let placeholder = ours.iter().find(|t| t.1 == PLACEHOLDER_LINE).expect("placeholder thread").0.clone();
    let person = promolint::gitlab::api::UserRef { id: OLARSEN, username: "olarsen".into() };
    // The manager resolves the competencies thread (the findings are still there) and answers
    // in the placeholder thread.
    server.fake().set_resolved(&heading, person.clone(), true);
    server.fake().reply(&placeholder, person, "Fixing this in the next push.");

    // Nothing changed in the document: still no write.
    server.clear_log();
    assert_eq!(run(&mut mr_cmd(&server, root)).code, 1);
    assert!(server.writes().is_empty(), "{:?}", shapes(&server.writes()));

    // The placeholder fixed: the answered thread is not resolved for them, the resolved one is
    // not reopened; the summary is edited.
    write(root, DOC_PATH, &fixed_doc());
    server.fake().lock().diffs = vec![added_file_diff(&fixed_doc())];
    server.clear_log();
    assert_eq!(run(&mut mr_cmd(&server, root)).code, 1);
    let writes = shapes(&server.writes());
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].starts_with("PUT /api/v4/projects/7/merge_requests/3/notes/"), "{writes:?}");
    let state = server.fake().lock();
    let resolved = |id: &str| state.discussions.iter().find(|d| d.id == id).is_some_and(|d| d.notes[0].resolved);
    assert!(resolved(&heading) && !resolved(&placeholder));
}

#[test]
fn fail_on_never_passes_the_job_and_the_verdict() {
    let server = Server::start(gitlab());
    server.fake().lock().mr.labels.push("promolint::changes-requested".into());
    let dir = checkout();
    let out = run(mr_cmd(&server, dir.path()).args(["--fail-on", "never"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let put = server.writes().into_iter().find(|r| r.target.trim_end_matches('?').ends_with("/merge_requests/3"));
    let put = form(&put.expect("PUT merge request").body);
    assert_eq!(get(&put, "add_labels"), Some("promolint::passed"));
    assert_eq!(get(&put, "remove_labels"), Some("promolint::changes-requested"));
    let labels = server.fake().lock().mr.labels.clone();
    assert_eq!(labels, ["promotion", "promolint::passed"]);
    assert!(summary_notes(&server)[0].1.contains("✅ passed"));
}
