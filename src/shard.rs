//! Splitting a check across GitLab CI `parallel:` jobs.

/// The paths of shard `index` (1-based) of `total`, balanced by size: largest files first, each to
/// the least-loaded shard. Deterministic, so every job computes the same split.
pub fn shard_of(files: &[(String, u64)], index: usize, total: usize) -> Vec<String> {
    if total <= 1 {
        return files.iter().map(|(p, _)| p.clone()).collect();
    }
    let mut order: Vec<&(String, u64)> = files.iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut load = vec![0u64; total];
    let mut mine = Vec::new();
    for (path, size) in order {
        let (shard, _) = load.iter().enumerate().min_by_key(|(i, l)| (**l, *i)).unwrap_or((0, &0));
        load[shard] += size.max(&1);
        if shard + 1 == index {
            mine.push(path.clone());
        }
    }
    mine.sort();
    mine
}
