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

use meetdesk_core::view::MeetingRow;

mod common;
use common::{cpu_time, median, opts, rows, status_kb};
use meetdesk_core::xlsx::export_atomic;

const ROWS: usize = 100_000;
const RUNS: usize = 5;
const GOAL: Duration = Duration::from_secs(2);
const MEMORY_GOAL_KB: u64 = 50 * 1024;

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
