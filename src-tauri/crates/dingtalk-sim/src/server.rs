//! The HTTP side: DingTalk's routes, parsed by hand, and the `/_sim` admin routes.
//!
//! DingTalk routes are matched on the *raw* path in a fallback handler rather than with axum's
//! router, because the cases that matter for a client are exactly the ones a router smooths
//! over: an empty segment (`roomCodes//infos`), an encoded slash or space in the room code, a
//! room code that is not UTF-8. Each must produce DingTalk's error, not a framework 404.

use crate::clock::SimClock;
use crate::demo::{demo_rooms, Room};
use crate::fault::{Fault, FaultRule};
use crate::ids;
use crate::record::{room_segment, RecordedRequest, APP_TOKEN_PATH, CORP_TOKEN_PATH};
use crate::SimConfig;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, Request, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::Router;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Demo credentials the token endpoints accept (internal app, then third-party suite).
pub const DEMO_APP_KEY: &str = "demo-app-key";
pub const DEMO_APP_SECRET: &str = "demo-app-secret";
pub const DEMO_SUITE_KEY: &str = "demo-suite-key";
pub const DEMO_SUITE_SECRET: &str = "demo-suite-secret";
pub const DEMO_CORP_ID: &str = "demo-corp-id";
pub const DEMO_SUITE_TICKET: &str = "demo-suite-ticket";

const JSON_CT: &str = "application/json;charset=utf-8";
const REQUEST_ID_HEADER: &str = "x-acs-request-id";
const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";
const DEFAULT_PAGE: i64 = 20;
const MAX_PAGE: i64 = 500;
/// Bodies are tiny JSON; the cap only keeps a misbehaving client from filling memory.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

struct ActiveRule {
    rule: FaultRule,
    seen: u32,
    fired: u32,
}

pub(crate) struct State {
    rooms: HashMap<String, Room>,
    /// token -> expiry instant.
    tokens: HashMap<String, Instant>,
    requests: Vec<RecordedRequest>,
    faults: Vec<ActiveRule>,
    upper_case_pending: bool,
    /// Arrival times of the room queries accepted within the last second (the rolling window).
    window: VecDeque<Instant>,
    pub(crate) rate_limited: u64,
    pub(crate) token_expire_in: Option<Value>,
    /// A stall before every token answer (faults never touch token calls; this does).
    pub(crate) token_latency: Option<Duration>,
    /// What "now" is for the meetings (see `clock.rs`).
    pub(crate) clock: SimClock,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) config: SimConfig,
    pub(crate) started: Instant,
}

impl Shared {
    pub(crate) fn new(config: SimConfig) -> Shared {
        let clock = config.clock;
        let rooms = if config.demo_data {
            let now = chrono::TimeZone::timestamp_millis_opt(&chrono::Local, clock.now_ms())
                .single()
                .unwrap_or_else(chrono::Local::now);
            demo_rooms(now)
        } else {
            HashMap::new()
        };
        Shared {
            state: Mutex::new(State {
                rooms,
                tokens: HashMap::new(),
                requests: Vec::new(),
                faults: Vec::new(),
                upper_case_pending: false,
                window: VecDeque::new(),
                rate_limited: 0,
                token_expire_in: None,
                token_latency: None,
                clock,
            }),
            config,
            started: Instant::now(),
        }
    }

    /// A panic in one handler must not take every later test assertion down with it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn issue_token(&self) -> String {
        let token = ids::access_token();
        let expiry = Instant::now() + self.config.token_ttl;
        self.lock().tokens.insert(token.clone(), expiry);
        token
    }

    pub(crate) fn expire_all_tokens(&self) {
        let now = Instant::now();
        for expiry in self.lock().tokens.values_mut() {
            *expiry = now;
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    pub(crate) fn add_fault(&self, rule: FaultRule) {
        self.lock().faults.push(ActiveRule {
            rule,
            seen: 0,
            fired: 0,
        });
    }

    pub(crate) fn clear_faults(&self) {
        let mut s = self.lock();
        s.faults.clear();
        s.upper_case_pending = false;
    }

    pub(crate) fn set_room(&self, room_code: &str, meetings: Vec<Value>) {
        let mut state = self.lock();
        let now = state.clock.now_ms();
        state
            .rooms
            .insert(room_code.to_string(), Room::from_values(meetings, now));
    }
}

impl State {
    /// DingTalk's "N calls in any rolling second": true when this call is over the limit.
    /// Only accepted calls enter the window, so a client that backs off gets through again.
    fn over_rate_limit(&mut self, limit: u32, now: Instant) -> bool {
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.window.pop_front();
        }
        if self.window.len() >= limit as usize {
            self.rate_limited += 1;
            return true;
        }
        self.window.push_back(now);
        false
    }

    /// See [`FaultRule`] for the counting rules this implements.
    fn pick_fault(&mut self, room: &str) -> Option<Fault> {
        let mut chosen = None;
        for r in &mut self.faults {
            if r.rule.room_code.as_deref().is_some_and(|c| c != room) {
                continue;
            }
            if r.seen < r.rule.after {
                r.seen += 1;
                continue;
            }
            if chosen.is_some() || r.rule.times.is_some_and(|t| r.fired >= t) {
                continue;
            }
            r.fired += 1;
            chosen = Some(r.rule.fault.clone());
        }
        chosen
    }
}

/// A DingTalk error: status, code and message.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn api_err(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::from_u16(status).expect("valid status"),
        code,
        message: message.into(),
    }
}

/// The documentation's error table gives the code itself as the message for these.
fn doc_err(status: u16, code: &'static str) -> ApiError {
    api_err(status, code, code)
}

fn with_request_id(mut resp: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

fn raw_response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Body>,
    request_id: &str,
) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("ascii"),
    );
    with_request_id(resp, request_id)
}

fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    raw_response(status, JSON_CT, body.to_string(), request_id)
}

fn error_body(e: &ApiError, request_id: &str, upper_case: bool) -> Value {
    if upper_case {
        json!({ "Code": e.code, "Message": e.message, "RequestId": request_id })
    } else {
        json!({ "code": e.code, "message": e.message, "requestid": request_id })
    }
}

fn error_response(e: &ApiError, request_id: &str, upper_case: bool) -> Response {
    json_response(e.status, &error_body(e, request_id, upper_case), request_id)
}

fn header_string(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/_sim/faults",
            post(admin_add_fault).delete(admin_clear_faults),
        )
        .route(
            "/_sim/requests",
            delete(admin_clear_requests).get(admin_requests),
        )
        .route("/_sim/rooms/{code}", put(admin_set_room))
        .route("/_sim/tokens/expire", post(admin_expire_tokens))
        .route("/_sim/tokens", post(admin_issue_token))
        .route("/_sim/clock", get(admin_clock).post(admin_set_clock))
        .fallback(dingtalk)
        .with_state(shared)
}

// ---------------------------------------------------------------- DingTalk routes

async fn dingtalk(AxState(shared): AxState<Arc<Shared>>, req: Request) -> Response {
    let request_id = ids::request_id();
    let at = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if path == "/_sim" || path.starts_with("/_sim/") {
        return error_response(
            &api_err(
                404,
                "InvalidAction.NotFound",
                "unknown simulator admin route",
            ),
            &request_id,
            false,
        );
    }
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let body_json = if bytes.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice::<Value>(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        )
    };
    shared.lock().requests.push(RecordedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        query: query.clone(),
        access_token: header_string(&parts.headers, TOKEN_HEADER),
        accept: header_string(&parts.headers, header::ACCEPT),
        content_type: header_string(&parts.headers, header::CONTENT_TYPE),
        body: body_json,
        at,
    });

    if parts.method == Method::GET {
        if let Some(seg) = room_segment(&path) {
            return room_query(&shared, seg, &query, &parts.headers, &request_id).await;
        }
    }
    if parts.method == Method::POST && (path == APP_TOKEN_PATH || path == CORP_TOKEN_PATH) {
        let stall = shared.lock().token_latency;
        if let Some(d) = stall {
            tokio::time::sleep(d).await;
        }
        let result = token_call(&shared, &path, &parts.headers, &bytes);
        return match result {
            Ok(token) => {
                let expire_in = shared
                    .lock()
                    .token_expire_in
                    .clone()
                    .unwrap_or_else(|| json!(shared.config.token_ttl.as_secs()));
                json_response(
                    StatusCode::OK,
                    &json!({ "accessToken": token, "expireIn": expire_in }),
                    &request_id,
                )
            }
            Err(e) => error_response(&e, &request_id, false),
        };
    }
    error_response(
        &api_err(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ),
        &request_id,
        false,
    )
}

/// How a successful page is bent by a paging fault.
#[derive(Clone, Copy, PartialEq)]
enum PageMode {
    Normal,
    RepeatToken,
    EmptyClaimsMore,
}

async fn room_query(
    shared: &Shared,
    raw_segment: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    request_id: &str,
) -> Response {
    let decoded = percent_encoding::percent_decode_str(raw_segment).decode_utf8();
    let room_for_match = match &decoded {
        Ok(s) => s.to_string(),
        Err(_) => percent_encoding::percent_decode_str(raw_segment)
            .decode_utf8_lossy()
            .into_owned(),
    };
    // The limit sits in front of everything, faults included, as DingTalk's gateway does.
    if let Some(limit) = shared.config.qps_limit {
        if shared.lock().over_rate_limit(limit, Instant::now()) {
            return error_response(
                &api_err(
                    403,
                    "Forbidden.AccessDenied.QpsLimitForApi",
                    "The request has exceeded the QPS limit of this API.",
                ),
                request_id,
                false,
            );
        }
    }
    let fault = shared.lock().pick_fault(&room_for_match);

    let mut mode = PageMode::Normal;
    let mut malformed = false;
    let immediate = match fault {
        None => None,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        Some(Fault::ExpireToken) => {
            shared.expire_all_tokens();
            None
        }
        Some(Fault::UpperCaseErrorKeys) => {
            shared.lock().upper_case_pending = true;
            None
        }
        Some(Fault::RepeatToken) => {
            mode = PageMode::RepeatToken;
            None
        }
        Some(Fault::EmptyPageClaimsMore) => {
            mode = PageMode::EmptyClaimsMore;
            None
        }
        Some(Fault::MalformedJson) => {
            malformed = true;
            None
        }
        Some(Fault::Html502) => {
            return raw_response(StatusCode::BAD_GATEWAY, "text/html", HTML_502, request_id);
        }
        Some(Fault::IpBan) => {
            return json_response(StatusCode::FORBIDDEN, &json!({ "status": 1111, "wait": 5 }), request_id);
        }
        Some(Fault::Ban(wait)) => {
            return json_response(
                StatusCode::FORBIDDEN,
                &json!({ "status": 1111, "wait": wait }),
                request_id,
            );
        }
        Some(Fault::GatewayHtml(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{} {reason}</title></head>\r\n<body>\r\n<center><h1>{} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                status.as_u16(),
                status.as_u16()
            );
            return raw_response(status, "text/html", page, request_id);
        }
        Some(Fault::OversizedPage(n)) => {
            return raw_response(StatusCode::OK, JSON_CT, oversized_page(n), request_id);
        }
        Some(Fault::Raw {
            status,
            content_type,
            body,
        }) => {
            let token = header_string(headers, TOKEN_HEADER).unwrap_or_default();
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let ct = HeaderValue::from_str(&content_type)
                .map(|_| content_type.as_str())
                .unwrap_or(JSON_CT);
            return raw_response(status, ct, body.replace("{token}", &token), request_id);
        }
        Some(Fault::SystemError) => Some(doc_err(500, "systemError")),
        Some(Fault::QpsLimit) => Some(api_err(
            403,
            "Forbidden.AccessDenied.QpsLimitForApi",
            "The request has exceeded the QPS limit of this API.",
        )),
        Some(Fault::QpsLimitForAppkey) => Some(api_err(
            403,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            "The request has exceeded the QPS limit of this app for this API.",
        )),
        Some(Fault::PermissionDenied) => Some(api_err(
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            "应用尚未开通所需的权限：[VideoConference.Conference.Read] (The app lacks the required permission VideoConference.Conference.Read.)",
        )),
        Some(Fault::NoPermission) => Some(doc_err(403, "noPermission")),
        Some(Fault::IpNotInWhiteList) => Some(api_err(
            403,
            "Forbidden.AccessDenied.IpNotInWhiteList",
            "The IP address of this request is not in the app's allow-list.",
        )),
        Some(Fault::ApiCountLimitForOrg) => Some(api_err(
            403,
            "Forbidden.AccessDenied.ApiCountLimitForOrg",
            "The organisation has used up its monthly API call quota.",
        )),
    };

    let result = match immediate {
        Some(e) => Err(e),
        None => page(shared, decoded.ok().as_deref(), query, headers, mode),
    };
    let resp = match result {
        Ok(body) => json_response(StatusCode::OK, &body, request_id),
        Err(e) => {
            let upper = std::mem::take(&mut shared.lock().upper_case_pending);
            error_response(&e, request_id, upper)
        }
    };
    if malformed {
        return truncate_json(resp, request_id).await;
    }
    resp
}

/// Cut the body in half (on a character boundary, so it fails as JSON, not as UTF-8) and answer
/// 200 whatever the real outcome was: any proper prefix of a JSON object is invalid JSON.
async fn truncate_json(resp: Response, request_id: &str) -> Response {
    let bytes = to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    raw_response(StatusCode::OK, JSON_CT, text[..cut].to_string(), request_id)
}

/// `{"hasMore":false,"totalCount":n,"conferenceList":[{},{},...]}`, built as bytes: going
/// through `serde_json::Value` would cost the simulator far more memory than the client under test.
fn oversized_page(n: u32) -> Vec<u8> {
    let head = format!(r#"{{"hasMore":false,"totalCount":{n},"conferenceList":["#);
    let mut body = Vec::with_capacity(head.len() + 3 * n as usize + 2);
    body.extend_from_slice(head.as_bytes());
    for i in 0..n {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(b"{}");
    }
    body.extend_from_slice(b"]}");
    body
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    has_more: bool,
    total_count: usize,
    conference_list: Vec<Value>,
}

/// Validation order: token, room code, maxResults, nextToken — authentication first, as a
/// gateway does, so a client with a bad token never learns anything about the room.
fn page(
    shared: &Shared,
    room: Option<&str>,
    query: &[(String, String)],
    headers: &HeaderMap,
    mode: PageMode,
) -> Result<Value, ApiError> {
    check_token(shared, headers)?;

    let room = room.ok_or_else(|| doc_err(400, "invalidRoomCode"))?;
    if room.trim().is_empty() {
        return Err(doc_err(400, "missingRoomCode"));
    }
    if !(6..=12).contains(&room.len()) || !room.bytes().all(|b| b.is_ascii_digit()) {
        return Err(doc_err(400, "invalidRoomCode"));
    }

    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let max = match param("maxResults") {
        None => DEFAULT_PAGE,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(api_err(
                    400,
                    "paramError",
                    "paramError: maxResults must be an integer from 1 to 500",
                ))
            }
        },
    } as usize;

    let state = shared.lock();
    let (total, list) = match state.rooms.get(room) {
        Some(r) => (r.len(), Some(r)),
        None => (0, None),
    };
    let offset = match param("nextToken") {
        None | Some("0") => 0,
        Some(t) => match (t.bytes().all(|b| b.is_ascii_digit()), t.parse::<usize>()) {
            (true, Ok(n)) if n <= total => n,
            _ => {
                return Err(api_err(
                    400,
                    "paramError",
                    "paramError: nextToken is not valid",
                ))
            }
        },
    };
    let items = match (mode, list) {
        (PageMode::EmptyClaimsMore, _) | (_, None) => Vec::new(),
        (_, Some(r)) => r.page(offset, max, state.clock.now_ms()),
    };
    drop(state);

    let natural_next = offset + items.len();
    let body = match mode {
        PageMode::Normal => PageBody {
            next_token: (natural_next < total).then(|| natural_next.to_string()),
            has_more: natural_next < total,
            total_count: total,
            conference_list: items,
        },
        PageMode::RepeatToken => {
            // The same token on every page: echo the client's, or pin the first one we hand out.
            let token = if offset > 0 {
                offset
            } else {
                (offset + max).min(total)
            };
            PageBody {
                next_token: Some(token.to_string()),
                has_more: true,
                total_count: total,
                conference_list: items,
            }
        }
        PageMode::EmptyClaimsMore => {
            // A token the server will accept, but different from the one sent where possible.
            let token = (offset + max).min(total);
            PageBody {
                next_token: Some(token.to_string()),
                has_more: true,
                total_count: total,
                conference_list: Vec::new(),
            }
        }
    };
    Ok(serde_json::to_value(body).expect("page serialises"))
}

fn check_token(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let raw = match headers.get(TOKEN_HEADER) {
        None => None,
        Some(v) if v.as_bytes().is_empty() => None,
        Some(v) => Some(v),
    };
    let Some(raw) = raw else {
        return Err(api_err(
            400,
            "AuthenticationFailed.MissingParameter",
            "Missing required header x-acs-dingtalk-access-token.",
        ));
    };
    let valid = raw
        .to_str()
        .ok()
        .and_then(|t| shared.lock().tokens.get(t).copied())
        .is_some_and(|expiry| Instant::now() < expiry);
    if valid {
        Ok(())
    } else {
        Err(api_err(
            400,
            "InvalidAuthentication",
            "不合法的access_token (the access token is invalid or has expired)",
        ))
    }
}

/// Both token endpoints. Only JSON is accepted: the real service answers a form-encoded body
/// with 400, and a client that sends one must find out here, not in production.
fn token_call(
    shared: &Shared,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<String, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let not_json = || {
        api_err(
            400,
            "paramError",
            "paramError: the request body must be JSON (Content-Type: application/json)",
        )
    };
    if !is_json {
        return Err(not_json());
    }
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(not_json());
    };
    let field = |k: &str| -> Result<&str, ApiError> {
        obj.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| api_err(400, "paramError", format!("paramError: {k} is missing")))
    };
    if path == APP_TOKEN_PATH {
        let key = field("appKey")?;
        let secret = field("appSecret")?;
        if key != DEMO_APP_KEY || secret != DEMO_APP_SECRET {
            return Err(api_err(
                400,
                "invalidClientIdOrSecret",
                "无效的clientId或者clientSecret (invalid appKey or appSecret)",
            ));
        }
    } else {
        let key = field("suiteKey")?;
        let secret = field("suiteSecret")?;
        let corp = field("authCorpId")?;
        let ticket = field("suiteTicket")?;
        if key != DEMO_SUITE_KEY || secret != DEMO_SUITE_SECRET {
            return Err(api_err(
                400,
                "invalidSuiteKey",
                "invalid suiteKey or suiteSecret",
            ));
        }
        if ticket != DEMO_SUITE_TICKET {
            return Err(api_err(400, "invalidSuiteTicket", "invalid suiteTicket"));
        }
        if corp != DEMO_CORP_ID {
            return Err(api_err(
                400,
                "invalidAuthInfo",
                "invalid authCorpId: the organisation has not authorised this app",
            ));
        }
    }
    Ok(shared.issue_token())
}

// ---------------------------------------------------------------- admin routes

fn admin_json(status: StatusCode, v: &Value) -> Response {
    let mut resp = Response::new(Body::from(v.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CT));
    resp
}

fn admin_ok() -> Response {
    admin_json(StatusCode::OK, &json!({ "ok": true }))
}

fn admin_bad(msg: String) -> Response {
    admin_json(
        StatusCode::BAD_REQUEST,
        &json!({ "ok": false, "error": msg }),
    )
}

async fn admin_add_fault(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) => {
            shared.add_fault(rule);
            admin_ok()
        }
        Err(e) => admin_bad(format!("not a FaultRule: {e}")),
    }
}

async fn admin_clear_faults(AxState(shared): AxState<Arc<Shared>>) -> Response {
    shared.clear_faults();
    admin_ok()
}

async fn admin_requests(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let list: Vec<Value> = shared
        .requests()
        .iter()
        .map(|r| r.to_json(shared.started))
        .collect();
    admin_json(StatusCode::OK, &Value::Array(list))
}

async fn admin_clear_requests(AxState(shared): AxState<Arc<Shared>>) -> Response {
    shared.clear_requests();
    admin_ok()
}

async fn admin_set_room(
    AxState(shared): AxState<Arc<Shared>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    match serde_json::from_slice::<Vec<Value>>(&body) {
        Ok(meetings) => {
            let n = meetings.len();
            shared.set_room(&code, meetings);
            admin_json(
                StatusCode::OK,
                &json!({ "ok": true, "roomCode": code, "count": n }),
            )
        }
        Err(e) => admin_bad(format!("expected a JSON array of meetings: {e}")),
    }
}

async fn admin_expire_tokens(AxState(shared): AxState<Arc<Shared>>) -> Response {
    shared.expire_all_tokens();
    admin_ok()
}

async fn admin_issue_token(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let token = shared.issue_token();
    admin_json(
        StatusCode::OK,
        &json!({ "accessToken": token, "expireIn": shared.config.token_ttl.as_secs() }),
    )
}

fn clock_json(clock: SimClock) -> Value {
    json!({ "ok": true, "nowMs": clock.now_ms(), "fixed": clock.is_fixed() })
}

async fn admin_clock(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let clock = shared.lock().clock;
    admin_json(StatusCode::OK, &clock_json(clock))
}

/// Exactly one of: `{"nowMs": ms}` (stop the clock there), `{"advanceMs": ms}` (move it on,
/// stopped or running), `{"realTime": true}` (back to the machine's clock).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockCommand {
    now_ms: Option<i64>,
    advance_ms: Option<u64>,
    real_time: Option<bool>,
}

async fn admin_set_clock(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let cmd = match serde_json::from_slice::<ClockCommand>(&body) {
        Ok(c) => c,
        Err(e) => return admin_bad(format!("not a clock command: {e}")),
    };
    let mut state = shared.lock();
    let clock = match (cmd.now_ms, cmd.advance_ms, cmd.real_time) {
        (Some(t), None, None) => SimClock::fixed_at(t),
        (None, Some(ms), None) => state.clock.advanced(Duration::from_millis(ms)),
        (None, None, Some(true)) => SimClock::real_time(),
        _ => return admin_bad("give exactly one of nowMs, advanceMs or realTime: true".to_owned()),
    };
    state.clock = clock;
    drop(state);
    admin_json(StatusCode::OK, &clock_json(clock))
}
