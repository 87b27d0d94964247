//! Offline cache speed and memory: `cargo bench -p meetdesk-core --bench cache`.
//!
//! A plain `harness = false` program, like benches/export.rs (same reasons: the figures asked for
//! are medians and an RSS growth measured in a fresh process, and it must finish in seconds on
//! two shared cores). It prints:
//! - writing 5,000 meetings to a new room (one `store_page`, one transaction), median;
//! - reading a 5,000-meeting room into `Vec<Meeting>` (`Cache::room`), median — goal: well under
//!   100 ms, the whole budget for painting a cached room after Enter;
//! - opening a cache holding 50,000 meetings (`quick_check` included), median;
//! - the RSS a fresh process gains by opening that cache and reading a 5,000-meeting room from it
//!   (goal with the refresher: under 10 MB), and the file's size.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use dingtalk::{BizType, Meeting, RoomCode, Status};
use meetdesk_core::cache::{Bounds, Cache};

mod common;
use common::{median, ms, status_kb};

const RUNS: usize = 11;
const ROOM_SIZE: usize = 5_000;
const TOTAL: usize = 50_000;
const GOAL_READ: Duration = Duration::from_millis(100);
const PROFILE: &str = "https://api.dingtalk.com internalApp bench-app-key";
const NOW: i64 = 1_796_000_000_000;

fn meetings(room: usize, n: usize) -> Vec<Meeting> {
    (0..n)
        .map(|i| {
            // Five a day, all within the kept 90 days, as a busy room's would be.
            let start = NOW - (i as i64) * 17_280_000;
            let ended = i != 0;
            Meeting {
                conference_id: Some(format!(
                    "{:016x}{:08x}",
                    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ room as u64,
                    i as u32
                )),
                title: Some(match i % 3 {
                    0 => format!("产品周会 Weekly product sync #{i}"),
                    1 => "Budget, \"Q3\" review".to_owned(),
                    _ => "Daily stand-up 每日站会".to_owned(),
                }),
                room_code: Some(format!("{:09}", 427_233_559 + room)),
                external_link_url: Some(format!(
                    "https://meeting.dingtalk.com/app?roomCode=427233559&token=1_{i:016x}"
                )),
                status: Some(if ended { Status::Ended } else { Status::Live }),
                start_time: Some(start),
                end_time: ended.then_some(start + 2_700_000),
                conf_duration: ended.then_some(2_700_000),
                creator_id: Some("9kGUFQB7soIPtYV4bNsvLJiEiE".into()),
                creator_nick: Some(if i % 2 == 0 { "张伟" } else { "Emily Chen" }.into()),
                schedule_conference_id: Some("e74996c53247".into()),
                biz_type: Some(BizType::Booked),
            }
        })
        .collect()
}

fn room(i: usize) -> RoomCode {
    RoomCode::parse(&format!("{:09}", 427_233_559 + i)).unwrap()
}

/// Child: open the cache at `path`, read one 5,000-meeting room, keep both alive; prints
/// `before_kb after_open_kb after_read_kb first_read_us` (the first read of a fresh process:
/// what painting a cached room right after start-up costs).
fn child(path: &Path) {
    let before = status_kb("VmRSS:").unwrap_or(0);
    let opened = Cache::open(path, Bounds::default()).unwrap();
    let after_open = status_kb("VmRSS:").unwrap_or(0);
    let t = Instant::now();
    let cached = opened.cache.room(PROFILE, &room(0)).unwrap().unwrap();
    let first_read = t.elapsed().as_micros();
    assert_eq!(cached.meetings.len(), ROOM_SIZE);
    let after_read = status_kb("VmRSS:").unwrap_or(0);
    black_box((&opened, &cached));
    println!("{before} {after_open} {after_read} {first_read}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--rss-child") {
        child(Path::new(&args[i + 1]));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meetdesk-cache.db");
    let mut cache = Cache::open(&path, Bounds::default()).unwrap().cache;
    println!("cache bench: rooms of {ROOM_SIZE} meetings, {RUNS} runs each (median)");

    // 10 rooms = 50,000 meetings, each written as one page in one transaction.
    let rooms: Vec<Vec<Meeting>> = (0..TOTAL / ROOM_SIZE)
        .map(|r| meetings(r, ROOM_SIZE))
        .collect();
    let mut writes = Vec::new();
    for (r, page) in rooms.iter().enumerate() {
        let t = Instant::now();
        let s = cache.store_page(PROFILE, &room(r), page, NOW).unwrap();
        writes.push(t.elapsed());
        assert_eq!((s.stored, s.pruned), (ROOM_SIZE, 0));
    }
    // Rewriting a room (every row an update) is what a refresh of a loaded room does.
    let mut rewrites = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        cache
            .store_page(PROFILE, &room(0), &rooms[0], NOW + 1)
            .unwrap();
        rewrites.push(t.elapsed());
    }
    println!(
        "write {ROOM_SIZE} new meetings (one transaction): median {:.1} ms over {} rooms",
        ms(median(writes.clone())),
        writes.len()
    );
    println!(
        "rewrite {ROOM_SIZE} cached meetings (upsert, one transaction): median {:.1} ms",
        ms(median(rewrites))
    );

    let mut reads = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let got = black_box(cache.room(PROFILE, &room(3)).unwrap().unwrap());
        reads.push(t.elapsed());
        assert_eq!(got.meetings.len(), ROOM_SIZE);
    }
    let read = median(reads);
    println!(
        "read {ROOM_SIZE} meetings into Vec<Meeting>: median {:.1} ms (goal < {} ms: {})",
        ms(read),
        GOAL_READ.as_millis(),
        if read < GOAL_READ { "met" } else { "NOT met" }
    );
    drop(cache);

    let mut opens = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let c = black_box(Cache::open(&path, Bounds::default()).unwrap());
        opens.push(t.elapsed());
        drop(c);
    }
    println!(
        "open with {TOTAL} cached meetings (quick_check, migrations, statements): median {:.1} ms",
        ms(median(opens))
    );
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "file size with {TOTAL} meetings: {:.1} MB",
        size as f64 / 1e6
    );

    let exe = std::env::current_exe().unwrap();
    let mut growth_open = Vec::new();
    let mut growth_read = Vec::new();
    let mut first_reads = Vec::new();
    for _ in 0..RUNS {
        let out = Command::new(&exe)
            .arg("--rss-child")
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<u64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if let [before, open, read, first] = f[..] {
            growth_open.push(open.saturating_sub(before));
            growth_read.push(read.saturating_sub(before));
            first_reads.push(Duration::from_micros(first));
        }
    }
    growth_open.sort();
    growth_read.sort();
    if !first_reads.is_empty() {
        println!(
            "first read of a {ROOM_SIZE}-meeting room in a fresh process: median {:.1} ms",
            ms(median(first_reads))
        );
    }
    if !growth_read.is_empty() {
        println!(
            "RSS a fresh process gains: opening the {TOTAL}-meeting cache median {} KB; \
             and holding a {ROOM_SIZE}-meeting room read from it median {} KB",
            growth_open[growth_open.len() / 2],
            growth_read[growth_read.len() / 2]
        );
    }
}
