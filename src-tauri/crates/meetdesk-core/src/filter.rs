//! Which meetings are shown: the one filter the window's filter bar and the CLI's `--since`,
//! `--until`, `--status`, `--type`, `--host`, `--title` flags both apply, so a report made in
//! either has the same rows. What is shown is what is exported and summarised.
//!
//! A [`Filter`] is what crossed the boundary (the page's filter bar, the command line): every
//! field may be absent, empty or hostile. [`Filter::compile`] checks it once and gives a
//! [`Matcher`], which only answers "is this meeting shown".
//!
//! The rules:
//! - `text` is split on white space; every word must occur in the title or the host's name
//!   (each word in either), case-insensitively. "weekly zhang" finds Zhang's weekly sync.
//! - `title` and `host` are one substring each, case-insensitive (the CLI's `--title`, `--host`).
//! - Case-insensitive means Unicode lower case on both sides (`str::to_lowercase`); Chinese has no
//!   case and matches as typed.
//! - `statuses` and `types` are "any of"; empty means any. Statuses are the view's
//!   ([`ViewStatus`]), types the view's keys ([`dingtalk::BizType::key`]).
//! - `since` (inclusive) and `until` (exclusive) bound the meeting's start, in ms since the epoch,
//!   as [`MeetingView::start`] has it. A meeting whose start is unknown cannot be placed in a
//!   range, so it is not shown once either bound is set. [`parse_bound`] reads a bound as people
//!   type it (`2026-11-30`, `2026-11-30 09:00`, `2026-11-30T09:00:00+08:00`, …).
//!
//! Plain Rust, no Tauri.

use chrono::{
    DateTime, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
};
use dingtalk::{BizType, Meeting};
use serde::{Deserialize, Serialize};

use crate::export::ExportZone;
use crate::view::{MeetingRow, MeetingView, ViewStatus};

/// A date or date-time bound, as typed, to ms since the epoch.
///
/// Accepts `2026-11-30` (its midnight), `2026-11-30T09:00` or `2026-11-30 09:00`, with seconds
/// (`09:00:30`, fractions allowed), and with an offset (`+08:00`, `+0800`, `Z`). Without an offset
/// the time is the wall clock in `zone`; where that time does not exist (the hour skipped when
/// daylight saving time starts) it is the first valid time after it, and where it exists twice
/// (the hour repeated when it ends) the first of the two. The error says what to type.
pub fn parse_bound(s: &str, zone: &ExportZone) -> Result<i64, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "{s:?} is not a date or time: write it like 2026-11-30, 2026-11-30T09:00 or 2026-11-30T09:00:00+08:00"
        )
    };
    if t.is_empty() {
        return Err(bad());
    }
    let (date, rest) = match t.find(['T', 't', ' ']) {
        Some(i) => (
            t.get(..i).unwrap_or(""),
            Some(t.get(i + 1..).unwrap_or("").trim()),
        ),
        None => (t, None),
    };
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
        if date.len() == 10 && date.bytes().filter(|b| *b == b'-').count() == 2 {
            format!("{date:?} is not a date of the calendar: write the year, month (01-12) and day, like 2026-11-30")
        } else {
            bad()
        }
    })?;
    // The offset follows the time: `Z`, or the last `+` / `-` (the date's dashes are gone).
    let Some(rest) = rest else {
        return first_or_bad(day.and_time(NaiveTime::MIN), None, zone, bad);
    };
    let (time, offset) = if let Some(x) = rest.strip_suffix(['Z', 'z']) {
        (x, Some(FixedOffset::east_opt(0).ok_or_else(bad)?))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let off = ExportZone::parse_offset(rest.get(i..).unwrap_or(""))?;
        (rest.get(..i).unwrap_or(""), Some(off))
    } else {
        (rest, None)
    };
    let time = match time.trim() {
        "" => return Err(bad()),
        x => ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .find_map(|f| NaiveTime::parse_from_str(x, f).ok())
            .ok_or_else(|| {
                format!(
                    "{x:?} is not a time of day: write it like 09:00 or 09:00:30 (24-hour clock)"
                )
            })?,
    };
    first_or_bad(day.and_time(time), offset, zone, bad)
}

fn first_or_bad(
    naive: NaiveDateTime,
    offset: Option<FixedOffset>,
    zone: &ExportZone,
    bad: impl Fn() -> String,
) -> Result<i64, String> {
    let ms = match (offset, zone) {
        (Some(o), _) | (None, &ExportZone::Fixed(o)) => first_valid(o, naive),
        (None, ExportZone::Local) => first_valid(Local, naive),
    };
    ms.ok_or_else(bad)
}

/// `naive` in `tz`: the earlier of two, or the first minute after a gap.
fn first_valid<Tz: TimeZone>(tz: Tz, naive: NaiveDateTime) -> Option<i64> {
    // No time zone has skipped more than a day (Samoa, 2011); walk minute by minute at most that far.
    let start = naive.and_utc().timestamp() / 60;
    for i in 0..=24 * 60 {
        let t = if i == 0 {
            naive
        } else {
            // Whole minutes after `naive`'s minute: 02:30 in a 02:00–03:00 gap gives 03:00.
            DateTime::from_timestamp((start + i) * 60, 0)?.naive_utc()
        };
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) => return Some(x.timestamp_millis()),
            LocalResult::Ambiguous(a, _) => return Some(a.timestamp_millis()),
            LocalResult::None => {}
        }
    }
    None
}

/// The longest text a filter field accepts, in characters. A title is at most a few hundred
/// characters; anything longer is not a search, and scanning 10,000 rows for it on every key
/// would make the filter bar lag.
pub const MAX_FILTER_TEXT_CHARS: usize = 200;

/// A filter as the window or the CLI gave it. Serialised camelCase; every field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    /// Free text over title and host.
    pub text: String,
    /// A substring of the title.
    pub title: String,
    /// A substring of the host's name.
    pub host: String,
    /// Shown statuses; empty = any.
    pub statuses: Vec<ViewStatus>,
    /// Shown meeting types by key (`instant`, `booked`, `audio`, `unknown`); empty = any.
    pub types: Vec<String>,
    /// Earliest start shown (inclusive), ms since the epoch.
    pub since: Option<i64>,
    /// Start before which meetings are shown (exclusive), ms since the epoch.
    pub until: Option<i64>,
}

/// Why a filter was refused; `field` is the [`Filter`] field's serde name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    pub field: &'static str,
    pub message: String,
}

impl FilterError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        FilterError {
            field,
            message: message.into(),
        }
    }
}

/// Every meeting type key a filter may name, from the one list of types.
pub fn type_keys() -> impl Iterator<Item = &'static str> {
    BizType::KNOWN
        .iter()
        .map(BizType::key)
        .chain(std::iter::once(BizType::Unknown(String::new()).key()))
}

impl Filter {
    /// Whether this filter shows every meeting.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
            && self.title.trim().is_empty()
            && self.host.trim().is_empty()
            && self.statuses.is_empty()
            && self.types.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Checks the filter and prepares it for matching.
    pub fn compile(&self) -> Result<Matcher, FilterError> {
        let needle = |field: &'static str, s: &str| -> Result<Option<String>, FilterError> {
            let s = s.trim();
            if s.chars().count() > MAX_FILTER_TEXT_CHARS {
                return Err(FilterError::new(
                    field,
                    format!(
                        "the {field} filter is longer than {MAX_FILTER_TEXT_CHARS} characters; shorten it"
                    ),
                ));
            }
            Ok((!s.is_empty()).then(|| s.to_lowercase()))
        };
        let words = needle("text", &self.text)?
            .map(|t| t.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let mut types: Vec<&'static str> = Vec::new();
        for t in &self.types {
            match type_keys().find(|k| k == t) {
                Some(k) if !types.contains(&k) => types.push(k),
                Some(_) => {}
                None => {
                    return Err(FilterError::new(
                        "types",
                        format!(
                            "{t:?} is not a meeting type; use one of {}",
                            type_keys().collect::<Vec<_>>().join(", ")
                        ),
                    ))
                }
            }
        }
        let mut statuses = self.statuses.clone();
        statuses.dedup();
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if until <= since {
                return Err(FilterError::new(
                    "until",
                    "the end of the date range is not after its start; swap them or widen the range",
                ));
            }
        }
        Ok(Matcher {
            words,
            title: needle("title", &self.title)?,
            host: needle("host", &self.host)?,
            statuses,
            types,
            since: self.since,
            until: self.until,
        })
    }
}

/// A checked filter, ready to match.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    words: Vec<String>,
    title: Option<String>,
    host: Option<String>,
    statuses: Vec<ViewStatus>,
    types: Vec<&'static str>,
    since: Option<i64>,
    until: Option<i64>,
}

impl Matcher {
    /// Whether every meeting passes (no need to scan).
    pub fn is_all(&self) -> bool {
        self.words.is_empty()
            && self.title.is_none()
            && self.host.is_none()
            && self.statuses.is_empty()
            && self.types.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Whether the meeting `m`, seen as `v`, is shown.
    pub fn matches(&self, m: &Meeting, v: &MeetingView) -> bool {
        if !self.statuses.is_empty() && !self.statuses.contains(&v.status) {
            return false;
        }
        if !self.types.is_empty() && !self.types.contains(&v.meeting_type) {
            return false;
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(start) = v.start else { return false };
            if self.since.is_some_and(|s| start < s) || self.until.is_some_and(|u| start >= u) {
                return false;
            }
        }
        if self.words.is_empty() && self.title.is_none() && self.host.is_none() {
            return true;
        }
        let title = m.title.as_deref().unwrap_or("").to_lowercase();
        let host = m.creator_nick.as_deref().unwrap_or("").to_lowercase();
        self.title
            .as_ref()
            .is_none_or(|t| title.contains(t.as_str()))
            && self.host.as_ref().is_none_or(|h| host.contains(h.as_str()))
            && self
                .words
                .iter()
                .all(|w| title.contains(w.as_str()) || host.contains(w.as_str()))
    }

    /// The positions in `rows` of the meetings shown, in order.
    pub fn shown(&self, rows: &[MeetingRow]) -> Vec<u32> {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| self.is_all() || self.matches(&r.meeting, &r.view))
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk::Status;

    /// 2026-11-26T01:30:00Z
    const T0: i64 = 1_795_656_600_000;

    fn row(title: &str, host: &str, status: Status, start: Option<i64>, biz: &str) -> MeetingRow {
        MeetingRow::new(
            Meeting {
                title: Some(title.into()),
                creator_nick: Some(host.into()),
                status: Some(status),
                start_time: start,
                biz_type: Some(BizType::from_wire(biz)),
                ..Default::default()
            },
            T0,
        )
    }

    fn rows() -> Vec<MeetingRow> {
        vec![
            row(
                "Weekly sync",
                "Zhang Wei",
                Status::Ended,
                Some(T0 - 86_400_000),
                "3",
            ),
            row("Client call", "Li Na", Status::Live, Some(T0), "0"),
            row(
                "周会",
                "王芳",
                Status::NotStarted,
                Some(T0 + 3_600_000),
                "3",
            ),
            row("No start", "Zhang Wei", Status::Ended, None, "audio_conf"),
        ]
    }

    fn shown(f: Filter) -> Vec<u32> {
        f.compile().expect("valid filter").shown(&rows())
    }

    #[test]
    fn an_empty_filter_shows_everything() {
        assert!(Filter::default().is_empty());
        assert_eq!(shown(Filter::default()), vec![0, 1, 2, 3]);
    }

    #[test]
    fn every_word_must_be_in_the_title_or_the_host_ignoring_case() {
        let text = |t: &str| {
            shown(Filter {
                text: t.into(),
                ..Default::default()
            })
        };
        assert_eq!(text("WEEKLY zhang"), vec![0]);
        assert_eq!(text("zhang"), vec![0, 3]);
        assert_eq!(text("周"), vec![2]);
        assert_eq!(text("王芳 周会"), vec![2]);
        assert_eq!(text("weekly li"), Vec::<u32>::new());
        assert_eq!(text("   "), vec![0, 1, 2, 3]);
    }

    #[test]
    fn title_and_host_are_separate_substrings() {
        let f = Filter {
            host: "zhang".into(),
            title: "no".into(),
            ..Default::default()
        };
        assert_eq!(shown(f), vec![3]);
    }

    #[test]
    fn statuses_and_types_are_any_of() {
        let f = Filter {
            statuses: vec![ViewStatus::Live, ViewStatus::NotStarted],
            ..Default::default()
        };
        assert_eq!(shown(f), vec![1, 2]);
        let f = Filter {
            types: vec!["booked".into(), "audio".into()],
            ..Default::default()
        };
        assert_eq!(shown(f), vec![0, 2, 3]);
    }

    #[test]
    fn the_range_is_inclusive_exclusive_on_the_start_and_drops_unknown_starts() {
        let f = Filter {
            since: Some(T0),
            until: Some(T0 + 3_600_000),
            ..Default::default()
        };
        assert_eq!(shown(f), vec![1]);
        let f = Filter {
            since: Some(T0 - 86_400_000),
            ..Default::default()
        };
        assert_eq!(shown(f), vec![0, 1, 2]);
    }

    #[test]
    fn bad_filters_are_refused_with_the_field_named() {
        let long = "x".repeat(MAX_FILTER_TEXT_CHARS + 1);
        let e = Filter {
            text: long,
            ..Default::default()
        }
        .compile()
        .unwrap_err();
        assert_eq!(e.field, "text");
        let e = Filter {
            types: vec!["webinar".into()],
            ..Default::default()
        }
        .compile()
        .unwrap_err();
        assert_eq!(e.field, "types");
        assert!(e.message.contains("booked"), "{}", e.message);
        let e = Filter {
            since: Some(T0),
            until: Some(T0),
            ..Default::default()
        }
        .compile()
        .unwrap_err();
        assert_eq!(e.field, "until");
    }

    #[test]
    fn a_filter_from_the_page_tolerates_missing_fields() {
        let f: Filter = serde_json::from_str(r#"{"statuses":["live"]}"#).expect("parses");
        assert_eq!(f.statuses, vec![ViewStatus::Live]);
        assert!(serde_json::from_str::<Filter>(r#"{"statuses":["gone"]}"#).is_err());
    }

    #[test]
    fn bounds_parse_as_typed_in_the_zone_unless_an_offset_is_given() {
        let z = ExportZone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap());
        let p = |s: &str| parse_bound(s, &z);
        // 2026-11-30T00:00:00+08:00
        let midnight = 1_795_968_000_000;
        assert_eq!(p("2026-11-30"), Ok(midnight));
        assert_eq!(p(" 2026-11-30 "), Ok(midnight));
        assert_eq!(p("2026-11-30T09:00"), Ok(midnight + 9 * 3_600_000));
        assert_eq!(p("2026-11-30 09:00"), Ok(midnight + 9 * 3_600_000));
        assert_eq!(
            p("2026-11-30T09:00:30"),
            Ok(midnight + 9 * 3_600_000 + 30_000)
        );
        assert_eq!(p("2026-11-30T09:00:00+08:00"), Ok(midnight + 9 * 3_600_000));
        assert_eq!(p("2026-11-30T01:00:00Z"), Ok(midnight + 9 * 3_600_000));
        assert_eq!(p("2026-11-30T09:00-05:00"), Ok(midnight + 22 * 3_600_000));
        assert_eq!(
            p("2026-11-30T09:00:00.500+0800"),
            Ok(midnight + 9 * 3_600_000 + 500)
        );
    }

    #[test]
    fn bad_bounds_say_what_to_type() {
        let z = ExportZone::Fixed(FixedOffset::east_opt(0).unwrap());
        for (s, says) in [
            ("2026-13-01", "month (01-12)"),
            ("2026-02-30", "month (01-12)"),
            ("yesterday", "2026-11-30T09:00"),
            ("", "2026-11-30"),
            ("30/11/2026", "2026-11-30"),
            ("2026-11-30T25:00", "24-hour"),
            ("2026-11-30T", "2026-11-30T09:00"),
            ("2026-11-30T09:00+99:00", "-14:00 to +14:00"),
        ] {
            let e = parse_bound(s, &z).expect_err(s);
            assert!(e.contains(says), "{s:?}: {e}");
        }
    }
}
