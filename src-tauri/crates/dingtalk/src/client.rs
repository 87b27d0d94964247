//! One page of a room's meetings, with timeouts, retries and a client-side rate limit.
//!
//! - Timeouts: [`ClientConfig::request_timeout`] is the budget of one whole call — one
//!   [`Client::room_page`] or [`Client::check_credentials`], its retries, backoff sleeps,
//!   rate-limit waits and token fetch included. A stalled server ends in a `timeout` error that
//!   says how long it waited, never in attempts × timeout. The official SDKs have none by
//!   default in Go.
//! - Retries: exponential backoff with jitter via the [`backon`] crate (well kept, small, with a
//!   tokio sleeper built in), only for failures that may pass: network errors, timeouts, 5xx
//!   (including HTML or garbled 5xx bodies) and DingTalk's QPS-limit answers (waiting at least
//!   [`ClientConfig::qps_limit_wait`]). A short anti-abuse ban (`{"status":1111,"wait":N}`) is
//!   waited out when `N` ≤ 5 s. Every other 4xx is final: retrying a wrong room code or a missing
//!   permission only spends the organisation's monthly quota.
//! - Rate limit: a [`governor`] limiter shared by all clones spaces room-page calls (each attempt,
//!   retries included) evenly, [`ClientConfig::rate_per_second`] a second: by default
//!   [`DEFAULT_RATE_PER_SECOND`], one call every 52.6 ms against DingTalk's "20 in any rolling
//!   second". Even spacing rather than a burst of 20 because it holds under every reading of that
//!   limit (rolling second, clock second, a token bucket with a small burst), and the 2.6 ms of
//!   slack per call means 21 calls can land within one second only if the network delays one call
//!   by over 50 ms more than the call 20 places later. It costs 5 % against the floor of
//!   calls / 20 s. Token calls are not counted: DingTalk exempts them.
//! - Expired tokens: when a call answers `InvalidAuthentication`, the client fetches a new token
//!   once and repeats the call. A pasted token cannot be refreshed: the call fails with `auth`.
//! - Redirects are not followed: the access token travels in a custom header that HTTP clients
//!   do not strip on cross-host redirects.

use std::fmt;
use std::future::Future;
use std::net::Ipv4Addr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use url::{Host, Url};

#[cfg(test)]
use crate::error::from_response;
use crate::error::{clean_field, from_response_redacted, snippet, Error, ErrorKind};
use crate::model::{RoomCode, RoomPage};
use crate::token::{
    parse_token_response, token_request, Credentials, Fetch, FetchFuture, Secret, TokenProvider,
};

/// Overseas / global DingTalk (the host the English documentation names).
pub const GLOBAL_BASE_URL: &str = "https://api.dingtalk.io";
/// Mainland China DingTalk (the official SDKs' default).
pub const MAINLAND_BASE_URL: &str = "https://api.dingtalk.com";

/// The access-token request header.
pub const ACCESS_TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";
/// The request-id response header.
pub const REQUEST_ID_HEADER: &str = "x-acs-request-id";

/// DingTalk's documented per-app, per-API limit: at most this many calls in any rolling second.
/// Real hosts must stay below it.
pub const DINGTALK_QPS_LIMIT: u32 = 20;

/// The default pace of room-page calls: one below [`DINGTALK_QPS_LIMIT`], evenly spaced (see the
/// module docs for why).
pub const DEFAULT_RATE_PER_SECOND: u32 = DINGTALK_QPS_LIMIT - 1;

/// The default budget of one call, retries included: long enough for a slow mobile link, short
/// enough that a stall ends before the user gives up on the window.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Largest answer body we read (a 500-meeting page is about 250 KB).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Client settings. Build with [`ClientConfig::new`], then adjust fields.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API host, e.g. `https://api.dingtalk.com`. `http://` only for loopback (the simulator).
    pub base_url: Url,
    /// TCP + TLS connect timeout. Default 5 s.
    pub connect_timeout: Duration,
    /// The budget of one call, body, retries, backoff, rate-limit waits and a token fetch
    /// included. Default 15 s.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for transient failures only. Default 3.
    pub max_retries: u32,
    /// First backoff delay (jitter adds up to 100%). Default 300 ms.
    pub min_backoff: Duration,
    /// Longest backoff delay. Default 8 s.
    pub max_backoff: Duration,
    /// Least wait after a QPS-limit answer. Default 1 s.
    pub qps_limit_wait: Duration,
    /// Room-page calls per second, evenly spaced, shared by all clones of a client. Default
    /// [`DEFAULT_RATE_PER_SECOND`]. Must stay below
    /// DingTalk's 20 QPS for real hosts ([`Client::new`] refuses more unless the host is loopback).
    pub rate_per_second: u32,
}

impl ClientConfig {
    /// Settings with defaults for this host. The URL must be `https://` (plain `http://` only to
    /// 127.0.0.0/8, ::1 or exactly `localhost`), without user name, password, query or fragment.
    pub fn new(base: &str) -> Result<ClientConfig, Error> {
        let base = base.trim();
        let url = Url::parse(base).map_err(|e| {
            Error::config(format!(
                "the DingTalk host URL {base:?} is not a valid URL ({e}); enter it like {MAINLAND_BASE_URL} or {GLOBAL_BASE_URL}"
            ))
        })?;
        validate_base_url(&url)?;
        Ok(ClientConfig {
            base_url: url,
            connect_timeout: Duration::from_secs(5),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_retries: 3,
            min_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_secs(8),
            qps_limit_wait: Duration::from_secs(1),
            rate_per_second: DEFAULT_RATE_PER_SECOND,
        })
    }

    /// Whether the host is this computer (where plain http and higher rates are allowed).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base_url)
    }
}

/// Loopback IP literals, and the name `localhost` exactly. Not `localhost.`: the trailing dot
/// makes it a fully qualified name that resolvers send to DNS, which may answer anything, and
/// the token would then travel in clear text to whatever that is.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback()
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4: Ipv4Addr| v4.is_loopback())
        }
        None => false,
    }
}

/// Check a host URL: https (or http to loopback), a host, no userinfo/query/fragment.
pub fn validate_base_url(url: &Url) -> Result<(), Error> {
    let examples =
        format!("e.g. {MAINLAND_BASE_URL} (mainland China) or {GLOBAL_BASE_URL} (global)");
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(Error::config(format!(
                "plain http:// would send the access token unencrypted; use https:// ({examples}). http:// is only allowed to this computer (127.0.0.1, ::1, localhost)"
            )))
        }
        other => {
            return Err(Error::config(format!(
                "the DingTalk host URL must start with https:// (got {other:?}); {examples}"
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!(
            "the DingTalk host URL has no host name; {examples}"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "the DingTalk host URL must not contain a user name or password: enter only the host, {examples}; the credentials have their own fields"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the DingTalk host URL must not contain '?' or '#'; enter only the host, {examples}"
        )));
    }
    Ok(())
}

/// Counters since the client was built (shared by clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Room-page HTTP attempts sent (retries included).
    pub room_calls: u64,
    /// Token HTTP attempts sent.
    pub token_calls: u64,
    /// Retries after a transient failure (room and token calls).
    pub retries: u64,
}

#[derive(Default)]
struct Counters {
    room_calls: AtomicU64,
    token_calls: AtomicU64,
    retries: AtomicU64,
}

struct Inner {
    config: ClientConfig,
    http: reqwest::Client,
    tokens: TokenProvider,
    limiter: DefaultDirectRateLimiter,
    counters: Counters,
}

/// The DingTalk client. Cheap to clone; clones share the token cache, rate limiter and stats.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Build a client. Checks the settings and that no credential field is empty; makes no call.
    pub fn new(config: ClientConfig, credentials: Credentials) -> Result<Client, Error> {
        validate_base_url(&config.base_url)?;
        if config.rate_per_second == 0 {
            return Err(Error::config("rate_per_second must be at least 1"));
        }
        if config.rate_per_second >= DINGTALK_QPS_LIMIT && !config.is_loopback() {
            return Err(Error::config(format!(
                "rate_per_second must stay below DingTalk's limit of {DINGTALK_QPS_LIMIT} calls per second (got {})",
                config.rate_per_second
            )));
        }
        if config.request_timeout.is_zero() || config.connect_timeout.is_zero() {
            return Err(Error::config("timeouts must be longer than zero"));
        }
        let tokens = TokenProvider::new(credentials)?;

        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("MeetDesk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if config.is_loopback() {
            // A system proxy must not capture calls to the local simulator.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| Error::config(format!("could not set up HTTPS: {e}")))?;

        // One call every 1/rate s, no burst: any 1 s window holds at most `rate` calls.
        let period = Duration::from_nanos(1_000_000_000 / u64::from(config.rate_per_second))
            .max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .expect("period > 0")
            .allow_burst(NonZeroU32::MIN);
        let limiter = RateLimiter::direct(quota);

        Ok(Client {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                limiter,
                counters: Counters::default(),
            }),
        })
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Counters: room calls, token calls, retries.
    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            room_calls: c.room_calls.load(Ordering::Relaxed),
            token_calls: c.token_calls.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }

    /// Check the credentials by getting a token. For a pasted token this does nothing remote
    /// (the only way to test one is a billed conference call).
    /// Bounded by [`ClientConfig::request_timeout`], retries included.
    pub async fn check_credentials(&self) -> Result<(), Error> {
        let deadline = self.inner.deadline();
        self.inner
            .within_budget(deadline, async {
                self.inner
                    .tokens
                    .token(&Budgeted(&self.inner, deadline))
                    .await
                    .map(|_| ())
            })
            .await
    }

    /// The URL of one room page. The room code goes in as one percent-encoded path segment;
    /// query keys are added only when set (`nextToken` never on the first page).
    pub fn room_page_url(
        &self,
        room: &RoomCode,
        max_results: u32,
        next_token: Option<&str>,
    ) -> Url {
        room_page_url(&self.inner.config.base_url, room, max_results, next_token)
    }

    /// Fetch one page of the meetings held under `room`.
    ///
    /// `GET {base}/v1.0/conference/roomCodes/{room}/infos?maxResults=N[&nextToken=T]`.
    /// `max_results` is sent as given (DingTalk decides the range; [`crate::Cursor`] keeps it in
    /// 1..=500); `next_token` is passed back exactly as the server gave it. A page holding more
    /// than `max_results` meetings is refused (`badResponse`) before its meetings are built.
    ///
    /// The whole call, retries and waits included, takes at most
    /// [`ClientConfig::request_timeout`] (then: `timeout`).
    pub async fn room_page(
        &self,
        room: &RoomCode,
        max_results: u32,
        next_token: Option<&str>,
    ) -> Result<RoomPage, Error> {
        let deadline = self.inner.deadline();
        self.inner
            .within_budget(
                deadline,
                self.room_page_inner(room, max_results, next_token, deadline),
            )
            .await
    }

    async fn room_page_inner(
        &self,
        room: &RoomCode,
        max_results: u32,
        next_token: Option<&str>,
        deadline: Instant,
    ) -> Result<RoomPage, Error> {
        let url = self.room_page_url(room, max_results, next_token);
        let mut refreshed = false;
        loop {
            let token = self
                .inner
                .tokens
                .token(&Budgeted(&self.inner, deadline))
                .await?;
            let result = self
                .inner
                .with_retries(Some(deadline), || {
                    self.inner.room_attempt(&url, &token, max_results)
                })
                .await;
            match result {
                Err(e)
                    if e.is_invalid_token()
                        && !refreshed
                        && self.inner.tokens.can_refresh().await =>
                {
                    self.inner.tokens.invalidate(&token).await;
                    refreshed = true;
                }
                other => return other,
            }
        }
    }
}

pub(crate) fn room_page_url(
    base: &Url,
    room: &RoomCode,
    max_results: u32,
    next_token: Option<&str>,
) -> Url {
    let mut url = base.clone();
    {
        let mut segs = url
            .path_segments_mut()
            .expect("validated http(s) URL has a path");
        segs.pop_if_empty()
            .extend(["v1.0", "conference", "roomCodes"])
            .push(room.as_str())
            .push("infos");
    }
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("maxResults", &max_results.to_string());
        if let Some(t) = next_token.filter(|t| !t.is_empty()) {
            q.append_pair("nextToken", t);
        }
    }
    url
}

/// "3 s", "2.5 s", "0.25 s".
fn show_secs(d: Duration) -> String {
    let s = format!("{:.3}", d.as_secs_f64());
    format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
}

/// The token fetcher for one budgeted call: its backoff never sleeps past the call's deadline.
struct Budgeted<'a>(&'a Inner, Instant);

impl Fetch for Budgeted<'_> {
    fn fetch<'a>(&'a self, creds: &'a Credentials) -> FetchFuture<'a> {
        Box::pin(
            self.0
                .with_retries(Some(self.1), move || self.0.token_attempt(creds)),
        )
    }
}

impl Inner {
    /// When the call starting now must be over.
    fn deadline(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.config.request_timeout).unwrap_or(now)
    }

    /// Run one whole call within the budget: past `deadline` it is dropped (a request in flight
    /// is abandoned) and the call ends in a `timeout` that says how long it waited.
    async fn within_budget<T>(
        &self,
        deadline: Instant,
        call: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let budget = show_secs(self.config.request_timeout);
        match tokio::time::timeout_at(deadline.into(), call).await {
            Ok(Err(e)) if e.kind() == ErrorKind::Timeout => Err(Error::Transport {
                kind: ErrorKind::Timeout,
                message: format!(
                    "DingTalk did not answer within {budget} (the time allowed per request, retries included): {}",
                    e.detail()
                ),
                source: None,
            }),
            Ok(r) => r,
            Err(_) => Err(Error::Transport {
                kind: ErrorKind::Timeout,
                message: format!(
                    "DingTalk did not answer within {budget} (the time allowed per request, retries included); stopped waiting"
                ),
                source: None,
            }),
        }
    }

    /// Run `op`, retrying transient failures with exponential backoff and jitter. With a
    /// deadline, a retry whose wait would end past it is not made: the last error is returned
    /// at once rather than after sleeping into the timeout.
    async fn with_retries<T, F, Fut>(&self, deadline: Option<Instant>, op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let cfg = &self.config;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(cfg.min_backoff)
            .with_max_delay(cfg.max_backoff)
            .with_max_times(cfg.max_retries as usize)
            .with_jitter();
        let (max_backoff, qps_wait) = (cfg.max_backoff, cfg.qps_limit_wait);
        op.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(Error::is_transient)
            .adjust(move |e: &Error, next: Option<Duration>| {
                let mut wait = next?.min(max_backoff);
                if e.kind() == ErrorKind::RateLimited {
                    wait = wait.max(qps_wait);
                    if let Some(server_wait) = e.retry_after() {
                        wait = wait.max(server_wait);
                    }
                }
                if deadline.is_some_and(|d| Instant::now() + wait >= d) {
                    return None;
                }
                Some(wait)
            })
            .notify(|_, _| {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
            })
            .await
    }

    async fn room_attempt(
        &self,
        url: &Url,
        token: &Secret,
        max_results: u32,
    ) -> Result<RoomPage, Error> {
        let mut header = HeaderValue::from_str(token.expose()).map_err(|_| {
            Error::local(
                ErrorKind::Auth,
                "the access token contains characters that cannot be sent; paste it again",
            )
        })?;
        header.set_sensitive(true);
        self.limiter.until_ready().await;
        self.counters.room_calls.fetch_add(1, Ordering::Relaxed);
        let request = self
            .http
            .get(url.clone())
            .header(ACCESS_TOKEN_HEADER, header)
            .header(ACCEPT, "application/json");
        let secrets = [token.expose()];
        let (status, request_id, body) = send(request).await.map_err(|e| e.redact(&secrets))?;
        parse_room_page(status, request_id.as_deref(), &body, max_results, &secrets)
            .map_err(|e| e.redact(&secrets))
    }

    async fn token_attempt(&self, creds: &Credentials) -> Result<(Secret, Duration), Error> {
        let (endpoint, body) = token_request(creds)
            .ok_or_else(|| Error::config("a pasted token cannot be fetched"))?;
        let mut url = self.config.base_url.clone();
        url.path_segments_mut()
            .expect("validated")
            .pop_if_empty()
            .extend(["v1.0", "oauth2", endpoint]);
        self.counters.token_calls.fetch_add(1, Ordering::Relaxed);
        let request = self
            .http
            .post(url)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&body).expect("json"));
        let secrets = creds.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let (status, request_id, body) = send(request).await.map_err(|e| e.redact(&secrets))?;
        if (200..300).contains(&status) {
            parse_token_response(status, request_id.as_deref(), &body, &secrets)
        } else {
            Err(from_response_redacted(
                status,
                request_id.as_deref(),
                &body,
                &secrets,
            ))
        }
        .map_err(|e| e.redact(&secrets))
    }
}

/// Send a request and read the body (bounded). Transport failures are mapped to
/// network / timeout / tls.
async fn send(request: reqwest::RequestBuilder) -> Result<(u16, Option<String>, Vec<u8>), Error> {
    let mut resp = request.send().await.map_err(transport_error)?;
    let status = resp.status().as_u16();
    let request_id = resp
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|s| clean_field(s, &[]));
    let mut body = Vec::with_capacity(
        resp.content_length()
            .unwrap_or(16 * 1024)
            .min(MAX_BODY_BYTES as u64) as usize,
    );
    while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Error::Api {
                kind: if status >= 500 {
                    ErrorKind::Server
                } else {
                    ErrorKind::BadResponse
                },
                http_status: status,
                code: None,
                message: Some(format!(
                    "the answer is larger than {} MB",
                    MAX_BODY_BYTES / (1024 * 1024)
                )),
                request_id,
                retry_after: None,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, request_id, body))
}

/// For error.rs's tests: parse a 200 page body with these secrets.
#[cfg(test)]
pub(crate) fn tests_parse_page(body: &[u8], secrets: &[&str]) -> Error {
    match parse_room_page(200, None, body, 100, secrets) {
        Err(e) => e,
        Ok(_) => Error::local(ErrorKind::BadResponse, "parsed"),
    }
}

/// How many meetings a page body holds, counted without building them (each element is skipped
/// with `IgnoredAny`; nulls, which parsing drops, are not counted). `None` when the body is not
/// a page at all: the full parse then says why.
fn count_meetings(body: &[u8]) -> Option<u64> {
    use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

    fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        struct Count;
        impl<'de> Visitor<'de> for Count {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of meetings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
                let mut n = 0u64;
                while let Some(item) = seq.next_element::<Option<IgnoredAny>>()? {
                    n = n.saturating_add(u64::from(item.is_some()));
                }
                Ok(n)
            }
            fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
                Ok(0)
            }
        }
        d.deserialize_any(Count).or(Ok(0))
    }

    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(rename = "conferenceList", default, deserialize_with = "count")]
        meetings: u64,
    }
    serde_json::from_slice::<Shape>(body)
        .ok()
        .map(|s| s.meetings)
}

/// Turn a room-page answer into a page or an error. `max_results` is what the call asked for:
/// a page holding more is refused before its meetings are built (an 8 MB page of `{}` is 2.8
/// million of them).
pub(crate) fn parse_room_page(
    status: u16,
    request_id: Option<&str>,
    body: &[u8],
    max_results: u32,
    secrets: &[&str],
) -> Result<RoomPage, Error> {
    if !(200..300).contains(&status) {
        return Err(from_response_redacted(status, request_id, body, secrets));
    }
    if let Some(n) = count_meetings(body).filter(|n| *n > u64::from(max_results)) {
        return Err(Error::Api {
            kind: ErrorKind::BadResponse,
            http_status: status,
            code: None,
            message: Some(format!(
                "the page holds {n} meetings where {max_results} were asked for; refused without reading them"
            )),
            request_id: request_id.map(|r| clean_field(r, secrets)),
            retry_after: None,
        });
    }
    match serde_json::from_slice::<RoomPage>(body) {
        Ok(page) => {
            let looks_empty = page.conference_list.is_empty()
                && page.has_more.is_none()
                && page.next_token.is_none()
                && page.total_count.is_none();
            if looks_empty {
                // A 2xx can still carry an error body ({"code":...}, the 1111 ban), or be a JSON
                // value that is not an object at all.
                match serde_json::from_slice::<serde_json::Value>(body) {
                    Ok(serde_json::Value::Object(obj)) => {
                        let error_keys = ["code", "Code", "errcode", "status"];
                        if error_keys.iter().any(|k| obj.contains_key(*k)) {
                            let e = from_response_redacted(status, request_id, body, secrets);
                            if e.kind() != ErrorKind::BadResponse || e.code().is_some() {
                                return Err(e);
                            }
                        }
                    }
                    _ => {
                        return Err(bad_page(
                            status,
                            request_id,
                            body,
                            secrets,
                            "the answer is not a JSON object",
                        ))
                    }
                }
            }
            Ok(page)
        }
        Err(e) => Err(bad_page(
            status,
            request_id,
            body,
            secrets,
            &format!("could not read the page ({e})"),
        )),
    }
}

fn bad_page(
    status: u16,
    request_id: Option<&str>,
    body: &[u8],
    secrets: &[&str],
    what: &str,
) -> Error {
    Error::Api {
        kind: ErrorKind::BadResponse,
        http_status: status,
        code: None,
        message: Some(format!("{what}: {}", snippet(body, secrets))),
        request_id: request_id.map(|r| clean_field(r, secrets)),
        retry_after: None,
    }
}

/// Sort a reqwest failure into network / timeout / tls.
fn transport_error(e: reqwest::Error) -> Error {
    let mut chain = e.to_string();
    let mut tls = false;
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        tls |= is_tls_error(s);
        src = s.source();
    }
    let lc = chain.to_ascii_lowercase();
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if tls || ["certificate", "handshake"].iter().any(|w| lc.contains(w)) {
        ErrorKind::Tls
    } else {
        ErrorKind::Network
    };
    Error::Transport {
        kind,
        message: chain,
        source: Some(Arc::new(e)),
    }
}

/// A rustls error, directly or inside an `io::Error` (whose `source()` skips its payload).
fn is_tls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    // io::Error may wrap an io::Error that wraps the rustls error: look inside recursively.
    match e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => is_tls_error(inner),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        for ok in [
            "https://api.dingtalk.com",
            "https://api.dingtalk.io/",
            " https://dingtalk.example.corp/gateway/ ",
            "http://127.0.0.1:8080",
            "http://127.5.6.7",
            "http://[::1]:9000",
            "http://localhost:1234",
            "HTTP://LOCALHOST",
        ] {
            let c = ClientConfig::new(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(c.rate_per_second, DEFAULT_RATE_PER_SECOND);
            assert_eq!(c.max_retries, 3);
        }
        for bad in [
            "http://api.dingtalk.com",
            "http://192.168.1.2",
            "http://localhost.evil.com",
            // A trailing dot is a fully qualified name: resolved through DNS, not this computer.
            "http://localhost.",
            "http://localhost.:8080",
            "http://LOCALHOST./",
            "http://localhost6",
            "http://127.0.0.1.nip.io",
            "ftp://api.dingtalk.com",
            "api.dingtalk.com",
            "https://user:pw@api.dingtalk.com",
            "https://token@api.dingtalk.com",
            "https://api.dingtalk.com/?x=1",
            "https://api.dingtalk.com/#x",
            "",
            "file:///etc/passwd",
        ] {
            let e = ClientConfig::new(bad).expect_err(bad);
            assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
            assert!(e.to_string().contains("https://"), "says what to do: {e}");
        }
    }

    #[test]
    fn rate_must_stay_under_dingtalk_limit_for_real_hosts() {
        let creds = || Credentials::AccessToken("t".into());
        let mut c = ClientConfig::new("https://api.dingtalk.com").unwrap();
        c.rate_per_second = 20;
        assert_eq!(
            Client::new(c.clone(), creds()).unwrap_err().kind(),
            ErrorKind::Config
        );
        c.rate_per_second = 0;
        assert_eq!(
            Client::new(c.clone(), creds()).unwrap_err().kind(),
            ErrorKind::Config
        );
        c.rate_per_second = 19;
        assert!(Client::new(c, creds()).is_ok());
        let mut c = ClientConfig::new("http://127.0.0.1:1").unwrap();
        c.rate_per_second = 10_000;
        assert!(
            Client::new(c.clone(), creds()).is_ok(),
            "the simulator may go faster"
        );
        // A config whose URL was swapped after new() is re-checked.
        c.base_url = Url::parse("http://example.com").unwrap();
        assert_eq!(
            Client::new(c, creds()).unwrap_err().kind(),
            ErrorKind::Config
        );
    }

    #[test]
    fn urls() {
        let base = Url::parse("https://api.dingtalk.com").unwrap();
        let rc = RoomCode::parse("427 200 331").unwrap();
        assert_eq!(
            room_page_url(&base, &rc, 20, None).as_str(),
            "https://api.dingtalk.com/v1.0/conference/roomCodes/427200331/infos?maxResults=20"
        );
        assert_eq!(
            room_page_url(&base, &rc, 100, Some("50742351870")).as_str(),
            "https://api.dingtalk.com/v1.0/conference/roomCodes/427200331/infos?maxResults=100&nextToken=50742351870"
        );
        assert_eq!(
            room_page_url(&base, &rc, 100, Some("")).as_str(),
            "https://api.dingtalk.com/v1.0/conference/roomCodes/427200331/infos?maxResults=100"
        );
        // Opaque tokens are passed back exactly (encoded, decoded by the server).
        let u = room_page_url(&base, &rc, 10, Some("a b&c=d/..#"));
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        assert_eq!(pairs[1], ("nextToken".into(), "a b&c=d/..#".into()));
        assert_eq!(u.path(), "/v1.0/conference/roomCodes/427200331/infos");
        let base = Url::parse("https://gw.example.com/dingtalk/").unwrap();
        assert_eq!(
            room_page_url(&base, &rc, 1, None).path(),
            "/dingtalk/v1.0/conference/roomCodes/427200331/infos"
        );
    }

    fn test_client(max_retries: u32, qps_wait_ms: u64) -> Client {
        let mut c = ClientConfig::new("http://127.0.0.1:9").unwrap();
        c.max_retries = max_retries;
        c.min_backoff = Duration::from_millis(1);
        c.max_backoff = Duration::from_millis(5);
        c.qps_limit_wait = Duration::from_millis(qps_wait_ms);
        Client::new(c, Credentials::AccessToken("t".into())).unwrap()
    }

    fn parse_page(status: u16, request_id: Option<&str>, body: &[u8]) -> Result<RoomPage, Error> {
        parse_room_page(status, request_id, body, 100, &[])
    }

    fn api(status: u16, body: &str) -> Error {
        from_response(status, None, body.as_bytes())
    }

    /// Run `with_retries` over a scripted list of outcomes; returns (result, attempts, elapsed).
    async fn scripted(
        client: &Client,
        script: Vec<Result<u32, Error>>,
    ) -> (Result<u32, Error>, usize, Duration) {
        let script = std::sync::Mutex::new(script.into_iter());
        let attempts = AtomicU64::new(0);
        let started = std::time::Instant::now();
        let r = client
            .inner
            .with_retries(None, || {
                attempts.fetch_add(1, Ordering::SeqCst);
                let next = script.lock().unwrap().next().expect("script long enough");
                async move { next }
            })
            .await;
        (
            r,
            attempts.load(Ordering::SeqCst) as usize,
            started.elapsed(),
        )
    }

    #[tokio::test]
    async fn short_ban_is_waited_out_long_ban_is_not() {
        let client = test_client(3, 1);
        let (r, n, took) = scripted(
            &client,
            vec![Err(api(403, r#"{"status":1111,"wait":0.3}"#)), Ok(7)],
        )
        .await;
        assert_eq!((r.unwrap(), n), (7, 2));
        assert!(took >= Duration::from_millis(300), "honours wait: {took:?}");

        let (r, n, _) = scripted(
            &client,
            vec![Err(api(403, r#"{"status":1111,"wait":6}"#)), Ok(7)],
        )
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::RateLimited);
        assert_eq!(n, 1, "a ban longer than 5 s fails at once");
    }

    #[tokio::test]
    async fn qps_limit_waits_at_least_qps_limit_wait() {
        let client = test_client(3, 250);
        let qps = || {
            Err(api(
                403,
                r#"{"code":"Forbidden.AccessDenied.QpsLimitForApi","message":"m"}"#,
            ))
        };
        let (r, n, took) = scripted(&client, vec![qps(), qps(), Ok(1)]).await;
        assert_eq!((r.unwrap(), n), (1, 3));
        assert!(took >= Duration::from_millis(500), "{took:?}");
        assert_eq!(client.stats().retries, 2);
    }

    #[tokio::test]
    async fn only_transient_errors_are_retried() {
        let client = test_client(2, 1);
        let (r, n, _) = scripted(
            &client,
            vec![Err(api(400, r#"{"code":"invalidRoomCode"}"#)), Ok(1)],
        )
        .await;
        assert_eq!((r.unwrap_err().kind(), n), (ErrorKind::InvalidRoomCode, 1));
        let (r, n, _) =
            scripted(&client, vec![Err(api(500, r#"{"code":"systemError"}"#)); 3]).await;
        assert_eq!(
            (r.unwrap_err().kind(), n),
            (ErrorKind::Server, 3),
            "1 + max_retries"
        );
        let (r, n, _) = scripted(
            &client,
            vec![Err(api(502, "<html>bad gateway</html>")), Ok(5)],
        )
        .await;
        assert_eq!((r.unwrap(), n), (5, 2));
    }

    #[test]
    fn a_page_with_more_meetings_than_asked_is_refused_before_it_is_built() {
        let page = |n: usize| {
            format!(
                r#"{{"hasMore":false,"conferenceList":[{}]}}"#,
                vec!["{}"; n].join(",")
            )
        };
        let p = parse_room_page(200, None, page(20).as_bytes(), 20, &[]).unwrap();
        assert_eq!(p.conference_list.len(), 20);
        let e = parse_room_page(200, Some("r\n1"), page(21).as_bytes(), 20, &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        assert!(e.to_string().contains("21 meetings where 20"), "{e}");
        // Nulls are dropped by parsing, so they do not count against the page size.
        let body = r#"{"conferenceList":[{},null,{},null]}"#;
        assert_eq!(
            parse_room_page(200, None, body.as_bytes(), 2, &[])
                .unwrap()
                .conference_list
                .len(),
            2
        );
        // 8 MB of `{}`: refused, and cheaply (the count skips elements without building them).
        let huge = page(2_796_000);
        let started = std::time::Instant::now();
        let e = parse_room_page(200, None, huge.as_bytes(), 100, &[]).unwrap_err();
        assert!(e.to_string().contains("2796000 meetings where 100"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn show_secs_is_short() {
        assert_eq!(show_secs(Duration::from_secs(3)), "3 s");
        assert_eq!(show_secs(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(show_secs(Duration::from_millis(250)), "0.25 s");
    }

    #[test]
    fn two_hundred_with_error_bodies() {
        let e = parse_page(
            200,
            Some("h"),
            br#"{"code":"systemError","message":"x","requestid":"r"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server);
        let e = parse_page(200, None, br#"{"status":1111,"wait":5}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        let e = parse_page(200, None, b"[]").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        let e = parse_page(200, None, b"null").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        let e = parse_page(
            200,
            None,
            b"{\"hasMore\":true,\"conferenceList\":[{\"title\":",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        assert!(
            e.message().unwrap().contains("hasMore"),
            "keeps a snippet: {e}"
        );
        let p = parse_page(
            200,
            None,
            br#"{"hasMore":false,"conferenceList":[],"totalCount":0}"#,
        )
        .unwrap();
        assert_eq!(p.has_more, Some(false));
        let p = parse_page(200, None, b"{}").unwrap();
        assert!(p.conference_list.is_empty());
    }
}
