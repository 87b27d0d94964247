//! The background watcher against the simulator and its clock: the watcher's `now` and the
//! simulator's are moved together, so a booked meeting goes live on cue.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone};
use dingtalk::{Client, ClientConfig, Credentials, Secret};
use dingtalk_sim::{SimClock, SimConfig, SimHandle};
use meetdesk_core::cache::{Bounds, Cache};
use meetdesk_core::catalog::Lang;
use meetdesk_core::refresh::Reason;
use meetdesk_core::reminder::{ReminderKind, ReminderPrefs};
use meetdesk_core::tray::{TrayAction, TrayItem};
use meetdesk_core::watch::WatchedRoom;
use meetdesk_core::watcher::{Inputs, SharedCache, Watcher};
use serde_json::json;

const MIN: i64 = 60_000;
const ROOM: &str = "123123123";
const OTHER: &str = "456456456";
const PROFILE: &str = "http://sim internalApp dingdemo";

/// 2026-12-10 09:00 at UTC+8.
fn t0() -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 12, 10, 9, 0, 0)
        .unwrap()
}

fn at(minutes: i64) -> DateTime<FixedOffset> {
    t0() + chrono::Duration::minutes(minutes)
}

struct World {
    sim: SimHandle,
    client: Client,
}

async fn world() -> World {
    let sim = SimHandle::start(SimConfig {
        demo_data: false,
        clock: SimClock::fixed_at(t0().timestamp_millis()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = Client::new(
        ClientConfig::new(&sim.base_url()).unwrap(),
        Credentials::AccessToken(Secret::new(sim.issue_token())),
    )
    .unwrap();
    let t = t0().timestamp_millis();
    sim.set_room(
        ROOM,
        vec![
            json!({"conferenceId": "booked", "status": 0, "startTime": t + 30 * MIN,
                   "simEndsAt": t + 75 * MIN, "title": "Client call",
                   "externalLinkUrl": "https://meeting.dingtalk.com/j/abc"}),
            json!({"conferenceId": "old", "status": 1, "startTime": t - 120 * MIN,
                   "endTime": t - 90 * MIN, "confDuration": 30 * MIN}),
        ],
    );
    sim.set_room(OTHER, vec![]);
    World { sim, client }
}

impl World {
    /// Move the simulator's clock to `now` (the watcher gets the same `now`).
    fn set(&self, now: &DateTime<FixedOffset>) {
        self.sim.set_now(now.timestamp_millis());
    }

    fn room_calls(&self) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.is_room_query())
            .count()
    }
}

fn rooms() -> Vec<WatchedRoom> {
    vec![
        WatchedRoom::new("Client room", ROOM).unwrap(),
        WatchedRoom::new("Empty room", OTHER).unwrap(),
    ]
}

fn inputs(client: &Client) -> Inputs {
    Inputs {
        rooms: rooms(),
        client: Some(client.clone()),
        profile: PROFILE.into(),
        reminders: ReminderPrefs {
            on: true,
            minutes: 5,
        },
        monthly_budget: 5_000,
        page_size: 20,
        lang: Lang::En,
    }
}

fn open_cache(dir: &Path) -> SharedCache {
    let opened = Cache::open(&dir.join("cache.db"), Bounds::default()).unwrap();
    Arc::new(Mutex::new(opened.cache))
}

fn kinds(tick: &meetdesk_core::watcher::Tick) -> Vec<(ReminderKind, String)> {
    tick.notifications
        .iter()
        .map(|d| (d.kind, d.conference_id.clone()))
        .collect()
}

#[tokio::test]
async fn a_booked_meeting_reminds_before_then_live_once_even_after_a_restart() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = Watcher::with_cache(open_cache(dir.path()));
    let input = inputs(&w.client);

    w.set(&at(0));
    let tick = watcher.tick(&input, &at(0)).await;
    assert_eq!(w.room_calls(), 2, "the first round reads every room");
    assert!(
        tick.notifications.is_empty(),
        "30 minutes away: nothing yet"
    );
    let h = tick.rooms[0].headline.as_ref().expect("a next meeting");
    assert!(!h.is_live());

    // 5 minutes before: one "starting" reminder with the start time in its title.
    w.set(&at(25));
    let tick = watcher.tick(&input, &at(25)).await;
    assert_eq!(kinds(&tick), [(ReminderKind::Starting, "booked".into())]);
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    assert_eq!(
        tick.notifications[0].title(Lang::En, &zone),
        "At 09:30 in Client room"
    );
    w.set(&at(26));
    assert!(watcher.tick(&input, &at(26)).await.notifications.is_empty());

    // It goes live on the simulator's clock: one "live" reminder, not again on the next tick.
    w.set(&at(30));
    let tick = watcher.tick(&input, &at(30)).await;
    assert_eq!(kinds(&tick), [(ReminderKind::Live, "booked".into())]);
    assert!(tick.rooms[0].headline.as_ref().unwrap().is_live());
    w.set(&at(31));
    assert!(watcher.tick(&input, &at(31)).await.notifications.is_empty());
    drop(watcher);

    // A restart: a new watcher on the same file reads the room again and stays quiet.
    let mut again = Watcher::with_cache(open_cache(dir.path()));
    w.set(&at(32));
    let tick = again.tick(&input, &at(32)).await;
    assert!(tick.rooms[0].headline.as_ref().unwrap().is_live());
    assert!(tick.notifications.is_empty(), "{:?}", kinds(&tick));
}

#[tokio::test]
async fn without_a_cache_reminders_still_fire_once_in_the_run() {
    let w = world().await;
    let mut watcher = Watcher::new();
    let input = inputs(&w.client);
    w.set(&at(30));
    let tick = watcher.tick(&input, &at(30)).await;
    assert_eq!(kinds(&tick), [(ReminderKind::Live, "booked".into())]);
    w.set(&at(31));
    assert!(watcher.tick(&input, &at(31)).await.notifications.is_empty());
    // Reminders off: nothing, even for a new meeting.
    let off = Inputs {
        reminders: ReminderPrefs {
            on: false,
            minutes: 5,
        },
        ..inputs(&w.client)
    };
    let mut fresh = Watcher::new();
    assert!(fresh.tick(&off, &at(31)).await.notifications.is_empty());
}

#[tokio::test]
async fn a_restart_paints_from_the_cache_before_any_call() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = Watcher::with_cache(open_cache(dir.path()));
    w.set(&at(0));
    watcher.tick(&inputs(&w.client), &at(0)).await;
    drop(watcher);

    // Not set up any more (no client): the cached meetings still give the headline.
    let mut again = Watcher::with_cache(open_cache(dir.path()));
    let offline = Inputs {
        client: None,
        ..inputs(&w.client)
    };
    let before = w.room_calls();
    let tick = again.tick(&offline, &at(1)).await;
    assert_eq!(w.room_calls(), before);
    let state = &tick.rooms[0];
    assert_eq!(state.fetched_at, Some(at(0).timestamp_millis()));
    assert_eq!(
        state
            .headline
            .as_ref()
            .unwrap()
            .row()
            .meeting
            .conference_id
            .as_deref(),
        Some("booked")
    );
}

#[tokio::test]
async fn rounds_follow_the_plan_and_every_call_is_counted_for_the_month() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = open_cache(dir.path());
    let mut watcher = Watcher::with_cache(cache.clone());
    let input = inputs(&w.client);

    let tick = watcher.tick(&input, &at(0)).await;
    assert_eq!((tick.calls_this_month, w.room_calls()), (2, 2));
    // Quiet until 15 minutes before the booked meeting, and the plan says when.
    assert_eq!(tick.plan.reason, Reason::Regular { minutes: 5 });
    assert_eq!(tick.plan.at, Some(at(5).timestamp_millis()));
    // Ticks before the plan's time make no calls.
    let tick = watcher.tick(&input, &at(3)).await;
    assert_eq!((tick.calls_this_month, w.room_calls()), (2, 2));
    let tick = watcher.tick(&input, &at(5)).await;
    assert_eq!((tick.calls_this_month, w.room_calls()), (4, 4));
    // From 09:15 on it is busy: every minute.
    let tick = watcher.tick(&input, &at(15)).await;
    assert_eq!(tick.plan.reason, Reason::Busy);
    assert_eq!(tick.plan.at, Some(at(16).timestamp_millis()));

    // The counter is the cache's, per month: a new watcher continues from it.
    let month = meetdesk_core::cache::Month::new(2026, 12).unwrap();
    assert_eq!(
        cache
            .lock()
            .unwrap()
            .calls_this_month(PROFILE, month)
            .unwrap(),
        6
    );
    drop(watcher);
    let mut again = Watcher::with_cache(cache.clone());
    let tick = again.tick(&input, &at(16)).await;
    assert_eq!(tick.calls_this_month, 8);
}

#[tokio::test]
async fn near_the_budget_rounds_slow_down_and_a_spent_budget_makes_no_calls() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = open_cache(dir.path());
    let month = meetdesk_core::cache::Month::new(2026, 12).unwrap();
    cache
        .lock()
        .unwrap()
        .add_calls(PROFILE, month, 4_999)
        .unwrap();
    let mut watcher = Watcher::with_cache(cache);
    let tick = watcher.tick(&inputs(&w.client), &at(0)).await;
    assert_eq!(w.room_calls(), 0, "one call left is not a round of two");
    assert_eq!(tick.plan.reason, Reason::BudgetSpent { budget: 5_000 });
    assert_eq!(tick.calls_this_month, 4_999);
}

#[tokio::test]
async fn offline_pauses_rounds_to_one_probe_and_the_first_answer_resumes_them() {
    let w = world().await;
    let mut watcher = Watcher::new();
    let mut config = ClientConfig::new("http://127.0.0.1:9").unwrap();
    config.request_timeout = Duration::from_secs(3);
    let dead = Client::new(config, Credentials::AccessToken(Secret::new("t"))).unwrap();

    let input = inputs(&w.client);
    watcher.tick(&input, &at(0)).await;
    assert_eq!(w.room_calls(), 2);

    let unreachable = Inputs {
        client: Some(dead),
        ..inputs(&w.client)
    };
    let tick = watcher.tick(&unreachable, &at(5)).await;
    assert!(!tick.online);
    assert_eq!(
        tick.calls_this_month, 3,
        "the round stopped at the first network error"
    );
    assert_eq!(tick.plan.reason, Reason::Offline { minutes: 5 });
    assert_eq!(tick.plan.calls, 1);
    assert_eq!(tick.plan.at, Some(at(10).timestamp_millis()));
    assert!(tick.rooms[0].error.is_some());
    assert!(
        tick.rooms[0].headline.is_some(),
        "what was known stays on screen"
    );
    // Nothing between probes.
    let tick = watcher.tick(&unreachable, &at(7)).await;
    assert_eq!(tick.calls_this_month, 3);

    // Reachable again: the probe answers, and the next plan is a whole round again.
    let tick = watcher.tick(&input, &at(10)).await;
    assert!(tick.online);
    assert_eq!(tick.calls_this_month, 4, "a probe is one call");
    assert_eq!(tick.plan.calls, 2);
    assert!(
        tick.rooms[0].error.is_none(),
        "the probed room is fine again"
    );
}

#[tokio::test]
async fn the_tray_menu_follows_the_rooms() {
    let w = world().await;
    let mut watcher = Watcher::new();
    let input = inputs(&w.client);
    let labels = |tray: &[TrayItem]| -> Vec<(String, String)> {
        tray.iter()
            .filter_map(|i| match i {
                TrayItem::Entry { id, label, .. } => Some((id.clone(), label.clone())),
                TrayItem::Separator => None,
            })
            .collect()
    };

    w.set(&at(0));
    let tick = watcher.tick(&input, &at(0)).await;
    let menu = labels(&tick.tray);
    assert_eq!(menu[0].0, TrayAction::Join(ROOM.parse_room()).id());
    assert!(
        menu[0].1.contains("Client call") && menu[0].1.contains("09:30"),
        "{menu:?}"
    );
    assert_eq!(menu.len(), 3, "one meeting, Open, Quit: {menu:?}");

    w.set(&at(30));
    let tick = watcher.tick(&input, &at(30)).await;
    let menu = labels(&tick.tray);
    assert!(menu[0].1.contains("live"), "{menu:?}");
    assert!(tick.headline_of(&ROOM.parse_room()).unwrap().is_live());

    // Unwatched: gone from the menu.
    let one = Inputs {
        rooms: vec![WatchedRoom::new("Empty room", OTHER).unwrap()],
        ..inputs(&w.client)
    };
    let tick = watcher.tick(&one, &at(31)).await;
    assert_eq!(tick.rooms.len(), 1);
    assert!(matches!(
        &tick.tray[0],
        TrayItem::Entry { enabled: false, .. }
    ));
}

trait ParseRoom {
    fn parse_room(&self) -> dingtalk::RoomCode;
}

impl ParseRoom for str {
    fn parse_room(&self) -> dingtalk::RoomCode {
        dingtalk::RoomCode::parse(self).unwrap()
    }
}

#[tokio::test]
async fn a_room_watched_between_rounds_is_read_at_once_and_alone() {
    let w = world().await;
    let mut watcher = Watcher::new();
    let one = Inputs {
        rooms: vec![WatchedRoom::new("Empty room", OTHER).unwrap()],
        ..inputs(&w.client)
    };
    watcher.tick(&one, &at(0)).await;
    assert_eq!(w.room_calls(), 1);
    // Two minutes later the user watches another room: it is read now, the other is not.
    let tick = watcher.tick(&inputs(&w.client), &at(2)).await;
    let calls = w.sim.requests();
    let rooms: Vec<_> = calls
        .iter()
        .filter(|r| r.is_room_query())
        .filter_map(|r| r.room_code())
        .collect();
    assert_eq!(rooms, [OTHER, ROOM]);
    assert!(
        tick.rooms[0].headline.is_some(),
        "its meeting shows at once"
    );
    assert_eq!(tick.calls_this_month, 2);
    // The round's schedule is unchanged: next at 09:05.
    assert_eq!(tick.plan.at, Some(at(5).timestamp_millis()));
    assert_eq!(
        watcher
            .tick(&inputs(&w.client), &at(3))
            .await
            .calls_this_month,
        2
    );
}

#[test]
fn demo_mode_watches_the_demo_rooms_until_the_user_watches_one() {
    use meetdesk_core::settings::Settings;
    use meetdesk_core::watcher::watched_rooms;
    let none = Settings::default();
    assert!(watched_rooms(&none, false, Lang::En).is_empty());
    let demo = watched_rooms(&none, true, Lang::ZhCn);
    assert_eq!(demo.len(), 4);
    assert_eq!(demo[0].room_code.as_str(), dingtalk_sim::DEMO_ROOM);
    let mine = Settings {
        watched: rooms(),
        ..Settings::default()
    };
    assert_eq!(watched_rooms(&mine, true, Lang::En), rooms());
}

/// CPU time this thread has run, in ms (Linux: /proc/thread-self/schedstat's first field, ns).
/// The test's runtime is single-threaded, so the simulator answering is counted too: an upper
/// bound of the watcher's own cost.
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

/// Not a test: prints the median CPU cost of a tick with 10 watched rooms, with and without a
/// round, for the idle-CPU figure in docs/watched-rooms.md. Run with
/// `cargo test -p meetdesk-core --test watcher -- --ignored --nocapture tick_cost`.
#[tokio::test]
#[ignore = "a measurement: prints medians"]
async fn tick_cost_with_ten_rooms() {
    let w = world().await;
    let t = t0().timestamp_millis();
    let ten: Vec<WatchedRoom> = (0..10)
        .map(|i| {
            let code = format!("77700000{i}");
            w.sim.set_room(
                &code,
                (0..20)
                    .map(|j| json!({"conferenceId": format!("m{i}-{j}"), "status": 1,
                        "startTime": t - (j + 1) * 60 * MIN, "endTime": t - (j + 1) * 60 * MIN + 30 * MIN,
                        "title": format!("Meeting {j}")}))
                    .collect(),
            );
            WatchedRoom::new(&format!("Room {i}"), &code).unwrap()
        })
        .collect();
    let input = Inputs {
        rooms: ten,
        ..inputs(&w.client)
    };
    // Memory: the resident set before the cache and the watcher exist (the simulator's rooms are
    // already built, in this same process) and after 11 rounds; an upper bound of what they add,
    // since the simulator's own per-request allocations count too.
    let rss_before = rss_kb();
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = Watcher::with_cache(open_cache(dir.path()));
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut round, mut idle, mut wall) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..11i64 {
        // Every 5 minutes a round; the ticks in between only look at the clock.
        let now = at(5 * k);
        let (c, s) = (thread_cpu_ms(), std::time::Instant::now());
        watcher.tick(&input, &now).await;
        round.push(thread_cpu_ms() - c);
        wall.push(s.elapsed().as_secs_f64() * 1000.0);
        let now = now + chrono::Duration::seconds(30);
        // Nothing awaits in a clock-only tick (no call), so its wall time is its CPU time; the
        // scheduler's counter is too coarse for it.
        let s = std::time::Instant::now();
        let tick = watcher.tick(&input, &now).await;
        idle.push(s.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(tick.calls_this_month, 10 * (k as u64 + 1));
    }
    let grown_kb = rss_kb().saturating_sub(rss_before);
    let (r, i, wl) = (median(round), median(idle), median(wall));
    // Per 5 minutes: one round tick and nine clock-only ticks (every 30 s).
    let busy_ms = r + 9.0 * i;
    println!(
        "10 rooms: a round tick (10 calls, cache writes) median {r:.2} ms CPU ({wl:.0} ms wall, \
         mostly the rate limiter's spacing); a clock-only tick median {i:.3} ms; per 5 min \
         {busy_ms:.1} ms CPU = {:.3} % of one core",
        busy_ms / 300_000.0 * 100.0
    );
    println!(
        "memory the cache and the watcher added after 11 rounds of 10 rooms: {:.1} MB (resident set)",
        grown_kb as f64 / 1024.0
    );
}

/// VmRSS of this process in kB (0 off Linux).
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
