//! MeetDesk without a window: everything the desktop app and `meetdesk-cli` share.
//!
//! No Tauri here (and no file of the app's own state): the window and the CLI are two faces on
//! this crate, so what a user reads cannot drift between them. DingTalk itself is the `dingtalk`
//! crate below.
//!
//! - [`settings`]: the settings model, validation, field-by-field defaults, the environment.
//! - [`profile`]: which host and credentials apply; secrets are bound to the host they were
//!   entered for.
//! - [`query`]: the current query of a room (pages loaded, cursor, cancel).
//! - [`view`]: the one rule for a meeting's status, times and duration.
//! - [`export`]: CSV, written atomically.
//! - [`xlsx`]: the Excel workbook (Meetings and Summary sheets), written atomically.
//! - [`filter`]: which meetings are shown; [`summary`]: a report's figures.
//! - [`links`]: which join links may be opened.
//! - [`error`]: the app-facing error, `{ kind, message, code, requestId }`.
//! - [`catalog`]: the words, from ui/locales/*.json (the window's own files), and [`catalog::Lang`].
//! - [`contract`]: what the window must know of these facts, rendered to `ui/contract.js`.

pub mod catalog;
pub mod contract;
pub mod error;
pub mod export;
pub mod filter;
pub mod links;
pub mod profile;
pub mod query;
pub mod settings;
pub mod summary;
pub mod view;
pub mod xlsx;
