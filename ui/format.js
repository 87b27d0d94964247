// Pure formatting helpers: dates, durations, relative times, the view Rust sent with each meeting,
// day grouping keys. No DOM, no i18n import: word-producing functions return i18n keys
// (with params) and the caller translates them; Intl-based ones take a locale.

import { CONTRACT } from './contract.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A finite number from a number or a numeric string; otherwise null. */
export function toNumber(x) {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(x)) return Number(x);
  return null;
}

/** A usable epoch-millisecond timestamp (positive, within a sane range) or null. */
export function toTime(x) {
  const n = toNumber(x);
  if (n === null || n <= 0 || n > 8.64e15) return null;
  return n;
}

/** Local-time day key "YYYY-MM-DD" for an epoch-ms timestamp. */
export function dayKey(ms) {
  const d = new Date(ms);
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

/** Local midnight at the start of the day of ms. */
export function startOfDay(ms) {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Local midnight starting the day after ms (DST-safe). */
export function startOfNextDay(ms) {
  const d = new Date(ms);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}

/** Adds whole calendar days in local time (DST-safe). */
function addDays(ms, n) {
  const d = new Date(ms);
  d.setDate(d.getDate() + n);
  return d.getTime();
}

/** How a day is named relative to now: 'today' | 'yesterday' | 'tomorrow' | 'date'. */
export function dayKind(ms, now) {
  const k = dayKey(ms);
  if (k === dayKey(now)) return 'today';
  if (k === dayKey(addDays(now, -1))) return 'yesterday';
  if (k === dayKey(addDays(now, 1))) return 'tomorrow';
  return 'date';
}

const dtfCache = new Map();
function dtf(locale, opts) {
  const key = locale + JSON.stringify(opts);
  let f = dtfCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts);
    dtfCache.set(key, f);
  }
  return f;
}

/** "Mon, 23 Nov 2026" (en-GB), "Mon, Nov 23, 2026" (en-US), "2026年11月23日周一" (zh-CN). */
export function formatDayLabel(ms, locale) {
  return dtf(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
}

/** Local clock time: "14:05" or "2:05 PM" depending on the locale. */
export function formatTime(ms, locale) {
  return dtf(locale, { hour: 'numeric', minute: '2-digit' }).format(ms);
}

/** Short date and time, for a time on another day than its row's day. */
export function formatDateTime(ms, locale) {
  return dtf(locale, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(ms);
}

/** Full date and time, e.g. for "last used" in the recent list and for accessible labels. */
export function formatFullDateTime(ms, locale) {
  return dtf(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** Grouped number: 5000 → "5,000". */
export function formatNumber(n, locale) {
  return new Intl.NumberFormat(locale).format(n);
}

const VIEW_STATUSES = new Set(CONTRACT.meetingStatuses);
const MEETING_TYPES = new Set(CONTRACT.meetingTypes.map((t) => t.key));

function viewNumber(x) {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

const DURATION_KINDS = new Set(['none', 'lessThanMinute', 'minutes', 'hours', 'hoursMinutes']);

function wholeNumber(x) {
  return Number.isSafeInteger(x) && x >= 0 ? x : null;
}

/**
 * A duration as Rust split it (meetdesk-core view.rs DurationParts, `view.duration`):
 * { kind: 'none' | 'lessThanMinute' | 'minutes' | 'hours' | 'hoursMinutes', h?, m? }. Anything
 * else (a kind this build does not know, a missing number) is 'none', shown "—".
 */
function durationPartsOf(d) {
  if (!d || typeof d !== 'object' || !DURATION_KINDS.has(d.kind)) return { kind: 'none' };
  const h = wholeNumber(d.h);
  const m = wholeNumber(d.m);
  switch (d.kind) {
    case 'minutes': return m === null ? { kind: 'none' } : { kind: 'minutes', m };
    case 'hours': return h === null ? { kind: 'none' } : { kind: 'hours', h };
    case 'hoursMinutes': return h === null || m === null ? { kind: 'none' } : { kind: 'hoursMinutes', h, m };
    default: return { kind: d.kind };
  }
}

/**
 * What Rust computed for a meeting (meetdesk-core view.rs, sent as `meeting.view` by every page):
 * { status, type, start, end, durationMs, duration, caveat, joinable }. The window shows these and
 * derives none of them from DingTalk's raw fields, so it shows what the CLI and the CSV show:
 * implausible times and durations are already null, `duration` is already split into hours and
 * minutes, and `caveat` is 'liveOverADay' for a meeting "live" for over a day. A meeting without
 * a view (which Rust never sends) shows as all unknown.
 */
export function viewOf(m) {
  const v = m && typeof m === 'object' && m.view && typeof m.view === 'object' ? m.view : {};
  const durationMs = viewNumber(v.durationMs);
  return {
    status: VIEW_STATUSES.has(v.status) ? v.status : 'unknown',
    type: MEETING_TYPES.has(v.type) ? v.type : CONTRACT.unknownMeetingType,
    start: viewNumber(v.start),
    end: viewNumber(v.end),
    durationMs: durationMs !== null && durationMs >= 0 ? durationMs : null,
    duration: durationPartsOf(v.duration),
    caveat: CONTRACT.caveats.includes(v.caveat) ? v.caveat : null,
    joinable: v.joinable === true,
  };
}

/**
 * A meeting's duration as an i18n key + params, from the parts Rust sent (`viewOf(m).duration`):
 * { kind: 'hoursMinutes', h: 1, m: 29 } → 'duration.hoursMinutes' { h: 1, m: 29 }. Nothing is
 * computed here; the CLI puts the same catalog words around the same parts.
 */
export function durationKey(parts) {
  const p = durationPartsOf(parts);
  const params = {};
  if (p.h !== undefined) params.h = p.h;
  if (p.m !== undefined) params.m = p.m;
  return { key: `duration.${p.kind}`, params };
}

/**
 * The parts of an elapsed time in ms, split by Rust's rule (whole minutes, truncated). Only for
 * the "live for 12 min" clock, which ticks between snapshots and so cannot come from Rust; a
 * meeting's duration always does. format.test.js checks this against Rust's own split of the
 * rounding edges (tests/fixtures/duration-edges.json).
 */
export function elapsedParts(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return { kind: 'none' };
  const total = Math.floor(ms / MINUTE);
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (total === 0) return { kind: 'lessThanMinute' };
  if (h === 0) return { kind: 'minutes', m };
  return m === 0 ? { kind: 'hours', h } : { kind: 'hoursMinutes', h, m };
}

/**
 * "live for 12 min": i18n key + params for a live meeting, from its start (the view's, in ms;
 * null when unknown) until now. The view's caveat beats it: "over a day, may have ended".
 */
export function liveForKey(start, now, caveat = null) {
  if (caveat === 'liveOverADay') return { key: 'caveat.liveOverADay', params: {} };
  const s = viewNumber(start);
  if (s === null) return { key: 'time.liveNoStart', params: {} };
  const d = durationKey(elapsedParts(Math.max(0, now - s)));
  return { key: 'time.liveFor', params: {}, duration: d };
}

/** Milliseconds until the next local midnight after now (for the day roll-over timer). */
export function msUntilNextMidnight(now) {
  return Math.max(1, startOfNextDay(now) - now);
}
