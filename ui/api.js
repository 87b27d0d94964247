// The only module that touches window.__TAURI__: one wrapper per Rust command.
// Every wrapper returns a promise; a rejection is always a normalised error object
//   { kind, message, code, requestId, httpStatus, field?, retryable?, retryAfterSecs? }
// with kind one of KNOWN_KINDS or 'unknown'.

import { CONTRACT } from './contract.js';

// Every kind Rust can send: the client's and the app's own, from the generated contract.
export const KNOWN_KINDS = CONTRACT.errorKinds;
const KINDS = new Set(KNOWN_KINDS);

function str(v) {
  return v === undefined || v === null || v === '' ? null : String(v);
}

/** Turns whatever a command rejected with into { kind, message, code, requestId, httpStatus, field? }. */
export function normaliseError(e) {
  if (e && typeof e === 'object' && !(e instanceof Error)) {
    const kind = KINDS.has(e.kind) ? e.kind : 'unknown';
    const out = {
      kind,
      message: str(e.message) ?? '',
      code: str(e.code),
      requestId: str(e.requestId ?? e.requestid),
      httpStatus: typeof e.httpStatus === 'number' ? e.httpStatus : (str(e.httpStatus) ? Number(e.httpStatus) || null : null),
    };
    if (e.field !== undefined && e.field !== null) out.field = String(e.field);
    // Rust says whether Retry can help (false for a paging loop); absent means the kind decides.
    if (typeof e.retryable === 'boolean') out.retryable = e.retryable;
    const wait = Number(e.retryAfterSecs);
    if (Number.isFinite(wait) && wait > 0) out.retryAfterSecs = Math.ceil(wait);
    return out;
  }
  const message = e instanceof Error ? e.message : str(e) ?? '';
  return { kind: 'unknown', message, code: null, requestId: null, httpStatus: null };
}

function core() {
  const c = globalThis.window && globalThis.window.__TAURI__ && globalThis.window.__TAURI__.core;
  if (!c || typeof c.invoke !== 'function') {
    throw normaliseError(new Error('The Tauri API is not available (window.__TAURI__.core).'));
  }
  return c;
}

async function call(cmd, args) {
  let c;
  try {
    c = core();
  } catch (e) {
    throw normaliseError(e);
  }
  let result;
  try {
    result = args === undefined ? await c.invoke(cmd) : await c.invoke(cmd, args);
  } catch (e) {
    throw normaliseError(e);
  }
  // The operation succeeded, but the settings file could not be written on the way (recent
  // rooms, the export folder): main.js says so without disturbing the result's own display.
  // (The export's own toast carries it; get_settings only repeats the last one.)
  if (cmd !== 'get_settings' && cmd !== 'export_meetings' && result && typeof result === 'object' && typeof result.settingsWarning === 'string'
      && typeof globalThis.dispatchEvent === 'function' && typeof CustomEvent === 'function') {
    globalThis.dispatchEvent(new CustomEvent('meetdesk:settings-warning', { detail: { message: result.settingsWarning } }));
  }
  return result;
}

/** A Tauri Channel delivering progress messages { loaded, totalCount } to onProgress. */
function progressChannel(onProgress) {
  const ch = new (core().Channel)();
  ch.onmessage = (msg) => {
    try { if (onProgress) onProgress(msg); } catch (err) { console.error(err); }
  };
  return ch;
}

export const getStatus = () => call('get_status');
export const startDemo = () => call('start_demo');
export const stopDemo = () => call('stop_demo');

// Request ids: an export and a connection test carry one, and cancelRequest(id) stops exactly
// that call in Rust. They start from the clock so ids of a reloaded page never meet older ones still known
// to Rust (stays below 2^53: Date.now() is ~1.8e12).
let lastRequestId = Date.now() * 1000;
/** A fresh id for a cancellable request (export, connection test). */
export function newRequestId() {
  lastRequestId += 1;
  return lastRequestId;
}

// The query is Rust's: these send intents, and what they change arrives as snapshots through the
// channel of watchQuery (query-state.js keeps the latest one). Their own answers only sum up.
let snapshotChannel = null;
/** Registers onSnapshot for every snapshot of the current query, the first one at once. */
export const watchQuery = async (onSnapshot) => {
  let ch;
  try {
    ch = new (core().Channel)();
  } catch (e) { throw normaliseError(e); }
  ch.onmessage = (msg) => {
    try { onSnapshot(msg); } catch (err) { console.error(err); }
  };
  // Kept here as well: a channel the page drops would stop delivering.
  snapshotChannel = ch;
  return call('query_watch', { onSnapshot: snapshotChannel });
};
export const querySearch = (roomCode) => call('query_search', { roomCode });
export const queryLoadMore = (queryId) => call('query_load_more', { queryId });
export const queryLoadAll = (queryId) => call('query_load_all', { queryId });
export const queryRetry = (queryId) => call('query_retry', { queryId });
export const queryCancel = (queryId) => call('query_cancel', { queryId });
/** Sets the filter of what is shown, summarised and exported (meetdesk-core filter.rs Filter). */
export const queryFilter = (filter) => call('query_filter', { filter });
/** Cancels the request with this id (an export or a connection test). */
export const cancelRequest = (requestId) => call('cancel_request', { requestId });

export const openMeeting = (queryId, conferenceId) => call('open_meeting', { queryId, conferenceId });
/** The "Copy invitation" text of a meeting of this query, in `lang` (Rust builds it). */
export const meetingInvitation = (queryId, conferenceId, lang) => call('meeting_invitation', { queryId, conferenceId, lang });

export const getSettings = () => call('get_settings');
export const saveSettings = (settings, secrets) => call('save_settings', { settings, secrets });
export const testConnection = (settings, secrets, requestId) => call('test_connection', { settings, secrets, requestId });
export const removeRecent = (roomCode) => call('remove_recent', { roomCode });
export const clearRecent = () => call('clear_recent');

/**
 * Writes the meetings shown (the filter applies) as format 'csv' | 'xlsx'. lang: the UI's
 * resolved language ('en' | 'zh-CN'), used for the file's headers and words.
 */
export const exportMeetings = async (queryId, scope, format, lang, onProgress, requestId) => {
  let onProgressChannel;
  try { onProgressChannel = progressChannel(onProgress); } catch (e) { throw normaliseError(e); }
  return call('export_meetings', { queryId, scope, format, lang, requestId, onProgress: onProgressChannel });
};
export const revealPath = (path) => call('reveal_path', { path });
export const openLogFolder = () => call('open_log_folder');

// Issue 12: the watcher's state once (Settings) and "Clear offline cache".
export const watcherStatus = () => call('watcher_status');
export const clearCache = () => call('clear_cache');

/** Tells Rust the first render is done, so it can show the window (no white flash). */
export const appReady = () => call('app_ready');

// Issue 12: the watched rooms (their state streams from the background watcher).
let watcherChannel = null;
/** Registers onState for the watcher's state: now, then after every tick. */
export const watchWatcher = async (onState) => {
  let ch;
  try {
    ch = new (core().Channel)();
  } catch (e) { throw normaliseError(e); }
  ch.onmessage = (msg) => {
    try { onState(msg); } catch (err) { console.error(err); }
  };
  watcherChannel = ch;
  return call('watched_watch', { onState: watcherChannel });
};
export const watchRoom = (name, roomCode) => call('watch_room', { name, roomCode });
export const unwatchRoom = (roomCode) => call('unwatch_room', { roomCode });
export const renameWatched = (roomCode, name) => call('rename_watched', { roomCode, name });
