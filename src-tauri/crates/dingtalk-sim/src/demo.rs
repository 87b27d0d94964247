//! Room storage and the built-in demo rooms.
//!
//! Demo meetings are placed relative to the moment the server starts (in the machine's local
//! time zone, which is what the app displays), so demo mode and screenshots always show "a
//! meeting live now", "one later today", "yesterday", whatever day it is run.
//!
//! Identifiers (conferenceId, creatorId, link tokens) are derived from fixed seeds, not from
//! randomness: the same demo meeting keeps its id across simulator restarts, so anything the app
//! keys by conferenceId behaves as it would against the real service.

use crate::clock::{Schedule, SIM_ENDS_AT};
use crate::ids::{base62, fnv, mix};
use chrono::{DateTime, Days, Duration, Local, NaiveTime, TimeZone, Timelike};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub const DEMO_ROOM: &str = "427233559";
pub const EMPTY_ROOM: &str = "100000000";
pub const SEED_ROOM: &str = "427200331";
pub const LARGE_ROOM_5K: &str = "500000005";
pub const LARGE_ROOM_10K: &str = "100000010";
pub const HOSTILE_ROOM: &str = "666000666";

/// A room's meetings, newest first.
pub(crate) enum Room {
    List(Arc<Listed>),
    /// Generated per page on demand: a 10,000-meeting room costs nothing at start-up.
    Series(Series),
}

/// Placed meetings and what the clock changes about each (see `clock.rs`).
pub(crate) struct Listed {
    meetings: Vec<Value>,
    /// Same length as `meetings`; empty when no meeting follows the clock.
    schedules: Vec<Schedule>,
}

impl Room {
    /// Sorts newest first like the real service. The sort is stable and entries without a
    /// numeric `startTime` (tests may send odd values on purpose) keep their order, after the rest.
    /// `now_ms` is the simulator's clock at placement: a meeting booked after it follows the clock.
    pub(crate) fn from_values(mut meetings: Vec<Value>, now_ms: i64) -> Room {
        fn key(v: &Value) -> Option<i64> {
            let t = v.get("startTime")?;
            t.as_i64().or_else(|| t.as_f64().map(|f| f as i64))
        }
        meetings.sort_by(|a, b| match (key(a), key(b)) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let mut schedules: Vec<Schedule> = meetings
            .iter_mut()
            .map(|v| Schedule::take(v, now_ms))
            .collect();
        if schedules.iter().all(Schedule::is_static) {
            schedules.clear();
        }
        Room::List(Arc::new(Listed {
            meetings,
            schedules,
        }))
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Room::List(l) => l.meetings.len(),
            Room::Series(s) => s.count,
        }
    }

    /// Meetings `offset..offset + n` as served at `now_ms`.
    pub(crate) fn page(&self, offset: usize, n: usize, now_ms: i64) -> Vec<Value> {
        let end = offset.saturating_add(n).min(self.len());
        if offset >= end {
            return Vec::new();
        }
        match self {
            Room::List(l) if l.schedules.is_empty() => l.meetings[offset..end].to_vec(),
            Room::List(l) => l.meetings[offset..end]
                .iter()
                .zip(&l.schedules[offset..end])
                .map(|(v, s)| s.apply(v.clone(), now_ms))
                .collect(),
            Room::Series(s) => (offset..end).map(|i| s.item(i)).collect(),
        }
    }
}

/// One conference in the API's shape. Optional fields are left out, not sent as null, because
/// that is what the real service does for meetings that have not ended.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Conference {
    conference_id: String,
    title: String,
    room_code: String,
    external_link_url: String,
    status: i64,
    start_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conf_duration: Option<i64>,
    creator_id: String,
    creator_nick: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_conference_id: Option<String>,
    biz_type: String,
}

/// Inputs for one generated meeting; `duration_ms: Some` means it has ended.
struct Spec<'a> {
    room: &'a str,
    id_seed: u64,
    title: &'a str,
    nick: &'a str,
    status: i64,
    start_ms: i64,
    duration_ms: Option<i64>,
    schedule_id: Option<String>,
    biz_type: &'a str,
}

impl Spec<'_> {
    fn build(&self) -> Value {
        let c = Conference {
            conference_id: conference_id(self.id_seed),
            title: self.title.to_string(),
            room_code: self.room.to_string(),
            external_link_url: join_link(self.room, self.id_seed),
            status: self.status,
            start_time: self.start_ms,
            end_time: self.duration_ms.map(|d| self.start_ms + d),
            conf_duration: self.duration_ms,
            creator_id: creator_id(self.nick),
            creator_nick: self.nick.to_string(),
            schedule_conference_id: self.schedule_id.clone(),
            biz_type: self.biz_type.to_string(),
        };
        serde_json::to_value(c).expect("conference serialises")
    }
}

fn conference_id(seed: u64) -> String {
    format!("{:016x}{:08x}", mix(seed, 1), mix(seed, 2) as u32)
}

fn schedule_id(seed: u64) -> String {
    format!("{:012x}", mix(seed, 3) >> 16)
}

fn join_link(room: &str, seed: u64) -> String {
    format!(
        "https://meeting.dingtalk.com/app?roomCode={room}&token=1_{:016x}",
        mix(seed, 4)
    )
}

/// unionId-like and stable per person, so "the same host" is recognisable across meetings.
fn creator_id(nick: &str) -> String {
    format!("{}iEiE", base62(fnv(nick), 22))
}

fn ms(t: DateTime<Local>) -> i64 {
    t.timestamp_millis()
}

const MINUTE: i64 = 60_000;
/// The demo room's booked meeting lasts this long once the clock reaches its start.
pub const DESIGN_REVIEW_MINUTES: i64 = 45;

/// Local wall-clock time `h:m` on `date`, tolerating DST gaps.
fn local_at(date: chrono::NaiveDate, h: u32, m: u32, fallback: DateTime<Local>) -> DateTime<Local> {
    let t = NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
    Local
        .from_local_datetime(&date.and_time(t))
        .earliest()
        .unwrap_or(fallback)
}

/// Same wall-clock time `days` earlier (keeps a weekly meeting at 10:00 across DST changes).
fn days_before(t: DateTime<Local>, days: u64) -> DateTime<Local> {
    t.checked_sub_days(Days::new(days))
        .unwrap_or_else(|| t - Duration::days(days as i64))
}

fn truncate_to_minute(t: DateTime<Local>) -> DateTime<Local> {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// A long daily series going back in time from yesterday.
pub(crate) struct Series {
    room: &'static str,
    count: usize,
    newest: DateTime<Local>,
    seed: u64,
    title: &'static str,
    hosts: &'static [&'static str],
    schedule_id: String,
}

impl Series {
    fn item(&self, i: usize) -> Value {
        let start = days_before(self.newest, i as u64);
        let r = mix(self.seed, i as u64);
        Spec {
            room: self.room,
            id_seed: r,
            title: self.title,
            nick: self.hosts[(r % self.hosts.len() as u64) as usize],
            status: 1,
            start_ms: ms(start),
            duration_ms: Some((15 + (r >> 8) as i64 % 11) * MINUTE + (r >> 20) as i64 % 60_000),
            schedule_id: Some(self.schedule_id.clone()),
            biz_type: "3",
        }
        .build()
    }
}

/// The API page's example meeting, verbatim (masked ids, `endTime` before `startTime`, a
/// `confDuration` that matches neither): the documented shape is the first thing a client must
/// survive.
pub(crate) fn seed_meeting() -> Value {
    serde_json::json!({
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
}

fn demo_room(now: DateTime<Local>) -> Vec<Value> {
    let room = DEMO_ROOM;
    let base = fnv(room);
    let today = now.date_naive();
    let mut out = Vec::with_capacity(45);

    // The weekly series: 40 ended instances and the one running now.
    let weekly_title = "产品周会 Weekly product sync";
    let weekly_host = "张伟";
    let weekly_schedule = Some(schedule_id(base ^ 0x77));
    let live_start = truncate_to_minute(now - Duration::minutes(12));
    out.push(
        Spec {
            room,
            id_seed: mix(base, 0),
            title: weekly_title,
            nick: weekly_host,
            status: 2,
            start_ms: ms(live_start),
            duration_ms: None,
            schedule_id: weekly_schedule.clone(),
            biz_type: "3",
        }
        .build(),
    );
    for k in 1..=40u64 {
        let r = mix(base, k);
        out.push(
            Spec {
                room,
                id_seed: r,
                title: weekly_title,
                nick: weekly_host,
                status: 1,
                start_ms: ms(days_before(live_start, 7 * k)),
                duration_ms: Some((45 + (r % 21) as i64) * MINUTE + (r >> 32) as i64 % 60_000),
                schedule_id: weekly_schedule.clone(),
                biz_type: "3",
            }
            .build(),
        );
    }

    // Booked for later today: in ~2 h, or sooner when 2 h would cross midnight.
    let midnight = today
        .succ_opt()
        .map(|d| local_at(d, 0, 0, now + Duration::days(1)))
        .unwrap_or(now + Duration::days(1));
    let remaining = midnight - now;
    let booked_start = if remaining > Duration::minutes(121) {
        truncate_to_minute(now + Duration::hours(2))
    } else {
        now + std::cmp::min(Duration::hours(1), remaining / 2)
    };
    let mut booked = Spec {
        room,
        id_seed: mix(base, 100),
        title: "设计评审 Design review",
        nick: "李娜",
        status: 0,
        start_ms: ms(booked_start),
        duration_ms: None,
        schedule_id: Some(schedule_id(base ^ 0x100)),
        biz_type: "3",
    }
    .build();
    // Its planned end, so a test that moves the clock sees it go live and then end.
    booked[SIM_ENDS_AT] = Value::from(ms(booked_start) + DESIGN_REVIEW_MINUTES * MINUTE);
    out.push(booked);

    // An audio meeting earlier today (as early as midnight allows), already ended.
    let today_midnight = local_at(today, 0, 0, now - Duration::hours(3));
    let audio_start = std::cmp::max(today_midnight, truncate_to_minute(now - Duration::hours(3)));
    let audio_len = std::cmp::min(40 * MINUTE, (ms(now) - ms(audio_start)) / 2);
    out.push(
        Spec {
            room,
            id_seed: mix(base, 101),
            title: "Quarterly budget review",
            nick: "Emily Chen",
            status: 1,
            start_ms: ms(audio_start),
            duration_ms: Some(audio_len.max(0)),
            schedule_id: Some(schedule_id(base ^ 0x101)),
            biz_type: "audio_conf",
        }
        .build(),
    );

    // An instant meeting yesterday afternoon: no scheduleConferenceId, as instant meetings have none.
    let yesterday = today.pred_opt().unwrap_or(today);
    out.push(
        Spec {
            room,
            id_seed: mix(base, 102),
            title: "临时讨论：发布计划",
            nick: "王芳",
            status: 1,
            start_ms: ms(local_at(yesterday, 16, 5, now - Duration::days(1))),
            duration_ms: Some(23 * MINUTE + 17_000),
            schedule_id: None,
            biz_type: "0",
        }
        .build(),
    );

    // Values the documentation does not list: must be shown as unknown, not dropped.
    let three_days_ago = today.checked_sub_days(Days::new(3)).unwrap_or(today);
    out.push(
        Spec {
            room,
            id_seed: mix(base, 103),
            title: "Vendor demo 供应商演示",
            nick: "Oliver Smith",
            status: 7,
            start_ms: ms(local_at(three_days_ago, 11, 0, now - Duration::days(3))),
            duration_ms: Some(30 * MINUTE),
            schedule_id: Some(schedule_id(base ^ 0x103)),
            biz_type: "video_x",
        }
        .build(),
    );
    out
}

/// Strings that break HTML rendering, spreadsheet export (formula injection) and CSV quoting,
/// and links a client must refuse to open.
fn hostile_room(now: DateTime<Local>) -> Vec<Value> {
    let room = HOSTILE_ROOM;
    let base = fnv(room);
    let cases: [(&str, &str, Option<&str>); 9] = [
        (
            "<img src=x onerror=alert(1)>",
            "=HYPERLINK(\"http://evil\",\"x\")",
            None,
        ),
        (
            "=HYPERLINK(\"http://evil\",\"x\")",
            "<img src=x onerror=alert(1)>",
            None,
        ),
        ("+1+1", "-2", None),
        ("-2", "@SUM(A1)", None),
        ("@SUM(A1)", "+1+1", None),
        ("Budget, \"Q3\"\nreview", "Ops, \"night\" shift", None),
        ("Link: javascript", "Mallory", Some("javascript:alert(1)")),
        ("Link: file", "Mallory", Some("file:///etc/passwd")),
        (
            "Link: lookalike host",
            "Mallory",
            Some("https://evil.example.com/app"),
        ),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, (title, nick, link))| {
            let start = truncate_to_minute(now - Duration::days(i as i64 + 1) - Duration::hours(2));
            let mut v = Spec {
                room,
                id_seed: mix(base, i as u64),
                title,
                nick,
                status: 1,
                start_ms: ms(start),
                duration_ms: Some(20 * MINUTE),
                schedule_id: Some(schedule_id(base ^ i as u64)),
                biz_type: "3",
            }
            .build();
            if let Some(link) = link {
                v["externalLinkUrl"] = Value::String((*link).to_string());
            }
            v
        })
        .collect()
}

fn series(
    room: &'static str,
    count: usize,
    now: DateTime<Local>,
    h: u32,
    m: u32,
    title: &'static str,
    hosts: &'static [&'static str],
) -> Room {
    let yesterday = now.date_naive().pred_opt().unwrap_or(now.date_naive());
    let seed = fnv(room);
    Room::Series(Series {
        room,
        count,
        newest: local_at(yesterday, h, m, now - Duration::days(1)),
        seed,
        title,
        hosts,
        schedule_id: schedule_id(seed),
    })
}

/// Every built-in room, keyed by room code.
pub(crate) fn demo_rooms(now: DateTime<Local>) -> HashMap<String, Room> {
    let now_ms = ms(now);
    let mut rooms = HashMap::new();
    rooms.insert(
        DEMO_ROOM.to_string(),
        Room::from_values(demo_room(now), now_ms),
    );
    rooms.insert(
        EMPTY_ROOM.to_string(),
        Room::from_values(Vec::new(), now_ms),
    );
    rooms.insert(
        SEED_ROOM.to_string(),
        Room::from_values(vec![seed_meeting()], now_ms),
    );
    rooms.insert(
        LARGE_ROOM_5K.to_string(),
        series(
            LARGE_ROOM_5K,
            5_000,
            now,
            9,
            30,
            "每日站会 Daily stand-up",
            &["刘洋", "Sarah Lee"],
        ),
    );
    rooms.insert(
        LARGE_ROOM_10K.to_string(),
        series(
            LARGE_ROOM_10K,
            10_000,
            now,
            18,
            0,
            "Nightly build review 每日构建回顾",
            &["陈静", "Mark Davis", "赵磊"],
        ),
    );
    rooms.insert(
        HOSTILE_ROOM.to_string(),
        Room::from_values(hostile_room(now), now_ms),
    );
    rooms
}
