//! The handbook as Hugo builds it: page URLs, aliases, heading ids, and link resolution.

/// Every page of the handbook tree, indexed by URL.
#[derive(Debug, Default)]
pub struct Site {}
