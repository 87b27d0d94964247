import test from 'node:test';
import assert from 'node:assert/strict';
import { minutesKey, mondayDate, weekBars } from './summary-model.js';

test('summed minutes are put into words by the rule every duration follows', () => {
  assert.deepEqual(minutesKey(0), { key: 'duration.lessThanMinute', params: {} });
  assert.deepEqual(minutesKey(45), { key: 'duration.minutes', params: { m: 45 } });
  assert.deepEqual(minutesKey(120), { key: 'duration.hours', params: { h: 2 } });
  assert.deepEqual(minutesKey(605), { key: 'duration.hoursMinutes', params: { h: 10, m: 5 } });
  assert.deepEqual(minutesKey(100_000), { key: 'duration.hoursMinutes', params: { h: 1666, m: 40 } });
  assert.deepEqual(minutesKey(null), { key: 'duration.none', params: {} });
  assert.deepEqual(minutesKey(-3), { key: 'duration.none', params: {} });
});

test('the tallest week fills the chart, an empty week keeps its slot without a bar', () => {
  const bars = weekBars([
    { monday: '2026-11-16', count: 2 },
    { monday: '2026-11-23', count: 0 },
    { monday: '2026-11-30', count: 4 },
  ], 300, 100);
  assert.equal(bars.length, 3);
  assert.deepEqual(bars.map((b) => b.h), [50, 0, 100]);
  assert.deepEqual(bars.map((b) => b.y), [50, 100, 0]);
  assert.equal(bars[0].w, 80);
  assert.ok(bars[1].x > bars[0].x + bars[0].w && bars[2].x + bars[2].w <= 300, 'bars stay apart and inside');
  assert.deepEqual(weekBars([], 300, 100), []);
  assert.deepEqual(weekBars([{ monday: 'x', count: Number.NaN }], 300, 100).map((b) => b.h), [0]);
});

test('a week\'s Monday is a local date', () => {
  const d = new Date(mondayDate('2026-11-23'));
  assert.deepEqual([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()], [2026, 10, 23, 0]);
  assert.equal(mondayDate('soon'), null);
});
