//! Every error the simulator can produce → the kind the user sees; what is retried and what not.

use std::time::{Duration, Instant};

use dingtalk::{Client, Credentials, ErrorKind};
use dingtalk_sim::{Fault, FaultRule, DEMO_ROOM};

use super::common::*;

/// Faults that must surface at once, with their kind and DingTalk code.
#[tokio::test]
async fn final_errors_map_to_kinds_and_are_not_retried() {
    let cases = [
        (
            Fault::PermissionDenied,
            ErrorKind::Permission,
            Some("Forbidden.AccessDenied.AccessTokenPermissionDenied"),
            403,
        ),
        (
            Fault::NoPermission,
            ErrorKind::Permission,
            Some("noPermission"),
            403,
        ),
        (
            Fault::IpNotInWhiteList,
            ErrorKind::IpNotAllowed,
            Some("Forbidden.AccessDenied.IpNotInWhiteList"),
            403,
        ),
        (
            Fault::ApiCountLimitForOrg,
            ErrorKind::Quota,
            Some("Forbidden.AccessDenied.ApiCountLimitForOrg"),
            403,
        ),
        (Fault::MalformedJson, ErrorKind::BadResponse, None, 200),
    ];
    let sim = sim().await;
    let client = client(&sim);
    client.check_credentials().await.unwrap();
    for (fault, kind, code, status) in cases {
        sim.clear_faults();
        sim.clear_requests();
        sim.add_fault(FaultRule::new(fault.clone()));
        let e = client
            .room_page(&room(DEMO_ROOM), 10, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}: {e}");
        assert_eq!(e.code(), code, "{fault:?}");
        assert_eq!(e.http_status(), Some(status), "{fault:?}");
        assert!(
            e.request_id().is_some_and(|r| !r.is_empty()),
            "{fault:?}: request id kept"
        );
        assert_eq!(room_calls(&sim).len(), 1, "{fault:?} must not be retried");
        let line = e.to_string();
        assert!(!line.contains('\n'));
        if let Some(code) = code {
            assert!(
                line.contains(code) && line.contains(&format!("HTTP {status}")),
                "{line}"
            );
        }
    }
}

#[tokio::test]
async fn permission_message_names_the_permission() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(FaultRule::new(Fault::PermissionDenied));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert!(e
        .message()
        .unwrap()
        .contains("VideoConference.Conference.Read"));
    assert_eq!(e.kind(), dingtalk::ErrorKind::Permission);
}

#[tokio::test]
async fn malformed_json_keeps_a_snippet() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(FaultRule::new(Fault::MalformedJson));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse);
    assert!(
        e.message().unwrap().contains("conferenceList") || e.message().unwrap().contains("hasMore"),
        "{e}"
    );
}

#[tokio::test]
async fn upper_case_error_keys() {
    let sim = sim().await;
    let client = client(&sim);
    client.check_credentials().await.unwrap();
    sim.add_fault(FaultRule::once(Fault::UpperCaseErrorKeys));
    sim.add_fault(FaultRule::new(Fault::NoPermission));
    // The first request arms the upper-case flag (and is served normally); the second fails.
    client.room_page(&room(DEMO_ROOM), 10, None).await.unwrap();
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Permission);
    assert_eq!(e.code(), Some("noPermission"));
    assert_eq!(e.message(), Some("noPermission"));
    assert!(e.request_id().is_some());
}

#[tokio::test]
async fn param_error_is_bad_request_and_not_retried() {
    let sim = sim().await;
    let client = client(&sim);
    for size in [0, 501] {
        sim.clear_requests();
        let e = client
            .room_page(&room(DEMO_ROOM), size, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest, "{e}");
        assert_eq!(e.code(), Some("paramError"));
        assert_eq!(e.http_status(), Some(400));
        assert_eq!(room_calls(&sim).len(), 1);
    }
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn qps_limit_once_then_success_waits_at_least_a_second() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.qps_limit_wait = Duration::from_secs(1); // the default
    let client = Client::new(config, app_creds()).unwrap();
    sim.add_fault(FaultRule::once(Fault::QpsLimit));
    let page = client.room_page(&room(DEMO_ROOM), 10, None).await.unwrap();
    assert_eq!(page.conference_list.len(), 10);
    let calls = room_calls(&sim);
    assert_eq!(calls.len(), 2);
    let gap = calls[1].at.duration_since(calls[0].at);
    assert!(gap >= Duration::from_millis(990), "waited only {gap:?}");
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test]
async fn qps_limit_for_appkey_is_retried_too() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(FaultRule::once(Fault::QpsLimitForAppkey));
    client.room_page(&room(DEMO_ROOM), 10, None).await.unwrap();
    assert_eq!(room_calls(&sim).len(), 2);
}

#[tokio::test]
async fn rate_limited_when_retries_run_out() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.max_retries = 0;
    let client = Client::new(config, app_creds()).unwrap();
    sim.add_fault(FaultRule::once(Fault::QpsLimit));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    // The IP ban body has no code at all.
    sim.add_fault(FaultRule::once(Fault::IpBan));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(e.http_status(), Some(403));
}

#[tokio::test]
async fn system_error_is_retried_max_retries_times_then_fails() {
    let sim = sim().await;
    let client = client(&sim); // max_retries = 3
    sim.add_fault(FaultRule::new(Fault::SystemError));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.code(), Some("systemError"));
    assert_eq!(e.http_status(), Some(500));
    assert_eq!(room_calls(&sim).len(), 4, "1 + max_retries");
    assert_eq!(client.stats().retries, 3);
    // Backoff grows: gaps are at least min_backoff and not all equal to zero.
    let calls = room_calls(&sim);
    for w in calls.windows(2) {
        assert!(w[1].at.duration_since(w[0].at) >= Duration::from_millis(5));
    }
}

#[tokio::test]
async fn html_502_is_a_gateway_failure_with_snippet_and_retried() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.max_retries = 0;
    let client = Client::new(config, app_creds()).unwrap();
    sim.add_fault(FaultRule::once(Fault::Html502));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    // A proxy's page, not DingTalk's JSON: not blamed on DingTalk.
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.http_status(), Some(502));
    assert!(e.message().unwrap().contains("502 Bad Gateway"), "{e}");
    assert!(e.message().unwrap().contains("proxy or gateway"), "{e}");
    assert!(!e.message().unwrap().contains("<html>"));

    // With retries, two 502s then success.
    let client = client_with_retries(&sim, 3);
    sim.clear_requests();
    sim.add_fault(FaultRule::new(Fault::Html502).times_limit(2));
    client.room_page(&room(DEMO_ROOM), 10, None).await.unwrap();
    assert_eq!(room_calls(&sim).len(), 3);
}

fn client_with_retries(sim: &dingtalk_sim::SimHandle, n: u32) -> Client {
    let mut config = fast_config(sim);
    config.max_retries = n;
    Client::new(config, app_creds()).unwrap()
}

#[tokio::test]
async fn latency_beyond_the_request_timeout_is_a_timeout() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.request_timeout = Duration::from_millis(300);
    config.max_retries = 0;
    let client = Client::new(
        config.clone(),
        Credentials::AccessToken(sim.issue_token().into()),
    )
    .unwrap();
    sim.add_fault(FaultRule::new(Fault::Latency(Duration::from_millis(1500))));
    let started = Instant::now();
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("within 0.3 s"), "says how long: {e}");
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );

    // A slow answer inside the budget is fine.
    sim.clear_faults();
    sim.clear_requests();
    config.max_retries = 1;
    config.request_timeout = Duration::from_secs(3);
    let client = Client::new(config, Credentials::AccessToken(sim.issue_token().into())).unwrap();
    sim.add_fault(FaultRule::once(Fault::Latency(Duration::from_millis(300))));
    client.room_page(&room(DEMO_ROOM), 10, None).await.unwrap();
    assert_eq!(room_calls(&sim).len(), 1);
}

#[tokio::test]
async fn connection_refused_is_network_and_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut config = dingtalk::ClientConfig::new(&format!("http://127.0.0.1:{port}")).unwrap();
    config.min_backoff = Duration::from_millis(5);
    config.max_backoff = Duration::from_millis(10);
    config.max_retries = 2;
    let client = Client::new(config, Credentials::AccessToken("t0k3n-value".into())).unwrap();
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert_eq!(client.stats().room_calls, 3);
    assert!(!format!("{e} {e:?}").contains("t0k3n-value"));
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_error() {
    let sim = sim().await;
    let base = sim.base_url().replace("http://", "https://");
    let mut config = dingtalk::ClientConfig::new(&base).unwrap();
    config.max_retries = 0;
    let client = Client::new(config, Credentials::AccessToken("t".into())).unwrap();
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}
