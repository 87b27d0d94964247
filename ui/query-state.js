// The current room query: what is loaded, what is in flight, what failed. No DOM.
// The api is passed in (ui/api.js in the app, a fake in tests).
//
// Rules:
// - A new search supersedes everything before it: answers (and errors) of an older search,
//   or of an older queryId, are ignored, so results of two rooms never mix.
// - Errors of kind 'stale' are ignored; the Rust side says a newer query exists.
// - A failed "load more"/"load all" keeps the meetings shown and remembers the
//   operation, so retry() repeats it.
// - Cancelling "load all" keeps everything loaded before the cancel: the controller
//   re-reads the query's meetings with loaded_meetings.
// - Every request carries a request id; cancel() asks Rust to cancel it (cancel_request), which
//   drops the HTTP request in flight. A cancelled request is not an error: a cancelled search
//   brings back what was shown before it (Rust keeps that query current until a new first page
//   arrives), a cancelled "load more" keeps the pages loaded.
// - When no answer came for SLOW_AFTER_MS, state.slow turns true (the "DingTalk is slow" note);
//   a progress message of "load all" is an answer, so it counts again from there.

import { mergeMeetings } from './timeline-model.js';

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

let fallbackRequestId = 0;
function requestIdFrom(api) {
  if (typeof api.newRequestId === 'function') return api.newRequestId();
  fallbackRequestId += 1;
  return fallbackRequestId;
}

export function emptyState() {
  return {
    seq: 0,
    roomCode: '',
    queryId: null,
    meetings: [],
    hasMore: false,
    totalCount: null,
    loaded: 0,
    busy: null, // null | 'search' | 'more' | 'all'
    requestId: null, // the running request's id, for cancel_request
    cancelling: false,
    slow: false, // no answer for SLOW_AFTER_MS: say DingTalk is slow
    slowAnnounced: false, // the slow note was announced for this request (once is enough)
    progress: null, // { loaded, totalCount } during load all
    error: null, // { op: 'search'|'more'|'all', error, code? }
    searched: false, // a search has completed (for the empty-result message)
  };
}

function countOf(v) {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

export class QueryController {
  /**
   * @param {object} api  { queryRoom, nextPage, loadAll, cancelRequest, loadedMeetings, newRequestId? }
   * @param {(state: object, event: object) => void} onChange called after every change;
   *   event = { type: 'search-start'|'page'|'progress'|'busy'|'error'|'cancelled'|'slow'|'reset', receivedAt?, op?, announce? }
   * @param {() => number} clock for receivedAt (performance.now in the app)
   * @param {{ setTimer?, clearTimer?, slowAfterMs? }} timers for the slow note (tests inject them)
   */
  constructor(api, onChange = () => {}, clock = () => Date.now(), timers = {}) {
    this.api = api;
    this.onChange = onChange;
    this.clock = clock;
    this.state = emptyState();
    // What a search replaced, shown again if that search is cancelled.
    this.beforeSearch = null;
    this.slowWatch = new SlowWatch(() => this.markSlow(), {
      ms: timers.slowAfterMs ?? SLOW_AFTER_MS,
      setTimer: timers.setTimer ?? setTimeout,
      clearTimer: timers.clearTimer ?? clearTimeout,
    });
  }

  markSlow() {
    const s = this.state;
    if (!s.busy || s.slow) return;
    const first = !s.slowAnnounced;
    this.set({ slow: true, slowAnnounced: true }, { type: 'slow', op: s.busy, announce: first });
  }

  /** Starts the bookkeeping of a request: its id, no slow note yet, the slow count running. */
  begin() {
    this.slowWatch.poke();
    return { requestId: requestIdFrom(this.api), slow: false, slowAnnounced: false, cancelling: false };
  }

  /** The patch that ends a request, whatever its outcome. */
  finished() {
    this.slowWatch.stop();
    return { busy: null, requestId: null, cancelling: false, slow: false, progress: null };
  }

  emit(event) {
    try { this.onChange(this.state, event); } catch (e) {
      // A rendering bug must not break the query flow.
      if (globalThis.console) console.error(e);
    }
  }

  set(patch, event) {
    this.state = { ...this.state, ...patch };
    this.emit(event);
  }

  /** Forgets the current query (e.g. when demo data is switched off). */
  reset() {
    this.slowWatch.stop();
    this.beforeSearch = null;
    const seq = this.state.seq + 1;
    this.state = { ...emptyState(), seq };
    this.emit({ type: 'reset' });
  }

  isCurrent(seq, queryId) {
    return seq === this.state.seq && (queryId === undefined || queryId === this.state.queryId);
  }

  applyPage(page, { replace }, event) {
    // The back end may say a page is the whole list (page.replace), e.g. after re-reading.
    const meetings = replace || page.replace === true
      ? mergeMeetings([], page.meetings)
      : mergeMeetings(this.state.meetings, page.meetings);
    this.set({
      queryId: page.queryId ?? this.state.queryId,
      roomCode: page.roomCode || this.state.roomCode,
      meetings,
      hasMore: !!page.hasMore,
      totalCount: countOf(page.totalCount),
      loaded: countOf(page.loaded) ?? meetings.length,
      ...this.finished(),
      error: null,
      searched: true,
    }, event);
  }

  /** Searches a (validated, normalised) room code. Resolves when done; never rejects. */
  async search(roomCode) {
    const old = this.state;
    // A search replacing a running search: the list to go back to is still the one before both.
    this.beforeSearch = old.busy === 'search' ? this.beforeSearch : old;
    if (old.busy && old.requestId !== null) {
      // Whatever ran is stale now; ask Rust to stop waiting for it and spending API calls.
      this.cancelRequest(old.requestId);
    }
    const seq = old.seq + 1;
    this.state = { ...emptyState(), seq, roomCode, busy: 'search', ...this.begin() };
    const { requestId } = this.state;
    this.emit({ type: 'search-start' });
    let page;
    try {
      page = await this.api.queryRoom(roomCode, requestId);
    } catch (error) {
      if (!this.isCurrent(seq) || error?.kind === 'stale') return;
      if (error?.kind === 'cancelled') { this.restoreBeforeSearch(); return; }
      this.beforeSearch = null;
      this.set({ ...this.finished(), error: { op: 'search', error }, searched: false }, { type: 'error', op: 'search' });
      return;
    }
    if (!this.isCurrent(seq)) return;
    this.beforeSearch = null;
    const receivedAt = this.clock();
    this.applyPage(page || {}, { replace: true }, { type: 'page', op: 'search', receivedAt });
  }

  /** A cancelled search: show again what it replaced (or the empty start). */
  restoreBeforeSearch() {
    const before = this.beforeSearch || emptyState();
    this.beforeSearch = null;
    const seq = this.state.seq + 1;
    this.state = { ...before, seq, ...this.finished() };
    this.emit({ type: 'cancelled', op: 'search' });
    // A "load all" that the search stopped may have added pages in Rust meanwhile.
    if (this.state.queryId !== null) this.refreshLoaded();
  }

  cancelRequest(requestId) {
    try {
      const p = this.api.cancelRequest(requestId);
      if (p && typeof p.catch === 'function') p.catch(() => {});
    } catch { /* the request ends by itself */ }
  }

  /** Loads the next page. Does nothing when busy, when there is no more, or after an error (until retry). */
  async loadMore({ force = false } = {}) {
    const s = this.state;
    if (s.queryId === null || s.busy || !s.hasMore) return;
    if (s.error && !force) return;
    const { seq, queryId } = s;
    this.set({ busy: 'more', error: null, ...this.begin() }, { type: 'busy', op: 'more' });
    const { requestId } = this.state;
    let page;
    try {
      page = await this.api.nextPage(queryId, requestId);
    } catch (error) {
      if (!this.isCurrent(seq, queryId) || this.state.requestId !== requestId) return;
      if (error?.kind === 'stale') { this.set(this.finished(), { type: 'busy', op: null }); return; }
      if (error?.kind === 'cancelled') {
        this.set(this.finished(), { type: 'cancelled', op: 'more' });
        return;
      }
      this.set({ ...this.finished(), error: { op: 'more', error } }, { type: 'error', op: 'more' });
      return;
    }
    if (!this.isCurrent(seq, queryId) || (page && page.queryId !== undefined && page.queryId !== queryId)) return;
    this.applyPage(page || {}, { replace: false }, { type: 'page', op: 'more', receivedAt: this.clock() });
  }

  /** Loads every remaining page, with progress. */
  async loadAll() {
    const s = this.state;
    if (s.queryId === null || s.busy || !s.hasMore) return;
    const { seq, queryId } = s;
    this.set({ busy: 'all', error: null, ...this.begin(), progress: { loaded: s.loaded || s.meetings.length, totalCount: s.totalCount } },
      { type: 'busy', op: 'all' });
    const { requestId } = this.state;
    const onProgress = (msg) => {
      if (!this.isCurrent(seq, queryId) || this.state.requestId !== requestId) return;
      // A page arrived: DingTalk answers again, the slow count starts over.
      this.slowWatch.poke();
      this.set({ progress: { loaded: countOf(msg?.loaded) ?? 0, totalCount: countOf(msg?.totalCount) }, slow: false }, { type: 'progress' });
    };
    let page;
    try {
      page = await this.api.loadAll(queryId, onProgress, requestId);
    } catch (error) {
      if (!this.isCurrent(seq, queryId) || this.state.requestId !== requestId) return;
      if (error?.kind === 'stale') { this.set(this.finished(), { type: 'busy', op: null }); return; }
      const cancelled = error?.kind === 'cancelled';
      // Whatever was fetched before the cancel or failure is kept on the Rust side: re-read it.
      let all = null;
      try { all = await this.api.loadedMeetings(queryId); } catch { /* keep what is shown */ }
      if (!this.isCurrent(seq, queryId)) return;
      if (all && (all.queryId === undefined || all.queryId === queryId)) {
        this.applyPage(all, { replace: true }, { type: 'page', op: 'all', receivedAt: this.clock(), silent: true });
      }
      if (cancelled) {
        this.set({ ...this.finished(), error: null }, { type: 'cancelled', op: 'all' });
      } else {
        this.set({ ...this.finished(), error: { op: 'all', error } }, { type: 'error', op: 'all' });
      }
      return;
    }
    if (!this.isCurrent(seq, queryId) || (page && page.queryId !== undefined && page.queryId !== queryId)) return;
    this.applyPage(page || {}, { replace: false }, { type: 'page', op: 'all', receivedAt: this.clock() });
  }

  /**
   * Cancels the running request, whichever it is (search, load more, load all); the pending
   * call then finishes as cancelled. Returns false when nothing was running.
   */
  async cancel() {
    const s = this.state;
    if (!s.busy || s.cancelling || s.requestId === null) return false;
    this.set({ cancelling: true }, { type: 'busy', op: s.busy });
    try { await this.api.cancelRequest(s.requestId); } catch { /* the request ends by itself */ }
    return true;
  }

  /** Cancels a running "load all" only. */
  async cancelLoadAll() {
    if (this.state.busy !== 'all') return false;
    return this.cancel();
  }

  /** Re-reads all meetings of the query (after an export that fetched all pages). */
  async refreshLoaded() {
    const { seq, queryId, busy } = this.state;
    if (queryId === null || busy) return;
    let page;
    try { page = await this.api.loadedMeetings(queryId); } catch { return; }
    if (!this.isCurrent(seq, queryId) || this.state.busy) return;
    if (page && page.queryId !== undefined && page.queryId !== queryId) return;
    const before = this.state.meetings.length;
    const keepError = this.state.error;
    this.applyPage(page || {}, { replace: true }, { type: 'page', op: 'refresh', receivedAt: this.clock(), silent: (page?.meetings?.length ?? 0) === before });
    // A failed "load more"/"load all" stays on offer only while there is more to load.
    if (keepError && (keepError.op === 'search' || this.state.hasMore)) this.set({ error: keepError }, { type: 'error', op: keepError.op });
  }

  /** Repeats the failed operation. */
  retry() {
    const e = this.state.error;
    if (!e) return Promise.resolve();
    if (e.op === 'search') return this.search(this.state.roomCode);
    this.set({ error: null }, { type: 'busy', op: e.op });
    if (e.op === 'more') return this.loadMore({ force: true });
    if (e.op === 'all') return this.loadAll();
    return Promise.resolve();
  }

  dismissError() {
    if (this.state.error) this.set({ error: null }, { type: 'busy', op: null });
  }
}
