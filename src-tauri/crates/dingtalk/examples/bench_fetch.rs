//! Our fetch against the official Python SDK, on the same in-process simulator.
//!
//! ```text
//! pip install alibabacloud-dingtalk
//! cargo run -p dingtalk --release --example bench_fetch [-- --runs 5 --python python3]
//! ```
//!
//! Fetches every page of `LARGE_ROOM_5K` (5,000 meetings) at page size 100 — 50 calls — five
//! times each way and prints the medians and the ratio. Also times a bare reqwest loop over the
//! same 50 URLs (no parsing, no limiter) so our own overhead per page can be read off.
//!
//! The client's rate limit is raised for this run (the SDK has none, and the simulator is
//! loopback); with the default 15 calls/s the 50 calls would take ≥ 3.3 s by design.
//! Both sides use the same pasted token, so no token call is timed.

use std::process::Command;
use std::time::{Duration, Instant};

use dingtalk::{load_all, Client, ClientConfig, Credentials, Cursor, RoomCode};
use dingtalk_sim::{SimConfig, SimHandle, LARGE_ROOM_5K};
use tokio_util::sync::CancellationToken;

const PAGES: usize = 50;
const MEETINGS: u64 = 5000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut runs = 5usize;
    let mut python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--python" => python = args.next().expect("--python PATH"),
            other => panic!("unknown argument {other}; use --runs N, --python PATH"),
        }
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(SimHandle::start(SimConfig::default()))
        .expect("simulator starts");
    let token = sim.issue_token();
    let mut config = ClientConfig::new(&sim.base_url()).unwrap();
    config.rate_per_second = 100_000; // raised for the benchmark: see the module docs
    let client = Client::new(config, Credentials::AccessToken(token.clone().into())).unwrap();
    let room = RoomCode::parse(LARGE_ROOM_5K).unwrap();

    // Ours: load_all over a fresh cursor, the way the app loads a room.
    let ours: Vec<Duration> = rt.block_on(async {
        let mut out = Vec::new();
        for i in 0..=runs {
            let started = Instant::now();
            let mut cursor = Cursor::for_load_all(room.clone());
            let mut n = 0u64;
            load_all(&client, &mut cursor, &CancellationToken::new(), |p, _| {
                n += p.items.len() as u64
            })
            .await
            .unwrap();
            assert_eq!((n, cursor.pages_fetched() as usize), (MEETINGS, PAGES));
            if i > 0 {
                out.push(started.elapsed()); // run 0 warms up connections
            }
        }
        out
    });

    // Baseline: the same 50 GETs with bare reqwest, bodies read but not parsed.
    let raw: Vec<Duration> = rt.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut out = Vec::new();
        for i in 0..=runs {
            let started = Instant::now();
            for page in 0..PAGES {
                let mut url = format!(
                    "{}/v1.0/conference/roomCodes/{LARGE_ROOM_5K}/infos?maxResults=100",
                    sim.base_url()
                );
                if page > 0 {
                    url.push_str(&format!("&nextToken={}", page * 100));
                }
                let body = http
                    .get(url)
                    .header("x-acs-dingtalk-access-token", &token)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                assert!(body.len() > 1000);
            }
            if i > 0 {
                out.push(started.elapsed());
            }
        }
        out
    });

    // The official SDK, in a child process, against the same simulator (served by the runtime's
    // worker threads meanwhile).
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sdk_compare.py");
    let output = Command::new(&python)
        .arg(script)
        .args([
            "--base-url",
            &sim.base_url(),
            "--token",
            &token,
            "--room",
            LARGE_ROOM_5K,
        ])
        .args([
            "--page-size",
            "100",
            "--runs",
            &runs.to_string(),
            "--expect",
            &MEETINGS.to_string(),
        ])
        .output();
    let sdk_median = match output {
        Ok(o) if o.status.success() => {
            let v: serde_json::Value =
                serde_json::from_slice(&o.stdout).expect("script prints JSON");
            println!(
                "official SDK: alibabacloud-dingtalk {}",
                v["sdk_version"].as_str().unwrap_or("?")
            );
            Some(Duration::from_secs_f64(v["median_s"].as_f64().unwrap()))
        }
        Ok(o) => {
            eprintln!(
                "the SDK run failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("could not start {python}: {e}");
            None
        }
    };

    let (ours, raw) = (median(ours), median(raw));
    println!("fetch {MEETINGS} meetings, {PAGES} pages of 100, median of {runs} runs:");
    println!(
        "  ours (dingtalk::load_all)  {:8.1} ms  ({:.3} ms/page)",
        ms(ours),
        ms(ours) / PAGES as f64
    );
    println!(
        "  bare reqwest, no parsing   {:8.1} ms  ({:.3} ms/page)",
        ms(raw),
        ms(raw) / PAGES as f64
    );
    println!(
        "  our overhead per page      {:8.3} ms  (parse, model, limiter, retry wrapper)",
        (ms(ours) - ms(raw)) / PAGES as f64
    );
    if let Some(sdk) = sdk_median {
        println!(
            "  official Python SDK        {:8.1} ms  ({:.3} ms/page)",
            ms(sdk),
            ms(sdk) / PAGES as f64
        );
        println!(
            "  ratio SDK / ours           {:8.1}x  (whole fetch, server time included)",
            sdk.as_secs_f64() / ours.as_secs_f64()
        );
        let (sdk_over, our_over) = (ms(sdk) - ms(raw), ms(ours) - ms(raw));
        if our_over > 0.0 {
            println!(
                "  client overhead SDK / ours {:8.1}x  ({:.3} vs {:.3} ms/page over bare HTTP)",
                sdk_over / our_over,
                sdk_over / PAGES as f64,
                our_over / PAGES as f64
            );
        }
    }
    sim.shutdown();
}
