//! What the benchmarks share: one set of generated meetings (so the CSV and Excel exports are
//! measured on the same data and compare), the export options they use, medians, and readings of
//! this process from /proc.
//!
//! Each bench is its own crate and uses a part of this, hence the allow.
#![allow(dead_code)]

use std::time::Duration;

use chrono::FixedOffset;
use dingtalk::{BizType, Meeting, Status};
use meetdesk_core::export::{ExportOptions, ExportZone};
use meetdesk_core::view::MeetingRow;

/// 2026-11-26T01:30:00Z: the newest start, and "now" for the rows' views.
pub const T0: i64 = 1_795_656_600_000;

/// `n` meetings as a big room's would be: daily starts (wrapping every 9,000 days, about 25
/// years, so every start stays within the plausible years and every row formats its dates),
/// one in ten live, Chinese and English titles, a quoted and multi-line one, a formula-looking
/// one, and 40 hosts (so the Summary sheet has lines to add up).
pub fn meetings(n: usize) -> Vec<Meeting> {
    (0..n)
        .map(|i| {
            let start = T0 - (i % 9_000) as i64 * 86_400_000;
            let ended = i % 10 != 0;
            Meeting {
                conference_id: Some(format!(
                    "{:016x}{:08x}",
                    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    i as u32
                )),
                title: Some(match i % 4 {
                    0 => format!("产品周会 Weekly product sync #{i}"),
                    1 => "Budget, \"Q3\"\nreview".to_owned(),
                    2 => "=HYPERLINK(\"http://evil\",\"x\")".to_owned(),
                    _ => "Daily stand-up 每日站会".to_owned(),
                }),
                room_code: Some("427233559".into()),
                external_link_url: Some(format!(
                    "https://meeting.dingtalk.com/app?roomCode=427233559&token=1_{i:016x}"
                )),
                status: Some(if ended { Status::Ended } else { Status::Live }),
                start_time: Some(start),
                end_time: ended.then_some(start + 2_700_000),
                conf_duration: ended.then_some(2_700_000),
                creator_id: Some(format!("user{}", i % 40)),
                creator_nick: Some(format!(
                    "{} {}",
                    if i % 2 == 0 { "张伟" } else { "Emily Chen" },
                    i % 40
                )),
                schedule_conference_id: Some("e74996c53247".into()),
                biz_type: Some(BizType::Booked),
            }
        })
        .collect()
}

/// [`meetings`] with their views, as the window's export receives them.
pub fn rows(n: usize) -> Vec<MeetingRow> {
    meetings(n)
        .into_iter()
        .map(|m| MeetingRow::new(m, T0))
        .collect()
}

/// English, times in UTC+08:00 (Beijing), so a run does not depend on the machine's zone.
pub fn opts() -> ExportOptions {
    ExportOptions {
        zone: ExportZone::Fixed(FixedOffset::east_opt(8 * 3600).expect("offset")),
        ..Default::default()
    }
}

pub fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A `VmRSS:` / `VmHWM:` line of /proc/self/status, in kB; `None` off Linux.
pub fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// This process's CPU time (user + system), from /proc/self/stat; `None` elsewhere. On a shared
/// machine wall time says more about the neighbours than about the code measured.
pub fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = s.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux we ship for.
    Some(Duration::from_millis(ticks * 10))
}
