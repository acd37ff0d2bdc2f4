//! Choosing the DRI (SPEC §7). Candidates come first from the rules (e.g. the manager's manager for
//! a Staff promotion), then from CODEOWNERS for the changed paths; the first source with an
//! eligible person decides. The author and the promotion candidates are never chosen, busy people
//! are skipped, the fewest open reviews wins, and ties go to a stable hash of the MR and the
//! username so that reruns choose the same person.

use super::api::GitLabApi;
use super::codeowners::{Codeowners, Owner};
use super::{ChangeKind, GitlabError, MrChanges, MrOptions};
use crate::outcome::LintOutcome;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateSource {
    Rules,
    /// The CODEOWNERS section (as first written) and line that named the person.
    Codeowners {
        section: String,
        line: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriChoice {
    pub username: String,
    pub user_id: u64,
    pub source: CandidateSource,
    /// Already a reviewer of the MR (then no lookup or write was needed).
    pub already_reviewer: bool,
    /// Open MRs the person reviews, when looked up.
    pub open_reviews: Option<usize>,
    /// Eligible people compared in the deciding source.
    pub compared: usize,
}

struct Candidate {
    username: String,
    source: CandidateSource,
}

pub(crate) fn choose(
    api: &dyn GitLabApi,
    opts: &MrOptions,
    changes: &MrChanges,
    outcome: &LintOutcome,
    codeowners: Option<&str>,
    from_rules: Vec<String>,
    messages: &mut Vec<String>,
) -> Result<Option<DriChoice>, GitlabError> {
    let mut excluded: BTreeSet<String> = BTreeSet::new();
    excluded.insert(changes.mr.author.username.to_lowercase());
    for c in &outcome.coverage {
        if let Some(cand) = &c.candidate {
            excluded.insert(cand.trim_start_matches('@').to_lowercase());
        }
    }

    let rules: Vec<Candidate> = from_rules
        .into_iter()
        .map(|u| u.trim().trim_start_matches('@').to_string())
        .filter(|u| !u.is_empty())
        .map(|username| Candidate { username, source: CandidateSource::Rules })
        .collect();
    let owners = codeowners.map(|text| codeowner_candidates(text, changes, messages)).unwrap_or_default();

    for (label, tier) in [("the rules", rules), ("CODEOWNERS", owners)] {
        let mut seen = BTreeSet::new();
        let mut tier: Vec<Candidate> = tier
            .into_iter()
            .filter(|c| seen.insert(c.username.to_lowercase()))
            .filter(|c| {
                let out = excluded.contains(&c.username.to_lowercase());
                if out {
                    messages.push(format!(
                        "DRI: skipped @{} from {label}: the MR author or the promotion candidate",
                        c.username
                    ));
                }
                !out
            })
            .collect();
        if tier.is_empty() {
            continue;
        }
        // Someone eligible is already a reviewer (set by us on an earlier run, or by hand): keep
        // them, which keeps reruns stable and costs no request.
        if let Some(c) =
            tier.iter().find(|c| changes.mr.reviewers.iter().any(|r| r.username.eq_ignore_ascii_case(&c.username)))
        {
            let id = changes
                .mr
                .reviewers
                .iter()
                .find(|r| r.username.eq_ignore_ascii_case(&c.username))
                .map(|r| r.id)
                .unwrap_or_default();
            return Ok(Some(DriChoice {
                username: c.username.clone(),
                user_id: id,
                source: c.source.clone(),
                already_reviewer: true,
                open_reviews: None,
                compared: tier.len(),
            }));
        }
        // Bound the lookups (three requests per person); which ones is decided by the same stable
        // hash, so that a long CODEOWNERS line does not favour the first names written.
        tier.sort_by_key(|c| tie_hash(&opts.project, opts.mr_iid, &c.username));
        if tier.len() > opts.max_candidate_lookups {
            messages.push(format!(
                "DRI: {} candidates from {label}; looked up {}",
                tier.len(),
                opts.max_candidate_lookups
            ));
            tier.truncate(opts.max_candidate_lookups);
        }
        let mut best: Option<(usize, u64, DriChoice)> = None;
        let mut compared = 0;
        for c in tier {
            let Some(user) = api.user_by_username(&c.username)? else {
                messages
                    .push(format!("DRI: @{} from {label} is not a GitLab user (perhaps a group); skipped", c.username));
                continue;
            };
            if user.state == "blocked" || user.state == "deactivated" {
                messages.push(format!("DRI: @{} is {}; skipped", c.username, user.state));
                continue;
            }
            if api.user_status(user.id)?.is_busy() {
                messages.push(format!("DRI: @{} is busy; skipped", c.username));
                continue;
            }
            let open = api.open_reviews(user.id)?;
            compared += 1;
            let key = (open, tie_hash(&opts.project, opts.mr_iid, &user.username));
            if best.as_ref().is_none_or(|(o, h, _)| key < (*o, *h)) {
                best = Some((
                    key.0,
                    key.1,
                    DriChoice {
                        username: user.username.clone(),
                        user_id: user.id,
                        source: c.source.clone(),
                        already_reviewer: false,
                        open_reviews: Some(open),
                        compared: 0,
                    },
                ));
            }
        }
        if let Some((_, _, mut choice)) = best {
            choice.compared = compared;
            return Ok(Some(choice));
        }
    }
    messages.push("DRI: no eligible candidate in the rules or CODEOWNERS; none assigned".into());
    Ok(None)
}

/// Individual owners of the changed paths, section by section. Groups, roles and email owners
/// cannot be a single DRI, so they are skipped with a message.
fn codeowner_candidates(text: &str, changes: &MrChanges, messages: &mut Vec<String>) -> Vec<Candidate> {
    let co = Codeowners::parse(text);
    if !co.errors.is_empty() {
        messages.push(format!(
            "CODEOWNERS has {} syntax error(s); the entries around them are still used (first: {})",
            co.errors.len(),
            co.errors[0]
        ));
    }
    let mut out = Vec::new();
    let mut skipped = BTreeSet::new();
    for file in &changes.files {
        let mut paths = vec![file.new_path.as_str()];
        if matches!(file.kind, ChangeKind::Renamed | ChangeKind::Deleted) && file.old_path != file.new_path {
            paths.push(file.old_path.as_str());
        }
        for path in paths {
            for m in co.owners_for(path) {
                for owner in m.owners {
                    match owner {
                        Owner::User(name) => out.push(Candidate {
                            username: name.clone(),
                            source: CandidateSource::Codeowners { section: m.section.to_string(), line: m.line },
                        }),
                        other => {
                            skipped.insert(other.to_string());
                        }
                    }
                }
            }
        }
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.into_iter().collect();
        messages.push(format!(
            "DRI: CODEOWNERS groups, roles and email owners are not individual candidates; skipped {}",
            list.join(", ")
        ));
    }
    out
}

/// A stable tie-breaker: the same for every run of the same MR, different across MRs so that
/// ties do not always go to the same person.
pub(crate) fn tie_hash(project: &str, iid: u64, username: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(project.as_bytes());
    h.update([0]);
    h.update(iid.to_string().as_bytes());
    h.update([0]);
    h.update(username.to_lowercase().as_bytes());
    let d = h.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&d[..8]);
    u64::from_be_bytes(bytes)
}
