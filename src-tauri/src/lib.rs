//! MeetDesk: look up DingTalk video meetings by room code.
//!
//! This package is the Tauri glue: this file assembles the app (plugins, state, commands), and
//! its modules are the commands, the running app's state, the settings file and the keychain.
//! What the window shows and how is `meetdesk-core` (shared with `meetdesk-cli`), DingTalk
//! itself the `dingtalk` crate, the demo and test server the `dingtalk-sim` crate.

pub mod commands;
mod notify;
pub mod secrets;
mod single_instance;
mod state;
mod store;
mod tray;
pub mod watcher;

use meetdesk_core::settings;

use std::sync::OnceLock;
use std::time::Instant;

use tauri::{Manager, Runtime};
use tauri_plugin_log::{RotationStrategy, Target, TargetKind};

pub use state::AppState;

static STARTED_AT: OnceLock<Instant> = OnceLock::new();

/// When this process started (close enough: the first thing `run` does), for the start-up figure
/// logged when the page reports ready.
pub fn started_at() -> Instant {
    *STARTED_AT.get_or_init(Instant::now)
}

fn log_builder() -> tauri_plugin_log::Builder {
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(TargetKind::Stderr))
        .level(log::LevelFilter::Info)
        // Dependencies are chatty at info; their warnings still come through.
        .level_for("tao", log::LevelFilter::Warn)
        .level_for("reqwest", log::LevelFilter::Warn)
        .level_for("hyper_util", log::LevelFilter::Warn)
        .rotation_strategy(RotationStrategy::KeepSome(5))
        .max_file_size(2 * 1024 * 1024)
}

/// Logs to the log folder and stderr, or to stderr alone when the folder cannot be created or
/// opened (a read-only home, a file where the folder should be): a missing log must never stop
/// the app, and the plugin's own setup would fail the whole start-up.
fn start_logging<R: Runtime>(app: &tauri::AppHandle<R>, log_dir: &std::path::Path) {
    let folder = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            log_builder()
                .target(Target::new(TargetKind::Folder {
                    path: log_dir.to_path_buf(),
                    file_name: Some("meetdesk".into()),
                }))
                .split(app)
                .map_err(|e| e.to_string())
        });
    let (problem, logger) = match folder {
        Ok((_, level, log)) => (None, Ok((level, log))),
        Err(e) => (
            Some(e),
            log_builder().split(app).map(|(_, level, log)| (level, log)),
        ),
    };
    match logger {
        Ok((level, log)) => {
            // Fails only if a logger is installed already; then that one keeps logging.
            let _ = tauri_plugin_log::attach_logger(level, log);
        }
        Err(e) => eprintln!("MeetDesk: no logging this run ({e})"),
    }
    if let Some(e) = problem {
        log::warn!(
            "logs: the log folder {} cannot be used ({e}); logging to stderr only",
            log_dir.display()
        );
    }
}

fn window_state_plugin<R: Runtime>(env: &settings::EnvOverrides) -> tauri::plugin::TauriPlugin<R> {
    // Everything but visibility: the window stays hidden until the page reports ready
    // (`app_ready`), or the user would see a blank window for up to a second.
    let mut b = tauri_plugin_window_state::Builder::new().with_state_flags(
        tauri_plugin_window_state::StateFlags::all()
            & !tauri_plugin_window_state::StateFlags::VISIBLE,
    );
    if let Some(dir) = &env.data_dir {
        // The plugin joins this onto the config dir; an absolute path replaces it, which keeps
        // tests out of the user's real window state.
        b = b.with_filename(dir.join("window-state.json").display().to_string());
    }
    b.build()
}

/// How the app is assembled; tests differ from `run()` only here.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub env: settings::EnvOverrides,
    /// Off in tests: a process can install one global logger, and each test builds an app.
    pub install_logger: bool,
    /// Off in tests: a second app in the same test process would hand over and exit.
    pub single_instance: bool,
}

impl Options {
    pub fn for_app() -> Self {
        Options {
            env: settings::EnvOverrides::from_env(),
            install_logger: true,
            single_instance: true,
        }
    }
}

/// Loads the settings and puts the app's state under Tauri's management. Runs in `setup`; the
/// mock-runtime tests call it themselves, as the mock app never runs its setup hook.
pub fn manage_state<R: Runtime>(app: &tauri::AppHandle<R>, env: settings::EnvOverrides) {
    let (data_dir, log_dir) = commands::data_dirs(app, env.data_dir.as_ref());
    let vault = secrets::Vault::open();
    let state = AppState::load(env, data_dir, log_dir, vault);
    log::info!(
        "MeetDesk {} started; data in {}; configured: {}",
        env!("CARGO_PKG_VERSION"),
        state.data_dir.display(),
        state.is_configured()
    );
    app.manage(state);
    // Issue 12: the background watcher's state (its loop starts in setup).
    app.manage(watcher::WatchService::default());
}

/// The app without its context, shared by `run()` and the mock-runtime tests.
pub fn builder<R: Runtime>(mut builder: tauri::Builder<R>, options: Options) -> tauri::Builder<R> {
    let Options {
        env,
        install_logger,
        single_instance,
    } = options;
    if single_instance {
        // First, so a second launch hands over to the running app before doing anything else.
        builder = builder.plugin(single_instance::init());
    }
    builder
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(window_state_plugin(&env))
        // Issue 12: reminders, start at login (both used from Rust only).
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::Builder::new().build())
        .on_window_event(tray::on_window_event)
        .setup(move |app| {
            if install_logger {
                let (_, log_dir) = commands::data_dirs(app.handle(), env.data_dir.as_ref());
                start_logging(app.handle(), &log_dir);
            }
            manage_state(app.handle(), env.clone());
            // Issue 12: notifications' clicks, the tray, the watcher's loop.
            notify::init(app.handle());
            tray::create(app.handle(), &watcher::initial_tray(app.handle()));
            watcher::start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_ready,
            commands::get_status,
            commands::start_demo,
            commands::stop_demo,
            commands::query_watch,
            commands::query_search,
            commands::query_load_more,
            commands::query_load_all,
            commands::query_retry,
            commands::query_cancel,
            commands::query_filter,
            commands::cancel_request,
            commands::open_meeting,
            commands::meeting_invitation,
            commands::get_settings,
            commands::save_settings,
            commands::test_connection,
            commands::remove_recent,
            commands::clear_recent,
            commands::export_meetings,
            commands::reveal_path,
            commands::open_log_folder,
            // Issue 12: watched rooms and the watcher.
            commands::watch_room,
            commands::unwatch_room,
            commands::rename_watched,
            commands::watched_watch,
            commands::watcher_status,
            commands::clear_cache,
        ])
}

pub fn run() {
    started_at();
    builder(tauri::Builder::default(), Options::for_app())
        .run(tauri::generate_context!())
        .expect("error while running MeetDesk");
}
