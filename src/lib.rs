//! promolint: lints promotion documents and handbook pages, and reviews GitLab merge requests
//! that change them.

pub mod changes;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod completions;
pub mod config;
pub mod diagnostic;
pub mod document;
pub mod engine;
pub mod explain;
pub mod git;
pub mod gitlab;
pub mod handbook;
pub mod hook;
pub mod memory;
pub mod outcome;
pub mod report;
pub mod rules;
pub mod shard;
pub mod team;
pub mod yaml;
