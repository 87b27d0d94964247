// Tiny DOM helpers. Everything is built with createElement / textContent / setAttribute:
// no HTML strings anywhere, so data from DingTalk is always shown as text.
// No top-level DOM access, so pure modules that import this still load in node.

import { t } from './i18n.js';

/**
 * h('button', { class: 'x', type: 'button', on: { click }, dataset: { id } , text: 'Hi' }, child…)
 * Attributes go through setAttribute (never 'style', never event-handler attributes).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) { if (dv !== undefined && dv !== null) el.dataset[dk] = String(dv); }
    else if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v);
    else if (k === 'style' || /^on/i.test(k)) throw new Error(`h(): refusing attribute ${k}`);
    else if (k === 'value') el.value = String(v);
    else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected' || k === 'required' || k === 'open') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Appends children: nodes as they are, strings/numbers as text nodes, arrays flattened. */
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === 'object' && c.nodeType) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

/** Removes all children. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Sets a text and keeps the element otherwise untouched. */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/**
 * Applies translations to static markup:
 *   data-i18n="key"            → textContent
 *   data-i18n-attr="attr:key;attr2:key2" → attributes (aria-label, title, placeholder)
 */
export function applyI18n(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Whether an element is a place where the person types (so single-key shortcuts stay off). */
export function isEditable(el) {
  if (!el || el.nodeType !== 1) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (el.getAttribute('type') || 'text').toLowerCase();
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file'].includes(type);
}

/** A unique id for aria-* wiring. */
let uid = 0;
export function nextId(prefix = 'md') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Writes text to the clipboard; falls back to a hidden textarea + execCommand('copy'). */
export async function copyText(text) {
  const s = String(text ?? '');
  try {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      await navigator.clipboard.writeText(s);
      return true;
    }
  } catch { /* fall back below */ }
  const active = document.activeElement;
  const ta = h('textarea', { class: 'clipboard-fallback', readonly: true, 'aria-hidden': 'true', tabindex: '-1' });
  ta.value = s;
  document.body.appendChild(ta);
  let ok = false;
  try {
    ta.select();
    ok = document.execCommand('copy');
  } catch { ok = false; }
  ta.remove();
  if (active && typeof active.focus === 'function') active.focus({ preventScroll: true });
  return ok;
}
