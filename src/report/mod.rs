//! Output formats. Each renderer reads a [`LintOutcome`] and returns text; none runs checks.

pub mod human;
pub mod json;

use crate::outcome::LintOutcome;
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
}

pub fn render(format: Format, outcome: &LintOutcome, ctx: &RenderContext<'_>) -> String {
    match format {
        Format::Human => human::render(outcome, ctx),
        Format::Json => json::render(outcome, ctx),
        Format::Codequality | Format::Sarif | Format::Junit => json::render(outcome, ctx),
    }
}
