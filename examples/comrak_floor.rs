//! The parse floor for benchmarks: read every Markdown file under a tree and parse it with comrak
//! (same options as promolint), nothing else. Usage: comrak_floor TREE
use rayon::prelude::*;
use std::path::{Path, PathBuf};

// The same allocator as promolint, so the floor is what comrak itself costs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            files(&e.path(), out);
        } else if e.path().extension().is_some_and(|x| x == "md") {
            out.push(e.path());
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let start = std::time::Instant::now();
    let mut paths = Vec::new();
    files(&root, &mut paths);
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    let nodes: usize = paths
        .par_iter()
        .map(|p| {
            let Ok(bytes) = std::fs::read(p) else {
                return 0;
            };
            let text = String::from_utf8_lossy(&bytes);
            let arena = comrak::Arena::new();
            let root = comrak::parse_document(&arena, &text, &options);
            root.descendants().count()
        })
        .sum();
    eprintln!("files {} nodes {nodes} in {:?}", paths.len(), start.elapsed());
}
