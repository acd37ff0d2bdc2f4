//! `--format json`: one object in the shape of SPEC §5.

use super::RenderContext;
use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use serde::Serialize;

// Fields in alphabetical order: the output has always listed keys that way.
#[derive(Serialize)]
struct Report<'a> {
    files_checked: usize,
    findings: Findings<'a>,
    summary: Summary,
    tool: &'static str,
    version: &'a str,
}

/// The findings, each shaped as it is serialized: a report of ten thousand findings is written
/// out one finding at a time, never held whole a second time.
struct Findings<'a>(&'a LintOutcome);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let outcome = self.0;
        serializer.collect_seq(outcome.findings.iter().map(|f| {
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
        }))
    }
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
    let mut out = Vec::new();
    match write(outcome, ctx, &mut out) {
        // serde_json writes only UTF-8.
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\":\"{e}\"}}\n"),
    }
}

/// Writes the report to `out` as it is serialized.
pub fn write(outcome: &LintOutcome, ctx: &RenderContext<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let report = Report {
        files_checked: outcome.files_checked,
        findings: Findings(outcome),
        summary: Summary {
            errors: outcome.count(Severity::Error),
            infos: outcome.count(Severity::Info),
            warnings: outcome.count(Severity::Warning),
        },
        tool: "promolint",
        version: ctx.version,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
