//! Which reminders are due: a watched room's meeting that went live, and a booked meeting
//! about to start (`Settings::reminder_minutes` before, `Settings::reminders_on` to switch them
//! off). Each fires once.
//!
//! Decided on every tick by comparing the wall clock's `now` with the meetings' own times, never
//! by a timer set for the moment: timers stop during sleep and do not follow a clock or
//! time-zone change, and those are exactly when meeting-bar tools' reminders get lost. So:
//! - **Starting** (kind `starting`): a meeting DingTalk reports not started, with a start time,
//!   is due from `minutes` before its start until [`NEXT_GRACE_MS`] after it (a host who is a
//!   few minutes late). A reminder whose moment passed while the machine slept still fires on
//!   waking if the meeting is within that window; one for a meeting long past does not.
//! - **Live** (kind `live`): a meeting reported live is due while the report is fresh, that is
//!   fetched less than [`LIVE_DATA_MAX_AGE_MS`] ago: after a night asleep, yesterday's "live"
//!   is no news, and the next refresh tells whether it still is. A meeting live for over a day
//!   (view.rs's caveat) never is.
//! - Each reminder has a stable [`ReminderKey`]: profile, room, conferenceId, kind and start
//!   time. The [`Fired`] ledger (the cache's table in the app; [`MemoryLedger`] in tests)
//!   remembers the keys that fired, so a restart, a clock put back or a second tick never fires
//!   one twice, while a rescheduled meeting (a new start time) gets a new reminder. A meeting
//!   without a conferenceId cannot be told apart from its neighbours and gets none.
//! - All times are instants (ms since the epoch), so a time-zone change moves nothing; only the
//!   words ([`Due::title`]) show the start in the zone given.
//!
//! For the app (next session): on each tick (see [`crate::refresh::TICK_MAX_SECS`]) call
//! [`take_due`] with every watched room's latest meetings and show one notification per item;
//! clicking one brings the window forward on `due.room` and `due.conference_id`.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone};
use dingtalk::Meeting;
use serde::Serialize;

use crate::catalog::Lang;
use crate::settings::Settings;
use crate::view::{Caveat, MeetingView, ViewStatus, MINUTE_MS};
use crate::watch::{one_line, shorten, WatchedRoom, NEXT_GRACE_MS};

/// How old a "live" report may be and still make a reminder: longer than the slowest regular
/// refresh (5 min) with room for a stretched budget interval, much shorter than a meeting.
pub const LIVE_DATA_MAX_AGE_MS: i64 = 30 * MINUTE_MS;
/// Longest meeting title in a notification; the rest is cut with an ellipsis.
pub const NOTIFICATION_TITLE_MAX_CHARS: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReminderKind {
    /// The meeting went live.
    Live,
    /// A booked meeting starts soon.
    Starting,
}

impl ReminderKind {
    fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Live => "live",
            ReminderKind::Starting => "starting",
        }
    }
}

/// A reminder's identity, stored by the ledger. Its text is a JSON array
/// `[profile, roomCode, conferenceId, kind, startMs|null]`: unambiguous whatever the parts
/// hold, and stable — changing it would fire every past reminder again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ReminderKey(String);

impl ReminderKey {
    pub fn new(
        profile: &str,
        room: &str,
        conference_id: &str,
        kind: ReminderKind,
        start_ms: Option<i64>,
    ) -> ReminderKey {
        let parts = serde_json::json!([profile, room, conference_id, kind.as_str(), start_ms]);
        ReminderKey(parts.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The reminders that fired, kept across restarts (the app's is the cache's table).
pub trait Fired {
    fn was_fired(&self, key: &ReminderKey) -> bool;
    /// Remember `key` as fired at `at_ms` (ms since the epoch; lets the store prune old keys).
    fn mark_fired(&mut self, key: &ReminderKey, at_ms: i64);
}

/// A ledger in memory, for tests and for a run without a cache.
#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    fired: HashMap<ReminderKey, i64>,
}

impl MemoryLedger {
    pub fn len(&self) -> usize {
        self.fired.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }
}

impl Fired for MemoryLedger {
    fn was_fired(&self, key: &ReminderKey) -> bool {
        self.fired.contains_key(key)
    }

    fn mark_fired(&mut self, key: &ReminderKey, at_ms: i64) {
        self.fired.entry(key.clone()).or_insert(at_ms);
    }
}

/// What the reminders depend on in the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPrefs {
    pub on: bool,
    /// Minutes before a booked meeting's start.
    pub minutes: u32,
}

impl From<&Settings> for ReminderPrefs {
    fn from(s: &Settings) -> Self {
        ReminderPrefs {
            on: s.reminders_on,
            minutes: s.reminder_minutes,
        }
    }
}

/// A watched room's latest meetings, as the refresher read them.
#[derive(Debug, Clone, Copy)]
pub struct RoomMeetings<'a> {
    pub room: &'a WatchedRoom,
    pub meetings: &'a [Meeting],
    /// When those meetings were fetched, ms since the epoch.
    pub fetched_at_ms: i64,
}

/// A reminder to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Due {
    pub key: ReminderKey,
    pub kind: ReminderKind,
    pub room: WatchedRoom,
    pub conference_id: String,
    /// The meeting's title as sent (cleaned when shown).
    pub meeting_title: Option<String>,
    pub start: Option<i64>,
}

impl Due {
    /// The notification's title: "Live now in Board room", "At 14:30 in Board room" (the start
    /// in `tz`, the user's zone at the moment of showing).
    pub fn title<Tz: TimeZone>(&self, lang: Lang, tz: &Tz) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        let room = self.room.name.as_str();
        match (
            self.kind,
            self.start.and_then(DateTime::from_timestamp_millis),
        ) {
            (ReminderKind::Starting, Some(start)) => {
                let time = start.with_timezone(tz).format("%H:%M").to_string();
                lang.fill(
                    "reminder.startingTitle",
                    &[("time", &time), ("room", &room)],
                )
            }
            _ => lang.fill("reminder.liveTitle", &[("room", &room)]),
        }
    }

    /// The notification's body: the meeting's title on one line, shortened; the catalog's
    /// "(untitled meeting)" when it has none.
    pub fn body(&self, lang: Lang) -> String {
        let title = self
            .meeting_title
            .as_deref()
            .map(one_line)
            .filter(|t| !t.is_empty());
        match title {
            Some(t) => shorten(&t, NOTIFICATION_TITLE_MAX_CHARS),
            None => lang.text("row.untitled").to_owned(),
        }
    }
}

/// The reminders due at `now_ms` that have not fired, in room order. Reads the ledger only.
pub fn due(
    profile: &str,
    rooms: &[RoomMeetings<'_>],
    prefs: ReminderPrefs,
    now_ms: i64,
    ledger: &impl Fired,
) -> Vec<Due> {
    if !prefs.on {
        return Vec::new();
    }
    let lead_ms = i64::from(prefs.minutes).saturating_mul(MINUTE_MS);
    let mut out = Vec::new();
    for r in rooms {
        // A clock put back makes a fresh report look as if from the future: still fresh.
        let fresh = now_ms.saturating_sub(r.fetched_at_ms) <= LIVE_DATA_MAX_AGE_MS;
        for m in r.meetings {
            let Some(id) = m
                .conference_id
                .as_deref()
                .filter(|id| !id.trim().is_empty())
            else {
                continue;
            };
            let view = MeetingView::new(m, now_ms);
            let kind = match view.status {
                ViewStatus::Live if fresh && view.caveat != Some(Caveat::LiveOverADay) => {
                    ReminderKind::Live
                }
                ViewStatus::NotStarted => match view.start {
                    Some(start)
                        if now_ms >= start.saturating_sub(lead_ms)
                            && now_ms <= start.saturating_add(NEXT_GRACE_MS) =>
                    {
                        ReminderKind::Starting
                    }
                    _ => continue,
                },
                _ => continue,
            };
            let key = ReminderKey::new(profile, r.room.room_code.as_str(), id, kind, view.start);
            if ledger.was_fired(&key) || out.iter().any(|d: &Due| d.key == key) {
                continue;
            }
            out.push(Due {
                key,
                kind,
                room: r.room.clone(),
                conference_id: id.to_owned(),
                meeting_title: m.title.clone(),
                start: view.start,
            });
        }
    }
    out
}

/// [`due`], each one marked fired at `now_ms`: what the app calls on every tick. Marked before
/// it is shown, so a notification that fails to show is not retried every tick.
pub fn take_due(
    profile: &str,
    rooms: &[RoomMeetings<'_>],
    prefs: ReminderPrefs,
    now_ms: i64,
    ledger: &mut impl Fired,
) -> Vec<Due> {
    let due = due(profile, rooms, prefs, now_ms, ledger);
    for d in &due {
        ledger.mark_fired(&d.key, now_ms);
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use dingtalk::Status;

    /// 2026-11-26T01:30:00Z (09:30 at UTC+8).
    const T0: i64 = 1_795_656_600_000;
    const MIN: i64 = MINUTE_MS;
    const PROFILE: &str = "https://api.dingtalk.io|internalApp";
    const ON: ReminderPrefs = ReminderPrefs {
        on: true,
        minutes: 5,
    };

    fn room() -> WatchedRoom {
        WatchedRoom::new("Board room", "427233559").unwrap()
    }

    fn meeting(id: &str, status: Status, start: i64) -> Meeting {
        Meeting {
            conference_id: Some(id.into()),
            title: Some(format!("Client call {id}")),
            status: Some(status),
            start_time: Some(start),
            ..Default::default()
        }
    }

    /// The kinds and ids due at `now` for `meetings` fetched at `fetched`, marking them fired.
    fn tick(
        ledger: &mut MemoryLedger,
        meetings: &[Meeting],
        fetched: i64,
        now: i64,
    ) -> Vec<(ReminderKind, String)> {
        let room = room();
        let rooms = [RoomMeetings {
            room: &room,
            meetings,
            fetched_at_ms: fetched,
        }];
        take_due(PROFILE, &rooms, ON, now, ledger)
            .into_iter()
            .map(|d| (d.kind, d.conference_id))
            .collect()
    }

    fn starting(id: &str) -> Vec<(ReminderKind, String)> {
        vec![(ReminderKind::Starting, id.to_owned())]
    }

    fn live(id: &str) -> Vec<(ReminderKind, String)> {
        vec![(ReminderKind::Live, id.to_owned())]
    }

    #[test]
    fn a_booked_meeting_reminds_minutes_before_once() {
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::NotStarted, T0 + 10 * MIN)];
        assert!(
            tick(&mut l, &m, T0, T0).is_empty(),
            "10 min before: not yet"
        );
        assert!(
            tick(&mut l, &m, T0, T0 + 4 * MIN).is_empty(),
            "6 min before"
        );
        assert_eq!(tick(&mut l, &m, T0, T0 + 5 * MIN), starting("c1"));
        assert!(tick(&mut l, &m, T0, T0 + 6 * MIN).is_empty(), "once");
    }

    #[test]
    fn going_live_reminds_once_while_the_report_is_fresh() {
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::Live, T0 - 2 * MIN)];
        assert_eq!(tick(&mut l, &m, T0, T0), live("c1"));
        assert!(tick(&mut l, &m, T0 + MIN, T0 + MIN).is_empty(), "once");
        // Both kinds for one meeting: starting before, live after.
        let mut l = MemoryLedger::default();
        let booked = [meeting("c2", Status::NotStarted, T0 + 5 * MIN)];
        assert_eq!(tick(&mut l, &booked, T0, T0), starting("c2"));
        let started = [meeting("c2", Status::Live, T0 + 5 * MIN)];
        assert_eq!(
            tick(&mut l, &started, T0 + 6 * MIN, T0 + 6 * MIN),
            live("c2")
        );
    }

    #[test]
    fn a_reminder_missed_while_asleep_fires_on_waking_if_still_relevant() {
        // Asleep from 10 min before the start to 3 min after it; not started yet: fires.
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::NotStarted, T0)];
        assert!(tick(&mut l, &m, T0 - 10 * MIN, T0 - 10 * MIN).is_empty());
        assert_eq!(
            tick(&mut l, &m, T0 - 10 * MIN, T0 + 3 * MIN),
            starting("c1")
        );
        // Went live while asleep, and the refresh on waking says it still is: fires.
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::Live, T0)];
        assert_eq!(tick(&mut l, &m, T0 + 40 * MIN, T0 + 40 * MIN), live("c1"));
    }

    #[test]
    fn a_meeting_long_over_does_not_fire_after_a_sleep() {
        let mut l = MemoryLedger::default();
        // Booked for 09:30, woke at 17:00 and the data still says not started: no reminder.
        let m = [meeting("c1", Status::NotStarted, T0)];
        assert!(tick(&mut l, &m, T0 - 10 * MIN, T0 + 450 * MIN).is_empty());
        // "Live" as of last night's fetch: no reminder until a refresh says so again.
        let m = [meeting("c2", Status::Live, T0)];
        assert!(tick(
            &mut l,
            &m,
            T0 + MIN - LIVE_DATA_MAX_AGE_MS - 2 * MIN,
            T0 + MIN
        )
        .is_empty());
        assert!(tick(&mut l, &m, T0 - 600 * MIN, T0 + 480 * MIN).is_empty());
        assert!(l.is_empty(), "nothing was marked either");
        // Live for over a day: most likely ended.
        let m = [meeting("c3", Status::Live, T0 - crate::view::DAY_MS - MIN)];
        assert!(tick(&mut l, &m, T0, T0).is_empty());
    }

    #[test]
    fn the_clock_jumping_back_or_forward_neither_repeats_nor_invents() {
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::NotStarted, T0)];
        assert_eq!(tick(&mut l, &m, T0 - 5 * MIN, T0 - 4 * MIN), starting("c1"));
        // Put back 10 minutes, then on again: due by the times once more, but it fired.
        assert!(tick(&mut l, &m, T0 - 5 * MIN, T0 - 14 * MIN).is_empty());
        assert!(tick(&mut l, &m, T0 - 5 * MIN, T0 - 5 * MIN).is_empty());
        // Jumped forward a day: today's booking is long past, nothing fires.
        let other = [meeting("c2", Status::NotStarted, T0 + 20 * MIN)];
        assert!(tick(&mut l, &other, T0, T0 + crate::view::DAY_MS).is_empty());
        // A fresh report "from the future" after the clock was put back still counts as fresh.
        let live_now = [meeting("c3", Status::Live, T0 - 60 * MIN)];
        assert_eq!(tick(&mut l, &live_now, T0 + 60 * MIN, T0), live("c3"));
    }

    #[test]
    fn a_time_zone_change_moves_no_reminder_only_its_words() {
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::NotStarted, T0)];
        // The same instants fire the same reminder whatever the zone: decided in UTC ms.
        let room = room();
        let rooms = [RoomMeetings {
            room: &room,
            meetings: &m,
            fetched_at_ms: T0 - 5 * MIN,
        }];
        let due = take_due(PROFILE, &rooms, ON, T0 - 5 * MIN, &mut l);
        assert_eq!(due.len(), 1);
        let shanghai = FixedOffset::east_opt(8 * 3600).unwrap();
        let london = FixedOffset::east_opt(0).unwrap();
        assert_eq!(due[0].title(Lang::En, &shanghai), "At 09:30 in Board room");
        assert_eq!(due[0].title(Lang::En, &london), "At 01:30 in Board room");
        assert!(due[0].title(Lang::ZhCn, &shanghai).contains("09:30"));
        assert!(take_due(PROFILE, &rooms, ON, T0 - 4 * MIN, &mut l).is_empty());
    }

    #[test]
    fn the_ledger_survives_a_restart() {
        let m = [meeting("c1", Status::Live, T0)];
        let mut before = MemoryLedger::default();
        assert_eq!(tick(&mut before, &m, T0, T0), live("c1"));
        // The app's ledger is the cache database; a restart reads the same keys back.
        let mut after_restart = before.clone();
        assert!(tick(&mut after_restart, &m, T0 + MIN, T0 + MIN).is_empty());
        let mut fresh_install = MemoryLedger::default();
        assert_eq!(tick(&mut fresh_install, &m, T0 + MIN, T0 + MIN), live("c1"));
    }

    #[test]
    fn a_rescheduled_meeting_gets_a_new_reminder() {
        let mut l = MemoryLedger::default();
        let m = [meeting("c1", Status::NotStarted, T0)];
        assert_eq!(tick(&mut l, &m, T0 - 5 * MIN, T0 - 5 * MIN), starting("c1"));
        let moved = [meeting("c1", Status::NotStarted, T0 + 60 * MIN)];
        assert!(
            tick(&mut l, &moved, T0, T0).is_empty(),
            "not yet due at its new time"
        );
        assert_eq!(
            tick(&mut l, &moved, T0 + 55 * MIN, T0 + 55 * MIN),
            starting("c1")
        );
    }

    #[test]
    fn off_switch_minutes_and_unidentifiable_meetings() {
        let room = room();
        let m = [meeting("c1", Status::NotStarted, T0 + 30 * MIN)];
        let rooms = [RoomMeetings {
            room: &room,
            meetings: &m,
            fetched_at_ms: T0,
        }];
        let l = MemoryLedger::default();
        let off = ReminderPrefs {
            on: false,
            minutes: 60,
        };
        assert!(due(PROFILE, &rooms, off, T0, &l).is_empty());
        let hour = ReminderPrefs {
            on: true,
            minutes: 30,
        };
        assert_eq!(due(PROFILE, &rooms, hour, T0, &l).len(), 1);
        let at_start = ReminderPrefs {
            on: true,
            minutes: 0,
        };
        assert!(due(PROFILE, &rooms, at_start, T0 + 29 * MIN, &l).is_empty());
        assert_eq!(due(PROFILE, &rooms, at_start, T0 + 30 * MIN, &l).len(), 1);
        let mut anonymous = m[0].clone();
        anonymous.conference_id = Some("  ".into());
        let rooms = [RoomMeetings {
            room: &room,
            meetings: std::slice::from_ref(&anonymous),
            fetched_at_ms: T0,
        }];
        assert!(due(PROFILE, &rooms, hour, T0, &l).is_empty());
        let d = Settings::default();
        assert_eq!(
            ReminderPrefs::from(&d),
            ReminderPrefs {
                on: true,
                minutes: 5
            }
        );
    }

    #[test]
    fn keys_tell_profiles_rooms_kinds_and_starts_apart() {
        let k = |p, r, c, kind, s| ReminderKey::new(p, r, c, kind, s);
        let base = k("p", "427233559", "c1", ReminderKind::Live, Some(T0));
        for other in [
            k("q", "427233559", "c1", ReminderKind::Live, Some(T0)),
            k("p", "500000005", "c1", ReminderKind::Live, Some(T0)),
            k("p", "427233559", "c2", ReminderKind::Live, Some(T0)),
            k("p", "427233559", "c1", ReminderKind::Starting, Some(T0)),
            k("p", "427233559", "c1", ReminderKind::Live, Some(T0 + 1)),
            k("p", "427233559", "c1", ReminderKind::Live, None),
            // A separator inside a part cannot make two keys collide.
            k("p\",\"427233559", "c1", "", ReminderKind::Live, Some(T0)),
        ] {
            assert_ne!(base, other);
        }
        assert_eq!(
            base.as_str(),
            format!(r#"["p","427233559","c1","live",{T0}]"#),
            "the stored form is stable"
        );
    }

    #[test]
    fn the_words_are_plain_and_short() {
        let mut d = Due {
            key: ReminderKey::new("p", "r", "c", ReminderKind::Live, None),
            kind: ReminderKind::Live,
            room: room(),
            conference_id: "c".into(),
            meeting_title: Some(format!("Sync\n\u{202E}{}", "x".repeat(200))),
            start: None,
        };
        let body = d.body(Lang::En);
        assert!(
            !body.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{body:?}"
        );
        assert_eq!(body.chars().count(), NOTIFICATION_TITLE_MAX_CHARS);
        assert!(body.starts_with("Sync x") && body.ends_with('…'));
        assert_eq!(d.title(Lang::En, &chrono::Utc), "Live now in Board room");
        d.meeting_title = None;
        assert_eq!(d.body(Lang::ZhCn), Lang::ZhCn.text("row.untitled"));
    }
}
