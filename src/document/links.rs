//! The links of a page, kept once its parsed document is dropped. Whether a link is broken depends
//! on every other page of the site, which is known only after all pages are parsed; holding each
//! page's links (and not its whole document) until then keeps a whole-handbook run small.

use super::{DocKind, Document, Suppressions};
use crate::diagnostic::Span;
use std::ops::Range;

/// A page's links, compact: one string holds every destination and section path, and each link is
/// a fixed-size record of offsets into it. A whole handbook keeps some 30,000 links (300,000 for
/// ten copies) until the site is indexed: one allocation per page instead of three per link keeps
/// that small and quick to free.
#[derive(Debug)]
pub struct PageLinks {
    /// Shared with the page's [`crate::handbook::PageFacts`].
    pub path: std::sync::Arc<str>,
    pub kind: DocKind,
    text: String,
    records: Vec<Record>,
    pub suppressions: Suppressions,
    /// Rules the page's front matter waives (with a reason).
    pub waived: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    dest: (u32, u32),
    section: (u32, u32),
    span: (u32, u32),
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    markdown: bool,
    is_image: bool,
}

/// One link of a [`PageLinks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef<'a> {
    /// The destination as written.
    pub dest: &'a str,
    pub span: Span,
    /// Lines and columns of the span.
    pub position: crate::outcome::Position,
    /// Section path of the closest heading above ("team > on-call"), for finding anchors.
    pub section: &'a str,
    /// A Markdown link (Hugo's link render hook resolves it, then the browser) rather than an
    /// `href` of raw HTML (only the browser resolves it).
    pub markdown: bool,
    pub is_image: bool,
}

/// The links of many pages in a few large allocations: what the first pass of a run keeps until
/// the site is indexed. Kept as one small string, one small vector and a box per page, the links
/// of a handbook are tens of thousands of small allocations made among the much larger, short-lived
/// ones of parsing; each pins a page of the allocator that parsing freed around it, and memory then
/// grows with the number of files well past what the links themselves take.
///
/// Once the links the stores of a run hold in memory pass the run's budget (see [`Spill`]), a
/// store writes what it holds to the run's temporary file and reads each page back when its links
/// are checked: however large the handbook, its links then take about the budget in memory, plus
/// a small entry per page (its path, and where its links are).
#[derive(Debug, Default)]
pub struct LinkStore {
    text: String,
    records: Vec<Record>,
    pages: Vec<StoredPage>,
    spill: Option<std::sync::Arc<Spill>>,
}

#[derive(Debug)]
struct StoredPage {
    path: std::sync::Arc<str>,
    kind: DocKind,
    at: Stored,
    /// Suppressions and waivers: most pages have neither.
    extra: Option<Box<(Suppressions, Vec<String>)>>,
}

#[derive(Debug)]
enum Stored {
    /// In the store's buffers, up to these ends. The pages in memory are the last ones kept, one
    /// after the other from the start of the buffers (a store writes out all of them at once), so
    /// a page starts where the page before it ends: two words a page rather than four.
    Memory { text_end: usize, records_end: usize },
    /// In the spill file at `offset`: the page's text, then its records encoded.
    Spilled { offset: u64, text: u32, records: u32 },
}

/// The temporary file the link stores and heading ids of one run spill to, made when first needed
/// (an unnamed file the system removes when the run ends), and how much they hold in memory.
#[derive(Debug)]
pub struct Spill {
    budget: usize,
    /// A store spills only once it holds this much: fewer, larger writes.
    min_chunk: usize,
    in_memory: std::sync::atomic::AtomicUsize,
    /// Whether anything has been written to the file (see [`Spill::wanted`]).
    started: std::sync::atomic::AtomicBool,
    file: std::sync::Mutex<SpillFile>,
}

#[derive(Debug, Default)]
struct SpillFile {
    file: Option<std::sync::Arc<std::fs::File>>,
    /// Bytes reserved: the offset of the next write.
    len: u64,
    /// Bytes written and readable.
    written: u64,
    /// The file could not be made or written: links and ids stay in memory.
    failed: bool,
}

impl Spill {
    /// A run keeps up to `budget` bytes of links and heading ids in memory, the rest on disk.
    pub fn new(budget: usize) -> Spill {
        Spill::with_chunk(budget, (budget / 4).min(256 * 1024))
    }

    fn with_chunk(budget: usize, min_chunk: usize) -> Spill {
        Spill {
            budget,
            min_chunk,
            in_memory: std::sync::atomic::AtomicUsize::new(0),
            started: std::sync::atomic::AtomicBool::new(false),
            file: std::sync::Mutex::new(SpillFile::default()),
        }
    }

    /// Bytes of links and ids written to the temporary file so far.
    pub fn spilled(&self) -> u64 {
        self.file.lock().map_or(0, |f| f.written)
    }

    /// Counts `bytes` more held in memory against the budget (links, and heading ids of pages).
    pub fn hold(&self, bytes: usize) {
        self.in_memory.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts `bytes` that were written to the file as no longer held in memory.
    pub fn release(&self, bytes: usize) {
        self.in_memory.fetch_sub(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a holder of `held` bytes should write them out now: the run is over budget, there
    /// is a file to spill to (or none tried yet), and `held` is worth one write.
    pub fn should_spill(&self, held: usize) -> bool {
        held >= self.min_chunk && self.wanted()
    }

    /// Whether the stores should spill: over budget, with a file to spill to (or none tried yet).
    ///
    /// Once the run has written to the file it is one larger than the budget, and the budget
    /// becomes an eighth of itself: a run that never fits would otherwise hold the whole budget
    /// all through its first pass, while what it keeps of every page (paths, facts) grows to its
    /// largest. Such a run writes everything out at the end of the pass anyway, so it writes no
    /// more bytes for it, only in smaller pieces.
    fn wanted(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let budget = if self.started.load(Relaxed) { self.budget / 8 } else { self.budget };
        self.in_memory.load(Relaxed) > budget && self.file.lock().is_ok_and(|f| !f.failed)
    }

    /// Writes `bytes` at the end of the file; where, or `None` if there is no file to write to.
    pub fn write(&self, bytes: &[u8]) -> Option<u64> {
        let mut writer = self.writer(bytes.len())?;
        writer.put(bytes);
        writer.finish()
    }

    /// Room for `len` bytes at the end of the file, to be written a piece at a time: a holder that
    /// writes out megabytes need not copy them into one buffer first. `None` if there is no file
    /// to write to.
    pub fn writer(&self, len: usize) -> Option<SpillWriter<'_>> {
        let mut f = self.file.lock().ok()?;
        if f.failed {
            return None;
        }
        if f.file.is_none() {
            match tempfile::tempfile() {
                Ok(file) => f.file = Some(std::sync::Arc::new(file)),
                Err(_) => {
                    f.failed = true;
                    return None;
                }
            }
        }
        let start = f.len;
        f.len += len as u64;
        self.started.store(true, std::sync::atomic::Ordering::Relaxed);
        let file = std::sync::Arc::clone(f.file.as_ref()?);
        Some(SpillWriter { spill: self, file, start, at: start, end: start + len as u64, buf: Vec::new(), ok: true })
    }

    /// The file could not be written: nothing more is written to it.
    fn fail(&self) {
        if let Ok(mut f) = self.file.lock() {
            f.failed = true;
        }
    }

    /// `len` bytes written at `offset`.
    pub fn read(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let file = self.file.lock().ok().and_then(|f| f.file.clone());
        let Some(file) = file else {
            return Err(std::io::Error::other("the temporary file is gone"));
        };
        let mut buf = vec![0; len];
        read_at(&file, &mut buf, offset)?;
        Ok(buf)
    }
}

/// What [`Spill::writer`] reserved, written through a small buffer. What was reserved and not
/// written (after a failed write) stays a hole: nothing is written to the file after a failure.
pub struct SpillWriter<'a> {
    spill: &'a Spill,
    file: std::sync::Arc<std::fs::File>,
    start: u64,
    /// Where the buffer goes.
    at: u64,
    end: u64,
    buf: Vec<u8>,
    ok: bool,
}

impl SpillWriter<'_> {
    /// Bytes gathered before one write.
    const CHUNK: usize = 64 * 1024;

    pub fn put(&mut self, bytes: &[u8]) {
        if self.buf.len() + bytes.len() <= Self::CHUNK {
            self.buf.extend_from_slice(bytes);
        } else {
            self.flush();
            self.write(bytes);
        }
    }

    /// Lets `fill` append to the buffer (a record encoding itself).
    pub fn put_with(&mut self, fill: impl FnOnce(&mut Vec<u8>)) {
        fill(&mut self.buf);
        if self.buf.len() >= Self::CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        self.write(&buf);
        self.buf = buf;
        self.buf.clear();
    }

    fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || !self.ok {
            return;
        }
        if self.at + bytes.len() as u64 > self.end || write_at(&self.file, bytes, self.at).is_err() {
            self.ok = false;
            return;
        }
        self.at += bytes.len() as u64;
    }

    /// Where the bytes start, once all that was reserved is written; `None` (and the file is not
    /// written again) if a write failed or more or less was put than reserved.
    pub fn finish(mut self) -> Option<u64> {
        self.flush();
        if !self.ok || self.at != self.end {
            self.spill.fail();
            return None;
        }
        if let Ok(mut f) = self.spill.file.lock() {
            f.written += self.end - self.start;
        }
        Some(self.start)
    }
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

// Elsewhere links stay in memory.
#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other("spilling links needs positioned writes"))
}

#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other("spilling links needs positioned reads"))
}

impl LinkStore {
    /// A store whose links go to `spill`'s file once the run's stores hold more than its budget.
    pub fn spilling(spill: std::sync::Arc<Spill>) -> LinkStore {
        LinkStore { spill: Some(spill), ..LinkStore::default() }
    }

    /// Keeps a page's links (nothing for a page without any).
    pub fn push(&mut self, page: PageLinks) {
        if page.is_empty() {
            return;
        }
        let before = self.in_memory();
        self.text.push_str(&page.text);
        self.records.extend_from_slice(&page.records);
        let at = Stored::Memory { text_end: self.text.len(), records_end: self.records.len() };
        let extra = (!page.suppressions.is_empty() || !page.waived.is_empty())
            .then(|| Box::new((page.suppressions, page.waived)));
        self.pages.push(StoredPage { path: page.path, kind: page.kind, at, extra });
        if let Some(spill) = &self.spill {
            spill.hold(self.in_memory() - before);
            if spill.should_spill(self.in_memory()) {
                self.spill_out();
            }
        }
    }

    /// Bytes of memory this store's links take: what its buffers have room for, which is up to
    /// twice what they hold while they grow.
    fn in_memory(&self) -> usize {
        self.text.capacity() + self.records.capacity() * std::mem::size_of::<Record>()
    }

    /// Writes the pages held in memory to the spill file, one after the other through a small
    /// buffer (not copied whole first: this runs when memory is at its fullest), and frees their
    /// memory (kept in memory if the file cannot be written).
    pub fn spill_out(&mut self) {
        let Some(spill) = self.spill.clone() else { return };
        if self.text.is_empty() && self.records.is_empty() {
            return;
        }
        let moved: Vec<_> = (0..self.pages.len()).filter_map(|i| Some((i, self.held(i)?))).collect();
        let bytes = |(text, records): &(Range<usize>, Range<usize>)| text.len() + records.len() * Record::BYTES;
        let Some(mut writer) = spill.writer(moved.iter().map(|(_, held)| bytes(held)).sum()) else { return };
        for (_, (text, records)) in &moved {
            writer.put(&self.text.as_bytes()[text.clone()]);
            for r in &self.records[records.clone()] {
                writer.put_with(|buf| r.encode(buf));
            }
        }
        let Some(offset) = writer.finish() else { return };
        let mut start = offset;
        for (i, held) in moved {
            let (text, records) = (u32_of(held.0.len()), u32_of(held.1.len()));
            self.pages[i].at = Stored::Spilled { offset: start, text, records };
            start += bytes(&held) as u64;
        }
        let freed = self.in_memory();
        spill.release(freed);
        self.text = String::new();
        self.records = Vec::new();
        let _ = crate::memory::freed(freed);
    }

    /// Gives back unused capacity: a store is kept until the site is indexed.
    pub fn shrink_to_fit(&mut self) {
        let before = self.in_memory();
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.pages.shrink_to_fit();
        if let Some(spill) = &self.spill {
            spill.release(before - self.in_memory());
        }
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Path of the `i`th page kept.
    pub fn path(&self, i: usize) -> &str {
        &self.pages[i].path
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Where the `i`th page's text and records are in the buffers, if it is in memory.
    fn held(&self, i: usize) -> Option<(Range<usize>, Range<usize>)> {
        let Stored::Memory { text_end, records_end } = self.pages[i].at else { return None };
        let (text_start, records_start) = match i.checked_sub(1).map(|before| &self.pages[before].at) {
            Some(&Stored::Memory { text_end, records_end }) => (text_end, records_end),
            _ => (0, 0),
        };
        Some((text_start..text_end, records_start..records_end))
    }

    /// The links of the `i`th page kept, as they were pushed; an error only when spilled links
    /// cannot be read back from the temporary file.
    pub fn page(&self, i: usize) -> std::io::Result<PageLinks> {
        let p = &self.pages[i];
        let (text, records) = match (&p.at, self.held(i)) {
            (_, Some((text, records))) => (self.text[text].to_string(), self.records[records].to_vec()),
            (Stored::Memory { .. }, None) => return Err(std::io::Error::other("links kept in memory out of place")),
            (Stored::Spilled { offset, text, records }, None) => {
                let Some(spill) = &self.spill else {
                    return Err(std::io::Error::other("spilled links without a spill file"));
                };
                let (text, records) = (*text as usize, *records as usize);
                let bytes = spill.read(*offset, text + records * Record::BYTES)?;
                let (text, records) = bytes.split_at(text);
                let text = std::str::from_utf8(text).map_err(std::io::Error::other)?.to_string();
                (text, records.chunks_exact(Record::BYTES).map(Record::decode).collect())
            }
        };
        let (suppressions, waived) = p.extra.as_deref().cloned().unwrap_or_default();
        Ok(PageLinks { path: std::sync::Arc::clone(&p.path), kind: p.kind, text, records, suppressions, waived })
    }
}

impl Record {
    /// Bytes of an encoded record: ten little-endian u32s and a byte of flags.
    const BYTES: usize = 41;

    fn encode(&self, out: &mut Vec<u8>) {
        let words = [
            self.dest.0,
            self.dest.1,
            self.section.0,
            self.section.1,
            self.span.0,
            self.span.1,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
        ];
        for w in words {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.push(u8::from(self.markdown) | (u8::from(self.is_image) << 1));
    }

    /// From exactly [`Record::BYTES`] bytes written by [`Record::encode`].
    fn decode(bytes: &[u8]) -> Record {
        let w = |i: usize| bytes.get(4 * i..4 * i + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let flags = bytes.get(40).copied().unwrap_or(0);
        Record {
            dest: (w(0), w(1)),
            section: (w(2), w(3)),
            span: (w(4), w(5)),
            line: w(6),
            column: w(7),
            end_line: w(8),
            end_column: w(9),
            markdown: flags & 1 != 0,
            is_image: flags & 2 != 0,
        }
    }
}

/// Offsets into a page's text: pages are size-limited far below 4 GiB before they are parsed.
fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl PageLinks {
    /// The links of a parsed page whose destination `keep` accepts; `waived` is left for the
    /// caller, which owns waiver rules.
    pub fn of(doc: &Document, keep: &dyn Fn(&str) -> bool) -> PageLinks {
        PageLinks::sharing(doc, keep, doc.path.as_str().into())
    }

    /// [`PageLinks::of`] keeping `path` (the document's path) rather than a copy of its own.
    pub fn sharing(doc: &Document, keep: &dyn Fn(&str) -> bool, path: std::sync::Arc<str>) -> PageLinks {
        debug_assert_eq!(&*path, doc.path);
        let mut page = PageLinks {
            path,
            kind: doc.kind,
            text: String::new(),
            records: Vec::new(),
            suppressions: doc.suppressions.clone(),
            waived: Vec::new(),
        };
        // Section paths already written to `text`, by heading.
        let mut sections: rustc_hash::FxHashMap<Option<usize>, (u32, u32)> = Default::default();
        let mut positions = doc.source.positions();
        let mut add = |page: &mut PageLinks, dest: &str, span: &Span, heading: Option<usize>, markdown, is_image| {
            let section = match sections.get(&heading) {
                Some(&range) => range,
                None => {
                    let start = page.text.len();
                    let path = doc.section_path(heading);
                    // Offsets are u32: a page (size-limited far below 2 GiB) whose section paths
                    // would pass that keeps the rest of its links without one (it only names a
                    // finding for the fingerprint).
                    if start + path.len() + doc.text().len() < u32::MAX as usize {
                        page.text.push_str(&path);
                    }
                    let range = (u32_of(start), u32_of(page.text.len()));
                    sections.insert(heading, range);
                    range
                }
            };
            let start = page.text.len();
            page.text.push_str(dest);
            let p = positions.position(span);
            page.records.push(Record {
                dest: (u32_of(start), u32_of(page.text.len())),
                section,
                span: (u32_of(span.start), u32_of(span.end)),
                line: u32_of(p.line),
                column: u32_of(p.column),
                end_line: u32_of(p.end_line),
                end_column: u32_of(p.end_column),
                markdown,
                is_image,
            });
        };
        for l in doc.links.iter().filter(|l| keep(&l.url)) {
            add(&mut page, &l.url, &l.span, l.heading, true, l.is_image);
        }
        for (span, href) in html_hrefs(doc).into_iter().filter(|(_, href)| keep(href)) {
            // Headings are in document order: the last that starts before the link.
            let heading = doc.headings.partition_point(|h| h.span.start < span.start).checked_sub(1);
            add(&mut page, &href, &span, heading, false, false);
        }
        page.text.shrink_to_fit();
        page.records.shrink_to_fit();
        page
    }

    /// Markdown links in document order, then `href`s of raw HTML `<a>` tags in document order.
    pub fn links(&self) -> impl ExactSizeIterator<Item = LinkRef<'_>> + '_ {
        self.records.iter().map(|r| self.link(r))
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn link(&self, r: &Record) -> LinkRef<'_> {
        let text = |(start, end): (u32, u32)| self.text.get(start as usize..end as usize).unwrap_or("");
        LinkRef {
            dest: text(r.dest),
            span: r.span.0 as usize..r.span.1 as usize,
            position: crate::outcome::Position {
                line: r.line as usize,
                column: r.column as usize,
                end_line: r.end_line as usize,
                end_column: r.end_column as usize,
            },
            section: text(r.section),
            markdown: r.markdown,
            is_image: r.is_image,
        }
    }

    /// Position of the link with this span, if the page has one.
    pub fn position_of(&self, span: &Span) -> Option<crate::outcome::Position> {
        self.links().find(|l| l.span == *span).map(|l| l.position)
    }

    /// [`PageLinks::position_of`] for many spans: the links sorted by span once, then a binary
    /// search for each (a page can have a hundred thousand links, and a finding for each).
    pub fn positions(&self) -> impl Fn(&Span) -> Option<crate::outcome::Position> + '_ {
        let mut by_span: Vec<((u32, u32), usize)> = self.records.iter().map(|r| r.span).zip(0..).collect();
        // Stable: of links with the same span, the first (as `position_of` finds it) stays first.
        by_span.sort_by_key(|&(span, _)| span);
        move |span: &Span| {
            let key = (u32::try_from(span.start).ok()?, u32::try_from(span.end).ok()?);
            let i = by_span.partition_point(|&(s, _)| s < key);
            let &(found, k) = by_span.get(i)?;
            (found == key).then(|| self.link(&self.records[k]).position)
        }
    }
}

/// `href` attributes of `<a>` tags in raw HTML, outside code and comments.
fn html_hrefs(doc: &Document) -> Vec<(Span, String)> {
    let text = doc.text();
    let start = doc.body_start.min(text.len());
    let bytes = text.as_bytes();
    if memchr::memmem::find(&bytes[start..], b"href").is_none() {
        return Vec::new();
    }
    // Code shows tags as text and comments are not rendered: neither holds a link.
    let code = doc.opaque();
    let mut out = Vec::new();
    for pos in memchr::memchr_iter(b'<', &bytes[start..]) {
        let at = start + pos;
        let is_anchor =
            matches!(bytes.get(at + 1), Some(b'a' | b'A')) && bytes.get(at + 2).is_some_and(u8::is_ascii_whitespace);
        if !is_anchor || code.contains(at) {
            continue;
        }
        let Some(end) = memchr::memchr(b'>', &bytes[at..]) else {
            continue;
        };
        let tag = &text[at..at + end];
        let Some(h) = tag.find("href=") else { continue };
        if !tag[..h].ends_with(char::is_whitespace) {
            continue;
        }
        let value = &tag[h + 5..];
        let href = match value.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => value[1..].split(q as char).next().unwrap_or(""),
            _ => value.split(char::is_whitespace).next().unwrap_or(""),
        };
        out.push((at..at + end + 1, href.replace("&amp;", "&")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_then_html_hrefs_with_lines_and_sections() {
        let text = "---\ntitle: t\n---\n# Top\n\nSee [a](a.md).\n\n## Sub\n\n<a href=\"b/#x\">b</a> and ![i](i.png)\n\n`<a href=\"code\">`\n<!-- <a href=\"comment\"> -->\n";
        let doc = Document::parse("content/p.md", DocKind::Handbook, text.to_string());
        let page = PageLinks::of(&doc, &|_| true);
        let got: Vec<(&str, usize, &str, bool, bool)> =
            page.links().map(|l| (l.dest, l.position.line, l.section, l.markdown, l.is_image)).collect();
        assert_eq!(
            got,
            vec![
                ("a.md", 6, "top", true, false),
                ("i.png", 10, "top > sub", true, true),
                ("b/#x", 10, "top > sub", false, false)
            ]
        );
        let html = page.position_of(&page.links().nth(2).unwrap().span).unwrap();
        assert_eq!((html.line, html.column, html.end_line), (10, 1, 10));
        let position_of = page.positions();
        for link in page.links() {
            assert_eq!(position_of(&link.span), Some(link.position));
            assert_eq!(position_of(&link.span), page.position_of(&link.span));
        }
        assert_eq!(position_of(&(0..1)), None);
        let page = PageLinks::of(&doc, &|dest| dest.contains('#'));
        assert_eq!(page.links().map(|l| l.dest).collect::<Vec<_>>(), vec!["b/#x"]);
    }

    #[test]
    fn a_store_gives_back_each_page_as_it_was_kept() {
        let one = "# One\n\n[a](a.md) [b](b.md#x)\n";
        let two = "# Two\n\n## Sub\n\n<!-- promolint-disable-next-line broken-link -->\n[c](c.md)\n";
        let docs = [
            Document::parse("content/one.md", DocKind::Handbook, one.to_string()),
            Document::parse("content/none.md", DocKind::Handbook, "no links\n".to_string()),
            Document::parse("content/two.md", DocKind::Handbook, two.to_string()),
        ];
        let mut store = LinkStore::default();
        for doc in &docs {
            store.push(PageLinks::of(doc, &|_| true));
        }
        store.shrink_to_fit();
        // The page without links is not kept.
        assert_eq!(store.len(), 2);
        let summary = |p: &PageLinks| {
            let links: Vec<String> = p
                .links()
                .map(|l| format!("{}@{}:{} in {}", l.dest, l.position.line, l.position.column, l.section))
                .collect();
            (p.path.to_string(), links, p.suppressions.is_suppressed("broken-link", 6))
        };
        let kept: Vec<_> = (0..store.len()).map(|i| summary(&store.page(i).unwrap())).collect();
        let fresh: Vec<_> = [&docs[0], &docs[2]].iter().map(|d| summary(&PageLinks::of(d, &|_| true))).collect();
        assert_eq!(kept, fresh);
        assert_eq!(kept[1].1, vec!["c.md@6:1 in two > sub".to_string()]);
        assert!(kept[1].2, "the second page's suppression is kept");
        assert!(!kept[0].2);
    }

    #[test]
    fn spilled_pages_come_back_as_they_were_kept() {
        let docs: Vec<Document> = (0..41)
            .map(|i| {
                let text = format!(
                    "---\ntitle: p{i}\npromolint:\n  waive:\n    broken-link: \"moved\"\n---\n# Page {i}\n\n## Part\n\n<!-- promolint-disable-next-line broken-anchor -->\n[a](a-{i}.md#x) and <a href=\"b/{i}/\">b</a> ![i](i{i}.png)\n"
                );
                Document::parse(&format!("content/p{i}.md"), DocKind::Handbook, text)
            })
            .collect();
        let fresh = |doc: &Document| {
            let mut page = PageLinks::of(doc, &|_| true);
            page.waived = vec!["broken-link".to_string()];
            page
        };
        let same = |a: &PageLinks, b: &PageLinks| {
            assert_eq!(a.path, b.path);
            assert_eq!(a.text, b.text);
            assert_eq!(a.records, b.records);
            assert_eq!(a.waived, b.waived);
            assert_eq!(
                a.suppressions.is_suppressed("broken-anchor", 12),
                b.suppressions.is_suppressed("broken-anchor", 12)
            );
            assert_eq!(a.links().collect::<Vec<_>>(), b.links().collect::<Vec<_>>());
        };
        // Two stores share a budget that the first pages exhaust: from then on pages of both go
        // to the file a chunk at a time (the budget is an eighth once the run has spilled), and
        // the last stays in memory.
        let spill = std::sync::Arc::new(Spill::with_chunk(3000, 200));
        let mut stores = [LinkStore::spilling(spill.clone()), LinkStore::spilling(spill.clone())];
        for (i, doc) in docs.iter().enumerate() {
            stores[i % 2].push(fresh(doc));
        }
        assert!(spill.spilled() > 0, "nothing was written to the spill file");
        let spilled = stores.iter().flat_map(|s| &s.pages).filter(|p| matches!(p.at, Stored::Spilled { .. })).count();
        let in_memory = stores.iter().flat_map(|s| &s.pages).filter(|p| matches!(p.at, Stored::Memory { .. })).count();
        assert!(spilled > 20 && in_memory > 0, "{spilled} spilled, {in_memory} in memory");
        for (i, doc) in docs.iter().enumerate() {
            let store = &stores[i % 2];
            let page = store.page(i / 2).unwrap();
            assert!(page.suppressions.is_suppressed("broken-anchor", 12), "page {i}");
            same(&page, &fresh(doc));
        }
    }

    #[test]
    fn a_store_larger_than_one_write_spills_out_whole() {
        // Pages with long destinations: their links fill the writer's buffer many times over, and
        // some pieces are larger than the buffer.
        let docs: Vec<Document> = (0..200)
            .map(|i| {
                let long = "x".repeat(if i % 50 == 0 { 70_000 } else { 400 + i });
                let text = format!("# Page {i}\n\n[a](a-{i}-{long}.md#y) [b](b-{i}.md)\n");
                Document::parse(&format!("content/p{i}.md"), DocKind::Handbook, text)
            })
            .collect();
        let spill = std::sync::Arc::new(Spill::new(usize::MAX));
        let mut store = LinkStore::spilling(spill.clone());
        for doc in &docs {
            store.push(PageLinks::of(doc, &|_| true));
        }
        let held = store.text.len() + store.records.len() * Record::BYTES;
        assert!(held > 4 * SpillWriter::CHUNK, "only {held} bytes: not enough to need several writes");
        store.spill_out();
        assert_eq!(spill.spilled(), held as u64);
        assert!(store.pages.iter().all(|p| matches!(p.at, Stored::Spilled { .. })));
        for (i, doc) in docs.iter().enumerate() {
            let page = store.page(i).unwrap();
            let fresh = PageLinks::of(doc, &|_| true);
            assert_eq!((&page.text, &page.records), (&fresh.text, &fresh.records), "page {i}");
        }
    }

    #[test]
    fn a_writer_that_writes_other_than_it_reserved_fails_and_stops_the_file() {
        let spill = Spill::new(0);
        let mut short = spill.writer(10).unwrap();
        short.put(b"12345");
        assert_eq!(short.finish(), None, "five bytes of ten");
        assert_eq!(spill.write(b"more"), None, "the file is not written after a failure");
        assert_eq!(spill.spilled(), 0);
        let spill = Spill::new(0);
        let mut long = spill.writer(3).unwrap();
        long.put_with(|buf| buf.extend_from_slice(b"1234"));
        assert_eq!(long.finish(), None, "four bytes in three");
        let spill = Spill::new(0);
        assert_eq!(spill.write(b"abc"), Some(0));
        assert_eq!(spill.write(b"de"), Some(3));
        assert_eq!(spill.read(1, 4).unwrap(), b"bcde");
    }

    #[test]
    fn once_the_run_has_spilled_its_budget_is_an_eighth() {
        let spill = Spill::with_chunk(800, 0);
        spill.hold(700);
        assert!(!spill.should_spill(700), "within the budget");
        spill.hold(200);
        assert!(spill.should_spill(900), "over the budget");
        assert_eq!(spill.write(&[7; 900]), Some(0));
        spill.release(900);
        spill.hold(150);
        assert!(spill.should_spill(150), "150 bytes are over an eighth of the budget");
        spill.release(60);
        assert!(!spill.should_spill(90), "90 bytes are not");
        // Holders still wait until they have a chunk's worth.
        let chunked = Spill::with_chunk(800, 200);
        assert_eq!(chunked.write(b"x"), Some(0));
        chunked.hold(150);
        assert!(!chunked.should_spill(150) && chunked.should_spill(200));
    }

    #[test]
    fn the_budget_counts_the_room_the_buffers_take() {
        let spill = std::sync::Arc::new(Spill::new(usize::MAX));
        let mut store = LinkStore::spilling(spill.clone());
        let held = |spill: &Spill| spill.in_memory.load(std::sync::atomic::Ordering::Relaxed);
        for i in 0..5 {
            let doc = Document::parse(&format!("content/p{i}.md"), DocKind::Handbook, format!("[a](a-{i}.md#x)\n"));
            store.push(PageLinks::of(&doc, &|_| true));
        }
        // Grown by doubling, the buffers have room to spare: that is memory the run takes.
        assert!(store.text.capacity() > store.text.len(), "the text buffer has no spare room");
        let room = store.text.capacity() + store.records.capacity() * std::mem::size_of::<Record>();
        assert_eq!(held(&spill), room);
        store.shrink_to_fit();
        assert_eq!(held(&spill), store.text.len() + store.records.len() * std::mem::size_of::<Record>());
    }

    #[test]
    fn a_kept_page_takes_seven_words() {
        // One per page with links, held until its links are checked: the path, where its links
        // are, and a pointer for the rare suppressions.
        assert!(std::mem::size_of::<StoredPage>() <= 7 * std::mem::size_of::<usize>());
    }

    #[test]
    fn records_survive_encoding() {
        let r = Record {
            dest: (1, 2),
            section: (3, u32::MAX),
            span: (5, 6),
            line: 7,
            column: 8,
            end_line: 9,
            end_column: 10,
            markdown: false,
            is_image: true,
        };
        let mut bytes = Vec::new();
        r.encode(&mut bytes);
        assert_eq!(bytes.len(), Record::BYTES);
        assert_eq!(Record::decode(&bytes), r);
        let r = Record { markdown: true, is_image: false, ..r };
        bytes.clear();
        r.encode(&mut bytes);
        assert_eq!(Record::decode(&bytes), r);
    }
}
