//! Issue 12 in the real app: a watched room's meeting goes live on the simulator's clock and the
//! reminder reaches the desktop's notification service, watched on a private session bus with
//! `dbus-monitor` (the call is seen whether or not a notification server answers it).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dingtalk_sim::testing::room_calls;
use dingtalk_sim::{SimClock, SimConfig, SimHandle};
use serde_json::json;

use crate::harness::{within, App, Launch, SHORT};
use crate::open_settings;

const MINUTE: i64 = 60_000;
const ROOM: &str = "123456789";

/// `dbus-monitor` on the app's bus, ended (by its id) when dropped.
struct Monitor {
    child: Child,
    out: std::path::PathBuf,
}

impl Monitor {
    fn start(app: &App) -> Monitor {
        let address = app
            .env_var("DBUS_SESSION_BUS_ADDRESS")
            .expect("the app runs on a private session bus");
        let out = app.dir().join("notifications.txt");
        let file = std::fs::File::create(&out).unwrap();
        let child = Command::new("dbus-monitor")
            .arg("--address")
            .arg(&address)
            .arg("type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-monitor (Debian package dbus-bin)");
        Monitor { child, out }
    }

    fn seen(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Waits until a Notify call contains every one of `parts`.
    async fn wait_for(&self, app: &App, parts: &[&str], timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        loop {
            let seen = self.seen();
            if parts.iter().all(|p| seen.contains(p)) {
                return seen;
            }
            if Instant::now() > end {
                app.fail(&format!(
                    "no Notify call with {parts:?}; the bus saw:\n{seen}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watched_rooms_meeting_going_live_shows_a_desktop_notification() {
    within(Duration::from_secs(150), async {
        // The simulator's clock runs 11 minutes behind: a meeting that started a minute ago by
        // the wall clock is still "booked" there, until the clock is put right.
        let sim = SimHandle::start(SimConfig {
            demo_data: false,
            clock: SimClock::Offset(-11 * MINUTE),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let start = chrono::Utc::now().timestamp_millis() - MINUTE;
        sim.set_room(
            ROOM,
            vec![json!({
                "conferenceId": "review-1", "title": "Quarterly review", "roomCode": ROOM,
                "status": 0, "startTime": start, "simEndsAt": start + 60 * MINUTE,
                "externalLinkUrl": "https://meeting.dingtalk.com/j/review", "bizType": "3",
            })],
        );
        let settings = json!({
            "version": 2,
            "settings": { "watched": [{ "name": "Board room", "roomCode": ROOM }] },
        });
        let app = App::start(
            "watched_live_notification",
            Launch::with_sim(&sim)
                .with_keychain()
                .data_file("settings.json", &settings.to_string()),
        )
        .await;
        let monitor = Monitor::start(&app);

        // The first round reads the room at start-up and sees it booked (its "starting"
        // reminder may come before the monitor listens: not asserted here).
        let end = Instant::now() + Duration::from_secs(30);
        while room_calls(&sim).is_empty() {
            if Instant::now() > end {
                app.fail("the watcher never read the watched room").await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // The simulator's clock reaches the start: the meeting is live at the next round (the
        // schedule is minute by minute while a meeting is about to start or live).
        sim.set_clock(SimClock::real_time());
        let seen = monitor
            .wait_for(&app, &["Live now in Board room"], Duration::from_secs(100))
            .await;
        let calls: Vec<&str> = seen.split("method call").collect();
        let live: Vec<&&str> = calls
            .iter()
            .filter(|c| c.contains("Live now in Board room"))
            .collect();
        assert_eq!(live.len(), 1, "one live reminder: {seen}");
        assert!(
            live[0].contains("Quarterly review"),
            "the meeting's title: {seen}"
        );
        drop(monitor);
        app.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_show_this_months_calls_check_the_new_fields_and_switch_start_at_login() {
    within(Duration::from_secs(150), async {
        let sim = dingtalk_sim::testing::demo_sim().await;
        let settings = json!({
            "version": 2,
            "settings": { "watched": [{ "name": "Demo", "roomCode": dingtalk_sim::DEMO_ROOM }] },
        });
        let app = App::start(
            "watch_settings",
            Launch::with_sim(&sim).data_file("settings.json", &settings.to_string()),
        )
        .await;

        // The watcher's first round is counted, and Settings shows the count against the budget.
        let end = Instant::now() + SHORT;
        loop {
            open_settings(&app).await;
            let shown = app
                .js("const p = document.getElementById('settings-calls-this-month'); return p && !p.hidden ? p.textContent : ''")
                .await;
            if shown.as_str().is_some_and(|t| t == "1 of 5,000 calls used this month") {
                break;
            }
            if Instant::now() > end {
                app.fail(&format!("no call count in Settings: {shown}")).await;
            }
            app.press(&[&fantoccini::key::Key::Escape]).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        app.type_into("#settings-reminderMinutes", "90").await;
        app.click("#settings-save").await;
        app.wait_text(
            "#settings-reminderMinutes-error",
            "to give the bounds",
            |t| t == "Enter a whole number from 0 to 60.",
            SHORT,
        )
        .await;
        assert_eq!(app.focused().await, "#settings-reminderMinutes");

        app.type_into("#settings-reminderMinutes", "10").await;
        app.click("#settings-startAtLogin").await;
        app.click("#settings-save").await;
        app.wait(
            "the dialog to close after saving",
            "return !document.getElementById('settings-dialog').open",
            SHORT,
        )
        .await;
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(app.settings_file()).unwrap()).unwrap();
        assert_eq!(file["settings"]["reminderMinutes"], 10);
        assert_eq!(file["settings"]["startAtLogin"], true);
        assert_eq!(
            file["settings"]["watched"][0]["roomCode"],
            dingtalk_sim::DEMO_ROOM,
            "the watched list is kept"
        );
        let autostart = app.dir().join("home/.config/autostart");
        let entries: Vec<_> = std::fs::read_dir(&autostart)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(entries.len(), 1, "one login entry in {}", autostart.display());

        // Clear offline cache says what it did.
        open_settings(&app).await;
        app.click("#clear-cache-btn").await;
        app.wait_text(
            "#settings-cache-result",
            "to confirm",
            |t| t.starts_with("The offline cache is empty."),
            SHORT,
        )
        .await;
        app.finish().await;
    })
    .await;
}
