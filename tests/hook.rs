//! The pre-push hook installer, in throwaway git repositories.

#![cfg(unix)]

use promolint::hook::{CHAINED_NAME, HookError, MARKER, install};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs")
}

fn repo() -> TempDir {
    let dir = TempDir::new().unwrap();
    let out = git(dir.path(), &["init", "-q", "-b", "main"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn write_script(path: &Path, body: &str) {
    fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in for the promolint binary that logs its arguments and exits with `status`.
fn fake_promolint(dir: &Path, log: &Path, status: i32) -> PathBuf {
    let path = dir.join("fake-promolint");
    write_script(&path, &format!("echo \"promolint $*\" >> '{}'\nexit {status}", log.display()));
    path
}

/// Runs a hook as git would: arguments remote name and URL, the refs on standard input.
fn run_hook(hook: &Path, promolint: &Path, stdin: &str) -> std::process::ExitStatus {
    use std::io::Write;
    let mut command = Command::new(hook);
    command.args(["origin", "git@example.invalid:g/p.git"]).env("PROMOLINT", promolint).stdin(Stdio::piped());
    // Another test's thread may fork while this script is still open for writing, and the child
    // holds it open until it execs: exec then fails with "text file busy" (ETXTBSY) for a moment.
    let mut tries = 0;
    let mut child = loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.unwrap(),
        }
    };
    // A hook that does not read its standard input may exit before we finish writing to it.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing the hook's input: {e}");
    }
    child.wait().unwrap()
}

#[test]
fn installs_an_executable_hook_that_runs_check_changed() {
    let repo = repo();
    let hook = install(repo.path(), false, false).unwrap();
    assert_eq!(hook, repo.path().join(".git/hooks/pre-push"));
    let mode = fs::metadata(&hook).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "not executable: {mode:o}");
    assert!(fs::read_to_string(&hook).unwrap().contains(MARKER));

    let log = repo.path().join("log");
    let fake = fake_promolint(repo.path(), &log, 0);
    assert!(run_hook(&hook, &fake, "refs/heads/main abc refs/heads/main def\n").success());
    assert_eq!(fs::read_to_string(&log).unwrap(), "promolint check --changed\n");

    // The hook's status is promolint's: a failing check stops the push.
    let failing = fake_promolint(repo.path(), &log, 1);
    assert!(!run_hook(&hook, &failing, "").success());

    // Reinstalling over our own hook needs no --force.
    install(repo.path(), false, false).unwrap();
}

#[test]
fn a_missing_binary_fails_the_push_with_a_message() {
    let repo = repo();
    let hook = install(repo.path(), false, false).unwrap();
    let output =
        Command::new(&hook).env("PROMOLINT", repo.path().join("no-such-binary")).stdin(Stdio::null()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-verify"));
}

#[test]
fn refuses_to_overwrite_a_foreign_hook_unless_forced() {
    let repo = repo();
    let hook = repo.path().join(".git/hooks/pre-push");
    write_script(&hook, "echo mine");
    let err = install(repo.path(), false, false).unwrap_err();
    assert!(matches!(err, HookError::Exists { ref path } if *path == hook), "{err:?}");
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho mine\n");

    install(repo.path(), true, false).unwrap();
    assert!(fs::read_to_string(&hook).unwrap().contains(MARKER));
    assert!(!repo.path().join(".git/hooks").join(CHAINED_NAME).exists());
}

#[test]
fn chaining_keeps_the_old_hook_and_runs_it_first() {
    let repo = repo();
    let hooks = repo.path().join(".git/hooks");
    let log = repo.path().join("log");
    let old = hooks.join("pre-push");
    // The old hook records its arguments and the refs it read, then succeeds or fails on demand.
    write_script(
        &old,
        &format!(
            "echo \"local $*\" >> '{log}'\ncat >> '{log}'\n[ ! -e '{stop}' ]",
            log = log.display(),
            stop = repo.path().join("stop").display()
        ),
    );

    let hook = install(repo.path(), false, true).unwrap();
    let chained = hooks.join(CHAINED_NAME);
    assert!(fs::read_to_string(&chained).unwrap().contains("echo \"local"));
    assert!(fs::read_to_string(&hook).unwrap().contains(MARKER));

    let fake = fake_promolint(repo.path(), &log, 0);
    assert!(run_hook(&hook, &fake, "refs/heads/main 1 refs/heads/main 2\n").success());
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        "local origin git@example.invalid:g/p.git\nrefs/heads/main 1 refs/heads/main 2\npromolint check --changed\n"
    );

    // When the old hook fails, the push stops before promolint runs.
    fs::write(&log, "").unwrap();
    fs::write(repo.path().join("stop"), "").unwrap();
    assert!(!run_hook(&hook, &fake, "x\n").success());
    assert!(!fs::read_to_string(&log).unwrap().contains("promolint"));

    // A second foreign hook cannot be chained over the first one.
    write_script(&hook, "echo another");
    let err = install(repo.path(), false, true).unwrap_err();
    assert!(matches!(err, HookError::ChainTargetExists { .. }), "{err:?}");
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho another\n");
}

#[test]
fn respects_core_hooks_path() {
    let repo = repo();
    assert!(git(repo.path(), &["config", "core.hooksPath", ".githooks"]).status.success());
    let hook = install(repo.path(), false, false).unwrap();
    assert_eq!(fs::canonicalize(&hook).unwrap(), fs::canonicalize(repo.path().join(".githooks/pre-push")).unwrap());

    // From a subdirectory the relative hooks path still resolves against the work tree.
    fs::create_dir(repo.path().join("sub")).unwrap();
    let again = install(&repo.path().join("sub"), false, false).unwrap();
    assert_eq!(fs::canonicalize(again).unwrap(), fs::canonicalize(&hook).unwrap());
}

#[test]
fn outside_a_repository_is_an_error() {
    let dir = TempDir::new().unwrap();
    // GIT_CEILING_DIRECTORIES is not settable per call through install(), so only assert when the
    // temp dir is not itself inside some repository.
    if git(dir.path(), &["rev-parse", "--git-dir"]).status.success() {
        eprintln!("skipping: the temp dir is inside a git repository");
        return;
    }
    let err = install(dir.path(), false, false).unwrap_err();
    assert!(matches!(err, HookError::NotARepository { .. }), "{err:?}");
}

#[test]
fn git_push_runs_the_hook() {
    let remote = TempDir::new().unwrap();
    assert!(git(remote.path(), &["init", "-q", "--bare"]).status.success());
    let repo = repo();
    fs::write(repo.path().join("page.md"), "# Page\n").unwrap();
    assert!(git(repo.path(), &["add", "page.md"]).status.success());
    assert!(git(repo.path(), &["commit", "-q", "-m", "page"]).status.success());
    let remote_path = remote.path().to_str().unwrap();
    assert!(git(repo.path(), &["remote", "add", "origin", remote_path]).status.success());
    install(repo.path(), false, false).unwrap();

    let log = repo.path().join("log");
    let fake = fake_promolint(repo.path(), &log, 1);
    let push = |promolint: &Path| {
        Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(["push", "-q", "origin", "main"])
            .env("PROMOLINT", promolint)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap()
    };
    assert!(!push(&fake).status.success(), "a failing check must stop the push");
    assert_eq!(fs::read_to_string(&log).unwrap(), "promolint check --changed\n");
    let passing = repo.path().join("passing");
    write_script(&passing, "exit 0");
    let out = push(&passing);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
