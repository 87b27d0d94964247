//! The wire contract: paging arithmetic, every error status and body, the token endpoints and
//! the request record.

mod common;

use common::*;
use dingtalk_sim::{SimConfig, SimHandle};
use serde_json::{json, Value};
use std::time::Duration;

const ROOM: &str = "123456789";

// ------------------------------------------------------------------ paging

#[tokio::test]
async fn pages_57_meetings_as_20_20_17() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 57));
    let token = sim.issue_token();

    let p1 = room(&sim, Some(&token), ROOM, "?maxResults=20").await;
    assert_eq!(p1.status, 200);
    assert!(p1
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(p1.header("x-acs-request-id").is_some_and(|r| !r.is_empty()));
    let b1 = p1.json();
    assert_eq!(b1["nextToken"], "20");
    assert_eq!(b1["hasMore"], true);
    assert_eq!(b1["totalCount"], 57);
    assert_eq!(b1["conferenceList"].as_array().unwrap().len(), 20);
    assert_eq!(b1["conferenceList"][0]["conferenceId"], "conf-0000");

    let b2 = room(&sim, Some(&token), ROOM, "?maxResults=20&nextToken=20")
        .await
        .json();
    assert_eq!(b2["nextToken"], "40");
    assert_eq!(b2["hasMore"], true);
    assert_eq!(b2["totalCount"], 57);
    assert_eq!(b2["conferenceList"].as_array().unwrap().len(), 20);
    assert_eq!(b2["conferenceList"][0]["conferenceId"], "conf-0020");

    let b3 = room(&sim, Some(&token), ROOM, "?maxResults=20&nextToken=40")
        .await
        .json();
    assert_eq!(b3["hasMore"], false);
    assert!(
        b3.get("nextToken").is_none(),
        "last page has no nextToken key: {b3}"
    );
    assert_eq!(b3["totalCount"], 57);
    let list = b3["conferenceList"].as_array().unwrap();
    assert_eq!(list.len(), 17);
    assert_eq!(list[16]["conferenceId"], "conf-0056");

    let (all, pages) = load_all(&sim, &token, ROOM, 20, 10).await;
    assert_eq!(pages.len(), 3);
    let ids: Vec<&str> = all
        .iter()
        .map(|m| m["conferenceId"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..57).map(|i| format!("conf-{i:04}")).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn defaults_and_bounds() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 57));
    let token = sim.issue_token();

    // No maxResults: 20. nextToken=0 is the start, like the official samples send it.
    let b = room(&sim, Some(&token), ROOM, "").await.json();
    assert_eq!(b["conferenceList"].as_array().unwrap().len(), 20);
    let b0 = room(&sim, Some(&token), ROOM, "?nextToken=0&maxResults=10")
        .await
        .json();
    assert_eq!(b0["nextToken"], "10");
    assert_eq!(b0["conferenceList"][0]["conferenceId"], "conf-0000");

    let one = room(&sim, Some(&token), ROOM, "?maxResults=1").await.json();
    assert_eq!(one["conferenceList"].as_array().unwrap().len(), 1);
    let big = room(&sim, Some(&token), ROOM, "?maxResults=500")
        .await
        .json();
    assert_eq!(big["conferenceList"].as_array().unwrap().len(), 57);
    assert_eq!(big["hasMore"], false);
    assert!(big.get("nextToken").is_none());

    // The end itself is a valid position (an empty last page), one past it is not.
    let end = room(&sim, Some(&token), ROOM, "?nextToken=57").await.json();
    assert_eq!(end["conferenceList"].as_array().unwrap().len(), 0);
    assert_eq!(end["hasMore"], false);
}

#[tokio::test]
async fn unknown_well_formed_room_is_empty_not_an_error() {
    let sim = blank_sim().await;
    let token = sim.issue_token();
    for code in ["987654321", "123456", "123456789012"] {
        let r = room(&sim, Some(&token), code, "").await;
        assert_eq!(r.status, 200, "{code}: {}", r.text);
        assert_eq!(
            r.json(),
            json!({"hasMore": false, "totalCount": 0, "conferenceList": []})
        );
    }
}

#[tokio::test]
async fn set_room_sorts_newest_first_and_keeps_odd_values() {
    let sim = blank_sim().await;
    let token = sim.issue_token();
    sim.set_room(
        ROOM,
        vec![
            json!({"conferenceId": "old", "startTime": 1}),
            json!({"conferenceId": "no-start", "status": "weird"}),
            json!({"conferenceId": "new", "startTime": 3}),
            json!({"conferenceId": "mid", "startTime": 2, "endTime": null}),
        ],
    );
    let b = room(&sim, Some(&token), ROOM, "").await.json();
    let ids: Vec<&str> = b["conferenceList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["conferenceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["new", "mid", "old", "no-start"]);
    assert_eq!(b["conferenceList"][1]["endTime"], Value::Null);
    assert_eq!(b["conferenceList"][3]["status"], "weird");
    // Replacing a room replaces it.
    sim.set_room(ROOM, vec![]);
    assert_eq!(
        room(&sim, Some(&token), ROOM, "").await.json()["totalCount"],
        0
    );
}

// ------------------------------------------------------------------ errors

#[tokio::test]
async fn token_errors() {
    let sim = blank_sim().await;
    room(&sim, None, ROOM, "")
        .await
        .assert_error(400, "AuthenticationFailed.MissingParameter");
    room(&sim, Some(""), ROOM, "")
        .await
        .assert_error(400, "AuthenticationFailed.MissingParameter");
    room(&sim, Some("0123456789abcdef0123456789abcdef"), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    // A JSON-quoted token (a real SDK bug) is not the token.
    let token = sim.issue_token();
    room(&sim, Some(&format!("\"{token}\"")), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    room(&sim, Some(&format!("Bearer {token}")), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    // Authentication is checked before anything about the room.
    room(&sim, None, "abc", "?maxResults=0")
        .await
        .assert_error(400, "AuthenticationFailed.MissingParameter");
}

#[tokio::test]
async fn room_code_errors() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    for raw in [
        "abc",
        "12345",
        "1234567890123",
        "42723%203559",
        "%E4%BD%A0%E5%A5%BD12345",
        "%FF%FE12345",
        "-12345678",
        "4272.3355",
        "%2B427233559",
    ] {
        room(&sim, Some(&t), raw, "")
            .await
            .assert_error(400, "invalidRoomCode");
    }
    for raw in ["", "%20", "%20%20%09"] {
        room(&sim, Some(&t), raw, "")
            .await
            .assert_error(400, "missingRoomCode");
    }
    // Percent-encoded digits are decoded before validation.
    let r = room(&sim, Some(&t), "%34%32%37%32%33%33%35%35%39", "").await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn param_errors() {
    let sim = blank_sim().await;
    sim.set_room(ROOM, meetings(ROOM, 57));
    let t = sim.issue_token();
    for q in [
        "?maxResults=0",
        "?maxResults=501",
        "?maxResults=abc",
        "?maxResults=-1",
        "?maxResults=1.5",
        "?maxResults=",
    ] {
        room(&sim, Some(&t), ROOM, q)
            .await
            .assert_error(400, "paramError");
    }
    for q in [
        "?nextToken=abc",
        "?nextToken=-1",
        "?nextToken=58",
        "?nextToken=",
        "?nextToken=1e3",
        "?nextToken=99999999999999999999999",
    ] {
        room(&sim, Some(&t), ROOM, q)
            .await
            .assert_error(400, "paramError");
    }
    // Room code is checked before paging parameters.
    room(&sim, Some(&t), "abc", "?maxResults=0")
        .await
        .assert_error(400, "invalidRoomCode");
}

#[tokio::test]
async fn unknown_routes_are_404_with_the_envelope() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    let url = sim.base_url();
    for (method, path) in [
        ("GET", "/v1.0/conference/roomCodes/123456789/info"),
        ("GET", "/v1.0/conference/roomCodes/123456789/infos/"),
        ("GET", "/v1.0/conference/roomCodes/12/345678/infos"),
        ("POST", "/v1.0/conference/roomCodes/123456789/infos"),
        ("GET", "/v1.0/oauth2/accessToken"),
        ("GET", "/"),
    ] {
        let req = client()
            .request(method.parse().unwrap(), format!("{url}{path}"))
            .header("x-acs-dingtalk-access-token", &t);
        send(req).await.assert_error(404, "InvalidAction.NotFound");
    }
}

#[tokio::test]
async fn request_ids_are_unique() {
    let sim = blank_sim().await;
    let a = room(&sim, None, ROOM, "").await.json()["requestid"].clone();
    let b = room(&sim, None, ROOM, "").await.json()["requestid"].clone();
    assert_ne!(a, b);
}

// ------------------------------------------------------------------ tokens

#[tokio::test]
async fn app_token_endpoint() {
    let sim = blank_sim().await;
    let ok = post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(ok.header("x-acs-request-id").is_some());
    let body = ok.json();
    assert_eq!(body["expireIn"], 7200);
    let token = body["accessToken"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 32);
    assert_eq!(room(&sim, Some(&token), ROOM, "").await.status, 200);

    // Every call mints a new token.
    assert_ne!(wire_token(&sim).await, token);

    post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "nope"}),
    )
    .await
    .assert_error(400, "invalidClientIdOrSecret");
    post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "other", "appSecret": "demo-app-secret"}),
    )
    .await
    .assert_error(400, "invalidClientIdOrSecret");
    post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key"}),
    )
    .await
    .assert_error(400, "paramError");
    post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!(["demo-app-key", "demo-app-secret"]),
    )
    .await
    .assert_error(400, "paramError");

    let url = format!("{}/v1.0/oauth2/accessToken", sim.base_url());
    // Form-encoded, as some HTTP helpers send by default.
    send(
        client()
            .post(&url)
            .form(&[("appKey", "demo-app-key"), ("appSecret", "demo-app-secret")]),
    )
    .await
    .assert_error(400, "paramError");
    // JSON text without a content type.
    send(
        client()
            .post(&url)
            .body(r#"{"appKey":"demo-app-key","appSecret":"demo-app-secret"}"#),
    )
    .await
    .assert_error(400, "paramError");
    // JSON content type, broken body.
    send(
        client()
            .post(&url)
            .header("content-type", "application/json")
            .body("{"),
    )
    .await
    .assert_error(400, "paramError");
    // Charset parameter is fine.
    let r = send(
        client()
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"appKey":"demo-app-key","appSecret":"demo-app-secret"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn corp_token_endpoint() {
    let sim = blank_sim().await;
    let good = json!({"suiteKey": "demo-suite-key", "suiteSecret": "demo-suite-secret", "authCorpId": "demo-corp-id", "suiteTicket": "demo-suite-ticket"});
    let ok = post_json(&sim, "/v1.0/oauth2/corpAccessToken", good.clone()).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let token = ok.json()["accessToken"].as_str().unwrap().to_string();
    assert_eq!(ok.json()["expireIn"], 7200);
    assert_eq!(room(&sim, Some(&token), ROOM, "").await.status, 200);

    let with = |k: &str, v: &str| {
        let mut b = good.clone();
        b[k] = Value::String(v.to_string());
        b
    };
    for (k, code) in [
        ("suiteKey", "invalidSuiteKey"),
        ("suiteSecret", "invalidSuiteKey"),
        ("suiteTicket", "invalidSuiteTicket"),
        ("authCorpId", "invalidAuthInfo"),
    ] {
        post_json(&sim, "/v1.0/oauth2/corpAccessToken", with(k, "wrong"))
            .await
            .assert_error(400, code);
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("suiteTicket");
    post_json(&sim, "/v1.0/oauth2/corpAccessToken", missing)
        .await
        .assert_error(400, "paramError");
    let url = format!("{}/v1.0/oauth2/corpAccessToken", sim.base_url());
    send(client().post(&url).form(&[("suiteKey", "demo-suite-key")]))
        .await
        .assert_error(400, "paramError");
}

#[tokio::test]
async fn tokens_expire_after_ttl() {
    let sim = SimHandle::start(SimConfig {
        demo_data: false,
        token_ttl: Duration::from_millis(1000),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let body = post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}),
    )
    .await
    .json();
    assert_eq!(
        body["expireIn"], 1,
        "expireIn is token_ttl in whole seconds"
    );
    let token = body["accessToken"].as_str().unwrap().to_string();
    let pasted = sim.issue_token();
    assert_eq!(room(&sim, Some(&token), ROOM, "").await.status, 200);
    assert_eq!(room(&sim, Some(&pasted), ROOM, "").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    room(&sim, Some(&token), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    room(&sim, Some(&pasted), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    assert_eq!(
        room(&sim, Some(&sim.issue_token()), ROOM, "").await.status,
        200
    );
}

#[tokio::test]
async fn expire_all_tokens_kills_only_existing_tokens() {
    let sim = blank_sim().await;
    let a = sim.issue_token();
    let b = wire_token(&sim).await;
    assert_eq!(room(&sim, Some(&a), ROOM, "").await.status, 200);
    sim.expire_all_tokens();
    room(&sim, Some(&a), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    room(&sim, Some(&b), ROOM, "")
        .await
        .assert_error(400, "InvalidAuthentication");
    let c = sim.issue_token();
    assert_ne!(a, c);
    assert_eq!(room(&sim, Some(&c), ROOM, "").await.status, 200);
}

// ------------------------------------------------------------------ record

#[tokio::test]
async fn records_every_request_but_not_admin_calls() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    let before = std::time::Instant::now();

    room(
        &sim,
        Some(&t),
        "%34%32%37%32%33%33%35%35%39",
        "?maxResults=10&nextToken=0",
    )
    .await;
    post_json(
        &sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "x"}),
    )
    .await;
    send(
        client()
            .post(format!("{}/v1.0/oauth2/accessToken", sim.base_url()))
            .form(&[("appKey", "k y")]),
    )
    .await;
    room(&sim, None, "abc", "?a=1&a=2&sp=a%20b").await;
    // Admin calls are not recorded.
    send(client().get(format!("{}/_sim/requests", sim.base_url()))).await;
    send(client().post(format!("{}/_sim/tokens", sim.base_url()))).await;
    send(client().get(format!("{}/_sim/nonsense", sim.base_url()))).await;

    let reqs = sim.requests();
    assert_eq!(reqs.len(), 4, "{reqs:#?}");

    let q = &reqs[0];
    assert_eq!(q.method, "GET");
    assert_eq!(
        q.path,
        "/v1.0/conference/roomCodes/%34%32%37%32%33%33%35%35%39/infos"
    );
    assert_eq!(
        q.query,
        vec![
            ("maxResults".into(), "10".into()),
            ("nextToken".into(), "0".into())
        ]
    );
    assert_eq!(q.query_param("maxResults"), Some("10"));
    assert_eq!(q.query_param("missing"), None);
    assert_eq!(q.access_token.as_deref(), Some(t.as_str()));
    assert_eq!(q.accept.as_deref(), Some("application/json"));
    assert_eq!(q.content_type, None);
    assert_eq!(q.body, None);
    assert!(q.is_room_query() && !q.is_token_call());
    assert_eq!(q.room_code().as_deref(), Some("427233559"));
    assert!(q.at >= before);

    let tok = &reqs[1];
    assert!(tok.is_token_call() && !tok.is_room_query());
    assert_eq!(tok.method, "POST");
    assert_eq!(
        tok.body,
        Some(json!({"appKey": "demo-app-key", "appSecret": "x"}))
    );
    assert!(tok
        .content_type
        .as_deref()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(tok.access_token, None);

    let form = &reqs[2];
    assert_eq!(form.body, Some(Value::String("appKey=k+y".into())));
    assert_eq!(
        form.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );

    let odd = &reqs[3];
    assert_eq!(odd.query_param("a"), Some("1"));
    assert_eq!(odd.query.len(), 3);
    assert_eq!(odd.query_param("sp"), Some("a b"));
    assert!(odd.is_room_query());
    assert!(reqs.windows(2).all(|w| w[0].at <= w[1].at));

    sim.clear_requests();
    assert!(sim.requests().is_empty());
    room(&sim, Some(&t), ROOM, "").await;
    assert_eq!(sim.requests().len(), 1);
}
