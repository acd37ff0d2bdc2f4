//! Prints how long the batch reporters take on a large synthetic run (about the size of the whole
//! handbook with a dozen findings per page). Run with `cargo bench --bench reports`; it prints
//! figures and asserts nothing about time.

use promolint::diagnostic::{Finding, Severity};
use promolint::outcome::{LintOutcome, SourceFile};
use promolint::report::context::ReportContext;
use promolint::report::{codequality, junit, sarif};
use std::sync::Arc;
use std::time::Instant;

type Renderer = fn(&LintOutcome, &ReportContext) -> String;

fn main() {
    let files = 4100;
    let per_file = 12;
    let rules: Vec<String> = (0..25).map(|r| format!("rule-{r}")).collect();
    let mut outcome = LintOutcome { files_checked: files, ..LintOutcome::default() };
    let mut ctx = ReportContext::new("bench");
    let text = "A line of handbook text with a [link](other.md) and some more words.\n".repeat(200);
    for f in 0..files {
        let path = format!("content/handbook/section-{}/page-{f}.md", f % 50);
        for k in 0..per_file {
            let start = (k * 997) % (text.len() - 20);
            let severity = [Severity::Info, Severity::Warning, Severity::Error][k % 3];
            let finding =
                Finding::new(&rules[k % rules.len()], severity, &path, start..start + 10, "flagged <text> & more")
                    .with_anchor(format!("anchor-{k}"))
                    .with_help("what to do about it");
            outcome.findings.push(finding);
        }
        outcome.sources.insert(path.clone(), Arc::new(SourceFile::new(text.clone())));
        ctx.document_rules.insert(path, rules.clone());
    }
    for rule in &rules {
        ctx.rule_descriptions.insert(rule.clone(), format!("what {rule} flags"));
    }
    println!("{} findings in {files} files, best of 3:", outcome.findings.len());
    let renderers: [(&str, Renderer); 3] =
        [("codequality", codequality::render), ("sarif", sarif::render), ("junit", junit::render)];
    for (name, render) in renderers {
        let mut best = f64::MAX;
        let mut bytes = 0;
        for _ in 0..3 {
            let start = Instant::now();
            bytes = render(&outcome, &ctx).len();
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!("  {name:<12} {:>7.1} ms  {:>5.1} MB", best * 1000.0, bytes as f64 / 1e6);
    }
}
