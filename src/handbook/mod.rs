//! The handbook as Hugo builds it: page URLs, aliases, heading ids, and link resolution.

/// Every page of the handbook tree, indexed by URL.
#[derive(Debug, Default)]
pub struct Site {}

impl Site {
    /// The site for a lint run, when handbook pages are in it.
    pub fn for_run(
        _root: &std::path::Path,
        _config: &crate::config::Config,
        _docs: &[crate::document::Document],
    ) -> Option<Site> {
        None
    }
}
