//! [`GitLabApi`] over HTTP: the `gitlab` crate's endpoints (plus the few it lacks, written against
//! its public `Endpoint` trait) sent through our own transport.
//!
//! Why our own transport rather than `gitlab::Gitlab`: the crate's client follows redirects with
//! reqwest's default policy, which forwards the `PRIVATE-TOKEN` header to whatever host a redirect
//! names (reqwest only strips `Authorization` and cookies); it has no request timeout we can set;
//! and it calls `GET /user` when built. The transport here sends the token only to the configured
//! scheme, host and port, never follows redirects, refuses plain http except to loopback, and
//! retries 429 (honouring `Retry-After`), 5xx and timeouts within a time budget.

use super::api::*;
use super::{GitlabError, Secret};
use bytes::Bytes;
use gitlab::api::endpoint_prelude::*;
use gitlab::api::{self as glapi, ApiError, Pagination, Query};
use reqwest::Url;
use serde::Deserialize;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the run may keep retrying, and how it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total time from the client's creation after which failed requests are no longer retried.
    pub budget: Duration,
    /// Time limit of one request.
    pub request_timeout: Duration,
    /// First wait after a 5xx or timeout; doubled after each further failure.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
        }
    }
}

/// The HTTP client of the review.
pub struct HttpGitLab {
    transport: Transport,
}

impl std::fmt::Debug for HttpGitLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpGitLab")
            .field("base", &self.transport.base.as_str())
            .field("token", &self.transport.token)
            .field("policy", &self.transport.policy)
            .finish()
    }
}

impl HttpGitLab {
    /// `api_url` is the REST v4 base (`CI_API_V4_URL`); a URL without the `/api/v4` suffix gets it.
    pub fn new(api_url: &str, token: Secret, policy: RetryPolicy) -> Result<Self, GitlabError> {
        let base = check_api_url(api_url)?;
        let http = reqwest::blocking::Client::builder()
            .timeout(policy.request_timeout)
            .connect_timeout(policy.request_timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("promolint/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GitlabError::Client(token.redact(&e.to_string())))?;
        Ok(HttpGitLab {
            transport: Transport {
                http,
                base,
                token,
                policy,
                started: Instant::now(),
                stats: Mutex::new(CallStats::default()),
            },
        })
    }

    fn err(&self, operation: &str, e: ApiError<TransportError>) -> GitlabError {
        let redact = |s: String| self.transport.token.redact(&s);
        match e {
            ApiError::Client { source } => match source {
                TransportError::Budget { attempts, elapsed, last } => GitlabError::RetryBudgetExhausted {
                    operation: operation.to_string(),
                    attempts,
                    elapsed,
                    budget: self.transport.policy.budget,
                    last: redact(last),
                },
                TransportError::ForeignHost { url } => GitlabError::ForeignHost {
                    url,
                    host: self.transport.base.host_str().unwrap_or_default().to_string(),
                },
                other => GitlabError::Api {
                    operation: operation.to_string(),
                    status: None,
                    message: redact(other.to_string()),
                },
            },
            ApiError::GitlabWithStatus { status, msg } => GitlabError::Api {
                operation: operation.to_string(),
                status: Some(status.as_u16()),
                message: redact(msg),
            },
            ApiError::GitlabService { status, .. } => GitlabError::Api {
                operation: operation.to_string(),
                status: Some(status.as_u16()),
                message: "GitLab answered with a server error".into(),
            },
            other => {
                GitlabError::Api { operation: operation.to_string(), status: None, message: redact(other.to_string()) }
            }
        }
    }
}

fn builder_err(operation: &str, e: impl std::fmt::Display) -> GitlabError {
    GitlabError::Api { operation: operation.into(), status: None, message: format!("could not build the request: {e}") }
}

/// The https/loopback rule and the `/api/v4/` base.
fn check_api_url(api_url: &str) -> Result<Url, GitlabError> {
    let invalid = |reason: &str| GitlabError::InvalidUrl { url: api_url.to_string(), reason: reason.into() };
    let mut url = Url::parse(api_url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not allowed; use PROMOLINT_GITLAB_TOKEN"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a query or fragment is not expected"));
    }
    let host = url.host_str().ok_or_else(|| invalid("no host"))?.to_string();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(GitlabError::InsecureUrl { url: format!("http://{host}") });
        }
        other => return Err(invalid(&format!("unsupported scheme `{other}`"))),
    }
    let path = url.path().trim_end_matches('/').to_string();
    let path = if path.ends_with("/api/v4") { format!("{path}/") } else { format!("{path}/api/v4/") };
    url.set_path(&path);
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[derive(Debug, thiserror::Error)]
enum TransportError {
    #[error("retry budget spent after {attempts} attempt(s): {last}")]
    Budget { attempts: u32, elapsed: Duration, last: String },
    #[error("request to a foreign host {url}")]
    ForeignHost { url: String },
    #[error("{0}")]
    Request(String),
}

struct Transport {
    http: reqwest::blocking::Client,
    base: Url,
    token: Secret,
    policy: RetryPolicy,
    started: Instant,
    stats: Mutex<CallStats>,
}

impl Transport {
    fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url.path().starts_with(self.base.path())
    }

    fn count(&self, write: bool, retry: bool) {
        let mut s = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        if write {
            s.writes += 1;
        } else {
            s.reads += 1;
        }
        if retry {
            s.retries += 1;
        }
    }
}

impl glapi::RestClient for Transport {
    type Error = TransportError;

    fn rest_endpoint(&self, endpoint: &str) -> Result<Url, ApiError<Self::Error>> {
        Ok(self.base.join(endpoint)?)
    }
}

impl glapi::Client for Transport {
    fn rest(
        &self,
        request: http::request::Builder,
        body: Vec<u8>,
    ) -> Result<http::Response<Bytes>, ApiError<Self::Error>> {
        let method = request.method_ref().cloned().unwrap_or(http::Method::GET);
        let uri = request.uri_ref().map(ToString::to_string).unwrap_or_default();
        let url = Url::parse(&uri).map_err(|e| ApiError::client(TransportError::Request(e.to_string())))?;
        // Pagination follows `Link` headers from the server: the token must not follow them
        // anywhere else.
        if !self.same_origin(&url) {
            let mut shown = url.clone();
            shown.set_query(None);
            return Err(ApiError::client(TransportError::ForeignHost { url: shown.to_string() }));
        }
        let headers = request.headers_ref().cloned().unwrap_or_default();
        let write = method != http::Method::GET && method != http::Method::HEAD;
        let mut backoff = self.policy.initial_backoff;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            self.count(write, attempts > 1);
            let sent = self
                .http
                .request(method.clone(), url.clone())
                .headers(headers.clone())
                .header("PRIVATE-TOKEN", self.token.expose())
                .body(body.clone())
                .send()
                .and_then(|rsp| {
                    let status = rsp.status();
                    let headers = rsp.headers().clone();
                    rsp.bytes().map(|b| (status, headers, b))
                });
            let (wait, last) = match sent {
                Ok((status, headers, bytes)) => {
                    if status == http::StatusCode::TOO_MANY_REQUESTS {
                        let wait = retry_after(&headers).unwrap_or(backoff);
                        (wait, format!("HTTP 429 Too Many Requests (Retry-After {wait:.1?})"))
                    } else if status.is_server_error() {
                        (backoff, format!("HTTP {status}"))
                    } else {
                        let mut rsp = http::Response::builder().status(status);
                        if let Some(h) = rsp.headers_mut() {
                            *h = headers;
                        }
                        return rsp.body(bytes).map_err(|e| ApiError::client(TransportError::Request(e.to_string())));
                    }
                }
                // A POST that timed out may have been applied: sending it again could open a
                // second thread. Fail instead; the next run finds what was created by its marker.
                // A POST that timed out may have been applied: sending it again could open a
                // second thread. Fail instead; the next run finds what was created by its marker.
                Err(e) if e.is_timeout() && !e.is_connect() && method == http::Method::POST => {
                    return Err(ApiError::client(TransportError::Request(self.token.redact(&format!(
                        "timed out, not retried because a POST may have been applied: {}",
                        chain(&e)
                    )))));
                }
                Err(e) if e.is_timeout() || (e.is_connect() && transient_connect(&e)) => (
                    backoff,
                    self.token.redact(&format!(
                        "{}: {}",
                        if e.is_timeout() { "timed out" } else { "could not connect" },
                        chain(&e)
                    )),
                ),
                // TLS and certificate failures, bad URLs and the like will not heal by waiting.
                Err(e) => return Err(ApiError::client(TransportError::Request(self.token.redact(&chain(&e))))),
            };
            let elapsed = self.started.elapsed();
            if elapsed + wait > self.policy.budget {
                return Err(ApiError::client(TransportError::Budget { attempts, elapsed, last }));
            }
            std::thread::sleep(wait);
            backoff = (backoff * 2).min(self.policy.max_backoff);
        }
    }
}

/// An error with its causes: reqwest's own message ("error sending request") hides the reason,
/// such as a refused connection or an untrusted certificate.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

/// A connection failure worth retrying: refused, reset or timed out (GitLab restarting, a load
/// balancer draining). A failed TLS handshake is not.
fn transient_connect(e: &reqwest::Error) -> bool {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::NotConnected
            );
        }
        cur = err.source();
    }
    false
}

/// `Retry-After` in seconds. GitLab sends whole seconds; fractions are accepted so tests can ask
/// for short waits. The HTTP-date form falls back to our own backoff.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let v = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim().parse::<f64>().ok()?;
    (v.is_finite() && v >= 0.0).then(|| Duration::from_secs_f64(v.min(3600.0)))
}

// Endpoints the crate does not have.

struct MrVersions<'a> {
    project: &'a str,
    iid: u64,
}

impl Endpoint for MrVersions<'_> {
    fn method(&self) -> Method {
        Method::GET
    }
    fn endpoint(&self) -> Cow<'static, str> {
        format!("projects/{}/merge_requests/{}/versions", encode(self.project), self.iid).into()
    }
}

impl Pageable for MrVersions<'_> {}

struct ResolveDiscussion<'a> {
    project: &'a str,
    iid: u64,
    discussion: &'a str,
    resolved: bool,
}

impl Endpoint for ResolveDiscussion<'_> {
    fn method(&self) -> Method {
        Method::PUT
    }
    fn endpoint(&self) -> Cow<'static, str> {
        format!("projects/{}/merge_requests/{}/discussions/{}", encode(self.project), self.iid, encode(self.discussion))
            .into()
    }
    fn body(&self) -> Result<Option<(&'static str, Vec<u8>)>, BodyError> {
        let mut params = FormParams::default();
        params.push("resolved", self.resolved);
        params.into_body()
    }
}

struct GetUserStatus {
    user_id: u64,
}

impl Endpoint for GetUserStatus {
    fn method(&self) -> Method {
        Method::GET
    }
    fn endpoint(&self) -> Cow<'static, str> {
        format!("users/{}/status", self.user_id).into()
    }
}

/// Path segments are percent-encoded like the crate's `NameOrId` (a project path's `/` becomes
/// `%2F`).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Deserialize)]
struct IdOnly {
    #[allow(dead_code)]
    id: u64,
}

impl GitLabApi for HttpGitLab {
    fn merge_request(&self, project: &str, iid: u64) -> Result<MergeRequest, GitlabError> {
        const OP: &str = "GET merge request";
        let ep = gitlab::api::projects::merge_requests::MergeRequest::builder()
            .project(project)
            .merge_request(iid)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        ep.query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn merge_request_diffs(&self, project: &str, iid: u64) -> Result<Vec<FileDiff>, GitlabError> {
        const OP: &str = "GET merge request diffs";
        let ep = gitlab::api::projects::merge_requests::MergeRequestDiffs::builder()
            .project(project)
            .merge_request(iid)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        glapi::paged(ep, Pagination::All).query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn merge_request_versions(&self, project: &str, iid: u64) -> Result<Vec<MrVersion>, GitlabError> {
        const OP: &str = "GET merge request versions";
        glapi::paged(MrVersions { project, iid }, Pagination::Limit(100))
            .query(&self.transport)
            .map_err(|e| self.err(OP, e))
    }

    fn discussions(&self, project: &str, iid: u64) -> Result<Vec<Discussion>, GitlabError> {
        const OP: &str = "GET merge request discussions";
        let ep = gitlab::api::projects::merge_requests::discussions::MergeRequestDiscussions::builder()
            .project(project)
            .merge_request(iid)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        glapi::paged(ep, Pagination::All).query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn create_note(&self, project: &str, iid: u64, body: &str) -> Result<Note, GitlabError> {
        const OP: &str = "POST merge request note";
        let ep = gitlab::api::projects::merge_requests::notes::CreateMergeRequestNote::builder()
            .project(project)
            .merge_request(iid)
            .body(body)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        ep.query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn edit_note(&self, project: &str, iid: u64, note_id: u64, body: &str) -> Result<(), GitlabError> {
        const OP: &str = "PUT merge request note";
        let ep = gitlab::api::projects::merge_requests::notes::EditMergeRequestNote::builder()
            .project(project)
            .merge_request(iid)
            .note(note_id)
            .body(body)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        glapi::ignore(ep).query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn create_discussion(
        &self,
        project: &str,
        iid: u64,
        body: &str,
        position: &DiffPosition,
    ) -> Result<Discussion, GitlabError> {
        use gitlab::api::projects::merge_requests::discussions::{
            CreateMergeRequestDiscussion, Position, TextPosition,
        };
        const OP: &str = "POST merge request discussion";
        let mut text = TextPosition::builder();
        text.new_path(position.new_path.as_str()).old_path(position.old_path.as_str()).new_line(position.new_line);
        if let Some(old) = position.old_line {
            text.old_line(old);
        }
        let text = text.build().map_err(|e| builder_err(OP, e))?;
        let pos = Position::builder()
            .base_sha(position.base_sha.as_str())
            .start_sha(position.start_sha.as_str())
            .head_sha(position.head_sha.as_str())
            .text_position(text)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        let ep = CreateMergeRequestDiscussion::builder()
            .project(project)
            .merge_request(iid)
            .body(body)
            .position(pos)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        ep.query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn resolve_discussion(
        &self,
        project: &str,
        iid: u64,
        discussion_id: &str,
        resolved: bool,
    ) -> Result<(), GitlabError> {
        const OP: &str = "PUT merge request discussion (resolve)";
        glapi::ignore(ResolveDiscussion { project, iid, discussion: discussion_id, resolved })
            .query(&self.transport)
            .map_err(|e| self.err(OP, e))
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>, GitlabError> {
        const OP: &str = "GET users";
        let ep = gitlab::api::users::Users::builder().username(username).build().map_err(|e| builder_err(OP, e))?;
        let users: Vec<User> = ep.query(&self.transport).map_err(|e| self.err(OP, e))?;
        Ok(users.into_iter().find(|u| u.username.eq_ignore_ascii_case(username)))
    }

    fn user_status(&self, user_id: u64) -> Result<UserStatus, GitlabError> {
        const OP: &str = "GET user status";
        GetUserStatus { user_id }.query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn open_reviews(&self, user_id: u64) -> Result<usize, GitlabError> {
        use gitlab::api::merge_requests::{MergeRequestScope, MergeRequestState, MergeRequests};
        const OP: &str = "GET merge requests under review";
        let ep = MergeRequests::builder()
            .reviewer(user_id)
            .state(MergeRequestState::Opened)
            .scope(MergeRequestScope::All)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        let list: Vec<IdOnly> =
            glapi::paged(ep, Pagination::Limit(100)).query(&self.transport).map_err(|e| self.err(OP, e))?;
        Ok(list.len())
    }

    fn update_merge_request(&self, project: &str, iid: u64, update: &MrUpdate) -> Result<(), GitlabError> {
        const OP: &str = "PUT merge request";
        let mut ep = gitlab::api::projects::merge_requests::EditMergeRequest::builder();
        ep.project(project).merge_request(iid);
        if let Some(ids) = &update.reviewer_ids {
            ep.reviewers(ids.iter().copied());
        }
        for l in &update.add_labels {
            ep.add_label(l.as_str());
        }
        for l in &update.remove_labels {
            ep.remove_label(l.as_str());
        }
        let ep = ep.build().map_err(|e| builder_err(OP, e))?;
        glapi::ignore(ep).query(&self.transport).map_err(|e| self.err(OP, e))
    }

    fn file_raw(&self, project: &str, path: &str, git_ref: &str) -> Result<Option<String>, GitlabError> {
        const OP: &str = "GET repository file";
        let ep = gitlab::api::projects::repository::files::FileRaw::builder()
            .project(project)
            .file_path(path)
            .ref_(git_ref)
            .build()
            .map_err(|e| builder_err(OP, e))?;
        match glapi::raw(ep).query(&self.transport) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) => match self.err(OP, e) {
                GitlabError::Api { status: Some(404), .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    fn stats(&self) -> CallStats {
        *self.transport.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_api_url("https://gitlab.example.com/api/v4").is_ok());
        assert_eq!(
            check_api_url("http://127.0.0.1:8080/api/v4").map(|u| u.to_string()).ok().as_deref(),
            Some("http://127.0.0.1:8080/api/v4/")
        );
        assert!(check_api_url("http://[::1]:1/api/v4").is_ok());
        assert!(check_api_url("http://localhost/api/v4").is_ok());
        let err = check_api_url("http://gitlab.example.com/api/v4").unwrap_err();
        assert!(matches!(err, GitlabError::InsecureUrl { .. }), "{err}");
        assert!(err.to_string().contains("plain http"));
        assert!(matches!(check_api_url("http://10.0.0.1/api/v4"), Err(GitlabError::InsecureUrl { .. })));
        assert!(matches!(check_api_url("ftp://x/api/v4"), Err(GitlabError::InvalidUrl { .. })));
        assert!(matches!(check_api_url("https://u:p@x/api/v4"), Err(GitlabError::InvalidUrl { .. })));
        assert_eq!(
            check_api_url("https://example.com/gitlab").map(|u| u.to_string()).ok().as_deref(),
            Some("https://example.com/gitlab/api/v4/")
        );
    }

    #[test]
    fn only_the_configured_origin_gets_requests() {
        let c =
            HttpGitLab::new("https://gitlab.example.com/api/v4", Secret::new("glpat-x-123456"), RetryPolicy::default())
                .expect("client");
        let t = &c.transport;
        let ok = |u: &str| t.same_origin(&Url::parse(u).expect("url"));
        assert!(ok("https://gitlab.example.com/api/v4/projects/1?page=2"));
        assert!(ok("https://gitlab.example.com:443/api/v4/users"));
        assert!(!ok("http://gitlab.example.com/api/v4/users"));
        assert!(!ok("https://gitlab.example.com:8443/api/v4/users"));
        assert!(!ok("https://evil.example.com/api/v4/users"));
        assert!(!ok("https://gitlab.example.com/other/api/v4/users"));
        assert!(!format!("{c:?}").contains("glpat"));
    }

    #[test]
    fn retry_after_parsing() {
        let mut h = http::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), None);
    }
}
