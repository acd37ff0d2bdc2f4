//! Sharding: every file in exactly one shard, shards balanced by size, and the same partition
//! whatever order the files are listed in.

use promolint::shard::{Shard, ShardError, shard_of};
use std::collections::{BTreeMap, BTreeSet};

/// A small deterministic generator, so a failing case can be replayed from its seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_files(rng: &mut XorShift) -> Vec<(String, u64)> {
    let count = rng.below(60) as usize;
    (0..count)
        .map(|i| {
            // Mostly small pages, a few big ones, some empty, some equal sizes to exercise ties.
            let size = match rng.below(10) {
                0 => 0,
                1 => 200_000 + rng.below(300_000),
                2 => 4096,
                _ => rng.below(20_000),
            };
            (format!("dir{}/page-{i:03}.md", rng.below(4)), size)
        })
        .collect()
}

#[test]
fn shards_partition_the_files_and_balance_their_bytes() {
    for seed in 1..=300u64 {
        let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let files = random_files(&mut rng);
        let total = 1 + rng.below(8) as usize;
        let sizes: BTreeMap<&str, u64> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        let largest = files.iter().map(|f| f.1.max(1)).max().unwrap_or(0);

        let mut seen = BTreeSet::new();
        let mut loads = Vec::new();
        for index in 1..=total {
            let shard = shard_of(&files, index, total);
            let mut sorted = shard.clone();
            sorted.sort();
            assert_eq!(shard, sorted, "seed {seed}: shard {index}/{total} is not sorted");
            for path in &shard {
                assert!(seen.insert(path.clone()), "seed {seed}: {path} is in two shards");
            }
            loads.push(shard.iter().map(|p| sizes[p.as_str()].max(1)).sum::<u64>());
        }
        let all: BTreeSet<String> = files.iter().map(|f| f.0.clone()).collect();
        assert_eq!(seen, all, "seed {seed}: the shards' union is not every file");

        let (min, max) = (loads.iter().min().copied().unwrap_or(0), loads.iter().max().copied().unwrap_or(0));
        assert!(max - min <= largest, "seed {seed}: loads {loads:?} differ by more than the largest file {largest}");

        // Order of the input does not matter: every parallel job lists files its own way.
        let mut reversed = files.clone();
        reversed.reverse();
        for index in 1..=total {
            assert_eq!(shard_of(&files, index, total), shard_of(&reversed, index, total), "seed {seed}");
        }
    }
}

#[test]
fn equal_files_spread_evenly_and_one_shard_takes_everything() {
    let files: Vec<(String, u64)> = (0..10).map(|i| (format!("f{i}.md"), 100)).collect();
    let counts: Vec<usize> = (1..=3).map(|i| shard_of(&files, i, 3).len()).collect();
    assert_eq!(counts, [4, 3, 3]);
    assert_eq!(shard_of(&files, 1, 1).len(), 10);
    assert!(shard_of(&files, 0, 3).is_empty());
    assert!(shard_of(&files, 4, 3).is_empty());
}

#[test]
fn empty_files_spread_over_the_shards() {
    let files: Vec<(String, u64)> = (0..6).map(|i| (format!("e{i}.md"), 0)).collect();
    let counts: Vec<usize> = (1..=3).map(|i| shard_of(&files, i, 3).len()).collect();
    assert_eq!(counts, [2, 2, 2]);
}

#[test]
fn a_big_file_gets_a_shard_to_itself() {
    let files = vec![
        ("big.md".to_string(), 1000),
        ("a.md".to_string(), 300),
        ("b.md".to_string(), 300),
        ("c.md".to_string(), 300),
    ];
    assert_eq!(shard_of(&files, 1, 2), ["big.md"]);
    assert_eq!(shard_of(&files, 2, 2), ["a.md", "b.md", "c.md"]);
}

#[test]
fn duplicate_paths_count_once() {
    let files = vec![("a.md".to_string(), 10), ("b.md".to_string(), 5), ("a.md".to_string(), 10)];
    let all: Vec<String> = (1..=2).flat_map(|i| shard_of(&files, i, 2)).collect();
    assert_eq!(all.len(), 2);
}

#[test]
fn shard_parses_and_rejects() {
    assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, total: 4 }));
    assert_eq!(" 1 / 1 ".parse::<Shard>(), Ok(Shard { index: 1, total: 1 }));
    assert_eq!("0/4".parse::<Shard>(), Err(ShardError::OutOfRange { index: 0, total: 4 }));
    assert_eq!("5/4".parse::<Shard>(), Err(ShardError::OutOfRange { index: 5, total: 4 }));
    assert_eq!("1/0".parse::<Shard>(), Err(ShardError::OutOfRange { index: 1, total: 0 }));
    for bad in ["", "2", "2/", "/4", "a/b", "-1/4", "1/2/3"] {
        assert_eq!(bad.parse::<Shard>(), Err(ShardError::Syntax(bad.to_string())), "{bad:?}");
    }
    assert_eq!(Shard { index: 3, total: 7 }.to_string(), "3/7");
}

#[test]
fn shard_comes_from_gitlab_parallel_variables() {
    let env = |index: Option<&str>, total: Option<&str>| {
        let (index, total) = (index.map(String::from), total.map(String::from));
        move |key: &str| match key {
            "CI_NODE_INDEX" => index.clone(),
            "CI_NODE_TOTAL" => total.clone(),
            _ => None,
        }
    };
    assert_eq!(Shard::from_ci_env(env(Some("2"), Some("3"))), Some(Ok(Shard { index: 2, total: 3 })));
    assert_eq!(Shard::from_ci_env(env(None, None)), None);
    assert_eq!(Shard::from_ci_env(env(Some("2"), None)), None);
    assert!(matches!(Shard::from_ci_env(env(Some("4"), Some("3"))), Some(Err(ShardError::Env { .. }))));
    assert!(matches!(Shard::from_ci_env(env(Some("x"), Some("3"))), Some(Err(ShardError::Env { .. }))));
    let files = vec![("a.md".to_string(), 1), ("b.md".to_string(), 1)];
    assert_eq!(Shard { index: 2, total: 2 }.select(&files), ["b.md"]);
}

// ---------------------------------------------------------------------------------------------
// The engine: sharded runs together find exactly what one run finds.

use promolint::changes::ChangeSet;
use promolint::config::Config;
use promolint::engine::{LintRequest, run};
use promolint::rules::RuleSet;
use std::path::Path;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The project's examples plus pages that link across each other, some links broken, so that a
/// shard has to resolve links into files it does not lint itself.
fn sample_repository() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    copy_tree(&examples.join("promotions"), &dir.path().join("promotions"));
    copy_tree(&examples.join("handbook"), dir.path());
    let pages = dir.path().join("content/handbook/linked");
    std::fs::create_dir_all(&pages).unwrap();
    for i in 0..12 {
        let next = (i + 1) % 12;
        let text = format!(
            "---\ntitle: Linked page {i}\ndescription: Page {i} of a ring of pages.\n---\n\n## Section {i}\n\n\
             Next is [page {next}](page-{next}.md#section-{next}); this one is [missing](gone-{i}.md) and \
             [this anchor](page-{next}.md#no-such-heading) is wrong.\n{}\n",
            "Padding text that makes the pages differ in size. ".repeat(i * 7)
        );
        std::fs::write(pages.join(format!("page-{i}.md")), text).unwrap();
    }
    dir
}

type Key = (String, String, usize, usize, String);

fn findings(root: &Path, config: &Config, rules: &RuleSet, shard: Option<(usize, usize)>) -> (usize, Vec<Key>) {
    let change = ChangeSet::default();
    let request =
        LintRequest { root: root.to_path_buf(), paths: Vec::new(), only: None, config, rules, change: &change, shard };
    let outcome = run(&request).unwrap();
    let keys = outcome
        .findings
        .iter()
        .map(|f| (f.path.to_string(), f.rule.clone(), f.span.start, f.span.end, f.message.clone()))
        .collect();
    (outcome.files_checked, keys)
}

#[test]
fn union_of_sharded_runs_equals_the_unsharded_run() {
    let repo = sample_repository();
    let config = Config::default();
    let rules = RuleSet::load(&[]).unwrap();
    let (all_files, mut whole) = findings(repo.path(), &config, &rules, None);
    whole.sort();
    let paths: BTreeSet<&str> = whole.iter().map(|k| k.0.as_str()).collect();
    assert!(all_files >= 20, "only {all_files} files were checked");
    assert!(paths.len() >= 3, "the sample should have findings in several files: {paths:?}");

    for total in [2, 3, 5] {
        let mut union = Vec::new();
        let mut files = 0;
        for index in 1..=total {
            let (checked, keys) = findings(repo.path(), &config, &rules, Some((index, total)));
            assert!(checked < all_files, "shard {index}/{total} checked every file");
            files += checked;
            union.extend(keys);
        }
        union.sort();
        assert_eq!(files, all_files, "{total} shards did not check every file exactly once");
        // Compared as lists, not sets: a finding reported by two shards would be a duplicate in
        // the merged reports.
        assert_eq!(union, whole, "{total} shards found something else than one run");
    }
}
