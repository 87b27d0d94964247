//! What goes on the wire: method, path, headers, query.

use dingtalk::{BizType, Client, ClientConfig, Credentials, Cursor, ErrorKind, RoomCode, Status};
use dingtalk_sim::{DEMO_ROOM, EMPTY_ROOM, HOSTILE_ROOM, SEED_ROOM};

use super::common::*;

#[tokio::test]
async fn raw_token_accept_and_no_next_token_on_the_first_page() {
    let sim = sim().await;
    let token = sim.issue_token();
    let client = Client::new(
        fast_config(&sim),
        Credentials::AccessToken(token.clone().into()),
    )
    .unwrap();
    let page = client.room_page(&room(DEMO_ROOM), 20, None).await.unwrap();
    assert_eq!(page.conference_list.len(), 20);
    let next = page.next_token.clone().expect("45 meetings: more pages");

    client
        .room_page(&room(DEMO_ROOM), 20, Some(&next))
        .await
        .unwrap();

    let reqs = sim.requests();
    assert_eq!(reqs.len(), 2, "a pasted token makes no token call");
    let first = &reqs[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/v1.0/conference/roomCodes/427233559/infos");
    assert_eq!(
        first.access_token.as_deref(),
        Some(token.as_str()),
        "the raw token, not JSON-quoted"
    );
    assert_eq!(first.accept.as_deref(), Some("application/json"));
    assert_eq!(
        first.query,
        vec![("maxResults".to_owned(), "20".to_owned())],
        "no nextToken on the first page"
    );
    assert_eq!(first.body, None);
    let second = &reqs[1];
    assert_eq!(
        second.query,
        vec![
            ("maxResults".to_owned(), "20".to_owned()),
            ("nextToken".to_owned(), next.clone())
        ],
        "nextToken passed back exactly"
    );
}

#[tokio::test]
async fn internal_app_token_call_then_room_call_with_that_token() {
    let sim = sim().await;
    let client = client(&sim);
    client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 2);
    let tok = &reqs[0];
    assert_eq!(
        (tok.method.as_str(), tok.path.as_str()),
        ("POST", "/v1.0/oauth2/accessToken")
    );
    assert!(tok
        .content_type
        .as_deref()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        tok.body,
        Some(serde_json::json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}))
    );
    assert!(tok.access_token.is_none());
    assert!(reqs[1].is_room_query());
    let issued = reqs[1].access_token.clone().unwrap();
    assert_eq!(
        issued.len(),
        32,
        "the token the simulator issued, as is: {issued}"
    );
}

#[tokio::test]
async fn room_codes_cannot_change_the_path() {
    let sim = sim().await;
    let client = client(&sim);
    // Refused before any request.
    for bad in [
        "../x",
        "..",
        "427200331/../../oauth2/accessToken",
        "427200331?maxResults=1",
        "427200331#x",
        "%2e%2e",
        "4272%2F0033",
    ] {
        let e = RoomCode::parse(bad).expect_err(bad);
        assert_eq!(e.kind(), ErrorKind::InvalidRoomCode, "{bad}");
    }
    // What is accepted always lands in one path segment, digits only.
    for (input, digits) in [
        ("427-200-331", "427200331"),
        (" 4272 0033 559 ", "42720033559"),
        ("427\u{3000}200\u{00A0}331", "427200331"),
    ] {
        let rc = RoomCode::parse(input).unwrap();
        client.room_page(&rc, 5, None).await.unwrap();
        let last = room_calls(&sim).pop().unwrap();
        assert_eq!(
            last.path,
            format!("/v1.0/conference/roomCodes/{digits}/infos")
        );
        assert_eq!(last.room_code().as_deref(), Some(digits));
    }
    assert_eq!(room_calls(&sim).len(), 3, "refused codes cost no call");
}

#[tokio::test]
async fn demo_room_models() {
    let sim = sim().await;
    let client = client(&sim);
    let page = client.room_page(&room(DEMO_ROOM), 100, None).await.unwrap();
    assert_eq!(page.total_count, Some(45));
    assert_eq!(page.has_more, Some(false));
    assert!(page.next_token.is_none());
    let ms = &page.conference_list;
    assert_eq!(ms.len(), 45);
    let count = |s: Status| ms.iter().filter(|m| m.status == Some(s)).count();
    assert_eq!(count(Status::Live), 1);
    assert_eq!(count(Status::NotStarted), 1);
    assert_eq!(count(Status::Unknown(7)), 1, "unknown status kept");
    assert!(ms.iter().any(|m| m.biz_type == Some(BizType::Audio)));
    assert!(ms.iter().any(|m| m.biz_type == Some(BizType::Booked)));
    assert!(ms
        .iter()
        .any(|m| matches!(&m.biz_type, Some(BizType::Unknown(s)) if s == "video_x")));
    let live = ms.iter().find(|m| m.status == Some(Status::Live)).unwrap();
    assert!(live.start_time.is_some() && live.end_time.is_none() && live.conf_duration.is_none());
    for m in ms.iter().filter(|m| m.status == Some(Status::Ended)) {
        assert!(
            m.conf_duration.unwrap_or(0) > 0,
            "ended meetings carry a duration: {m:?}"
        );
    }
}

#[tokio::test]
async fn seed_room_is_the_doc_example() {
    let sim = sim().await;
    let client = client(&sim);
    let page = client.room_page(&room(SEED_ROOM), 10, None).await.unwrap();
    let m = &page.conference_list[0];
    assert_eq!(m.conf_duration, Some(1_000_000));
    assert!(
        m.end_time < m.start_time,
        "the doc's example, end before start"
    );
    assert_eq!(m.status, Some(Status::Ended));
    assert_eq!(m.biz_type, Some(BizType::Instant));
    assert_eq!(m.creator_nick.as_deref(), Some("John"));
}

#[tokio::test]
async fn hostile_and_empty_rooms() {
    let sim = sim().await;
    let client = client(&sim);
    let page = client
        .room_page(&room(HOSTILE_ROOM), 50, None)
        .await
        .unwrap();
    assert_eq!(page.conference_list.len(), 9);
    assert!(
        page.conference_list
            .iter()
            .any(|m| m.title.as_deref() == Some("<img src=x onerror=alert(1)>")),
        "kept verbatim"
    );
    assert!(page
        .conference_list
        .iter()
        .any(|m| m.external_link_url.as_deref() == Some("javascript:alert(1)")));

    let mut cursor = Cursor::new(room(EMPTY_ROOM), 20);
    let p = cursor.next_page(&client).await.unwrap().unwrap();
    assert!(p.items.is_empty() && !p.has_more);
    assert!(cursor.is_done());
    assert!(cursor.next_page(&client).await.unwrap().is_none());
    assert_eq!(room_calls(&sim).len(), 2);
}

#[tokio::test]
async fn config_rules_and_trailing_slash() {
    // http:// to anything but loopback is refused with a config error saying what to do.
    for bad in [
        "http://api.dingtalk.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
    ] {
        let e = ClientConfig::new(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("https://"), "{e}");
    }
    let sim = sim().await;
    let c = ClientConfig::new(&format!("{}/", sim.base_url())).unwrap();
    let client = Client::new(c, Credentials::AccessToken(sim.issue_token().into())).unwrap();
    client.room_page(&room(SEED_ROOM), 1, None).await.unwrap();
    assert_eq!(
        room_calls(&sim)[0].path,
        "/v1.0/conference/roomCodes/427200331/infos",
        "trailing slash in host is fine"
    );
}
