//! Injected failures.
//!
//! The real API fails in ways that are hard to provoke on demand (rate limits, quota, a proxy's
//! HTML page, an anti-abuse ban, pagination that never ends). A client's handling of each is only
//! trustworthy if a test can make the server do exactly that, on exactly the Nth call.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// One way the simulated API can misbehave. Serialised as `{"kind":"systemError"}`, or
/// `{"kind":"latency","ms":1500}` for [`Fault::Latency`], so rules can be posted to
/// `POST /_sim/faults` from any language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FaultRepr", into = "FaultRepr")]
pub enum Fault {
    /// Wait this long, then answer normally: for timeouts, spinners and cancellation.
    Latency(Duration),
    /// 500 `systemError`: DingTalk's own failure; a client should retry with backoff.
    SystemError,
    /// 403 `Forbidden.AccessDenied.QpsLimitForApi`: per-API rate limit; wait ~1 s and retry.
    QpsLimit,
    /// 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`: the per-app variant of the above.
    QpsLimitForAppkey,
    /// 403 `Forbidden.AccessDenied.AccessTokenPermissionDenied`, message naming
    /// `VideoConference.Conference.Read`: the app was never granted the read permission.
    PermissionDenied,
    /// 403 `noPermission`: the app or user may not read this particular meeting.
    NoPermission,
    /// 403 `Forbidden.AccessDenied.IpNotInWhiteList`: this machine's IP is not allow-listed.
    IpNotInWhiteList,
    /// 403 `Forbidden.AccessDenied.ApiCountLimitForOrg`: the organisation's monthly quota is gone.
    ApiCountLimitForOrg,
    /// Expire every issued token, then handle the request normally, so it fails with 400
    /// `InvalidAuthentication` exactly as a token that timed out mid-session would.
    ExpireToken,
    /// 200 with a JSON body cut in half: a client must report it, not panic or show garbage.
    MalformedJson,
    /// 502 with a `text/html` proxy error page: what sits between the client and DingTalk.
    Html502,
    /// 403 `{"status":1111,"wait":5}`: the anti-abuse layer's IP ban; no `code` key at all.
    IpBan,
    /// Successful pages whose `nextToken` never changes while `hasMore` stays true: a client
    /// that trusts `hasMore` alone loops forever.
    RepeatToken,
    /// 200 with an empty `conferenceList`, `hasMore: true` and a new `nextToken`: the other way
    /// a server can make a naive "load all" loop spin.
    EmptyPageClaimsMore,
    /// The next room-query *error* body uses `Code`/`Message`/`RequestId`, as some gateways do.
    /// The request this rule applies to is otherwise handled normally; the flag waits for the
    /// first error (from this or a later room query) and is then consumed.
    UpperCaseErrorKeys,
    /// 403 `{"status":1111,"wait":W}` with any JSON value as `W` (`1e20`, `-5`, `"abc"`, an
    /// i64 extreme): the ban body with a wait no client should trust blindly.
    Ban(Value),
    /// A proxy's `text/html` error page with this status (502, 503, 504...): not DingTalk's JSON.
    GatewayHtml(u16),
    /// 200 with a page of this many empty meetings (`{}`), whatever `maxResults` asked, and
    /// `hasMore:false`: 2.8 million of them fill the 8 MB a client reads at most.
    OversizedPage(u32),
    /// Any answer: this status, content type and body. Every `{token}` in the body is replaced by
    /// the access token the request carried, so a test can make the server echo a secret.
    Raw {
        status: u16,
        content_type: String,
        body: String,
    },
}

/// The wire form of [`Fault`]; kept private so the public enum can hold a `Duration`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum FaultRepr {
    Latency {
        ms: u64,
    },
    SystemError,
    QpsLimit,
    QpsLimitForAppkey,
    PermissionDenied,
    NoPermission,
    IpNotInWhiteList,
    ApiCountLimitForOrg,
    ExpireToken,
    MalformedJson,
    Html502,
    IpBan,
    RepeatToken,
    EmptyPageClaimsMore,
    UpperCaseErrorKeys,
    Ban {
        wait: Value,
    },
    GatewayHtml {
        status: u16,
    },
    OversizedPage {
        meetings: u32,
    },
    #[serde(rename_all = "camelCase")]
    Raw {
        status: u16,
        #[serde(default = "json_content_type")]
        content_type: String,
        body: String,
    },
}

fn json_content_type() -> String {
    "application/json;charset=utf-8".to_owned()
}

impl From<FaultRepr> for Fault {
    fn from(r: FaultRepr) -> Self {
        match r {
            FaultRepr::Latency { ms } => Fault::Latency(Duration::from_millis(ms)),
            FaultRepr::SystemError => Fault::SystemError,
            FaultRepr::QpsLimit => Fault::QpsLimit,
            FaultRepr::QpsLimitForAppkey => Fault::QpsLimitForAppkey,
            FaultRepr::PermissionDenied => Fault::PermissionDenied,
            FaultRepr::NoPermission => Fault::NoPermission,
            FaultRepr::IpNotInWhiteList => Fault::IpNotInWhiteList,
            FaultRepr::ApiCountLimitForOrg => Fault::ApiCountLimitForOrg,
            FaultRepr::ExpireToken => Fault::ExpireToken,
            FaultRepr::MalformedJson => Fault::MalformedJson,
            FaultRepr::Html502 => Fault::Html502,
            FaultRepr::IpBan => Fault::IpBan,
            FaultRepr::RepeatToken => Fault::RepeatToken,
            FaultRepr::EmptyPageClaimsMore => Fault::EmptyPageClaimsMore,
            FaultRepr::UpperCaseErrorKeys => Fault::UpperCaseErrorKeys,
            FaultRepr::Ban { wait } => Fault::Ban(wait),
            FaultRepr::GatewayHtml { status } => Fault::GatewayHtml(status),
            FaultRepr::OversizedPage { meetings } => Fault::OversizedPage(meetings),
            FaultRepr::Raw {
                status,
                content_type,
                body,
            } => Fault::Raw {
                status,
                content_type,
                body,
            },
        }
    }
}

impl From<Fault> for FaultRepr {
    fn from(f: Fault) -> Self {
        match f {
            Fault::Latency(d) => FaultRepr::Latency {
                ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            },
            Fault::SystemError => FaultRepr::SystemError,
            Fault::QpsLimit => FaultRepr::QpsLimit,
            Fault::QpsLimitForAppkey => FaultRepr::QpsLimitForAppkey,
            Fault::PermissionDenied => FaultRepr::PermissionDenied,
            Fault::NoPermission => FaultRepr::NoPermission,
            Fault::IpNotInWhiteList => FaultRepr::IpNotInWhiteList,
            Fault::ApiCountLimitForOrg => FaultRepr::ApiCountLimitForOrg,
            Fault::ExpireToken => FaultRepr::ExpireToken,
            Fault::MalformedJson => FaultRepr::MalformedJson,
            Fault::Html502 => FaultRepr::Html502,
            Fault::IpBan => FaultRepr::IpBan,
            Fault::RepeatToken => FaultRepr::RepeatToken,
            Fault::EmptyPageClaimsMore => FaultRepr::EmptyPageClaimsMore,
            Fault::UpperCaseErrorKeys => FaultRepr::UpperCaseErrorKeys,
            Fault::Ban(wait) => FaultRepr::Ban { wait },
            Fault::GatewayHtml(status) => FaultRepr::GatewayHtml { status },
            Fault::OversizedPage(meetings) => FaultRepr::OversizedPage { meetings },
            Fault::Raw {
                status,
                content_type,
                body,
            } => FaultRepr::Raw {
                status,
                content_type,
                body,
            },
        }
    }
}

/// When a [`Fault`] fires. Rules only ever apply to room queries
/// (`GET /v1.0/conference/roomCodes/{roomCode}/infos`); token calls are never faulted.
///
/// Counting: every rule counts, independently, the room queries it matches (by `room_code`)
/// from the moment it is added. A rule is *armed* once it has let `after` matching requests
/// through. For each room query, the first armed rule (in the order added) with `times` left
/// fires and uses one of its `times`; only one rule fires per request. A rule whose `times`
/// are used up stays in the list but never fires again.
///
/// Wire form: `{"roomCode":"427233559","fault":{"kind":"systemError"},"after":1,"times":null}`;
/// `roomCode`, `after` and `times` may be omitted (any room, 0, forever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Compared with the room code after percent-decoding; `None` matches every room query,
    /// including malformed codes.
    #[serde(default)]
    pub room_code: Option<String>,
    pub fault: Fault,
    /// Let this many matching requests through before the rule can fire.
    #[serde(default)]
    pub after: u32,
    /// Fire this many times, `None` = forever.
    #[serde(default)]
    pub times: Option<u32>,
}

impl FaultRule {
    /// Fires on every room query, forever, from the first one.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            room_code: None,
            fault,
            after: 0,
            times: None,
        }
    }

    /// Fires on the next matching room query only.
    pub fn once(fault: Fault) -> Self {
        FaultRule {
            times: Some(1),
            ..FaultRule::new(fault)
        }
    }

    /// Restrict to one room code.
    pub fn for_room(mut self, room_code: &str) -> Self {
        self.room_code = Some(room_code.to_string());
        self
    }

    /// Let `n` matching requests through first.
    pub fn after_requests(mut self, n: u32) -> Self {
        self.after = n;
        self
    }

    /// Fire at most `n` times.
    pub fn times_limit(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
}
