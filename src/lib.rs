//! promolint: lints promotion documents and handbook pages, and reviews GitLab merge requests
//! that change them.

pub mod completions;
pub mod diagnostic;
pub mod hook;
pub mod outcome;
pub mod report;
pub mod shard;
