//! The query the window is showing: its room, its cursor, the meetings loaded so far, and an id
//! so an answer to an older query is refused as stale instead of being mixed into a newer one.
//!
//! Plain Rust over the `dingtalk` client; the Tauri commands are thin wrappers around it.
//!
//! # Cancel
//! Every request the window can start (search, load more, load all, export, test connection)
//! carries a request id the window chose; [`Session::begin`] gives the command a [`Request`]
//! holding a cancel token for it, and [`Session::cancel_request`] cancels that token. The work
//! runs under `tokio::select!` against the token, so Cancel drops the future and with it the
//! HTTP request in flight: nothing keeps waiting for a stalled server after the user gave up.
//! What the query had loaded stays; a cancelled search leaves the previous query current (a new
//! query becomes current only once its first page arrived), so the window can show it again.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use dingtalk::{Client, Cursor, Meeting, Progress, RoomCode, LOAD_ALL_PAGE_SIZE};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::error::AppError;
use crate::view::{self, MeetingRow};

/// What a command returns to the window after a page (or several) arrived.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    pub query_id: u64,
    pub room_code: String,
    /// The new meetings, or all of them when `replace` is true: DingTalk's fields as sent, plus
    /// `view` (status, start, end, duration, caveat, joinable) computed by [`crate::view`], so
    /// the window shows what the CLI and the CSV show and derives none of it itself.
    pub meetings: Vec<MeetingRow>,
    /// True when `meetings` is the whole list and replaces what the window shows.
    pub replace: bool,
    pub has_more: bool,
    pub total_count: Option<u64>,
    pub loaded: usize,
}

struct QueryState {
    cursor: Cursor,
    meetings: Vec<Meeting>,
    total_count: Option<u64>,
}

pub struct Query {
    id: u64,
    room: RoomCode,
    client: Client,
    state: tokio::sync::Mutex<QueryState>,
    /// Replaced by a fresh token at the start of each "load all", cancelled by Cancel or by a
    /// newer query.
    cancel: Mutex<CancellationToken>,
}

/// How many cancels of not-yet-registered requests are remembered (see [`Requests::early`]).
const EARLY_CANCELS_KEPT: usize = 32;

#[derive(Default)]
struct Requests {
    running: HashMap<u64, CancellationToken>,
    /// Ids cancelled before their command registered them. Commands run concurrently, so a
    /// Cancel sent right after the request (Escape just after Enter) can overtake it. Bounded:
    /// a cancel for a request that already ended lands here too and must not pile up.
    early: VecDeque<u64>,
}

/// One running request of the window: its cancel token, unregistered when dropped.
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
pub struct Session {
    next_id: AtomicU64,
    current: Mutex<Option<Arc<Query>>>,
    requests: Mutex<Requests>,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> Option<Arc<Query>> {
        lock(&self.current).clone()
    }

    fn requests(&self) -> MutexGuard<'_, Requests> {
        lock(&self.requests)
    }

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

    /// Cancels the window's request `id`, whichever command runs it.
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

    fn query(&self, id: u64) -> Result<Arc<Query>, AppError> {
        match self.current() {
            Some(q) if q.id == id => Ok(q),
            _ => Err(AppError::stale()),
        }
    }

    fn still_current(&self, id: u64) -> Result<(), AppError> {
        self.query(id).map(|_| ())
    }

    /// Starts a new query and fetches its first page; it becomes the current query when that page
    /// arrives, and older queries' later answers become `stale`. An older query's "load all" is
    /// stopped at once (its calls would be wasted). Cancelled or failed, the query never becomes
    /// current, so the one shown before stays usable.
    pub async fn query_room(
        &self,
        client: Client,
        room: RoomCode,
        page_size: u32,
        cancel: &CancellationToken,
    ) -> Result<PageView, AppError> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let query = Arc::new(Query {
            id,
            room: room.clone(),
            client,
            state: tokio::sync::Mutex::new(QueryState {
                cursor: Cursor::new(room, page_size),
                meetings: Vec::new(),
                total_count: None,
            }),
            cancel: Mutex::new(CancellationToken::new()),
        });
        if let Some(old) = self.current() {
            lock(&old.cancel).cancel();
        }
        let view = until_cancelled(cancel, fetch_next(&query)).await?;
        let mut current = lock(&self.current);
        // Only the newest search may become current: one started after this one has the floor.
        if self.next_id.load(Ordering::SeqCst) != id {
            return Err(AppError::stale());
        }
        *current = Some(query);
        Ok(view)
    }

    /// The next page of query `id`; cancelled, the pages loaded so far stay as they were.
    pub async fn next_page(
        &self,
        id: u64,
        cancel: &CancellationToken,
    ) -> Result<PageView, AppError> {
        let query = self.query(id)?;
        let view = until_cancelled(cancel, fetch_next(&query)).await?;
        self.still_current(id)?;
        Ok(view)
    }

    /// Follows query `id` to its last page, reporting progress. On cancel or failure everything
    /// loaded so far is kept (ask `loaded` for it); the error says what stopped it.
    ///
    /// Calls cost money (about 5,000 a month for a standard organisation). When only the first
    /// small page has been fetched, starting over at 100 a page is far cheaper than continuing
    /// (5,000 meetings at 20 a page: 249 more calls, against 50), so we do that and replace the
    /// list; a cursor already several pages in keeps its page size, as `nextToken` is opaque.
    ///
    /// `cancel` stops it: the request's token, also reachable through [`Session::cancel`] and
    /// cancelled by a newer search. The restart is under the same token.
    pub async fn load_all(
        &self,
        id: u64,
        cancel: &CancellationToken,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<PageView, AppError> {
        let query = self.query(id)?;
        *lock(&query.cancel) = cancel.clone();
        // A "load more" of this query may hold the state (on a stalled server): wait cancellably.
        let mut state = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(cancelled()),
            s = query.state.lock() => s,
        };
        if state.cursor.is_done() {
            return Ok(view(&query, &state, state.meetings.clone(), true));
        }

        if restart_is_cheaper(&state) {
            let mut fresh_cursor = Cursor::for_load_all(query.room.clone());
            let mut fresh: Vec<Meeting> = Vec::new();
            let mut total = state.total_count;
            let result = dingtalk::load_all(&query.client, &mut fresh_cursor, cancel, |page, p| {
                fresh.extend(page.items.iter().cloned());
                if page.total_count.is_some() {
                    total = page.total_count;
                }
                progress(p);
            })
            .await;
            // Keep whichever list is longer: the fresh one once it overtook the first page.
            if fresh.len() >= state.meetings.len() {
                state.meetings = fresh;
                state.cursor = fresh_cursor;
                state.total_count = total;
            }
            result?;
        } else {
            let mut added: Vec<Meeting> = Vec::new();
            let mut total = state.total_count;
            let QueryState { cursor, .. } = &mut *state;
            let result = dingtalk::load_all(&query.client, cursor, cancel, |page, p| {
                added.extend(page.items.iter().cloned());
                if page.total_count.is_some() {
                    total = page.total_count;
                }
                progress(p);
            })
            .await;
            state.meetings.extend(added);
            state.total_count = total;
            result?;
        }
        self.still_current(id)?;
        Ok(view(&query, &state, state.meetings.clone(), true))
    }

    /// Stops a running "load all" (or export) of query `id`; what was loaded stays.
    pub fn cancel(&self, id: u64) {
        if let Some(q) = self.current().filter(|q| q.id == id) {
            lock(&q.cancel).cancel();
        }
    }

    /// Everything query `id` has loaded so far, as one list.
    pub async fn loaded(&self, id: u64) -> Result<PageView, AppError> {
        let query = self.query(id)?;
        let state = query.state.lock().await;
        Ok(view(&query, &state, state.meetings.clone(), true))
    }

    /// How many meetings query `id` has loaded, and DingTalk's total if it said (no copy of the list).
    pub async fn counts(&self, id: u64) -> Result<(usize, Option<u64>), AppError> {
        let query = self.query(id)?;
        let state = query.state.lock().await;
        Ok((state.meetings.len(), state.total_count))
    }

    /// The meetings of query `id`, for export.
    pub async fn meetings(&self, id: u64) -> Result<(RoomCode, Vec<Meeting>), AppError> {
        let query = self.query(id)?;
        let state = query.state.lock().await;
        Ok((query.room.clone(), state.meetings.clone()))
    }

    /// The join link the API gave for a meeting of query `id`: the window names a meeting by its
    /// id and never hands us a URL to open.
    pub async fn join_link(&self, id: u64, conference_id: &str) -> Result<String, AppError> {
        let query = self.query(id)?;
        let state = query.state.lock().await;
        state
            .meetings
            .iter()
            .find(|m| m.conference_id.as_deref() == Some(conference_id))
            .ok_or_else(|| {
                AppError::new(
                    "notFound",
                    "This meeting is no longer in the list; search again.",
                )
            })?
            .external_link_url
            .clone()
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| {
                AppError::new("unsafeLink", "DingTalk gave no join link for this meeting.")
            })
    }
}

/// Fetches the next page of `query` into it. The page is kept even when a newer query took
/// over meanwhile: the cursor has moved past it, so dropping it would lose those meetings if
/// this query is shown again (after the newer search was cancelled).
async fn fetch_next(query: &Query) -> Result<PageView, AppError> {
    let mut state = query.state.lock().await;
    let page = state.cursor.next_page(&query.client).await?;
    let new = match page {
        Some(page) => {
            if page.total_count.is_some() {
                state.total_count = page.total_count;
            }
            state.meetings.extend(page.items.iter().cloned());
            page.items
        }
        None => Vec::new(),
    };
    Ok(view(query, &state, new, false))
}

/// A poisoned lock only means another command panicked mid-way; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn restart_is_cheaper(state: &QueryState) -> bool {
    let size = state.cursor.page_size();
    if state.cursor.pages_fetched() != 1 || size >= LOAD_ALL_PAGE_SIZE {
        return false;
    }
    let loaded = state.meetings.len() as u64;
    match state.total_count {
        Some(total) if total > loaded => {
            let continuing = (total - loaded).div_ceil(size as u64);
            let restarting = total.div_ceil(LOAD_ALL_PAGE_SIZE as u64);
            restarting < continuing
        }
        Some(_) => false,
        // Without a total, a full first page is a hint of more: the bigger pages are the bet.
        None => true,
    }
}

fn view(query: &Query, state: &QueryState, meetings: Vec<Meeting>, replace: bool) -> PageView {
    let now = view::now_ms();
    PageView {
        query_id: query.id,
        room_code: query.room.to_string(),
        meetings: meetings
            .into_iter()
            .map(|m| MeetingRow::new(m, now))
            .collect(),
        replace,
        has_more: !state.cursor.is_done(),
        total_count: state.total_count,
        loaded: state.meetings.len(),
    }
}
