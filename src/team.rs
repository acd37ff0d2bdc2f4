//! The team file: who manages whom, so a DRI strategy can name "the manager's manager" without
//! every promotion document spelling it out. YAML mapping a username to its manager's username.

use crate::outcome::Coverage;
use miette::{NamedSource, SourceSpan};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Default, Clone)]
pub struct Team {
    managers: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(
    code(promolint::team::invalid),
    help("the team file maps each username to its manager's username, e.g. `jdoe: msmith`")
)]
pub struct TeamError {
    path: String,
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: Option<SourceSpan>,
}

impl Team {
    pub fn load(path: &Path) -> Result<Team, TeamError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TeamError {
            path: name.clone(),
            message: format!("cannot read the team file: {e}"),
            src: NamedSource::new(name.clone(), String::new()),
            span: None,
        })?;
        Team::parse(&name, &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Team, TeamError> {
        let managers: BTreeMap<String, String> = crate::yaml::from_str(text).map_err(|e| TeamError {
            path: name.to_string(),
            message: e.message,
            src: NamedSource::new(name, text.to_string()),
            span: e.offset.map(|o| SourceSpan::new(o.into(), 1)),
        })?;
        let managers = managers
            .into_iter()
            .map(|(k, v)| (strip(&k), strip(&v)))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .collect();
        Ok(Team { managers })
    }

    pub fn manager_of(&self, user: &str) -> Option<&str> {
        self.managers.get(&strip(user)).map(String::as_str)
    }
}

fn strip(user: &str) -> String {
    user.trim().trim_start_matches('@').to_string()
}

/// The usernames the rules name as reviewers for the promotion documents of a run, in order and
/// without repeats: front matter fields first, then the team file's answer.
pub fn dri_candidates(coverage: &[Coverage], team: &Team) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in coverage {
        let from_team = c.dri_manager_of.as_deref().and_then(|u| team.manager_of(u)).map(str::to_string);
        for user in c.dri_candidates.iter().cloned().chain(from_team) {
            if !out.contains(&user) {
                out.push(user);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(candidates: &[&str], manager_of: Option<&str>) -> Coverage {
        Coverage {
            path: "p.md".into(),
            candidate: Some("jdoe".into()),
            manager: Some("msmith".into()),
            current_role: None,
            target_role: "Staff Support Engineer".into(),
            rows: Vec::new(),
            dri_candidates: candidates.iter().map(|s| s.to_string()).collect(),
            dri_manager_of: manager_of.map(str::to_string),
        }
    }

    #[test]
    fn front_matter_first_then_team_file() {
        let team = Team::parse("team.yml", "msmith: '@adirector'\njdoe: msmith\n").unwrap();
        assert_eq!(team.manager_of("@msmith"), Some("adirector"));
        let c = [coverage(&["skip"], Some("msmith")), coverage(&[], Some("msmith"))];
        assert_eq!(dri_candidates(&c, &team), vec!["skip", "adirector"]);
        assert_eq!(dri_candidates(&[coverage(&[], Some("nobody"))], &team), Vec::<String>::new());
        assert!(Team::parse("team.yml", "- not a map\n").is_err());
    }
}
