//! Helpers for the tests of every MeetDesk crate (feature `testing`): starting a simulator, the
//! requests a client sent, the `MEETDESK_*` variables that point the app or the CLI at it.
//!
//! They live here, once, because every test suite already depends on the simulator, and the
//! simulator knows nothing of the client, the core or Tauri, so no crate gains a dependency.
//! Only dev-dependencies turn the feature on: the app's demo mode never carries this module.
//!
//! A helper that fails panics with what went wrong: these run in tests only.

use crate::{RecordedRequest, SimConfig, SimHandle, DEMO_APP_KEY, DEMO_APP_SECRET};

/// A simulator with the demo rooms, on a free loopback port.
pub async fn demo_sim() -> SimHandle {
    SimHandle::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

/// A simulator with no rooms: the test sets every meeting it needs.
pub async fn blank_sim() -> SimHandle {
    SimHandle::start(SimConfig {
        demo_data: false,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// The room queries `sim` has seen, oldest first.
pub fn room_calls(sim: &SimHandle) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(RecordedRequest::is_room_query)
        .collect()
}

/// The token calls (either endpoint) `sim` has seen, oldest first.
pub fn token_calls(sim: &SimHandle) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(RecordedRequest::is_token_call)
        .collect()
}

/// The credential variables the window and the CLI read; a test clears them all so that what
/// the developer has exported does not leak into what it asserts.
pub const CREDENTIAL_VARS: [&str; 8] = [
    "MEETDESK_BASE_URL",
    "MEETDESK_ACCESS_TOKEN",
    "MEETDESK_APP_KEY",
    "MEETDESK_APP_SECRET",
    "MEETDESK_SUITE_KEY",
    "MEETDESK_SUITE_SECRET",
    "MEETDESK_AUTH_CORP_ID",
    "MEETDESK_SUITE_TICKET",
];

/// `MEETDESK_BASE_URL`, `MEETDESK_APP_KEY` and `MEETDESK_APP_SECRET` for `sim` and its demo
/// internal app: what a user who configured MeetDesk for this host would have.
pub fn demo_app_env(sim: &SimHandle) -> [(&'static str, String); 3] {
    [
        ("MEETDESK_BASE_URL", sim.base_url()),
        ("MEETDESK_APP_KEY", DEMO_APP_KEY.to_owned()),
        ("MEETDESK_APP_SECRET", DEMO_APP_SECRET.to_owned()),
    ]
}
