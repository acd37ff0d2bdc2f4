//! A GitLab fake served on 127.0.0.1: GitLab's REST shapes (form-encoded writes, `page`/`per_page`
//! pagination, `PRIVATE-TOKEN` auth) over the in-memory fake's state, with injectable 429s, 5xx,
//! slow answers, redirects and token echoes. Used by the HTTP client tests and by the end-to-end
//! tests of the `promolint mr` binary.

use super::TOKEN;
use promolint::gitlab::api::{DiffPosition, GitLabApi, MrUpdate};
use promolint::gitlab::fake::FakeGitLab;
use promolint::gitlab::{GitlabError, HttpGitLab, RetryPolicy, Secret};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone)]
pub(crate) enum Fault {
    Status(u16, Option<&'static str>),
    Slow(Duration),
    Redirect(String),
    /// A 400 whose message repeats the token the server received.
    EchoToken,
}

#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) token: Option<String>,
    pub(crate) body: String,
}

pub(crate) struct Shared {
    fake: FakeGitLab,
    faults: Mutex<VecDeque<Fault>>,
    /// Faults for requests whose method is not GET only, so a test can fail writes.
    write_faults: Mutex<VecDeque<Fault>>,
    /// A fault for every request once the queues are empty (a GitLab that is down for good).
    always: Mutex<Option<Fault>>,
    log: Mutex<Vec<Req>>,
    stop: AtomicBool,
}

pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    pub(crate) fn start(fake: FakeGitLab) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared {
            fake,
            faults: Mutex::new(VecDeque::new()),
            write_faults: Mutex::new(VecDeque::new()),
            always: Mutex::new(None),
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

    pub(crate) fn url(&self) -> String {
        format!("http://{}/api/v4", self.addr)
    }

    pub(crate) fn client(&self, policy: RetryPolicy) -> HttpGitLab {
        HttpGitLab::new(&self.url(), Secret::new(TOKEN), policy).expect("client")
    }

    pub(crate) fn fault(&self, f: Fault) {
        self.shared.faults.lock().unwrap().push_back(f);
    }

    pub(crate) fn write_fault(&self, f: Fault) {
        self.shared.write_faults.lock().unwrap().push_back(f);
    }

    pub(crate) fn log(&self) -> Vec<Req> {
        self.shared.log.lock().unwrap().clone()
    }

    pub(crate) fn clear_log(&self) {
        self.shared.log.lock().unwrap().clear();
    }

    pub(crate) fn writes(&self) -> Vec<Req> {
        self.log().into_iter().filter(|r| r.method != "GET").collect()
    }

    pub(crate) fn fake(&self) -> &FakeGitLab {
        &self.shared.fake
    }

    pub(crate) fn clear_write_faults(&self) {
        self.shared.write_faults.lock().unwrap().clear();
    }

    /// Answer every later request with `f` (after any queued faults); `None` heals the server.
    pub(crate) fn always(&self, f: Option<Fault>) {
        *self.shared.always.lock().unwrap() = f;
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
    let fault = fault.or_else(|| s.always.lock().unwrap().clone());
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

pub(crate) fn form(body: &str) -> Vec<(String, String)> {
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

pub(crate) fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
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

pub(crate) fn fast() -> RetryPolicy {
    RetryPolicy {
        budget: Duration::from_millis(400),
        request_timeout: Duration::from_millis(300),
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
    }
}
