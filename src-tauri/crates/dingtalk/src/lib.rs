//! MeetDesk's client for DingTalk's conference room-code API.
//!
//! Plain Rust, no Tauri types. Look up the meetings held under a meeting room code:
//!
//! ```no_run
//! # async fn demo() -> Result<(), dingtalk::Error> {
//! use dingtalk::{Client, ClientConfig, Credentials, Cursor, RoomCode, Secret};
//! let config = ClientConfig::new("https://api.dingtalk.com")?;
//! let creds = Credentials::InternalApp { app_key: "key".into(), app_secret: Secret::new("secret") };
//! let client = Client::new(config, creds)?;
//! let mut cursor = Cursor::new(RoomCode::parse("4272 0033 559")?, 20);
//! while let Some(page) = cursor.next_page(&client).await? {
//!     for meeting in &page.items {
//!         println!("{:?} {:?}", meeting.title, meeting.status);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! - [`model`]: [`RoomCode`] (validated before any request), [`Meeting`], [`RoomPage`].
//! - [`error`]: one [`Error`] type, sorted into [`ErrorKind`]s (facts only; the words for a
//!   user are MeetDesk's catalog).
//! - [`token`]: [`Credentials`], [`Secret`], the token cache.
//! - [`client`]: one page per call, with timeouts, retries and a rate limit.
//! - [`paging`]: [`Cursor`] and [`load_all`].
#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod model;
pub mod paging;
pub mod token;

#[cfg(test)]
mod proptests;

pub use client::{
    validate_base_url, Client, ClientConfig, ClientStats, ACCESS_TOKEN_HEADER,
    DEFAULT_RATE_PER_SECOND, DEFAULT_REQUEST_TIMEOUT, DINGTALK_QPS_LIMIT, GLOBAL_BASE_URL,
    MAINLAND_BASE_URL, REQUEST_ID_HEADER,
};
pub use error::{
    kind_for_code, log_safe, Error, ErrorKind, MAX_BAN_WAIT, MAX_HONOURED_WAIT, MIN_BAN_WAIT,
};
pub use model::{
    room_code_cuts, BizType, Meeting, RoomCode, RoomPage, Status, ROOM_CODE_MAX_DIGITS,
    ROOM_CODE_MIN_DIGITS, ROOM_CODE_SEPARATORS,
};
pub use paging::{
    load_all, Cursor, Page, Progress, LOAD_ALL_PAGE_SIZE, MAX_LOAD_ALL_MEETINGS, MAX_PAGES,
    MAX_PAGE_SIZE,
};
pub use token::{
    Credentials, Secret, TokenProvider, DEFAULT_TOKEN_TTL, MAX_TOKEN_TTL, MIN_TOKEN_TTL,
};
