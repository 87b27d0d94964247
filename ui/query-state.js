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

import { mergeMeetings } from './timeline-model.js';

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
    cancelling: false,
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
   * @param {object} api  { queryRoom, nextPage, loadAll, cancelLoad, loadedMeetings }
   * @param {(state: object, event: object) => void} onChange called after every change;
   *   event = { type: 'search-start'|'page'|'progress'|'busy'|'error'|'cancelled'|'reset', receivedAt?, op? }
   * @param {() => number} clock for receivedAt (performance.now in the app)
   */
  constructor(api, onChange = () => {}, clock = () => Date.now()) {
    this.api = api;
    this.onChange = onChange;
    this.clock = clock;
    this.state = emptyState();
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
      busy: null,
      cancelling: false,
      progress: null,
      error: null,
      searched: true,
    }, event);
  }

  /** Searches a (validated, normalised) room code. Resolves when done; never rejects. */
  async search(roomCode) {
    const oldQueryId = this.state.queryId;
    const wasLoadingAll = this.state.busy === 'all';
    const seq = this.state.seq + 1;
    this.state = { ...emptyState(), seq, roomCode, busy: 'search' };
    this.emit({ type: 'search-start' });
    if (wasLoadingAll && oldQueryId !== null) {
      // The old load is stale now anyway; ask Rust to stop spending API calls on it.
      this.api.cancelLoad(oldQueryId).catch(() => {});
    }
    let page;
    try {
      page = await this.api.queryRoom(roomCode);
    } catch (error) {
      if (!this.isCurrent(seq) || error?.kind === 'stale') return;
      this.set({ busy: null, error: { op: 'search', error }, searched: false }, { type: 'error', op: 'search' });
      return;
    }
    if (!this.isCurrent(seq)) return;
    const receivedAt = this.clock();
    this.applyPage(page || {}, { replace: true }, { type: 'page', op: 'search', receivedAt });
  }

  /** Loads the next page. Does nothing when busy, when there is no more, or after an error (until retry). */
  async loadMore({ force = false } = {}) {
    const s = this.state;
    if (s.queryId === null || s.busy || !s.hasMore) return;
    if (s.error && !force) return;
    const { seq, queryId } = s;
    this.set({ busy: 'more', error: null }, { type: 'busy', op: 'more' });
    let page;
    try {
      page = await this.api.nextPage(queryId);
    } catch (error) {
      if (!this.isCurrent(seq, queryId) || error?.kind === 'stale') return;
      this.set({ busy: null, error: { op: 'more', error } }, { type: 'error', op: 'more' });
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
    this.set({ busy: 'all', error: null, cancelling: false, progress: { loaded: s.loaded || s.meetings.length, totalCount: s.totalCount } },
      { type: 'busy', op: 'all' });
    const onProgress = (msg) => {
      if (!this.isCurrent(seq, queryId) || this.state.busy !== 'all') return;
      this.set({ progress: { loaded: countOf(msg?.loaded) ?? 0, totalCount: countOf(msg?.totalCount) } }, { type: 'progress' });
    };
    let page;
    try {
      page = await this.api.loadAll(queryId, onProgress);
    } catch (error) {
      if (!this.isCurrent(seq, queryId) || error?.kind === 'stale') return;
      const cancelled = error?.kind === 'cancelled';
      // Whatever was fetched before the cancel or failure is kept on the Rust side: re-read it.
      let all = null;
      try { all = await this.api.loadedMeetings(queryId); } catch { /* keep what is shown */ }
      if (!this.isCurrent(seq, queryId)) return;
      if (all && (all.queryId === undefined || all.queryId === queryId)) {
        this.applyPage(all, { replace: true }, { type: 'page', op: 'all', receivedAt: this.clock(), silent: true });
      }
      if (cancelled) {
        this.set({ busy: null, cancelling: false, progress: null, error: null }, { type: 'cancelled' });
      } else {
        this.set({ busy: null, cancelling: false, progress: null, error: { op: 'all', error } }, { type: 'error', op: 'all' });
      }
      return;
    }
    if (!this.isCurrent(seq, queryId) || (page && page.queryId !== undefined && page.queryId !== queryId)) return;
    this.applyPage(page || {}, { replace: false }, { type: 'page', op: 'all', receivedAt: this.clock() });
  }

  /** Cancels a running "load all" (the pending loadAll() then finishes as cancelled). */
  async cancelLoadAll() {
    const s = this.state;
    if (s.busy !== 'all' || s.cancelling || s.queryId === null) return;
    this.set({ cancelling: true }, { type: 'busy', op: 'all' });
    try { await this.api.cancelLoad(s.queryId); } catch { /* the load ends by itself */ }
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
