// The summary panel: for the meetings shown, how many, total and average duration, per week and
// per host. The figures are Rust's (each snapshot's `summary`, meetdesk-core summary.rs, the same
// numbers the Excel workbook's Summary sheet has); durations are put into words by the one rule
// (summary-model.js minutesKey → the duration.* words every row uses).
//
// The chart (meetings per week) is SVG built with createElementNS and is aria-hidden: the
// tables below it carry the same figures and are what a screen reader reads.

import { clear, h } from './dom.js';
import { formatDayLabel, formatNumber } from './format.js';
import { getLocale, t } from './i18n.js';
import { minutesKey, mondayDate, weekBars } from './summary-model.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHART_W = 600;
const CHART_H = 120;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

function minutesText(m) {
  const d = minutesKey(m);
  return t(d.key, d.params);
}

function weekLabel(monday, locale) {
  const ms = mondayDate(monday);
  return ms === null ? monday : formatDayLabel(ms, locale);
}

function chart(weeks, locale) {
  const bars = weekBars(weeks, CHART_W, CHART_H);
  const root = svg('svg', {
    class: 'summary-chart', viewBox: `0 0 ${CHART_W} ${CHART_H}`, preserveAspectRatio: 'none',
    'aria-hidden': 'true', focusable: 'false',
  });
  root.appendChild(svg('line', { class: 'chart-axis', x1: 0, y1: CHART_H - 0.5, x2: CHART_W, y2: CHART_H - 0.5 }));
  for (const b of bars) {
    if (b.h <= 0) continue;
    // A tooltip for the mouse; the table says the same for everyone.
    root.appendChild(svg('rect', { class: 'chart-bar', x: b.x.toFixed(2), y: b.y.toFixed(2), width: b.w.toFixed(2), height: b.h.toFixed(2) },
      svg('title', {}, t('summary.chartBar', { week: weekLabel(b.monday, locale), count: b.count }))));
  }
  return root;
}

/** A table of figures; `hiddenCaption`: the heading above already says it on screen. */
function table(caption, head, lines, cls, hiddenCaption = false) {
  return h('table', { class: ['summary-table', cls] },
    h('caption', { class: hiddenCaption ? 'visually-hidden' : null }, caption),
    h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { scope: 'col', class: i > 0 ? 'num' : null }, c)))),
    h('tbody', {}, lines.map((cells) => h('tr', {}, cells.map((c, i) => (i === 0
      ? h('th', { scope: 'row' }, c)
      : h('td', { class: 'num' }, c)))))));
}

/**
 * A table's scroll box: focusable and named, so a keyboard user can scroll it with the arrow
 * keys (WCAG 2.1.1; axe's scrollable-region-focusable) and a screen reader says what it is.
 */
function scrollRegion(labelledBy) {
  return { class: 'summary-scroll', tabindex: '0', role: 'region', 'aria-labelledby': labelledBy };
}

/**
 * @param {HTMLElement} root the panel (#report-panel)
 */
export function createSummary(root) {
  let shownKey = null;

  function render(summary) {
    const locale = getLocale();
    clear(root);
    root.append(h('h2', { class: 'summary-title', id: 'report-title' }, t('summary.reportTitle')));
    if (summary.count === 0) {
      root.append(h('p', { class: 'summary-empty' }, t('summary.empty')));
      return;
    }
    const avg = summary.averageMinutes;
    root.append(h('dl', { class: 'summary-figures' },
      h('div', {}, h('dt', {}, t('summary.meetings')), h('dd', { id: 'report-count' }, formatNumber(summary.count, locale))),
      h('div', {}, h('dt', {}, t('summary.total')), h('dd', { id: 'report-total' }, summary.timed > 0 ? minutesText(summary.totalMinutes) : t('duration.none'))),
      h('div', {}, h('dt', {}, t('summary.average')), h('dd', { id: 'report-average' }, avg === null ? t('duration.none') : minutesText(avg)))));
    const notes = [];
    if (summary.timed < summary.count) notes.push(t('summary.timedNote', { timed: summary.timed, count: summary.count }));
    if (summary.undated > 0) notes.push(t('summary.undated', { count: summary.undated }));
    for (const n of notes) root.append(h('p', { class: 'summary-note' }, n));

    const columns = h('div', { class: 'summary-columns' });
    if (summary.weeks.length) {
      columns.append(h('section', { class: 'summary-weeks', 'aria-labelledby': 'report-weeks-title' },
        h('h3', { id: 'report-weeks-title' }, t('summary.perWeek')),
        h('p', { class: 'summary-chart-label', 'aria-hidden': 'true' }, t('summary.chartLabel')),
        chart(summary.weeks, locale),
        h('div', scrollRegion('report-weeks-title'), table(t('summary.weekStarts'), [t('summary.weekOf'), t('summary.meetings'), t('summary.duration')],
          summary.weeks.map((w) => [weekLabel(w.monday, locale), formatNumber(w.count, locale), minutesText(w.totalMinutes)]), 'summary-weeks-table'))));
    }
    columns.append(h('section', { class: 'summary-hosts', 'aria-labelledby': 'report-hosts-title' },
      h('h3', { id: 'report-hosts-title' }, t('summary.perHost')),
      h('div', scrollRegion('report-hosts-title'), table(t('summary.perHost'), [t('summary.host'), t('summary.meetings'), t('summary.duration')],
        summary.hosts.map((l) => [l.name ?? t('summary.unknownHost'), formatNumber(l.count, locale), minutesText(l.totalMinutes)]), 'summary-hosts-table', true))));
    root.append(columns);
  }

  return {
    /**
     * Shows the figures of a snapshot; rebuilt only when they changed (a snapshot's shownVersion)
     * or the language did, so a progress message leaves the panel and its scroll alone.
     */
    update(state, { force = false } = {}) {
      if (root.hidden) return;
      const key = `${state.shownVersion}|${getLocale()}`;
      if (!force && key === shownKey) return;
      shownKey = key;
      render(state.summary);
    },
    setOpen(open, state) {
      root.hidden = !open;
      shownKey = null;
      if (open) this.update(state);
    },
    isOpen() { return !root.hidden; },
  };
}
