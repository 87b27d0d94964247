// Error kind → plain words, the next step, and the actions to offer.
// describeError() is pure (node-tested); renderErrorPanel() builds the DOM.

import { KNOWN_KINDS } from './api.js';
import { CONTRACT } from './contract.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

/** Kinds where trying again can help: Rust's rule (ui/contract.js), and 'unknown'. */
const RETRYABLE = new Set([...CONTRACT.retryableKinds, 'unknown']);

/** Kinds whose fix is in the settings. */
const SETTINGS_FIX = new Set([
  'auth', 'notConfigured', 'invalidSetting', 'keychain', 'ipNotAllowed', 'badResponse', 'badRequest', 'config',
]);

/**
 * @param {object} err a normalised error (see api.js)
 * @returns {{ kind, title, next, details: string[], technical: string, retry: boolean, settings: boolean, copyText: string }}
 */
export function describeError(err) {
  const e = err && typeof err === 'object' ? err : { kind: 'unknown', message: String(err ?? '') };
  const kind = KNOWN_KINDS.includes(e.kind) ? e.kind : 'unknown';
  const details = [];
  if (e.code) details.push(t('error.code', { code: String(e.code) }));
  if (e.requestId) details.push(t('error.requestId', { id: String(e.requestId) }));
  if (e.httpStatus) details.push(t('error.http', { status: String(e.httpStatus) }));
  if (e.retryAfterSecs) details.push(t('error.retryAfter', { secs: String(e.retryAfterSecs) }));
  const copyLines = [
    `kind: ${kind}`,
    e.code ? `code: ${e.code}` : null,
    e.requestId ? `requestId: ${e.requestId}` : null,
    e.httpStatus ? `httpStatus: ${e.httpStatus}` : null,
    e.field ? `field: ${e.field}` : null,
    e.retryAfterSecs ? `retryAfterSecs: ${e.retryAfterSecs}` : null,
    e.message ? `message: ${e.message}` : null,
  ].filter(Boolean);
  return {
    kind,
    title: t(`error.${kind}.title`),
    next: t(`error.${kind}.next`),
    details,
    technical: e.message ? String(e.message) : '',
    // The error's own word wins: Rust knows when a retry can only fail the same way again.
    retry: e.retryable === false ? false : RETRYABLE.has(kind),
    settings: SETTINGS_FIX.has(kind),
    copyText: copyLines.join('\n'),
  };
}

/** One line for a toast: "title next". */
export function errorSentence(err) {
  const d = describeError(err);
  return `${d.title} ${d.next}`;
}

/**
 * Fills the error panel.
 * @param {HTMLElement} panel #error-panel
 * @param {object|null} err normalised error, or null to hide the panel
 * @param {{ onRetry?, onSettings?, onCopy?, onDismiss?, kept?: boolean }} opts
 */
export function renderErrorPanel(panel, err, opts = {}) {
  clear(panel);
  if (!err) { panel.hidden = true; return null; }
  const d = describeError(err);
  panel.dataset.kind = d.kind;
  const actions = h('div', { class: 'error-actions' });
  if (d.retry && opts.onRetry) {
    actions.appendChild(h('button', { type: 'button', id: 'retry-btn', class: 'btn btn-primary', on: { click: opts.onRetry } }, t('error.retry')));
  }
  if (d.settings && opts.onSettings) {
    actions.appendChild(h('button', { type: 'button', class: 'btn', on: { click: opts.onSettings } }, t('error.openSettings')));
  }
  if (d.details.length || d.technical) {
    actions.appendChild(h('button', { type: 'button', class: 'btn', 'data-action': 'copy-details', on: { click: () => opts.onCopy && opts.onCopy(d.copyText) } }, t('error.copyDetails')));
  }
  if (opts.onDismiss) {
    actions.appendChild(h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'dismiss', on: { click: opts.onDismiss } }, t('error.dismiss')));
  }
  const body = h('div', { class: 'error-body' },
    h('p', { class: 'error-title' }, h('span', { class: 'error-icon', 'aria-hidden': 'true' }), d.title),
    h('p', { class: 'error-next' }, d.next),
    opts.kept ? h('p', { class: 'error-kept' }, t('error.keptNote')) : null,
    d.details.length ? h('ul', { class: 'error-details' }, d.details.map((line) => h('li', {}, line))) : null,
    d.technical ? h('details', { class: 'error-technical' }, h('summary', {}, t('error.technical')), h('code', {}, d.technical)) : null,
  );
  panel.appendChild(body);
  panel.appendChild(actions);
  panel.hidden = false;
  return d;
}
