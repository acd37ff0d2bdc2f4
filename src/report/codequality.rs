//! GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of issues that
//! GitLab shows in the merge request widget and diff.
//!
//! Severity: info → `info`, warning → `minor`, error → `major`, except that an error from
//! [`CRITICAL_RULES`] is `critical`: a page that cannot be parsed or a protected page moved
//! without approval is worse than a missing section, and GitLab sorts by this field.

use super::context::{ReportContext, to_json};
use crate::diagnostic::{Finding, Severity, fingerprint};
use crate::outcome::LintOutcome;
use serde::Serialize;
use std::collections::HashMap;

/// Rules whose errors are reported as `critical` rather than `major`.
pub const CRITICAL_RULES: &[&str] = &["invalid-front-matter", "protected-page-moved"];

/// The Code Quality JSON for a run, pretty-printed, one issue per finding in the outcome's order.
pub fn render(outcome: &LintOutcome, ctx: &ReportContext) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Issue<'_>> = outcome
        .findings
        .iter()
        .map(|finding| {
            let position = outcome.position(finding);
            Issue {
                description: format!("{}: {}", finding.rule, finding.message),
                check_name: &finding.rule,
                fingerprint: unique_fingerprint(finding, &mut seen),
                severity: severity(finding),
                location: Location {
                    path: ctx.report_path(&finding.path),
                    lines: Lines { begin: position.line, end: position.end_line },
                },
            }
        })
        .collect();
    to_json(&issues)
}

/// The Code Quality severity of a finding.
pub fn severity(finding: &Finding) -> &'static str {
    match finding.severity {
        Severity::Info => "info",
        Severity::Warning => "minor",
        Severity::Error if CRITICAL_RULES.contains(&finding.rule.as_str()) => "critical",
        Severity::Error => "major",
    }
}

/// GitLab keeps one issue per fingerprint, so two findings with the same rule, path and anchor
/// (e.g. two identical placeholder lines) would hide each other. The second and later ones get
/// their occurrence number hashed in; that is still independent of line numbers.
fn unique_fingerprint(finding: &Finding, seen: &mut HashMap<String, usize>) -> String {
    let base = finding.fingerprint();
    let count = seen.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base
    } else {
        let anchor = format!("{}\u{0}{count}", finding.anchor);
        fingerprint(&finding.rule, &finding.path, &anchor)
    }
}

// The report's shape, borrowed from the findings so that tens of thousands of issues serialise
// without building an intermediate JSON tree.

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}
