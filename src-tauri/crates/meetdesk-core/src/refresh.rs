//! When the watched rooms are read again: the refresh schedule, as a pure function of explicit
//! inputs ([`next_refresh`]), so it is tested without timers and the app cannot drift from it.
//!
//! A round reads the first page of every watched room, one call each. The rules:
//! - every [`REGULAR_INTERVAL_SECS`] (5 min) by default;
//! - every [`BUSY_INTERVAL_SECS`] (1 min) while a watched room has a meeting live or one starting
//!   within [`BUSY_LEAD_MS`] (15 min) — [`busy_from`] says from when, so a quiet schedule wakes
//!   up on time for the next meeting instead of up to 5 minutes late;
//! - never faster than the client's rate limiter lets a round through
//!   ([`dingtalk::DEFAULT_RATE_PER_SECOND`] calls a second, [`min_interval_secs`]);
//! - offline, rounds pause: one room is read every [`REGULAR_INTERVAL_SECS`] as a probe
//!   ([`Plan::calls`] is 1), and the first answer resumes the schedule;
//! - the month's calls are counted (in local time: [`month_start_ms`], [`next_month_start_ms`])
//!   against the user's budget; from [`BUDGET_STRETCH_PERCENT`] % of it on, the interval
//!   stretches so the calls left last until the month ends, and the plan says so
//!   ([`Reason::Budget`]: "Refreshing every 20 min to stay within this month's 5,000 calls");
//!   with too few calls left for a round, refreshing waits for next month
//!   ([`Reason::BudgetSpent`]). Searching by hand is never blocked by this.
//!
//! For the app (next session): after every round, and whenever its inputs change (a room
//! watched, a meeting's status read, online again), compute the plan and sleep until `at`, but
//! never longer than [`TICK_MAX_SECS`]: then compute again with the wall clock's `now`. Timers
//! do not run during sleep and the clock can be changed, so the plan is recomputed from the
//! wall clock rather than trusted. The reason goes to the window as data (`{ kind, minutes,
//! budget }`, words `refresh.<kind>`) and to the tray as [`Reason::text`].

use chrono::{DateTime, Datelike, NaiveDate, TimeZone};
use serde::Serialize;

use crate::catalog::Lang;
use crate::view::MINUTE_MS;
use crate::watch::Headline;

/// The regular interval: often enough that the side list is never more than 5 minutes behind,
/// rare enough that 10 rooms cost 2,880 calls a day.
pub const REGULAR_INTERVAL_SECS: u64 = 5 * 60;
/// While a meeting is live or about to start: "goes live" is then seen within a minute.
pub const BUSY_INTERVAL_SECS: u64 = 60;
/// How long before a meeting's start the schedule turns busy.
pub const BUSY_LEAD_MS: i64 = 15 * MINUTE_MS;
/// From this share of the monthly budget on, the interval stretches to make the rest last.
pub const BUDGET_STRETCH_PERCENT: u64 = 80;
/// The longest the app sleeps between two looks at the wall clock (see the module docs): a
/// plan made before a sleep or a clock change is corrected within this.
pub const TICK_MAX_SECS: u64 = 30;
const _: () =
    assert!(BUSY_INTERVAL_SECS <= REGULAR_INTERVAL_SECS && TICK_MAX_SECS < BUSY_INTERVAL_SECS);

/// Everything the schedule depends on, read by the app before each plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshInputs {
    /// Watched rooms: the calls one round costs.
    pub rooms: usize,
    /// [`busy_from`] of the rooms' headlines.
    pub busy_from: Option<i64>,
    /// Whether the last call reached DingTalk (a network error or timeout makes it false).
    pub online: bool,
    /// Calls made since [`month_start_ms`] (the cache's counter).
    pub calls_this_month: u64,
    /// `Settings::monthly_call_budget`.
    pub monthly_budget: u64,
    /// When the last round (or probe) started, ms since the epoch; `None` before the first.
    pub last_round: Option<i64>,
}

/// Why the plan is what it is; the window's words are `refresh.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Reason {
    /// Nothing is watched: no refresh.
    NoRooms,
    /// Every `minutes`.
    Regular { minutes: u64 },
    /// Every minute: a meeting is live or starts soon.
    Busy,
    /// Offline: one probe every `minutes`.
    Offline { minutes: u64 },
    /// Slowed to every `minutes` to stay within `budget` calls this month.
    Budget { minutes: u64, budget: u64 },
    /// The month's `budget` is used up: next round when the month ends.
    BudgetSpent { budget: u64 },
}

impl Reason {
    /// The catalog key: `refresh.regular`, `refresh.busy`, …
    pub fn key(self) -> &'static str {
        match self {
            Reason::NoRooms => "refresh.noRooms",
            Reason::Regular { .. } => "refresh.regular",
            Reason::Busy => "refresh.busy",
            Reason::Offline { .. } => "refresh.offline",
            Reason::Budget { .. } => "refresh.budget",
            Reason::BudgetSpent { .. } => "refresh.budgetSpent",
        }
    }

    /// In words, numbers grouped as the window groups them ("5,000").
    pub fn text(self, lang: Lang) -> String {
        match self {
            Reason::NoRooms | Reason::Busy => lang.text(self.key()).to_owned(),
            Reason::Regular { minutes } | Reason::Offline { minutes } => {
                lang.fill(self.key(), &[("minutes", &minutes)])
            }
            Reason::Budget { minutes, budget } => lang.fill(
                self.key(),
                &[("minutes", &minutes), ("budget", &grouped(budget))],
            ),
            Reason::BudgetSpent { budget } => {
                lang.fill(self.key(), &[("budget", &grouped(budget))])
            }
        }
    }
}

/// `5000` → `"5,000"` (both languages group by thousands with a comma).
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The next refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// When, ms since the epoch; `None` when there is nothing to refresh.
    pub at: Option<i64>,
    /// The interval in force, in seconds (0 when nothing is refreshed).
    pub interval_secs: u64,
    /// How many rooms to read then: every watched room, or 1 for an offline probe.
    pub calls: usize,
    pub reason: Reason,
}

/// When the schedule turns busy, from the watched rooms' headlines: a live meeting makes it busy
/// now (its start, or `i64::MIN` when unknown), a next one [`BUSY_LEAD_MS`] before its start.
/// The earliest of those; `None` when no room has a live or next meeting.
pub fn busy_from<'a>(headlines: impl IntoIterator<Item = &'a Headline>) -> Option<i64> {
    headlines
        .into_iter()
        .filter_map(|h| match h {
            Headline::Live(row) => Some(row.view.start.unwrap_or(i64::MIN)),
            Headline::Next(row) => row.view.start.map(|s| s.saturating_sub(BUSY_LEAD_MS)),
        })
        .min()
}

/// The shortest interval at which a round of `rooms` calls gets through the client's rate
/// limiter: the calls are spaced [`dingtalk::DEFAULT_RATE_PER_SECOND`] a second, so a round
/// takes that long, and starting the next one earlier would only queue calls behind it.
pub fn min_interval_secs(rooms: usize) -> u64 {
    let rate = u64::from(dingtalk::DEFAULT_RATE_PER_SECOND).max(1);
    (rooms as u64).div_ceil(rate)
}

/// Midnight starting `now`'s month, local to `now`'s zone, in ms since the epoch.
pub fn month_start_ms<Tz: TimeZone>(now: &DateTime<Tz>) -> i64 {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1);
    local_midnight_ms(&now.timezone(), first).unwrap_or_else(|| now.timestamp_millis())
}

/// Midnight starting the month after `now`'s, local to `now`'s zone, in ms since the epoch: when
/// the month's call count starts again.
pub fn next_month_start_ms<Tz: TimeZone>(now: &DateTime<Tz>) -> i64 {
    let (y, m) = if now.month() == 12 {
        (now.year().saturating_add(1), 1)
    } else {
        (now.year(), now.month() + 1)
    };
    local_midnight_ms(&now.timezone(), NaiveDate::from_ymd_opt(y, m, 1))
        // Past chrono's last year: a month from now is as good as any end.
        .unwrap_or_else(|| {
            now.timestamp_millis()
                .saturating_add(31 * crate::view::DAY_MS)
        })
}

/// The first instant of `day` in `tz`. Where a zone skips midnight (a DST change at 00:00, as in
/// some years' Cuba or Chile), the day starts at the first minute that exists.
fn local_midnight_ms<Tz: TimeZone>(tz: &Tz, day: Option<NaiveDate>) -> Option<i64> {
    let day = day?;
    (0..=120).find_map(|minutes| {
        let t = day.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(minutes);
        tz.from_local_datetime(&t)
            .earliest()
            .map(|d| d.timestamp_millis())
    })
}

/// The plan at `now` (the wall clock, in the user's zone: the month is a local month).
pub fn next_refresh<Tz: TimeZone>(input: &RefreshInputs, now: &DateTime<Tz>) -> Plan {
    let now_ms = now.timestamp_millis();
    if input.rooms == 0 {
        return Plan {
            at: None,
            interval_secs: 0,
            calls: 0,
            reason: Reason::NoRooms,
        };
    }
    let floor = min_interval_secs(input.rooms);
    let at_after = |interval_secs: u64| -> i64 {
        let interval_ms = i64::try_from(interval_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let latest = now_ms.saturating_add(interval_ms);
        match input.last_round {
            None => now_ms,
            // Overdue (after a sleep) → now; a last round "in the future" (the clock was put
            // back) → one interval from now, not hours away.
            Some(last) => last.saturating_add(interval_ms).clamp(now_ms, latest),
        }
    };

    if !input.online {
        let interval = REGULAR_INTERVAL_SECS.max(min_interval_secs(1));
        return Plan {
            at: Some(at_after(interval)),
            interval_secs: interval,
            calls: 1,
            reason: Reason::Offline {
                minutes: interval / 60,
            },
        };
    }

    let rooms = input.rooms as u64;
    let busy = input.busy_from.is_some_and(|b| b <= now_ms);
    let wanted = if busy {
        BUSY_INTERVAL_SECS
    } else {
        REGULAR_INTERVAL_SECS
    }
    .max(floor);

    let budget = input.monthly_budget;
    let used = input.calls_this_month;
    let near_budget = used.saturating_mul(100) >= budget.saturating_mul(BUDGET_STRETCH_PERCENT);
    if near_budget {
        let rounds_left = budget.saturating_sub(used) / rooms;
        let month_end = next_month_start_ms(now);
        if rounds_left == 0 {
            return Plan {
                at: Some(month_end.max(now_ms)),
                interval_secs: 0,
                calls: input.rooms,
                reason: Reason::BudgetSpent { budget },
            };
        }
        let left_ms = u64::try_from(month_end.saturating_sub(now_ms)).unwrap_or(0);
        // Whole minutes, rounded up: the interval shown is the one kept.
        let stretched = left_ms
            .div_ceil(rounds_left)
            .div_ceil(60_000)
            .saturating_mul(60);
        if stretched > wanted {
            return Plan {
                at: Some(at_after(stretched)),
                interval_secs: stretched,
                calls: input.rooms,
                reason: Reason::Budget {
                    minutes: stretched / 60,
                    budget,
                },
            };
        }
    }

    let mut at = at_after(wanted);
    // Quiet now, busy before the next round would come: come back when it turns busy.
    if let Some(b) = input.busy_from.filter(|b| *b > now_ms) {
        at = at.min(b);
    }
    Plan {
        at: Some(at),
        interval_secs: wanted,
        calls: input.rooms,
        reason: if busy {
            Reason::Busy
        } else {
            Reason::Regular {
                minutes: wanted.div_ceil(60),
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};

    fn zone(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).unwrap()
    }

    /// 2026-12-10 09:00 at UTC+8.
    fn now() -> DateTime<FixedOffset> {
        zone(8).with_ymd_and_hms(2026, 12, 10, 9, 0, 0).unwrap()
    }

    fn inputs() -> RefreshInputs {
        RefreshInputs {
            rooms: 10,
            busy_from: None,
            online: true,
            calls_this_month: 0,
            monthly_budget: 5_000,
            last_round: Some(now().timestamp_millis()),
        }
    }

    const MIN: i64 = MINUTE_MS;

    #[test]
    fn every_five_minutes_by_default_and_at_once_the_first_time() {
        let t = now().timestamp_millis();
        let p = next_refresh(&inputs(), &now());
        assert_eq!(p.reason, Reason::Regular { minutes: 5 });
        assert_eq!(
            (p.at, p.interval_secs, p.calls),
            (Some(t + 5 * MIN), 300, 10)
        );
        let first = RefreshInputs {
            last_round: None,
            ..inputs()
        };
        assert_eq!(next_refresh(&first, &now()).at, Some(t));
        assert_eq!(
            Reason::Regular { minutes: 5 }.text(Lang::En),
            "Refreshing every 5 min"
        );
    }

    #[test]
    fn every_minute_while_a_meeting_is_live_or_starts_within_15_minutes() {
        let t = now().timestamp_millis();
        let busy = RefreshInputs {
            busy_from: Some(t - MIN),
            ..inputs()
        };
        let p = next_refresh(&busy, &now());
        assert_eq!((p.reason, p.at), (Reason::Busy, Some(t + MIN)));
        // A meeting at 09:20: quiet until 09:05, and the next round is then, not at 09:05 + 5.
        let later = RefreshInputs {
            busy_from: Some(t + 20 * MIN - BUSY_LEAD_MS),
            last_round: Some(t - 2 * MIN),
            ..inputs()
        };
        let p = next_refresh(&later, &now());
        assert_eq!(p.reason, Reason::Regular { minutes: 5 });
        assert_eq!(p.at, Some(t + 3 * MIN), "the regular round comes first");
        let soon = RefreshInputs {
            busy_from: Some(t + 2 * MIN),
            ..inputs()
        };
        assert_eq!(next_refresh(&soon, &now()).at, Some(t + 2 * MIN));
    }

    #[test]
    fn busy_from_reads_the_headlines() {
        use crate::view::MeetingRow;
        use dingtalk::{Meeting, Status};
        let t = now().timestamp_millis();
        let row = |status, start| {
            MeetingRow::new(
                Meeting {
                    status: Some(status),
                    start_time: Some(start),
                    ..Default::default()
                },
                t,
            )
        };
        let next = Headline::Next(row(Status::NotStarted, t + 60 * MIN));
        let live = Headline::Live(row(Status::Live, t - 5 * MIN));
        assert_eq!(busy_from([&next]), Some(t + 45 * MIN));
        assert_eq!(busy_from([&next, &live]), Some(t - 5 * MIN));
        assert_eq!(busy_from([]), None);
    }

    #[test]
    fn never_faster_than_the_rate_limiter_lets_a_round_through() {
        assert_eq!(min_interval_secs(0), 0);
        assert_eq!(min_interval_secs(19), 1);
        assert_eq!(min_interval_secs(50), 3);
        let huge = RefreshInputs {
            rooms: 19 * 120,
            busy_from: Some(0),
            monthly_budget: u64::MAX,
            ..inputs()
        };
        assert_eq!(next_refresh(&huge, &now()).interval_secs, 120);
    }

    #[test]
    fn offline_pauses_rounds_for_a_single_probe() {
        let t = now().timestamp_millis();
        let off = RefreshInputs {
            online: false,
            busy_from: Some(t),
            ..inputs()
        };
        let p = next_refresh(&off, &now());
        assert_eq!((p.calls, p.at), (1, Some(t + 5 * MIN)));
        assert_eq!(p.reason, Reason::Offline { minutes: 5 });
        assert!(p.reason.text(Lang::ZhCn).contains('5'));
    }

    #[test]
    fn near_the_budget_the_interval_stretches_to_last_the_month_and_says_so() {
        let t = now().timestamp_millis();
        // 09:00 on 10 December: 21 days and 15 hours to 1 January at UTC+8.
        let left_ms = zone(8)
            .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis()
            - t;
        assert_eq!(next_month_start_ms(&now()), t + left_ms);
        let near = RefreshInputs {
            calls_this_month: 4_000,
            ..inputs()
        };
        let p = next_refresh(&near, &now());
        // 1,000 calls left = 100 rounds of 10 rooms over 31,140 minutes: every 312 minutes.
        let Reason::Budget { minutes, budget } = p.reason else {
            panic!("{p:?}")
        };
        assert_eq!((minutes, budget), (312, 5_000));
        assert!(
            i64::try_from(minutes).unwrap() * MIN * 100 >= left_ms,
            "lasts the month"
        );
        assert_eq!(p.at, Some(t + 312 * MIN));
        assert_eq!(
            p.reason.text(Lang::En),
            "Refreshing every 312 min to stay within this month’s 5,000 calls"
        );
        // Below 80 %: the normal interval, even if the pace would run out later.
        let below = RefreshInputs {
            calls_this_month: 3_999,
            ..inputs()
        };
        assert_eq!(next_refresh(&below, &now()).interval_secs, 300);
        // Near the budget but with calls to spare (the month ends tonight): no slowing down.
        let last_day = zone(8).with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
        let spare = RefreshInputs {
            last_round: None,
            ..near
        };
        assert_eq!(
            next_refresh(&spare, &last_day).reason,
            Reason::Regular { minutes: 5 }
        );
    }

    #[test]
    fn a_spent_budget_waits_for_next_month_in_local_time() {
        let spent = RefreshInputs {
            calls_this_month: 4_995,
            ..inputs()
        };
        let p = next_refresh(&spent, &now());
        assert_eq!(p.reason, Reason::BudgetSpent { budget: 5_000 });
        let jan1_local = zone(8).with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(p.at, Some(jan1_local.timestamp_millis()));
        // The same instant seen from UTC is still 10 December; its month ends 8 hours later.
        let utc = now().with_timezone(&Utc);
        assert_eq!(
            next_refresh(&spent, &utc).at,
            Some(jan1_local.timestamp_millis() + 8 * 60 * MIN)
        );
        assert!(p.reason.text(Lang::En).contains("5,000"));
    }

    #[test]
    fn sleep_and_clock_changes_are_corrected_from_the_wall_clock() {
        let t = now().timestamp_millis();
        // Woke after 3 hours asleep: the overdue round is now.
        let slept = RefreshInputs {
            last_round: Some(t - 180 * MIN),
            ..inputs()
        };
        assert_eq!(next_refresh(&slept, &now()).at, Some(t));
        // The clock was put back 2 hours after a round: the next one is 5 minutes away, not 2 h 5.
        let back = RefreshInputs {
            last_round: Some(t + 120 * MIN),
            ..inputs()
        };
        assert_eq!(next_refresh(&back, &now()).at, Some(t + 5 * MIN));
    }

    #[test]
    fn months_start_at_local_midnight() {
        let z = zone(-5);
        let d = z.with_ymd_and_hms(2026, 2, 14, 12, 0, 0).unwrap();
        assert_eq!(
            month_start_ms(&d),
            z.with_ymd_and_hms(2026, 2, 1, 0, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        assert_eq!(
            next_month_start_ms(&d),
            z.with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        assert_eq!(grouped(5_000_000), "5,000,000");
        assert_eq!(grouped(999), "999");
    }

    #[test]
    fn nothing_watched_nothing_planned() {
        let none = RefreshInputs {
            rooms: 0,
            ..inputs()
        };
        let p = next_refresh(&none, &now());
        assert_eq!((p.at, p.reason), (None, Reason::NoRooms));
    }
}
