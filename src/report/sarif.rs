//! SARIF 2.1.0, for GitHub code scanning, IDE viewers and other SARIF consumers.
//!
//! Columns are counted in characters, so the run declares `columnKind: unicodeCodePoints` rather
//! than SARIF's default of UTF-16 code units.

use super::context::ReportContext;
use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The SARIF log for a run, pretty-printed.
pub fn render(outcome: &LintOutcome, ctx: &ReportContext) -> String {
    // Every rule the run knows, plus any rule a finding names that the context did not describe,
    // so that every result's ruleIndex points at a rule.
    let mut rules: BTreeMap<&str, &str> = ctx
        .rule_descriptions
        .iter()
        .map(|(id, text)| (id.as_str(), text.as_str()))
        .collect();
    for finding in &outcome.findings {
        rules
            .entry(finding.rule.as_str())
            .or_insert(finding.rule.as_str());
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();

    let rule_objects: Vec<Value> = rules
        .iter()
        .map(|(id, text)| json!({ "id": id, "shortDescription": { "text": text } }))
        .collect();

    let results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|finding| {
            let position = outcome.position(finding);
            let mut result = json!({
                "ruleId": finding.rule,
                "ruleIndex": index.get(finding.rule.as_str()).copied().unwrap_or(0),
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": uri_reference(&ctx.report_path(&finding.path)),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {
                            "startLine": position.line,
                            "startColumn": position.column,
                            "endLine": position.end_line,
                            "endColumn": position.end_column,
                        },
                    },
                }],
                "partialFingerprints": { "promolint/v1": finding.fingerprint() },
            });
            let mut properties = Map::new();
            if let Some(help) = &finding.help {
                properties.insert("help".into(), Value::String(help.clone()));
            }
            if let Some(competency) = &finding.competency {
                properties.insert("competency".into(), Value::String(competency.clone()));
            }
            if !properties.is_empty()
                && let Some(object) = result.as_object_mut()
            {
                object.insert("properties".into(), Value::Object(properties));
            }
            result
        })
        .collect();

    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "promolint",
                    "version": ctx.tool_version,
                    "rules": rule_objects,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    format!("{log:#}\n")
}

/// SARIF's `level` for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference: SARIF's `artifactLocation.uri` must be one, so spaces and
/// other characters outside RFC 3986's path set are percent-encoded (UTF-8 bytes).
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
