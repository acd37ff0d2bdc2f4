//! Shared pieces of the GitLab review tests: the fixture MR (GitLab-shaped JSON in
//! fixtures/gitlab/), a lint outcome with findings on added, context and unchanged lines, and a
//! fake GitLab seeded with users for the DRI choice.
#![allow(dead_code)]

use promolint::diagnostic::{Finding, Severity};
use promolint::gitlab::api::{FileDiff, MergeRequest, UserRef};
use promolint::gitlab::fake::FakeGitLab;
use promolint::gitlab::{MrOptions, RetryPolicy, Secret, VerdictLabels};
use promolint::outcome::{Coverage, CoverageRow, LintOutcome, SourceFile};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub(crate) const DOC: &str = "promotions/jdoe.md";
pub(crate) const TOKEN: &str = "glpat-SECRET-test-token-1234";

pub(crate) fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/gitlab").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn mr() -> MergeRequest {
    serde_json::from_str(&fixture("merge_request.json")).expect("merge_request.json parses")
}

pub(crate) fn diffs() -> Vec<FileDiff> {
    serde_json::from_str(&fixture("diffs.json")).expect("diffs.json parses")
}

pub(crate) fn user(id: u64, username: &str) -> UserRef {
    UserRef { id, username: username.into() }
}

/// jdoe (11) is the author and the candidate; handpicked (21) is a reviewer set by hand.
pub(crate) fn fake() -> FakeGitLab {
    FakeGitLab::new(mr(), diffs())
        .with_user(11, "jdoe", false, 0)
        .with_user(21, "handpicked", false, 0)
        .with_user(30, "boss", false, 10)
        .with_user(31, "alice", false, 3)
        .with_user(32, "bob", false, 1)
        .with_user(33, "busyperson", true, 0)
        .with_user(34, "carol", false, 5)
}

pub(crate) fn opts() -> MrOptions {
    let env = |k: &str| -> Option<String> {
        match k {
            "CI_API_V4_URL" => Some("http://127.0.0.1:1/api/v4".into()),
            "CI_PROJECT_ID" => Some("7".into()),
            "CI_MERGE_REQUEST_IID" => Some("3".into()),
            "CI_PROJECT_DIR" => Some("/tmp/checkout".into()),
            "PROMOLINT_GITLAB_TOKEN" => Some(TOKEN.into()),
            _ => None,
        }
    };
    let mut o = MrOptions::from_env(&env).expect("options");
    o.labels = VerdictLabels::default();
    o.retry = RetryPolicy {
        budget: Duration::from_millis(300),
        request_timeout: Duration::from_millis(500),
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
    };
    o.token = Secret::new(TOKEN);
    o
}

fn line_offset(text: &str, line: usize) -> usize {
    text.split_inclusive('\n').take(line - 1).map(str::len).sum()
}

fn finding_at(text: &str, rule: &str, sev: Severity, line: usize, anchor: &str, msg: &str) -> Finding {
    let start = line_offset(text, line);
    Finding::new(rule, sev, DOC, start..start + 3, msg).with_anchor(anchor)
}

pub(crate) struct Found {
    pub(crate) placeholder: Finding,
    pub(crate) hostile: Finding,
    pub(crate) context: Finding,
    pub(crate) whole_file: Finding,
}

/// Findings on an added line (13), an added line with hostile text (8), a context line (11,
/// old line 9) and the whole file (line 1, outside the diff).
pub(crate) fn findings() -> Found {
    let text = fixture("jdoe.md");
    Found {
        placeholder: finding_at(
            &text,
            "placeholder-text",
            Severity::Error,
            13,
            "debugging/todo",
            "Evidence item is a placeholder: TODO add evidence",
        )
        .with_help("Replace it with evidence that links to an artifact."),
        hostile: finding_at(
            &text,
            "first-person",
            Severity::Warning,
            8,
            "summary/hostile",
            "Quoted: @all please look at #12 and !3 with ~urgent in %\"Q3\"\n/close <b>x</b> | cell",
        ),
        context: finding_at(&text, "heading-level-skip", Severity::Warning, 11, "technical", "Heading jumps a level"),
        whole_file: Finding::new(
            "missing-section",
            Severity::Error,
            DOC,
            0..0,
            "Missing section: Business Justification <script>x</script> @jdoe /unassign",
        )
        .with_anchor("business-justification"),
    }
}

pub(crate) fn outcome(findings: Vec<Finding>) -> LintOutcome {
    let mut o = LintOutcome { files_checked: 1, ..LintOutcome::default() };
    o.sources.insert(DOC.into(), Arc::new(SourceFile::new(fixture("jdoe.md"))));
    let mut findings = findings;
    findings.sort_by_key(|f| (f.path.clone(), f.span.start, f.rule.clone()));
    o.findings = findings;
    o.coverage.push(Coverage {
        path: DOC.into(),
        candidate: Some("jdoe".into()),
        manager: Some("msmith".into()),
        current_role: Some("Senior Support Engineer".into()),
        target_role: "Staff Support Engineer".into(),
        rows: vec![
            CoverageRow { group: "Technical".into(), name: "Debugging".into(), evidence: 0, required: 1 },
            CoverageRow { group: "Leadership".into(), name: "Mentoring | @all".into(), evidence: 2, required: 1 },
        ],
        dri_candidates: Vec::new(),
        dri_manager_of: None,
    });
    o
}

pub(crate) fn all_findings() -> LintOutcome {
    let f = findings();
    outcome(vec![f.placeholder, f.hostile, f.context, f.whole_file])
}

pub(crate) fn codeowners() -> String {
    fixture("CODEOWNERS")
}
