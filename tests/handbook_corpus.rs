//! Spot checks against the real handbook in `../shared/corpus/handbook`, read at run time. The
//! expectations were confirmed by building the corpus with Hugo 0.151 (shared/tools/hugo-oracle).
//! Skips with a printed reason when the corpus is absent. Kept small: it runs on 2-core CI.

use promolint::handbook::{Site, Target};
use promolint::rules::model::HandbookDef;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/handbook");
    if root.join("content").is_dir() {
        Some(root)
    } else {
        eprintln!("skipping: no handbook corpus at {}", root.display());
        None
    }
}

fn url(site: &Site, t: &Target) -> String {
    match t {
        Target::Page { page, fragment } => {
            format!("{}#{}", site.pages()[*page].url(), fragment.clone().unwrap_or_default())
        }
        other => format!("{other:?}"),
    }
}

#[test]
fn the_whole_handbook_fits_the_default_link_budget() {
    use promolint::{changes::ChangeSet, config::Config, engine, rules::RuleSet};
    let Some(root) = corpus() else { return };
    let (config, rules, change) = (Config::default(), RuleSet::load(&[]).unwrap(), ChangeSet::default());
    let request = engine::LintRequest {
        root,
        paths: Vec::new(),
        only: None,
        config: &config,
        rules: &rules,
        change: &change,
        shard: None,
    };
    let outcome = engine::run(&request).unwrap();
    assert!(outcome.files_checked > 4000, "only {} files", outcome.files_checked);
    assert!(outcome.findings.iter().any(|f| f.rule == "broken-anchor"), "the link pass found nothing");
    // A budget the handbook itself goes over costs it a few percent of its time.
    assert_eq!(outcome.links_spilled, 0, "the handbook's links and ids went to disk");
}

#[test]
fn corpus_links_resolve_as_the_built_site_does() {
    let Some(root) = corpus() else { return };
    let site = Site::build(&root, &HandbookDef::default(), std::iter::empty()).unwrap();
    assert!(site.pages().len() > 4000, "only {} pages", site.pages().len());
    assert!(site.skipped().is_empty(), "{:?}", site.skipped());
    let page = |p: &str| site.page_of(p).unwrap_or_else(|| panic!("{p} is not a page"));

    // A leaf bundle resolves an extension-less reference from the directory holding it.
    let workflow = page("content/handbook/engineering/architecture/workflow/index.md");
    assert_eq!(
        url(&site, &site.resolve(workflow, "design-documents/")),
        "/handbook/engineering/architecture/design-documents/#"
    );

    // A `build.render: never` page has no URL: the link falls back to the linking page.
    let faq =
        page("content/handbook/security/corporate/end-user-services/access-requests/frequently-asked-questions.md");
    let t = site.resolve(faq, "/handbook/security/corporate/end-user-services/access-requests/access-requests#how-do-i-choose-which-template-to-use");
    assert!(matches!(t, Target::Page { page, .. } if page == faq), "{t:?}");

    // A section's `_index.md` resolves `x.md` from its own directory.
    let tools = page("content/handbook/tools-and-tips/_index.md");
    assert_eq!(url(&site, &site.resolve(tools, "slack.md")), "/handbook/tools-and-tips/slack/#");

    // Known broken anchor on the built site.
    let principles = page("content/handbook/engineering/development/principles.md");
    match site.resolve(principles, "/handbook/engineering/development/principles/#the-importance-of-velocity") {
        Target::Page { page, fragment: Some(f) } => assert!(!site.has_id(page, &f)),
        other => panic!("{other:?}"),
    }

    // Headings from `{{% include %}}` files count for the including page, and ids are Hugo's.
    let sdet = page("content/handbook/engineering/careers/matrix/quality/software-engineer-in-test/intermediate.md");
    for id in ["gitlab", "intermediate-values-alignment", "quality-department-competencies-intermediate"] {
        assert!(site.has_id(sdet, id), "{id} missing");
    }
    let roles = page("content/handbook/security/policies_and_standards/data-classification-standard.md");
    assert!(site.has_id(roles, "roles--responsibilities"));

    // Links into sections the repository does not have are not the site's business.
    assert_eq!(url(&site, &site.resolve(principles, "/job-families/engineering/")), "Unchecked(OutOfScope)");
}

/// The front matter fast path reads every page it accepts exactly as the YAML parser does, and
/// accepts most pages (else it buys nothing).
#[test]
fn simple_front_matter_agrees_with_the_yaml_parser_on_every_page() {
    let Some(root) = corpus() else { return };
    let (mut simple, mut all) = (0, 0);
    let mut stack = vec![root.join("content")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let Some(rest) = text.strip_prefix("---\n") else { continue };
            let Some(end) = rest.find("\n---") else { continue };
            let yaml = &rest[..end + 1];
            all += 1;
            if let Some(fast) = promolint::document::simple_mapping(yaml) {
                simple += 1;
                let parsed = promolint::yaml::from_str::<serde_json::Value>(yaml);
                assert_eq!(Some(&fast), parsed.as_ref().ok(), "{}:\n{yaml}", path.display());
            }
        }
    }
    eprintln!("{simple} of {all} front matters read without the YAML parser");
    assert!(all > 4000 && simple * 2 > all, "{simple} of {all}");
}
