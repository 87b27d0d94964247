//! Reminders as desktop notifications (tauri-plugin-notification, called from Rust only: the
//! window has no notification permission).
//!
//! Clicking one brings MeetDesk forward on its room and meeting ([`crate::watcher::show_room`]):
//! each notification gets an id, and the id is mapped back to the reminder's room and meeting
//! here, so nothing a server sent is needed to act on a click. Where clicks arrive: on Linux when
//! the notification server reports `ActionInvoked` for the default action (GNOME, KDE, dunst,
//! xfce4-notifyd do; a server without actions shows the notification but a click does nothing
//! for MeetDesk); on Windows only while the toast is on screen, not from the Action Center; on
//! macOS through the plugin's user-notification delegate.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::lock;
use crate::watcher::{show_room, ShowRoom};
use meetdesk_core::catalog::Lang;
use meetdesk_core::reminder::Due;

/// The plugin's action id of a click on the notification itself.
const TAP: &str = "tap";
/// At most this many shown notifications are remembered for their click; older ones, long
/// gone from the screen, bring the window forward without a room.
const REMEMBERED: usize = 200;

/// The notifications shown this run: id → the room and meeting to show on a click.
#[derive(Default)]
pub struct Shown {
    next: AtomicI32,
    rooms: Mutex<HashMap<i32, ShowRoom>>,
}

impl Shown {
    fn remember(&self, room: ShowRoom) -> i32 {
        // Ids from 1 (0 reads as "none" on some platforms); wrapping is harmless after 2^31.
        let id = self.next.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let mut rooms = lock(&self.rooms);
        if rooms.len() >= REMEMBERED {
            let oldest = rooms.keys().min().copied();
            if let Some(k) = oldest {
                rooms.remove(&k);
            }
        }
        rooms.insert(id, room);
        id
    }

    fn room_of(&self, id: i32) -> Option<ShowRoom> {
        lock(&self.rooms).get(&id).cloned()
    }
}

/// Registers the click handler; called once in setup (the plugin reports clicks only of
/// notifications shown after a handler exists).
pub fn init<R: Runtime>(app: &AppHandle<R>) {
    app.manage(Shown::default());
    let handle = app.clone();
    let registered = app.notification().on_action(move |action| {
        if action.action_id() != TAP {
            return;
        }
        let room = action
            .notification()
            .and_then(|n| handle.try_state::<Shown>()?.room_of(n.id()));
        show_room(&handle, room);
    });
    if let Err(e) = registered {
        log::warn!("notifications: clicks will not bring MeetDesk forward ({e})");
    }
}

/// Shows one notification per reminder (already marked fired: one that fails to show is not
/// retried every tick, reminder.rs's rule).
pub fn show<R: Runtime>(app: &AppHandle<R>, due: &[Due], lang: Lang) {
    let Some(shown) = app.try_state::<Shown>() else {
        return;
    };
    for d in due {
        let id = shown.remember(ShowRoom {
            room_code: d.room.room_code.to_string(),
            conference_id: Some(d.conference_id.clone()),
        });
        let title = d.title(lang, &chrono::Local);
        let result = app
            .notification()
            .builder()
            .id(id)
            .title(title)
            .body(d.body(lang))
            .show();
        match result {
            Ok(()) => log::info!("reminder: {:?} in room {}", d.kind, d.room.room_code),
            Err(e) => log::warn!("reminder: the notification could not be shown ({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_finds_its_room_by_the_notifications_id_and_old_ones_are_forgotten() {
        let s = Shown::default();
        let room = |c: &str| ShowRoom {
            room_code: c.into(),
            conference_id: Some("x".into()),
        };
        let first = s.remember(room("427233559"));
        assert_eq!(s.room_of(first).unwrap().room_code, "427233559");
        for _ in 0..REMEMBERED {
            s.remember(room("100000000"));
        }
        assert!(s.room_of(first).is_none());
        assert_eq!(lock(&s.rooms).len(), REMEMBERED);
    }
}
