// The watched rooms beside the timeline (issue 12): each room's name and its live or next
// meeting, "Watch this room" for the room shown, Rename and Stop watching, and the refresher's
// line at the bottom. A nav list of buttons: Up/Down/Home/End move between rooms (one tab stop,
// roving tabindex), Enter or a click selects (the window searches the room, the cache painting it
// first), Right/Left reach the room's Rename and Stop watching buttons. The name is asked in an
// inline form with its rule said before Rust checks it again. Words via t(); DOM by h() only.

import { h, clear } from './dom.js';
import { t, getLocale } from './i18n.js';
import { formatTime } from './format.js';
import { CONTRACT } from './contract.js';
import { headlineText, reasonText, budgetText, nameProblem, moveInList, isWatched, readWatchView } from './watched-model.js';

/**
 * @param {HTMLElement} el the <nav> to fill
 * @param {{ onSelect(roomCode), onWatch(name, roomCode): Promise<void>, onRename(roomCode, name): Promise<void>, onUnwatch(roomCode, name) }} handlers
 */
export function createWatchedList(el, handlers) {
  let view = readWatchView(null);
  let current = '';
  let focusCode = null;
  let form = null; // { mode: 'watch' | 'rename', roomCode, name, problem }
  const titleId = 'watched-title';
  el.setAttribute('aria-labelledby', titleId);

  function render() {
    const hadFocus = el.contains(document.activeElement);
    const focusedRole = hadFocus ? document.activeElement.dataset.role : null;
    clear(el);
    el.appendChild(h('h2', { id: titleId, class: 'watched-title' }, t('watch.title')));
    if (current && (!form || form.mode !== 'watch')) {
      const watched = isWatched(view, current);
      if (!watched) {
        el.appendChild(h('button', { type: 'button', class: 'btn btn-small watch-add', dataset: { role: 'add' } }, t('watch.add')));
      }
    }
    if (form) el.appendChild(renderForm());
    if (view.rooms.length === 0) {
      el.appendChild(h('p', { class: 'watched-empty' }, t('watch.empty')));
    } else {
      const list = h('ul', { class: 'watched-rooms' });
      const stop = view.rooms.some((r) => r.roomCode === focusCode) ? focusCode : (view.rooms.find((r) => r.roomCode === current)?.roomCode ?? view.rooms[0].roomCode);
      for (const r of view.rooms) list.appendChild(renderRoom(r, r.roomCode === stop));
      el.appendChild(list);
    }
    const reason = reasonText(view.reason, t);
    const budget = budgetText(view, t);
    if (reason || budget) {
      el.appendChild(h('p', { class: 'watched-reason' }, reason));
      if (budget) el.appendChild(h('p', { class: 'watched-budget' }, budget));
    }
    if (hadFocus) restoreFocus(focusedRole);
  }

  function renderRoom(r, isStop) {
    const line = headlineText(r, t, (ms) => formatTime(ms, getLocale()));
    const selected = r.roomCode === current;
    return h('li', { class: ['watched-room', r.headline?.kind === 'live' ? 'is-live' : ''], dataset: { roomCode: r.roomCode } },
      h('button', {
        type: 'button', class: 'watched-select', tabindex: isStop ? '0' : '-1',
        'aria-current': selected ? 'true' : null, dataset: { role: 'select', roomCode: r.roomCode },
      },
      h('span', { class: 'watched-name' }, r.name),
      h('span', { class: 'watched-line', dataset: { kind: r.headline?.kind ?? 'none' } }, line)),
      h('span', { class: 'watched-actions' },
        h('button', {
          type: 'button', class: 'btn btn-quiet btn-small watched-rename', tabindex: '-1',
          'aria-label': t('watch.renameLabel', { name: r.name }), dataset: { role: 'rename', roomCode: r.roomCode },
        }, t('watch.rename')),
        h('button', {
          type: 'button', class: 'btn btn-quiet btn-small watched-remove', tabindex: '-1',
          'aria-label': t('watch.removeLabel', { name: r.name }), dataset: { role: 'remove', roomCode: r.roomCode },
        }, t('watch.remove'))));
  }

  function renderForm() {
    const inputId = 'watched-name-input';
    const problemId = 'watched-name-problem';
    const input = h('input', {
      id: inputId, type: 'text', class: 'input watched-name-input', value: form.name, autocomplete: 'off',
      placeholder: t('watch.namePlaceholder'), dataset: { role: 'name' },
      'aria-invalid': form.problem ? 'true' : 'false', 'aria-describedby': problemId,
    });
    input.value = form.name;
    input.addEventListener('input', () => { form.name = input.value; });
    return h('form', { class: 'watched-form', dataset: { mode: form.mode } },
      h('label', { for: inputId }, form.mode === 'watch' ? t('watch.nameFor', { code: form.roomCode }) : t('watch.nameLabel')),
      input,
      h('p', { id: problemId, class: 'input-error', 'aria-live': 'polite' }, form.problem ? t(form.problem, { max: CONTRACT.limits.watchNameMaxChars }) : ''),
      h('span', { class: 'watched-form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary btn-small', dataset: { role: 'save' } }, t('watch.save')),
        h('button', { type: 'button', class: 'btn btn-small', dataset: { role: 'cancel' } }, t('watch.cancel'))));
  }

  function restoreFocus(role) {
    if (form) { el.querySelector('[data-role="name"]')?.focus(); return; }
    const stop = el.querySelector('.watched-select[tabindex="0"]');
    if (stop && (role === 'select' || role === 'rename' || role === 'remove' || role === 'save' || role === 'cancel' || role === 'name')) stop.focus();
    else (el.querySelector('[data-role="add"]') || stop)?.focus();
  }

  function openForm(mode, roomCode, name) {
    form = { mode, roomCode, name, problem: null };
    render();
    el.querySelector('[data-role="name"]')?.focus();
  }

  async function submit() {
    const problem = nameProblem(form.name);
    if (problem) { form.problem = problem; render(); return; }
    const f = form;
    try {
      if (f.mode === 'watch') await handlers.onWatch(f.name.trim(), f.roomCode);
      else await handlers.onRename(f.roomCode, f.name.trim());
      focusCode = f.roomCode;
      form = null;
      render();
      el.querySelector(`.watched-select[data-room-code="${f.roomCode}"]`)?.focus();
    } catch (err) {
      // Rust's refusal (a full list, a name it does not take) is said where the name is typed.
      form.problem = 'watch.refused';
      form.refusal = err;
      render();
      const p = el.querySelector('#watched-name-problem');
      if (p && err && typeof err.message === 'string') p.textContent = err.message;
    }
  }

  el.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  el.addEventListener('click', (e) => {
    const btn = e.target.closest('button');
    if (!btn || !el.contains(btn)) return;
    const code = btn.dataset.roomCode;
    const room = view.rooms.find((r) => r.roomCode === code);
    switch (btn.dataset.role) {
      case 'add': openForm('watch', current, ''); break;
      case 'select': focusCode = code; handlers.onSelect(code); break;
      case 'rename': if (room) openForm('rename', code, room.name); break;
      case 'remove': if (room) handlers.onUnwatch(code, room.name); break;
      case 'cancel': form = null; render(); break;
      default: break;
    }
  });
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && form) { e.preventDefault(); form = null; render(); return; }
    const btn = e.target.closest?.('button');
    if (!btn || !btn.dataset.roomCode || e.altKey || e.ctrlKey || e.metaKey) return;
    const selects = [...el.querySelectorAll('.watched-select')];
    const li = btn.closest('li');
    const at = selects.indexOf(li.querySelector('.watched-select'));
    const to = moveInList(at, e.key, selects.length);
    if (to >= 0) {
      e.preventDefault();
      selects.forEach((s, k) => { s.tabIndex = k === to ? 0 : -1; });
      focusCode = selects[to].dataset.roomCode;
      selects[to].focus();
      return;
    }
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const stops = [...li.querySelectorAll('button')];
      const i = stops.indexOf(btn);
      const j = e.key === 'ArrowRight' ? Math.min(stops.length - 1, i + 1) : Math.max(0, i - 1);
      e.preventDefault();
      stops[j].focus();
    }
  });

  return {
    /** The watcher's latest state (watched_watch). */
    update(raw) { view = readWatchView(raw); if (!form) render(); },
    /** The room the timeline shows ('' for none). */
    setCurrent(roomCode) { if (roomCode === current) return; current = roomCode; if (!form || form.mode !== 'watch') render(); },
    /** Re-renders in the new language. */
    refresh() { if (!form) render(); },
    rooms() { return view.rooms; },
  };
}
