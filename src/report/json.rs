//! `--format json`: one object in the shape of SPEC §5.

use super::RenderContext;
use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use serde::Serialize;

// Fields in alphabetical order: the output has always listed keys that way.
#[derive(Serialize)]
struct Report<'a> {
    files_checked: usize,
    findings: Vec<FindingOut<'a>>,
    summary: Summary,
    tool: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    column: usize,
    competency: Option<&'a str>,
    end_column: usize,
    end_line: usize,
    fingerprint: String,
    help: Option<&'a str>,
    line: usize,
    message: &'a str,
    path: &'a str,
    rule: &'a str,
    severity: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    infos: usize,
    warnings: usize,
}

pub fn render(outcome: &LintOutcome, ctx: &RenderContext<'_>) -> String {
    let findings = outcome
        .findings
        .iter()
        .map(|f| {
            let pos = outcome.position(f);
            FindingOut {
                column: pos.column,
                competency: f.competency.as_deref(),
                end_column: pos.end_column,
                end_line: pos.end_line,
                fingerprint: f.fingerprint(),
                help: f.help.as_deref(),
                line: pos.line,
                message: &f.message,
                path: &f.path,
                rule: &f.rule,
                severity: f.severity.as_str(),
            }
        })
        .collect();
    let report = Report {
        files_checked: outcome.files_checked,
        findings,
        summary: Summary {
            errors: outcome.count(Severity::Error),
            infos: outcome.count(Severity::Info),
            warnings: outcome.count(Severity::Warning),
        },
        tool: "promolint",
        version: ctx.version,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}
