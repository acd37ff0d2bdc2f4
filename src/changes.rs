//! What a change did to the repository beyond editing files: pages renamed or deleted, and the
//! change-management issue linked to it. Filled from `git diff` locally and from the MR in CI.

#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    /// `(old path, new path)` of renamed or moved files.
    pub renamed: Vec<(String, String)>,
    /// Paths of deleted files.
    pub deleted: Vec<String>,
    /// Text in which a change-management issue may be linked: the MR description, or
    /// `--change-issue URL` locally.
    pub change_issue_text: Option<String>,
    /// Old contents of renamed or deleted files, by old path, for reading their front matter.
    pub old_contents: Vec<(String, String)>,
}
