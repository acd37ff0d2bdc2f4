#!/usr/bin/env bash
# Benchmark: promolint over a whole handbook tree against markdownlint-cli2 and rumdl (default
# rules, no caches) and a comrak-parse-only floor. Prints medians of wall time, CPU time and peak
# memory over several runs, and the ratios.
#
#   bench/handbook.sh [TREE]          TREE defaults to ../shared/corpus/handbook, else a generated tree
#   SCALE=10 bench/handbook.sh        also builds a tree 10x the size (copies of TREE) to show scaling;
#                                     SCALE="2 5 10" builds and measures each size
#   RUNS=5 PEERS=0 bench/handbook.sh  runs per tool; PEERS=0 skips markdownlint-cli2 and rumdl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); crate=$(cd "$here/.." && pwd)
runs=${RUNS:-5}; scale=${SCALE:-1}; peers=${PEERS:-1}
work=${BENCH_DIR:-$here/.work}; mkdir -p "$work"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$crate/target}

tree=${1:-$crate/../shared/corpus/handbook}
if [ ! -d "$tree/content" ]; then
  echo "no handbook at $tree: generating a synthetic one" >&2
  tree=$work/generated; rm -rf "$tree"
  python3 "$here/gen_tree.py" "$tree" 4000
fi
tree=$(cd "$tree" && pwd)

echo "building release binaries..." >&2
(cd "$crate" && cargo build --release --quiet && cargo build --release --quiet --example comrak_floor)
promolint=$CARGO_TARGET_DIR/release/promolint
floor=$CARGO_TARGET_DIR/release/examples/comrak_floor

if [ "$peers" = 1 ]; then
  if [ ! -x "$work/node/node_modules/.bin/markdownlint-cli2" ]; then
    echo "installing markdownlint-cli2 (npm) into $work/node..." >&2
    npm install --silent --prefix "$work/node" markdownlint-cli2 >/dev/null 2>&1 || echo "markdownlint-cli2 install failed" >&2
  fi
  if [ ! -x "$work/venv/bin/rumdl" ]; then
    echo "installing rumdl (PyPI) into $work/venv..." >&2
    python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q rumdl >/dev/null 2>&1 || echo "rumdl install failed" >&2
  fi
  echo '{}' > "$work/markdownlint-defaults.jsonc"
fi

# median of a column of numbers
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"} else if (NR%2) {print a[(NR+1)/2]} else {printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}}'; }

# once NAME DIR CMD...: one run of CMD in DIR (bench/run_once.py: wall time of the child alone
# at microsecond resolution, CPU and peak memory from its rusage), appended to $work/NAME.times as
# "wall cpu-user cpu-sys peak-KB".
once() {
  local name=$1 dir=$2; shift 2
  python3 "$here/run_once.py" "$dir" "$@" >> "$work/$name.times" || echo "$name: run failed" >&2
}

# summary NAME: medians of the runs recorded for NAME.
declare -A WALL CPU RSS
summary() {
  local name=$1 log=$work/$1.times
  WALL[$name]=$(awk '{print $1}' "$log" | median)
  CPU[$name]=$(awk '{print $2+$3}' "$log" | median)
  RSS[$name]=$(awk '{print $4/1024}' "$log" | median)
  printf '%-22s wall %7ss  cpu %7ss  peak %7.0f MB\n' "$name" "${WALL[$name]}" "${CPU[$name]}" "${RSS[$name]}"
}

# measure NAME DIR CMD...: one warm-up, then $runs runs, then the medians.
measure() {
  local name=$1 dir=$2; shift 2
  : > "$work/$name.times"
  (cd "$dir" && "$@" >/dev/null 2>&1) || true
  for _ in $(seq "$runs"); do once "$name" "$dir" "$@"; done
  summary "$name"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || a == 0) print "n/a"; else printf "%.1fx", b / a }'; }

# bench_tree TREE LABEL [PEERS]: the peers run on the handbook itself only (markdownlint-cli2 takes
# minutes on ten copies).
bench_tree() {
  local t=$1 label=$2 peers=${3:-$peers}
  local pages; pages=$(find "$t/content" -name '*.md' | wc -l)
  local mb; mb=$(du -sm "$t/content" | cut -f1)
  echo; echo "== $label: $pages pages, $mb MB of Markdown, $runs runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
  # promolint and the floor take turns, so both see the same state of the machine and its page
  # cache; the ratio is also given as the median of the per-turn ratios.
  : > "$work/promolint.times"; : > "$work/comrak-parse-floor.times"
  "$promolint" check --format json --fail-on never --root "$t" >/dev/null 2>&1 || true
  "$floor" "$t/content" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    once "promolint" "$t" "$promolint" check --format json --fail-on never --root "$t"
    once "comrak-parse-floor" "$t" "$floor" "$t/content"
  done
  summary "promolint"
  summary "comrak-parse-floor"
  if [ "$peers" = 1 ]; then
    [ -x "$work/node/node_modules/.bin/markdownlint-cli2" ] &&
      measure "markdownlint-cli2" "$t" "$work/node/node_modules/.bin/markdownlint-cli2" --config "$work/markdownlint-defaults.jsonc" "content/**/*.md"
    [ -x "$work/venv/bin/rumdl" ] &&
      measure "rumdl" "$t" "$work/venv/bin/rumdl" check --no-cache --no-config content
  fi
  echo "promolint / comrak floor (wall): $(awk -v a="${WALL[comrak-parse-floor]}" -v b="${WALL[promolint]}" 'BEGIN {printf "%.2fx", b / a}') of the medians, $(paste -d' ' "$work/promolint.times" "$work/comrak-parse-floor.times" | awk '$5 > 0 {print $1 / $5}' | median | awk '{printf "%.2fx", $1}') median of the turns"
  if [ "$peers" = 1 ]; then
    echo "markdownlint-cli2 / promolint (wall): $(ratio "${WALL[promolint]}" "${WALL[markdownlint-cli2]:-n/a}")"
    echo "rumdl / promolint (wall): $(ratio "${WALL[promolint]}" "${WALL[rumdl]:-n/a}")"
  fi
}

bench_tree "$tree" "handbook"

# SCALE may list several sizes ("2 5 10"): peak memory against the number of pages.
for n in $scale; do
  [ "$n" -gt 1 ] || continue
  big=$work/scaled-$n; rm -rf "$big"; mkdir -p "$big/content"
  cp -r "$tree/assets" "$big/" 2>/dev/null || true
  cp "$tree/.hugolint.yaml" "$big/" 2>/dev/null || true
  for d in "$tree"/content/*/; do
    name=$(basename "$d")
    for i in $(seq "$n"); do
      if [ "$i" = 1 ]; then cp -r "$d" "$big/content/$name"; else cp -r "$d" "$big/content/$name/copy-$i"; fi
    done
  done
  # Written out before it is measured: the kernel writing hundreds of megabytes back while the
  # runs take turns slowed them unevenly (promolint 1.9x the floor at five copies, 1.5x after).
  sync
  bench_tree "$big" "handbook x$n" 0
done
