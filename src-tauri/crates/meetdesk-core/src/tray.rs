//! The tray menu as data: what it lists and what each line does, without Tauri, so it is tested
//! without a window or a desktop.
//!
//! [`tray_menu`] turns the watched rooms and their [`Headline`]s into [`TrayItem`]s: live
//! meetings first ("Weekly sync — live · Join"), then next meetings by start ("Client call —
//! 14:30 · Join"; "12-05 14:30" when not today), a separator, "Open MeetDesk", "Quit". With no
//! live or next meeting, one disabled line says so. Each item has a stable id that
//! [`TrayAction::from_id`] maps back to an action; ids carry only a room code (digits, validated)
//! and the action's name, never server text, so a title cannot forge an action. The app looks
//! up the room's current headline when Join is chosen, and checks its link as every Join does.
//!
//! Labels are one plain line: server text has its control and bidi characters removed
//! ([`one_line`]) and is cut to [`TRAY_TITLE_MAX_CHARS`]. On desktops whose menus read `&` as
//! a mnemonic marker (muda, Tauri's menu crate), hand [`TrayItem::menu_text`] to the menu.
//!
//! For the app (next session): rebuild the menu after every refresh round and when the
//! language changes; a menu event's id goes through [`TrayAction::from_id`].

use chrono::{DateTime, TimeZone};
use dingtalk::RoomCode;

use crate::catalog::Lang;
use crate::watch::{one_line, shorten, Headline, WatchedRoom};

/// Longest meeting title in a menu line: menus do not wrap, and a line wider than the screen's
/// third is hard to scan.
pub const TRAY_TITLE_MAX_CHARS: usize = 40;

/// One line of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    Entry {
        id: String,
        label: String,
        enabled: bool,
    },
    Separator,
}

impl TrayItem {
    fn entry(id: String, label: String) -> TrayItem {
        TrayItem::Entry {
            id,
            label,
            enabled: true,
        }
    }

    /// The label as a menu crate that reads `&` as a mnemonic wants it: `&` doubled.
    pub fn menu_text(&self) -> Option<String> {
        match self {
            TrayItem::Entry { label, .. } => Some(label.replace('&', "&&")),
            TrayItem::Separator => None,
        }
    }
}

/// What a menu line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    /// Join the room's headline meeting (its link checked as every Join is).
    Join(RoomCode),
    /// Bring the window forward on the room (its meeting has no join link).
    ShowRoom(RoomCode),
    /// Bring the window forward.
    Open,
    Quit,
}

const JOIN: &str = "join:";
const SHOW: &str = "show:";
const OPEN: &str = "open";
const QUIT: &str = "quit";
/// The disabled "nothing live or next" line.
const NOTHING: &str = "nothing";

impl TrayAction {
    /// The item id of this action.
    pub fn id(&self) -> String {
        match self {
            TrayAction::Join(code) => format!("{JOIN}{code}"),
            TrayAction::ShowRoom(code) => format!("{SHOW}{code}"),
            TrayAction::Open => OPEN.to_owned(),
            TrayAction::Quit => QUIT.to_owned(),
        }
    }

    /// The action of a menu event's id; `None` for an id this menu never made.
    pub fn from_id(id: &str) -> Option<TrayAction> {
        let code = |rest: &str| RoomCode::parse(rest).ok().filter(|c| c.as_str() == rest);
        if let Some(rest) = id.strip_prefix(JOIN) {
            return code(rest).map(TrayAction::Join);
        }
        if let Some(rest) = id.strip_prefix(SHOW) {
            return code(rest).map(TrayAction::ShowRoom);
        }
        match id {
            OPEN => Some(TrayAction::Open),
            QUIT => Some(TrayAction::Quit),
            _ => None,
        }
    }
}

/// The menu for `rooms` (each with its headline) at `now_ms`, times in `tz`, words in `lang`.
pub fn tray_menu<Tz: TimeZone>(
    rooms: &[(WatchedRoom, Option<Headline>)],
    lang: Lang,
    tz: &Tz,
    now_ms: i64,
) -> Vec<TrayItem>
where
    Tz::Offset: std::fmt::Display,
{
    let mut shown: Vec<(&WatchedRoom, &Headline)> = rooms
        .iter()
        .filter_map(|(room, h)| h.as_ref().map(|h| (room, h)))
        .collect();
    // Live first (latest start first), then next by start; the room list's order breaks ties.
    shown.sort_by_key(|(_, h)| match h {
        Headline::Live(r) => (0, r.view.start.map_or(i64::MAX, |s| -s)),
        Headline::Next(r) => (1, r.view.start.unwrap_or(i64::MAX)),
    });
    let today = DateTime::from_timestamp_millis(now_ms).map(|d| d.with_timezone(tz).date_naive());

    let mut items: Vec<TrayItem> = shown
        .into_iter()
        .map(|(room, h)| {
            let row = h.row();
            let title = row
                .meeting
                .title
                .as_deref()
                .map(one_line)
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| room.name.as_str().to_owned());
            let title = shorten(&title, TRAY_TITLE_MAX_CHARS);
            let when = match h {
                Headline::Live(_) => lang.text("tray.live").to_owned(),
                Headline::Next(r) => r
                    .view
                    .start
                    .and_then(DateTime::from_timestamp_millis)
                    .map(|s| {
                        let local = s.with_timezone(tz);
                        let pattern = if Some(local.date_naive()) == today {
                            "%H:%M"
                        } else {
                            "%m-%d %H:%M"
                        };
                        local.format(pattern).to_string()
                    })
                    .unwrap_or_default(),
            };
            let code = room.room_code.clone();
            if row.view.joinable {
                TrayItem::entry(
                    TrayAction::Join(code).id(),
                    lang.fill("tray.join", &[("title", &title), ("when", &when)]),
                )
            } else {
                TrayItem::entry(
                    TrayAction::ShowRoom(code).id(),
                    lang.fill("tray.show", &[("title", &title), ("when", &when)]),
                )
            }
        })
        .collect();
    if items.is_empty() {
        let key = if rooms.is_empty() {
            "tray.noRooms"
        } else {
            "tray.nothing"
        };
        items.push(TrayItem::Entry {
            id: NOTHING.to_owned(),
            label: lang.text(key).to_owned(),
            enabled: false,
        });
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::entry(
        TrayAction::Open.id(),
        lang.text("tray.open").to_owned(),
    ));
    items.push(TrayItem::entry(
        TrayAction::Quit.id(),
        lang.text("tray.quit").to_owned(),
    ));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{MeetingRow, MINUTE_MS};
    use crate::watch::headline;
    use chrono::FixedOffset;
    use dingtalk::{Meeting, Status};

    /// 2026-11-26T01:30:00Z = 09:30 at UTC+8.
    const T0: i64 = 1_795_656_600_000;

    fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn meeting(title: &str, status: Status, start: i64, link: bool) -> Meeting {
        Meeting {
            conference_id: Some(format!("id-{title}")),
            title: Some(title.into()),
            status: Some(status),
            start_time: Some(start),
            external_link_url: link
                .then(|| "https://meeting.dingtalk.com/app?roomCode=427233559&token=1".into()),
            ..Default::default()
        }
    }

    fn room(name: &str, code: &str) -> WatchedRoom {
        WatchedRoom::new(name, code).unwrap()
    }

    fn labels(items: &[TrayItem]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                TrayItem::Entry { label, .. } => label.clone(),
                TrayItem::Separator => "---".into(),
            })
            .collect()
    }

    #[test]
    fn live_then_next_then_open_and_quit() {
        let rooms = vec![
            (
                room("Client room", "500000005"),
                headline(
                    &[meeting(
                        "Client call",
                        Status::NotStarted,
                        T0 + 5 * 60 * MINUTE_MS,
                        true,
                    )],
                    T0,
                ),
            ),
            (room("Empty", "100000000"), None),
            (
                room("Sync room", "427233559"),
                headline(
                    &[meeting(
                        "Weekly sync",
                        Status::Live,
                        T0 - 10 * MINUTE_MS,
                        true,
                    )],
                    T0,
                ),
            ),
            (
                room("Board", "100000010"),
                headline(
                    &[meeting(
                        "Board review",
                        Status::NotStarted,
                        T0 + 2 * 86_400_000,
                        false,
                    )],
                    T0,
                ),
            ),
        ];
        let items = tray_menu(&rooms, Lang::En, &cst(), T0);
        assert_eq!(
            labels(&items),
            [
                "Weekly sync — live · Join",
                "Client call — 14:30 · Join",
                "Board review — 11-28 09:30",
                "---",
                "Open MeetDesk",
                "Quit",
            ]
        );
        let actions: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                TrayItem::Entry { id, .. } => TrayAction::from_id(id),
                TrayItem::Separator => None,
            })
            .collect();
        let code = |c: &str| RoomCode::parse(c).unwrap();
        assert_eq!(
            actions,
            [
                TrayAction::Join(code("427233559")),
                TrayAction::Join(code("500000005")),
                TrayAction::ShowRoom(code("100000010")),
                TrayAction::Open,
                TrayAction::Quit,
            ]
        );
        let zh = labels(&tray_menu(&rooms, Lang::ZhCn, &cst(), T0));
        assert_ne!(zh[0], "Weekly sync — live · Join");
        assert!(
            zh[0].starts_with("Weekly sync") && zh[1].contains("14:30"),
            "{zh:?}"
        );
    }

    #[test]
    fn times_follow_the_zone_given() {
        let rooms = vec![(
            room("R", "427233559"),
            headline(
                &[meeting(
                    "Call",
                    Status::NotStarted,
                    T0 + 60 * MINUTE_MS,
                    true,
                )],
                T0,
            ),
        )];
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(
            labels(&tray_menu(&rooms, Lang::En, &utc, T0))[0],
            "Call — 02:30 · Join"
        );
        assert_eq!(
            labels(&tray_menu(&rooms, Lang::En, &cst(), T0))[0],
            "Call — 10:30 · Join"
        );
    }

    #[test]
    fn nothing_to_show_is_one_disabled_line() {
        let none: Vec<(WatchedRoom, Option<Headline>)> = vec![(room("R", "427233559"), None)];
        let items = tray_menu(&none, Lang::En, &cst(), T0);
        assert!(
            matches!(&items[0], TrayItem::Entry { enabled: false, id, .. } if TrayAction::from_id(id).is_none())
        );
        assert_eq!(labels(&items)[0], Lang::En.text("tray.nothing"));
        let items = tray_menu(&[], Lang::En, &cst(), T0);
        assert_eq!(labels(&items)[0], Lang::En.text("tray.noRooms"));
        assert_eq!(items.len(), 4);
    }

    #[test]
    fn hostile_titles_stay_one_short_plain_line() {
        let evil = format!("Sync\r\n\u{202E}evil\u{1b}[2J & {}", "long ".repeat(30));
        let rooms = vec![(
            room("R", "427233559"),
            Some(Headline::Live(MeetingRow::new(
                meeting(&evil, Status::Live, T0, true),
                T0,
            ))),
        )];
        let items = tray_menu(&rooms, Lang::En, &cst(), T0);
        let label = &labels(&items)[0];
        assert!(
            !label.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{label:?}"
        );
        assert!(label.starts_with("Sync evil [2J & long"), "{label}");
        assert!(label.contains("… — live"), "{label}");
        assert!(items[0].menu_text().unwrap().contains(" && "));
        // An untitled meeting is shown under the room's name.
        let rooms = vec![(
            room("Board room", "427233559"),
            Some(Headline::Live(MeetingRow::new(
                meeting(" \n ", Status::Live, T0, true),
                T0,
            ))),
        )];
        assert_eq!(
            labels(&tray_menu(&rooms, Lang::En, &cst(), T0))[0],
            "Board room — live · Join"
        );
    }

    #[test]
    fn ids_cannot_be_forged() {
        for bad in [
            "join:",
            "join:42723355a",
            "join:427 233 559",
            "join:427233559;quit",
            "show:../x",
            "nothing",
            "Open",
            "",
        ] {
            assert_eq!(TrayAction::from_id(bad), None, "{bad:?}");
        }
        let code = RoomCode::parse("427233559").unwrap();
        for a in [
            TrayAction::Join(code.clone()),
            TrayAction::ShowRoom(code),
            TrayAction::Open,
            TrayAction::Quit,
        ] {
            assert_eq!(TrayAction::from_id(&a.id()), Some(a));
        }
    }
}
