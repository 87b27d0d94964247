// The timeline: meetings grouped by day, as a windowed ARIA grid.
//
// The flat rows model (timeline-model.js) holds day headers and meeting rows; each
// type has one fixed height (read from CSS once, and again after a resize/zoom).
// Only the rows in view plus some overscan are in the DOM, absolutely positioned in a
// spacer as tall as the whole list, so 10,000 meetings scroll smoothly.
//
// Keyboard: roving tabindex on meeting rows. ArrowUp/ArrowDown/Home/End/PageUp/PageDown
// move the focused row (the list scrolls so it stays rendered), Enter or double-click
// joins, ArrowRight/ArrowLeft move between the row and its buttons.

import { h, setText } from './dom.js';
import {
  dayKey, durationKey, formatDateTime, formatDayLabel, formatTime, liveForKey, viewOf,
} from './format.js';
import { getLocale, t } from './i18n.js';
import { toast } from './toast.js';
import {
  buildRows, indexOfKey, layoutRows, moveFocus, nearEnd, nearestMeeting, scrollToReveal, visibleRange,
} from './timeline-model.js';

const OVERSCAN = 8;
const KEY_ACTIONS = {
  ArrowUp: 'up', ArrowDown: 'down', Home: 'home', End: 'end', PageUp: 'pageUp', PageDown: 'pageDown',
};

function text(v) {
  return v === undefined || v === null ? '' : String(v).trim();
}

export function meetingTitle(m) {
  return text(m && m.title) || t('row.untitled');
}

/** Time slot text: "10:30 – 11:15", "Starts 14:00", "Started 10:30", "Time unknown". */
function timeSlot(m, row, now, locale) {
  const { start, end, status } = viewOf(m);
  if (start === null) return t('row.noTime');
  const sameDayAsRow = row.group !== 'live' && row.group !== 'unknown';
  const fmtStart = sameDayAsRow || dayKey(start) === dayKey(now) ? formatTime(start, locale) : formatDateTime(start, locale);
  if (status === 'live') return t('row.started', { start: fmtStart });
  if (status === 'notStarted') return t('row.starts', { start: fmtStart });
  if (end !== null && end > start) {
    const fmtEnd = dayKey(end) === dayKey(start) ? formatTime(end, locale) : formatDateTime(end, locale);
    return t('row.timeRange', { start: fmtStart, end: fmtEnd });
  }
  return fmtStart;
}

/**
 * Duration slot text: "45 min", "—", or for a live meeting "live for 12 min" (or the caveat
 * "over a day, may have ended", as the CLI and the CSV say).
 */
function durationSlot(m, now) {
  const v = viewOf(m);
  if (v.status === 'live') {
    const l = liveForKey(v.start, now, v.caveat);
    return l.duration ? t(l.key, { duration: t(l.duration.key, l.duration.params) }) : t(l.key);
  }
  const d = durationKey(v.duration);
  return t(d.key, d.params);
}

/** Whether Join can do anything for this meeting: it needs an id to name and a link to open. */
function canJoin(m) {
  return text(m && m.conferenceId) !== '' && viewOf(m).joinable;
}

function headerLabel(row, locale) {
  switch (row.kind) {
    case 'live': return t('group.live');
    case 'today': return t('group.today');
    case 'yesterday': return t('group.yesterday');
    case 'tomorrow': return t('group.tomorrow');
    case 'unknown': return t('group.unknown');
    default: return formatDayLabel(row.day, locale);
  }
}

/**
 * @param {HTMLElement} el #timeline (the scroll container)
 * @param {{ onJoin(meeting, rowEl), onCopyLink(meeting, btn), onCopyCode(meeting, btn), onCopyInvitation(meeting, btn), onNearEnd(), now?: () => number }} handlers
 */
export function createTimeline(el, handlers) {
  const now = handlers.now || (() => Date.now());
  const spacer = h('div', { class: 'timeline-spacer', role: 'rowgroup' });
  el.appendChild(spacer);
  el.setAttribute('role', 'grid');
  el.setAttribute('aria-colcount', '2');

  let meetings = [];
  let rows = [];
  el.setAttribute('aria-hidden', 'true'); // no rows yet (hideWhenEmpty)
  let layout = { tops: new Float64Array(1), total: 0 };
  // Fallbacks match styles.css (2.5rem / 4.25rem at a 16px root) until a real measurement.
  let heights = { header: 40, meeting: 68 };
  let measured = false;
  let active = -1; // index of the focused (roving) meeting row
  let rendered = new Map(); // row index → element
  let scheduled = 0;
  let roomCode = '';
  let shown = null; // positions in `meetings` of the meetings shown; null = all
  let lastScrollTop = 0;

  function measure() {
    const probeHeader = h('div', { class: 'day-header', 'aria-hidden': 'true' }, h('div', { class: 'day-header-cell' }, 'X'));
    const probeRow = h('div', { class: 'meeting-row', 'aria-hidden': 'true' }, h('div', { class: 'cell-main' }, 'X'));
    probeHeader.classList.add('probe');
    probeRow.classList.add('probe');
    spacer.append(probeHeader, probeRow);
    const hh = probeHeader.getBoundingClientRect().height;
    const mh = probeRow.getBoundingClientRect().height;
    probeHeader.remove();
    probeRow.remove();
    // A window that is not shown yet may have no layout: keep the fallbacks and try again later.
    if (hh > 0 && mh > 0) measured = true;
    const next = { header: hh > 0 ? Math.round(hh) : heights.header, meeting: mh > 0 ? Math.round(mh) : heights.meeting };
    const changed = next.header !== heights.header || next.meeting !== heights.meeting;
    heights = next;
    return changed;
  }

  function relayout() {
    layout = layoutRows(rows, heights);
    spacer.style.height = `${layout.total}px`;
    el.setAttribute('aria-rowcount', String(rows.length));
    hideWhenEmpty();
  }

  // A grid without rows is no grid (ARIA: a grid owns rows): until there are meetings, the
  // empty state's text is what a screen reader finds.
  function hideWhenEmpty() {
    if (rows.length === 0) el.setAttribute('aria-hidden', 'true'); else el.removeAttribute('aria-hidden');
  }

  function clearRendered() {
    for (const node of rendered.values()) node.remove();
    rendered = new Map();
  }

  // ---- row elements -------------------------------------------------------------

  function makeHeader(row, i) {
    const node = h('div', { class: 'day-header', role: 'row', 'aria-rowindex': i + 1, dataset: { kind: row.kind, index: i } },
      h('div', { class: 'day-header-cell', role: 'rowheader', 'aria-colspan': '2' },
        h('span', { class: 'day-label' }, headerLabel(row, getLocale())),
        h('span', { class: 'day-count' }, t('group.count', { count: row.count }))));
    return node;
  }

  function makeMeetingRow(row, i) {
    const m = row.meeting;
    const { status } = viewOf(m);
    const title = meetingTitle(m);
    const hasId = text(m.conferenceId) !== '';
    const joinable = canJoin(m);
    // Without a link Join is disabled and says why (tooltip and accessible description) rather
    // than failing once clicked.
    const noJoin = joinable ? null : t('row.noLink');
    const node = h('div', {
      class: ['meeting-row', `status-${status}`], role: 'row', 'aria-rowindex': i + 1, tabindex: '-1',
      dataset: { index: i, conferenceId: hasId ? String(m.conferenceId) : undefined, status },
      'aria-description': noJoin,
    },
    h('div', { class: 'cell-main', role: 'gridcell' },
      h('div', { class: 'row-line1' },
        h('span', { class: 'badge', dataset: { status } },
          h('span', { class: 'badge-icon', 'aria-hidden': 'true' }),
          h('span', { class: 'badge-text' }, t(`status.${status}`))),
        h('span', { class: 'row-title', title }, title)),
      h('div', { class: 'row-line2' },
        h('span', { class: 'row-time' }),
        h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'),
        h('span', { class: ['row-duration', status === 'live' ? 'live-for' : ''] }),
        h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'),
        h('span', { class: 'row-host' }),
        h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'),
        h('span', { class: 'row-type', dataset: { type: viewOf(m).type } }, t(`type.${viewOf(m).type}`)))),
    h('div', { class: 'cell-actions', role: 'gridcell' },
      h('button', {
        type: 'button', class: 'btn btn-primary btn-small join-btn', tabindex: '-1', disabled: !joinable,
        'aria-label': t('row.joinLabel', { title }), title: noJoin, 'aria-description': noJoin,
      }, t('row.join')),
      h('button', {
        type: 'button', class: 'btn btn-small copy-link-btn', tabindex: '-1', disabled: !text(m.externalLinkUrl),
        'aria-label': t('row.copyLinkLabel', { title }), title: text(m.externalLinkUrl) ? null : t('row.noLink'),
      }, t('row.copyLink')),
      h('button', {
        type: 'button', class: 'btn btn-small copy-code-btn', tabindex: '-1', disabled: !(text(m.roomCode) || roomCode),
        'aria-label': t('row.copyCodeLabel', { title }),
      }, t('row.copyCode')),
      // Rust writes the invitation (invitation.rs): it needs the meeting's id to name it.
      h('button', {
        type: 'button', class: 'btn btn-small copy-invite-btn', tabindex: '-1', disabled: !hasId,
        'aria-label': t('invite.copyLabel', { title }),
      }, t('invite.copy'))));
    fillMeetingRow(node, row);
    return node;
  }

  /** Sets the parts of a meeting row that change with time (and its accessible label). */
  function fillMeetingRow(node, row) {
    const m = row.meeting;
    const n = now();
    const locale = getLocale();
    const time = timeSlot(m, row, n, locale);
    const duration = durationSlot(m, n);
    const host = text(m.creatorNick) ? t('row.host', { name: text(m.creatorNick) }) : t('row.hostUnknown');
    setText(node.querySelector('.row-time'), time);
    setText(node.querySelector('.row-duration'), duration);
    setText(node.querySelector('.row-host'), host);
    const { status } = viewOf(m);
    node.setAttribute('aria-label', t('row.a11y', {
      title: meetingTitle(m),
      status: t(`status.${status}`),
      time,
      duration: status === 'live' ? duration : t('row.durationLabel', { duration }),
      host,
      type: t(`type.${viewOf(m).type}`),
    }));
  }

  function setRoving(node, on) {
    node.tabIndex = on ? 0 : -1;
    for (const b of node.querySelectorAll('button')) b.tabIndex = on ? 0 : -1;
  }

  // ---- windowed rendering ----------------------------------------------------------

  function render() {
    scheduled = 0;
    const { start, end } = visibleRange(layout.tops, rows.length, el.scrollTop, el.clientHeight, OVERSCAN);
    const want = new Set();
    for (let i = start; i < end; i++) want.add(i);
    if (active >= 0 && active < rows.length) want.add(active);
    for (const [i, node] of rendered) {
      if (!want.has(i)) {
        if (node.contains(document.activeElement)) continue; // never drop the focused row
        node.remove();
        rendered.delete(i);
      }
    }
    const frag = document.createDocumentFragment();
    for (const i of want) {
      if (rendered.has(i)) continue;
      const row = rows[i];
      const node = row.type === 'header' ? makeHeader(row, i) : makeMeetingRow(row, i);
      node.style.transform = `translateY(${layout.tops[i]}px)`;
      if (row.type === 'meeting') setRoving(node, i === active);
      rendered.set(i, node);
      frag.appendChild(node);
    }
    spacer.appendChild(frag);
  }

  function scheduleRender() {
    if (!scheduled) scheduled = requestAnimationFrame(render);
  }

  function checkNearEnd() {
    if (nearEnd(layout.total, el.scrollTop, el.clientHeight, Math.max(el.clientHeight, 400))) handlers.onNearEnd?.();
  }

  el.addEventListener('scroll', () => {
    const st = el.scrollTop;
    const down = st > lastScrollTop;
    lastScrollTop = st;
    scheduleRender();
    if (down) checkNearEnd();
  }, { passive: true });

  // ---- focus & keyboard ----------------------------------------------------------------

  function rowIndexOf(target) {
    const node = target && target.closest ? target.closest('.meeting-row') : null;
    if (!node || !spacer.contains(node)) return -1;
    return Number(node.dataset.index);
  }

  function setActive(i, { focus = false, scroll = true } = {}) {
    if (i < 0 || i >= rows.length || rows[i].type !== 'meeting') return;
    const prev = rendered.get(active);
    if (prev && active !== i) setRoving(prev, false);
    active = i;
    if (scroll) {
      const st = scrollToReveal(layout.tops, i, el.scrollTop, el.clientHeight);
      if (st !== el.scrollTop) el.scrollTop = st;
    }
    render();
    const node = rendered.get(i);
    if (node) {
      setRoving(node, true);
      if (focus) node.focus({ preventScroll: true });
    }
  }

  el.addEventListener('focusin', (e) => {
    const i = rowIndexOf(e.target);
    if (i >= 0 && i !== active) setActive(i, { scroll: false });
  });

  el.addEventListener('keydown', (e) => {
    const i = rowIndexOf(e.target);
    if (i < 0) return;
    const node = rendered.get(i);
    const onRow = e.target === node;
    if (KEY_ACTIONS[e.key] && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const pageRows = Math.max(1, Math.floor(el.clientHeight / heights.meeting) - 1);
      const next = moveFocus(rows, i, KEY_ACTIONS[e.key], pageRows);
      setActive(next, { focus: true });
      if (e.key === 'End' || e.key === 'PageDown') checkNearEnd();
      return;
    }
    if (e.key === 'Enter' && onRow) {
      e.preventDefault();
      join(rows[i].meeting, node);
      return;
    }
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const stops = [node, ...node.querySelectorAll('button:not([disabled])')];
      const at = stops.indexOf(e.target);
      if (at < 0) return;
      const to = e.key === 'ArrowRight' ? Math.min(stops.length - 1, at + 1) : Math.max(0, at - 1);
      e.preventDefault();
      stops[to].focus();
    }
  });

  el.addEventListener('click', (e) => {
    const i = rowIndexOf(e.target);
    if (i < 0) return;
    const row = rows[i];
    const node = rendered.get(i);
    const btn = e.target.closest('button');
    if (btn) {
      setActive(i, { scroll: false });
      if (btn.classList.contains('join-btn')) handlers.onJoin?.(row.meeting, node);
      else if (btn.classList.contains('copy-link-btn')) handlers.onCopyLink?.(row.meeting, btn);
      else if (btn.classList.contains('copy-code-btn')) handlers.onCopyCode?.(row.meeting, btn);
      else if (btn.classList.contains('copy-invite-btn')) handlers.onCopyInvitation?.(row.meeting, btn);
      return;
    }
    setActive(i, { focus: true, scroll: false });
  });

  el.addEventListener('dblclick', (e) => {
    if (e.target.closest('button')) return;
    const i = rowIndexOf(e.target);
    if (i >= 0) join(rows[i].meeting, rendered.get(i));
  });

  /** Enter and double-click: join, or say why not (the button is disabled with the same words). */
  function join(meeting, node) {
    if (canJoin(meeting)) handlers.onJoin?.(meeting, node);
    else toast(t('row.noLink'), { kind: 'error' });
  }

  window.addEventListener('resize', () => {
    if (measure()) { relayout(); clearRendered(); }
    scheduleRender();
  });

  // ---- public API -------------------------------------------------------------------

  /**
   * Replaces the meetings. reset: a new search (scroll to top, first row active);
   * otherwise the focused row and the scroll position are kept. shown: positions in `list` of
   * the meetings a filter shows (null = all).
   */
  function setMeetings(list, opts = {}) {
    const hadFocus = el.contains(document.activeElement) && document.activeElement !== el;
    const activeKey = active >= 0 && rows[active] ? rows[active].key : null;
    meetings = list || [];
    if (opts.shown !== undefined) shown = opts.shown;
    if (opts.roomCode !== undefined) roomCode = opts.roomCode;
    if (!measured) measure();
    rows = buildRows(meetings, now(), shown);
    relayout();
    clearRendered();
    if (opts.reset) {
      el.scrollTop = 0;
      lastScrollTop = 0;
      active = nearestMeeting(rows, 0, 1);
    } else {
      const k = indexOfKey(rows, activeKey);
      active = k >= 0 ? k : nearestMeeting(rows, 0, 1);
    }
    render();
    const node = rendered.get(active);
    if (node) {
      setRoving(node, true);
      if (hadFocus) node.focus({ preventScroll: true });
    }
    el.setAttribute('aria-label', roomCode ? t('timeline.label', { code: roomCode }) : t('timeline.labelEmpty'));
    return rows.length;
  }

  return {
    setMeetings,
    /** Rebuilds from the same meetings (language change, midnight). */
    refresh() { setMeetings(meetings); },
    /** Updates the ticking parts of rendered live rows ("live for 12 min"). */
    tick() {
      for (const [i, node] of rendered) {
        const row = rows[i];
        if (row && row.type === 'meeting' && viewOf(row.meeting).status === 'live') fillMeetingRow(node, row);
      }
    },
    /** Moves focus to the meeting with this conference id; false when it is not in the list. */
    focusMeeting(conferenceId) {
      const i = rows.findIndex((r) => r.type === 'meeting' && r.meeting.conferenceId === conferenceId);
      if (i < 0) return false;
      setActive(i, { focus: true });
      return true;
    },
    /** Moves focus into the list (the active row). */
    focus() {
      if (active < 0) return false;
      setActive(active, { focus: true });
      return true;
    },
    setBusy(busy) { el.setAttribute('aria-busy', busy ? 'true' : 'false'); },
    measure() { if (measure()) { relayout(); clearRendered(); render(); } },
    stats() { return { rows: rows.length, meetings: shown ? shown.length : meetings.length, domRows: rendered.size, heights: { ...heights } }; },
    get rowCount() { return rows.length; },
  };
}
