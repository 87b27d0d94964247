//! The commands the window calls. Each one checks its arguments, calls the plain-Rust parts
//! (`meetdesk_core::{query, settings, links, export}`), and maps errors to `AppError` for the UI.
//!
//! The query is Rust's: the window sends intents (`query_search`, `query_load_more`,
//! `query_load_all`, `query_retry`, `query_cancel`, `query_filter`) and renders the snapshots
//! `query_watch` streams to it; `open_meeting` and `export_meetings` name the query the snapshot
//! showed. An export writes what the filter shows.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dingtalk::RoomCode;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::state::{build_client, lock, AppState};
use crate::store::SettingsProblem;
use meetdesk_core::catalog::Lang;
use meetdesk_core::error::AppError;
use meetdesk_core::filter::Filter;
use meetdesk_core::profile::{Binding, SecretInput, SecretName};
use meetdesk_core::query::{CacheLink, Change, Outcome, Retry, Snapshot, Target};
use meetdesk_core::settings::{CredentialMode, Settings};
use meetdesk_core::{export, profile};

type CmdResult<T> = Result<T, AppError>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    configured: bool,
    demo: bool,
    keychain_available: bool,
    version: &'static str,
    data_dir: String,
    /// The settings file could not be used (all of it, or some fields): what, and where the
    /// unusable file was kept.
    settings_problem: Option<SettingsProblem>,
    /// The last incidental settings write failed (recent rooms, export folder): the change
    /// holds for this session only.
    settings_warning: Option<String>,
}

fn status(state: &AppState) -> Status {
    Status {
        configured: state.is_configured(),
        demo: state.demo_base_url().is_some(),
        keychain_available: state.vault.keychain_available(),
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.data_dir.display().to_string(),
        settings_problem: lock(&state.settings_problem).clone(),
        settings_warning: lock(&state.settings_warning).clone(),
    }
}

/// A command's result with, when the settings could not be written on the way, the warning the
/// window shows beside it. Flattened, so the result keeps its shape for the window.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WithSettingsWarning<T: Serialize> {
    #[serde(flatten)]
    value: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings_warning: Option<String>,
}

/// Settings as the window sees them: no secret, only whether each one is set, and for which
/// host and mode (a secret is never used for another: changing either means typing it again).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    #[serde(flatten)]
    settings: Settings,
    app_secret_set: bool,
    suite_secret_set: bool,
    suite_ticket_set: bool,
    access_token_set: bool,
    /// The normalised base URL the stored secrets belong to; `None` when none is stored.
    secrets_base_url: Option<String>,
    secrets_mode: Option<CredentialMode>,
    keychain_available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings_warning: Option<String>,
}

fn settings_view(state: &AppState) -> SettingsView {
    let settings = state.settings();
    let binding = Binding::of(&settings);
    let set = |n| state.vault.is_set(&binding, n);
    let any = SecretName::ALL.into_iter().any(set);
    SettingsView {
        app_secret_set: set(SecretName::AppSecret),
        suite_secret_set: set(SecretName::SuiteSecret),
        suite_ticket_set: set(SecretName::SuiteTicket),
        access_token_set: set(SecretName::AccessToken),
        secrets_base_url: any.then(|| binding.base_url.clone()),
        secrets_mode: any.then_some(binding.mode),
        keychain_available: state.vault.keychain_available(),
        settings_warning: lock(&state.settings_warning).clone(),
        settings,
    }
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressView {
    loaded: u64,
    total_count: Option<u64>,
}

/// Forwards "load all" progress to the window; a closed window just stops listening.
fn progress_to(channel: Channel<ProgressView>) -> impl FnMut(dingtalk::Progress) + Send {
    move |p| {
        let _ = channel.send(ProgressView {
            loaded: p.loaded,
            total_count: p.total,
        });
    }
}

/// The page is painted: show the window now, so the user never sees a white flash.
#[tauri::command]
pub fn app_ready<R: Runtime>(window: tauri::WebviewWindow<R>) {
    log::info!(
        "window: page ready {} ms after process start",
        crate::started_at().elapsed().as_millis()
    );
    let _ = window.show();
    let _ = window.set_focus();
}

#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> Status {
    status(&state)
}

#[tauri::command]
pub async fn start_demo(
    state: State<'_, AppState>,
    watch: State<'_, crate::watcher::WatchService>,
) -> CmdResult<Status> {
    if state.demo_base_url().is_none() {
        let sim = dingtalk_sim::SimHandle::start(dingtalk_sim::SimConfig::default())
            .await
            .map_err(|e| AppError::io("Could not start the demo server", e))?;
        log::info!("demo: simulator on {}", sim.base_url());
        *lock(&state.demo) = Some(sim);
        // Issue 12: the demo rooms are watched; read them now.
        watch.wake();
    }
    Ok(status(&state))
}

#[tauri::command]
pub fn stop_demo(
    state: State<'_, AppState>,
    watch: State<'_, crate::watcher::WatchService>,
) -> Status {
    let sim = lock(&state.demo).take();
    if let Some(sim) = sim {
        sim.shutdown();
        // Its meetings came from a host that is gone: the window starts over.
        state.session.reset();
        // Issue 12: the watcher leaves the demo rooms now.
        watch.wake();
        log::info!("demo: stopped");
    }
    status(&state)
}

/// Starts sending the window snapshots of the current query (the first one at once, with the
/// state as it is: a reloaded page shows what Rust still has). A later call replaces the
/// channel; a closed window just stops listening.
#[tauri::command]
pub fn query_watch(state: State<'_, AppState>, on_snapshot: Channel<Snapshot>) {
    state.session.watch(Box::new(move |snapshot| {
        let _ = on_snapshot.send(snapshot);
    }));
}

/// The search intent: a new query for `room_code` (the snapshots say how it goes; the answer
/// only sums it up, with the settings warning when remembering the room could not be saved).
#[tauri::command]
pub async fn query_search<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    room_code: String,
) -> CmdResult<WithSettingsWarning<Outcome>> {
    search(&app, &state, &room_code).await
}

/// The offline cache a search reads and writes, for the profile connected now. The first search
/// after start may come before the start-up task opened the cache: it waits for it (tens of ms)
/// rather than missing the cached paint the user relaunched for.
async fn cache_link<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> Option<CacheLink> {
    let cache = crate::watcher::open_cache(app).await?;
    Some(CacheLink {
        cache,
        profile: crate::watcher::profile_key(state, &state.settings()),
    })
}

async fn search<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    room_code: &str,
) -> CmdResult<WithSettingsWarning<Outcome>> {
    let room = RoomCode::parse(room_code).map_err(AppError::from);
    let cache = match &room {
        Ok(_) => cache_link(app, state).await,
        Err(_) => None,
    };
    let target = room.and_then(|room| {
        Ok(Target {
            client: state.client()?.0,
            room,
            page_size: state.settings().page_size,
            cache,
        })
    });
    let outcome = state.session.search(target, room_code).await?;
    let mut settings_warning = None;
    if outcome.change == Change::Done {
        // Remember the room with the newest title seen, so the dropdown can say which room it
        // was. The meetings arrived: a settings file that cannot be written does not hide them.
        let title = outcome.title.clone();
        let now = chrono::Utc::now().timestamp_millis();
        settings_warning =
            state.update_settings(|s| s.remember_room(&outcome.room_code, title, now));
    }
    Ok(WithSettingsWarning {
        value: outcome,
        settings_warning,
    })
}

#[tauri::command]
pub async fn query_load_more(state: State<'_, AppState>, query_id: u64) -> CmdResult<Outcome> {
    state.session.load_more(query_id).await
}

#[tauri::command]
pub async fn query_load_all(state: State<'_, AppState>, query_id: u64) -> CmdResult<Outcome> {
    state.session.load_all(query_id).await
}

/// Repeats the operation of query `query_id` that failed. A search is repeated with the
/// settings as they are now (the user may just have fixed the credentials).
#[tauri::command]
pub async fn query_retry<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query_id: u64,
) -> CmdResult<Option<WithSettingsWarning<Outcome>>> {
    let plain = |o| {
        Some(WithSettingsWarning {
            value: o,
            settings_warning: None,
        })
    };
    Ok(match state.session.retry_plan(query_id)? {
        Retry::Search(room) => Some(search(&app, &state, &room).await?),
        Retry::LoadMore => plain(state.session.load_more(query_id).await?),
        Retry::LoadAll => plain(state.session.load_all(query_id).await?),
        Retry::Nothing => None,
    })
}

/// Stops what query `query_id` is doing (search, load more, load all).
#[tauri::command]
pub fn query_cancel(state: State<'_, AppState>, query_id: u64) {
    state.session.cancel(query_id);
}

/// Sets the filter of what the window shows, summarises and exports (it stays for the next
/// search). A filter that cannot be used answers `invalidFilter` with the field, and the filter
/// before it stays in force.
#[tauri::command]
pub fn query_filter(state: State<'_, AppState>, filter: Filter) -> CmdResult<()> {
    state.session.set_filter(filter)
}

/// Cancels the window's request `request_id` (an export or a connection test): its HTTP request
/// is dropped and the command answers `cancelled`.
#[tauri::command]
pub fn cancel_request(state: State<'_, AppState>, request_id: u64) {
    state.session.cancel_request(request_id);
}

/// Opens a meeting by its id: the link is the one DingTalk gave us, checked before the browser
/// sees it. The window never passes a URL.
#[tauri::command]
pub async fn open_meeting<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query_id: u64,
    conference_id: String,
) -> CmdResult<()> {
    let link = state.session.join_link(query_id, &conference_id).await?;
    let custom = state.connection().ok().and_then(|c| c.custom_link_domain);
    // One Join for the window and the tray: checked, then the DingTalk app if chosen, then https.
    let in_app = state.settings().open_in_dingtalk_app;
    crate::tray::open_join_link(&app, &link, &conference_id, custom.as_deref(), in_app)
}

/// Opens the first of `targets` the system can open: the DingTalk app's jump link, then the
/// https link when nothing handles `dingtalk://` (the opener answers an error then).
pub(crate) fn open_first<R: Runtime>(app: &AppHandle<R>, targets: &[url::Url]) -> CmdResult<()> {
    let mut last = None;
    for url in targets {
        let opened = match app.try_state::<UrlOpener>() {
            Some(opener) => (opener.0)(url.as_str()),
            None => app
                .opener()
                .open_url(url.as_str(), None::<&str>)
                .map_err(|e| e.to_string()),
        };
        match opened {
            Ok(()) => return Ok(()),
            Err(e) => {
                log::info!("join: {} could not be opened ({e})", url.scheme());
                last = Some(e);
            }
        }
    }
    Err(AppError::new(
        "io",
        format!(
            "Could not open the browser: {}. Copy the link and open it yourself.",
            last.unwrap_or_default()
        ),
    ))
}

/// Opens URLs in place of the system opener when managed: the seam tests use to see which URL
/// Join opened (and to make the DingTalk app's scheme fail as on a machine without the app).
pub struct UrlOpener(pub OpenUrl);

/// Opens one URL; `Err` (why) when the system cannot.
pub type OpenUrl = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// "Copy invitation": the text for a meeting of query `query_id`, in the window's language
/// (`lang`, a BCP 47 tag; English when unknown), times in this computer's zone. The window copies
/// it through its clipboard path and never builds it.
#[tauri::command]
pub async fn meeting_invitation(
    state: State<'_, AppState>,
    query_id: u64,
    conference_id: String,
    lang: String,
) -> CmdResult<String> {
    let (room, meeting) = state.session.meeting(query_id, &conference_id).await?;
    let custom = state.connection().ok().and_then(|c| c.custom_link_domain);
    let lang = Lang::from_tag(&lang).unwrap_or_default();
    Ok(meetdesk_core::invitation::invitation(
        &meeting,
        &room,
        custom.as_deref(),
        lang,
        &chrono::Local,
    ))
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> SettingsView {
    settings_view(&state)
}

#[tauri::command]
pub fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
    secrets: Option<SecretInput>,
) -> CmdResult<SettingsView> {
    settings.validate()?;
    // Secrets belong to the host and mode they are typed for. Saving another host or mode with
    // no secrets typed leaves it unconfigured: the old host's secrets are never carried over.
    let old_binding = state.binding();
    let new_binding = Binding::of(&settings);
    let moved = old_binding != new_binding;
    for (name, value) in secrets.unwrap_or_default().entries() {
        state
            .vault
            .set(&new_binding, name, value)
            .map_err(|m| AppError::new("keychain", m))?;
    }
    let keychain = state.vault.keychain_available();
    let saved = state.store.save(|doc| {
        // The window does not edit these; keep ours rather than trust a stale copy.
        let recent_rooms = std::mem::take(&mut doc.settings.recent_rooms);
        let last_export_dir = doc.settings.last_export_dir.take();
        // Changed by watch_room & co. while the dialog is open: a stale copy must not undo them.
        let watched = std::mem::take(&mut doc.settings.watched);
        doc.settings = Settings {
            recent_rooms,
            last_export_dir,
            watched,
            ..settings
        };
        doc.secrets = (!keychain && doc.settings.store_secrets_in_file)
            .then(|| state.vault.file_copy(&new_binding));
        Ok(doc.settings.clone())
    });
    let saved = match saved {
        Ok(s) => s,
        Err(e) => {
            if moved {
                // Typed for a host that was not saved: do not leave them lying around.
                state.vault.forget(&new_binding);
            }
            return Err(e);
        }
    };
    if moved {
        state.vault.forget(&old_binding);
        log::info!("secrets: host or mode changed; the previous host's secrets were removed");
    }
    state.settings_saved();
    crate::watcher::settings_saved(&app, &saved);
    log::info!(
        "settings: saved (mode {:?}, host {:?})",
        saved.credential_mode,
        saved.host
    );
    Ok(settings_view(&state))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTest {
    ok: bool,
    /// True when only the settings could be checked (a pasted token is checked by the first search).
    token_not_checked: bool,
}

/// Checks settings the user is editing, before saving them: the host is reachable and the
/// credentials are accepted. Token calls do not count against the monthly quota.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    settings: Settings,
    secrets: Option<SecretInput>,
    request_id: Option<u64>,
) -> CmdResult<ConnectionTest> {
    let request = state.session.begin(request_id);
    settings.validate()?;
    let typed: HashMap<SecretName, String> = secrets
        .unwrap_or_default()
        .entries()
        .map(|(n, v)| (n, v.to_string()))
        .collect();
    // What was typed, else what is stored for the saved host and mode, and nothing for any
    // other: a script asking to "test" its own host gets no secret to send there.
    let saved = state.binding();
    let conn = profile::resolve(
        &settings,
        &Default::default(),
        |b, n| {
            typed
                .get(&n)
                .cloned()
                .or_else(|| (*b == saved).then(|| state.vault.get(b, n)).flatten())
        },
        None,
    )?;
    let token_only = matches!(conn.credentials, dingtalk::Credentials::AccessToken(_));
    let client = build_client(&conn)?;
    request
        .run(async { Ok(client.check_credentials().await?) })
        .await?;
    Ok(ConnectionTest {
        ok: true,
        token_not_checked: token_only,
    })
}

#[tauri::command]
pub fn remove_recent(state: State<'_, AppState>, room_code: String) -> SettingsView {
    // A failed write is reported in the view's settingsWarning; the room is gone either way.
    state.update_settings(|s| s.forget_room(room_code.trim()));
    settings_view(&state)
}

#[tauri::command]
pub fn clear_recent(state: State<'_, AppState>) -> SettingsView {
    state.update_settings(|s| s.recent_rooms.clear());
    settings_view(&state)
}

/// Shows an exported file in the file manager. Only files this run exported can be revealed.
#[tauri::command]
pub fn reveal_path<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
) -> CmdResult<()> {
    let path = PathBuf::from(path);
    if !lock(&state.exported).contains(&path) {
        return Err(AppError::new(
            "notFound",
            "MeetDesk only shows files it exported in this session.",
        ));
    }
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| AppError::new("io", format!("Could not open the folder: {e}")))
}

#[tauri::command]
pub fn open_log_folder<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CmdResult<()> {
    std::fs::create_dir_all(&state.log_dir)
        .map_err(|e| AppError::io("Could not create the log folder", e))?;
    app.opener()
        .open_path(state.log_dir.display().to_string(), None::<&str>)
        .map_err(|e| AppError::new("io", format!("Could not open the log folder: {e}")))
}

pub fn data_dirs<R: Runtime>(app: &AppHandle<R>, env_dir: Option<&PathBuf>) -> (PathBuf, PathBuf) {
    match env_dir {
        Some(dir) => (dir.clone(), dir.join("logs")),
        None => (
            app.path()
                .app_data_dir()
                .unwrap_or_else(|_| PathBuf::from(".")),
            app.path()
                .app_log_dir()
                .unwrap_or_else(|_| PathBuf::from("logs")),
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportScope {
    /// The meetings the window shows now.
    Loaded,
    /// Every page: the cursor is followed to the end first (with progress, cancellable).
    All,
}

/// Which file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    /// CSV that opens cleanly in Excel ([`export`]).
    #[default]
    Csv,
    /// An Excel workbook: a Meetings sheet and a Summary sheet ([`meetdesk_core::xlsx`]).
    Xlsx,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    /// The save dialog's file type name.
    fn filter_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::Xlsx => "Excel",
        }
    }
}

/// Asks where to save (the native dialog, opened from Rust: the web view has no file access),
/// fetches the remaining pages when asked for all of them, then writes the meetings the filter
/// shows, as CSV or Excel, atomically. Returns `None` when the user closed the dialog.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn export_meetings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query_id: u64,
    scope: ExportScope,
    format: Option<ExportFormat>,
    lang: Option<String>,
    request_id: Option<u64>,
    on_progress: Channel<ProgressView>,
) -> CmdResult<Option<WithSettingsWarning<export::ExportSummary>>> {
    let format = format.unwrap_or_default();
    let request = state.session.begin(request_id);
    let room = state.session.shown_rows(query_id)?.room_code;
    let room = RoomCode::parse(&room)?;
    let settings = state.settings();
    let lang = lang
        .as_deref()
        .and_then(meetdesk_core::catalog::Lang::from_tag)
        .unwrap_or_default();
    let options =
        export::ExportOptions::from_settings(lang, settings.csv_bom, &settings.csv_delimiter)?;

    let Some(path) = choose_export_path(&app, &state, &settings, &room, format).await? else {
        return Ok(None);
    };
    if scope == ExportScope::All {
        // The file is chosen: tell the window, which now waits for DingTalk (its slow note
        // counts from here, not from while the user was in the save dialog).
        let (loaded, total_count) = state.session.counts(query_id).await?;
        let _ = on_progress.send(ProgressView {
            loaded: loaded as u64,
            total_count,
        });
        // Nothing is written unless every page arrived: a half list would look like a whole one.
        // The pages stay in the query either way, and the window's list gets them.
        state
            .session
            .export_load_all(query_id, request.token(), progress_to(on_progress))
            .await?;
    }
    // Cancelled while the save dialog was open, or just as the last page came: write nothing.
    request.check()?;
    // The filter as it is now, over every row now loaded: "all pages" loads all, then filters.
    let rows = state.session.shown_rows(query_id)?;
    let target = path.clone();
    let summary = tauri::async_runtime::spawn_blocking(move || {
        write_export(&target, format, &rows.shown(), &options)
    })
    .await
    .map_err(|e| AppError::io("The export stopped unexpectedly", e))??;
    log::info!(
        "export: {} meetings of room {room} written as {}",
        summary.count,
        format.extension()
    );

    lock(&state.exported).push(path.clone());
    // The file is written; a settings file that cannot be is a warning beside that, not a failure.
    let dir = path.parent().map(|d| d.display().to_string());
    let settings_warning = state.update_settings(|s| s.last_export_dir = dir);
    Ok(Some(WithSettingsWarning {
        value: summary,
        settings_warning,
    }))
}

fn write_export(
    path: &Path,
    format: ExportFormat,
    rows: &[&meetdesk_core::view::MeetingRow],
    options: &export::ExportOptions,
) -> CmdResult<export::ExportSummary> {
    match format {
        ExportFormat::Csv => export::export_with(path, |w| {
            export::write_csv(w, rows.iter().map(|r| &r.meeting), options)
        }),
        ExportFormat::Xlsx => meetdesk_core::xlsx::export_atomic(path, rows, options),
    }
}

/// The suggested file name, its extension the format's: `meetings-427233559-2026-11-26.xlsx`.
fn export_file_name(room: &RoomCode, format: ExportFormat) -> String {
    let today = chrono::Local::now().date_naive();
    match format {
        ExportFormat::Csv => export::default_file_name(room, today),
        ExportFormat::Xlsx => meetdesk_core::xlsx::default_file_name(room, today),
    }
}

/// Whether this build honours `MEETDESK_TEST_EXPORT_PATH`: debug builds only. The WebDriver
/// tests run the debug binary, which cannot drive the native save dialog; in a release build a
/// variable in the environment must not be able to send a user's export somewhere they did not
/// choose.
pub const HONOURS_TEST_EXPORT_PATH: bool = cfg!(debug_assertions);

/// The test-only export path, when `honour` (see [`HONOURS_TEST_EXPORT_PATH`]).
fn test_export_path(env: &meetdesk_core::settings::EnvOverrides, honour: bool) -> Option<PathBuf> {
    env.export_path.clone().filter(|_| honour)
}

async fn choose_export_path<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    settings: &Settings,
    room: &RoomCode,
    format: ExportFormat,
) -> CmdResult<Option<PathBuf>> {
    if let Some(path) = test_export_path(&state.env, HONOURS_TEST_EXPORT_PATH) {
        return Ok(Some(path));
    }
    let mut dialog = app
        .dialog()
        .file()
        .set_file_name(export_file_name(room, format))
        .add_filter(format.filter_name(), &[format.extension()]);
    if let Some(dir) = settings
        .last_export_dir
        .as_deref()
        .filter(|d| std::path::Path::new(d).is_dir())
    {
        dialog = dialog.set_directory(dir);
    }
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |p| {
        let _ = tx.send(p);
    });
    let chosen = rx.await.ok().flatten();
    chosen
        .map(|p| {
            p.into_path()
                .map_err(|e| AppError::io("The chosen file cannot be used", e))
        })
        .transpose()
}

// ---- Issue 12: watched rooms and the background watcher (crate::watcher). ----

/// A change to the watched list, kept in memory even when the settings file cannot be written
/// (then the warning says so), like the recent rooms.
fn change_watched<T: Serialize>(
    state: &AppState,
    change: impl FnOnce(&mut Vec<meetdesk_core::watch::WatchedRoom>) -> CmdResult<T>,
) -> CmdResult<WithSettingsWarning<T>> {
    let (value, err) = state.store.update(|d| change(&mut d.settings.watched));
    let value = value?;
    let settings_warning = err.map(|e| e.message);
    *lock(&state.settings_warning) = settings_warning.clone();
    Ok(WithSettingsWarning {
        value,
        settings_warning,
    })
}

/// The watched list after a change, for the window.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Watched {
    watched: Vec<meetdesk_core::watch::WatchedRoom>,
}

/// Watches a room under a name (watching it again renames it).
#[tauri::command]
pub fn watch_room<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    room_code: String,
) -> CmdResult<WithSettingsWarning<Watched>> {
    let room = meetdesk_core::watch::WatchedRoom::new(&name, &room_code)?;
    let out = change_watched(&state, |list| {
        meetdesk_core::watch::watch(list, room)?;
        Ok(Watched {
            watched: list.clone(),
        })
    })?;
    crate::watcher::wake(&app);
    Ok(out)
}

/// Stops watching a room; a room not watched is no error (the list is what the window shows).
#[tauri::command]
pub fn unwatch_room<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    room_code: String,
) -> CmdResult<WithSettingsWarning<Watched>> {
    let code = RoomCode::parse(&room_code)?;
    let out = change_watched(&state, |list| {
        meetdesk_core::watch::unwatch(list, &code);
        Ok(Watched {
            watched: list.clone(),
        })
    })?;
    crate::watcher::wake(&app);
    Ok(out)
}

/// Renames a watched room.
#[tauri::command]
pub fn rename_watched<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    room_code: String,
    name: String,
) -> CmdResult<WithSettingsWarning<Watched>> {
    let code = RoomCode::parse(&room_code)?;
    let name = meetdesk_core::watch::WatchName::parse(&name)?;
    let out = change_watched(&state, |list| {
        if !meetdesk_core::watch::rename(list, &code, name) {
            return Err(AppError::invalid_setting(
                "watched",
                format!("Room {code} is not watched: watch it first."),
            ));
        }
        Ok(Watched {
            watched: list.clone(),
        })
    })?;
    crate::watcher::wake(&app);
    Ok(out)
}

/// Streams the watcher's state to the window: now, then after every tick.
#[tauri::command]
pub fn watched_watch(
    watch: State<'_, crate::watcher::WatchService>,
    on_state: Channel<crate::watcher::WatchView>,
) {
    watch.subscribe(on_state);
}

/// The watcher's latest state once (Settings: this month's calls, whether there is a tray).
#[tauri::command]
pub fn watcher_status(watch: State<'_, crate::watcher::WatchService>) -> crate::watcher::WatchView {
    watch.view()
}

/// "Clear offline cache" in Settings.
#[tauri::command]
pub async fn clear_cache<R: Runtime>(app: AppHandle<R>) -> CmdResult<()> {
    crate::watcher::clear_cache(&app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_export_path_is_for_debug_builds_only() {
        let env = meetdesk_core::settings::EnvOverrides {
            export_path: Some(PathBuf::from("/tmp/x.csv")),
            ..Default::default()
        };
        assert_eq!(test_export_path(&env, false), None, "a release build asks");
        assert_eq!(
            test_export_path(&env, true),
            Some(PathBuf::from("/tmp/x.csv"))
        );
        assert_eq!(HONOURS_TEST_EXPORT_PATH, cfg!(debug_assertions));
    }

    #[test]
    fn the_suggested_file_name_follows_the_format() {
        let room = RoomCode::parse("427 233 559").unwrap();
        let csv = export_file_name(&room, ExportFormat::Csv);
        let xlsx = export_file_name(&room, ExportFormat::Xlsx);
        assert!(
            csv.starts_with("meetings-427233559-") && csv.ends_with(".csv"),
            "{csv}"
        );
        assert_eq!(xlsx.strip_suffix(".xlsx"), csv.strip_suffix(".csv"));
    }
}
