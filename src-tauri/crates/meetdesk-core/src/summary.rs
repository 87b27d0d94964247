//! The figures of a report: for the meetings shown, how many, how long in total and on average,
//! per host and per week. Computed here once; the window's summary (chart and table), the Excel
//! workbook's Summary sheet and the CLI all show these numbers.
//!
//! Durations are counted in whole minutes per meeting, truncated, as the window shows each one
//! ([`crate::view::whole_minutes`]): the total is the sum of the durations the rows show, so a
//! reader adding up the Meetings sheet's duration column in Excel gets the Summary sheet's total.
//! Meetings with no plausible duration count as meetings but not towards durations
//! (`timed` says how many had one); the average is over those.
//!
//! Weeks start on Monday (ISO 8601, as in China and most of Europe) in the given zone: a meeting
//! at 07:30 on Monday in Beijing is in that Monday's week even though it is Sunday in UTC.
//!
//! Plain Rust, no Tauri.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::export::ExportZone;
use crate::view::{whole_minutes, MeetingRow};

/// At most this many weeks are listed with the empty weeks between them filled in (ten years);
/// a wider span lists only the weeks that had meetings, so a stray date in 2099 cannot make a
/// chart of 4,000 empty bars.
pub const MAX_FILLED_WEEKS: u64 = 520;

/// One host's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostLine {
    /// The host's display name as DingTalk last sent it; `None` when it never did.
    pub name: Option<String>,
    pub count: u64,
    pub total_minutes: i64,
}

/// One week's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekLine {
    /// The Monday the week starts on, as `YYYY-MM-DD`.
    pub monday: NaiveDate,
    pub count: u64,
    pub total_minutes: i64,
}

/// The figures for a list of meetings. Serialised camelCase for the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Meetings counted.
    pub count: u64,
    /// Meetings with a known duration.
    pub timed: u64,
    /// Sum of the timed meetings' whole minutes.
    pub total_minutes: i64,
    /// `total_minutes / timed`, truncated; `None` when no meeting was timed.
    pub average_minutes: Option<i64>,
    /// Per host, most minutes first (then most meetings, then by name).
    pub hosts: Vec<HostLine>,
    /// Per week, oldest first; empty weeks in between are listed with zeros (see
    /// [`MAX_FILLED_WEEKS`]).
    pub weeks: Vec<WeekLine>,
    /// Meetings whose start is unknown, so they are in no week.
    pub undated: u64,
}

impl Summary {
    /// The figures for `rows` (all of them: filter first), weeks in `zone`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a MeetingRow>, zone: &ExportZone) -> Summary {
        let mut s = Summary::default();
        // Hosts are told apart by DingTalk's id when it sent one (two people may share a name),
        // else by name; meetings with neither are one "unknown host" line.
        let mut hosts: HashMap<String, HostLine> = HashMap::new();
        let mut weeks: BTreeMap<NaiveDate, WeekLine> = BTreeMap::new();
        for r in rows {
            let minutes = r.view.duration_ms.map(whole_minutes);
            s.count += 1;
            if let Some(m) = minutes {
                s.timed += 1;
                s.total_minutes = s.total_minutes.saturating_add(m);
            }
            let m = minutes.unwrap_or(0);

            let name = r
                .meeting
                .creator_nick
                .as_deref()
                .filter(|n| !n.trim().is_empty());
            let key = match (
                r.meeting.creator_id.as_deref().filter(|i| !i.is_empty()),
                name,
            ) {
                (Some(id), _) => format!("id:{id}"),
                (None, Some(n)) => format!("name:{n}"),
                (None, None) => String::new(),
            };
            let line = hosts.entry(key).or_insert_with(|| HostLine {
                name: None,
                count: 0,
                total_minutes: 0,
            });
            if let Some(n) = name {
                line.name = Some(n.to_owned());
            }
            line.count += 1;
            line.total_minutes = line.total_minutes.saturating_add(m);

            match r.view.start.and_then(|ms| zone.at_millis(ms)) {
                Some(t) => {
                    let day = t.date_naive();
                    let monday = day
                        .checked_sub_days(Days::new(u64::from(
                            day.weekday().num_days_from_monday(),
                        )))
                        .unwrap_or(day);
                    let w = weeks.entry(monday).or_insert_with(|| WeekLine {
                        monday,
                        count: 0,
                        total_minutes: 0,
                    });
                    w.count += 1;
                    w.total_minutes = w.total_minutes.saturating_add(m);
                }
                None => s.undated += 1,
            }
        }
        s.average_minutes =
            (s.timed > 0).then(|| s.total_minutes / i64::try_from(s.timed).unwrap_or(i64::MAX));

        let mut hosts: Vec<HostLine> = hosts.into_values().collect();
        hosts.sort_by(|a, b| {
            b.total_minutes
                .cmp(&a.total_minutes)
                .then(b.count.cmp(&a.count))
                .then_with(|| a.name.cmp(&b.name))
        });
        s.hosts = hosts;
        s.weeks = fill_weeks(weeks);
        s
    }
}

fn fill_weeks(weeks: BTreeMap<NaiveDate, WeekLine>) -> Vec<WeekLine> {
    let (Some(first), Some(last)) = (weeks.keys().next(), weeks.keys().next_back()) else {
        return Vec::new();
    };
    let span = u64::try_from((*last - *first).num_weeks()).unwrap_or(u64::MAX);
    if span >= MAX_FILLED_WEEKS {
        return weeks.into_values().collect();
    }
    let mut out = Vec::new();
    let mut monday = *first;
    while monday <= *last {
        out.push(weeks.get(&monday).cloned().unwrap_or(WeekLine {
            monday,
            count: 0,
            total_minutes: 0,
        }));
        match monday.checked_add_days(Days::new(7)) {
            Some(next) => monday = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use dingtalk::{Meeting, Status};

    /// Monday 2026-11-23T00:30:00+08:00 (Sunday 16:30 UTC).
    const MON: i64 = 1_795_365_000_000;
    const MIN: i64 = 60_000;
    const WEEK: i64 = 7 * 24 * 60 * MIN;

    fn row(host: Option<(&str, &str)>, start: Option<i64>, dur: Option<i64>) -> MeetingRow {
        MeetingRow::new(
            Meeting {
                status: Some(Status::Ended),
                creator_id: host.map(|h| h.0.into()),
                creator_nick: host.map(|h| h.1.into()),
                start_time: start,
                conf_duration: dur,
                ..Default::default()
            },
            MON + 4 * WEEK,
        )
    }

    fn beijing() -> ExportZone {
        ExportZone::Fixed(FixedOffset::east_opt(8 * 3600).expect("offset"))
    }

    #[test]
    fn totals_are_sums_of_the_minutes_the_rows_show() {
        let rows = [
            row(Some(("u1", "Zhang")), Some(MON), Some(12 * MIN + 59_000)),
            row(Some(("u1", "Zhang")), Some(MON + MIN), Some(59_999)),
            row(Some(("u2", "Li")), Some(MON + 2 * WEEK), Some(90 * MIN)),
            row(None, None, None),
        ];
        let s = Summary::of(&rows, &beijing());
        assert_eq!(s.count, 4);
        assert_eq!(s.timed, 3);
        assert_eq!(s.total_minutes, 12 + 90);
        assert_eq!(s.average_minutes, Some(34));
        assert_eq!(s.undated, 1);
        let hosts: Vec<_> = s
            .hosts
            .iter()
            .map(|h| (h.name.as_deref(), h.count, h.total_minutes))
            .collect();
        assert_eq!(
            hosts,
            vec![(Some("Li"), 1, 90), (Some("Zhang"), 2, 12), (None, 1, 0)]
        );
    }

    #[test]
    fn weeks_start_on_monday_in_the_zone_and_gaps_are_filled() {
        let rows = [
            row(None, Some(MON), Some(MIN)),
            row(None, Some(MON + 2 * WEEK + 3 * MIN), Some(2 * MIN)),
        ];
        let s = Summary::of(&rows, &beijing());
        let weeks: Vec<_> = s
            .weeks
            .iter()
            .map(|w| (w.monday.to_string(), w.count, w.total_minutes))
            .collect();
        assert_eq!(
            weeks,
            vec![
                ("2026-11-23".into(), 1, 1),
                ("2026-11-30".into(), 0, 0),
                ("2026-12-07".into(), 1, 2)
            ]
        );
        // In UTC the first meeting is on Sunday, in the week before.
        let utc = Summary::of(
            &rows,
            &ExportZone::Fixed(FixedOffset::east_opt(0).expect("utc")),
        );
        assert_eq!(utc.weeks[0].monday.to_string(), "2026-11-16");
    }

    #[test]
    fn a_stray_far_date_does_not_fill_thousands_of_weeks() {
        let far = MON + 600 * WEEK;
        let rows = [row(None, Some(MON), None), row(None, Some(far), None)];
        assert_eq!(Summary::of(&rows, &beijing()).weeks.len(), 2);
    }

    #[test]
    fn nothing_gives_zeros_and_no_average() {
        let s = Summary::of(&[], &beijing());
        assert_eq!(s, Summary::default());
        assert_eq!(s.average_minutes, None);
    }
}
