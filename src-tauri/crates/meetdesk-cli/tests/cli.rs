//! `meetdesk-cli` as a user runs it: the real binary as a child process, against the DingTalk
//! simulator on loopback, checking what lands on stdout / stderr / disk, the exit code, and what
//! the simulator saw (how many calls, with which token).

use std::fs;
use std::path::Path;

use assert_cmd::assert::Assert;
use chrono::FixedOffset;
use dingtalk::{load_all, Client, ClientConfig, Credentials, Cursor, Meeting, RoomCode, Secret};
use dingtalk_sim::testing::{demo_sim as sim, room_calls, CREDENTIAL_VARS};
use dingtalk_sim::{
    Fault, FaultRule, SimHandle, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_ROOM, LARGE_ROOM_5K,
};
use meetdesk_core::catalog::Lang;
use meetdesk_core::export::{write_csv, ExportOptions, ExportZone};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// A finished run; [`Ran::code`] checks its exit code.
struct Ran(Assert);

/// What a run printed, once its exit code was the one expected.
struct Run {
    stdout: String,
    stderr: String,
}

impl Ran {
    /// Asserts the exit code; on a mismatch assert_cmd's message shows the command line, the
    /// code, stdout and stderr.
    fn code(self, expected: i32) -> Run {
        let out = self.0.code(expected).get_output().clone();
        Run {
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Run the CLI with a clean MEETDESK_* environment plus `env`. Blocking work runs off the
/// runtime's workers so the in-process simulator keeps answering.
async fn cli(args: &[&str], env: &[(&str, &str)]) -> Ran {
    cli_in(None, args, env).await
}

/// [`cli`] in the working directory `cwd` (the test's own by default).
async fn cli_in(cwd: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = assert_cmd::Command::cargo_bin("meetdesk-cli").expect("cargo built meetdesk-cli");
    for k in CREDENTIAL_VARS {
        cmd.env_remove(k);
    }
    // A fixed width: the table's layout must not depend on the terminal running the tests.
    cmd.env("COLUMNS", "160").env_remove("TZ");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.args(args).envs(env.iter().copied());
    Ran(tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .unwrap())
}

/// `--base-url URL --token T` with a fresh valid token.
fn with_token(sim: &SimHandle, args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend([
        "--base-url".into(),
        sim.base_url(),
        "--token".into(),
        sim.issue_token(),
    ]);
    v
}

/// `meetdesk-cli query ARGS… --base-url … --token …` against `sim`, nothing from the environment.
async fn query(sim: &SimHandle, args: &[&str]) -> Ran {
    let mut all = vec!["query"];
    all.extend_from_slice(args);
    cli(&strs(&with_token(sim, &all)), &[]).await
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// What the window's export path produces: the meetings loaded with the client, then
/// `export::write_csv`.
async fn gui_csv(sim: &SimHandle, room: &str, opts: &ExportOptions) -> Vec<u8> {
    let client = Client::new(
        ClientConfig::new(&sim.base_url()).unwrap(),
        Credentials::AccessToken(Secret::new(sim.issue_token())),
    )
    .unwrap();
    let mut cursor = Cursor::for_load_all(RoomCode::parse(room).unwrap());
    let mut meetings: Vec<Meeting> = Vec::new();
    load_all(&client, &mut cursor, &CancellationToken::new(), |p, _| {
        meetings.extend(p.items.iter().cloned())
    })
    .await
    .unwrap();
    let mut out = Vec::new();
    write_csv(&mut out, &meetings, opts).unwrap();
    out
}

fn plus8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn table_of_the_demo_room() {
    let sim = sim().await;
    let r = query(&sim, &[DEMO_ROOM]).await.code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("STATUS") && lines[0].contains("TITLE"),
        "{}",
        r.stdout
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.contains("产品周会 Weekly product sync"))
            .count()
            >= 10,
        "{}",
        r.stdout
    );
    for word in [
        "Live",
        "Not started",
        "Ended",
        "Unknown (7)",
        "张伟",
        "Emily Chen",
    ] {
        assert!(r.stdout.contains(word), "{word} missing:\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("null"));
    assert!(r.stdout.contains("20 of 45 meetings"), "{}", r.stdout);
    assert!(
        r.stdout.contains("--all"),
        "hint to load everything:\n{}",
        r.stdout
    );
    // Columns line up: every row's START column begins at the same display column.
    let col = lines[0].find("START").unwrap();
    for l in &lines[1..=20] {
        let prefix: String = l.chars().take_while(|c| c.is_ascii()).collect();
        assert!(
            prefix.len() >= col && l.as_bytes()[col].is_ascii_digit(),
            "misaligned: {l:?}"
        );
    }
    let calls = room_calls(&sim);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query_param("maxResults"), Some("20"));

    let r = query(&sim, &[DEMO_ROOM, "--lang", "zh-CN", "--all"])
        .await
        .code(0);
    for word in [
        "状态",
        "进行中",
        "未开始",
        "已结束",
        "共 45 场会议，显示了 45 场",
    ] {
        assert!(r.stdout.contains(word), "{word} missing:\n{}", r.stdout);
    }
    assert!(
        !r.stdout.contains("--all"),
        "no hint when everything is shown"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_has_the_apis_field_names() {
    let sim = sim().await;
    let r = query(&sim, &[DEMO_ROOM, "--format", "json"]).await.code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "conferenceList",
            "hasMore",
            "nextToken",
            "roomCode",
            "totalCount"
        ]
    );
    assert_eq!(v["roomCode"], DEMO_ROOM);
    assert_eq!(v["totalCount"], 45);
    assert_eq!(v["hasMore"], true);
    assert!(v["nextToken"].is_string());
    let list = v["conferenceList"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    let api_names = [
        "conferenceId",
        "title",
        "roomCode",
        "externalLinkUrl",
        "status",
        "startTime",
        "endTime",
        "confDuration",
        "creatorId",
        "creatorNick",
        "scheduleConferenceId",
        "bizType",
    ];
    for m in list {
        for k in m.as_object().unwrap().keys() {
            assert!(api_names.contains(&k.as_str()), "unexpected field {k}");
        }
        assert!(m["conferenceId"].is_string() && m["startTime"].is_i64() && m["status"].is_i64());
    }
    let ended = list.iter().find(|m| m["status"] == 1).unwrap();
    assert!(ended["confDuration"].is_i64() && ended["endTime"].is_i64());

    // --all: pages concatenated, nothing more to load.
    let r = query(&sim, &[DEMO_ROOM, "--format", "json", "--all"])
        .await
        .code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["conferenceList"].as_array().unwrap().len(), 45);
    assert_eq!(v["hasMore"], false);
    assert_eq!(v["totalCount"], 45);
}

#[tokio::test(flavor = "multi_thread")]
async fn all_on_a_5000_meeting_room_fetches_50_pages() {
    let sim = sim().await;
    let r = query(&sim, &[LARGE_ROOM_5K, "--all", "--format", "json"])
        .await
        .code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let list = v["conferenceList"].as_array().unwrap();
    assert_eq!(list.len(), 5_000);
    let ids: std::collections::HashSet<&str> = list
        .iter()
        .map(|m| m["conferenceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5_000, "no meeting twice");
    let calls = room_calls(&sim);
    assert_eq!(calls.len(), 50, "100 a page");
    assert!(calls
        .iter()
        .all(|c| c.query_param("maxResults") == Some("100")));
    assert!(
        r.stderr.is_empty(),
        "no progress line when stderr is not a terminal: {:?}",
        r.stderr
    );

    // An explicit page size wins over --all's 100.
    sim.clear_requests();
    let r = query(
        &sim,
        &[
            LARGE_ROOM_5K,
            "--all",
            "--page-size",
            "500",
            "--format",
            "csv",
        ],
    )
    .await
    .code(0);
    assert_eq!(r.stdout.matches("\r\n").count(), 5_001);
    let calls = room_calls(&sim);
    assert_eq!(calls.len(), 10);
    assert!(calls
        .iter()
        .all(|c| c.query_param("maxResults") == Some("500")));
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_file_is_byte_identical_to_the_windows_export() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.csv");
    let file_s = file.display().to_string();

    // Default options, zone fixed by flag.
    let r = query(
        &sim,
        &[
            DEMO_ROOM,
            "--all",
            "--format",
            "csv",
            "--output",
            &file_s,
            "--utc-offset",
            "+08:00",
        ],
    )
    .await
    .code(0);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("Wrote 45 meetings to") && r.stderr.contains(&file_s),
        "{}",
        r.stderr
    );
    let gui = gui_csv(
        &sim,
        DEMO_ROOM,
        &ExportOptions {
            zone: ExportZone::Fixed(plus8()),
            ..Default::default()
        },
    )
    .await;
    let cli_bytes = fs::read(&file).unwrap();
    assert!(cli_bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(cli_bytes, gui, "CLI and window write the same bytes");

    // The same to stdout.
    let r = query(
        &sim,
        &[
            DEMO_ROOM,
            "--all",
            "--format",
            "csv",
            "--utc-offset",
            "+08:00",
        ],
    )
    .await
    .code(0);
    assert_eq!(r.stdout.as_bytes(), &gui[..]);

    // Other options: Chinese, no BOM, semicolon, -05:00.
    query(
        &sim,
        &[
            DEMO_ROOM,
            "--all",
            "--format",
            "csv",
            "-o",
            &file_s,
            "--lang",
            "zh-CN",
            "--no-bom",
            "--delimiter",
            ";",
            "--utc-offset=-05:00",
        ],
    )
    .await
    .code(0);
    let opts = ExportOptions {
        lang: Lang::ZhCn,
        bom: false,
        delimiter: b';',
        zone: ExportZone::Fixed(FixedOffset::west_opt(5 * 3600).unwrap()),
    };
    assert_eq!(
        fs::read(&file).unwrap(),
        gui_csv(&sim, DEMO_ROOM, &opts).await
    );

    // The computer's zone (what the window uses by default), set through TZ: same bytes as the
    // fixed offset it stands for. A POSIX TZ string needs no tz database.
    cli(
        &strs(&with_token(
            &sim,
            &[
                "query", DEMO_ROOM, "--all", "--format", "csv", "-o", &file_s,
            ],
        )),
        &[("TZ", "<+08>-8")],
    )
    .await
    .code(0);
    assert_eq!(fs::read(&file).unwrap(), gui);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left beside the output"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn local_zone_with_daylight_saving_converts_each_row() {
    let sim = sim().await;
    // 2026-01-15T15:00:00Z (winter, EST) and 2026-07-15T14:00:00Z (summer, EDT): both 10:00 local.
    sim.set_room(
        "123456789",
        vec![
            serde_json::json!({"conferenceId": "w", "title": "winter", "startTime": 1_768_489_200_000i64, "status": 1}),
            serde_json::json!({"conferenceId": "s", "title": "summer", "startTime": 1_784_124_000_000i64, "status": 1}),
        ],
    );
    let r = cli(
        &strs(&with_token(
            &sim,
            &["query", "123456789", "--format", "csv", "--no-bom"],
        )),
        &[("TZ", "EST5EDT,M3.2.0,M11.1.0")],
    )
    .await
    .code(0);
    let mut rdr = csv::ReaderBuilder::new().from_reader(r.stdout.as_bytes());
    let h = rdr.headers().unwrap().clone();
    assert_eq!(&h[4], "Start (UTC-05:00/-04:00)", "both offsets named");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let by_title = |t: &str| rows.iter().find(|r| &r[1] == t).unwrap().clone();
    assert_eq!(&by_title("summer")[4], "2026-07-15 10:00:00");
    assert_eq!(&by_title("summer")[6], "2026-07-15T10:00:00-04:00");
    assert_eq!(&by_title("winter")[4], "2026-01-15 10:00:00");
    assert_eq!(&by_title("winter")[6], "2026-01-15T10:00:00-05:00");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_room_code_exits_2_before_any_request() {
    let sim = sim().await;
    for code in [
        "42723355a",
        "12345",
        "https://meeting.dingtalk.com/app?roomCode=427233559",
        "４２７２３３５５９",
    ] {
        let r = cli(
            &[
                "query",
                code,
                "--base-url",
                &sim.base_url(),
                "--app-key",
                DEMO_APP_KEY,
                "--app-secret",
                DEMO_APP_SECRET,
            ],
            &[],
        )
        .await
        .code(2);
        assert!(
            r.stderr.contains("meeting code"),
            "says what is wrong: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
    // Other bad input: page size, format, no credentials.
    for args in [
        vec!["query", DEMO_ROOM, "--token", "t", "--page-size", "501"],
        vec!["query", DEMO_ROOM, "--token", "t", "--format", "xml"],
        vec!["query", DEMO_ROOM],
        vec!["query", DEMO_ROOM, "--app-key", DEMO_APP_KEY],
        vec![
            "query",
            DEMO_ROOM,
            "--token",
            "t",
            "--base-url",
            "http://example.com",
        ],
    ] {
        let mut args = args;
        let url = sim.base_url();
        if !args.contains(&"--base-url") {
            args.extend(["--base-url", &url]);
        }
        let r = cli(&args, &[]).await.code(2);
        assert!(r.stderr.starts_with("error:"), "{}", r.stderr);
    }
    let r = cli(
        &["query", DEMO_ROOM, "--token", "t", "--page-size", "501"],
        &[],
    )
    .await
    .code(2);
    assert!(r.stderr.contains("at most 500"), "{}", r.stderr);
    assert!(
        sim.requests().is_empty(),
        "nothing was sent, not even a token call: {:?}",
        sim.requests()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_token_exits_1_with_one_line_naming_code_status_and_request_id() {
    let sim = sim().await;
    let r = cli(
        &[
            "query",
            DEMO_ROOM,
            "--base-url",
            &sim.base_url(),
            "--token",
            "not-a-valid-token-123",
        ],
        &[],
    )
    .await
    .code(1);
    assert!(r.stdout.is_empty());
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        lines.len() <= 2,
        "one error line plus at most one line of advice: {:?}",
        r.stderr
    );
    let first = lines[0];
    assert!(first.contains("InvalidAuthentication"), "{first}");
    assert!(first.contains("HTTP 400"), "{first}");
    let rid = first
        .split("request id: ")
        .nth(1)
        .expect("request id named")
        .trim_end_matches(']');
    assert!(!rid.is_empty() && rid != "none", "{first}");
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.to_lowercase().contains("token")),
        "plain-words advice: {:?}",
        lines.get(1)
    );
    assert_eq!(room_calls(&sim).len(), 1, "a pasted token is not retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_mid_way_writes_nothing() {
    let sim = sim().await;
    sim.add_fault(
        FaultRule::new(Fault::NoPermission)
            .for_room(LARGE_ROOM_5K)
            .after_requests(3),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("meetings.csv");
    fs::write(&file, "previous export").unwrap();
    let file_s = file.display().to_string();
    let r = query(
        &sim,
        &[LARGE_ROOM_5K, "--all", "--format", "csv", "-o", &file_s],
    )
    .await
    .code(1);
    assert!(
        r.stderr.contains("noPermission") && r.stderr.contains("HTTP 403"),
        "{}",
        r.stderr
    );
    assert_eq!(room_calls(&sim).len(), 4);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "previous export",
        "existing file untouched"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file");

    // And to stdout: no partial CSV either.
    let r = query(&sim, &[LARGE_ROOM_5K, "--all", "--format", "csv"])
        .await
        .code(1);
    assert!(
        r.stdout.is_empty(),
        "{} bytes of partial output",
        r.stdout.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_output_exits_1_naming_the_path() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    fs::write(&blocker, "x").unwrap();
    let target = blocker.join("out.csv");
    let target_s = target.display().to_string();
    let r = query(&sim, &[DEMO_ROOM, "--format", "csv", "-o", &target_s])
        .await
        .code(1);
    assert!(r.stderr.contains(&target_s), "{}", r.stderr);

    // A folder as --output gets the default file name.
    query(
        &sim,
        &[
            DEMO_ROOM,
            "--format",
            "csv",
            "-o",
            &dir.path().display().to_string(),
        ],
    )
    .await
    .code(0);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with(&format!("meetings-{DEMO_ROOM}-")) && n.ends_with(".csv")),
        "{names:?}"
    );
}

fn assert_hidden(r: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !r.stdout.contains(s),
            "secret {s:?} on stdout: {}",
            r.stdout
        );
        assert!(
            !r.stderr.contains(s),
            "secret {s:?} on stderr: {}",
            r.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_are_never_printed() {
    let sim = sim().await;
    let url = sim.base_url();
    // A wrong app secret on the command line: refused, and not echoed.
    let r = cli(
        &[
            "query",
            DEMO_ROOM,
            "--base-url",
            &url,
            "--app-key",
            DEMO_APP_KEY,
            "--app-secret",
            "wrong-secret-7f3a9",
        ],
        &[],
    )
    .await
    .code(1);
    assert!(r.stderr.contains("invalidClientIdOrSecret"), "{}", r.stderr);
    assert_hidden(&r, &["wrong-secret-7f3a9"]);
    let sent = sim.requests().iter().any(|q| {
        q.is_token_call()
            && q.body
                .as_ref()
                .is_some_and(|b| b["appSecret"] == "wrong-secret-7f3a9")
    });
    assert!(sent, "the secret was really used");

    // Wrong secrets in the environment.
    let env = [
        ("MEETDESK_BASE_URL", url.as_str()),
        ("MEETDESK_APP_KEY", DEMO_APP_KEY),
        ("MEETDESK_APP_SECRET", "env-secret-4b1e8"),
    ];
    let r = cli(&["query", DEMO_ROOM], &env).await.code(1);
    assert_hidden(&r, &["env-secret-4b1e8"]);
    let r = cli(
        &["query", DEMO_ROOM],
        &[
            ("MEETDESK_BASE_URL", &url),
            ("MEETDESK_ACCESS_TOKEN", "env-token-9c2d7"),
        ],
    )
    .await
    .code(1);
    assert_hidden(&r, &["env-token-9c2d7"]);

    // A valid token, success: still not printed, in any format.
    let token = sim.issue_token();
    for format in ["table", "json", "csv"] {
        let r = cli(
            &[
                "query",
                DEMO_ROOM,
                "--base-url",
                &url,
                "--token",
                &token,
                "--format",
                format,
            ],
            &[],
        )
        .await
        .code(0);
        assert_hidden(&r, &[&token]);
    }

    // --help with every secret in the environment.
    let env = [
        ("MEETDESK_ACCESS_TOKEN", "help-token-1a2b3"),
        ("MEETDESK_APP_SECRET", "help-secret-4c5d6"),
        ("MEETDESK_SUITE_SECRET", "help-suite-7e8f9"),
        ("MEETDESK_SUITE_TICKET", "help-ticket-0a1b2"),
    ];
    for (args, code) in [
        (&["query", "--help"][..], 0),
        (&["query", "-h"], 0),
        (&["--help"], 0),
        (&["query"], 2),
    ] {
        let r = cli(args, &env).await.code(code);
        assert_hidden(
            &r,
            &[
                "help-token-1a2b3",
                "help-secret-4c5d6",
                "help-suite-7e8f9",
                "help-ticket-0a1b2",
            ],
        );
    }
    let r = cli(&["query", "--help"], &env).await.code(0);
    assert!(
        r.stdout.contains("MEETDESK_APP_SECRET"),
        "the variable is named, its value is not"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_variables_work_and_flags_beat_them() {
    let sim = sim().await;
    let url = sim.base_url();
    let good = sim.issue_token();

    // Everything from the environment.
    cli(
        &["query", DEMO_ROOM],
        &[
            ("MEETDESK_BASE_URL", &url),
            ("MEETDESK_ACCESS_TOKEN", &good),
        ],
    )
    .await
    .code(0);
    assert_eq!(
        room_calls(&sim).last().unwrap().access_token.as_deref(),
        Some(good.as_str())
    );

    // App key and secret from the environment: a token call, then the query.
    sim.clear_requests();
    cli(
        &["query", DEMO_ROOM],
        &[
            ("MEETDESK_BASE_URL", &url),
            ("MEETDESK_APP_KEY", DEMO_APP_KEY),
            ("MEETDESK_APP_SECRET", DEMO_APP_SECRET),
        ],
    )
    .await
    .code(0);
    assert_eq!(
        sim.requests().iter().filter(|q| q.is_token_call()).count(),
        1
    );

    // --base-url beats a dead MEETDESK_BASE_URL.
    cli(
        &["query", DEMO_ROOM, "--base-url", &url],
        &[
            ("MEETDESK_BASE_URL", "http://127.0.0.1:9"),
            ("MEETDESK_ACCESS_TOKEN", &good),
        ],
    )
    .await
    .code(0);

    // --token beats a bad MEETDESK_ACCESS_TOKEN.
    sim.clear_requests();
    cli(
        &["query", DEMO_ROOM, "--token", &good],
        &[
            ("MEETDESK_BASE_URL", &url),
            ("MEETDESK_ACCESS_TOKEN", "stale-env-token"),
        ],
    )
    .await
    .code(0);
    assert_eq!(
        room_calls(&sim)[0].access_token.as_deref(),
        Some(good.as_str())
    );

    // App credentials given as flags beat a token in the environment (another kind of credential).
    sim.clear_requests();
    cli(
        &[
            "query",
            DEMO_ROOM,
            "--app-key",
            DEMO_APP_KEY,
            "--app-secret",
            DEMO_APP_SECRET,
        ],
        &[
            ("MEETDESK_BASE_URL", &url),
            ("MEETDESK_ACCESS_TOKEN", "stale-env-token"),
        ],
    )
    .await
    .code(0);
    assert_eq!(
        sim.requests().iter().filter(|q| q.is_token_call()).count(),
        1
    );
    assert_ne!(
        room_calls(&sim)[0].access_token.as_deref(),
        Some("stale-env-token")
    );

    // A key on the command line with its secret from the environment is one set of credentials.
    cli(
        &[
            "query",
            DEMO_ROOM,
            "--base-url",
            &url,
            "--app-key",
            DEMO_APP_KEY,
        ],
        &[("MEETDESK_APP_SECRET", DEMO_APP_SECRET)],
    )
    .await
    .code(0);

    // An empty variable counts as unset: the empty token is skipped, the app credentials used.
    cli(
        &["query", DEMO_ROOM],
        &[
            ("MEETDESK_BASE_URL", &url),
            ("MEETDESK_ACCESS_TOKEN", ""),
            ("MEETDESK_APP_KEY", DEMO_APP_KEY),
            ("MEETDESK_APP_SECRET", DEMO_APP_SECRET),
        ],
    )
    .await
    .code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn dash_output_is_standard_output() {
    let sim = sim().await;
    let cwd = tempfile::tempdir().unwrap();
    let r = cli_in(
        Some(cwd.path()),
        &strs(&with_token(
            &sim,
            &["query", DEMO_ROOM, "--format", "csv", "-o", "-"],
        )),
        &[],
    )
    .await
    .code(0);
    assert!(
        r.stdout.starts_with("\u{FEFF}Room code,Title,"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 21, "header and 20 meetings");
    assert!(!r.stderr.contains("Wrote"), "{}", r.stderr);
    assert_eq!(
        fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "no file named \"-\""
    );
}

/// A room whose numbers no real meeting has, served by the simulator as raw JSON.
const ODD_ROOM: &str = "777000777";

fn odd_room(sim: &SimHandle) {
    // 2026-11-26T01:30:00Z
    let t0: i64 = 1_795_656_600_000;
    let m = |id: &str, title: &str, start: Value, end: Value, conf: Value| {
        serde_json::json!({
            "conferenceId": id, "title": title, "roomCode": ODD_ROOM, "status": 1,
            "startTime": start, "endTime": end, "confDuration": conf, "creatorNick": "张伟",
        })
    };
    sim.set_room(
        ODD_ROOM,
        vec![
            m("a", "max", t0.into(), Value::Null, i64::MAX.into()),
            m("b", "min", (t0 - 1).into(), Value::Null, i64::MIN.into()),
            m(
                "c",
                "float",
                (t0 - 2).into(),
                Value::Null,
                serde_json::json!(1e308),
            ),
            m(
                "d",
                "almost thirteen",
                (t0 - 3).into(),
                (t0 - 3 + 779_000).into(),
                Value::Null,
            ),
            m(
                "e",
                "year 9999",
                253_402_300_799_000i64.into(),
                Value::Null,
                60_000.into(),
            ),
            m("f", "epoch", 0.into(), 1_000.into(), Value::Null),
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implausible_numbers_show_as_unknown_in_the_table_and_the_csv() {
    let sim = sim().await;
    odd_room(&sim);
    let r = query(&sim, &[ODD_ROOM, "--utc-offset", "+08:00"])
        .await
        .code(0);
    for absurd in ["153722867280912", "17259888", "-1537", "9999-", "1970-"] {
        assert!(!r.stdout.contains(absurd), "{absurd}:\n{}", r.stdout);
    }
    let row = |title: &str| {
        r.stdout
            .lines()
            .find(|l| l.ends_with(title))
            .unwrap_or_else(|| panic!("{title} missing:\n{}", r.stdout))
            .to_owned()
    };
    // 12 min 59 s: "12 min" as in the window, not rounded up to 13.
    let thirteen = row("almost thirteen");
    assert!(thirteen.contains("09:42  12 min"), "{thirteen}");
    assert!(row("year 9999").starts_with("Ended   "), "no start shown");
    assert!(row("year 9999").contains(" 1 min "), "the duration is fine");

    let r = query(
        &sim,
        &[ODD_ROOM, "--format", "csv", "--utc-offset", "+08:00"],
    )
    .await
    .code(0);
    let mut rdr = csv::Reader::from_reader(r.stdout.trim_start_matches('\u{FEFF}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let by_title = |t: &str| rows.iter().find(|r| &r[1] == t).unwrap().clone();
    for t in ["max", "min", "float", "epoch"] {
        assert_eq!(&by_title(t)[8], "", "{t}: the duration is unknown");
    }
    assert_eq!(
        &by_title("almost thirteen")[8],
        "12.9",
        "truncated, like the table"
    );
    assert_eq!(
        &by_title("year 9999")[4],
        "",
        "an implausible start is unknown"
    );
    assert_eq!(&by_title("epoch")[4], "");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_symbolic_link_or_read_only_output_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("notes.txt");
    fs::write(&real, "precious").unwrap();
    let link = dir.path().join("out.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let link_s = link.display().to_string();
    let r = query(&sim, &[DEMO_ROOM, "--format", "csv", "-o", &link_s])
        .await
        .code(1);
    assert!(
        r.stderr.contains(&link_s) && r.stderr.contains("symbolic link"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), "precious");

    let locked = dir.path().join("locked.json");
    fs::write(&locked, "{}").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).unwrap();
    let locked_s = locked.display().to_string();
    let r = query(&sim, &[DEMO_ROOM, "--format", "json", "-o", &locked_s])
        .await
        .code(1);
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(&locked).unwrap(), "{}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_fits_the_width_it_is_given() {
    use unicode_width::UnicodeWidthStr;
    let sim = sim().await;
    let long_title = format!(
        "产品周会 Weekly product sync {}",
        "季度规划 planning ".repeat(8)
    );
    sim.set_room(
        "123123123",
        vec![
            serde_json::json!({"conferenceId": "a", "title": long_title, "status": 1,
                "startTime": 1_795_656_600_000i64, "confDuration": 779_000, "creatorNick": "张伟"}),
            serde_json::json!({"conferenceId": "b", "title": "短会", "status": 0,
                "startTime": 1_795_656_600_000i64, "creatorNick": "Emily Chen"}),
        ],
    );
    let widest = |r: &Run| {
        r.stdout
            .lines()
            .take_while(|l| !l.is_empty())
            .map(UnicodeWidthStr::width)
            .max()
            .unwrap_or(0)
    };
    let base = with_token(&sim, &["query", "123123123", "--lang", "zh-CN"]);
    let table = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = strs(&base);
        args.extend_from_slice(extra);
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            cli(&strs(&args), &env).await.code(0)
        }
    };
    let r = table(&["--width", "72"], &[]).await;
    assert!((67..=72).contains(&widest(&r)), "--width 72:\n{}", r.stdout);
    assert!(
        r.stdout.contains("产品周会") && r.stdout.contains('…'),
        "cut, and says so:\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("短会") && r.stdout.contains("Emily Chen"),
        "{}",
        r.stdout
    );

    let r = table(&[], &[("COLUMNS", "80")]).await;
    assert!((75..=80).contains(&widest(&r)), "COLUMNS=80:\n{}", r.stdout);
    // Not a terminal and no COLUMNS: 100.
    let r = table(&[], &[("COLUMNS", "")]).await;
    assert!(
        (95..=100).contains(&widest(&r)),
        "default 100:\n{}",
        r.stdout
    );
    // --width beats COLUMNS, and 0 is no limit: the title whole.
    let r = table(&["--width", "0"], &[("COLUMNS", "72")]).await;
    assert!(
        r.stdout.contains(long_title.trim_end()) && !r.stdout.contains('…'),
        "{}",
        r.stdout
    );
    // Any width gives a table and exit 0.
    for w in ["1", "5", "99999999"] {
        let r = table(&["--width", w], &[]).await;
        assert!(
            r.stdout.contains("显示了 2 场"),
            "--width {w}:\n{}",
            r.stdout
        );
    }
}

// ---- Filters and the Excel workbook (issue 13) ----

/// 2026-11-30T00:00:00+08:00
const NOV30_BJ: i64 = 1_795_968_000_000;
const H: i64 = 3_600_000;
const FILTER_ROOM: &str = "111222333";

/// Five meetings around Beijing's midnight of 30 November, one of each status and type.
fn filter_room(sim: &SimHandle) {
    sim.set_room(
        FILTER_ROOM,
        vec![
            serde_json::json!({"conferenceId": "a", "title": "Weekly sync", "creatorNick": "Zhang Wei", "startTime": NOV30_BJ + 9 * H, "confDuration": 30 * 60_000, "status": 1, "bizType": "3"}),
            serde_json::json!({"conferenceId": "b", "title": "Client call", "creatorNick": "Li Na", "startTime": NOV30_BJ, "status": 2, "bizType": "0"}),
            serde_json::json!({"conferenceId": "c", "title": "周会 planning", "creatorNick": "王芳", "startTime": NOV30_BJ + 34 * H, "status": 0, "bizType": "audio_conf"}),
            serde_json::json!({"conferenceId": "d", "title": "=1+1 hostile", "creatorNick": "zhang wei", "startTime": NOV30_BJ - 60_000, "confDuration": 45 * 60_000 + 59_000, "status": 1, "bizType": "video_x"}),
            serde_json::json!({"conferenceId": "e", "title": "No start", "status": 7}),
        ],
    );
}

/// The conference ids of a JSON run, sorted (the simulator lists the newest first).
fn ids(r: &Run) -> Vec<String> {
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    let mut ids: Vec<String> = v["conferenceList"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["conferenceId"].as_str().unwrap_or("").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn filtered(sim: &SimHandle, extra: &[&str]) -> Run {
    let mut args = vec![FILTER_ROOM, "--format", "json", "--utc-offset", "+08:00"];
    args.extend_from_slice(extra);
    query(sim, &args).await.code(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn since_and_until_bound_the_start_in_the_zone() {
    let sim = sim().await;
    filter_room(&sim);
    let r = filtered(&sim, &["--since", "2026-11-30", "--until", "2026-12-01"]).await;
    assert_eq!(
        ids(&r),
        ["a", "b"],
        "midnight is in, 23:59 the day before is out"
    );
    assert!(r.stderr.contains("2 of 5 meetings match"), "{}", r.stderr);
    assert!(!r.stdout.contains("match"), "the count is not in the data");

    // An offset beats the zone: 00:00Z is 08:00 in Beijing.
    let r = filtered(&sim, &["--since", "2026-11-30T00:00:00Z"]).await;
    assert_eq!(ids(&r), ["a", "c"]);
    let r = filtered(
        &sim,
        &[
            "--since",
            "2026-11-30 09:00",
            "--until",
            "2026-11-30T09:00:01",
        ],
    )
    .await;
    assert_eq!(ids(&r), ["a"]);
    assert!(r.stderr.contains("1 of 5 meetings matches"), "{}", r.stderr);
    // No filter, no count line.
    let r = filtered(&sim, &[]).await;
    assert_eq!(ids(&r).len(), 5);
    assert!(!r.stderr.contains("match"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_type_host_and_title_filters() {
    let sim = sim().await;
    filter_room(&sim);
    let cases: [(&[&str], &[&str]); 8] = [
        (&["--status", "live,not-started"], &["b", "c"]),
        (
            &["--status", "ended", "--status", "unknown"],
            &["a", "d", "e"],
        ),
        (&["--type", "booked,audio"], &["a", "c"]),
        (&["--type", "unknown"], &["d", "e"]),
        (&["--host", "ZHANG"], &["a", "d"]),
        (&["--title", "周会"], &["c"]),
        (&["--title", "=1+1"], &["d"]),
        (
            &["--host", "zhang", "--status", "ended", "--type", "booked"],
            &["a"],
        ),
    ];
    for (args, want) in cases {
        assert_eq!(ids(&filtered(&sim, args).await), want, "{args:?}");
    }
    // The table and the CSV show the same rows.
    let r = query(&sim, &[FILTER_ROOM, "--host", "zhang", "--format", "csv"])
        .await
        .code(0);
    assert_eq!(
        r.stdout.lines().count(),
        3,
        "header and two rows: {}",
        r.stdout
    );
    let r = query(&sim, &[FILTER_ROOM, "--title", "client"])
        .await
        .code(0);
    assert!(
        r.stdout.contains("Client call") && !r.stdout.contains("Weekly"),
        "{}",
        r.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_filter_values_exit_2_with_what_to_type_before_any_request() {
    let sim = sim().await;
    filter_room(&sim);
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (&["--since", "2026-13-01"], "month (01-12)"),
        (&["--until", "next week"], "2026-11-30T09:00"),
        (&["--since", "2026-11-30T24:61"], "24-hour"),
        (
            &["--since", "2026-12-01", "--until", "2026-11-30"],
            "--until must be after --since",
        ),
        (&["--status", "running"], "live"),
        (&["--type", "webinar"], "booked"),
        (&["--host", " "], "--host is empty"),
        (&["--title", &"x".repeat(201)], "200 characters"),
        (&["--format", "xlsx"], "--output FILE.xlsx"),
    ];
    for (args, says) in cases {
        let mut all = vec![FILTER_ROOM];
        all.extend_from_slice(args);
        let r = cli_in(
            Some(dir.path()),
            &strs(&with_token(&sim, &[&["query"], all.as_slice()].concat())),
            &[],
        )
        .await
        .code(2);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    assert!(room_calls(&sim).is_empty(), "nothing was asked of DingTalk");
}

fn xlsx_sheet(path: &Path, name: &str) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("a workbook");
    book.worksheet_range(name).expect("the sheet")
}

#[tokio::test(flavor = "multi_thread")]
async fn xlsx_to_a_file_holds_what_the_filter_shows() {
    use calamine::Data;
    let sim = sim().await;
    filter_room(&sim);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xlsx");
    let file_s = file.display().to_string();
    let r = query(
        &sim,
        &[
            FILTER_ROOM,
            "--format",
            "xlsx",
            "-o",
            &file_s,
            "--utc-offset",
            "+08:00",
            "--status",
            "ended",
        ],
    )
    .await
    .code(0);
    assert!(r.stdout.is_empty(), "nothing on stdout");
    assert!(r.stderr.contains("2 of 5 meetings match"), "{}", r.stderr);
    assert!(r.stderr.contains("Wrote 2 meetings to"), "{}", r.stderr);
    let m = xlsx_sheet(&file, "Meetings");
    assert_eq!(m.height(), 3, "header and the two ended meetings");
    assert_eq!(m[(1, 1)], Data::String("Weekly sync".into()));
    assert_eq!(
        m[(2, 1)],
        Data::String("=1+1 hostile".into()),
        "text, not a formula"
    );
    match &m[(1, 4)] {
        // 09:00 in Beijing on 30 November 2026: serial 46356.375.
        Data::DateTime(d) => assert!((d.as_f64() - 46_356.375).abs() < 1e-9, "{d:?}"),
        other => panic!("start is not a date-time: {other:?}"),
    }
    let s = xlsx_sheet(&file, "Summary");
    assert_eq!(s[(0, 1)], Data::Float(2.0));
    match &s[(2, 1)] {
        // 30 + 45 whole minutes.
        Data::DateTime(d) => assert_eq!((d.as_f64() * 1440.0).round(), 75.0),
        other => panic!("total is not a duration: {other:?}"),
    }

    // In Chinese, to a folder (the default name), with the count line in Chinese.
    let r = query(
        &sim,
        &[
            FILTER_ROOM,
            "--format",
            "xlsx",
            "-o",
            &dir.path().display().to_string(),
            "--lang",
            "zh-CN",
            "--title",
            "周会",
        ],
    )
    .await
    .code(0);
    assert!(
        r.stderr.contains("5 场会议中有 1 场符合条件"),
        "{}",
        r.stderr
    );
    let made = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("meetings-111222333-") && n.ends_with(".xlsx"))
        .expect("the default name");
    let m = xlsx_sheet(&dir.path().join(made), "会议");
    assert_eq!(m[(0, 0)], Data::String("会议号".into()));
    assert_eq!(m[(1, 1)], Data::String("周会 planning".into()));

    // `-o -` into a pipe (not a terminal) is the workbook's bytes.
    let r = query(&sim, &[FILTER_ROOM, "--format", "xlsx", "-o", "-"])
        .await
        .0
        .code(0);
    let bytes = r.get_output().stdout.clone();
    assert!(bytes.starts_with(b"PK"), "a zip on stdout");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_time_skipped_by_daylight_saving_takes_the_first_valid_time_after_it() {
    let sim = sim().await;
    // 2026-03-29T00:59:00Z and 01:00:00Z: 01:59 CET and 03:00 CEST in Berlin.
    sim.set_room(
        FILTER_ROOM,
        vec![
            serde_json::json!({"conferenceId": "before", "startTime": 1_774_746_000_000i64 - 60_000, "status": 1}),
            serde_json::json!({"conferenceId": "after", "startTime": 1_774_746_000_000i64, "status": 1}),
        ],
    );
    let r = cli(
        &strs(&with_token(
            &sim,
            &[
                "query",
                FILTER_ROOM,
                "--format",
                "json",
                "--since",
                "2026-03-29 02:30",
            ],
        )),
        &[("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")],
    )
    .await
    .code(0);
    assert_eq!(
        ids(&r),
        ["after"],
        "02:30 does not exist that night; 03:00 is the first time after it"
    );
}
