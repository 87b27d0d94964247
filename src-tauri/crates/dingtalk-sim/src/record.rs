//! What the simulator saw, so tests can assert on what a client *sent*, not only on what it
//! displayed: the raw header token (not JSON-quoted), the percent-encoded room code, whether
//! `nextToken` was echoed verbatim, how many calls a "load all" really cost.

use serde_json::{json, Value};
use std::time::Instant;

/// One request as it arrived. Admin routes under `/_sim` are not recorded, so driving the
/// simulator never pollutes what a test asserts about the client.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// Exactly as on the request line, percent-encoding preserved, without the query string.
    pub path: String,
    /// Decoded (`application/x-www-form-urlencoded` rules), in order, duplicates kept.
    pub query: Vec<(String, String)>,
    /// The raw `x-acs-dingtalk-access-token` header value.
    pub access_token: Option<String>,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    /// The body parsed as JSON; a non-empty body that is not JSON is kept as a JSON string of its
    /// text (so a form-encoded token request is still visible); `None` when there was no body.
    pub body: Option<Value>,
    pub at: Instant,
}

/// The room-query path prefix; shared with the router so both agree on what a room query is.
pub(crate) const ROOM_PREFIX: &str = "/v1.0/conference/roomCodes/";
pub(crate) const ROOM_SUFFIX: &str = "/infos";
pub(crate) const APP_TOKEN_PATH: &str = "/v1.0/oauth2/accessToken";
pub(crate) const CORP_TOKEN_PATH: &str = "/v1.0/oauth2/corpAccessToken";

/// The raw (still percent-encoded) room segment if `path` is a room-query path.
pub(crate) fn room_segment(path: &str) -> Option<&str> {
    let seg = path.strip_prefix(ROOM_PREFIX)?.strip_suffix(ROOM_SUFFIX)?;
    (!seg.contains('/')).then_some(seg)
}

impl RecordedRequest {
    /// `GET /v1.0/conference/roomCodes/{roomCode}/infos`, whatever the room code.
    pub fn is_room_query(&self) -> bool {
        self.method == "GET" && room_segment(&self.path).is_some()
    }

    /// `POST` to either token endpoint.
    pub fn is_token_call(&self) -> bool {
        self.method == "POST" && (self.path == APP_TOKEN_PATH || self.path == CORP_TOKEN_PATH)
    }

    /// The first value of query key `k`.
    pub fn query_param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    /// The room code of a room query, percent-decoded (lossily if it was not UTF-8).
    pub fn room_code(&self) -> Option<String> {
        if self.method != "GET" {
            return None;
        }
        room_segment(&self.path).map(|seg| {
            percent_encoding::percent_decode_str(seg)
                .decode_utf8_lossy()
                .into_owned()
        })
    }

    /// JSON for `GET /_sim/requests`; `atMs` is milliseconds since the simulator started.
    pub(crate) fn to_json(&self, started: Instant) -> Value {
        let at_ms = self.at.saturating_duration_since(started).as_secs_f64() * 1000.0;
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "accessToken": self.access_token,
            "accept": self.accept,
            "contentType": self.content_type,
            "body": self.body,
            "atMs": at_ms,
        })
    }
}
