//! The commands the window calls. Each one checks its arguments, calls the plain-Rust parts
//! (`session`, `settings`, `links`, `export`), and maps errors to `AppError` for the UI.

use std::collections::HashMap;
use std::path::PathBuf;

use dingtalk::RoomCode;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::AppError;
use crate::secrets::{SecretInput, SecretName};
use crate::session::PageView;
use crate::settings::Settings;
use crate::state::{build_client, AppState};
use crate::{connection, export, links, store};

type CmdResult<T> = Result<T, AppError>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    configured: bool,
    demo: bool,
    keychain_available: bool,
    version: &'static str,
    data_dir: String,
    settings_problem: Option<String>,
}

fn status(state: &AppState) -> Status {
    Status {
        configured: state.is_configured(),
        demo: state.demo_base_url().is_some(),
        keychain_available: state.vault.keychain_available(),
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.data_dir.display().to_string(),
        settings_problem: state.settings_problem.lock().unwrap().clone(),
    }
}

/// Settings as the window sees them: no secret, only whether each one is set.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    #[serde(flatten)]
    settings: Settings,
    app_secret_set: bool,
    suite_secret_set: bool,
    suite_ticket_set: bool,
    access_token_set: bool,
    keychain_available: bool,
}

fn settings_view(state: &AppState) -> SettingsView {
    SettingsView {
        settings: state.settings(),
        app_secret_set: state.vault.is_set(SecretName::AppSecret),
        suite_secret_set: state.vault.is_set(SecretName::SuiteSecret),
        suite_ticket_set: state.vault.is_set(SecretName::SuiteTicket),
        access_token_set: state.vault.is_set(SecretName::AccessToken),
        keychain_available: state.vault.keychain_available(),
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
pub async fn start_demo(state: State<'_, AppState>) -> CmdResult<Status> {
    if state.demo_base_url().is_none() {
        let sim = dingtalk_sim::SimHandle::start(dingtalk_sim::SimConfig::default())
            .await
            .map_err(|e| AppError::io("Could not start the demo server", e))?;
        log::info!("demo: simulator on {}", sim.base_url());
        *state.demo.lock().unwrap() = Some(sim);
    }
    Ok(status(&state))
}

#[tauri::command]
pub fn stop_demo(state: State<'_, AppState>) -> Status {
    if let Some(sim) = state.demo.lock().unwrap().take() {
        sim.shutdown();
        log::info!("demo: stopped");
    }
    status(&state)
}

#[tauri::command]
pub async fn query_room<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    room_code: String,
) -> CmdResult<PageView> {
    let room = RoomCode::parse(&room_code)?;
    let (client, _) = state.client()?;
    let page_size = state.settings().page_size;
    let view = state.session.query_room(client, room, page_size).await?;
    // Remember the room with the newest title seen, so the dropdown can say which room it was.
    let title = view.meetings.iter().find_map(|m| m.title.clone());
    let settings = {
        let mut s = state.settings.lock().unwrap();
        s.remember_room(
            &view.room_code,
            title,
            chrono::Utc::now().timestamp_millis(),
        );
        s.clone()
    };
    persist(&app, &state, &settings)?;
    Ok(view)
}

#[tauri::command]
pub async fn next_page(state: State<'_, AppState>, query_id: u64) -> CmdResult<PageView> {
    state.session.next_page(query_id).await
}

#[tauri::command]
pub async fn load_all(
    state: State<'_, AppState>,
    query_id: u64,
    on_progress: Channel<ProgressView>,
) -> CmdResult<PageView> {
    state
        .session
        .load_all(query_id, progress_to(on_progress))
        .await
}

#[tauri::command]
pub fn cancel_load(state: State<'_, AppState>, query_id: u64) {
    state.session.cancel(query_id);
}

#[tauri::command]
pub async fn loaded_meetings(state: State<'_, AppState>, query_id: u64) -> CmdResult<PageView> {
    state.session.loaded(query_id).await
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
    let url = links::check_join_link(&link, custom.as_deref()).inspect_err(|e| {
        // Both come from the server: escaped, so a newline cannot forge a log line.
        log::warn!(
            "join: refused a link for meeting {}: {}",
            dingtalk::log_safe(&conference_id),
            dingtalk::log_safe(&e.message)
        );
    })?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| AppError::new("io", format!("Could not open the browser: {e}")))
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
    for (name, value) in secrets.unwrap_or_default().entries() {
        state
            .vault
            .set(name, value)
            .map_err(|m| AppError::new("keychain", m))?;
    }
    let settings = {
        let mut current = state.settings.lock().unwrap();
        // The window does not edit these; keep ours rather than trust a stale copy.
        let recent = std::mem::take(&mut current.recent_rooms);
        let last_export_dir = current.last_export_dir.take();
        *current = Settings {
            recent_rooms: recent,
            last_export_dir,
            ..settings
        };
        current.clone()
    };
    persist(&app, &state, &settings)?;
    *state.settings_problem.lock().unwrap() = None;
    log::info!(
        "settings: saved (mode {:?}, host {:?})",
        settings.credential_mode,
        settings.host
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
) -> CmdResult<ConnectionTest> {
    settings.validate()?;
    let typed: HashMap<SecretName, String> = secrets
        .unwrap_or_default()
        .entries()
        .map(|(n, v)| (n, v.to_string()))
        .collect();
    let conn = connection::resolve(
        &settings,
        &Default::default(),
        |n| typed.get(&n).cloned().or_else(|| state.vault.get(n)),
        None,
    )?;
    let token_only = matches!(conn.credentials, dingtalk::Credentials::AccessToken(_));
    build_client(&conn)?.check_credentials().await?;
    Ok(ConnectionTest {
        ok: true,
        token_not_checked: token_only,
    })
}

#[tauri::command]
pub fn remove_recent<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    room_code: String,
) -> CmdResult<SettingsView> {
    let settings = {
        let mut s = state.settings.lock().unwrap();
        s.forget_room(room_code.trim());
        s.clone()
    };
    persist(&app, &state, &settings)?;
    Ok(settings_view(&state))
}

#[tauri::command]
pub fn clear_recent<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<SettingsView> {
    let settings = {
        let mut s = state.settings.lock().unwrap();
        s.recent_rooms.clear();
        s.clone()
    };
    persist(&app, &state, &settings)?;
    Ok(settings_view(&state))
}

/// Shows an exported file in the file manager. Only files this run exported can be revealed.
#[tauri::command]
pub fn reveal_path<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
) -> CmdResult<()> {
    let path = PathBuf::from(path);
    if !state.exported.lock().unwrap().contains(&path) {
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

/// Writes the settings (and, only where the user chose it, the secrets) to the settings file.
fn persist<R: Runtime>(app: &AppHandle<R>, state: &AppState, settings: &Settings) -> CmdResult<()> {
    let secrets_in_file = (!state.vault.keychain_available() && settings.store_secrets_in_file)
        .then(|| state.vault.file_copy());
    store::save(app, &state.data_dir, settings, secrets_in_file)
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

/// Asks where to save (the native dialog, opened from Rust: the web view has no file access),
/// fetches the remaining pages when asked for all of them, then writes the CSV atomically.
/// Returns `None` when the user closed the dialog.
#[tauri::command]
pub async fn export_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query_id: u64,
    scope: ExportScope,
    lang: Option<String>,
    on_progress: Channel<ProgressView>,
) -> CmdResult<Option<export::ExportSummary>> {
    let (room, _) = state.session.meetings(query_id).await?;
    let settings = state.settings();
    let lang = lang
        .as_deref()
        .and_then(export::ExportLang::from_tag)
        .unwrap_or_default();
    let options =
        export::ExportOptions::from_settings(lang, settings.csv_bom, &settings.csv_delimiter)?;

    let Some(path) = choose_export_path(&app, &state, &settings, &room).await? else {
        return Ok(None);
    };
    if scope == ExportScope::All {
        // Nothing is written unless every page arrived: a half list would look like a whole one.
        state
            .session
            .load_all(query_id, progress_to(on_progress))
            .await?;
    }
    let (_, meetings) = state.session.meetings(query_id).await?;
    let target = path.clone();
    let summary = tauri::async_runtime::spawn_blocking(move || {
        export::export_atomic(&target, &meetings, &options)
    })
    .await
    .map_err(|e| AppError::io("The export stopped unexpectedly", e))??;
    log::info!("export: {} meetings of room {room} written", summary.count);

    state.exported.lock().unwrap().push(path.clone());
    let settings = {
        let mut s = state.settings.lock().unwrap();
        s.last_export_dir = path.parent().map(|d| d.display().to_string());
        s.clone()
    };
    persist(&app, &state, &settings)?;
    Ok(Some(summary))
}

async fn choose_export_path<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    settings: &Settings,
    room: &RoomCode,
) -> CmdResult<Option<PathBuf>> {
    // Test-only: WebDriver cannot drive the native dialog (see README, MEETDESK_TEST_EXPORT_PATH).
    if let Some(path) = &state.env.export_path {
        return Ok(Some(path.clone()));
    }
    let name = export::default_file_name(room, chrono::Local::now().date_naive());
    let mut dialog = app
        .dialog()
        .file()
        .set_file_name(name)
        .add_filter("CSV", &["csv"]);
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
