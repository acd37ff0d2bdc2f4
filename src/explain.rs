//! `rules list`, `rules show` and `explain`, generated from the rules' own documentation.

use crate::rules::{RuleSet, did_you_mean};
use std::fmt::Write;

pub fn list(rules: &RuleSet) -> String {
    let width = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(10);
    let mut out = String::new();
    for r in &rules.rules {
        let severity = if r.enabled { r.severity.as_str() } else { "off" };
        let applies = format!("{:?}", r.applies_to).to_lowercase();
        let _ = writeln!(out, "{:<width$}  {:<7}  {:<9}  {}", r.id, severity, applies, r.summary);
    }
    if !rules.roles.is_empty() {
        let _ = writeln!(out, "\nRoles:");
        for role in &rules.roles {
            let framework = if role.competencies.is_empty() {
                "career graph only".to_string()
            } else {
                format!("{} competencies", role.competencies.len())
            };
            let _ = writeln!(out, "  {} ({framework}) — {}", role.name, role.source);
        }
    }
    out
}

pub fn show(rules: &RuleSet, id: &str) -> Result<String, String> {
    let r = find(rules, id)?;
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.id);
    let _ = writeln!(out, "  summary:    {}", r.summary);
    let _ = writeln!(out, "  severity:   {}", if r.enabled { r.severity.as_str() } else { "off" });
    let _ = writeln!(out, "  applies to: {}", format!("{:?}", r.applies_to).to_lowercase());
    let _ = writeln!(out, "  check kind: {}", r.kind);
    let _ = writeln!(out, "  defined in: {}", r.origin);
    if let Some(source) = &r.source {
        let _ = writeln!(out, "  source:     {source}");
    }
    Ok(out)
}

pub fn explain(rules: &RuleSet, id: &str) -> Result<String, String> {
    let r = find(rules, id)?;
    let mut out = String::new();
    let _ = writeln!(out, "# {} ({})\n", r.id, if r.enabled { r.severity.as_str() } else { "off" });
    let _ = writeln!(out, "## What it does\n\n{}\n", r.summary);
    if !r.why.is_empty() {
        let _ = writeln!(out, "## Why\n\n{}\n", r.why.trim());
    }
    if let Some(bad) = &r.bad {
        let _ = writeln!(out, "## Example\n\nFlagged:\n\n{}\n", indent(bad));
    }
    if let Some(good) = &r.good {
        let _ = writeln!(out, "Passes:\n\n{}\n", indent(good));
    }
    if let Some(fix) = &r.fix {
        let _ = writeln!(out, "## How to fix\n\n{}\n", fix.trim());
    }
    let _ = writeln!(
        out,
        "## Suppressing\n\n    <!-- promolint-disable-next-line {id} -->\n\nor in front matter:\n\n    promolint:\n      waive:\n        {id}: \"why it does not apply\"\n",
        id = r.id
    );
    if let Some(source) = &r.source {
        let _ = writeln!(out, "Source: {source}");
    }
    Ok(out)
}

fn find<'a>(rules: &'a RuleSet, id: &str) -> Result<&'a crate::rules::CompiledRule, String> {
    rules.rule(id).ok_or_else(|| {
        let hint = did_you_mean(id, rules.rules.iter().map(|r| r.id.as_str()))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| "; see `promolint rules list`".to_string());
        format!("no rule `{id}`{hint}")
    })
}

fn indent(text: &str) -> String {
    text.trim_end().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}
