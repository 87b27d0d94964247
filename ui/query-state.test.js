import test from 'node:test';
import assert from 'node:assert/strict';
import { QueryController, SLOW_AFTER_MS, SlowWatch } from './query-state.js';

/** A fake api whose calls wait until the test resolves or rejects them. */
function fakeApi() {
  const calls = [];
  const make = (name) => (...args) => new Promise((resolve, reject) => calls.push({ name, args, resolve, reject }));
  return {
    calls,
    last(name) { return [...calls].reverse().find((c) => c.name === name); },
    queryRoom: make('queryRoom'),
    nextPage: make('nextPage'),
    loadAll: make('loadAll'),
    cancelLoad: make('cancelLoad'),
    cancelRequest: make('cancelRequest'),
    loadedMeetings: make('loadedMeetings'),
    nextId: 0,
    newRequestId() { this.nextId += 1; return this.nextId; },
  };
}
const tick = () => new Promise((r) => setImmediate(r));
const m = (id) => ({ conferenceId: id, title: id, startTime: 1700000000000, status: 1 });
const page = (queryId, ids, extra = {}) => ({ queryId, roomCode: '427200331', meetings: ids.map(m), hasMore: true, totalCount: 100, loaded: ids.length, ...extra });

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
  const c = new QueryController(api, (s, e) => events.push({ ...e, n: s.meetings.length }), () => 42, timers);
  return { api, c, events, timers };
}

test('search loads the first page', async () => {
  const { api, c, events } = setup();
  const p = c.search('427200331');
  assert.equal(c.state.busy, 'search');
  assert.equal(api.last('queryRoom').args[0], '427200331');
  assert.equal(api.last('queryRoom').args[1], c.state.requestId, 'the request carries its id');
  api.last('queryRoom').resolve(page(1, ['a', 'b']));
  await p;
  assert.equal(c.state.busy, null);
  assert.equal(c.state.queryId, 1);
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);
  assert.equal(c.state.totalCount, 100);
  assert.equal(c.state.searched, true);
  assert.deepEqual(events.map((e) => e.type), ['search-start', 'page']);
  assert.equal(events[1].receivedAt, 42);
});

test('an older search answering late is ignored (no mixing)', async () => {
  const { api, c } = setup();
  const p1 = c.search('111111111');
  const first = api.last('queryRoom');
  const p2 = c.search('222222222');
  const second = api.last('queryRoom');
  second.resolve(page(2, ['new']));
  await p2;
  first.resolve(page(1, ['old']));
  await p1;
  assert.equal(c.state.queryId, 2);
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['new']);
  // An old error is ignored too.
  const p3 = c.search('333333333');
  const third = api.last('queryRoom');
  const p4 = c.search('444444444');
  api.last('queryRoom').resolve(page(4, ['four']));
  await p4;
  third.reject({ kind: 'network', message: 'x' });
  await p3;
  assert.equal(c.state.error, null);
  assert.equal(c.state.queryId, 4);
});

test('load more appends; a page of an old query is ignored', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const more = c.loadMore();
  assert.equal(c.state.busy, 'more');
  assert.equal(api.last('nextPage').args[0], 1);
  c.loadMore(); // ignored while busy
  assert.equal(api.calls.filter((x) => x.name === 'nextPage').length, 1);
  api.last('nextPage').resolve(page(1, ['b', 'a'], { loaded: 2 }));
  await more;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);

  const more2 = c.loadMore();
  const pending = api.last('nextPage');
  const s = c.search('999999999');
  api.last('queryRoom').resolve(page(2, ['z']));
  await s;
  pending.resolve(page(1, ['late']));
  await more2;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['z']);
});

test('a failed load more keeps the meetings and retry repeats it', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const more = c.loadMore();
  api.last('nextPage').reject({ kind: 'rateLimited', code: 'Forbidden.AccessDenied.QpsLimitForApi', requestId: 'r1' });
  await more;
  assert.equal(c.state.error.op, 'more');
  assert.equal(c.state.error.error.kind, 'rateLimited');
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a']);
  // Scrolling does not hammer the API after an error…
  await c.loadMore();
  assert.equal(api.calls.filter((x) => x.name === 'nextPage').length, 1);
  // …retry does.
  const r = c.retry();
  assert.equal(c.state.error, null);
  api.last('nextPage').resolve(page(1, ['b'], { hasMore: false }));
  await r;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);
  assert.equal(c.state.hasMore, false);
  await c.loadMore(); // nothing more
  assert.equal(api.calls.filter((x) => x.name === 'nextPage').length, 2);
});

test('stale errors are ignored', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const more = c.loadMore();
  api.last('nextPage').reject({ kind: 'stale' });
  await more;
  assert.equal(c.state.error, null);
});

test('load all reports progress and appends the rest', async () => {
  const { api, c, events } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const all = c.loadAll();
  assert.equal(c.state.busy, 'all');
  const call = api.last('loadAll');
  assert.equal(call.args[0], 1);
  call.args[1]({ loaded: 40, totalCount: 100 });
  assert.deepEqual(c.state.progress, { loaded: 40, totalCount: 100 });
  call.resolve(page(1, ['b', 'c'], { hasMore: false, loaded: 3 }));
  await all;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b', 'c']);
  assert.equal(c.state.busy, null);
  assert.equal(c.state.progress, null);
  assert.ok(events.some((e) => e.type === 'progress'));
});

test('cancel keeps what was loaded (re-read with loaded_meetings)', async () => {
  const { api, c, events } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const all = c.loadAll();
  const load = api.last('loadAll');
  const cancel = c.cancelLoadAll();
  assert.equal(c.state.cancelling, true);
  assert.deepEqual(api.last('cancelRequest').args, [load.args[2]]);
  api.last('cancelRequest').resolve(null);
  await cancel;
  load.reject({ kind: 'cancelled', message: 'cancelled' });
  await tick();
  assert.deepEqual(api.last('loadedMeetings').args, [1]);
  api.last('loadedMeetings').resolve(page(1, ['a', 'b', 'c', 'd'], { loaded: 4 }));
  await all;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b', 'c', 'd']);
  assert.equal(c.state.busy, null);
  assert.equal(c.state.error, null);
  assert.equal(c.state.hasMore, true);
  assert.equal(events.at(-1).type, 'cancelled');
});

test('a failed load all keeps what was loaded and offers retry', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const all = c.loadAll();
  api.last('loadAll').reject({ kind: 'quota', code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' });
  await tick();
  api.last('loadedMeetings').reject({ kind: 'io' }); // even if the re-read fails
  await all;
  assert.equal(c.state.error.op, 'all');
  assert.equal(c.state.error.error.kind, 'quota');
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a']);
  const r = c.retry();
  assert.equal(c.state.busy, 'all');
  api.last('loadAll').resolve(page(1, ['b'], { hasMore: false }));
  await r;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);
});

test('a new search during load all cancels the old load and ignores its answer', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  const all = c.loadAll();
  const load = api.last('loadAll');
  const s = c.search('555555555');
  assert.deepEqual(api.last('cancelRequest').args, [load.args[2]], 'the old load is cancelled in Rust');
  api.last('cancelRequest').resolve(null);
  api.last('queryRoom').resolve(page(2, ['x']));
  await s;
  load.reject({ kind: 'cancelled' });
  await all;
  assert.equal(api.calls.filter((x) => x.name === 'loadedMeetings').length, 0);
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['x']);
  assert.equal(c.state.busy, null);
});

test('a failed search shows the error and retry searches again', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').reject({ kind: 'permission', code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied' });
  await p;
  assert.equal(c.state.error.op, 'search');
  assert.equal(c.state.roomCode, '427200331');
  const r = c.retry();
  assert.equal(api.last('queryRoom').args[0], '427200331');
  api.last('queryRoom').resolve(page(3, ['a'], { totalCount: null, hasMore: false }));
  await r;
  assert.equal(c.state.error, null);
  assert.equal(c.state.totalCount, null);
});

test('reset forgets the query and ignores its pending answers', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  c.reset();
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  assert.equal(c.state.queryId, null);
  assert.deepEqual(c.state.meetings, []);
});

test('a page marked replace: true replaces the list instead of appending', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ['a', 'b']));
  await p;
  const more = c.loadMore();
  api.last('nextPage').resolve(page(1, ['x', 'y', 'z'], { replace: true, loaded: 3 }));
  await more;
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['x', 'y', 'z']);
});

// ---- cancel and the slow note (issue 10 §4) ----------------------------------------------------

async function shown(c, api, ids = ['a', 'b']) {
  const p = c.search('427200331');
  api.last('queryRoom').resolve(page(1, ids));
  await p;
}

test('a cancelled search brings back the list shown before, with its query', async () => {
  const { api, c, events } = setup();
  await shown(c, api);
  const p = c.search('555555555');
  assert.equal(c.state.busy, 'search');
  assert.deepEqual(c.state.meetings, []);
  const { requestId } = c.state;
  const cancel = c.cancel();
  assert.equal(c.state.cancelling, true);
  assert.deepEqual(api.last('cancelRequest').args, [requestId]);
  api.last('cancelRequest').resolve(null);
  await cancel;
  api.last('queryRoom').reject({ kind: 'cancelled', message: 'Cancelled' });
  await p;
  assert.equal(c.state.busy, null);
  assert.equal(c.state.error, null, 'a cancel is not an error');
  assert.equal(c.state.queryId, 1);
  assert.equal(c.state.roomCode, '427200331');
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);
  assert.equal(events.find((e) => e.type === 'cancelled').op, 'search');
  // It re-reads what Rust holds for that query (a load all it stopped may have added pages).
  assert.deepEqual(api.last('loadedMeetings').args, [1]);
  api.last('loadedMeetings').resolve(page(1, ['a', 'b', 'c'], { replace: true }));
  await tick();
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b', 'c']);
  // And the restored list goes on as before.
  const more = c.loadMore();
  assert.equal(api.last('nextPage').args[0], 1);
  api.last('nextPage').resolve(page(1, ['d']));
  await more;
  assert.equal(c.state.meetings.length, 4);
});

test('a cancelled first search goes back to the empty start', async () => {
  const { api, c } = setup();
  const p = c.search('427200331');
  c.cancel();
  api.last('queryRoom').reject({ kind: 'cancelled' });
  await p;
  assert.equal(c.state.queryId, null);
  assert.equal(c.state.busy, null);
  assert.equal(c.state.searched, false);
  assert.equal(c.state.error, null);
  assert.equal(api.calls.filter((x) => x.name === 'loadedMeetings').length, 0);
});

test('two searches then a cancel: back to the list before both, and the first is cancelled in Rust', async () => {
  const { api, c } = setup();
  await shown(c, api);
  const p1 = c.search('111111111');
  const first = api.last('queryRoom');
  const p2 = c.search('222222222');
  assert.deepEqual(api.last('cancelRequest').args, [first.args[1]]);
  first.reject({ kind: 'cancelled' });
  await p1;
  assert.equal(c.state.busy, 'search', 'the old search\'s cancel does not end the new one');
  c.cancel();
  api.last('queryRoom').reject({ kind: 'cancelled' });
  await p2;
  assert.equal(c.state.queryId, 1);
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);
});

test('a cancelled load more keeps the pages and offers load more again', async () => {
  const { api, c, events } = setup();
  await shown(c, api);
  const more = c.loadMore();
  const call = api.last('nextPage');
  c.cancel();
  assert.deepEqual(api.last('cancelRequest').args, [call.args[1]]);
  call.reject({ kind: 'cancelled' });
  await more;
  assert.equal(c.state.busy, null);
  assert.equal(c.state.error, null);
  assert.equal(c.state.hasMore, true);
  assert.deepEqual(c.state.meetings.map((x) => x.conferenceId), ['a', 'b']);
  assert.equal(events.at(-1).type, 'cancelled');
  // Not blocked: the next load more goes out.
  c.loadMore();
  assert.equal(api.calls.filter((x) => x.name === 'nextPage').length, 2);
});

test('cancel does nothing when idle, and only once while cancelling', async () => {
  const { api, c } = setup();
  assert.equal(await c.cancel(), false);
  await shown(c, api);
  assert.equal(await c.cancel(), false);
  c.loadMore();
  c.cancel();
  c.cancel();
  assert.equal(api.calls.filter((x) => x.name === 'cancelRequest').length, 1);
});

test('each request gets its own id', async () => {
  const { api, c } = setup();
  await shown(c, api);
  const more = c.loadMore();
  api.last('nextPage').resolve(page(1, ['c']));
  await more;
  const all = c.loadAll();
  const ids = [api.last('queryRoom').args[1], api.last('nextPage').args[1], api.last('loadAll').args[2]];
  assert.equal(new Set(ids).size, 3, String(ids));
  api.last('loadAll').resolve(page(1, [], { hasMore: false }));
  await all;
});

test('the slow note comes after SLOW_AFTER_MS without an answer, announced once, and goes with the answer', async () => {
  const { api, c, events, timers } = setup();
  assert.ok(SLOW_AFTER_MS >= 3000 && SLOW_AFTER_MS <= 8000, 'about 5 s');
  const p = c.search('427200331');
  assert.equal(c.state.slow, false);
  assert.equal([...timers.pending.values()][0].ms, SLOW_AFTER_MS);
  timers.fire();
  assert.equal(c.state.slow, true);
  const slow = events.filter((e) => e.type === 'slow');
  assert.deepEqual(slow.map((e) => [e.op, e.announce]), [['search', true]]);
  api.last('queryRoom').resolve(page(1, ['a']));
  await p;
  assert.equal(c.state.slow, false);
  assert.equal(timers.pending.size, 0, 'no timer left once answered');
  timers.fire();
  assert.equal(events.filter((e) => e.type === 'slow').length, 1, 'nothing fires when idle');
});

test('a fast answer never shows the slow note', async () => {
  const { api, c, events, timers } = setup();
  await shown(c, api);
  assert.equal(timers.pending.size, 0);
  assert.ok(!events.some((e) => e.type === 'slow'));
});

test('load all: each page restarts the slow count; a stall after pages still shows the note, announced once', async () => {
  const { api, c, events, timers } = setup();
  await shown(c, api);
  const all = c.loadAll();
  const call = api.last('loadAll');
  timers.fire();
  assert.equal(c.state.slow, true);
  call.args[1]({ loaded: 120, totalCount: 5000 });
  assert.equal(c.state.slow, false, 'pages flow again');
  assert.equal(timers.pending.size, 1, 'counting from this page');
  timers.fire();
  assert.equal(c.state.slow, true);
  assert.deepEqual(events.filter((e) => e.type === 'slow').map((e) => e.announce), [true, false]);
  c.cancel();
  call.reject({ kind: 'cancelled' });
  await tick();
  api.last('loadedMeetings').resolve(page(1, ['a', 'b', 'c'], { replace: true }));
  await all;
  assert.equal(c.state.slow, false);
  assert.equal(c.state.busy, null);
  assert.equal(c.state.error, null);
  assert.equal(c.state.meetings.length, 3);
});

test('a failed request clears the slow note and shows the error', async () => {
  const { api, c, timers } = setup();
  const p = c.search('427200331');
  timers.fire();
  api.last('queryRoom').reject({ kind: 'timeout', message: 'timed out' });
  await p;
  assert.equal(c.state.slow, false);
  assert.equal(c.state.error.error.kind, 'timeout');
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
