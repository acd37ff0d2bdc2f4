//! An in-memory GitLab for tests: one MR with its diff, discussions, users and statuses. It checks
//! what GitLab checks where that matters to the review (stale SHAs and lines outside the diff are
//! rejected) and records every request in order with its method, path and body, so tests can
//! assert exact request sequences and count writes.

use super::GitlabError;
use super::api::*;
use super::diff::DiffLines;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    pub method: &'static str,
    pub path: String,
    pub body: Value,
}

impl RecordedCall {
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub mr: MergeRequest,
    pub diffs: Vec<FileDiff>,
    pub versions: Vec<MrVersion>,
    pub discussions: Vec<Discussion>,
    pub users: Vec<User>,
    pub statuses: HashMap<u64, UserStatus>,
    pub open_reviews: HashMap<u64, usize>,
    /// File contents by (path, ref).
    pub files: HashMap<(String, String), String>,
    /// The user the token belongs to: author of every note the review creates.
    pub bot: UserRef,
    pub calls: Vec<RecordedCall>,
    next_id: u64,
}

/// The fake client. Its state is behind a mutex so a test can edit it between runs (a person
/// replies or resolves) and a loopback HTTP server can serve it.
#[derive(Debug, Default)]
pub struct FakeGitLab {
    pub state: Mutex<FakeState>,
}

impl FakeGitLab {
    pub fn new(mr: MergeRequest, diffs: Vec<FileDiff>) -> Self {
        let state = FakeState {
            mr,
            diffs,
            bot: UserRef { id: 999, username: "promolint-bot".into() },
            next_id: 1000,
            ..FakeState::default()
        };
        FakeGitLab { state: Mutex::new(state) }
    }

    pub fn with_user(self, id: u64, username: &str, busy: bool, open_reviews: usize) -> Self {
        {
            let mut s = self.lock();
            s.users.push(User { id, username: username.into(), state: "active".into() });
            if busy {
                s.statuses.insert(id, UserStatus { availability: Some("busy".into()) });
            }
            s.open_reviews.insert(id, open_reviews);
        }
        self
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A test that panicked while holding the lock already failed; keep the state usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().calls.clone()
    }

    pub fn writes(&self) -> Vec<RecordedCall> {
        self.lock().calls.iter().filter(|c| c.is_write()).cloned().collect()
    }

    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    /// A person replies in a discussion.
    pub fn reply(&self, discussion_id: &str, author: UserRef, body: &str) {
        let mut s = self.lock();
        let id = s.next();
        if let Some(d) = s.discussions.iter_mut().find(|d| d.id == discussion_id) {
            d.notes.push(Note { id, body: body.into(), author, resolvable: true, ..Note::default() });
        }
    }

    /// A person resolves (or reopens) a discussion.
    pub fn set_resolved(&self, discussion_id: &str, by: UserRef, resolved: bool) {
        let mut s = self.lock();
        if let Some(d) = s.discussions.iter_mut().find(|d| d.id == discussion_id) {
            for n in d.notes.iter_mut().filter(|n| n.resolvable) {
                n.resolved = resolved;
                n.resolved_by = resolved.then(|| by.clone());
            }
        }
    }
}

impl FakeState {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn record(&mut self, method: &'static str, path: String, body: Value) {
        self.calls.push(RecordedCall { method, path, body });
    }

    fn check_mr(&self, project: &str, iid: u64) -> Result<(), GitlabError> {
        let known = project == self.mr.project_id.to_string() || project.contains('/');
        if !known || iid != self.mr.iid {
            return Err(GitlabError::Api {
                operation: "fake".into(),
                status: Some(404),
                message: "404 Not found".into(),
            });
        }
        Ok(())
    }
}

fn mr_path(project: &str, iid: u64) -> String {
    format!("projects/{}/merge_requests/{iid}", project.replace('/', "%2F"))
}

fn bad_request(message: &str) -> GitlabError {
    GitlabError::Api { operation: "fake".into(), status: Some(400), message: message.into() }
}

impl GitLabApi for FakeGitLab {
    fn merge_request(&self, project: &str, iid: u64) -> Result<MergeRequest, GitlabError> {
        let mut s = self.lock();
        s.record("GET", mr_path(project, iid), Value::Null);
        s.check_mr(project, iid)?;
        Ok(s.mr.clone())
    }

    fn merge_request_diffs(&self, project: &str, iid: u64) -> Result<Vec<FileDiff>, GitlabError> {
        let mut s = self.lock();
        s.record("GET", format!("{}/diffs", mr_path(project, iid)), Value::Null);
        s.check_mr(project, iid)?;
        Ok(s.diffs.clone())
    }

    fn merge_request_versions(&self, project: &str, iid: u64) -> Result<Vec<MrVersion>, GitlabError> {
        let mut s = self.lock();
        s.record("GET", format!("{}/versions", mr_path(project, iid)), Value::Null);
        s.check_mr(project, iid)?;
        Ok(s.versions.clone())
    }

    fn discussions(&self, project: &str, iid: u64) -> Result<Vec<Discussion>, GitlabError> {
        let mut s = self.lock();
        s.record("GET", format!("{}/discussions", mr_path(project, iid)), Value::Null);
        s.check_mr(project, iid)?;
        Ok(s.discussions.clone())
    }

    fn create_note(&self, project: &str, iid: u64, body: &str) -> Result<Note, GitlabError> {
        let mut s = self.lock();
        s.record("POST", format!("{}/notes", mr_path(project, iid)), json!({ "body": body }));
        s.check_mr(project, iid)?;
        let id = s.next();
        let note = Note { id, body: body.into(), author: s.bot.clone(), ..Note::default() };
        let did = format!("d{id}");
        s.discussions.push(Discussion { id: did, individual_note: true, notes: vec![note.clone()] });
        Ok(note)
    }

    fn edit_note(&self, project: &str, iid: u64, note_id: u64, body: &str) -> Result<(), GitlabError> {
        let mut s = self.lock();
        s.record("PUT", format!("{}/notes/{note_id}", mr_path(project, iid)), json!({ "body": body }));
        s.check_mr(project, iid)?;
        let note = s.discussions.iter_mut().flat_map(|d| d.notes.iter_mut()).find(|n| n.id == note_id);
        match note {
            Some(n) => {
                n.body = body.into();
                Ok(())
            }
            None => Err(bad_request("404 Note Not Found")),
        }
    }

    fn create_discussion(
        &self,
        project: &str,
        iid: u64,
        body: &str,
        position: &DiffPosition,
    ) -> Result<Discussion, GitlabError> {
        let mut s = self.lock();
        s.record(
            "POST",
            format!("{}/discussions", mr_path(project, iid)),
            json!({ "body": body, "position": position }),
        );
        s.check_mr(project, iid)?;
        let refs = s.mr.diff_refs.clone().unwrap_or_default();
        if position.base_sha != refs.base_sha
            || position.head_sha != refs.head_sha
            || position.start_sha != refs.start_sha
        {
            return Err(bad_request("400 Bad request - Note {:line_code=>[\"can't be blank\"]}"));
        }
        let file = s.diffs.iter().find(|f| f.new_path == position.new_path);
        let in_diff = file.is_some_and(|f| {
            let lines = DiffLines::parse(&f.diff);
            match lines.get(position.new_line) {
                Some(super::diff::DiffLine::Added) => position.old_line.is_none(),
                Some(super::diff::DiffLine::Context { old_line }) => position.old_line == Some(old_line),
                None => false,
            }
        });
        if !in_diff {
            return Err(bad_request("400 Bad request - Note {:line_code=>[\"can't be blank\"]}"));
        }
        let id = s.next();
        let note = Note { id, body: body.into(), author: s.bot.clone(), resolvable: true, ..Note::default() };
        let d = Discussion { id: format!("d{id}"), individual_note: false, notes: vec![note] };
        s.discussions.push(d.clone());
        Ok(d)
    }

    fn resolve_discussion(
        &self,
        project: &str,
        iid: u64,
        discussion_id: &str,
        resolved: bool,
    ) -> Result<(), GitlabError> {
        let mut s = self.lock();
        s.record(
            "PUT",
            format!("{}/discussions/{discussion_id}", mr_path(project, iid)),
            json!({ "resolved": resolved }),
        );
        s.check_mr(project, iid)?;
        let bot = s.bot.clone();
        let Some(d) = s.discussions.iter_mut().find(|d| d.id == discussion_id) else {
            return Err(bad_request("404 Discussion Not Found"));
        };
        for n in d.notes.iter_mut().filter(|n| n.resolvable) {
            n.resolved = resolved;
            n.resolved_by = resolved.then(|| bot.clone());
        }
        Ok(())
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>, GitlabError> {
        let mut s = self.lock();
        s.record("GET", format!("users?username={username}"), Value::Null);
        Ok(s.users.iter().find(|u| u.username.eq_ignore_ascii_case(username)).cloned())
    }

    fn user_status(&self, user_id: u64) -> Result<UserStatus, GitlabError> {
        let mut s = self.lock();
        s.record("GET", format!("users/{user_id}/status"), Value::Null);
        Ok(s.statuses.get(&user_id).cloned().unwrap_or_default())
    }

    fn open_reviews(&self, user_id: u64) -> Result<usize, GitlabError> {
        let mut s = self.lock();
        s.record("GET", format!("merge_requests?reviewer_id={user_id}&state=opened&scope=all"), Value::Null);
        Ok(s.open_reviews.get(&user_id).copied().unwrap_or(0))
    }

    fn update_merge_request(&self, project: &str, iid: u64, update: &MrUpdate) -> Result<(), GitlabError> {
        let mut s = self.lock();
        s.record("PUT", mr_path(project, iid), serde_json::to_value(update).unwrap_or(Value::Null));
        s.check_mr(project, iid)?;
        if let Some(ids) = &update.reviewer_ids {
            let users = s.users.clone();
            s.mr.reviewers = ids
                .iter()
                .map(|id| UserRef {
                    id: *id,
                    username: users.iter().find(|u| u.id == *id).map(|u| u.username.clone()).unwrap_or_default(),
                })
                .collect();
        }
        for l in &update.remove_labels {
            s.mr.labels.retain(|x| x != l);
        }
        for l in &update.add_labels {
            if !s.mr.labels.contains(l) {
                s.mr.labels.push(l.clone());
            }
        }
        Ok(())
    }

    fn file_raw(&self, project: &str, path: &str, git_ref: &str) -> Result<Option<String>, GitlabError> {
        let mut s = self.lock();
        s.record(
            "GET",
            format!(
                "projects/{}/repository/files/{}/raw?ref={git_ref}",
                project.replace('/', "%2F"),
                path.replace('/', "%2F")
            ),
            Value::Null,
        );
        Ok(s.files.get(&(path.to_string(), git_ref.to_string())).cloned())
    }

    fn stats(&self) -> CallStats {
        let s = self.lock();
        let writes = s.calls.iter().filter(|c| c.is_write()).count();
        CallStats { reads: s.calls.len() - writes, writes, retries: 0 }
    }
}
