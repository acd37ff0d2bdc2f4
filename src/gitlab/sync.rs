//! The review sync: list what is on the MR, work out what is missing or stale, and write only that.

use super::api::{DiffPosition, Discussion, GitLabApi, MrUpdate};
use super::diff::DiffLine;
use super::note::{self, SummaryInput};
use super::{
    ChangeKind, GitlabError, MrChanges, MrOptions, NoteAction, PlannedWrite, ReviewReport, SUMMARY_MARKER, Verdict, dri,
};
use crate::diagnostic::Finding;
use crate::outcome::LintOutcome;
use std::collections::{BTreeMap, BTreeSet};

/// What one of our inline discussions looks like now.
struct Thread {
    id: String,
    resolved: bool,
    /// Resolved by the account that opened it (us), not by a person.
    resolved_by_us: bool,
    /// Someone other than us wrote in it.
    replied: bool,
}

struct Existing {
    summary: Option<(u64, String)>,
    threads: BTreeMap<String, Thread>,
}

fn scan(discussions: &[Discussion]) -> Existing {
    let mut summary = None;
    let mut threads = BTreeMap::new();
    for d in discussions {
        let Some(first) = d.notes.first() else { continue };
        if first.body.starts_with(SUMMARY_MARKER) {
            // The oldest one is the summary; a second could only come from two runs racing.
            if summary.is_none() {
                summary = Some((first.id, first.body.clone()));
            }
            continue;
        }
        let Some(fp) = note::parse_fingerprint(&first.body) else { continue };
        let us = first.author.id;
        let resolved =
            d.notes.iter().any(|n| n.resolvable) && d.notes.iter().filter(|n| n.resolvable).all(|n| n.resolved);
        // Only a resolver we can see and who is us counts: a thread whose resolver is unknown is
        // treated as a person's, so we never reopen it.
        let resolvers: Vec<u64> = d.notes.iter().filter_map(|n| n.resolved_by.as_ref()).map(|u| u.id).collect();
        let resolved_by_us = resolved && !resolvers.is_empty() && resolvers.iter().all(|id| *id == us);
        let replied = d.notes.iter().skip(1).any(|n| !n.system && n.author.id != us);
        threads.entry(fp.to_string()).or_insert(Thread { id: d.id.clone(), resolved, resolved_by_us, replied });
    }
    Existing { summary, threads }
}

enum Op<'a> {
    Create { finding: &'a Finding, line: usize, position: DiffPosition, body: String },
    Resolve { id: String, resolved: bool },
}

pub(crate) fn run(
    api: &dyn GitLabApi,
    opts: &MrOptions,
    changes: &MrChanges,
    outcome: &LintOutcome,
    codeowners: Option<&str>,
    rule_candidates: Vec<String>,
) -> Result<ReviewReport, GitlabError> {
    let project = opts.project.as_str();
    let iid = opts.mr_iid;
    let mr_path = format!("projects/{}/merge_requests/{iid}", project.replace('/', "%2F"));
    let mut messages = Vec::new();

    let discussions = api.discussions(project, iid)?;
    let existing = scan(&discussions);

    // Place each finding (first of each fingerprint) on a diff line or in the summary.
    let mut seen = BTreeSet::new();
    let mut placed: Vec<(&Finding, usize, Option<DiffPosition>)> = Vec::new();
    for f in &outcome.findings {
        let fp = f.fingerprint();
        if !seen.insert(fp) {
            continue;
        }
        let line = outcome.position(f).line;
        let position = changes.file(&f.path).filter(|file| file.kind != ChangeKind::Deleted).and_then(|file| {
            let kind = file.lines.get(line as u64)?;
            Some(DiffPosition {
                base_sha: changes.diff_refs.base_sha.clone(),
                start_sha: changes.diff_refs.start_sha.clone(),
                head_sha: changes.diff_refs.head_sha.clone(),
                old_path: file.old_path.clone(),
                new_path: file.new_path.clone(),
                new_line: line as u64,
                old_line: match kind {
                    DiffLine::Added => None,
                    DiffLine::Context { old_line } => Some(old_line),
                },
            })
        });
        placed.push((f, line, position));
    }

    let mut ops = Vec::new();
    let mut elsewhere: Vec<(&Finding, usize)> = Vec::new();
    let mut inline_count = 0;
    let mut kept = 0;
    let mut reopened = 0;
    let mut new_threads = 0;
    let mut overflow = 0;
    for (f, line, position) in placed {
        let fp = f.fingerprint();
        let Some(position) = position else {
            elsewhere.push((f, line));
            continue;
        };
        match existing.threads.get(&fp) {
            Some(t) => {
                inline_count += 1;
                if t.resolved && t.resolved_by_us && !t.replied {
                    // We resolved it when the finding went away; it is back.
                    ops.push(Op::Resolve { id: t.id.clone(), resolved: false });
                    reopened += 1;
                } else {
                    kept += 1;
                }
            }
            None if new_threads < opts.max_new_discussions => {
                new_threads += 1;
                inline_count += 1;
                ops.push(Op::Create { finding: f, line, body: note::discussion_body(f), position });
            }
            None => {
                overflow += 1;
                elsewhere.push((f, line));
            }
        }
    }
    if overflow > 0 {
        messages.push(format!(
            "opened at most {} new inline discussions; {overflow} more are listed in the summary",
            opts.max_new_discussions
        ));
    }
    let current: BTreeSet<String> = outcome.findings.iter().map(Finding::fingerprint).collect();
    let mut resolved = 0;
    for (fp, t) in &existing.threads {
        // A thread a person replied to is theirs to close.
        if !current.contains(fp) && !t.resolved && !t.replied {
            ops.push(Op::Resolve { id: t.id.clone(), resolved: true });
            resolved += 1;
        }
    }

    let dri = dri::choose(api, opts, changes, outcome, codeowners, rule_candidates, &mut messages)?;

    let verdict = match opts.fail_on {
        Some(threshold) if outcome.findings.iter().any(|f| f.severity >= threshold) => Verdict::ChangesRequested,
        _ => Verdict::Passed,
    };

    let mut writes = Vec::new();
    let mut created = 0;
    for op in ops {
        match op {
            Op::Create { finding, line, position, body } => {
                writes.push(PlannedWrite {
                    method: "POST",
                    path: format!("{mr_path}/discussions"),
                    summary: format!(
                        "inline discussion on {}:{} ({}{}) for {}",
                        printable(&position.new_path),
                        position.new_line,
                        if position.old_line.is_some() { "context line" } else { "added line" },
                        position.old_line.map(|o| format!(", old line {o}")).unwrap_or_default(),
                        printable(&finding.rule)
                    ),
                });
                if opts.dry_run {
                    created += 1;
                    continue;
                }
                match api.create_discussion(project, iid, &body, &position) {
                    Ok(_) => created += 1,
                    // GitLab refuses positions it cannot map to its diff (400); the finding is
                    // still reported, in the summary.
                    Err(GitlabError::Api { status: Some(400), message, .. }) => {
                        messages.push(format!(
                            "GitLab refused an inline discussion on {}:{} ({message}); listed in the summary",
                            position.new_path, position.new_line
                        ));
                        inline_count -= 1;
                        elsewhere.push((finding, line));
                    }
                    Err(e) => return Err(e),
                }
            }
            Op::Resolve { id, resolved } => {
                writes.push(PlannedWrite {
                    method: "PUT",
                    path: format!("{mr_path}/discussions/{}", printable(&id)),
                    summary: format!("resolved={resolved}"),
                });
                if !opts.dry_run {
                    api.resolve_discussion(project, iid, &id, resolved)?;
                }
            }
        }
    }
    elsewhere.sort_by(|a, b| (&a.0.path, a.1, &a.0.rule).cmp(&(&b.0.path, b.1, &b.0.rule)));

    let body = note::summary_body(&SummaryInput { verdict, outcome, inline_count, elsewhere, dri: dri.as_ref() });
    let summary_note = match &existing.summary {
        None => {
            writes.push(PlannedWrite {
                method: "POST",
                path: format!("{mr_path}/notes"),
                summary: format!("create the summary note ({} chars)", body.chars().count()),
            });
            if !opts.dry_run {
                api.create_note(project, iid, &body)?;
            }
            NoteAction::Created
        }
        Some((id, old)) if *old != body => {
            writes.push(PlannedWrite {
                method: "PUT",
                path: format!("{mr_path}/notes/{id}"),
                summary: format!("edit the summary note ({} chars)", body.chars().count()),
            });
            if !opts.dry_run {
                api.edit_note(project, iid, *id, &body)?;
            }
            NoteAction::Edited
        }
        Some(_) => NoteAction::Unchanged,
    };

    let mut update = MrUpdate::default();
    if let Some(d) = dri.as_ref().filter(|d| !d.already_reviewer) {
        // Reviewers set by hand stay: the new list is the old one plus the DRI.
        let mut ids: Vec<u64> = changes.mr.reviewers.iter().map(|r| r.id).collect();
        if !ids.contains(&d.user_id) {
            ids.push(d.user_id);
            update.reviewer_ids = Some(ids);
        }
    }
    let (want, drop) = match verdict {
        Verdict::Passed => (&opts.labels.passed, &opts.labels.changes_requested),
        Verdict::ChangesRequested => (&opts.labels.changes_requested, &opts.labels.passed),
    };
    if !want.is_empty() && !changes.mr.labels.contains(want) {
        update.add_labels.push(want.clone());
    }
    if !drop.is_empty() && changes.mr.labels.contains(drop) {
        update.remove_labels.push(drop.clone());
    }
    if !update.is_empty() {
        let mut parts = Vec::new();
        if let Some(ids) = &update.reviewer_ids {
            parts.push(format!(
                "reviewer_ids={ids:?} (adds @{})",
                dri.as_ref().map(|d| d.username.as_str()).unwrap_or("")
            ));
        }
        if !update.add_labels.is_empty() {
            parts.push(format!("add_labels={}", update.add_labels.join(",")));
        }
        if !update.remove_labels.is_empty() {
            parts.push(format!("remove_labels={}", update.remove_labels.join(",")));
        }
        writes.push(PlannedWrite { method: "PUT", path: mr_path.clone(), summary: parts.join(", ") });
        if !opts.dry_run {
            api.update_merge_request(project, iid, &update)?;
        }
    }

    Ok(ReviewReport {
        verdict,
        dry_run: opts.dry_run,
        writes,
        summary_note,
        discussions_created: created,
        discussions_resolved: resolved,
        discussions_reopened: reopened,
        discussions_kept: kept,
        dri,
        stats: api.stats(),
        messages,
    })
}

/// Text from GitLab or the repository shown on a terminal (dry-run output): control characters
/// could move the cursor or recolour the log, so they become `?`.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}
