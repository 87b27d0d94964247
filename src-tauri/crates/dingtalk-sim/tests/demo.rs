//! Demo data invariants: what the app's demo mode and other crates' tests rely on.

mod common;

use chrono::{Local, TimeZone};
use common::*;
use dingtalk_sim::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn by_status(list: &[Value], status: i64) -> Vec<&Value> {
    list.iter().filter(|m| m["status"] == status).collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn demo_room_invariants() {
    let before = now_ms();
    let sim = demo_sim().await;
    let t = sim.issue_token();
    let (list, pages) = load_all(&sim, &t, DEMO_ROOM, 20, 10).await;
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["totalCount"], 45);
    assert_eq!(list.len(), 45);

    // Newest first, unique ids.
    let starts: Vec<i64> = list
        .iter()
        .map(|m| m["startTime"].as_i64().unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] >= w[1]),
        "sorted by startTime desc"
    );
    let ids: HashSet<&str> = list
        .iter()
        .map(|m| m["conferenceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 45);

    // Exactly one live meeting, started ~12 minutes ago, not ended.
    let live = by_status(&list, 2);
    assert_eq!(live.len(), 1);
    let live = live[0];
    let age = before - live["startTime"].as_i64().unwrap();
    assert!(
        (11 * 60_000..=13 * 60_000 + 5_000).contains(&age),
        "live started {age} ms ago"
    );
    assert!(live.get("endTime").is_none() && live.get("confDuration").is_none());
    assert_eq!(live["bizType"], "3");

    // Exactly one not started, in the future, today when possible.
    let booked = by_status(&list, 0);
    assert_eq!(booked.len(), 1);
    let b = booked[0];
    let start = b["startTime"].as_i64().unwrap();
    assert!(start > before && start <= now_ms() + 2 * 3_600_000);
    assert_eq!(b["bizType"], "3");
    assert!(b.get("endTime").is_none());
    let local_start = Local.timestamp_millis_opt(start).unwrap();
    let now = Local::now();
    let to_midnight = now
        .date_naive()
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        - now.naive_local();
    if to_midnight > chrono::Duration::seconds(10) {
        assert_eq!(
            local_start.date_naive(),
            now.date_naive(),
            "booked meeting is today"
        );
    }

    // The weekly series: 40 ended instances + the live one, same schedule id, 7 days apart.
    let sched = live["scheduleConferenceId"].as_str().unwrap();
    let series: Vec<&Value> = list
        .iter()
        .filter(|m| m["scheduleConferenceId"] == sched)
        .collect();
    assert_eq!(series.len(), 41);
    assert!(series
        .iter()
        .all(|m| m["title"] == live["title"] && m["creatorNick"] == "张伟" && m["bizType"] == "3"));
    assert_eq!(series.iter().filter(|m| m["status"] == 1).count(), 40);
    for w in series.windows(2) {
        let gap = w[0]["startTime"].as_i64().unwrap() - w[1]["startTime"].as_i64().unwrap();
        assert!(
            (gap - 7 * 86_400_000).abs() <= 3_600_000,
            "weekly gap {gap}"
        );
    }

    // Every ended meeting is self-consistent.
    for m in by_status(&list, 1) {
        let (s, e, d) = (
            m["startTime"].as_i64().unwrap(),
            m["endTime"].as_i64().unwrap(),
            m["confDuration"].as_i64().unwrap(),
        );
        assert_eq!(e - s, d, "{m}");
        assert!(e <= now_ms(), "ended in the past: {m}");
    }

    // Unknown and less common values are present.
    let audio: Vec<&Value> = list
        .iter()
        .filter(|m| m["bizType"] == "audio_conf")
        .collect();
    assert_eq!(audio.len(), 1);
    assert_eq!(audio[0]["creatorNick"], "Emily Chen");
    assert_eq!(audio[0]["status"], 1);
    let a_start = Local
        .timestamp_millis_opt(audio[0]["startTime"].as_i64().unwrap())
        .unwrap();
    assert_eq!(
        a_start.date_naive(),
        Local.timestamp_millis_opt(before).unwrap().date_naive(),
        "audio meeting is today"
    );
    let instant: Vec<&Value> = list.iter().filter(|m| m["bizType"] == "0").collect();
    assert_eq!(instant.len(), 1);
    let i_start = Local
        .timestamp_millis_opt(instant[0]["startTime"].as_i64().unwrap())
        .unwrap();
    assert_eq!(
        Some(i_start.date_naive()),
        Local
            .timestamp_millis_opt(before)
            .unwrap()
            .date_naive()
            .pred_opt(),
        "instant meeting is yesterday"
    );
    let unknown: Vec<&Value> = list.iter().filter(|m| m["status"] == 7).collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["bizType"], "video_x");

    // Links and ids look like the real thing.
    for m in &list {
        let link = m["externalLinkUrl"].as_str().unwrap();
        assert!(
            link.starts_with("https://meeting.dingtalk.com/app?roomCode=427233559&token="),
            "{link}"
        );
        assert_eq!(m["roomCode"], DEMO_ROOM);
        assert!(m["creatorId"].as_str().unwrap().len() >= 10);
    }
    // Mixed scripts in titles and hosts.
    assert!(list.iter().any(|m| m["title"].as_str().unwrap().is_ascii()));
    assert!(list
        .iter()
        .any(|m| !m["creatorNick"].as_str().unwrap().is_ascii()));
}

#[tokio::test]
async fn seed_empty_and_hostile_rooms() {
    let sim = demo_sim().await;
    let t = sim.issue_token();

    let seed = room(&sim, Some(&t), SEED_ROOM, "").await.json();
    assert_eq!(seed["totalCount"], 1);
    assert_eq!(
        seed["conferenceList"][0],
        json!({
            "conferenceId": "6323dxxxxx",
            "title": "Title",
            "roomCode": "4272xxxxx",
            "externalLinkUrl": "https://meeting.dingtalk.io/app?roomCode=42726xxx&token=1_7ac9xxx",
            "status": 1,
            "startTime": 1664175001000_i64,
            "endTime": 1663294270000_i64,
            "confDuration": 1000000,
            "creatorId": "2iPOLxxxxx",
            "creatorNick": "John",
            "scheduleConferenceId": "4331d******",
            "bizType": "0"
        })
    );

    let empty = room(&sim, Some(&t), EMPTY_ROOM, "").await.json();
    assert_eq!(
        empty,
        json!({"hasMore": false, "totalCount": 0, "conferenceList": []})
    );

    let hostile = room(&sim, Some(&t), HOSTILE_ROOM, "?maxResults=100")
        .await
        .json();
    let list = hostile["conferenceList"].as_array().unwrap();
    assert_eq!(list.len(), 9);
    let strings: Vec<&str> = list
        .iter()
        .flat_map(|m| {
            [
                m["title"].as_str().unwrap(),
                m["creatorNick"].as_str().unwrap(),
                m["externalLinkUrl"].as_str().unwrap(),
            ]
        })
        .collect();
    for needle in [
        "<img src=x onerror=alert(1)>",
        "=HYPERLINK(\"http://evil\",\"x\")",
        "+1+1",
        "-2",
        "@SUM(A1)",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://evil.example.com/app",
    ] {
        assert!(strings.contains(&needle), "missing {needle}");
    }
    assert!(strings
        .iter()
        .any(|s| s.contains(',') && s.contains('"') && s.contains('\n')));
}

#[tokio::test]
async fn large_rooms() {
    let sim = demo_sim().await;
    let t = sim.issue_token();
    for (code, n) in [(LARGE_ROOM_5K, 5_000usize), (LARGE_ROOM_10K, 10_000)] {
        let first = room(&sim, Some(&t), code, "?maxResults=1").await.json();
        assert_eq!(first["totalCount"], n);
        assert_eq!(first["nextToken"], "1");
        let last = room(
            &sim,
            Some(&t),
            code,
            &format!("?maxResults=500&nextToken={}", n - 1),
        )
        .await
        .json();
        assert_eq!(last["conferenceList"].as_array().unwrap().len(), 1);
        assert_eq!(last["hasMore"], false);
        assert!(last.get("nextToken").is_none());
    }
    // Load all 10,000: ids unique, strictly older on each step, all ended, pages stable.
    let started = Instant::now();
    let (all, pages) = load_all(&sim, &t, LARGE_ROOM_10K, 500, 25).await;
    eprintln!("10k room loaded in {:?}", started.elapsed());
    assert_eq!(pages.len(), 20);
    assert_eq!(all.len(), 10_000);
    let ids: HashSet<&str> = all
        .iter()
        .map(|m| m["conferenceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 10_000);
    assert!(all
        .windows(2)
        .all(|w| w[0]["startTime"].as_i64() > w[1]["startTime"].as_i64()));
    assert!(all
        .iter()
        .all(|m| m["status"] == 1 && m["endTime"].as_i64().unwrap() < now_ms()));
    let again = room(
        &sim,
        Some(&t),
        LARGE_ROOM_10K,
        "?maxResults=500&nextToken=500",
    )
    .await
    .json();
    assert_eq!(
        again["conferenceList"][0], all[500],
        "generated pages are deterministic"
    );
}

#[tokio::test]
async fn start_up_is_fast_and_demo_data_can_be_off() {
    let t0 = Instant::now();
    let sim = demo_sim().await;
    let took = t0.elapsed();
    eprintln!("start-up with demo data: {took:?}");
    // The target is well under 100 ms; the bound is loose because CI machines are shared.
    assert!(took < Duration::from_millis(500), "start-up took {took:?}");

    let blank = blank_sim().await;
    let t = blank.issue_token();
    for code in [DEMO_ROOM, SEED_ROOM, LARGE_ROOM_10K, HOSTILE_ROOM] {
        assert_eq!(
            room(&blank, Some(&t), code, "").await.json()["totalCount"],
            0
        );
    }
    drop(sim);
}

#[test]
fn start_blocking_serves_without_a_runtime_and_shuts_down() {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    let sim = SimHandle::start_blocking(SimConfig::default()).unwrap();
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    let token = sim.issue_token();
    let get = |path: &str| -> String {
        let mut s = TcpStream::connect(sim.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nx-acs-dingtalk-access-token: {token}\r\nConnection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let resp = get(&format!(
        "/v1.0/conference/roomCodes/{DEMO_ROOM}/infos?maxResults=1"
    ));
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.to_ascii_lowercase().contains("x-acs-request-id:"));
    assert!(resp.contains("\"totalCount\":45"), "{resp}");
    assert_eq!(sim.requests().len(), 1);

    let clone = sim.clone();
    clone.shutdown();
    let deadline = Instant::now() + Duration::from_secs(3);
    while TcpStream::connect(sim.addr()).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after shutdown");
        std::thread::sleep(Duration::from_millis(20));
    }
}
