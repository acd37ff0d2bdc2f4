//! `--format json`: one object in the shape of SPEC §5.

use super::RenderContext;
use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use serde_json::json;

pub fn render(outcome: &LintOutcome, ctx: &RenderContext<'_>) -> String {
    let findings: Vec<_> = outcome
        .findings
        .iter()
        .map(|f| {
            let pos = outcome.position(f);
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "path": f.path,
                "line": pos.line,
                "column": pos.column,
                "end_line": pos.end_line,
                "end_column": pos.end_column,
                "message": f.message,
                "help": f.help,
                "fingerprint": f.fingerprint(),
                "competency": f.competency,
            })
        })
        .collect();
    let value = json!({
        "tool": "promolint",
        "version": ctx.version,
        "files_checked": outcome.files_checked,
        "findings": findings,
        "summary": {
            "errors": outcome.count(Severity::Error),
            "warnings": outcome.count(Severity::Warning),
            "infos": outcome.count(Severity::Info),
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}
