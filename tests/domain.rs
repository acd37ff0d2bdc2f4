//! The domain model through the public API: how headings are matched, what counts as an evidence
//! item and a link, and the Support career graph and interim table of the built-in rules.

use promolint::changes::ChangeSet;
use promolint::document::{BlockKind, DocKind, Document, count_words, normalize_heading};
use promolint::engine;
use promolint::rules::RuleSet;
use promolint::rules::model::InterimWhen;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::load(&[]).expect("built-in rules compile"));

const SENIOR: &str = "Senior Support Engineer";
const STAFF: &str = "Staff Support Engineer";
const MANAGER: &str = "Support Engineering Manager";

fn doc(body: &str) -> Document {
    Document::parse("promotions/x.md", DocKind::Promotion, format!("---\ntype: promotion\n---\n{body}"))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| normalize_heading(n)).collect()
}

// ------------------------------------------------------------------ heading matching

#[test]
fn headings_normalise_case_punctuation_emoji_and_spacing() {
    assert_eq!(normalize_heading("VALUES ALIGNMENT"), "values alignment");
    assert_eq!(normalize_heading("  Business   Results:  "), "business results");
    assert_eq!(normalize_heading("📈 Business Results!"), "business results");
    assert_eq!(normalize_heading("Root-cause analysis"), "root cause analysis");
    assert_eq!(normalize_heading("Diversity, Inclusion & Belonging"), "diversity inclusion belonging");
    assert_eq!(normalize_heading("Business Results/Impact"), "business results impact");
    // Different words stay different.
    assert_ne!(normalize_heading("Business Result"), normalize_heading("Business Results"));
}

#[test]
fn find_heading_matches_aliases_level_and_scope() {
    let d = doc(
        "## 🤝 CREDIT Values\n\n### Iterate!\n\n## Competencies\n\n### Leadership\n\n#### Mentorship\n\n#### Values\n",
    );
    let values_names = names(&["Values Alignment", "Values", "CREDIT Values"]);
    let values = d.find_heading(&values_names, Some(2), None).expect("alias with emoji matches at level 2");
    assert_eq!(d.headings[values].text, "🤝 CREDIT Values");
    // Level is honoured: `#### Values` under Competencies is not a level-2 section...
    assert_eq!(d.find_heading(&names(&["Values"]), Some(2), None), None);
    // ...but matches when any level is allowed, and only the first match is returned.
    assert_eq!(d.find_heading(&names(&["Values"]), None, None), d.headings.iter().position(|h| h.text == "Values"));
    // Scope: Iterate is under the values section, not under Competencies.
    let competencies = d.find_heading(&names(&["Competencies"]), Some(2), None).expect("competencies");
    assert!(d.find_heading(&names(&["Iteration", "Iterate"]), None, Some(values)).is_some());
    assert!(d.find_heading(&names(&["Iteration", "Iterate"]), None, Some(competencies)).is_none());
    assert!(d.find_heading(&names(&["Mentoring", "Mentorship"]), Some(4), Some(competencies)).is_some());
}

#[test]
fn heading_model_strips_ids_and_knows_setext_levels() {
    let d = doc("Competencies\n============\n\nValues Alignment\n---\n\n#### Support tooling {#tooling}\n");
    let levels: Vec<u8> = d.headings.iter().map(|h| h.level).collect();
    assert_eq!(levels, vec![1, 2, 4]);
    assert_eq!(d.headings[2].text, "Support tooling");
    assert_eq!(d.headings[2].norm, "support tooling");
    assert_eq!(d.headings[2].explicit_id.as_deref(), Some("tooling"));
    assert_eq!(d.section_path(Some(2)), "competencies > values alignment > support tooling");
    assert_eq!(d.children(0), vec![1]);
    assert_eq!(d.subheadings(1), 2..3);
}

#[test]
fn competency_aliases_from_the_rules_match_headings() {
    let staff = RULES.role(STAFF).expect("staff role");
    let tooling = staff.competencies.iter().find(|c| c.name == "Support tooling").expect("support tooling");
    assert!(tooling.names.contains(&normalize_heading("🛠️ TOOLING")));
    assert!(!tooling.names.contains(&normalize_heading("Support tools")));
    let dib = RULES.values.iter().find(|v| v.name.starts_with("Diversity")).expect("DIB value");
    assert!(dib.names.contains(&normalize_heading("DIB")));
    assert!(dib.names.contains(&normalize_heading("diversity, inclusion and belonging")));
}

// ------------------------------------------------------------------ evidence extraction

#[test]
fn evidence_blocks_are_top_level_items_and_paragraphs() {
    let d = doc(concat!(
        "#### Support tooling\n\n",
        "- Built the checker ([MR](https://gitlab.example.com/a/-/merge_requests/1)).\n",
        "  - Nested detail with [issue](https://gitlab.example.com/a/-/issues/2).\n",
        "  - Second nested detail.\n",
        "- Second item without a link.\n\n",
        "A paragraph of evidence https://gitlab.example.com/a/-/issues/3 with a bare URL.\n\n",
        "```text\nlog line https://gitlab.example.com/not/a/link\n```\n",
        "<!-- a comment with https://gitlab.example.com/hidden -->\n",
    ));
    let blocks: Vec<_> = d.blocks_within(0).collect();
    assert_eq!(
        blocks.len(),
        3,
        "nested items belong to their parent item; code and comments are not evidence: {blocks:?}"
    );
    assert_eq!(blocks[0].kind, BlockKind::ListItem);
    assert!(blocks[0].text.contains("Nested detail") && blocks[0].text.contains("Second nested detail"));
    let urls = |i: usize| -> Vec<&str> { blocks[i].links.iter().map(|&l| d.links[l].url.as_str()).collect() };
    assert_eq!(
        urls(0),
        vec!["https://gitlab.example.com/a/-/merge_requests/1", "https://gitlab.example.com/a/-/issues/2"]
    );
    assert!(urls(1).is_empty());
    assert_eq!(blocks[2].kind, BlockKind::Paragraph);
    assert_eq!(urls(2), vec!["https://gitlab.example.com/a/-/issues/3"]);
    assert!(d.links[blocks[2].links[0]].autolink);
    assert!(!d.links[blocks[0].links[0]].autolink);
    // The code block and the comment are opaque to raw scans.
    let code_at = d.text().find("log line").expect("code text");
    let comment_at = d.text().find("a comment").expect("comment text");
    let opaque = d.opaque();
    assert!(opaque.contains(code_at) && opaque.contains(comment_at));
    assert!(!opaque.contains(d.text().find("Second item").expect("item text")));
}

#[test]
fn links_angle_reference_and_images() {
    let d = doc(concat!(
        "- Angle link <https://gitlab.example.com/a/-/issues/1>\n",
        "- Reference link [MR][fix]\n",
        "- Screenshot ![shot](https://gitlab.example.com/uploads/s.png)\n",
        "- In-page [anchor](#support-tooling)\n\n",
        "[fix]: https://gitlab.example.com/a/-/merge_requests/9\n",
    ));
    let link = |i: usize| &d.links[d.blocks[i].links[0]];
    assert_eq!(link(0).url, "https://gitlab.example.com/a/-/issues/1");
    assert!(link(0).autolink);
    assert_eq!(link(1).url, "https://gitlab.example.com/a/-/merge_requests/9");
    assert_eq!(link(1).text, "MR");
    assert!(link(2).is_image);
    assert_eq!(link(3).url, "#support-tooling");
    // Spans point at the link as written in the file.
    assert_eq!(&d.text()[link(0).span.clone()], "<https://gitlab.example.com/a/-/issues/1>");
}

#[test]
fn words_do_not_count_urls_or_punctuation() {
    assert_eq!(count_words("Fixed the cleanup worker crash https://gitlab.example.com/a/1 ."), 5);
    assert_eq!(count_words("— – ..."), 0);
    assert_eq!(count_words("v18.2 shipped"), 2);
}

#[test]
fn front_matter_fields_and_spans() {
    let d = Document::parse(
        "promotions/x.md",
        DocKind::Promotion,
        "---\ntype: promotion\ncandidate: '@dv'\nprior_management: true\n---\n# Body\n".to_string(),
    );
    assert_eq!(d.front_matter.str("candidate"), Some("@dv"));
    assert_eq!(d.front_matter.str("prior_management"), None, "a boolean is not text");
    assert_eq!(d.front_matter.get("prior_management").and_then(|v| v.as_bool()), Some(true));
    let span = d.front_matter.key_span("candidate").expect("candidate key span");
    assert_eq!(&d.text()[span], "candidate");
    assert_eq!(&d.text()[d.body_start..], "# Body\n");
}

#[test]
fn suppression_comments_hide_only_the_named_rule_on_the_named_lines() {
    let body = concat!(
        "## Notes\n\n",
        "<!-- promolint-disable-next-line first-person -->\n",
        "I wrote this line.\n\n",
        "I wrote this one too.\n\n",
        "<!-- promolint-disable first-person -->\n",
        "My range starts here.\n\n",
        "<!-- promolint-enable first-person -->\n",
        "My range has ended.\n",
    );
    let d = doc(body);
    let findings = engine::check_document(&d, &RULES, None, &ChangeSet::default());
    let lines: Vec<usize> =
        findings.iter().filter(|f| f.rule == "first-person").map(|f| d.source.lines.line_of(f.span.start)).collect();
    let line_of = |needle: &str| d.source.lines.line_of(d.text().find(needle).expect("needle"));
    assert_eq!(lines, vec![line_of("I wrote this one too"), line_of("My range has ended")]);
}

// ------------------------------------------------------------------ career graph

#[test]
fn roles_resolve_through_aliases_and_case() {
    assert_eq!(RULES.role("sr. support engineer").map(|r| r.name.as_str()), Some(SENIOR));
    assert_eq!(RULES.role("Staff Engineer, Support").map(|r| r.name.as_str()), Some(STAFF));
    assert_eq!(RULES.role("SUPPORT MANAGER").map(|r| r.name.as_str()), Some(MANAGER));
    assert!(RULES.role("Principal Support Engineer").is_none());
    assert!(RULES.role("").is_none());
}

#[test]
fn the_built_in_frameworks_cover_the_support_track() {
    for name in [SENIOR, STAFF, MANAGER] {
        let role = RULES.role(name).expect("role");
        assert!(role.competencies.len() >= 4, "{name} has a framework");
        for c in &role.competencies {
            assert!(matches!(c.group.as_str(), "Leadership" | "Technical"), "{name}: {} in group {}", c.name, c.group);
            assert!(c.source.starts_with("https://"), "{name}: {} has a source link", c.name);
            assert!(c.min_evidence >= 1);
        }
    }
    for name in ["Associate Support Engineer", "Support Engineer", "Director of Support"] {
        assert!(
            RULES.role(name).is_some_and(|r| r.competencies.is_empty()),
            "{name} is in the graph without a framework"
        );
    }
    let values: Vec<&str> = RULES.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        values,
        ["Collaboration", "Results", "Efficiency", "Diversity, Inclusion & Belonging", "Iteration", "Transparency"]
    );
}

#[test]
fn steps_follow_the_track_one_level_at_a_time() {
    assert!(RULES.is_step("Associate Support Engineer", "Support Engineer"));
    assert!(RULES.is_step("Intermediate Support Engineer", "Sr. Support Engineer"), "aliases on both sides");
    assert!(RULES.is_step(SENIOR, STAFF));
    assert!(RULES.is_step(SENIOR, MANAGER));
    assert!(RULES.is_step(STAFF, MANAGER));
    assert!(RULES.is_step(MANAGER, "Senior Support Engineering Manager"));
    assert!(RULES.is_step("Senior Support Engineering Manager", "Director of Support"));

    assert!(!RULES.is_step("Support Engineer", STAFF), "skips Senior");
    assert!(!RULES.is_step(STAFF, SENIOR), "backwards");
    assert!(!RULES.is_step(STAFF, STAFF), "no move");
    assert!(!RULES.is_step(MANAGER, STAFF), "back to the individual-contributor track");
    assert!(!RULES.is_step("Support Engineer", MANAGER));
    assert!(!RULES.is_step("Principal Support Engineer", "Director of Support"), "unknown role");
}

#[test]
fn next_roles_list_the_forks() {
    assert_eq!(RULES.next_roles("sr. support engineer"), vec![STAFF.to_string(), MANAGER.to_string()]);
    assert_eq!(RULES.next_roles(STAFF), vec![MANAGER.to_string()]);
    assert!(RULES.next_roles("Director of Support").is_empty());
    assert!(RULES.next_roles("Principal Support Engineer").is_empty());
}

#[test]
fn interim_table_by_step() {
    let senior_to_manager = RULES.interim_for(SENIOR, "Support Manager").expect("Senior → Manager has an entry");
    assert_eq!(senior_to_manager.when, InterimWhen::Always);
    let staff_to_manager = RULES.interim_for(STAFF, MANAGER).expect("Staff → Manager has an entry");
    assert_eq!(staff_to_manager.when, InterimWhen::WithoutManagementExperience);
    assert!(RULES.interim_for(MANAGER, "Senior Support Engineering Manager").is_some());
    assert!(RULES.interim_for(SENIOR, STAFF).is_none(), "individual-contributor steps need no interim period");
    assert!(RULES.interim_for("Support Engineer", SENIOR).is_none());
}

#[test]
fn the_career_graph_is_consistent() {
    for step in &RULES.career.steps {
        assert!(RULES.role(&step.from).is_some(), "step from unknown role `{}`", step.from);
        for to in &step.to {
            assert!(RULES.role(to).is_some(), "step to unknown role `{to}`");
        }
    }
    for entry in &RULES.career.interim {
        assert!(RULES.is_step(&entry.from, &entry.to), "interim entry {} → {} is not a step", entry.from, entry.to);
    }
    // Every role is reachable from the entry level or is the entry level.
    for role in &RULES.roles {
        let reachable = role.name == "Associate Support Engineer"
            || RULES.roles.iter().any(|from| RULES.is_step(&from.name, &role.name));
        assert!(reachable, "{} cannot be reached by any step", role.name);
    }
}
