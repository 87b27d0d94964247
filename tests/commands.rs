//! The window's commands, driven through Tauri's mock runtime against the DingTalk simulator:
//! the same IPC path the web view uses, the real config and capabilities, no window on screen.

use std::path::Path;

use dingtalk_sim::testing::demo_sim as sim;
use dingtalk_sim::{Fault, FaultRule, SimHandle, DEMO_ROOM, HOSTILE_ROOM, LARGE_ROOM_5K};
use meetdesk_core::settings::EnvOverrides;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow};

struct Harness {
    _app: App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    _data: tempfile::TempDir,
}

fn harness(env: EnvOverrides) -> Harness {
    harness_with(env, |_| {})
}

/// A harness whose data folder `prepare` fills first (a damaged settings file, say).
fn harness_with(env: EnvOverrides, prepare: impl FnOnce(&Path)) -> Harness {
    let data = tempfile::tempdir().unwrap();
    prepare(data.path());
    std::env::set_var("MEETDESK_NO_KEYCHAIN", "1");
    let env = EnvOverrides {
        data_dir: Some(data.path().to_path_buf()),
        ..env
    };
    let options = meetdesk_lib::Options {
        env: env.clone(),
        install_logger: false,
        single_instance: false,
    };
    let app = meetdesk_lib::builder(mock_builder(), options)
        .build(tauri::generate_context!())
        .expect("the app builds under the mock runtime");
    meetdesk_lib::manage_state(app.handle(), env);
    let window = match app.get_webview_window("main") {
        Some(w) => w,
        None => tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap(),
    };
    Harness {
        _app: app,
        window,
        _data: data,
    }
}

impl Harness {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.window, cmd, args)
    }

    fn data_dir(&self) -> &Path {
        self._data.path()
    }
}

fn env_for(sim: &SimHandle) -> EnvOverrides {
    EnvOverrides {
        base_url: Some(sim.base_url()),
        app_key: Some(dingtalk_sim::DEMO_APP_KEY.into()),
        app_secret: Some(dingtalk_sim::DEMO_APP_SECRET.into()),
        ..Default::default()
    }
}

/// A harness whose exports go to `meetings.csv` in a fresh folder (kept alive by the `TempDir`).
fn export_harness(sim: &SimHandle) -> (Harness, tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("meetings.csv");
    let h = harness(EnvOverrides {
        export_path: Some(target.clone()),
        ..env_for(sim)
    });
    (h, out, target)
}

fn room_calls(sim: &SimHandle) -> usize {
    dingtalk_sim::testing::room_calls(sim).len()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_is_not_configured_and_demo_mode_shows_meetings() {
    let h = harness(EnvOverrides::default());
    let status = h.invoke("get_status", json!({})).unwrap();
    assert_eq!(status["configured"], false);
    assert_eq!(status["demo"], false);

    let err = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap_err();
    assert_eq!(err["kind"], "notConfigured");

    let status = h.invoke("start_demo", json!({})).unwrap();
    assert_eq!(status["demo"], true);
    assert_eq!(status["configured"], true);
    let page = h
        .invoke("query_room", json!({ "roomCode": "427 233 559" }))
        .unwrap();
    assert_eq!(page["roomCode"], DEMO_ROOM);
    assert_eq!(
        page["meetings"].as_array().unwrap().len(),
        20,
        "the default page size"
    );
    assert!(page["totalCount"].as_u64().unwrap() > 20);
    assert_eq!(page["hasMore"], true);

    let status = h.invoke("stop_demo", json!({})).unwrap();
    assert_eq!(status["demo"], false);
    assert_eq!(status["configured"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn query_then_next_page_appends_and_a_newer_query_makes_the_old_one_stale() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    let id = first["queryId"].as_u64().unwrap();
    let second = h.invoke("next_page", json!({ "queryId": id })).unwrap();
    assert_eq!(second["loaded"], 40);
    assert_eq!(second["replace"], false);
    let ids = |v: &Value| -> Vec<String> {
        v["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["conferenceId"].as_str().unwrap().to_string())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert!(
        a.iter().all(|x| !b.contains(x)),
        "no meeting is shown twice"
    );

    let newer = h
        .invoke("query_room", json!({ "roomCode": HOSTILE_ROOM }))
        .unwrap();
    assert_ne!(newer["queryId"], first["queryId"]);
    let stale = h.invoke("next_page", json!({ "queryId": id })).unwrap_err();
    assert_eq!(stale["kind"], "stale");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_room_code_is_refused_before_any_request() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    for bad in ["abc", "../../oauth2/accessToken", "12"] {
        let err = h
            .invoke("query_room", json!({ "roomCode": bad }))
            .unwrap_err();
        assert_eq!(err["kind"], "invalidRoomCode", "{bad}: {err}");
    }
    let err = h
        .invoke("query_room", json!({ "roomCode": "  " }))
        .unwrap_err();
    assert_eq!(err["kind"], "missingRoomCode");
    assert!(
        sim.requests().is_empty(),
        "nothing was sent: {:?}",
        sim.requests().len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn load_all_after_the_first_page_restarts_at_100_a_page_to_save_calls() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h
        .invoke("query_room", json!({ "roomCode": LARGE_ROOM_5K }))
        .unwrap();
    assert_eq!(room_calls(&sim), 1);
    let all = h.invoke(
        "load_all",
        json!({ "queryId": first["queryId"], "onProgress": "__CHANNEL__:9" }),
    );
    let all = all.unwrap();
    assert_eq!(all["replace"], true);
    assert_eq!(all["meetings"].as_array().unwrap().len(), 5000);
    assert_eq!(all["hasMore"], false);
    // 1 first page at 20 + 50 pages at 100, instead of 1 + 249 at 20.
    assert_eq!(room_calls(&sim), 51);
    let sizes: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.is_room_query())
        .skip(1)
        .map(|r| r.query_param("maxResults").unwrap_or_default().to_string())
        .collect();
    assert!(sizes.iter().all(|s| s == "100"), "{sizes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_next_page_keeps_what_was_loaded_and_retry_continues() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    let id = first["queryId"].clone();
    sim.add_fault(FaultRule {
        room_code: Some(DEMO_ROOM.into()),
        fault: Fault::SystemError,
        after: 0,
        times: Some(10),
    });
    let err = h.invoke("next_page", json!({ "queryId": id })).unwrap_err();
    assert_eq!(err["kind"], "server");
    assert_eq!(err["code"], "systemError");
    assert!(err["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    let kept = h
        .invoke("loaded_meetings", json!({ "queryId": id }))
        .unwrap();
    assert_eq!(kept["loaded"], 20, "the first page is still there");
    sim.clear_faults();
    let retried = h.invoke("next_page", json!({ "queryId": id })).unwrap();
    assert_eq!(retried["loaded"], 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_are_validated_saved_and_secrets_stay_out_of_the_file() {
    let h = harness(EnvOverrides::default());
    let mut s = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(s["pageSize"], 20);
    assert_eq!(s["appSecretSet"], false);

    s["pageSize"] = json!(500);
    let err = h
        .invoke("save_settings", json!({ "settings": s, "secrets": {} }))
        .unwrap_err();
    assert_eq!(err["kind"], "invalidSetting");
    assert_eq!(err["field"], "pageSize");
    assert_eq!(
        h.invoke("get_settings", json!({})).unwrap()["pageSize"],
        20,
        "the old value is kept"
    );

    s["pageSize"] = json!(50);
    s["language"] = json!("zh-CN");
    s["appKey"] = json!("dingabc");
    let saved = h
        .invoke(
            "save_settings",
            json!({ "settings": s, "secrets": { "appSecret": "TOP-SECRET-VALUE" } }),
        )
        .unwrap();
    assert_eq!(saved["pageSize"], 50);
    assert_eq!(saved["appSecretSet"], true);
    assert!(saved.get("appSecret").is_none());
    let file = std::fs::read_to_string(h.data_dir().join("settings.json")).unwrap();
    assert!(file.contains("\"zh-CN\""), "{file}");
    assert!(
        !file.contains("TOP-SECRET-VALUE"),
        "no secret in the file unless the user chose it"
    );
    let status = h.invoke("get_status", json!({})).unwrap();
    assert_eq!(status["configured"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_join_links_are_refused_by_id() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let page = h
        .invoke("query_room", json!({ "roomCode": HOSTILE_ROOM }))
        .unwrap();
    let id = page["queryId"].clone();
    let mut refused = 0;
    for m in page["meetings"].as_array().unwrap() {
        let link = m["externalLinkUrl"].as_str().unwrap_or_default();
        if link.starts_with("javascript:")
            || link.starts_with("file:")
            || link.contains("evil.example")
        {
            let err = h
                .invoke(
                    "open_meeting",
                    json!({ "queryId": id, "conferenceId": m["conferenceId"] }),
                )
                .unwrap_err();
            assert_eq!(err["kind"], "unsafeLink", "{link}");
            refused += 1;
        }
    }
    assert_eq!(refused, 3);
    let err = h
        .invoke(
            "open_meeting",
            json!({ "queryId": id, "conferenceId": "nope" }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "notFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_the_loaded_meetings_or_all_pages_and_a_failure_leaves_no_file() {
    let sim = sim().await;
    let (h, out, target) = export_harness(&sim);
    let page = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    let id = page["queryId"].clone();

    let summary = h
        .invoke("export_csv", json!({ "queryId": id, "scope": "loaded", "lang": "zh-CN", "onProgress": "__CHANNEL__:1" }))
        .unwrap();
    assert_eq!(summary["count"], 20);
    let rows = |p: &Path| {
        let mut r = csv::Reader::from_path(p).unwrap();
        let headers = r.headers().unwrap().clone();
        (headers, r.records().count())
    };
    let (headers, n) = rows(&target);
    assert_eq!(n, 20);
    assert!(
        headers.iter().any(|h| h.contains("标题")),
        "Chinese headers: {headers:?}"
    );

    let summary = h
        .invoke(
            "export_csv",
            json!({ "queryId": id, "scope": "all", "lang": "en", "onProgress": "__CHANNEL__:2" }),
        )
        .unwrap();
    let total = page["totalCount"].as_u64().unwrap();
    assert_eq!(summary["count"].as_u64(), Some(total));
    assert_eq!(rows(&target).1 as u64, total);

    // A folder that does not exist: refused with a message naming the path, nothing written.
    let missing = out.path().join("no-such-folder").join("x.csv");
    let h2 = harness(EnvOverrides {
        export_path: Some(missing.clone()),
        ..env_for(&sim)
    });
    let page = h2
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    let err = h2
        .invoke(
            "export_csv",
            json!({ "queryId": page["queryId"], "scope": "loaded", "onProgress": "__CHANNEL__:3" }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "io");
    assert!(
        err["message"].as_str().unwrap().contains("no-such-folder"),
        "{err}"
    );
    assert!(!missing.exists());
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("meetings.csv")],
        "no temp file left behind"
    );
}

// ---- secrets belong to their host (issue 10 §1) ---------------------------------------------

/// Settings pointing at `sim` as a custom host, internal-app mode, with the demo app's key.
fn custom_host_settings(h: &Harness, base_url: &str) -> Value {
    let mut s = h.invoke("get_settings", json!({})).unwrap();
    s["host"] = json!("custom");
    s["customBaseUrl"] = json!(base_url);
    s["credentialMode"] = json!("internalApp");
    s["appKey"] = json!(dingtalk_sim::DEMO_APP_KEY);
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_pointing_test_connection_or_save_at_another_host_gets_no_stored_secret() {
    let real = sim().await;
    let attacker = sim().await;
    let h = harness(EnvOverrides::default());
    let saved = custom_host_settings(&h, &real.base_url());
    let view = h
        .invoke(
            "save_settings",
            json!({ "settings": saved, "secrets": { "appSecret": dingtalk_sim::DEMO_APP_SECRET } }),
        )
        .unwrap();
    assert_eq!(view["appSecretSet"], true);
    assert_eq!(view["secretsBaseUrl"], json!(real.base_url()));
    assert_eq!(view["secretsMode"], "internalApp");
    // The stored secret works for the host it was entered for, without typing it again.
    h.invoke(
        "test_connection",
        json!({ "settings": saved, "secrets": {} }),
    )
    .unwrap();
    assert!(real.requests().iter().any(|r| r.is_token_call()));

    // A script "tests" its own host with no secrets: nothing is sent there.
    let other = custom_host_settings(&h, &attacker.base_url());
    let err = h
        .invoke(
            "test_connection",
            json!({ "settings": other, "secrets": {} }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "notConfigured", "{err}");
    // Same host, other mode: the app secret is not a suite secret.
    let mut other_mode = saved.clone();
    other_mode["credentialMode"] = json!("token");
    let err = h
        .invoke(
            "test_connection",
            json!({ "settings": other_mode, "secrets": {} }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "notConfigured", "{err}");

    // It saves its host instead: the save succeeds, but the secret does not follow, and a
    // search is refused before anything is sent.
    let view = h
        .invoke("save_settings", json!({ "settings": other, "secrets": {} }))
        .unwrap();
    assert_eq!(view["appSecretSet"], false, "{view}");
    assert_eq!(view["secretsBaseUrl"], Value::Null);
    let err = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap_err();
    assert_eq!(err["kind"], "notConfigured", "{err}");
    let err = h
        .invoke(
            "test_connection",
            json!({ "settings": other, "secrets": {} }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "notConfigured", "{err}");
    assert!(
        attacker.requests().is_empty(),
        "the other host received {:?}",
        attacker.requests()
    );
    // And going back to the first host means typing the secret again: it was removed.
    let view = h
        .invoke("save_settings", json!({ "settings": saved, "secrets": {} }))
        .unwrap();
    assert_eq!(view["appSecretSet"], false);
    assert_eq!(
        h.invoke("get_status", json!({})).unwrap()["configured"],
        false
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_host_other_than_the_saved_one_never_gets_the_saved_secret() {
    let real = sim().await;
    let other = sim().await;
    // Secrets kept in the settings file (no keychain, the user ticked the box) for `real`.
    let file = json!({
        "version": 2,
        "settings": {
            "host": "custom", "customBaseUrl": real.base_url(), "credentialMode": "internalApp",
            "appKey": dingtalk_sim::DEMO_APP_KEY, "storeSecretsInFile": true
        },
        "secrets": {
            "boundTo": { "baseUrl": real.base_url(), "mode": "internalApp" },
            "values": { "appSecret": dingtalk_sim::DEMO_APP_SECRET }
        }
    });
    let prepare = |dir: &Path| std::fs::write(dir.join("settings.json"), file.to_string()).unwrap();
    let h = harness_with(EnvOverrides::default(), prepare);
    h.invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    assert_eq!(room_calls(&real), 1, "the saved host works with its secret");

    let h = harness_with(
        EnvOverrides {
            base_url: Some(other.base_url()),
            ..Default::default()
        },
        prepare,
    );
    let status = h.invoke("get_status", json!({})).unwrap();
    assert_eq!(status["configured"], false);
    let err = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap_err();
    assert_eq!(err["kind"], "notConfigured");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("MEETDESK_BASE_URL"),
        "{err}"
    );
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}

// ---- settings are never lost (issue 10 §3) --------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_settings_file_is_kept_reported_and_not_overwritten_by_a_search() {
    let sim = sim().await;
    let truncated = r#"{"version": 2, "settings": {"language": "zh-CN", "pageSize": 5"#;
    let h = harness_with(env_for(&sim), |dir| {
        std::fs::write(dir.join("settings.json"), truncated).unwrap()
    });
    let status = h.invoke("get_status", json!({})).unwrap();
    let problem = &status["settingsProblem"];
    assert_eq!(problem["kind"], "unreadable", "{status}");
    let kept = problem["keptAt"].as_str().unwrap();
    assert!(kept.contains("settings.json.bad-"), "{kept}");
    assert_eq!(std::fs::read_to_string(kept).unwrap(), truncated);

    // A search (recent rooms) and clearing recents do not write a file of defaults.
    h.invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    h.invoke("clear_recent", json!({})).unwrap();
    assert!(!h.data_dir().join("settings.json").exists());
    // Saving does, and the problem is over.
    let s = h.invoke("get_settings", json!({})).unwrap();
    h.invoke("save_settings", json!({ "settings": s, "secrets": {} }))
        .unwrap();
    assert!(h.data_dir().join("settings.json").exists());
    let status = h.invoke("get_status", json!({})).unwrap();
    assert_eq!(status["settingsProblem"], Value::Null);
    assert_eq!(
        std::fs::read_to_string(kept).unwrap(),
        truncated,
        "the copy stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_wrong_field_falls_back_alone_and_is_named() {
    let h = harness_with(EnvOverrides::default(), |dir| {
        std::fs::write(
            dir.join("settings.json"),
            r#"{"settings": {"pageSize": "50", "language": "zh-CN", "timeoutSecs": 40}}"#,
        )
        .unwrap()
    });
    let s = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(s["pageSize"], 20);
    assert_eq!(s["language"], "zh-CN");
    assert_eq!(s["timeoutSecs"], 40);
    let status = h.invoke("get_status", json!({})).unwrap();
    assert_eq!(status["settingsProblem"]["kind"], "fields");
    assert_eq!(status["settingsProblem"]["fields"], json!(["pageSize"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_and_an_export_succeed_although_the_settings_file_cannot_be_written() {
    let sim = sim().await;
    let (h, _out, target) = export_harness(&sim);
    // A folder with something in it where the file goes: the rename fails, even for root.
    let blocker = h.data_dir().join("settings.json");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), "").unwrap();

    let page = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    assert_eq!(
        page["meetings"].as_array().unwrap().len(),
        20,
        "the meetings are shown"
    );
    let warning = page["settingsWarning"].as_str().unwrap_or_default();
    assert!(warning.contains("settings file"), "{page:#}");
    let status = h.invoke("get_status", json!({})).unwrap();
    assert!(status["settingsWarning"].is_string(), "{status}");
    // The room is remembered for this session all the same.
    let s = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(s["recentRooms"][0]["roomCode"], DEMO_ROOM);

    let summary = h
        .invoke(
            "export_csv",
            json!({ "queryId": page["queryId"], "scope": "loaded", "onProgress": "__CHANNEL__:1" }),
        )
        .unwrap();
    assert_eq!(summary["count"], 20, "the export is reported as written");
    assert!(summary["settingsWarning"].is_string(), "{summary}");
    assert!(target.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timeout_setting_is_validated_and_kept() {
    let h = harness(EnvOverrides::default());
    let mut s = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(s["timeoutSecs"], 15);
    for bad in [4, 121] {
        s["timeoutSecs"] = json!(bad);
        let err = h
            .invoke("save_settings", json!({ "settings": s, "secrets": {} }))
            .unwrap_err();
        assert_eq!(err["field"], "timeoutSecs", "{bad}");
    }
    s["timeoutSecs"] = json!(60);
    let saved = h
        .invoke("save_settings", json!({ "settings": s, "secrets": {} }))
        .unwrap();
    assert_eq!(saved["timeoutSecs"], 60);
    let file = std::fs::read_to_string(h.data_dir().join("settings.json")).unwrap();
    assert!(file.contains("\"timeoutSecs\": 60"), "{file}");
}

// ---- cancel (issue 10 §4): a request the user gave up on stops in Rust, not only in the window ----

fn invoke_on(
    window: &WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

/// Starts `cmd` on another thread (get_ipc_response blocks until the command answers).
fn start(
    h: &Harness,
    cmd: &'static str,
    args: Value,
) -> std::thread::JoinHandle<(Result<Value, Value>, std::time::Instant)> {
    let window = h.window.clone();
    std::thread::spawn(move || {
        let r = invoke_on(&window, cmd, args);
        (r, std::time::Instant::now())
    })
}

/// A room query that the simulator holds for a minute: far longer than any test waits.
fn stall(sim: &SimHandle, room: &str, times: u32) {
    sim.add_fault(FaultRule {
        room_code: Some(room.into()),
        fault: Fault::Latency(std::time::Duration::from_secs(60)),
        after: 0,
        times: Some(times),
    });
}

fn wait_for_room_calls(sim: &SimHandle, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while room_calls(sim) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never reached the simulator"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_search_answers_cancelled_at_once_and_the_previous_query_stays_usable() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let shown = h
        .invoke(
            "query_room",
            json!({ "roomCode": DEMO_ROOM, "requestId": 1 }),
        )
        .unwrap();
    let shown_id = shown["queryId"].clone();

    stall(&sim, LARGE_ROOM_5K, 1);
    let pending = start(
        &h,
        "query_room",
        json!({ "roomCode": LARGE_ROOM_5K, "requestId": 2 }),
    );
    wait_for_room_calls(&sim, 2);
    let cancelled_at = std::time::Instant::now();
    h.invoke("cancel_request", json!({ "requestId": 2 }))
        .unwrap();
    let (result, answered_at) = pending.join().unwrap();
    let err = result.unwrap_err();
    assert_eq!(err["kind"], "cancelled", "{err}");
    let waited = answered_at - cancelled_at;
    // Measured: a few milliseconds. The bound only has to be far below the 60 s stall.
    assert!(
        waited < std::time::Duration::from_secs(10),
        "cancel took {waited:?}"
    );

    // What the window shows again is still the current query: it can load more.
    let more = h
        .invoke("next_page", json!({ "queryId": shown_id, "requestId": 3 }))
        .unwrap();
    assert_eq!(more["loaded"], 40);
    // And the next search works (the stall was for one request only).
    let next = h
        .invoke(
            "query_room",
            json!({ "roomCode": LARGE_ROOM_5K, "requestId": 4 }),
        )
        .unwrap();
    assert_eq!(next["loaded"], 20);
    assert_eq!(next["totalCount"], 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_that_overtakes_its_request_still_cancels_it() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    stall(&sim, DEMO_ROOM, 1);
    // Escape right after Enter: the cancel can reach Rust before the search registered.
    h.invoke("cancel_request", json!({ "requestId": 7 }))
        .unwrap();
    let err = h
        .invoke(
            "query_room",
            json!({ "roomCode": DEMO_ROOM, "requestId": 7 }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "cancelled");
    // Another id is not affected.
    sim.clear_faults();
    let ok = h
        .invoke(
            "query_room",
            json!({ "roomCode": DEMO_ROOM, "requestId": 8 }),
        )
        .unwrap();
    assert_eq!(ok["loaded"], 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_load_more_keeps_the_pages_and_the_next_one_still_loads() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    let id = first["queryId"].clone();
    stall(&sim, DEMO_ROOM, 1);
    let pending = start(&h, "next_page", json!({ "queryId": id, "requestId": 11 }));
    wait_for_room_calls(&sim, 2);
    h.invoke("cancel_request", json!({ "requestId": 11 }))
        .unwrap();
    let err = pending.join().unwrap().0.unwrap_err();
    assert_eq!(err["kind"], "cancelled");
    let kept = h
        .invoke("loaded_meetings", json!({ "queryId": id }))
        .unwrap();
    assert_eq!(
        kept["loaded"], 20,
        "the first page is kept, nothing half-added"
    );
    let next = h
        .invoke("next_page", json!({ "queryId": id, "requestId": 12 }))
        .unwrap();
    assert_eq!(
        next["loaded"], 40,
        "the cursor did not move past the cancelled page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_load_all_restart_stops_its_requests_and_keeps_the_first_page() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h
        .invoke("query_room", json!({ "roomCode": LARGE_ROOM_5K }))
        .unwrap();
    let id = first["queryId"].clone();
    // The restart at 100 a page (its first call) stalls.
    stall(&sim, LARGE_ROOM_5K, 1);
    let pending = start(
        &h,
        "load_all",
        json!({ "queryId": id, "requestId": 21, "onProgress": "__CHANNEL__:5" }),
    );
    wait_for_room_calls(&sim, 2);
    let cancelled_at = std::time::Instant::now();
    h.invoke("cancel_request", json!({ "requestId": 21 }))
        .unwrap();
    let (result, answered_at) = pending.join().unwrap();
    assert_eq!(result.unwrap_err()["kind"], "cancelled");
    assert!(answered_at - cancelled_at < std::time::Duration::from_secs(10));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(room_calls(&sim), 2, "no request after the cancel");
    let kept = h
        .invoke("loaded_meetings", json!({ "queryId": id }))
        .unwrap();
    assert_eq!(kept["loaded"], 20);
    assert_eq!(kept["hasMore"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_export_of_all_pages_writes_nothing() {
    let sim = sim().await;
    let (h, out, target) = export_harness(&sim);
    let page = h
        .invoke("query_room", json!({ "roomCode": DEMO_ROOM }))
        .unwrap();
    stall(&sim, DEMO_ROOM, 1);
    let pending = start(
        &h,
        "export_csv",
        json!({ "queryId": page["queryId"], "scope": "all", "requestId": 31, "onProgress": "__CHANNEL__:6" }),
    );
    wait_for_room_calls(&sim, 2);
    h.invoke("cancel_request", json!({ "requestId": 31 }))
        .unwrap();
    let err = pending.join().unwrap().0.unwrap_err();
    assert_eq!(err["kind"], "cancelled");
    assert!(!target.exists(), "nothing was written");
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no temp file either"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_connection_test_answers_cancelled() {
    // A host that accepts the connection and never answers (the simulator never stalls token
    // calls). The accepted sockets are held open until the test ends.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
            let _ = seen_tx.send(());
        }
    });
    let h = harness(EnvOverrides::default());
    let mut s = h.invoke("get_settings", json!({})).unwrap();
    s["host"] = json!("custom");
    s["customBaseUrl"] = json!(base_url);
    s["credentialMode"] = json!("internalApp");
    s["appKey"] = json!("some-app-key");
    let pending = start(
        &h,
        "test_connection",
        json!({ "settings": s, "secrets": { "appSecret": "typed-secret" }, "requestId": 41 }),
    );
    seen_rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the token request reached the stalled host");
    let cancelled_at = std::time::Instant::now();
    h.invoke("cancel_request", json!({ "requestId": 41 }))
        .unwrap();
    let (result, answered_at) = pending.join().unwrap();
    let err = result.unwrap_err();
    assert_eq!(err["kind"], "cancelled", "{err}");
    assert!(answered_at - cancelled_at < std::time::Duration::from_secs(10));
}
