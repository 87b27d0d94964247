//! How close load-all runs to DingTalk's rate limit, against the simulator's rolling-second
//! limit of [`DINGTALK_QPS_LIMIT`] calls.
//!
//! ```text
//! cargo run -p dingtalk --release --example bench_pacing [-- --runs 3]
//! ```
//!
//! Loads `LARGE_ROOM_5K` (5,000 meetings, 50 pages of 100) with the client's defaults and prints,
//! per pace: calls, seconds (median), the floor (calls / limit, in seconds), the ratio to it, and
//! how many calls the simulator refused with 403. The old 15/s and an evenly spaced 20/s are
//! shown beside the default for comparison.

use std::time::{Duration, Instant};

use dingtalk::{
    load_all, Client, ClientConfig, Credentials, Cursor, RoomCode, DEFAULT_RATE_PER_SECOND,
    DINGTALK_QPS_LIMIT,
};
use dingtalk_sim::{SimConfig, SimHandle, LARGE_ROOM_5K};
use tokio_util::sync::CancellationToken;

fn main() {
    let mut runs = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            other => {
                eprintln!("unknown argument {other}; use --runs N");
                std::process::exit(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "load-all of {LARGE_ROOM_5K} (5,000 meetings, pages of 100) against a limit of {DINGTALK_QPS_LIMIT} calls in any rolling second, median of {runs}:"
    );
    println!("  pace            calls  seconds  floor s  ratio  403s  retries");
    for (label, rate) in [
        ("default (19/s)", DEFAULT_RATE_PER_SECOND),
        ("old 15/s", 15),
        ("even 20/s", DINGTALK_QPS_LIMIT),
    ] {
        rt.block_on(async {
            let sim = SimHandle::start(SimConfig {
                qps_limit: Some(dingtalk_sim::DINGTALK_QPS_LIMIT),
                ..SimConfig::default()
            })
            .await
            .expect("simulator starts");
            let mut config = ClientConfig::new(&sim.base_url()).expect("loopback");
            config.rate_per_second = rate; // above 19 only allowed because the host is loopback
            let client = Client::new(config, Credentials::AccessToken(sim.issue_token().into()))
                .expect("client");
            let room = RoomCode::parse(LARGE_ROOM_5K).expect("room");
            let mut times = Vec::new();
            let mut calls = 0u64;
            for _ in 0..runs {
                // A fresh second for the limiter and the simulator's window.
                tokio::time::sleep(Duration::from_millis(1100)).await;
                let before = client.stats().room_calls;
                let started = Instant::now();
                let mut cursor = Cursor::for_load_all(room.clone());
                let r = load_all(&client, &mut cursor, &CancellationToken::new(), |_, _| {}).await;
                if let Err(e) = r {
                    eprintln!("  {label}: load-all failed: {e}");
                }
                times.push(started.elapsed());
                calls = client.stats().room_calls - before;
            }
            times.sort();
            let secs = times[times.len() / 2].as_secs_f64();
            let floor = calls as f64 / f64::from(DINGTALK_QPS_LIMIT);
            println!(
                "  {label:<15} {calls:>5}  {secs:>7.2}  {floor:>7.2}  {:>5.2}  {:>4}  {:>7}",
                secs / floor,
                sim.rate_limited_count(),
                client.stats().retries
            );
            sim.shutdown();
        });
    }
}
