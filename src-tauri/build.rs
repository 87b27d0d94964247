// Declaring the app's commands makes Tauri generate one permission per command, so the window's
// capability (src-tauri/capabilities/main.json) can grant exactly these and nothing else.
const COMMANDS: &[&str] = &[
    "app_ready",
    "get_status",
    "start_demo",
    "stop_demo",
    "query_watch",
    "query_search",
    "query_load_more",
    "query_load_all",
    "query_retry",
    "query_cancel",
    "query_filter",
    "cancel_request",
    "open_meeting",
    "meeting_invitation",
    "get_settings",
    "save_settings",
    "test_connection",
    "remove_recent",
    "clear_recent",
    "export_meetings",
    "reveal_path",
    "open_log_folder",
    // Issue 12.
    "watch_room",
    "unwatch_room",
    "rename_watched",
    "watched_watch",
    "watcher_status",
    "clear_cache",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
