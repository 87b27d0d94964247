// The timeline's flat rows model and windowing math. Pure: no DOM.
//
// Rows are a flat list of day headers and meeting rows, so that the windowed list can
// place each one at a known offset:
//   { type: 'header', key, kind: 'live'|'today'|'yesterday'|'tomorrow'|'date'|'unknown', day, count }
//   { type: 'meeting', key, meeting, group }
// Order: a "Live now" group first, then days newest first, meetings newest first inside a
// day, then meetings without a start time in a "Date unknown" group. Status and start are the
// view Rust computed (format.js viewOf): an implausible start (year 1970, 9999) is unknown here
// as it is in the CLI and the CSV. The list arrives whole in each snapshot, each meeting once
// (Rust de-duplicates by conferenceId as pages arrive).

import { dayKey, startOfDay, viewOf } from './format.js';

/** Adds whole calendar days in local time (DST-safe), as format.js dayKind does. */
function addDays(ms, n) {
  const d = new Date(ms);
  d.setDate(d.getDate() + n);
  return d.getTime();
}

/** A stable key for a meeting row: its conferenceId, else its position in the input. */
export function meetingKey(m, i) {
  const id = m && m.conferenceId;
  return id !== undefined && id !== null && id !== '' ? `m:${id}` : `i:${i}`;
}

// What the rows model needs of a meeting (its start, whether live, its local day), kept per
// meeting object: a filter keystroke rebuilds the model from the same objects (Rust sends the
// rows once per version), and computing a Date's local day for 10,000 meetings was most of a
// keystroke's cost. The view is Rust's and never changes for an object; the day depends only on
// the computer's time zone, so a time-zone change clears the cache (and the sorted orders).
let facts = new WeakMap();
let factsZone = null;

function factsOf(m) {
  let f = facts.get(m);
  if (!f) {
    const v = viewOf(m);
    f = {
      start: v.start, live: v.status === 'live', key: null,
      day: v.start === null ? 'unknown' : dayKey(v.start),
      midnight: v.start === null ? null : startOfDay(v.start),
    };
    facts.set(m, f);
  }
  return f;
}

/** The row key of an item; a meeting with an id keeps it cached (by position it cannot be). */
function keyOf(x) {
  const id = x.m.conferenceId;
  if (id === undefined || id === null || id === '') return meetingKey(x.m, x.i);
  if (x.f.key === null) x.f.key = meetingKey(x.m, x.i);
  return x.f.key;
}

function checkZone() {
  const zone = new Date(2026, 0, 1).getTimezoneOffset() * 1000 + new Date(2026, 6, 1).getTimezoneOffset();
  if (zone !== factsZone) {
    facts = new WeakMap();
    orders = new WeakMap();
    factsZone = zone;
  }
}

// The sorted order of a list (live first, then newest first), kept per list array: a filter
// keystroke shows a subset of the same list, so it walks this order and keeps the meetings shown
// instead of sorting again (sorting 10,000 meetings was most of a keystroke in the web view).
let orders = new WeakMap();

function orderOf(meetings) {
  let order = orders.get(meetings);
  if (order) return order;
  const items = [];
  meetings.forEach((m, i) => {
    if (!m || typeof m !== 'object') return;
    const f = factsOf(m);
    items.push({ m, i, start: f.start, live: f.live, day: f.day, f });
  });
  const byNewest = (a, b) => {
    if (a.start === null && b.start === null) return a.i - b.i;
    if (a.start === null) return 1;
    if (b.start === null) return -1;
    return b.start - a.start || a.i - b.i;
  };
  order = {
    live: items.filter((x) => x.live).sort(byNewest),
    rest: items.filter((x) => !x.live).sort(byNewest),
  };
  orders.set(meetings, order);
  return order;
}

/**
 * Builds the flat rows model.
 * @param {object[]} meetings in any order (as loaded)
 * @param {number} now epoch ms, for Today/Yesterday
 * @param {number[] | null} shown positions in `meetings` of those to show (a filter's); null = all
 * @returns {object[]} rows
 */
export function buildRows(meetings, now, shown = null) {
  checkZone();
  const list = Array.isArray(meetings) ? meetings : [];
  const { live: allLive, rest: allRest } = orderOf(list);
  let keep = null;
  if (shown) {
    keep = new Uint8Array(list.length);
    for (const at of shown) if (at >= 0 && at < list.length) keep[at] = 1;
  }
  const live = keep ? allLive.filter((x) => keep[x.i]) : allLive;
  const rest = keep ? allRest.filter((x) => keep[x.i]) : allRest;

  // Today, yesterday and tomorrow once: a list of 10,000 days has 10,000 headers, and local-time
  // Date arithmetic per header cost more than the rest of the model.
  const near = new Map([[dayKey(now), 'today'], [dayKey(addDays(now, -1)), 'yesterday'], [dayKey(addDays(now, 1)), 'tomorrow']]);
  const rows = [];
  if (live.length) {
    rows.push({ type: 'header', key: 'h:live', kind: 'live', day: null, count: live.length });
    for (const x of live) rows.push({ type: 'meeting', key: keyOf(x), meeting: x.m, group: 'live' });
  }
  let i = 0;
  while (i < rest.length) {
    const first = rest[i];
    const k = first.day;
    let j = i;
    while (j < rest.length && rest[j].day === k) j++;
    rows.push({
      type: 'header',
      key: `h:${k}`,
      kind: k === 'unknown' ? 'unknown' : (near.get(k) ?? 'date'),
      day: k === 'unknown' ? null : first.f.midnight,
      count: j - i,
    });
    for (let n = i; n < j; n++) rows.push({ type: 'meeting', key: keyOf(rest[n]), meeting: rest[n].m, group: k });
    i = j;
  }
  return rows;
}

/**
 * Offsets for fixed row heights per type.
 * @returns {{ tops: Float64Array, total: number }} tops[i] = y of row i
 */
export function layoutRows(rows, heights) {
  const tops = new Float64Array(rows.length + 1);
  let y = 0;
  for (let i = 0; i < rows.length; i++) {
    tops[i] = y;
    y += rows[i].type === 'header' ? heights.header : heights.meeting;
  }
  tops[rows.length] = y;
  return { tops, total: y };
}

/** Index of the row containing y (binary search over tops). -1 for no rows. */
export function rowAt(tops, count, y) {
  if (count === 0) return -1;
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tops[mid] <= y) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/**
 * The rows to render for a scroll position: [start, end) covering the viewport plus
 * overscan rows above and below.
 */
export function visibleRange(tops, count, scrollTop, viewportHeight, overscan = 6) {
  if (count === 0) return { start: 0, end: 0 };
  const first = rowAt(tops, count, Math.max(0, scrollTop));
  const last = rowAt(tops, count, Math.max(0, scrollTop + Math.max(0, viewportHeight) - 1));
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + 1 + overscan) };
}

/** Index of the first meeting row at or after i (direction +1) or at or before i (−1); -1 if none. */
export function nearestMeeting(rows, i, direction = 1) {
  for (let k = i; k >= 0 && k < rows.length; k += direction) {
    if (rows[k].type === 'meeting') return k;
  }
  return -1;
}

/**
 * Where keyboard navigation moves the focused row.
 * @param {'up'|'down'|'home'|'end'|'pageUp'|'pageDown'} action
 * @param {number} pageRows rows per page for PageUp/PageDown
 * @returns {number} the new row index (a meeting row), or current when nothing to move to
 */
export function moveFocus(rows, current, action, pageRows = 10) {
  const firstM = nearestMeeting(rows, 0, 1);
  const lastM = nearestMeeting(rows, rows.length - 1, -1);
  if (firstM === -1) return -1;
  if (current < 0 || current >= rows.length || rows[current].type !== 'meeting') {
    if (action === 'end') return lastM;
    return current >= 0 && current < rows.length ? Math.max(firstM, nearestMeeting(rows, current, 1)) : firstM;
  }
  let target;
  switch (action) {
    case 'up': target = nearestMeeting(rows, current - 1, -1); break;
    case 'down': target = nearestMeeting(rows, current + 1, 1); break;
    case 'home': return firstM;
    case 'end': return lastM;
    case 'pageUp': {
      const k = Math.max(0, current - Math.max(1, pageRows));
      target = nearestMeeting(rows, k, 1);
      if (target === -1 || target >= current) target = nearestMeeting(rows, k, -1);
      if (target === -1) target = firstM;
      break;
    }
    case 'pageDown': {
      const k = Math.min(rows.length - 1, current + Math.max(1, pageRows));
      target = nearestMeeting(rows, k, -1);
      if (target === -1 || target <= current) target = nearestMeeting(rows, k, 1);
      if (target === -1) target = lastM;
      break;
    }
    default: return current;
  }
  return target === -1 ? current : target;
}

/** Index of the row with a key, or -1. */
export function indexOfKey(rows, key) {
  if (!key) return -1;
  for (let i = 0; i < rows.length; i++) if (rows[i].key === key) return i;
  return -1;
}

/**
 * The scrollTop that brings row i fully into view (unchanged if already visible).
 */
export function scrollToReveal(tops, i, scrollTop, viewportHeight) {
  const top = tops[i];
  const bottom = tops[i + 1];
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** Whether the viewport is close enough to the end to fetch the next page. */
export function nearEnd(total, scrollTop, viewportHeight, threshold) {
  return total > 0 && scrollTop + viewportHeight >= total - threshold;
}
