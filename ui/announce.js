// The screen-reader announcer: the one polite live region (#status-live, role="status") and
// what it says about the query. Toasts are announced through it too (toast.js), so a screen
// reader hears one voice, in order, instead of several regions talking over each other.
//
// What the query says (queryAnnouncer): the start of a search ("Searching room 427 233 559…"),
// its end (the count, "No meetings found…", or the error's title), Load all's start, its
// progress at steps (progressStep below), its end or cancel, and the slow note once.
// An "all pages" export says its own progress in its dialog; its end is the toast.

/**
 * Load all is announced every PROGRESS_STEP_FRACTION of the total, but never more often than
 * every PROGRESS_STEP_MIN meetings (and every PROGRESS_STEP_MIN when the total is unknown).
 * Why both: a page a time would talk over itself (DingTalk's pace is up to 20 pages a second);
 * tenths alone would mean one announcement per page in a room of 300 meetings, and thousands
 * alone forty in a room of 40,000. The larger of the two gives at most ten announcements,
 * at least a thousand meetings apart; a room under 1,000 meetings hears only the end.
 */
export const PROGRESS_STEP_FRACTION = 0.1;
export const PROGRESS_STEP_MIN = 1000;

/** How many meetings one progress step is, for a total (null when DingTalk did not say). */
export function progressStepSize(total) {
  const tenth = typeof total === 'number' && Number.isFinite(total) && total > 0
    ? Math.ceil(total * PROGRESS_STEP_FRACTION) : 0;
  return Math.max(tenth, PROGRESS_STEP_MIN);
}

/** The step `loaded` has reached (0 until the first full step). */
export function progressStep(loaded, total) {
  if (typeof loaded !== 'number' || !Number.isFinite(loaded) || loaded <= 0) return 0;
  return Math.floor(loaded / progressStepSize(total));
}

/**
 * Decides what the live region says for each query change. Stateful only in the step last
 * announced for the running Load all.
 * @param {{ t: Function, roomCode: (code: string) => string, errorTitle: (err: object) => string }} words
 * @returns {{ next(state: object, event: object): string | null }}
 */
export function queryAnnouncer({ t, roomCode, errorTitle }) {
  let step = 0;
  const code = (state) => roomCode(state.roomCode);
  const count = (state) => {
    const n = state.meetings.length;
    if (n === 0) return t('announce.noMeetings', { code: code(state) });
    const partial = typeof state.totalCount === 'number' && (state.hasMore || state.totalCount !== n);
    return partial ? t('announce.loadedOf', { count: n, total: state.totalCount }) : t('announce.loaded', { count: n });
  };
  return {
    next(state, event) {
      const { op, change } = event;
      switch (change) {
        case 'started':
          if (op === 'search') return t('search.searching', { code: code(state) });
          if (op === 'loadAll') { step = 0; return t('announce.loadAllStarted'); }
          return null;
        case 'progress': {
          if (op !== 'loadAll' || !state.progress) return null;
          const { loaded, totalCount } = state.progress;
          // The last page's progress is followed by "done", which says the count.
          if (typeof totalCount === 'number' && loaded >= totalCount) return null;
          const reached = progressStep(loaded, totalCount);
          if (reached <= step) return null;
          step = reached;
          return typeof totalCount === 'number' && totalCount > 0
            ? t('announce.loadingAllOf', { loaded, total: totalCount })
            : t('announce.loadingAll', { loaded });
        }
        case 'done':
          // An "all pages" export's rows are news only if it fetched any (its toast says the rest).
          return op !== 'export' || event.rowsChanged ? count(state) : null;
        case 'failed':
          return op !== 'export' && state.error ? errorTitle(state.error.error) : null;
        case 'cancelled':
          if (op === 'search') {
            // What the cancelled search replaced is back (or the empty start).
            return state.queryId !== null
              ? t('announce.searchCancelledBack', { code: code(state) })
              : t('announce.searchCancelled');
          }
          return op !== 'export' ? t('announce.cancelled', { count: state.meetings.length }) : null;
        case 'slow':
          return event.announce ? t('slow.note') : null;
        default:
          return null;
      }
    },
  };
}

// ---- the live region (DOM) -----------------------------------------------------------------

let liveEl = null;
let timer = 0;

/** The element that speaks: #status-live. */
export function initLiveRegion(el) {
  liveEl = el;
}

/** Says text to screen readers (the same text twice is said twice). */
export function announce(text) {
  if (!liveEl || !text) return;
  clearTimeout(timer);
  // Emptied first, filled a moment later: a region whose text does not change says nothing.
  liveEl.textContent = '';
  timer = setTimeout(() => { liveEl.textContent = text; }, 60);
}
