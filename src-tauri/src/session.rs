//! The query the window is showing: its room, its cursor, the meetings loaded so far, and an id
//! so an answer to an older query is refused as stale instead of being mixed into a newer one.
//!
//! Plain Rust over the `dingtalk` client; the Tauri commands are thin wrappers around it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

#[derive(Default)]
pub struct Session {
    next_id: AtomicU64,
    current: Mutex<Option<Arc<Query>>>,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> Option<Arc<Query>> {
        self.current.lock().unwrap().clone()
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

    /// Starts a new query and fetches its first page. Any older query is cancelled and its
    /// later answers become `stale`.
    pub async fn query_room(
        &self,
        client: Client,
        room: RoomCode,
        page_size: u32,
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
        if let Some(old) = self.current.lock().unwrap().replace(query.clone()) {
            old.cancel.lock().unwrap().cancel();
        }
        let view = self.fetch_next(&query).await?;
        Ok(view)
    }

    /// The next page of query `id`.
    pub async fn next_page(&self, id: u64) -> Result<PageView, AppError> {
        let query = self.query(id)?;
        self.fetch_next(&query).await
    }

    async fn fetch_next(&self, query: &Query) -> Result<PageView, AppError> {
        let mut state = query.state.lock().await;
        let page = state.cursor.next_page(&query.client).await?;
        self.still_current(query.id)?;
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

    /// Follows query `id` to its last page, reporting progress. On cancel or failure everything
    /// loaded so far is kept (ask `loaded` for it); the error says what stopped it.
    ///
    /// Calls cost money (about 5,000 a month for a standard organisation). When only the first
    /// small page has been fetched, starting over at 100 a page is far cheaper than continuing
    /// (5,000 meetings at 20 a page: 249 more calls, against 50), so we do that and replace the
    /// list; a cursor already several pages in keeps its page size, as `nextToken` is opaque.
    pub async fn load_all(
        &self,
        id: u64,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<PageView, AppError> {
        let query = self.query(id)?;
        let cancel = {
            let mut slot = query.cancel.lock().unwrap();
            *slot = CancellationToken::new();
            slot.clone()
        };
        let mut state = query.state.lock().await;
        if state.cursor.is_done() {
            return Ok(view(&query, &state, state.meetings.clone(), true));
        }

        if restart_is_cheaper(&state) {
            let mut fresh_cursor = Cursor::for_load_all(query.room.clone());
            let mut fresh: Vec<Meeting> = Vec::new();
            let mut total = state.total_count;
            let result =
                dingtalk::load_all(&query.client, &mut fresh_cursor, &cancel, |page, p| {
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
            let result = dingtalk::load_all(&query.client, cursor, &cancel, |page, p| {
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
            q.cancel.lock().unwrap().cancel();
        }
    }

    /// Everything query `id` has loaded so far, as one list.
    pub async fn loaded(&self, id: u64) -> Result<PageView, AppError> {
        let query = self.query(id)?;
        let state = query.state.lock().await;
        Ok(view(&query, &state, state.meetings.clone(), true))
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
