//! Check kinds. A rule in YAML names a kind (`check: placeholder-text`) and gives it options; the
//! registry builds the kind from those options. Checks read a parsed [`Document`] and the compiled
//! rule set and push findings; they never print, read files or reach the network.

pub mod handbook;
pub mod promotion;
pub mod prose;

use crate::changes::ChangeSet;
use crate::diagnostic::{Finding, Severity, Span};
pub use handbook::LinkedPage;

use crate::document::Document;
use crate::rules::RuleSet;
use std::collections::BTreeMap;

/// Options of one rule as written in YAML.
pub type RuleOptions = BTreeMap<String, serde_json::Value>;

/// Builds a check from its rule's options; the error says what is wrong with them.
pub type Factory = fn(&RuleOptions) -> Result<Box<dyn Check>, String>;

pub trait Check: Send + Sync + std::fmt::Debug {
    /// Findings for one document.
    fn check(&self, _doc: &Document, _ctx: &CheckContext<'_>, _out: &mut Vec<Finding>) {}

    /// Findings about a page's links, once every page of the site is known (the page's parsed
    /// document is gone by then; see [`crate::document::PageLinks`]).
    fn check_links(&self, _page: &LinkedPage<'_>, _ctx: &CheckContext<'_>, _out: &mut Vec<Finding>) {}

    /// Whether [`Check::check_links`] looks at a link with destination `dest` at all: pages keep
    /// only the links some check wants (most links of a handbook lead to other sites).
    fn wants_link(&self, _dest: &str, _rules: &RuleSet) -> bool {
        false
    }

    /// Findings about the change as a whole rather than one parsed file (deleted pages, say).
    fn check_change(&self, _ctx: &CheckContext<'_>, _out: &mut Vec<Finding>) {}
}

/// What a check may look at besides the document.
pub struct CheckContext<'a> {
    pub rule_id: &'a str,
    pub severity: Severity,
    pub rules: &'a RuleSet,
    /// The handbook site, for cross-page links and anchors; `None` when no handbook pages are in
    /// scope.
    pub site: Option<&'a crate::handbook::Site>,
    pub change: &'a ChangeSet,
}

impl CheckContext<'_> {
    /// A finding of this rule at this severity.
    pub fn finding(&self, doc: &Document, span: Span, message: impl Into<String>) -> Finding {
        Finding::new(self.rule_id, self.severity, &doc.path, span, message)
    }

    /// A finding in a file that has no parsed document (a deleted page, say).
    pub fn finding_at(&self, path: &str, message: impl Into<String>) -> Finding {
        self.finding_in(path, 0..0, message)
    }

    /// A finding at `span` of the file at `path`.
    pub fn finding_in(&self, path: &str, span: Span, message: impl Into<String>) -> Finding {
        Finding::new(self.rule_id, self.severity, path, span, message)
    }
}

/// Every check kind, by the name rules use in `check:`.
pub fn lookup(kind: &str) -> Option<Factory> {
    all_kinds().find(|(name, _)| *name == kind).map(|(_, factory)| *factory)
}

/// Names of every check kind, for "did you mean".
pub fn kind_names() -> Vec<&'static str> {
    all_kinds().map(|(name, _)| *name).collect()
}

fn all_kinds() -> impl Iterator<Item = &'static (&'static str, Factory)> {
    promotion::KINDS.iter().chain(prose::KINDS).chain(handbook::KINDS)
}

/// Deserialises a rule's options into a check's typed options, rejecting unknown keys.
pub fn parse_options<T: serde::de::DeserializeOwned>(options: &RuleOptions) -> Result<T, String> {
    let map: serde_json::Map<String, serde_json::Value> = options.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
}
