//! promolint: lints promotion documents and handbook pages, and reviews GitLab merge requests
//! that change them.

pub mod changes;
pub mod checks;
pub mod diagnostic;
pub mod document;
pub mod handbook;
pub mod outcome;
pub mod rules;
pub mod yaml;
