//! SARIF 2.1.0, for GitHub code scanning, IDE viewers and other SARIF consumers.
//!
//! Columns are counted in characters, so the run declares `columnKind: unicodeCodePoints` rather
//! than SARIF's default of UTF-16 code units.

use super::context::{ReportContext, to_json};
use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use serde::Serialize;
use std::collections::BTreeMap;

/// The SARIF log for a run, pretty-printed.
pub fn render(outcome: &LintOutcome, ctx: &ReportContext) -> String {
    // Every rule the run knows, plus any rule a finding names that the context did not describe,
    // so that every result's ruleIndex points at a rule.
    let mut rules: BTreeMap<&str, &str> =
        ctx.rule_descriptions.iter().map(|(id, text)| (id.as_str(), text.as_str())).collect();
    for finding in &outcome.findings {
        rules.entry(finding.rule.as_str()).or_insert(finding.rule.as_str());
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();

    let results = outcome
        .findings
        .iter()
        .map(|finding| {
            let position = outcome.position(finding);
            let properties = (finding.help.is_some() || finding.competency.is_some())
                .then_some(Properties { help: finding.help.as_deref(), competency: finding.competency.as_deref() });
            SarifResult {
                rule_id: &finding.rule,
                rule_index: index.get(finding.rule.as_str()).copied().unwrap_or(0),
                level: level(finding.severity),
                message: Text { text: &finding.message },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri_reference(&ctx.report_path(&finding.path)),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region {
                            start_line: position.line,
                            start_column: position.column,
                            end_line: position.end_line,
                            end_column: position.end_column,
                        },
                    },
                }],
                partial_fingerprints: Fingerprints { promolint_v1: finding.fingerprint() },
                properties,
            }
        })
        .collect();

    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "promolint",
                    version: &ctx.tool_version,
                    rules: rules.iter().map(|(id, text)| Rule { id, short_description: Text { text } }).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    to_json(&log)
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

// The subset of SARIF 2.1.0 that promolint writes, borrowed from the findings so that large runs
// serialise without an intermediate JSON tree.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "promolint/v1")]
    promolint_v1: String,
}

#[derive(Serialize)]
struct Properties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    competency: Option<&'a str>,
}
