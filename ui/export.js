// The "Export…" flow in <dialog id="export-dialog">: choose the format (CSV or an Excel
// workbook) and the scope (the meetings shown / all pages), export_meetings with a progress bar
// and Cancel (cancel_request with the export's request id; Escape too), then a toast "Exported
// 1,234 meetings to /path" with "Show in folder" (reveal_path). A cancelled export writes
// nothing, and the toast says so. Once the file is chosen, no answer from DingTalk for
// SLOW_AFTER_MS shows the slow note.
//
// Export writes what is shown: with a filter in force the dialog says "Export 37 of 120", and
// "all pages" loads the rest first and then applies the filter (Rust does both).

import { clear, h } from './dom.js';
import { describeError } from './errors.js';
import { getLanguage, t } from './i18n.js';
import { SlowWatch } from './query-state.js';
import { toast, announce } from './toast.js';

/**
 * @param {HTMLDialogElement} dialog
 * @param {{ api, getQuery(): object, returnFocus(): HTMLElement }} deps getQuery: the shown
 *   snapshot; the export names its query by the snapshot's queryId, and the pages an "all pages"
 *   export fetches reach the list as Rust's next snapshot.
 */
export function createExport(dialog, deps) {
  const { api } = deps;
  let running = null; // { queryId, requestId, cancelling, slowAnnounced }
  let chosenFormat = 'csv';
  let els = {};
  const slow = new SlowWatch(() => {
    if (!running || !els.slowNote) return;
    els.slowNote.hidden = false;
    if (!running.slowAnnounced) announce(t('slow.note'));
    running.slowAnnounced = true;
  });

  dialog.addEventListener('cancel', (e) => {
    if (running) { e.preventDefault(); cancel(); }
  });
  dialog.addEventListener('close', () => {
    clear(dialog);
    els = {};
    const back = deps.returnFocus();
    if (back && back.isConnected && !document.querySelector('#toast button:focus')) back.focus();
  });

  function build(q) {
    clear(dialog);
    dialog.setAttribute('aria-labelledby', 'export-title');
    const count = q.meetings.length;
    const shown = q.filtered ? q.shownCount : count;
    const canAll = q.hasMore;
    const loaded = h('input', { type: 'radio', name: 'export-scope', id: 'export-scope-loaded', value: 'loaded', checked: true });
    const all = h('input', { type: 'radio', name: 'export-scope', id: 'export-scope-all', value: 'all', disabled: !canAll });
    const csv = h('input', { type: 'radio', name: 'export-format', id: 'export-format-csv', value: 'csv', checked: chosenFormat !== 'xlsx' });
    const xlsx = h('input', { type: 'radio', name: 'export-format', id: 'export-format-xlsx', value: 'xlsx', checked: chosenFormat === 'xlsx' });
    const progress = h('progress', { id: 'export-progress', max: '1' });
    const progressText = h('p', { class: 'progress-text', id: 'export-progress-text' });
    const progressBox = h('div', { class: 'progress-box', hidden: true }, progress, progressText);
    progress.setAttribute('aria-labelledby', 'export-progress-text');
    const error = h('div', { class: 'form-status', role: 'status', id: 'export-error', hidden: true });
    const slowNote = h('p', { class: 'slow-note', id: 'export-slow-note', hidden: true }, t('slow.note'));
    const startBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'export-start', on: { click: start } },
      q.filtered ? t('export.startShown', { count: shown, total: count }) : t('export.start'));
    const cancelBtn = h('button', { type: 'button', class: 'btn', id: 'export-cancel', on: { click: () => (running ? cancel() : dialog.close()) } }, t('export.close'));
    dialog.appendChild(h('div', { class: 'dialog-body' },
      h('h2', { id: 'export-title', class: 'dialog-title' }, t('export.title')),
      h('fieldset', { class: 'group' }, h('legend', {}, t('export.format')),
        h('div', { class: 'radio' }, csv, h('label', { for: 'export-format-csv' }, t('export.formatCsv'))),
        h('div', { class: 'radio' }, xlsx, h('label', { for: 'export-format-xlsx' }, t('export.formatXlsx')))),
      h('fieldset', { class: 'group' }, h('legend', {}, t('export.scope')),
        h('div', { class: 'radio' }, loaded, h('label', { for: 'export-scope-loaded' },
          q.filtered ? t('export.scopeShown', { count: shown, total: count }) : t('export.scopeLoaded', { count }))),
        h('div', { class: 'radio' }, all, h('label', { for: 'export-scope-all' },
          q.filtered ? t('export.scopeAllFiltered')
            : typeof q.totalCount === 'number' ? t('export.scopeAllOf', { total: q.totalCount }) : t('export.scopeAll')))),
      q.filtered ? h('p', { class: 'field-hint', id: 'export-filter-note' }, t('export.filterNote')) : null,
      canAll ? h('p', { class: 'field-hint' }, t('export.note')) : null,
      progressBox,
      slowNote,
      error));
    dialog.appendChild(h('div', { class: 'dialog-actions' }, cancelBtn, startBtn));
    els = { loaded, all, csv, xlsx, progress, progressText, progressBox, slowNote, error, startBtn, cancelBtn };
  }

  function setProgress(msg) {
    // Only "all pages" waits for DingTalk. Its first message says the file is chosen, later
    // ones that a page arrived: count the silence anew from each.
    if (!running || running.scope !== 'all') return;
    slow.poke();
    if (els.slowNote) els.slowNote.hidden = true;
    if (!els.progress) return;
    const loaded = typeof msg?.loaded === 'number' ? msg.loaded : 0;
    const total = typeof msg?.totalCount === 'number' && msg.totalCount > 0 ? msg.totalCount : null;
    els.progressBox.hidden = false;
    if (total) {
      els.progress.max = total;
      els.progress.value = Math.min(loaded, total);
      els.progressText.textContent = t('export.progressOf', { loaded, total });
    } else {
      els.progress.removeAttribute('value');
      els.progressText.textContent = t('export.progress', { loaded });
    }
  }

  function setRunning(on) {
    for (const r of [els.loaded, els.all, els.csv, els.xlsx]) if (r) r.disabled = on || (r === els.all && !deps.getQuery().hasMore);
    if (els.startBtn) els.startBtn.disabled = on;
    if (els.cancelBtn) els.cancelBtn.textContent = t(on ? 'export.cancel' : 'export.close');
  }

  async function start() {
    const q = deps.getQuery();
    if (q.queryId === null || running) return;
    const scope = els.all && els.all.checked ? 'all' : 'loaded';
    const format = els.xlsx && els.xlsx.checked ? 'xlsx' : 'csv';
    // The next export offers the format chosen last (for this window's life).
    chosenFormat = format;
    const requestId = api.newRequestId();
    running = { queryId: q.queryId, requestId, scope, cancelling: false, slowAnnounced: false };
    els.error.hidden = true;
    clear(els.error);
    els.progressBox.hidden = false;
    els.progress.removeAttribute('value');
    els.progressText.textContent = t('export.writing');
    setRunning(true);
    els.cancelBtn.focus();
    let result;
    try {
      result = await api.exportMeetings(q.queryId, scope, format, getLanguage(), setProgress, requestId);
    } catch (err) {
      const wasRunning = running;
      running = null;
      slow.stop();
      if (err.kind === 'cancelled' || wasRunning?.cancelling) {
        if (dialog.open) dialog.close();
        announce(t('export.cancelled'));
        toast(t('export.cancelled'));
        return;
      }
      if (!dialog.open) return;
      setRunning(false);
      els.progressBox.hidden = true;
      els.slowNote.hidden = true;
      const d = describeError(err);
      clear(els.error);
      els.error.dataset.kind = 'error';
      els.error.append(h('span', { class: 'status-icon', 'aria-hidden': 'true' }), `${t('export.failed')} ${d.title} ${d.next} ${d.details.join(' ')}`.trim());
      els.error.hidden = false;
      // Said through the one live region too: a region shown and filled at once is not
      // announced by every screen reader.
      announce(`${t('export.failed')} ${d.title}`);
      els.startBtn.focus();
      return;
    }
    running = null;
    slow.stop();
    if (dialog.open) dialog.close();
    if (!result) { // the person closed the save dialog
      announce(t('export.cancelled'));
      return;
    }
    const count = typeof result.count === 'number' ? result.count : 0;
    const path = String(result.path ?? '');
    // Written; only remembering the folder failed: say so in the same toast, not instead of it.
    const warning = typeof result.settingsWarning === 'string'
      ? ` ${t('toast.settingsWriteFailed', { message: result.settingsWarning })}` : '';
    toast(t('toast.exported', { count, path }) + warning, {
      kind: 'success',
      action: {
        id: 'reveal-btn',
        label: t('toast.showInFolder'),
        run: () => api.revealPath(path).catch((err) => toast(`${describeError(err).title} ${describeError(err).next}`, { kind: 'error' })),
      },
      focusAction: true,
      returnFocus: deps.returnFocus(),
    });
  }

  async function cancel() {
    if (!running || running.cancelling) return;
    running.cancelling = true;
    if (els.cancelBtn) { els.cancelBtn.disabled = true; els.cancelBtn.textContent = t('summary.cancelling'); }
    try { await api.cancelRequest(running.requestId); } catch { /* the export ends by itself */ }
  }

  return {
    open() {
      const q = deps.getQuery();
      if (q.queryId === null || dialog.open) return;
      build(q);
      dialog.showModal();
      els.startBtn.focus();
    },
    isRunning() { return !!running; },
  };
}
