// The current room query as Rust last described it, and the intents the window sends. No DOM.
// The api is passed in (ui/api.js in the app, a fake in tests).
//
// Rust owns the query (meetdesk-core/src/query.rs): it keeps the meetings, decides what a new
// search supersedes, what a cancel keeps, what Retry repeats, and streams a snapshot after every
// change through the channel registered by watchQuery. This module keeps only the latest
// snapshot (an older one, by Rust's own `seq`, is dropped: the first one can race the channel)
// and what is the window's alone:
// - `pending`: an intent was sent and Rust's snapshot saying it started has not come yet. The
//   window counts as busy meanwhile (the old list is not idle any more: no second intent, no
//   stale "idle" count, the error it retries is hidden), and a Cancel pressed in that gap is sent
//   as soon as the snapshot names the query;
// - `cancelling`: Cancel was pressed, its snapshot has not come yet;
// - `slow`: no answer for SLOW_AFTER_MS (the "DingTalk is slow" note); a "load all" progress
//   snapshot is an answer, so it counts again from there;
// - `dismissed`: the user closed the error panel (until the next failure).
// Rows are sent only when they changed (`rows: null` otherwise, for the `rowsVersion` this
// window already has: 10,000 rows are 5.7 MB of IPC a filter keystroke must not pay), so the
// controller keeps the rows of the version it has. The filter is Rust's too: `filter()` sends
// it (one at a time, the newest typed one next), and each snapshot says which rows it shows
// (`shown`, positions into the rows, null = all) and their summary.
// An intent's own answer is not rendered: its snapshots were. Only an intent refused without one
// (not `stale`, which just means a newer query is shown) reaches onIntentError.

import { normaliseError } from './api.js';

/** After this long without an answer the window says DingTalk is slow to answer. */
export const SLOW_AFTER_MS = 5000;

/**
 * Calls onSlow once no poke() came for `ms`; stop() ends it. The timer functions are injectable
 * so tests need not wait.
 */
export class SlowWatch {
  constructor(onSlow, { ms = SLOW_AFTER_MS, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
    this.onSlow = onSlow;
    this.ms = ms;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.timer = null;
  }

  /** (Re)starts the count: an answer just came, or the request just started. */
  // The timer functions are called unbound: a browser's setTimeout throws "Illegal invocation"
  // when called as a method of another object.
  poke() {
    this.stop();
    const set = this.setTimer;
    this.timer = set(() => { this.timer = null; this.onSlow(); }, this.ms);
  }

  stop() {
    const clear = this.clearTimer;
    if (this.timer !== null) clear(this.timer);
    this.timer = null;
  }
}

/** The snapshot before the first one arrives: the empty start. */
export function emptySnapshot() {
  return {
    seq: 0,
    queryId: null,
    roomCode: '',
    rows: [],
    rowsVersion: 0,
    hasMore: false,
    totalCount: null,
    searched: false,
    busy: null,
    error: null,
    event: { op: null, change: 'current' },
    filter: {},
    shown: null,
    shownCount: 0,
    shownVersion: 0,
    summary: emptySummary(),
    cachedAt: null,
    offline: false,
  };
}

/** The figures of nothing (meetdesk-core summary.rs `Summary`). */
export function emptySummary() {
  return { count: 0, timed: 0, totalMinutes: 0, averageMinutes: null, hosts: [], weeks: [], undated: 0 };
}

function minutes(v) {
  return Number.isSafeInteger(v) ? v : 0;
}

/** A summary as received, made safe to render. */
export function readSummary(s) {
  if (!s || typeof s !== 'object') return emptySummary();
  const lines = (list, keyOf) => (Array.isArray(list) ? list : [])
    .filter((l) => l && typeof l === 'object')
    .map((l) => ({ ...keyOf(l), count: count(l.count) ?? 0, totalMinutes: minutes(l.totalMinutes) }));
  return {
    count: count(s.count) ?? 0,
    timed: count(s.timed) ?? 0,
    totalMinutes: minutes(s.totalMinutes),
    averageMinutes: Number.isSafeInteger(s.averageMinutes) ? s.averageMinutes : null,
    hosts: lines(s.hosts, (l) => ({ name: typeof l.name === 'string' && l.name.trim() ? l.name : null })),
    weeks: lines(s.weeks, (l) => ({ monday: typeof l.monday === 'string' ? l.monday : '' })).filter((w) => w.monday),
    undated: count(s.undated) ?? 0,
  };
}

function count(v) {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/**
 * A snapshot as received, made safe to render (a field missing or of another type is empty).
 * `rows: null` means "the rows of this rowsVersion, which you have": they are taken from
 * `previous` when it has that version (else the list is empty, and `rowsMissing` says so).
 */
export function readSnapshot(s, previous = null) {
  if (!s || typeof s !== 'object') return null;
  const seq = count(s.seq);
  if (seq === null) return null;
  const busy = s.busy && typeof s.busy === 'object' && typeof s.busy.op === 'string'
    ? { op: s.busy.op, loaded: count(s.busy.loaded) ?? 0, totalCount: count(s.busy.totalCount) }
    : null;
  const error = s.error && typeof s.error === 'object' && typeof s.error.op === 'string' && s.error.error && typeof s.error.error === 'object'
    ? { op: s.error.op, error: normaliseError(s.error.error) }
    : null;
  const event = s.event && typeof s.event === 'object' ? s.event : {};
  const rowsVersion = count(s.rowsVersion) ?? 0;
  let rows = [];
  let rowsMissing = false;
  if (Array.isArray(s.rows)) rows = s.rows.filter((r) => r && typeof r === 'object');
  else if (previous && previous.rowsVersion === rowsVersion) rows = previous.rows;
  else rowsMissing = rowsVersion !== 0;
  const shown = Array.isArray(s.shown) ? s.shown.filter((i) => Number.isSafeInteger(i) && i >= 0 && i < rows.length) : null;
  return {
    seq,
    queryId: count(s.queryId),
    roomCode: typeof s.roomCode === 'string' ? s.roomCode : '',
    rows,
    rowsMissing,
    rowsVersion,
    hasMore: s.hasMore === true,
    totalCount: count(s.totalCount),
    searched: s.searched === true,
    busy,
    error,
    event: { op: typeof event.op === 'string' ? event.op : null, change: typeof event.change === 'string' ? event.change : 'current' },
    filter: s.filter && typeof s.filter === 'object' ? s.filter : {},
    shown,
    shownCount: shown ? shown.length : rows.length,
    shownVersion: count(s.shownVersion) ?? 0,
    summary: readSummary(s.summary),
    // The offline cache (query.rs): when the rows shown were saved, and whether DingTalk is out
    // of reach with them on screen.
    cachedAt: Number.isSafeInteger(s.cachedAt) ? s.cachedAt : null,
    offline: s.offline === true,
  };
}

/** The rows a snapshot shows, in load order: all of them, or those at `shown`. */
export function shownRows(snapshot) {
  if (!snapshot.shown) return snapshot.rows;
  const out = new Array(snapshot.shown.length);
  for (let k = 0; k < snapshot.shown.length; k++) out[k] = snapshot.rows[snapshot.shown[k]];
  return out;
}

export class QueryController {
  /**
   * @param {object} api { watchQuery, querySearch, queryLoadMore, queryLoadAll, queryRetry, queryCancel }
   * @param {(state: object, event: object) => void} onChange called after every change;
   *   event = { op, change, rowsChanged, receivedAt?, slow?, announce? } (op/change as Rust said,
   *   change 'slow' or 'local' for the window's own changes)
   * @param {() => number} clock for receivedAt (performance.now in the app)
   * @param {{ setTimer?, clearTimer?, slowAfterMs?, onIntentError?, onFilterError? }} options
   *   onFilterError(error | null): Rust refused the filter last sent (null: the next one was taken)
   */
  constructor(api, onChange = () => {}, clock = () => Date.now(), options = {}) {
    this.api = api;
    this.onChange = onChange;
    this.clock = clock;
    this.onIntentError = options.onIntentError ?? (() => {});
    this.onFilterError = options.onFilterError ?? (() => {});
    this.snapshot = emptySnapshot();
    this.shownList = [];
    this.filterSending = false;
    this.filterNext = null;
    this.cancelling = false;
    this.pending = null; // { op, cancel, roomCode? } while an intent has not started yet
    this.slow = false;
    this.slowAnnounced = false;
    this.dismissed = false;
    this.slowWatch = new SlowWatch(() => this.markSlow(), {
      ms: options.slowAfterMs ?? SLOW_AFTER_MS,
      setTimer: options.setTimer ?? setTimeout,
      clearTimer: options.clearTimer ?? clearTimeout,
    });
  }

  /** Starts receiving snapshots. Resolves once Rust registered the channel. */
  watch() {
    return this.send(this.api.watchQuery((s) => this.receive(s)));
  }

  /**
   * What the window renders: the latest snapshot under the names the page uses, plus the
   * window's own state. `meetings` is the snapshot's rows; `busy` the op in flight.
   */
  get state() {
    const s = this.snapshot;
    return {
      seq: s.seq,
      queryId: s.queryId,
      // The room being searched, from the moment it was asked for.
      roomCode: this.pending && this.pending.roomCode ? this.pending.roomCode : s.roomCode,
      meetings: s.rows,
      rowsVersion: s.rowsVersion,
      // What the filter shows (all of `meetings` when no filter is set), and its figures.
      shownMeetings: this.shownList,
      shown: s.shown,
      shownCount: s.shownCount,
      shownVersion: s.shownVersion,
      filtered: s.shown !== null,
      filter: s.filter,
      summary: s.summary,
      hasMore: s.hasMore,
      totalCount: s.totalCount,
      searched: s.searched,
      busy: s.busy ? s.busy.op : (this.pending ? this.pending.op : null),
      progress: s.busy && s.busy.op === 'loadAll' ? { loaded: s.busy.loaded, totalCount: s.busy.totalCount } : null,
      error: this.dismissed || this.pending ? null : s.error,
      cancelling: this.cancelling,
      slow: this.slow,
      cachedAt: s.cachedAt,
      offline: s.offline && !this.pending,
    };
  }

  emit(event) {
    try { this.onChange(this.state, event); } catch (e) {
      // A rendering bug must not break the query flow.
      if (globalThis.console) console.error(e);
    }
  }

  /** A snapshot from Rust: kept and rendered unless an equal or newer one is shown already. */
  receive(raw) {
    const before = this.snapshot;
    const s = readSnapshot(raw, before);
    if (!s || s.seq <= before.seq) return;
    this.snapshot = s;
    const rowsChanged = s.rowsVersion !== before.rowsVersion || s.queryId !== before.queryId;
    const shownChanged = rowsChanged || s.shownVersion !== before.shownVersion;
    if (shownChanged) this.shownList = shownRows(s);
    const { op, change } = s.event;
    const pending = this.pending;
    // A progress message or a filter change says nothing of the intent still waiting to start.
    if (change !== 'progress' && change !== 'filtered') {
      this.pending = null;
      this.cancelling = false;
    }
    if (pending && pending.cancel && change === 'started' && s.queryId !== null) {
      // Cancel was pressed before Rust said what runs: now it can be named.
      this.cancelling = true;
      this.send(this.api.queryCancel(s.queryId));
    }
    if (change === 'failed' || !s.error) this.dismissed = false;
    if (s.busy) {
      // A new operation, or a page of "load all": DingTalk answers, the slow count starts over.
      if (change === 'started' || change === 'progress' || !before.busy) {
        if (change === 'started') this.slowAnnounced = false;
        this.slow = false;
        this.slowWatch.poke();
      }
    } else {
      this.slowWatch.stop();
      this.slow = false;
    }
    this.emit({
      op,
      change,
      rowsChanged,
      shownChanged,
      queryChanged: s.queryId !== before.queryId,
      receivedAt: this.clock(),
    });
  }

  /**
   * Sends the filter the bar shows. One is in flight at a time: what is typed meanwhile is sent
   * as soon as it answers (only the newest), so fast typing never queues stale filters and the
   * last keystroke always wins. Its snapshot redraws the list.
   */
  async filter(f) {
    this.filterNext = f;
    if (this.filterSending) return;
    this.filterSending = true;
    try {
      while (this.filterNext !== null) {
        const next = this.filterNext;
        this.filterNext = null;
        try {
          await this.api.queryFilter(next);
          this.onFilterError(null);
        } catch (error) {
          this.onFilterError(normaliseError(error));
        }
      }
    } finally {
      this.filterSending = false;
    }
  }

  markSlow() {
    const s = this.snapshot;
    if (!s.busy || this.slow) return;
    const first = !this.slowAnnounced;
    this.slow = true;
    this.slowAnnounced = true;
    this.emit({ op: s.busy.op, change: 'slow', rowsChanged: false, announce: first });
  }

  /** Sends an intent; what it changes comes as snapshots. Never rejects. */
  async send(promise) {
    try {
      return await promise;
    } catch (error) {
      if (error?.kind !== 'stale') this.onIntentError(error);
      return null;
    }
  }

  /** Sends the intent `call()` for `op`, busy until Rust's snapshot (or its answer) comes. */
  async start(op, call, roomCode = null) {
    const mine = { op, cancel: false, roomCode };
    this.pending = mine;
    this.emit({ op, change: 'local', rowsChanged: false });
    let answer;
    try {
      answer = await this.send(call());
    } finally {
      // Refused, or answered without a snapshot (nothing to do): not busy any more.
      if (this.pending === mine) {
        this.pending = null;
        this.cancelling = false;
        this.emit({ op, change: 'local', rowsChanged: false });
      }
    }
    return answer;
  }

  /** Searches a (validated, normalised) room code; Rust stops whatever ran before. */
  search(roomCode) {
    return this.start('search', () => this.api.querySearch(roomCode), roomCode);
  }

  /**
   * Loads the next page. Does nothing when busy, when there is no more, or while a failure is
   * shown (unless forced: the Load more button; scrolling to the end is not).
   */
  loadMore({ force = false } = {}) {
    const s = this.state;
    if (s.queryId === null || s.busy || !s.hasMore) return Promise.resolve(null);
    if (s.error && !force) return Promise.resolve(null);
    return this.start('loadMore', () => this.api.queryLoadMore(s.queryId));
  }

  /** Loads every remaining page, with progress. */
  loadAll() {
    const s = this.state;
    if (s.queryId === null || s.busy || !s.hasMore) return Promise.resolve(null);
    return this.start('loadAll', () => this.api.queryLoadAll(s.queryId));
  }

  /** Repeats the failed operation (Rust knows which). */
  retry() {
    const s = this.snapshot;
    if (s.queryId === null || !s.error || this.pending || s.busy) return Promise.resolve(null);
    return this.start(s.error.op, () => this.api.queryRetry(s.queryId));
  }

  /**
   * Cancels what the query is doing (search, load more, load all); the snapshot that follows
   * says what is kept. Returns false when nothing was running or a cancel is on its way.
   */
  async cancel() {
    const s = this.snapshot;
    if (this.cancelling) return false;
    if (this.pending) {
      this.pending.cancel = true;
      this.cancelling = true;
      this.emit({ op: this.pending.op, change: 'local', rowsChanged: false });
      return true;
    }
    if (!s.busy || s.queryId === null) return false;
    this.cancelling = true;
    this.emit({ op: s.busy.op, change: 'local', rowsChanged: false });
    await this.send(this.api.queryCancel(s.queryId));
    return true;
  }

  /** Hides the error panel until the next failure. */
  dismissError() {
    if (!this.snapshot.error || this.dismissed) return;
    this.dismissed = true;
    this.emit({ op: null, change: 'local', rowsChanged: false });
  }
}
