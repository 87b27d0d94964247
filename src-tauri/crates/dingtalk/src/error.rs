//! What went wrong talking to DingTalk.
//!
//! One [`Error`] type for the whole crate. It keeps what the server said (HTTP status, DingTalk
//! `code`, `message`, `requestid`, how long to wait) so support can trace a call, and sorts every
//! failure into a small closed set of [`ErrorKind`]s. The words for a user (what happened, what to
//! do next) are not here: they depend on the face (the window says "Open Settings", the CLI
//! names its flags) and live in MeetDesk's catalog (ui/locales/*.json, keyed `error.<kind>.*`).
//!
//! Secrets never reach an `Error`: the client redacts the access token and app secrets from
//! anything the server echoes back, before any text is cut short (see [`Error::redact`]), and no
//! request headers are kept.
//!
//! Text from the server (codes, messages, request ids) is made single-line and its control and
//! direction-changing characters escaped where it enters an `Error`, so it cannot forge a log
//! line or the one line the CLI prints ([`log_safe`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The closed set of failure kinds the UI distinguishes. Serialised as camelCase strings
/// (`"invalidRoomCode"`, `"rateLimited"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// The meeting code is not valid (refused locally, or `invalidRoomCode` from DingTalk).
    InvalidRoomCode,
    /// No meeting code was given.
    MissingRoomCode,
    /// The credentials were refused (invalid/expired token, wrong app key or secret, bad suite ticket).
    Auth,
    /// The app or user may not read this meeting, or the app lacks `VideoConference.Conference.Read`.
    Permission,
    /// Too many calls per second (DingTalk's QPS limit) or a temporary IP ban.
    RateLimited,
    /// The organisation's monthly API call quota is used up.
    Quota,
    /// This machine's IP address is not on the app's allow-list.
    IpNotAllowed,
    /// DingTalk failed: `systemError` or an HTTP 5xx that DingTalk itself answered.
    Server,
    /// A proxy or gateway between this computer and DingTalk failed: HTTP 502/503/504 without
    /// DingTalk's error JSON (an nginx or company-proxy HTML page).
    Gateway,
    /// Could not reach DingTalk (DNS, connection refused or reset).
    Network,
    /// DingTalk did not answer in time.
    Timeout,
    /// The secure connection failed (certificate or TLS handshake).
    Tls,
    /// DingTalk answered with something that is not the expected JSON.
    BadResponse,
    /// A request parameter was refused (`paramError`, e.g. the page size).
    BadRequest,
    /// DingTalk's paging repeated itself (a token seen before, or an empty page that claims more).
    PagingLoop,
    /// The operation was cancelled by the user.
    Cancelled,
    /// The client settings are wrong (host URL, empty app key, ...).
    Config,
    /// Load-all stopped at [`crate::MAX_LOAD_ALL_MEETINGS`]; what was loaded is kept.
    TooManyMeetings,
}

impl ErrorKind {
    /// Every kind, in declaration order; derived, so a new kind cannot be left out (the
    /// window's contract file lists them from here).
    pub const ALL: &'static [ErrorKind] = <ErrorKind as strum::VariantArray>::VARIANTS;

    /// The wire name (`"rateLimited"`), same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRoomCode => "invalidRoomCode",
            ErrorKind::MissingRoomCode => "missingRoomCode",
            ErrorKind::Auth => "auth",
            ErrorKind::Permission => "permission",
            ErrorKind::RateLimited => "rateLimited",
            ErrorKind::Quota => "quota",
            ErrorKind::IpNotAllowed => "ipNotAllowed",
            ErrorKind::Server => "server",
            ErrorKind::Gateway => "gateway",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::BadResponse => "badResponse",
            ErrorKind::BadRequest => "badRequest",
            ErrorKind::PagingLoop => "pagingLoop",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Config => "config",
            ErrorKind::TooManyMeetings => "tooManyMeetings",
        }
    }
}

impl ErrorKind {
    /// See [`Error::is_retryable`].
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            ErrorKind::InvalidRoomCode
                | ErrorKind::MissingRoomCode
                | ErrorKind::BadRequest
                | ErrorKind::PagingLoop
                | ErrorKind::Cancelled
                | ErrorKind::Config
                | ErrorKind::TooManyMeetings
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong. `Clone` so one failed token fetch can be handed to every caller
/// that was waiting for it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Refused on this side before any request: bad room code, bad settings, paging loop, cancel.
    #[error("{kind}: {message}")]
    Local {
        /// What kind of problem.
        kind: ErrorKind,
        /// What is wrong and what is accepted.
        message: String,
    },

    /// DingTalk (or something in front of it) answered with an error.
    #[error("{}", api_line(code.as_deref(), *http_status, message.as_deref(), request_id.as_deref()))]
    Api {
        /// What kind of problem.
        kind: ErrorKind,
        /// The HTTP status of the answer.
        http_status: u16,
        /// DingTalk's error code (`"invalidRoomCode"`, `"Forbidden.AccessDenied.QpsLimitForApi"`).
        code: Option<String>,
        /// DingTalk's message, or a short snippet of a non-JSON body.
        message: Option<String>,
        /// `requestid` from the body, or the `x-acs-request-id` header.
        request_id: Option<String>,
        /// How long the server asked us to wait (the anti-abuse ban's `wait`).
        retry_after: Option<Duration>,
    },

    /// The request never got an HTTP answer: network, timeout or TLS failure.
    #[error("{kind}: {message}")]
    Transport {
        /// `Network`, `Timeout` or `Tls`.
        kind: ErrorKind,
        /// One-line description (URL included, never headers).
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
}

fn api_line(
    code: Option<&str>,
    status: u16,
    message: Option<&str>,
    request_id: Option<&str>,
) -> String {
    // Escaped again here: an `Error::Api` may be built outside `from_response`.
    let mut s = String::from("DingTalk error ");
    s.push_str(&code.map_or_else(|| "(no code)".to_owned(), field_safe));
    s.push_str(&format!(" (HTTP {status})"));
    if let Some(m) = message.filter(|m| !m.trim().is_empty()) {
        s.push_str(": ");
        s.push_str(&log_safe(m));
    }
    s.push_str(" [request id: ");
    s.push_str(&request_id.map_or_else(|| "none".to_owned(), field_safe));
    s.push(']');
    s
}

impl Error {
    /// A local error of the given kind.
    pub fn local(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::Local {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::local(ErrorKind::Config, message)
    }

    pub(crate) fn cancelled() -> Error {
        Error::local(ErrorKind::Cancelled, "cancelled by the user")
    }

    /// The one-line description without the kind in front: what [`fmt::Display`] prints after
    /// `"{kind}: "` for local and transport errors, and all of it for DingTalk's answers. For
    /// layers that show the kind their own way (the app's error), so nothing is said twice.
    pub fn detail(&self) -> String {
        match self {
            Error::Local { message, .. } | Error::Transport { message, .. } => message.clone(),
            Error::Api { .. } => self.to_string(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Local { kind, .. } | Error::Api { kind, .. } | Error::Transport { kind, .. } => {
                *kind
            }
        }
    }

    /// DingTalk's error code, if the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The request id (body `requestid` / `RequestId`, or header `x-acs-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, if an answer came back.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api { http_status, .. } => Some(*http_status),
            _ => None,
        }
    }

    /// The server's message (or a body snippet), or the local description.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => message.as_deref(),
            Error::Local { message, .. } | Error::Transport { message, .. } => Some(message),
        }
    }

    /// How long the server asked us to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True for the answer "this access token is invalid or expired" — the one case where a
    /// refreshed token may help.
    pub fn is_invalid_token(&self) -> bool {
        matches!(self.code(), Some(c) if c.eq_ignore_ascii_case("InvalidAuthentication"))
    }

    /// Whether the client itself should try the same call again at once (with backoff): network
    /// errors, timeouts, 5xx and garbled 5xx bodies, a failed gateway, and DingTalk's QPS-limit
    /// answers. A ban (`{"status":1111,"wait":N}`) is waited out only if it asks for at most
    /// [`MAX_HONOURED_WAIT`]; a ban whose wait cannot be read is not. Every other 4xx is final.
    pub fn is_transient(&self) -> bool {
        match self.kind() {
            ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::Gateway => {
                true
            }
            ErrorKind::RateLimited => match self.retry_after() {
                Some(wait) => wait <= MAX_HONOURED_WAIT,
                None => self.code() != Some(BAN_CODE),
            },
            _ => false,
        }
    }

    /// Whether the user trying the same thing again (a Retry button) may help. False where a retry
    /// can only repeat the outcome: a refused room code or setting, a paging loop, the load-all
    /// cap, a cancel. The rest may pass: a network or server failure, a rate limit or ban once the
    /// wait is over, a credential or permission the user or the admin can fix meanwhile.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Replace every occurrence of each secret in the kept text with `***`. The client calls this
    /// with the access token / app secret used for the call, so a server that echoes them back
    /// cannot leak them into logs or the UI.
    pub fn redact(mut self, secrets: &[&str]) -> Error {
        let scrub = |s: &mut String| *s = scrub(s, secrets);
        match &mut self {
            Error::Local { message, .. } | Error::Transport { message, .. } => scrub(message),
            Error::Api {
                message,
                code,
                request_id,
                ..
            } => {
                for field in [message, code, request_id] {
                    if let Some(s) = field.as_mut() {
                        scrub(s);
                    }
                }
            }
        }
        self
    }
}

/// The longest server-requested wait we honour by waiting; longer bans fail as `rateLimited`
/// at once, with the wait in the error for the user.
pub const MAX_HONOURED_WAIT: Duration = Duration::from_secs(5);
/// A ban's `wait` is kept in this range: a server asking for less still gets a pause...
pub const MIN_BAN_WAIT: Duration = Duration::from_secs(1);
/// ...and one asking for more (`1e20`) is not believed beyond the documented 5-minute ban, with
/// room to spare.
pub const MAX_BAN_WAIT: Duration = Duration::from_secs(600);
/// The code under which the anti-abuse ban is kept (its body has `status`, not `code`).
pub(crate) const BAN_CODE: &str = "1111";

/// A ban's `wait`, in seconds as any JSON number or numeric string, clamped to
/// [`MIN_BAN_WAIT`]..=[`MAX_BAN_WAIT`]. `None` when it is not a number at all (or NaN).
/// Clamping happens on the f64 first: `Duration::from_secs_f64` panics past its range.
pub(crate) fn ban_wait(value: &serde_json::Value) -> Option<Duration> {
    let secs = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    if secs.is_nan() {
        return None;
    }
    let clamped = secs.clamp(MIN_BAN_WAIT.as_secs_f64(), MAX_BAN_WAIT.as_secs_f64());
    Some(Duration::from_secs_f64(clamped))
}

/// Longest server message kept, in characters (after redaction).
const MESSAGE_CHARS: usize = 500;
/// Longest code or request id kept, in characters.
const FIELD_CHARS: usize = 128;

/// Server text made safe for one log line: whitespace runs (newlines, tabs, U+2028...) become one
/// space; other control characters and the invisible or direction-changing format characters
/// (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069, U+FEFF) are written as escapes (`\u{1b}`),
/// so what a log reader sees is what the server sent.
pub fn log_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            push_escaped(&mut out, c);
        }
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    let invisible = matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    );
    if c.is_control() || invisible {
        out.extend(c.escape_unicode());
    } else {
        out.push(c);
    }
}

/// A code or request id: like [`log_safe`], but every whitespace is escaped too (they have none).
fn field_safe(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_whitespace() && c != ' ' {
            out.extend(c.escape_unicode());
        } else {
            push_escaped(&mut out, c);
        }
    }
    cut(out.trim(), FIELD_CHARS)
}

/// At most `max` characters, with `…` when cut.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => {
            let mut c = s[..i].to_owned();
            c.push('…');
            c
        }
        None => s.to_owned(),
    }
}

/// Replace each secret (of 4 characters or more: shorter would blank ordinary words) by `***`.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret) {
            out = out.replace(secret, "***");
        }
    }
    out
}

/// A server's message: secrets out first, then one safe line, then cut.
pub(crate) fn clean_message(text: &str, secrets: &[&str]) -> String {
    cut(&log_safe(&scrub(text, secrets)), MESSAGE_CHARS)
}

/// A server's code or request id: secrets out, escaped, cut.
pub(crate) fn clean_field(text: &str, secrets: &[&str]) -> String {
    field_safe(&scrub(text, secrets))
}

/// Map DingTalk's error `code` (and the HTTP status, for unknown codes) to an [`ErrorKind`].
/// Codes are compared ignoring ASCII case.
pub fn kind_for_code(http_status: u16, code: Option<&str>) -> ErrorKind {
    if let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) {
        let lc = code.to_ascii_lowercase();
        let kind = match lc.as_str() {
            "invalidroomcode" => Some(ErrorKind::InvalidRoomCode),
            "missingroomcode" => Some(ErrorKind::MissingRoomCode),
            "paramerror" => Some(ErrorKind::BadRequest),
            "invalidauthentication"
            | "invalidclientidorsecret"
            | "invalidsuitekey"
            | "invalidsuiteticket"
            | "invalidauthinfo" => Some(ErrorKind::Auth),
            "nopermission" | "forbidden.accessdenied.accesstokenpermissiondenied" => {
                Some(ErrorKind::Permission)
            }
            "forbidden.accessdenied.apicountlimitfororg" => Some(ErrorKind::Quota),
            "forbidden.accessdenied.ipnotinwhitelist" => Some(ErrorKind::IpNotAllowed),
            "systemerror" => Some(ErrorKind::Server),
            _ if lc.starts_with("authenticationfailed") => Some(ErrorKind::Auth),
            _ if lc.starts_with("forbidden.accessdenied.qps")
                || lc.starts_with("forbidden.accessdenied.qpm") =>
            {
                Some(ErrorKind::RateLimited)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            return kind;
        }
    }
    kind_for_status(http_status)
}

/// The kind for an answer whose code we do not know.
fn kind_for_status(http_status: u16) -> ErrorKind {
    match http_status {
        500..=599 => ErrorKind::Server,
        429 => ErrorKind::RateLimited,
        401 => ErrorKind::Auth,
        403 => ErrorKind::Permission,
        400..=499 => ErrorKind::BadRequest,
        _ => ErrorKind::BadResponse,
    }
}

/// Longest body snippet kept for a non-JSON answer.
const SNIPPET_CHARS: usize = 160;

/// A short, single-line, tag-free excerpt of a body, for non-JSON answers (an HTML 502 page).
/// Secrets are replaced before anything is cut: a secret straddling a cut would otherwise leave
/// its first characters behind, where no later redaction can recognise them.
pub(crate) fn snippet(body: &[u8], secrets: &[&str]) -> String {
    // Read a little more than we keep, and at least one secret's length beyond it, so a secret
    // that starts inside the kept part is whole when it is replaced.
    let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
    let window = (8 * 1024 + longest).min(body.len());
    let text = scrub(&String::from_utf8_lossy(&body[..window]), secrets);
    let mut out = String::new();
    let mut in_tag = false;
    for ch in text.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    cut(&log_safe(&out), SNIPPET_CHARS)
}

/// Build the error for a non-success answer (or a 2xx that carries an error body).
///
/// Understands `{"code","message","requestid"}`, the upper-case `Code`/`Message`/`RequestId`
/// variant, the old API's `errcode`/`errmsg`, and the anti-abuse ban `{"status":1111,"wait":N}`.
/// Bodies that are not JSON objects become `badResponse` (or `server` when the status is ≥ 500),
/// keeping a short snippet.
#[cfg(test)]
pub(crate) fn from_response(
    http_status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
) -> Error {
    from_response_redacted(http_status, header_request_id, body, &[])
}

/// Whether an answer without DingTalk's error JSON came from a proxy or gateway in between.
fn is_gateway_status(http_status: u16) -> bool {
    matches!(http_status, 502..=504)
}

fn gateway_message(http_status: u16, snip: &str) -> String {
    let mut m = format!(
        "a proxy or gateway between this computer and DingTalk failed (HTTP {http_status}); DingTalk itself did not answer"
    );
    if !snip.is_empty() {
        m.push_str(": ");
        m.push_str(snip);
    }
    m
}

/// [`from_response`] with the secrets used for the call replaced in every kept text before it
/// is cut short (see [`snippet`]).
pub(crate) fn from_response_redacted(
    http_status: u16,
    header_request_id: Option<&str>,
    body: &[u8],
    secrets: &[&str],
) -> Error {
    let header_request_id = header_request_id
        .map(|r| clean_field(r, secrets))
        .filter(|r| !r.is_empty());
    let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let Some(serde_json::Value::Object(obj)) = value else {
        let snip = snippet(body, secrets);
        if is_gateway_status(http_status) {
            return Error::Api {
                kind: ErrorKind::Gateway,
                http_status,
                code: None,
                message: Some(gateway_message(http_status, &snip)),
                request_id: header_request_id,
                retry_after: None,
            };
        }
        let kind = if http_status >= 500 {
            ErrorKind::Server
        } else {
            ErrorKind::BadResponse
        };
        return Error::Api {
            kind,
            http_status,
            code: None,
            message: Some(if snip.is_empty() {
                "empty or unreadable answer".to_owned()
            } else {
                format!("unexpected answer: {snip}")
            }),
            request_id: header_request_id,
            retry_after: None,
        };
    };

    let raw_text = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| match obj.get(*k) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let field = |keys: &[&str]| {
        raw_text(keys)
            .map(|s| clean_field(&s, secrets))
            .filter(|s| !s.is_empty())
    };
    let request_id =
        field(&["requestid", "requestId", "RequestId", "request_id"]).or(header_request_id);

    // The anti-abuse layer's temporary IP ban: {"status":1111,"wait":5,...}.
    let status_field = obj.get("status").and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    if status_field == Some(1111) {
        let retry_after = obj.get("wait").and_then(ban_wait);
        return Error::Api {
            kind: ErrorKind::RateLimited,
            http_status,
            code: Some(BAN_CODE.to_owned()),
            message: Some(match retry_after {
                Some(w) => format!(
                    "temporarily banned by DingTalk's anti-abuse layer; try again in {} s",
                    w.as_secs_f64().ceil() as u64
                ),
                None => {
                    "temporarily banned by DingTalk's anti-abuse layer; try again in a few minutes"
                        .to_owned()
                }
            }),
            request_id,
            retry_after,
        };
    }

    let code = field(&["code", "Code", "errcode", "errorCode", "ErrorCode"]);
    let message = raw_text(&[
        "message",
        "Message",
        "errmsg",
        "errorMessage",
        "ErrorMessage",
    ])
    .map(|m| clean_message(&m, secrets))
    .filter(|m| !m.is_empty());
    if code.is_none() && message.is_none() && is_gateway_status(http_status) {
        return Error::Api {
            kind: ErrorKind::Gateway,
            http_status,
            code: None,
            message: Some(gateway_message(http_status, &snippet(body, secrets))),
            request_id,
            retry_after: None,
        };
    }
    if code.is_none() && message.is_none() {
        let kind = if http_status >= 500 {
            ErrorKind::Server
        } else {
            kind_for_status(http_status)
        };
        let kind = if (200..300).contains(&http_status) {
            ErrorKind::BadResponse
        } else {
            kind
        };
        return Error::Api {
            kind,
            http_status,
            code: None,
            message: Some(format!("unexpected answer: {}", snippet(body, secrets))),
            request_id,
            retry_after: None,
        };
    }
    // The old API reports success as errcode 0; a 2xx with errcode 0 is not an error, but the
    // caller only gets here for bodies it could not use, so keep it as badResponse.
    let kind = match code.as_deref() {
        Some("0") => ErrorKind::BadResponse,
        c => kind_for_code(http_status, c),
    };
    Error::Api {
        kind,
        http_status,
        code,
        message,
        request_id,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> Error {
        from_response(status, None, body.as_bytes())
    }

    #[test]
    fn every_documented_code_maps_to_its_kind() {
        let table: &[(u16, &str, ErrorKind)] = &[
            (400, "invalidRoomCode", ErrorKind::InvalidRoomCode),
            (400, "missingRoomCode", ErrorKind::MissingRoomCode),
            (400, "paramError", ErrorKind::BadRequest),
            (400, "InvalidAuthentication", ErrorKind::Auth),
            (
                400,
                "AuthenticationFailed.MissingParameter",
                ErrorKind::Auth,
            ),
            (401, "AuthenticationFailed", ErrorKind::Auth),
            (400, "invalidClientIdOrSecret", ErrorKind::Auth),
            (400, "invalidSuiteKey", ErrorKind::Auth),
            (400, "invalidSuiteTicket", ErrorKind::Auth),
            (400, "invalidAuthInfo", ErrorKind::Auth),
            (403, "noPermission", ErrorKind::Permission),
            (
                403,
                "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                ErrorKind::Permission,
            ),
            (
                403,
                "Forbidden.AccessDenied.QpsLimitForApi",
                ErrorKind::RateLimited,
            ),
            (
                403,
                "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                ErrorKind::RateLimited,
            ),
            (
                403,
                "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi",
                ErrorKind::RateLimited,
            ),
            (
                403,
                "Forbidden.AccessDenied.IpNotInWhiteList",
                ErrorKind::IpNotAllowed,
            ),
            (
                403,
                "Forbidden.AccessDenied.ApiCountLimitForOrg",
                ErrorKind::Quota,
            ),
            (
                400,
                "Forbidden.AccessDenied.ApiCountLimitForOrg",
                ErrorKind::Quota,
            ),
            (500, "systemError", ErrorKind::Server),
            (200, "systemError", ErrorKind::Server),
            // Unknown codes fall back on the HTTP status.
            (502, "whatever", ErrorKind::Server),
            (400, "someNewCode", ErrorKind::BadRequest),
            (403, "someNewCode", ErrorKind::Permission),
            (429, "someNewCode", ErrorKind::RateLimited),
        ];
        for (status, code, kind) in table {
            let body = format!(r#"{{"code":"{code}","message":"m","requestid":"rid-1"}}"#);
            let e = err(*status, &body);
            assert_eq!(e.kind(), *kind, "{status} {code}");
            assert_eq!(e.code(), Some(*code));
            assert_eq!(e.http_status(), Some(*status));
            assert_eq!(e.request_id(), Some("rid-1"));
            assert_eq!(e.message(), Some("m"));
        }
    }

    #[test]
    fn upper_case_keys_and_header_request_id() {
        let e = from_response(
            403,
            Some("hdr-9"),
            br#"{"Code":"Forbidden.AccessDenied.IpNotInWhiteList","Message":"ip 1.2.3.4","RequestId":"RID-UP"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::IpNotAllowed);
        assert_eq!(e.message(), Some("ip 1.2.3.4"));
        assert_eq!(
            e.request_id(),
            Some("RID-UP"),
            "body request id wins over the header"
        );

        let e = from_response(
            500,
            Some("hdr-9"),
            br#"{"code":"systemError","message":"boom"}"#,
        );
        assert_eq!(
            e.request_id(),
            Some("hdr-9"),
            "header request id is the fallback"
        );
        assert_eq!(e.kind(), ErrorKind::Server);
    }

    #[test]
    fn non_json_bodies() {
        let html = b"<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        let e = from_response(502, Some("r"), html);
        assert_eq!(e.kind(), ErrorKind::Gateway);
        assert!(e.message().unwrap().contains("502 Bad Gateway"), "{e}");
        assert!(!e.message().unwrap().contains('<'), "tags stripped: {e}");
        assert!(e.is_transient());

        let e = err(200, "{\"hasMore\": tru");
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        assert!(!e.is_transient());
        let e = err(400, "not json at all");
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        assert!(e.message().unwrap().contains("not json at all"));
        let e = err(500, "");
        assert_eq!(e.kind(), ErrorKind::Server);
        let e = err(400, "[1,2]");
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        let e = err(404, "{}");
        assert_eq!(e.kind(), ErrorKind::BadRequest);

        let long = "x".repeat(10_000);
        let e = err(503, &long);
        assert!(e.message().unwrap().chars().count() < 300);
    }

    #[test]
    fn a_proxy_failure_is_not_blamed_on_dingtalk() {
        for status in [502u16, 503, 504] {
            for body in [
                format!("<html><title>{status} Bad Gateway</title><center>nginx</center></html>"),
                "upstream connect error".to_owned(),
                String::new(),
                "{}".to_owned(),
            ] {
                let e = err(status, &body);
                assert_eq!(e.kind(), ErrorKind::Gateway, "{status} {body:?}");
                let line = e.to_string();
                assert!(
                    line.contains("proxy or gateway") && line.contains(&format!("HTTP {status}")),
                    "{line}"
                );
                assert!(e.is_transient() && e.is_retryable());
            }
        }
        // DingTalk's own JSON error through a 502 is DingTalk's; a 500 page is the server's.
        assert_eq!(
            err(502, r#"{"code":"systemError","message":"m"}"#).kind(),
            ErrorKind::Server
        );
        assert_eq!(err(500, "<html>oops</html>").kind(), ErrorKind::Server);
    }

    #[test]
    fn ban_waits_of_any_size_are_clamped_never_panic() {
        let cases: &[(&str, Option<u64>)] = &[
            ("1e20", Some(600)),
            ("1e308", Some(600)),
            ("-5", Some(1)),
            ("-1e308", Some(1)),
            ("0", Some(1)),
            ("0.3", Some(1)),
            ("5", Some(5)),
            ("9223372036854775807", Some(600)),
            ("-9223372036854775808", Some(600 - 599)),
            ("18446744073709551616", Some(600)),
            ("\"abc\"", None),
            ("\"1e400\"", Some(600)),
            ("\"NaN\"", None),
            ("null", None),
            ("[5]", None),
        ];
        for (wait, secs) in cases {
            let e = err(403, &format!(r#"{{"status":1111,"wait":{wait}}}"#));
            assert_eq!(e.kind(), ErrorKind::RateLimited, "{wait}");
            assert_eq!(
                e.retry_after().map(|d| d.as_secs_f64().ceil() as u64),
                *secs,
                "{wait}"
            );
            if let Some(d) = e.retry_after() {
                assert!(d >= MIN_BAN_WAIT && d <= MAX_BAN_WAIT, "{wait}: {d:?}");
                let n = d.as_secs_f64().ceil() as u64;
                assert!(
                    e.to_string().contains(&format!("try again in {n} s")),
                    "{e}"
                );
            } else {
                assert!(e.to_string().contains("a few minutes"), "{e}");
            }
            // Only a short wait is waited out by the client itself.
            assert_eq!(
                e.is_transient(),
                e.retry_after().is_some_and(|d| d <= MAX_HONOURED_WAIT),
                "{wait}"
            );
        }
    }

    #[test]
    fn secrets_are_redacted_before_the_snippet_is_cut() {
        let secret = "tok-SECRET-0123456789abcdef";
        // The secret starts a few characters before the 160-character cut.
        for pad in [150usize, 155, 158, 159, 160, 8 * 1024 - 5] {
            let body = format!("{}{secret} trailing", "x".repeat(pad));
            for status in [400u16, 502, 500] {
                let e = from_response_redacted(status, None, body.as_bytes(), &[secret]);
                let line = format!("{e} {e:?}");
                assert!(!line.contains(&secret[..4]), "{status} pad {pad}: {line}");
                let e = crate::client::tests_parse_page(body.as_bytes(), &[secret]);
                let line = format!("{e} {e:?}");
                assert!(!line.contains(&secret[..4]), "page pad {pad}: {line}");
            }
        }
    }

    #[test]
    fn server_strings_cannot_forge_a_log_line() {
        let e = from_response(
            400,
            Some("hdr\r\nINFO forged"),
            "{\"code\":\"bad\\ncode\",\"message\":\"nope\\n2026-12-01 INFO forged line\\u001b[2J\\u202e\",\"requestid\":\"rid\\r\\n1\"}".as_bytes(),
        );
        let line = e.to_string();
        assert!(
            !line.contains('\n') && !line.contains('\r') && !line.contains('\u{1b}'),
            "{line}"
        );
        assert!(!line.contains('\u{202e}'), "{line}");
        assert_eq!(e.code(), Some("bad\\u{a}code"));
        assert_eq!(e.request_id(), Some("rid\\u{d}\\u{a}1"));
        assert!(
            line.contains("nope 2026-12-01 INFO forged line\\u{1b}[2J\\u{202e}"),
            "{line}"
        );
        // A header request id is escaped too.
        let e = from_response(500, Some("hdr\r\nINFO forged"), b"<html></html>");
        assert_eq!(e.request_id(), Some("hdr\\u{d}\\u{a}INFO forged"));
        assert_eq!(log_safe("a\u{2028}b\tc\u{0}"), "a b c\\u{0}");
    }

    #[test]
    fn retryable_says_whether_retry_can_help() {
        assert!(!Error::local(ErrorKind::PagingLoop, "x").is_retryable());
        assert!(!Error::local(ErrorKind::InvalidRoomCode, "x").is_retryable());
        assert!(!Error::local(ErrorKind::TooManyMeetings, "x").is_retryable());
        assert!(err(500, r#"{"code":"systemError"}"#).is_retryable());
        assert!(err(403, r#"{"status":1111,"wait":300}"#).is_retryable());
        // detail() leaves the kind out, so a layer that shows the kind does not say it twice.
        let e = Error::local(ErrorKind::PagingLoop, "page token \"10\" repeated");
        assert_eq!(e.detail(), "page token \"10\" repeated");
        assert_eq!(e.to_string(), "pagingLoop: page token \"10\" repeated");
    }

    #[test]
    fn ip_ban_body() {
        let e = err(403, r#"{"status":1111,"wait":5,"msg":"banned"}"#);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
        assert!(e.is_transient(), "a 5 s ban is waited out");
        let e = err(200, r#"{"status":1111,"wait":300}"#);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert!(!e.is_transient(), "a 5 minute ban is not");
        let e = err(403, r#"{"status":"1111","wait":"2"}"#);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn backoff_classification() {
        let transient = [
            (500, "systemError"),
            (503, "anything"),
            (403, "Forbidden.AccessDenied.QpsLimitForApi"),
            (403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"),
            (403, "Forbidden.AccessDenied.QpmLimitForApi"),
        ];
        for (s, c) in transient {
            let e = err(s, &format!(r#"{{"code":"{c}","message":"m"}}"#));
            assert!(e.is_transient(), "{s} {c} should be retried");
        }
        let final_ = [
            (400, "invalidRoomCode"),
            (400, "missingRoomCode"),
            (400, "paramError"),
            (400, "InvalidAuthentication"),
            (403, "noPermission"),
            (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied"),
            (403, "Forbidden.AccessDenied.IpNotInWhiteList"),
            (403, "Forbidden.AccessDenied.ApiCountLimitForOrg"),
            (400, "invalidClientIdOrSecret"),
        ];
        for (s, c) in final_ {
            let e = err(s, &format!(r#"{{"code":"{c}","message":"m"}}"#));
            assert!(!e.is_transient(), "{s} {c} must not be retried");
        }
        for kind in [ErrorKind::Network, ErrorKind::Timeout] {
            let e = Error::Transport {
                kind,
                message: "x".into(),
                source: None,
            };
            assert!(e.is_transient());
        }
        let e = Error::Transport {
            kind: ErrorKind::Tls,
            message: "x".into(),
            source: None,
        };
        assert!(
            !e.is_transient(),
            "certificate problems do not fix themselves"
        );
        for kind in [
            ErrorKind::InvalidRoomCode,
            ErrorKind::Config,
            ErrorKind::Cancelled,
            ErrorKind::PagingLoop,
        ] {
            assert!(!Error::local(kind, "x").is_transient());
        }
    }

    #[test]
    fn display_is_one_line_with_code_status_message_request_id() {
        let e = err(
            403,
            "{\"code\":\"noPermission\",\"message\":\"no\\npermission\",\"requestid\":\"ABC-123\"}",
        );
        let s = e.to_string();
        assert_eq!(
            s,
            "DingTalk error noPermission (HTTP 403): no permission [request id: ABC-123]"
        );
        assert!(!s.contains('\n'));
    }

    #[test]
    fn redact_scrubs_secrets() {
        let e = err(
            400,
            r#"{"code":"InvalidAuthentication","message":"token tok-SECRET-123 is invalid","requestid":"r"}"#,
        );
        let e = e.redact(&["tok-SECRET-123"]);
        assert!(!format!("{e} {e:?}").contains("tok-SECRET-123"));
        assert!(e.to_string().contains("token *** is invalid"));
    }

    #[test]
    fn every_kind_has_one_name_for_serde_and_as_str() {
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        for kind in ErrorKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len(), "no name twice");
    }
}
