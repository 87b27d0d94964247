//! A DingTalk open-API simulator: a real HTTP server on 127.0.0.1 that speaks the wire format of
//! `QueryConferenceInfoByRoomCode` and the two OAuth2 token endpoints.
//!
//! Why a separate, independent implementation: MeetDesk's client is tested against this over
//! real HTTP, so it deliberately shares no types with the `dingtalk` crate. If both sides used the
//! same structs, a misspelt field or a wrong status code would agree with itself and every test
//! would pass. Everything here is written from `shared/dingtalk-api.md` and the API page alone.
//!
//! The same server is the app's demo mode, which is why the demo data is relative to "now".
//!
//! # Routes
//! - `GET /v1.0/conference/roomCodes/{roomCode}/infos?maxResults=N&nextToken=T` — needs header
//!   `x-acs-dingtalk-access-token`. `maxResults` defaults to 20 and must be 1..=500.
//!   `nextToken` is a decimal offset the server handed out (`"0"` or absent = first page).
//!   Room codes must be 6 to 12 ASCII digits after percent-decoding.
//! - `POST /v1.0/oauth2/accessToken` — JSON `{"appKey","appSecret"}`.
//! - `POST /v1.0/oauth2/corpAccessToken` — JSON `{"suiteKey","suiteSecret","authCorpId","suiteTicket"}`.
//! - `/_sim/...` admin routes (not recorded): `POST /_sim/faults` (a [`FaultRule`] as JSON),
//!   `DELETE /_sim/faults`, `GET /_sim/requests`, `DELETE /_sim/requests`,
//!   `PUT /_sim/rooms/{code}` (JSON array of meetings), `POST /_sim/tokens/expire`,
//!   `POST /_sim/tokens` (→ `{"accessToken","expireIn"}`), `GET /_sim/clock` and
//!   `POST /_sim/clock` (`{"nowMs": ms}` stops the clock there, `{"advanceMs": ms}` moves it on,
//!   `{"realTime": true}` goes back to the machine's; both answer `{"ok","nowMs","fixed"}`).
//!
//! # Clock
//! [`SimConfig::clock`] / [`SimHandle::set_now`] / [`SimHandle::advance`]: the "now" the demo data
//! is placed around and booked meetings follow. A meeting booked for later when placed goes live
//! when the clock reaches its start (and ends at its planned end, the simulator-only key
//! `simEndsAt`, never sent): see [`SimClock`] and `clock.rs` for the exact rule. Tokens and the
//! rate limit keep the machine's clock.
//!
//! # Rate limit
//! [`SimConfig::qps_limit`]: at most N room queries in any rolling second (off by default).
//!
//! # Demo credentials
//! appKey `demo-app-key` / appSecret `demo-app-secret`; suiteKey `demo-suite-key`,
//! suiteSecret `demo-suite-secret`, authCorpId `demo-corp-id`, suiteTicket `demo-suite-ticket`.
//! Tokens are opaque random 32-hex-digit strings; every token call mints a new one.
//!
//! # Demo rooms (present when [`SimConfig::demo_data`] is true)
//! | code | contents |
//! |---|---|
//! | [`DEMO_ROOM`] `427233559` | 45 meetings: weekly "产品周会 Weekly product sync" (host 张伟), 40 ended instances + 1 live (status 2, started ~12 min ago); 1 booked for later today (status 0, bizType "3"); 1 audio meeting earlier today (bizType "audio_conf", host Emily Chen); 1 instant meeting yesterday (bizType "0", no scheduleConferenceId); 1 with status 7 and bizType "video_x" three days ago |
//! | [`EMPTY_ROOM`] `100000000` | no meetings |
//! | [`SEED_ROOM`] `427200331` | the API page's example meeting verbatim (masked ids, endTime before startTime, confDuration 1000000) |
//! | [`LARGE_ROOM_5K`] `500000005` | 5,000 ended meetings of a daily series, newest yesterday |
//! | [`LARGE_ROOM_10K`] `100000010` | 10,000 ended meetings of a daily series, newest yesterday |
//! | [`HOSTILE_ROOM`] `666000666` | 9 meetings with HTML, spreadsheet-formula and CSV-breaking titles/hosts and `javascript:`, `file:` and look-alike-host join links |
//!
//! Any other well-formed room code answers 200 with an empty list until [`SimHandle::set_room`]
//! fills it.

mod clock;
mod demo;
mod fault;
mod ids;
mod record;
mod server;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{SimClock, SIM_ENDS_AT};
pub use demo::{
    DEMO_ROOM, DESIGN_REVIEW_MINUTES, EMPTY_ROOM, HOSTILE_ROOM, LARGE_ROOM_10K, LARGE_ROOM_5K,
    SEED_ROOM,
};
pub use fault::{Fault, FaultRule};
pub use record::RecordedRequest;
pub use server::{
    DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET,
    DEMO_SUITE_TICKET,
};

use serde_json::Value;
use server::Shared;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// 0 = any free port: lets tests run in parallel without colliding.
    pub port: u16,
    /// Lifetime of every issued token (the real service uses 7,200 s). Tests shorten it to
    /// exercise a client's refresh path in milliseconds.
    pub token_ttl: Duration,
    /// Load the built-in rooms (see the crate docs). Off gives a blank server for tests that want
    /// to control every meeting.
    pub demo_data: bool,
    /// DingTalk's per-app, per-API limit: at most this many room queries in any rolling second
    /// (not per clock second); the next one answers 403 `Forbidden.AccessDenied.QpsLimitForApi`
    /// and is not counted. `None` (the default) = no limit, so tests that drive the client at
    /// loopback speed stay fast; [`DINGTALK_QPS_LIMIT`] is DingTalk's standard-edition value.
    pub qps_limit: Option<u32>,
    /// The meetings' "now" (default: the machine's clock). The demo data is placed around it at
    /// start; [`SimHandle::set_now`] and [`SimHandle::advance`] move it later.
    pub clock: SimClock,
}

/// DingTalk's standard-edition limit: 20 calls of one API in any rolling second. Written here
/// from the documentation, independently of the client's constant (see the crate docs); a client
/// test checks the two agree.
pub const DINGTALK_QPS_LIMIT: u32 = 20;

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            token_ttl: Duration::from_secs(7200),
            demo_data: true,
            qps_limit: None,
            clock: SimClock::real_time(),
        }
    }
}

struct Inner {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

/// A running simulator. Clones share one server. Dropping handles does *not* stop it (a Tauri
/// setup hook may keep only the URL); call [`SimHandle::shutdown`], or let the runtime end.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.inner.addr)
            .finish()
    }
}

impl SimHandle {
    /// Bind and return the handle plus the future that serves until shutdown, so the async and
    /// the blocking constructors can run it on different runtimes.
    async fn bind(
        config: SimConfig,
    ) -> std::io::Result<(SimHandle, impl Future<Output = ()> + Send)> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (tx, mut rx) = watch::channel(false);
        let app = server::router(shared.clone());
        let serve = async move {
            let stop = async move {
                // All senders gone means every handle was dropped: keep serving (see SimHandle).
                if rx.wait_for(|stop| *stop).await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await;
        };
        let handle = SimHandle {
            inner: Arc::new(Inner {
                addr,
                shared,
                shutdown: tx,
            }),
        };
        Ok((handle, serve))
    }

    /// Start on the current tokio runtime; the server lives as long as that runtime (or until
    /// [`SimHandle::shutdown`]). The port is bound before this returns, so requests can be sent
    /// immediately.
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        let (handle, serve) = Self::bind(config).await?;
        tokio::spawn(serve);
        Ok(handle)
    }

    /// Start on a dedicated thread with its own single-threaded runtime, for callers outside
    /// tokio (a Tauri setup hook, a synchronous test). The thread ends after `shutdown`.
    pub fn start_blocking(config: SimConfig) -> std::io::Result<SimHandle> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("dingtalk-sim".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match Self::bind(config).await {
                        Ok((handle, serve)) => {
                            let _ = tx.send(Ok(handle));
                            serve.await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })?;
        rx.recv()
            .map_err(|_| std::io::Error::other("dingtalk-sim thread ended before binding"))?
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the value to put in the client's host setting.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Every request received on DingTalk routes (token calls included, `/_sim` excluded), in
    /// arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.shared.requests()
    }

    pub fn clear_requests(&self) {
        self.inner.shared.clear_requests();
    }

    /// Rules are checked in the order added; see [`FaultRule`] for the counting.
    pub fn add_fault(&self, rule: FaultRule) {
        self.inner.shared.add_fault(rule);
    }

    /// Also drops a pending [`Fault::UpperCaseErrorKeys`] that has not met an error yet.
    pub fn clear_faults(&self) {
        self.inner.shared.clear_faults();
    }

    /// Replace (or create) a room. Meetings are raw JSON so tests can send values the API
    /// documentation never promised (strings for numbers, missing keys, nulls). They are served
    /// newest first by numeric `startTime`; entries without one come last in the given order.
    /// A meeting with status 0 and a start after the clock's now follows the clock (and
    /// `simEndsAt`, if given, is its planned end): see [`SimClock`]. Everything else is served
    /// as given.
    pub fn set_room(&self, room_code: &str, meetings: Vec<Value>) {
        self.inner.shared.set_room(room_code, meetings);
    }

    /// Invalidates every token issued so far (later ones are valid), like a server-side revoke.
    pub fn expire_all_tokens(&self) {
        self.inner.shared.expire_all_tokens();
    }

    /// Room queries refused by the rolling-window limit ([`SimConfig::qps_limit`]) so far.
    pub fn rate_limited_count(&self) -> u64 {
        self.inner.shared.lock().rate_limited
    }

    /// What the token endpoints send as `expireIn` from now on: any JSON value (`1e308`, `-5`,
    /// `"abc"`, `null`); `None` goes back to `token_ttl` in whole seconds. The token itself still
    /// lives `token_ttl`.
    pub fn set_token_expire_in(&self, value: Option<Value>) {
        self.inner.shared.lock().token_expire_in = value;
    }

    /// Stall every token answer this long (`None`: answer at once), for a client's timeout on
    /// its credential check.
    pub fn set_token_latency(&self, latency: Option<Duration>) {
        self.inner.shared.lock().token_latency = latency;
    }

    /// A valid token without a token call, for the "pasted token" path; lives `token_ttl`.
    pub fn issue_token(&self) -> String {
        self.inner.shared.issue_token()
    }

    /// The simulator's now, in ms since the epoch (see [`SimClock`]).
    pub fn now_ms(&self) -> i64 {
        self.inner.shared.lock().clock.now_ms()
    }

    /// The clock as it is set.
    pub fn clock(&self) -> SimClock {
        self.inner.shared.lock().clock
    }

    /// Replace the clock ([`SimClock::real_time`] goes back to the machine's).
    pub fn set_clock(&self, clock: SimClock) {
        self.inner.shared.lock().clock = clock;
    }

    /// Stop the clock at `ms` (ms since the epoch): meetings booked for later go live when it
    /// passes their start, on the next request.
    pub fn set_now(&self, ms: i64) {
        self.set_clock(SimClock::fixed_at(ms));
    }

    /// Move the clock on by `by` (stopped or running, it stays so).
    pub fn advance(&self, by: Duration) {
        let mut state = self.inner.shared.lock();
        state.clock = state.clock.advanced(by);
    }

    /// Stop accepting connections and end the server once in-flight requests finish.
    /// Idempotent; the port is released shortly after, not necessarily before this returns.
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
    }
}
