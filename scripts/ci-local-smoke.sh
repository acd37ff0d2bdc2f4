#!/usr/bin/env bash
# Opt-in smoke test of the CI/CD component (templates/promolint.yml): runs its job for real with
# gitlab-ci-local's shell executor on throwaway projects, and checks the job's exit status and the
# report artifacts it exports.
#
#   scripts/ci-local-smoke.sh
#
# It downloads Node 22 (npm package node@22) and gitlab-ci-local into $PROMOLINT_SMOKE_TOOLS
# (default target/ci-local-tools), installs rsync with apt-get when it is missing (as root), and
# builds promolint with `cargo build --release` unless PROMOLINT_BIN_DIR names a directory that
# already holds a promolint binary. Exit status 0 when every case passes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${PROMOLINT_SMOKE_TOOLS:-$root/target/ci-local-tools}
gcl_version=${GITLAB_CI_LOCAL_VERSION:-4}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------
# gitlab-ci-local copies the project into its build directory with rsync.
if ! command -v rsync >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing rsync"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null
    else
        die "rsync is missing: install it (e.g. sudo apt-get install rsync) and rerun"
    fi
fi
command -v npm >/dev/null 2>&1 || die "npm is missing: it is needed to install Node 22 and gitlab-ci-local"
command -v git >/dev/null 2>&1 || die "git is missing"

if [ ! -x "$tools/node_modules/.bin/gitlab-ci-local" ] || [ ! -x "$tools/node_modules/.bin/node" ]; then
    say "installing node@22 and gitlab-ci-local@$gcl_version into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "node@22" "gitlab-ci-local@$gcl_version" >&2
fi
export PATH="$tools/node_modules/.bin:$PATH"
node_version=$(node --version)
case "$node_version" in
    v22.*) ;;
    *) die "expected Node 22 from the node@22 package, got $node_version" ;;
esac
say "node $node_version, gitlab-ci-local $(gitlab-ci-local --version)"

# --- promolint ---------------------------------------------------------------------------------
if [ -n "${PROMOLINT_BIN_DIR:-}" ]; then
    bin_dir=$PROMOLINT_BIN_DIR
else
    say "building promolint (cargo build --release)"
    (cd "$root" && cargo build --release --quiet)
    bin_dir=${CARGO_TARGET_DIR:-$root/target}/release
fi
[ -x "$bin_dir/promolint" ] || die "no promolint binary in $bin_dir"
bin_dir=$(cd "$bin_dir" && pwd)
# The job finds promolint on PATH and so skips its `cargo install` step.
export PATH="$bin_dir:$PATH"

# --- cases -------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/promolint-smoke.XXXXXX")
if [ -z "${PROMOLINT_SMOKE_KEEP:-}" ]; then
    trap 'rm -rf "$work"' EXIT
else
    say "keeping $work"
fi

# A small handbook in our own words: two pages that link to each other correctly.
write_clean_project() {
    local project=$1
    mkdir -p "$project/content/handbook/support" "$project/templates"
    cat > "$project/content/handbook/support/_index.md" <<'MD'
---
title: Support team
description: How the support team works and where to find its pages.
---

# Support team

Read [how we handle tickets](tickets.md) before your first shift.

## Working hours

We cover every weekday across three regions.
MD
    cat > "$project/content/handbook/support/tickets.md" <<'MD'
---
title: Handling tickets
description: The steps from a new ticket to a solved one.
---

# Handling tickets

Go back to the [support team page](_index.md#working-hours) for the schedule.

## First reply

Answer within one working day.
MD
}

# The clean handbook plus the project's own examples (examples/), which hold promotion documents
# and handbook pages with deliberate problems, laid out as the default globs expect them.
write_failing_project() {
    local project=$1
    write_clean_project "$project"
    [ -d "$root/examples/promotions" ] || die "no examples/promotions in $root"
    cp -R "$root/examples/promotions" "$project/promotions"
    if [ -d "$root/examples/handbook" ]; then
        cp -R "$root/examples/handbook/." "$project/"
    fi
}

# Runs the component's job in a fresh git project; sets $job_status and $artifacts (the directory
# gitlab-ci-local exports the job's artifacts to). Further arguments go to gitlab-ci-local.
run_job() {
    local name=$1 writer=$2
    shift 2
    local project=$work/$name
    "$writer" "$project"
    cp "$root/templates/promolint.yml" "$project/templates/promolint.yml"
    cat > "$project/.gitlab-ci.yml" <<'YAML'
include:
  - local: templates/promolint.yml
    inputs:
      stage: test
      fail_on: error
YAML
    (
        cd "$project"
        git init -q -b main
        git -c user.name=smoke -c user.email=smoke@example.invalid add -A
        git -c user.name=smoke -c user.email=smoke@example.invalid commit -q -m "smoke project"
        git remote add origin "git@gitlab.example.invalid:smoke/$name.git"
        # A remote default branch, as a real clone has, for `--changed` and gitlab-ci-local.
        git update-ref refs/remotes/origin/main HEAD
        git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
    )
    say "case $name: gitlab-ci-local promolint"
    set +e
    # --shell-isolation runs the job in a copy of the project, as a runner's fresh checkout would.
    # gitlab-ci-local gives a job that names an image a container-style CI_PROJECT_DIR
    # (/builds/...) even when it runs it in the shell, so point it at the real build directory.
    (cd "$project" && gitlab-ci-local --force-shell-executor --shell-isolation \
        --variable "CI_PROJECT_DIR=$project/.gitlab-ci-local/builds/promolint" \
        --ignore-predefined-vars CI_PROJECT_DIR,CI_PIPELINE_SOURCE "$@" promolint) \
        > "$work/$name.log" 2>&1
    job_status=$?
    set -e
    sed 's/^/    /' "$work/$name.log" >&2
    artifacts=$project/.gitlab-ci-local/artifacts/promolint
    if grep -q ' in 0 files checked' "$work/$name.log"; then
        die "$name: promolint checked no files; see $work/$name.log"
    fi
}

check_reports() {
    local name=$1 min_findings=$2
    local cq=$artifacts/gl-code-quality-report.json junit=$artifacts/promolint-junit.xml
    [ -s "$cq" ] || die "$name: the job exported no gl-code-quality-report.json"
    [ -s "$junit" ] || die "$name: the job exported no promolint-junit.xml"
    local count
    count=$(node -e '
        const issues = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        if (!Array.isArray(issues)) throw new Error("not an array");
        for (const i of issues) for (const k of ["description", "check_name", "fingerprint", "severity", "location"])
            if (!(k in i)) throw new Error("issue without " + k);
        console.log(issues.length);' "$cq") || die "$name: gl-code-quality-report.json is not a Code Quality report"
    [ "$count" -ge "$min_findings" ] || die "$name: expected at least $min_findings Code Quality issues, got $count"
    grep -q '<testsuites' "$junit" || die "$name: promolint-junit.xml has no <testsuites>"
    say "case $name: $count Code Quality issue(s), JUnit report present"
}

run_job clean write_clean_project
[ "$job_status" -eq 0 ] || die "clean: the job failed (status $job_status); log in $work/clean.log"
check_reports clean 0

run_job failing write_failing_project
[ "$job_status" -ne 0 ] || die "failing: the job passed although the examples have errors"
check_reports failing 1
grep -q '"severity": "major"' "$artifacts/gl-code-quality-report.json" \
    || die "failing: no error-level (major) issue in the Code Quality report"
grep -q '<failure' "$artifacts/promolint-junit.xml" || die "failing: no failing test case in the JUnit report"

# A merge request pipeline without a review token still checks and reports, and says why it did
# not review.
run_job mr-without-token write_failing_project \
    --variable CI_PIPELINE_SOURCE=merge_request_event
[ "$job_status" -ne 0 ] || die "mr-without-token: the job passed although the examples have errors"
grep -q 'PROMOLINT_GITLAB_TOKEN is not set' "$work/mr-without-token.log" \
    || die "mr-without-token: the job did not say why it skipped the review"
check_reports mr-without-token 1

echo "ci-local smoke: 3 passed, 0 failed"
