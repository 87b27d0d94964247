//! Excel export speed and memory: `make bench-xlsx` (`cargo bench -p meetdesk-core --bench xlsx`).
//!
//! A plain `harness = false` program, like benches/export.rs and for the same reasons: it prints
//! the medians asked for, and the memory figure needs peak RSS of fresh processes (VmHWM never
//! goes down within one), so it re-runs itself as a child per measurement.
//!
//! Goals (issue 13): 100,000 meetings to .xlsx in under 2 s (release) and under 50 MB of peak
//! memory growth while writing.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use dingtalk::{BizType, Meeting, Status};
use meetdesk_core::export::{ExportOptions, ExportZone};
use meetdesk_core::view::MeetingRow;
use meetdesk_core::xlsx::export_atomic;

const ROWS: usize = 100_000;
const RUNS: usize = 5;
const GOAL: Duration = Duration::from_secs(2);
const MEMORY_GOAL_KB: u64 = 50 * 1024;

/// The same meetings as benches/export.rs (so the two exports compare), with their views.
fn rows(n: usize) -> Vec<MeetingRow> {
    let t0: i64 = 1_795_656_600_000;
    (0..n)
        .map(|i| {
            let start = t0 - (i % 9_000) as i64 * 86_400_000;
            let ended = i % 10 != 0;
            let m = Meeting {
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
            };
            MeetingRow::new(m, t0)
        })
        .collect()
}

fn opts() -> ExportOptions {
    ExportOptions {
        zone: ExportZone::Fixed(FixedOffset::east_opt(8 * 3600).expect("offset")),
        ..Default::default()
    }
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

/// This process's CPU time (user + system), from /proc/self/stat; `None` elsewhere. With five
/// builds sharing two cores, wall time says more about the neighbours than about the export.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = s.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux we ship for.
    Some(Duration::from_millis(ticks * 10))
}

fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Child: build `n` rows, reset the high-water mark, export, print `rows_kb growth_kb bytes reset`.
fn child(n: usize) {
    let before = status_kb("VmRSS:").unwrap_or(0);
    let data = rows(n);
    let refs: Vec<&MeetingRow> = data.iter().collect();
    let with_rows = status_kb("VmRSS:").unwrap_or(0);
    // Linux ≥ 4.0: VmHWM back to the current RSS, so the peak next is the export's alone.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let base = if reset {
        status_kb("VmHWM:").unwrap_or(with_rows)
    } else {
        with_rows
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let s = export_atomic(&dir.path().join("out.xlsx"), &refs, &opts()).expect("export");
    let peak = status_kb("VmHWM:").unwrap_or(0);
    black_box(&refs);
    println!(
        "{} {} {} {}",
        with_rows.saturating_sub(before),
        peak.saturating_sub(base),
        s.bytes,
        reset
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--rss-child") {
        child(args[i + 1].parse().expect("a row count"));
        return;
    }

    let data = rows(ROWS);
    let refs: Vec<&MeetingRow> = data.iter().collect();
    let o = opts();
    println!("xlsx bench: {ROWS} meetings, {RUNS} runs (median)");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("meetings.xlsx");
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let c = cpu_time();
        let t = Instant::now();
        bytes = black_box(export_atomic(&path, &refs, &o).expect("export")).bytes;
        times.push(t.elapsed());
        if let (Some(a), Some(b)) = (c, cpu_time()) {
            cpu.push(b.saturating_sub(a));
        }
    }
    let t = median(times);
    println!(
        "  xlsx::export_atomic → file   median {:7.1} ms wall  ({:.1} MB)  goal < {} ms: {}",
        t.as_secs_f64() * 1000.0,
        bytes as f64 / 1e6,
        GOAL.as_millis(),
        if t < GOAL { "ok" } else { "OVER GOAL" }
    );
    if !cpu.is_empty() {
        println!(
            "                               median {:7.1} ms CPU (user + system, all threads)",
            median(cpu).as_secs_f64() * 1000.0
        );
    }

    if std::fs::metadata("/proc/self/status").is_err() {
        println!("memory: /proc/self/status not available on this system; skipped");
        return;
    }
    println!("memory: peak RSS growth while writing, beyond the rows already in memory (median of 3 children)");
    let exe = std::env::current_exe().expect("own path");
    for n in [10_000usize, 100_000] {
        let mut growth = Vec::new();
        let mut rows_kb = 0;
        let mut reset = true;
        for _ in 0..3 {
            let out = Command::new(&exe)
                .args(["--rss-child", &n.to_string()])
                .output()
                .expect("child runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let f: Vec<&str> = text.split_whitespace().collect();
            if f.len() < 4 {
                println!(
                    "  {n}: child failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            rows_kb = f[0].parse().unwrap_or(0u64);
            growth.push(f[1].parse().unwrap_or(0u64));
            reset &= f[3] == "true";
        }
        if growth.is_empty() {
            continue;
        }
        let g = median(growth);
        println!(
            "  {n:>7} rows: rows in memory {rows_kb:>7} kB, growth while writing {g:>6} kB  goal < {} kB: {}{}",
            MEMORY_GOAL_KB,
            if g < MEMORY_GOAL_KB { "ok" } else { "OVER GOAL" },
            if reset { "" } else { " (HWM reset unavailable: includes building)" }
        );
    }
}
