//! The query the window is showing, owned here and nowhere else: its room, its cursor, the
//! meetings loaded so far (de-duplicated), what is in flight and what failed.
//!
//! The window sends intents ([`Session::search`], [`Session::load_more`], [`Session::load_all`],
//! [`Session::retry_plan`], [`Session::cancel`]) and receives [`Snapshot`]s through the one
//! [`Sink`] it registered with [`Session::watch`]: after every change, the whole state of the
//! current query as the window must show it. The rows travel only when they changed since the
//! sink last received them (`rows: null` otherwise, see [`SnapshotRows`]): the window keeps the
//! list of the `rowsVersion` it has. The window keeps the latest snapshot and renders it; it
//! never merges pages or decides which answer is stale. Snapshots are emitted under one lock,
//! numbered by `seq`, so they reach the sink in the order the changes happened.
//!
//! # The filter
//! The session has one [`Filter`] ([`Session::set_filter`]); it belongs to the window, not to a
//! query, so it stays when another room is searched (the window says "Showing 37 of 120" with
//! Clear filters beside it). Each snapshot carries the filter as applied, `shown` (the positions
//! of the rows it shows, `null` for all), `shownCount` and the `summary` of the rows shown; they
//! are computed once per list and filter, not per progress message. What is shown is what an
//! export writes ([`Session::shown_rows`]).
//!
//! Plain Rust over the `dingtalk` client; the Tauri commands are thin wrappers around it, and
//! the unit tests below drive it against the simulator without a window.
//!
//! # Superseding and cancel
//! A new search becomes the current query at once (the window shows "Searching 427 233 559"),
//! and stops whatever the query before it was doing: an older search or "load all" would only
//! spend API calls. The query it replaced is remembered until the search's first page arrives:
//! cancelled, the search brings that query back (rows, cursor and all), so the user is where they
//! were. Work of a query that is no longer current ends quietly (its intent answers `stale`) and
//! never reaches the window.
//!
//! Cancel runs under `tokio::select!` against the operation's token, so it drops the HTTP request
//! in flight: nothing keeps waiting for a stalled server after the user gave up. What the query
//! had loaded stays; a cancelled "load more" leaves the cursor where it was.
//!
//! # The offline cache
//! A search whose [`Target`] names a cache ([`CacheLink`]: the SQLite cache and the profile key)
//! first paints the room's cached meetings (a `cached` snapshot, `cachedAt` = the room's last
//! fetch, "updated 12 minutes ago"), then fetches page one. Every page fetched is stored (a whole
//! room, page one without more or a finished "load all", with `replace_room`, so meetings deleted
//! in DingTalk leave the cache). The rule for the fresh page: **it replaces the cached paint**.
//! Page one is DingTalk's newest meetings, so no newer one is lost, and one list from one source
//! never shows a meeting twice. Keeping the cache's older meetings after it was tried and
//! rejected: the cursor (an opaque token) is at page two, so "Load more" would fetch meetings
//! already shown and seem to do nothing, and "20 of 5,000" would read "200 of 5,000" for a
//! partly cached room. The older meetings stay in the cache for the next offline paint, and
//! "Load more" brings them back from DingTalk.
//!
//! When DingTalk cannot be reached (`network`, `timeout`) and cached meetings are on screen, they
//! stay, with `offline: true` beside the search's error (Retry still repeats it): the window shows
//! a plain offline note instead of the error panel.
//!
//! Export and the connection test are not query operations; they carry a request id the window
//! chose ([`Session::begin`], [`Session::cancel_request`]).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use dingtalk::{Client, Cursor, Meeting, Progress, RoomCode, LOAD_ALL_PAGE_SIZE};
use serde::{Serialize, Serializer};
use tokio_util::sync::CancellationToken;

use crate::cache::Cache;
use crate::error::AppError;
use crate::export::ExportZone;
use crate::filter::{Filter, Matcher};
use crate::summary::Summary;
use crate::view::{self, MeetingRow};

/// Where snapshots go: the window's channel in the app, a recorder in tests.
pub type Sink = Box<dyn Fn(Snapshot) + Send + Sync>;

/// What the query is doing or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    Search,
    LoadMore,
    LoadAll,
    /// An "all pages" export followed the cursor to the end (the export dialog shows its own
    /// progress; the snapshot brings the window the rows it fetched).
    Export,
}

/// How a snapshot came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    Started,
    /// A page of a "load all" arrived: the busy counts moved, the rows did not yet.
    Progress,
    Done,
    Failed,
    /// Cancelled by the user. A cancelled search's snapshot is the query it had replaced.
    Cancelled,
    /// The query was forgotten (demo mode ended).
    Reset,
    /// The filter changed ([`Session::set_filter`]): `shown` and `summary` did, the rows not.
    Filtered,
    /// A search painted the room's cached meetings; its first page is still on its way.
    Cached,
    /// Not a change: the state as it is, sent to a window that just started watching.
    Current,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub op: Option<Op>,
    pub change: Change,
}

/// The operation in flight. For "load all", `loaded` counts the pages fetched so far (a restart
/// at 100 a page counts from zero) and `total_count` is DingTalk's total when it said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Busy {
    pub op: Op,
    pub loaded: u64,
    pub total_count: Option<u64>,
}

/// The operation that failed (so Retry repeats it) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub op: Op,
    pub error: AppError,
}

/// The current query as the window shows it. Serialised camelCase; `queryId` is `null` before
/// the first search.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Increases with every snapshot of this session.
    pub seq: u64,
    pub query_id: Option<u64>,
    /// The room as searched: digits only once valid, else what was typed.
    pub room_code: String,
    /// The meetings with their view ([`MeetingRow`]), in the order they were loaded, each
    /// `conferenceId` once. `null` on the wire when the sink already received this
    /// `rowsVersion` (see [`SnapshotRows`]).
    pub rows: SnapshotRows,
    /// Changes whenever `rows` does (also between two queries), so the window rebuilds its
    /// list only then, not on every progress message.
    pub rows_version: u64,
    pub has_more: bool,
    pub total_count: Option<u64>,
    /// The first page arrived: an empty `rows` then means the room has no meetings.
    pub searched: bool,
    pub busy: Option<Busy>,
    pub error: Option<Failure>,
    pub event: Event,
    /// The filter as applied (the session's: it stays when another room is searched).
    pub filter: Filter,
    /// Positions into `rows` of the meetings shown, in `rows`' order; `null` = all of them.
    #[serde(serialize_with = "shown_as_list")]
    pub shown: Option<Arc<Vec<u32>>>,
    pub shown_count: u64,
    /// Changes whenever `shown` does (the rows or the filter changed), so the window redraws its
    /// list only then.
    pub shown_version: u64,
    /// The figures of the meetings shown, weeks in the computer's time zone.
    #[serde(serialize_with = "summary_of")]
    pub summary: Arc<Summary>,
    /// While the rows shown are the cache's (before the first page, or offline): when the room
    /// was last fetched, ms since the epoch ("updated 12 minutes ago"). `null` once fresh.
    pub cached_at: Option<i64>,
    /// The search could not reach DingTalk and the cached rows stay on screen: the window says
    /// so in a plain note instead of the error panel (`error` still says what Retry repeats).
    pub offline: bool,
}

/// A snapshot's rows. Rust code always sees all of them; the window is sent them only when
/// they changed since the last snapshot it received (serialised as `null` otherwise): with
/// 10,000 meetings the list is about 5.7 MB of JSON, a quarter of a second of IPC, which a
/// filter keystroke or a "load all" progress message must not pay.
#[derive(Debug, Clone)]
pub struct SnapshotRows {
    list: Arc<Vec<MeetingRow>>,
    sent: bool,
}

impl SnapshotRows {
    fn new(list: Arc<Vec<MeetingRow>>, sent: bool) -> Self {
        SnapshotRows { list, sent }
    }

    /// Whether the rows go over the wire with this snapshot.
    pub fn is_sent(&self) -> bool {
        self.sent
    }
}

impl std::ops::Deref for SnapshotRows {
    type Target = [MeetingRow];
    fn deref(&self) -> &[MeetingRow] {
        self.list.as_slice()
    }
}

impl Serialize for SnapshotRows {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.sent {
            self.list.as_slice().serialize(s)
        } else {
            s.serialize_none()
        }
    }
}

fn shown_as_list<S: Serializer>(shown: &Option<Arc<Vec<u32>>>, s: S) -> Result<S::Ok, S::Error> {
    shown.as_deref().serialize(s)
}

fn summary_of<S: Serializer>(summary: &Arc<Summary>, s: S) -> Result<S::Ok, S::Error> {
    summary.as_ref().serialize(s)
}

/// What an intent answers, besides the snapshots it caused: how it ended, in a few numbers.
/// A failure or a cancel is an answer too (`change`, `error`); only an intent that was refused
/// outright (`stale`: that query is no longer current) is an error.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub query_id: u64,
    pub room_code: String,
    pub op: Op,
    pub change: Change,
    pub error: Option<AppError>,
    pub loaded: usize,
    pub has_more: bool,
    pub total_count: Option<u64>,
    /// The newest title seen on the first page, for the recent rooms list.
    #[serde(skip)]
    pub title: Option<String>,
}

/// What [`Session::retry_plan`] says Retry must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    /// Search this room again (with the client of the settings as they are now).
    Search(String),
    LoadMore,
    LoadAll,
    /// Nothing failed.
    Nothing,
}

/// What a search needs once its room code and the settings were accepted.
pub struct Target {
    pub client: Client,
    pub room: RoomCode,
    pub page_size: u32,
    /// Where its pages are kept; `None` without a cache (it could not be opened, or not yet).
    pub cache: Option<CacheLink>,
}

/// The offline cache a query reads and writes, and whose meetings it holds (the profile key,
/// `cache::profile_key`, so one organisation's meetings never paint for another).
#[derive(Clone)]
pub struct CacheLink {
    pub cache: Arc<Mutex<Cache>>,
    pub profile: String,
}

impl CacheLink {
    /// Runs `f` on the cache on a blocking thread (SQLite is synchronous; a 5,000-meeting room
    /// reads in ~6 ms, a write of one takes ~60 ms). A failing cache never fails the query: the
    /// cache is a convenience, DingTalk is the truth, so its errors become `None`.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cache, &str) -> Result<T, crate::cache::CacheError> + Send + 'static,
    ) -> Option<T> {
        let cache = self.cache.clone();
        let profile = self.profile.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut c, &profile)
        })
        .await;
        match done {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing_cache_failure(&e.to_string());
                None
            }
            Err(e) => {
                tracing_cache_failure(&e.to_string());
                None
            }
        }
    }
}

/// The cache failing is logged to stderr in debug builds only: nothing the user must act on.
fn tracing_cache_failure(detail: &str) {
    if cfg!(debug_assertions) {
        eprintln!("meetdesk: offline cache: {detail}");
    }
}

/// The list as loaded: changed only by the operation holding it.
struct QueryData {
    /// `None` for a search refused before any request (bad code, no credentials).
    cursor: Option<Cursor>,
    meetings: Vec<Meeting>,
    /// `conferenceId` → position in `meetings`: a meeting a later page repeats replaces the
    /// earlier copy in place instead of showing twice.
    index: HashMap<String, usize>,
    total_count: Option<u64>,
    /// Bumped by every change of `meetings`, so rows are rebuilt only when needed.
    generation: u64,
    /// The meetings shown are the cache's (painted before page one): page one replaces them.
    from_cache: bool,
}

impl QueryData {
    fn add(&mut self, items: impl IntoIterator<Item = Meeting>) {
        for m in items {
            let id = m.conference_id.clone().filter(|id| !id.is_empty());
            match id {
                Some(id) => match self.index.get(&id) {
                    Some(&at) => {
                        if let Some(slot) = self.meetings.get_mut(at) {
                            *slot = m;
                        }
                    }
                    None => {
                        self.index.insert(id, self.meetings.len());
                        self.meetings.push(m);
                    }
                },
                None => self.meetings.push(m),
            }
        }
        self.generation += 1;
    }

    fn replace(&mut self, items: Vec<Meeting>) {
        self.meetings.clear();
        self.index.clear();
        self.from_cache = false;
        self.add(items);
    }

    /// Paints a room's cached meetings (the query holds nothing yet).
    fn paint_cached(&mut self, cached: Vec<Meeting>) {
        self.replace(cached);
        self.from_cache = true;
    }

    /// The first fresh page: it replaces a cached paint (module docs, "The offline cache").
    fn first_page(&mut self, items: Vec<Meeting>) {
        if self.from_cache {
            self.replace(items);
        } else {
            self.add(items);
        }
    }

    fn has_more(&self) -> bool {
        self.cursor.as_ref().is_some_and(|c| !c.is_done())
    }
}

/// What the window sees of a query; short critical sections only (never held across `.await`).
struct QueryView {
    rows: Arc<Vec<MeetingRow>>,
    rows_version: u64,
    rows_generation: u64,
    has_more: bool,
    total_count: Option<u64>,
    searched: bool,
    busy: Option<Busy>,
    error: Option<Failure>,
    /// See [`Snapshot::cached_at`] and [`Snapshot::offline`].
    cached_at: Option<i64>,
    offline: bool,
    /// The running operation's token (a new one per operation).
    cancel: CancellationToken,
    /// An export's "all pages" run, stopped too when a newer search takes over.
    export: Option<CancellationToken>,
}

struct Query {
    id: u64,
    room_code: String,
    client: Option<Client>,
    cache: Option<CacheLink>,
    data: tokio::sync::Mutex<QueryData>,
    view: Mutex<QueryView>,
}

/// The rows as they now are, to be put into the view by [`Session::apply`].
struct Fresh {
    rows: Option<(Arc<Vec<MeetingRow>>, u64)>,
    has_more: bool,
    total_count: Option<u64>,
}

impl Query {
    fn cancel_all(&self) {
        let v = lock(&self.view);
        v.cancel.cancel();
        if let Some(t) = &v.export {
            t.cancel();
        }
    }

    /// The rows of `data`, rebuilt only when the meetings changed since the view's copy.
    fn rows(&self, data: &QueryData) -> Fresh {
        let shown = lock(&self.view).rows_generation;
        let rows = (shown != data.generation).then(|| {
            let now = view::now_ms();
            let rows = data
                .meetings
                .iter()
                .map(|m| MeetingRow::new(m.clone(), now))
                .collect();
            (Arc::new(rows), data.generation)
        });
        Fresh {
            rows,
            has_more: data.has_more(),
            total_count: data.total_count,
        }
    }
}

/// How many cancels of not-yet-registered requests are remembered (see [`Requests::early`]).
const EARLY_CANCELS_KEPT: usize = 32;

#[derive(Default)]
struct Requests {
    running: HashMap<u64, CancellationToken>,
    /// Ids cancelled before their command registered them. Commands run concurrently, so a
    /// Cancel sent right after the request can overtake it. Bounded: a cancel for a request that
    /// already ended lands here too and must not pile up.
    early: VecDeque<u64>,
}

/// One running request of the window (export, connection test): its cancel token, unregistered
/// when dropped.
pub struct Request<'a> {
    session: &'a Session,
    id: Option<u64>,
    token: CancellationToken,
}

impl Request<'_> {
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// `Err(cancelled)` once the window cancelled this request.
    pub fn check(&self) -> Result<(), AppError> {
        if self.token.is_cancelled() {
            Err(cancelled())
        } else {
            Ok(())
        }
    }

    /// Runs `work` until it ends or the request is cancelled, whichever comes first; on cancel
    /// `work` is dropped, and with it any HTTP request it was waiting for.
    pub async fn run<T>(
        &self,
        work: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        until_cancelled(&self.token, work).await
    }
}

impl Drop for Request<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.session.requests().running.remove(&id);
        }
    }
}

/// The error of a cancelled request. Not shown as an error: the window says "cancelled".
pub fn cancelled() -> AppError {
    AppError::new(
        "cancelled",
        "Cancelled: MeetDesk stopped waiting for DingTalk. What was loaded before is kept.",
    )
}

fn is_cancelled(e: &AppError) -> bool {
    e.kind == "cancelled"
}

async fn until_cancelled<T>(
    token: &CancellationToken,
    work: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    tokio::select! {
        biased;
        _ = token.cancelled() => Err(cancelled()),
        r = work => r,
    }
}

#[derive(Default)]
struct Shown {
    current: Option<Arc<Query>>,
    /// While the current query is a search waiting for its first page: the query it replaced,
    /// shown again if that search is cancelled.
    before_search: Option<Arc<Query>>,
    seq: u64,
    sink: Option<Sink>,
    /// The `rowsVersion` whose rows the sink last received: later snapshots leave them out
    /// until they change. Forgotten with the sink (a reloaded page has no rows).
    sent_rows: Option<u64>,
    /// The filter of the session, not of a query: a user who filtered for "weekly" and searches
    /// the next room wants the same report of it (the window says the filter is on).
    filter: Filter,
    matcher: Matcher,
    filter_version: u64,
    /// `shown` and `summary` of the last snapshot, kept until the rows or the filter change.
    derived: Option<Derived>,
    next_shown_version: u64,
}

/// What the filter makes of one list of rows.
#[derive(Clone)]
struct Derived {
    rows_version: u64,
    filter_version: u64,
    shown: Option<Arc<Vec<u32>>>,
    shown_count: u64,
    shown_version: u64,
    summary: Arc<Summary>,
}

impl Shown {
    /// `shown` and `summary` for `rows`, computed once per list and filter.
    fn derive(&mut self, rows: &[MeetingRow], rows_version: u64) -> Derived {
        if let Some(d) = &self.derived {
            if d.rows_version == rows_version && d.filter_version == self.filter_version {
                return d.clone();
            }
        }
        let (shown, summary) = if self.matcher.is_all() {
            (None, Summary::of(rows, &ExportZone::Local))
        } else {
            let at = self.matcher.shown(rows);
            let summary = Summary::of(
                at.iter().filter_map(|&i| rows.get(i as usize)),
                &ExportZone::Local,
            );
            (Some(Arc::new(at)), summary)
        };
        self.next_shown_version += 1;
        let d = Derived {
            rows_version,
            filter_version: self.filter_version,
            shown_count: shown.as_ref().map_or(rows.len(), |s| s.len()) as u64,
            shown,
            shown_version: self.next_shown_version,
            summary: Arc::new(summary),
        };
        self.derived = Some(d.clone());
        d
    }
}

/// The meetings an export writes: the rows of the query and which of them the filter shows.
pub struct ShownRows {
    pub room_code: String,
    rows: Arc<Vec<MeetingRow>>,
    shown: Option<Vec<u32>>,
}

impl ShownRows {
    /// The meetings shown, in the order they were loaded.
    pub fn shown(&self) -> Vec<&MeetingRow> {
        match &self.shown {
            None => self.rows.iter().collect(),
            Some(at) => at
                .iter()
                .filter_map(|&i| self.rows.get(i as usize))
                .collect(),
        }
    }

    /// How many meetings are loaded, shown or not.
    pub fn loaded(&self) -> usize {
        self.rows.len()
    }
}

#[derive(Default)]
pub struct Session {
    next_id: AtomicU64,
    next_rows_version: AtomicU64,
    shown: Mutex<Shown>,
    requests: Mutex<Requests>,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    fn requests(&self) -> MutexGuard<'_, Requests> {
        lock(&self.requests)
    }

    fn rows_version(&self) -> u64 {
        self.next_rows_version.fetch_add(1, Ordering::SeqCst) + 1
    }

    // ---- snapshots ------------------------------------------------------------------------

    /// Sends every later snapshot to `sink` (replacing the window's previous one: a reloaded
    /// page watches anew), starting with the current state.
    pub fn watch(&self, sink: Sink) {
        let mut shown = lock(&self.shown);
        shown.sink = Some(sink);
        shown.sent_rows = None;
        self.emit(
            &mut shown,
            Event {
                op: None,
                change: Change::Current,
            },
        );
    }

    /// The current state, without sending it anywhere (rows included).
    pub fn snapshot(&self) -> Snapshot {
        let mut shown = lock(&self.shown);
        let seq = shown.seq;
        snapshot_of(
            &mut shown,
            seq,
            Event {
                op: None,
                change: Change::Current,
            },
            true,
        )
    }

    fn emit(&self, shown: &mut Shown, event: Event) {
        shown.seq += 1;
        if shown.sink.is_none() {
            return;
        }
        let seq = shown.seq;
        let snapshot = snapshot_of(shown, seq, event, false);
        shown.sent_rows = Some(snapshot.rows_version);
        if let Some(sink) = &shown.sink {
            sink(snapshot);
        }
    }

    /// Sets the filter of what is shown, summarised and exported; it stays for later searches.
    /// A filter the window cannot have meant (a text over the limit, an unknown type, an empty
    /// date range) is refused as `invalidFilter` with the field named, and the one before stays.
    pub fn set_filter(&self, filter: Filter) -> Result<(), AppError> {
        let matcher = filter.compile().map_err(AppError::from)?;
        let mut shown = lock(&self.shown);
        if shown.filter == filter {
            return Ok(());
        }
        shown.filter = filter;
        shown.matcher = matcher;
        shown.filter_version += 1;
        self.emit(
            &mut shown,
            Event {
                op: None,
                change: Change::Filtered,
            },
        );
        Ok(())
    }

    /// The filter as it is.
    pub fn filter(&self) -> Filter {
        lock(&self.shown).filter.clone()
    }

    /// Puts freshly built rows into the view of `query`.
    fn apply(&self, v: &mut QueryView, rows: Fresh) {
        if let Some((list, generation)) = rows.rows {
            v.rows = list;
            v.rows_generation = generation;
            v.rows_version = self.rows_version();
        }
        v.has_more = rows.has_more;
        v.total_count = rows.total_count;
        // With nothing left to load, a failed "load more" or "load all" has nothing to retry.
        if !v.has_more
            && v.error
                .as_ref()
                .is_some_and(|f| matches!(f.op, Op::LoadMore | Op::LoadAll))
        {
            v.error = None;
        }
    }

    fn is_current(shown: &Shown, query: &Arc<Query>) -> bool {
        shown
            .current
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, query))
    }

    fn current(&self, id: u64) -> Result<Arc<Query>, AppError> {
        match &lock(&self.shown).current {
            Some(q) if q.id == id => Ok(q.clone()),
            _ => Err(AppError::stale()),
        }
    }

    // ---- intents ----------------------------------------------------------------------------

    /// Starts a new query and fetches its first page. `target` is `Err` when the search was
    /// refused before any request (the window shows that error as the search's). See the
    /// module docs for what it supersedes and what its cancel brings back.
    pub async fn search(
        &self,
        target: Result<Target, AppError>,
        typed: &str,
    ) -> Result<Outcome, AppError> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (client, cursor, room_code, cache, refused) = match target {
            Ok(t) => (
                Some(t.client),
                Some(Cursor::new(t.room.clone(), t.page_size)),
                t.room.to_string(),
                t.cache,
                None,
            ),
            Err(e) => (None, None, typed.trim().to_string(), None, Some(e)),
        };
        let token = CancellationToken::new();
        let query = Arc::new(Query {
            id,
            room_code,
            client,
            cache,
            data: tokio::sync::Mutex::new(QueryData {
                cursor,
                meetings: Vec::new(),
                index: HashMap::new(),
                total_count: None,
                generation: 0,
                from_cache: false,
            }),
            view: Mutex::new(QueryView {
                rows: Arc::new(Vec::new()),
                rows_version: self.rows_version(),
                rows_generation: 0,
                has_more: false,
                total_count: None,
                searched: false,
                busy: Some(Busy {
                    op: Op::Search,
                    loaded: 0,
                    total_count: None,
                }),
                error: None,
                cached_at: None,
                offline: false,
                cancel: token.clone(),
                export: None,
            }),
        });
        {
            let mut shown = lock(&self.shown);
            if let Some(old) = shown.current.take() {
                old.cancel_all();
                // A search replacing a search still waiting: the query to go back to is the one
                // before both.
                let waiting = {
                    let v = lock(&old.view);
                    !v.searched && v.busy.is_some_and(|b| b.op == Op::Search)
                };
                if !waiting {
                    shown.before_search = Some(old);
                }
            }
            shown.current = Some(query.clone());
            self.emit(&mut shown, started(Op::Search));
        }

        let result = match refused {
            Some(e) => Err(e),
            None => {
                until_cancelled(&token, async {
                    let mut data = query.data.lock().await;
                    self.paint_cached(&query, &mut data).await;
                    fetch_next(&query, &mut data).await?;
                    let title = data.meetings.iter().find_map(|m| m.title.clone());
                    Ok((query.rows(&data), title))
                })
                .await
            }
        };

        let mut shown = lock(&self.shown);
        if !Self::is_current(&shown, &query) {
            return Err(AppError::stale());
        }
        let (change, error, title) = {
            let mut v = lock(&query.view);
            v.busy = None;
            match result {
                Ok((rows, title)) => {
                    self.apply(&mut v, rows);
                    v.searched = true;
                    v.cached_at = None;
                    (Change::Done, None, title)
                }
                Err(e) if is_cancelled(&e) => (Change::Cancelled, Some(e), None),
                Err(e) => {
                    // The cached meetings stay; only an unreachable DingTalk is "offline": any
                    // other failure (credentials, a refused room) is the error the user must see.
                    v.offline = v.cached_at.is_some() && is_unreachable(&e);
                    v.error = Some(Failure {
                        op: Op::Search,
                        error: e.clone(),
                    });
                    (Change::Failed, Some(e), None)
                }
            }
        };
        let restored = shown.before_search.take();
        if change == Change::Cancelled {
            shown.current = restored;
        }
        self.emit(
            &mut shown,
            Event {
                op: Some(Op::Search),
                change,
            },
        );
        Ok(outcome(&query, Op::Search, change, error, title))
    }

    /// Paints the room's cached meetings, if the query has a cache and the room is in it, as a
    /// `cached` snapshot (while the first page is fetched).
    async fn paint_cached(&self, query: &Arc<Query>, data: &mut QueryData) {
        let (Some(link), Some(cursor)) = (&query.cache, &data.cursor) else {
            return;
        };
        let room = cursor.room().clone();
        let Some(Some(cached)) = link.with(move |c, profile| c.room(profile, &room)).await else {
            return;
        };
        data.paint_cached(cached.meetings);
        let rows = query.rows(data);
        let mut shown = lock(&self.shown);
        if !Self::is_current(&shown, query) {
            return;
        }
        {
            let mut v = lock(&query.view);
            self.apply(&mut v, rows);
            v.cached_at = Some(cached.fetched_at_ms);
        }
        self.emit(
            &mut shown,
            Event {
                op: Some(Op::Search),
                change: Change::Cached,
            },
        );
    }

    /// The next page of query `id`. Nothing happens while it is busy or has no more pages.
    pub async fn load_more(&self, id: u64) -> Result<Outcome, AppError> {
        let Some((query, token)) = self.start(id, Op::LoadMore)? else {
            return self.idle_outcome(id, Op::LoadMore);
        };
        let result = until_cancelled(&token, async {
            let mut data = query.data.lock().await;
            fetch_next(&query, &mut data).await?;
            Ok(query.rows(&data))
        })
        .await;
        // Cancelled, the page was never added: the cursor did not move either.
        let (rows, result) = match result {
            Ok(rows) => (Some(rows), Ok(())),
            Err(e) => (None, Err(e)),
        };
        self.finish(&query, Op::LoadMore, rows, result)
    }

    /// Follows query `id` to its last page, with a progress snapshot per page. On cancel or
    /// failure everything loaded so far is kept and shown.
    ///
    /// Calls cost money (about 5,000 a month for a standard organisation). When only the first
    /// small page has been fetched, starting over at 100 a page is far cheaper than continuing
    /// (5,000 meetings at 20 a page: 249 more calls, against 50), so we do that and replace the
    /// list; a cursor already several pages in keeps its page size, as `nextToken` is opaque.
    /// The client stops at `dingtalk::MAX_LOAD_ALL_MEETINGS` (`tooManyMeetings`, not retryable).
    pub async fn load_all(&self, id: u64) -> Result<Outcome, AppError> {
        let Some((query, token)) = self.start(id, Op::LoadAll)? else {
            return self.idle_outcome(id, Op::LoadAll);
        };
        // A "load more" of this query may hold the list (on a stalled server): wait cancellably.
        let mut data = tokio::select! {
            biased;
            _ = token.cancelled() => {
                return self.finish(&query, Op::LoadAll, None, Err(cancelled()));
            }
            d = query.data.lock() => d,
        };
        let result = fetch_rest(&query, &mut data, &token, |p| {
            self.progress(&query, p);
        })
        .await;
        let rows = query.rows(&data);
        drop(data);
        self.finish(&query, Op::LoadAll, Some(rows), result)
    }

    /// What Retry must do for query `id`: repeat the failed operation.
    pub fn retry_plan(&self, id: u64) -> Result<Retry, AppError> {
        let query = self.current(id)?;
        let v = lock(&query.view);
        Ok(match v.error.as_ref().map(|f| f.op) {
            Some(Op::Search) => Retry::Search(query.room_code.clone()),
            Some(Op::LoadMore) => Retry::LoadMore,
            Some(Op::LoadAll) => Retry::LoadAll,
            Some(Op::Export) | None => Retry::Nothing,
        })
    }

    /// Stops what query `id` is doing (search, load more, load all); the snapshot that follows
    /// says what is kept. A query that is no longer current is left alone.
    pub fn cancel(&self, id: u64) {
        if let Ok(q) = self.current(id) {
            lock(&q.view).cancel.cancel();
        }
    }

    /// Forgets the current query (demo mode ended: its host is gone).
    pub fn reset(&self) {
        let mut shown = lock(&self.shown);
        for q in [shown.current.take(), shown.before_search.take()]
            .into_iter()
            .flatten()
        {
            q.cancel_all();
        }
        self.emit(
            &mut shown,
            Event {
                op: None,
                change: Change::Reset,
            },
        );
    }

    /// Marks `op` running on query `id`, or `None` when there is nothing to do (busy already,
    /// or no more pages).
    fn start(&self, id: u64, op: Op) -> Result<Option<(Arc<Query>, CancellationToken)>, AppError> {
        let mut shown = lock(&self.shown);
        let query = match &shown.current {
            Some(q) if q.id == id => q.clone(),
            _ => return Err(AppError::stale()),
        };
        let token = {
            let mut v = lock(&query.view);
            if v.busy.is_some() || !v.has_more {
                return Ok(None);
            }
            v.busy = Some(Busy {
                op,
                loaded: v.rows.len() as u64,
                total_count: v.total_count,
            });
            v.error = None;
            v.cancel = CancellationToken::new();
            v.cancel.clone()
        };
        self.emit(&mut shown, started(op));
        Ok(Some((query, token)))
    }

    fn idle_outcome(&self, id: u64, op: Op) -> Result<Outcome, AppError> {
        let query = self.current(id)?;
        Ok(outcome(&query, op, Change::Done, None, None))
    }

    fn progress(&self, query: &Arc<Query>, p: Progress) {
        let mut shown = lock(&self.shown);
        {
            let mut v = lock(&query.view);
            match &mut v.busy {
                Some(b) => {
                    b.loaded = p.loaded;
                    if p.total.is_some() {
                        b.total_count = p.total;
                    }
                }
                None => return,
            }
        }
        if Self::is_current(&shown, query) {
            self.emit(
                &mut shown,
                Event {
                    op: Some(Op::LoadAll),
                    change: Change::Progress,
                },
            );
        }
    }

    /// Ends `op` of `query`: the rows it brought, its failure, the snapshot (when the query is
    /// still the one shown; else the intent answers `stale` and the window hears nothing).
    fn finish(
        &self,
        query: &Arc<Query>,
        op: Op,
        rows: Option<Fresh>,
        result: Result<(), AppError>,
    ) -> Result<Outcome, AppError> {
        let mut shown = lock(&self.shown);
        let (change, error) = {
            let mut v = lock(&query.view);
            v.busy = None;
            // The rows first: a failure that ended the list (the cap) is still shown.
            if let Some(rows) = rows {
                self.apply(&mut v, rows);
            }
            let (change, error) = match result {
                Ok(()) => (Change::Done, None),
                Err(e) if is_cancelled(&e) => (Change::Cancelled, Some(e)),
                Err(e) => {
                    v.error = Some(Failure {
                        op,
                        error: e.clone(),
                    });
                    (Change::Failed, Some(e))
                }
            };
            (change, error)
        };
        if !Self::is_current(&shown, query) {
            return Err(AppError::stale());
        }
        self.emit(
            &mut shown,
            Event {
                op: Some(op),
                change,
            },
        );
        Ok(outcome(query, op, change, error, None))
    }

    // ---- export and the join link -------------------------------------------------------------

    /// Follows query `id` to its last page for an "all pages" export, under the export's
    /// `cancel`, with `progress` for the export dialog. The rows it fetched reach the window in a
    /// snapshot (kept on cancel or failure, like a "load all"'s).
    pub async fn export_load_all(
        &self,
        id: u64,
        cancel: &CancellationToken,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<(), AppError> {
        let query = self.current(id)?;
        lock(&query.view).export = Some(cancel.clone());
        let mut data = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                lock(&query.view).export = None;
                return Err(cancelled());
            }
            d = query.data.lock() => d,
        };
        let result = fetch_rest(&query, &mut data, cancel, progress).await;
        let rows = query.rows(&data);
        drop(data);

        let mut shown = lock(&self.shown);
        let changed = {
            let mut v = lock(&query.view);
            v.export = None;
            let before = (v.rows_version, v.error.is_some());
            self.apply(&mut v, rows);
            (v.rows_version, v.error.is_some()) != before
        };
        if !Self::is_current(&shown, &query) {
            return Err(AppError::stale());
        }
        if changed {
            let change = match &result {
                Ok(()) => Change::Done,
                Err(e) if is_cancelled(e) => Change::Cancelled,
                Err(_) => Change::Failed,
            };
            self.emit(
                &mut shown,
                Event {
                    op: Some(Op::Export),
                    change,
                },
            );
        }
        result
    }

    /// How many meetings query `id` has loaded, and DingTalk's total if it said.
    pub async fn counts(&self, id: u64) -> Result<(usize, Option<u64>), AppError> {
        let query = self.current(id)?;
        let data = query.data.lock().await;
        Ok((data.meetings.len(), data.total_count))
    }

    /// The room and meetings of query `id`, for export.
    pub async fn meetings(&self, id: u64) -> Result<(String, Vec<Meeting>), AppError> {
        let query = self.current(id)?;
        let data = query.data.lock().await;
        Ok((query.room_code.clone(), data.meetings.clone()))
    }

    /// The meetings of query `id` the filter shows now, for export: what the window shows is
    /// what is written.
    pub fn shown_rows(&self, id: u64) -> Result<ShownRows, AppError> {
        let query = self.current(id)?;
        let rows = lock(&query.view).rows.clone();
        let matcher = lock(&self.shown).matcher.clone();
        let shown = (!matcher.is_all()).then(|| matcher.shown(&rows));
        Ok(ShownRows {
            room_code: query.room_code.clone(),
            rows,
            shown,
        })
    }

    /// A meeting of query `id` by its conference id, with the room searched (for "Copy
    /// invitation": the code the user typed, not a masked one the server may send).
    pub async fn meeting(
        &self,
        id: u64,
        conference_id: &str,
    ) -> Result<(RoomCode, Meeting), AppError> {
        let query = self.current(id)?;
        let room = RoomCode::parse(&query.room_code).map_err(AppError::from)?;
        let data = query.data.lock().await;
        let meeting = find_meeting(&data, conference_id)?.clone();
        Ok((room, meeting))
    }

    /// The join link the API gave for a meeting of query `id`: the window names a meeting by its
    /// id and never hands us a URL to open.
    pub async fn join_link(&self, id: u64, conference_id: &str) -> Result<String, AppError> {
        let query = self.current(id)?;
        let data = query.data.lock().await;
        find_meeting(&data, conference_id)?
            .external_link_url
            .clone()
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| {
                AppError::new("unsafeLink", "DingTalk gave no join link for this meeting.")
            })
    }

    // ---- requests of the window that are not query operations ----------------------------------

    /// Registers the window's request `id` (none: a caller that never cancels, e.g. a test).
    pub fn begin(&self, id: Option<u64>) -> Request<'_> {
        let token = CancellationToken::new();
        if let Some(id) = id {
            let mut requests = self.requests();
            if let Some(at) = requests.early.iter().position(|&e| e == id) {
                requests.early.remove(at);
                token.cancel();
            }
            requests.running.insert(id, token.clone());
        }
        Request {
            session: self,
            id,
            token,
        }
    }

    /// Cancels the window's request `id` (an export or a connection test).
    pub fn cancel_request(&self, id: u64) {
        let mut requests = self.requests();
        match requests.running.get(&id) {
            Some(token) => token.cancel(),
            None => {
                if requests.early.len() >= EARLY_CANCELS_KEPT {
                    requests.early.pop_front();
                }
                requests.early.push_back(id);
            }
        }
    }
}

fn find_meeting<'a>(data: &'a QueryData, conference_id: &str) -> Result<&'a Meeting, AppError> {
    data.meetings
        .iter()
        .find(|m| m.conference_id.as_deref() == Some(conference_id))
        .ok_or_else(|| {
            AppError::new(
                "notFound",
                "This meeting is no longer in the list; search again.",
            )
        })
}

fn started(op: Op) -> Event {
    Event {
        op: Some(op),
        change: Change::Started,
    }
}

/// The snapshot of what `shown` shows; `all_rows`: include the rows even if the sink has them.
fn snapshot_of(shown: &mut Shown, seq: u64, event: Event, all_rows: bool) -> Snapshot {
    let query = shown.current.clone();
    let (query_id, room_code, rows, rows_version, has_more, total_count, searched, busy, error) =
        match query.as_deref() {
            None => (
                None,
                String::new(),
                Arc::new(Vec::new()),
                0,
                false,
                None,
                false,
                None,
                None,
            ),
            Some(q) => {
                let v = lock(&q.view);
                (
                    Some(q.id),
                    q.room_code.clone(),
                    v.rows.clone(),
                    v.rows_version,
                    v.has_more,
                    v.total_count,
                    v.searched,
                    v.busy,
                    v.error.clone(),
                )
            }
        };
    let (cached_at, offline) = query.as_deref().map_or((None, false), |q| {
        let v = lock(&q.view);
        (v.cached_at, v.offline)
    });
    let derived = shown.derive(&rows, rows_version);
    let sent = all_rows || shown.sent_rows != Some(rows_version);
    Snapshot {
        seq,
        query_id,
        room_code,
        rows: SnapshotRows::new(rows, sent),
        rows_version,
        has_more,
        total_count,
        searched,
        busy,
        error,
        event,
        filter: shown.filter.clone(),
        shown: derived.shown,
        shown_count: derived.shown_count,
        shown_version: derived.shown_version,
        summary: derived.summary,
        cached_at,
        offline,
    }
}

/// DingTalk could not be reached at all (as opposed to answering with a refusal).
fn is_unreachable(e: &AppError) -> bool {
    e.kind == dingtalk::ErrorKind::Network.as_str()
        || e.kind == dingtalk::ErrorKind::Timeout.as_str()
}

fn outcome(
    query: &Query,
    op: Op,
    change: Change,
    error: Option<AppError>,
    title: Option<String>,
) -> Outcome {
    let v = lock(&query.view);
    Outcome {
        query_id: query.id,
        room_code: query.room_code.clone(),
        op,
        change,
        error,
        loaded: v.rows.len(),
        has_more: v.has_more,
        total_count: v.total_count,
        title,
    }
}

/// Fetches the next page into `data`. The page is kept even when a newer query took over
/// meanwhile: the cursor has moved past it, so dropping it would lose those meetings if this
/// query is shown again (after the newer search was cancelled).
async fn fetch_next(query: &Query, data: &mut QueryData) -> Result<(), AppError> {
    let (Some(client), Some(cursor)) = (&query.client, data.cursor.as_mut()) else {
        return Ok(());
    };
    if let Some(page) = cursor.next_page(client).await? {
        let first = cursor.pages_fetched() == 1;
        let done = cursor.is_done();
        let room = cursor.room().clone();
        if page.total_count.is_some() {
            data.total_count = page.total_count;
        }
        store(query, &room, page.items.clone(), first && done).await;
        if first {
            data.first_page(page.items);
        } else {
            data.add(page.items);
        }
    }
    Ok(())
}

/// Keeps fetched meetings in the query's cache; `whole_room`: they are all the room has.
async fn store(query: &Query, room: &RoomCode, meetings: Vec<Meeting>, whole_room: bool) {
    let Some(link) = &query.cache else {
        return;
    };
    let room = room.clone();
    let now = view::now_ms();
    link.with(move |c, profile| {
        if whole_room {
            c.replace_room(profile, &room, &meetings, now)
        } else {
            c.store_page(profile, &room, &meetings, now)
        }
    })
    .await;
}

/// Follows the cursor of `data` to the end (or restarts at 100 a page when that is cheaper),
/// adding what arrives even when it stops early.
async fn fetch_rest(
    query: &Query,
    data: &mut QueryData,
    cancel: &CancellationToken,
    mut progress: impl FnMut(Progress),
) -> Result<(), AppError> {
    let (Some(client), Some(cursor)) = (&query.client, data.cursor.as_mut()) else {
        return Ok(());
    };
    if cursor.is_done() {
        return Ok(());
    }
    let mut total = data.total_count;
    let mut added: Vec<Meeting> = Vec::new();
    let restart = restart_is_cheaper(cursor, data.meetings.len(), data.total_count);
    let mut fresh_cursor = restart.then(|| Cursor::for_load_all(cursor.room().clone()));
    let target = fresh_cursor.as_mut().unwrap_or(cursor);
    let result = dingtalk::load_all(client, target, cancel, |page, p| {
        added.extend(page.items.iter().cloned());
        if page.total_count.is_some() {
            total = page.total_count;
        }
        progress(p);
    })
    .await;
    let room = cursor.room().clone();
    let complete = result.is_ok();
    // What was fetched is kept in the cache even when the run stopped early.
    let fetched = added.clone();
    match fresh_cursor {
        // Keep whichever list is longer: the fresh one once it overtook the first page, or
        // once it is the whole room (a room that shrank meanwhile is still the truth).
        Some(fresh) if complete || added.len() >= data.meetings.len() => {
            data.replace(added);
            data.cursor = Some(fresh);
            data.total_count = total;
        }
        Some(_) => {}
        None => {
            data.add(added);
            data.total_count = total;
        }
    }
    if complete {
        store(query, &room, data.meetings.clone(), true).await;
    } else {
        store(query, &room, fetched, false).await;
    }
    Ok(result?)
}

/// A poisoned lock only means another command panicked mid-way; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn restart_is_cheaper(cursor: &Cursor, loaded: usize, total_count: Option<u64>) -> bool {
    let size = cursor.page_size();
    if cursor.pages_fetched() != 1 || size >= LOAD_ALL_PAGE_SIZE {
        return false;
    }
    let loaded = loaded as u64;
    match total_count {
        Some(total) if total > loaded => {
            let continuing = (total - loaded).div_ceil(u64::from(size));
            let restarting = total.div_ceil(u64::from(LOAD_ALL_PAGE_SIZE));
            restarting < continuing
        }
        Some(_) => false,
        // Without a total, a full first page is a hint of more: the bigger pages are the bet.
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use dingtalk::{ClientConfig, Credentials, Secret};
    use dingtalk_sim::{Fault, FaultRule, SimConfig, SimHandle, DEMO_ROOM, LARGE_ROOM_5K};

    /// A session whose snapshots are recorded.
    fn watched() -> (Arc<Session>, Arc<Mutex<Vec<Snapshot>>>) {
        let session = Arc::new(Session::new());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        session.watch(Box::new(move |s| lock(&sink).push(s)));
        (session, seen)
    }

    async fn sim() -> SimHandle {
        SimHandle::start(SimConfig::default()).await.unwrap()
    }

    fn target(sim: &SimHandle, room: &str, page_size: u32) -> Result<Target, AppError> {
        let mut config = ClientConfig::new(&sim.base_url()).unwrap();
        config.rate_per_second = 1000;
        config.min_backoff = Duration::from_millis(5);
        config.max_backoff = Duration::from_millis(40);
        let client = Client::new(
            config,
            Credentials::InternalApp {
                app_key: dingtalk_sim::DEMO_APP_KEY.into(),
                app_secret: Secret::new(dingtalk_sim::DEMO_APP_SECRET),
            },
        )
        .unwrap();
        Ok(Target {
            client,
            room: RoomCode::parse(room).unwrap(),
            page_size,
            cache: None,
        })
    }

    fn last(seen: &Mutex<Vec<Snapshot>>) -> Snapshot {
        lock(seen).last().cloned().unwrap()
    }

    fn ids(s: &Snapshot) -> Vec<String> {
        s.rows
            .iter()
            .map(|r| r.meeting.conference_id.clone().unwrap_or_default())
            .collect()
    }

    fn stall(sim: &SimHandle, room: &str, after: u32) {
        sim.add_fault(FaultRule {
            room_code: Some(room.into()),
            fault: Fault::Latency(Duration::from_secs(60)),
            after,
            times: Some(1),
        });
    }

    /// Waits (generously: the machine is shared) until a recorded snapshot matches.
    async fn until(seen: &Mutex<Vec<Snapshot>>, what: &str, f: impl Fn(&Snapshot) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !lock(seen).iter().any(&f) {
            assert!(tokio::time::Instant::now() < deadline, "never saw {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn is(s: &Snapshot, op: Op, change: Change) -> bool {
        s.event.op == Some(op) && s.event.change == change
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn watching_sends_the_state_at_once_and_every_change_in_order() {
        let sim = sim().await;
        let (session, seen) = watched();
        assert_eq!(last(&seen).query_id, None, "the empty start");
        let out = session
            .search(target(&sim, DEMO_ROOM, 20), DEMO_ROOM)
            .await
            .unwrap();
        assert_eq!(out.change, Change::Done);
        let all = lock(&seen).clone();
        let events: Vec<_> = all.iter().map(|s| (s.event.op, s.event.change)).collect();
        assert_eq!(
            events,
            [
                (None, Change::Current),
                (Some(Op::Search), Change::Started),
                (Some(Op::Search), Change::Done)
            ]
        );
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
        let started = &all[1];
        assert_eq!(started.busy.map(|b| b.op), Some(Op::Search));
        assert!(started.rows.is_empty());
        let done = &all[2];
        assert_eq!(
            (done.rows.len(), done.has_more, done.searched),
            (20, true, true)
        );
        assert_eq!(done.busy, None);
        assert_ne!(done.rows_version, started.rows_version);
        let json = serde_json::to_value(done).unwrap();
        assert_eq!(json["queryId"], out.query_id);
        assert!(json["rows"][0]["view"]["status"].is_string());
        assert!(json["rows"][0]["conferenceId"].is_string());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_newer_search_supersedes_an_older_one_and_rooms_never_mix() {
        let sim = sim().await;
        let (session, seen) = watched();
        stall(&sim, LARGE_ROOM_5K, 0);
        let older = {
            let (s, t) = (session.clone(), target(&sim, LARGE_ROOM_5K, 20));
            tokio::spawn(async move { s.search(t, LARGE_ROOM_5K).await })
        };
        until(&seen, "the older search under way", |s| {
            is(s, Op::Search, Change::Started)
        })
        .await;
        let newer = session
            .search(target(&sim, DEMO_ROOM, 20), DEMO_ROOM)
            .await
            .unwrap();
        let err = tokio::time::timeout(Duration::from_secs(20), older)
            .await
            .expect("the older search was stopped, not left waiting 60 s")
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind, "stale");
        let shown = last(&seen);
        assert_eq!(shown.query_id, Some(newer.query_id));
        assert_eq!(shown.room_code, DEMO_ROOM);
        assert_eq!(shown.rows.len(), 20);
        // Nothing of the older room reached the window after the newer search began.
        let all = lock(&seen).clone();
        let from = all
            .iter()
            .position(|s| s.query_id == Some(newer.query_id))
            .unwrap();
        assert!(all[from..]
            .iter()
            .all(|s| s.query_id == Some(newer.query_id)));
        // An intent for the older query is refused.
        let older_id = newer.query_id - 1;
        assert_eq!(session.load_more(older_id).await.unwrap_err().kind, "stale");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_load_more_keeps_the_rows_and_retry_repeats_it() {
        let sim = sim().await;
        let (session, seen) = watched();
        let id = session
            .search(target(&sim, DEMO_ROOM, 20), DEMO_ROOM)
            .await
            .unwrap()
            .query_id;
        let first = ids(&last(&seen));
        sim.add_fault(FaultRule {
            room_code: Some(DEMO_ROOM.into()),
            fault: Fault::SystemError,
            after: 0,
            times: Some(10),
        });
        let out = session.load_more(id).await.unwrap();
        assert_eq!(out.change, Change::Failed);
        let failed = last(&seen);
        assert!(is(&failed, Op::LoadMore, Change::Failed));
        assert_eq!(ids(&failed), first, "the first page is still shown");
        let failure = failed.error.clone().unwrap();
        assert_eq!((failure.op, failure.error.kind), (Op::LoadMore, "server"));
        assert_eq!(session.retry_plan(id).unwrap(), Retry::LoadMore);

        sim.clear_faults();
        session.load_more(id).await.unwrap();
        let shown = last(&seen);
        assert_eq!(shown.rows.len(), 40);
        assert_eq!(shown.error, None);
        assert_eq!(session.retry_plan(id).unwrap(), Retry::Nothing);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_refused_search_shows_its_error_and_retry_searches_the_room_again() {
        let (session, seen) = watched();
        let out = session
            .search(Err(AppError::not_configured()), " 427233559 ")
            .await
            .unwrap();
        assert_eq!(out.change, Change::Failed);
        let shown = last(&seen);
        assert_eq!(shown.error.as_ref().map(|f| f.op), Some(Op::Search));
        assert_eq!((shown.searched, shown.has_more), (false, false));
        assert_eq!(
            session.retry_plan(out.query_id).unwrap(),
            Retry::Search("427233559".into())
        );
        // Nothing to load for it: no request, no snapshot.
        let n = lock(&seen).len();
        assert_eq!(
            session.load_more(out.query_id).await.unwrap().change,
            Change::Done
        );
        assert_eq!(lock(&seen).len(), n);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_cancelled_search_brings_back_the_query_it_replaced_even_after_two_searches() {
        let sim = sim().await;
        let (session, seen) = watched();
        let shown = session
            .search(target(&sim, DEMO_ROOM, 20), DEMO_ROOM)
            .await
            .unwrap();
        stall(&sim, LARGE_ROOM_5K, 0);
        stall(&sim, dingtalk_sim::SEED_ROOM, 0);
        let a = {
            let (s, t) = (session.clone(), target(&sim, LARGE_ROOM_5K, 20));
            tokio::spawn(async move { s.search(t, LARGE_ROOM_5K).await })
        };
        until(&seen, "the first stalled search", |s| {
            s.room_code == LARGE_ROOM_5K && s.busy.is_some()
        })
        .await;
        let b = {
            let (s, t) = (session.clone(), target(&sim, dingtalk_sim::SEED_ROOM, 20));
            tokio::spawn(async move { s.search(t, dingtalk_sim::SEED_ROOM).await })
        };
        until(&seen, "the second stalled search", |s| {
            s.room_code == dingtalk_sim::SEED_ROOM && s.busy.is_some()
        })
        .await;
        let b_id = last(&seen).query_id.unwrap();
        session.cancel(b_id);
        let out = b.await.unwrap().unwrap();
        assert_eq!(out.change, Change::Cancelled);
        assert_eq!(a.await.unwrap().unwrap_err().kind, "stale");
        let back = last(&seen);
        assert!(is(&back, Op::Search, Change::Cancelled));
        assert_eq!(back.query_id, Some(shown.query_id), "the list before both");
        assert_eq!((back.rows.len(), back.busy), (20, None));
        // And it is usable: it loads more.
        session.load_more(shown.query_id).await.unwrap();
        assert_eq!(last(&seen).rows.len(), 40);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_cancelled_first_search_goes_back_to_the_empty_start() {
        let sim = sim().await;
        let (session, seen) = watched();
        stall(&sim, DEMO_ROOM, 0);
        let pending = {
            let (s, t) = (session.clone(), target(&sim, DEMO_ROOM, 20));
            tokio::spawn(async move { s.search(t, DEMO_ROOM).await })
        };
        until(&seen, "the search", |s| s.busy.is_some()).await;
        session.cancel(last(&seen).query_id.unwrap());
        assert_eq!(pending.await.unwrap().unwrap().change, Change::Cancelled);
        let back = last(&seen);
        assert_eq!((back.query_id, back.busy, back.rows.len()), (None, None, 0));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn load_all_reports_progress_and_a_cancel_keeps_the_pages() {
        let sim = sim().await;
        let (session, seen) = watched();
        // 100 a page: no restart, each page adds to the list.
        let id = session
            .search(target(&sim, LARGE_ROOM_5K, 100), LARGE_ROOM_5K)
            .await
            .unwrap()
            .query_id;
        stall(&sim, LARGE_ROOM_5K, 2);
        let pending = {
            let s = session.clone();
            tokio::spawn(async move { s.load_all(id).await })
        };
        until(&seen, "two pages of progress", |s| {
            is(s, Op::LoadAll, Change::Progress) && s.busy.is_some_and(|b| b.loaded == 300)
        })
        .await;
        let during = last(&seen);
        assert_eq!(during.busy.unwrap().total_count, Some(5000));
        assert_eq!(during.rows.len(), 100, "the rows come with the end");
        session.cancel(id);
        let out = tokio::time::timeout(Duration::from_secs(20), pending)
            .await
            .expect("the cancel ends the stalled page at once")
            .unwrap()
            .unwrap();
        assert_eq!(out.change, Change::Cancelled);
        let kept = last(&seen);
        assert!(is(&kept, Op::LoadAll, Change::Cancelled));
        assert_eq!(kept.rows.len(), 300, "every page that arrived is kept");
        assert_eq!(
            (kept.has_more, kept.busy, kept.error.clone()),
            (true, None, None)
        );
        // Load all again: it goes on from there to the end.
        sim.clear_faults();
        session.load_all(id).await.unwrap();
        let all = last(&seen);
        assert_eq!((all.rows.len(), all.has_more), (5000, false));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn load_all_stops_at_the_cap_keeps_what_it_loaded_and_offers_no_retry() {
        let sim = sim().await;
        let over = usize::try_from(dingtalk::MAX_LOAD_ALL_MEETINGS).unwrap() + 50;
        sim.set_room("900000009", vec![serde_json::json!({}); over]);
        let (session, seen) = watched();
        let id = session
            .search(target(&sim, "900000009", 100), "900000009")
            .await
            .unwrap()
            .query_id;
        let out = session.load_all(id).await.unwrap();
        assert_eq!(out.change, Change::Failed);
        let shown = last(&seen);
        let failure = shown.error.clone().unwrap();
        assert_eq!(failure.op, Op::LoadAll);
        assert_eq!(failure.error.kind, "tooManyMeetings");
        assert!(!failure.error.retryable, "the window offers no Retry");
        assert_eq!(shown.rows.len() as u64, dingtalk::MAX_LOAD_ALL_MEETINGS);
    }

    fn by_status(status: view::ViewStatus) -> Filter {
        Filter {
            statuses: vec![status],
            ..Default::default()
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_filter_gives_the_shown_positions_and_their_summary_without_resending_rows() {
        let sim = sim().await;
        let (session, seen) = watched();
        session
            .search(target(&sim, DEMO_ROOM, 20), DEMO_ROOM)
            .await
            .unwrap();
        let all = last(&seen);
        assert_eq!((all.shown.clone(), all.shown_count), (None, 20));
        assert_eq!(all.summary.count, 20);

        let host = all
            .rows
            .iter()
            .find_map(|r| r.meeting.creator_nick.clone())
            .expect("the demo room has hosts");
        session
            .set_filter(Filter {
                text: host.to_uppercase(),
                ..Default::default()
            })
            .unwrap();
        let filtered = last(&seen);
        assert_eq!(filtered.event.change, Change::Filtered);
        let expected: Vec<u32> = (0..)
            .zip(all.rows.iter())
            .filter(|(_, r)| r.meeting.creator_nick.as_deref() == Some(host.as_str()))
            .map(|(i, _)| i)
            .collect();
        assert!(!expected.is_empty() && expected.len() < 20);
        assert_eq!(filtered.shown.as_deref(), Some(&expected));
        assert_eq!(filtered.shown_count, expected.len() as u64);
        assert_ne!(filtered.shown_version, all.shown_version);
        // The figures are those of the meetings shown, not of the room.
        let shown: Vec<&MeetingRow> = expected.iter().map(|&i| &all.rows[i as usize]).collect();
        assert_eq!(
            *filtered.summary,
            Summary::of(shown.iter().copied(), &ExportZone::Local)
        );
        // The list did not change: the window already has it, so it is not sent again.
        assert_eq!(filtered.rows_version, all.rows_version);
        let json = serde_json::to_value(&filtered).unwrap();
        assert!(json["rows"].is_null(), "rows resent for a filter change");
        assert_eq!(json["shown"].as_array().map(Vec::len), Some(expected.len()));
        assert_eq!(json["filter"]["text"], host.to_uppercase());
        assert_eq!(json["summary"]["count"], expected.len());
        // What an export writes is what is shown.
        let id = filtered.query_id.unwrap();
        let out = session.shown_rows(id).unwrap();
        assert_eq!(out.loaded(), 20);
        let titles = |rows: &[&MeetingRow]| -> Vec<Option<String>> {
            rows.iter().map(|r| r.meeting.title.clone()).collect()
        };
        assert_eq!(titles(&out.shown()), titles(&shown));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_filter_stays_for_the_next_search_and_applies_to_its_rows() {
        let sim = sim().await;
        let (session, seen) = watched();
        session
            .set_filter(by_status(view::ViewStatus::Ended))
            .unwrap();
        session
            .search(target(&sim, DEMO_ROOM, 20), DEMO_ROOM)
            .await
            .unwrap();
        let first = last(&seen);
        session
            .search(
                target(&sim, dingtalk_sim::SEED_ROOM, 20),
                dingtalk_sim::SEED_ROOM,
            )
            .await
            .unwrap();
        let second = last(&seen);
        assert_ne!(second.query_id, first.query_id);
        assert_eq!(second.filter, by_status(view::ViewStatus::Ended));
        let ended: Vec<u32> = (0..)
            .zip(second.rows.iter())
            .filter(|(_, r)| r.view.status == view::ViewStatus::Ended)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(second.shown.as_deref(), Some(&ended));
        assert_eq!(second.summary.count, ended.len() as u64);
        assert!(second.rows.is_sent(), "a new list is sent");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn rows_are_sent_once_per_version_and_again_to_a_new_watcher() {
        let sim = sim().await;
        let (session, seen) = watched();
        let id = session
            .search(target(&sim, LARGE_ROOM_5K, 100), LARGE_ROOM_5K)
            .await
            .unwrap()
            .query_id;
        assert!(last(&seen).rows.is_sent());
        session
            .set_filter(by_status(view::ViewStatus::Ended))
            .unwrap();
        assert!(!last(&seen).rows.is_sent());
        // "Load all" progress does not carry the (unchanged) rows; its end does.
        session.load_all(id).await.unwrap();
        let all = lock(&seen).clone();
        let progress: Vec<_> = all
            .iter()
            .filter(|s| is(s, Op::LoadAll, Change::Progress))
            .collect();
        assert!(!progress.is_empty());
        assert!(progress.iter().all(|s| !s.rows.is_sent()));
        let done = last(&seen);
        assert!(is(&done, Op::LoadAll, Change::Done));
        assert!(done.rows.is_sent());
        assert_eq!(done.rows.len(), 5000);
        assert!(serde_json::to_value(&done).unwrap()["rows"].is_array());
        // A reloaded page watches anew and gets the rows at once.
        let again = Arc::new(Mutex::new(Vec::new()));
        let sink = again.clone();
        session.watch(Box::new(move |s| lock(&sink).push(s)));
        let current = last(&again);
        assert!(current.rows.is_sent());
        assert_eq!(current.rows.len(), 5000);
        assert_eq!(
            current.filter,
            by_status(view::ViewStatus::Ended),
            "the filter outlives the page"
        );
    }

    // ---- the offline cache ----------------------------------------------------------------

    fn open_cache(dir: &tempfile::TempDir) -> CacheLink {
        let opened = Cache::open(
            &dir.path().join(crate::cache::CACHE_FILE_NAME),
            crate::cache::Bounds::default(),
        )
        .unwrap();
        CacheLink {
            cache: Arc::new(Mutex::new(opened.cache)),
            profile: "test-profile".into(),
        }
    }

    fn cached_target(sim: &SimHandle, room: &str, size: u32, link: &CacheLink) -> Target {
        let mut t = target(sim, room, size).unwrap();
        t.cache = Some(link.clone());
        t
    }

    fn meeting(id: &str, start: Option<i64>) -> Meeting {
        serde_json::from_value(serde_json::json!({
            "conferenceId": id, "title": format!("cached {id}"), "startTime": start,
        }))
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_search_paints_the_cached_room_first_and_the_fresh_page_replaces_it() {
        let sim = sim().await;
        let dir = tempfile::tempdir().unwrap();
        let link = open_cache(&dir);
        let (session, seen) = watched();
        // A first search fills the cache with page one.
        session
            .search(
                Ok(cached_target(&sim, LARGE_ROOM_5K, 3, &link)),
                LARGE_ROOM_5K,
            )
            .await
            .unwrap();
        let page = last(&seen);
        assert_eq!(page.cached_at, None, "a fresh page is not 'cached'");
        let fresh = ids(&page);
        assert_eq!(fresh.len(), 3);
        let starts: Vec<i64> = page
            .rows
            .iter()
            .filter_map(|r| r.meeting.start_time)
            .collect();
        let (newest, oldest) = (starts[0], starts[2]);
        assert!(newest > oldest);
        // Then the cache also holds a meeting DingTalk no longer lists (inside page one's span)
        // and one of a later page (older than page one), stored at a known time.
        let room = RoomCode::parse(LARGE_ROOM_5K).unwrap();
        let stored_at = view::now_ms() - 12 * 60_000;
        lock(&link.cache)
            .store_page(
                &link.profile,
                &room,
                &[
                    meeting("gone", Some(oldest + 1)),
                    meeting("older", Some(oldest - 10_000_000)),
                ],
                stored_at,
            )
            .unwrap();

        lock(&seen).clear();
        session
            .search(
                Ok(cached_target(&sim, LARGE_ROOM_5K, 3, &link)),
                LARGE_ROOM_5K,
            )
            .await
            .unwrap();
        let snaps = lock(&seen).clone();
        let painted = snaps
            .iter()
            .find(|s| is(s, Op::Search, Change::Cached))
            .expect("a cached paint before the fresh page");
        assert_eq!(painted.cached_at, Some(stored_at));
        assert!(painted.busy.is_some(), "still fetching page one");
        let mut cached_ids = ids(painted);
        cached_ids.sort();
        let mut want: Vec<String> = fresh
            .iter()
            .cloned()
            .chain(["gone".into(), "older".into()])
            .collect();
        want.sort();
        assert_eq!(cached_ids, want);

        let done = last(&snaps_as(&snaps));
        assert!(is(&done, Op::Search, Change::Done));
        assert_eq!(done.cached_at, None);
        // Exactly DingTalk's page one: the cache's extra meetings are not mixed in (so "Load
        // more" brings new meetings and the count says "3 of 5,000").
        assert_eq!(ids(&done), fresh);
        assert!(done.has_more);
        let in_cache = lock(&link.cache)
            .room(&link.profile, &room)
            .unwrap()
            .unwrap();
        assert_eq!(
            in_cache.meetings.len(),
            5,
            "kept in the cache for an offline paint"
        );
        // Loading the rest: each meeting once, and the cache becomes the room as DingTalk has it.
        session.load_all(done.query_id.unwrap()).await.unwrap();
        let ids_all = ids(&last(&seen));
        let unique: std::collections::HashSet<&String> = ids_all.iter().collect();
        assert_eq!(unique.len(), ids_all.len(), "no meeting twice");
        assert_eq!(ids_all.len(), 5000);
        let cached = lock(&link.cache)
            .room(&link.profile, &room)
            .unwrap()
            .unwrap();
        assert_eq!(cached.meetings.len(), 5000);
        assert!(!cached
            .meetings
            .iter()
            .any(|m| m.conference_id.as_deref() == Some("gone")));
    }

    fn snaps_as(snaps: &[Snapshot]) -> Mutex<Vec<Snapshot>> {
        Mutex::new(snaps.to_vec())
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn offline_the_cached_meetings_stay_with_the_offline_note_and_retry_searches_again() {
        let sim = sim().await;
        let dir = tempfile::tempdir().unwrap();
        let link = open_cache(&dir);
        let (session, seen) = watched();
        session
            .search(Ok(cached_target(&sim, DEMO_ROOM, 20, &link)), DEMO_ROOM)
            .await
            .unwrap();
        let online = ids(&last(&seen));
        assert!(!online.is_empty());
        let t = cached_target(&sim, DEMO_ROOM, 20, &link);
        // DingTalk gone: nothing listens on its port any more.
        sim.shutdown();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let out = session.search(Ok(t), DEMO_ROOM).await.unwrap();
        assert_eq!(out.change, Change::Failed);
        let s = last(&seen);
        assert!(is(&s, Op::Search, Change::Failed));
        assert!(
            s.offline,
            "unreachable with cached rows: offline, {:?}",
            s.error
        );
        assert!(s.cached_at.is_some());
        assert_eq!(ids(&s), online, "the cached meetings stay on screen");
        let kind = s.error.as_ref().unwrap().error.kind;
        assert!(kind == "network" || kind == "timeout", "{kind}");
        assert_eq!(
            session.retry_plan(s.query_id.unwrap()).unwrap(),
            Retry::Search(DEMO_ROOM.into())
        );
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["offline"], true);
        assert!(v["cachedAt"].is_i64());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_refusal_is_not_offline_and_a_room_never_cached_is_not_painted() {
        let sim = sim().await;
        let dir = tempfile::tempdir().unwrap();
        let link = open_cache(&dir);
        let (session, seen) = watched();
        session
            .search(Ok(cached_target(&sim, DEMO_ROOM, 20, &link)), DEMO_ROOM)
            .await
            .unwrap();
        sim.add_fault(FaultRule {
            room_code: Some(DEMO_ROOM.into()),
            fault: Fault::PermissionDenied,
            after: 0,
            times: None,
        });
        session
            .search(Ok(cached_target(&sim, DEMO_ROOM, 20, &link)), DEMO_ROOM)
            .await
            .unwrap();
        let s = last(&seen);
        assert!(is(&s, Op::Search, Change::Failed));
        assert!(
            !s.offline,
            "DingTalk answered: the error is what the user must see"
        );
        // Another room, never fetched: no cached paint.
        lock(&seen).clear();
        session
            .search(
                Ok(cached_target(&sim, LARGE_ROOM_5K, 20, &link)),
                LARGE_ROOM_5K,
            )
            .await
            .unwrap();
        assert!(!lock(&seen).iter().any(|s| s.event.change == Change::Cached));
    }

    #[test]
    fn a_bad_filter_is_refused_with_its_field_and_the_one_before_stays() {
        let (session, seen) = watched();
        session
            .set_filter(by_status(view::ViewStatus::Live))
            .unwrap();
        let n = lock(&seen).len();
        let e = session
            .set_filter(Filter {
                types: vec!["webinar".into()],
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.kind, "invalidFilter");
        assert_eq!(e.field.as_deref(), Some("types"));
        assert!(!e.retryable);
        assert_eq!(lock(&seen).len(), n, "no snapshot for a refused filter");
        assert_eq!(session.filter(), by_status(view::ViewStatus::Live));
    }

    #[test]
    fn a_meeting_a_later_page_repeats_is_shown_once_with_its_newer_copy() {
        let m = |id: Option<&str>, title: &str| Meeting {
            conference_id: id.map(str::to_string),
            title: Some(title.into()),
            ..Default::default()
        };
        let mut data = QueryData {
            cursor: None,
            meetings: Vec::new(),
            index: HashMap::new(),
            total_count: None,
            generation: 0,
            from_cache: false,
        };
        data.add([m(Some("a"), "old"), m(Some("b"), "b"), m(None, "x")]);
        data.add([m(Some("a"), "new"), m(None, "x"), m(Some(""), "e")]);
        let titles: Vec<_> = data
            .meetings
            .iter()
            .map(|m| m.title.clone().unwrap())
            .collect();
        assert_eq!(titles, ["new", "b", "x", "x", "e"]);
    }
}
