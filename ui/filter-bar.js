// The filter bar above the timeline: free text (title or host), status, type, a date range,
// and "Showing 37 of 120 · Clear filters" while a filter hides meetings. It only reads what the
// person chose (filter-model.js makes Rust's Filter of it) and shows what Rust answered: which
// meetings match is decided in Rust (meetdesk-core filter.rs), for the window and the CLI alike.
//
// Every control is a labelled native one (a search field, checkboxes in fieldsets, date
// inputs), so keyboard and screen readers need nothing special. A refused filter (invalidFilter,
// e.g. a text over the limit or "To" before "From") marks the field it names and says why.

import { clear, h } from './dom.js';
import { FILTER_STATUSES, FILTER_TYPES, filterOf, formOf, isEmptyFilter } from './filter-model.js';
import { t } from './i18n.js';

/** Which control shows a refusal of each Filter field. */
const FIELD_CONTROL = { text: 'text', title: 'text', host: 'text', statuses: 'statuses', types: 'types', since: 'from', until: 'to' };

/**
 * @param {HTMLElement} root the bar's container (#filter-bar)
 * @param {{ onChange(filter: object): void, onClear(): void }} handlers
 */
export function createFilterBar(root, handlers) {
  let els = {};
  let lastError = null;
  let counts = { shown: 0, total: 0, filtered: false };
  // Dates, statuses and types sit behind "More filters": shown all the time they would be 17 Tab
  // stops (a date input is three) between the search box and the list. Open while the person
  // wants it (and when one of them is refused); closed, its label counts the ones in use, so no
  // filter is ever out of sight.
  let open = false;

  function checkboxGroup(name, keys, word) {
    const boxes = keys.map((k) => h('input', { type: 'checkbox', id: `filter-${name}-${k}`, value: k, on: { change: changed } }));
    const fieldset = h('fieldset', { class: 'filter-group', id: `filter-${name}` },
      h('legend', { class: 'filter-legend' }, t(`filter.${name === 'statuses' ? 'status' : 'type'}`)),
      keys.map((k, i) => h('span', { class: 'filter-check' }, boxes[i], h('label', { for: `filter-${name}-${k}` }, t(word(k))))));
    return { fieldset, boxes };
  }

  function build() {
    const values = els.text ? read() : null;
    clear(root);
    root.setAttribute('role', 'search');
    root.setAttribute('aria-label', t('filter.region'));
    const text = h('input', {
      type: 'search', id: 'filter-text', class: 'input filter-text', autocomplete: 'off', spellcheck: 'false',
      placeholder: t('filter.textPlaceholder'), 'aria-describedby': 'filter-text-hint filter-error', on: { input: changed },
    });
    const from = h('input', { type: 'date', id: 'filter-from', class: 'input filter-date', 'aria-describedby': 'filter-error', on: { change: changed } });
    const to = h('input', { type: 'date', id: 'filter-to', class: 'input filter-date', 'aria-describedby': 'filter-to-hint filter-error', on: { change: changed } });
    const statuses = checkboxGroup('statuses', FILTER_STATUSES, (k) => `status.${k}`);
    const types = checkboxGroup('types', FILTER_TYPES, (k) => `type.${k}`);
    const notice = h('span', { id: 'filter-notice', class: 'filter-notice', hidden: true });
    const clearBtn = h('button', { type: 'button', id: 'filter-clear', class: 'btn btn-small', hidden: true, on: { click: () => handlers.onClear() } }, t('filter.clear'));
    const error = h('p', { id: 'filter-error', class: 'input-error filter-error', 'aria-live': 'polite', hidden: true });
    const more = h('button', {
      type: 'button', id: 'filter-more', class: 'btn btn-small', 'aria-controls': 'filter-more-panel',
      on: { click: () => { open = !open; renderMore(); } },
    });
    const panel = h('div', { id: 'filter-more-panel', class: 'filter-more-panel' },
      h('div', { class: 'filter-line' },
        h('span', { class: 'filter-date-field' }, h('label', { for: 'filter-from' }, t('filter.from')), from),
        h('span', { class: 'filter-date-field' }, h('label', { for: 'filter-to' }, t('filter.to')), to),
        h('span', { id: 'filter-to-hint', class: 'filter-hints' }, t('filter.toHint'))),
      h('div', { class: 'filter-line' }, statuses.fieldset, types.fieldset));
    root.append(
      h('div', { class: 'filter-line' },
        h('label', { for: 'filter-text', class: 'filter-label' }, t('filter.text')),
        text,
        more,
        h('span', { class: 'header-spacer' }),
        notice,
        clearBtn),
      h('p', { class: 'filter-hints', id: 'filter-text-hint' }, t('filter.textHint')),
      panel,
      error,
    );
    els = { text, from, to, statuses: statuses.boxes, types: types.boxes, notice, clearBtn, error, more, panel };
    if (values) write(values);
    renderCounts();
    renderMore();
    showError(lastError);
  }

  function read() {
    const checked = (boxes) => boxes.filter((b) => b.checked).map((b) => b.value);
    return { text: els.text.value, statuses: checked(els.statuses), types: checked(els.types), from: els.from.value, to: els.to.value };
  }

  function write(form) {
    els.text.value = form.text;
    for (const b of els.statuses) b.checked = form.statuses.includes(b.value);
    for (const b of els.types) b.checked = form.types.includes(b.value);
    els.from.value = form.from;
    els.to.value = form.to;
  }

  /** How many of the controls behind "More filters" are in use. */
  function moreInUse() {
    const f = read();
    return f.statuses.length + f.types.length + (f.from ? 1 : 0) + (f.to ? 1 : 0);
  }

  function renderMore() {
    if (!els.more) return;
    const n = moreInUse();
    els.more.textContent = n > 0 ? t('filter.moreCount', { count: n }) : t('filter.more');
    els.more.setAttribute('aria-expanded', String(open));
    els.panel.hidden = !open;
  }

  function changed() {
    renderMore();
    handlers.onChange(filterOf(read()));
  }

  function renderCounts() {
    if (!els.notice) return;
    els.notice.textContent = counts.filtered ? t('filter.showing', { count: counts.shown, total: counts.total }) : '';
    els.notice.hidden = !counts.filtered;
    // Clear is offered whenever something is chosen, also while Rust has not answered yet.
    const chosen = counts.filtered || !isEmptyFilter(filterOf(read()));
    if (!chosen && els.clearBtn === document.activeElement) els.text.focus();
    els.clearBtn.hidden = !chosen;
  }

  function showError(err) {
    lastError = err;
    if (!els.error) return;
    for (const el of [els.text, els.from, els.to]) el.removeAttribute('aria-invalid');
    for (const g of ['statuses', 'types']) root.querySelector(`#filter-${g}`)?.classList.remove('is-invalid');
    if (!err) { els.error.hidden = true; els.error.textContent = ''; return; }
    const control = FIELD_CONTROL[err.field] ?? 'text';
    if (control !== 'text') { open = true; renderMore(); }
    if (control === 'statuses' || control === 'types') root.querySelector(`#filter-${control}`)?.classList.add('is-invalid');
    else els[control].setAttribute('aria-invalid', 'true');
    const detail = typeof err.message === 'string' && err.message ? ` (${err.message})` : '';
    els.error.textContent = `${t('error.invalidFilter.title')} ${t('error.invalidFilter.next')}${detail}`;
    els.error.hidden = false;
  }

  build();

  return {
    /** The counts the snapshot gives: shown of loaded, and whether a filter is in force. */
    setCounts(shown, total, filtered) {
      counts = { shown, total, filtered };
      renderCounts();
    },
    /** Shows the filter Rust has (a reloaded page), unless the person is typing in the bar. */
    setFilter(f) {
      if (root.contains(document.activeElement)) return;
      write(formOf(f));
      renderCounts();
      renderMore();
    },
    /** Empties every control (the filter is sent by the caller). */
    reset() {
      write(formOf({}));
      showError(null);
      renderCounts();
      renderMore();
    },
    /** null clears the message. */
    showError,
    /** What the bar now says, as Rust's Filter. */
    value() { return filterOf(read()); },
    focus() { els.text.focus(); },
    relabel() { build(); },
  };
}
