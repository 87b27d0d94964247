//! The simulator's clock over the wire: a booked meeting goes live (and ends) on cue.

mod common;

use common::*;
use dingtalk_sim::*;
use serde_json::{json, Value};
use std::time::Duration;

const T: i64 = 1_796_000_000_000;
const MIN: i64 = 60_000;

async fn first_page(sim: &SimHandle, room_code: &str) -> Vec<Value> {
    let t = sim.issue_token();
    let r = room(sim, Some(&t), room_code, "?maxResults=100").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["conferenceList"].as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|m| m["conferenceId"] == id)
        .unwrap_or_else(|| panic!("{id} in {list:?}"))
}

#[tokio::test]
async fn a_booked_meeting_goes_live_when_the_clock_passes_its_start_and_ends_at_its_planned_end() {
    let sim = blank_sim().await;
    sim.set_now(T);
    sim.set_room(
        "123123123",
        vec![
            json!({"conferenceId": "booked", "status": 0, "startTime": T + 15 * MIN,
                   "simEndsAt": T + 45 * MIN, "bizType": "3", "title": "Client call"}),
            json!({"conferenceId": "past-booked", "status": 0, "startTime": T - 60 * MIN}),
            json!({"conferenceId": "ended", "status": 1, "startTime": T - 120 * MIN,
                   "endTime": T - 90 * MIN, "confDuration": 30 * MIN}),
        ],
    );
    let list = first_page(&sim, "123123123").await;
    let b = find(&list, "booked");
    assert_eq!(b["status"], 0);
    assert!(
        b.get("simEndsAt").is_none(),
        "the planned end is the simulator's own"
    );
    assert!(b.get("endTime").is_none());

    // The clock stays where it was put.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(sim.now_ms(), T);

    sim.advance(Duration::from_secs(15 * 60));
    let list = first_page(&sim, "123123123").await;
    assert_eq!(find(&list, "booked")["status"], 2, "live on cue");
    // A meeting placed with its start already past is served as given.
    assert_eq!(find(&list, "past-booked")["status"], 0);
    assert_eq!(find(&list, "ended")["status"], 1);

    sim.advance(Duration::from_secs(30 * 60));
    let list = first_page(&sim, "123123123").await;
    let b = find(&list, "booked");
    assert_eq!(b["status"], 1);
    assert_eq!(b["endTime"], T + 45 * MIN);
    assert_eq!(b["confDuration"], 30 * MIN);
    assert_eq!(b["title"], "Client call", "the rest as placed");

    // Back in time (a test of a clock change): not started again.
    sim.set_now(T);
    assert_eq!(
        find(&first_page(&sim, "123123123").await, "booked")["status"],
        0
    );
}

#[tokio::test]
async fn the_demo_data_is_placed_around_the_configured_clock_and_its_booked_meeting_goes_live() {
    let sim = SimHandle::start(SimConfig {
        clock: SimClock::fixed_at(T),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let list = first_page(&sim, DEMO_ROOM).await;
    let live: Vec<&Value> = list.iter().filter(|m| m["status"] == 2).collect();
    assert_eq!(live.len(), 1);
    let age = T - live[0]["startTime"].as_i64().unwrap();
    assert!(
        (11 * MIN..=13 * MIN).contains(&age),
        "live {age} ms before the clock"
    );
    let booked: Vec<Value> = list.iter().filter(|m| m["status"] == 0).cloned().collect();
    assert_eq!(booked.len(), 1);
    let start = booked[0]["startTime"].as_i64().unwrap();
    assert!(start > T);
    let id = booked[0]["conferenceId"].as_str().unwrap().to_owned();

    sim.set_now(start);
    let list = first_page(&sim, DEMO_ROOM).await;
    assert_eq!(find(&list, &id)["status"], 2);
    assert_eq!(list.iter().filter(|m| m["status"] == 2).count(), 2);

    sim.set_now(start + DESIGN_REVIEW_MINUTES * MIN);
    let b = find(&first_page(&sim, DEMO_ROOM).await, &id).clone();
    assert_eq!(b["status"], 1);
    assert_eq!(b["confDuration"], DESIGN_REVIEW_MINUTES * MIN);
}

#[tokio::test]
async fn a_running_clock_can_be_shifted_and_put_back() {
    let sim = blank_sim().await;
    let real = chrono::Utc::now().timestamp_millis();
    assert!((sim.now_ms() - real).abs() < 5_000, "real time by default");
    assert!(!sim.clock().is_fixed());
    sim.advance(Duration::from_secs(3600));
    let shifted = sim.now_ms() - chrono::Utc::now().timestamp_millis();
    assert!((3_595_000..=3_605_000).contains(&shifted), "{shifted}");
    assert!(!sim.clock().is_fixed(), "still running");
    sim.set_clock(SimClock::real_time());
    assert!((sim.now_ms() - chrono::Utc::now().timestamp_millis()).abs() < 5_000);
}

#[tokio::test]
async fn the_clock_control_endpoint_sets_advances_and_reports() {
    let sim = blank_sim().await;
    // Placed against the real clock: booked for tomorrow.
    let t = sim.now_ms() + 86_400_000;
    sim.set_room(
        "123123123",
        vec![json!({"conferenceId": "b", "status": 0, "startTime": t + MIN})],
    );
    let r = post_json(&sim, "/_sim/clock", json!({"nowMs": t})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"ok": true, "nowMs": t, "fixed": true}));
    assert_eq!(first_page(&sim, "123123123").await[0]["status"], 0);

    let r = post_json(&sim, "/_sim/clock", json!({"advanceMs": MIN})).await;
    assert_eq!(r.json()["nowMs"], t + MIN);
    assert_eq!(first_page(&sim, "123123123").await[0]["status"], 2);

    let got = send(client().get(format!("{}/_sim/clock", sim.base_url()))).await;
    assert_eq!(
        got.json(),
        json!({"ok": true, "nowMs": t + MIN, "fixed": true})
    );

    for bad in [
        json!({}),
        json!({"nowMs": t, "advanceMs": 1}),
        json!({"advanceMs": -5}),
        json!({"realTime": false}),
        json!({"nowMs": "soon"}),
        json!({"jump": 1}),
    ] {
        let r = post_json(&sim, "/_sim/clock", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.json()["ok"], false);
    }
    assert_eq!(sim.now_ms(), t + MIN, "a refused command changes nothing");

    let r = post_json(&sim, "/_sim/clock", json!({"realTime": true})).await;
    assert_eq!(r.json()["fixed"], false);
    // The admin routes are not recorded as DingTalk calls.
    assert!(sim.requests().iter().all(|q| !q.path.starts_with("/_sim")));
}

#[tokio::test]
async fn moving_the_clock_does_not_expire_tokens() {
    let sim = blank_sim().await;
    let t = sim.issue_token();
    sim.advance(Duration::from_secs(30 * 86_400));
    let r = room(&sim, Some(&t), "123123123", "").await;
    assert_eq!(r.status, 200, "{}", r.text);
}
