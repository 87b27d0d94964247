// The filter bar's values → the filter Rust applies (meetdesk-core filter.rs `Filter`). Pure: no
// DOM. Rust checks and applies it (the CLI's flags go through the same code), so the window
// never decides which meeting matches; it only says what the person chose.
//
// Dates: an <input type="date"> gives "YYYY-MM-DD" in the computer's calendar. "From" is that
// day's local midnight (inclusive); "To" includes its whole day, so it is sent as the next day's
// local midnight (Rust's `until` is exclusive). Local midnights come from Date's own calendar
// arithmetic, so a day with a daylight-saving change is still one whole day.

import { CONTRACT } from './contract.js';
import { startOfNextDay } from './format.js';

/** The statuses and types the bar offers, in Rust's order (from the generated contract). */
export const FILTER_STATUSES = CONTRACT.meetingStatuses;
export const FILTER_TYPES = [...CONTRACT.meetingTypes.map((t) => t.key), CONTRACT.unknownMeetingType];
export const MAX_FILTER_TEXT_CHARS = CONTRACT.limits.maxFilterTextChars;

/** Local midnight at the start of a "YYYY-MM-DD" day; null for an empty or impossible date. */
export function localMidnight(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day ?? '').trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  // new Date(2026, 1, 31) is 3 March: such a day does not exist.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.getTime();
}

/**
 * The form's values → Rust's Filter.
 * @param {{ text?: string, statuses?: string[], types?: string[], from?: string, to?: string }} form
 */
export function filterOf(form = {}) {
  const since = localMidnight(form.from);
  const toDay = localMidnight(form.to);
  const pick = (chosen, allowed) => allowed.filter((k) => (chosen || []).includes(k));
  return {
    text: String(form.text ?? ''),
    statuses: pick(form.statuses, FILTER_STATUSES),
    types: pick(form.types, FILTER_TYPES),
    since,
    until: toDay === null ? null : startOfNextDay(toDay),
  };
}

/** Whether a filter (as sent, or as a snapshot says it was applied) shows every meeting. */
export function isEmptyFilter(f) {
  if (!f || typeof f !== 'object') return true;
  const blank = (s) => typeof s !== 'string' || s.trim() === '';
  const none = (a) => !Array.isArray(a) || a.length === 0;
  return blank(f.text) && blank(f.title) && blank(f.host) && none(f.statuses) && none(f.types)
    && (f.since === null || f.since === undefined) && (f.until === null || f.until === undefined);
}

/** "YYYY-MM-DD" of a local time in ms (the value an <input type="date"> shows). */
function dayOf(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The form's values for a filter Rust says is applied (a reloaded page shows the filter that is
 * in force). `until` is the midnight after the "To" day.
 */
export function formOf(f) {
  const ok = f && typeof f === 'object' ? f : {};
  const ms = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const since = ms(ok.since);
  const until = ms(ok.until);
  return {
    text: typeof ok.text === 'string' ? ok.text : '',
    statuses: Array.isArray(ok.statuses) ? ok.statuses.filter((s) => FILTER_STATUSES.includes(s)) : [],
    types: Array.isArray(ok.types) ? ok.types.filter((s) => FILTER_TYPES.includes(s)) : [],
    from: since === null ? '' : dayOf(since),
    // The day before the exclusive end: one millisecond before it is still that day.
    to: until === null ? '' : dayOf(until - 1),
  };
}
