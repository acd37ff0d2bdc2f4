//! The few git questions promolint asks: where the top level is, and what changed since the
//! merge-base with the default branch (renames and deletes included).

use miette::{Result, miette};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Default)]
pub struct GitDiff {
    /// Added, modified and renamed-to paths.
    pub changed: Vec<String>,
    pub renamed: Vec<(String, String)>,
    pub deleted: Vec<String>,
    /// Contents at the merge-base of renamed and deleted files.
    pub old_contents: Vec<(String, String)>,
}

pub fn toplevel() -> Option<PathBuf> {
    let out = Command::new("git").args(["rev-parse", "--show-toplevel"]).output().ok()?;
    out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn git(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| miette!(help = "install git, or lint paths without --changed", "cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(miette!(
            help = "pass --base REF naming a branch or commit that exists (fetch it first in CI)",
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The default branch of `origin`, or `main`/`master` when there is no remote HEAD.
pub fn default_base(root: &Path) -> Result<String> {
    if let Ok(head) = git(root, &["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]) {
        let head = head.trim();
        if let Some(branch) = head.strip_prefix("refs/remotes/") {
            return Ok(branch.to_string());
        }
    }
    for candidate in ["origin/main", "origin/master", "main", "master"] {
        if git(root, &["rev-parse", "--verify", "--quiet", candidate]).is_ok() {
            return Ok(candidate.to_string());
        }
    }
    Err(miette!(help = "pass --base REF", "cannot find the default branch to compare with"))
}

/// Files changed between the merge-base of `base` and HEAD and the working tree.
pub fn changed_since(root: &Path, base: Option<&str>) -> Result<GitDiff> {
    let base = match base {
        Some(b) => b.to_string(),
        None => default_base(root)?,
    };
    let merge_base = git(root, &["merge-base", &base, "HEAD"])?.trim().to_string();
    let raw = git(root, &["diff", "--name-status", "--find-renames", "-z", &merge_base])?;
    let mut diff = parse_name_status(&raw);
    let untracked = git(root, &["ls-files", "--others", "--exclude-standard", "-z"]).unwrap_or_default();
    diff.changed.extend(untracked.split('\0').filter(|s| !s.is_empty()).map(str::to_string));
    diff.changed.sort();
    diff.changed.dedup();
    let old_paths: Vec<String> =
        diff.renamed.iter().map(|(old, _)| old.clone()).chain(diff.deleted.iter().cloned()).collect();
    for old in old_paths {
        if let Ok(text) = git(root, &["show", &format!("{merge_base}:{old}")]) {
            diff.old_contents.push((old, text));
        }
    }
    Ok(diff)
}

/// Parses `git diff --name-status -z` output.
pub fn parse_name_status(raw: &str) -> GitDiff {
    let mut diff = GitDiff::default();
    let mut fields = raw.split('\0').filter(|s| !s.is_empty());
    while let Some(status) = fields.next() {
        match status.chars().next() {
            Some('R') | Some('C') => {
                let (Some(old), Some(new)) = (fields.next(), fields.next()) else { break };
                if status.starts_with('R') {
                    diff.renamed.push((old.to_string(), new.to_string()));
                }
                diff.changed.push(new.to_string());
            }
            Some('D') => {
                if let Some(path) = fields.next() {
                    diff.deleted.push(path.to_string());
                }
            }
            Some(_) => {
                if let Some(path) = fields.next() {
                    diff.changed.push(path.to_string());
                }
            }
            None => {}
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_renames_and_deletes() {
        let d = parse_name_status("M\0a.md\0R087\0old.md\0new.md\0D\0gone.md\0A\0b.md\0");
        assert_eq!(d.changed, vec!["a.md", "new.md", "b.md"]);
        assert_eq!(d.renamed, vec![("old.md".to_string(), "new.md".to_string())]);
        assert_eq!(d.deleted, vec!["gone.md"]);
    }
}
