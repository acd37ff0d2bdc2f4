//! The Markdown of the summary note and of inline discussions. Everything here must be a pure
//! function of the findings and the DRI choice — no times, no counts of API calls — so that a rerun
//! with nothing changed produces the same text and makes no edit.

use super::dri::{CandidateSource, DriChoice};
use super::neutralize::{guard_quick_actions, inline};
use super::{FINGERPRINT_MARKER_PREFIX, SUMMARY_MARKER, Verdict};
use crate::diagnostic::{Finding, Severity};
use crate::outcome::LintOutcome;
use std::fmt::Write;

/// GitLab refuses notes over 1,000,000 characters; we stay far below so a note stays readable.
pub(crate) const MAX_NOTE_CHARS: usize = 100_000;
const MAX_LISTED_FINDINGS: usize = 100;
const MAX_COVERAGE_DOCS: usize = 20;
const MAX_COVERAGE_ROWS: usize = 60;
const MAX_MESSAGE_CHARS: usize = 400;

pub(crate) fn fingerprint_marker(fp: &str) -> String {
    format!("{FINGERPRINT_MARKER_PREFIX}{fp} -->")
}

/// The fingerprint in a note body that starts with our marker.
pub(crate) fn parse_fingerprint(body: &str) -> Option<&str> {
    let rest = body.strip_prefix(FINGERPRINT_MARKER_PREFIX)?;
    let end = rest.find(" -->")?;
    let fp = &rest[..end];
    fp.chars().all(|c| c.is_ascii_alphanumeric()).then_some(fp)
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🔴 error",
        Severity::Warning => "🟡 warning",
        Severity::Info => "🔵 info",
    }
}

/// Rule ids are ours, but a project's own rules could name anything: keep them to a safe alphabet.
fn rule_id(rule: &str) -> String {
    let clean: String =
        rule.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')).take(80).collect();
    format!("`{clean}`")
}

pub(crate) fn discussion_body(finding: &Finding) -> String {
    let mut out = fingerprint_marker(&finding.fingerprint());
    let _ = write!(
        out,
        "\n**{}** {} — {}",
        severity_label(finding.severity),
        rule_id(&finding.rule),
        inline(&finding.message, MAX_MESSAGE_CHARS)
    );
    if let Some(help) = &finding.help {
        let _ = write!(out, "\n\n{}", inline(help, MAX_MESSAGE_CHARS));
    }
    out.push_str("\n\n<sub>promolint resolves this thread when the finding is fixed.</sub>");
    guard_quick_actions(&out)
}

pub(crate) struct SummaryInput<'a> {
    pub verdict: Verdict,
    pub outcome: &'a LintOutcome,
    /// Findings shown as inline discussions.
    pub inline_count: usize,
    /// Findings listed in the note, with their line.
    pub elsewhere: Vec<(&'a Finding, usize)>,
    pub dri: Option<&'a DriChoice>,
}

pub(crate) fn summary_body(input: &SummaryInput<'_>) -> String {
    let o = input.outcome;
    let mut out = String::from(SUMMARY_MARKER);
    let verdict = match input.verdict {
        Verdict::Passed => "✅ passed",
        Verdict::ChangesRequested => "❌ changes requested",
    };
    let _ = write!(
        out,
        "\n### promolint review: {verdict}\n\n{} error(s), {} warning(s), {} info in {} file(s) checked. \
         {} finding(s) on changed lines have their own thread.\n",
        o.count(Severity::Error),
        o.count(Severity::Warning),
        o.count(Severity::Info),
        o.files_checked,
        input.inline_count
    );

    for cov in o.coverage.iter().take(MAX_COVERAGE_DOCS) {
        let _ = write!(out, "\n#### Competency coverage: {}\n\n", inline(&cov.path, 200));
        let mut who = format!("Target role: {}", inline(&cov.target_role, 120));
        if let Some(cur) = &cov.current_role {
            who = format!("{} → {}", inline(cur, 120), inline(&cov.target_role, 120));
        }
        let _ = writeln!(out, "{who}\n");
        out.push_str("| Group | Competency | Evidence | Covered |\n|---|---|---:|:---:|\n");
        for row in cov.rows.iter().take(MAX_COVERAGE_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} / {} | {} |",
                inline(&row.group, 60),
                inline(&row.name, 120),
                row.evidence,
                row.required,
                if row.covered() { "✅" } else { "❌" }
            );
        }
        if cov.rows.len() > MAX_COVERAGE_ROWS {
            let _ = writeln!(out, "\n… and {} more rows", cov.rows.len() - MAX_COVERAGE_ROWS);
        }
    }
    if o.coverage.len() > MAX_COVERAGE_DOCS {
        let _ = writeln!(out, "\n… and {} more promotion documents", o.coverage.len() - MAX_COVERAGE_DOCS);
    }

    if !input.elsewhere.is_empty() {
        out.push_str("\n#### Findings not on changed lines\n\n");
        for (f, line) in input.elsewhere.iter().take(MAX_LISTED_FINDINGS) {
            let _ = writeln!(
                out,
                "- **{}** {} {}:{} — {}",
                severity_label(f.severity),
                rule_id(&f.rule),
                inline(&f.path, 200),
                line,
                inline(&f.message, MAX_MESSAGE_CHARS)
            );
        }
        if input.elsewhere.len() > MAX_LISTED_FINDINGS {
            let _ = writeln!(out, "- … and {} more", input.elsewhere.len() - MAX_LISTED_FINDINGS);
        }
    }

    out.push_str("\n#### DRI\n\n");
    match input.dri {
        Some(d) => {
            let from = match &d.source {
                CandidateSource::Rules => "named by the promotion rules".to_string(),
                CandidateSource::Codeowners { section, line } => {
                    format!(
                        "a code owner of the changed files (CODEOWNERS section {}, line {line})",
                        inline(section, 80)
                    )
                }
            };
            // The name is neutralised: being added as reviewer already notifies the person, and
            // a mention would notify again on every edit.
            let _ = writeln!(
                out,
                "{} is the reviewer for this MR: {from}. Chosen among candidates who are neither the author \
                 nor the candidate and are not busy, by fewest open reviews, ties broken by a stable hash of \
                 the MR.",
                inline(&format!("@{}", d.username), 80)
            );
        }
        None => out.push_str("No DRI could be chosen from the rules or CODEOWNERS.\n"),
    }
    let mut out = guard_quick_actions(&out);
    if out.chars().count() > MAX_NOTE_CHARS {
        out = out.chars().take(MAX_NOTE_CHARS).collect();
        out.push_str("\n\n… (truncated)\n");
    }
    out
}
