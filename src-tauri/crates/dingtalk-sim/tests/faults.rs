//! Every fault, and the after/times/room counting that decides when it fires.

mod common;

use common::*;
use dingtalk_sim::{Fault, FaultRule};
use serde_json::json;
use std::time::{Duration, Instant};

const ROOM: &str = "123456789";
const OTHER: &str = "987654321";

#[tokio::test]
async fn error_faults_answer_with_the_dingtalk_envelope() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    let cases = [
        (Fault::SystemError, 500, "systemError"),
        (
            Fault::QpsLimit,
            403,
            "Forbidden.AccessDenied.QpsLimitForApi",
        ),
        (
            Fault::QpsLimitForAppkey,
            403,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        ),
        (
            Fault::PermissionDenied,
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        ),
        (Fault::NoPermission, 403, "noPermission"),
        (
            Fault::IpNotInWhiteList,
            403,
            "Forbidden.AccessDenied.IpNotInWhiteList",
        ),
        (
            Fault::ApiCountLimitForOrg,
            403,
            "Forbidden.AccessDenied.ApiCountLimitForOrg",
        ),
    ];
    for (fault, status, code) in cases {
        sim.add_fault(FaultRule::once(fault.clone()));
        let r = room(&sim, Some(&t), ROOM, "").await;
        r.assert_error(status, code);
        if fault == Fault::PermissionDenied {
            assert!(r.json()["message"]
                .as_str()
                .unwrap()
                .contains("VideoConference.Conference.Read"));
        }
        // once means once
        assert_eq!(
            room(&sim, Some(&t), ROOM, "").await.status,
            200,
            "{fault:?} fired twice"
        );
    }
}

#[tokio::test]
async fn faults_fire_even_without_a_valid_token() {
    // Faults model the gateway in front of DingTalk, so they come before authentication.
    let sim = blank_sim().await;
    sim.add_fault(FaultRule::once(Fault::SystemError));
    room(&sim, None, ROOM, "")
        .await
        .assert_error(500, "systemError");
}

#[tokio::test]
async fn latency_then_normal_answer() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.add_fault(FaultRule::once(Fault::Latency(Duration::from_millis(300))));
    let start = Instant::now();
    let r = room(&sim, Some(&t), ROOM, "").await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    let start = Instant::now();
    room(&sim, Some(&t), ROOM, "").await;
    assert!(start.elapsed() < Duration::from_millis(300));

    // A client timeout shorter than the latency sees a timeout, and the server keeps serving.
    sim.add_fault(FaultRule::once(Fault::Latency(Duration::from_millis(2000))));
    let err = client()
        .get(format!(
            "{}/v1.0/conference/roomCodes/{ROOM}/infos",
            sim.base_url()
        ))
        .header("x-acs-dingtalk-access-token", &t)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
}

#[tokio::test]
async fn expire_token_fault() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.add_fault(FaultRule::once(Fault::ExpireToken));
    room(&sim, Some(&t), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    // Still dead afterwards: the token really expired, it was not a one-off error.
    room(&sim, Some(&t), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    let fresh = wire_token(&sim).await;
    assert_eq!(room(&sim, Some(&fresh), ROOM, "").await.status, 200);
}

#[tokio::test]
async fn malformed_json_html_502_and_ip_ban() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 5));
    let t = sim.issue_token();

    sim.add_fault(FaultRule::once(Fault::MalformedJson));
    let r = room(&sim, Some(&t), ROOM, "").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(r.text.starts_with("{\""), "{}", r.text);
    assert!(
        serde_json::from_str::<serde_json::Value>(&r.text).is_err(),
        "{}",
        r.text
    );
    assert!(r.header("x-acs-request-id").is_some());

    sim.add_fault(FaultRule::once(Fault::Html502));
    let r = room(&sim, Some(&t), ROOM, "").await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("<html>") && r.text.contains("502 Bad Gateway"));
    assert!(r.header("x-acs-request-id").is_some());

    sim.add_fault(FaultRule::once(Fault::IpBan));
    let r = room(&sim, Some(&t), ROOM, "").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json(), json!({"status": 1111, "wait": 5}));
    assert!(r.header("x-acs-request-id").is_some());

    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
}

#[tokio::test]
async fn repeat_token_never_advances() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 57));
    let t = sim.issue_token();
    sim.add_fault(FaultRule::new(Fault::RepeatToken));
    let b1 = room(&sim, Some(&t), ROOM, "?maxResults=20").await.json();
    assert_eq!(b1["nextToken"], "20");
    assert_eq!(b1["hasMore"], true);
    assert_eq!(b1["conferenceList"].as_array().unwrap().len(), 20);
    for _ in 0..3 {
        let b = room(&sim, Some(&t), ROOM, "?maxResults=20&nextToken=20")
            .await
            .json();
        assert_eq!(b["nextToken"], "20");
        assert_eq!(b["hasMore"], true);
        assert_eq!(b["totalCount"], 57);
        assert_eq!(b["conferenceList"][0]["conferenceId"], "conf-0020");
    }
    sim.clear_faults();
    let b = room(&sim, Some(&t), ROOM, "?maxResults=20&nextToken=20")
        .await
        .json();
    assert_eq!(b["nextToken"], "40");
}

#[tokio::test]
async fn empty_page_claims_more() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 57));
    let t = sim.issue_token();
    sim.add_fault(FaultRule::new(Fault::EmptyPageClaimsMore));
    let b = room(&sim, Some(&t), ROOM, "?maxResults=20").await.json();
    assert_eq!(b["conferenceList"].as_array().unwrap().len(), 0);
    assert_eq!(b["hasMore"], true);
    assert_eq!(b["totalCount"], 57);
    let next = b["nextToken"].as_str().unwrap().to_string();
    assert_ne!(next, "0");
    let b2 = room(
        &sim,
        Some(&t),
        ROOM,
        &format!("?maxResults=20&nextToken={next}"),
    )
    .await
    .json();
    assert_eq!(b2["hasMore"], true);
    assert_ne!(
        b2["nextToken"].as_str().unwrap(),
        next,
        "a fresh token each time"
    );
}

#[tokio::test]
async fn upper_case_error_keys_apply_to_the_next_error_only() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.add_fault(FaultRule::once(Fault::UpperCaseErrorKeys));
    // The request the rule fires on succeeds; the flag waits for an error.
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
    let r = room(&sim, None, ROOM, "").await;
    assert_eq!(r.status, 400);
    let b = r.json();
    assert_eq!(b["Code"], "AuthenticationFailed.MissingParameter");
    assert!(b["Message"].is_string());
    assert_eq!(
        r.header("x-acs-request-id").as_deref(),
        b["RequestId"].as_str()
    );
    assert!(b.get("code").is_none() && b.get("requestid").is_none());
    // Consumed.
    room(&sim, None, ROOM, "")
        .await
        .assert_error(400, "AuthenticationFailed.MissingParameter");

    // Combined with a later error fault.
    sim.add_fault(FaultRule::once(Fault::UpperCaseErrorKeys));
    sim.add_fault(FaultRule::once(Fault::SystemError).after_requests(1));
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
    let r = room(&sim, Some(&t), ROOM, "").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["Code"], "systemError");
}

#[tokio::test]
async fn after_and_times_counting() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.add_fault(FaultRule {
        room_code: None,
        fault: Fault::SystemError,
        after: 2,
        times: Some(2),
    });
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(room(&sim, Some(&t), ROOM, "").await.status);
    }
    assert_eq!(statuses, [200, 200, 500, 500, 200, 200]);

    sim.clear_faults();
    sim.add_fault(FaultRule::new(Fault::QpsLimit).after_requests(1));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(room(&sim, Some(&t), ROOM, "").await.status);
    }
    assert_eq!(statuses, [200, 403, 403, 403], "times None = forever");
    sim.clear_faults();
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
}

#[tokio::test]
async fn room_specific_rules_count_only_their_room() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.add_fault(
        FaultRule::once(Fault::NoPermission)
            .for_room(ROOM)
            .after_requests(1),
    );
    assert_eq!(room(&sim, Some(&t), OTHER, "").await.status, 200);
    assert_eq!(room(&sim, Some(&t), OTHER, "").await.status, 200);
    assert_eq!(
        room(&sim, Some(&t), ROOM, "").await.status,
        200,
        "the one let through"
    );
    assert_eq!(room(&sim, Some(&t), OTHER, "").await.status, 200);
    room(&sim, Some(&t), ROOM, "")
        .await
        .assert_error(403, "noPermission");
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
    // Matched after percent-decoding.
    sim.add_fault(FaultRule::once(Fault::NoPermission).for_room(ROOM));
    room(&sim, Some(&t), "%31%32%33456789", "")
        .await
        .assert_error(403, "noPermission");
}

#[tokio::test]
async fn first_armed_rule_wins_and_others_still_count() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.add_fault(FaultRule::once(Fault::SystemError));
    sim.add_fault(FaultRule::once(Fault::QpsLimit).after_requests(1));
    // Request 1: both match; rule 1 fires, rule 2 counts it as its one let-through.
    room(&sim, Some(&t), ROOM, "")
        .await
        .assert_error(500, "systemError");
    // Request 2: rule 1 used up, rule 2 armed.
    room(&sim, Some(&t), ROOM, "")
        .await
        .assert_error(403, "Forbidden.AccessDenied.QpsLimitForApi");
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
}

#[tokio::test]
async fn token_calls_are_never_faulted() {
    let sim = blank_sim().await;
    sim.add_fault(FaultRule::new(Fault::SystemError));
    sim.add_fault(FaultRule::new(Fault::Html502));
    let r = post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}),
    )
    .await;
    assert_eq!(r.status, 200);
    // And token calls do not use up a rule's `after` allowance.
    sim.clear_faults();
    sim.add_fault(FaultRule::once(Fault::SystemError).after_requests(1));
    post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}),
    )
    .await;
    let t = sim.issue_token();
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
    assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 500);
}

#[test]
fn fault_rules_serialise_as_documented() {
    let rule: FaultRule = serde_json::from_value(json!({"roomCode": "427233559", "fault": {"kind": "systemError"}, "after": 1, "times": null})).unwrap();
    assert_eq!(
        rule,
        FaultRule {
            room_code: Some("427233559".into()),
            fault: Fault::SystemError,
            after: 1,
            times: None
        }
    );
    assert_eq!(
        serde_json::to_value(&rule).unwrap(),
        json!({"roomCode": "427233559", "fault": {"kind": "systemError"}, "after": 1, "times": null})
    );
    let lat: FaultRule =
        serde_json::from_value(json!({"fault": {"kind": "latency", "ms": 1500}, "times": 2}))
            .unwrap();
    assert_eq!(
        lat,
        FaultRule {
            room_code: None,
            fault: Fault::Latency(Duration::from_millis(1500)),
            after: 0,
            times: Some(2)
        }
    );
    assert_eq!(
        serde_json::to_value(&lat.fault).unwrap(),
        json!({"kind": "latency", "ms": 1500})
    );

    let all = [
        (Fault::SystemError, "systemError"),
        (Fault::QpsLimit, "qpsLimit"),
        (Fault::QpsLimitForAppkey, "qpsLimitForAppkey"),
        (Fault::PermissionDenied, "permissionDenied"),
        (Fault::NoPermission, "noPermission"),
        (Fault::IpNotInWhiteList, "ipNotInWhiteList"),
        (Fault::ApiCountLimitForOrg, "apiCountLimitForOrg"),
        (Fault::ExpireToken, "expireToken"),
        (Fault::MalformedJson, "malformedJson"),
        (Fault::Html502, "html502"),
        (Fault::IpBan, "ipBan"),
        (Fault::RepeatToken, "repeatToken"),
        (Fault::EmptyPageClaimsMore, "emptyPageClaimsMore"),
        (Fault::UpperCaseErrorKeys, "upperCaseErrorKeys"),
    ];
    for (fault, kind) in all {
        let v = serde_json::to_value(&fault).unwrap();
        assert_eq!(v, json!({"kind": kind}));
        assert_eq!(serde_json::from_value::<Fault>(v).unwrap(), fault);
    }
    assert!(serde_json::from_value::<FaultRule>(json!({"fault": {"kind": "nope"}})).is_err());
    assert!(
        serde_json::from_value::<FaultRule>(json!({"room": "1", "fault": {"kind": "ipBan"}}))
            .is_err(),
        "typos are rejected"
    );
}

#[tokio::test]
async fn trust_boundary_faults_send_what_they_say() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 5));
    let t = sim.issue_token();

    for wait in [json!(1e20), json!(-5), json!("abc"), json!(i64::MAX)] {
        sim.add_fault(FaultRule::once(Fault::Ban(wait.clone())));
        let r = room(&sim, Some(&t), ROOM, "").await;
        assert_eq!(r.status, 403);
        assert_eq!(r.json(), json!({"status": 1111, "wait": wait}));
    }

    for status in [502u16, 503, 504] {
        sim.add_fault(FaultRule::once(Fault::GatewayHtml(status)));
        let r = room(&sim, Some(&t), ROOM, "").await;
        assert_eq!(r.status, status);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text.contains(&format!("<h1>{status} ")), "{}", r.text);
    }

    sim.add_fault(FaultRule::once(Fault::OversizedPage(1000)));
    let r = room(&sim, Some(&t), ROOM, "?maxResults=10").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["conferenceList"].as_array().unwrap().len(), 1000);
    assert_eq!(v["conferenceList"][0], json!({}));

    sim.add_fault(FaultRule::once(Fault::Raw {
        status: 418,
        content_type: "text/plain".into(),
        body: "echo {token}!".into(),
    }));
    let r = room(&sim, Some(&t), ROOM, "").await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (418, format!("echo {t}!").as_str())
    );

    // Faults as JSON, for other languages.
    let rule: FaultRule = serde_json::from_value(json!({
        "fault": {"kind": "raw", "status": 200, "body": "{}"}
    }))
    .unwrap();
    assert!(
        matches!(rule.fault, Fault::Raw { ref content_type, .. } if content_type.starts_with("application/json"))
    );
    let rule: FaultRule =
        serde_json::from_value(json!({"fault": {"kind": "ban", "wait": 1e20}})).unwrap();
    assert_eq!(rule.fault, Fault::Ban(json!(1e20)));
    let back = serde_json::to_value(FaultRule::new(Fault::OversizedPage(7))).unwrap();
    assert_eq!(
        back["fault"],
        json!({"kind": "oversizedPage", "meetings": 7})
    );
}

#[tokio::test]
async fn any_expire_in_is_sent_as_set() {
    let sim = blank_sim().await;
    for v in [
        json!(9223372036854775807i64),
        json!(1e308),
        json!("abc"),
        json!(-5),
    ] {
        sim.set_token_expire_in(Some(v.clone()));
        let r = post_json(
            &sim,
            "/v1.0/oauth2/accessToken",
            json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["expireIn"], v);
    }
}

#[tokio::test]
async fn the_qps_limit_is_20_in_any_rolling_second_not_per_clock_second() {
    let sim = dingtalk_sim::SimHandle::start(dingtalk_sim::SimConfig {
        demo_data: false,
        qps_limit: Some(dingtalk_sim::DINGTALK_QPS_LIMIT),
        ..dingtalk_sim::SimConfig::default()
    })
    .await
    .unwrap();
    sim.set_room(ROOM, meetings(ROOM, 5));
    let t = sim.issue_token();
    let started = Instant::now();
    // 10 now, 10 more 600 ms later: 20 within a second, all accepted.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(room(&sim, Some(&t), ROOM, "").await.status);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    for _ in 0..10 {
        statuses.push(room(&sim, Some(&t), ROOM, "").await.status);
    }
    // The 21st within the same second is refused, whatever clock second each fell in.
    let r = room(&sim, Some(&t), ROOM, "").await;
    let within_a_second = started.elapsed() < Duration::from_millis(1000);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    if within_a_second {
        r.assert_error(403, "Forbidden.AccessDenied.QpsLimitForApi");
        assert_eq!(sim.rate_limited_count(), 1);
    }
    // Once the first ten are over a second old, ten calls fit again (refused calls do not count).
    let since = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1050).saturating_sub(since)).await;
    for _ in 0..10 {
        assert_eq!(room(&sim, Some(&t), ROOM, "").await.status, 200);
    }
    let r = room(&sim, Some(&t), ROOM, "").await;
    if started.elapsed() < Duration::from_millis(1600) {
        r.assert_error(403, "Forbidden.AccessDenied.QpsLimitForApi");
    }
}
