//! Watched rooms: the rooms a user pinned under a name of their choice, and what each one shows
//! — its live meeting, or else its next one ([`headline`]).
//!
//! The list lives in the settings (`Settings::watched`, stored as
//! `"watched": [{ "name": "Board room", "roomCode": "427233559" }]`). Its rules:
//! - a name is trimmed, 1 to [`WATCH_NAME_MAX_CHARS`] characters, without control characters
//!   ([`WatchName`], so an unchecked name cannot exist);
//! - a room code is a [`RoomCode`] (the client's one rule);
//! - at most [`WATCHED_ROOMS_MAX`] rooms, and a room code only once.
//!
//! Loading is tolerant ([`watched_from_json`]): an entry that breaks a rule is dropped alone and
//! the field is reported as damaged, like every other settings field; the rest is kept.
//!
//! For the app (next session): the "watch" command builds a [`WatchedRoom::new`] from the
//! window's name and code (its error names the field), then [`watch`] / [`unwatch`] /
//! [`rename`] on `settings.watched`, and saves. Demo mode starts with [`demo_watched_rooms`].
//! The refresher keeps each room's latest first page; [`headline`] of those meetings is what the
//! side list, the tray ([`crate::tray`]), the schedule ([`crate::refresh`]) and the reminders
//! ([`crate::reminder`]) read.

use dingtalk::{Meeting, RoomCode};
use serde::{Deserialize, Serialize};

use crate::catalog::Lang;
use crate::error::AppError;
use crate::view::{Caveat, MeetingRow, MeetingView, ViewStatus, MINUTE_MS};

/// Longest watched-room name: long enough for "Shanghai office — 3rd floor board room", short
/// enough for the side list and a tray menu line.
pub const WATCH_NAME_MAX_CHARS: usize = 60;
/// Most rooms one can watch. Each one costs a call per refresh; 50 rooms every minute is already
/// 72,000 calls a day, far past a standard organisation's month.
pub const WATCHED_ROOMS_MAX: usize = 50;
/// How long after its start a booked meeting that has not started still counts as "next": the
/// host is late and people are waiting. Past that it is a booking nobody used.
pub const NEXT_GRACE_MS: i64 = 10 * MINUTE_MS;

/// A watched room's name, validated: trimmed, 1..=[`WATCH_NAME_MAX_CHARS`] characters, no
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WatchName(String);

impl WatchName {
    pub fn parse(raw: &str) -> Result<WatchName, AppError> {
        let name = raw.trim();
        let refuse = |why: &str| AppError::invalid_setting("watchedName", why);
        if name.is_empty() {
            return Err(refuse("Give the room a name, for example “Board room”."));
        }
        if name.chars().any(char::is_control) {
            return Err(refuse(
                "A room name is one line: remove the line breaks or tabs.",
            ));
        }
        let n = name.chars().count();
        if n > WATCH_NAME_MAX_CHARS {
            return Err(refuse(&format!(
                "A room name has at most {WATCH_NAME_MAX_CHARS} characters (this one has {n}): shorten it."
            )));
        }
        Ok(WatchName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WatchName {
    type Error = AppError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        WatchName::parse(&s)
    }
}

impl From<WatchName> for String {
    fn from(n: WatchName) -> String {
        n.0
    }
}

impl std::fmt::Display for WatchName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One watched room.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchedRoom {
    pub name: WatchName,
    pub room_code: RoomCode,
}

impl WatchedRoom {
    /// From what the user typed; the error names the field (`watchedName`, `watchedRoomCode`).
    pub fn new(name: &str, room_code: &str) -> Result<WatchedRoom, AppError> {
        let name = WatchName::parse(name)?;
        let room_code = RoomCode::parse(room_code)
            .map_err(|e| AppError::invalid_setting("watchedRoomCode", e.to_string()))?;
        Ok(WatchedRoom { name, room_code })
    }
}

/// The list's own rules (each entry is valid by its types): the count and no room twice.
pub fn check_watched(list: &[WatchedRoom]) -> Result<(), AppError> {
    if list.len() > WATCHED_ROOMS_MAX {
        return Err(AppError::invalid_setting(
            "watched",
            format!(
                "At most {WATCHED_ROOMS_MAX} rooms can be watched ({} are): stop watching some first.",
                list.len()
            ),
        ));
    }
    for (i, room) in list.iter().enumerate() {
        if let Some(first) = list[..i].iter().find(|r| r.room_code == room.room_code) {
            return Err(AppError::invalid_setting(
                "watched",
                format!(
                    "Room {} is watched twice (as “{}” and “{}”): keep one.",
                    room.room_code, first.name, room.name
                ),
            ));
        }
    }
    Ok(())
}

/// Adds `room` at the end, or renames it when its code is already watched (pinning a room twice
/// is a rename, not an error).
pub fn watch(list: &mut Vec<WatchedRoom>, room: WatchedRoom) -> Result<(), AppError> {
    if let Some(existing) = list.iter_mut().find(|r| r.room_code == room.room_code) {
        existing.name = room.name;
        return Ok(());
    }
    if list.len() >= WATCHED_ROOMS_MAX {
        return Err(AppError::invalid_setting(
            "watched",
            format!("At most {WATCHED_ROOMS_MAX} rooms can be watched: stop watching one first."),
        ));
    }
    list.push(room);
    Ok(())
}

/// Stops watching `code`; whether it was watched.
pub fn unwatch(list: &mut Vec<WatchedRoom>, code: &RoomCode) -> bool {
    let before = list.len();
    list.retain(|r| &r.room_code != code);
    list.len() != before
}

/// Renames the watched room `code`; whether it was watched.
pub fn rename(list: &mut [WatchedRoom], code: &RoomCode, name: WatchName) -> bool {
    match list.iter_mut().find(|r| &r.room_code == code) {
        Some(r) => {
            r.name = name;
            true
        }
        None => false,
    }
}

/// The `watched` field of a settings file, entry by entry: a damaged entry, a second entry for
/// a room already listed, and entries past [`WATCHED_ROOMS_MAX`] are dropped. The flag says
/// whether anything was dropped (the field is then reported, as settings.rs does).
pub fn watched_from_json(v: &serde_json::Value) -> (Vec<WatchedRoom>, bool) {
    let items = match v {
        serde_json::Value::Null => return (Vec::new(), false),
        serde_json::Value::Array(items) => items,
        _ => return (Vec::new(), true),
    };
    let mut out: Vec<WatchedRoom> = Vec::new();
    let mut dropped = false;
    for item in items {
        match serde_json::from_value::<WatchedRoom>(item.clone()) {
            Ok(room)
                if out.len() < WATCHED_ROOMS_MAX
                    && !out.iter().any(|r| r.room_code == room.room_code) =>
            {
                out.push(room)
            }
            _ => dropped = true,
        }
    }
    (out, dropped)
}

/// The demo rooms a new user watches in demo mode, with the catalog key of each one's name.
/// The codes are the simulator's (`dingtalk_sim::DEMO_ROOM`, …; a test checks they stay equal):
/// the busy demo room with a meeting live now, the daily stand-up and the nightly review (long
/// series), and the room with no meetings, so the empty state is there to see. Not the hostile
/// room: it is for tests, not for a first look.
pub const DEMO_WATCHED: [(&str, &str); 4] = [
    ("427233559", "watch.demo.main"),
    ("500000005", "watch.demo.standup"),
    ("100000010", "watch.demo.nightly"),
    ("100000000", "watch.demo.empty"),
];

/// Demo mode's watched rooms, named in `lang`.
pub fn demo_watched_rooms(lang: Lang) -> Vec<WatchedRoom> {
    DEMO_WATCHED
        .iter()
        .filter_map(|(code, key)| WatchedRoom::new(lang.text(key), code).ok())
        .collect()
}

/// What a watched room shows: its live meeting, or else its next one.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "row", rename_all = "camelCase")]
pub enum Headline {
    Live(MeetingRow),
    Next(MeetingRow),
}

impl Headline {
    pub fn row(&self) -> &MeetingRow {
        match self {
            Headline::Live(r) | Headline::Next(r) => r,
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, Headline::Live(_))
    }
}

/// The headline of a room from its meetings (any order), at `now_ms`, by view.rs's status rule:
/// - live: a meeting whose status is live; the latest-started one when several are. One live
///   for over a day (view.rs's [`Caveat::LiveOverADay`]) most likely ended without DingTalk
///   saying so: it is no headline, or the tray would say "live" and the refresher would poll
///   every minute for ever;
/// - else next: the not-started meeting with the earliest known start from
///   [`NEXT_GRACE_MS`] ago onwards;
/// - else none (ended, unknown status or no plausible start).
pub fn headline(meetings: &[Meeting], now_ms: i64) -> Option<Headline> {
    // Views only, and one row for the winner: a cached room can hold thousands of meetings.
    let mut live: Option<(&Meeting, Option<i64>)> = None;
    let mut next: Option<(&Meeting, i64)> = None;
    for m in meetings {
        let v = MeetingView::new(m, now_ms);
        match (v.status, v.start) {
            (ViewStatus::Live, start)
                if v.caveat != Some(Caveat::LiveOverADay)
                    && live.is_none_or(|(_, s)| start > s) =>
            {
                live = Some((m, start));
            }
            (ViewStatus::NotStarted, Some(start))
                if start >= now_ms.saturating_sub(NEXT_GRACE_MS)
                    && next.is_none_or(|(_, s)| start < s) =>
            {
                next = Some((m, start));
            }
            _ => {}
        }
    }
    let row = |m: &Meeting| MeetingRow::new(m.clone(), now_ms);
    match (live, next) {
        (Some((m, _)), _) => Some(Headline::Live(row(m))),
        (None, Some((m, _))) => Some(Headline::Next(row(m))),
        (None, None) => None,
    }
}

/// `s` as one plain line: control characters (line breaks, tabs, escapes) and the invisible
/// bidirectional controls that can make a menu line read backwards become spaces, runs of
/// spaces become one, and the ends are trimmed. For text from the server put into menus,
/// notifications and the clipboard.
pub fn one_line(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` cut to at most `max` characters, an ellipsis marking the cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", keep.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk::Status;

    /// 2026-11-26T01:30:00Z
    const T0: i64 = 1_795_656_600_000;

    pub(crate) fn meeting(id: &str, status: Status, start: i64) -> Meeting {
        Meeting {
            conference_id: Some(id.into()),
            title: Some(format!("Meeting {id}")),
            status: Some(status),
            start_time: Some(start),
            external_link_url: Some(format!(
                "https://meeting.dingtalk.com/app?roomCode=427233559&token={id}"
            )),
            ..Default::default()
        }
    }

    #[test]
    fn names_are_trimmed_bounded_and_one_line() {
        assert_eq!(
            WatchName::parse("  Board room ").unwrap().as_str(),
            "Board room"
        );
        assert!(
            WatchName::parse(&"会".repeat(60)).is_ok(),
            "60 characters, not bytes"
        );
        for bad in ["", "   ", "Board\nroom", "tab\there", "\u{1b}[31mred"] {
            let e = WatchName::parse(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("watchedName"), "{bad:?}");
        }
        let e = WatchName::parse(&"x".repeat(61)).unwrap_err();
        assert!(e.message.contains("at most 60"), "{}", e.message);
        let e = WatchedRoom::new("Board", "12ab").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("watchedRoomCode"));
        assert_eq!(
            WatchedRoom::new("Board", "427 233 559")
                .unwrap()
                .room_code
                .as_str(),
            "427233559"
        );
    }

    #[test]
    fn watching_twice_renames_and_the_list_is_capped() {
        let mut list = Vec::new();
        watch(&mut list, WatchedRoom::new("A", "427233559").unwrap()).unwrap();
        watch(&mut list, WatchedRoom::new("B", "427-233-559").unwrap()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name.as_str(), "B");
        for i in 1..WATCHED_ROOMS_MAX {
            watch(
                &mut list,
                WatchedRoom::new("R", &format!("9000000{i:02}")).unwrap(),
            )
            .unwrap();
        }
        check_watched(&list).unwrap();
        let e = watch(&mut list, WatchedRoom::new("Z", "800000001").unwrap()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("watched"));
        assert_eq!(list.len(), WATCHED_ROOMS_MAX);
        let code = RoomCode::parse("427233559").unwrap();
        assert!(rename(&mut list, &code, WatchName::parse("C").unwrap()));
        assert_eq!(list[0].name.as_str(), "C");
        assert!(unwatch(&mut list, &code));
        assert!(!unwatch(&mut list, &code));
    }

    #[test]
    fn check_refuses_duplicates_and_too_many() {
        let a = WatchedRoom::new("A", "427233559").unwrap();
        let b = WatchedRoom::new("B", "427233559").unwrap();
        let e = check_watched(&[a.clone(), b]).unwrap_err();
        assert!(e.message.contains("watched twice"), "{}", e.message);
        let many: Vec<_> = (0..=WATCHED_ROOMS_MAX)
            .map(|i| WatchedRoom::new("R", &format!("9000000{i:02}")).unwrap())
            .collect();
        assert!(check_watched(&many).is_err());
        check_watched(&[a]).unwrap();
    }

    #[test]
    fn loading_drops_bad_entries_alone_and_says_so() {
        let v = serde_json::json!([
            { "name": "Board room", "roomCode": "427233559" },
            { "name": "", "roomCode": "500000005" },
            { "name": "Bad code", "roomCode": "12ab" },
            { "name": "Twice", "roomCode": "427 233 559" },
            7,
            { "name": "Two\nlines", "roomCode": "100000010" },
            { "name": "  Stand-up  ", "roomCode": "500000005", "future": true },
        ]);
        let (list, dropped) = watched_from_json(&v);
        assert!(dropped);
        let names: Vec<_> = list.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Board room", "Stand-up"]);
        assert_eq!(watched_from_json(&serde_json::json!([])), (vec![], false));
        assert_eq!(watched_from_json(&serde_json::Value::Null), (vec![], false));
        assert!(watched_from_json(&serde_json::json!("x")).1);
        let too_many: Vec<_> = (0..60)
            .map(|i| serde_json::json!({ "name": "R", "roomCode": format!("9000000{i:02}") }))
            .collect();
        let (list, dropped) = watched_from_json(&serde_json::Value::Array(too_many));
        assert_eq!((list.len(), dropped), (WATCHED_ROOMS_MAX, true));
    }

    #[test]
    fn a_watched_room_round_trips_as_stored() {
        let r = WatchedRoom::new("Board room", "427233559").unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "name": "Board room", "roomCode": "427233559" })
        );
        assert_eq!(serde_json::from_value::<WatchedRoom>(v).unwrap(), r);
    }

    #[test]
    fn demo_rooms_are_the_simulators_and_named_in_both_languages() {
        let sim = [
            dingtalk_sim::DEMO_ROOM,
            dingtalk_sim::LARGE_ROOM_5K,
            dingtalk_sim::LARGE_ROOM_10K,
            dingtalk_sim::EMPTY_ROOM,
        ];
        for lang in Lang::ALL {
            let rooms = demo_watched_rooms(lang);
            let codes: Vec<_> = rooms.iter().map(|r| r.room_code.as_str()).collect();
            assert_eq!(codes, sim, "{lang:?}");
            check_watched(&rooms).unwrap();
            for (r, (_, key)) in rooms.iter().zip(DEMO_WATCHED) {
                assert!(lang.has(key), "{key} in {lang:?}");
                assert_eq!(r.name.as_str(), lang.text(key));
            }
        }
        assert_ne!(
            demo_watched_rooms(Lang::En)[0].name,
            demo_watched_rooms(Lang::ZhCn)[0].name
        );
    }

    #[test]
    fn the_headline_is_the_live_meeting_else_the_next_one() {
        let m = |id, s, start| meeting(id, s, start);
        let h = MINUTE_MS * 60;
        let rows = [
            m("old", Status::Ended, T0 - 3 * h),
            m("later", Status::NotStarted, T0 + 3 * h),
            m("soon", Status::NotStarted, T0 + h),
            m("live1", Status::Live, T0 - 2 * h),
            m("live2", Status::Live, T0 - h),
        ];
        let id = |h: Option<Headline>| {
            h.map(|h| {
                (
                    h.is_live(),
                    h.row().meeting.conference_id.clone().unwrap_or_default(),
                )
            })
        };
        assert_eq!(id(headline(&rows, T0)), Some((true, "live2".into())));
        assert_eq!(id(headline(&rows[..3], T0)), Some((false, "soon".into())));
        assert_eq!(id(headline(&rows[..1], T0)), None);
        assert_eq!(id(headline(&[], T0)), None);
    }

    #[test]
    fn stale_lives_and_bookings_nobody_used_are_no_headline() {
        let day = crate::view::DAY_MS;
        let rows = [m_live_over_a_day(T0 - day - MINUTE_MS)];
        assert!(headline(&rows, T0).is_none(), "live for over a day");
        let late = meeting("late", Status::NotStarted, T0 - NEXT_GRACE_MS + MINUTE_MS);
        assert!(
            headline(std::slice::from_ref(&late), T0).is_some(),
            "host a little late"
        );
        let unused = meeting("unused", Status::NotStarted, T0 - NEXT_GRACE_MS - MINUTE_MS);
        assert!(headline(&[unused], T0).is_none());
        let mut no_start = meeting("x", Status::NotStarted, T0);
        no_start.start_time = None;
        assert!(headline(&[no_start], T0).is_none());
        let odd = meeting("x", Status::Unknown(7), T0 + MINUTE_MS);
        assert!(headline(&[odd], T0).is_none());
    }

    fn m_live_over_a_day(start: i64) -> Meeting {
        meeting("stale", Status::Live, start)
    }

    #[test]
    fn one_line_strips_controls_and_bidi_and_shorten_marks_the_cut() {
        assert_eq!(one_line(" a\r\nb\t\u{1b}c \u{202E}d\u{2066} "), "a b c d");
        assert_eq!(one_line("Weekly sync 周会"), "Weekly sync 周会");
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefg", 6), "abcde…");
        assert_eq!(shorten("会议会议会议会议", 4), "会议会…");
        assert_eq!(shorten("ab cdef", 4), "ab…");
    }
}
