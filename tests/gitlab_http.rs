//! The review end to end over HTTP: the real client (the `gitlab` crate's endpoints on our
//! transport) against a GitLab fake served on 127.0.0.1. The server speaks GitLab's REST shapes
//! (form-encoded writes, `page`/`per_page` pagination, `PRIVATE-TOKEN` auth) over the in-memory
//! fake's state, and can inject 429s, 5xx, slow answers, redirects and token echoes.

mod gitlab_support;

use gitlab_support::*;
use promolint::gitlab::api::{DiffPosition, GitLabApi, MrUpdate};
use promolint::gitlab::fake::FakeGitLab;
use promolint::gitlab::{
    GitlabError, HttpGitLab, MrOptions, RetryPolicy, ReviewReport, Secret, changed_files, sync_review,
};
use promolint::outcome::LintOutcome;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
enum Fault {
    Status(u16, Option<&'static str>),
    Slow(Duration),
    Redirect(String),
    /// A 400 whose message repeats the token the server received.
    EchoToken,
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    target: String,
    token: Option<String>,
    body: String,
}

struct Shared {
    fake: FakeGitLab,
    faults: Mutex<VecDeque<Fault>>,
    /// Faults for requests whose method is not GET only, so a test can fail writes.
    write_faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<Req>>,
    stop: AtomicBool,
}

struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    fn start(fake: FakeGitLab) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared {
            fake,
            faults: Mutex::new(VecDeque::new()),
            write_faults: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                thread::spawn(move || handle(stream, &s, addr));
            }
        });
        Server { addr, shared }
    }

    fn url(&self) -> String {
        format!("http://{}/api/v4", self.addr)
    }

    fn client(&self, policy: RetryPolicy) -> HttpGitLab {
        HttpGitLab::new(&self.url(), Secret::new(TOKEN), policy).expect("client")
    }

    fn fault(&self, f: Fault) {
        self.shared.faults.lock().unwrap().push_back(f);
    }

    fn write_fault(&self, f: Fault) {
        self.shared.write_faults.lock().unwrap().push_back(f);
    }

    fn log(&self) -> Vec<Req> {
        self.shared.log.lock().unwrap().clone()
    }

    fn clear_log(&self) {
        self.shared.log.lock().unwrap().clear();
    }

    fn writes(&self) -> Vec<Req> {
        self.log().into_iter().filter(|r| r.method != "GET").collect()
    }

    fn fake(&self) -> &FakeGitLab {
        &self.shared.fake
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn handle(stream: TcpStream, s: &Shared, addr: SocketAddr) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() || first.is_empty() {
        return;
    }
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut length = 0;
    let mut token = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "private-token" => token = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req = Req { method, target, token, body: String::from_utf8_lossy(&body).into_owned() };
    s.log.lock().unwrap().push(req.clone());

    let fault = if req.method == "GET" {
        s.faults.lock().unwrap().pop_front()
    } else {
        s.write_faults.lock().unwrap().pop_front().or_else(|| s.faults.lock().unwrap().pop_front())
    };
    let (status, headers, body) = match fault {
        Some(Fault::Status(code, retry_after)) => {
            let mut h = Vec::new();
            if let Some(ra) = retry_after {
                h.push(("Retry-After".to_string(), ra.to_string()));
            }
            (code, h, json!({"message": format!("{code} injected")}).to_string())
        }
        Some(Fault::Redirect(to)) => (302, vec![("Location".into(), to)], "{}".into()),
        Some(Fault::EchoToken) => (
            400,
            vec![],
            json!({"message": format!("bad token {}", req.token.clone().unwrap_or_default())}).to_string(),
        ),
        Some(Fault::Slow(d)) => {
            thread::sleep(d);
            route(&req, s, addr)
        }
        None => route(&req, s, addr),
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body.as_bytes());
}

fn form(body: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{body}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&segment[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

type Reply = (u16, Vec<(String, String)>, String);

fn ok(v: Value) -> Reply {
    (200, vec![], v.to_string())
}

fn err_reply(e: GitlabError) -> Reply {
    match e {
        GitlabError::Api { status, message, .. } => {
            (status.unwrap_or(500), vec![], json!({ "message": message }).to_string())
        }
        other => (500, vec![], json!({ "message": other.to_string() }).to_string()),
    }
}

fn paged(list: Value, query: &[(String, String)]) -> Reply {
    let items = list.as_array().cloned().unwrap_or_default();
    let page: usize = get(query, "page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    let per: usize = get(query, "per_page").and_then(|p| p.parse().ok()).unwrap_or(20).clamp(1, 100);
    let slice: Vec<Value> = items.into_iter().skip((page - 1) * per).take(per).collect();
    ok(Value::Array(slice))
}

fn route(req: &Req, s: &Shared, _addr: SocketAddr) -> Reply {
    if req.token.as_deref() != Some(TOKEN) {
        return (401, vec![], json!({"message": "401 Unauthorized"}).to_string());
    }
    let Some(rest) = req.target.strip_prefix("/api/v4/") else {
        return (404, vec![], "{}".into());
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = form(query);
    let seg: Vec<&str> = path.split('/').collect();
    let f = &s.fake;
    let body = form(&req.body);
    let to = |r: Result<Value, GitlabError>| match r {
        Ok(v) => ok(v),
        Err(e) => err_reply(e),
    };
    match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["projects", p, "merge_requests", iid]) => {
            to(f.merge_request(p, iid.parse().unwrap_or(0)).map(|m| serde_json::to_value(m).unwrap()))
        }
        ("PUT", ["projects", p, "merge_requests", iid]) => {
            let ids: Vec<u64> =
                body.iter().filter(|(k, _)| k == "reviewer_ids[]").filter_map(|(_, v)| v.parse().ok()).collect();
            let split = |k: &str| -> Vec<String> {
                get(&body, k).map(|v| v.split(',').map(str::to_string).collect()).unwrap_or_default()
            };
            let has_reviewers = body.iter().any(|(k, _)| k.starts_with("reviewer_ids"));
            let update = MrUpdate {
                reviewer_ids: has_reviewers.then_some(ids),
                add_labels: split("add_labels"),
                remove_labels: split("remove_labels"),
            };
            to(f.update_merge_request(p, iid.parse().unwrap_or(0), &update)
                .and_then(|_| f.merge_request(p, iid.parse().unwrap_or(0)))
                .map(|m| serde_json::to_value(m).unwrap()))
        }
        ("GET", ["projects", p, "merge_requests", iid, "diffs"]) => match f.merge_request_diffs(p, iid.parse().unwrap_or(0)) {
            Ok(v) => paged(serde_json::to_value(v).unwrap(), &query),
            Err(e) => err_reply(e),
        },
        ("GET", ["projects", p, "merge_requests", iid, "versions"]) => {
            match f.merge_request_versions(p, iid.parse().unwrap_or(0)) {
                Ok(v) => paged(serde_json::to_value(v).unwrap(), &query),
                Err(e) => err_reply(e),
            }
        }
        ("GET", ["projects", p, "merge_requests", iid, "discussions"]) => {
            match f.discussions(p, iid.parse().unwrap_or(0)) {
                Ok(v) => paged(serde_json::to_value(v).unwrap(), &query),
                Err(e) => err_reply(e),
            }
        }
        ("POST", ["projects", p, "merge_requests", iid, "discussions"]) => {
            let num = |k: &str| get(&body, k).and_then(|v| v.parse::<u64>().ok());
            let text = |k: &str| get(&body, k).unwrap_or_default().to_string();
            if get(&body, "position[position_type]") != Some("text") {
                return (400, vec![], json!({"message": "position_type missing"}).to_string());
            }
            let pos = DiffPosition {
                base_sha: text("position[base_sha]"),
                start_sha: text("position[start_sha]"),
                head_sha: text("position[head_sha]"),
                old_path: text("position[old_path]"),
                new_path: text("position[new_path]"),
                new_line: num("position[new_line]").unwrap_or(0),
                old_line: num("position[old_line]"),
            };
            to(f.create_discussion(p, iid.parse().unwrap_or(0), get(&body, "body").unwrap_or_default(), &pos)
                .map(|d| serde_json::to_value(d).unwrap()))
        }
        ("PUT", ["projects", p, "merge_requests", iid, "discussions", id]) => {
            let resolved = get(&body, "resolved") == Some("true");
            to(f.resolve_discussion(p, iid.parse().unwrap_or(0), id, resolved).map(|_| json!({"id": id})))
        }
        ("POST", ["projects", p, "merge_requests", iid, "notes"]) => to(f
            .create_note(p, iid.parse().unwrap_or(0), get(&body, "body").unwrap_or_default())
            .map(|n| serde_json::to_value(n).unwrap())),
        ("PUT", ["projects", p, "merge_requests", iid, "notes", id]) => to(f
            .edit_note(p, iid.parse().unwrap_or(0), id.parse().unwrap_or(0), get(&body, "body").unwrap_or_default())
            .map(|_| json!({"id": id}))),
        ("GET", ["projects", p, "repository", "files", file, "raw"]) => {
            let path = decode(file);
            match f.file_raw(p, &path, get(&query, "ref").unwrap_or_default()) {
                Ok(Some(text)) => (200, vec![], text),
                Ok(None) => (404, vec![], json!({"message": "404 File Not Found"}).to_string()),
                Err(e) => err_reply(e),
            }
        }
        ("GET", ["users"]) => {
            let name = get(&query, "username").unwrap_or_default();
            to(f.user_by_username(name).map(|u| json!(u.into_iter().collect::<Vec<_>>())))
        }
        ("GET", ["users", id, "status"]) => {
            to(f.user_status(id.parse().unwrap_or(0)).map(|st| {
                json!({"emoji": null, "message": null, "availability": st.availability.unwrap_or_else(|| "not_set".into())})
            }))
        }
        ("GET", ["merge_requests"]) => {
            let id = get(&query, "reviewer_id").and_then(|v| v.parse().ok()).unwrap_or(0);
            match f.open_reviews(id) {
                Ok(n) => paged(json!((0..n).map(|i| json!({"id": 9000 + i, "iid": i})).collect::<Vec<_>>()), &query),
                Err(e) => err_reply(e),
            }
        }
        _ => (404, vec![], json!({"message": "404 Not Found"}).to_string()),
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        budget: Duration::from_millis(400),
        request_timeout: Duration::from_millis(300),
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
    }
}

fn options(server: &Server) -> MrOptions {
    let mut o = opts();
    o.api_url = server.url();
    o.retry = fast();
    o
}

fn review(server: &Server, outcome: &LintOutcome) -> Result<ReviewReport, GitlabError> {
    let o = options(server);
    let client = server.client(o.retry.clone());
    let changes = changed_files(&client, &o)?;
    sync_review(&client, &o, &changes, outcome, None, vec!["boss".into()])
}

#[test]
fn first_run_rerun_and_fix_over_http() {
    let server = Server::start(fake());
    let report = review(&server, &all_findings()).expect("first run");
    assert_eq!(report.discussions_created, 3);
    let log = server.log();
    assert!(log.iter().all(|r| r.token.as_deref() == Some(TOKEN)), "every request authenticated");
    let writes = server.writes();
    let shapes: Vec<String> =
        writes.iter().map(|r| format!("{} {}", r.method, r.target.trim_end_matches('?'))).collect();
    assert_eq!(
        shapes,
        [
            "POST /api/v4/projects/7/merge_requests/3/discussions",
            "POST /api/v4/projects/7/merge_requests/3/discussions",
            "POST /api/v4/projects/7/merge_requests/3/discussions",
            "POST /api/v4/projects/7/merge_requests/3/notes",
            "PUT /api/v4/projects/7/merge_requests/3",
        ]
    );
    // Form bodies as GitLab expects them.
    let ctx = form(&writes[1].body);
    assert_eq!(get(&ctx, "position[position_type]"), Some("text"));
    assert_eq!(get(&ctx, "position[new_line]"), Some("11"));
    assert_eq!(get(&ctx, "position[old_line]"), Some("9"));
    assert_eq!(get(&ctx, "position[head_sha]"), Some("cccccccccccccccccccccccccccccccccccccccc"));
    let added = form(&writes[0].body);
    assert_eq!(get(&added, "position[new_line]"), Some("8"));
    assert_eq!(get(&added, "position[old_line]"), None);
    let put = form(&writes[4].body);
    let ids: Vec<&str> = put.iter().filter(|(k, _)| k == "reviewer_ids[]").map(|(_, v)| v.as_str()).collect();
    assert_eq!(ids, ["21", "30"]);
    assert_eq!(get(&put, "add_labels"), Some("promolint::changes-requested"));
    let list = log.iter().find(|r| r.target.contains("/discussions?")).expect("listing");
    assert!(list.target.contains("per_page=100"), "{}", list.target);

    server.clear_log();
    let again = review(&server, &all_findings()).expect("rerun");
    assert!(server.writes().is_empty(), "{:?}", server.writes());
    assert_eq!((again.stats.reads, again.stats.writes), (3, 0));

    server.clear_log();
    let f = findings();
    let fixed = review(&server, &outcome(vec![f.hostile, f.context, f.whole_file])).expect("after fix");
    assert_eq!(fixed.discussions_resolved, 1);
    let writes = server.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(writes[0].target.contains("/discussions/d"), "{:?}", writes[0]);
    assert_eq!(get(&form(&writes[0].body), "resolved"), Some("true"));
    assert!(writes[1].target.contains("/notes/"));
}

#[test]
fn person_resolved_thread_is_not_reopened_over_http() {
    let server = Server::start(fake());
    review(&server, &all_findings()).expect("first run");
    let ids: Vec<String> =
        server.fake().lock().discussions.iter().filter(|d| !d.individual_note).map(|d| d.id.clone()).collect();
    for id in &ids {
        server.fake().set_resolved(id, user(21, "handpicked"), true);
    }
    server.clear_log();
    review(&server, &all_findings()).expect("rerun");
    assert!(server.writes().is_empty(), "{:?}", server.writes());
}

#[test]
fn many_notes_are_paged_and_our_threads_still_found() {
    let fake = fake();
    {
        let mut s = fake.lock();
        for i in 0..150 {
            s.discussions.push(promolint::gitlab::api::Discussion {
                id: format!("h{i}"),
                individual_note: true,
                notes: vec![promolint::gitlab::api::Note {
                    id: 50_000 + i,
                    body: format!("comment {i}"),
                    author: user(21, "handpicked"),
                    ..Default::default()
                }],
            });
        }
    }
    let server = Server::start(fake);
    review(&server, &all_findings()).expect("first run");
    server.clear_log();
    review(&server, &all_findings()).expect("rerun");
    assert!(server.writes().is_empty(), "{:?}", server.writes());
    let pages = server.log().iter().filter(|r| r.target.contains("/discussions?")).count();
    assert_eq!(pages, 2, "154 discussions at 100 per page");
}

#[test]
fn rate_limit_then_success_honours_retry_after() {
    let server = Server::start(fake());
    server.fault(Fault::Status(429, Some("0.08")));
    let client = server.client(fast());
    let start = Instant::now();
    let mr = client.merge_request("7", 3).expect("retried after the 429");
    assert_eq!(mr.iid, 3);
    assert!(start.elapsed() >= Duration::from_millis(80), "waited {:?}", start.elapsed());
    assert_eq!(client.stats().retries, 1);
    assert_eq!(server.log().len(), 2);
}

#[test]
fn retry_after_beyond_the_budget_fails_at_once_with_a_clear_error() {
    let server = Server::start(fake());
    server.fault(Fault::Status(429, Some("30")));
    let client = server.client(fast());
    let start = Instant::now();
    let err = client.merge_request("7", 3).expect_err("budget too small");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, GitlabError::RetryBudgetExhausted { attempts: 1, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("429") && msg.contains("GET merge request"), "{msg}");
}

#[test]
fn server_errors_until_the_budget_ends() {
    let server = Server::start(fake());
    for _ in 0..200 {
        server.fault(Fault::Status(500, None));
    }
    let start = Instant::now();
    let err = review(&server, &all_findings()).expect_err("GitLab is down");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "{took:?}");
    let GitlabError::RetryBudgetExhausted { attempts, .. } = &err else { panic!("{err:?}") };
    assert!(*attempts >= 3, "backed off and retried: {attempts}");
    let msg = err.to_string();
    assert!(msg.contains("HTTP 500") && msg.contains("retry budget"), "{msg}");
    assert!(!msg.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
    // Backoff grows: far fewer attempts than the budget over the first wait.
    assert!(*attempts < 40, "{attempts}");
}

#[test]
fn slow_answers_time_out_and_are_retried() {
    let server = Server::start(fake());
    server.fault(Fault::Slow(Duration::from_millis(90)));
    let mut policy = fast();
    policy.request_timeout = Duration::from_millis(40);
    let client = server.client(policy);
    let mr = client.merge_request("7", 3).expect("second attempt answers in time");
    assert_eq!(mr.iid, 3);
    assert!(client.stats().retries >= 1);
}

#[test]
fn a_run_killed_by_failing_writes_is_completed_without_duplicates() {
    let server = Server::start(fake());
    // The second write and everything after it fail until the budget is spent.
    server.write_fault(Fault::Slow(Duration::ZERO));
    for _ in 0..200 {
        server.write_fault(Fault::Status(503, None));
    }
    let err = review(&server, &all_findings()).expect_err("dies half-way");
    assert!(matches!(err, GitlabError::RetryBudgetExhausted { .. }), "{err:?}");
    assert_eq!(server.fake().lock().discussions.len(), 1, "one discussion made it");
    server.shared.write_faults.lock().unwrap().clear();
    server.clear_log();
    let report = review(&server, &all_findings()).expect("rerun completes");
    assert_eq!(report.discussions_created, 2);
    let s = server.fake().lock();
    let threads: Vec<&str> =
        s.discussions.iter().filter(|d| !d.individual_note).map(|d| d.notes[0].body.as_str()).collect();
    assert_eq!(threads.len(), 3);
    assert_eq!(s.discussions.iter().filter(|d| d.individual_note).count(), 1);
}

#[test]
fn redirects_are_not_followed_so_the_token_stays_home() {
    let elsewhere = Server::start(fake());
    let server = Server::start(fake());
    server.fault(Fault::Redirect(format!("{}/projects/7/merge_requests/3", elsewhere.url())));
    let client = server.client(fast());
    let err = client.merge_request("7", 3).expect_err("a redirect is an error");
    assert!(elsewhere.log().is_empty(), "the other host got {:?}", elsewhere.log());
    assert!(!err.to_string().contains(TOKEN));
}

#[test]
fn the_token_never_appears_in_errors_or_debug_output() {
    let server = Server::start(fake());
    server.fault(Fault::EchoToken);
    let client = server.client(fast());
    let err = client.merge_request("7", 3).expect_err("400");
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("bad token ***"), "{shown}");
    assert!(matches!(err, GitlabError::Api { status: Some(400), .. }));

    let err = HttpGitLab::new("http://gitlab.example.com/api/v4", Secret::new(TOKEN), fast()).expect_err("plain http");
    assert!(matches!(err, GitlabError::InsecureUrl { .. }));
    assert!(!format!("{err} {err:?}").contains(TOKEN));

    // A wrong token is a clear 401, not a retry.
    let bad = HttpGitLab::new(&server.url(), Secret::new("glpat-wrong-token-000"), fast()).expect("client");
    let err = bad.merge_request("7", 3).expect_err("401");
    assert!(matches!(err, GitlabError::Api { status: Some(401), .. }), "{err:?}");
    assert_eq!(bad.stats().retries, 0);
}

#[test]
fn dry_run_over_http_only_reads() {
    let server = Server::start(fake());
    let mut o = options(&server);
    o.dry_run = true;
    let client = server.client(o.retry.clone());
    let changes = changed_files(&client, &o).expect("changes");
    let report = sync_review(&client, &o, &changes, &all_findings(), None, vec!["boss".into()]).expect("dry run");
    assert!(server.writes().is_empty());
    assert_eq!(report.writes.len(), 5);
    assert!(server.log().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_post_that_timed_out_is_not_resent_and_the_rerun_does_not_duplicate_it() {
    let server = Server::start(fake());
    // The first write is applied by the server, but only after the client gave up on it.
    server.write_fault(Fault::Slow(Duration::from_millis(70)));
    let mut o = options(&server);
    o.retry.request_timeout = Duration::from_millis(30);
    let client = server.client(o.retry.clone());
    let changes = changed_files(&client, &o).expect("changes");
    let err = sync_review(&client, &o, &changes, &all_findings(), None, vec!["boss".into()]).expect_err("timed out");
    assert!(err.to_string().contains("not retried"), "{err}");
    assert_eq!(server.writes().len(), 1, "sent once");
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.fake().lock().discussions.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let report = review(&server, &all_findings()).expect("rerun");
    assert_eq!(report.discussions_created, 2);
    assert_eq!(server.fake().lock().discussions.iter().filter(|d| !d.individual_note).count(), 3);
}

#[test]
fn old_contents_of_renamed_pages_come_from_the_base_commit() {
    let fake = fake();
    fake.lock().files.insert(
        ("content/handbook/old-page.md".into(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()),
        "---\ntitle: Old page\n---\nbody\n".into(),
    );
    let server = Server::start(fake);
    let o = options(&server);
    let client = server.client(o.retry.clone());
    let changes = changed_files(&client, &o).expect("changes");
    let set = promolint::gitlab::change_set(&client, &o, &changes).expect("change set");
    assert_eq!(
        set.old_contents,
        [("content/handbook/old-page.md".to_string(), "---\ntitle: Old page\n---\nbody\n".to_string())]
    );
    let req = server.log().into_iter().find(|r| r.target.contains("/repository/files/")).expect("file request");
    assert!(req.target.contains("content%2Fhandbook%2Fold-page.md/raw?ref=aaaa"), "{}", req.target);
    // A file missing at the base is not an error.
    server.fake().lock().files.clear();
    let set = promolint::gitlab::change_set(&client, &o, &changes).expect("change set");
    assert!(set.old_contents.is_empty());
}

#[test]
fn versions_over_http_and_a_clear_404() {
    let fake = fake();
    fake.lock().mr.diff_refs = None;
    fake.lock().versions = vec![promolint::gitlab::api::MrVersion {
        id: 4,
        head_commit_sha: "h4".into(),
        base_commit_sha: "b4".into(),
        start_commit_sha: "s4".into(),
    }];
    let server = Server::start(fake);
    let o = options(&server);
    let client = server.client(o.retry.clone());
    let changes = changed_files(&client, &o).expect("changes");
    assert_eq!(changes.diff_refs.head_sha, "h4");
    assert!(server.log().iter().any(|r| r.target.contains("/merge_requests/3/versions?")));

    let err = client.merge_request("7", 99).expect_err("no such MR");
    assert!(matches!(err, GitlabError::Api { status: Some(404), .. }), "{err:?}");
    assert_eq!(err.to_string(), "GitLab API GET merge request failed with HTTP 404: 404 Not found");
}

#[test]
fn a_refused_connection_is_retried_until_the_budget_ends() {
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let client =
        HttpGitLab::new(&format!("http://127.0.0.1:{port}/api/v4"), Secret::new(TOKEN), fast()).expect("client");
    let err = client.merge_request("7", 3).expect_err("nothing listens");
    let GitlabError::RetryBudgetExhausted { attempts, .. } = &err else { panic!("{err:?}") };
    assert!(*attempts >= 2, "{attempts}");
    assert!(err.to_string().contains("Connection refused") || err.to_string().contains("could not connect"), "{err}");
}
