//! JUnit XML for GitLab's test report (`artifacts:reports:junit`).
//!
//! One `<testsuite>` per document and one `<testcase>` per document × rule (classname = path,
//! name = rule id), so the merge request's test widget shows which rule newly fails on which
//! document, or is fixed. A case fails when it has a finding at or above the context's `fail_on`;
//! findings below it are written to the case's `<system-out>` so they are visible but do not
//! turn the widget red.

use super::context::ReportContext;
use crate::diagnostic::Finding;
use crate::outcome::LintOutcome;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The JUnit XML for a run.
pub fn render(outcome: &LintOutcome, ctx: &ReportContext) -> String {
    // path → rule → findings. Every applicable rule is a case even without findings; a finding
    // for a rule or document the context did not list still gets its case, so nothing is lost.
    let mut documents: BTreeMap<String, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for (path, rules) in &ctx.document_rules {
        let cases = documents.entry(ctx.report_path(path)).or_default();
        for rule in rules {
            cases.entry(rule.as_str()).or_default();
        }
    }
    for finding in &outcome.findings {
        documents
            .entry(ctx.report_path(&finding.path))
            .or_default()
            .entry(finding.rule.as_str())
            .or_default()
            .push(finding);
    }

    let fails = |finding: &Finding| ctx.fail_on.is_some_and(|level| finding.severity >= level);
    let case_fails = |findings: &[&Finding]| findings.iter().any(|f| fails(f));

    let total_cases: usize = documents.values().map(BTreeMap::len).sum();
    let total_failures: usize =
        documents.values().flat_map(BTreeMap::values).filter(|findings| case_fails(findings)).count();

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"promolint\" tests=\"{total_cases}\" failures=\"{total_failures}\" errors=\"0\">"
    );
    for (path, cases) in &documents {
        let failures = cases.values().filter(|findings| case_fails(findings)).count();
        let path = escape(path);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            cases.len()
        );
        for (rule, findings) in cases {
            let rule = escape(rule);
            let open = format!("    <testcase classname=\"{path}\" name=\"{rule}\" file=\"{path}\"");
            if findings.is_empty() {
                let _ = writeln!(out, "{open}/>");
                continue;
            }
            let _ = writeln!(out, "{open}>");
            let (failing, other): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| fails(f));
            if !failing.is_empty() {
                let noun = if failing.len() == 1 { "finding" } else { "findings" };
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{} {noun}\">{}</failure>",
                    failing.iter().map(|f| f.severity).max().map_or("error", |s| s.as_str()),
                    failing.len(),
                    escape(&describe(outcome, ctx, &failing)),
                );
            }
            if !other.is_empty() {
                let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&describe(outcome, ctx, &other)));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry at all
/// (most C0 controls) become U+FFFD, so a stray control byte in a document cannot make the
/// report unparseable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Keep line structure in text; in attributes a raw newline would be normalised away.
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One line per finding (`line:column severity: message`), with its help indented below.
fn describe(outcome: &LintOutcome, ctx: &ReportContext, findings: &[&Finding]) -> String {
    let mut text = String::new();
    for finding in findings {
        let position = outcome.position(finding);
        let _ = writeln!(
            text,
            "{}:{}:{} {}: {}",
            ctx.report_path(&finding.path),
            position.line,
            position.column,
            finding.severity,
            finding.message
        );
        if let Some(help) = &finding.help {
            let _ = writeln!(text, "  help: {help}");
        }
    }
    text
}
