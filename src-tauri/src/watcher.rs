//! The background watcher in the running app: a tokio task that calls
//! [`meetdesk_core::watcher::Watcher::tick`] with the wall clock, shows what the tick returns
//! (notifications, the tray menu, the window's watched-room state), and sleeps until the plan's
//! next round — never longer than [`refresh::TICK_MAX_SECS`], since timers stop during sleep and
//! the clock can be changed (refresh.rs: the plan is recomputed from the wall clock, not trusted).
//!
//! At start-up the offline cache is opened on a blocking task (opening a large one costs tens of
//! milliseconds: docs/cache.md), beside the window's first paint; the watcher ticks without it
//! until then. A cache that had to be rebuilt gives one notice ([`WatchView::cache_notice`],
//! sent once); a folder that cannot hold one leaves the app working without it
//! ([`WatchView::cache_unavailable`]).
//!
//! Settings are read again on every tick, so a room watched or a setting saved applies at the
//! next one; the commands that change them call [`wake`] so that is at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

use crate::state::{lock, AppState};
use meetdesk_core::cache::{self, Bounds, Cache, CACHE_FILE_NAME};
use meetdesk_core::catalog::Lang;
use meetdesk_core::error::AppError;
use meetdesk_core::refresh;
use meetdesk_core::settings::Settings;
use meetdesk_core::tray::TrayItem;
use meetdesk_core::watcher::{Inputs, SharedCache, Tick, Watcher};

/// The profile key of demo mode: the simulator's port changes every run, its meeting ids do
/// not, so one key keeps demo reminders fired once across restarts.
const DEMO_PROFILE: &str = "demo";

/// What the window gets from `watched_watch` (and Settings from `watcher_status`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchView {
    /// The latest tick (rooms, plan, this month's calls, online); `None` before the first.
    #[serde(flatten)]
    pub tick: Option<Tick>,
    /// Whether this desktop has a tray: Settings disables "keep in tray" when it has not.
    pub tray_available: bool,
    /// The cache was rebuilt at start-up: the sentence to show, once (sent to the window's
    /// `watched_watch` channel until one received it).
    pub cache_notice: Option<String>,
    /// The cache cannot be kept (read-only or full folder): why. MeetDesk works without it.
    pub cache_unavailable: Option<String>,
    /// A notification or the tray asked to show this room (and meeting): sent until a window
    /// received it, like `cache_notice`. Through this channel rather than an event, so the
    /// window needs no event permission.
    pub show_room: Option<ShowRoom>,
}

/// A room (and meeting) the window is asked to show: `{ roomCode, conferenceId }`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowRoom {
    pub room_code: String,
    pub conference_id: Option<String>,
}

/// The watcher's shared state, managed by Tauri beside [`AppState`].
#[derive(Default)]
pub struct WatchService {
    watcher: tokio::sync::Mutex<Watcher>,
    latest: Mutex<Option<Tick>>,
    cache: Mutex<Option<SharedCache>>,
    cache_notice: Mutex<Option<String>>,
    cache_unavailable: Mutex<Option<String>>,
    show_room: Mutex<Option<ShowRoom>>,
    subscribers: Mutex<Vec<Channel<WatchView>>>,
    wake: tokio::sync::Notify,
    /// `None` until the tray was tried (then whether it exists).
    tray_available: Mutex<Option<bool>>,
    /// The menu last given to the tray, so it is rebuilt only when it changed.
    pub(crate) tray_items: Mutex<Vec<TrayItem>>,
}

impl WatchService {
    /// The view, for a new subscriber or Settings (which does not take the cache notice).
    pub fn view(&self) -> WatchView {
        WatchView {
            tick: lock(&self.latest).clone(),
            tray_available: self.tray_available(),
            cache_notice: lock(&self.cache_notice).clone(),
            cache_unavailable: lock(&self.cache_unavailable).clone(),
            show_room: lock(&self.show_room).clone(),
        }
    }

    pub fn tray_available(&self) -> bool {
        lock(&self.tray_available).unwrap_or(false)
    }

    pub(crate) fn set_tray_available(&self, available: bool) {
        *lock(&self.tray_available) = Some(available);
    }

    /// The latest tick's state of the rooms (the tray's Join looks its meeting up here).
    pub fn latest(&self) -> Option<Tick> {
        lock(&self.latest).clone()
    }

    /// The open cache, if any (the window's query may share it).
    pub fn cache(&self) -> Option<SharedCache> {
        lock(&self.cache).clone()
    }

    pub fn subscribe(&self, channel: Channel<WatchView>) {
        // A first view at once: the window should not wait for the next tick.
        if channel.send(self.view()).is_ok() {
            lock(&self.subscribers).push(channel);
            self.notice_delivered();
        }
    }

    fn publish(&self) {
        let view = self.view();
        // A channel whose page went away fails: drop it.
        let mut subs = lock(&self.subscribers);
        subs.retain(|c| c.send(view.clone()).is_ok());
        let delivered = !subs.is_empty();
        drop(subs);
        if delivered {
            self.notice_delivered();
        }
    }

    /// Asks the window to show `room`: kept until a window's channel received it (a click on a
    /// reminder may come before the page is ready to listen).
    pub fn ask_to_show(&self, room: ShowRoom) {
        *lock(&self.show_room) = Some(room);
        self.publish();
    }

    /// The "cache was rebuilt" sentence is shown once: gone after a window received it.
    fn notice_delivered(&self) {
        lock(&self.cache_notice).take();
        lock(&self.show_room).take();
    }

    /// Tick again now rather than at the plan's time.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The window's language when "system" is chosen, as the page decides it (English otherwise).
pub fn system_lang() -> Lang {
    sys_locale::get_locale()
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_default()
}

/// The language of notifications and the tray: the setting, else the system's.
pub fn ui_lang(settings: &Settings) -> Lang {
    settings.language.unwrap_or_else(system_lang)
}

/// The cache's profile key for what the app is connected to now.
pub fn profile_key(state: &AppState, settings: &Settings) -> String {
    if state.demo_base_url().is_some() {
        DEMO_PROFILE.to_owned()
    } else {
        cache::profile_key(settings)
    }
}

/// The tray menu before the first tick: the watched rooms, nothing known of them yet.
pub fn initial_tray<R: Runtime>(app: &AppHandle<R>) -> Vec<TrayItem> {
    let state = app.state::<AppState>();
    let settings = state.settings();
    let lang = ui_lang(&settings);
    let demo = state.demo_base_url().is_some();
    let rooms: Vec<_> = meetdesk_core::watcher::watched_rooms(&settings, demo, lang)
        .into_iter()
        .map(|r| (r, None))
        .collect();
    let now = chrono::Local::now();
    meetdesk_core::tray::tray_menu(&rooms, lang, &now.timezone(), now.timestamp_millis())
}

/// Tick again now (after a room was watched, a setting saved, demo mode switched).
pub fn wake<R: Runtime>(app: &AppHandle<R>) {
    if let Some(s) = app.try_state::<WatchService>() {
        s.wake();
    }
}

/// Opens the cache in the app data folder, on a blocking task. Kept: the first result (a cache,
/// or why there is none).
pub async fn open_cache<R: Runtime>(app: &AppHandle<R>) -> Option<SharedCache> {
    let service = app.try_state::<WatchService>()?;
    if let Some(c) = service.cache() {
        return Some(c);
    }
    let state = app.state::<AppState>();
    let path = state.data_dir.join(CACHE_FILE_NAME);
    let bounds = Bounds::from(&state.settings());
    let lang = ui_lang(&state.settings());
    let opened = tauri::async_runtime::spawn_blocking(move || Cache::open(&path, bounds)).await;
    match opened {
        Ok(Ok(opened)) => {
            if let Some(r) = &opened.rebuilt {
                log::warn!(
                    "cache: rebuilt ({}); the old file is {}",
                    r.reason,
                    r.moved_to.display()
                );
                *lock(&service.cache_notice) = Some(r.message(lang));
            }
            let mut slot = lock(&service.cache);
            // Two callers racing: the first cache stays, the second connection is dropped.
            let cache = slot
                .get_or_insert_with(|| Arc::new(Mutex::new(opened.cache)))
                .clone();
            Some(cache)
        }
        Ok(Err(e)) => {
            log::warn!("cache: {e}");
            *lock(&service.cache_unavailable) = Some(AppError::from(e).message);
            None
        }
        Err(e) => {
            log::warn!("cache: the task opening it stopped ({e})");
            None
        }
    }
}

/// After settings were saved: the cache's bounds (pruned at once when lowered), start at login,
/// and a tick with the new settings.
pub fn settings_saved<R: Runtime>(app: &AppHandle<R>, settings: &Settings) {
    crate::tray::sync_autostart(app, settings.start_at_login);
    if let Some(service) = app.try_state::<WatchService>() {
        if let Some(cache) = service.cache() {
            let bounds = Bounds::from(settings);
            tauri::async_runtime::spawn_blocking(move || {
                let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
                if c.bounds() != bounds {
                    c.set_bounds(bounds);
                    if let Err(e) = c.prune(chrono::Utc::now().timestamp_millis()) {
                        log::warn!("cache: pruning to the new bounds failed ({e})");
                    }
                }
            });
        }
        service.wake();
    }
}

/// Empties the offline cache (meetings only: the month's call count and the reminders shown
/// stay, cache.rs's rule).
pub async fn clear_cache<R: Runtime>(app: &AppHandle<R>) -> Result<(), AppError> {
    let Some(cache) = open_cache(app).await else {
        let why = app
            .try_state::<WatchService>()
            .and_then(|s| lock(&s.cache_unavailable).clone());
        return Err(AppError::new(
            "io",
            why.unwrap_or_else(|| "There is no offline cache to clear.".to_owned()),
        ));
    };
    tauri::async_runtime::spawn_blocking(move || {
        cache.lock().unwrap_or_else(|p| p.into_inner()).clear()
    })
    .await
    .map_err(|e| AppError::io("Clearing the offline cache stopped unexpectedly", e))??;
    log::info!("cache: cleared");
    Ok(())
}

/// One tick with the current settings and the wall clock.
async fn tick_now<R: Runtime>(app: &AppHandle<R>, service: &WatchService) -> (Tick, Lang) {
    let state = app.state::<AppState>();
    let settings = state.settings();
    let demo = state.demo_base_url().is_some();
    let lang = ui_lang(&settings);
    // Not set up: no client, and the cached meetings still show.
    let client = state.client().ok().map(|(c, _)| c);
    let profile = profile_key(&state, &settings);
    let inputs = Inputs::new(&settings, demo, lang, client, profile);
    let mut watcher = service.watcher.lock().await;
    (watcher.tick(&inputs, &chrono::Local::now()).await, lang)
}

/// How long to sleep after a tick: until the plan's time, at most [`refresh::TICK_MAX_SECS`].
fn sleep_after(tick: &Tick, now_ms: i64) -> Duration {
    let max = Duration::from_secs(refresh::TICK_MAX_SECS);
    match tick.plan.at {
        Some(at) => {
            let ms = u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0);
            // Never a busy loop: a plan "due now" that made no call (not set up) waits a second.
            Duration::from_millis(ms).clamp(Duration::from_secs(1), max)
        }
        None => max,
    }
}

/// Starts the loop (from the app's setup; the mock-runtime tests never run it).
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(cache) = open_cache(&app).await {
            if let Some(service) = app.try_state::<WatchService>() {
                service.watcher.lock().await.set_cache(cache);
            }
        }
        loop {
            let Some(service) = app.try_state::<WatchService>() else {
                return;
            };
            let (tick, lang) = tick_now(&app, &service).await;
            let wait = sleep_after(&tick, chrono::Utc::now().timestamp_millis());
            crate::notify::show(&app, &tick.notifications, lang);
            crate::tray::update(&app, &tick.tray);
            *lock(&service.latest) = Some(tick);
            service.publish();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = service.wake.notified() => {}
            }
        }
    });
}

/// Brings the window forward and asks it to show `room` (and the meeting, when known), through
/// the window's `watched_watch` channel ([`WatchView::show_room`]).
pub fn show_room<R: Runtime>(app: &AppHandle<R>, room: Option<ShowRoom>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    if let (Some(room), Some(service)) = (room, app.try_state::<WatchService>()) {
        service.ask_to_show(room);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meetdesk_core::refresh::{Plan, Reason};

    fn tick(at: Option<i64>) -> Tick {
        Tick {
            notifications: vec![],
            tray: vec![],
            rooms: vec![],
            plan: Plan {
                at,
                interval_secs: 60,
                calls: 1,
                reason: Reason::Busy,
            },
            calls_this_month: 0,
            monthly_budget: 5_000,
            online: true,
            cache_problem: None,
        }
    }

    #[test]
    fn the_cache_rebuilt_notice_reaches_one_window_once() {
        let service = WatchService::default();
        *lock(&service.cache_notice) = Some("rebuilt".into());
        assert_eq!(
            service.view().cache_notice.as_deref(),
            Some("rebuilt"),
            "Settings may look"
        );
        let got = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = got.clone();
        service.subscribe(Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(j) = body {
                lock(&seen).push(j);
            }
            Ok(())
        }));
        service.publish();
        let got = lock(&got).clone();
        assert_eq!(got.len(), 2);
        assert!(got[0].contains("\"cacheNotice\":\"rebuilt\""), "{}", got[0]);
        assert!(got[1].contains("\"cacheNotice\":null"), "{}", got[1]);
        assert!(got[0].contains("\"trayAvailable\":false"));
    }

    #[test]
    fn a_room_to_show_waits_for_a_window_then_reaches_it_once() {
        let service = WatchService::default();
        // A reminder clicked before any page listens: kept.
        service.ask_to_show(ShowRoom {
            room_code: "427233559".into(),
            conference_id: Some("c-1".into()),
        });
        let got = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = got.clone();
        service.subscribe(Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(j) = body {
                lock(&seen).push(j);
            }
            Ok(())
        }));
        service.publish();
        let got = lock(&got).clone();
        assert_eq!(got.len(), 2);
        assert!(
            got[0].contains(r#""showRoom":{"roomCode":"427233559","conferenceId":"c-1"}"#),
            "{}",
            got[0]
        );
        assert!(got[1].contains(r#""showRoom":null"#), "{}", got[1]);
    }

    #[test]
    fn the_loop_sleeps_until_the_plan_but_looks_at_the_clock_every_30_seconds() {
        assert_eq!(sleep_after(&tick(Some(10_000)), 0), Duration::from_secs(10));
        assert_eq!(
            sleep_after(&tick(Some(3_600_000)), 0),
            Duration::from_secs(30)
        );
        assert_eq!(sleep_after(&tick(None), 0), Duration::from_secs(30));
        assert_eq!(
            sleep_after(&tick(Some(0)), 5_000),
            Duration::from_secs(1),
            "overdue and nothing called: no busy loop"
        );
    }
}
