//! The review sync against the in-process fake: exact request order and bodies, quiet reruns,
//! resolving fixed findings, leaving people's threads alone, completing a killed run, the DRI
//! choice, labels, dry runs and neutralised text.

mod gitlab_support;

use gitlab_support::*;
use promolint::diagnostic::Severity;
use promolint::gitlab::api::*;
use promolint::gitlab::fake::{FakeGitLab, RecordedCall};
use promolint::gitlab::{
    CandidateSource, GitlabError, MrOptions, NoteAction, ReviewReport, Verdict, changed_files, sync_review,
};
use promolint::outcome::LintOutcome;
use serde_json::json;
use std::cell::Cell;

fn run_with(
    api: &dyn GitLabApi,
    opts: &MrOptions,
    outcome: &LintOutcome,
    codeowners: Option<&str>,
    rules: &[&str],
) -> Result<ReviewReport, GitlabError> {
    let changes = changed_files(api, opts)?;
    sync_review(api, opts, &changes, outcome, codeowners, rules.iter().map(|s| s.to_string()).collect())
}

fn run(fake: &FakeGitLab, outcome: &LintOutcome, rules: &[&str]) -> ReviewReport {
    run_with(fake, &opts(), outcome, None, rules).expect("review runs")
}

fn lines(calls: &[RecordedCall]) -> Vec<String> {
    calls.iter().map(|c| format!("{} {}", c.method, c.path)).collect()
}

const MR: &str = "projects/7/merge_requests/3";

fn summary_id(fake: &FakeGitLab) -> u64 {
    fake.lock().discussions.iter().find(|d| d.individual_note).map(|d| d.notes[0].id).expect("summary note")
}

#[test]
fn first_run_makes_exactly_these_requests() {
    let fake = fake();
    let report = run(&fake, &all_findings(), &["boss"]);
    let calls = fake.calls();
    assert_eq!(
        lines(&calls),
        [
            format!("GET {MR}"),
            format!("GET {MR}/diffs"),
            format!("GET {MR}/discussions"),
            "GET users?username=boss".into(),
            "GET users/30/status".into(),
            "GET merge_requests?reviewer_id=30&state=opened&scope=all".into(),
            format!("POST {MR}/discussions"),
            format!("POST {MR}/discussions"),
            format!("POST {MR}/discussions"),
            format!("POST {MR}/notes"),
            format!("PUT {MR}"),
        ]
    );
    let pos = |i: usize| calls[i].body["position"].clone();
    let shas = json!({
        "base_sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "start_sha": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "head_sha": "cccccccccccccccccccccccccccccccccccccccc",
    });
    for i in 6..9 {
        for k in ["base_sha", "start_sha", "head_sha"] {
            assert_eq!(pos(i)[k], shas[k], "{k} of call {i}");
        }
        assert_eq!(pos(i)["new_path"], DOC);
        assert_eq!(pos(i)["old_path"], DOC);
    }
    // Added line 8, context line 11 (old line 9), added line 13.
    assert_eq!((pos(6)["new_line"].clone(), pos(6)["old_line"].clone()), (json!(8), json!(null)));
    assert_eq!((pos(7)["new_line"].clone(), pos(7)["old_line"].clone()), (json!(11), json!(9)));
    assert_eq!((pos(8)["new_line"].clone(), pos(8)["old_line"].clone()), (json!(13), json!(null)));
    let f = findings();
    let body8 = calls[8].body["body"].as_str().unwrap_or_default();
    assert!(body8.starts_with(&format!("<!-- promolint:fp={} -->", f.placeholder.fingerprint())), "{body8}");
    assert!(body8.contains("`placeholder-text`"));
    assert!(body8.contains("Replace it with evidence"));

    let summary = calls[9].body["body"].as_str().unwrap_or_default();
    assert!(summary.starts_with("<!-- promolint:summary -->"));
    assert!(summary.contains("changes requested"));
    assert!(summary.contains("| Technical | Debugging | 0 / 1 | ❌ |"), "{summary}");
    assert!(summary.contains("Findings not on changed lines"));
    assert!(summary.contains("`missing-section`"));
    assert!(!summary.contains("`placeholder-text`"), "inline findings are not repeated");
    assert!(summary.contains("named by the promotion rules"));

    assert_eq!(
        calls[10].body,
        json!({"reviewer_ids": [21, 30], "add_labels": ["promolint::changes-requested"], "remove_labels": []})
    );
    assert_eq!(report.verdict, Verdict::ChangesRequested);
    assert_eq!(report.discussions_created, 3);
    assert_eq!(report.summary_note, NoteAction::Created);
    assert_eq!(report.writes.len(), 5);
    assert_eq!(report.stats, CallStats { reads: 6, writes: 5, retries: 0 });
    let dri = report.dri.expect("a DRI");
    assert_eq!((dri.username.as_str(), dri.source), ("boss", CandidateSource::Rules));
}

#[test]
fn rerun_with_nothing_changed_writes_nothing_and_reads_little() {
    let fake = fake();
    let outcome = all_findings();
    run(&fake, &outcome, &["boss"]);
    fake.clear_calls();
    let report = run(&fake, &outcome, &["boss"]);
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
    assert!(report.writes.is_empty());
    assert_eq!(report.summary_note, NoteAction::Unchanged);
    assert_eq!(report.discussions_kept, 3);
    // The DRI is already a reviewer: no user lookups. Reads do not grow with threads.
    assert_eq!(lines(&fake.calls()), [format!("GET {MR}"), format!("GET {MR}/diffs"), format!("GET {MR}/discussions")]);
}

#[test]
fn fixed_finding_resolves_its_thread_and_edits_the_summary() {
    let fake = fake();
    run(&fake, &all_findings(), &["boss"]);
    let placeholder_thread = fake
        .lock()
        .discussions
        .iter()
        .find(|d| d.notes[0].body.contains("placeholder-text"))
        .map(|d| d.id.clone())
        .expect("thread");
    fake.clear_calls();
    let f = findings();
    let report = run(&fake, &outcome(vec![f.hostile, f.context, f.whole_file]), &["boss"]);
    let writes = fake.writes();
    assert_eq!(
        lines(&writes),
        [format!("PUT {MR}/discussions/{placeholder_thread}"), format!("PUT {MR}/notes/{}", summary_id(&fake))]
    );
    assert_eq!(writes[0].body, json!({"resolved": true}));
    assert_eq!(report.discussions_resolved, 1);
    assert_eq!(report.summary_note, NoteAction::Edited);
    // And the run after that is quiet again.
    fake.clear_calls();
    let f = findings();
    run(&fake, &outcome(vec![f.hostile, f.context, f.whole_file]), &["boss"]);
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
}

#[test]
fn finding_back_after_we_resolved_it_reopens_but_a_person_resolved_thread_stays() {
    let fake = fake();
    let all = all_findings();
    run(&fake, &all, &["boss"]);
    let id_of = |rule: &str| {
        fake.lock().discussions.iter().find(|d| d.notes[0].body.contains(rule)).map(|d| d.id.clone()).expect("thread")
    };
    let (placeholder, hostile) = (id_of("placeholder-text"), id_of("first-person"));
    // A person resolves the hostile-text thread although its finding is still there.
    fake.set_resolved(&hostile, user(21, "handpicked"), true);
    let f = findings();
    run(&fake, &outcome(vec![f.hostile, f.context, f.whole_file]), &["boss"]); // we resolve placeholder
    fake.clear_calls();
    let report = run(&fake, &all, &["boss"]);
    let writes = fake.writes();
    assert_eq!(
        lines(&writes),
        [format!("PUT {MR}/discussions/{placeholder}"), format!("PUT {MR}/notes/{}", summary_id(&fake))]
    );
    assert_eq!(writes[0].body, json!({"resolved": false}));
    assert_eq!(report.discussions_reopened, 1);
    assert!(fake.lock().discussions.iter().find(|d| d.id == hostile).is_some_and(|d| d.notes[0].resolved));
    // Never reposted: still one thread per fingerprint.
    assert_eq!(fake.lock().discussions.iter().filter(|d| !d.individual_note).count(), 3);
}

#[test]
fn a_thread_a_person_replied_to_is_not_resolved_by_us() {
    let fake = fake();
    run(&fake, &all_findings(), &["boss"]);
    let placeholder = fake
        .lock()
        .discussions
        .iter()
        .find(|d| d.notes[0].body.contains("placeholder-text"))
        .map(|d| d.id.clone())
        .expect("thread");
    fake.reply(&placeholder, user(21, "handpicked"), "I disagree, see the link");
    fake.clear_calls();
    let f = findings();
    let report = run(&fake, &outcome(vec![f.hostile, f.context, f.whole_file]), &["boss"]);
    assert_eq!(lines(&fake.writes()), [format!("PUT {MR}/notes/{}", summary_id(&fake))]);
    assert_eq!(report.discussions_resolved, 0);
}

/// Fails every write after the first `writes_left`, like a job killed half-way.
struct Killed<'a> {
    inner: &'a FakeGitLab,
    writes_left: Cell<usize>,
}

impl Killed<'_> {
    fn spend(&self) -> Result<(), GitlabError> {
        if self.writes_left.get() == 0 {
            return Err(GitlabError::Api { operation: "killed".into(), status: None, message: "job killed".into() });
        }
        self.writes_left.set(self.writes_left.get() - 1);
        Ok(())
    }
}

impl GitLabApi for Killed<'_> {
    fn merge_request(&self, p: &str, i: u64) -> Result<MergeRequest, GitlabError> {
        self.inner.merge_request(p, i)
    }
    fn merge_request_diffs(&self, p: &str, i: u64) -> Result<Vec<FileDiff>, GitlabError> {
        self.inner.merge_request_diffs(p, i)
    }
    fn merge_request_versions(&self, p: &str, i: u64) -> Result<Vec<MrVersion>, GitlabError> {
        self.inner.merge_request_versions(p, i)
    }
    fn discussions(&self, p: &str, i: u64) -> Result<Vec<Discussion>, GitlabError> {
        self.inner.discussions(p, i)
    }
    fn create_note(&self, p: &str, i: u64, b: &str) -> Result<Note, GitlabError> {
        self.spend()?;
        self.inner.create_note(p, i, b)
    }
    fn edit_note(&self, p: &str, i: u64, n: u64, b: &str) -> Result<(), GitlabError> {
        self.spend()?;
        self.inner.edit_note(p, i, n, b)
    }
    fn create_discussion(&self, p: &str, i: u64, b: &str, pos: &DiffPosition) -> Result<Discussion, GitlabError> {
        self.spend()?;
        self.inner.create_discussion(p, i, b, pos)
    }
    fn resolve_discussion(&self, p: &str, i: u64, d: &str, r: bool) -> Result<(), GitlabError> {
        self.spend()?;
        self.inner.resolve_discussion(p, i, d, r)
    }
    fn user_by_username(&self, u: &str) -> Result<Option<User>, GitlabError> {
        self.inner.user_by_username(u)
    }
    fn user_status(&self, id: u64) -> Result<UserStatus, GitlabError> {
        self.inner.user_status(id)
    }
    fn open_reviews(&self, id: u64) -> Result<usize, GitlabError> {
        self.inner.open_reviews(id)
    }
    fn update_merge_request(&self, p: &str, i: u64, u: &MrUpdate) -> Result<(), GitlabError> {
        self.spend()?;
        self.inner.update_merge_request(p, i, u)
    }
    fn file_raw(&self, p: &str, path: &str, r: &str) -> Result<Option<String>, GitlabError> {
        self.inner.file_raw(p, path, r)
    }
    fn stats(&self) -> CallStats {
        self.inner.stats()
    }
}

#[test]
fn a_killed_run_is_completed_by_the_next_without_duplicates() {
    let outcome = all_findings();
    for survive in 0..5 {
        let fake = fake();
        let killed = Killed { inner: &fake, writes_left: Cell::new(survive) };
        let err = run_with(&killed, &opts(), &outcome, None, &["boss"]).expect_err("killed");
        assert!(err.to_string().contains("job killed"));
        let report = run(&fake, &outcome, &["boss"]);
        assert_eq!(report.writes.len(), 5 - survive, "after {survive} writes");
        let s = fake.lock();
        let summaries = s.discussions.iter().filter(|d| d.notes[0].body.starts_with("<!-- promolint:summary")).count();
        assert_eq!(summaries, 1);
        let mut fps: Vec<&str> =
            s.discussions.iter().filter(|d| !d.individual_note).map(|d| d.notes[0].body.as_str()).collect();
        let n = fps.len();
        fps.sort();
        fps.dedup();
        assert_eq!((n, fps.len()), (3, 3));
        assert_eq!(s.mr.reviewers.iter().map(|r| r.id).collect::<Vec<_>>(), [21, 30]);
    }
}

#[test]
fn dri_from_codeowners_skips_author_candidate_busy_groups_and_takes_fewest_reviews() {
    let fake = fake();
    let co = codeowners();
    let report = run_with(&fake, &opts(), &all_findings(), Some(&co), &["jdoe", "@JDoe"]).expect("runs");
    let dri = report.dri.clone().expect("a DRI");
    // bob has 1 open review; alice 3, carol 5; busyperson is busy; jdoe is author and candidate.
    assert_eq!(dri.username, "bob");
    assert_eq!(dri.open_reviews, Some(1));
    assert_eq!(dri.compared, 3);
    assert!(matches!(dri.source, CandidateSource::Codeowners { ref section, line: 6 } if section == "Promotions"));
    let msgs = report.messages.join("\n");
    assert!(msgs.contains("@busyperson is busy"), "{msgs}");
    assert!(msgs.contains("@jdoe from the rules: the MR author or the promotion candidate"), "{msgs}");
    assert!(msgs.contains("@fallback-owner from CODEOWNERS is not a GitLab user"), "{msgs}");
    // The section's default group owns nothing here: the entry names its own owners.
    assert!(!msgs.contains("@people/leads"), "{msgs}");
    assert!(msgs.contains("@@maintainer") && msgs.contains("docs@example.com"), "{msgs}");
    let calls = lines(&fake.calls());
    assert!(!calls.iter().any(|c| c.contains("username=jdoe")), "the author is never looked up");
    let put = fake.writes().into_iter().last().expect("a PUT");
    assert_eq!(put.body["reviewer_ids"], json!([21, 32]));
    // A rerun picks the same person and writes nothing.
    fake.clear_calls();
    let again = run_with(&fake, &opts(), &all_findings(), Some(&co), &["jdoe"]).expect("runs");
    assert_eq!(again.dri.map(|d| d.username), Some("bob".into()));
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
}

#[test]
fn the_candidate_is_excluded_even_when_someone_else_authored_the_mr() {
    let fake = fake();
    fake.lock().mr.author = user(31, "alice");
    let report = run(&fake, &all_findings(), &["jdoe", "alice", "bob"]);
    assert_eq!(report.dri.map(|d| d.username), Some("bob".into()));
}

#[test]
fn ties_are_broken_the_same_way_every_time() {
    let pick = || {
        let fake = fake();
        for id in [31, 32, 34] {
            fake.lock().open_reviews.insert(id, 2);
        }
        run(&fake, &all_findings(), &["alice", "bob", "carol"]).dri.map(|d| d.username)
    };
    let first = pick();
    assert!(first.is_some());
    for _ in 0..3 {
        assert_eq!(pick(), first);
    }
}

#[test]
fn candidate_lookups_are_bounded() {
    let fake = fake();
    let names: Vec<String> = (0..40).map(|i| format!("ghost{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let report = run(&fake, &all_findings(), &refs);
    assert!(report.dri.is_none());
    let lookups = fake.calls().iter().filter(|c| c.path.starts_with("users?")).count();
    assert_eq!(lookups, opts().max_candidate_lookups);
}

#[test]
fn hand_set_reviewer_who_is_a_candidate_is_kept_without_a_reviewer_write() {
    let fake = fake();
    let report = run(&fake, &all_findings(), &["handpicked", "boss"]);
    let dri = report.dri.expect("a DRI");
    assert!(dri.already_reviewer);
    let put = fake.writes().into_iter().last().expect("label PUT");
    assert_eq!(
        put.body,
        json!({"reviewer_ids": null, "add_labels": ["promolint::changes-requested"], "remove_labels": []})
    );
}

#[test]
fn labels_follow_the_verdict() {
    let fake = fake();
    run(&fake, &all_findings(), &["boss"]);
    assert!(fake.lock().mr.labels.contains(&"promolint::changes-requested".to_string()));
    // Only warnings left: passes with --fail-on error, and the old label goes.
    let f = findings();
    fake.clear_calls();
    let report = run(&fake, &outcome(vec![f.hostile, f.context]), &["boss"]);
    assert_eq!(report.verdict, Verdict::Passed);
    let put = fake.writes().into_iter().last().expect("PUT");
    assert_eq!(put.body["add_labels"], json!(["promolint::passed"]));
    assert_eq!(put.body["remove_labels"], json!(["promolint::changes-requested"]));
    // With --fail-on warning the same findings request changes.
    let mut o = opts();
    o.fail_on = Some(Severity::Warning);
    let f = findings();
    let report = run_with(&fake, &o, &outcome(vec![f.hostile, f.context]), None, &["boss"]).expect("runs");
    assert_eq!(report.verdict, Verdict::ChangesRequested);
}

#[test]
fn dry_run_plans_every_write_and_makes_none() {
    let fake = fake();
    let mut o = opts();
    o.dry_run = true;
    let report = run_with(&fake, &o, &all_findings(), None, &["boss"]).expect("runs");
    assert!(fake.writes().is_empty());
    let planned: Vec<String> = report.writes.iter().map(ToString::to_string).collect();
    assert_eq!(planned.len(), 5, "{planned:#?}");
    assert!(planned[0].starts_with(&format!("POST {MR}/discussions — inline discussion on {DOC}:8 (added line)")));
    assert!(planned[1].contains(":11 (context line, old line 9)"), "{}", planned[1]);
    assert!(planned[3].starts_with(&format!("POST {MR}/notes — create the summary note")));
    assert_eq!(
        planned[4],
        format!("PUT {MR} — reviewer_ids=[21, 30] (adds @boss), add_labels=promolint::changes-requested")
    );
    let printed = format!("{planned:?}{report:?}{o:?}");
    assert!(!printed.contains(TOKEN));
}

#[test]
fn echoed_text_cannot_ping_link_act_or_inject() {
    let fake = fake();
    run(&fake, &all_findings(), &["boss"]);
    for call in fake.writes() {
        let Some(body) = call.body["body"].as_str() else { continue };
        for bad in ["@all", "@jdoe", "#12", "!3", "~urgent", "%&quot;Q3", "<script>", "<b>", "@boss"] {
            assert!(!body.contains(bad), "{bad} in {body}");
        }
        for line in body.lines() {
            assert!(!line.trim_start().starts_with('/'), "quick action line {line:?} in {body}");
        }
        // Our marker is the only HTML comment.
        assert_eq!(body.matches("<!--").count(), 1, "{body}");
    }
    let summary =
        fake.lock().discussions.iter().find(|d| d.individual_note).map(|d| d.notes[0].body.clone()).expect("summary");
    assert!(summary.contains("| Mentoring \\| @\u{200d}all | 2 / 1 | ✅ |"), "{summary}");
    assert!(summary.contains("&lt;script&gt;"));
    let hostile = fake
        .lock()
        .discussions
        .iter()
        .find(|d| d.notes[0].body.contains("first-person"))
        .map(|d| d.notes[0].body.clone())
        .expect("thread");
    assert!(
        hostile.contains("@\u{200d}all please look at #\u{200d}12 and !\u{200d}3 with ~\u{200d}urgent"),
        "{hostile}"
    );
    assert!(hostile.contains("/close &lt;b&gt;"), "{hostile}");
}

#[test]
fn long_lists_are_collapsed_and_notes_stay_small() {
    let fake = fake();
    let many: Vec<_> = (0..500)
        .map(|i| {
            promolint::diagnostic::Finding::new("style", Severity::Warning, DOC, 0..0, "x".repeat(5_000))
                .with_anchor(format!("a{i}"))
        })
        .collect();
    run(&fake, &outcome(many), &["boss"]);
    let summary =
        fake.lock().discussions.iter().find(|d| d.individual_note).map(|d| d.notes[0].body.clone()).expect("summary");
    assert!(summary.contains("- … and 400 more"), "collapsed");
    assert!(summary.chars().count() < 100_000, "{}", summary.len());
}

#[test]
fn refused_position_goes_to_the_summary() {
    let fake = fake();
    // GitLab recomputed the diff: our SHAs are stale for the create.
    let changes = changed_files(&fake, &opts()).expect("changes");
    fake.lock().mr.diff_refs = Some(DiffRefs { base_sha: "x".into(), start_sha: "y".into(), head_sha: "z".into() });
    let report = sync_review(&fake, &opts(), &changes, &all_findings(), None, vec!["boss".into()]).expect("runs");
    assert_eq!(report.discussions_created, 0);
    assert!(report.messages.iter().any(|m| m.contains("GitLab refused an inline discussion")));
    let summary =
        fake.lock().discussions.iter().find(|d| d.individual_note).map(|d| d.notes[0].body.clone()).expect("summary");
    assert!(summary.contains("`placeholder-text`"));
}

#[test]
fn versions_fill_in_missing_diff_refs() {
    let fake = fake();
    fake.lock().mr.diff_refs = None;
    fake.lock().versions = vec![
        MrVersion { id: 2, head_commit_sha: "h2".into(), base_commit_sha: "b2".into(), start_commit_sha: "s2".into() },
        MrVersion { id: 1, head_commit_sha: "h1".into(), base_commit_sha: "b1".into(), start_commit_sha: "s1".into() },
    ];
    let changes = changed_files(&fake, &opts()).expect("changes");
    assert_eq!(changes.diff_refs, DiffRefs { base_sha: "b2".into(), start_sha: "s2".into(), head_sha: "h2".into() });
    assert_eq!(changes.paths_to_lint(), [DOC, "content/handbook/new-page.md"]);
    assert_eq!(changes.removed_paths(), ["content/handbook/old-page.md"]);
}

#[test]
fn options_come_from_ci_variables_and_flags_win() {
    use promolint::gitlab::MrOverrides;
    let env = |k: &str| -> Option<String> {
        match k {
            "CI_API_V4_URL" => Some("https://gitlab.example.com/api/v4".into()),
            "CI_PROJECT_ID" => Some("7".into()),
            "CI_MERGE_REQUEST_IID" => Some("3".into()),
            "PROMOLINT_GITLAB_TOKEN" => Some(TOKEN.into()),
            _ => None,
        }
    };
    let o = MrOptions::from_env(&env).expect("options");
    assert_eq!((o.project.as_str(), o.mr_iid), ("7", 3));
    let flags = MrOverrides { project: Some("group/proj".into()), mr_iid: Some(9), ..MrOverrides::default() };
    let o = MrOptions::resolve(&env, &flags, false).expect("options");
    assert_eq!((o.project.as_str(), o.mr_iid), ("group/proj", 9));
    assert!(!format!("{o:?}").contains(TOKEN));

    let none = |_: &str| None;
    let err = MrOptions::from_env(&none).expect_err("missing");
    assert_eq!(err.to_string(), "missing GitLab API URL: set CI_API_V4_URL or pass --api-url");
    let no_token = |k: &str| if k == "PROMOLINT_GITLAB_TOKEN" { None } else { env(k) };
    assert!(matches!(MrOptions::from_env(&no_token), Err(GitlabError::MissingToken)));
    assert!(MrOptions::resolve(&no_token, &MrOverrides::default(), true).is_ok(), "dry run needs no token");
    let bad_iid = |k: &str| if k == "CI_MERGE_REQUEST_IID" { Some("abc".into()) } else { env(k) };
    let err = MrOptions::from_env(&bad_iid).expect_err("bad iid");
    assert!(err.to_string().contains("CI_MERGE_REQUEST_IID is not a valid merge request iid: `abc`"), "{err}");
}

#[test]
fn a_resolved_thread_with_an_unknown_resolver_is_treated_as_a_persons() {
    let fake = fake();
    let all = all_findings();
    run(&fake, &all, &["boss"]);
    let f = findings();
    run(&fake, &outcome(vec![f.hostile, f.context, f.whole_file]), &["boss"]); // we resolve one
    for d in fake.lock().discussions.iter_mut() {
        for n in d.notes.iter_mut() {
            n.resolved_by = None;
        }
    }
    fake.clear_calls();
    let report = run(&fake, &all, &["boss"]);
    assert_eq!(report.discussions_reopened, 0);
    assert!(fake.writes().iter().all(|c| !c.path.contains("/discussions/")), "{:?}", fake.writes());
}

#[test]
fn report_lines_for_dry_run_and_verbose() {
    let fake = fake();
    let mut o = opts();
    o.dry_run = true;
    let report = run_with(&fake, &o, &all_findings(), None, &["boss"]).expect("runs");
    let quiet = report.lines(false);
    assert_eq!(quiet[0], "dry run: 5 write(s) planned, none made");
    assert!(quiet[1].starts_with(&format!("  would POST {MR}/discussions")));
    assert_eq!(quiet.len(), 6);
    let loud = report.lines(true).join("\n");
    assert!(loud.contains("GitLab API: 6 read(s), 0 write(s), 0 retries"), "{loud}");
    assert!(loud.contains("DRI: @boss (10 open review(s), fewest of 1)"), "{loud}");
    assert!(!loud.contains(TOKEN));
}

#[test]
fn codeowners_is_found_where_gitlab_looks() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(promolint::gitlab::read_codeowners(dir.path(), None).expect("io").is_none());
    std::fs::create_dir_all(dir.path().join(".gitlab")).expect("mkdir");
    std::fs::write(dir.path().join(".gitlab/CODEOWNERS"), "* @a\n").expect("write");
    let (path, _) = promolint::gitlab::read_codeowners(dir.path(), None).expect("io").expect("found");
    assert!(path.ends_with(".gitlab/CODEOWNERS"));
    std::fs::write(dir.path().join("CODEOWNERS"), "* @root\n").expect("write");
    let (_, text) = promolint::gitlab::read_codeowners(dir.path(), None).expect("io").expect("found");
    assert_eq!(text, "* @root\n", "the root file wins");
    let (_, text) = promolint::gitlab::read_codeowners(dir.path(), Some(std::path::Path::new(".gitlab/CODEOWNERS")))
        .expect("io")
        .expect("found");
    assert_eq!(text, "* @a\n");
}

#[test]
fn change_set_carries_renames_description_and_old_contents() {
    let fake = fake();
    fake.lock().files.insert(
        ("content/handbook/old-page.md".into(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()),
        "---\ntitle: Old\ncontrolled_document: true\n---\n".into(),
    );
    let changes = changed_files(&fake, &opts()).expect("changes");
    fake.clear_calls();
    let set = promolint::gitlab::change_set(&fake, &opts(), &changes).expect("change set");
    assert_eq!(set.renamed, [("content/handbook/old-page.md".to_string(), "content/handbook/new-page.md".to_string())]);
    assert!(set.deleted.is_empty());
    assert_eq!(set.change_issue_text.as_deref(), Some("Adds the promotion document."));
    assert_eq!(set.old_contents.len(), 1);
    assert!(set.old_contents[0].1.contains("controlled_document: true"));
    assert_eq!(
        lines(&fake.calls()),
        [
            "GET projects/7/repository/files/content%2Fhandbook%2Fold-page.md/raw?ref=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ]
    );
}
