//! Issue 10's trust boundaries, over real HTTP: hostile numbers, oversized pages, bans with any
//! wait, stalls, proxies, echoed secrets and forged log lines, the load-all cap and the pace
//! against the simulator's rolling-second limit.

use std::time::{Duration, Instant};

use dingtalk::{
    load_all, Client, ClientConfig, Credentials, Cursor, ErrorKind, DINGTALK_QPS_LIMIT,
    MAX_BAN_WAIT, MAX_LOAD_ALL_MEETINGS, MIN_BAN_WAIT,
};
use dingtalk_sim::{Fault, FaultRule, SimConfig, SimHandle, LARGE_ROOM_5K, SEED_ROOM};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::common::*;

/// The defaults a user has, but with this budget and a pasted token.
fn default_client(sim: &SimHandle, budget: Duration) -> Client {
    let mut config = ClientConfig::new(&sim.base_url()).unwrap();
    config.request_timeout = budget;
    Client::new(config, Credentials::AccessToken(sim.issue_token().into())).unwrap()
}

#[tokio::test]
async fn a_40_s_stall_with_a_3_s_budget_ends_in_about_3_s() {
    let sim = sim().await;
    // Default retries (3) and backoff: before, this took 4 attempts × 3 s plus backoff.
    let client = default_client(&sim, Duration::from_secs(3));
    sim.add_fault(FaultRule::new(Fault::Latency(Duration::from_secs(40))));
    let started = Instant::now();
    let e = client
        .room_page(&room(SEED_ROOM), 20, None)
        .await
        .unwrap_err();
    let took = started.elapsed();
    println!("stalled room page with a 3 s budget ended after {took:?}");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("within 3 s"), "says how long: {e}");
    assert!(took >= Duration::from_millis(2900), "{took:?}");
    assert!(
        took < Duration::from_secs(5),
        "3 s + a generous margin: {took:?}"
    );
}

#[tokio::test]
async fn a_stalled_token_endpoint_bounds_the_credential_check_and_the_page() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.request_timeout = Duration::from_secs(1);
    let client = Client::new(config, app_creds()).unwrap();
    sim.set_token_latency(Some(Duration::from_secs(40)));
    for call in ["check", "page"] {
        let started = Instant::now();
        let e = if call == "check" {
            client.check_credentials().await.unwrap_err()
        } else {
            client
                .room_page(&room(SEED_ROOM), 20, None)
                .await
                .unwrap_err()
        };
        let took = started.elapsed();
        println!("{call} against a stalled token endpoint, 1 s budget: {took:?}");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{call}: {e}");
        assert!(took < Duration::from_secs(3), "{call}: {took:?}");
    }
}

#[tokio::test]
async fn an_oversized_page_is_refused() {
    let sim = sim().await;
    let client = default_client(&sim, Duration::from_secs(15));
    sim.add_fault(FaultRule::once(Fault::OversizedPage(2_796_000)));
    let e = client
        .room_page(&room(SEED_ROOM), 100, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
    assert!(e.to_string().contains("2796000 meetings where 100"), "{e}");
    // One more than asked is refused too; as many as asked is fine.
    sim.add_fault(FaultRule::once(Fault::OversizedPage(11)));
    let e = client
        .room_page(&room(SEED_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
    sim.add_fault(FaultRule::once(Fault::OversizedPage(10)));
    let page = client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    assert_eq!(page.conference_list.len(), 10);
}

#[tokio::test]
async fn a_ban_with_any_wait_never_panics_and_shows_the_clamped_wait() {
    let sim = sim().await;
    let client = client(&sim);
    client.check_credentials().await.unwrap();
    for wait in [
        json!(1e20),
        json!(1e308),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(300),
    ] {
        sim.clear_faults();
        sim.clear_requests();
        sim.add_fault(FaultRule::once(Fault::Ban(wait.clone())));
        let e = client
            .room_page(&room(SEED_ROOM), 10, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited, "{wait}");
        let after = e.retry_after().unwrap();
        assert!(after <= MAX_BAN_WAIT, "{wait}: {after:?}");
        assert!(
            e.to_string()
                .contains(&format!("try again in {} s", after.as_secs())),
            "{e}"
        );
        assert_eq!(
            room_calls(&sim).len(),
            1,
            "{wait}: a long ban is not waited out"
        );
    }
    // A wait that cannot be read: not waited out, nothing invented.
    sim.clear_faults();
    sim.clear_requests();
    sim.add_fault(FaultRule::once(Fault::Ban(json!("abc"))));
    let e = client
        .room_page(&room(SEED_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.retry_after()), (ErrorKind::RateLimited, None));
    assert_eq!(room_calls(&sim).len(), 1);
    // A negative wait is a short one (MIN_BAN_WAIT): waited out, then the page comes.
    sim.clear_requests();
    sim.add_fault(FaultRule::once(Fault::Ban(json!(-5))));
    let started = Instant::now();
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    assert!(started.elapsed() >= MIN_BAN_WAIT);
    assert_eq!(room_calls(&sim).len(), 2);
}

#[tokio::test]
async fn proxy_pages_are_gateway_failures() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.max_retries = 0;
    let client = Client::new(config, app_creds()).unwrap();
    for status in [502u16, 503, 504] {
        sim.add_fault(FaultRule::once(Fault::GatewayHtml(status)));
        let e = client
            .room_page(&room(SEED_ROOM), 10, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Gateway, "{status}: {e}");
        assert_eq!(e.http_status(), Some(status));
        assert!(e.to_string().contains("proxy or gateway"), "{e}");
        assert!(e.is_retryable());
    }
}

#[tokio::test]
async fn an_echoed_token_straddling_the_cut_leaves_nothing_behind() {
    let sim = sim().await;
    let token = sim.issue_token();
    let mut config = fast_config(&sim);
    config.max_retries = 0;
    let client = Client::new(config, Credentials::AccessToken(token.clone().into())).unwrap();
    for (status, pad) in [(400u16, 140usize), (400, 150), (500, 155), (200, 130)] {
        sim.add_fault(FaultRule::once(Fault::Raw {
            status,
            content_type: "text/plain".into(),
            body: format!("{}{{token}} and more", "x".repeat(pad)),
        }));
        let e = client
            .room_page(&room(SEED_ROOM), 10, None)
            .await
            .unwrap_err();
        // Every way a layer above can show it.
        let shown = format!("{e} {e:?} {} {:?} {:?}", e.detail(), e.message(), e.code());
        assert!(!shown.contains(&token[..8]), "{status}/{pad}: {shown}");
    }
}

#[tokio::test]
async fn server_strings_cannot_forge_log_lines() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(FaultRule::once(Fault::Raw {
        status: 403,
        content_type: "application/json".into(),
        body: json!({
            "code": "noPermission\n2026-12-01T00:00:00Z INFO forged",
            "message": "denied\r\n2026-12-01T00:00:00Z INFO forged \u{1b}[31m",
            "requestid": "rid\nforged",
        })
        .to_string(),
    }));
    let e = client
        .room_page(&room(SEED_ROOM), 10, None)
        .await
        .unwrap_err();
    let line = e.to_string();
    assert!(!line.contains(['\n', '\r', '\u{1b}']), "{line:?}");
    assert!(line.contains("rid\\u{a}forged"), "{line}");
}

#[tokio::test]
async fn any_expire_in_from_the_server_is_survived() {
    let sim = sim().await;
    for v in [
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e308),
        json!(-5),
        json!("abc"),
        json!(null),
    ] {
        sim.set_token_expire_in(Some(v.clone()));
        // A new client each time: no cached token, so each lifetime is really fetched.
        let client = client(&sim);
        client
            .check_credentials()
            .await
            .unwrap_or_else(|e| panic!("{v}: {e}"));
        client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    }
}

#[tokio::test]
async fn load_all_stops_at_the_cap_and_keeps_what_it_loaded() {
    let sim = sim().await;
    let n = MAX_LOAD_ALL_MEETINGS as usize + 50;
    sim.set_room(
        "123123123",
        (0..n)
            .map(|i| json!({ "conferenceId": i.to_string() }))
            .collect(),
    );
    let mut config = fast_config(&sim);
    config.rate_per_second = 100_000;
    let client = Client::new(config, app_creds()).unwrap();
    let mut cursor = Cursor::for_load_all(room("123123123"));
    let mut kept = 0usize;
    let e = load_all(&client, &mut cursor, &CancellationToken::new(), |p, _| {
        kept += p.items.len()
    })
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooManyMeetings, "{e}");
    assert!(!e.is_retryable());
    assert_eq!(kept as u64, MAX_LOAD_ALL_MEETINGS);
    assert!(e.to_string().contains("100000"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_all_of_5000_at_the_default_pace_meets_no_403() {
    assert_eq!(
        dingtalk_sim::DINGTALK_QPS_LIMIT,
        DINGTALK_QPS_LIMIT,
        "the simulator and the client read the same documentation"
    );
    let sim = SimHandle::start(SimConfig {
        qps_limit: Some(dingtalk_sim::DINGTALK_QPS_LIMIT),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // The user's defaults: pace, retries, backoff.
    let client = Client::new(ClientConfig::new(&sim.base_url()).unwrap(), app_creds()).unwrap();
    client.check_credentials().await.unwrap();
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    let started = Instant::now();
    let mut n = 0;
    load_all(&client, &mut cursor, &CancellationToken::new(), |p, _| {
        n += p.items.len()
    })
    .await
    .unwrap();
    let took = started.elapsed();
    let calls = room_calls(&sim).len();
    let floor = calls as f64 / f64::from(DINGTALK_QPS_LIMIT);
    println!(
        "load-all 5000: {calls} calls in {:.2} s, floor {floor:.2} s, ratio {:.2}, 403s {}",
        took.as_secs_f64(),
        took.as_secs_f64() / floor,
        sim.rate_limited_count()
    );
    assert_eq!((n, calls), (5000, 50));
    assert_eq!(
        sim.rate_limited_count(),
        0,
        "no 403 from the rolling-second limit"
    );
    assert_eq!(client.stats().retries, 0);
}
