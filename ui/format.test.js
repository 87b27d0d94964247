import test from 'node:test';
import assert from 'node:assert/strict';
import {
  bizTypeKey, dayKey, dayKind, durationKey, formatDayLabel, formatNumber, formatTime, liveForKey,
  msUntilNextMidnight, startOfDay, toTime, viewOf, MINUTE, HOUR,
} from './format.js';

test('bizType keys', () => {
  assert.equal(bizTypeKey('0'), 'instant');
  assert.equal(bizTypeKey(0), 'instant');
  assert.equal(bizTypeKey('3'), 'booked');
  assert.equal(bizTypeKey('audio_conf'), 'audio');
  assert.equal(bizTypeKey('7'), 'unknown');
  assert.equal(bizTypeKey(''), 'unknown');
  assert.equal(bizTypeKey(null), 'unknown');
  assert.equal(bizTypeKey(undefined), 'unknown');
});

test('the view comes from Rust and is read, never re-derived from the raw fields', () => {
  // confDuration of i64::MAX on the wire: Rust's view says the duration is unknown, so "—".
  const m = { confDuration: 9223372036854775807, startTime: -1, status: 1,
    view: { status: 'ended', start: null, end: null, durationMs: null, caveat: null, joinable: false } };
  assert.deepEqual(viewOf(m), { status: 'ended', start: null, end: null, durationMs: null, caveat: null, joinable: false });
  assert.deepEqual(durationKey(viewOf(m).durationMs), { key: 'duration.none', params: {} });
  const ok = { view: { status: 'live', start: 1700000000000, end: null, durationMs: 779000, caveat: 'liveOverADay', joinable: true } };
  assert.deepEqual(viewOf(ok), { status: 'live', start: 1700000000000, end: null, durationMs: 779000, caveat: 'liveOverADay', joinable: true });
  // Missing or odd views are all unknown, never a crash.
  const unknown = { status: 'unknown', start: null, end: null, durationMs: null, caveat: null, joinable: false };
  for (const odd of [null, undefined, 42, {}, { view: null }, { view: 'x' },
    { view: { status: 'exploded', start: '1700000000000', end: NaN, durationMs: -5, caveat: 'other', joinable: 'yes' } }]) {
    assert.deepEqual(viewOf(odd), unknown, JSON.stringify(odd));
  }
});

test('duration keys', () => {
  assert.deepEqual(durationKey(null), { key: 'duration.none', params: {} });
  assert.deepEqual(durationKey(-1), { key: 'duration.none', params: {} });
  assert.deepEqual(durationKey(30_000), { key: 'duration.lessThanMinute', params: {} });
  assert.deepEqual(durationKey(12 * MINUTE + 59_000), { key: 'duration.minutes', params: { m: 12 } });
  assert.deepEqual(durationKey(2 * HOUR), { key: 'duration.hours', params: { h: 2 } });
  assert.deepEqual(durationKey(HOUR + 5 * MINUTE), { key: 'duration.hoursMinutes', params: { h: 1, m: 5 } });
});

test('live for: minutes since start, never negative', () => {
  const now = 1700000000000;
  assert.deepEqual(liveForKey(now - 12 * MINUTE, now).duration, { key: 'duration.minutes', params: { m: 12 } });
  assert.deepEqual(liveForKey(now + 5 * MINUTE, now).duration, { key: 'duration.lessThanMinute', params: {} });
  assert.equal(liveForKey(undefined, now).key, 'time.liveNoStart');
  assert.equal(liveForKey(null, now).key, 'time.liveNoStart');
  // Live for over a day: the view's caveat, in the words the CLI and the CSV use.
  assert.deepEqual(liveForKey(now - 30 * HOUR, now, 'liveOverADay'), { key: 'caveat.liveOverADay', params: {} });
});

test('toTime rejects missing, zero, negative and absurd values', () => {
  assert.equal(toTime(undefined), null);
  assert.equal(toTime(0), null);
  assert.equal(toTime(-5), null);
  assert.equal(toTime('abc'), null);
  assert.equal(toTime(NaN), null);
  assert.equal(toTime(1e20), null);
  assert.equal(toTime('1700000000000'), 1700000000000);
});

test('day keys and kinds use local time', () => {
  const now = new Date(2026, 10, 23, 10, 0).getTime(); // 23 Nov 2026, 10:00 local
  assert.equal(dayKey(now), '2026-11-23');
  assert.equal(dayKind(new Date(2026, 10, 23, 0, 0).getTime(), now), 'today');
  assert.equal(dayKind(new Date(2026, 10, 23, 23, 59).getTime(), now), 'today');
  assert.equal(dayKind(new Date(2026, 10, 22, 23, 59).getTime(), now), 'yesterday');
  assert.equal(dayKind(new Date(2026, 10, 24, 9, 0).getTime(), now), 'tomorrow');
  assert.equal(dayKind(new Date(2026, 10, 21, 9, 0).getTime(), now), 'date');
  assert.equal(dayKind(new Date(2025, 10, 23, 9, 0).getTime(), now), 'date');
  // Across a month and a year boundary.
  const jan1 = new Date(2027, 0, 1, 8, 0).getTime();
  assert.equal(dayKind(new Date(2026, 11, 31, 22, 0).getTime(), jan1), 'yesterday');
  assert.equal(startOfDay(now), new Date(2026, 10, 23).getTime());
});

test('midnight timer delay', () => {
  const now = new Date(2026, 10, 23, 23, 59, 30).getTime();
  assert.equal(msUntilNextMidnight(now), 30_000);
  const midnight = new Date(2026, 10, 24, 0, 0, 0).getTime();
  assert.equal(msUntilNextMidnight(midnight), new Date(2026, 10, 25).getTime() - midnight);
});

test('locale-aware dates, times and numbers', () => {
  const ms = new Date(2026, 10, 23, 14, 5).getTime();
  assert.equal(formatDayLabel(ms, 'en-GB'), 'Mon, 23 Nov 2026');
  assert.match(formatDayLabel(ms, 'en-US'), /Mon, Nov 23, 2026/);
  assert.match(formatDayLabel(ms, 'zh-CN'), /2026年11月23日/);
  assert.match(formatDayLabel(ms, 'zh-CN'), /周一/);
  assert.equal(formatTime(ms, 'en-GB'), '14:05');
  assert.match(formatTime(ms, 'en-US'), /2:05\s?PM/);
  assert.equal(formatTime(ms, 'zh-CN'), '14:05');
  assert.equal(formatNumber(5000, 'en'), '5,000');
});
