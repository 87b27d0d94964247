//! Shared helpers.

use std::time::Duration;

use dingtalk::{Client, ClientConfig, Credentials, RoomCode, Secret};
pub use dingtalk_sim::testing::{demo_sim as sim, room_calls, token_calls};
use dingtalk_sim::{SimHandle, DEMO_APP_KEY, DEMO_APP_SECRET};

/// Settings for tests: small backoffs so retries take milliseconds, a high rate limit (the
/// simulator is loopback) unless a test is about the limiter.
pub fn fast_config(sim: &SimHandle) -> ClientConfig {
    let mut c = ClientConfig::new(&sim.base_url()).expect("loopback http is allowed");
    c.min_backoff = Duration::from_millis(5);
    c.max_backoff = Duration::from_millis(40);
    c.qps_limit_wait = Duration::from_millis(20);
    c.request_timeout = Duration::from_secs(5);
    c.rate_per_second = 1000;
    c
}

pub fn app_creds() -> Credentials {
    Credentials::InternalApp {
        app_key: DEMO_APP_KEY.into(),
        app_secret: Secret::new(DEMO_APP_SECRET),
    }
}

pub fn suite_creds(ticket: &str) -> Credentials {
    Credentials::ThirdParty {
        suite_key: "demo-suite-key".into(),
        suite_secret: Secret::new("demo-suite-secret"),
        auth_corp_id: "demo-corp-id".into(),
        suite_ticket: Secret::new(ticket),
    }
}

pub fn client(sim: &SimHandle) -> Client {
    Client::new(fast_config(sim), app_creds()).unwrap()
}

pub fn room(code: &str) -> RoomCode {
    RoomCode::parse(code).unwrap()
}
