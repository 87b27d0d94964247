// The toast (#toast, visible, one at a time). A toast is announced through the live region
// (announce.js, #status-live); `announce` is re-exported for the modules that import it here.

import { announce, initLiveRegion } from './announce.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

export { announce };

let toastEl = null;
let hideTimer = 0;
let returnFocusTo = null;

export function initToast(toast, live) {
  toastEl = toast;
  initLiveRegion(live);
  toastEl.addEventListener('mouseenter', () => clearTimeout(hideTimer));
  toastEl.addEventListener('focusin', () => clearTimeout(hideTimer));
  toastEl.addEventListener('mouseleave', () => { if (!toastEl.contains(document.activeElement)) schedule(4000); });
  toastEl.addEventListener('focusout', (e) => { if (!toastEl.contains(e.relatedTarget)) schedule(4000); });
  toastEl.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); hideToast(); } });
}

function schedule(ms) {
  clearTimeout(hideTimer);
  hideTimer = setTimeout(hideToast, ms);
}

export function hideToast() {
  if (!toastEl || toastEl.hidden) return;
  const hadFocus = toastEl.contains(document.activeElement);
  toastEl.hidden = true;
  clear(toastEl);
  if (hadFocus && returnFocusTo && returnFocusTo.isConnected) returnFocusTo.focus();
  returnFocusTo = null;
}

/**
 * Shows a toast.
 * @param {string} text
 * @param {{ kind?: 'info'|'success'|'error', action?: { label, run, id? }, focusAction?: boolean, returnFocus?: HTMLElement, ms?: number }} opts
 */
export function toast(text, opts = {}) {
  if (!toastEl) return;
  clearTimeout(hideTimer);
  clear(toastEl);
  toastEl.dataset.kind = opts.kind || 'info';
  const msg = h('p', { class: 'toast-text' }, h('span', { class: 'toast-icon', 'aria-hidden': 'true' }), text);
  toastEl.appendChild(msg);
  let actionBtn = null;
  if (opts.action) {
    actionBtn = h('button', {
      type: 'button', class: 'btn btn-small', id: opts.action.id,
      on: { click: () => { hideToast(); opts.action.run(); } },
    }, opts.action.label);
    toastEl.appendChild(actionBtn);
  }
  toastEl.appendChild(h('button', {
    type: 'button', class: 'btn btn-quiet btn-small toast-close', 'aria-label': t('toast.dismiss'), title: t('toast.dismiss'),
    on: { click: hideToast },
  }, '×'));
  toastEl.hidden = false;
  returnFocusTo = opts.returnFocus || null;
  announce(text);
  schedule(opts.ms || (opts.action ? 10000 : 5000));
  // Focus (which pauses the timer until focus leaves) comes after scheduling.
  if (actionBtn && opts.focusAction) actionBtn.focus();
}
