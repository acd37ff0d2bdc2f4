//! Runs the handbook checks over a tree through the library, without the CLI: parse every page
//! in parallel, build the site from the parsed documents, run the checks, print JSON findings
//! (`{"findings": [{"path", "line", "rule", "message", "help"}]}`) and timings on stderr.
//! Usage: cargo run --release --example handbook_lint -- TREE

use promolint::changes::ChangeSet;
use promolint::checks::{CheckContext, lookup};
use promolint::diagnostic::Severity;
use promolint::document::{DocKind, Document};
use promolint::handbook::Site;
use promolint::rules::RuleSet;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

const RULES: [(&str, Severity); 7] = [
    ("missing-title", Severity::Error),
    ("misspelled-front-matter-key", Severity::Warning),
    ("absolute-handbook-link", Severity::Warning),
    ("broken-link", Severity::Error),
    ("broken-anchor", Severity::Error),
    ("heading-level-skip", Severity::Warning),
    ("protected-page-moved", Severity::Error),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            files(&e.path(), out);
        } else if e.path().extension().is_some_and(|x| x == "md") {
            out.push(e.path());
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let t0 = Instant::now();
    let mut paths = Vec::new();
    files(&root.join("content"), &mut paths);
    let docs: Vec<Document> = paths
        .par_iter()
        .filter_map(|p| {
            let text = std::fs::read(p).ok()?;
            let text = String::from_utf8_lossy(&text).into_owned();
            let rel = p.strip_prefix(&root).unwrap_or(p).to_string_lossy().replace('\\', "/");
            Some(Document::parse(&rel, DocKind::Handbook, text))
        })
        .collect();
    let t_parse = t0.elapsed();
    let mut rules = RuleSet::default();
    rules.handbook.known_keys = [
        "title",
        "description",
        "aliases",
        "toc_hide",
        "weight",
        "draft",
        "tags",
        "controlled_document",
        "canonical_path",
        "no_list",
        "summary",
        "date",
        "owning-stage",
        "status",
        "authors",
        "creation-date",
        "category",
        "participating-stages",
        "coach",
        "approvers",
        "twitter_image",
        "twitter_site",
        "twitter_creator",
        "group",
        "dris",
        "coaches",
        "job",
        "stage",
        "twitter_image_alt",
        "subcategory",
        "noindex",
        "simple_list",
        "images",
        "cascade",
        "note",
        "last-reviewed",
        "extra_css",
        "math",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    rules.handbook.protected_keys = vec!["controlled_document".into()];
    rules.handbook.protected_patterns = vec![r"(?i)should not be moved without an? .*change management issue".into()];
    let site = match Site::build(&root, &rules.handbook, docs.iter()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let t_site = t0.elapsed();
    if std::env::var_os("HB_IDS").is_some() {
        for (i, page) in site.pages().iter().enumerate() {
            let mut ids: Vec<_> = site.ids(i).iter().cloned().collect();
            ids.sort();
            eprintln!("IDS\t{}\t{}", page.url, ids.join("\t"));
        }
    }
    if std::env::var_os("HB_DUMP").is_some() {
        for doc in &docs {
            let Some(from) = site.page_of(&doc.path) else {
                continue;
            };
            for link in doc.links.iter().filter(|l| !l.is_image) {
                let r = match site.resolve(from, &link.url) {
                    promolint::handbook::Target::Page { page, fragment } => {
                        format!("{}#{}", site.pages()[page].url, fragment.unwrap_or_default())
                    }
                    other => format!("{other:?}"),
                };
                eprintln!("DUMP\t{}\t{}\t{}", doc.path, link.url, r);
            }
        }
    }
    let change = ChangeSet::default();
    let checks: Vec<_> = RULES
        .iter()
        .map(|(id, sev)| {
            let factory = lookup(id).unwrap_or_else(|| panic!("no check kind {id}"));
            (*id, *sev, factory(&Default::default()).unwrap_or_else(|e| panic!("{id}: {e}")))
        })
        .collect();
    let findings: Vec<(String, usize, String, String, String)> = docs
        .par_iter()
        .flat_map_iter(|doc| {
            let mut out = Vec::new();
            for (id, sev, check) in &checks {
                let ctx =
                    CheckContext { rule_id: id, severity: *sev, rules: &rules, site: Some(&site), change: &change };
                check.check(doc, &ctx, &mut out);
            }
            out.into_iter()
                .map(|f| {
                    let line = doc.source.lines.line_of(f.span.start);
                    (f.path, line, f.rule, f.message, f.help.unwrap_or_default())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let t_check = t0.elapsed();
    let json: Vec<_> = findings
        .iter()
        .map(|(path, line, rule, message, help)| {
            serde_json::json!({"path": path, "line": line, "rule": rule, "message": message, "help": help})
        })
        .collect();
    println!("{}", serde_json::json!({ "findings": json }));
    eprintln!(
        "files {} parse {:?} site {:?} checks {:?} findings {} skipped {}",
        docs.len(),
        t_parse,
        t_site - t_parse,
        t_check - t_site,
        findings.len(),
        site.skipped().len()
    );
}
