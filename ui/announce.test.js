import test from 'node:test';
import assert from 'node:assert/strict';
import { PROGRESS_STEP_MIN, progressStep, progressStepSize, queryAnnouncer } from './announce.js';
import { setLanguage, t } from './i18n.js';
import { QueryController } from './query-state.js';
import { groupRoomCode } from './roomcode.js';

// What a screen-reader user hears about a query: the snapshots go through the real
// QueryController (the state main.js sees), and the announcer turns them into sentences.

function listen() {
  let sink = null;
  const api = {
    watchQuery(onSnapshot) { sink = onSnapshot; return Promise.resolve(null); },
    querySearch: () => Promise.resolve({}),
    queryLoadAll: () => Promise.resolve({}),
    queryCancel: () => Promise.resolve({}),
  };
  const announcer = queryAnnouncer({ t, roomCode: groupRoomCode, errorTitle: (e) => `error:${e.kind}` });
  const said = [];
  const timers = { setTimer: () => 0, clearTimer: () => {} };
  const c = new QueryController(api, (state, event) => {
    const text = announcer.next(state, event);
    if (text) said.push(text);
  }, () => 0, timers);
  c.watch();
  let seq = 0;
  const push = (fields) => {
    seq += 1;
    sink({
      seq, queryId: 1, roomCode: '427233559', rows: [], rowsVersion: seq, hasMore: false,
      totalCount: null, searched: true, busy: null, error: null, ...fields,
    });
  };
  return { said, push };
}

const rows = (n) => Array.from({ length: n }, (_, i) => ({ conferenceId: `m${i}` }));

/** Load all from 100 to `total`, `page` at a time; returns what was said during it. */
function loadAll(total, page, { known = true, lang = 'en' } = {}) {
  setLanguage(lang);
  const { said, push } = listen();
  push({ rows: rows(100), hasMore: true, totalCount: known ? total : null, event: { op: 'search', change: 'done' } });
  said.length = 0;
  const totalCount = known ? total : null;
  push({ rows: rows(100), hasMore: true, totalCount, busy: { op: 'loadAll', loaded: 100, totalCount }, event: { op: 'loadAll', change: 'started' } });
  // Rust sends a progress snapshot for the last page too, then "done".
  for (let loaded = 100 + page; loaded <= total; loaded += page) {
    push({ rows: rows(loaded), hasMore: true, totalCount, busy: { op: 'loadAll', loaded, totalCount }, event: { op: 'loadAll', change: 'progress' } });
  }
  push({ rows: rows(total), hasMore: false, totalCount: total, event: { op: 'loadAll', change: 'done' } });
  return said;
}

test('a step is a tenth of the total, but never under 1,000 meetings; unknown totals step by 1,000', () => {
  assert.equal(PROGRESS_STEP_MIN, 1000);
  assert.equal(progressStepSize(5000), 1000);
  assert.equal(progressStepSize(40_000), 4000);
  assert.equal(progressStepSize(300), 1000);
  assert.equal(progressStepSize(null), 1000);
  assert.equal(progressStepSize(12_345), 1235, 'a tenth, rounded up: still at most ten steps');
  assert.equal(progressStep(999, 5000), 0);
  assert.equal(progressStep(1000, 5000), 1);
  assert.equal(progressStep(4100, 40_000), 1);
  assert.equal(progressStep(NaN, 5000), 0);
  assert.equal(progressStep(-5, null), 0);
});

test('load all of 5,000 at 100 a page: its start, every 1,000, then the end, never a page at a time', () => {
  const said = loadAll(5000, 100);
  assert.deepEqual(said, [
    'Loading all meetings…',
    'Loading all: 1,000 of 5,000 meetings.',
    'Loading all: 2,000 of 5,000 meetings.',
    'Loading all: 3,000 of 5,000 meetings.',
    'Loading all: 4,000 of 5,000 meetings.',
    '5,000 meetings loaded.',
  ]);
});

test('load all of 40,000: every tenth, so ten sentences at most however large the room', () => {
  const said = loadAll(40_000, 100);
  const progress = said.filter((s) => s.startsWith('Loading all:'));
  assert.equal(progress.length, 9, said.join('\n'));
  assert.equal(progress[0], 'Loading all: 4,000 of 40,000 meetings.');
  assert.equal(said.at(-1), '40,000 meetings loaded.');
});

test('a page that jumps past a step says where it is, once', () => {
  const said = loadAll(5000, 1500);
  assert.deepEqual(said.filter((s) => s.startsWith('Loading all:')), [
    'Loading all: 1,600 of 5,000 meetings.',
    'Loading all: 3,100 of 5,000 meetings.',
    'Loading all: 4,600 of 5,000 meetings.',
  ]);
});

test('a small room hears only the start and the end; an unknown total steps by thousands', () => {
  assert.deepEqual(loadAll(300, 100), ['Loading all meetings…', '300 meetings loaded.']);
  const unknown = loadAll(2500, 100, { known: false }).filter((s) => s.startsWith('Loading all:'));
  assert.deepEqual(unknown, ['Loading all: 1,000 meetings so far.', 'Loading all: 2,000 meetings so far.']);
});

test('a search is announced when it starts and when it ends: the count, none, or the error', () => {
  setLanguage('en');
  const { said, push } = listen();
  push({ rows: [], searched: false, busy: { op: 'search', loaded: 0, totalCount: null }, event: { op: 'search', change: 'started' } });
  push({ rows: rows(20), hasMore: true, totalCount: 45, event: { op: 'search', change: 'done' } });
  push({ rows: [], busy: { op: 'search', loaded: 0, totalCount: null }, event: { op: 'search', change: 'started' } });
  push({ rows: [], totalCount: 0, event: { op: 'search', change: 'done' } });
  push({ rows: [], busy: { op: 'search', loaded: 0, totalCount: null }, event: { op: 'search', change: 'started' } });
  push({ rows: [], searched: false, error: { op: 'search', error: { kind: 'permission', message: 'x' } }, event: { op: 'search', change: 'failed' } });
  assert.deepEqual(said, [
    'Searching room 427 233 559…',
    '20 of 45 meetings loaded.',
    'Searching room 427 233 559…',
    'No meetings found for room 427 233 559.',
    'Searching room 427 233 559…',
    'error:permission',
  ]);
});

test('a cancelled load all says what was kept; a new load all counts its steps from zero again', () => {
  setLanguage('en');
  const { said, push } = listen();
  const busy = (loaded) => ({ op: 'loadAll', loaded, totalCount: 5000 });
  push({ rows: rows(100), hasMore: true, totalCount: 5000, busy: busy(100), event: { op: 'loadAll', change: 'started' } });
  push({ rows: rows(1200), hasMore: true, totalCount: 5000, busy: busy(1200), event: { op: 'loadAll', change: 'progress' } });
  push({ rows: rows(1200), hasMore: true, totalCount: 5000, event: { op: 'loadAll', change: 'cancelled' } });
  push({ rows: rows(100), hasMore: true, totalCount: 5000, busy: busy(100), event: { op: 'loadAll', change: 'started' } });
  push({ rows: rows(1100), hasMore: true, totalCount: 5000, busy: busy(1100), event: { op: 'loadAll', change: 'progress' } });
  assert.deepEqual(said, [
    'Loading all meetings…',
    'Loading all: 1,200 of 5,000 meetings.',
    'Loading cancelled. 1,200 meetings kept.',
    'Loading all meetings…',
    'Loading all: 1,100 of 5,000 meetings.',
  ]);
});

test('the sentences exist in Chinese too', () => {
  const said = loadAll(5000, 1000, { lang: 'zh-CN' });
  assert.equal(said[0], '正在加载全部会议…');
  assert.equal(said[1], '正在加载全部：已加载 1,100 / 共 5,000 场会议。');
  setLanguage('en');
});
