//! The merge request review (`promolint mr`, SPEC §7): read the MR and its diff from GitLab, let the
//! caller lint the changed files, then bring the MR's review into line with the findings — one
//! summary note edited in place, inline discussions on changed lines, resolved threads for fixed
//! findings, the DRI as reviewer, and verdict labels.
//!
//! The flow is reviewdog's: list what is already on the MR, compute what is missing, and write only
//! that, so a rerun with nothing changed makes no write call and a run killed half-way is completed
//! by the next one. Lint happens outside this module, between [`changed_files`] and
//! [`sync_review`].
//!
//! A run, as `promolint mr` does it (every error is a [`GitlabError`], exit status 2):
//!
//! ```ignore
//! let env = |k: &str| std::env::var(k).ok();
//! let mut opts = MrOptions::resolve(&env, &flags, dry_run)?; // CI variables, flags win
//! let client = HttpGitLab::from_options(&opts)?;            // the retry budget starts here
//! let changes = changed_files(&client, &opts)?;              // MR + diff (+ versions)
//! let change = change_set(&client, &opts, &changes)?;        // renames, deletions, old contents
//! let outcome = /* lint changes.paths_to_lint() in opts.project_dir with `change` */;
//! let codeowners = read_codeowners(&opts.project_dir, config.codeowners.as_deref())?;
//! let report = sync_review(&client, &opts, &changes, &outcome, codeowners_text, dri_from_rules)?;
//! for line in report.lines(opts.verbose) { eprintln!("{line}"); }
//! ```

pub mod api;
pub mod codeowners;
pub mod diff;
mod dri;
pub mod fake;
pub mod http;
pub mod neutralize;
mod note;
mod secret;
mod sync;

use crate::diagnostic::Severity;
use crate::outcome::LintOutcome;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use api::{CallStats, DiffRefs, GitLabApi, MergeRequest, MrUpdate};
pub use diff::{DiffLine, DiffLines};
pub use dri::{CandidateSource, DriChoice};
pub use http::{HttpGitLab, RetryPolicy};
pub use secret::Secret;

/// Hidden marker that identifies the one summary note.
pub const SUMMARY_MARKER: &str = "<!-- promolint:summary -->";
/// Prefix of the hidden marker carrying a finding's fingerprint in an inline discussion.
pub const FINGERPRINT_MARKER_PREFIX: &str = "<!-- promolint:fp=";

/// Errors of the MR review. The CLI maps every one of them to exit status 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GitlabError {
    #[error("missing {what}: set {env} or pass {flag}")]
    #[diagnostic(
        code(promolint::gitlab::missing_input),
        help("`promolint mr` runs in a GitLab merge request pipeline, which sets these variables")
    )]
    MissingInput { what: &'static str, env: &'static str, flag: &'static str },

    #[error("{source_name} is not a valid {what}: `{value}`")]
    #[diagnostic(code(promolint::gitlab::invalid_input))]
    InvalidInput { source_name: String, what: &'static str, value: String },

    #[error("missing GitLab token: set PROMOLINT_GITLAB_TOKEN")]
    #[diagnostic(
        code(promolint::gitlab::missing_token),
        help(
            "use a project or group access token with `api` scope (CI_JOB_TOKEN cannot post notes); \
             a read-only token is enough for --dry-run"
        )
    )]
    MissingToken,

    #[error("refusing to send the GitLab token over plain http to {url}")]
    #[diagnostic(
        code(promolint::gitlab::insecure_url),
        help("use an https:// API URL; plain http is allowed only to a loopback address")
    )]
    InsecureUrl { url: String },

    #[error("invalid GitLab API URL `{url}`: {reason}")]
    #[diagnostic(
        code(promolint::gitlab::invalid_url),
        help("expected something like https://gitlab.example.com/api/v4 (CI_API_V4_URL)")
    )]
    InvalidUrl { url: String, reason: String },

    #[error("refusing to send a request to {url}: it is not the configured GitLab host {host}")]
    #[diagnostic(code(promolint::gitlab::foreign_host))]
    ForeignHost { url: String, host: String },

    #[error("GitLab API {operation} failed{}: {message}", status.map(|s| format!(" with HTTP {s}")).unwrap_or_default())]
    #[diagnostic(
        code(promolint::gitlab::api),
        help("check the project, the MR iid and that the token has `api` scope on this project")
    )]
    Api { operation: String, status: Option<u16>, message: String },

    #[error(
        "GitLab API {operation} still failing after {attempts} attempt(s) in {elapsed:.1?} \
         (retry budget {budget:.1?}): {last}"
    )]
    #[diagnostic(
        code(promolint::gitlab::retry_budget),
        help(
            "GitLab is rate limiting or unavailable; rerun the job later — a rerun completes the review without duplicates"
        )
    )]
    RetryBudgetExhausted { operation: String, attempts: u32, elapsed: Duration, budget: Duration, last: String },

    #[error("could not set up the HTTP client: {0}")]
    #[diagnostic(code(promolint::gitlab::client))]
    Client(String),
}

/// Labels that carry the verdict. An empty label is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictLabels {
    pub passed: String,
    pub changes_requested: String,
}

impl Default for VerdictLabels {
    fn default() -> Self {
        VerdictLabels { passed: "promolint::passed".into(), changes_requested: "promolint::changes-requested".into() }
    }
}

/// Everything `promolint mr` needs to talk to GitLab. Build it with [`MrOptions::resolve`] from
/// the CI variables and the flags; the token comes only from the environment (a flag would show in
/// process listings and CI logs).
#[derive(Debug, Clone)]
pub struct MrOptions {
    /// The REST v4 base URL, e.g. `https://gitlab.example.com/api/v4` (`CI_API_V4_URL`).
    pub api_url: String,
    /// Numeric project id (`CI_PROJECT_ID`) or `group/project` path.
    pub project: String,
    pub mr_iid: u64,
    pub project_dir: PathBuf,
    pub token: Secret,
    pub dry_run: bool,
    pub verbose: bool,
    pub labels: VerdictLabels,
    /// Findings at or above this severity make the verdict "changes requested"; `None` (the CLI's
    /// `--fail-on never`) always passes.
    pub fail_on: Option<Severity>,
    pub retry: RetryPolicy,
    /// At most this many new inline discussions per run; the rest are listed in the summary, so a
    /// broken document cannot flood an MR.
    pub max_new_discussions: usize,
    /// At most this many DRI candidates are looked up per source, bounding API calls.
    pub max_candidate_lookups: usize,
}

/// Values given on the command line; each wins over its CI variable.
#[derive(Debug, Clone, Default)]
pub struct MrOverrides {
    pub api_url: Option<String>,
    pub project: Option<String>,
    pub mr_iid: Option<u64>,
    pub project_dir: Option<PathBuf>,
}

impl MrOptions {
    /// Reads `CI_API_V4_URL`, `CI_PROJECT_ID`, `CI_MERGE_REQUEST_IID`, `CI_PROJECT_DIR` and
    /// `PROMOLINT_GITLAB_TOKEN` through `env`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<MrOptions, GitlabError> {
        Self::resolve(env, &MrOverrides::default(), false)
    }

    /// Like [`MrOptions::from_env`], with flags overriding variables. With `dry_run` a missing
    /// token is allowed (reading a public project needs none).
    pub fn resolve(
        env: &dyn Fn(&str) -> Option<String>,
        flags: &MrOverrides,
        dry_run: bool,
    ) -> Result<MrOptions, GitlabError> {
        let get = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let api_url = flags.api_url.clone().or_else(|| get("CI_API_V4_URL")).ok_or(GitlabError::MissingInput {
            what: "GitLab API URL",
            env: "CI_API_V4_URL",
            flag: "--api-url",
        })?;
        let project = flags.project.clone().or_else(|| get("CI_PROJECT_ID")).ok_or(GitlabError::MissingInput {
            what: "project",
            env: "CI_PROJECT_ID",
            flag: "--project",
        })?;
        let mr_iid = match flags.mr_iid {
            Some(iid) => iid,
            None => {
                let raw = get("CI_MERGE_REQUEST_IID").ok_or(GitlabError::MissingInput {
                    what: "merge request iid (is this a merge request pipeline?)",
                    env: "CI_MERGE_REQUEST_IID",
                    flag: "--mr",
                })?;
                raw.parse::<u64>().map_err(|_| GitlabError::InvalidInput {
                    source_name: "CI_MERGE_REQUEST_IID".into(),
                    what: "merge request iid",
                    value: raw.clone(),
                })?
            }
        };
        let project_dir = flags
            .project_dir
            .clone()
            .or_else(|| get("CI_PROJECT_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("."));
        let token = Secret::new(env("PROMOLINT_GITLAB_TOKEN").unwrap_or_default().trim());
        if token.is_empty() && !dry_run {
            return Err(GitlabError::MissingToken);
        }
        Ok(MrOptions {
            api_url,
            project,
            mr_iid,
            project_dir,
            token,
            dry_run,
            verbose: false,
            labels: VerdictLabels::default(),
            fail_on: Some(Severity::Error),
            retry: RetryPolicy::default(),
            max_new_discussions: 50,
            max_candidate_lookups: 10,
        })
    }
}

/// How a file changed in the MR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Renamed,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    pub old_path: String,
    pub new_path: String,
    pub kind: ChangeKind,
    /// The new-file lines the diff shows (added and context lines).
    pub lines: DiffLines,
}

/// The MR and its diff, as fetched before linting.
#[derive(Debug, Clone)]
pub struct MrChanges {
    pub mr: MergeRequest,
    pub diff_refs: DiffRefs,
    pub files: Vec<ChangedFile>,
}

impl MrChanges {
    /// Paths (relative to the repository root) that exist after the MR: the files to lint.
    pub fn paths_to_lint(&self) -> Vec<&str> {
        self.files.iter().filter(|f| f.kind != ChangeKind::Deleted).map(|f| f.new_path.as_str()).collect()
    }

    /// Files the MR deletes or renames away (their old paths), for checks on moved pages.
    pub fn removed_paths(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| matches!(f.kind, ChangeKind::Deleted | ChangeKind::Renamed))
            .map(|f| f.old_path.as_str())
            .collect()
    }

    pub fn author(&self) -> &str {
        &self.mr.author.username
    }

    pub fn description(&self) -> &str {
        self.mr.description.as_deref().unwrap_or("")
    }

    pub fn file(&self, new_path: &str) -> Option<&ChangedFile> {
        self.files.iter().find(|f| f.new_path == new_path)
    }
}

impl ReviewReport {
    /// Lines for the terminal: with `dry_run`, every write that would be made; with `verbose`,
    /// the request counts and the messages too.
    pub fn lines(&self, verbose: bool) -> Vec<String> {
        let mut out = Vec::new();
        if self.dry_run {
            out.push(format!("dry run: {} write(s) planned, none made", self.writes.len()));
            out.extend(self.writes.iter().map(|w| format!("  would {w}")));
        }
        if verbose {
            if !self.dry_run {
                out.extend(self.writes.iter().map(|w| format!("  {w}")));
            }
            out.push(format!(
                "GitLab API: {} read(s), {} write(s), {} retr{}",
                self.stats.reads,
                self.stats.writes,
                self.stats.retries,
                if self.stats.retries == 1 { "y" } else { "ies" }
            ));
            out.push(format!(
                "discussions{}: {} created, {} resolved, {} reopened, {} kept; summary note {}",
                if self.dry_run { " (planned)" } else { "" },
                self.discussions_created,
                self.discussions_resolved,
                self.discussions_reopened,
                self.discussions_kept,
                match self.summary_note {
                    NoteAction::Created => "created",
                    NoteAction::Edited => "edited",
                    NoteAction::Unchanged => "unchanged",
                }
            ));
            match &self.dri {
                Some(d) => out.push(format!(
                    "DRI: @{}{}",
                    d.username,
                    match (d.already_reviewer, d.open_reviews) {
                        (true, _) => " (already a reviewer)".to_string(),
                        (false, Some(n)) => format!(" ({n} open review(s), fewest of {})", d.compared),
                        (false, None) => String::new(),
                    }
                )),
                None => out.push("DRI: none".into()),
            }
            out.extend(self.messages.iter().cloned());
        }
        out
    }
}

impl HttpGitLab {
    /// The client for a run: its retry budget starts now.
    pub fn from_options(opts: &MrOptions) -> Result<HttpGitLab, GitlabError> {
        HttpGitLab::new(&opts.api_url, opts.token.clone(), opts.retry.clone())
    }
}

/// The repository's CODEOWNERS text, looked up where GitLab looks (`CODEOWNERS`,
/// `docs/CODEOWNERS`, `.gitlab/CODEOWNERS`, first found wins), or at `configured` (relative to
/// `project_dir`) when the project config names a path.
pub fn read_codeowners(
    project_dir: &std::path::Path,
    configured: Option<&std::path::Path>,
) -> std::io::Result<Option<(PathBuf, String)>> {
    let candidates: Vec<PathBuf> = match configured {
        Some(p) => vec![project_dir.join(p)],
        None => ["CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"].iter().map(|p| project_dir.join(p)).collect(),
    };
    for path in candidates {
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok(Some((path, text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Fetches the MR and its diff (2+ requests: the MR, the paged diffs, and the versions only when
/// the MR has no `diff_refs` yet).
pub fn changed_files(api: &dyn GitLabApi, opts: &MrOptions) -> Result<MrChanges, GitlabError> {
    let mr = api.merge_request(&opts.project, opts.mr_iid)?;
    let diffs = api.merge_request_diffs(&opts.project, opts.mr_iid)?;
    let diff_refs = match mr.diff_refs.clone().filter(|r| !r.head_sha.is_empty()) {
        Some(r) => r,
        None => {
            // The newest version comes first.
            let versions = api.merge_request_versions(&opts.project, opts.mr_iid)?;
            let v = versions.first().ok_or_else(|| GitlabError::Api {
                operation: "GET merge request versions".into(),
                status: None,
                message: "the merge request has no diff version yet; rerun once GitLab has computed it".into(),
            })?;
            DiffRefs {
                base_sha: v.base_commit_sha.clone(),
                start_sha: v.start_commit_sha.clone(),
                head_sha: v.head_commit_sha.clone(),
            }
        }
    };
    let files = diffs
        .into_iter()
        .map(|d| {
            let kind = if d.new_file {
                ChangeKind::Added
            } else if d.deleted_file {
                ChangeKind::Deleted
            } else if d.renamed_file {
                ChangeKind::Renamed
            } else {
                ChangeKind::Modified
            };
            ChangedFile { lines: DiffLines::parse(&d.diff), old_path: d.old_path, new_path: d.new_path, kind }
        })
        .collect();
    Ok(MrChanges { mr, diff_refs, files })
}

/// At most this many removed or renamed Markdown files have their old content fetched.
const MAX_OLD_CONTENTS: usize = 50;

/// What the MR did beyond editing files, for the checks on moved or deleted pages: renames,
/// deletions, the MR description (where a change-management issue is linked), and the old content
/// of each removed or renamed Markdown file at the MR's base commit (one request per file, at most
/// 50; a CI checkout is often too shallow to have it).
pub fn change_set(
    api: &dyn GitLabApi,
    opts: &MrOptions,
    changes: &MrChanges,
) -> Result<crate::changes::ChangeSet, GitlabError> {
    let mut set = crate::changes::ChangeSet {
        change_issue_text: changes.mr.description.clone(),
        ..crate::changes::ChangeSet::default()
    };
    for f in &changes.files {
        match f.kind {
            ChangeKind::Renamed => set.renamed.push((f.old_path.clone(), f.new_path.clone())),
            ChangeKind::Deleted => set.deleted.push(f.old_path.clone()),
            ChangeKind::Added | ChangeKind::Modified => continue,
        }
        if f.old_path.ends_with(".md")
            && set.old_contents.len() < MAX_OLD_CONTENTS
            && let Some(text) = api.file_raw(&opts.project, &f.old_path, &changes.diff_refs.base_sha)?
        {
            set.old_contents.push((f.old_path.clone(), text));
        }
    }
    Ok(set)
}

/// The verdict the labels and the summary show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    ChangesRequested,
}

/// What the summary note needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteAction {
    Created,
    Edited,
    Unchanged,
}

/// One API write: made, or with `dry_run`, only planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWrite {
    pub method: &'static str,
    /// Relative to the API base, e.g. `projects/7/merge_requests/3/notes`.
    pub path: String,
    /// A short description of the body (never the token).
    pub summary: String,
}

impl fmt::Display for PlannedWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} — {}", self.method, self.path, self.summary)
    }
}

/// What [`sync_review`] did (or, with `dry_run`, would do).
#[derive(Debug, Clone)]
pub struct ReviewReport {
    pub verdict: Verdict,
    pub dry_run: bool,
    /// Every write in order. With `dry_run` none was made.
    pub writes: Vec<PlannedWrite>,
    pub summary_note: NoteAction,
    pub discussions_created: usize,
    pub discussions_resolved: usize,
    pub discussions_reopened: usize,
    /// Findings whose inline discussion already exists (open or resolved by a person).
    pub discussions_kept: usize,
    pub dri: Option<DriChoice>,
    /// Requests made by this client so far (reads, writes, retries), for `--verbose`.
    pub stats: CallStats,
    /// Things a user may want to know: skipped owners, CODEOWNERS errors, positions GitLab refused.
    pub messages: Vec<String>,
}

/// Brings the MR's review into line with `outcome`. `codeowners` is the text of the repository's
/// CODEOWNERS file, if any; `dri_candidates_from_rules` are usernames the rules name for the
/// changed documents (e.g. the manager's manager), tried before CODEOWNERS.
pub fn sync_review(
    api: &dyn GitLabApi,
    opts: &MrOptions,
    changes: &MrChanges,
    outcome: &LintOutcome,
    codeowners: Option<&str>,
    dri_candidates_from_rules: Vec<String>,
) -> Result<ReviewReport, GitlabError> {
    sync::run(api, opts, changes, outcome, codeowners, dri_candidates_from_rules)
}
