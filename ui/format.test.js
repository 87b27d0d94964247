import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  dayKey, dayKind, durationKey, elapsedParts, formatDayLabel, formatNumber, formatTime, liveForKey,
  msUntilNextMidnight, startOfDay, toTime, viewOf, MINUTE, HOUR,
} from './format.js';
import { t } from './i18n.js';

// Written by a Rust test from meetdesk-core's view (which fails when this file is stale).
const edges = JSON.parse(readFileSync(new URL('../tests/fixtures/duration-edges.json', import.meta.url), 'utf8'));

test('the meeting type is the key Rust sent, never read from DingTalk\'s bizType', () => {
  // bizType "0" on the wire is an instant meeting, but the window shows what the view says.
  assert.equal(viewOf({ bizType: '0', view: { type: 'booked' } }).type, 'booked');
  assert.equal(viewOf({ bizType: '3', view: {} }).type, 'unknown');
  assert.equal(viewOf({ view: { type: 'video_x' } }).type, 'unknown', 'a key the contract does not list');
  for (const { key } of [{ key: 'instant' }, { key: 'booked' }, { key: 'audio' }]) {
    assert.equal(viewOf({ view: { type: key } }).type, key);
  }
});

test('the view comes from Rust and is read, never re-derived from the raw fields', () => {
  // confDuration of i64::MAX on the wire: Rust's view says the duration is unknown, so "—".
  const none = { kind: 'none' };
  const m = { confDuration: 9223372036854775807, startTime: -1, status: 1,
    view: { status: 'ended', start: null, end: null, durationMs: null, duration: none, caveat: null, joinable: false } };
  assert.deepEqual(viewOf(m), { status: 'ended', type: 'unknown', start: null, end: null, durationMs: null, duration: none, caveat: null, joinable: false });
  assert.deepEqual(durationKey(viewOf(m).duration), { key: 'duration.none', params: {} });
  // The duration's parts are Rust's, even where the raw fields would say otherwise.
  const ok = { confDuration: 3600000, view: { status: 'live', type: 'audio', start: 1700000000000, end: null, durationMs: 779000,
    duration: { kind: 'minutes', m: 12 }, caveat: 'liveOverADay', joinable: true } };
  assert.deepEqual(viewOf(ok), { status: 'live', type: 'audio', start: 1700000000000, end: null, durationMs: 779000,
    duration: { kind: 'minutes', m: 12 }, caveat: 'liveOverADay', joinable: true });
  // Missing or odd views are all unknown, never a crash.
  const unknown = { status: 'unknown', type: 'unknown', start: null, end: null, durationMs: null, duration: none, caveat: null, joinable: false };
  for (const odd of [null, undefined, 42, {}, { view: null }, { view: 'x' },
    { view: { status: 'exploded', type: 7, start: '1700000000000', end: NaN, durationMs: -5, duration: { kind: 'minutes', m: -1 }, caveat: 'other', joinable: 'yes' } },
    { view: { duration: { kind: 'fortnights', m: 2 } } }, { view: { duration: { kind: 'hoursMinutes', h: 1 } } }]) {
    assert.deepEqual(viewOf(odd), unknown, JSON.stringify(odd));
  }
});

test('duration keys come from the parts Rust sent', () => {
  assert.deepEqual(durationKey(null), { key: 'duration.none', params: {} });
  assert.deepEqual(durationKey({ kind: 'lessThanMinute' }), { key: 'duration.lessThanMinute', params: {} });
  assert.deepEqual(durationKey({ kind: 'minutes', m: 12 }), { key: 'duration.minutes', params: { m: 12 } });
  assert.deepEqual(durationKey({ kind: 'hours', h: 2 }), { key: 'duration.hours', params: { h: 2 } });
  assert.deepEqual(durationKey({ kind: 'hoursMinutes', h: 1, m: 5 }), { key: 'duration.hoursMinutes', params: { h: 1, m: 5 } });
  // A number is not parts: the window never splits a meeting's duration itself.
  assert.deepEqual(durationKey(779000), { key: 'duration.none', params: {} });
});

test('on the rounding edges the window says what the CLI says and the CSV agrees', () => {
  assert.ok(edges.cases.length >= 7);
  const names = edges.cases.map((c) => c.name);
  for (const n of ['59 s', '12 min 59 s', '59 min 59.9 s', '1 h 29 min 30 s', '7 days']) assert.ok(names.includes(n), n);
  for (const c of edges.cases) {
    const row = { view: { status: 'ended', start: null, end: null, durationMs: c.durationMs, duration: c.duration, caveat: null, joinable: false } };
    for (const lang of ['en', 'zh-CN']) {
      const d = durationKey(viewOf(row).duration);
      // c.text is the CLI table's cell (Rust's DurationParts::text), "—" where the CLI leaves it empty.
      assert.equal(t(d.key, d.params, lang), c.text[lang], `${c.name} in ${lang}`);
    }
    if (c.durationMs === null) { assert.equal(c.csv.comma, ''); continue; }
    // The CSV's minutes (truncated tenths) never claim a minute more than the window shows.
    const csvMinutes = Number(c.csv.comma);
    const shown = (c.duration.h ?? 0) * 60 + (c.duration.m ?? 0);
    assert.equal(Math.trunc(csvMinutes), shown, c.name);
    assert.equal(c.csv.semicolon, c.csv.comma.replace('.', ','), c.name);
    // The live clock splits elapsed time the same way Rust splits a duration.
    assert.deepEqual(elapsedParts(c.durationMs), c.duration, c.name);
  }
});

test('live for: minutes since start, never negative', () => {
  const now = 1700000000000;
  assert.deepEqual(liveForKey(now - 12 * MINUTE, now).duration, { key: 'duration.minutes', params: { m: 12 } });
  assert.deepEqual(liveForKey(now - 2 * HOUR, now).duration, { key: 'duration.hours', params: { h: 2 } });
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
