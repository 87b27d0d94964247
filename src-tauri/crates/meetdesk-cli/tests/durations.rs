//! The CLI's table and CSV say each rounding edge exactly as the window does: both are checked
//! against `tests/fixtures/duration-edges.json`, which meetdesk-core's view tests write from the
//! one duration rule and which ui/format.test.js renders with the window's own code.

use std::process::Command;

use dingtalk_sim::{SimConfig, SimHandle};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_meetdesk-cli");
const ROOM: &str = "555000555";

fn edges() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../tests/fixtures/duration-edges.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// One ended meeting per edge, titled by the edge's name, with that `confDuration`.
async fn sim_with_edges(cases: &[Value]) -> SimHandle {
    let sim = SimHandle::start(SimConfig::default()).await.unwrap();
    // 2026-11-26T01:30:00Z
    let t0: i64 = 1_795_656_600_000;
    let meetings = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            serde_json::json!({
                "conferenceId": format!("edge-{i}"), "title": c["name"], "roomCode": ROOM,
                "status": 1, "startTime": t0 - i as i64 * 60_000, "confDuration": c["durationMs"],
                "creatorNick": "Emily Chen",
            })
        })
        .collect();
    sim.set_room(ROOM, meetings);
    sim
}

async fn run(sim: &SimHandle, extra: &[&str]) -> String {
    let mut args: Vec<String> = ["query", ROOM, "--utc-offset", "+08:00"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend([
        "--base-url".into(),
        sim.base_url(),
        "--token".into(),
        sim.issue_token(),
    ]);
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(&args)
            .env("COLUMNS", "160")
            .env_remove("MEETDESK_ACCESS_TOKEN")
            .env_remove("MEETDESK_APP_KEY")
            .env_remove("MEETDESK_APP_SECRET")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_and_the_csv_agree_with_the_window_on_every_rounding_edge() {
    let cases = edges();
    assert!(cases.len() >= 7);
    let sim = sim_with_edges(&cases).await;
    for lang in ["en", "zh-CN"] {
        let table = run(&sim, &["--lang", lang]).await;
        for c in &cases {
            let name = c["name"].as_str().unwrap();
            let row = table
                .lines()
                .find(|l| l.ends_with(name))
                .unwrap_or_else(|| panic!("{name} missing:\n{table}"));
            // Cells are apart by two spaces or a table border (whichever the table draws).
            let row = row.replace(['│', '|'], "  ");
            let cells: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let want = c["text"][lang].as_str().unwrap();
            if c["durationMs"].is_null() {
                assert!(
                    !row.contains(want),
                    "{lang} {name}: unknown is empty: {row}"
                );
            } else {
                assert!(
                    cells.contains(&want),
                    "{lang} {name}: want {want:?} in {cells:?}"
                );
            }
        }
    }
    let csv = run(&sim, &["--format", "csv"]).await;
    let mut rdr = csv::Reader::from_reader(csv.trim_start_matches('\u{FEFF}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let row = rows.iter().find(|r| &r[1] == name).unwrap();
        assert_eq!(&row[8], c["csv"]["comma"].as_str().unwrap(), "{name}");
    }
}
