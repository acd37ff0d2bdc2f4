//! The GitLab operations the review needs, as a trait with two implementations: [`super::http`]
//! over the `gitlab` crate, and [`super::fake`] in memory for tests. The types are the parts of
//! GitLab's REST v4 JSON that the review reads; unknown fields are ignored.

use super::GitlabError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: u64,
    pub username: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffRefs {
    pub base_sha: String,
    pub start_sha: String,
    pub head_sha: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRequest {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub state: String,
    pub author: UserRef,
    #[serde(default)]
    pub reviewers: Vec<UserRef>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Missing while GitLab is still computing the diff of a new MR; the versions endpoint is
    /// the fallback.
    #[serde(default)]
    pub diff_refs: Option<DiffRefs>,
}

/// One file of `GET …/merge_requests/:iid/diffs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDiff {
    pub old_path: String,
    pub new_path: String,
    #[serde(default)]
    pub new_file: bool,
    #[serde(default)]
    pub renamed_file: bool,
    #[serde(default)]
    pub deleted_file: bool,
    /// Unified diff hunks without the `---`/`+++` header. Empty when GitLab collapsed the diff.
    #[serde(default)]
    pub diff: String,
}

/// One entry of `GET …/merge_requests/:iid/versions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrVersion {
    pub id: u64,
    pub head_commit_sha: String,
    pub base_commit_sha: String,
    pub start_commit_sha: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: u64,
    pub body: String,
    pub author: UserRef,
    #[serde(default)]
    pub system: bool,
    #[serde(default)]
    pub resolvable: bool,
    #[serde(default)]
    pub resolved: bool,
    /// Who resolved the thread. Read leniently: clients disagree on its shape, and a field we
    /// cannot read must not fail the whole listing.
    #[serde(default, deserialize_with = "lenient_user")]
    pub resolved_by: Option<UserRef>,
}

fn lenient_user<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<UserRef>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| serde_json::from_value::<UserRef>(v).ok()))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discussion {
    pub id: String,
    #[serde(default)]
    pub individual_note: bool,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
    #[serde(default)]
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStatus {
    /// `busy`, or absent/null when the user set no availability.
    #[serde(default)]
    pub availability: Option<String>,
}

impl UserStatus {
    pub fn is_busy(&self) -> bool {
        self.availability.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("busy"))
    }
}

/// Where an inline discussion goes: `new_line` for an added line, `new_line` and `old_line` for
/// an unchanged context line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffPosition {
    pub base_sha: String,
    pub start_sha: String,
    pub head_sha: String,
    pub old_path: String,
    pub new_path: String,
    pub new_line: u64,
    pub old_line: Option<u64>,
}

/// The fields of `PUT …/merge_requests/:iid` the review sets. Empty parts are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MrUpdate {
    pub reviewer_ids: Option<Vec<u64>>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
}

impl MrUpdate {
    pub fn is_empty(&self) -> bool {
        self.reviewer_ids.is_none() && self.add_labels.is_empty() && self.remove_labels.is_empty()
    }
}

/// How many requests a client made: reads (GET), writes (anything else) and retries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    pub reads: usize,
    pub writes: usize,
    pub retries: usize,
}

/// The operations of the review. `project` is a numeric id or a `group/project` path.
/// List operations return every page.
pub trait GitLabApi {
    fn merge_request(&self, project: &str, iid: u64) -> Result<MergeRequest, GitlabError>;
    fn merge_request_diffs(&self, project: &str, iid: u64) -> Result<Vec<FileDiff>, GitlabError>;
    fn merge_request_versions(&self, project: &str, iid: u64) -> Result<Vec<MrVersion>, GitlabError>;
    /// Every discussion of the MR, which includes every note (a plain note is a discussion with
    /// `individual_note: true`), so the review never needs to list notes separately.
    fn discussions(&self, project: &str, iid: u64) -> Result<Vec<Discussion>, GitlabError>;
    fn create_note(&self, project: &str, iid: u64, body: &str) -> Result<Note, GitlabError>;
    fn edit_note(&self, project: &str, iid: u64, note_id: u64, body: &str) -> Result<(), GitlabError>;
    fn create_discussion(
        &self,
        project: &str,
        iid: u64,
        body: &str,
        position: &DiffPosition,
    ) -> Result<Discussion, GitlabError>;
    fn resolve_discussion(
        &self,
        project: &str,
        iid: u64,
        discussion_id: &str,
        resolved: bool,
    ) -> Result<(), GitlabError>;
    fn user_by_username(&self, username: &str) -> Result<Option<User>, GitlabError>;
    fn user_status(&self, user_id: u64) -> Result<UserStatus, GitlabError>;
    /// Open MRs (any project) that have this user as reviewer, counted up to 100.
    fn open_reviews(&self, user_id: u64) -> Result<usize, GitlabError>;
    fn update_merge_request(&self, project: &str, iid: u64, update: &MrUpdate) -> Result<(), GitlabError>;
    /// A file's content at a commit, or `None` when it does not exist there (404).
    fn file_raw(&self, project: &str, path: &str, git_ref: &str) -> Result<Option<String>, GitlabError>;
    fn stats(&self) -> CallStats;
}
