//! The window's commands, driven through Tauri's mock runtime against the DingTalk simulator:
//! the same IPC path the web view uses, the real config and capabilities, no window on screen.
//!
//! The query's snapshots arrive as the window's would: through the channel `query_watch`
//! registered, caught by the mock app's channel interceptor.

use std::path::Path;
use std::sync::{Arc, Mutex};

use dingtalk_sim::testing::demo_sim as sim;
use dingtalk_sim::{Fault, FaultRule, SimHandle, DEMO_ROOM, HOSTILE_ROOM, LARGE_ROOM_5K};
use meetdesk_core::settings::EnvOverrides;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow};

struct Harness {
    _app: App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    _data: tempfile::TempDir,
    /// Every message sent on a channel: (the channel's id, the message).
    channels: Arc<Mutex<Vec<(u32, Value)>>>,
}

/// The id of the window's snapshot channel (any id the page's own channels do not use).
const SNAPSHOTS: u32 = 4242;

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
    let channels: Arc<Mutex<Vec<(u32, Value)>>> = Arc::default();
    let seen = channels.clone();
    let mock = mock_builder().channel_interceptor(move |_, callback, _, body| {
        let value = match body {
            InvokeResponseBody::Json(text) => serde_json::from_str(text).unwrap(),
            InvokeResponseBody::Raw(_) => Value::Null,
        };
        seen.lock().unwrap().push((callback.0, value));
        true
    });
    let app = meetdesk_lib::builder(mock, options)
        .build(tauri::generate_context!())
        .expect("the app builds under the mock runtime");
    meetdesk_lib::manage_state(app.handle(), env);
    let window = match app.get_webview_window("main") {
        Some(w) => w,
        None => tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap(),
    };
    let h = Harness {
        _app: app,
        window,
        _data: data,
        channels,
    };
    h.invoke(
        "query_watch",
        json!({ "onSnapshot": format!("__CHANNEL__:{SNAPSHOTS}") }),
    )
    .unwrap();
    h
}

impl Harness {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.window, cmd, args)
    }

    fn data_dir(&self) -> &Path {
        self._data.path()
    }

    /// Every snapshot the window received, oldest first, as the window reads them: rows left
    /// out (`null`, the window has that `rowsVersion`) are the rows last sent with it.
    fn snapshots(&self) -> Vec<Value> {
        let mut kept: Option<(Value, Value)> = None;
        self.raw_snapshots()
            .into_iter()
            .map(|mut s| {
                if s["rows"].is_null() {
                    if let Some((version, rows)) = &kept {
                        if *version == s["rowsVersion"] {
                            s["rows"] = rows.clone();
                        }
                    }
                } else {
                    kept = Some((s["rowsVersion"].clone(), s["rows"].clone()));
                }
                s
            })
            .collect()
    }

    /// Every snapshot exactly as it crossed the IPC.
    fn raw_snapshots(&self) -> Vec<Value> {
        self.channels
            .lock()
            .unwrap()
            .iter()
            .filter(|(id, _)| *id == SNAPSHOTS)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn shown(&self) -> Value {
        self.snapshots().pop().expect("a snapshot")
    }

    /// Sends a query intent and answers as a page command would: the snapshot the window shows
    /// afterwards (with the answer's `loaded` and `settingsWarning`), or the error the failed or
    /// cancelled operation showed, or the refusal (`stale`).
    fn intent(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        intent_answer(self.invoke(cmd, args), || self.shown())
    }

    fn search(&self, room: &str) -> Result<Value, Value> {
        self.intent("query_search", json!({ "roomCode": room }))
    }

    fn load_more(&self, query_id: &Value) -> Result<Value, Value> {
        self.intent("query_load_more", json!({ "queryId": query_id }))
    }

    fn load_all(&self, query_id: &Value) -> Result<Value, Value> {
        self.intent("query_load_all", json!({ "queryId": query_id }))
    }
}

fn intent_answer(
    answer: Result<Value, Value>,
    shown: impl FnOnce() -> Value,
) -> Result<Value, Value> {
    let answer = answer?;
    if !answer["error"].is_null() {
        return Err(answer["error"].clone());
    }
    let mut snapshot = shown();
    assert_eq!(
        snapshot["queryId"], answer["queryId"],
        "the window shows the query the intent was for"
    );
    snapshot["loaded"] = answer["loaded"].clone();
    snapshot["settingsWarning"] = answer["settingsWarning"].clone();
    Ok(snapshot)
}

fn rows(snapshot: &Value) -> &Vec<Value> {
    snapshot["rows"].as_array().expect("rows")
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

    let err = h.search(DEMO_ROOM).unwrap_err();
    assert_eq!(err["kind"], "notConfigured");
    assert_eq!(h.shown()["error"]["op"], "search", "the window shows it");

    let status = h.invoke("start_demo", json!({})).unwrap();
    assert_eq!(status["demo"], true);
    assert_eq!(status["configured"], true);
    let page = h.search("427 233 559").unwrap();
    assert_eq!(page["roomCode"], DEMO_ROOM);
    assert_eq!(rows(&page).len(), 20, "the default page size");
    assert!(rows(&page)[0]["view"]["status"].is_string(), "view rows");
    assert!(page["totalCount"].as_u64().unwrap() > 20);
    assert_eq!(page["hasMore"], true);
    assert_eq!(page["error"], Value::Null);

    let status = h.invoke("stop_demo", json!({})).unwrap();
    assert_eq!(status["demo"], false);
    assert_eq!(status["configured"], false);
    // The demo host is gone, and its meetings with it.
    let shown = h.shown();
    assert_eq!(shown["event"]["change"], "reset");
    assert_eq!(
        (shown["queryId"].clone(), rows(&shown).len()),
        (Value::Null, 0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_then_load_more_adds_a_page_and_a_newer_search_makes_the_old_query_stale() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h.search(DEMO_ROOM).unwrap();
    let id = first["queryId"].clone();
    let second = h.load_more(&id).unwrap();
    assert_eq!(second["loaded"], 40);
    let ids = |v: &Value| -> Vec<String> {
        rows(v)
            .iter()
            .map(|m| m["conferenceId"].as_str().unwrap().to_string())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(b[..20], a[..], "the first page stays, in its order");
    let mut unique = b.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 40, "no meeting is shown twice");

    let newer = h.search(HOSTILE_ROOM).unwrap();
    assert_ne!(newer["queryId"], first["queryId"]);
    let stale = h.load_more(&id).unwrap_err();
    assert_eq!(stale["kind"], "stale");
    assert_eq!(
        h.shown()["roomCode"],
        HOSTILE_ROOM,
        "the window never went back"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_room_code_is_refused_before_any_request() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    for bad in ["abc", "../../oauth2/accessToken", "12"] {
        let err = h.search(bad).unwrap_err();
        assert_eq!(err["kind"], "invalidRoomCode", "{bad}: {err}");
    }
    let err = h.search("  ").unwrap_err();
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
    let first = h.search(LARGE_ROOM_5K).unwrap();
    assert_eq!(room_calls(&sim), 1);
    let all = h.load_all(&first["queryId"]).unwrap();
    assert_eq!(rows(&all).len(), 5000);
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
    let first = h.search(DEMO_ROOM).unwrap();
    let id = first["queryId"].clone();
    sim.add_fault(FaultRule {
        room_code: Some(DEMO_ROOM.into()),
        fault: Fault::SystemError,
        after: 0,
        times: Some(10),
    });
    let err = h.load_more(&id).unwrap_err();
    assert_eq!(err["kind"], "server");
    assert_eq!(err["code"], "systemError");
    assert!(err["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    let kept = h.shown();
    assert_eq!(rows(&kept).len(), 20, "the first page is still there");
    assert_eq!(kept["error"]["op"], "loadMore");
    assert_eq!(kept["error"]["error"]["kind"], "server");
    sim.clear_faults();
    let retried = h.intent("query_retry", json!({ "queryId": id })).unwrap();
    assert_eq!(retried["loaded"], 40, "Retry repeated the load more");
    assert_eq!(retried["error"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_search_is_shown_and_retry_searches_the_room_again() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    sim.add_fault(FaultRule {
        room_code: Some(DEMO_ROOM.into()),
        fault: Fault::SystemError,
        after: 0,
        times: Some(10),
    });
    let err = h.search("427-233-559").unwrap_err();
    assert_eq!(err["kind"], "server");
    let failed = h.shown();
    assert_eq!(failed["error"]["op"], "search");
    assert_eq!(failed["roomCode"], DEMO_ROOM);
    assert_eq!(rows(&failed).len(), 0);
    sim.clear_faults();
    let retried = h
        .intent("query_retry", json!({ "queryId": failed["queryId"] }))
        .unwrap();
    assert_eq!(retried["roomCode"], DEMO_ROOM);
    assert_eq!(rows(&retried).len(), 20);
    assert_eq!(retried["error"], Value::Null);
    assert_ne!(retried["queryId"], failed["queryId"], "a new search");
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
    let page = h.search(HOSTILE_ROOM).unwrap();
    let id = page["queryId"].clone();
    let mut refused = 0;
    for m in rows(&page) {
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
    let page = h.search(DEMO_ROOM).unwrap();
    let id = page["queryId"].clone();

    let summary = h
        .invoke("export_meetings", json!({ "queryId": id, "scope": "loaded", "lang": "zh-CN", "onProgress": "__CHANNEL__:1" }))
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
            "export_meetings",
            json!({ "queryId": id, "scope": "all", "lang": "en", "onProgress": "__CHANNEL__:2" }),
        )
        .unwrap();
    let total = page["totalCount"].as_u64().unwrap();
    assert_eq!(summary["count"].as_u64(), Some(total));
    assert_eq!(rows(&target).1 as u64, total);
    // The pages it fetched are the window's list now too.
    let shown = h.shown();
    assert_eq!(shown["event"]["op"], "export");
    assert_eq!(shown["rows"].as_array().unwrap().len() as u64, total);
    assert_eq!(shown["hasMore"], false);

    // A folder that does not exist: refused with a message naming the path, nothing written.
    let missing = out.path().join("no-such-folder").join("x.csv");
    let h2 = harness(EnvOverrides {
        export_path: Some(missing.clone()),
        ..env_for(&sim)
    });
    let page = h2.search(DEMO_ROOM).unwrap();
    let err = h2
        .invoke(
            "export_meetings",
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

// ---- the filter (issue 13) --------------------------------------------------------------------

fn statuses(snapshot: &Value) -> Vec<String> {
    rows(snapshot)
        .iter()
        .map(|r| r["view"]["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The rows a snapshot shows: those at `shown`, or all of them.
fn shown_rows(snapshot: &Value) -> Vec<Value> {
    match snapshot["shown"].as_array() {
        None => rows(snapshot).clone(),
        Some(at) => at
            .iter()
            .map(|i| rows(snapshot)[i.as_u64().unwrap() as usize].clone())
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_narrows_what_is_shown_without_resending_the_rows_and_export_writes_only_that() {
    let sim = sim().await;
    let (h, _out, target) = export_harness(&sim);
    let page = h.search(DEMO_ROOM).unwrap();
    let id = page["queryId"].clone();
    assert_eq!(page["shown"], Value::Null, "no filter: all shown");
    assert_eq!(page["shownCount"], 20);
    let ended = statuses(&page).iter().filter(|s| *s == "ended").count();
    assert!(ended > 0 && ended < 20, "the demo room mixes statuses");

    h.invoke(
        "query_filter",
        json!({ "filter": { "statuses": ["ended"] } }),
    )
    .unwrap();
    let raw = h.raw_snapshots().pop().unwrap();
    assert_eq!(raw["event"]["change"], "filtered");
    assert!(
        raw["rows"].is_null(),
        "the rows did not change: not sent again"
    );
    assert_eq!(raw["rowsVersion"], page["rowsVersion"]);
    let shown = h.shown();
    assert_eq!(shown["shownCount"], ended);
    assert!(shown_rows(&shown)
        .iter()
        .all(|r| r["view"]["status"] == "ended"));
    assert_eq!(shown["summary"]["count"], ended);
    assert_eq!(shown["filter"]["statuses"], json!(["ended"]));

    let summary = h
        .invoke(
            "export_meetings",
            json!({ "queryId": id, "scope": "loaded", "format": "csv", "onProgress": "__CHANNEL__:1" }),
        )
        .unwrap();
    assert_eq!(summary["count"], ended, "what is shown is what is written");
    let mut r = csv::Reader::from_path(&target).unwrap();
    let titles: Vec<String> = r
        .records()
        .map(|rec| rec.unwrap().get(1).unwrap_or_default().to_string())
        .collect();
    let expected: Vec<String> = shown_rows(&shown)
        .iter()
        .map(|m| m["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(titles, expected);

    // "All pages" loads the rest, then applies the filter to all of it.
    let summary = h
        .invoke(
            "export_meetings",
            json!({ "queryId": id, "scope": "all", "onProgress": "__CHANNEL__:2" }),
        )
        .unwrap();
    let all = h.shown();
    assert_eq!(all["hasMore"], false);
    let ended_all = statuses(&all).iter().filter(|s| *s == "ended").count();
    assert!(ended_all > ended);
    assert_eq!(summary["count"], ended_all);
    assert_eq!(all["shownCount"], ended_all);

    // The filter stays for the next room.
    let other = h.search(HOSTILE_ROOM).unwrap();
    assert_eq!(other["filter"]["statuses"], json!(["ended"]));
    assert!(shown_rows(&other)
        .iter()
        .all(|r| r["view"]["status"] == "ended"));
    // Cleared, everything is shown again.
    h.invoke("query_filter", json!({ "filter": {} })).unwrap();
    let cleared = h.shown();
    assert_eq!(cleared["shown"], Value::Null);
    assert_eq!(cleared["shownCount"], rows(&cleared).len());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_excel_export_of_a_filtered_list_holds_the_meetings_shown_and_their_summary() {
    use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
    let sim = sim().await;
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("report.xlsx");
    let h = harness(EnvOverrides {
        export_path: Some(target.clone()),
        ..env_for(&sim)
    });
    let page = h.search(DEMO_ROOM).unwrap();
    h.invoke(
        "query_filter",
        json!({ "filter": { "statuses": ["ended"] } }),
    )
    .unwrap();
    let shown = h.shown();
    let n = shown["shownCount"].as_u64().unwrap();
    assert!(n > 0 && n < 20);
    let summary = h
        .invoke(
            "export_meetings",
            json!({ "queryId": page["queryId"], "scope": "loaded", "format": "xlsx", "lang": "en", "onProgress": "__CHANNEL__:1" }),
        )
        .unwrap();
    assert_eq!(summary["count"], n);
    let mut book: Xlsx<_> = open_workbook(&target).expect("a workbook");
    let meetings = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        meetings.rows().count() as u64,
        n + 1,
        "a header and the rows shown"
    );
    let titles: Vec<String> = meetings
        .rows()
        .skip(1)
        .map(|r| match &r[1] {
            Data::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let expected: Vec<String> = shown_rows(&shown)
        .iter()
        .map(|m| m["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(titles, expected);
    // The Summary sheet counts the same meetings.
    let sheet = book.worksheet_range_at(1).unwrap().unwrap();
    let count = sheet
        .rows()
        .find(|r| {
            r.first()
                .is_some_and(|c| c.get_string() == Some("Meetings"))
        })
        .and_then(|r| r.get(1).and_then(DataType::get_float))
        .expect("a Meetings line");
    assert_eq!(count as u64, n);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_that_cannot_be_used_is_refused_with_its_field() {
    let h = harness(EnvOverrides::default());
    let long = "x".repeat(meetdesk_core::filter::MAX_FILTER_TEXT_CHARS + 1);
    for (filter, field) in [
        (json!({ "text": long }), "text"),
        (json!({ "since": 2_000, "until": 1_000 }), "until"),
        (json!({ "types": ["webinar"] }), "types"),
    ] {
        let err = h
            .invoke("query_filter", json!({ "filter": filter }))
            .unwrap_err();
        assert_eq!(err["kind"], "invalidFilter", "{err}");
        assert_eq!(err["field"], field, "{err}");
        assert_eq!(err["retryable"], false);
    }
    // A status the window cannot know is refused by the command's argument parsing itself.
    assert!(h
        .invoke(
            "query_filter",
            json!({ "filter": { "statuses": ["gone"] } })
        )
        .is_err());
    assert!(h.shown()["filter"]["types"].as_array().unwrap().is_empty());
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
    let err = h.search(DEMO_ROOM).unwrap_err();
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
    h.search(DEMO_ROOM).unwrap();
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
    let err = h.search(DEMO_ROOM).unwrap_err();
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
    h.search(DEMO_ROOM).unwrap();
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

    let page = h.search(DEMO_ROOM).unwrap();
    assert_eq!(rows(&page).len(), 20, "the meetings are shown");
    let warning = page["settingsWarning"].as_str().unwrap_or_default();
    assert!(warning.contains("settings file"), "{page:#}");
    let status = h.invoke("get_status", json!({})).unwrap();
    assert!(status["settingsWarning"].is_string(), "{status}");
    // The room is remembered for this session all the same.
    let s = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(s["recentRooms"][0]["roomCode"], DEMO_ROOM);

    let summary = h
        .invoke(
            "export_meetings",
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

/// Waits until the window was told an operation is under way, and returns that snapshot.
fn wait_busy(h: &Harness, op: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let shown = h.shown();
        if shown["busy"]["op"] == op {
            return shown;
        }
        assert!(std::time::Instant::now() < deadline, "{op} never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_search_answers_cancelled_at_once_and_brings_back_the_query_it_replaced() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let shown = h.search(DEMO_ROOM).unwrap();
    let shown_id = shown["queryId"].clone();

    stall(&sim, LARGE_ROOM_5K, 1);
    let pending = start(&h, "query_search", json!({ "roomCode": LARGE_ROOM_5K }));
    wait_for_room_calls(&sim, 2);
    let searching = wait_busy(&h, "search");
    assert_eq!(searching["roomCode"], LARGE_ROOM_5K);
    assert_eq!(
        rows(&searching).len(),
        0,
        "the old room's meetings are not shown meanwhile"
    );
    let cancelled_at = std::time::Instant::now();
    h.invoke("query_cancel", json!({ "queryId": searching["queryId"] }))
        .unwrap();
    let (result, answered_at) = pending.join().unwrap();
    let err = intent_answer(result, || h.shown()).unwrap_err();
    assert_eq!(err["kind"], "cancelled", "{err}");
    let waited = answered_at - cancelled_at;
    // Measured: a few milliseconds. The bound only has to be far below the 60 s stall.
    assert!(
        waited < std::time::Duration::from_secs(10),
        "cancel took {waited:?}"
    );

    // The window shows the query it had before, and that query still loads more.
    let back = h.shown();
    assert_eq!(back["event"]["change"], "cancelled");
    assert_eq!(back["queryId"], shown_id);
    assert_eq!(rows(&back), rows(&shown));
    let more = h.load_more(&shown_id).unwrap();
    assert_eq!(more["loaded"], 40);
    // And the next search works (the stall was for one request only).
    let next = h.search(LARGE_ROOM_5K).unwrap();
    assert_eq!(next["loaded"], 20);
    assert_eq!(next["totalCount"], 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_that_overtakes_its_request_still_cancels_it() {
    let sim = sim().await;
    let (h, out, target) = export_harness(&sim);
    let page = h.search(DEMO_ROOM).unwrap();
    stall(&sim, DEMO_ROOM, 1);
    // Escape right after Start: the cancel can reach Rust before the export registered.
    h.invoke("cancel_request", json!({ "requestId": 7 }))
        .unwrap();
    let err = h
        .invoke(
            "export_meetings",
            json!({ "queryId": page["queryId"], "scope": "all", "requestId": 7, "onProgress": "__CHANNEL__:7" }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "cancelled");
    assert!(!target.exists());
    // Another id is not affected.
    sim.clear_faults();
    let ok = h
        .invoke(
            "export_meetings",
            json!({ "queryId": page["queryId"], "scope": "loaded", "requestId": 8, "onProgress": "__CHANNEL__:8" }),
        )
        .unwrap();
    assert_eq!(ok["count"], 20);
    drop(out);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_load_more_keeps_the_pages_and_the_next_one_still_loads() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h.search(DEMO_ROOM).unwrap();
    let id = first["queryId"].clone();
    stall(&sim, DEMO_ROOM, 1);
    let pending = start(&h, "query_load_more", json!({ "queryId": id }));
    wait_for_room_calls(&sim, 2);
    wait_busy(&h, "loadMore");
    h.invoke("query_cancel", json!({ "queryId": id })).unwrap();
    let err = intent_answer(pending.join().unwrap().0, || h.shown()).unwrap_err();
    assert_eq!(err["kind"], "cancelled");
    let kept = h.shown();
    assert_eq!(
        rows(&kept).len(),
        20,
        "the first page is kept, nothing half-added"
    );
    assert_eq!(
        (kept["busy"].clone(), kept["error"].clone()),
        (Value::Null, Value::Null)
    );
    let next = h.load_more(&id).unwrap();
    assert_eq!(
        next["loaded"], 40,
        "the cursor did not move past the cancelled page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_load_all_restart_stops_its_requests_and_keeps_the_first_page() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h.search(LARGE_ROOM_5K).unwrap();
    let id = first["queryId"].clone();
    // The restart at 100 a page (its first call) stalls.
    stall(&sim, LARGE_ROOM_5K, 1);
    let pending = start(&h, "query_load_all", json!({ "queryId": id }));
    wait_for_room_calls(&sim, 2);
    let busy = wait_busy(&h, "loadAll");
    assert_eq!(busy["busy"]["loaded"], 20);
    assert_eq!(busy["busy"]["totalCount"], 5000);
    let cancelled_at = std::time::Instant::now();
    h.invoke("query_cancel", json!({ "queryId": id })).unwrap();
    let (result, answered_at) = pending.join().unwrap();
    assert_eq!(
        intent_answer(result, || h.shown()).unwrap_err()["kind"],
        "cancelled"
    );
    assert!(answered_at - cancelled_at < std::time::Duration::from_secs(10));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(room_calls(&sim), 2, "no request after the cancel");
    let kept = h.shown();
    assert_eq!(rows(&kept).len(), 20);
    assert_eq!(kept["hasMore"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_gets_every_snapshot_in_order_with_load_all_progress() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let first = h.search(LARGE_ROOM_5K).unwrap();
    let before = h.snapshots().len();
    h.load_all(&first["queryId"]).unwrap();
    let all = h.snapshots();
    assert!(
        all.windows(2)
            .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()),
        "in the order Rust sent them"
    );
    let run = &all[before..];
    let changes: Vec<&str> = run
        .iter()
        .map(|s| s["event"]["change"].as_str().unwrap())
        .collect();
    // Started, a progress snapshot per page at 100 a page (50), done.
    assert_eq!(changes.first(), Some(&"started"));
    assert_eq!(changes.last(), Some(&"done"));
    assert_eq!(changes.iter().filter(|c| **c == "progress").count(), 50);
    let loaded: Vec<u64> = run
        .iter()
        .filter(|s| s["event"]["change"] == "progress")
        .map(|s| s["busy"]["loaded"].as_u64().unwrap())
        .collect();
    assert!(loaded.windows(2).all(|w| w[0] < w[1]), "{loaded:?}");
    assert_eq!(loaded.last(), Some(&5000));
    // The list itself changes once, at the end: progress snapshots carry the rows shown before.
    let versions: std::collections::BTreeSet<u64> = run
        .iter()
        .map(|s| s["rowsVersion"].as_u64().unwrap())
        .collect();
    assert_eq!(versions.len(), 2);
    assert_eq!(rows(run.last().unwrap()).len(), 5000);
    // A reloaded page watching anew gets the state as it is at once.
    let n = h.snapshots().len();
    h.invoke(
        "query_watch",
        json!({ "onSnapshot": format!("__CHANNEL__:{SNAPSHOTS}") }),
    )
    .unwrap();
    let now = h.snapshots();
    assert_eq!(now.len(), n + 1);
    assert_eq!(now[n]["event"]["change"], "current");
    assert_eq!(rows(&now[n]).len(), 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_export_of_all_pages_writes_nothing() {
    let sim = sim().await;
    let (h, out, target) = export_harness(&sim);
    let page = h.search(DEMO_ROOM).unwrap();
    stall(&sim, DEMO_ROOM, 1);
    let pending = start(
        &h,
        "export_meetings",
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

// ---- issue 12: joining the right way, Copy invitation ---------------------------------------

/// Records what Join opened; `refuse` makes a scheme fail as on a machine without a handler.
fn record_opened(h: &Harness, refuse: Option<&'static str>) -> Arc<Mutex<Vec<String>>> {
    let opened: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = opened.clone();
    h._app.manage(meetdesk_lib::commands::UrlOpener(Box::new(
        move |url: &str| {
            seen.lock().unwrap().push(url.to_owned());
            match refuse {
                Some(scheme) if url.starts_with(scheme) => Err(format!("no handler for {scheme}")),
                _ => Ok(()),
            }
        },
    )));
    opened
}

/// The first meeting of the demo room with a join link: (query id, conference id, link).
fn demo_meeting_with_link(h: &Harness) -> (Value, Value, String) {
    let page = h.search(DEMO_ROOM).unwrap();
    let m = rows(&page)
        .iter()
        .find(|m| {
            m["externalLinkUrl"]
                .as_str()
                .is_some_and(|l| l.starts_with("https://"))
        })
        .expect("a demo meeting with a link")
        .clone();
    (
        page["queryId"].clone(),
        m["conferenceId"].clone(),
        m["externalLinkUrl"].as_str().unwrap().to_owned(),
    )
}

fn set_in_app(h: &Harness, on: bool) {
    let mut s = h.invoke("get_settings", json!({})).unwrap();
    s["openInDingtalkApp"] = json!(on);
    h.invoke("save_settings", json!({ "settings": s, "secrets": {} }))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn join_opens_the_https_link_or_with_the_option_the_dingtalk_app_then_falls_back() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let opened = record_opened(&h, None);
    let (id, conf, link) = demo_meeting_with_link(&h);
    let open = || {
        h.invoke(
            "open_meeting",
            json!({ "queryId": id, "conferenceId": conf }),
        )
    };

    open().unwrap();
    assert_eq!(
        *opened.lock().unwrap(),
        vec![link.clone()],
        "option off: the browser"
    );

    set_in_app(&h, true);
    opened.lock().unwrap().clear();
    open().unwrap();
    let got = opened.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "the app opened it: no browser too: {got:?}");
    let jump = url::Url::parse(&got[0]).unwrap();
    assert_eq!(jump.scheme(), "dingtalk");
    let wrapped: Vec<_> = jump.query_pairs().filter(|(k, _)| k == "url").collect();
    assert_eq!(wrapped.len(), 1);
    assert_eq!(wrapped[0].1, url::Url::parse(&link).unwrap().as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_dingtalk_handler_join_falls_back_to_the_https_link() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let opened = record_opened(&h, Some("dingtalk:"));
    let (id, conf, link) = demo_meeting_with_link(&h);
    set_in_app(&h, true);
    h.invoke(
        "open_meeting",
        json!({ "queryId": id, "conferenceId": conf }),
    )
    .unwrap();
    let got = opened.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("dingtalk://dingtalkclient/page/link?url="));
    assert_eq!(got[1], url::Url::parse(&link).unwrap().as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsafe_link_is_refused_before_the_dingtalk_app_sees_it() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let opened = record_opened(&h, None);
    set_in_app(&h, true);
    let page = h.search(HOSTILE_ROOM).unwrap();
    let id = page["queryId"].clone();
    let mut refused = 0;
    for m in rows(&page) {
        let link = m["externalLinkUrl"].as_str().unwrap_or_default();
        if link.contains("evil.example") || link.starts_with("javascript:") {
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
    assert!(refused >= 2);
    assert!(opened.lock().unwrap().is_empty(), "nothing opened");
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_invitation_gives_the_text_in_the_language_asked_with_the_grouped_code() {
    let sim = sim().await;
    let h = harness(env_for(&sim));
    let (id, conf, link) = demo_meeting_with_link(&h);
    let en = h
        .invoke(
            "meeting_invitation",
            json!({ "queryId": id, "conferenceId": conf, "lang": "en" }),
        )
        .unwrap();
    let en = en.as_str().unwrap();
    assert!(en.contains("Room code: 427 233 559"), "{en}");
    assert!(
        en.contains(&format!("Join: {}", url::Url::parse(&link).unwrap())),
        "{en}"
    );
    let zh = h
        .invoke(
            "meeting_invitation",
            json!({ "queryId": id, "conferenceId": conf, "lang": "zh-CN" }),
        )
        .unwrap();
    let zh = zh.as_str().unwrap();
    assert!(!zh.contains("Room code"), "{zh}");
    assert!(zh.contains("427 233 559"), "{zh}");
    let err = h
        .invoke(
            "meeting_invitation",
            json!({ "queryId": id, "conferenceId": "nope", "lang": "en" }),
        )
        .unwrap_err();
    assert_eq!(err["kind"], "notFound");
}

// ---- Issue 12: watched rooms and the watcher's commands. ----

/// The id of the watcher's state channel.
const WATCHER: u32 = 4343;

#[tokio::test(flavor = "multi_thread")]
async fn watching_renaming_and_unwatching_rooms_is_checked_and_saved() {
    let h = harness(EnvOverrides::default());
    let r = h
        .invoke(
            "watch_room",
            json!({ "name": "  Board room ", "roomCode": "427 233 559" }),
        )
        .unwrap();
    assert_eq!(
        r["watched"],
        json!([{ "name": "Board room", "roomCode": "427233559" }])
    );
    let err = h
        .invoke("watch_room", json!({ "name": "", "roomCode": "427233559" }))
        .unwrap_err();
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("invalidSetting"), Some("watchedName"))
    );
    let err = h
        .invoke("watch_room", json!({ "name": "X", "roomCode": "12ab" }))
        .unwrap_err();
    assert_eq!(err["field"], "watchedRoomCode", "{err}");

    h.invoke(
        "watch_room",
        json!({ "name": "Sync", "roomCode": "500000005" }),
    )
    .unwrap();
    let r = h
        .invoke(
            "rename_watched",
            json!({ "roomCode": "427233559", "name": "Boardroom" }),
        )
        .unwrap();
    assert_eq!(r["watched"][0]["name"], "Boardroom");
    let err = h
        .invoke(
            "rename_watched",
            json!({ "roomCode": "100000000", "name": "Nope" }),
        )
        .unwrap_err();
    assert_eq!(err["field"], "watched");

    let r = h
        .invoke("unwatch_room", json!({ "roomCode": "500000005" }))
        .unwrap();
    assert_eq!(r["watched"].as_array().unwrap().len(), 1);
    let file = std::fs::read_to_string(h.data_dir().join("settings.json")).unwrap();
    assert!(
        file.contains("Boardroom") && !file.contains("500000005"),
        "{file}"
    );
    assert_eq!(
        h.invoke("get_settings", json!({})).unwrap()["watched"][0]["roomCode"],
        "427233559"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_settings_from_a_dialog_opened_earlier_keeps_the_watched_rooms() {
    let h = harness(EnvOverrides::default());
    let stale = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(stale["watched"], json!([]));
    h.invoke(
        "watch_room",
        json!({ "name": "Board room", "roomCode": "427233559" }),
    )
    .unwrap();
    let mut s = stale.clone();
    s["reminderMinutes"] = json!(10);
    let saved = h
        .invoke("save_settings", json!({ "settings": s, "secrets": {} }))
        .unwrap();
    assert_eq!(saved["reminderMinutes"], 10);
    assert_eq!(
        saved["watched"],
        json!([{ "name": "Board room", "roomCode": "427233559" }]),
        "the dialog's stale empty list did not undo the watch"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watcher_state_reaches_the_window_and_the_cache_can_be_cleared() {
    let h = harness(EnvOverrides::default());
    h.invoke(
        "watched_watch",
        json!({ "onState": format!("__CHANNEL__:{WATCHER}") }),
    )
    .unwrap();
    let sent: Vec<Value> = h
        .channels
        .lock()
        .unwrap()
        .iter()
        .filter(|(id, _)| *id == WATCHER)
        .map(|(_, v)| v.clone())
        .collect();
    assert_eq!(sent.len(), 1, "a first state at once");
    // The mock app builds no tray: Settings must be told.
    assert_eq!(sent[0]["trayAvailable"], false);
    let status = h.invoke("watcher_status", json!({})).unwrap();
    assert_eq!(status["trayAvailable"], false);

    h.invoke("clear_cache", json!({})).unwrap();
    assert!(
        h.data_dir().join("meetdesk-cache.db").exists(),
        "the cache lives in the data folder"
    );
}
