//! The background watcher's logic: one [`Watcher::tick`] per look at the wall clock, driven by
//! an explicit `now`, so the whole loop (rounds, budget, reminders, tray) is tested against the
//! simulator and its clock without timers or a window.
//!
//! What one tick does, in order:
//! 1. takes the watched rooms and the settings it depends on ([`Inputs`], read again by the app
//!    on every tick, so a room watched or a setting saved applies at the next look);
//! 2. fills rooms it has not read yet from the offline cache, so a restart shows (and reminds
//!    from) what was known before the first call;
//! 3. plans with [`refresh::next_refresh`] and, when the plan is due, runs a round: the first
//!    page of each room, at most [`Plan::calls`] calls (one room, rotating, for an offline
//!    probe), through the shared [`Client`] and so its rate limiter; every page goes to the
//!    cache and every call to the month's counter;
//!    A room watched since the last round (never read, not cached) is read on the next tick
//!    alone, so it shows at once; the round's schedule stays as planned.
//! 4. computes each room's headline ([`watch::headline`]), the reminders due
//!    ([`reminder::take_due`]) and the tray menu ([`tray::tray_menu`]), and plans again.
//!
//! The reminder ledger is the cache's `fired` table **and** a [`MemoryLedger`]: the cache makes
//! a reminder fire once across restarts, the memory makes it fire once in this run even when
//! the cache is missing or its disk fails (cache.rs's rule: a failing disk neither repeats a
//! notification every tick nor silences them).
//!
//! Network errors and timeouts mean offline: the round stops there (the other rooms would only
//! wait for the same timeout), and the schedule turns to refresh.rs's single probe. Any other
//! error (a refused room code, a permission) is that room's alone; the round goes on.
//!
//! A call is counted as one per page asked for, the unit the plan and the budget are in; the
//! client's own retries of a transient failure are not counted apart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, TimeZone};
use dingtalk::{Client, ErrorKind, Meeting, RoomCode};
use serde::Serialize;

use crate::cache::{Cache, Month};
use crate::catalog::Lang;
use crate::error::AppError;
use crate::refresh::{self, Plan, Reason, RefreshInputs};
use crate::reminder::{self, Due, Fired, MemoryLedger, ReminderKey, ReminderPrefs, RoomMeetings};
use crate::settings::Settings;
use crate::tray::{self, TrayItem};
use crate::watch::{self, Headline, WatchedRoom};

/// The cache as the app shares it between the watcher and the window's queries.
pub type SharedCache = Arc<Mutex<Cache>>;

fn lock(cache: &SharedCache) -> MutexGuard<'_, Cache> {
    // A poisoned lock still holds a usable connection: SQLite's transactions keep the file whole.
    cache.lock().unwrap_or_else(|p| p.into_inner())
}

/// The rooms a tick watches: the user's list, or in demo mode with nothing watched yet, the
/// simulator's demo rooms (a new user sees what to try without reading the README).
pub fn watched_rooms(settings: &Settings, demo: bool, lang: Lang) -> Vec<WatchedRoom> {
    if demo && settings.watched.is_empty() {
        watch::demo_watched_rooms(lang)
    } else {
        settings.watched.clone()
    }
}

/// What a tick depends on, read by the app before each one.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub rooms: Vec<WatchedRoom>,
    /// `None` while MeetDesk is not set up: nothing is read, cached meetings still show.
    pub client: Option<Client>,
    /// [`crate::cache::profile_key`] of the connection in use.
    pub profile: String,
    pub reminders: ReminderPrefs,
    pub monthly_budget: u64,
    /// The first page's size (`Settings::page_size`): what a search shows first.
    pub page_size: u32,
    pub lang: Lang,
}

impl Inputs {
    pub fn new(
        settings: &Settings,
        demo: bool,
        lang: Lang,
        client: Option<Client>,
        profile: String,
    ) -> Inputs {
        Inputs {
            rooms: watched_rooms(settings, demo, lang),
            client,
            profile,
            reminders: ReminderPrefs::from(settings),
            monthly_budget: u64::from(settings.monthly_call_budget),
            page_size: settings.page_size,
            lang,
        }
    }
}

/// One watched room as the window's side list shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchedState {
    #[serde(flatten)]
    pub room: WatchedRoom,
    /// Its live or next meeting; `None` when it has neither (or was never read).
    pub headline: Option<Headline>,
    /// When its meetings were fetched (ms since the epoch); `None` when never.
    pub fetched_at: Option<i64>,
    /// Why the last read failed, while it stays failed.
    pub error: Option<AppError>,
}

/// What a tick hands to the app.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tick {
    /// Reminders to show now, each already marked fired.
    #[serde(skip)]
    pub notifications: Vec<Due>,
    /// The tray menu (rebuild it when it differs from the last one).
    #[serde(skip)]
    pub tray: Vec<TrayItem>,
    pub rooms: Vec<WatchedState>,
    /// The next round and why; the reason's words are `refresh.<kind>`.
    pub plan: Plan,
    /// This month's calls (the budget's counter).
    pub calls_this_month: u64,
    pub monthly_budget: u64,
    /// Whether the last call reached DingTalk.
    pub online: bool,
    /// The cache's last failure, if its disk fails (the watcher carries on without it).
    pub cache_problem: Option<String>,
}

impl Tick {
    /// The room's current headline (for the tray's Join: looked up when chosen, never kept in
    /// the menu line).
    pub fn headline_of(&self, code: &RoomCode) -> Option<&Headline> {
        self.rooms
            .iter()
            .find(|r| &r.room.room_code == code)
            .and_then(|r| r.headline.as_ref())
    }
}

/// What the watcher knows of one room.
#[derive(Debug, Clone, Default)]
struct Known {
    meetings: Vec<Meeting>,
    fetched_at: Option<i64>,
    error: Option<AppError>,
    /// The cache was asked already (so it is asked once per room, not every tick).
    from_cache_tried: bool,
}

/// The watcher. See the module docs.
#[derive(Debug, Default)]
pub struct Watcher {
    cache: Option<SharedCache>,
    memory: MemoryLedger,
    /// The month's calls when there is no cache to count them (this run only).
    calls_memory: HashMap<(String, Month), u64>,
    /// The profile `known` belongs to: another one starts afresh.
    profile: Option<String>,
    known: HashMap<RoomCode, Known>,
    online: bool,
    last_round: Option<i64>,
    /// Which room the next offline probe reads (rotating, so one broken room does not keep the
    /// rest from being tried).
    probe: usize,
    cache_problem: Option<String>,
}

/// The ledger of a tick: the cache's table and this run's memory, see the module docs.
struct Ledger<'a> {
    cache: Option<&'a SharedCache>,
    memory: &'a mut MemoryLedger,
    problem: &'a mut Option<String>,
}

impl Fired for Ledger<'_> {
    fn was_fired(&self, key: &ReminderKey) -> bool {
        self.memory.was_fired(key)
            || self
                .cache
                .is_some_and(|c| lock(c).was_fired(key.as_str()).unwrap_or(false))
    }

    fn mark_fired(&mut self, key: &ReminderKey, at_ms: i64) {
        self.memory.mark_fired(key, at_ms);
        if let Some(c) = self.cache {
            if let Err(e) = lock(c).mark_fired(key.as_str(), at_ms) {
                *self.problem = Some(e.to_string());
            }
        }
    }
}

impl Watcher {
    /// A watcher without a cache yet (the app opens it on a background task: [`Self::set_cache`]).
    pub fn new() -> Watcher {
        Watcher {
            online: true,
            ..Watcher::default()
        }
    }

    /// A watcher on `cache`.
    pub fn with_cache(cache: SharedCache) -> Watcher {
        let mut w = Watcher::new();
        w.set_cache(cache);
        w
    }

    /// Use `cache` from now on; rooms not read yet are filled from it on the next tick.
    pub fn set_cache(&mut self, cache: SharedCache) {
        self.cache = Some(cache);
        for k in self.known.values_mut() {
            k.from_cache_tried = false;
        }
    }

    fn calls_this_month(&mut self, profile: &str, month: Month) -> u64 {
        if let Some(c) = &self.cache {
            match lock(c).calls_this_month(profile, month) {
                Ok(n) => return n,
                Err(e) => self.cache_problem = Some(e.to_string()),
            }
        }
        self.calls_memory
            .get(&(profile.to_owned(), month))
            .copied()
            .unwrap_or(0)
    }

    fn add_calls(&mut self, profile: &str, month: Month, n: u64) {
        if n == 0 {
            return;
        }
        let mem = self
            .calls_memory
            .entry((profile.to_owned(), month))
            .or_insert(0);
        *mem = mem.saturating_add(n);
        if let Some(c) = &self.cache {
            if let Err(e) = lock(c).add_calls(profile, month, n) {
                self.cache_problem = Some(e.to_string());
            }
        }
    }

    /// Forget rooms no longer watched, start afresh for another profile, fill new rooms from the
    /// cache.
    fn sync(&mut self, inputs: &Inputs) {
        if self.profile.as_deref() != Some(inputs.profile.as_str()) {
            self.profile = Some(inputs.profile.clone());
            self.known.clear();
            self.online = true;
            self.last_round = None;
        }
        self.known
            .retain(|code, _| inputs.rooms.iter().any(|r| &r.room_code == code));
        for room in &inputs.rooms {
            let known = self.known.entry(room.room_code.clone()).or_default();
            if known.fetched_at.is_some() || known.from_cache_tried {
                continue;
            }
            known.from_cache_tried = true;
            let Some(c) = &self.cache else { continue };
            match lock(c).room(&inputs.profile, &room.room_code) {
                Ok(Some(cached)) => {
                    known.meetings = cached.meetings;
                    known.fetched_at = Some(cached.fetched_at_ms);
                }
                Ok(None) => {}
                Err(e) => self.cache_problem = Some(e.to_string()),
            }
        }
    }

    fn headlines(
        &self,
        rooms: &[WatchedRoom],
        now_ms: i64,
    ) -> Vec<(WatchedRoom, Option<Headline>)> {
        rooms
            .iter()
            .map(|r| {
                let h = self
                    .known
                    .get(&r.room_code)
                    .and_then(|k| watch::headline(&k.meetings, now_ms));
                (r.clone(), h)
            })
            .collect()
    }

    fn plan<Tz: TimeZone>(
        &self,
        inputs: &Inputs,
        headlines: &[(WatchedRoom, Option<Headline>)],
        calls: u64,
        now: &DateTime<Tz>,
    ) -> Plan {
        let input = RefreshInputs {
            rooms: inputs.rooms.len(),
            busy_from: refresh::busy_from(headlines.iter().filter_map(|(_, h)| h.as_ref())),
            online: self.online,
            calls_this_month: calls,
            monthly_budget: inputs.monthly_budget,
            last_round: self.last_round,
        };
        refresh::next_refresh(&input, now)
    }

    /// One round: the first page of `plan.calls` rooms. Returns the calls made.
    async fn round(&mut self, inputs: &Inputs, client: &Client, plan: Plan, now_ms: i64) -> u64 {
        self.last_round = Some(now_ms);
        let rooms: Vec<WatchedRoom> = if self.online {
            inputs.rooms.iter().take(plan.calls).cloned().collect()
        } else {
            let n = inputs.rooms.len().max(1);
            let start = self.probe % n;
            self.probe = self.probe.wrapping_add(1);
            inputs
                .rooms
                .iter()
                .cycle()
                .skip(start)
                .take(plan.calls.min(1))
                .cloned()
                .collect()
        };
        self.read(inputs, client, &rooms, now_ms).await
    }

    /// Rooms watched since the last round and never read (nor cached): read now, so a room the
    /// user just watched shows its meeting at once rather than at the next round. A room whose
    /// read failed waits for the round, so a broken one is not retried every tick.
    fn unread(&self, inputs: &Inputs) -> Vec<WatchedRoom> {
        inputs
            .rooms
            .iter()
            .filter(|r| {
                self.known
                    .get(&r.room_code)
                    .is_none_or(|k| k.fetched_at.is_none() && k.error.is_none())
            })
            .cloned()
            .collect()
    }

    /// Reads the first page of each of `rooms`; stops at the first network error (offline).
    /// Returns the calls made.
    async fn read(
        &mut self,
        inputs: &Inputs,
        client: &Client,
        rooms: &[WatchedRoom],
        now_ms: i64,
    ) -> u64 {
        let mut calls = 0u64;
        for room in rooms {
            calls += 1;
            let result = client
                .room_page(&room.room_code, inputs.page_size, None)
                .await;
            let known = self.known.entry(room.room_code.clone()).or_default();
            match result {
                Ok(page) => {
                    self.online = true;
                    let whole = page.has_more == Some(false)
                        || page
                            .next_token
                            .as_deref()
                            .is_none_or(|t| t.trim().is_empty());
                    if let Some(c) = &self.cache {
                        let mut c = lock(c);
                        let stored = if whole {
                            c.replace_room(
                                &inputs.profile,
                                &room.room_code,
                                &page.conference_list,
                                now_ms,
                            )
                        } else {
                            c.store_page(
                                &inputs.profile,
                                &room.room_code,
                                &page.conference_list,
                                now_ms,
                            )
                        };
                        if let Err(e) = stored {
                            self.cache_problem = Some(e.to_string());
                        }
                    }
                    known.meetings = page.conference_list;
                    known.fetched_at = Some(now_ms);
                    known.error = None;
                }
                Err(e) => {
                    let offline = matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout);
                    known.error = Some(AppError::from(e));
                    if offline {
                        self.online = false;
                        break;
                    }
                }
            }
        }
        calls
    }

    /// One look at the wall clock: see the module docs. `now` is in the user's zone (the month
    /// of the budget is a local month; the tray's times are local).
    pub async fn tick<Tz: TimeZone>(&mut self, inputs: &Inputs, now: &DateTime<Tz>) -> Tick
    where
        Tz::Offset: std::fmt::Display,
    {
        let now_ms = now.timestamp_millis();
        let month = Month::of(now.date_naive());
        self.sync(inputs);

        let mut calls = self.calls_this_month(&inputs.profile, month);
        let headlines = self.headlines(&inputs.rooms, now_ms);
        let plan = self.plan(inputs, &headlines, calls, now);
        let due = plan.calls > 0 && plan.at.is_some_and(|at| at <= now_ms);
        if let Some(client) = inputs.client.clone() {
            let made = if due {
                self.round(inputs, &client, plan, now_ms).await
            } else if self.online
                && self.last_round.is_some()
                && !matches!(plan.reason, Reason::BudgetSpent { .. })
            {
                let unread = self.unread(inputs);
                self.read(inputs, &client, &unread, now_ms).await
            } else {
                0
            };
            self.add_calls(&inputs.profile, month, made);
            calls = calls.saturating_add(made);
        }
        let headlines = self.headlines(&inputs.rooms, now_ms);
        let plan = self.plan(inputs, &headlines, calls, now);

        let fetched: Vec<RoomMeetings<'_>> = inputs
            .rooms
            .iter()
            .filter_map(|room| {
                let k = self.known.get(&room.room_code)?;
                Some(RoomMeetings {
                    room,
                    meetings: &k.meetings,
                    fetched_at_ms: k.fetched_at?,
                })
            })
            .collect();
        let mut problem = None;
        let mut ledger = Ledger {
            cache: self.cache.as_ref(),
            memory: &mut self.memory,
            problem: &mut problem,
        };
        let notifications = reminder::take_due(
            &inputs.profile,
            &fetched,
            inputs.reminders,
            now_ms,
            &mut ledger,
        );
        if problem.is_some() {
            self.cache_problem = problem;
        }

        let tray = tray::tray_menu(&headlines, inputs.lang, &now.timezone(), now_ms);
        let rooms = headlines
            .into_iter()
            .map(|(room, headline)| {
                let k = self.known.get(&room.room_code);
                WatchedState {
                    headline,
                    fetched_at: k.and_then(|k| k.fetched_at),
                    error: k.and_then(|k| k.error.clone()),
                    room,
                }
            })
            .collect();
        Tick {
            notifications,
            tray,
            rooms,
            plan,
            calls_this_month: calls,
            monthly_budget: inputs.monthly_budget,
            online: self.online,
            cache_problem: self.cache_problem.clone(),
        }
    }
}
