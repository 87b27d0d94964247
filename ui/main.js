// Wires the page: status and settings, first run / demo, search, summary row,
// timeline, errors, settings, export, shortcuts, timers, perf marks, app readiness.

import * as api from './api.js';
import { confirmDialog } from './dialogs.js';
import { applyI18n, copyText, isEditable } from './dom.js';
import { errorSentence, renderErrorPanel, describeError } from './errors.js';
import { createExport } from './export.js';
import { createFilterBar } from './filter-bar.js';
import { filterOf } from './filter-model.js';
import { dayKey, msUntilNextMidnight, viewOf } from './format.js';
import { getLanguage, setLanguage, t } from './i18n.js';
import { QueryController } from './query-state.js';
import { groupRoomCode } from './roomcode.js';
import { createSearch } from './search.js';
import { createSettings } from './settings.js';
import { settingsProblemText, withDefaults } from './settings-model.js';
import { createSummary } from './summary.js';
import { setTheme } from './theme.js';
import { createTimeline, meetingTitle } from './timeline.js';
import { announce, hideToast, initToast, toast } from './toast.js';
import { createWatchedList } from './watched-list.js';
import { cacheNote } from './watched-model.js';
import { queryAnnouncer } from './announce.js';

const $ = (id) => document.getElementById(id);
const TICK_MS = 30_000;

const els = {
  firstRun: $('first-run'),
  workspace: $('workspace'),
  demoBtn: $('demo-btn'),
  firstRunSettings: $('first-run-settings'),
  demoMarker: $('demo-marker'),
  settingsBtn: $('settings-btn'),
  roomInput: $('room-input'),
  searchBtn: $('search-btn'),
  countLabel: $('count-label'),
  roomLabel: $('room-label'),
  loadMore: $('load-more'),
  loadAll: $('load-all'),
  cancelLoad: $('cancel-load'),
  exportBtn: $('export-btn'),
  progressBox: $('load-progress'),
  progress: $('load-all-progress'),
  progressText: $('load-progress-text'),
  errorPanel: $('error-panel'),
  searching: $('searching'),
  searchingText: $('searching-text'),
  empty: $('empty-state'),
  timeline: $('timeline'),
  settingsDialog: $('settings-dialog'),
  confirmDialog: $('confirm-dialog'),
  exportDialog: $('export-dialog'),
  filterBar: $('filter-bar'),
  reportToggle: $('report-toggle'),
  reportPanel: $('report-panel'),
  watchedList: $('watched-list'),
  cacheNote: $('cache-note'),
  cacheNoteText: $('cache-note-text'),
  cacheRetry: $('cache-retry'),
};

// "DingTalk is slow to answer", beside Cancel in the summary row (built here: the page's markup
// has no place for it).
els.slowNote = document.createElement('p');
els.slowNote.id = 'slow-note';
els.slowNote.className = 'slow-note';
els.slowNote.hidden = true;
els.cancelLoad.before(els.slowNote);
els.cancelLoad.setAttribute('aria-keyshortcuts', 'Escape');

let status = { configured: false, demo: false, keychainAvailable: true, version: '', dataDir: '' };
let settings = withDefaults(null);

// ---- language & theme -----------------------------------------------------------------

function applyLanguage() {
  const lang = setLanguage(settings.language);
  document.documentElement.lang = lang;
  document.title = t('app.name');
  applyI18n(document);
}

function relabelAll() {
  applyLanguage();
  search.relabel();
  filterBar.relabel();
  timeline.refresh();
  watched.refresh();
  renderAll();
  report.update(controller.state, { force: true });
}

// ---- query ---------------------------------------------------------------------------

// ---- a11y: what the live region says about the query ----
const queryAnnouncement = queryAnnouncer({
  t,
  roomCode: groupRoomCode,
  errorTitle: (err) => describeError(err).title,
});
// ---- end a11y ----

// Rust owns the query and streams snapshots of it; the controller keeps the latest (query-state.js).
const controller = new QueryController(api, onQueryChange, () => performance.now(), {
  onIntentError: (err) => toast(errorSentence(err), { kind: 'error' }),
  onFilterError: (err) => filterBar.showError(err),
});

const timeline = createTimeline(els.timeline, {
  onJoin: join,
  onCopyLink: async (m) => {
    const link = String(m.externalLinkUrl ?? '').trim();
    if (!link) { toast(t('row.noLink'), { kind: 'error' }); return; }
    const ok = await copyText(link);
    toast(ok ? t('toast.linkCopied') : t('toast.copyFailed'), { kind: ok ? 'success' : 'error' });
  },
  onCopyCode: async (m) => {
    const code = String(m.roomCode ?? '').replace(/[\s-]/g, '') || controller.state.roomCode;
    const ok = await copyText(code);
    toast(ok ? t('toast.codeCopied', { code }) : t('toast.copyFailed'), { kind: ok ? 'success' : 'error' });
  },
  onCopyInvitation: async (m) => {
    try {
      const text = await api.meetingInvitation(controller.state.queryId, String(m.conferenceId ?? ''), getLanguage());
      const ok = await copyText(text);
      toast(ok ? t('invite.copied') : t('toast.copyFailed'), { kind: ok ? 'success' : 'error' });
    } catch (err) { toast(errorSentence(err), { kind: 'error' }); }
  },
  onNearEnd: () => controller.loadMore(),
});

const search = createSearch({
  input: els.roomInput,
  button: els.searchBtn,
  toggle: $('recent-toggle'),
  popup: $('recent-popup'),
  list: $('recent-list'),
  clearBtn: $('recent-clear'),
  error: $('room-error'),
}, {
  onSearch: (code) => controller.search(code),
  onRemove: async (code) => {
    try {
      settings = withDefaults(await api.removeRecent(code));
      search.setRecents(settings.recentRooms);
      announce(t('search.recentRemoved', { code }));
    } catch (err) { toast(errorSentence(err), { kind: 'error' }); }
  },
  onClear: async () => {
    try {
      settings = withDefaults(await api.clearRecent());
      search.setRecents(settings.recentRooms);
      announce(t('search.recentCleared'));
    } catch (err) { toast(errorSentence(err), { kind: 'error' }); }
  },
});

// ---- filter and summary (issue 13) ------------------------------------------------------------
// The filter is Rust's (query_filter); the bar sends what is chosen and every snapshot says what
// it shows. Typing is not debounced: one filter is in flight at a time and the newest typed one
// goes next (query-state.js), which keeps 10,000 meetings within a frame or two per keystroke
// (docs/performance-window.md).

const filterBar = createFilterBar(els.filterBar, {
  onChange: (filter) => {
    filterTypedAt = performance.now();
    controller.filter(filter);
  },
  onClear: () => {
    filterBar.reset();
    filterTypedAt = performance.now();
    controller.filter(filterOf({}));
    clearedFilter = true;
    filterBar.focus();
  },
});
let filterTypedAt = null;
let clearedFilter = false;
let filterAnnounceTimer = null;

/** Says the new count once typing pauses (a count per keystroke would drown the words typed). */
function announceFiltered(state) {
  clearTimeout(filterAnnounceTimer);
  const total = state.meetings.length;
  const words = clearedFilter ? t('filter.cleared', { total }) : t('filter.announce', { count: state.shownCount, total });
  clearedFilter = false;
  filterAnnounceTimer = setTimeout(() => announce(words), 700);
}

const report = createSummary(els.reportPanel);
function toggleReport() {
  const open = !report.isOpen();
  report.setOpen(open, controller.state);
  els.reportToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
}

function onQueryChange(state, event) {
  const { op, change } = event;
  if (event.shownChanged) {
    // Another query, or a search's own list, or another filter: from the top. More of the same
    // query keeps the focused row and the scroll position.
    const reset = event.queryChanged || op === 'search' || change === 'reset' || change === 'filtered';
    timeline.setMeetings(state.meetings, { reset, roomCode: state.roomCode, shown: state.shown });
    if (change === 'filtered') measureFilter(filterTypedAt, state);
    else if (change !== 'started' && event.rowsChanged) measureRender(event.receivedAt);
  }
  if (change === 'filtered') announceFiltered(state);
  // A reloaded page shows the filter Rust still applies.
  if (change === 'current') filterBar.setFilter(state.filter);
  // ---- a11y: the live region says what the query did (ui/announce.js) ----
  const said = queryAnnouncement.next(state, event);
  if (said) announce(said);
  // ---- end a11y ----
  if (op === 'search' && change === 'done') refreshRecents();
  renderQuery(state);
  if (pendingFocus && op === 'search' && (change === 'done' || change === 'failed' || change === 'cancelled')) {
    timeline.focusMeeting(pendingFocus);
    pendingFocus = null;
  }
}

function showTotal(state) {
  return typeof state.totalCount === 'number' && (state.hasMore || state.totalCount !== state.meetings.length);
}

function measureRender(receivedAt) {
  requestAnimationFrame(() => {
    performance.mark('meetdesk:rendered');
    const st = timeline.stats();
    window.__meetdeskPerf = {
      lastRenderMs: typeof receivedAt === 'number' ? performance.now() - receivedAt : null,
      rows: st.rows,
      meetings: st.meetings,
      domRows: st.domRows,
    };
  });
}

/** For the window benchmark: when the list of a filter change was painted, and for which filter. */
function measureFilter(typedAt, state) {
  const text = typeof state.filter.text === 'string' ? state.filter.text : '';
  const shownCount = state.shownCount;
  requestAnimationFrame(() => {
    window.__meetdeskPerf = {
      ...(window.__meetdeskPerf || {}),
      filterPaintedAt: performance.now(),
      filterMs: typeof typedAt === 'number' ? performance.now() - typedAt : null,
      filterText: text,
      shownCount,
      domRows: timeline.stats().domRows,
    };
  });
}

async function refreshRecents() {
  try {
    settings = withDefaults(await api.getSettings());
    search.setRecents(settings.recentRooms);
  } catch { /* the list stays as it was */ }
}

// ---- rendering of the summary row, error panel, empty state ----------------------------

/** Disables a button; a focused one gets aria-disabled instead so focus is not lost. */
function setDisabled(btn, off) {
  if (off && document.activeElement === btn) {
    btn.setAttribute('aria-disabled', 'true');
    return;
  }
  btn.removeAttribute('aria-disabled');
  btn.disabled = off;
}
function isDisabled(btn) {
  return btn.disabled || btn.getAttribute('aria-disabled') === 'true';
}

/** Hides an element; if it holds focus, focus moves to the next sensible place first. */
function setHidden(el, hide) {
  if (hide && !el.hidden && el.contains(document.activeElement)) {
    el.hidden = true;
    moveFocusAway();
    return;
  }
  el.hidden = hide;
}

function renderQuery(state) {
  const hasQuery = state.queryId !== null;
  const n = state.meetings.length;
  // An empty list draws no frame: after a failed first search the error stands alone.
  els.timeline.classList.toggle('is-empty', state.shownMeetings.length === 0);

  // Count and room.
  if (state.busy === 'search') {
    els.countLabel.textContent = '';
    els.roomLabel.textContent = t('summary.room', { code: groupRoomCode(state.roomCode) });
  } else if (hasQuery && state.searched) {
    // Only once a first page arrived: after a failed first search no count is known, and
    // "0 meetings" would say the room is empty.
    els.countLabel.textContent = showTotal(state)
      ? t('summary.countOf', { count: n, total: state.totalCount })
      : t('summary.count', { count: n });
    els.roomLabel.textContent = t('summary.room', { code: groupRoomCode(state.roomCode) });
  } else {
    els.countLabel.textContent = '';
    els.roomLabel.textContent = state.roomCode ? t('summary.room', { code: groupRoomCode(state.roomCode) }) : '';
  }

  // The filter's counts, the summary, and Export saying what it writes ("Export 37 of 120").
  filterBar.setCounts(state.shownCount, n, state.filtered);
  report.update(state);
  els.exportBtn.textContent = state.filtered
    ? t('summary.exportShown', { count: state.shownCount, total: n })
    : t('summary.export');

  // Buttons (Export first: it is where focus goes when a focused button disappears).
  setDisabled(els.exportBtn, !hasQuery || state.shownCount === 0 || !!state.busy);
  const more = hasQuery && state.hasMore;
  setHidden(els.loadMore, !more || state.busy === 'loadAll');
  setHidden(els.loadAll, !more || state.busy === 'loadAll');
  // Cancel is there for every request, from its first moment.
  setHidden(els.cancelLoad, !state.busy);
  setDisabled(els.loadMore, !!state.busy);
  setDisabled(els.loadAll, !!state.busy);
  els.loadMore.textContent = state.busy === 'loadMore' ? t('summary.loadingMore') : t('summary.loadMore');
  els.loadMore.setAttribute('aria-busy', state.busy === 'loadMore' ? 'true' : 'false');
  setDisabled(els.cancelLoad, state.cancelling);
  els.cancelLoad.textContent = state.cancelling ? t('summary.cancelling') : t('summary.cancel');
  const cancelLabel = state.busy === 'search' ? t('summary.cancelSearch') : t('summary.cancelLoading');
  els.cancelLoad.setAttribute('aria-label', cancelLabel);
  els.cancelLoad.title = cancelLabel;
  els.slowNote.textContent = t('slow.note');
  els.slowNote.hidden = !(state.busy && state.slow);

  // Load-all progress.
  if (state.busy === 'loadAll' && state.progress) {
    const { loaded, totalCount } = state.progress;
    els.progressBox.hidden = false;
    if (typeof totalCount === 'number' && totalCount > 0) {
      els.progress.max = totalCount;
      els.progress.value = Math.min(loaded, totalCount);
      els.progressText.textContent = t('summary.loadingAllOf', { loaded, total: totalCount });
    } else {
      els.progress.removeAttribute('value');
      els.progressText.textContent = t('summary.loadingAll', { loaded });
    }
  } else {
    els.progressBox.hidden = true;
  }

  // Searching indicator, empty state.
  showSearchingSoon(state.busy === 'search');
  els.searchingText.textContent = state.busy === 'search' ? t('search.searching', { code: groupRoomCode(state.roomCode) }) : '';
  timeline.setBusy(!!state.busy);
  renderEmpty(state);

  // The cached meetings shown while DingTalk is unreachable: a plain note, not the error panel.
  renderCacheNote(state);
  watched.setCurrent(state.roomCode);

  // Errors: rebuilt only when the error (or the language) changes, so focus inside stays put.
  // Offline with cached meetings on screen, the note above says it instead.
  const err = state.offline ? null : state.error;
  // By value: every snapshot is a new object, and a panel rebuilt for the same error would lose
  // the focus inside it.
  const errKey = err ? JSON.stringify(err.error) : null;
  if (errKey === shownError.error && getLanguage() === shownError.lang && (err?.op ?? null) === shownError.op) return;
  const hadFocus = els.errorPanel.contains(document.activeElement);
  shownError = { error: errKey, lang: getLanguage(), op: err?.op ?? null };
  renderErrorPanel(els.errorPanel, err ? err.error : null, {
    kept: !!err && err.op !== 'search' && n > 0,
    onRetry: () => controller.retry(),
    onSettings: () => openSettings(),
    onCopy: async (text) => {
      const ok = await copyText(text);
      toast(ok ? t('toast.detailsCopied') : t('toast.copyFailed'), { kind: ok ? 'success' : 'error' });
    },
    onDismiss: () => { controller.dismissError(); els.roomInput.focus(); },
  });
  if (hadFocus && !els.errorPanel.contains(document.activeElement)) moveFocusAway();
}
let shownError = { error: undefined, lang: null, op: null };

function renderCacheNote(state) {
  const note = cacheNote(state, Date.now(), t);
  els.cacheNote.hidden = note === null;
  els.cacheNote.classList.toggle('is-offline', !!state.offline);
  els.cacheNoteText.textContent = note ?? '';
  setHidden(els.cacheRetry, !state.offline);
  els.cacheRetry.textContent = t('error.retry');
}
els.cacheRetry.addEventListener('click', () => controller.retry());

// ---- the watched rooms (issue 12): the watcher's state streams in; selecting searches ----------

// What the watcher asks of the window besides its list: a sentence about the cache (once), and
// a room to show because a reminder or a tray line was clicked (Rust already brought the window
// forward). The room is searched like a watched room is selected; its meeting gets focus when
// it is among the rows.
let pendingFocus = null;
function watcherNews(s) {
  if (s.cacheNotice) toast(s.cacheNotice, { kind: 'error' });
  const show = s.showRoom;
  if (!show || typeof show.roomCode !== 'string') return;
  pendingFocus = typeof show.conferenceId === 'string' ? show.conferenceId : null;
  els.roomInput.value = groupRoomCode(show.roomCode);
  controller.search(show.roomCode);
}

const watched = createWatchedList(els.watchedList, {
  onSelect: (code) => {
    els.roomInput.value = groupRoomCode(code);
    controller.search(code);
  },
  onWatch: async (name, code) => {
    await api.watchRoom(name, code);
    announce(t('watch.watched', { name }));
  },
  onRename: async (code, name) => {
    await api.renameWatched(code, name);
    announce(t('watch.renamed', { name }));
  },
  onUnwatch: async (code, name) => {
    try {
      await api.unwatchRoom(code);
      announce(t('watch.unwatched', { name }));
    } catch (err) { toast(errorSentence(err), { kind: 'error' }); }
  },
});

/** Where focus goes when the focused control disappears: Export, else the list, else the search. */
function moveFocusAway() {
  if (!els.exportBtn.hidden && !isDisabled(els.exportBtn) && !els.workspace.hidden) { els.exportBtn.focus(); return; }
  if (!timeline.focus()) els.roomInput.focus();
}

// The "Searching…" bar appears only when an answer takes a while: a fast answer then paints
// without a flash of the bar first, and its animation does not compete with that first paint.
const SEARCHING_DELAY_MS = 300;
let searchingTimer = null;
function showSearchingSoon(searching) {
  if (!searching) {
    clearTimeout(searchingTimer);
    searchingTimer = null;
    els.searching.hidden = true;
    return;
  }
  if (!els.searching.hidden || searchingTimer) return;
  searchingTimer = setTimeout(() => {
    searchingTimer = null;
    if (controller.state.busy === 'search') els.searching.hidden = false;
  }, SEARCHING_DELAY_MS);
}

function renderEmpty(state) {
  const e = els.empty;
  while (e.firstChild) e.removeChild(e.firstChild);
  let lines = null;
  if (state.busy === 'search' || state.error?.op === 'search') lines = null;
  else if (state.searched && state.meetings.length === 0) lines = [t('empty.none', { code: groupRoomCode(state.roomCode) }), t('empty.noneHint')];
  else if (state.filtered && state.meetings.length > 0 && state.shownCount === 0) lines = [t('filter.none'), t('filter.noneHint', { total: state.meetings.length })];
  else if (!state.searched && state.queryId === null) lines = [t('empty.start')];
  if (!lines) { e.hidden = true; return; }
  lines.forEach((line, i) => {
    const p = document.createElement('p');
    if (i === 0) p.className = 'empty-title';
    p.textContent = line;
    e.appendChild(p);
  });
  e.hidden = false;
}

function renderMode() {
  const firstRun = !status.configured && !status.demo;
  els.firstRun.hidden = !firstRun;
  els.workspace.hidden = firstRun;
  els.demoMarker.hidden = !status.demo;
}

function renderAll() {
  renderMode();
  renderQuery(controller.state);
}

// ---- actions ------------------------------------------------------------------------------

async function join(meeting, rowEl) {
  const queryId = controller.state.queryId;
  const id = meeting && meeting.conferenceId;
  if (queryId === null || id === undefined || id === null || id === '') return;
  const title = meetingTitle(meeting);
  if (viewOf(meeting).status === 'ended') {
    const ok = await confirmDialog(els.confirmDialog, {
      title: t('join.confirmTitle'),
      text: t('join.confirmText', { title }),
      confirmLabel: t('join.confirmYes'),
      cancelLabel: t('join.confirmNo'),
    });
    if (rowEl && rowEl.isConnected && !rowEl.contains(document.activeElement)) rowEl.focus();
    if (!ok) return;
  }
  try {
    await api.openMeeting(queryId, String(id));
    announce(t('join.opening', { title }));
  } catch (err) {
    if (err.kind === 'unsafeLink') toast(t('toast.unsafeLink'), { kind: 'error' });
    else toast(errorSentence(err), { kind: 'error' });
  }
}

async function openSettings(focusField) {
  if (settingsPanel.isOpen()) return;
  try { settings = withDefaults(await api.getSettings()); } catch { /* use what we have */ }
  try { status = { ...status, ...(await api.getStatus()) }; } catch { /* use what we have */ }
  settingsPanel.open({ settings, status, focusField });
}

const settingsPanel = createSettings(els.settingsDialog, {
  api,
  onSaved: async (next, previous) => {
    settings = next;
    search.setRecents(settings.recentRooms);
    if (next.language !== previous.language) relabelAll();
    setTheme(next.theme);
    try { status = { ...status, ...(await api.getStatus()) }; } catch { /* keep */ }
    renderAll();
    toast(t('toast.settingsSaved'), { kind: 'success' });
    if (!els.workspace.hidden) els.roomInput.focus();
  },
});

const exporter = createExport(els.exportDialog, {
  api,
  getQuery: () => controller.state,
  returnFocus: () => els.exportBtn,
});

async function startDemo() {
  if (els.demoBtn.disabled) return;
  els.demoBtn.disabled = true;
  els.demoBtn.textContent = t('firstRun.starting');
  try {
    status = { ...status, ...(await api.startDemo()) };
    renderAll();
    await refreshRecents();
    announce(t('announce.demoStarted'));
    els.roomInput.focus();
  } catch (err) {
    toast(errorSentence(err), { kind: 'error' });
  } finally {
    els.demoBtn.disabled = false;
    els.demoBtn.textContent = t('firstRun.demo');
  }
}

async function leaveDemo() {
  try {
    status = { ...status, ...(await api.stopDemo()) };
  } catch (err) {
    toast(errorSentence(err), { kind: 'error' });
    return;
  }
  // Rust forgot the query with the demo host; its snapshot empties the list.
  search.setValue('');
  await refreshRecents();
  renderAll();
  announce(t('announce.demoStopped'));
  openSettings();
}

// ---- events -----------------------------------------------------------------------------------

els.demoBtn.addEventListener('click', startDemo);
els.firstRunSettings.addEventListener('click', () => openSettings());
els.demoMarker.addEventListener('click', leaveDemo);
els.settingsBtn.addEventListener('click', () => openSettings());
els.loadMore.addEventListener('click', () => { if (!isDisabled(els.loadMore)) controller.loadMore({ force: true }); });
els.loadAll.addEventListener('click', () => { if (!isDisabled(els.loadAll)) controller.loadAll(); });
els.cancelLoad.addEventListener('click', () => { if (!isDisabled(els.cancelLoad)) controller.cancel(); });
els.exportBtn.addEventListener('click', () => { if (!isDisabled(els.exportBtn)) exporter.open(); });
els.reportToggle.addEventListener('click', toggleReport);

document.addEventListener('keydown', (e) => {
  if (document.querySelector('dialog[open]')) return;
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key;
  // Escape cancels the running request, wherever focus is (the search box's own Escape, which
  // closes its dropdown, stops the event first).
  if (key === 'Escape' && !mod && !e.altKey && controller.state.busy && !e.isComposing) {
    e.preventDefault();
    controller.cancel();
    return;
  }
  if (mod && !e.altKey && (key === 'f' || key === 'F')) {
    if (!els.workspace.hidden) { e.preventDefault(); search.focus(); }
    return;
  }
  if (mod && !e.altKey && key === ',') {
    e.preventDefault();
    openSettings();
    return;
  }
  if (key === '/' && !mod && !e.altKey && !isEditable(e.target) && !els.workspace.hidden) {
    e.preventDefault();
    search.focus();
    return;
  }
  if (key === 'Escape' && !isEditable(e.target)) hideToast();
});

// ---- timers: "live for" ticks and the midnight roll-over ------------------------------------

let shownDay = dayKey(Date.now());
function checkDay() {
  const today = dayKey(Date.now());
  if (today !== shownDay) {
    shownDay = today;
    timeline.refresh();
  }
}
setInterval(() => { timeline.tick(); checkDay(); }, TICK_MS);
function scheduleMidnight() {
  setTimeout(() => { checkDay(); scheduleMidnight(); }, msUntilNextMidnight(Date.now()) + 500);
}
scheduleMidnight();
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) { timeline.tick(); checkDay(); }
});

// ---- start ----------------------------------------------------------------------------------------

// The window is shown by Rust on app_ready. Tell it once: right after the first render, or after
// 2.5 s at the latest (so a slow get_status never leaves the app invisible).
let readySent = false;
function sendAppReady() {
  if (readySent) return;
  readySent = true;
  api.appReady().catch(() => { /* a back end without app_ready shows the window itself */ });
}
const readyFallback = setTimeout(sendAppReady, 2500);

// A command that succeeded but could not write the settings file (api.js raises this): the
// result is shown as usual, and this says the change will not outlast the session.
window.addEventListener('meetdesk:settings-warning', (e) => {
  toast(t('toast.settingsWriteFailed', { message: String((e.detail && e.detail.message) || '') }), { kind: 'error' });
});

async function init() {
  initToast($('toast'), $('status-live'));
  setLanguage('system');
  setTheme('system');
  let startupError = null;
  const [st, se] = await Promise.allSettled([api.getStatus(), api.getSettings()]);
  if (st.status === 'fulfilled' && st.value) status = { ...status, ...st.value }; else startupError = st.reason;
  if (se.status === 'fulfilled') settings = withDefaults(se.value); else startupError = startupError || se.reason;
  applyLanguage();
  setTheme(settings.theme);
  search.setRecents(settings.recentRooms);
  timeline.measure();
  renderAll();
  // The current query (a reloaded page shows what Rust still has), then every change of it.
  controller.watch();
  api.watchWatcher((s) => {
    watched.update(s);
    watcherNews(s);
  }).catch((err) => console.warn('watched rooms:', err));
  if (startupError) toast(errorSentence(startupError), { kind: 'error' });
  else if (status.settingsProblem) {
    console.warn('settings problem:', status.settingsProblem);
    toast(settingsProblemText(status.settingsProblem, t, 'toast'), { kind: 'error', action: { label: t('error.openSettings'), run: () => openSettings() } });
  }
  if (!els.workspace.hidden) els.roomInput.focus(); else els.demoBtn.focus();
  // Not requestAnimationFrame: a hidden window may get no frames until it is shown.
  setTimeout(() => { clearTimeout(readyFallback); sendAppReady(); }, 0);
}

init().catch((err) => {
  console.error(err);
  sendAppReady();
});

// For debugging in the web inspector only (no secrets live here).
// `receive` lets a benchmark watch with its own channel and hand the snapshots on.
window.__meetdesk = {
  get state() { return controller.state; },
  get language() { return getLanguage(); },
  receive: (snapshot) => controller.receive(snapshot),
};
