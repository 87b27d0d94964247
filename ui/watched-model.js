// The watched side list's pure parts: the watcher's state as received (src-tauri/src/watcher.rs
// WatchView: the latest tick's rooms, plan and counts), what each line says, the name rule and
// the list's keyboard moves. No DOM; tested with node --test.

import { CONTRACT } from './contract.js';

/** Minutes since `at` as the words "updated N minutes ago" use: 'justNow' | minutes | hours | days. */
export function agoParts(at, now) {
  if (!Number.isFinite(at) || !Number.isFinite(now)) return { key: 'offline.longAgo', count: 0 };
  const minutes = Math.floor(Math.max(0, now - at) / 60_000);
  if (minutes < 1) return { key: 'offline.justNow', count: 0 };
  if (minutes < 60) return { key: 'offline.minutesAgo', count: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return { key: 'offline.hoursAgo', count: hours };
  return { key: 'offline.daysAgo', count: Math.floor(hours / 24) };
}

/** "12 minutes ago" in the UI language (`t` from i18n.js). */
export function agoText(at, now, t) {
  const { key, count } = agoParts(at, now);
  return t(key, { count });
}

/** What the line under the list says while the query shows cached meetings; null otherwise. */
export function cacheNote(state, now, t) {
  if (!Number.isFinite(state.cachedAt)) return null;
  const ago = agoText(state.cachedAt, now, t);
  return state.offline ? t('offline.note', { ago }) : t('offline.updated', { ago });
}

function text(v) {
  return typeof v === 'string' ? v : '';
}

function readHeadline(h) {
  if (!h || typeof h !== 'object' || (h.kind !== 'live' && h.kind !== 'next')) return null;
  const row = h.row && typeof h.row === 'object' ? h.row : {};
  const view = row.view && typeof row.view === 'object' ? row.view : {};
  const start = Number.isSafeInteger(view.start) ? view.start : (Number.isSafeInteger(row.startTime) ? row.startTime : null);
  return { kind: h.kind, title: text(row.title).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim(), start, conferenceId: text(row.conferenceId) };
}

/** The watcher's state as received, made safe to render (missing or odd fields are empty). */
export function readWatchView(raw) {
  const v = raw && typeof raw === 'object' ? raw : {};
  const rooms = (Array.isArray(v.rooms) ? v.rooms : [])
    .filter((r) => r && typeof r === 'object' && typeof r.roomCode === 'string' && /^\d{6,12}$/.test(r.roomCode))
    .map((r) => ({
      name: text(r.name) || r.roomCode,
      roomCode: r.roomCode,
      headline: readHeadline(r.headline),
      fetchedAt: Number.isSafeInteger(r.fetchedAt) ? r.fetchedAt : null,
      failed: !!(r.error && typeof r.error === 'object'),
    }));
  const plan = v.plan && typeof v.plan === 'object' ? v.plan : {};
  const reason = plan.reason && typeof plan.reason === 'object' && typeof plan.reason.kind === 'string' ? plan.reason : null;
  return {
    known: Array.isArray(v.rooms),
    rooms,
    reason,
    online: v.online !== false,
    callsThisMonth: Number.isSafeInteger(v.callsThisMonth) ? v.callsThisMonth : null,
    monthlyBudget: Number.isSafeInteger(v.monthlyBudget) ? v.monthlyBudget : null,
  };
}

/** A room's second line: "Live: Weekly sync", "Next: Client call at 14:30", or nothing known. */
export function headlineText(room, t, timeOf) {
  const h = room.headline;
  const title = (hl) => hl.title || t('row.untitled');
  if (h && h.kind === 'live') return t('watch.live', { title: title(h) });
  if (h && h.kind === 'next') {
    return h.start !== null ? t('watch.next', { title: title(h), time: timeOf(h.start) }) : t('watch.nextUntimed', { title: title(h) });
  }
  return t('watch.nothing');
}

/** The refresher's line at the bottom of the list (refresh.rs Reason: `refresh.<kind>`). */
export function reasonText(reason, t) {
  if (!reason) return '';
  const key = `refresh.${reason.kind}`;
  return t(key, { minutes: reason.minutes ?? '', budget: reason.budget ?? '' });
}

/** The budget line: "312 of 5,000 calls this month". */
export function budgetText(view, t) {
  if (view.callsThisMonth === null || view.monthlyBudget === null) return '';
  return t('watch.budget', { calls: view.callsThisMonth, budget: view.monthlyBudget });
}

/**
 * The name rule of watch.rs (`WatchName`): trimmed, 1 to watchNameMaxChars characters, one line.
 * Returns the catalog key of the problem, or null. Rust checks again; this only says it early.
 */
export function nameProblem(name, max = CONTRACT.limits.watchNameMaxChars) {
  const trimmed = String(name ?? '').trim();
  if (!trimmed) return 'watch.nameEmpty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'watch.nameOneLine';
  if ([...trimmed].length > max) return 'watch.nameTooLong';
  return null;
}

/** Where the list's focus goes for `key` from position `i` of `n`; -1: not a move key. */
export function moveInList(i, key, n) {
  if (n <= 0) return -1;
  switch (key) {
    case 'ArrowDown': return Math.min(n - 1, i + 1);
    case 'ArrowUp': return Math.max(0, i - 1);
    case 'Home': return 0;
    case 'End': return n - 1;
    default: return -1;
  }
}

/** Whether `roomCode` is watched (the "Watch this room" button says Rename then). */
export function isWatched(view, roomCode) {
  return view.rooms.some((r) => r.roomCode === roomCode);
}
