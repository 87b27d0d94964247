//! Credentials and access tokens.
//!
//! Three ways in: a pasted access token (cannot be refreshed), an internal app's key and secret,
//! or a third-party app's suite credentials for an authorised organisation. The [`TokenProvider`]
//! caches the token until shortly before it expires, lets concurrent callers share one fetch
//! (single flight), and can be told a token was refused so the next caller fetches a new one.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::error::{Error, ErrorKind};
use crate::model::de_opt_f64;

/// A secret string. `Debug` and `Display` print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself. Call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when empty (after trimming).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the client gets an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A token pasted by the user. Used as is; when DingTalk refuses it the call fails with `auth`.
    AccessToken(Secret),
    /// An internal (enterprise) app: `POST /v1.0/oauth2/accessToken`.
    InternalApp {
        /// The app key (client id).
        app_key: String,
        /// The app secret.
        app_secret: Secret,
    },
    /// A third-party enterprise app acting for an authorised organisation:
    /// `POST /v1.0/oauth2/corpAccessToken`. The suite ticket is pushed about every 5 h; a new
    /// ticket means a new [`crate::Client`] (its cached token belongs to the old ticket).
    ThirdParty {
        /// The suite key.
        suite_key: String,
        /// The suite secret.
        suite_secret: Secret,
        /// The authorised organisation's corp id.
        auth_corp_id: String,
        /// The latest suite ticket.
        suite_ticket: Secret,
    },
}

impl Credentials {
    /// Whether a refused token can be replaced by fetching a new one.
    pub fn can_refresh(&self) -> bool {
        !matches!(self, Credentials::AccessToken(_))
    }

    /// The same credentials with what pasting adds removed: surrounding whitespace everywhere,
    /// and a pair of double quotes around a pasted token (a JSON-quoted token is always refused).
    pub fn normalized(self) -> Credentials {
        let t = |s: String| s.trim().to_owned();
        let ts = |s: Secret| Secret(s.0.trim().to_owned());
        match self {
            Credentials::AccessToken(tok) => {
                let trimmed = tok.0.trim();
                let unquoted = trimmed
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(trimmed)
                    .trim();
                Credentials::AccessToken(Secret(unquoted.to_owned()))
            }
            Credentials::InternalApp {
                app_key,
                app_secret,
            } => Credentials::InternalApp {
                app_key: t(app_key),
                app_secret: ts(app_secret),
            },
            Credentials::ThirdParty {
                suite_key,
                suite_secret,
                auth_corp_id,
                suite_ticket,
            } => Credentials::ThirdParty {
                suite_key: t(suite_key),
                suite_secret: ts(suite_secret),
                auth_corp_id: t(auth_corp_id),
                suite_ticket: ts(suite_ticket),
            },
        }
    }

    /// Refuse empty fields before any request (kind `config`).
    pub fn validate(&self) -> Result<(), Error> {
        // A fact only: where to enter it is the face's word (the window's Settings, a CLI flag).
        let empty = |what: &str| Err(Error::config(format!("the {what} is empty")));
        match self {
            Credentials::AccessToken(t) if t.is_empty() => empty("access token"),
            Credentials::InternalApp { app_key, .. } if app_key.trim().is_empty() => {
                empty("app key")
            }
            Credentials::InternalApp { app_secret, .. } if app_secret.is_empty() => {
                empty("app secret")
            }
            Credentials::ThirdParty { suite_key, .. } if suite_key.trim().is_empty() => {
                empty("suite key")
            }
            Credentials::ThirdParty { suite_secret, .. } if suite_secret.is_empty() => {
                empty("suite secret")
            }
            Credentials::ThirdParty { auth_corp_id, .. } if auth_corp_id.trim().is_empty() => {
                empty("authorised corp id")
            }
            Credentials::ThirdParty { suite_ticket, .. } if suite_ticket.is_empty() => {
                empty("suite ticket")
            }
            _ => Ok(()),
        }
    }

    /// The secret strings, for redaction of server answers.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::AccessToken(t) => vec![t.0.clone()],
            Credentials::InternalApp { app_secret, .. } => vec![app_secret.0.clone()],
            Credentials::ThirdParty {
                suite_secret,
                suite_ticket,
                ..
            } => {
                vec![suite_secret.0.clone(), suite_ticket.0.clone()]
            }
        }
    }
}

/// Token lifetime assumed when DingTalk omits `expireIn` or sends 0 (or something that is not a
/// number): refetching in a loop would be rate-limited.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(7200);
/// The shortest lifetime believed: a server saying `expireIn: 1` (or -5) must not make every
/// call fetch a token.
pub const MIN_TOKEN_TTL: Duration = Duration::from_secs(60);
/// The longest lifetime believed (DingTalk's are 2 h): `expireIn: 9223372036854775807` must not
/// overflow the clock, nor keep a token past the day.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// Refresh at most this long before expiry...
pub const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// ...or 10% of the lifetime, whichever is smaller.
pub fn refresh_margin(ttl: Duration) -> Duration {
    (ttl / 10).min(MAX_REFRESH_MARGIN)
}

/// `{accessToken, expireIn}` from either token endpoint.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenResponse {
    #[serde(default, alias = "access_token")]
    pub access_token: Option<String>,
    /// Seconds, as any JSON number or numeric string (i64 and u64 extremes, floats to 1e308).
    #[serde(default, deserialize_with = "de_opt_f64", alias = "expires_in")]
    pub expire_in: Option<f64>,
}

impl TokenResponse {
    /// The lifetime, clamped to [`MIN_TOKEN_TTL`]..=[`MAX_TOKEN_TTL`]; missing or 0 means
    /// [`DEFAULT_TOKEN_TTL`]. Clamped as f64 first: `Duration::from_secs_f64` panics past its range.
    pub(crate) fn ttl(&self) -> Duration {
        match self.expire_in {
            Some(s) if s != 0.0 && !s.is_nan() => Duration::from_secs_f64(
                s.clamp(MIN_TOKEN_TTL.as_secs_f64(), MAX_TOKEN_TTL.as_secs_f64()),
            ),
            _ => DEFAULT_TOKEN_TTL,
        }
    }
}

/// A token and when to stop using it.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub token: Secret,
    pub refresh_at: Instant,
}

/// A token fetch in flight: the token and its lifetime.
pub(crate) type FetchFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(Secret, Duration), Error>> + Send + 'a>,
>;

/// Something that can fetch a fresh token (the client's HTTP side). Split out so the cache and
/// single-flight logic can be unit-tested without a server.
pub(crate) trait Fetch: Send + Sync {
    fn fetch<'a>(&'a self, creds: &'a Credentials) -> FetchFuture<'a>;
}

struct State {
    credentials: Credentials,
    cached: Option<CachedToken>,
    /// The last failed fetch and its completion number, handed to callers that were already
    /// waiting while it ran (so ten callers with a bad secret cause one call, not ten).
    last_failure: Option<(u64, Error)>,
}

/// Caches access tokens; one fetch at a time (single flight).
#[derive(Clone)]
pub struct TokenProvider {
    state: Arc<Mutex<State>>,
    /// Number of finished fetches (success or failure).
    completions: Arc<AtomicU64>,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider").finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for these credentials (validated: empty fields are a `config` error).
    pub fn new(credentials: Credentials) -> Result<TokenProvider, Error> {
        let credentials = credentials.normalized();
        credentials.validate()?;
        Ok(TokenProvider {
            state: Arc::new(Mutex::new(State {
                credentials,
                cached: None,
                last_failure: None,
            })),
            completions: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Whether refused tokens can be refreshed (false for a pasted token).
    pub async fn can_refresh(&self) -> bool {
        self.state.lock().await.credentials.can_refresh()
    }

    /// A valid token: the cached one, or a fresh one fetched with `fetcher`. Concurrent callers
    /// wait for the one fetch in progress and share its result, success or failure.
    pub(crate) async fn token(&self, fetcher: &dyn Fetch) -> Result<Secret, Error> {
        let completions_seen = self.completions.load(Ordering::SeqCst);
        let mut st = self.state.lock().await;
        if let Credentials::AccessToken(t) = &st.credentials {
            return Ok(t.clone());
        }
        if let Some(c) = &st.cached {
            if Instant::now() < c.refresh_at {
                return Ok(c.token.clone());
            }
        }
        // A fetch finished (and failed) while we waited for the lock: share its error.
        if let Some((completion, err)) = &st.last_failure {
            if *completion > completions_seen {
                return Err(err.clone());
            }
        }
        let creds = st.credentials.clone();
        let result = fetcher.fetch(&creds).await;
        let completion = self.completions.fetch_add(1, Ordering::SeqCst) + 1;
        match result {
            Ok((token, ttl)) => {
                // The ttl is clamped, but a lifetime is a server value: never panic on the clock.
                let now = Instant::now();
                let refresh_at = now
                    .checked_add(ttl.saturating_sub(refresh_margin(ttl)))
                    .unwrap_or(now);
                st.cached = Some(CachedToken {
                    token: token.clone(),
                    refresh_at,
                });
                st.last_failure = None;
                Ok(token)
            }
            Err(e) => {
                st.cached = None;
                st.last_failure = Some((completion, e.clone()));
                Err(e)
            }
        }
    }

    /// Forget `token` if it is the cached one (DingTalk refused it). A newer token is kept.
    pub async fn invalidate(&self, token: &Secret) {
        let mut st = self.state.lock().await;
        if st.cached.as_ref().is_some_and(|c| &c.token == token) {
            st.cached = None;
        }
    }
}

/// The request body for a token call. Built here so the secret handling stays in one file.
pub(crate) fn token_request(creds: &Credentials) -> Option<(&'static str, serde_json::Value)> {
    match creds {
        Credentials::AccessToken(_) => None,
        Credentials::InternalApp {
            app_key,
            app_secret,
        } => Some((
            "accessToken",
            serde_json::json!({ "appKey": app_key.trim(), "appSecret": app_secret.expose().trim() }),
        )),
        Credentials::ThirdParty {
            suite_key,
            suite_secret,
            auth_corp_id,
            suite_ticket,
        } => Some((
            "corpAccessToken",
            serde_json::json!({
                "suiteKey": suite_key.trim(),
                "suiteSecret": suite_secret.expose().trim(),
                "authCorpId": auth_corp_id.trim(),
                "suiteTicket": suite_ticket.expose().trim(),
            }),
        )),
    }
}

/// Parse a successful token answer; a 2xx without `accessToken` is `badResponse`
/// (or the error the body carries).
pub(crate) fn parse_token_response(
    status: u16,
    request_id: Option<&str>,
    body: &[u8],
    secrets: &[&str],
) -> Result<(Secret, Duration), Error> {
    if let Ok(r) = serde_json::from_slice::<TokenResponse>(body) {
        if let Some(t) = r
            .access_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            return Ok((Secret::new(t), r.ttl()));
        }
    }
    let e = crate::error::from_response_redacted(status, request_id, body, secrets);
    Err(match e {
        Error::Api {
            kind: ErrorKind::BadResponse,
            http_status,
            code,
            request_id,
            ..
        } if code.is_none() => Error::Api {
            kind: ErrorKind::BadResponse,
            http_status,
            code,
            message: Some("the token answer has no accessToken".to_owned()),
            request_id,
            retry_after: None,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn secret_is_never_printed() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.expose(), "hunter2-very-secret");
        let creds = [
            Credentials::AccessToken(Secret::new("hunter2-very-secret")),
            Credentials::InternalApp {
                app_key: "k".into(),
                app_secret: Secret::new("hunter2-very-secret"),
            },
            Credentials::ThirdParty {
                suite_key: "sk".into(),
                suite_secret: Secret::new("hunter2-very-secret"),
                auth_corp_id: "corp".into(),
                suite_ticket: Secret::new("hunter2-very-secret"),
            },
        ];
        for c in &creds {
            let dbg = format!("{c:?} {c:#?}");
            assert!(!dbg.contains("hunter2"), "{dbg}");
        }
    }

    #[test]
    fn margin_and_ttl() {
        assert_eq!(
            refresh_margin(Duration::from_secs(7200)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(600)),
            Duration::from_secs(60)
        );
        let r: TokenResponse = serde_json::from_str(r#"{"accessToken":"a","expireIn":0}"#).unwrap();
        assert_eq!(r.ttl(), DEFAULT_TOKEN_TTL);
        let r: TokenResponse = serde_json::from_str(r#"{"accessToken":"a"}"#).unwrap();
        assert_eq!(r.ttl(), DEFAULT_TOKEN_TTL);
        let r: TokenResponse =
            serde_json::from_str(r#"{"accessToken":"a","expireIn":"3600"}"#).unwrap();
        assert_eq!(r.ttl(), Duration::from_secs(3600));
    }

    #[test]
    fn any_expire_in_is_clamped_to_a_sane_lifetime() {
        let cases: &[(&str, Duration)] = &[
            ("9223372036854775807", MAX_TOKEN_TTL),
            ("18446744073709551615", MAX_TOKEN_TTL),
            ("184467440737095516150", MAX_TOKEN_TTL),
            ("1e308", MAX_TOKEN_TTL),
            ("-9223372036854775808", MIN_TOKEN_TTL),
            ("-5", MIN_TOKEN_TTL),
            ("-1e308", MIN_TOKEN_TTL),
            ("1", MIN_TOKEN_TTL),
            ("0", DEFAULT_TOKEN_TTL),
            ("0.0", DEFAULT_TOKEN_TTL),
            ("null", DEFAULT_TOKEN_TTL),
            ("\"abc\"", DEFAULT_TOKEN_TTL),
            ("\"NaN\"", DEFAULT_TOKEN_TTL),
            ("\"1e400\"", MAX_TOKEN_TTL),
            ("{}", DEFAULT_TOKEN_TTL),
            ("3600", Duration::from_secs(3600)),
            ("\"3600\"", Duration::from_secs(3600)),
            ("3600.5", Duration::from_secs_f64(3600.5)),
        ];
        for (v, want) in cases {
            let body = format!(r#"{{"accessToken":"a","expireIn":{v}}}"#);
            let (_, ttl) = parse_token_response(200, None, body.as_bytes(), &[]).unwrap();
            assert_eq!(ttl, *want, "expireIn {v}");
        }
    }

    #[tokio::test]
    async fn a_huge_lifetime_does_not_overflow_the_clock() {
        // Before the clamp, Instant::now() + 9223372036854775807 s panicked here.
        let p = TokenProvider::new(app()).unwrap();
        let (_, ttl) = parse_token_response(
            200,
            None,
            br#"{"accessToken":"a","expireIn":9223372036854775807}"#,
            &[],
        )
        .unwrap();
        let f = FakeFetch {
            calls: AtomicUsize::new(0),
            ttl,
            fail: false,
        };
        assert_eq!(p.token(&f).await.unwrap().expose(), "tok-1");
        assert_eq!(p.token(&f).await.unwrap().expose(), "tok-1", "cached");
    }

    #[test]
    fn token_answers() {
        let (t, ttl) =
            parse_token_response(200, None, br#"{"accessToken":"abc","expireIn":7200}"#, &[])
                .unwrap();
        assert_eq!(t.expose(), "abc");
        assert_eq!(ttl, Duration::from_secs(7200));
        let e = parse_token_response(
            400,
            Some("r"),
            br#"{"code":"invalidClientIdOrSecret","message":"bad"}"#,
            &[],
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        let e = parse_token_response(200, None, br#"{"expireIn":7200}"#, &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse);
        let e = parse_token_response(502, None, b"<html>bad gateway</html>", &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Gateway);
    }

    #[test]
    fn empty_credentials_are_config_errors() {
        let e = TokenProvider::new(Credentials::InternalApp {
            app_key: " ".into(),
            app_secret: "s".into(),
        })
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("app key"));
        let e = TokenProvider::new(Credentials::AccessToken("".into())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    struct FakeFetch {
        calls: AtomicUsize,
        ttl: Duration,
        fail: bool,
    }

    impl Fetch for FakeFetch {
        fn fetch<'a>(&'a self, _creds: &'a Credentials) -> FetchFuture<'a> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.fail {
                    Err(crate::error::from_response(
                        400,
                        None,
                        br#"{"code":"invalidClientIdOrSecret"}"#,
                    ))
                } else {
                    Ok((Secret::new(format!("tok-{n}")), self.ttl))
                }
            })
        }
    }

    fn app() -> Credentials {
        Credentials::InternalApp {
            app_key: "k".into(),
            app_secret: "s".into(),
        }
    }

    #[tokio::test]
    async fn single_flight_and_cache() {
        let p = TokenProvider::new(app()).unwrap();
        let f = Arc::new(FakeFetch {
            calls: AtomicUsize::new(0),
            ttl: Duration::from_secs(7200),
            fail: false,
        });
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let p = p.clone();
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                p.token(&*f).await.unwrap().expose().to_owned()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), "tok-1");
        }
        assert_eq!(f.calls.load(Ordering::SeqCst), 1);
        // Invalidate a stale token: no effect. Invalidate the current one: one refetch.
        p.invalidate(&Secret::new("tok-0")).await;
        assert_eq!(p.token(&*f).await.unwrap().expose(), "tok-1");
        p.invalidate(&Secret::new("tok-1")).await;
        assert_eq!(p.token(&*f).await.unwrap().expose(), "tok-2");
        assert_eq!(f.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn expiry_margin_triggers_refresh() {
        let p = TokenProvider::new(app()).unwrap();
        // ttl 1 s → margin 100 ms → refresh after 900 ms.
        let f = FakeFetch {
            calls: AtomicUsize::new(0),
            ttl: Duration::from_secs(1),
            fail: false,
        };
        assert_eq!(p.token(&f).await.unwrap().expose(), "tok-1");
        assert_eq!(p.token(&f).await.unwrap().expose(), "tok-1");
        tokio::time::sleep(Duration::from_millis(950)).await;
        assert_eq!(p.token(&f).await.unwrap().expose(), "tok-2");
    }

    #[tokio::test]
    async fn concurrent_failures_share_one_fetch() {
        let p = TokenProvider::new(app()).unwrap();
        let f = Arc::new(FakeFetch {
            calls: AtomicUsize::new(0),
            ttl: Duration::from_secs(1),
            fail: true,
        });
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let p = p.clone();
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                p.token(&*f).await.unwrap_err().kind()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), ErrorKind::Auth);
        }
        assert_eq!(f.calls.load(Ordering::SeqCst), 1);
        // A later call tries again.
        assert!(p.token(&*f).await.is_err());
        assert_eq!(f.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn pasted_token_is_cleaned_of_what_pasting_adds() {
        let f = FakeFetch {
            calls: AtomicUsize::new(0),
            ttl: Duration::from_secs(1),
            fail: false,
        };
        for pasted in ["abc123", "  abc123\n", "\"abc123\"", " \" abc123 \" "] {
            let p = TokenProvider::new(Credentials::AccessToken(pasted.into())).unwrap();
            assert_eq!(p.token(&f).await.unwrap().expose(), "abc123", "{pasted:?}");
        }
        assert_eq!(
            TokenProvider::new(Credentials::AccessToken("\"\"".into()))
                .unwrap_err()
                .kind(),
            ErrorKind::Config
        );
    }

    #[tokio::test]
    async fn pasted_token_is_used_as_is() {
        let p = TokenProvider::new(Credentials::AccessToken("pasted".into())).unwrap();
        let f = FakeFetch {
            calls: AtomicUsize::new(0),
            ttl: Duration::from_secs(1),
            fail: false,
        };
        assert_eq!(p.token(&f).await.unwrap().expose(), "pasted");
        p.invalidate(&Secret::new("pasted")).await;
        assert_eq!(p.token(&f).await.unwrap().expose(), "pasted");
        assert_eq!(f.calls.load(Ordering::SeqCst), 0);
        assert!(!p.can_refresh().await);
    }
}
