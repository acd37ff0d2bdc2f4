//! Bad input never panics or hangs: symlink loops, alias cycles, broken front matter, unreadable
//! and non-UTF-8 files, odd link encodings, include paths that leave `assets/`.

use promolint::document::{DocKind, Document};
use promolint::handbook::{Site, Target};
use promolint::rules::model::HandbookDef;
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &[u8]) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/a.md", b"---\ntitle: A\n---\n");
    std::os::unix::fs::symlink(root.join("content/handbook"), root.join("content/handbook/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("content/handbook/self"), root.join("content/handbook/self")).unwrap();
    let site = Site::build(root, &HandbookDef::default(), std::iter::empty()).unwrap();
    assert!(site.page_of("content/handbook/a.md").is_some());
    assert!(site.pages().iter().all(|p| !p.path.contains("loop")));
}

#[test]
fn alias_cycles_and_collisions_resolve_to_real_pages() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/a.md", b"---\ntitle: A\naliases: [/handbook/b/, /handbook/c/]\n---\n## In A\n");
    write(root, "content/handbook/b.md", b"---\ntitle: B\naliases: [/handbook/a/]\n---\n## In B\n");
    let site = Site::build(root, &HandbookDef::default(), std::iter::empty()).unwrap();
    let a = site.page_of("content/handbook/a.md").unwrap();
    let b = site.page_of("content/handbook/b.md").unwrap();
    // A real page wins over an alias with its URL; the alias that names nothing else works.
    assert_eq!(site.page_at_url("/handbook/a/"), Some(a));
    assert_eq!(site.page_at_url("/handbook/b/"), Some(b));
    assert_eq!(site.page_at_url("/handbook/c"), Some(a));
    assert_eq!(site.resolve(b, "/handbook/c/#in-a"), Target::Page { page: a, fragment: Some("in-a".into()) });
}

#[test]
fn broken_front_matter_and_odd_bytes_are_indexed_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/broken.md", b"---\ntitle: [unclosed\naliases: {\n---\n## Still a page\n");
    write(root, "content/handbook/unclosed.md", b"---\ntitle: x\naliases:\n - /handbook/u/\n");
    write(root, "content/handbook/latin1.md", b"---\ntitle: caf\xe9\n---\n## Caf\xe9 \xff\n");
    write(root, "content/handbook/empty.md", b"");
    write(
        root,
        "content/handbook/inc.md",
        b"{{% include \"../../../etc/passwd\" %}}\n{{% include \"\" %}}\n{{< include >}}\n## After\n",
    );
    let site = Site::build(root, &HandbookDef::default(), std::iter::empty()).unwrap();
    for p in ["broken", "unclosed", "latin1", "empty", "inc"] {
        let page = site.page_of(&format!("content/handbook/{p}.md")).unwrap_or_else(|| panic!("{p} not indexed"));
        let _ = site.ids(page);
    }
    let inc = site.page_of("content/handbook/inc.md").unwrap();
    assert!(site.ids(inc).unwrap().contains("after"));
    let broken = site.page_of("content/handbook/broken.md").unwrap();
    assert!(site.ids(broken).unwrap().contains("still-a-page"));
}

#[test]
fn odd_link_encodings_resolve_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/a.md", b"---\ntitle: A\n---\n## \xc3\x9cber uns\n");
    let site = Site::build(root, &HandbookDef::default(), std::iter::empty()).unwrap();
    let a = site.page_of("content/handbook/a.md").unwrap();
    let odd = [
        "%",
        "%%",
        "%e2%82",
        "a%00b",
        "?",
        "#",
        "?q=1",
        "../../../../../../../../etc/passwd",
        "\u{202e}x",
        "a b",
        ":",
        "//",
        "///x",
        "\\",
        "#%ZZ",
        "sibling.md#%C3%BCber-uns",
        "x?#",
        "\u{1F600}/",
        &"a/".repeat(5000),
    ];
    for dest in odd {
        let _ = site.resolve(a, dest);
        let _ = site.resolve_html(a, dest);
    }
    assert_eq!(site.resolve(a, "#%C3%BCber-uns"), Target::Page { page: a, fragment: Some("über-uns".into()) });
    assert!(site.has_id(a, "über-uns"));
    assert!(matches!(site.resolve(a, "?tab=2"), Target::Page { page, fragment: None } if page == a));
}

#[cfg(unix)]
#[test]
fn unreadable_pages_are_skipped_with_a_reason() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/secret.md", b"---\ntitle: S\naliases: [/handbook/s/]\n---\n");
    let path = root.join("content/handbook/secret.md");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        eprintln!("skipping: running as a user who can read mode-000 files (root)");
        return;
    }
    let site = Site::build(root, &HandbookDef::default(), std::iter::empty()).unwrap();
    assert!(site.skipped().iter().any(|s| s.path == "content/handbook/secret.md" && s.reason.contains("cannot read")));
    let page = site.page_of("content/handbook/secret.md").unwrap();
    assert!(site.ids(page).is_err_and(|e| e.contains("secret.md") && e.contains("cannot read")));
}

#[test]
fn a_page_gone_before_its_anchors_are_checked_is_said_not_called_broken() {
    use promolint::changes::ChangeSet;
    use promolint::checks::{CheckContext, LinkedPage, lookup};
    use promolint::diagnostic::Severity;
    use promolint::document::PageLinks;
    use promolint::rules::RuleSet;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "content/handbook/from.md",
        b"---\ntitle: F\n---\nSee [there](gone.md#part) and [here](#top).\n# Top\n",
    );
    write(root, "content/handbook/gone.md", b"---\ntitle: G\n---\n## Part\n");
    let from = Document::parse(
        "content/handbook/from.md",
        DocKind::Handbook,
        fs::read_to_string(root.join("content/handbook/from.md")).unwrap(),
    );
    // `gone.md` is indexed but not parsed: its ids are read when a link needs them, and by then
    // it is gone.
    let site = Site::build(root, &HandbookDef::default(), [&from]).unwrap();
    fs::remove_file(root.join("content/handbook/gone.md")).unwrap();
    let gone = site.page_of("content/handbook/gone.md").unwrap();
    assert!(site.ids(gone).is_err_and(|e| e.contains("gone.md")));
    let rules = RuleSet::default();
    let check = lookup("broken-anchor").unwrap()(&Default::default()).unwrap();
    let ctx = CheckContext {
        rule_id: "broken-anchor",
        severity: Severity::Error,
        rules: &rules,
        site: Some(&site),
        change: &ChangeSet::default(),
    };
    let links = PageLinks::of(&from, &|_| true);
    let mut out = Vec::new();
    check.check_links(&LinkedPage::new(&links), &ctx, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].rule, "unreadable-file");
    assert!(out[0].message.contains("#part") && out[0].message.contains("gone.md"), "{}", out[0].message);
}

#[test]
fn a_bad_exclusion_pattern_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let handbook = HandbookDef { exclude_links: vec!["^/handbook/(".into()], ..HandbookDef::default() };
    let err = Site::build(dir.path(), &handbook, std::iter::empty()).unwrap_err();
    assert!(err.to_string().contains("^/handbook/("), "{err}");
}

#[test]
fn documents_handed_in_are_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "content/handbook/a.md", b"---\ntitle: On disk\n---\n## Disk heading\n");
    // The caller's parsed text wins over the file: nothing is read twice.
    let doc =
        Document::parse("content/handbook/a.md", DocKind::Handbook, "---\ntitle: A\n---\n## Parsed heading\n".into());
    let site = Site::build(root, &HandbookDef::default(), [&doc]).unwrap();
    let a = site.page_of("content/handbook/a.md").unwrap();
    assert!(site.has_id(a, "parsed-heading"));
    assert!(!site.has_id(a, "disk-heading"));
}
