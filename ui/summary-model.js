// The summary panel's pure parts: durations in words (by the one rule), the chart's geometry.
// No DOM. The figures themselves are Rust's (meetdesk-core summary.rs, in each snapshot).

import { durationKey, elapsedParts, MINUTE } from './format.js';

/**
 * Whole minutes as an i18n key + params, split as every duration is (view::DurationParts):
 * 605 → 'duration.hoursMinutes' { h: 10, m: 5 }. null (nothing timed) → 'duration.none'.
 */
export function minutesKey(minutes) {
  if (!Number.isSafeInteger(minutes) || minutes < 0) return durationKey({ kind: 'none' });
  return durationKey(elapsedParts(minutes * MINUTE));
}

/**
 * Bars for meetings per week, in a viewBox of `width` × `height` with `pad` at the bottom for
 * nothing (the labels are the table's). Bars are as wide as they can be with a 20 % gap; the
 * tallest is the full height, an empty week has no bar (height 0) but keeps its slot.
 * @param {{ monday: string, count: number }[]} weeks oldest first
 * @returns {{ x, y, w, h, monday, count }[]}
 */
export function weekBars(weeks, width, height) {
  const list = Array.isArray(weeks) ? weeks : [];
  if (list.length === 0 || !(width > 0) || !(height > 0)) return [];
  const max = Math.max(1, ...list.map((w) => (Number.isFinite(w.count) && w.count > 0 ? w.count : 0)));
  const slot = width / list.length;
  const w = Math.max(1, slot * 0.8);
  return list.map((week, i) => {
    const count = Number.isFinite(week.count) && week.count > 0 ? week.count : 0;
    const h = (count / max) * height;
    return { x: i * slot + (slot - w) / 2, y: height - h, w, h, monday: week.monday, count };
  });
}

/** A week's Monday "YYYY-MM-DD" as a local date (for Intl formatting); null when not a date. */
export function mondayDate(monday) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(monday ?? ''));
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}
