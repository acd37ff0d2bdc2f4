//! The handbook as Hugo builds it: page URLs, aliases, heading ids, and link resolution.
//!
//! [`Site::build`] lists every page under `content/` and reads what decides where pages live
//! (front matter `aliases`, `url`, `slug`, `draft`), taking it from pages the caller has parsed
//! where it can ([`PageFacts`]). Heading ids are worked out per page only when a link needs them (a
//! `OnceLock` per page), so `--changed` parses little beyond the changed files; pages the caller
//! has parsed anyway hand in their ids with their facts and are never read again.

pub mod anchor;
mod ids;
mod table;
pub mod url;

use crate::document::{DocKind, Document, FrontMatter, Spill, parse_front_matter};
use crate::rules::model::HandbookDef;
use anchor::{IdSet, ids_of};
use ids::{IdSources, include_sources_of};
use rayon::prelude::*;
use regex::{Regex, RegexSet};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use table::{Claim, PageTable};
use thiserror::Error;

/// How deep a directory walk goes: deeper trees are a symlink trick or a mistake.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Error, miette::Diagnostic)]
pub enum SiteError {
    #[error("invalid link exclusion pattern `{pattern}`: {message}")]
    #[diagnostic(
        code(promolint::handbook::exclude_links),
        help(
            "`handbook.exclude_links` holds regular expressions (Rust `regex` syntax) matched against `/path#fragment`"
        )
    )]
    BadPattern { pattern: String, message: String },
}

/// One page of the built site.
#[derive(Debug)]
pub struct Page {
    /// Repository-relative source file (`content/handbook/a/b.md`); empty for sections Hugo makes
    /// without a file (top-level sections, the home page). Shared with the index by path.
    pub path: Arc<str>,
    /// The URL of a page that is not where its path puts it (front matter places it, or it is a
    /// section Hugo makes without a file). `None` for nearly every page: its URL is its
    /// `GetPage` key and a slash, and the key is a stretch of `path` (`key_at`), so that a whole
    /// handbook does not hold a second string per page. See [`Page::url`].
    own_url: Option<Arc<str>>,
    /// Where the `GetPage` key is in `path`, for a page without `own_url`.
    key_at: (u16, u16),
    /// A leaf bundle's `index.md`: Hugo resolves its references without a `.md` extension from
    /// the directory that holds the bundle, not from the bundle's own directory.
    leaf: bool,
    /// Whether Hugo writes the page (`build.render`): a page with `render: never` is found by
    /// `GetPage` but has no URL, so links to it point back at the linking page.
    pub rendered: Render,
    ids: PageIds,
}

/// Where a page's heading ids are.
#[derive(Debug)]
enum PageIds {
    /// Known, or worked out from the page the first time a link needs them.
    Here(OnceLock<IdSet>),
    /// In the run's temporary file (see [`FactStore`]), read back each time a link
    /// needs them.
    Shelved(Shelved),
}

/// Ids of a page written to the temporary file: where, and how many bytes.
#[derive(Debug, Clone, Copy)]
struct Shelved {
    offset: u64,
    len: u32,
}

impl PageIds {
    fn known(ids: IdSet) -> PageIds {
        let known = OnceLock::new();
        let _ = known.set(ids);
        PageIds::Here(known)
    }
}

impl Page {
    /// A page at `url`. Its URL is not kept apart from its path when it is the place the path
    /// gives: the `GetPage` key found in `path` right after `content` (`content/a/b.md` at
    /// `/a/b/`, `content/a/_index.md` at `/a/`).
    fn new(path: Arc<str>, url: &str, leaf: bool, rendered: Render, ids: PageIds) -> Page {
        let key = key_of_url(url);
        let start = "content".len();
        let in_path = path.starts_with("content/")
            && path[start..].starts_with(key)
            && key != "/"
            && url.len() == key.len() + 1
            && url.ends_with('/');
        let key_at = (u16::try_from(start), u16::try_from(start + key.len()));
        match key_at {
            (Ok(start), Ok(end)) if in_path => Page { path, own_url: None, key_at: (start, end), leaf, rendered, ids },
            _ => Page { path, own_url: Some(url.into()), key_at: (0, 0), leaf, rendered, ids },
        }
    }

    /// The page's URL path: `/handbook/a/b/`.
    pub fn url(&self) -> Cow<'_, str> {
        match &self.own_url {
            Some(url) => Cow::Borrowed(url),
            // A section's `_index.md` has the slash right after its key.
            None => match self.path.get(self.key_at.0 as usize..self.key_at.1 as usize + 1) {
                Some(url) if url.ends_with('/') => Cow::Borrowed(url),
                _ => Cow::Owned(format!("{}/", self.url_key())),
            },
        }
    }

    /// Appends the page's URL path to `out`.
    fn push_url(&self, out: &mut String) {
        match &self.own_url {
            Some(url) => out.push_str(url),
            None => {
                out.push_str(self.url_key());
                out.push('/');
            }
        }
    }

    /// The URL without its last slash: the `GetPage` key of a page placed by its path.
    fn url_key(&self) -> &str {
        match &self.own_url {
            Some(url) => key_of_url(url),
            None => &self.path[self.key_at.0 as usize..self.key_at.1 as usize],
        }
    }

    /// Whether the page's URL path is `url`.
    fn url_is(&self, url: &str) -> bool {
        match &self.own_url {
            Some(own) => **own == *url,
            None => url.strip_suffix('/') == Some(self.url_key()),
        }
    }

    /// The last segment of a URL that ends with a slash (`b` of `/a/b/`).
    fn url_name(&self) -> Option<&str> {
        let key = match &self.own_url {
            Some(url) => url.strip_suffix('/')?,
            None => self.url_key(),
        };
        key.rsplit('/').next()
    }

    /// Directory of the source file below `content/`, as `GetPage` resolves relative references
    /// from it: `/handbook/a` (a section without a file: its own URL path). Worked out from the
    /// path rather than stored: a whole handbook has tens of thousands of pages.
    fn dir(&self) -> &str {
        let dir = match self.path.strip_prefix("content").and_then(|p| p.rfind('/').map(|i| &p[..i])) {
            Some(dir) => dir,
            None => self.url_key().trim_end_matches('/'),
        };
        if dir.is_empty() { "/" } else { dir }
    }
}

/// Hugo's `build.render` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Render {
    #[default]
    Always,
    /// A URL but no file: links to it are broken in the built site.
    Link,
    /// Neither URL nor file.
    Never,
}

/// What a link destination leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A page of the site (index into [`Site::pages`]), with the decoded fragment if any.
    Page { page: usize, fragment: Option<String> },
    /// Resolves to nothing in a section the repository has: a broken link, with the resolved path.
    Broken { path: String },
    /// Not checked: an external URL, a static file, a section the repository does not contain, or
    /// a target excluded by configuration.
    Unchecked(Unchecked),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchecked {
    External,
    StaticFile,
    OutOfScope,
    Excluded,
    Empty,
}

/// A file that could not be indexed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Site {
    root: PathBuf,
    /// Where the site lies in the repository (`examples/handbook/`, or empty when the repository
    /// is the site): document paths are repository-relative, the index is site-relative.
    prefix: String,
    pages: Vec<Page>,
    // Looked up for every link of the handbook. The tables hold page indices only and read the
    // strings from the pages: a whole handbook has tens of thousands of them.
    /// Pages by `GetPage` key, for the pages whose key is their URL without its last slash
    /// (nearly all: those placed by their path).
    by_key: PageTable,
    /// Pages by `GetPage` key, for the pages that front matter places elsewhere (`url`, `slug`).
    moved_keys: FxHashMap<String, usize>,
    /// Published pages by URL.
    by_url: PageTable,
    aliases: FxHashMap<String, usize>,
    /// Source path (repository-relative) of every published page.
    by_path: PageTable,
    /// Files under `content/` that are not published pages (drafts, bundle resources).
    unpublished: HashSet<String>,
    /// Top-level sections (`handbook`, `teamops`): links elsewhere are not the site's business.
    sections: HashSet<String>,
    excludes: Option<RegexSet>,
    includes: Includes,
    skipped: Vec<Skipped>,
    /// Directories below `content/` that could not be listed (repository-relative paths): their
    /// pages are missing from the index.
    unlisted: Vec<Skipped>,
    /// Pages by the last segment of their URL, for "did you mean" on broken links; built the first
    /// time one is asked for (a scan of every page per broken link grows with the square of the
    /// site).
    /// Sorted by that segment (then by index).
    by_name: OnceLock<Vec<usize>>,
    /// The temporary file ids of parsed pages were shelved in, if any were.
    spill: Option<Arc<Spill>>,
}

/// Include files (`assets/<path>`) as id sources, each read once per run however many pages
/// include it. Shared by the threads that parse pages before the site index exists.
#[derive(Debug, Default)]
pub struct Includes {
    /// The site root (the directory holding `assets/`).
    root: PathBuf,
    cache: Mutex<HashMap<String, Arc<IdSources>>>,
}

impl Includes {
    pub fn new(site_root: PathBuf) -> Includes {
        Includes { root: site_root, cache: Mutex::default() }
    }

    fn get(&self, path: &str) -> Arc<IdSources> {
        if let Ok(cache) = self.cache.lock()
            && let Some(found) = cache.get(path)
        {
            return Arc::clone(found);
        }
        let sources = Arc::new(include_sources_of(&self.root, path));
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(path.to_string(), Arc::clone(&sources));
        }
        sources
    }

    /// The ids a parsed page produces on the site, its includes spliced in.
    pub fn ids_of(&self, doc: &Document) -> IdSet {
        let sources = IdSources::of_document(doc, &|path| self.get(path));
        ids_of(&sources.0)
    }
}

/// What the site index takes from a page the caller has parsed, so that the page is not read
/// again: where its front matter places it, and the ids its HTML will have.
#[derive(Debug)]
pub struct PageFacts {
    /// Repository-relative path, shared with the page's links and, in the index, with its page.
    path: Arc<str>,
    /// `None` for the placement of nearly every page: where its path puts it.
    placement: Option<Box<Placement>>,
    ids: FactIds,
}

#[derive(Debug)]
enum FactIds {
    Here(IdSet),
    Shelved(Shelved),
}

impl PageFacts {
    pub fn of(doc: &Document, includes: &Includes) -> PageFacts {
        PageFacts::sharing(doc, includes, doc.path.as_str().into())
    }

    /// [`PageFacts::of`] keeping `path` (the document's path) rather than a copy of its own.
    pub fn sharing(doc: &Document, includes: &Includes, path: Arc<str>) -> PageFacts {
        debug_assert_eq!(&*path, doc.path);
        let placement = placement_of(&doc.front_matter);
        PageFacts {
            path,
            placement: (!placement.is_default()).then(|| Box::new(placement)),
            ids: FactIds::Here(includes.ids_of(doc)),
        }
    }

    /// Bytes of heading ids these facts hold in memory.
    pub fn ids_bytes(&self) -> usize {
        match &self.ids {
            FactIds::Here(ids) => ids.as_bytes().len(),
            FactIds::Shelved(_) => 0,
        }
    }

    /// Writes the heading ids the facts hold in memory to `spill`'s temporary file, through a
    /// small buffer, and frees them; the site index reads them back when a link needs them. Left
    /// in memory if the file cannot be written. Returns the bytes freed.
    fn shelve(facts: &mut [PageFacts], spill: &Spill) -> usize {
        let mut total = 0;
        let mut moved = Vec::new();
        for (i, f) in facts.iter().enumerate() {
            if let FactIds::Here(ids) = &f.ids
                && !ids.is_empty()
            {
                moved.push((i, total, ids.as_bytes().len()));
                total += ids.as_bytes().len();
            }
        }
        if moved.is_empty() {
            return 0;
        }
        let Some(mut writer) = spill.writer(total) else { return 0 };
        for &(i, _, _) in &moved {
            if let FactIds::Here(ids) = &facts[i].ids {
                writer.put(ids.as_bytes());
            }
        }
        let Some(offset) = writer.finish() else { return 0 };
        for (i, start, len) in moved {
            // A page's ids are far below 4 GiB (its file is size-limited before parsing).
            let len = u32::try_from(len).unwrap_or(u32::MAX);
            facts[i].ids = FactIds::Shelved(Shelved { offset: offset + start as u64, len });
        }
        total
    }

    fn placement(&self) -> &Placement {
        self.placement.as_deref().unwrap_or(&DEFAULT_PLACEMENT)
    }
}

/// The facts of the pages one task of the first pass parsed. As [`crate::document::LinkStore`]
/// does for links, it counts their heading ids against the run's memory budget and, once the run
/// is over it, writes the ids it holds to the spill file.
#[derive(Debug, Default)]
pub struct FactStore {
    facts: Vec<PageFacts>,
    /// Bytes of ids held by `facts[offered..]`; those before were offered to the spill file (and
    /// keep their ids in memory only if it could not be written).
    held: usize,
    offered: usize,
}

impl FactStore {
    pub fn push(&mut self, facts: PageFacts, spill: &Spill) {
        self.held += facts.ids_bytes();
        spill.hold(facts.ids_bytes());
        self.facts.push(facts);
        if spill.should_spill(self.held) {
            self.shelve_rest(spill);
        }
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Writes the ids still held in memory to `spill`'s file (see [`FactStore::push`]).
    pub fn shelve_rest(&mut self, spill: &Spill) {
        let freed = PageFacts::shelve(&mut self.facts[self.offered..], spill);
        spill.release(freed);
        self.held = 0;
        self.offered = self.facts.len();
        let _ = crate::memory::freed(freed);
    }

    pub fn into_facts(self) -> Vec<PageFacts> {
        self.facts
    }
}

/// Where a file's placement came from while the site is indexed.
enum Source {
    /// The caller parsed it: index into the facts.
    Parsed(usize),
    /// Read here (front matter only), or why it could not be. Boxed: most files are parsed, and
    /// there is one of these per file while the index is built.
    Read(Box<Result<Placement, String>>),
}

/// A content file, indexed; `page` is `None` for a file Hugo does not publish.
struct FileEntry {
    repo: Arc<str>,
    source: Source,
    page: Option<PageEntry>,
}

struct PageEntry {
    key: String,
    url: String,
    leaf: bool,
    /// Alias URLs as lookup keys.
    aliases: Vec<String>,
}

/// The `GetPage` key, URL, directory and aliases of the page at `rel` (below `content/`).
fn page_entry(rel: &str, placement: &Placement) -> PageEntry {
    let mut url = match &placement.url {
        Some(u) => normalize_url_key(u),
        None => url::page_url(rel),
    };
    if let (Some(slug), None) = (&placement.slug, &placement.url) {
        let parent = url.trim_end_matches('/').rsplit_once('/').map_or("", |(p, _)| p);
        url = format!("{parent}/{}/", slug.trim_matches('/').to_lowercase().replace(' ', "-"));
    }
    let aliases = placement
        .aliases
        .iter()
        .map(|alias| {
            let alias = if alias.starts_with('/') { alias.clone() } else { url::resolve(&url, alias) };
            normalize_url_key(&alias)
        })
        .collect();
    PageEntry { key: url::page_key(rel), leaf: rel.ends_with("/index.md"), aliases, url }
}

/// The `GetPage` key of a page that its path places at `url`: the URL without its last slash.
fn key_of_url(url: &str) -> &str {
    if url == "/" { url } else { url.strip_suffix('/').unwrap_or(url) }
}

/// What front matter decides about where a page lives.
#[derive(Debug, Default)]
struct Placement {
    draft: bool,
    render: Render,
    url: Option<String>,
    slug: Option<String>,
    aliases: Vec<String>,
}

/// A page's placement when its front matter says nothing about it.
static DEFAULT_PLACEMENT: Placement =
    Placement { draft: false, render: Render::Always, url: None, slug: None, aliases: Vec::new() };

impl Placement {
    fn is_default(&self) -> bool {
        !self.draft
            && self.render == Render::Always
            && self.url.is_none()
            && self.slug.is_none()
            && self.aliases.is_empty()
    }
}

impl Site {
    /// Where the site of a run's handbook pages lies: the directory holding the `content/` they are
    /// in (`examples/handbook/`, or empty for the repository root); when pages of several trees
    /// are linted together, the one most of them belong to. `None` without pages.
    pub fn prefix_of<'a>(paths: impl Iterator<Item = &'a str>) -> Option<String> {
        let mut prefixes: HashMap<&str, usize> = HashMap::new();
        for path in paths {
            *prefixes.entry(site_prefix(path)).or_default() += 1;
        }
        let best = prefixes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.len().cmp(&a.0.len())))?;
        Some(best.0.to_string())
    }

    /// Indexes the Hugo site at `root` (the directory holding `content/` and `assets/`).
    ///
    /// `docs` are documents the caller has already parsed (any kind, any path; those that are
    /// pages of this site are used): their front matter and heading ids are taken from them, and
    /// only the other pages are read here (front matter only; headings later, if a link needs
    /// them). Exclusion patterns come from `handbook.exclude_links` and the tree's own
    /// `.hugolint.yaml`.
    pub fn build<'a>(
        root: &Path,
        handbook: &HandbookDef,
        docs: impl IntoIterator<Item = &'a Document>,
    ) -> Result<Site, SiteError> {
        Site::build_at(root, "", handbook, docs)
    }

    /// [`Site::build`] for a site at `prefix` (with a trailing `/`, or empty) below the repository
    /// `repo_root`, whose documents carry repository-relative paths.
    pub fn build_at<'a>(
        repo_root: &Path,
        prefix: &str,
        handbook: &HandbookDef,
        docs: impl IntoIterator<Item = &'a Document>,
    ) -> Result<Site, SiteError> {
        let includes = Includes::new(repo_root.join(prefix));
        let docs: Vec<&Document> = docs.into_iter().filter(|d| d.kind == DocKind::Handbook).collect();
        let facts = docs.par_iter().map(|d| PageFacts::of(d, &includes)).collect();
        let files = SiteFiles::list(&repo_root.join(prefix));
        Site::build_from(repo_root, prefix, handbook, includes, files, facts, None)
    }

    /// [`Site::build_at`] from the site's files ([`SiteFiles::list`] of the site root) and facts
    /// of the pages the caller parsed (see [`PageFacts`]); `includes` is the cache their ids were
    /// worked out with, rooted at the site.
    pub fn build_from(
        repo_root: &Path,
        prefix: &str,
        handbook: &HandbookDef,
        includes: Includes,
        files: SiteFiles,
        facts: Vec<PageFacts>,
        spill: Option<Arc<Spill>>,
    ) -> Result<Site, SiteError> {
        let root = repo_root.join(prefix);
        let mut site = Site { root: root.clone(), prefix: prefix.to_string(), includes, spill, ..Site::default() };
        site.excludes = site.load_excludes(&handbook.exclude_links)?;
        let content = root.join("content");
        let SiteFiles { files, dirs, skipped } = files;
        site.unlisted = skipped.into_iter().map(|s| Skipped { path: format!("{prefix}{}", s.path), ..s }).collect();
        // Facts of the pages the caller parsed, by site-relative path (a table of their indices,
        // which asks the facts for their paths; the last of one path wins); taken out as pages
        // are made.
        let mut facts: Vec<Option<PageFacts>> = facts.into_iter().map(Some).collect();
        let mut provided = PageTable::with_capacity(facts.len());
        let hash_of = |f: &Option<PageFacts>| f.as_ref().map_or(0, |f| table::hash(&site.repo_path(&f.path)));
        for (i, f) in facts.iter().enumerate() {
            let Some(path) = f.as_ref().map(|f| site.repo_path(&f.path)) else { continue };
            let is = |j: usize| facts[j].as_ref().is_some_and(|f| site.repo_path(&f.path) == path);
            provided.insert_by(Claim::Last, table::hash(&path), i, is, |j| hash_of(&facts[j]));
        }

        // A directory with `index.md` is a leaf bundle: other Markdown files inside it are
        // resources of that page, not pages.
        let leaf_dirs: FxHashSet<&str> =
            files.iter().filter_map(|f| f.strip_suffix("/index.md").or((f == "index.md").then_some(""))).collect();
        let in_leaf_bundle = |rel: &str| {
            let mut dir = rel;
            let own_index = rel.ends_with("/index.md") || rel == "index.md";
            let mut first = true;
            while let Some(slash) = dir.rfind('/') {
                dir = &dir[..slash];
                if leaf_dirs.contains(dir) && !(first && own_index) {
                    return true;
                }
                first = false;
            }
            false
        };

        // Sized once: growing a table holds the old one and the new one at the same time.
        site.pages.reserve(files.len() + dirs.len() + 1);
        site.by_key = PageTable::with_capacity(files.len());
        site.by_url = PageTable::with_capacity(files.len());
        site.by_path = PageTable::with_capacity(files.len());
        // A few thousand files at a time: what is worked out per file waits for the index only
        // that long.
        let mut listed = files.iter();
        loop {
            let chunk: Vec<&str> = listed.by_ref().take(4096).collect();
            if chunk.is_empty() {
                break;
            }
            site.index_files(&chunk, &content, &provided, &mut facts, &in_leaf_bundle);
        }
        // Hugo makes the home page and every top-level section whether or not they have a file.
        for dir in dirs.iter().filter(|d| !d.contains('/')) {
            site.sections.insert(dir.to_string());
            site.add_virtual(&format!("/{dir}"));
        }
        site.add_virtual("/");
        let mut aliases = std::mem::take(&mut site.aliases);
        aliases.retain(|alias, _| site.page_by_url(alias).is_none());
        site.aliases = aliases;
        Ok(site)
    }

    /// Adds the pages of `files` (below `content/`) to the index, in order; `provided` gives the
    /// index into `facts` of the pages the caller parsed, whose facts are taken out.
    fn index_files(
        &mut self,
        files: &[&str],
        content: &Path,
        provided: &PageTable,
        facts: &mut [Option<PageFacts>],
        in_leaf_bundle: &(dyn Fn(&str) -> bool + Sync),
    ) {
        // Everything about a file that does not depend on the others, worked out in parallel.
        let entries: Vec<FileEntry> = files
            .par_iter()
            .map(|rel| {
                let path = format!("content/{rel}");
                let is = |i: usize| facts[i].as_ref().is_some_and(|f| self.repo_path(&f.path) == path.as_str());
                let parsed = provided.find(table::hash(&path), is).and_then(|i| Some((i, facts[i].as_ref()?)));
                // A page the caller parsed already has its path as a shared string: the same one,
                // when the repository is the site.
                let repo: Arc<str> = match parsed {
                    Some((_, f)) if *f.path == path => Arc::clone(&f.path),
                    _ => path.into(),
                };
                let source = match parsed {
                    Some((i, _)) => Source::Parsed(i),
                    None => Source::Read(Box::new(read_placement(&content.join(rel)))),
                };
                // A file whose front matter could not be read is placed by its path alone.
                let placement = match (&source, parsed) {
                    (_, Some((_, f))) => f.placement(),
                    (Source::Read(read), _) => read.as_ref().as_ref().unwrap_or(&DEFAULT_PLACEMENT),
                    (Source::Parsed(_), None) => &DEFAULT_PLACEMENT,
                };
                let page = (!placement.draft && !in_leaf_bundle(rel)).then(|| page_entry(rel, placement));
                FileEntry { repo, source, page }
            })
            .collect();
        let site = self;
        for FileEntry { repo, source, page } in entries {
            let (render, ids) = match source {
                Source::Parsed(i) => match facts[i].take() {
                    Some(f) => (f.placement().render, Some(f.ids)),
                    None => (Render::Always, None),
                },
                Source::Read(read) => match *read {
                    Ok(p) => (p.render, None),
                    Err(reason) => {
                        site.skipped.push(Skipped { path: repo.to_string(), reason });
                        (Render::Always, None)
                    }
                },
            };
            let Some(PageEntry { key, url: page_url, leaf, aliases }) = page else {
                site.unpublished.insert(repo.to_string());
                continue;
            };
            let index = site.pages.len();
            let ids = match ids {
                Some(FactIds::Here(ids)) => PageIds::known(ids),
                Some(FactIds::Shelved(at)) => PageIds::Shelved(at),
                None => PageIds::Here(OnceLock::new()),
            };
            site.pages.push(Page::new(Arc::clone(&repo), &page_url, leaf, render, ids));
            site.index_key(key, index);
            if render == Render::Always {
                site.index_url(&page_url, index);
            }
            let pages = &site.pages;
            site.by_path.insert_last(&repo, index, |i| &pages[i].path);
            for alias in aliases {
                site.aliases.entry(alias).or_insert(index);
            }
        }
    }

    fn add_virtual(&mut self, key: &str) {
        if self.page_by_key(key).is_some() {
            return;
        }
        let url = if key == "/" { "/".to_string() } else { format!("{key}/") };
        let index = self.pages.len();
        let ids = PageIds::known(IdSet::default());
        self.pages.push(Page::new("".into(), &url, false, Render::Always, ids));
        self.index_key(key, index);
        self.index_url(&url, index);
    }

    /// Indexes page `index` (the last one added) under its URL `url`, unless a page has it. The
    /// table hashes a URL without its last slash, which is what a page placed by its path holds
    /// of it (see [`Page::url`]).
    fn index_url(&mut self, url: &str, index: usize) {
        let pages = &self.pages;
        let hash = table::hash(key_of_url(url));
        self.by_url.insert_by(Claim::First, hash, index, |i| pages[i].url_is(url), |i| table::hash(pages[i].url_key()));
    }

    /// The published page at URL path `url`, aliases aside.
    fn page_by_url(&self, url: &str) -> Option<usize> {
        self.by_url.find(table::hash(key_of_url(url)), |i| self.pages[i].url_is(url))
    }

    /// Indexes page `index` (the last one added) under `GetPage` key `key`, unless a page has it.
    fn index_key(&mut self, key: impl AsRef<str> + Into<String>, index: usize) {
        let pages = &self.pages;
        if key.as_ref() == pages[index].url_key() {
            self.by_key.insert_first(key.as_ref(), index, |i| pages[i].url_key());
        } else {
            self.moved_keys.entry(key.into()).or_insert(index);
        }
    }

    /// The page with `GetPage` key `key`: the first page indexed with it.
    fn page_by_key(&self, key: &str) -> Option<usize> {
        let placed = self.by_key.get(key, |i| self.pages[i].url_key());
        let moved = self.moved_keys.get(key).copied();
        match (placed, moved) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn load_excludes(&mut self, configured: &[String]) -> Result<Option<RegexSet>, SiteError> {
        let mut excludes = Vec::new();
        for pattern in configured {
            Regex::new(pattern)
                .map_err(|e| SiteError::BadPattern { pattern: pattern.clone(), message: e.to_string() })?;
            excludes.push(pattern.clone());
        }
        let hugolint = self.root.join(".hugolint.yaml");
        if let Ok(text) = std::fs::read_to_string(&hugolint) {
            for pattern in hugolint_patterns(&text) {
                match Regex::new(&pattern) {
                    Ok(_) => excludes.push(pattern),
                    Err(e) => self.skipped.push(Skipped {
                        path: ".hugolint.yaml".to_string(),
                        reason: format!("exclusion pattern `{pattern}` ignored: {e}"),
                    }),
                }
            }
        }
        if excludes.is_empty() {
            return Ok(None);
        }
        // One automaton for every pattern: links are many, patterns a few dozen.
        RegexSet::new(&excludes)
            .map(Some)
            .map_err(|e| SiteError::BadPattern { pattern: excludes.join(" | "), message: e.to_string() })
    }

    /// `path` as a repository-relative, `/`-separated path (what `Page::path` holds).
    /// Borrowed when `path` already is one: it is asked for every page of every link check.
    fn repo_path<'a>(&self, path: &'a str) -> Cow<'a, str> {
        let path = path.strip_prefix(self.prefix.as_str()).unwrap_or(path);
        match Path::new(path).strip_prefix(&self.root) {
            Ok(rel) => Cow::Owned(rel.to_string_lossy().replace('\\', "/").trim_start_matches("./").to_string()),
            Err(_) if !path.contains('\\') => Cow::Borrowed(path.trim_start_matches("./")),
            Err(_) => Cow::Owned(path.replace('\\', "/").trim_start_matches("./").to_string()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// Files that could not be indexed, with the reason, for the caller to report.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Directories below `content/` that could not be listed, with the reason (paths
    /// repository-relative), for the caller to report: links to their pages look broken.
    pub fn unlisted(&self) -> &[Skipped] {
        &self.unlisted
    }

    /// Pages whose URL ends with the segment `name` (`/…/name/`).
    pub fn pages_named(&self, name: &str) -> &[usize] {
        let name_of = |i: usize| self.pages[i].url_name();
        let index = self.by_name.get_or_init(|| {
            let mut index: Vec<usize> = (0..self.pages.len()).filter(|&i| name_of(i).is_some()).collect();
            // Stable: pages of one name stay in index order.
            index.sort_by(|&a, &b| name_of(a).cmp(&name_of(b)));
            index
        });
        let start = index.partition_point(|&i| name_of(i) < Some(name));
        let len = index[start..].partition_point(|&i| name_of(i) == Some(name));
        &index[start..start + len]
    }

    /// The published page whose source is `path` (repository-relative or under the root).
    pub fn page_of(&self, path: &str) -> Option<usize> {
        self.by_path.get(&self.repo_path(path), |i| &self.pages[i].path)
    }

    /// Whether `path` is a file under `content/` that Hugo does not publish (a draft, or a
    /// Markdown resource of a leaf bundle).
    pub fn is_unpublished(&self, path: &str) -> bool {
        self.unpublished.contains(&*self.repo_path(path))
    }

    /// The page a URL path (decoded, as a browser would request it) serves, following aliases.
    pub fn page_at_url(&self, path: &str) -> Option<usize> {
        let with_slash;
        let candidates: &[&str] = if path.ends_with('/') {
            &[path]
        } else {
            with_slash = format!("{path}/");
            &[path, &with_slash]
        };
        for c in candidates {
            if let Some(i) = self.page_by_url(c).or_else(|| self.aliases.get(*c).copied()) {
                return Some(i);
            }
        }
        None
    }

    /// `GetPage` from page `from`: the reference relative to the page first, then (unless it
    /// starts with `.`) from the content root. Only one trailing slash is dropped, as Hugo does:
    /// `a//` finds nothing.
    pub fn get_page(&self, from: usize, reference: &str) -> Option<usize> {
        let reference = reference.strip_suffix('/').unwrap_or(reference);
        if reference.ends_with('/') {
            return None;
        }
        if reference.is_empty() {
            return self.page_by_key("/");
        }
        let find = |path: String| {
            let key = url::page_key(&path);
            // A reference that climbs out of `content/` and back in still names the page.
            if let Some(i) = self.page_by_key(&key) {
                return Some(i);
            }
            key.strip_prefix("/content").filter(|k| k.starts_with('/')).and_then(|k| self.page_by_key(k))
        };
        if reference.starts_with('/') {
            return find(url::join_clean("/", reference));
        }
        let page = &self.pages[from];
        let base = if page.leaf && url::extension(reference).as_deref() != Some(".md") {
            page.dir().rsplit_once('/').map_or("/", |(parent, _)| if parent.is_empty() { "/" } else { parent })
        } else {
            page.dir()
        };
        if let Some(i) = find(url::join_clean(base, reference)) {
            return Some(i);
        }
        if reference.starts_with('.') {
            return None;
        }
        find(url::join_clean("/", reference))
    }

    /// Where link destination `dest` written on page `from` leads, as Hugo 0.151 with its embedded
    /// link render hook and then a browser would take it.
    pub fn resolve(&self, from: usize, dest: &str) -> Target {
        self.resolve_with(from, dest, true)
    }

    /// Where an `href` of raw HTML on page `from` leads: the render hook never sees raw HTML, so
    /// only the browser resolves it.
    pub fn resolve_html(&self, from: usize, href: &str) -> Target {
        self.resolve_with(from, href, false)
    }

    fn resolve_with(&self, from: usize, dest: &str, hook: bool) -> Target {
        let dest = dest.trim();
        if dest.is_empty() {
            return Target::Unchecked(Unchecked::Empty);
        }
        let parts = url::split(dest);
        if parts.scheme.is_some() || parts.host.is_some() {
            return Target::Unchecked(Unchecked::External);
        }
        let page = &self.pages[from];
        let fragment_raw = parts.fragment.filter(|f| !f.is_empty());
        let fragment = fragment_raw.map(|f| url::percent_decode(f).into_owned());
        if parts.path.is_empty() {
            // `#x` (and `?q`) stay on the page itself.
            return self.checked(from, fragment_raw, fragment);
        }
        let decoded = url::percent_decode(parts.path);
        if is_static(&decoded) {
            return Target::Unchecked(Unchecked::StaticFile);
        }
        let reference = decoded.strip_prefix("./").unwrap_or(&decoded);
        if let Some(i) = self.get_page(from, reference).filter(|_| hook) {
            let target = &self.pages[i];
            return match target.rendered {
                Render::Always => self.checked(i, fragment_raw, fragment),
                // No permalink: the hook writes just `#fragment`, which stays on this page.
                Render::Never => self.checked(from, fragment_raw, fragment),
                Render::Link if self.is_excluded_page(i, fragment_raw) => Target::Unchecked(Unchecked::Excluded),
                Render::Link => Target::Broken { path: target.url().into_owned() },
            };
        }
        // No page: the link is left as written and the browser resolves it against the page URL.
        let resolved = url::percent_decode(&url::resolve(&page.url(), parts.path)).into_owned();
        if is_static(&resolved) {
            return Target::Unchecked(Unchecked::StaticFile);
        }
        let top = resolved.trim_matches('/').split('/').next().unwrap_or("");
        if !self.sections.contains(top) {
            return Target::Unchecked(Unchecked::OutOfScope);
        }
        if self.is_excluded(&resolved, fragment_raw) {
            return Target::Unchecked(Unchecked::Excluded);
        }
        match self.page_at_url(&resolved) {
            Some(i) => Target::Page { page: i, fragment },
            None => Target::Broken { path: resolved },
        }
    }

    fn checked(&self, page: usize, fragment_raw: Option<&str>, fragment: Option<String>) -> Target {
        if self.is_excluded_page(page, fragment_raw) {
            Target::Unchecked(Unchecked::Excluded)
        } else {
            Target::Page { page, fragment }
        }
    }

    /// [`Site::is_excluded`] for the URL of page `page`.
    fn is_excluded_page(&self, page: usize, fragment: Option<&str>) -> bool {
        let Some(excludes) = &self.excludes else {
            return false;
        };
        let mut link = String::with_capacity(self.pages[page].path.len() + fragment.map_or(0, |f| f.len() + 1));
        self.pages[page].push_url(&mut link);
        if let Some(f) = fragment {
            link.push('#');
            link.push_str(f);
        }
        excludes.is_match(&link)
    }

    fn is_excluded(&self, path: &str, fragment: Option<&str>) -> bool {
        let Some(excludes) = &self.excludes else {
            return false;
        };
        match fragment {
            Some(f) => excludes.is_match(&format!("{path}#{f}")),
            None => excludes.is_match(path),
        }
    }

    /// The ids a page's HTML has: heading ids (Hugo's, with includes), `{#id}`s, and `id`/`name`
    /// attributes of raw HTML. Reads and parses the page the first time it is asked for, or reads
    /// the ids back from the temporary file they were shelved in. An error says why neither
    /// worked: the page cannot be read (any more).
    pub fn ids(&self, page: usize) -> Result<Cow<'_, IdSet>, String> {
        let p = &self.pages[page];
        match &p.ids {
            PageIds::Here(known) => match known.get() {
                Some(ids) => Ok(Cow::Borrowed(ids)),
                None => {
                    let ids = self.read_ids(p)?;
                    Ok(Cow::Borrowed(known.get_or_init(|| ids)))
                }
            },
            PageIds::Shelved(at) => {
                let back = self.spill.as_ref().and_then(|spill| spill.read(at.offset, at.len as usize).ok());
                // A file that cannot be read back costs a parse of the page, not a wrong answer.
                match back.and_then(IdSet::from_bytes) {
                    Some(ids) => Ok(Cow::Owned(ids)),
                    None => self.read_ids(p).map(Cow::Owned),
                }
            }
        }
    }

    fn read_ids(&self, p: &Page) -> Result<IdSet, String> {
        let text = read_text(&self.root.join(&*p.path)).map_err(|e| format!("`{}`: {e}", p.path))?;
        Ok(self.ids_from_document(&Document::parse(&p.path, DocKind::Handbook, text)))
    }

    /// Whether page `page` has id `id`.
    pub fn has_id(&self, page: usize, id: &str) -> bool {
        self.ids(page).is_ok_and(|ids| ids.contains(id))
    }

    /// The ids a parsed document produces on this site (its includes read from `assets/`).
    pub fn ids_from_document(&self, doc: &Document) -> IdSet {
        self.includes.ids_of(doc)
    }
}

/// Non-page extensions: links to them are static files, which the oracle and Hugo leave alone.
fn is_static(path: &str) -> bool {
    url::extension(path).is_some_and(|ext| !matches!(ext.as_str(), ".md" | ".html" | ".htm"))
}

/// An alias or `url:` as a lookup key: leading slash, and a trailing slash unless it names a file.
fn normalize_url_key(u: &str) -> String {
    let mut s = u.trim().to_string();
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    if !s.ends_with('/') && !s.ends_with(".html") {
        s.push('/');
    }
    s
}

/// `pattern: '…'` entries of a `.hugolint.yaml`.
fn hugolint_patterns(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start().trim_start_matches('-').trim_start();
        if let Some(rest) = line.strip_prefix("pattern:") {
            let rest = rest.trim();
            let unquoted = rest
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .or_else(|| rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')))
                .unwrap_or(rest);
            if !unquoted.is_empty() {
                out.push(unquoted.to_string());
            }
        }
    }
    out
}

/// The Markdown files and directories below a site's `content/` (names relative to it, in
/// depth-first order with each directory's entries by name, so that pages are numbered, and two
/// pages claiming one URL resolved, the same way every run), and what could not be listed.
#[derive(Debug, Default)]
pub struct SiteFiles {
    files: PathList,
    dirs: PathList,
    skipped: Vec<Skipped>,
}

impl SiteFiles {
    /// Lists `content/` of the site at `site_root` (nothing when there is none).
    pub fn list(site_root: &Path) -> SiteFiles {
        SiteFiles::list_sharing(site_root, &|_, _| None)
    }

    /// [`SiteFiles::list`], keeping for a file that `shared` knows (given the directory below
    /// `content/` and the file's name) the string it returns rather than a copy of the path: the
    /// run's own path of the page, `skip` bytes of prefix (the site's directory and `content/`)
    /// followed by the path below `content/`. A whole-handbook run lints every file it lists.
    pub fn list_sharing(site_root: &Path, shared: &Shared<'_>) -> SiteFiles {
        let content = site_root.join("content");
        if !content.is_dir() {
            return SiteFiles::default();
        }
        walk(&content, "", 0, shared)
    }
}

/// What [`SiteFiles::list_sharing`] asks of the run: its string for a file at `dir/name` below
/// `content/`, and how many bytes of it come before that path.
pub type Shared<'a> = dyn Fn(&str, &str) -> Option<SharedPath> + Sync + 'a;

/// A string of the run that holds a path after some bytes of prefix.
pub type SharedPath = (Arc<str>, usize);

/// Relative paths packed end to end in one string: a listing of tens of thousands of files is a
/// few allocations, not one per path. A path the run already holds as a string is kept as that
/// string, not copied.
#[derive(Debug, Default)]
struct PathList {
    text: String,
    /// Where each path ends in `text`; or, with [`SHARED`] set, its index in `shared`.
    ends: Vec<usize>,
    shared: Vec<SharedPath>,
}

/// Marks an entry of [`PathList::ends`] as an index into [`PathList::shared`].
const SHARED: usize = 1 << (usize::BITS - 1);

impl PathList {
    /// Adds `rel/name` (`name` when `rel` is empty).
    fn push(&mut self, rel: &str, name: &str) {
        if !rel.is_empty() {
            self.text.push_str(rel);
            self.text.push('/');
        }
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    /// Adds a path held in the run's string `path` after `skip` bytes.
    fn push_shared(&mut self, path: Arc<str>, skip: usize) {
        self.ends.push(SHARED | self.shared.len());
        self.shared.push((path, skip));
    }

    /// Adds the paths of `other`, in order.
    fn append(&mut self, other: PathList) {
        let (base, shared) = (self.text.len(), self.shared.len());
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|&end| if end & SHARED != 0 { end + shared } else { base + end }));
        self.shared.extend(other.shared);
    }

    fn reserve(&mut self, text: usize, paths: usize, shared: usize) {
        self.text.reserve_exact(text);
        self.ends.reserve_exact(paths);
        self.shared.reserve_exact(shared);
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        self.ends.iter().scan(0, |start, &end| {
            Some(if end & SHARED != 0 {
                let (path, skip) = &self.shared[end & !SHARED];
                &path[*skip..]
            } else {
                let own = &self.text[*start..end];
                *start = end;
                own
            })
        })
    }
}

/// Paths in the order of their components (`a/b` before `a-b`): bytes compared with `/` as the
/// lowest, which is what comparing the split components gives, without splitting.
#[cfg(test)]
fn by_components(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    a.bytes().map(key).cmp(b.bytes().map(key))
}

/// Lists Markdown files and directories below `dir` (relative names `rel/...`), directories in
/// parallel, never following symlinked directories, so a symlink loop cannot hang the walk.
/// Each directory's entries are taken by name (names hold no `/`), so the listing comes out in
/// the order of its paths' components (`a/b` before `a-b`) without sorting it whole.
fn walk(dir: &Path, rel: &str, depth: usize, shared: &Shared<'_>) -> SiteFiles {
    let mut out = SiteFiles::default();
    if depth > MAX_DEPTH {
        out.skipped.push(Skipped { path: format!("content/{rel}"), reason: "directory tree too deep".to_string() });
        return out;
    }
    let read = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.skipped.push(Skipped { path: format!("content/{rel}"), reason: format!("cannot list directory: {e}") });
            return out;
        }
    };
    // (name, the path of a directory, the run's string for a file)
    let mut entries: Vec<(String, Option<PathBuf>, Option<SharedPath>)> = Vec::new();
    for entry in read.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            entries.push((name, Some(entry.path()), None));
        } else if name.ends_with(".md") && (kind.is_file() || entry.path().is_file()) {
            let path = shared(rel, &name);
            entries.push((name, None, path));
        }
    }
    entries.sort_unstable_by(|(a, ..), (b, ..)| a.cmp(b));
    let nested: Vec<SiteFiles> = entries
        .par_iter()
        .filter_map(|(name, sub, _)| {
            let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            Some(walk(sub.as_ref()?, &child, depth + 1, shared))
        })
        .collect();
    // Sized once: each level copies its subdirectories' listings into its own.
    let text = |dirs: bool| {
        entries
            .iter()
            .filter(move |(_, sub, path)| sub.is_some() == dirs && path.is_none())
            .map(|(name, ..)| rel.len() + 1 + name.len())
    };
    let files_text = text(false).sum::<usize>() + nested.iter().map(|n| n.files.text.len()).sum::<usize>();
    let dirs_text = text(true).sum::<usize>() + nested.iter().map(|n| n.dirs.text.len()).sum::<usize>();
    let files_shared = entries.iter().filter(|(.., path)| path.is_some()).count()
        + nested.iter().map(|n| n.files.shared.len()).sum::<usize>();
    out.files.reserve(
        files_text,
        entries.len() - nested.len() + nested.iter().map(|n| n.files.len()).sum::<usize>(),
        files_shared,
    );
    out.dirs.reserve(dirs_text, nested.len() + nested.iter().map(|n| n.dirs.len()).sum::<usize>(), 0);
    let mut nested = nested.into_iter();
    for (name, sub, path) in entries {
        if sub.is_none() {
            match path {
                Some((path, skip)) => out.files.push_shared(path, skip),
                None => out.files.push(rel, &name),
            }
            continue;
        }
        out.dirs.push(rel, &name);
        if let Some(n) = nested.next() {
            out.files.append(n.files);
            out.dirs.append(n.dirs);
            out.skipped.extend(n.skipped);
        }
    }
    out
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Front matter keys that move or hide a page; YAML is parsed only when one of them appears.
const PLACEMENT_KEYS: [&str; 6] = ["aliases", "draft", "url", "slug", "headless", "build"];

fn read_placement(path: &Path) -> Result<Placement, String> {
    let text = read_text(path)?;
    let head = front_matter_text(&text);
    let lower = head.to_ascii_lowercase();
    if !PLACEMENT_KEYS.iter().any(|k| lower.contains(k)) {
        return Ok(Placement::default());
    }
    let (fm, _) = parse_front_matter(&text);
    Ok(placement_of(&fm))
}

/// The text between the front matter delimiters, or "" (cheap: no YAML parsing).
fn front_matter_text(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text.strip_prefix("---") else {
        return "";
    };
    let rest = rest.trim_start_matches([' ', '\t', '\r']);
    let Some(rest) = rest.strip_prefix('\n') else {
        return "";
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return &rest[..offset];
        }
        offset += line.len();
    }
    rest
}

fn placement_of(fm: &FrontMatter) -> Placement {
    let FrontMatter::Yaml { value: Value::Object(map), .. } = fm else {
        return Placement::default();
    };
    // Hugo reads front matter keys case-insensitively.
    let get = |name: &str| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let truthy = |v: Option<&Value>| match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let aliases = match get("aliases") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let build = get("build").or_else(|| get("_build"));
    let render = match build.and_then(|b| b.get("render")) {
        _ if truthy(get("headless")) => Render::Never,
        Some(Value::Bool(false)) => Render::Never,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("never") || s.eq_ignore_ascii_case("false") => Render::Never,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("link") => Render::Link,
        _ => Render::Always,
    };
    Placement {
        draft: truthy(get("draft")),
        render,
        url: get("url").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string),
        slug: get("slug").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string),
        aliases,
    }
}

/// The part of a repository-relative path above its `content/` directory: `examples/handbook/`
/// for `examples/handbook/content/a.md`, empty for `content/a.md` or a path with no `content/`.
fn site_prefix(path: &str) -> &str {
    if path.starts_with("content/") {
        return "";
    }
    path.find("/content/").map_or("", |i| &path[..i + 1])
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_placed_by_its_path_keeps_no_url_of_its_own() {
        use super::{Page, PageIds, Render};
        use std::borrow::Cow;
        let page = |path: &str, url: &str| {
            Page::new(path.into(), url, false, Render::Always, PageIds::Here(Default::default()))
        };
        // Placed by its path: the URL is the key in the path and a slash.
        for (path, url, name, borrowed) in [
            ("content/handbook/a/b.md", "/handbook/a/b/", "b", false),
            ("content/handbook/a/_index.md", "/handbook/a/", "a", true),
            ("content/handbook/a/b/index.md", "/handbook/a/b/", "b", true),
        ] {
            let p = page(path, url);
            assert!(p.own_url.is_none(), "{path}");
            assert_eq!(p.url(), url);
            assert_eq!(matches!(p.url(), Cow::Borrowed(_)), borrowed, "{path}");
            assert_eq!(p.url_key(), url.trim_end_matches('/'));
            assert!(p.url_is(url));
            assert!(!p.url_is(p.url_key()), "{path}: the URL without its slash is another URL");
            assert!(!p.url_is(&format!("{url}/")));
            assert_eq!(p.url_name(), Some(name));
            let mut pushed = String::from(">");
            p.push_url(&mut pushed);
            assert_eq!(pushed, format!(">{url}"));
        }
        // Anywhere else, or not quite the path's own text: the URL is kept.
        for (path, url, key, name) in [
            ("content/Handbook/A.md", "/handbook/a/", "/handbook/a", Some("a")),
            ("content/handbook/a/moved.md", "/handbook/elsewhere/", "/handbook/elsewhere", Some("elsewhere")),
            ("content/_index.md", "/", "/", Some("")),
            ("content/handbook/a.md", "/handbook/a.html", "/handbook/a.html", None),
            ("", "/handbook/", "/handbook", Some("handbook")),
        ] {
            let p = page(path, url);
            assert_eq!(p.own_url.as_deref(), Some(url), "{path}");
            assert_eq!(p.url(), url);
            assert_eq!(p.url_key(), key);
            assert!(p.url_is(url) && !p.url_is(&format!("{url}x")));
            assert_eq!(p.url_name(), name, "{path}");
        }
    }

    #[test]
    fn paths_sort_by_components() {
        let mut paths = vec!["a-b/c", "a/b/c", "a/b", "a", "a.md", "a/b-c", "a/b/a", "ab", "a/é", "a/z"];
        let mut want = paths.clone();
        want.sort_by(|x, y| x.split('/').cmp(y.split('/')));
        paths.sort_by(|x, y| super::by_components(x, y));
        assert_eq!(paths, want);
        assert_eq!(paths[..3], ["a", "a/b", "a/b/a"]);
    }

    #[test]
    fn listing_comes_out_in_component_order() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let files = [
            "a.md",
            "a-b.md",
            "a/b.md",
            "a/b/c.md",
            "a/b-c.md",
            "ab/index.md",
            "x.md",
            "x.md.d/y.md",
            "é/z.md",
            "Z.md",
            "deep/er/est/page.md",
        ];
        for f in files {
            let path = content.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "# t\n").unwrap();
        }
        std::fs::create_dir_all(content.join("empty/dir")).unwrap();
        std::fs::write(content.join("a/notes.txt"), "not markdown").unwrap();
        let listing = SiteFiles::list(dir.path());
        let mut want: Vec<&str> = files.to_vec();
        want.sort_by(|x, y| x.split('/').cmp(y.split('/')));
        assert_eq!(listing.files.iter().collect::<Vec<_>>(), want);
        let mut dirs = vec!["a", "a/b", "ab", "deep", "deep/er", "deep/er/est", "empty", "empty/dir", "x.md.d", "é"];
        dirs.sort_by(|x, y| x.split('/').cmp(y.split('/')));
        assert_eq!(listing.dirs.iter().collect::<Vec<_>>(), dirs);
        assert!(listing.skipped.is_empty());
    }

    #[test]
    fn a_listing_keeps_the_runs_own_paths_of_the_files_it_was_given() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let files = ["a.md", "a/b.md", "a/b/c.md", "a-b.md", "x/y.md", "x/z.md"];
        for f in files {
            let path = content.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "# t\n").unwrap();
        }
        // The run holds some of them (with the site under `site/`), as `site/content/...`.
        let held: Vec<std::sync::Arc<str>> =
            ["a/b.md", "a-b.md", "x/z.md"].iter().map(|f| format!("site/content/{f}").into()).collect();
        let shared = |dir: &str, name: &str| {
            let rel = if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") };
            held.iter()
                .find(|h| h.ends_with(&format!("/content/{rel}")))
                .map(|h| (std::sync::Arc::clone(h), "site/content/".len()))
        };
        let sharing = super::SiteFiles::list_sharing(dir.path(), &shared);
        let plain = super::SiteFiles::list(dir.path());
        assert_eq!(sharing.files.iter().collect::<Vec<_>>(), plain.files.iter().collect::<Vec<_>>());
        assert_eq!(sharing.dirs.iter().collect::<Vec<_>>(), plain.dirs.iter().collect::<Vec<_>>());
        // The held files are not copied: their strings are the run's own.
        assert_eq!(sharing.files.shared.len(), 3);
        for h in &held {
            assert!(sharing.files.shared.iter().any(|(s, _)| std::sync::Arc::ptr_eq(s, h)), "{h} was copied");
        }
        assert_eq!(sharing.files.text, "a/b/c.mda.mdx/y.md");
    }

    #[test]
    fn site_prefix_is_the_directory_above_content() {
        assert_eq!(super::site_prefix("content/handbook/a.md"), "");
        assert_eq!(super::site_prefix("examples/handbook/content/handbook/a.md"), "examples/handbook/");
        assert_eq!(super::site_prefix("notes/a.md"), "");
    }

    use super::*;

    #[test]
    fn hugolint_patterns_are_read() {
        let text = "exclude:\n # c\n - pattern: '^/images/'\n - pattern: \"^/handbook/#\"\n";
        assert_eq!(hugolint_patterns(text), vec!["^/images/", "^/handbook/#"]);
    }

    #[test]
    fn front_matter_text_is_cut_without_parsing() {
        assert_eq!(front_matter_text("---\ntitle: x\n---\nbody"), "title: x\n");
        assert_eq!(front_matter_text("# none\n"), "");
        assert_eq!(front_matter_text("---\nunclosed: x\n"), "unclosed: x\n");
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                copy_dir(&path, &to.join(entry.file_name()));
            } else {
                std::fs::copy(&path, to.join(entry.file_name())).unwrap();
            }
        }
    }

    /// A copy of the fixture site, its pages parsed, and the site built from them with ids in
    /// memory.
    fn fixture_site() -> (tempfile::TempDir, Vec<Document>, Site) {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/handbook/site"), dir.path());
        let root = dir.path();
        let files = SiteFiles::list(root);
        let docs: Vec<Document> = files
            .files
            .iter()
            .filter(|f| f.ends_with(".md"))
            .map(|f| {
                let text = std::fs::read_to_string(root.join("content").join(f)).unwrap();
                Document::parse(&format!("content/{f}"), DocKind::Handbook, text)
            })
            .collect();
        let site = Site::build(root, &HandbookDef::default(), docs.iter()).unwrap();
        (dir, docs, site)
    }

    fn shelved_site(root: &Path, docs: &[Document], spill: Option<Arc<Spill>>, to: &Spill) -> Site {
        let includes = Includes::new(root.to_path_buf());
        let mut facts: Vec<PageFacts> = docs.iter().map(|d| PageFacts::of(d, &includes)).collect();
        let held: usize = facts.iter().map(PageFacts::ids_bytes).sum();
        assert!(held > 0, "the fixture has headings");
        assert_eq!(PageFacts::shelve(&mut facts, to), held, "every id written");
        assert!(facts.iter().all(|f| f.ids_bytes() == 0), "ids still in memory");
        let files = SiteFiles::list(root);
        Site::build_from(root, "", &HandbookDef::default(), includes, files, facts, spill).unwrap()
    }

    #[test]
    fn pages_placed_by_front_matter_are_found_by_source_and_by_url() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join("content").join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("handbook/a/placed.md", "# Placed\n");
        write("handbook/a/moved.md", "---\nurl: /handbook/elsewhere/\n---\n# Moved\n");
        write("handbook/a/slugged.md", "---\nslug: Nice Name\n---\n# Slugged\n");
        // Claims the URL of `c.md`, which Hugo then gives to the first of the two.
        write("handbook/b.md", "---\nurl: /handbook/c/\n---\n# B\n");
        write("handbook/c.md", "# C\n");
        let site = Site::build(dir.path(), &HandbookDef::default(), std::iter::empty()).unwrap();
        let from = site.page_of("content/handbook/a/placed.md").unwrap();
        let url_of = |dest: &str| match site.resolve(from, dest) {
            Target::Page { page, .. } => site.pages()[page].path.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(url_of("moved.md"), "content/handbook/a/moved.md");
        assert_eq!(url_of("/handbook/elsewhere/"), "content/handbook/a/moved.md");
        assert_eq!(url_of("slugged.md"), "content/handbook/a/slugged.md");
        assert_eq!(url_of("/handbook/a/nice-name/"), "content/handbook/a/slugged.md");
        // The render hook asks `GetPage` first: the source's place still names the page.
        assert_eq!(url_of("/handbook/a/moved/"), "content/handbook/a/moved.md");
        assert_eq!(url_of("/handbook/b.md"), "content/handbook/b.md");
        assert_eq!(url_of("/handbook/c.md"), "content/handbook/c.md");
        // `GetPage` finds `c.md` by its source; by URL, the first page to claim it has it.
        assert_eq!(url_of("/handbook/c/"), "content/handbook/c.md");
        let at_url = site.page_at_url("/handbook/c/").map(|i| site.pages()[i].path.to_string());
        assert_eq!(at_url.as_deref(), Some("content/handbook/b.md"));
        assert_eq!(site.page_at_url("/handbook/elsewhere"), site.page_of("content/handbook/a/moved.md"));
        assert_eq!(url_of("/handbook/a/"), "Broken { path: \"/handbook/a/\" }");
        let named = |name: &str| -> Vec<String> {
            site.pages_named(name).iter().map(|&i| site.pages()[i].path.to_string()).collect()
        };
        assert_eq!(named("c"), ["content/handbook/b.md", "content/handbook/c.md"]);
        assert_eq!(named("nice-name"), ["content/handbook/a/slugged.md"]);
        assert_eq!(named("placed"), ["content/handbook/a/placed.md"]);
        assert!(named("nowhere").is_empty());
    }

    #[test]
    fn shelved_ids_read_back_as_they_were() {
        let (dir, docs, in_memory) = fixture_site();
        let spill = Arc::new(Spill::new(0));
        // Links are written first in a run: the ids do not start at the file's start.
        assert_eq!(spill.write(b"links of other pages"), Some(0));
        let site = shelved_site(dir.path(), &docs, Some(Arc::clone(&spill)), &spill);
        assert!(spill.spilled() > 0);
        for i in 0..in_memory.pages().len() {
            in_memory.ids(i).unwrap();
        }
        // Without the pages, the ids can only come from the file.
        std::fs::remove_dir_all(dir.path().join("content")).unwrap();
        assert_eq!(site.pages().len(), in_memory.pages().len());
        let mut with_ids = 0;
        for i in 0..site.pages().len() {
            assert!(matches!(site.pages()[i].ids, PageIds::Shelved(_)) || in_memory.ids(i).unwrap().is_empty());
            assert_eq!(site.ids(i), in_memory.ids(i), "{}", site.pages()[i].path);
            with_ids += usize::from(!in_memory.ids(i).unwrap().is_empty());
        }
        assert!(with_ids > 3, "only {with_ids} pages with ids");
    }

    #[test]
    fn shelved_ids_that_cannot_be_read_back_are_worked_out_again() {
        let (dir, docs, in_memory) = fixture_site();
        let spill = Spill::new(0);
        // The site is not given the file the ids went to: as if it could not be read.
        let site = shelved_site(dir.path(), &docs, None, &spill);
        for i in 0..site.pages().len() {
            assert_eq!(site.ids(i), in_memory.ids(i), "{}", site.pages()[i].path);
        }
        // A file whose bytes there are not ids (damaged): the same.
        let other = Arc::new(Spill::new(0));
        assert_eq!(other.write(&vec![0xff; 1 << 16]), Some(0));
        let site = shelved_site(dir.path(), &docs, Some(other), &spill);
        for i in 0..site.pages().len() {
            assert_eq!(site.ids(i), in_memory.ids(i), "{}", site.pages()[i].path);
        }
    }
}
