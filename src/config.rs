//! `.promolint.yml`: which files are promotion documents and handbook pages, extra rules
//! directories, per-rule severities, limits and the MR settings. Unknown keys are errors.

use crate::rules::SeverityOverride;
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const FILE_NAME: &str = ".promolint.yml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Globs (relative to the repository root) of promotion documents.
    #[serde(default = "default_promotions")]
    pub promotions: Vec<String>,
    /// Globs of handbook pages.
    #[serde(default = "default_handbook")]
    pub handbook: Vec<String>,
    /// Globs never linted.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Rules directories added after the built-in rules (and `rules/` at the root if present).
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Per-rule severity, or `off`.
    #[serde(default)]
    pub severity: BTreeMap<String, SeverityOverride>,
    /// Prose words a promotion document may have (overrides the rules).
    #[serde(default)]
    pub max_words: Option<usize>,
    /// Where CODEOWNERS is, relative to the root.
    #[serde(default)]
    pub codeowners: Option<PathBuf>,
    /// A YAML file mapping usernames to their managers, for DRI strategies.
    #[serde(default)]
    pub team_file: Option<PathBuf>,
    #[serde(default)]
    pub labels: Labels,
    /// Files larger than this many bytes are reported and skipped.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
    /// Bytes of links and heading ids a run keeps in memory for the cross-page checks; the rest
    /// go to a temporary file until they are checked.
    #[serde(default = "default_link_memory_bytes")]
    pub link_memory_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    #[serde(default = "default_passed")]
    pub passed: String,
    #[serde(default = "default_changes")]
    pub changes_requested: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels { passed: default_passed(), changes_requested: default_changes() }
    }
}

fn default_passed() -> String {
    "promolint::passed".into()
}
fn default_changes() -> String {
    "promolint::changes-requested".into()
}
fn default_promotions() -> Vec<String> {
    vec!["promotions/**/*.md".into()]
}
fn default_handbook() -> Vec<String> {
    vec!["content/**/*.md".into()]
}
fn default_max_file_bytes() -> u64 {
    32 * 1024 * 1024
}
/// Twice or so what the whole handbook holds at once (its links and ids take under 5 MB with the
/// room their buffers have spare), so that it never writes to disk; a larger run holds this much
/// only until it first writes (see `document::links::Spill`).
fn default_link_memory_bytes() -> u64 {
    6 * 1024 * 1024
}

impl Default for Config {
    fn default() -> Self {
        Config {
            promotions: default_promotions(),
            handbook: default_handbook(),
            exclude: Vec::new(),
            rules: Vec::new(),
            severity: BTreeMap::new(),
            max_words: None,
            codeowners: None,
            team_file: None,
            labels: Labels::default(),
            max_file_bytes: default_max_file_bytes(),
            link_memory_bytes: default_link_memory_bytes(),
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    #[diagnostic(code(promolint::config::invalid))]
    Invalid {
        path: String,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: Option<SourceSpan>,
        #[help]
        help: Option<String>,
    },
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(promolint::config::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Config {
    /// Reads `path`, or `.promolint.yml` at `root` when it exists, or the defaults.
    pub fn discover(root: &Path, path: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => {
                let p = root.join(FILE_NAME);
                if !p.exists() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        Config::parse(&path.display().to_string(), &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        crate::yaml::from_str(text).map_err(|e| {
            let span = e.offset.map(|o| crate::yaml::label_span(text, o));
            let help = crate::rules::unknown_field_hint(&e.message);
            ConfigError::Invalid {
                path: name.to_string(),
                message: e.message,
                src: NamedSource::new(name, text.to_string()),
                span,
                help,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        let c = Config::default();
        assert_eq!(c.promotions, vec!["promotions/**/*.md"]);
        let err = Config::parse("c.yml", "promotion:\n  - x\n").unwrap_err();
        let ConfigError::Invalid { help, .. } = err else { panic!("expected invalid") };
        assert_eq!(help.as_deref(), Some("did you mean `promotions`?"));
    }
}
