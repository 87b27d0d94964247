import test from 'node:test';
import assert from 'node:assert/strict';
import { QueryController, SLOW_AFTER_MS, SlowWatch, readSnapshot } from './query-state.js';

// Rust owns the query; these test what the window still does: keep the latest snapshot, send
// intents naming the shown query, and its own Cancel / slow / dismiss state.

/** A fake api: intents are recorded and answer at once (or as the test says); snapshots are pushed by the test. */
function fakeApi() {
  const calls = [];
  let sink = null;
  const intent = (name) => (...args) => {
    calls.push({ name, args });
    return api.answer(name, args);
  };
  const api = {
    calls,
    answer: () => Promise.resolve({}),
    named(name) { return calls.filter((c) => c.name === name); },
    watchQuery(onSnapshot) { sink = onSnapshot; calls.push({ name: 'watchQuery', args: [] }); return Promise.resolve(null); },
    push(snapshot) { sink(snapshot); },
    querySearch: intent('querySearch'),
    queryLoadMore: intent('queryLoadMore'),
    queryLoadAll: intent('queryLoadAll'),
    queryRetry: intent('queryRetry'),
    queryCancel: intent('queryCancel'),
  };
  return api;
}

const row = (id) => ({ conferenceId: id, title: id, view: { status: 'ended', start: 1700000000000 } });
let seq = 0;
/** A snapshot as Rust sends it (query.rs `Snapshot`). */
function snap(fields = {}) {
  seq += 1;
  const { ids = [], ...rest } = fields;
  return {
    seq,
    queryId: 1,
    roomCode: '427200331',
    rows: ids.map(row),
    rowsVersion: 1,
    hasMore: true,
    totalCount: 100,
    searched: true,
    busy: null,
    error: null,
    event: { op: 'search', change: 'done' },
    ...rest,
  };
}

/** Timers the test fires by hand: fire() runs the pending ones, as if SLOW_AFTER_MS passed. */
function fakeTimers() {
  const pending = new Map();
  let next = 0;
  return {
    pending,
    setTimer(fn, ms) { next += 1; pending.set(next, { fn, ms }); return next; },
    clearTimer(id) { pending.delete(id); },
    fire() { const all = [...pending.values()]; pending.clear(); for (const t of all) t.fn(); },
  };
}

function setup() {
  const api = fakeApi();
  const events = [];
  const timers = fakeTimers();
  const intentErrors = [];
  const c = new QueryController(api, (s, e) => events.push({ ...e, n: s.meetings.length }), () => 42,
    { ...timers, onIntentError: (e) => intentErrors.push(e) });
  c.watch();
  return { api, c, events, timers, intentErrors };
}

const ids = (c) => c.state.meetings.map((m) => m.conferenceId);

test('the latest snapshot is what the window shows; an older or repeated one is dropped', () => {
  const { api, c, events } = setup();
  assert.equal(c.state.queryId, null, 'the empty start until Rust speaks');
  const first = snap({ ids: ['a', 'b'] });
  const second = snap({ ids: ['c'], queryId: 2, rowsVersion: 2 });
  api.push(second);
  api.push(first); // came late through another path (the watch's first snapshot)
  api.push(second);
  assert.equal(c.state.queryId, 2);
  assert.deepEqual(ids(c), ['c']);
  assert.equal(events.length, 1);
  assert.equal(events[0].receivedAt, 42);
  assert.equal(events[0].rowsChanged, true);
  api.push({ nonsense: true });
  api.push(null);
  assert.deepEqual(ids(c), ['c'], 'garbage is ignored');
});

test('the rows are rebuilt only when Rust says they changed', () => {
  const { api, c, events } = setup();
  api.push(snap({ ids: ['a'], rowsVersion: 5, busy: { op: 'loadAll', loaded: 100, totalCount: 5000 }, event: { op: 'loadAll', change: 'started' } }));
  api.push(snap({ ids: ['a'], rowsVersion: 5, busy: { op: 'loadAll', loaded: 200, totalCount: 5000 }, event: { op: 'loadAll', change: 'progress' } }));
  assert.deepEqual(events.map((e) => e.rowsChanged), [true, false]);
  assert.deepEqual(c.state.progress, { loaded: 200, totalCount: 5000 });
  assert.equal(c.state.busy, 'loadAll');
  api.push(snap({ ids: ['a', 'b'], rowsVersion: 6 }));
  assert.equal(events.at(-1).rowsChanged, true);
  assert.equal(c.state.progress, null);
});

test('a snapshot from Rust is read defensively and its error normalised', () => {
  const s = readSnapshot({ seq: 3, queryId: 'x', rows: 'no', busy: { op: 7 }, error: { op: 'loadMore', error: { kind: 'weird', requestid: 'r9' } } });
  assert.equal(s.queryId, null);
  assert.deepEqual(s.rows, []);
  assert.equal(s.busy, null);
  assert.equal(s.error.op, 'loadMore');
  assert.equal(s.error.error.kind, 'unknown');
  assert.equal(s.error.error.requestId, 'r9');
  assert.equal(readSnapshot({ seq: -1 }), null);
});

test('intents name the shown query; nothing is sent while busy, without more, or to nothing', async () => {
  const { api, c } = setup();
  await c.loadMore();
  await c.loadAll();
  assert.equal(api.calls.length, 1, 'only the watch: no query yet');
  await c.search('427200331');
  assert.deepEqual(api.named('querySearch')[0].args, ['427200331']);
  api.push(snap({ queryId: 7, ids: ['a'] }));
  await c.loadMore();
  assert.deepEqual(api.named('queryLoadMore')[0].args, [7]);
  api.push(snap({ queryId: 7, ids: ['a'], busy: { op: 'loadMore', loaded: 1 }, event: { op: 'loadMore', change: 'started' } }));
  await c.loadMore();
  await c.loadAll();
  assert.equal(api.named('queryLoadMore').length, 1, 'busy: not sent again');
  assert.equal(api.named('queryLoadAll').length, 0);
  api.push(snap({ queryId: 7, ids: ['a', 'b'], hasMore: false, event: { op: 'loadMore', change: 'done' } }));
  await c.loadMore();
  await c.loadAll();
  assert.equal(api.named('queryLoadMore').length + api.named('queryLoadAll').length, 1, 'nothing more to load');
});

test('after a failure scrolling loads nothing, the button and Retry do; Retry names the query', async () => {
  const { api, c } = setup();
  const failure = { op: 'loadMore', error: { kind: 'rateLimited', code: 'Forbidden.AccessDenied.QpsLimitForApi', requestId: 'r1', retryable: true } };
  api.push(snap({ queryId: 3, ids: ['a'], error: failure, event: { op: 'loadMore', change: 'failed' } }));
  assert.equal(c.state.error.op, 'loadMore');
  assert.equal(c.state.error.error.kind, 'rateLimited');
  assert.deepEqual(ids(c), ['a'], 'the rows are kept');
  await c.loadMore(); // the end of the list was scrolled to
  assert.equal(api.named('queryLoadMore').length, 0);
  await c.retry();
  assert.deepEqual(api.named('queryRetry')[0].args, [3], 'Rust repeats what failed');
  await c.loadMore({ force: true });
  assert.deepEqual(api.named('queryLoadMore')[0].args, [3]);
  api.push(snap({ queryId: 3, ids: ['a'] }));
  await c.retry();
  assert.equal(api.named('queryRetry').length, 1, 'nothing to retry');
});

test('a dismissed error stays hidden until the next failure, and scrolling loads again', async () => {
  const { api, c } = setup();
  const failure = (id) => ({ op: 'loadMore', error: { kind: 'server', requestId: id } });
  api.push(snap({ ids: ['a'], error: failure('r1'), event: { op: 'loadMore', change: 'failed' } }));
  c.dismissError();
  assert.equal(c.state.error, null);
  api.push(snap({ ids: ['a'], error: failure('r1'), event: { op: 'export', change: 'done' } }));
  assert.equal(c.state.error, null, 'still dismissed');
  await c.loadMore();
  assert.equal(api.named('queryLoadMore').length, 1);
  api.push(snap({ ids: ['a'], error: failure('r2'), event: { op: 'loadMore', change: 'failed' } }));
  assert.equal(c.state.error.error.requestId, 'r2', 'a new failure is shown');
});

test('cancel names the query once, says "cancelling" until Rust answers, and does nothing when idle', async () => {
  const { api, c, events } = setup();
  assert.equal(await c.cancel(), false);
  api.push(snap({ queryId: 4, ids: [], searched: false, busy: { op: 'search', loaded: 0 }, event: { op: 'search', change: 'started' } }));
  const p = c.cancel();
  assert.equal(c.state.cancelling, true);
  assert.equal(await c.cancel(), false, 'once');
  assert.equal(await p, true);
  assert.deepEqual(api.named('queryCancel').map((x) => x.args), [[4]]);
  assert.equal(events.at(-1).change, 'local');
  // Rust brings back the query the search replaced.
  api.push(snap({ queryId: 2, ids: ['x', 'y'], event: { op: 'search', change: 'cancelled' } }));
  assert.equal(c.state.cancelling, false);
  assert.equal(c.state.busy, null);
  assert.equal(c.state.queryId, 2);
  assert.deepEqual(ids(c), ['x', 'y']);
  assert.deepEqual([events.at(-1).op, events.at(-1).change, events.at(-1).queryChanged], ['search', 'cancelled', true]);
});

test('until Rust says an intent started the window is busy, and a Cancel pressed meanwhile follows it', async () => {
  const { api, c } = setup();
  api.push(snap({ queryId: 1, ids: ['a'] }));
  let answer;
  api.answer = (name) => (name === 'querySearch' ? new Promise((resolve) => { answer = resolve; }) : Promise.resolve({}));
  const p = c.search('999999999');
  assert.equal(c.state.busy, 'search', 'not idle with the old list meanwhile');
  assert.equal(c.state.roomCode, '999999999');
  await c.loadMore();
  assert.equal(api.named('queryLoadMore').length, 0, 'no second intent meanwhile');
  assert.equal(await c.cancel(), true);
  assert.equal(c.state.cancelling, true);
  assert.equal(api.named('queryCancel').length, 0, 'not yet: Rust has not named the query');
  // A page of something older is not the start of this search.
  api.push(snap({ queryId: 1, ids: ['a'], busy: { op: 'loadAll', loaded: 1 }, event: { op: 'loadAll', change: 'progress' } }));
  assert.equal(api.named('queryCancel').length, 0);
  api.push(snap({ queryId: 2, ids: [], rowsVersion: 2, searched: false, busy: { op: 'search', loaded: 0 }, event: { op: 'search', change: 'started' } }));
  assert.deepEqual(api.named('queryCancel').map((x) => x.args), [[2]], 'the cancel names the new query');
  assert.equal(c.state.cancelling, true, 'until Rust answers the cancel');
  api.push(snap({ queryId: 1, ids: ['a'], event: { op: 'search', change: 'cancelled' } }));
  answer({});
  await p;
  assert.equal(c.state.busy, null);
  assert.equal(c.state.cancelling, false);
});

test('Retry hides the error at once and is not sent twice', async () => {
  const { api, c } = setup();
  api.push(snap({ queryId: 3, ids: ['a'], error: { op: 'loadAll', error: { kind: 'server' } }, event: { op: 'loadAll', change: 'failed' } }));
  api.answer = () => new Promise(() => {}); // Rust has not answered yet
  c.retry();
  assert.equal(c.state.error, null);
  assert.equal(c.state.busy, 'loadAll');
  c.retry();
  assert.equal(api.named('queryRetry').length, 1);
});

test('an intent answered without a snapshot (nothing to do) leaves the window idle again', async () => {
  const { api, c } = setup();
  api.push(snap({ queryId: 3, ids: ['a'] }));
  await c.loadMore();
  assert.equal(c.state.busy, null);
});

test('a refused intent is reported, except stale (a newer query is shown)', async () => {
  const { api, c, intentErrors } = setup();
  api.answer = (name) => Promise.reject(name === 'querySearch' ? { kind: 'unknown', message: 'not allowed' } : { kind: 'stale' });
  api.push(snap({ ids: ['a'] }));
  assert.equal(await c.search('427200331'), null, 'never rejects');
  await c.loadMore();
  assert.deepEqual(intentErrors.map((e) => e.message), ['not allowed']);
});

test('the slow note comes after SLOW_AFTER_MS without an answer, announced once, and goes with the answer', () => {
  const { api, c, events, timers } = setup();
  assert.ok(SLOW_AFTER_MS >= 3000 && SLOW_AFTER_MS <= 8000, 'about 5 s');
  api.push(snap({ busy: { op: 'search', loaded: 0 }, event: { op: 'search', change: 'started' } }));
  assert.equal(c.state.slow, false);
  assert.equal([...timers.pending.values()][0].ms, SLOW_AFTER_MS);
  timers.fire();
  assert.equal(c.state.slow, true);
  const slow = events.filter((e) => e.change === 'slow');
  assert.deepEqual(slow.map((e) => [e.op, e.announce]), [['search', true]]);
  api.push(snap({ ids: ['a'] }));
  assert.equal(c.state.slow, false);
  assert.equal(timers.pending.size, 0, 'no timer left once answered');
  timers.fire();
  assert.equal(events.filter((e) => e.change === 'slow').length, 1, 'nothing fires when idle');
});

test('load all: each page restarts the slow count; a stall after pages still shows the note, announced once', () => {
  const { api, c, events, timers } = setup();
  const busy = (loaded) => ({ op: 'loadAll', loaded, totalCount: 5000 });
  api.push(snap({ ids: ['a'], busy: busy(20), event: { op: 'loadAll', change: 'started' } }));
  timers.fire();
  assert.equal(c.state.slow, true);
  api.push(snap({ ids: ['a'], busy: busy(120), event: { op: 'loadAll', change: 'progress' } }));
  assert.equal(c.state.slow, false, 'pages flow again');
  assert.equal(timers.pending.size, 1, 'counting from this page');
  timers.fire();
  assert.equal(c.state.slow, true);
  assert.deepEqual(events.filter((e) => e.change === 'slow').map((e) => e.announce), [true, false]);
  api.push(snap({ ids: ['a', 'b', 'c'], rowsVersion: 2, event: { op: 'loadAll', change: 'cancelled' } }));
  assert.equal(c.state.slow, false);
  assert.equal(c.state.busy, null);
  assert.equal(timers.pending.size, 0);
  // The next operation announces its own slow note again.
  api.push(snap({ ids: ['a', 'b', 'c'], rowsVersion: 2, busy: busy(3), event: { op: 'loadAll', change: 'started' } }));
  timers.fire();
  assert.equal(events.filter((e) => e.change === 'slow').at(-1).announce, true);
});

test('SlowWatch fires once per poke and stop() ends it', () => {
  const timers = fakeTimers();
  let n = 0;
  const w = new SlowWatch(() => { n += 1; }, { ms: 10, ...timers });
  w.poke();
  w.poke();
  assert.equal(timers.pending.size, 1, 'a poke restarts, it does not add');
  timers.fire();
  assert.equal(n, 1);
  w.poke();
  w.stop();
  timers.fire();
  assert.equal(n, 1);
});

test('SlowWatch calls its timer functions unbound (a browser\'s setTimeout refuses another this)', () => {
  const seen = [];
  function strictSet(fn, ms) { 'use strict'; seen.push(this); return 1; }
  function strictClear() { 'use strict'; seen.push(this); }
  const w = new SlowWatch(() => {}, { ms: 10, setTimer: strictSet, clearTimer: strictClear });
  w.poke();
  w.stop();
  assert.deepEqual(seen, [undefined, undefined]);
});

test('rows left out of a snapshot are the ones the window has; shown picks from them', () => {
  const { api, c, events } = setup();
  api.push(snap({ ids: ['a', 'b', 'c'], rowsVersion: 7 }));
  const list = c.state.meetings;
  assert.deepEqual(ids(c), ['a', 'b', 'c']);
  assert.equal(c.state.filtered, false);
  assert.equal(c.state.shownMeetings, list, 'no filter: the list itself');
  // A filter change: Rust sends no rows (the window has version 7), only which are shown.
  api.push(snap({ rows: null, rowsVersion: 7, shown: [0, 2], shownVersion: 2, event: { op: null, change: 'filtered' },
    summary: { count: 2, timed: 2, totalMinutes: 90, averageMinutes: 45, hosts: [{ name: 'Li', count: 2, totalMinutes: 90 }], weeks: [], undated: 0 } }));
  assert.equal(c.state.meetings, list, 'the same rows, not a copy');
  assert.deepEqual(c.state.shownMeetings.map((m) => m.conferenceId), ['a', 'c']);
  assert.equal(c.state.shownCount, 2);
  assert.equal(c.state.filtered, true);
  assert.equal(c.state.summary.averageMinutes, 45);
  const last = events.at(-1);
  assert.deepEqual([last.change, last.rowsChanged, last.shownChanged], ['filtered', false, true]);
  // A progress message changes neither.
  api.push(snap({ rows: null, rowsVersion: 7, shown: [0, 2], shownVersion: 2, busy: { op: 'loadAll', loaded: 3 }, event: { op: 'loadAll', change: 'progress' } }));
  assert.deepEqual([events.at(-1).rowsChanged, events.at(-1).shownChanged], [false, false]);
  // New rows come whole.
  api.push(snap({ ids: ['a', 'b', 'c', 'd'], rowsVersion: 8, shown: [0, 2, 3], shownVersion: 3 }));
  assert.deepEqual(c.state.shownMeetings.map((m) => m.conferenceId), ['a', 'c', 'd']);
});

test('rows left out for a version the window lacks show nothing rather than the wrong list', () => {
  const s = readSnapshot({ seq: 1, rows: null, rowsVersion: 9, shown: [0, 1] }, { rowsVersion: 8, rows: [{}] });
  assert.deepEqual([s.rows.length, s.rowsMissing, s.shown.length], [0, true, 0]);
  const e = readSnapshot({ seq: 1, rows: null, rowsVersion: 0 });
  assert.equal(e.rowsMissing, false, 'the empty start has no rows to miss');
  assert.deepEqual(readSnapshot({ seq: 1, summary: { count: 'x', hosts: [null, { name: ' ', count: 1 }] } }).summary.hosts,
    [{ name: null, count: 1, totalMinutes: 0 }]);
});

test('a filter change does not end a search that has not started yet', () => {
  const { api, c } = setup();
  api.answer = () => new Promise(() => {});
  c.search('427200331');
  api.push(snap({ rows: null, rowsVersion: 0, event: { op: null, change: 'filtered' } }));
  assert.equal(c.state.busy, 'search', 'still waiting for the search to start');
});

test('filters are sent one at a time, the newest typed one next, refusals reported', async () => {
  const { api, c } = setup();
  const answers = [];
  api.queryFilter = (f) => {
    api.calls.push({ name: 'queryFilter', args: [f] });
    return new Promise((resolve, reject) => answers.push({ resolve, reject }));
  };
  const errors = [];
  c.onFilterError = (e) => errors.push(e);
  const done = c.filter({ text: 'w' });
  c.filter({ text: 'we' });
  c.filter({ text: 'wee' });
  assert.deepEqual(api.named('queryFilter').map((x) => x.args[0].text), ['w'], 'one in flight');
  answers[0].resolve(null);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(api.named('queryFilter').map((x) => x.args[0].text), ['w', 'wee'], 'the newest, not each keystroke');
  answers[1].reject({ kind: 'invalidFilter', field: 'text', message: 'too long' });
  await done;
  assert.deepEqual(errors.map((e) => e && e.field), [null, 'text']);
});
