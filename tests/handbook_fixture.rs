//! The handbook checks over a small Hugo tree (fixtures/handbook/site) whose expected findings
//! were confirmed by building it with Hugo 0.151 (shared/tools/hugo-oracle).

use promolint::changes::ChangeSet;
use promolint::checks::{CheckContext, LinkedPage, lookup};
use promolint::diagnostic::{Finding, Severity};
use promolint::document::{DocKind, Document, PageLinks};
use promolint::handbook::{Site, Target, Unchecked};
use promolint::rules::RuleSet;
use std::path::{Path, PathBuf};

const RULES: [&str; 7] = [
    "missing-title",
    "misspelled-front-matter-key",
    "absolute-handbook-link",
    "broken-link",
    "broken-anchor",
    "heading-level-skip",
    "protected-page-moved",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/handbook/site")
}

fn rules() -> RuleSet {
    let mut rules = RuleSet::default();
    rules.handbook.known_keys = ["title", "description", "aliases", "weight", "draft", "build", "controlled_document"]
        .map(String::from)
        .to_vec();
    rules.handbook.protected_keys = vec!["controlled_document".into()];
    rules.handbook.protected_patterns = vec![r"(?i)not be moved without .*change management issue".into()];
    rules
}

fn md_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            md_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

fn parse_all(root: &Path) -> Vec<Document> {
    let mut paths = Vec::new();
    md_files(&root.join("content"), root, &mut paths);
    paths.sort();
    paths
        .iter()
        .map(|p| Document::parse(p, DocKind::Handbook, std::fs::read_to_string(root.join(p)).unwrap()))
        .collect()
}

fn run(docs: &[Document], site: &Site, rules: &RuleSet, change: &ChangeSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in RULES {
        let check = lookup(id).expect(id)(&Default::default()).expect(id);
        let ctx = CheckContext { rule_id: id, severity: Severity::Error, rules, site: Some(site), change };
        for doc in docs {
            check.check(doc, &ctx, &mut out);
            // Link checks see only the links they ask for, as in the engine's second pass.
            let links = PageLinks::of(doc, &|dest| check.wants_link(dest, rules));
            check.check_links(&LinkedPage::new(&links), &ctx, &mut out);
        }
        check.check_change(&ctx, &mut out);
    }
    out
}

fn line_of(docs: &[Document], f: &Finding) -> usize {
    docs.iter().find(|d| *d.path == *f.path).map_or(0, |d| d.source.lines.line_of(f.span.start))
}

#[test]
fn findings_match_the_built_site() {
    let root = fixture();
    let rules = rules();
    let docs = parse_all(&root);
    let site = Site::build(&root, &rules.handbook, docs.iter()).unwrap();
    let findings = run(&docs, &site, &rules, &ChangeSet::default());
    let mut got: Vec<(String, String, usize)> =
        findings.iter().map(|f| (f.rule.clone(), f.path.to_string(), line_of(&docs, f))).collect();
    got.sort();
    let page = "content/handbook/team/page.md";
    let front = "content/handbook/misc/front.md";
    let mut want: Vec<(String, String, usize)> = [
        // Confirmed by Hugo 0.151 (check-site.py over the built fixture).
        ("broken-anchor", page, 33),
        ("broken-anchor", page, 36),
        ("broken-anchor", page, 37),
        ("broken-link", page, 34),
        ("broken-link", page, 35),
        ("broken-link", page, 38),
        ("broken-link", page, 39),
        ("broken-link", page, 40),
        ("broken-link", page, 41),
        ("broken-link", page, 43),
        // Front matter, headings and absolute links.
        ("misspelled-front-matter-key", front, 2),
        ("misspelled-front-matter-key", front, 3),
        ("heading-level-skip", front, 10),
        ("absolute-handbook-link", front, 12),
        ("absolute-handbook-link", front, 13),
        ("missing-title", "content/handbook/misc/untitled.md", 1),
    ]
    .into_iter()
    .map(|(r, p, l)| (r.to_string(), p.to_string(), l))
    .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn messages_help_the_writer() {
    let root = fixture();
    let rules = rules();
    let docs = parse_all(&root);
    let site = Site::build(&root, &rules.handbook, docs.iter()).unwrap();
    let findings = run(&docs, &site, &rules, &ChangeSet::default());
    let find = |rule: &str, needle: &str| {
        findings
            .iter()
            .find(|f| f.rule == rule && f.message.contains(needle))
            .unwrap_or_else(|| panic!("no {rule} finding mentioning {needle}: {findings:#?}"))
    };
    assert_eq!(
        find("misspelled-front-matter-key", "Title").help.as_deref(),
        Some("did you mean `title`? Rename the key to `title`")
    );
    assert_eq!(find("misspelled-front-matter-key", "decription").help.as_deref(), Some("did you mean `description`?"));
    // One published page is named like the broken link's last segment: it is suggested.
    assert_eq!(find("broken-link", "`sibling//`").help.as_deref(), Some("did you mean `../sibling/`?"));
    assert_eq!(site.pages_named("sibling").len(), 1);
    assert!(site.pages_named("no-such-page").is_empty());
    let abs = find("absolute-handbook-link", "handbook.gitlab.com");
    assert!(abs.help.as_deref().unwrap().contains("`../../team/sibling/#custom-id`"), "{abs:?}");
    let anchor = find("broken-anchor", "nope");
    assert!(anchor.message.contains("/handbook/team/sibling/"), "{anchor:?}");
    let draft = find("broken-link", "../draft/");
    assert!(draft.message.contains("/handbook/team/draft/"), "{draft:?}");
}

#[test]
fn resolution_follows_getpage_then_the_browser() {
    let root = fixture();
    let rules = rules();
    let site = Site::build(&root, &rules.handbook, std::iter::empty()).unwrap();
    let page = site.page_of("content/handbook/team/page.md").unwrap();
    let url_of = |t: Target| match t {
        Target::Page { page, fragment } => format!("{}#{}", site.pages()[page].url(), fragment.unwrap_or_default()),
        other => format!("{other:?}"),
    };
    let cases = [
        ("sibling.md", "/handbook/team/sibling/#"),
        ("./sibling.md#custom-id", "/handbook/team/sibling/#custom-id"),
        ("sibling/", "/handbook/team/sibling/#"),
        ("../team/bundle/index.md#bundle-part", "/handbook/team/bundle/#bundle-part"),
        ("_index.md", "/handbook/team/#"),
        ("/handbook/team/sibling.md", "/handbook/team/sibling/#"),
        ("/handbook/Mixed-Case/", "/handbook/mixed-case/#"),
        ("/handbook/legacy/", "/handbook/old/moved/#"),
        ("/handbook/legacy#moved-heading", "/handbook/old/moved/#moved-heading"),
        ("sibling.md#diversity-inclusion%2D%2Dbelonging", "/handbook/team/sibling/#diversity-inclusion--belonging"),
        ("handbook/team/sibling/", "/handbook/team/sibling/#"),
        ("#x", "/handbook/team/page/#x"),
        ("../hidden/#h", "/handbook/team/page/#h"),
        ("/job-families/x/", "Unchecked(OutOfScope)"),
        ("/images/a.png", "Unchecked(StaticFile)"),
        ("mailto:a@b.c", "Unchecked(External)"),
        ("//cdn.example/x", "Unchecked(External)"),
        ("/handbook/generated/#x", "Unchecked(Excluded)"),
        ("missing.md", "Broken { path: \"/handbook/team/page/missing.md\" }"),
        ("%zz/%", "Broken { path: \"/handbook/team/page/%zz/%\" }"),
        ("caf%C3%A9/", "Broken { path: \"/handbook/team/page/café/\" }"),
    ];
    for (dest, want) in cases {
        assert_eq!(url_of(site.resolve(page, dest)), want, "{dest}");
    }
    // Raw HTML is not seen by the render hook: `sibling.md` is taken literally.
    assert!(matches!(site.resolve_html(page, "sibling.md"), Target::Broken { .. }));
    assert_eq!(site.resolve(page, "  "), Target::Unchecked(Unchecked::Empty));
    // The leaf bundle resolves `.md` references from its own directory and others from its parent.
    let bundle = site.page_of("content/handbook/team/bundle/index.md").unwrap();
    assert_eq!(url_of(site.resolve(bundle, "../sibling.md")), "/handbook/team/sibling/#");
    assert_eq!(url_of(site.resolve(bundle, "sibling/")), "/handbook/team/sibling/#");
}

#[test]
fn ids_come_lazily_from_disk_with_includes() {
    let root = fixture();
    let site = Site::build(&root, &rules().handbook, std::iter::empty()).unwrap();
    let page = site.page_of("content/handbook/team/page.md").unwrap();
    let ids = site.ids(page).unwrap();
    for id in ["overview", "shared-part", "overview-1", "links"] {
        assert!(ids.contains(id), "{id} not in {ids:?}");
    }
    let sibling = site.page_of("content/handbook/team/sibling.md").unwrap();
    let ids = site.ids(sibling).unwrap();
    for id in ["custom-id", "diversity-inclusion--belonging", "-collaboration", "overview", "overview-1"] {
        assert!(ids.contains(id), "{id} not in {ids:?}");
    }
    assert!(!ids.contains("sibling-heading"), "an explicit id replaces the automatic one");
    assert!(site.is_unpublished("content/handbook/draft.md"));
    assert!(site.is_unpublished("content/handbook/team/bundle/notes.md"));
}

#[test]
fn protected_pages_need_a_change_management_issue() {
    let root = fixture();
    let rules = rules();
    let docs = parse_all(&root);
    let site = Site::build(&root, &rules.handbook, docs.iter()).unwrap();
    let protected_text = "---\ntitle: Time off\ndescription: Page should not be moved without a Support Global Change Management issue.\n---\n";
    let change = ChangeSet {
        renamed: vec![("content/handbook/support/time-off.md".into(), "content/handbook/team/time-off.md".into())],
        deleted: vec!["content/handbook/plain.md".into(), "content/handbook/controlled.md".into()],
        change_issue_text: Some("Moves the page. Related: #12".into()),
        old_contents: vec![
            ("content/handbook/support/time-off.md".into(), protected_text.into()),
            ("content/handbook/plain.md".into(), "---\ntitle: Plain\n---\n".into()),
            ("content/handbook/controlled.md".into(), "---\ntitle: C\ncontrolled_document: true\n---\n".into()),
        ],
    };
    let moved: Vec<_> =
        run(&docs, &site, &rules, &change).into_iter().filter(|f| f.rule == "protected-page-moved").collect();
    let paths: Vec<&str> = moved.iter().map(|f| &*f.path).collect();
    assert_eq!(paths, ["content/handbook/team/time-off.md", "content/handbook/controlled.md"], "{moved:#?}");
    assert!(moved[0].help.as_deref().unwrap().contains("Change Management issue"));

    let linked = ChangeSet {
        change_issue_text: Some(
            "CM issue: https://gitlab.com/gitlab-com/support/support-team-meta/-/issues/7001".into(),
        ),
        ..change
    };
    assert!(run(&docs, &site, &rules, &linked).iter().all(|f| f.rule != "protected-page-moved"));

    // A rename the change has no old text for is judged by the page as it is now.
    let renamed_now = ChangeSet {
        renamed: vec![("content/handbook/misc/was.md".into(), "content/handbook/misc/front.md".into())],
        ..ChangeSet::default()
    };
    let found = run(&docs, &site, &rules, &renamed_now);
    assert!(found.iter().any(|f| f.rule == "protected-page-moved" && &*f.path == "content/handbook/misc/front.md"));
}

#[test]
fn checks_reject_unknown_options() {
    let mut options = promolint::checks::RuleOptions::new();
    options.insert("max_distance".into(), serde_json::json!(1));
    assert!(lookup("misspelled-front-matter-key").unwrap()(&options).is_ok());
    assert!(lookup("broken-link").unwrap()(&options).unwrap_err().contains("max_distance"));
    options.insert("typo".into(), serde_json::json!(1));
    assert!(lookup("misspelled-front-matter-key").unwrap()(&options).is_err());
}
