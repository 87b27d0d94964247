//! The simulator's clock: the "now" that the demo data is placed around and that booked
//! meetings' statuses follow, which a test can stop, set and move.
//!
//! Why: reminders and "live now" are about a meeting's start *passing*. Against the real clock a
//! test would have to wait for it; with this one it says "two hours later" and the booked meeting
//! is live on the next request.
//!
//! What follows the clock: a meeting that was *booked for later* when it was placed (status 0 and
//! a numeric `startTime` after the clock's now, in the demo data or in [`SimHandle::set_room`])
//! is served as live (2) once the clock reaches its start, and as not started again if the clock
//! goes back. A live meeting (given or derived) with a planned end, the simulator-only key
//! `simEndsAt` (ms), is served as ended (1, with `endTime` = the planned end and `confDuration`
//! to match) once the clock reaches it; `simEndsAt` itself is never sent to a client. The demo
//! room's booked meeting has a planned end 45 minutes after its start. Every other meeting is
//! served exactly as given (tests send odd values on purpose), so a status-0 meeting whose start
//! had already passed when it was placed stays status 0.
//!
//! What does not follow it: token lifetimes, the rate limiter and the recorded requests' times
//! use the machine's monotonic clock, so moving the simulated day never expires a token.
//!
//! [`SimHandle::set_room`]: crate::SimHandle::set_room

use serde_json::Value;
use std::time::Duration;

/// The simulator-only key for a meeting's planned end (ms since the epoch); stripped when placed.
pub const SIM_ENDS_AT: &str = "simEndsAt";

/// A clock a test can move. Compare [`SimClock::now_ms`] with meeting times (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimClock {
    /// The machine's clock shifted by this many milliseconds (0: real time, the default). Runs.
    Offset(i64),
    /// Stopped at this instant (ms since the epoch) until set or advanced.
    Fixed(i64),
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock::Offset(0)
    }
}

fn system_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl SimClock {
    /// The machine's clock.
    pub fn real_time() -> SimClock {
        SimClock::Offset(0)
    }

    /// Stopped at `ms`.
    pub fn fixed_at(ms: i64) -> SimClock {
        SimClock::Fixed(ms)
    }

    /// Now, in ms since the epoch.
    pub fn now_ms(self) -> i64 {
        match self {
            SimClock::Offset(off) => system_ms().saturating_add(off),
            SimClock::Fixed(t) => t,
        }
    }

    /// The same clock `by` later (a stopped clock stays stopped, a running one keeps running).
    pub fn advanced(self, by: Duration) -> SimClock {
        let by = duration_ms(by);
        match self {
            SimClock::Offset(off) => SimClock::Offset(off.saturating_add(by)),
            SimClock::Fixed(t) => SimClock::Fixed(t.saturating_add(by)),
        }
    }

    /// Whether it is stopped.
    pub fn is_fixed(self) -> bool {
        matches!(self, SimClock::Fixed(_))
    }
}

fn as_ms(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && f.fract() == 0.0)
            .map(|f| f as i64)
    })
}

/// What the clock changes about one placed meeting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// Booked for later when placed: live from this instant.
    live_at: Option<i64>,
    /// Planned end (`simEndsAt`): ended from this instant, once live.
    ends_at: Option<i64>,
}

impl Schedule {
    /// Read (and strip) what the clock needs from a meeting placed at `now_ms`.
    pub(crate) fn take(v: &mut Value, now_ms: i64) -> Schedule {
        let Value::Object(map) = v else {
            return Schedule::default();
        };
        let ends_at = map.remove(SIM_ENDS_AT).as_ref().and_then(as_ms);
        let start = map.get("startTime").and_then(as_ms);
        let booked = map.get("status").and_then(Value::as_i64) == Some(0);
        Schedule {
            live_at: start.filter(|&s| booked && s > now_ms),
            ends_at,
        }
    }

    pub(crate) fn is_static(&self) -> bool {
        *self == Schedule::default()
    }

    /// The meeting as served at `now_ms`.
    pub(crate) fn apply(&self, mut v: Value, now_ms: i64) -> Value {
        if self.is_static() {
            return v;
        }
        let Value::Object(map) = &mut v else {
            return v;
        };
        let live = match self.live_at {
            Some(at) if now_ms >= at => true,
            Some(_) => false,
            None => map.get("status").and_then(Value::as_i64) == Some(2),
        };
        if self.live_at.is_some() {
            map.insert("status".into(), Value::from(if live { 2 } else { 0 }));
        }
        if let (true, Some(end)) = (live, self.ends_at) {
            if now_ms >= end {
                let start = map.get("startTime").and_then(as_ms);
                map.insert("status".into(), Value::from(1));
                map.insert("endTime".into(), Value::from(end));
                if let Some(start) = start {
                    map.insert(
                        "confDuration".into(),
                        Value::from(end.saturating_sub(start).max(0)),
                    );
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: i64 = 1_796_000_000_000;

    #[test]
    fn a_fixed_clock_stays_and_moves_only_when_told() {
        let c = SimClock::fixed_at(T);
        assert_eq!(c.now_ms(), T);
        assert_eq!(c.advanced(Duration::from_secs(60)).now_ms(), T + 60_000);
        assert!(c.advanced(Duration::MAX).now_ms() == i64::MAX, "saturates");
        let real = SimClock::real_time();
        let shifted = real.advanced(Duration::from_secs(3600));
        assert!(shifted.now_ms() - real.now_ms() >= 3_600_000 - 1_000);
        assert!(!shifted.is_fixed());
    }

    #[test]
    fn a_booked_meeting_goes_live_then_ends_as_the_clock_passes() {
        let mut v =
            json!({"conferenceId": "b", "status": 0, "startTime": T, "simEndsAt": T + 60_000});
        let s = Schedule::take(&mut v, T - 1);
        assert!(v.get(SIM_ENDS_AT).is_none(), "never sent");
        assert_eq!(s.apply(v.clone(), T - 1)["status"], 0);
        assert_eq!(s.apply(v.clone(), T)["status"], 2);
        let ended = s.apply(v.clone(), T + 60_000);
        assert_eq!(ended["status"], 1);
        assert_eq!(ended["endTime"], T + 60_000);
        assert_eq!(ended["confDuration"], 60_000);
        // Back in time: not started again.
        assert_eq!(s.apply(v, T - 5)["status"], 0);
    }

    #[test]
    fn meetings_placed_as_they_are_stay_as_they_are() {
        for mut v in [
            json!({"status": 0, "startTime": T - 1}),
            json!({"status": "0", "startTime": T + 1}),
            json!({"status": 0, "startTime": "soon"}),
            json!({"status": 1, "startTime": T + 1}),
            json!([1, 2]),
        ] {
            let before = v.clone();
            let s = Schedule::take(&mut v, T);
            assert!(s.is_static(), "{before}");
            assert_eq!(s.apply(v, T + 1_000_000), before);
        }
        // A live meeting with a planned end ends; without one it stays live.
        let mut v = json!({"status": 2, "startTime": T - 10, "simEndsAt": T});
        let s = Schedule::take(&mut v, T - 5);
        assert_eq!(s.apply(v.clone(), T - 1)["status"], 2);
        assert_eq!(s.apply(v, T)["status"], 1);
    }
}
