//! MeetDesk as its users use it: the real `meetdesk` binary in its real WebKitGTK window, driven
//! over WebDriver under Xvfb, against a DingTalk simulator started per test on a free loopback
//! port. Each test starts from a fresh data folder and asserts what a user would see.
//!
//! Needs Xvfb and WebKitWebDriver (`scripts/install-deps.sh --test`); the harness starts both
//! itself. See docs/testing.md.

#[path = "e2e/harness.rs"]
mod harness;

#[path = "e2e/accessibility.rs"]
mod accessibility;

#[path = "e2e/watched.rs"]
mod watched;

#[path = "e2e/watched_list.rs"]
mod watched_list;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use dingtalk_sim::testing::{demo_sim as sim, room_calls};
use dingtalk_sim::{Fault, FaultRule, SimHandle, DEMO_ROOM, HOSTILE_ROOM, LARGE_ROOM_5K};
use fantoccini::key::Key;
use harness::{numbers, within, App, Launch, LONG, SHORT};
use serde_json::{json, Value};

/// No test may take longer than this (the suite as a whole is ~1–2 minutes).
const LIMIT: Duration = Duration::from_secs(150);

fn room_queries(sim: &SimHandle) -> Vec<String> {
    room_calls(sim).into_iter().map(|r| r.path).collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

const MINUTE: i64 = 60_000;

/// One meeting as DingTalk sends it.
fn meeting(
    room: &str,
    id: &str,
    title: &str,
    status: i64,
    start: i64,
    end: Option<i64>,
    link: &str,
) -> Value {
    let mut m = json!({
        "conferenceId": id,
        "title": title,
        "roomCode": room,
        "externalLinkUrl": link,
        "status": status,
        "startTime": start,
        "creatorId": "user-1",
        "creatorNick": "Test Host",
        "scheduleConferenceId": format!("sched-{id}"),
        "bizType": "3",
    });
    if let Some(end) = end {
        m["endTime"] = json!(end);
        m["confDuration"] = json!(end - start);
    }
    m
}

/// Rendered rows, top to bottom: (title, conference id, badge status).
async fn rows(app: &App) -> Vec<(String, String, String)> {
    let v = app
        .js(
            "return Array.from(document.querySelectorAll('#timeline .meeting-row')).map(function (r) { \
               return [Number(r.dataset.index), r.querySelector('.row-title').textContent, r.dataset.conferenceId || '', \
                       r.querySelector('.badge').dataset.status]; }).sort(function (a, b) { return a[0] - b[0]; })",
        )
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let r = r.as_array().unwrap();
            (
                r[1].as_str().unwrap().to_string(),
                r[2].as_str().unwrap().to_string(),
                r[3].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn row_id(app: &App, title: &str) -> String {
    match rows(app).await.into_iter().find(|(t, _, _)| t == title) {
        Some((_, id, _)) => id,
        None => app.fail(&format!("no row titled {title:?}")).await,
    }
}

/// Waits until the recording xdg-open has been called `n` times.
async fn wait_opened(app: &App, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + SHORT;
    loop {
        let got = app.opened();
        if got.len() >= n {
            return got;
        }
        if std::time::Instant::now() > deadline {
            app.fail(&format!(
                "xdg-open was called {} times, expected {n}: {got:?}",
                got.len()
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn error_panel(app: &App, kind: &str, timeout: Duration) -> String {
    app.wait(
        &format!("the error panel ({kind})"),
        &format!(
            "var p = document.getElementById('error-panel'); \
             return (!p.hidden && p.dataset.kind === {kind:?} && !window.__meetdesk.state.busy) ? p.textContent : null"
        ),
        timeout,
    )
    .await
    .as_str()
    .unwrap()
    .to_string()
}

async fn toast_text(app: &App) -> String {
    app.wait(
        "a toast",
        "var t = document.getElementById('toast'); return t.hidden ? null : t.textContent",
        SHORT,
    )
    .await
    .as_str()
    .unwrap()
    .to_string()
}

// ---- 1. first run and demo mode ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_explains_what_is_needed_and_demo_mode_shows_meetings() {
    within(LIMIT, async {
        let app = App::start("first_run", Launch::bare()).await;
        app.wait(
            "the first-run explanation instead of the search bar",
            "return !document.getElementById('first-run').hidden && document.getElementById('workspace').hidden",
            SHORT,
        )
        .await;
        let text = app.text("#first-run").await;
        assert!(text.contains("Welcome to MeetDesk"), "{text}");
        assert!(text.contains("credentials"), "{text}");
        assert!(text.contains("api.dingtalk.io") && text.contains("api.dingtalk.com"), "{text}");
        assert_eq!(app.text("#demo-btn").await, "Try with demo data");
        assert_eq!(app.js("return document.getElementById('demo-marker').hidden").await, json!(true));

        app.click("#demo-btn").await;
        app.wait("the demo marker", "var m = document.getElementById('demo-marker'); return !m.hidden && m.getClientRects().length > 0", SHORT)
            .await;
        assert!(app.text("#demo-marker").await.contains("Demo data"));
        assert_eq!(app.js("return document.getElementById('first-run').hidden").await, json!(true));

        app.search(DEMO_ROOM).await;
        let count = app.idle_count(SHORT).await;
        assert_eq!(numbers(&count), vec![20, 45], "{count}");
        let shown = rows(&app).await;
        assert!(shown.iter().any(|(t, _, s)| t == "产品周会 Weekly product sync" && s == "live"), "{shown:?}");
        app.finish().await;
    })
    .await;
}

// ---- 2. search, grouping, badges, count -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_code_with_spaces_shows_meetings_grouped_by_day_with_status_badges() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("search_grouped", Launch::with_sim(&sim)).await;
        app.search("427 233 559").await;
        let count = app.idle_count(SHORT).await;
        assert_eq!(count, "20 of 45 meetings");
        assert!(app.text("#room-label").await.contains("427 233 559"), "room label");
        // The request went out with the digits only.
        let queries = room_queries(&sim);
        assert!(queries.iter().all(|p| p.contains("/roomCodes/427233559/")), "{queries:?}");

        // Groups: "Live now" first, then days newest first.
        let kinds = app
            .js("return Array.from(document.querySelectorAll('#timeline .day-header')).sort(function (a, b) { return a.dataset.index - b.dataset.index; }).map(function (h) { return h.dataset.kind; })")
            .await;
        let kinds: Vec<&str> = kinds.as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
        assert_eq!(kinds.first(), Some(&"live"), "{kinds:?}");
        assert!(kinds.contains(&"today"), "{kinds:?}");
        assert!(kinds.iter().any(|k| *k == "yesterday" || *k == "date"), "{kinds:?}");
        let labels = app.text("#timeline").await;
        assert!(labels.contains("Live now") && labels.contains("Today"), "{labels}");

        // One badge per status: 2 live, 0 not started, 1 ended, anything else unknown.
        let shown = rows(&app).await;
        let has = |title: &str, status: &str| shown.iter().any(|(t, _, s)| t == title && s == status);
        assert_eq!(shown.first().map(|r| (r.0.as_str(), r.2.as_str())), Some(("产品周会 Weekly product sync", "live")), "{shown:?}");
        assert!(has("产品周会 Weekly product sync", "ended"), "earlier instances ended: {shown:?}");
        assert!(has("设计评审 Design review", "notStarted"), "{shown:?}");
        assert!(has("Quarterly budget review", "ended"), "{shown:?}");
        assert!(has("Vendor demo 供应商演示", "unknown"), "status 7: {shown:?}");
        let words = app
            .js("return Array.from(document.querySelectorAll('#timeline .badge')).map(function (b) { return b.dataset.status + '=' + b.textContent; })")
            .await;
        let words: BTreeSet<String> = words.as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
        for w in ["live=Live", "notStarted=Not started", "ended=Ended"] {
            assert!(words.contains(w), "{w} in {words:?}");
        }
        assert!(words.iter().any(|w| w.starts_with("unknown=")), "{words:?}");
        app.finish().await;
    })
    .await;
}

// ---- 3. paging: load more, scroll, load all, cancel ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_more_and_scrolling_to_the_end_fetch_the_next_pages() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("load_more_scroll", Launch::with_sim(&sim)).await;
        app.search(LARGE_ROOM_5K).await;
        assert_eq!(numbers(&app.idle_count(SHORT).await), vec![20, 5000]);

        app.click("#load-more").await;
        app.wait_text(
            "#count-label",
            "to say 40 of 5000",
            |t| numbers(t) == [40, 5000],
            SHORT,
        )
        .await;

        // Scroll the list to its end, as with the mouse wheel: the next page comes by itself.
        app.js("var t = document.getElementById('timeline'); t.scrollTop = t.scrollHeight;")
            .await;
        app.wait_text(
            "#count-label",
            "to say 60 of 5000",
            |t| numbers(t) == [60, 5000],
            SHORT,
        )
        .await;
        assert_eq!(
            room_queries(&sim).len(),
            3,
            "one request per page, none by itself"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_all_shows_progress_and_cancel_keeps_what_was_loaded() {
    within(LIMIT, async {
        let sim = sim().await;
        // Pages after the first are slow, so there is time to see progress and to cancel.
        sim.add_fault(
            FaultRule::new(Fault::Latency(Duration::from_millis(400))).for_room(LARGE_ROOM_5K).after_requests(1),
        );
        let app = App::start("load_all_cancel", Launch::with_sim(&sim)).await;
        app.search(LARGE_ROOM_5K).await;
        assert_eq!(numbers(&app.idle_count(SHORT).await), vec![20, 5000]);

        app.click("#load-all").await;
        let progress = app
            .wait(
                "load-all progress past 200",
                "var b = document.getElementById('load-progress'); var t = document.getElementById('load-progress-text').textContent; \
                 var p = document.getElementById('load-all-progress'); \
                 return (!b.hidden && p.value >= 200) ? [t, p.value, p.max] : null",
                LONG,
            )
            .await;
        let text = progress[0].as_str().unwrap();
        assert!(numbers(text).contains(&5000), "progress names the total: {text}");
        assert_eq!(progress[2].as_f64(), Some(5000.0));
        assert!(app.js("return !document.getElementById('cancel-load').hidden").await == json!(true));

        app.click("#cancel-load").await;
        let count = app.idle_count(LONG).await;
        let n = numbers(&count);
        assert_eq!(n.len(), 2, "{count}");
        assert!(n[0] >= 200 && n[0] < 5000 && n[1] == 5000, "what was loaded stays: {count}");
        assert_eq!(app.js("return document.getElementById('error-panel').hidden").await, json!(true));
        assert_eq!(app.js("return document.getElementById('load-progress').hidden").await, json!(true));
        assert_eq!(app.js("return !document.getElementById('load-all').hidden").await, json!(true), "Load all is offered again");
        assert!(app.js("return document.querySelectorAll('#timeline .meeting-row').length").await.as_u64().unwrap() > 0);
        // Cancel really stops the requests.
        let after_cancel = room_queries(&sim).len();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(room_queries(&sim).len() <= after_cancel + 1, "requests went on after Cancel");

        // Load all again, without the slowness, to the end.
        sim.clear_faults();
        app.click("#load-all").await;
        app.wait_text("#count-label", "to say 5000 meetings", |t| numbers(t) == [5000], LONG).await;
        assert_eq!(app.js("return document.getElementById('load-all').hidden").await, json!(true));
        app.finish().await;
    })
    .await;
}

// ---- 4. a newer search wins ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_search_while_the_first_is_loading_shows_only_the_second() {
    within(LIMIT, async {
        let sim = sim().await;
        let second = "135792468";
        let t = now_ms();
        sim.set_room(
            second,
            (1..=3)
                .map(|i| {
                    meeting(second, &format!("second-{i}"), &format!("Second room meeting {i}"), 1, t - i * 1440 * MINUTE, Some(t - i * 1440 * MINUTE + 30 * MINUTE), "https://meeting.dingtalk.com/j/x")
                })
                .collect(),
        );
        sim.add_fault(FaultRule::new(Fault::Latency(Duration::from_millis(2500))).for_room(DEMO_ROOM));
        let app = App::start("second_search_wins", Launch::with_sim(&sim)).await;

        app.search(DEMO_ROOM).await;
        app.wait("the first search to be under way", "return window.__meetdesk.state.busy === 'search' && !document.getElementById('searching').hidden", SHORT)
            .await;
        app.search(second).await;
        assert_eq!(app.idle_count(SHORT).await, "3 meetings");

        // Let the slow first answer arrive, then look again.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !room_queries(&sim).iter().any(|p| p.contains(DEMO_ROOM)) && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(room_queries(&sim).iter().any(|p| p.contains(DEMO_ROOM)), "the first search did reach DingTalk");
        tokio::time::sleep(Duration::from_millis(3000)).await;
        assert_eq!(app.text("#count-label").await, "3 meetings");
        assert!(app.text("#room-label").await.contains("135 792 468"));
        let ids: BTreeSet<String> = rows(&app).await.into_iter().map(|(_, id, _)| id).collect();
        assert_eq!(ids, BTreeSet::from(["second-1".to_string(), "second-2".into(), "second-3".into()]));
        app.finish().await;
    })
    .await;
}

// ---- 5. errors ----------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_code_is_explained_before_any_request() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("invalid_code", Launch::with_sim(&sim)).await;
        for (typed, words) in [
            ("12345", "Too short: a room code has 6 to 12 digits."),
            ("1234567890123", "Too long: a room code has 6 to 12 digits."),
            (
                "42723x559",
                "A room code has digits only (spaces and dashes are fine).",
            ),
        ] {
            app.search(typed).await;
            app.wait_text(
                "#room-error",
                &format!("to explain {typed:?}"),
                |t| t == words,
                SHORT,
            )
            .await;
            assert_eq!(
                app.js("return document.getElementById('room-input').getAttribute('aria-invalid')")
                    .await,
                json!("true")
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            sim.requests().is_empty(),
            "no request for an invalid code: {:?}",
            sim.requests()
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_credentials_say_so_and_point_to_settings() {
    within(LIMIT, async {
        let sim = sim().await;
        let launch = Launch::bare()
            .env("MEETDESK_BASE_URL", &sim.base_url())
            .env("MEETDESK_ACCESS_TOKEN", "0123456789abcdef0123456789abcdef");
        let app = App::start("expired_credentials", launch).await;
        app.search(DEMO_ROOM).await;
        let text = error_panel(&app, "auth", LONG).await;
        assert!(text.contains("DingTalk did not accept the credentials."), "{text}");
        assert!(text.contains("Open Settings"), "{text}");
        let buttons = app.js("return Array.from(document.querySelectorAll('#error-panel button')).map(function (b) { return b.textContent; })").await;
        assert!(buttons.as_array().unwrap().contains(&json!("Open settings")), "{buttons}");
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_permission_names_the_permission_to_ask_for() {
    within(LIMIT, async {
        let sim = sim().await;
        sim.add_fault(FaultRule::new(Fault::PermissionDenied).for_room(DEMO_ROOM));
        let app = App::start("missing_permission", Launch::with_sim(&sim)).await;
        app.search(DEMO_ROOM).await;
        let text = error_panel(&app, "permission", LONG).await;
        assert!(text.contains("The app may not read meetings."), "{text}");
        assert!(text.contains("VideoConference.Conference.Read"), "{text}");
        // No page arrived, so no count: "0 meetings" would say the room is empty.
        assert_eq!(
            app.js("return document.getElementById('count-label').textContent")
                .await,
            json!(""),
            "a failed first search shows no count"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_waited_out_and_the_meetings_are_shown() {
    within(LIMIT, async {
        let sim = sim().await;
        sim.add_fault(FaultRule::once(Fault::QpsLimit).for_room(DEMO_ROOM));
        let app = App::start("rate_limit_retry", Launch::with_sim(&sim)).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(LONG).await, "20 of 45 meetings");
        assert_eq!(
            app.js("return document.getElementById('error-panel').hidden")
                .await,
            json!(true)
        );
        assert_eq!(
            room_queries(&sim).len(),
            2,
            "the limited request, then the retry"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_on_page_two_keeps_page_one_and_offers_retry() {
    within(LIMIT, async {
        let sim = sim().await;
        sim.add_fault(
            FaultRule::new(Fault::SystemError)
                .for_room(DEMO_ROOM)
                .after_requests(1),
        );
        let app = App::start("server_error_page_two", Launch::with_sim(&sim)).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");

        app.click("#load-more").await;
        let text = error_panel(&app, "server", LONG).await;
        assert!(text.contains("DingTalk is having problems."), "{text}");
        assert!(
            text.contains("The meetings already shown are kept."),
            "{text}"
        );
        assert_eq!(app.text("#count-label").await, "20 of 45 meetings");
        let failed_calls = room_queries(&sim).len();
        assert!(
            failed_calls > 2,
            "the client retried page 2 before giving up ({failed_calls} calls)"
        );

        // Retry while DingTalk still fails: the error comes back, page one stays.
        app.click("#retry-btn").await;
        let deadline = std::time::Instant::now() + LONG;
        while room_queries(&sim).len() <= failed_calls && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        error_panel(&app, "server", LONG).await;
        assert_eq!(app.text("#count-label").await, "20 of 45 meetings");
        assert!(!rows(&app).await.is_empty(), "page one is still shown");

        // DingTalk recovers: Retry loads page two.
        sim.clear_faults();
        app.click("#retry-btn").await;
        app.wait_text(
            "#count-label",
            "to say 40 of 45",
            |t| t == "40 of 45 meetings",
            LONG,
        )
        .await;
        assert_eq!(
            app.js("return document.getElementById('error-panel').hidden")
                .await,
            json!(true)
        );
        app.finish().await;
    })
    .await;
}

// ---- 6. joining ----------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_by_double_click_button_and_enter_opens_exactly_the_meetings_link() {
    within(LIMIT, async {
        let sim = sim().await;
        let room = "246813579";
        let t = now_ms();
        let link =
            |id: &str| format!("https://meeting.dingtalk.com/j/{id}?roomCode={room}&lang=en");
        sim.set_room(
            room,
            vec![
                meeting(
                    room,
                    "live-1",
                    "Live standup",
                    2,
                    t - 10 * MINUTE,
                    None,
                    &link("live-1"),
                ),
                meeting(
                    room,
                    "soon-2",
                    "Planning later",
                    0,
                    t + 60 * MINUTE,
                    None,
                    &link("soon-2"),
                ),
                meeting(
                    room,
                    "soon-3",
                    "Planning even later",
                    0,
                    t + 90 * MINUTE,
                    None,
                    &link("soon-3"),
                ),
                meeting(
                    room,
                    "ended-4",
                    "Yesterday's retro",
                    1,
                    t - 1440 * MINUTE,
                    Some(t - 1400 * MINUTE),
                    &link("ended-4"),
                ),
            ],
        );
        let app = App::start("join_three_ways", Launch::with_sim(&sim)).await;
        app.search(room).await;
        assert_eq!(app.idle_count(SHORT).await, "4 meetings");

        app.double_click(".meeting-row[data-conference-id='live-1'] .row-title")
            .await;
        assert_eq!(wait_opened(&app, 1).await, vec![link("live-1")]);

        app.click(".meeting-row[data-conference-id='soon-2'] .join-btn")
            .await;
        assert_eq!(wait_opened(&app, 2).await[1], link("soon-2"));

        app.click(".meeting-row[data-conference-id='soon-3'] .row-title")
            .await;
        assert_eq!(
            app.focused().await,
            "div.meeting-row.status-notStarted[soon-3]"
        );
        app.press(&[&Key::Enter]).await;
        assert_eq!(wait_opened(&app, 3).await[2], link("soon-3"));

        // An ended meeting asks first; "Cancel" opens nothing, "Open anyway" opens it.
        app.click(".meeting-row[data-conference-id='ended-4'] .join-btn")
            .await;
        app.wait(
            "the confirm dialog",
            "return document.getElementById('confirm-dialog').open",
            SHORT,
        )
        .await;
        let asked = app.text("#confirm-dialog").await;
        assert!(
            asked.contains("This meeting has ended") && asked.contains("Yesterday's retro"),
            "{asked}"
        );
        app.click("#confirm-no").await;
        app.wait(
            "the dialog to close",
            "return !document.getElementById('confirm-dialog').open",
            SHORT,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(app.opened().len(), 3, "Cancel opened nothing");
        app.click(".meeting-row[data-conference-id='ended-4'] .join-btn")
            .await;
        app.click("#confirm-yes").await;
        assert_eq!(wait_opened(&app, 4).await[3], link("ended-4"));
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_and_file_links_are_refused_and_nothing_is_opened() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("unsafe_links", Launch::with_sim(&sim)).await;
        app.search(HOSTILE_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "9 meetings");
        for title in ["Link: javascript", "Link: file", "Link: lookalike host"] {
            let id = row_id(&app, title).await;
            app.click(&format!(
                ".meeting-row[data-conference-id='{id}'] .join-btn"
            ))
            .await;
            // These meetings ended: the app asks first, then refuses the link itself.
            app.wait(
                "the confirm dialog",
                "return document.getElementById('confirm-dialog').open",
                SHORT,
            )
            .await;
            app.click("#confirm-yes").await;
            let toast = toast_text(&app).await;
            assert!(
                toast
                    .contains("MeetDesk did not open this link: it is not a secure DingTalk link."),
                "{title}: {toast}"
            );
            app.js("document.querySelector('#toast .toast-close').click()")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            app.opened().is_empty(),
            "nothing was handed to xdg-open: {:?}",
            app.opened()
        );
        assert!(
            app.app_log().contains("join: refused a link"),
            "the refusal is logged"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_without_a_link_cannot_be_joined_and_says_why() {
    within(LIMIT, async {
        let sim = sim().await;
        let room = "135792468";
        let t = now_ms();
        let mut max = meeting(
            room,
            "max-3",
            "Absurd duration",
            1,
            t - 120 * MINUTE,
            None,
            "https://meeting.dingtalk.com/j/max-3",
        );
        max["confDuration"] = json!(i64::MAX);
        let mut almost = meeting(
            room,
            "almost-4",
            "Almost thirteen",
            1,
            t - 180 * MINUTE,
            None,
            "https://meeting.dingtalk.com/j/almost-4",
        );
        almost["confDuration"] = json!(12 * MINUTE + 59_000);
        sim.set_room(
            room,
            vec![
                meeting(room, "nolink-1", "No link here", 0, t + 60 * MINUTE, None, ""),
                meeting(
                    room,
                    "stale-2",
                    "Live for days",
                    2,
                    t - 3 * 1440 * MINUTE,
                    None,
                    "https://meeting.dingtalk.com/j/stale-2",
                ),
                max,
                almost,
            ],
        );
        let app = App::start("join_without_link", Launch::with_sim(&sim)).await;
        app.search(room).await;
        assert_eq!(app.idle_count(SHORT).await, "4 meetings");

        let row = ".meeting-row[data-conference-id='nolink-1']";
        let button = app
            .js(&format!(
                "var b = document.querySelector(\"{row} .join-btn\"); \
                 return [b.disabled, b.title, b.getAttribute('aria-description')]"
            ))
            .await;
        assert_eq!(
            button,
            json!([true, "This meeting has no join link.", "This meeting has no join link."]),
            "Join is disabled and says why"
        );
        app.double_click(&format!("{row} .row-title")).await;
        assert!(
            toast_text(&app).await.contains("This meeting has no join link."),
            "a double-click says why"
        );
        app.js("document.querySelector('#toast .toast-close').click()")
            .await;
        app.click(&format!("{row} .row-title")).await;
        app.press(&[&Key::Enter]).await;
        assert!(
            toast_text(&app).await.contains("This meeting has no join link."),
            "Enter says why"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(app.opened().is_empty(), "{:?}", app.opened());

        // The same display rule as the CLI and the CSV.
        let duration = |id: &str| {
            format!(
                "return document.querySelector(\".meeting-row[data-conference-id='{id}'] .row-duration\").textContent"
            )
        };
        assert_eq!(app.js(&duration("max-3")).await, json!("—"));
        assert_eq!(app.js(&duration("almost-4")).await, json!("12 min"));
        assert_eq!(
            app.js(&duration("stale-2")).await,
            json!("over a day, may have ended")
        );
        app.finish().await;
    })
    .await;
}

// ---- 7. hostile titles ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_title_with_html_is_shown_as_text_and_runs_nothing() {
    within(LIMIT, async {
        let sim = sim().await;
        let room = "808080808";
        let t = now_ms();
        let evil = "<img src=x onerror=\"window.__pwned=1\">";
        let evil_host = "<b onmouseover=\"window.__pwned=2\">boss</b>";
        let mut m = meeting(
            room,
            "evil-1",
            evil,
            1,
            t - 100 * MINUTE,
            Some(t - 60 * MINUTE),
            "https://meeting.dingtalk.com/j/e",
        );
        m["creatorNick"] = json!(evil_host);
        sim.set_room(room, vec![m]);
        let app = App::start("html_title_is_text", Launch::with_sim(&sim)).await;

        app.search(room).await;
        assert_eq!(app.idle_count(SHORT).await, "1 meeting");
        let row = ".meeting-row[data-conference-id='evil-1']";
        app.find(row).await;
        let text = app.text(row).await;
        assert!(text.contains(evil), "the title is shown literally: {text}");
        assert!(
            text.contains(evil_host),
            "the host is shown literally: {text}"
        );
        assert_eq!(
            app.js("return document.querySelectorAll('#timeline img, #timeline b').length")
                .await,
            json!(0)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            app.js("return typeof window.__pwned").await,
            json!("undefined")
        );

        // The simulator's own hostile room: alert(1) must not fire either.
        app.search(HOSTILE_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "9 meetings");
        let titles: Vec<String> = rows(&app).await.into_iter().map(|(t, _, _)| t).collect();
        assert!(
            titles.contains(&"<img src=x onerror=alert(1)>".to_string()),
            "{titles:?}"
        );
        assert!(
            app.client().get_alert_text().await.is_err(),
            "no alert is open"
        );
        assert_eq!(
            app.js("return document.querySelectorAll('#timeline img').length")
                .await,
            json!(0)
        );
        app.finish().await;
    })
    .await;
}

// ---- 8. export ---------------------------------------------------------------------------------------------------

/// Reads a CSV file as a spreadsheet would: the BOM off, then records.
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let headers = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_loaded_meetings_to_a_csv_file() {
    within(LIMIT, async {
        let sim = sim().await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("meetings.csv");
        let launch = Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("export_csv", launch).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        let loaded: BTreeSet<String> = app
            .js("return window.__meetdesk.state.meetings.map(function (m) { return String(m.conferenceId); })")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(loaded.len(), 20);

        app.click("#export-btn").await;
        app.wait("the export dialog", "return document.getElementById('export-dialog').open", SHORT).await;
        assert_eq!(app.js("return document.getElementById('export-scope-loaded').checked").await, json!(true));
        app.click("#export-start").await;
        let toast = toast_text(&app).await;
        assert!(toast.contains("Exported 20 meetings"), "{toast}");
        assert!(toast.contains("meetings.csv"), "{toast}");

        assert!(target.exists(), "the file was written");
        assert!(std::fs::read(&target).unwrap().starts_with(b"\xEF\xBB\xBF"), "a BOM by default (Excel reads UTF-8)");
        let (headers, records) = read_csv(&target);
        assert_eq!(records.len(), 20, "one row per loaded meeting");
        let id_col = headers.iter().position(|h| h.to_lowercase().contains("conference id")).unwrap_or(11);
        let title_col = headers.iter().position(|h| h.to_lowercase() == "title").unwrap_or(1);
        let ids: BTreeSet<String> = records.iter().map(|r| r[id_col].clone()).collect();
        assert_eq!(ids, loaded, "the rows are the meetings shown");
        assert!(records.iter().any(|r| r[title_col] == "产品周会 Weekly product sync"), "{records:?}");
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_export_says_so_and_leaves_no_file() {
    within(LIMIT, async {
        let sim = sim().await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("no-such-folder").join("meetings.csv");
        let launch = Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("export_fails", launch).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        app.click("#export-btn").await;
        app.click("#export-start").await;
        let err = app
            .wait("the export error", "var e = document.getElementById('export-error'); return (e && !e.hidden) ? e.textContent : null", LONG)
            .await;
        assert!(err.as_str().unwrap().contains("Export failed."), "{err}");
        assert!(!target.exists(), "no file");
        let left: Vec<PathBuf> = walk(out.path());
        assert!(left.is_empty(), "nothing left behind: {left:?}");
        app.finish().await;
    })
    .await;
}

// ---- 8b. filter, summary and export of what is shown (issue 13) ----------------------------------

/// The conference ids the page would show for a filter, computed in the test from the loaded
/// meetings and the rule of meetdesk-core filter.rs (every word in the title or the host, any of
/// the statuses, the start in [since, until)).
const EXPECTED_SHOWN: &str = "var f = arguments[0]; \
    var words = (f.text || '').toLowerCase().split(/\\s+/).filter(Boolean); \
    return window.__meetdesk.state.meetings.filter(function (m) { \
      var t = String(m.title || '').toLowerCase(), h = String(m.creatorNick || '').toLowerCase(); \
      if (!words.every(function (w) { return t.indexOf(w) >= 0 || h.indexOf(w) >= 0; })) return false; \
      if (f.statuses && f.statuses.length && f.statuses.indexOf(m.view.status) < 0) return false; \
      if (f.since != null && (m.view.start == null || m.view.start < f.since)) return false; \
      if (f.until != null && (m.view.start == null || m.view.start >= f.until)) return false; \
      return true; }).map(function (m) { return String(m.conferenceId); })";

async fn expected_shown(app: &App, filter: Value) -> BTreeSet<String> {
    ids_of(&app.js_with(EXPECTED_SHOWN, vec![filter]).await)
}

fn ids_of(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Waits until the window shows exactly `expected` (by Rust's snapshot), and returns the notice.
async fn wait_shown(app: &App, expected: &BTreeSet<String>) -> String {
    let want: Vec<&String> = expected.iter().collect();
    app.wait(
        &format!("{} meetings shown", expected.len()),
        &format!(
            "var s = window.__meetdesk.state; \
             var ids = s.shownMeetings.map(function (m) {{ return String(m.conferenceId); }}).sort(); \
             var n = document.getElementById('filter-notice'); \
             return (!s.busy && JSON.stringify(ids) === {:?}) ? [n.hidden ? '' : n.textContent] : null",
            serde_json::to_string(&want).unwrap()
        ),
        SHORT,
    )
    .await[0]
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Searches the demo room and loads all 45 of its meetings.
async fn demo_loaded(app: &App) {
    app.search(DEMO_ROOM).await;
    assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
    app.click("#load-all").await;
    app.wait_text(
        "#count-label",
        "says 45 meetings",
        |t| t == "45 meetings",
        LONG,
    )
    .await;
}

/// Sets a date input as the date picker would, with its change event.
async fn set_date(app: &App, id: &str, day: &str) {
    app.js_with(
        "var el = document.getElementById(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![json!(id), json!(day)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_in_the_filter_narrows_the_timeline_and_the_counts_follow() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("filter_typing", Launch::with_sim(&sim)).await;
        demo_loaded(&app).await;
        // A host of the room, typed in another case: every word must be in the title or host.
        let host = app
            .js("return window.__meetdesk.state.meetings.map(function (m) { return m.creatorNick; }).filter(Boolean)[0]")
            .await
            .as_str()
            .unwrap()
            .to_string();
        let typed = host.to_uppercase();
        app.type_into("#filter-text", &typed).await;
        let expected = expected_shown(&app, json!({ "text": typed })).await;
        assert!(!expected.is_empty() && expected.len() < 45, "{host}: {expected:?}");
        let notice = wait_shown(&app, &expected).await;
        assert_eq!(notice, format!("Showing {} of 45", expected.len()));
        // The timeline shows those meetings and no other; the loaded count stays.
        let drawn: BTreeSet<String> = rows(&app).await.into_iter().map(|(_, id, _)| id).collect();
        assert!(!drawn.is_empty() && drawn.is_subset(&expected), "{drawn:?} ⊄ {expected:?}");
        assert_eq!(app.text("#count-label").await, "45 meetings");
        assert_eq!(app.text("#export-btn").await, format!("Export {} of 45…", expected.len()));

        // A status as well: both apply.
        app.click("#filter-more").await;
        app.click("#filter-statuses-ended").await;
        let ended = expected_shown(&app, json!({ "text": typed, "statuses": ["ended"] })).await;
        wait_shown(&app, &ended).await;
        for (_, _, status) in rows(&app).await {
            assert_eq!(status, "ended");
        }

        // Dates only: the text and status go, one day is chosen; "To" includes that whole day.
        app.click("#filter-clear").await;
        wait_shown(&app, &expected_shown(&app, json!({})).await).await;
        assert_eq!(app.js("return document.getElementById('filter-text').value").await, json!(""));
        let day = app
            .js("var m = window.__meetdesk.state.meetings.find(function (m) { return m.view.status === 'ended' && m.view.start; }); \
                 var d = new Date(m.view.start); \
                 return [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'), String(d.getDate()).padStart(2, '0')].join('-')")
            .await
            .as_str()
            .unwrap()
            .to_string();
        set_date(&app, "filter-from", &day).await;
        set_date(&app, "filter-to", &day).await;
        let bounds = app
            .js_with("var p = arguments[0].split('-').map(Number); var a = new Date(p[0], p[1] - 1, p[2]); var b = new Date(p[0], p[1] - 1, p[2] + 1); return [a.getTime(), b.getTime()]", vec![json!(day)])
            .await;
        let on_day = expected_shown(&app, json!({ "since": bounds[0], "until": bounds[1] })).await;
        assert!(!on_day.is_empty());
        wait_shown(&app, &on_day).await;

        // Clear: all 45 again, the notice gone, and the next search keeps no stale notice.
        app.click("#filter-clear").await;
        let all = expected_shown(&app, json!({})).await;
        assert_eq!(wait_shown(&app, &all).await, "", "no notice without a filter");
        assert_eq!(app.text("#export-btn").await, "Export…");
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_shows_the_figures_of_what_is_shown() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("filter_summary", Launch::with_sim(&sim)).await;
        demo_loaded(&app).await;
        app.click("#filter-more").await;
        app.click("#filter-statuses-ended").await;
        let ended = expected_shown(&app, json!({ "statuses": ["ended"] })).await;
        wait_shown(&app, &ended).await;
        app.click("#report-toggle").await;
        assert_eq!(app.js("return document.getElementById('report-toggle').getAttribute('aria-expanded')").await, json!("true"));
        let count = app.wait_text("#report-count", "shows a count", |t| !t.is_empty(), SHORT).await;
        assert_eq!(numbers(&count), vec![ended.len() as u64]);
        // The total is the sum of the whole minutes the shown rows have, in the duration words.
        let (total, timed) = {
            let v = app
                .js("var ms = window.__meetdesk.state.shownMeetings.map(function (m) { return m.view.durationMs; }).filter(function (d) { return d != null; }); \
                     return [ms.reduce(function (a, d) { return a + Math.floor(d / 60000); }, 0), ms.length]")
                .await;
            (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
        };
        assert!(timed > 0);
        let shown_total = app.text("#report-total").await;
        let want: Vec<u64> = match (total / 60, total % 60) {
            (0, m) => vec![m],
            (h, 0) => vec![h],
            (h, m) => vec![h, m],
        };
        assert_eq!(numbers(&shown_total), want, "{shown_total} for {total} min");
        assert_eq!(numbers(&app.text("#report-average").await), {
            let avg = total / timed;
            match (avg / 60, avg % 60) {
                (0, m) => vec![m],
                (h, 0) => vec![h],
                (h, m) => vec![h, m],
            }
        });
        // Per host: the table's counts add up to what is shown; per week: a bar per busy week,
        // the chart hidden from screen readers (the table says the same).
        let hosts = app
            .js("return Array.from(document.querySelectorAll('.summary-hosts-table tbody tr td:nth-of-type(1)')).map(function (td) { return Number(td.textContent.replace(/\\D/g, '')); })")
            .await;
        let sum: u64 = hosts.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(sum, ended.len() as u64);
        let chart = app
            .js("var svg = document.querySelector('#report-panel svg.summary-chart'); \
                 var weeks = window.__meetdesk.state.summary.weeks; \
                 return [svg.getAttribute('aria-hidden'), svg.querySelectorAll('rect.chart-bar').length, \
                         weeks.filter(function (w) { return w.count > 0; }).length, \
                         document.querySelectorAll('.summary-weeks-table tbody tr').length, weeks.length, svg.namespaceURI]")
            .await;
        assert_eq!(chart[0], "true");
        assert_eq!(chart[1], chart[2], "a bar per week with meetings: {chart}");
        assert_eq!(chart[3], chart[4], "a table row per week: {chart}");
        assert_eq!(chart[5], "http://www.w3.org/2000/svg");
        // The figures follow the filter.
        app.click("#filter-statuses-ended").await;
        wait_shown(&app, &expected_shown(&app, json!({})).await).await;
        app.wait_text("#report-count", "follows the filter", |t| numbers(t) == vec![45], SHORT).await;
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_of_a_filtered_list_writes_those_rows_to_csv() {
    within(LIMIT, async {
        let sim = sim().await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("meetings.csv");
        let launch =
            Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("export_filtered_csv", launch).await;
        app.search(DEMO_ROOM).await;
        app.idle_count(SHORT).await;
        app.click("#filter-more").await;
        app.click("#filter-statuses-ended").await;
        let ended = expected_shown(&app, json!({ "statuses": ["ended"] })).await;
        wait_shown(&app, &ended).await;
        app.click("#export-btn").await;
        app.wait(
            "the export dialog",
            "return document.getElementById('export-dialog').open",
            SHORT,
        )
        .await;
        assert_eq!(
            app.text("#export-start").await,
            format!("Export {} of 20…", ended.len())
        );
        app.find("#export-filter-note").await;
        app.click("#export-start").await;
        let toast = toast_text(&app).await;
        assert!(
            toast.contains(&format!("Exported {} meetings", ended.len())),
            "{toast}"
        );
        let (headers, records) = read_csv(&target);
        let id_col = headers
            .iter()
            .position(|h| h.to_lowercase().contains("conference id"))
            .unwrap_or(11);
        let ids: BTreeSet<String> = records.iter().map(|r| r[id_col].clone()).collect();
        assert_eq!(
            ids, ended,
            "the file has the meetings shown, not all loaded"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_of_a_filtered_list_as_excel_writes_those_rows_to_a_workbook() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    within(LIMIT, async {
        let sim = sim().await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("meetings.xlsx");
        let launch =
            Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("export_filtered_xlsx", launch).await;
        demo_loaded(&app).await;
        let typed = "weekly";
        app.type_into("#filter-text", typed).await;
        let expected = expected_shown(&app, json!({ "text": typed })).await;
        assert!(!expected.is_empty() && expected.len() < 45, "{expected:?}");
        wait_shown(&app, &expected).await;
        app.click("#export-btn").await;
        app.click("#export-format-xlsx").await;
        app.click("#export-start").await;
        let toast = toast_text(&app).await;
        assert!(
            toast.contains(&format!("Exported {} meetings", expected.len())),
            "{toast}"
        );
        assert!(toast.contains("meetings.xlsx"), "{toast}");
        let mut book: Xlsx<_> = open_workbook(&target).expect("a workbook Excel can open");
        let sheet = book
            .worksheet_range_at(0)
            .expect("a first sheet")
            .expect("readable");
        let mut rows = sheet.rows();
        let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
        let id_col = header
            .iter()
            .position(|h| h.to_lowercase().contains("conference id"))
            .expect("a conference id column");
        let ids: BTreeSet<String> = rows
            .map(|r| match &r[id_col] {
                Data::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(ids, expected, "the workbook has the meetings shown");
        // The export dialog offers the format chosen last.
        app.click("#export-btn").await;
        assert_eq!(
            app.js("return document.getElementById('export-format-xlsx').checked")
                .await,
            json!(true)
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_that_cannot_be_used_is_explained_beside_its_field() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("filter_refused", Launch::with_sim(&sim)).await;
        app.search(DEMO_ROOM).await;
        app.idle_count(SHORT).await;
        let long = "x".repeat(201);
        app.type_into("#filter-text", &long).await;
        let msg = app
            .wait("the filter's error", "var e = document.getElementById('filter-error'); return e.hidden ? null : e.textContent", SHORT)
            .await;
        assert!(msg.as_str().unwrap().contains("That filter cannot be used."), "{msg}");
        assert_eq!(app.js("return document.getElementById('filter-text').getAttribute('aria-invalid')").await, json!("true"));
        // The 200-character text before the last key was still a filter: nothing matches it.
        assert_eq!(app.js("return window.__meetdesk.state.shownCount").await, json!(0));
        // Emptied, the error goes with the next filter Rust takes.
        app.find("#filter-text").await.clear().await.unwrap();
        app.js("document.getElementById('filter-text').dispatchEvent(new Event('input', { bubbles: true }))").await;
        app.wait("the error to go", "return document.getElementById('filter-error').hidden", SHORT).await;
        // "To" before "From": the date range is explained at "To".
        set_date(&app, "filter-from", "2026-11-20").await;
        set_date(&app, "filter-to", "2026-11-10").await;
        app.wait("the range's error", "return !document.getElementById('filter-error').hidden && document.getElementById('filter-to').getAttribute('aria-invalid') === 'true'", SHORT).await;
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "generates docs/screenshots: run by `make screenshots`"]
async fn screenshots_of_the_filter_and_the_summary() {
    within(LIMIT, async {
        let tmp = tempfile::tempdir().unwrap();
        let dir = screenshot_dir(&tmp);
        let sim = sim().await;
        let app = App::start("screenshots_filter", Launch::with_sim(&sim)).await;
        demo_loaded(&app).await;
        app.type_into("#filter-text", "sync").await;
        app.click("#filter-more").await;
        app.click("#filter-statuses-ended").await;
        let expected = expected_shown(&app, json!({ "text": "sync", "statuses": ["ended"] })).await;
        wait_shown(&app, &expected).await;
        app.screenshot(&dir.join("filtered.png")).await;
        app.click("#filter-clear").await;
        wait_shown(&app, &expected_shown(&app, json!({})).await).await;
        app.click("#report-toggle").await;
        app.find("#report-count").await;
        app.screenshot(&dir.join("summary.png")).await;
        app.js("document.documentElement.dataset.theme = 'dark'")
            .await;
        app.screenshot(&dir.join("summary-dark.png")).await;
        for name in ["filtered", "summary", "summary-dark"] {
            let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
            assert!(
                png.starts_with(b"\x89PNG") && png.len() > 10_000,
                "{name}.png is a real picture"
            );
        }
        app.finish().await;
    })
    .await;
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
            out.push(p);
        } else {
            out.push(p);
        }
    }
    out
}

// ---- 9. settings ------------------------------------------------------------------------------------------------------

async fn open_settings(app: &App) {
    app.click("#settings-btn").await;
    app.wait(
        "the settings dialog",
        "return document.getElementById('settings-dialog').open",
        SHORT,
    )
    .await;
}

async fn save_settings(app: &App) {
    app.click("#settings-save").await;
    app.wait(
        "the settings dialog to close after saving",
        "return !document.getElementById('settings-dialog').open",
        SHORT,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_and_theme_are_kept_after_a_restart() {
    within(LIMIT, async {
        let sim = sim().await;
        let mut app = App::start("language_theme_restart", Launch::with_sim(&sim)).await;
        assert_eq!(app.js("return document.documentElement.lang").await, json!("en"));
        open_settings(&app).await;
        app.find("#settings-language").await.select_by_value("zh-CN").await.unwrap();
        app.find("#settings-theme").await.select_by_value("dark").await.unwrap();
        save_settings(&app).await;
        app.wait("Chinese and dark", "return document.documentElement.lang === 'zh-CN' && document.documentElement.dataset.theme === 'dark'", SHORT)
            .await;
        assert_eq!(app.text("#search-btn").await, "查询");

        app.restart().await;
        assert_eq!(app.js("return document.documentElement.lang").await, json!("zh-CN"));
        assert_eq!(app.js("return document.documentElement.dataset.theme").await, json!("dark"));
        assert_eq!(app.text("#search-btn").await, "查询");
        let file = std::fs::read_to_string(app.settings_file()).unwrap();
        assert!(file.contains("\"zh-CN\"") && file.contains("\"dark\""), "{file}");

        // And back to English, in the same window.
        open_settings(&app).await;
        app.find("#settings-language").await.select_by_value("en").await.unwrap();
        save_settings(&app).await;
        app.wait("English again", "return document.documentElement.lang === 'en' && document.documentElement.dataset.theme === 'dark'", SHORT)
            .await;
        assert_eq!(app.text("#search-btn").await, "Search");
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_page_size_is_refused_with_a_reason() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("bad_page_size", Launch::with_sim(&sim)).await;
        for bad in ["500", "4"] {
            open_settings(&app).await;
            app.type_into("#settings-pageSize", bad).await;
            app.click("#settings-save").await;
            app.wait_text(
                "#settings-pageSize-error",
                "to give the reason",
                |t| t == "Enter a whole number from 5 to 100.",
                SHORT,
            )
            .await;
            assert_eq!(
                app.js("return document.getElementById('settings-dialog').open")
                    .await,
                json!(true),
                "not saved"
            );
            assert_eq!(
                app.focused().await,
                "#settings-pageSize",
                "focus goes to the field to fix"
            );
            app.press(&[&Key::Escape]).await;
            app.wait(
                "the dialog to close",
                "return !document.getElementById('settings-dialog').open",
                SHORT,
            )
            .await;
        }
        let file = std::fs::read_to_string(app.settings_file()).unwrap_or_default();
        assert!(!file.contains("500"), "nothing saved: {file}");
        app.search(DEMO_ROOM).await;
        assert_eq!(
            app.idle_count(SHORT).await,
            "20 of 45 meetings",
            "the page size in force is still 20"
        );
        app.finish().await;
    })
    .await;
}

/// Sets up MeetDesk from the first-run screen with the simulator as a custom host and the demo
/// app's key and secret, typed into Settings.
async fn set_up_through_settings(app: &App, sim: &SimHandle) {
    app.click("#first-run-settings").await;
    app.wait(
        "the settings dialog",
        "return document.getElementById('settings-dialog').open",
        SHORT,
    )
    .await;
    app.click("#settings-host-custom").await;
    app.type_into("#settings-customBaseUrl", &sim.base_url())
        .await;
    app.click("#settings-credentialMode-internalApp").await;
    app.type_into("#settings-appKey", dingtalk_sim::DEMO_APP_KEY)
        .await;
    app.type_into("#settings-appSecret", dingtalk_sim::DEMO_APP_SECRET)
        .await;
    save_settings(app).await;
    app.wait(
        "the search bar",
        "return !document.getElementById('workspace').hidden",
        SHORT,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_keychain_the_secret_goes_there_and_never_into_the_settings_file() {
    within(LIMIT, async {
        let sim = sim().await;
        let mut app = App::start("secret_in_keychain", Launch::bare().with_keychain()).await;
        set_up_through_settings(&app, &sim).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(LONG).await, "20 of 45 meetings");

        open_settings(&app).await;
        let dialog = app.text("#settings-dialog").await;
        assert!(
            dialog.contains("Secrets are kept in the system keychain."),
            "{dialog}"
        );
        let placeholder = app
            .js("return document.getElementById('settings-appSecret').placeholder")
            .await;
        assert!(
            placeholder.as_str().unwrap().starts_with("Saved"),
            "{placeholder}"
        );
        assert_eq!(
            app.js("return document.getElementById('settings-appSecret').value")
                .await,
            json!(""),
            "never pre-filled"
        );
        app.press(&[&Key::Escape]).await;

        let file = std::fs::read_to_string(app.settings_file()).unwrap();
        assert!(
            file.contains(dingtalk_sim::DEMO_APP_KEY),
            "the key is a setting: {file}"
        );
        assert!(
            !file.contains(dingtalk_sim::DEMO_APP_SECRET),
            "the secret is not in the file: {file}"
        );
        assert!(!file.contains("\"secrets\""), "{file}");

        // After a restart the secret comes back from the keychain.
        app.restart().await;
        app.wait(
            "the search bar (still set up)",
            "return !document.getElementById('workspace').hidden",
            SHORT,
        )
        .await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(LONG).await, "20 of 45 meetings");
        assert!(app.app_log().contains("secrets: keychain available"));
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keychain_the_secret_lasts_for_the_session_only() {
    within(LIMIT, async {
        let sim = sim().await;
        let mut app = App::start("secret_no_keychain", Launch::bare()).await;
        set_up_through_settings(&app, &sim).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(LONG).await, "20 of 45 meetings");

        open_settings(&app).await;
        let dialog = app.text("#settings-dialog").await;
        assert!(
            dialog.contains("No system keychain is available"),
            "{dialog}"
        );
        assert_eq!(
            app.js("return document.getElementById('settings-storeSecretsInFile').checked")
                .await,
            json!(false)
        );
        app.press(&[&Key::Escape]).await;

        let file = std::fs::read_to_string(app.settings_file()).unwrap();
        assert!(
            !file.contains(dingtalk_sim::DEMO_APP_SECRET),
            "the secret is not in the file: {file}"
        );

        app.restart().await;
        app.wait(
            "the first-run screen again (the secret is gone)",
            "return !document.getElementById('first-run').hidden",
            SHORT,
        )
        .await;
        assert!(app.app_log().contains("secrets: keychain unavailable"));
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_settings_file_is_kept_and_the_window_says_where() {
    within(LIMIT, async {
        let sim = sim().await;
        let truncated = r#"{"version": 2, "settings": {"language": "zh-CN", "pageSi"#;
        let app = App::start(
            "truncated_settings",
            Launch::with_sim(&sim)
                .data_file("settings.json", truncated)
                // A file where the log folder goes: the app must start anyway, logging to stderr.
                .data_file("logs", "not a folder"),
        )
        .await;
        let kept: Vec<PathBuf> = std::fs::read_dir(app.data_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("settings.json.bad-"))
            .collect();
        assert_eq!(kept.len(), 1, "the damaged file is kept");
        assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), truncated);
        let kept_path = kept[0].display().to_string();

        let toast = toast_text(&app).await;
        assert!(
            toast.contains("could not read its settings file") && toast.contains(&kept_path),
            "{toast}"
        );
        open_settings(&app).await;
        let problem = app.text("#settings-problem").await;
        assert!(problem.contains(&kept_path), "{problem}");
        app.press(&[&Key::Escape]).await;

        // A search works, and its recent room does not write defaults over the settings.
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(LONG).await, "20 of 45 meetings");
        assert!(!app.settings_file().exists(), "no incidental write");
        let stderr = std::fs::read_to_string(app.dir().join("app.stderr.log")).unwrap_or_default();
        assert!(stderr.contains("logging to stderr only"), "{stderr}");
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_host_says_why_the_secret_field_is_empty_again() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("host_change_note", Launch::bare()).await;
        set_up_through_settings(&app, &sim).await;
        open_settings(&app).await;
        let placeholder = "return document.getElementById('settings-appSecret').placeholder";
        assert!(app.js(placeholder).await.as_str().unwrap().starts_with("Saved"));
        assert_eq!(
            app.js("return document.getElementById('settings-secrets-note').hidden").await,
            json!(true)
        );

        app.click("#settings-host-mainland").await;
        let note = app
            .wait_text(
                "#settings-secrets-note",
                "to explain the empty secret",
                |t| !t.is_empty(),
                SHORT,
            )
            .await;
        assert_eq!(
            note,
            "Secrets are kept for the host they were entered for: enter the App secret for https://api.dingtalk.com again."
        );
        assert_eq!(app.js(placeholder).await, json!("Not set"));

        // Back to the host the secret was entered for: it applies again.
        app.click("#settings-host-custom").await;
        app.wait(
            "the note to go",
            "return document.getElementById('settings-secrets-note').hidden",
            SHORT,
        )
        .await;
        assert!(app.js(placeholder).await.as_str().unwrap().starts_with("Saved"));
        app.press(&[&Key::Escape]).await;
        app.finish().await;
    })
    .await;
}

// ---- 10. keyboard only: tests/e2e/accessibility.rs (`the_main_flow_works_from_the_keyboard_alone`) ----

// ---- screenshots -------------------------------------------------------------------------------------------------------

/// The README's pictures, from the real app: `make screenshots` (scripts/screenshots.sh) runs it
/// and writes them to docs/screenshots (`$MEETDESK_SCREENSHOTS_DIR`; else a temporary folder).
/// Ignored by `make test`: a generator, not a check (what it shows, other tests assert).
#[ignore = "generates docs/screenshots: run by `make screenshots`"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_states() {
    within(LIMIT, async {
        let tmp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("MEETDESK_SCREENSHOTS_DIR").map(PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
        {
            let app = App::start("screenshots_demo", Launch::bare()).await;
            app.screenshot(&dir.join("first-run.png")).await;
            app.click("#demo-btn").await;
            app.wait("demo mode", "return !document.getElementById('demo-marker').hidden", SHORT).await;
            app.search(DEMO_ROOM).await;
            app.idle_count(SHORT).await;
            app.find(".badge[data-status='live']").await;
            app.screenshot(&dir.join("demo-timeline.png")).await;
            app.finish().await;
        }
        {
            let sim = sim().await;
            sim.add_fault(FaultRule::new(Fault::PermissionDenied).for_room("999888777"));
            let app = App::start("screenshots_settings", Launch::with_sim(&sim)).await;
            app.search("999 888 777").await;
            error_panel(&app, "permission", LONG).await;
            app.screenshot(&dir.join("error.png")).await;

            app.search(DEMO_ROOM).await;
            app.idle_count(SHORT).await;
            open_settings(&app).await;
            app.screenshot(&dir.join("settings.png")).await;
            app.find("#settings-language").await.select_by_value("zh-CN").await.unwrap();
            save_settings(&app).await;
            app.wait("Chinese", "return document.documentElement.lang === 'zh-CN'", SHORT).await;
            app.js("var t = document.querySelector('#toast .toast-close'); if (t) t.click();").await;
            app.screenshot(&dir.join("chinese.png")).await;

            open_settings(&app).await;
            app.find("#settings-language").await.select_by_value("en").await.unwrap();
            app.find("#settings-theme").await.select_by_value("dark").await.unwrap();
            save_settings(&app).await;
            app.wait("dark", "return document.documentElement.dataset.theme === 'dark' && document.documentElement.lang === 'en'", SHORT).await;
            app.js("var t = document.querySelector('#toast .toast-close'); if (t) t.click();").await;
            app.screenshot(&dir.join("dark.png")).await;
            app.finish().await;
        }
        for name in ["first-run", "demo-timeline", "error", "settings", "chinese", "dark"] {
            let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
            assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name}.png is a real picture");
        }
    })
    .await;
}

// ---- cancel and the slow note (issue 10 §4): no request leaves the user waiting --------------------------

/// Where the screenshots of the slow states go: docs/screenshots with scripts/screenshots.sh.
fn screenshot_dir(tmp: &tempfile::TempDir) -> PathBuf {
    std::env::var_os("MEETDESK_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf())
}

/// A minute of silence on this room's next request: far longer than any test waits.
fn stall_next(sim: &SimHandle, room: &str) {
    sim.add_fault(
        FaultRule::new(Fault::Latency(Duration::from_secs(60)))
            .for_room(room)
            .times_limit(1),
    );
}

const CANCEL_SHOWN: &str = "var b = document.getElementById('cancel-load'); \
     return (window.__meetdesk.state.busy && !b.hidden && !b.disabled) ? b.getAttribute('aria-label') : null";
const SLOW_SHOWN: &str =
    "var n = document.getElementById('slow-note'); return n && !n.hidden ? n.textContent : null";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_search_shows_cancel_at_once_then_the_slow_note_and_cancel_brings_back_the_list()
{
    within(LIMIT, async {
        let tmp = tempfile::tempdir().unwrap();
        let sim = sim().await;
        let app = App::start("slow_search_cancel", Launch::with_sim(&sim)).await;

        // A first search that stalls: Cancel at once; cancelled, the empty start is back.
        stall_next(&sim, LARGE_ROOM_5K);
        app.search(LARGE_ROOM_5K).await;
        let label = app.wait("Cancel during the first search", CANCEL_SHOWN, Duration::from_secs(3)).await;
        assert_eq!(label, json!("Cancel the search (Esc)"));
        assert_eq!(app.js(SLOW_SHOWN).await, Value::Null, "no slow note before ~5 s");
        app.click("#cancel-load").await;
        app.wait(
            "the empty start again",
            "var e = document.getElementById('empty-state'); \
             return (!window.__meetdesk.state.busy && !e.hidden) ? e.textContent : null",
            SHORT,
        )
        .await;
        assert_eq!(app.js("return document.getElementById('error-panel').hidden").await, json!(true), "a cancel is not an error");
        assert_eq!(app.js("return document.getElementById('cancel-load').hidden").await, json!(true));

        // A list, then a search that stalls.
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        stall_next(&sim, LARGE_ROOM_5K);
        let started = std::time::Instant::now();
        app.search(LARGE_ROOM_5K).await;
        app.wait("Cancel during the second search", CANCEL_SHOWN, Duration::from_secs(3)).await;
        let note = app.wait("the slow note", SLOW_SHOWN, Duration::from_secs(20)).await;
        let after = started.elapsed();
        assert!(note.as_str().unwrap().contains("slow to answer"), "{note}");
        // SLOW_AFTER_MS is 5 s; measured here 5.0–5.3 s. Only the lower bound matters: not at once.
        assert!(after >= Duration::from_secs(4), "the note came after {after:?}");
        eprintln!("slow note after {after:?}");
        app.wait(
            "the slow note announced",
            "var l = document.getElementById('status-live').textContent; return l.indexOf('slow to answer') >= 0 ? l : null",
            SHORT,
        )
        .await;
        app.screenshot(&screenshot_dir(&tmp).join("slow-search.png")).await;

        // Escape, with focus still in the search box, cancels and brings the list back.
        assert_eq!(app.focused().await, "#room-input");
        app.press(&[&Key::Escape]).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        assert!(app.text("#room-label").await.contains("427 233 559"));
        assert_eq!(app.js("return document.querySelectorAll('#timeline .meeting-row').length > 0").await, json!(true));
        assert_eq!(app.js("return document.getElementById('error-panel').hidden").await, json!(true));
        assert_eq!(app.js(SLOW_SHOWN).await, Value::Null);
        app.wait(
            "the cancel announced",
            "var l = document.getElementById('status-live').textContent; return l.indexOf('Search cancelled') >= 0 ? l : null",
            SHORT,
        )
        .await;
        // The list shown again is live: Load more goes on from it.
        app.click("#load-more").await;
        app.wait_text("#count-label", "to say 40 of 45", |t| numbers(t) == [40, 45], SHORT).await;
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_load_all_shows_cancel_and_the_slow_note_and_escape_keeps_the_pages() {
    within(LIMIT, async {
        let tmp = tempfile::tempdir().unwrap();
        let sim = sim().await;
        let app = App::start("slow_load_all_cancel", Launch::with_sim(&sim)).await;
        app.search(LARGE_ROOM_5K).await;
        assert_eq!(numbers(&app.idle_count(SHORT).await), vec![20, 5000]);

        // Load all restarts at 100 a page; that first call stalls.
        stall_next(&sim, LARGE_ROOM_5K);
        let calls_before = room_queries(&sim).len();
        let started = std::time::Instant::now();
        app.click("#load-all").await;
        let label = app
            .wait(
                "Cancel during load all",
                CANCEL_SHOWN,
                Duration::from_secs(3),
            )
            .await;
        assert_eq!(label, json!("Cancel loading (Esc)"));
        app.wait("the slow note", SLOW_SHOWN, Duration::from_secs(20))
            .await;
        assert!(
            started.elapsed() >= Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        app.screenshot(&screenshot_dir(&tmp).join("slow-load-all.png"))
            .await;

        app.press(&[&Key::Escape]).await;
        assert_eq!(
            numbers(&app.idle_count(SHORT).await),
            vec![20, 5000],
            "the loaded page stays"
        );
        assert_eq!(
            app.js("return document.getElementById('error-panel').hidden")
                .await,
            json!(true)
        );
        assert_eq!(app.js(SLOW_SHOWN).await, Value::Null);
        assert_eq!(
            app.js("return !document.getElementById('load-all').hidden")
                .await,
            json!(true),
            "Load all is offered again"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            room_queries(&sim).len(),
            calls_before + 1,
            "nothing more was asked after the cancel"
        );

        // Without the stall it goes to the end.
        app.click("#load-all").await;
        app.wait_text(
            "#count-label",
            "to say 5000 meetings",
            |t| numbers(t) == [5000],
            LONG,
        )
        .await;
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_export_of_all_pages_can_be_cancelled_and_writes_nothing() {
    within(LIMIT, async {
        let tmp = tempfile::tempdir().unwrap();
        let sim = sim().await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("meetings.csv");
        let launch = Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("slow_export_cancel", launch).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        stall_next(&sim, DEMO_ROOM);
        app.click("#export-btn").await;
        app.wait("the export dialog", "return document.getElementById('export-dialog').open", SHORT).await;
        app.click("#export-scope-all").await;
        app.click("#export-start").await;
        app.wait(
            "the export's slow note",
            "var n = document.getElementById('export-slow-note'); return n && !n.hidden ? n.textContent : null",
            Duration::from_secs(20),
        )
        .await;
        app.screenshot(&screenshot_dir(&tmp).join("slow-export.png")).await;
        assert_eq!(app.focused().await, "#export-cancel", "Cancel has focus");
        app.press(&[&Key::Escape]).await;
        let toast = toast_text(&app).await;
        assert!(toast.contains("Export cancelled. Nothing was written."), "{toast}");
        assert_eq!(app.js("return document.getElementById('export-dialog').open").await, json!(false));
        assert!(!target.exists(), "no file");
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "no temp file either");
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings", "the list is as it was");
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connection_test_can_be_cancelled_and_the_buttons_come_back() {
    within(LIMIT, async {
        let tmp = tempfile::tempdir().unwrap();
        // A host that accepts connections and never answers (the simulator never stalls token
        // calls); the sockets are held until the test ends.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stalled = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                held.push(conn);
            }
        });
        let app = App::start("slow_test_connection_cancel", Launch::bare()).await;
        app.click("#first-run-settings").await;
        app.wait("the settings dialog", "return document.getElementById('settings-dialog').open", SHORT).await;
        app.click("#settings-host-custom").await;
        app.type_into("#settings-customBaseUrl", &stalled).await;
        app.click("#settings-credentialMode-internalApp").await;
        app.type_into("#settings-appKey", "some-app-key").await;
        app.type_into("#settings-appSecret", "typed-secret").await;
        app.click("#test-connection-btn").await;
        let label = app
            .wait(
                "the test button to become its Cancel",
                "var b = document.getElementById('test-connection-btn'); \
                 return (!b.disabled && b.textContent === 'Cancel test') ? b.getAttribute('aria-label') : null",
                Duration::from_secs(3),
            )
            .await;
        // Its accessible name starts with what it shows (WCAG 2.5.3), then says what it stops.
        assert_eq!(label, json!("Cancel test: stop the connection test (Esc)"));
        assert_eq!(app.js("return document.getElementById('settings-save').disabled").await, json!(true));
        app.wait(
            "the slow note",
            "var r = document.getElementById('settings-test-result'); \
             return (!r.hidden && r.dataset.kind === 'slow') ? r.textContent : null",
            Duration::from_secs(20),
        )
        .await;
        app.screenshot(&screenshot_dir(&tmp).join("slow-test-connection.png")).await;

        app.press(&[&Key::Escape]).await;
        let text = app
            .wait(
                "the cancelled test",
                "var r = document.getElementById('settings-test-result'); \
                 return (!r.hidden && r.dataset.kind === 'info') ? r.textContent : null",
                SHORT,
            )
            .await;
        assert!(text.as_str().unwrap().contains("Test cancelled"), "{text}");
        assert_eq!(app.js("return document.getElementById('settings-dialog').open").await, json!(true), "Escape cancelled the test, not the dialog");
        let buttons = app
            .js("var b = document.getElementById('test-connection-btn'); \
                 return [b.disabled, b.textContent, document.getElementById('settings-save').disabled]")
            .await;
        assert_eq!(buttons, json!([false, "Test connection", false]));
        assert_eq!(app.focused().await, "#test-connection-btn");
        app.finish().await;
    })
    .await;
}
