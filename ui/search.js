// The search bar: room-code input (ARIA combobox) with inline validation and a
// dropdown of recent room codes (listbox). Keyboard: ArrowDown opens/moves, ArrowUp moves,
// Enter searches (the highlighted recent code, or the typed one), Delete removes the
// highlighted recent code, Escape closes. Mouse: the ▾ button, × per entry, "Clear all".

import { clear, h } from './dom.js';
import { formatFullDateTime, toTime } from './format.js';
import { getLocale, t } from './i18n.js';
import { groupRoomCode, liveProblem, normaliseRoomCode, validateRoomCode } from './roomcode.js';

const MAX_SHOWN = 50;

/**
 * @param {{ input, button, toggle, popup, list, clearBtn, error, hint }} els
 * @param {{ onSearch(code), onRemove(code), onClear() }} handlers
 */
export function createSearch(els, handlers) {
  const { input, button, toggle, popup, list, clearBtn, error } = els;
  let recents = [];
  let shown = [];
  let highlighted = -1;
  let problem = null; // i18n reason shown under the input, or null

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');

  function showProblem(reason) {
    problem = reason;
    error.textContent = reason ? t(`search.invalid.${reason}`) : '';
    error.hidden = !reason;
    if (reason) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }

  function matches() {
    const typed = normaliseRoomCode(input.value);
    const digits = /^[0-9]*$/.test(typed) ? typed : '';
    const sorted = recents.slice().sort((a, b) => (toTime(b.lastUsed) ?? 0) - (toTime(a.lastUsed) ?? 0));
    return sorted.filter((r) => !digits || String(r.roomCode).includes(digits)).slice(0, MAX_SHOWN);
  }

  function isOpen() { return !popup.hidden; }

  function renderList() {
    clear(list);
    shown = matches();
    if (!shown.length) {
      list.appendChild(h('li', { class: 'recent-empty', role: 'presentation' }, recents.length ? t('search.recentNoMatch') : t('search.recentEmpty')));
    }
    shown.forEach((r, i) => {
      const code = String(r.roomCode ?? '');
      const when = toTime(r.lastUsed);
      const opt = h('li', {
        id: `recent-opt-${i}`, role: 'option', class: 'recent-option', 'aria-selected': i === highlighted ? 'true' : 'false',
        dataset: { roomCode: code },
      },
      h('span', { class: 'recent-code' }, groupRoomCode(code)),
      h('span', { class: 'recent-title' }, String(r.lastTitle ?? '').trim() || t('search.recentNoTitle')),
      when ? h('span', { class: 'recent-when' }, formatFullDateTime(when, getLocale())) : null,
      // The pointer's way to remove (the keyboard's is Delete, which the list's foot names): not
      // a button, as an option may hold no control of its own (WCAG 4.1.2, axe nested-interactive).
      h('span', {
        class: 'recent-remove', 'aria-hidden': 'true', title: t('search.recentRemove', { code }), dataset: { roomCode: code },
      }, '×'));
      list.appendChild(opt);
    });
    clearBtn.disabled = recents.length === 0;
    if (highlighted >= shown.length) highlighted = shown.length - 1;
    updateHighlight();
  }

  function updateHighlight() {
    const opts = list.querySelectorAll('[role="option"]');
    opts.forEach((o, i) => o.setAttribute('aria-selected', i === highlighted ? 'true' : 'false'));
    if (highlighted >= 0 && opts[highlighted]) {
      input.setAttribute('aria-activedescendant', opts[highlighted].id);
      opts[highlighted].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function open() {
    highlighted = -1;
    renderList();
    popup.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    toggle.setAttribute('aria-expanded', 'true');
  }

  function close() {
    popup.hidden = true;
    highlighted = -1;
    input.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function submit(raw) {
    const v = validateRoomCode(raw);
    if (!v.ok) {
      showProblem(v.reason);
      input.focus();
      return;
    }
    showProblem(null);
    close();
    handlers.onSearch(v.code);
  }

  function pick(i) {
    const r = shown[i];
    if (!r) return;
    input.value = String(r.roomCode);
    submit(input.value);
  }

  function removeAt(i) {
    const r = shown[i];
    if (!r) return;
    handlers.onRemove(String(r.roomCode));
  }

  input.addEventListener('input', () => {
    showProblem(liveProblem(input.value));
    if (matches().length && input.value.trim()) {
      if (!isOpen()) open(); else { highlighted = -1; renderList(); }
    } else if (isOpen()) {
      renderList();
    }
  });

  input.addEventListener('keydown', (e) => {
    if (e.isComposing) return;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!isOpen()) { open(); if (shown.length) { highlighted = 0; updateHighlight(); } return; }
        if (shown.length) { highlighted = Math.min(shown.length - 1, highlighted + 1); updateHighlight(); }
        return;
      case 'ArrowUp':
        if (!isOpen()) return;
        e.preventDefault();
        highlighted = Math.max(-1, highlighted - 1);
        updateHighlight();
        return;
      case 'Enter':
        e.preventDefault();
        if (isOpen() && highlighted >= 0) pick(highlighted); else submit(input.value);
        return;
      case 'Escape':
        if (isOpen()) { e.preventDefault(); e.stopPropagation(); close(); }
        return;
      case 'Delete':
        if (isOpen() && highlighted >= 0) { e.preventDefault(); removeAt(highlighted); }
        return;
      default:
    }
  });

  input.addEventListener('click', () => { if (!isOpen() && recents.length) open(); });

  button.addEventListener('click', () => submit(input.value));

  toggle.addEventListener('click', () => {
    if (isOpen()) close(); else open();
    input.focus();
  });

  // mousedown (not click) so the input keeps focus.
  list.addEventListener('mousedown', (e) => {
    const rm = e.target.closest('.recent-remove');
    const opt = e.target.closest('[role="option"]');
    if (!opt) return;
    e.preventDefault();
    const i = Array.prototype.indexOf.call(list.querySelectorAll('[role="option"]'), opt);
    if (rm) removeAt(i); else pick(i);
  });

  clearBtn.addEventListener('click', () => { handlers.onClear(); input.focus(); });

  // Close when focus leaves the combobox (input, toggle, popup).
  const combo = input.closest('.combo') || input.parentElement;
  combo.addEventListener('focusout', (e) => {
    if (!combo.contains(e.relatedTarget)) close();
  });
  document.addEventListener('mousedown', (e) => {
    if (isOpen() && !combo.contains(e.target)) close();
  });

  return {
    setRecents(list_) {
      recents = Array.isArray(list_) ? list_.filter((r) => r && r.roomCode !== undefined && r.roomCode !== null) : [];
      if (isOpen()) renderList();
      clearBtn.disabled = recents.length === 0;
    },
    hasRecents() { return recents.length > 0; },
    openRecents() { input.focus(); if (recents.length) open(); },
    relabel() {
      if (problem) showProblem(problem);
      if (isOpen()) renderList();
    },
    focus() { input.focus(); input.select(); },
    setValue(code) { input.value = code; showProblem(null); },
    close,
  };
}
