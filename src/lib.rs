//! promolint: lints promotion documents and handbook pages, and reviews GitLab merge requests
//! that change them.

pub mod diagnostic;
pub mod outcome;
pub mod gitlab;
