//! Link findings come from a second pass, after each page's parsed document is gone: they must
//! still carry the right line and column, show their source line, and obey the page's inline
//! suppressions and front-matter waivers.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn promolint() -> Command {
    let mut cmd = Command::cargo_bin("promolint").expect("binary built");
    cmd.env_remove("CI_PROJECT_DIR").env_remove("CI_NODE_INDEX").env_remove("CI_NODE_TOTAL").env("NO_COLOR", "1");
    cmd
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A site whose `links.md` has only link findings (no finding from the first pass).
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/_index.md", "---\ntitle: Handbook\n---\n# Handbook\n");
    write(root, "content/handbook/team.md", "---\ntitle: Team\n---\n# Team\n\n## On call\n");
    write(
        root,
        "content/handbook/links.md",
        "---\ntitle: Links\n---\n# Links\n\nGood: [team](team.md#on-call).\n\nSee   [gone](missing.md) here.\n\n\
         <!-- promolint-disable-next-line broken-anchor -->\nHidden: [anchor](team.md#nowhere).\n\n\
         Shown: [anchor](team.md#nowhere).\n",
    );
    write(
        root,
        "content/handbook/waived.md",
        "---\ntitle: Waived\npromolint:\n  waive:\n    broken-link: \"the target lands next week\"\n---\n# W\n\n[gone](missing.md)\n",
    );
    dir
}

fn findings(root: &Path) -> Vec<Value> {
    let out = promolint().args(["check", "--format", "json", "--root"]).arg(root).assert().code(1);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

#[test]
fn link_findings_have_positions_and_obey_suppressions_and_waivers() {
    let dir = site();
    let got: Vec<(String, String, u64, u64)> = findings(dir.path())
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("broken-link".to_string(), "content/handbook/links.md".to_string(), 8, 7),
            ("broken-anchor".to_string(), "content/handbook/links.md".to_string(), 13, 8),
        ],
        "the suppressed anchor and the waived page must not be reported"
    );
}

#[test]
fn links_kept_in_a_temporary_file_give_the_same_findings() {
    let dir = site();
    let in_memory = findings(dir.path());
    write(dir.path(), ".promolint.yml", "link_memory_bytes: 0\n");
    let out = promolint().args(["check", "--timings", "--format", "json", "--root"]).arg(dir.path()).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("of links and heading ids waited in a temporary file"),
        "the links did not go to the file:\n{err}"
    );
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap(), &in_memory);
    assert_eq!(in_memory.len(), 2);
}

/// KB of links and heading ids the run wrote to its temporary file, from `--timings`.
fn spilled_kb(root: &Path) -> (u64, Vec<Value>) {
    let out = promolint().args(["check", "--timings", "--format", "json", "--root"]).arg(root).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let kb = err
        .lines()
        .find(|l| l.contains("of links and heading ids waited in a temporary file"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    (kb, v["findings"].as_array().unwrap().clone())
}

#[test]
fn a_run_that_spills_writes_all_its_links_out() {
    let dir = site();
    for i in 0..300 {
        let links: String = (0..8).map(|j| format!("[p{j}](page-{j}.md#part-{i}) ")).collect();
        write(
            dir.path(),
            &format!("content/handbook/page-{i}.md"),
            &format!("---\ntitle: P{i}\n---\n# P{i}\n\n## Part {i}\n\n{links}\n"),
        );
    }
    let in_memory = findings(dir.path());
    write(dir.path(), ".promolint.yml", "link_memory_bytes: 0\n");
    let (all, at_once) = spilled_kb(dir.path());
    assert!(all >= 40, "the pages' links and ids take {all} KB: too few to tell");
    // Over a budget of 16 KB the run spills; what the budget would let stay in memory is written
    // out too, rather than held beside the site index until the end.
    write(dir.path(), ".promolint.yml", "link_memory_bytes: 16384\n");
    let (spilled, later) = spilled_kb(dir.path());
    assert_eq!(spilled, all, "a run that spilled kept some links in memory");
    assert_eq!(at_once, in_memory);
    assert_eq!(later, in_memory);
}

#[test]
fn links_stay_in_memory_when_no_temporary_file_can_be_made() {
    let dir = site();
    let in_memory = findings(dir.path());
    write(dir.path(), ".promolint.yml", "link_memory_bytes: 0\n");
    let out = promolint()
        .args(["check", "--timings", "--format", "json", "--root"])
        .arg(dir.path())
        .env("TMPDIR", dir.path().join("no-such-directory"))
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!err.contains("temporary file"), "{err}");
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap(), &in_memory);
}

#[test]
fn human_output_shows_the_source_line_of_a_link_finding() {
    let dir = site();
    let out = promolint().args(["check", "--root"]).arg(dir.path()).assert().code(1);
    let text = String::from_utf8_lossy(&out.get_output().stderr).to_string()
        + &String::from_utf8_lossy(&out.get_output().stdout);
    assert!(text.contains("See   [gone](missing.md) here."), "no snippet of the broken link in:\n{text}");
    assert!(text.contains("links.md:8:7"), "no position of the broken link in:\n{text}");
}

#[test]
fn timings_name_every_phase() {
    let dir = site();
    let out = promolint().args(["check", "--timings", "--format", "json", "--root"]).arg(dir.path()).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for phase in ["load configuration and rules", "discover", "parse and check files", "index the site", "check links"]
    {
        assert!(err.contains(phase), "`{phase}` missing from:\n{err}");
    }
    assert!(err.contains("in all (4 files)"), "{err}");
}

fn git(root: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `--changed` lints only the changed page, yet checks its anchors against pages outside the run
/// (read from disk on demand), and does not report what is wrong on unchanged pages.
#[test]
fn changed_pages_are_checked_against_the_whole_site() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    write(root, "content/handbook/_index.md", "---\ntitle: Handbook\n---\n# Handbook\n");
    write(root, "content/handbook/team.md", "---\ntitle: Team\n---\n# Team\n\n## On call {#rota}\n\n## Hiring\n");
    write(root, "content/handbook/old.md", "---\ntitle: Old\n---\n# Old\n\n[gone](nowhere.md)\n");
    write(root, "content/handbook/page.md", "---\ntitle: Page\n---\n# Page\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "site"]);
    git(root, &["checkout", "-q", "-b", "change"]);
    write(
        root,
        "content/handbook/page.md",
        "---\ntitle: Page\n---\n# Page\n\n[rota](team.md#rota) [hiring](team.md#hiring) [nope](team.md#on-call)\n",
    );
    git(root, &["commit", "-q", "-am", "links"]);

    let out = promolint()
        .current_dir(root)
        .args(["check", "--changed", "--base", "main", "--format", "json", "--root"])
        .arg(root)
        .assert()
        .code(1);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["files_checked"], 1, "{v}");
    let got: Vec<(&str, &str, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["path"].as_str().unwrap(), f["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, vec![("broken-anchor", "content/handbook/page.md", 47)], "{v}");
}

#[test]
fn a_directory_the_site_index_cannot_list_is_reported_once() {
    let dir = site();
    // Deeper than the index walks: a symlink trick or a mistake, and its pages are not indexed.
    let deep = (0..70).map(|_| "d").collect::<Vec<_>>().join("/");
    write(dir.path(), &format!("content/handbook/{deep}/page.md"), "---\ntitle: Deep\n---\n# Deep\n");
    let got = findings(dir.path());
    let unlisted: Vec<&Value> = got.iter().filter(|f| f["rule"] == "unreadable-file").collect();
    assert_eq!(unlisted.len(), 1, "{got:#?}");
    let path = unlisted[0]["path"].as_str().unwrap();
    assert!(path.starts_with("content/handbook/d/d/") && !path.ends_with(".md"), "{path}");
    assert!(unlisted[0]["message"].as_str().unwrap().contains("too deep"), "{:?}", unlisted[0]);
}

#[test]
fn a_page_of_repeated_headings_and_one_line_of_links_gets_every_number_and_column_right() {
    // Hostile in size, not in kind: thousands of headings with one text (numbered -1, -2, …) and
    // thousands of links on one line, each placed by its column in characters.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let n = 3_000;
    let mut page = String::from("---\ntitle: Many\n---\n");
    page.push_str(&"## Same\n\n".repeat(n));
    // The first heading is `same`, the others `same-1` to `same-2999`.
    for i in 1..n {
        page.push_str(&format!("é [x](#same-{i}) "));
    }
    page.push_str("ü [y](#same-3000) [z](#same)\n");
    write(root, "content/handbook/many.md", &page);
    let found = findings(root);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!((f["rule"].as_str(), f["line"].as_u64()), (Some("broken-anchor"), Some(4 + 2 * n as u64)));
    // The line before the broken link: 2,999 pieces of `é [x](#same-…) `, in characters.
    let before: usize = (1..n).map(|i| format!("é [x](#same-{i}) ").chars().count()).sum();
    assert_eq!(f["column"].as_u64(), Some((before + "ü ".chars().count() + 1) as u64));
}
