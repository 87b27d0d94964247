//! Token fetch, cache, single flight, refresh once on InvalidAuthentication.

use std::time::Duration;

use dingtalk::{load_all, Client, Credentials, Cursor, ErrorKind, Secret};
use dingtalk_sim::{Fault, FaultRule, SimConfig, SimHandle, DEMO_ROOM, SEED_ROOM};
use tokio_util::sync::CancellationToken;

use super::common::*;

#[tokio::test]
async fn ten_concurrent_calls_share_one_token_call() {
    let sim = sim().await;
    let client = client(&sim);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.room_page(&room(DEMO_ROOM), 5, None).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(token_calls(&sim).len(), 1);
    let rooms = room_calls(&sim);
    assert_eq!(rooms.len(), 10);
    let first = rooms[0].access_token.clone();
    assert!(
        rooms.iter().all(|r| r.access_token == first),
        "all used the one token"
    );
    assert_eq!(client.stats().token_calls, 1);
}

#[tokio::test]
async fn token_expiring_mid_paging_is_refreshed_exactly_once() {
    let sim = sim().await;
    let client = client(&sim);
    // The 3rd room query finds every token expired.
    sim.add_fault(
        FaultRule::once(Fault::ExpireToken)
            .for_room(DEMO_ROOM)
            .after_requests(2),
    );
    let mut cursor = Cursor::new(room(DEMO_ROOM), 10);
    let mut n = 0;
    load_all(&client, &mut cursor, &CancellationToken::new(), |p, _| {
        n += p.items.len()
    })
    .await
    .unwrap();
    assert_eq!(n, 45);
    assert_eq!(token_calls(&sim).len(), 2, "one initial token, one refresh");
    let rooms = room_calls(&sim);
    assert_eq!(rooms.len(), 6, "5 pages + the one refused call");
    assert_ne!(
        rooms[2].access_token, rooms[3].access_token,
        "the refused call was repeated with the new token"
    );
    assert_eq!(rooms[2].query, rooms[3].query, "same page asked again");
}

#[tokio::test]
async fn refreshed_token_refused_again_fails_with_auth_without_looping() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(FaultRule::new(Fault::ExpireToken));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.code(), Some("InvalidAuthentication"));
    assert_eq!(e.http_status(), Some(400));
    assert_eq!(token_calls(&sim).len(), 2);
    assert_eq!(room_calls(&sim).len(), 2);
}

#[tokio::test]
async fn pasted_token_cannot_refresh() {
    let sim = sim().await;
    let token = sim.issue_token();
    let client = Client::new(
        fast_config(&sim),
        Credentials::AccessToken(Secret::new(token.clone())),
    )
    .unwrap();
    client.check_credentials().await.unwrap();
    assert!(
        sim.requests().is_empty(),
        "checking a pasted token makes no call"
    );
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    sim.expire_all_tokens();
    let e = client
        .room_page(&room(SEED_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(room_calls(&sim).len(), 2);
    assert!(token_calls(&sim).is_empty());
    assert!(
        !format!("{e} {e:?} {client:?}").contains(&token),
        "the token never shows up in errors"
    );
}

#[tokio::test]
async fn bad_app_secret_is_auth_and_never_printed() {
    let sim = sim().await;
    let creds = Credentials::InternalApp {
        app_key: "demo-app-key".into(),
        app_secret: Secret::new("wrong-secret-123"),
    };
    let client = Client::new(fast_config(&sim), creds.clone()).unwrap();
    let e = client.check_credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.code(), Some("invalidClientIdOrSecret"));
    let e = client
        .room_page(&room(DEMO_ROOM), 10, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(
        token_calls(&sim).len(),
        2,
        "not retried; one try per user action"
    );
    assert!(room_calls(&sim).is_empty(), "no room call without a token");
    let printed = format!("{e} {e:?} {creds:?} {client:?}");
    assert!(!printed.contains("wrong-secret-123"), "{printed}");
}

#[tokio::test]
async fn third_party_flow_and_ticket_update() {
    let sim = sim().await;
    let client = Client::new(fast_config(&sim), suite_creds("old-ticket")).unwrap();
    let e = client.check_credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.code(), Some("invalidSuiteTicket"));
    assert!(!format!("{e:?}").contains("old-ticket"));

    // The newly pushed ticket, in a new client.
    let client = Client::new(fast_config(&sim), suite_creds("demo-suite-ticket")).unwrap();
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    let toks = token_calls(&sim);
    assert_eq!(toks.len(), 2);
    assert_eq!(toks[1].path, "/v1.0/oauth2/corpAccessToken");
    assert_eq!(
        toks[1].body,
        Some(serde_json::json!({
            "suiteKey": "demo-suite-key",
            "suiteSecret": "demo-suite-secret",
            "authCorpId": "demo-corp-id",
            "suiteTicket": "demo-suite-ticket",
        }))
    );
    // Wrong suite key, wrong corp → auth too.
    for (suite_key, auth_corp_id, code) in [
        ("other-suite", "demo-corp-id", "invalidSuiteKey"),
        ("demo-suite-key", "other-corp", "invalidAuthInfo"),
    ] {
        let creds = Credentials::ThirdParty {
            suite_key: suite_key.into(),
            suite_secret: Secret::new("demo-suite-secret"),
            auth_corp_id: auth_corp_id.into(),
            suite_ticket: Secret::new("demo-suite-ticket"),
        };
        let client = Client::new(fast_config(&sim), creds).unwrap();
        let e = client.check_credentials().await.unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Auth, Some(code)));
    }
}

#[tokio::test]
async fn a_token_shorter_lived_than_believed_is_refreshed_once_when_refused() {
    // The server says `expireIn: 2`; the client believes at least MIN_TOKEN_TTL (60 s), so a
    // server cannot make it fetch a token per call. When the token does die early, DingTalk
    // refuses it once and the client fetches a new one and repeats the call.
    // (Refreshing ahead of expiry is unit-tested in token.rs.)
    let sim = SimHandle::start(SimConfig {
        token_ttl: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client(&sim);
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    assert_eq!(token_calls(&sim).len(), 1, "cached");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    assert_eq!(token_calls(&sim).len(), 2);
    assert_eq!(
        room_calls(&sim).len(),
        4,
        "one refused call, then the repeat"
    );
}
