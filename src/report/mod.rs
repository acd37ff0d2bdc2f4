//! Output formats. Each renderer reads a [`LintOutcome`] and returns or writes text; none runs
//! checks.

pub mod codequality;
pub mod context;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Codequality,
    Sarif,
    Junit,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Format as clap::ValueEnum>::from_str(s, true)
            .map_err(|_| format!("unknown format `{s}` (human, json, codequality, sarif, junit)"))
    }
}

/// What renderers need besides the findings.
pub struct RenderContext<'a> {
    pub version: &'a str,
    pub color: bool,
    /// Every rule id that applies to a path, for formats that list passing checks (JUnit).
    pub rules_for: &'a dyn Fn(&str) -> Vec<String>,
    /// Rule id → one-line summary, for SARIF's rule metadata.
    pub descriptions: &'a BTreeMap<String, String>,
    /// Findings at or above this make a JUnit case fail; `None` for `--fail-on never`.
    pub fail_on: Option<Severity>,
}

pub fn render(format: Format, outcome: &LintOutcome, ctx: &RenderContext<'_>) -> String {
    match format {
        Format::Human => human::render(outcome, ctx),
        Format::Json => json::render(outcome, ctx),
        Format::Codequality => codequality::render(outcome, &report_context(outcome, ctx)),
        Format::Sarif => sarif::render(outcome, &report_context(outcome, ctx)),
        Format::Junit => junit::render(outcome, &report_context(outcome, ctx)),
    }
}

/// Writes the report to `out`. JSON, the one format whose reports run to megabytes on a whole
/// handbook, is written as it is serialized; the others are rendered first.
pub fn write(
    format: Format,
    outcome: &LintOutcome,
    ctx: &RenderContext<'_>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(outcome, ctx, out),
        _ => out.write_all(render(format, outcome, ctx).as_bytes()),
    }
}

fn report_context(outcome: &LintOutcome, ctx: &RenderContext<'_>) -> context::ReportContext {
    let mut report =
        context::ReportContext::new(ctx.version).with_documents(outcome.files.iter().map(|f| &**f), ctx.rules_for);
    report.rule_descriptions = ctx.descriptions.clone();
    report.fail_on = ctx.fail_on;
    report
}
