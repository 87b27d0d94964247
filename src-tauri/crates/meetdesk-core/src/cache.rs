//! The offline cache: every page fetched, kept in SQLite, so a room paints at once and stays on
//! screen while DingTalk cannot be reached; plus the refresher's call counter and the ledger of
//! reminders already shown.
//!
//! # How the app uses it (next session's wiring)
//! - At start-up: `Cache::open(&data_dir.join(CACHE_FILE_NAME), bounds)`.
//!   - `Ok(Opened { cache, rebuilt: None })`: use it.
//!   - `Ok(Opened { rebuilt: Some(r), .. })`: use it, and show `r.message(lang)` once (the old
//!     file was damaged, from a newer MeetDesk or locked; it was moved aside, not deleted).
//!   - `Err(CacheError::Unavailable { .. })`: the folder cannot hold a cache (read-only, full, not
//!     a folder). Carry on without one: every search goes to DingTalk as before, and Settings can
//!     say why (`AppError::from(err)`). Nothing else in the app depends on the cache.
//! - On a search: [`Cache::room`] first (paint its meetings with "updated N minutes ago" computed
//!   from [`CachedRoom::fetched_at_ms`]), then every page the query fetches goes to
//!   [`Cache::store_page`]; when the first page is the whole room (`hasMore` false),
//!   [`Cache::replace_room`] instead, so meetings deleted in DingTalk leave the cache too.
//! - The refresher counts its calls with [`Cache::add_calls`] / [`Cache::calls_this_month`]; the
//!   reminders ask [`Cache::was_fired`] / [`Cache::mark_fired`] (the storage behind the reminder
//!   ledger trait, keyed by the reminder key's text). These return errors; the ledger's trait does
//!   not: when the cache fails, keep the session's reminders in memory too, so a failing disk
//!   neither repeats a notification on every tick nor silences them.
//! - Settings: [`Cache::set_bounds`] when the user changes them, [`Cache::clear`] /
//!   [`Cache::clear_profile`] for "Clear the offline cache".
//!
//! `Cache` holds one SQLite connection: it is `Send`, not `Sync`; the app keeps it behind a
//! `Mutex` and calls it from a blocking task (every call is a few milliseconds at most).
//!
//! # Decisions
//! - **Profile key**: [`profile_key`] = the normalised host, the credential mode and the
//!   account (app key, or suite key and corporation), so meetings of one organisation are never
//!   painted for another configured on the same host.
//! - **Meetings are stored as their JSON** (`dingtalk::Meeting` serialised with the API's names),
//!   beside the columns the queries need (start time, fetch time): a field the model gains later
//!   needs no migration, and the read is one parse per row.
//! - **No conference id, no cache entry**: the id is the only identity a meeting has across pages
//!   and refreshes; without it an upsert could only add duplicates. Such meetings (never seen from
//!   DingTalk, only from damaged answers) are shown live but not cached; [`Stored::without_id`]
//!   counts them.
//! - **Order**: start time descending, as DingTalk and the simulator send them; meetings without
//!   a start time last; ties by conference id, so two reads give the same order.
//! - **Bounds** ([`Bounds`]): a meeting not fetched again within `days` is dropped (data nobody
//!   has looked at for that long is stale; a room the user loaded in full keeps its history while
//!   it is used), and a profile over `max_meetings` loses its meetings with the oldest start
//!   first (each room's newest meetings, the ones a room paints first, go last). Pruned on every
//!   write, in the write's transaction.
//! - **Clearing** removes meetings only: the month's call count and the reminders already shown
//!   stay (clearing a cache must not reset the budget or repeat a notification). It then
//!   `VACUUM`s and truncates the WAL, so titles and links do not linger in free pages.
//! - **Migrations** are a list of SQL scripts numbered by `PRAGMA user_version`, run in one
//!   transaction each (see [`SCHEMA_VERSION`]). A crate (rusqlite_migration) would do the same in
//!   more code and pin rusqlite's version; the one case it would not decide for us (a file from
//!   a newer MeetDesk) needs our own handling anyway.
//! - **Recovery**: a file that is not SQLite, fails `PRAGMA quick_check`, has an unexpected schema,
//!   comes from a newer schema version, or stays locked past the busy timeout is renamed to
//!   `<name>.broken-<UTC timestamp>` (its `-wal` beside it; at most [`BROKEN_FILES_KEPT`] kept) and
//!   a new cache is built. An empty file is a new database (SQLite's own rule): nothing to lose,
//!   no notice. A folder that cannot hold the file is [`CacheError::Unavailable`], never a rebuild:
//!   a good cache on a read-only disk is not moved.
//! - **Untrusted rows**: a row whose JSON does not parse, or has no conference id, is skipped and
//!   counted ([`CachedRoom::skipped`]) — so is one whose JSON is not an object for the row's own
//!   conference id; a counter that is not a number reads 0.
//! - **Privacy**: the file (and SQLite's `-wal`/`-shm`, which copy its mode) is 0600 on Unix: it
//!   holds meeting titles and join links.
//!
//! See docs/cache.md for the schema and the measured figures.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use dingtalk::{Meeting, RoomCode};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction};

use crate::catalog::Lang;
use crate::error::{AppError, AppKind};
use crate::profile::Binding;
use crate::settings::{CredentialMode, Settings};

/// The cache's file name in the app's data folder.
pub const CACHE_FILE_NAME: &str = "meetdesk-cache.db";
/// The bounds' defaults and limits are settings (`cache_days`, `cache_max_meetings`): defined
/// there once.
pub use crate::settings::{CACHE_DAYS_DEFAULT, CACHE_MAX_MEETINGS_DEFAULT};
/// How long a fired reminder is remembered (longer than any meeting can be "about to start").
pub const FIRED_KEEP_DAYS: u32 = 30;
/// How many moved-aside broken files are kept beside the cache (the newest).
pub const BROKEN_FILES_KEPT: usize = 3;
/// How long a call waits for a lock another connection holds before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(2);
/// The schema version this build writes (`PRAGMA user_version`): one per migration.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const DAY_MS: i64 = 86_400_000;
const BROKEN_INFIX: &str = ".broken-";

/// Migration N (1-based) brings `user_version` N-1 to N. Append only; never edit a shipped one.
const MIGRATIONS: &[&str] = &[
    // 1: rooms (the time of the last fetch), meetings, counters, fired reminders.
    "CREATE TABLE rooms (
        profile    TEXT NOT NULL,
        room       TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (profile, room)
    ) WITHOUT ROWID;
    CREATE TABLE meetings (
        id            INTEGER PRIMARY KEY,
        profile       TEXT NOT NULL,
        room          TEXT NOT NULL,
        conference_id TEXT NOT NULL,
        start_time    INTEGER,
        fetched_at    INTEGER NOT NULL,
        json          TEXT NOT NULL,
        UNIQUE (profile, room, conference_id),
        FOREIGN KEY (profile, room) REFERENCES rooms (profile, room) ON DELETE CASCADE
    );
    CREATE INDEX meetings_by_start ON meetings (profile, room, start_time DESC, conference_id);
    CREATE INDEX meetings_by_fetch ON meetings (profile, fetched_at);
    CREATE TABLE counters (
        profile TEXT NOT NULL,
        name    TEXT NOT NULL,
        value   INTEGER NOT NULL,
        PRIMARY KEY (profile, name)
    ) WITHOUT ROWID;
    CREATE TABLE fired (
        key TEXT PRIMARY KEY,
        at  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX fired_by_at ON fired (at);",
];

// The statements used after opening; preparing each on open also proves the schema is ours.
const SQL_ROOM_FETCHED: &str = "SELECT fetched_at FROM rooms WHERE profile = ?1 AND room = ?2";
const SQL_ROOM_MEETINGS: &str =
    "SELECT conference_id, json FROM meetings WHERE profile = ?1 AND room = ?2 \
     ORDER BY start_time DESC, conference_id";
const SQL_UPSERT_ROOM: &str = "INSERT INTO rooms (profile, room, fetched_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT (profile, room) DO UPDATE SET fetched_at = excluded.fetched_at";
const SQL_UPSERT_MEETING: &str = "INSERT INTO meetings \
     (profile, room, conference_id, start_time, fetched_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (profile, room, conference_id) DO UPDATE SET \
     start_time = excluded.start_time, fetched_at = excluded.fetched_at, json = excluded.json";
const SQL_COUNT: &str = "SELECT COUNT(*) FROM meetings WHERE profile = ?1";
const SQL_COUNTER: &str = "SELECT value FROM counters WHERE profile = ?1 AND name = ?2";
// Saturates instead of overflowing (SQLite would turn an overflowing sum into a float).
const SQL_ADD_COUNTER: &str = "INSERT INTO counters (profile, name, value) VALUES (?1, ?2, ?3) \
     ON CONFLICT (profile, name) DO UPDATE SET value = CASE \
       WHEN typeof(value) <> 'integer' OR value < 0 THEN excluded.value \
       WHEN value > 9223372036854775807 - excluded.value THEN 9223372036854775807 \
       ELSE value + excluded.value END \
     RETURNING value";
const SQL_WAS_FIRED: &str = "SELECT 1 FROM fired WHERE key = ?1";
const SQL_MARK_FIRED: &str =
    "INSERT INTO fired (key, at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING";
const SQL_PRUNE_FIRED: &str = "DELETE FROM fired WHERE at < ?1";

const STATEMENTS: &[&str] = &[
    SQL_ROOM_FETCHED,
    SQL_ROOM_MEETINGS,
    SQL_UPSERT_ROOM,
    SQL_UPSERT_MEETING,
    SQL_COUNT,
    SQL_COUNTER,
    SQL_ADD_COUNTER,
    SQL_WAS_FIRED,
    SQL_MARK_FIRED,
    SQL_PRUNE_FIRED,
];

/// The cache's limits (Settings will offer them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// A meeting not fetched again within this many days is dropped (at least 1).
    pub days: u32,
    /// At most this many meetings per profile (at least 1); the oldest start goes first.
    pub max_meetings: u32,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            days: CACHE_DAYS_DEFAULT,
            max_meetings: CACHE_MAX_MEETINGS_DEFAULT,
        }
    }
}

impl From<&Settings> for Bounds {
    /// The bounds the user chose in Settings.
    fn from(s: &Settings) -> Bounds {
        Bounds {
            days: s.cache_days,
            max_meetings: s.cache_max_meetings,
        }
    }
}

impl Bounds {
    // Zero would empty the cache on every write; Settings validates, this only keeps it sane.
    fn days_ms(self) -> i64 {
        i64::from(self.days.max(1)) * DAY_MS
    }
    fn max(self) -> i64 {
        i64::from(self.max_meetings.max(1))
    }
}

/// The cache's key for the profile in `settings`: see the module docs. Built here, once, so the
/// window and a future CLI cache agree.
pub fn profile_key(settings: &Settings) -> String {
    let binding = Binding::of(settings);
    let account = match settings.credential_mode {
        CredentialMode::Token => String::new(),
        CredentialMode::InternalApp => settings.app_key.trim().to_owned(),
        CredentialMode::ThirdParty => format!(
            "{}/{}",
            settings.suite_key.trim(),
            settings.auth_corp_id.trim()
        ),
    };
    let mode = serde_json::to_value(binding.mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!("{} {mode} {account}", binding.base_url)
}

/// A calendar month (for the call counter). The refresher decides which month "now" is in
/// (local time); the cache only keys by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// `month` is 1..=12; `None` otherwise.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The month `date` is in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1..=12.
    pub fn month(self) -> u32 {
        self.month
    }
}

impl fmt::Display for Month {
    /// `2026-12`: also the counter's stored name, so a stored row reads plainly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Why an existing file was moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokenReason {
    /// Not an SQLite database at all.
    NotADatabase,
    /// SQLite, but damaged (failed `quick_check`), or not our schema.
    Damaged,
    /// Written by a newer MeetDesk (schema `found` > [`SCHEMA_VERSION`]).
    NewerVersion { found: i64 },
    /// Another process held it locked past [`BUSY_TIMEOUT`].
    Locked,
}

impl fmt::Display for BrokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokenReason::NotADatabase => f.write_str("the file is not a database"),
            BrokenReason::Damaged => f.write_str("the database is damaged"),
            BrokenReason::NewerVersion { found } => write!(
                f,
                "the database is from a newer MeetDesk (schema {found}, this one knows {SCHEMA_VERSION})"
            ),
            BrokenReason::Locked => f.write_str("the database stayed locked by another program"),
        }
    }
}

/// The notice after a rebuild: what happened and where the old file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub reason: BrokenReason,
    /// The old file, renamed; kept so nothing is lost without the user knowing.
    pub moved_to: PathBuf,
}

impl Rebuilt {
    /// The sentence the window shows (catalog key `cache.rebuilt`).
    pub fn message(&self, lang: Lang) -> String {
        lang.fill("cache.rebuilt", &[("path", &self.moved_to.display())])
    }
}

/// What [`Cache::open`] gives: the cache, and a notice when it had to be rebuilt.
#[derive(Debug)]
pub struct Opened {
    pub cache: Cache,
    pub rebuilt: Option<Rebuilt>,
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The folder cannot hold the cache: the app works on without one.
    #[error(
        "the offline cache cannot be kept at {}: {detail}; MeetDesk works without it \
         (make the folder writable, or free some disk space, and restart)",
        path.display()
    )]
    Unavailable { path: PathBuf, detail: String },
    /// A read or write of the open cache failed (a full disk, a lock held too long).
    #[error("the offline cache failed: {0}; the meetings shown come from DingTalk only")]
    Failed(String),
}

impl From<rusqlite::Error> for CacheError {
    fn from(e: rusqlite::Error) -> Self {
        CacheError::Failed(e.to_string())
    }
}

impl From<CacheError> for AppError {
    fn from(e: CacheError) -> Self {
        AppError::new(AppKind::Io.as_str(), e.to_string())
    }
}

/// A room as cached.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedRoom {
    /// Newest start first, as DingTalk sends them.
    pub meetings: Vec<Meeting>,
    /// When this room was last fetched (ms since the epoch): "updated N minutes ago".
    pub fetched_at_ms: i64,
    /// Damaged rows left out (unreadable JSON, no conference id).
    pub skipped: usize,
}

/// What one write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stored {
    /// Meetings inserted or updated.
    pub stored: usize,
    /// Meetings not cached because they have no conference id.
    pub without_id: usize,
    /// Meetings dropped by the bounds in the same transaction.
    pub pruned: usize,
}

/// The open cache. See the module docs.
#[derive(Debug)]
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    bounds: Bounds,
}

enum Failure {
    Broken(BrokenReason),
    Unavailable(String),
}

fn classify(e: &rusqlite::Error) -> Failure {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Failure::Broken(BrokenReason::NotADatabase),
        Some(ErrorCode::DatabaseCorrupt) => Failure::Broken(BrokenReason::Damaged),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            Failure::Broken(BrokenReason::Locked)
        }
        _ => Failure::Unavailable(e.to_string()),
    }
}

impl Cache {
    /// Open (or create) the cache at `path`; see the module docs for what happens to a file that
    /// cannot be used.
    pub fn open(path: &Path, bounds: Bounds) -> Result<Opened, CacheError> {
        Self::open_with_timeout(path, bounds, BUSY_TIMEOUT)
    }

    /// [`Cache::open`] with another busy timeout (tests of the locked case wait less).
    pub fn open_with_timeout(
        path: &Path,
        bounds: Bounds,
        busy: Duration,
    ) -> Result<Opened, CacheError> {
        let unavailable = |detail: String| CacheError::Unavailable {
            path: path.to_path_buf(),
            detail,
        };
        let reason = match try_open(path, busy) {
            Ok(conn) => {
                return Ok(Opened {
                    cache: Cache {
                        conn,
                        path: path.to_path_buf(),
                        bounds,
                    },
                    rebuilt: None,
                })
            }
            Err(Failure::Unavailable(detail)) => return Err(unavailable(detail)),
            Err(Failure::Broken(reason)) => reason,
        };
        let moved_to = move_aside(path)
            .map_err(|e| unavailable(format!("{reason}, and it could not be moved aside: {e}")))?;
        prune_broken(path);
        let conn = try_open(path, busy).map_err(|f| {
            unavailable(match f {
                Failure::Broken(r) => format!("a new cache could not be built: {r}"),
                Failure::Unavailable(d) => d,
            })
        })?;
        Ok(Opened {
            cache: Cache {
                conn,
                path: path.to_path_buf(),
                bounds,
            },
            rebuilt: Some(Rebuilt { reason, moved_to }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// New limits (from Settings); they apply from the next write, or at once with
    /// [`Cache::prune`].
    pub fn set_bounds(&mut self, bounds: Bounds) {
        self.bounds = bounds;
    }

    /// A room's cached meetings, newest start first, with the time of its last fetch; `None`
    /// when the room was never fetched for this profile (or was pruned or cleared).
    pub fn room(&self, profile: &str, room: &RoomCode) -> Result<Option<CachedRoom>, CacheError> {
        let fetched_at: Option<i64> = self
            .conn
            .prepare_cached(SQL_ROOM_FETCHED)?
            .query_row(params![profile, room.as_str()], |r| r.get(0))
            .optional()
            .or_else(|e| match e {
                // A damaged time: the room is still worth painting, as "updated long ago".
                rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..) => Ok(Some(0)),
                e => Err(e),
            })?;
        let Some(fetched_at_ms) = fetched_at else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(SQL_ROOM_MEETINGS)?;
        let mut rows = stmt.query(params![profile, room.as_str()])?;
        let mut meetings = Vec::new();
        let mut skipped = 0;
        while let Some(row) = rows.next()? {
            // The JSON must be an object for the very meeting the row is keyed by: serde would
            // also read an array as a meeting, and a row edited by hand may name another.
            let parsed = match (row.get_ref(0)?, row.get_ref(1)?) {
                (ValueRef::Text(id), ValueRef::Text(json))
                    if json.trim_ascii_start().first() == Some(&b'{') =>
                {
                    serde_json::from_slice::<Meeting>(json)
                        .ok()
                        .filter(|m| m.conference_id.as_deref().map(str::as_bytes) == Some(id))
                }
                _ => None,
            };
            match parsed {
                Some(m) => meetings.push(m),
                None => skipped += 1,
            }
        }
        Ok(Some(CachedRoom {
            meetings,
            fetched_at_ms,
            skipped,
        }))
    }

    /// Store one fetched page of `room` (upsert by conference id) and prune, in one transaction.
    pub fn store_page(
        &mut self,
        profile: &str,
        room: &RoomCode,
        meetings: &[Meeting],
        fetched_at_ms: i64,
    ) -> Result<Stored, CacheError> {
        self.write(profile, room, meetings, fetched_at_ms, false)
    }

    /// Like [`Cache::store_page`], for a page known to be the whole room (the first page with
    /// `hasMore` false): meetings of the room that are not in it are removed.
    pub fn replace_room(
        &mut self,
        profile: &str,
        room: &RoomCode,
        meetings: &[Meeting],
        fetched_at_ms: i64,
    ) -> Result<Stored, CacheError> {
        self.write(profile, room, meetings, fetched_at_ms, true)
    }

    fn write(
        &mut self,
        profile: &str,
        room: &RoomCode,
        meetings: &[Meeting],
        fetched_at_ms: i64,
        replace: bool,
    ) -> Result<Stored, CacheError> {
        let bounds = self.bounds;
        let tx = self.conn.transaction()?;
        let mut done = Stored::default();
        tx.prepare_cached(SQL_UPSERT_ROOM)?.execute(params![
            profile,
            room.as_str(),
            fetched_at_ms
        ])?;
        if replace {
            tx.execute(
                "DELETE FROM meetings WHERE profile = ?1 AND room = ?2",
                params![profile, room.as_str()],
            )?;
        }
        {
            let mut upsert = tx.prepare_cached(SQL_UPSERT_MEETING)?;
            for m in meetings {
                let Some(id) = m.conference_id.as_deref().filter(|id| !id.is_empty()) else {
                    done.without_id += 1;
                    continue;
                };
                let json = serde_json::to_string(m)
                    .map_err(|e| CacheError::Failed(format!("a meeting did not serialise: {e}")))?;
                upsert.execute(params![
                    profile,
                    room.as_str(),
                    id,
                    m.start_time,
                    fetched_at_ms,
                    json
                ])?;
                done.stored += 1;
            }
        }
        done.pruned = prune_profile(&tx, profile, bounds, fetched_at_ms)?;
        tx.commit()?;
        Ok(done)
    }

    /// Apply the bounds to every profile now (after [`Cache::set_bounds`]); returns how many
    /// meetings went.
    pub fn prune(&mut self, now_ms: i64) -> Result<usize, CacheError> {
        let bounds = self.bounds;
        let tx = self.conn.transaction()?;
        let profiles: Vec<String> = {
            let mut stmt = tx.prepare("SELECT DISTINCT profile FROM rooms")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.filter_map(Result::ok).collect()
        };
        let mut pruned = 0;
        for p in &profiles {
            pruned += prune_profile(&tx, p, bounds, now_ms)?;
        }
        tx.commit()?;
        Ok(pruned)
    }

    /// How many meetings are cached for `profile`.
    pub fn meeting_count(&self, profile: &str) -> Result<u64, CacheError> {
        let n: i64 = self
            .conn
            .prepare_cached(SQL_COUNT)?
            .query_row(params![profile], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Remove every cached meeting (counters and fired reminders stay; see the module docs).
    pub fn clear(&mut self) -> Result<(), CacheError> {
        self.conn.execute("DELETE FROM rooms", [])?;
        // The cascade empties meetings; this catches rows a damaged file has without a room.
        self.conn.execute("DELETE FROM meetings", [])?;
        self.compact()
    }

    /// Remove the cached meetings of one profile.
    pub fn clear_profile(&mut self, profile: &str) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM rooms WHERE profile = ?1", params![profile])?;
        tx.execute("DELETE FROM meetings WHERE profile = ?1", params![profile])?;
        tx.commit()?;
        self.compact()
    }

    /// Deleted titles and links must not stay readable in free pages or the WAL.
    fn compact(&mut self) -> Result<(), CacheError> {
        self.conn.execute_batch("VACUUM")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// This month's DingTalk calls for `profile` (0 when none were counted).
    pub fn calls_this_month(&self, profile: &str, month: Month) -> Result<u64, CacheError> {
        let mut stmt = self.conn.prepare_cached(SQL_COUNTER)?;
        let mut rows = stmt.query(params![profile, counter_name(month)])?;
        let value = match rows.next()? {
            Some(row) => match row.get_ref(0)? {
                ValueRef::Integer(n) => u64::try_from(n).unwrap_or(0),
                _ => 0,
            },
            None => 0,
        };
        Ok(value)
    }

    /// Count `n` more calls for `profile` in `month`; returns the new total (saturating).
    pub fn add_calls(&mut self, profile: &str, month: Month, n: u64) -> Result<u64, CacheError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let total: i64 = self
            .conn
            .prepare_cached(SQL_ADD_COUNTER)?
            .query_row(params![profile, counter_name(month), n], |r| r.get(0))?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Whether the reminder `key` was already shown (within the last [`FIRED_KEEP_DAYS`]).
    pub fn was_fired(&self, key: &str) -> Result<bool, CacheError> {
        Ok(self
            .conn
            .prepare_cached(SQL_WAS_FIRED)?
            .exists(params![key])?)
    }

    /// Record that the reminder `key` was shown at `at_ms` (ms since the epoch). A key already
    /// recorded keeps its first time. Entries older than [`FIRED_KEEP_DAYS`] before `at_ms` are
    /// dropped here.
    pub fn mark_fired(&mut self, key: &str, at_ms: i64) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(SQL_MARK_FIRED)?
            .execute(params![key, at_ms])?;
        let cutoff = at_ms.saturating_sub(i64::from(FIRED_KEEP_DAYS) * DAY_MS);
        tx.prepare_cached(SQL_PRUNE_FIRED)?
            .execute(params![cutoff])?;
        tx.commit()?;
        Ok(())
    }
}

fn counter_name(month: Month) -> String {
    format!("calls:{month}")
}

/// Age first (not fetched within `days`), then count (oldest start first, no start time first).
fn prune_profile(
    tx: &Transaction<'_>,
    profile: &str,
    bounds: Bounds,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    let cutoff = now_ms.saturating_sub(bounds.days_ms());
    let mut pruned = tx.execute(
        "DELETE FROM meetings WHERE profile = ?1 AND fetched_at < ?2",
        params![profile, cutoff],
    )?;
    tx.execute(
        "DELETE FROM rooms WHERE profile = ?1 AND fetched_at < ?2",
        params![profile, cutoff],
    )?;
    let count: i64 = tx
        .prepare_cached(SQL_COUNT)?
        .query_row(params![profile], |r| r.get(0))?;
    let excess = count - bounds.max();
    if excess > 0 {
        pruned += tx.execute(
            "DELETE FROM meetings WHERE id IN (SELECT id FROM meetings WHERE profile = ?1 \
             ORDER BY start_time ASC, fetched_at ASC, id ASC LIMIT ?2)",
            params![profile, excess],
        )?;
    }
    Ok(pruned)
}

fn try_open(path: &Path, busy: Duration) -> Result<Connection, Failure> {
    secure_file(path).map_err(|e| Failure::Unavailable(e.to_string()))?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| classify(&e))?;
    conn.busy_timeout(busy).map_err(|e| classify(&e))?;
    // The first read of the header: a file that is not SQLite fails here.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| classify(&e))?;
    if version > SCHEMA_VERSION {
        return Err(Failure::Broken(BrokenReason::NewerVersion {
            found: version,
        }));
    }
    if version < 0 {
        return Err(Failure::Broken(BrokenReason::Damaged));
    }
    // WAL: the window reads while the refresher writes. Where WAL is unsupported (some network
    // file systems) SQLite keeps its rollback journal, which is slower but as safe.
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .map_err(|e| classify(&e))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
        .map_err(|e| classify(&e))?;
    let check: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| classify(&e))?;
    if check != "ok" {
        return Err(Failure::Broken(BrokenReason::Damaged));
    }
    migrate(&mut conn, version).map_err(|e| match classify(&e) {
        // A table of ours already there at a lower version: someone else's file.
        Failure::Unavailable(_) if e.sqlite_error_code() == Some(ErrorCode::Unknown) => {
            Failure::Broken(BrokenReason::Damaged)
        }
        f => f,
    })?;
    for sql in STATEMENTS {
        if let Err(e) = conn.prepare_cached(sql) {
            return Err(match classify(&e) {
                Failure::Unavailable(_) => Failure::Broken(BrokenReason::Damaged),
                f => f,
            });
        }
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    let from = usize::try_from(from).unwrap_or(0);
    for (done, sql) in MIGRATIONS.iter().enumerate().skip(from) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", done as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Create the file 0600 before SQLite does (SQLite would use 0644; its `-wal` and `-shm` copy the
/// database file's mode), and tighten an existing one.
fn secure_file(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        let meta = file.metadata()?;
        if meta.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    {
        options.open(path)?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Rename the file (and its `-wal`, which may hold its latest pages) to `.broken-<timestamp>`;
/// the `-shm` is only an index of the WAL and is removed.
fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let mut target = with_suffix(path, &format!("{BROKEN_INFIX}{stamp}"));
    let mut n = 1u32;
    while target.exists() && n < 1000 {
        target = with_suffix(path, &format!("{BROKEN_INFIX}{stamp}-{n}"));
        n += 1;
    }
    fs::rename(path, &target)?;
    for side in ["-wal", "-journal"] {
        let from = with_suffix(path, side);
        if from.exists() {
            let _ = fs::rename(&from, with_suffix(&target, side));
        }
    }
    let _ = fs::remove_file(with_suffix(path, "-shm"));
    Ok(target)
}

/// Keep the newest [`BROKEN_FILES_KEPT`] moved-aside files; a failure here only leaves a file.
fn prune_broken(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{name}{BROKEN_INFIX}");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut broken: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|f| f.starts_with(&prefix) && !f.ends_with("-wal") && !f.ends_with("-journal"))
        .collect();
    broken.sort();
    let excess = broken.len().saturating_sub(BROKEN_FILES_KEPT);
    for old in broken.iter().take(excess) {
        let old = dir.join(old);
        let _ = fs::remove_file(&old);
        for side in ["-wal", "-journal"] {
            let _ = fs::remove_file(with_suffix(&old, side));
        }
    }
}
