//! The tray icon (Tauri's `tray-icon` feature), keep-in-tray and start at login.
//!
//! The menu is `meetdesk_core::tray::tray_menu`'s, rebuilt after a tick only when it changed.
//! A line's id names an action and a room code only; [`on_menu_event`] maps it back with
//! `TrayAction::from_id` and looks the room's meeting up in the watcher's latest state when
//! chosen, so the menu never carries a link. Join opens it as the window's Join does
//! ([`open_join_link`]).
//!
//! Where a desktop has no tray (building the icon fails, or on Linux the AppIndicator library
//! the tray needs is not installed), that is recorded ([`crate::watcher::WatchService`]'s
//! `tray_available`) and Settings says so; keep-in-tray then does nothing, so closing the
//! window still quits and the app is never left running with no way back. A Linux desktop
//! without a StatusNotifier host (plain X11 window managers, GNOME without the AppIndicator
//! extension) builds the icon without error but shows nothing: that cannot be told from here.

use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};
use tauri_plugin_autostart::AutoLaunchManager;

use crate::state::{lock, AppState};
use crate::watcher::{show_room, ShowRoom, WatchService};
use meetdesk_core::error::AppError;
use meetdesk_core::links;
use meetdesk_core::tray::{TrayAction, TrayItem};

const TRAY_ID: &str = "meetdesk";

/// Whether the tray library can be loaded. On Linux the tray crate loads libayatana-appindicator
/// (or libappindicator) at run time and aborts the process when neither exists, so look first.
#[cfg(target_os = "linux")]
fn tray_library_present() -> bool {
    const NAMES: [&std::ffi::CStr; 2] =
        [c"libayatana-appindicator3.so.1", c"libappindicator3.so.1"];
    NAMES.iter().any(|name| {
        // SAFETY: dlopen with a valid C string; the handle is closed at once. These libraries'
        // initialisers only register GObject types.
        unsafe {
            let h = libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL);
            if h.is_null() {
                false
            } else {
                libc::dlclose(h);
                true
            }
        }
    })
}

#[cfg(not(target_os = "linux"))]
fn tray_library_present() -> bool {
    true
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, items: &[TrayItem]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for item in items {
        match item {
            TrayItem::Entry { id, enabled, .. } => {
                let text = item.menu_text().unwrap_or_default();
                menu.append(&MenuItem::with_id(
                    app,
                    id.as_str(),
                    text,
                    *enabled,
                    None::<&str>,
                )?)?;
            }
            TrayItem::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
        }
    }
    Ok(menu)
}

/// Creates the tray icon with `items` (the menu before the first tick) and records whether this
/// desktop has a tray.
pub fn create<R: Runtime>(app: &AppHandle<R>, items: &[TrayItem]) {
    let Some(service) = app.try_state::<WatchService>() else {
        return;
    };
    let built = if tray_library_present() {
        build_menu(app, items)
            .and_then(|menu| {
                let mut b = TrayIconBuilder::with_id(TRAY_ID)
                    .tooltip("MeetDesk")
                    .menu(&menu)
                    .show_menu_on_left_click(true)
                    .on_menu_event(on_menu_event);
                if let Some(icon) = app.default_window_icon() {
                    b = b.icon(icon.clone());
                }
                b.build(app)
            })
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        Err("no AppIndicator library (libayatana-appindicator3) is installed".to_owned())
    };
    match built {
        Ok(_) => {
            service.set_tray_available(true);
            *lock(&service.tray_items) = items.to_vec();
        }
        Err(e) => {
            log::warn!("tray: this desktop has no tray ({e}); closing the window quits");
            service.set_tray_available(false);
        }
    }
}

/// Rebuilds the menu when `items` differ from the menu shown.
pub fn update<R: Runtime>(app: &AppHandle<R>, items: &[TrayItem]) {
    let (Some(service), Some(tray)) = (app.try_state::<WatchService>(), app.tray_by_id(TRAY_ID))
    else {
        return;
    };
    let mut shown = lock(&service.tray_items);
    if shown.as_slice() == items {
        return;
    }
    match build_menu(app, items).and_then(|m| tray.set_menu(Some(m))) {
        Ok(()) => *shown = items.to_vec(),
        Err(e) => log::warn!("tray: the menu could not be updated ({e})"),
    }
}

fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    match TrayAction::from_id(event.id().as_ref()) {
        Some(TrayAction::Join(code)) => {
            if let Err(e) = join(app, &code) {
                log::warn!("tray: join in room {code}: {}", e.message);
                // The window says why (its Join would have): bring it forward on the room.
                show_room(
                    app,
                    Some(ShowRoom {
                        room_code: code.to_string(),
                        conference_id: None,
                    }),
                );
            }
        }
        Some(TrayAction::ShowRoom(code)) => show_room(
            app,
            Some(ShowRoom {
                room_code: code.to_string(),
                conference_id: None,
            }),
        ),
        Some(TrayAction::Open) => show_room(app, None),
        Some(TrayAction::Quit) => app.exit(0),
        None => {}
    }
}

/// Joins the room's current headline meeting, looked up now (never from the menu line).
fn join<R: Runtime>(app: &AppHandle<R>, code: &dingtalk::RoomCode) -> Result<(), AppError> {
    let service = app.state::<WatchService>();
    let tick = service.latest();
    let row = tick
        .as_ref()
        .and_then(|t| t.headline_of(code))
        .map(|h| h.row().clone())
        .ok_or_else(|| {
            AppError::new(
                "notFound",
                "That meeting is no longer live or next: open MeetDesk to see the room.",
            )
        })?;
    let link = row.meeting.external_link_url.clone().unwrap_or_default();
    let id = row.meeting.conference_id.clone().unwrap_or_default();
    let state = app.state::<AppState>();
    let custom = state.connection().ok().and_then(|c| c.custom_link_domain);
    let in_app = state.settings().open_in_dingtalk_app;
    open_join_link(app, &link, &id, custom.as_deref(), in_app)
}

/// Opens a join link the way every Join does: checked first (`links::join_targets`, which
/// refuses anything but a DingTalk or the custom deployment's https link), then the DingTalk
/// app's jump link when `in_app`, falling back to the https link when the system cannot open
/// `dingtalk://` (the opener reports an error: no handler registered).
pub fn open_join_link<R: Runtime>(
    app: &AppHandle<R>,
    link: &str,
    conference_id: &str,
    custom_domain: Option<&str>,
    in_app: bool,
) -> Result<(), AppError> {
    let targets = links::join_targets(link, custom_domain, in_app).inspect_err(|e| {
        log::warn!("{}", links::refusal_log_line(conference_id, &e.message));
    })?;
    crate::commands::open_first(app, &targets)
}

/// Keep-in-tray: with the setting on and a tray present, closing the window hides it.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    let tray = app
        .try_state::<WatchService>()
        .is_some_and(|s| s.tray_available());
    let keep = app
        .try_state::<AppState>()
        .is_some_and(|s| s.settings().keep_in_tray);
    if tray && keep {
        api.prevent_close();
        if let Err(e) = window.hide() {
            log::warn!("tray: the window could not be hidden ({e})");
        }
    }
}

/// Start at login on or off, to match the setting (tauri-plugin-autostart, from Rust: the window
/// has no autostart permission). Checked first, so saving unrelated settings rewrites nothing.
pub fn sync_autostart<R: Runtime>(app: &AppHandle<R>, on: bool) {
    let Some(auto) = app.try_state::<AutoLaunchManager>() else {
        return;
    };
    let now = auto.is_enabled().unwrap_or(!on);
    if now == on {
        return;
    }
    let result = if on { auto.enable() } else { auto.disable() };
    match result {
        Ok(()) => log::info!("autostart: {}", if on { "on" } else { "off" }),
        Err(e) => log::warn!(
            "autostart: could not be switched {} ({e})",
            if on { "on" } else { "off" }
        ),
    }
}
