//! The CODEOWNERS parser on the real handbook file (read at test time from ../shared/corpus).

use promolint::gitlab::codeowners::{Codeowners, Owner};
use std::path::PathBuf;

fn real_file() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/handbook/.gitlab/CODEOWNERS");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            println!("skipped: {} is not readable ({e})", path.display());
            None
        }
    }
}

#[test]
fn parses_the_handbook_codeowners() {
    let Some(text) = real_file() else { return };
    assert_eq!(text.lines().count(), 768, "the test expects the 768-line file");
    let co = Codeowners::parse(&text);
    // 57 section headers with 57 distinct names (case-insensitively); every entry is under one.
    let named: Vec<&str> = co.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(named.len(), 57, "{named:?}");
    assert!(!named.contains(&"codeowners"), "no entry before the first header");
    assert!(co.errors.is_empty(), "{:#?}", co.errors);
    let handbook = co.sections.iter().find(|s| s.name == "handbook").expect("[handbook]");
    assert!(handbook.optional);
    let entries: usize = co.sections.iter().map(|s| s.entries.len()).sum();
    let pattern_lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('[') && !l.starts_with("^["))
        .count();
    assert_eq!(entries, pattern_lines, "every pattern line is an entry");
}

#[test]
fn owners_of_real_paths_follow_last_match_per_section() {
    let Some(text) = real_file() else { return };
    let co = Codeowners::parse(&text);
    // In [handbook], `/content/` and then a more specific `/content/handbook/about/` line: the
    // later, more specific pattern wins for a page under it.
    let about = co.owners_for("content/handbook/about/some-page.md");
    let hb = about.iter().find(|m| m.section == "handbook").expect("handbook section matches");
    assert_eq!(hb.owners, [Owner::Group("gitlab-com/content-sites".into())]);
    assert_eq!(hb.line, 27);
    let usage = co.owners_for("content/handbook/about/handbook-usage.md");
    let hb = usage.iter().find(|m| m.section == "handbook").expect("handbook section matches");
    // `/content/handbook/about/` comes after the handbook-usage line, so it wins there too.
    assert_eq!(hb.line, 27);
    let other = co.owners_for("content/totally/new/page.md");
    let hb = other.iter().find(|m| m.section == "handbook").expect("handbook section matches");
    assert_eq!(hb.line, 25);
    assert!(hb.owners.contains(&Owner::User("bill_staples".into())));
    assert!(hb.owners.contains(&Owner::Group("gitlab-com/egroup".into())));
    // The job-families line sits after the `^[handbook]` header, so it belongs to that section
    // (whatever its comment hopes); the engineering section adds its own owners.
    let jf = co.owners_for("content/job-families/engineering/x.md");
    let hb = jf.iter().find(|m| m.section == "handbook").expect("handbook section matches");
    assert_eq!(hb.line, 30);
    assert!(hb.owners.contains(&Owner::User("glucchesi".into())));
    let eng = jf.iter().find(|m| m.section == "engineering").expect("engineering section matches");
    assert_eq!(eng.line, 96);
    assert!(eng.optional);
}
