//! `promolint hook install`: a git pre-push hook that lints what the branch changed before it
//! leaves the laptop, the same check CI runs, so a push does not wait for a pipeline to fail.

use miette::Diagnostic;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use thiserror::Error;

/// The name of the hook file.
pub const HOOK_NAME: &str = "pre-push";
/// Where a hook that was already installed goes when promolint's is chained in front of it.
pub const CHAINED_NAME: &str = "pre-push.local";
/// A line in every hook promolint writes, so that reinstalling over our own hook needs no --force.
pub const MARKER: &str = "# promolint-managed-hook v1";

#[derive(Debug, Error, Diagnostic)]
pub enum HookError {
    #[error("could not run git in {dir}: {source}")]
    #[diagnostic(code(promolint::hook::git), help("install git and make sure it is on PATH"))]
    GitMissing {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{dir} is not inside a git repository ({stderr})")]
    #[diagnostic(code(promolint::hook::not_a_repository), help("run `promolint hook install` from inside your clone"))]
    NotARepository { dir: PathBuf, stderr: String },
    #[error("{path} already exists and was not written by promolint")]
    #[diagnostic(
        code(promolint::hook::exists),
        help("pass --chain to keep it and run it before promolint, or --force to replace it")
    )]
    Exists { path: PathBuf },
    #[error("cannot chain: {path} already exists")]
    #[diagnostic(
        code(promolint::hook::chain_exists),
        help("merge or remove that file first; promolint will not overwrite a hook it did not write")
    )]
    ChainTargetExists { path: PathBuf },
    #[error("could not write {path}: {source}")]
    #[diagnostic(code(promolint::hook::io))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Installs the pre-push hook in the repository containing `repo_root` and returns its path.
///
/// The hooks directory is git's own answer (`git rev-parse --git-path hooks`), so `core.hooksPath`
/// and linked worktrees are respected. An existing hook that promolint did not write is left alone
/// unless `force` (replace it) or `chain` (move it to `pre-push.local`, which the new hook runs
/// first with the same arguments and input, stopping the push if it fails).
pub fn install(repo_root: &Path, force: bool, chain: bool) -> Result<PathBuf, HookError> {
    let hooks_dir = hooks_dir(repo_root)?;
    fs::create_dir_all(&hooks_dir).map_err(|source| HookError::Io { path: hooks_dir.clone(), source })?;
    let hook = hooks_dir.join(HOOK_NAME);

    match fs::read(&hook) {
        Ok(existing) if is_ours(&existing) => {}
        Ok(_) if chain => {
            let chained = hooks_dir.join(CHAINED_NAME);
            if chained.exists() {
                return Err(HookError::ChainTargetExists { path: chained });
            }
            fs::rename(&hook, &chained).map_err(|source| HookError::Io { path: chained.clone(), source })?;
            make_executable(&chained)?;
        }
        Ok(_) if force => {}
        Ok(_) => return Err(HookError::Exists { path: hook }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(HookError::Io { path: hook, source }),
    }

    fs::write(&hook, hook_script()).map_err(|source| HookError::Io { path: hook.clone(), source })?;
    make_executable(&hook)?;
    Ok(hook)
}

/// The text of the hook. `PROMOLINT` overrides the binary, for a build that is not on PATH.
pub fn hook_script() -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
# Written by `promolint hook install`. Lints the Markdown this branch changed before it is pushed.
# Skip it once with `git push --no-verify`.
hooks_dir=$(dirname "$0")

# A hook that was here before promolint was chained in runs first, with git's arguments and the
# list of refs on standard input; if it fails the push stops there.
if [ -x "$hooks_dir/{CHAINED_NAME}" ]; then
    refs=$(mktemp) || exit 1
    cat > "$refs"
    "$hooks_dir/{CHAINED_NAME}" "$@" < "$refs"
    status=$?
    rm -f "$refs"
    [ "$status" -eq 0 ] || exit "$status"
fi

promolint=${{PROMOLINT:-promolint}}
if ! command -v "$promolint" >/dev/null 2>&1; then
    echo "promolint pre-push hook: '$promolint' not found; install it (cargo install --locked promolint), set PROMOLINT to its path, or push with --no-verify" >&2
    exit 1
fi
exec "$promolint" check --changed
"#
    )
}

/// The directory git runs hooks from for the repository at `repo_root`.
pub fn hooks_dir(repo_root: &Path) -> Result<PathBuf, HookError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo_root)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .map_err(|source| HookError::GitMissing { dir: repo_root.to_path_buf(), source })?;
    if !output.status.success() {
        return Err(HookError::NotARepository {
            dir: repo_root.to_path_buf(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let printed = String::from_utf8_lossy(&output.stdout).trim_end_matches(['\n', '\r']).to_string();
    // git prints the path relative to the directory it ran in unless it is absolute.
    Ok(repo_root.join(printed))
}

fn is_ours(contents: &[u8]) -> bool {
    String::from_utf8_lossy(contents).lines().any(|line| line.trim() == MARKER)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), HookError> {
    use std::os::unix::fs::PermissionsExt;
    let io_err = |source| HookError::Io { path: path.to_path_buf(), source };
    let mut permissions = fs::metadata(path).map_err(io_err)?.permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    fs::set_permissions(path, permissions).map_err(io_err)
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), HookError> {
    // Git for Windows runs hooks through its own sh and does not look at permission bits.
    Ok(())
}
