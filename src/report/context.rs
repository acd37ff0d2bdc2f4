//! What the batch reporters (Code Quality, SARIF, JUnit) need besides the findings: facts about the
//! run that a finding does not carry. Owned and separate from the terminal renderers' context so
//! that a report written to a file never depends on colour or terminal settings.

use crate::diagnostic::Severity;
use std::collections::BTreeMap;

/// Facts about the run that the batch reporters need. Built once by the CLI and handed to every
/// renderer, so the renderers stay pure functions of `(outcome, context)`.
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// promolint's version, written into SARIF's `tool.driver.version`.
    pub tool_version: String,
    /// A prefix removed from finding paths before they are written, e.g. an absolute
    /// `CI_PROJECT_DIR`, so that GitLab can link the file in the merge request.
    pub strip_prefix: Option<String>,
    /// Every document that was checked, with the ids of the rules that apply to it. JUnit writes
    /// one test case per pair, so a document with no findings still shows its passing rules.
    pub document_rules: BTreeMap<String, Vec<String>>,
    /// Rule id → one-line description, for SARIF's rule metadata.
    pub rule_descriptions: BTreeMap<String, String>,
    /// Findings at or above this severity make a JUnit test case fail; lower ones are written to
    /// the case's output. `None` (`--fail-on never`) fails no case.
    pub fail_on: Option<Severity>,
}

impl ReportContext {
    pub fn new(tool_version: impl Into<String>) -> Self {
        ReportContext {
            tool_version: tool_version.into(),
            strip_prefix: None,
            document_rules: BTreeMap::new(),
            rule_descriptions: BTreeMap::new(),
            fail_on: Some(Severity::Error),
        }
    }

    /// Fills [`Self::document_rules`] for the documents that were checked, asking `rules_for`
    /// which rule ids apply to each (the CLI's `rules_for` closure).
    pub fn with_documents<'p>(
        mut self,
        documents: impl IntoIterator<Item = &'p str>,
        rules_for: &dyn Fn(&str) -> Vec<String>,
    ) -> Self {
        for path in documents {
            self.document_rules.insert(path.to_string(), rules_for(path));
        }
        self
    }

    /// The path as reports show it: `/`-separated, without the stripped prefix or a leading `./`.
    pub fn report_path(&self, path: &str) -> String {
        let path = path.replace('\\', "/");
        let mut rest = path.as_str();
        if let Some(prefix) = self.strip_prefix.as_deref() {
            let prefix = prefix.replace('\\', "/");
            let prefix = prefix.trim_end_matches('/');
            if !prefix.is_empty()
                && let Some(tail) = rest.strip_prefix(prefix)
                && (tail.is_empty() || tail.starts_with('/'))
            {
                rest = tail.trim_start_matches('/');
            }
        }
        while let Some(tail) = rest.strip_prefix("./") {
            rest = tail;
        }
        rest.to_string()
    }
}

/// Pretty-printed JSON with a final newline. The reports are plain structs of strings and
/// numbers, which cannot fail to serialise; should that ever change, the error is written in
/// place of the report, so that GitLab rejects the file loudly instead of showing a wrong one.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut out = serde_json::to_string_pretty(value)
        .unwrap_or_else(|err| format!("promolint could not serialise this report: {err}"));
    out.push('\n');
    out
}

impl Default for ReportContext {
    fn default() -> Self {
        ReportContext::new(env!("CARGO_PKG_VERSION"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_path_strips_prefix_only_at_a_component_boundary() {
        let mut ctx = ReportContext::new("0");
        ctx.strip_prefix = Some("/builds/group/proj/".into());
        assert_eq!(ctx.report_path("/builds/group/proj/docs/a.md"), "docs/a.md");
        assert_eq!(ctx.report_path("/builds/group/project2/a.md"), "/builds/group/project2/a.md");
        assert_eq!(ctx.report_path("./docs\\b.md"), "docs/b.md");
        ctx.strip_prefix = None;
        assert_eq!(ctx.report_path("promotions/x.md"), "promotions/x.md");
    }
}
