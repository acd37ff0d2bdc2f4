//! Times the phases of a `promolint check` run over a tree (discover, parse, site, checks,
//! sort), to see where wall time goes. Usage: phases TREE
use promolint::changes::ChangeSet;
use promolint::config::Config;
use promolint::engine::{Globs, LintRequest, check_document, discover, read_document};
use promolint::handbook::Site;
use promolint::rules::RuleSet;
use rayon::prelude::*;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let t = Instant::now();
    let config = Config::discover(&root, None).unwrap_or_else(|e| panic!("{e}"));
    let rules = RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}"));
    let change = ChangeSet::default();
    let req = LintRequest {
        root: root.clone(),
        paths: vec![],
        only: None,
        config: &config,
        rules: &rules,
        change: &change,
        shard: None,
    };
    let t_setup = t.elapsed();
    let globs = Globs::new(&config).unwrap_or_else(|e| panic!("{e}"));
    let candidates = discover(&req, &globs).unwrap_or_else(|e| panic!("{e}"));
    let t_discover = t.elapsed();
    let docs: Vec<_> =
        candidates.par_iter().filter_map(|c| read_document(c, config.max_file_bytes, &rules).ok()).collect();
    let t_parse = t.elapsed();
    let site = Site::for_run(&root, &config, &docs);
    let t_site = t.elapsed();
    let n: usize = docs.par_iter().map(|d| check_document(d, &rules, site.as_ref(), &change).len()).sum();
    let t_check = t.elapsed();
    drop(docs);
    let t_drop = t.elapsed();
    eprintln!(
        "setup {:?} discover {:?} parse {:?} site {:?} checks {:?} drop {:?} ({n} findings)",
        t_setup,
        t_discover - t_setup,
        t_parse - t_discover,
        t_site - t_parse,
        t_check - t_site,
        t_drop - t_check
    );
}
