//! Walking a room's pages without juggling tokens (octocrab's `Page<T>` is the model).
//!
//! A [`Cursor`] remembers where it is. It stops when DingTalk says `hasMore: false` or sends no
//! (or an empty) `nextToken`. A token already seen, or an empty page that claims more, ends it
//! with [`ErrorKind::PagingLoop`] instead of looping and spending the monthly call quota. A
//! failed page leaves the cursor where it was, so the same page can be retried; no page is ever
//! fetched twice successfully.
//!
//! The page size is fixed for a cursor's life: `nextToken` is opaque (observed values look like
//! offsets, but nothing says so), so changing the size mid-way could skip or repeat meetings.

use std::collections::HashSet;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::model::{Meeting, RoomCode};

/// Page size used by "load all": few calls (each is billed against ~5,000 a month), pages small
/// enough to show progress.
pub const LOAD_ALL_PAGE_SIZE: u32 = 100;
/// The largest page size a cursor asks for (the platform guide's maximum).
pub const MAX_PAGE_SIZE: u32 = 500;
/// A cursor gives up after this many pages (a server handing out fresh tokens forever).
pub const MAX_PAGES: u32 = 10_000;
/// [`load_all`] stops before loading more than this many meetings ([`ErrorKind::TooManyMeetings`],
/// what was loaded is kept): the window, the CSV export and their benchmarks are sized for it, and
/// a server with no end to its list must not fill the memory.
pub const MAX_LOAD_ALL_MEETINGS: u64 = 100_000;

/// One page of results as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Whether calling [`Cursor::next_page`] again may give more.
    pub has_more: bool,
    /// DingTalk's total for the room, if it said.
    pub total_count: Option<u64>,
    /// The token the server gave for the next page (informational; the cursor keeps it).
    pub next_token: Option<String>,
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Where a load-all stands, handed to the callback with every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Meetings received so far (all pages of this cursor).
    pub loaded: u64,
    /// DingTalk's total, if it said.
    pub total: Option<u64>,
    /// Pages received so far.
    pub pages: u32,
}

/// A position in one room's list of meetings.
#[derive(Debug, Clone)]
pub struct Cursor {
    room: RoomCode,
    page_size: u32,
    next_token: Option<String>,
    seen_tokens: HashSet<String>,
    pages: u32,
    loaded: u64,
    total: Option<u64>,
    done: bool,
    /// A loop detected on a page that still carried meetings: the page was handed out, the
    /// error comes with the next call.
    pending_error: Option<Error>,
}

impl Cursor {
    /// A cursor at the first page. `page_size` is kept in 1..=[`MAX_PAGE_SIZE`].
    pub fn new(room: RoomCode, page_size: u32) -> Cursor {
        Cursor {
            room,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            next_token: None,
            seen_tokens: HashSet::new(),
            pages: 0,
            loaded: 0,
            total: None,
            done: false,
            pending_error: None,
        }
    }

    /// A cursor for "load all", at [`LOAD_ALL_PAGE_SIZE`]. Use it when load-all starts before any
    /// page was fetched; otherwise keep the existing cursor (its page size cannot change).
    pub fn for_load_all(room: RoomCode) -> Cursor {
        Cursor::new(room, LOAD_ALL_PAGE_SIZE)
    }

    /// The room.
    pub fn room(&self) -> &RoomCode {
        &self.room
    }

    /// The page size, fixed for the cursor's life.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Pages fetched successfully so far.
    pub fn pages_fetched(&self) -> u32 {
        self.pages
    }

    /// Meetings received so far.
    pub fn loaded(&self) -> u64 {
        self.loaded
    }

    /// DingTalk's total for the room, from the latest page that said.
    pub fn total_count(&self) -> Option<u64> {
        self.total
    }

    /// The counters as a [`Progress`].
    pub fn progress(&self) -> Progress {
        Progress {
            loaded: self.loaded,
            total: self.total,
            pages: self.pages,
        }
    }

    /// True when there is nothing more to fetch (the end was reached or a loop stopped it).
    pub fn is_done(&self) -> bool {
        self.done && self.pending_error.is_none()
    }

    /// Fetch the next page; `Ok(None)` when done. On error the cursor does not move.
    pub async fn next_page(&mut self, client: &Client) -> Result<Option<Page<Meeting>>, Error> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        let wire = client
            .room_page(&self.room, self.page_size, self.next_token.as_deref())
            .await?;
        self.accept(
            wire.conference_list,
            wire.has_more,
            wire.total_count,
            wire.next_token,
        )
        .map(Some)
    }

    /// Move past a page that arrived. Split out of `next_page` so the end conditions are unit-tested.
    fn accept(
        &mut self,
        items: Vec<Meeting>,
        has_more: Option<bool>,
        total_count: Option<u64>,
        next_token: Option<String>,
    ) -> Result<Page<Meeting>, Error> {
        self.pages = self.pages.saturating_add(1);
        self.loaded = self
            .loaded
            .saturating_add(u64::try_from(items.len()).unwrap_or(u64::MAX));
        if total_count.is_some() {
            self.total = total_count;
        }
        let token = next_token.filter(|t| !t.trim().is_empty());
        let more = has_more != Some(false) && token.is_some();
        if !more {
            self.done = true;
            self.next_token = None;
            return Ok(Page {
                items,
                has_more: false,
                total_count,
                next_token: token,
            });
        }
        let token = token.expect("more implies a token");
        let loop_error = if items.is_empty() {
            // Facts only: the kind's own words say what it means and what to do.
            Some(format!(
                "empty page with hasMore after {} pages ({} meetings)",
                self.pages, self.loaded
            ))
        } else if self.seen_tokens.contains(&token)
            || self.next_token.as_deref() == Some(token.as_str())
        {
            Some(format!(
                "page token {:?} repeated after {} pages ({} meetings)",
                crate::error::log_safe(&token),
                self.pages,
                self.loaded
            ))
        } else if self.pages >= MAX_PAGES {
            Some(format!("{MAX_PAGES} pages without an end"))
        } else {
            None
        };
        if let Some(message) = loop_error {
            self.done = true;
            self.next_token = None;
            let err = Error::local(ErrorKind::PagingLoop, message);
            if items.is_empty() {
                return Err(err);
            }
            // The meetings on this page are new: hand them out, report the loop next time.
            self.pending_error = Some(err);
            return Ok(Page {
                items,
                has_more: true,
                total_count,
                next_token: Some(token),
            });
        }
        if let Some(prev) = self.next_token.replace(token.clone()) {
            self.seen_tokens.insert(prev);
        }
        Ok(Page {
            items,
            has_more: true,
            total_count,
            next_token: Some(token),
        })
    }
}

/// Follow `cursor` to the end, handing each page to `on_page` as it arrives, so the caller keeps
/// everything loaded so far if a page fails or the user cancels. Returns
/// [`ErrorKind::Cancelled`] promptly when `cancel` fires, also in the middle of a request (the
/// cursor stays at the page that was being fetched, so the load can resume). Stops with
/// [`ErrorKind::TooManyMeetings`] rather than go past [`MAX_LOAD_ALL_MEETINGS`].
pub async fn load_all(
    client: &Client,
    cursor: &mut Cursor,
    cancel: &CancellationToken,
    mut on_page: impl FnMut(&Page<Meeting>, Progress),
) -> Result<(), Error> {
    loop {
        if cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        let room_for_more = MAX_LOAD_ALL_MEETINGS.saturating_sub(cursor.loaded());
        if !cursor.done && room_for_more < u64::from(cursor.page_size) {
            cursor.done = true;
            return Err(Error::local(
                ErrorKind::TooManyMeetings,
                format!(
                    "stopped after {} meetings: MeetDesk loads at most {MAX_LOAD_ALL_MEETINGS} at once; the meetings loaded so far are kept",
                    cursor.loaded()
                ),
            ));
        }
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::cancelled()),
            r = cursor.next_page(client) => r?,
        };
        match next {
            Some(page) => on_page(&page, cursor.progress()),
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meetings(n: usize) -> Vec<Meeting> {
        (0..n)
            .map(|i| Meeting {
                conference_id: Some(i.to_string()),
                ..Default::default()
            })
            .collect()
    }

    fn cursor() -> Cursor {
        Cursor::new(RoomCode::parse("427233559").unwrap(), 10)
    }

    #[test]
    fn page_size_is_clamped_and_fixed() {
        let rc = RoomCode::parse("427233559").unwrap();
        assert_eq!(Cursor::new(rc.clone(), 0).page_size(), 1);
        assert_eq!(Cursor::new(rc.clone(), 10_000).page_size(), MAX_PAGE_SIZE);
        assert_eq!(Cursor::for_load_all(rc).page_size(), LOAD_ALL_PAGE_SIZE);
    }

    #[test]
    fn ends_on_has_more_false_even_with_a_token() {
        let mut c = cursor();
        let p = c
            .accept(meetings(10), Some(true), Some(15), Some("10".into()))
            .unwrap();
        assert!(p.has_more && !c.is_done());
        let p = c
            .accept(meetings(5), Some(false), Some(15), Some("15".into()))
            .unwrap();
        assert!(!p.has_more && c.is_done());
        assert_eq!(
            c.progress(),
            Progress {
                loaded: 15,
                total: Some(15),
                pages: 2
            }
        );
    }

    #[test]
    fn ends_on_missing_or_empty_token() {
        for token in [None, Some(String::new()), Some("  ".to_owned())] {
            let mut c = cursor();
            let p = c.accept(meetings(3), Some(true), None, token).unwrap();
            assert!(!p.has_more);
            assert!(c.is_done());
        }
        // hasMore missing but a token given: follow the token.
        let mut c = cursor();
        assert!(
            c.accept(meetings(3), None, None, Some("3".into()))
                .unwrap()
                .has_more
        );
    }

    #[test]
    fn repeated_token_is_a_loop_but_keeps_the_page() {
        let mut c = cursor();
        c.accept(meetings(10), Some(true), None, Some("10".into()))
            .unwrap();
        c.accept(meetings(10), Some(true), None, Some("20".into()))
            .unwrap();
        // The server hands back an older token.
        let p = c
            .accept(meetings(10), Some(true), None, Some("10".into()))
            .unwrap();
        assert_eq!(p.items.len(), 10, "the page's meetings are delivered");
        assert!(!c.is_done(), "the error is still to be reported");
        assert_eq!(
            c.pending_error.as_ref().unwrap().kind(),
            ErrorKind::PagingLoop
        );
        // Same token as the one just sent.
        let mut c = cursor();
        c.accept(meetings(10), Some(true), None, Some("10".into()))
            .unwrap();
        c.accept(meetings(10), Some(true), None, Some("10".into()))
            .unwrap();
        assert!(c.pending_error.is_some());
    }

    #[test]
    fn empty_page_claiming_more_is_a_loop() {
        let mut c = cursor();
        let e = c
            .accept(vec![], Some(true), Some(50), Some("10".into()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PagingLoop);
        assert!(c.is_done());
        // An empty last page is fine.
        let mut c = cursor();
        let p = c.accept(vec![], Some(false), Some(0), None).unwrap();
        assert!(p.items.is_empty() && c.is_done());
    }

    #[tokio::test]
    async fn pending_error_then_none() {
        let mut c = cursor();
        c.accept(meetings(1), Some(true), None, Some("1".into()))
            .unwrap();
        c.accept(meetings(1), Some(true), None, Some("1".into()))
            .unwrap();
        // next_page reports the pending error without any request (the client is never used).
        let client = Client::new(
            crate::client::ClientConfig::new("http://127.0.0.1:9").unwrap(),
            crate::token::Credentials::AccessToken("t".into()),
        )
        .unwrap();
        let e = c.next_page(&client).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PagingLoop);
        assert!(c.is_done());
        assert!(c.next_page(&client).await.unwrap().is_none());
        assert_eq!(client.stats().room_calls, 0);
    }
}
