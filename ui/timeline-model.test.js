import test from 'node:test';
import assert from 'node:assert/strict';
import {
  buildRows, indexOfKey, layoutRows, moveFocus, nearEnd, rowAt, scrollToReveal, visibleRange,
} from './timeline-model.js';

const at = (d, h, m = 0) => new Date(2026, 10, d, h, m).getTime(); // November 2026, local time
const NOW = at(23, 15);
const STATUS = { 0: 'notStarted', 1: 'ended', 2: 'live' };
// A meeting as a page carries it: DingTalk's fields plus the view Rust computed (view.rs). The
// view is what counts; the raw fields are there to show they are not re-derived.
const mk = (id, start, status = 1, extra = {}) => ({
  conferenceId: id, title: `M${id}`, startTime: start, status,
  view: {
    status: STATUS[status] ?? 'unknown', start: typeof start === 'number' ? start : null,
    end: null, durationMs: null, caveat: null, joinable: true,
  },
  ...extra,
});

test('groups by day, newest first, with the live meeting pinned on top', () => {
  const rows = buildRows([
    mk('a', at(21, 9)),
    mk('b', at(23, 9)),
    mk('live', at(23, 14), 2),
    mk('c', at(22, 18)),
    mk('d', at(23, 11)),
    mk('e', at(22, 8)),
  ], NOW);
  const shape = rows.map((r) => (r.type === 'header' ? `#${r.kind}:${r.count}` : r.meeting.conferenceId));
  assert.deepEqual(shape, ['#live:1', 'live', '#today:2', 'd', 'b', '#yesterday:2', 'c', 'e', '#date:1', 'a']);
  assert.equal(rows[8].day, new Date(2026, 10, 21).getTime());
});

test('meetings without a start time go to a "Date unknown" group at the end; odd values do not crash', () => {
  const rows = buildRows([
    mk('x', undefined),
    mk('y', at(23, 9)),
    mk('z', 'garbage', 'weird'),
    null,
    42,
    { title: 'no id', startTime: at(20, 10), status: 7, bizType: 'mystery', view: { status: 'unknown', start: at(20, 10) } },
    { title: 'no view', startTime: at(23, 10), status: 2 },
    { title: 'odd view', view: { status: 'exploded', start: 'soon' } },
  ], NOW);
  const shape = rows.map((r) => (r.type === 'header' ? `#${r.kind}` : r.meeting.conferenceId ?? r.meeting.title));
  assert.deepEqual(shape, ['#today', 'y', '#date', 'no id', '#unknown', 'x', 'z', 'no view', 'odd view']);
  assert.equal(new Set(rows.map((r) => r.key)).size, rows.length, 'keys are unique');
});

test('the view decides the group, not the raw fields', () => {
  // Rust judged a year-9999 start implausible (view.start null) and a raw status 7 live? No:
  // only view.status puts a meeting under "Live now".
  const rows = buildRows([
    mk('far', 253402300799000, 1, { view: { status: 'ended', start: null } }),
    mk('raw-live', at(23, 9), 2, { view: { status: 'unknown', start: at(23, 9) } }),
    mk('view-live', at(23, 9), 7, { view: { status: 'live', start: at(23, 9) } }),
  ], NOW);
  const shape = rows.map((r) => (r.type === 'header' ? `#${r.kind}` : r.meeting.conferenceId));
  assert.deepEqual(shape, ['#live', 'view-live', '#today', 'raw-live', '#unknown', 'far']);
});

test('live meetings are sorted newest first within "Live now"', () => {
  const rows = buildRows([mk('l1', at(23, 9), 2), mk('l2', at(23, 13), 2), mk('l3', undefined, 2)], NOW);
  assert.deepEqual(rows.map((r) => r.meeting?.conferenceId ?? r.kind), ['live', 'l2', 'l1', 'l3']);
});

test('layout and windowing', () => {
  const meetings = [];
  for (let i = 0; i < 10000; i++) meetings.push(mk(String(i), NOW - i * 37 * 60_000, i === 5 ? 2 : 1));
  const t0 = performance.now();
  const rows = buildRows(meetings, NOW);
  const { tops, total } = layoutRows(rows, { header: 40, meeting: 68 });
  const built = performance.now() - t0;
  assert.ok(built < 1500, `building 10,000 rows took ${built} ms`);
  const headers = rows.filter((r) => r.type === 'header').length;
  assert.equal(rows.length, 10000 + headers);
  assert.equal(total, headers * 40 + 10000 * 68);
  assert.equal(tops[0], 0);
  assert.equal(tops[1], 40);
  const r = visibleRange(tops, rows.length, 50000, 600, 5);
  assert.ok(r.end - r.start <= Math.ceil(600 / 40) + 1 + 10);
  assert.ok(tops[r.start] <= 50000 && tops[r.end] >= 50600);
  assert.equal(rowAt(tops, rows.length, 0), 0);
  assert.equal(rowAt(tops, rows.length, 39), 0);
  assert.equal(rowAt(tops, rows.length, 40), 1);
  assert.equal(rowAt(tops, rows.length, 1e12), rows.length - 1);
  assert.deepEqual(visibleRange(tops, 0, 0, 600), { start: 0, end: 0 });
  assert.equal(rowAt(tops, 0, 10), -1);
});

test('keyboard movement skips day headers and clamps at the ends', () => {
  const rows = buildRows([mk('a', at(23, 9)), mk('b', at(22, 9)), mk('c', at(22, 8)), mk('d', at(20, 8))], NOW);
  // rows: 0 #today, 1 a, 2 #yesterday, 3 b, 4 c, 5 #date, 6 d
  assert.equal(moveFocus(rows, 1, 'down'), 3);
  assert.equal(moveFocus(rows, 3, 'up'), 1);
  assert.equal(moveFocus(rows, 1, 'up'), 1);
  assert.equal(moveFocus(rows, 6, 'down'), 6);
  assert.equal(moveFocus(rows, 4, 'home'), 1);
  assert.equal(moveFocus(rows, 1, 'end'), 6);
  assert.equal(moveFocus(rows, 1, 'pageDown', 3), 4);
  assert.equal(moveFocus(rows, 6, 'pageUp', 3), 3);
  assert.equal(moveFocus(rows, 1, 'pageDown', 100), 6);
  assert.equal(moveFocus(rows, 6, 'pageUp', 100), 1);
  assert.equal(moveFocus(rows, -1, 'down'), 1);
  assert.equal(moveFocus(rows, 0, 'down'), 1);
  assert.equal(moveFocus([], 0, 'down'), -1);
});

test('scroll to reveal, near end, keys', () => {
  const tops = Float64Array.from([0, 40, 108, 176, 244]);
  assert.equal(scrollToReveal(tops, 3, 0, 150), 244 - 150);
  assert.equal(scrollToReveal(tops, 0, 100, 150), 0);
  assert.equal(scrollToReveal(tops, 1, 30, 150), 30);
  assert.equal(nearEnd(1000, 400, 300, 400), true);
  assert.equal(nearEnd(1000, 0, 300, 400), false);
  assert.equal(nearEnd(0, 0, 300, 400), false);
  const rows = buildRows([mk('a', at(23, 9))], NOW);
  assert.equal(indexOfKey(rows, 'm:a'), 1);
  assert.equal(indexOfKey(rows, 'm:zz'), -1);
  assert.equal(indexOfKey(rows, null), -1);
});

test('Today/Yesterday follow the clock (midnight roll-over)', () => {
  const meetings = [mk('a', at(23, 9))];
  assert.equal(buildRows(meetings, at(23, 23, 59))[0].kind, 'today');
  assert.equal(buildRows(meetings, at(24, 0, 0))[0].kind, 'yesterday');
  assert.equal(buildRows(meetings, at(25, 0, 0))[0].kind, 'date');
});

test('a filter\'s subset is grouped and ordered as the whole list is, keys by position in the list', () => {
  const now = new Date(2026, 10, 26, 12).getTime();
  const at = (d, h) => new Date(2026, 10, d, h).getTime();
  const m = (id, start, status = 'ended') => ({ conferenceId: id, view: { status, start } });
  const list = [m('a', at(24, 9)), m('b', at(25, 9)), m(null, at(25, 10)), m('d', at(26, 8), 'live'), m('e', null)];
  const all = buildRows(list, now);
  const keys = (rows) => rows.map((r) => r.key);
  assert.deepEqual(keys(all), ['h:live', 'm:d', 'h:2026-11-25', 'i:2', 'm:b', 'h:2026-11-24', 'm:a', 'h:unknown', 'm:e']);
  const some = buildRows(list, now, [4, 2, 0]);
  assert.deepEqual(keys(some), ['h:2026-11-25', 'i:2', 'h:2026-11-24', 'm:a', 'h:unknown', 'm:e']);
  assert.deepEqual(some.filter((r) => r.type === 'header').map((r) => r.count), [1, 1, 1]);
  assert.deepEqual(buildRows(list, now, []), []);
  assert.deepEqual(keys(buildRows(list, now, [99, -1, 1])), ['h:2026-11-25', 'm:b'], 'positions out of range are ignored');
});
