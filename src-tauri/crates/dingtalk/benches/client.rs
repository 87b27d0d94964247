//! Criterion benchmarks: parsing one page, and fetching a whole large room from the simulator.
//!
//! `cargo bench -p dingtalk --bench client`
//!
//! The fetch benchmark raises the client's rate limit (the simulator is loopback): with the
//! default 15 calls/s, 50 pages would take ≥ 3.3 s by design and measure only the limiter.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dingtalk::{load_all, Client, ClientConfig, Credentials, Cursor, RoomCode, RoomPage};
use dingtalk_sim::{SimConfig, SimHandle, LARGE_ROOM_5K};
use tokio_util::sync::CancellationToken;

struct Fixture {
    rt: tokio::runtime::Runtime,
    sim: SimHandle,
    token: String,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt.block_on(SimHandle::start(SimConfig::default())).unwrap();
    let token = sim.issue_token();
    Fixture { rt, sim, token }
}

/// A real 100-meeting page body, as the simulator serves it.
fn page_body(f: &Fixture) -> Vec<u8> {
    f.rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!(
                "{}/v1.0/conference/roomCodes/{LARGE_ROOM_5K}/infos?maxResults=100",
                f.sim.base_url()
            ))
            .header("x-acs-dingtalk-access-token", &f.token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    })
}

fn benches(c: &mut Criterion) {
    let f = fixture();

    let body = page_body(&f);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("room_page_100_meetings", |b| {
        b.iter(|| {
            let page: RoomPage = serde_json::from_slice(black_box(&body)).unwrap();
            assert_eq!(page.conference_list.len(), 100);
            page
        })
    });
    g.finish();

    let mut config = ClientConfig::new(&f.sim.base_url()).unwrap();
    config.rate_per_second = 100_000; // raised for the benchmark: see the module docs
    let client = Client::new(config, Credentials::AccessToken(f.token.clone().into())).unwrap();
    let room = RoomCode::parse(LARGE_ROOM_5K).unwrap();
    let mut g = c.benchmark_group("fetch");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(50));
    g.bench_function("load_all_5000_page_100", |b| {
        b.iter(|| {
            f.rt.block_on(async {
                let mut cursor = Cursor::for_load_all(room.clone());
                let mut n = 0usize;
                load_all(&client, &mut cursor, &CancellationToken::new(), |p, _| {
                    n += p.items.len()
                })
                .await
                .unwrap();
                assert_eq!(n, 5000);
            })
        })
    });
    g.finish();
    f.sim.shutdown();
}

criterion_group!(client_benches, benches);
criterion_main!(client_benches);
