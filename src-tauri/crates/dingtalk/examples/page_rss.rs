//! Peak memory of one room-page call that meets an oversized page: the simulator answers
//! `maxResults=100` with 8 MB of `{}` (2.8 million empty meetings), in this same process.
//!
//! ```text
//! cargo run -p dingtalk --release --example page_rss [-- MEETINGS]
//! ```
//!
//! Prints the error (or the page size) and the process's peak RSS (`VmHWM`, Linux). The
//! simulator's share is the 8 MB body and its buffers: the rest is the client's.

use dingtalk::{Client, ClientConfig, Credentials, RoomCode};
use dingtalk_sim::{Fault, FaultRule, SimConfig, SimHandle, SEED_ROOM};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // 8 MB holds at most (8 MiB - envelope) / 3 bytes of `{},` meetings.
    let meetings: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_796_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sim = SimHandle::start(SimConfig::default())
            .await
            .expect("simulator starts");
        sim.add_fault(FaultRule::new(Fault::OversizedPage(meetings)));
        let before = peak_rss_kib();
        let client = Client::new(
            ClientConfig::new(&sim.base_url()).expect("loopback"),
            Credentials::AccessToken(sim.issue_token().into()),
        )
        .expect("client");
        let room = RoomCode::parse(SEED_ROOM).expect("room");
        match client.room_page(&room, 100, None).await {
            Ok(page) => println!("page accepted: {} meetings", page.conference_list.len()),
            Err(e) => println!("refused: {e}"),
        }
        println!(
            "peak RSS: {} MiB before the call, {} MiB after ({meetings} meetings in the page)",
            before.unwrap_or(0) / 1024,
            peak_rss_kib().unwrap_or(0) / 1024
        );
        sim.shutdown();
    });
}
