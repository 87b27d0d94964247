//! MeetDesk without a window: everything the desktop app and `meetdesk-cli` share.
//!
//! No Tauri here (and no file of the app's own state): the window and the CLI are two faces on
//! this crate, so what a user reads cannot drift between them. DingTalk itself is the `dingtalk`
//! crate below.
//!
//! - [`settings`]: the settings model, validation, field-by-field defaults, the environment.
//! - [`profile`]: which host and credentials apply; secrets are bound to the host they were
//!   entered for.
//! - [`cache`]: the offline cache (SQLite): pages fetched, the month's call count, reminders shown.
//! - [`query`]: the current query of a room (pages loaded, cursor, cancel).
//! - [`view`]: the one rule for a meeting's status, times and duration.
//! - [`export`]: CSV, written atomically.
//! - [`xlsx`]: the Excel workbook (Meetings and Summary sheets), written atomically.
//! - [`filter`]: which meetings are shown; [`summary`]: a report's figures.
//! - [`links`]: which join links may be opened.
//! - [`error`]: the app-facing error, `{ kind, message, code, requestId }`.
//! - [`catalog`]: the words, from ui/locales/*.json (the window's own files), and [`catalog::Lang`].
//! - [`watch`]: watched rooms and what each one shows (live or next meeting).
//! - [`refresh`]: when the watched rooms are read again, within the monthly call budget.
//! - [`reminder`]: which reminders are due, each once.
//! - [`tray`]: the tray menu's model.
//! - [`watcher`]: the background watcher's loop, one tick at a time (rounds, reminders, tray).
//! - [`invitation`]: the "Copy invitation" text.
//! - [`contract`]: what the window must know of these facts, rendered to `ui/contract.js`.

pub mod cache;
pub mod catalog;
pub mod contract;
pub mod error;
pub mod export;
pub mod filter;
pub mod invitation;
pub mod links;
pub mod profile;
pub mod query;
pub mod refresh;
pub mod reminder;
pub mod settings;
pub mod summary;
pub mod tray;
pub mod view;
pub mod watch;
pub mod watcher;
pub mod xlsx;
