//! Accessibility in the real window (issue 14): axe-core's WCAG 2.0–2.2 A/AA rules in every
//! state a user meets ([`App::audit`], one line per state), the main flow with the keyboard
//! alone, and what the live region says.
//!
//! The audits are grouped by what they need from the simulator, so a few app launches visit
//! every state. A state a later feature adds is one more `app.audit("…").await` where the test
//! reaches it.

use std::time::Duration;

use dingtalk_sim::{Fault, FaultRule, DEMO_ROOM, LARGE_ROOM_5K};
use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::harness::{describe_violations, numbers, within, App, Launch, LONG, SHORT};
use crate::{error_panel, meeting, now_ms, sim, stall_next, wait_opened, LIMIT, MINUTE};

/// The conference id of the first rendered row whose badge says `status`.
async fn row_with_status(app: &App, status: &str) -> String {
    let id = app
        .js_with(
            "var want = arguments[0]; \
             var b = Array.from(document.querySelectorAll('#timeline .meeting-row')).find(function (r) { \
               return r.querySelector('.badge').dataset.status === want; }); \
             return b ? b.dataset.conferenceId : null",
            vec![json!(status)],
        )
        .await;
    match id.as_str() {
        Some(id) => id.to_string(),
        None => app.fail(&format!("no row with status {status}")).await,
    }
}

async fn dialog_open(app: &App, id: &str) {
    app.wait(
        &format!("#{id} to open"),
        &format!("return document.getElementById({id:?}).open"),
        SHORT,
    )
    .await;
}

async fn dialog_closed(app: &App, id: &str) {
    app.wait(
        &format!("#{id} to close"),
        &format!("return !document.getElementById({id:?}).open"),
        SHORT,
    )
    .await;
}

/// Opens Settings, picks language and theme, saves, and waits until the page shows them.
async fn set_language_and_theme(app: &App, lang: &str, theme: &str) {
    app.click("#settings-btn").await;
    dialog_open(app, "settings-dialog").await;
    app.find("#settings-language")
        .await
        .select_by_value(lang)
        .await
        .unwrap();
    app.find("#settings-theme")
        .await
        .select_by_value(theme)
        .await
        .unwrap();
    app.click("#settings-save").await;
    dialog_closed(app, "settings-dialog").await;
    app.wait(
        &format!("{lang}, {theme}"),
        &format!(
            "return document.documentElement.lang === {lang:?} && document.documentElement.dataset.theme === {theme:?}"
        ),
        SHORT,
    )
    .await;
}

// ---- axe-core in every state ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_from_first_run_through_the_timeline_dialogs_themes_and_languages() {
    within(LIMIT, async {
        let app = App::start("axe_first_run_to_settings", Launch::bare()).await;
        app.audit("first run").await;
        app.click("#first-run-settings").await;
        dialog_open(&app, "settings-dialog").await;
        app.audit("settings from the first run, nothing set up, no keychain").await;
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "settings-dialog").await;

        app.click("#demo-btn").await;
        app.wait("demo mode", "return !document.getElementById('demo-marker').hidden && !document.getElementById('workspace').hidden", SHORT)
            .await;
        app.audit("demo mode, empty start").await;

        app.type_into("#room-input", "12ab").await;
        app.press(&[&Key::Enter]).await;
        app.wait("the inline reason", "return !document.getElementById('room-error').hidden", SHORT).await;
        app.audit("an invalid room code explained").await;

        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        app.find(".badge[data-status='live']").await;
        app.audit("demo timeline, light, English").await;

        // The recent-rooms list: ArrowDown in the search box opens it.
        app.js("document.getElementById('room-input').focus()").await;
        app.press(&[&Key::Down]).await;
        app.wait("the recent rooms", "return !document.getElementById('recent-popup').hidden && document.querySelectorAll('#recent-list [role=option]').length > 0", SHORT)
            .await;
        app.audit("recent-rooms list open").await;
        app.press(&[&Key::Escape]).await;
        app.wait("the recent rooms closed", "return document.getElementById('recent-popup').hidden", SHORT).await;

        app.click("#export-btn").await;
        dialog_open(&app, "export-dialog").await;
        app.audit("export dialog").await;
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "export-dialog").await;

        let ended = row_with_status(&app, "ended").await;
        app.double_click(&format!("#timeline .meeting-row[data-conference-id='{ended}']")).await;
        dialog_open(&app, "confirm-dialog").await;
        app.audit("confirm dialog (join an ended meeting)").await;
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "confirm-dialog").await;

        app.click("#settings-btn").await;
        dialog_open(&app, "settings-dialog").await;
        app.audit("settings, English, light").await;
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "settings-dialog").await;

        // Issue 13's states: a filter that matches nothing, then one that matches some, with the
        // summary open. They stay on for the dark and Chinese audits below, so the filter bar and
        // the summary's chart and tables are judged in both themes and both languages.
        app.type_into("#filter-text", "no meeting has this title").await;
        app.wait("the no-match note", "return document.getElementById('filter-notice').textContent.startsWith('Showing 0 of')", SHORT)
            .await;
        app.audit("filter matching nothing").await;
        app.click("#filter-clear").await;
        app.click("#filter-more").await;
        app.click("#filter-statuses-ended").await;
        app.wait("the ended meetings only", "return /^Showing [1-9][0-9]* of /.test(document.getElementById('filter-notice').textContent)", SHORT)
            .await;
        app.click("#report-toggle").await;
        app.wait("the summary", "return document.getElementById('report-count').textContent !== ''", SHORT).await;
        app.audit("filter on, summary open, light, English").await;

        set_language_and_theme(&app, "en", "dark").await;
        app.audit("demo timeline, dark, English (with the Saved toast)").await;
        set_language_and_theme(&app, "zh-CN", "dark").await;
        app.audit("demo timeline, dark, Chinese").await;
        set_language_and_theme(&app, "zh-CN", "light").await;
        app.audit("demo timeline, light, Chinese").await;
        app.click("#settings-btn").await;
        dialog_open(&app, "settings-dialog").await;
        app.audit("settings, Chinese").await;
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_while_loading_all_when_slow_on_errors_and_when_export_fails() {
    within(LIMIT, async {
        let sim = sim().await;
        // Pages after the first are slow: Load all's progress stays on screen long enough.
        sim.add_fault(
            FaultRule::new(Fault::Latency(Duration::from_millis(300))).for_room(LARGE_ROOM_5K).after_requests(1),
        );
        sim.add_fault(FaultRule::new(Fault::PermissionDenied).for_room("999888777"));
        sim.set_room("555666777", vec![]);
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("no-such-folder").join("meetings.csv");
        let launch = Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("axe_progress_errors", launch).await;
        app.audit("configured, empty start").await;

        app.search(LARGE_ROOM_5K).await;
        assert_eq!(numbers(&app.idle_count(SHORT).await), vec![20, 5000]);
        app.click("#load-all").await;
        app.wait(
            "load-all progress",
            "var b = document.getElementById('load-progress'); return !b.hidden && document.getElementById('load-all-progress').value >= 200",
            LONG,
        )
        .await;
        app.audit("load-all progress").await;
        app.press(&[&Key::Escape]).await;
        app.idle_count(LONG).await;
        app.audit("load all cancelled, pages kept").await;

        // A stalled search: Cancel and the slow note.
        sim.clear_faults();
        stall_next(&sim, DEMO_ROOM);
        app.search(DEMO_ROOM).await;
        app.wait("the slow note", "var n = document.getElementById('slow-note'); return n && !n.hidden", Duration::from_secs(20))
            .await;
        app.audit("a stalled search: Cancel and the slow note").await;
        app.press(&[&Key::Escape]).await;
        app.idle_count(SHORT).await;

        app.search("555 666 777").await;
        app.wait("no meetings", "var e = document.getElementById('empty-state'); return !window.__meetdesk.state.busy && !e.hidden", SHORT)
            .await;
        app.audit("a room with no meetings").await;

        sim.add_fault(FaultRule::new(Fault::PermissionDenied).for_room("999888777"));
        app.search("999 888 777").await;
        error_panel(&app, "permission", LONG).await;
        app.audit("error panel (missing permission)").await;

        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        app.click("#export-btn").await;
        dialog_open(&app, "export-dialog").await;
        app.click("#export-start").await;
        app.wait("the export error", "var e = document.getElementById('export-error'); return e && !e.hidden", LONG).await;
        app.audit("export dialog, the export failed").await;
        // Said through the live region too, not only shown in the dialog.
        app.wait(
            "the failed export said",
            "return document.getElementById('status-live').textContent.indexOf('Export failed.') === 0",
            SHORT,
        )
        .await;
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "export-dialog").await;

        // A failure after the first page: the panel with Retry, the list kept below it.
        app.search(LARGE_ROOM_5K).await;
        assert_eq!(numbers(&app.idle_count(SHORT).await), vec![20, 5000]);
        sim.add_fault(FaultRule::new(Fault::SystemError).for_room(LARGE_ROOM_5K));
        app.click("#load-more").await;
        error_panel(&app, "server", LONG).await;
        app.audit("error panel with Retry, page one kept").await;
        app.finish().await;
    })
    .await;
}

/// The audit is only worth its silence if it speaks: a row's Copy link button given a name
/// without its visible text (what issue 14 found before the Label-in-Name fix) is reported by
/// rule, impact and element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_names_the_rule_the_impact_and_the_element() {
    within(LIMIT, async {
        let sim = sim().await;
        let app = App::start("axe_reports", Launch::with_sim(&sim)).await;
        app.search(DEMO_ROOM).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 45 meetings");
        let broken = app
            .js("var b = Array.from(document.querySelectorAll('#timeline .meeting-row button')).find(function (b) { \
                   return b.textContent.trim() === 'Copy link'; }); \
                 if (!b) return null; b.id = 'broken-copy'; b.setAttribute('aria-label', 'Put the address on the clipboard'); return b.id;")
            .await;
        assert_eq!(broken, json!("broken-copy"), "a row has a Copy link button");
        let found = app.axe_violations("a Copy link button named otherwise").await;
        let report = describe_violations("a Copy link button named otherwise", &found);
        let rule = found.iter().find(|v| v.id == "label-content-name-mismatch");
        let Some(rule) = rule else { app.fail(&format!("axe missed it:\n{report}")).await };
        assert_eq!(rule.impact.as_deref(), Some("serious"));
        assert!(report.contains("#broken-copy") && report.contains("WCAG 2.5.3"), "{report}");
        assert!(report.contains("Put the address on the clipboard"), "the element's HTML: {report}");
        app.finish().await;
    })
    .await;
}

// ---- the keyboard alone ---------------------------------------------------------------------------

/// Presses Tab (or Shift+Tab) until `id` has focus; fails after `max` presses.
async fn tab_to(app: &App, id: &str, back: bool, max: usize) {
    for _ in 0..max {
        if app.focused().await == id {
            return;
        }
        if back {
            app.chord(&Key::Shift, &Key::Tab).await;
        } else {
            app.press(&[&Key::Tab]).await;
        }
    }
    if app.focused().await != id {
        app.fail(&format!(
            "{} {max} times never reached {id}",
            if back { "Shift+Tab" } else { "Tab" }
        ))
        .await;
    }
}

/// Counts the pointer events the page sees: the test asserts it stays at zero.
/// A click that a key caused (Enter or Space on a button) has `detail` 0; one from a pointer
/// counts its presses.
const COUNT_POINTER_EVENTS: &str = "window.__pointerEvents = 0; \
     ['pointerdown', 'pointerup', 'mousedown', 'mouseup'].forEach(function (type) { \
       document.addEventListener(type, function () { window.__pointerEvents += 1; }, true); }); \
     ['click', 'dblclick'].forEach(function (type) { \
       document.addEventListener(type, function (e) { if (e.detail !== 0) window.__pointerEvents += 1; }, true); });";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_flow_works_from_the_keyboard_alone() {
    within(LIMIT, async {
        let sim = sim().await;
        let room = "112233445";
        let t = now_ms();
        let link = |id: &str| format!("https://meeting.dingtalk.com/j/{id}");
        // 30 meetings: 20 on the first page (DingTalk sends the newest first), so Load all has
        // something to do. The live one, one still to come, the rest ended.
        let mut meetings = vec![
            meeting(room, "k-live", "Keyboard live", 2, t - 5 * MINUTE, None, &link("k-live")),
            meeting(room, "k-next", "Keyboard next", 0, t + 30 * MINUTE, None, &link("k-next")),
            meeting(room, "k-ended", "Keyboard ended", 1, t - 90 * MINUTE, Some(t - 60 * MINUTE), &link("k-ended")),
        ];
        for i in 0..27 {
            let id = format!("k-{i:02}");
            let start = t - (i + 3) * 60 * MINUTE;
            meetings.push(meeting(room, &id, &format!("Keyboard {i:02}"), 1, start, Some(start + 30 * MINUTE), &link(&id)));
        }
        sim.set_room(room, meetings);
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("keyboard.csv");
        let launch = Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("keyboard_main_flow", launch).await;
        app.js(COUNT_POINTER_EVENTS).await;
        assert_eq!(app.focused().await, "#room-input", "the search box has focus at start");

        // Search: type and Enter.
        app.press(&[room, &Key::Enter]).await;
        assert_eq!(app.idle_count(SHORT).await, "20 of 30 meetings");

        // Into the list: the first row (the live meeting); Enter joins it. (Past the filter bar
        // and the watched rooms' "Watch this room".)
        for _ in 0..30 {
            if app.focused().await.starts_with("div.meeting-row") {
                break;
            }
            app.press(&[&Key::Tab]).await;
        }
        assert!(app.focused().await.ends_with("[k-live]"), "{}", app.focused().await);
        app.press(&[&Key::Enter]).await;
        assert_eq!(wait_opened(&app, 1).await, vec![link("k-live")]);

        // Move through the meetings: ↓ to the next, ↑ back, Home to the first. (Not End: at the
        // end of the list the next page loads by itself, and Load all would have nothing to do.)
        app.press(&[&Key::Down]).await;
        let second = app.focused().await;
        assert!(second.starts_with("div.meeting-row") && !second.ends_with("[k-live]"), "{second}");
        app.press(&[&Key::Down, &Key::Down]).await;
        let fourth = app.focused().await;
        assert!(fourth.starts_with("div.meeting-row") && fourth != second, "{fourth}");
        app.press(&[&Key::Up]).await;
        assert!(app.focused().await != fourth, "↑");
        app.press(&[&Key::Home]).await;
        assert!(app.focused().await.ends_with("[k-live]"), "Home: {}", app.focused().await);

        // The ended meeting asks first: Escape says no, and nothing opens.
        let mut steps = 0;
        while !app.focused().await.ends_with("[k-ended]") {
            steps += 1;
            if steps > 25 {
                app.fail("↓ never reached the ended meeting").await;
            }
            app.press(&[&Key::Down]).await;
        }
        app.press(&[&Key::Enter]).await;
        dialog_open(&app, "confirm-dialog").await;
        assert_eq!(app.focused().await, "#confirm-no", "the safe answer has focus");
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "confirm-dialog").await;
        assert!(app.focused().await.ends_with("[k-ended]"), "focus back on the row: {}", app.focused().await);
        assert_eq!(app.opened().len(), 1, "nothing more opened");

        // Load all: Shift+Tab back to the button (past the watched list's button and the
        // filter bar's 11 stops), Enter.
        tab_to(&app, "#load-all", true, 25).await;
        app.press(&[&Key::Enter]).await;
        app.wait_text("#count-label", "to say 30 meetings", |t| numbers(t) == [30], LONG).await;
        let focus = app.focused().await;
        assert!(!focus.is_empty() && focus != "body.", "focus was not lost when Load all went: {focus:?}");

        // Export: to the button, Enter opens the dialog on Export…, Enter writes the file; the
        // toast's "Show in folder" takes focus; Escape closes the toast, focus back on Export.
        tab_to(&app, "#export-btn", true, 25).await;
        app.press(&[&Key::Enter]).await;
        dialog_open(&app, "export-dialog").await;
        assert_eq!(app.focused().await, "#export-start");
        app.press(&[&Key::Enter]).await;
        app.wait("the export toast", "var t = document.getElementById('toast'); return !t.hidden && t.textContent.indexOf('Exported 30 meetings') >= 0", SHORT)
            .await;
        assert_eq!(app.focused().await, "#reveal-btn");
        assert!(target.exists(), "the file was written");
        app.press(&[&Key::Escape]).await;
        app.wait("the toast to go", "return document.getElementById('toast').hidden", SHORT).await;
        assert_eq!(app.focused().await, "#export-btn");

        // Settings: Ctrl+, opens them; Tab to the page size, a new value, Enter saves.
        app.chord(&Key::Control, ",").await;
        dialog_open(&app, "settings-dialog").await;
        tab_to(&app, "#settings-pageSize", false, 30).await;
        app.chord(&Key::Control, "a").await;
        app.press(&["50", &Key::Enter]).await;
        dialog_closed(&app, "settings-dialog").await;
        let file = std::fs::read_to_string(app.settings_file()).unwrap_or_default();
        let saved: Value = serde_json::from_str(&file).unwrap_or(Value::Null);
        assert_eq!(saved["settings"]["pageSize"], json!(50), "{file}");
        // Closing gives focus back to the dialog's opener; once saved, it goes to the search box.
        app.wait(
            "focus on the search box after saving",
            "return document.activeElement && document.activeElement.id === 'room-input'",
            SHORT,
        )
        .await;

        // Ctrl+, and Escape: closed without saving, focus back where it was; "/" and Ctrl+F
        // both reach the search box from the list.
        tab_to(&app, "#export-btn", false, 8).await;
        app.chord(&Key::Control, ",").await;
        dialog_open(&app, "settings-dialog").await;
        app.press(&[&Key::Escape]).await;
        dialog_closed(&app, "settings-dialog").await;
        assert_eq!(app.focused().await, "#export-btn");
        // "/" from a button (the next Tab stop is the filter bar's text box, where "/" is typed).
        app.press(&["/"]).await;
        assert_eq!(app.focused().await, "#room-input", "/");
        app.press(&[&Key::Tab, &Key::Tab]).await;
        app.chord(&Key::Control, "f").await;
        assert_eq!(app.focused().await, "#room-input", "Ctrl+F");

        assert_eq!(app.js("return window.__pointerEvents").await, json!(0), "no pointer event reached the page");
        app.finish().await;
    })
    .await;
}

// ---- the live region ------------------------------------------------------------------------------

/// Records every text the live region (#status-live) is given, in order.
const RECORD_LIVE_REGION: &str = "window.__said = []; \
     new MutationObserver(function () { var t = document.getElementById('status-live').textContent; \
       if (t) window.__said.push(t); }).observe(document.getElementById('status-live'), { childList: true, characterData: true, subtree: true }); \
     var r = document.getElementById('status-live'); return [r.getAttribute('role'), r.getAttribute('aria-live')];";

async fn said(app: &App) -> Vec<String> {
    let v = app.js("return window.__said").await;
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_said(app: &App, what: &str) -> Vec<String> {
    app.wait(
        &format!("the live region to say {what:?}"),
        &format!("return window.__said.some(function (s) {{ return s.indexOf({what:?}) >= 0; }})"),
        LONG,
    )
    .await;
    said(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_region_says_a_search_start_and_end_load_all_steps_errors_and_the_export() {
    within(LIMIT, async {
        let sim = sim().await;
        // Slow enough that each sentence stays in the region before the next replaces it.
        sim.add_fault(
            FaultRule::new(Fault::Latency(Duration::from_millis(150))).for_room(LARGE_ROOM_5K),
        );
        sim.add_fault(
            FaultRule::new(Fault::Latency(Duration::from_millis(300))).for_room(DEMO_ROOM),
        );
        sim.add_fault(FaultRule::new(Fault::PermissionDenied).for_room("999888777"));
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("said.csv");
        let launch =
            Launch::with_sim(&sim).env("MEETDESK_TEST_EXPORT_PATH", &target.display().to_string());
        let app = App::start("live_region", launch).await;
        let region = app.js(RECORD_LIVE_REGION).await;
        assert_eq!(
            region,
            json!(["status", "polite"]),
            "one polite status region"
        );

        app.search(DEMO_ROOM).await;
        let heard = wait_said(&app, "20 of 45 meetings loaded.").await;
        assert_eq!(
            heard,
            vec!["Searching room 427 233 559…", "20 of 45 meetings loaded."]
        );

        // An error: its title (a failure on loopback is too quick for the start to be heard
        // before the end replaces it; the end is what counts).
        app.js("window.__said = []").await;
        app.search("999 888 777").await;
        error_panel(&app, "permission", LONG).await;
        let title = app.text("#error-panel .error-title").await;
        assert!(!title.is_empty(), "the error panel has a title");
        let heard = wait_said(&app, &title).await;
        assert_eq!(heard.last(), Some(&title), "{heard:?}");

        app.search(LARGE_ROOM_5K).await;
        wait_said(&app, "20 of 5,000 meetings loaded.").await;
        app.js("window.__said = []").await;
        app.click("#load-all").await;
        let heard = wait_said(&app, "5,000 meetings loaded.").await;
        let progress: Vec<&String> = heard
            .iter()
            .filter(|s| s.starts_with("Loading all:"))
            .collect();
        // 5,000 in pages of 100 is 50 pages; the region speaks every 1,000 (a tenth of 5,000).
        assert_eq!(
            progress,
            vec![
                "Loading all: 1,000 of 5,000 meetings.",
                "Loading all: 2,000 of 5,000 meetings.",
                "Loading all: 3,000 of 5,000 meetings.",
                "Loading all: 4,000 of 5,000 meetings.",
            ],
            "{heard:?}"
        );
        assert_eq!(
            heard.first().map(String::as_str),
            Some("Loading all meetings…"),
            "{heard:?}"
        );
        assert_eq!(
            heard.last().map(String::as_str),
            Some("5,000 meetings loaded."),
            "{heard:?}"
        );

        app.js("window.__said = []").await;
        app.click("#export-btn").await;
        dialog_open(&app, "export-dialog").await;
        app.click("#export-start").await;
        let heard = wait_said(&app, "Exported 5,000 meetings").await;
        assert!(heard.iter().any(|s| s.contains("said.csv")), "{heard:?}");
        app.audit("export done: the toast with Show in folder")
            .await;
        app.finish().await;
    })
    .await;
}
