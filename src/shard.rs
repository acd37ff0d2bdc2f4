//! Splitting a check across GitLab CI `parallel:` jobs (`--shard I/N`).
//!
//! Each job lints only its share of the files, but resolves cross-page links against the whole
//! repository, so the union of the shards' findings equals an unsharded run. Shares are balanced by
//! file size because lint time grows with bytes, and chosen deterministically so that every job
//! computes the same partition without talking to the others.

use miette::Diagnostic;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// One shard of `total`, `index` counted from 1 as GitLab's `CI_NODE_INDEX` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub total: usize,
}

#[derive(Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum ShardError {
    #[error("`{0}` is not a shard: expected I/N, e.g. 2/4")]
    #[diagnostic(code(promolint::shard::syntax), help("write the shard as INDEX/TOTAL with 1 <= INDEX <= TOTAL"))]
    Syntax(String),
    #[error("shard {index}/{total} does not exist: the index counts from 1 up to the total")]
    #[diagnostic(code(promolint::shard::range), help("use an index between 1 and {total}"))]
    OutOfRange { index: usize, total: usize },
    #[error("CI_NODE_INDEX=`{index}` and CI_NODE_TOTAL=`{total}` do not describe a shard")]
    #[diagnostic(
        code(promolint::shard::env),
        help("GitLab sets both for jobs with `parallel:`; unset them or pass --shard I/N explicitly")
    )]
    Env { index: String, total: String },
}

impl Shard {
    pub fn new(index: usize, total: usize) -> Result<Self, ShardError> {
        if total == 0 || index == 0 || index > total {
            return Err(ShardError::OutOfRange { index, total });
        }
        Ok(Shard { index, total })
    }

    /// The shard GitLab's `parallel:` asks for, from `CI_NODE_INDEX`/`CI_NODE_TOTAL` as returned by
    /// `lookup` (pass `|k| std::env::var(k).ok()`). `None` when either is unset, so that a job
    /// without `parallel:` checks everything; `Some(Err)` when they are set but malformed.
    pub fn from_ci_env(lookup: impl Fn(&str) -> Option<String>) -> Option<Result<Self, ShardError>> {
        let index = lookup("CI_NODE_INDEX")?;
        let total = lookup("CI_NODE_TOTAL")?;
        let parsed = match (index.trim().parse::<usize>(), total.trim().parse::<usize>()) {
            (Ok(i), Ok(n)) => Shard::new(i, n).ok(),
            _ => None,
        };
        Some(parsed.ok_or(ShardError::Env { index, total }))
    }

    /// This shard's share of `files` (path, size in bytes); see [`shard_of`].
    pub fn select(&self, files: &[(String, u64)]) -> Vec<String> {
        shard_of(files, self.index, self.total)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax(text.to_string());
        let (index, total) = text.trim().split_once('/').ok_or_else(syntax)?;
        let index = index.trim().parse::<usize>().map_err(|_| syntax())?;
        let total = total.trim().parse::<usize>().map_err(|_| syntax())?;
        Shard::new(index, total)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// The paths of shard `index` (1-based) of `total`, sorted.
///
/// Files are taken largest first (ties by path) and each goes to the shard with the fewest bytes
/// so far (ties to the lower shard number). The result depends only on the set of (path, size)
/// pairs, not on their order, so every parallel job agrees on the partition; the shards' byte
/// totals (empty files counted as one byte) differ by at most the largest file. A path listed
/// twice counts once. An index of 0 or above `total` selects nothing.
pub fn shard_of(files: &[(String, u64)], index: usize, total: usize) -> Vec<String> {
    if total == 0 || index == 0 || index > total {
        return Vec::new();
    }
    let mut ordered: Vec<&(String, u64)> = files.iter().collect();
    // A path listed twice counts once, with its largest size, whatever the input order.
    ordered.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
    ordered.dedup_by(|later, first| later.0 == first.0);
    ordered.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut loads = vec![0u64; total];
    let mut mine = Vec::new();
    for (path, size) in ordered {
        // First minimum wins, which is the lowest shard number among equally loaded shards.
        let mut target = 0;
        for (shard, load) in loads.iter().enumerate() {
            if *load < loads[target] {
                target = shard;
            }
        }
        // Empty files weigh one byte, so that many of them spread over the shards instead of
        // all landing on the one that happens to be lightest.
        loads[target] = loads[target].saturating_add((*size).max(1));
        if target + 1 == index {
            mine.push(path.clone());
        }
    }
    mine.sort();
    mine
}
