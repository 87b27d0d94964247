import test from 'node:test';
import assert from 'node:assert/strict';
import { agoParts, cacheNote, readWatchView, headlineText, reasonText, budgetText, nameProblem, moveInList, isWatched } from './watched-model.js';

const t = (key, p = {}) => `${key}${Object.keys(p).length ? ' ' + JSON.stringify(p) : ''}`;
const MIN = 60_000;

test('"updated N ago" counts whole minutes, then hours, then days; a bad time is long ago', () => {
  const now = 1_800_000_000_000;
  assert.deepEqual(agoParts(now - 30_000, now), { key: 'offline.justNow', count: 0 });
  assert.deepEqual(agoParts(now - 12 * MIN - 59_000, now), { key: 'offline.minutesAgo', count: 12 });
  assert.deepEqual(agoParts(now - 3 * 60 * MIN, now), { key: 'offline.hoursAgo', count: 3 });
  assert.deepEqual(agoParts(now - 5 * 24 * 60 * MIN, now), { key: 'offline.daysAgo', count: 5 });
  assert.deepEqual(agoParts(NaN, now), { key: 'offline.longAgo', count: 0 });
  // A clock put back: never "in 5 minutes ago".
  assert.deepEqual(agoParts(now + 5 * MIN, now), { key: 'offline.justNow', count: 0 });
});

test('the cache note says offline only when Rust says so, and nothing for fresh rows', () => {
  const now = 1_800_000_000_000;
  assert.equal(cacheNote({ cachedAt: null, offline: false }, now, t), null);
  assert.match(cacheNote({ cachedAt: now - 12 * MIN, offline: true }, now, t), /^offline\.note .*minutesAgo/);
  assert.match(cacheNote({ cachedAt: now - 12 * MIN, offline: false }, now, t), /^offline\.updated/);
});

test('the watcher state is read defensively: bad rooms dropped, headline kinds kept, titles one line', () => {
  const v = readWatchView({
    rooms: [
      { name: 'Board room', roomCode: '427233559', headline: { kind: 'live', row: { title: 'Weekly\nsync', view: { start: 5 } } }, fetchedAt: 9 },
      { name: 'Bad', roomCode: '12<b>' },
      { roomCode: '100000000', headline: { kind: 'weird' } },
      null,
    ],
    plan: { reason: { kind: 'regular', minutes: 5 } },
    callsThisMonth: 312, monthlyBudget: 5000, online: false,
  });
  assert.equal(v.rooms.length, 2);
  assert.deepEqual(v.rooms[0].headline, { kind: 'live', title: 'Weekly sync', start: 5, conferenceId: '' });
  assert.equal(v.rooms[1].name, '100000000', 'a nameless room shows its code');
  assert.equal(v.rooms[1].headline, null);
  assert.equal(v.online, false);
  assert.deepEqual(readWatchView(undefined).rooms, []);
  assert.equal(readWatchView(undefined).known, false);
});

test('each room says Live, Next at a time, or nothing', () => {
  const time = (ms) => `T${ms}`;
  assert.equal(headlineText({ headline: { kind: 'live', title: 'Weekly sync', start: 1 } }, t, time), 'watch.live {"title":"Weekly sync"}');
  assert.equal(headlineText({ headline: { kind: 'next', title: 'Client call', start: 7 } }, t, time), 'watch.next {"title":"Client call","time":"T7"}');
  assert.equal(headlineText({ headline: { kind: 'next', title: '', start: null } }, t, time), 'watch.nextUntimed {"title":"row.untitled"}');
  assert.equal(headlineText({ headline: null }, t, time), 'watch.nothing');
});

test('the refresher line uses refresh.<kind> with its numbers; the budget line needs both counts', () => {
  assert.equal(reasonText({ kind: 'budget', minutes: 20, budget: 5000 }, t), 'refresh.budget {"minutes":20,"budget":5000}');
  assert.equal(reasonText(null, t), '');
  assert.equal(budgetText({ callsThisMonth: 3, monthlyBudget: 5000 }, t), 'watch.budget {"calls":3,"budget":5000}');
  assert.equal(budgetText({ callsThisMonth: null, monthlyBudget: 5000 }, t), '');
});

test('a name is 1 to 60 characters on one line, trimmed', () => {
  assert.equal(nameProblem('  '), 'watch.nameEmpty');
  assert.equal(nameProblem('Board\nroom'), 'watch.nameOneLine');
  assert.equal(nameProblem('x'.repeat(61)), 'watch.nameTooLong');
  assert.equal(nameProblem('会'.repeat(60)), null, 'characters, not bytes');
  assert.equal(nameProblem('  Board room '), null);
});

test('arrow keys move within the list and stop at its ends; other keys are not moves', () => {
  assert.equal(moveInList(0, 'ArrowDown', 3), 1);
  assert.equal(moveInList(2, 'ArrowDown', 3), 2);
  assert.equal(moveInList(0, 'ArrowUp', 3), 0);
  assert.equal(moveInList(1, 'End', 3), 2);
  assert.equal(moveInList(2, 'Home', 3), 0);
  assert.equal(moveInList(1, 'a', 3), -1);
  assert.equal(moveInList(0, 'ArrowDown', 0), -1);
  assert.equal(isWatched({ rooms: [{ roomCode: '427233559' }] }, '427233559'), true);
});
