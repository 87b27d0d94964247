//! How one meeting is shown: the one rule for its status, start, end and duration, used by the
//! window (through [`crate::query::Snapshot`]), the CLI table and the CSV export alike, so the
//! three never disagree about a meeting.
//!
//! DingTalk's numbers are untrusted: any `i64` can arrive in any field. A value that cannot be
//! right is shown as unknown (an empty cell, "—") rather than as nonsense:
//! - a start or end outside [`PLAUSIBLE_FROM_MS`]..[`PLAUSIBLE_UNTIL_MS`] (years 2000 to 2100 in
//!   every time zone), or an end before the start, is unknown;
//! - the duration is `confDuration` when it is between 0 and [`MAX_DURATION_MS`], else the span
//!   from start to end when that is positive and within the same bound, else unknown;
//! - a meeting still "live" more than [`LIVE_CAVEAT_AFTER_MS`] after its start keeps the status
//!   live (that is what DingTalk says, and it may be right) but carries
//!   [`Caveat::LiveOverADay`], shown as "over a day, may have ended" beside it.
//!
//! Durations are shown truncated, never rounded up: the window and the CLI show whole minutes
//! ([`whole_minutes`]), the CSV minutes with one decimal ([`tenths_of_minutes`]); 12 min 59 s
//! is "12 min" in both and 12.9 in the CSV, so a column summed in Excel never claims more time
//! than the window showed. The split into hours and minutes is made here once
//! ([`DurationParts`], sent with every row as `view.duration`); the window and the CLI only put
//! the catalog's words around those numbers ([`DurationParts::text`] is the CLI's, ui/format.js
//! `durationText` the window's), so neither can round, split or word it differently.
//!
//! Plain Rust, no Tauri.

use dingtalk::{Meeting, Status};
use serde::Serialize;

use crate::catalog::Lang;

pub const MINUTE_MS: i64 = 60_000;
pub const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// Earliest plausible start or end: 2000-01-02T00:00:00Z. DingTalk's video meetings began in the
/// 2010s; anything earlier is a zero, a negative or seconds sent as milliseconds. One day after
/// New Year so that no time zone (UTC−12 at most) turns it into a date in 1999.
pub const PLAUSIBLE_FROM_MS: i64 = 946_771_200_000;

/// First implausible start or end: 2100-12-31T00:00:00Z, so that even UTC+14 stays within the
/// year 2100. Booked meetings are at most a few years ahead; later is garbage (or `i64::MAX`).
pub const PLAUSIBLE_UNTIL_MS: i64 = 4_133_894_400_000;

/// Longest duration believed: 7 days. DingTalk ends a meeting after 24 hours at most; a week
/// leaves room for a deployment that allows longer, and keeps `i64::MAX` ms from being shown as
/// "153722867280912 min".
pub const MAX_DURATION_MS: i64 = 7 * DAY_MS;

/// How long a meeting may say "live" before the caveat appears: one day. DingTalk's meetings
/// end by themselves within 24 hours, so a meeting live for longer most likely ended and the
/// server never updated its status.
pub const LIVE_CAVEAT_AFTER_MS: i64 = DAY_MS;

/// The status as shown. Serialised as `"notStarted" | "live" | "ended" | "unknown"` (the window's
/// `status.*` words).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, strum::VariantArray,
)]
#[serde(rename_all = "camelCase")]
pub enum ViewStatus {
    NotStarted,
    Live,
    Ended,
    Unknown,
}

/// A plain doubt shown next to a value that is possible but unlikely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::VariantArray)]
#[serde(rename_all = "camelCase")]
pub enum Caveat {
    /// "Live" for more than [`LIVE_CAVEAT_AFTER_MS`].
    LiveOverADay,
}

/// A duration as shown, split once: whole minutes, truncated (59.9 s is under a minute, 1 h 29 min
/// 30 s is 1 h 29 min). Serialised with the row as `{ "kind": "minutes", "m": 12 }`; `kind` names
/// the catalog key (`duration.<kind>`) and the numbers are its placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DurationParts {
    /// Unknown (no plausible duration): "—".
    None,
    /// Under one whole minute: "< 1 min".
    LessThanMinute,
    /// 1 to 59 whole minutes.
    Minutes { m: i64 },
    /// Whole hours, no minutes left over.
    Hours { h: i64 },
    /// Hours and 1 to 59 minutes.
    HoursMinutes { h: i64, m: i64 },
}

impl DurationParts {
    /// The parts of a duration in ms; `None` (unknown) or a negative value is [`DurationParts::None`].
    pub fn of(duration_ms: Option<i64>) -> DurationParts {
        let Some(ms) = duration_ms.filter(|d| *d >= 0) else {
            return DurationParts::None;
        };
        let total = whole_minutes(ms);
        let (h, m) = (total / 60, total % 60);
        match (total, h, m) {
            (0, _, _) => DurationParts::LessThanMinute,
            (_, 0, m) => DurationParts::Minutes { m },
            (_, h, 0) => DurationParts::Hours { h },
            (_, h, m) => DurationParts::HoursMinutes { h, m },
        }
    }

    /// The catalog key of these parts: `duration.none`, `duration.minutes`, …
    pub fn key(self) -> &'static str {
        match self {
            DurationParts::None => "duration.none",
            DurationParts::LessThanMinute => "duration.lessThanMinute",
            DurationParts::Minutes { .. } => "duration.minutes",
            DurationParts::Hours { .. } => "duration.hours",
            DurationParts::HoursMinutes { .. } => "duration.hoursMinutes",
        }
    }

    /// In words: "12 min", "1 h 29 min", "168 h" ("12 分钟", …), the window's words.
    pub fn text(self, lang: Lang) -> String {
        match self {
            DurationParts::None | DurationParts::LessThanMinute => lang.text(self.key()).to_owned(),
            DurationParts::Minutes { m } => lang.fill(self.key(), &[("m", &m)]),
            DurationParts::Hours { h } => lang.fill(self.key(), &[("h", &h)]),
            DurationParts::HoursMinutes { h, m } => lang.fill(self.key(), &[("h", &h), ("m", &m)]),
        }
    }
}

/// A meeting as shown, computed once from the wire values and the current time. Serialises as
/// `{ status, start, end, durationMs, duration, caveat, joinable }` (times in ms since the epoch,
/// `null` when unknown; `duration` the [`DurationParts`] of `durationMs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingView {
    pub status: ViewStatus,
    /// DingTalk's own status value, for "Unknown (7)" in the CLI and CSV; `None` when the server
    /// sent none (an empty cell there).
    #[serde(skip)]
    pub wire_status: Option<Status>,
    /// Start, when plausible.
    pub start: Option<i64>,
    /// End, when plausible and not before the start.
    pub end: Option<i64>,
    /// Duration in ms, between 0 and [`MAX_DURATION_MS`].
    pub duration_ms: Option<i64>,
    /// `duration_ms` as shown (the one split into hours and minutes).
    pub duration: DurationParts,
    pub caveat: Option<Caveat>,
    /// The meeting type's key (`instant`, `booked`, `audio`, `unknown`: [`dingtalk::BizType::key`]),
    /// which the window's words are keyed by, so the window never reads DingTalk's `bizType`.
    #[serde(rename = "type")]
    pub meeting_type: &'static str,
    /// Whether DingTalk gave a join link at all (whether it is safe is checked on Join).
    pub joinable: bool,
}

/// `Some(ms)` when `ms` is within the plausible years.
pub fn plausible_time(ms: i64) -> Option<i64> {
    (PLAUSIBLE_FROM_MS..PLAUSIBLE_UNTIL_MS)
        .contains(&ms)
        .then_some(ms)
}

fn plausible_duration(ms: i64) -> Option<i64> {
    (0..=MAX_DURATION_MS).contains(&ms).then_some(ms)
}

impl MeetingView {
    /// The view of `m` at `now_ms` (ms since the epoch; only the live caveat depends on it).
    pub fn new(m: &Meeting, now_ms: i64) -> MeetingView {
        let start = m.start_time.and_then(plausible_time);
        let end = m
            .end_time
            .and_then(plausible_time)
            .filter(|e| start.is_none_or(|s| *e >= s));
        let span = match (start, end) {
            (Some(s), Some(e)) => e.checked_sub(s).filter(|d| *d > 0),
            _ => None,
        };
        let duration_ms = m
            .conf_duration
            .and_then(plausible_duration)
            .or_else(|| span.and_then(plausible_duration));
        let status = match m.status {
            Some(Status::NotStarted) => ViewStatus::NotStarted,
            Some(Status::Live) => ViewStatus::Live,
            Some(Status::Ended) => ViewStatus::Ended,
            Some(Status::Unknown(_)) | None => ViewStatus::Unknown,
        };
        let live_for = start.and_then(|s| now_ms.checked_sub(s));
        let caveat = (status == ViewStatus::Live
            && live_for.is_some_and(|d| d > LIVE_CAVEAT_AFTER_MS))
        .then_some(Caveat::LiveOverADay);
        MeetingView {
            status,
            wire_status: m.status,
            start,
            end,
            duration_ms,
            duration: DurationParts::of(duration_ms),
            caveat,
            meeting_type: m.biz_type.as_ref().map_or("unknown", |t| t.key()),
            joinable: m
                .external_link_url
                .as_deref()
                .is_some_and(|l| !l.trim().is_empty()),
        }
    }
}

/// The current time in ms since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Whole minutes, truncated (12 min 59 s → 12): what the window and the CLI show.
pub fn whole_minutes(duration_ms: i64) -> i64 {
    duration_ms.max(0) / MINUTE_MS
}

/// Tenths of a minute, truncated (12 min 59 s → 129, shown 12.9): the CSV's duration column.
pub fn tenths_of_minutes(duration_ms: i64) -> i64 {
    duration_ms.max(0) / (MINUTE_MS / 10)
}

/// A meeting with its view, as the window receives it: DingTalk's fields as sent (camelCase,
/// absent ones left out) plus `view`.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingRow {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub view: MeetingView,
}

impl MeetingRow {
    pub fn new(meeting: Meeting, now_ms: i64) -> MeetingRow {
        let view = MeetingView::new(&meeting, now_ms);
        MeetingRow { meeting, view }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};

    /// 2026-11-26T01:30:00Z
    const T0: i64 = 1_795_656_600_000;

    fn at(start: Option<i64>, end: Option<i64>, conf: Option<i64>) -> Meeting {
        Meeting {
            status: Some(Status::Ended),
            start_time: start,
            end_time: end,
            conf_duration: conf,
            ..Default::default()
        }
    }

    #[test]
    fn the_row_carries_the_meeting_type_key_so_the_window_never_reads_biz_type() {
        let of = |wire: Option<&str>| {
            let mut m = at(None, None, None);
            m.biz_type = wire.map(dingtalk::BizType::from_wire);
            serde_json::to_value(MeetingView::new(&m, T0)).unwrap()["type"].clone()
        };
        assert_eq!(of(Some("0")), "instant");
        assert_eq!(of(Some("3")), "booked");
        assert_eq!(of(Some("audio_conf")), "audio");
        assert_eq!(of(Some("video_x")), "unknown");
        assert_eq!(of(None), "unknown");
    }

    #[test]
    fn bounds_are_the_dates_their_docs_say() {
        let from = Utc.with_ymd_and_hms(2000, 1, 2, 0, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2100, 12, 31, 0, 0, 0).unwrap();
        assert_eq!(from.timestamp_millis(), PLAUSIBLE_FROM_MS);
        assert_eq!(until.timestamp_millis(), PLAUSIBLE_UNTIL_MS);
        // The years stay 2000..=2100 at the extreme offsets.
        for off in [-12 * 3600, 14 * 3600] {
            let z = FixedOffset::east_opt(off).unwrap();
            for ms in [PLAUSIBLE_FROM_MS, PLAUSIBLE_UNTIL_MS - 1] {
                let y = DateTime::from_timestamp_millis(ms)
                    .unwrap()
                    .with_timezone(&z)
                    .year();
                assert!((2000..=2100).contains(&y), "{ms} at {off}: {y}");
            }
        }
    }

    #[test]
    fn extreme_durations_are_unknown_not_nonsense() {
        for d in [i64::MAX, i64::MIN, -1, MAX_DURATION_MS + 1] {
            let v = MeetingView::new(&at(None, None, Some(d)), T0);
            assert_eq!(v.duration_ms, None, "{d}");
        }
        let v = MeetingView::new(&at(None, None, Some(MAX_DURATION_MS)), T0);
        assert_eq!(v.duration_ms, Some(MAX_DURATION_MS));
        // A bad confDuration falls back to a good span.
        let v = MeetingView::new(&at(Some(T0), Some(T0 + 600_000), Some(i64::MIN)), T0);
        assert_eq!(v.duration_ms, Some(600_000));
        // The API's own example: end before start, confDuration given.
        let v = MeetingView::new(&at(Some(T0), Some(T0 - 5), Some(1_000_000)), T0);
        assert_eq!((v.end, v.duration_ms), (None, Some(1_000_000)));
        // A span over the bound is not believed either.
        let v = MeetingView::new(&at(Some(T0), Some(T0 + 8 * DAY_MS), None), T0);
        assert_eq!(v.duration_ms, None);
    }

    #[test]
    fn extreme_times_are_unknown() {
        for t in [i64::MIN, -1, 0, 1_000_000_000, PLAUSIBLE_UNTIL_MS, i64::MAX] {
            let v = MeetingView::new(&at(Some(t), Some(t), None), T0);
            assert_eq!((v.start, v.end, v.duration_ms), (None, None, None), "{t}");
        }
        let v = MeetingView::new(&at(Some(i64::MIN), Some(i64::MAX), None), T0);
        assert_eq!(v.duration_ms, None, "no overflow, no span");
    }

    #[test]
    fn live_for_more_than_a_day_carries_the_caveat() {
        let live = |start| Meeting {
            status: Some(Status::Live),
            start_time: Some(start),
            ..Default::default()
        };
        let v = MeetingView::new(&live(T0 - 12 * MINUTE_MS), T0);
        assert_eq!((v.status, v.caveat), (ViewStatus::Live, None));
        let v = MeetingView::new(&live(T0 - LIVE_CAVEAT_AFTER_MS - 1), T0);
        assert_eq!(
            (v.status, v.caveat),
            (ViewStatus::Live, Some(Caveat::LiveOverADay))
        );
        // No caveat for an ended meeting, nor for a live one without a usable start.
        let mut m = live(T0 - 3 * DAY_MS);
        m.status = Some(Status::Ended);
        assert_eq!(MeetingView::new(&m, T0).caveat, None);
        assert_eq!(MeetingView::new(&live(i64::MIN), T0).caveat, None);
        assert_eq!(
            MeetingView::new(&live(T0 - 3 * DAY_MS), i64::MIN).caveat,
            None
        );
    }

    #[test]
    fn truncation_is_the_one_rounding_rule() {
        let d = 12 * MINUTE_MS + 59_000;
        assert_eq!(whole_minutes(d), 12);
        assert_eq!(tenths_of_minutes(d), 129);
        assert_eq!(whole_minutes(59_999), 0);
        assert_eq!(tenths_of_minutes(5_999), 0);
        assert_eq!(whole_minutes(i64::MIN), 0);
    }

    /// The rounding edges every face must agree on (issue 11), with 1 h sharp, where the CLI
    /// once said "1 h 0 min" and the window "1 h", and an unknown duration.
    pub(crate) const DURATION_EDGES: [(&str, Option<i64>); 7] = [
        ("59 s", Some(59_000)),
        ("12 min 59 s", Some(12 * MINUTE_MS + 59_000)),
        ("59 min 59.9 s", Some(60 * MINUTE_MS - 100)),
        ("1 h", Some(60 * MINUTE_MS)),
        ("1 h 29 min 30 s", Some(89 * MINUTE_MS + 30_000)),
        ("7 days", Some(MAX_DURATION_MS)),
        ("unknown", None),
    ];

    #[test]
    fn duration_parts_on_the_rounding_edges() {
        let parts: Vec<DurationParts> = DURATION_EDGES
            .iter()
            .map(|(_, d)| DurationParts::of(*d))
            .collect();
        assert_eq!(
            parts,
            [
                DurationParts::LessThanMinute,
                DurationParts::Minutes { m: 12 },
                DurationParts::Minutes { m: 59 },
                DurationParts::Hours { h: 1 },
                DurationParts::HoursMinutes { h: 1, m: 29 },
                DurationParts::Hours { h: 168 },
                DurationParts::None,
            ]
        );
        let en: Vec<String> = parts.iter().map(|p| p.text(Lang::En)).collect();
        assert_eq!(
            en,
            [
                "< 1 min",
                "12 min",
                "59 min",
                "1 h",
                "1 h 29 min",
                "168 h",
                "—"
            ]
        );
        assert_eq!(
            DurationParts::HoursMinutes { h: 1, m: 29 }.text(Lang::ZhCn),
            "1 小时 29 分钟"
        );
        assert_eq!(DurationParts::of(Some(-1)), DurationParts::None);
        assert_eq!(
            serde_json::to_value(DurationParts::HoursMinutes { h: 1, m: 29 }).unwrap(),
            serde_json::json!({ "kind": "hoursMinutes", "h": 1, "m": 29 })
        );
        // The CSV's tenths never say more whole minutes than the parts.
        for (name, d) in DURATION_EDGES {
            let Some(d) = d else { continue };
            assert_eq!(tenths_of_minutes(d) / 10, whole_minutes(d), "{name}");
        }
    }

    /// `tests/fixtures/duration-edges.json`: what Rust sends (`view.duration`), says (the CLI's
    /// words) and writes (the CSV cell) for each edge. ui/format.test.js renders the parts with
    /// the window's code and must get the same words, so the two cannot drift; this test fails
    /// when the file is stale (`MEETDESK_BLESS=1` rewrites it).
    #[test]
    fn duration_edges_fixture_is_current() {
        let cases: Vec<serde_json::Value> = DURATION_EDGES
            .iter()
            .map(|(name, d)| {
                let parts = DurationParts::of(*d);
                let csv = |dec| {
                    d.map(|ms| crate::export::duration_minutes(ms, dec))
                        .unwrap_or_default()
                };
                serde_json::json!({
                    "name": name,
                    "durationMs": d,
                    "duration": parts,
                    "text": { "en": parts.text(Lang::En), "zh-CN": parts.text(Lang::ZhCn) },
                    "csv": { "comma": csv('.'), "semicolon": csv(',') },
                })
            })
            .collect();
        let doc = serde_json::json!({
            "about": "Written by meetdesk-core (view.rs, duration_edges_fixture_is_current; MEETDESK_BLESS=1 rewrites it). Read by ui/format.test.js and meetdesk-cli/tests/durations.rs: the window, the CLI table and the CSV must show these durations exactly so.",
            "cases": cases,
        });
        let want = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../tests/fixtures/duration-edges.json");
        if std::env::var_os("MEETDESK_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run `MEETDESK_BLESS=1 cargo test -p meetdesk-core duration_edges` and commit it",
            path.display()
        );
    }

    #[test]
    fn window_row_carries_the_wire_fields_and_the_view() {
        let m = Meeting {
            conference_id: Some("c1".into()),
            status: Some(Status::Unknown(7)),
            start_time: Some(T0),
            conf_duration: Some(i64::MAX),
            external_link_url: Some("  ".into()),
            ..Default::default()
        };
        let json = serde_json::to_value(MeetingRow::new(m, T0)).unwrap();
        assert_eq!(json["conferenceId"], "c1");
        assert_eq!(json["status"], 7);
        assert_eq!(json["confDuration"], i64::MAX);
        assert_eq!(
            json["view"],
            serde_json::json!({
                "status": "unknown", "type": "unknown", "start": T0, "end": null, "durationMs": null,
                "duration": { "kind": "none" }, "caveat": null, "joinable": false
            })
        );
    }
}
