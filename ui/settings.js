// The settings panel: a modal <dialog id="settings-dialog">, built afresh on every open
// (so it is always in the current language and secrets are never pre-filled).
// Save → save_settings; Test connection → test_connection; the server's invalidSetting
// refusal is shown next to its field, like the client-side checks.

import { clear, h, nextId } from './dom.js';
import { describeError } from './errors.js';
import { getLocale, t } from './i18n.js';
import { SlowWatch } from './query-state.js';
import {
  HOSTS, KEY_FIELDS, PAGE_SIZE_MAX, PAGE_SIZE_MIN, RANGE_FIELDS, SECRET_FIELDS, TIMEOUT_SECS_MAX, TIMEOUT_SECS_MIN,
  applicableSecrets, baseUrlOf, buildSecrets, buildSettings, callsThisMonthText, normaliseBaseUrl, rangeParams,
  secretsScope, settingsProblemText, validateForm, withDefaults,
} from './settings-model.js';

const FIELD_REASON = {
  pageSize: 'validation.pageSize', timeoutSecs: 'validation.timeoutSecs', customBaseUrl: 'validation.customBaseUrl',
  ...Object.fromEntries(Object.keys(RANGE_FIELDS).map((f) => [f, 'validation.range'])),
};

/** A field's refusal in words: range fields name their bounds. */
function reasonText(name, key) {
  return t(key, rangeParams(name, getLocale()));
}
const SECRET_LABELS = {
  appSecret: 'settings.appSecret', suiteSecret: 'settings.suiteSecret', suiteTicket: 'settings.suiteTicket', accessToken: 'settings.accessToken',
};

/**
 * @param {HTMLDialogElement} dialog
 * @param {{ api, onSaved(settings, previous), onError?(err) }} deps
 */
export function createSettings(dialog, deps) {
  const { api } = deps;
  let saved = withDefaults(null);
  let status = {};
  let opener = null;
  let fields = {}; // name → { input, error } (input may be a radio list)
  let formStatus = null;
  let testResult = null;
  let secretsNote = null;
  let watchBits = null; // { calls, trayNote, cacheResult }: filled when the watcher's state arrives
  let busy = false;
  let testing = null; // { requestId, cancelling, slowAnnounced } while a connection test runs
  const slowTest = new SlowWatch(() => {
    if (!testing || !testResult) return;
    // The result line is a live region: showing the note there announces it, once per test.
    if (!testing.slowAnnounced) showTest(t('slow.note'), 'slow');
    testing.slowAnnounced = true;
  });

  dialog.addEventListener('close', () => {
    clear(dialog); // drop typed secrets with the form
    fields = {};
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  dialog.addEventListener('cancel', (e) => {
    // Escape during a connection test cancels the test, not the dialog.
    if (testing) { e.preventDefault(); cancelTest(); return; }
    if (busy) e.preventDefault();
  });

  // ---- form building --------------------------------------------------------------

  function fieldError(name) {
    return h('p', { class: 'field-error', id: `settings-${name}-error`, hidden: true });
  }

  function describe(input, ...ids) {
    input.setAttribute('aria-describedby', ids.filter(Boolean).join(' '));
  }

  function textField(name, labelKey, { type = 'text', hintKey, value = '', placeholder, attrs = {} } = {}) {
    const id = `settings-${name}`;
    const err = fieldError(name);
    const hint = hintKey ? h('p', { class: 'field-hint', id: `${id}-hint` }, t(hintKey)) : null;
    const input = h('input', {
      id, name, type, class: 'input', value, placeholder, spellcheck: 'false', autocomplete: type === 'password' ? 'new-password' : 'off', ...attrs,
    });
    describe(input, hint && hint.id, err.id);
    fields[name] = { input, error: err };
    return h('div', { class: 'field', dataset: { field: name } }, h('label', { for: id }, t(labelKey)), input, hint, err);
  }

  function secretField(name, labelKey, isSet, hintKey) {
    return textField(name, labelKey, {
      type: 'password', hintKey, placeholder: isSet ? t('settings.secretSaved') : t('settings.secretNotSet'),
      attrs: { dataset: { secret: 'true', saved: isSet ? 'true' : 'false' } },
    });
  }

  function radioGroup(name, legendKey, options, value, onChange) {
    const err = fieldError(name);
    const radios = options.map(([v, labelKey]) => {
      const id = `settings-${name}-${v}`;
      const r = h('input', { type: 'radio', name, id, value: v, checked: v === value, on: { change: onChange } });
      return h('div', { class: 'radio' }, r, h('label', { for: id }, t(labelKey)));
    });
    fields[name] = { input: radios.map((d) => d.querySelector('input')), error: err };
    return h('fieldset', { class: 'group', dataset: { field: name } }, h('legend', {}, t(legendKey)), ...radios, err);
  }

  function selectField(name, labelKey, options, value) {
    const id = `settings-${name}`;
    const err = fieldError(name);
    const sel = h('select', { id, name, class: 'input' },
      options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
    describe(sel, err.id);
    fields[name] = { input: sel, error: err };
    return h('div', { class: 'field', dataset: { field: name } }, h('label', { for: id }, t(labelKey)), sel, err);
  }

  function checkField(name, labelKey, checked, describedBy) {
    const id = `settings-${name}`;
    const err = fieldError(name);
    const box = h('input', { type: 'checkbox', id, name, checked });
    describe(box, describedBy, err.id);
    fields[name] = { input: box, error: err };
    return h('div', { class: 'check', dataset: { field: name } }, box, h('label', { for: id }, t(labelKey)), err);
  }

  function value(name) {
    const f = fields[name];
    if (!f) return undefined;
    if (Array.isArray(f.input)) return (f.input.find((r) => r.checked) || {}).value;
    if (f.input.type === 'checkbox') return f.input.checked;
    return f.input.value;
  }

  function formValues() {
    const out = {};
    for (const name of Object.keys(fields)) out[name] = value(name);
    return out;
  }

  function syncVisibility() {
    const host = value('host');
    const custom = dialog.querySelector('[data-block="customBaseUrl"]');
    if (custom) custom.hidden = host !== 'custom';
    const mode = value('credentialMode');
    for (const block of dialog.querySelectorAll('[data-mode]')) block.hidden = block.dataset.mode !== mode;
    syncSecrets();
  }

  /**
   * Secrets are kept for the host and mode they were entered for (the back end never sends them
   * elsewhere). When the form points at another host or mode, the secret fields are empty
   * again: say so, and why, instead of showing "Saved".
   */
  function syncSecrets() {
    if (!secretsNote) return;
    const form = formValues();
    const applicable = applicableSecrets(saved, form);
    for (const list of Object.values(SECRET_FIELDS)) {
      for (const [name, flag] of list) {
        const f = fields[name];
        if (!f) continue;
        f.input.placeholder = applicable[flag] ? t('settings.secretSaved') : t('settings.secretNotSet');
        f.input.dataset.saved = applicable[flag] ? 'true' : 'false';
      }
    }
    const scope = secretsScope(saved, form);
    const lost = (SECRET_FIELDS[form.credentialMode] || []).map(([name]) => t(SECRET_LABELS[name]));
    clear(secretsNote);
    if ((scope === 'otherHost' || scope === 'otherMode') && lost.length) {
      const host = normaliseBaseUrl(baseUrlOf(form)) || t('settings.customBaseUrl');
      const key = scope === 'otherHost' ? 'settings.secretsOtherHost' : 'settings.secretsOtherMode';
      secretsNote.appendChild(h('span', { class: 'warning-icon', 'aria-hidden': 'true' }));
      secretsNote.appendChild(document.createTextNode(t(key, { secret: lost.join(', '), host })));
      secretsNote.hidden = false;
    } else {
      secretsNote.hidden = true;
    }
  }

  function build() {
    clear(dialog);
    fields = {};
    const titleId = 'settings-title';
    dialog.setAttribute('aria-labelledby', titleId);

    const s = saved;
    formStatus = h('div', { class: 'form-status', id: 'settings-form-status', role: 'status', hidden: true });
    testResult = h('div', { class: 'test-result', id: 'settings-test-result', role: 'status', hidden: true });

    const hostBlock = radioGroup('host', 'settings.host', [
      ['international', 'settings.hostInternational'],
      ['mainland', 'settings.hostMainland'],
      ['custom', 'settings.hostCustom'],
    ], s.host, syncVisibility);
    const customBlock = textField('customBaseUrl', 'settings.customBaseUrl', {
      type: 'url', value: s.customBaseUrl, hintKey: 'settings.customBaseUrlHint', placeholder: 'https://',
    });
    customBlock.dataset.block = 'customBaseUrl';
    fields.customBaseUrl.input.addEventListener('input', syncSecrets);
    secretsNote = h('p', { class: 'warning', id: 'settings-secrets-note', role: 'status', hidden: true });

    const modeBlock = radioGroup('credentialMode', 'settings.credentials', [
      ['internalApp', 'settings.modeInternalApp'],
      ['thirdParty', 'settings.modeThirdParty'],
      ['token', 'settings.modeToken'],
    ], s.credentialMode, () => { syncVisibility(); hideTest(); });

    const modeNote = secretsNote;
    const tokenBlock = h('div', { class: 'mode-block', dataset: { mode: 'token' } },
      secretField('accessToken', 'settings.accessToken', s.accessTokenSet, 'settings.accessTokenHint'));
    const internalBlock = h('div', { class: 'mode-block', dataset: { mode: 'internalApp' } },
      textField('appKey', 'settings.appKey', { value: s.appKey }),
      secretField('appSecret', 'settings.appSecret', s.appSecretSet));
    const thirdBlock = h('div', { class: 'mode-block', dataset: { mode: 'thirdParty' } },
      textField('suiteKey', 'settings.suiteKey', { value: s.suiteKey }),
      secretField('suiteSecret', 'settings.suiteSecret', s.suiteSecretSet),
      textField('authCorpId', 'settings.authCorpId', { value: s.authCorpId }),
      secretField('suiteTicket', 'settings.suiteTicket', s.suiteTicketSet, 'settings.suiteTicketHint'));

    const testBtn = h('button', {
      type: 'button', class: 'btn', id: 'test-connection-btn', on: { click: () => (testing ? cancelTest() : onTest()) },
    }, t('settings.testConnection'));

    const pageSize = textField('pageSize', 'settings.pageSize', {
      type: 'number', value: String(s.pageSize), hintKey: 'settings.pageSizeHint',
      attrs: { min: String(PAGE_SIZE_MIN), max: String(PAGE_SIZE_MAX), step: '1', inputmode: 'numeric' },
    });
    const timeout = textField('timeoutSecs', 'settings.timeoutSecs', {
      type: 'number', value: String(s.timeoutSecs), hintKey: 'settings.timeoutSecsHint',
      attrs: { min: String(TIMEOUT_SECS_MIN), max: String(TIMEOUT_SECS_MAX), step: '1', inputmode: 'numeric' },
    });
    const language = selectField('language', 'settings.language', [
      ['system', t('settings.languageSystem')], ['en', t('lang.en')], ['zh-CN', t('lang.zh-CN')],
    ], s.language);
    // The language names are shown in their own language.
    for (const o of language.querySelectorAll('option')) {
      if (o.value === 'en') o.lang = 'en';
      if (o.value === 'zh-CN') o.lang = 'zh-CN';
    }
    const theme = selectField('theme', 'settings.theme', [
      ['system', t('settings.themeSystem')], ['light', t('settings.themeLight')], ['dark', t('settings.themeDark')],
    ], s.theme);

    const csvBom = checkField('csvBom', 'settings.csvBom', s.csvBom);
    const csvDelimiter = selectField('csvDelimiter', 'settings.csvDelimiter', [
      [',', t('settings.csvComma')], [';', t('settings.csvSemicolon')],
    ], s.csvDelimiter);

    // Issue 12: watched rooms, reminders, tray and start-up, the offline cache.
    const rangeField = (name, labelKey, hintKey) => {
      const r = RANGE_FIELDS[name];
      const f = textField(name, labelKey, {
        type: 'number', value: String(s[name]),
        attrs: { min: String(r.min), max: String(r.max), step: '1', inputmode: 'numeric' },
      });
      if (hintKey) {
        const hint = h('p', { class: 'field-hint', id: `settings-${name}-hint` }, t(hintKey, rangeParams(name, getLocale())));
        fields[name].error.before(hint);
        describe(fields[name].input, hint.id, fields[name].error.id);
      }
      return f;
    };
    const callsLine = h('p', { class: 'field-hint', id: 'settings-calls-this-month', hidden: true });
    const budget = rangeField('monthlyCallBudget', 'settings.monthlyCallBudget', 'settings.monthlyCallBudgetHint');
    budget.appendChild(callsLine);
    const trayNote = h('p', { class: 'field-hint', id: 'settings-no-tray', hidden: true }, t('settings.noTray'));
    const keepInTray = checkField('keepInTray', 'settings.keepInTray', s.keepInTray, trayNote.id);
    keepInTray.appendChild(trayNote);
    const cacheResult = h('p', { class: 'field-hint', id: 'settings-cache-result', role: 'status', hidden: true });
    const clearCacheBtn = h('button', {
      type: 'button', class: 'btn', id: 'clear-cache-btn', on: { click: () => onClearCache(clearCacheBtn) },
    }, t('settings.clearCache'));
    watchBits = { calls: callsLine, trayNote, keepInTray: fields.keepInTray.input, cacheResult };
    const watchSection = h('section', { class: 'settings-section', id: 'settings-watch' },
      h('fieldset', { class: 'group' }, h('legend', {}, t('settings.watchSection')),
        checkField('remindersOn', 'settings.remindersOn', s.remindersOn),
        rangeField('reminderMinutes', 'settings.reminderMinutes', 'settings.reminderMinutesHint'),
        budget,
        checkField('openInDingtalkApp', 'settings.openInDingtalkApp', s.openInDingtalkApp)),
      h('fieldset', { class: 'group' }, h('legend', {}, t('settings.startup')),
        keepInTray,
        checkField('startAtLogin', 'settings.startAtLogin', s.startAtLogin)),
      h('fieldset', { class: 'group' }, h('legend', {}, t('settings.cache')),
        rangeField('cacheDays', 'settings.cacheDays'),
        rangeField('cacheMaxMeetings', 'settings.cacheMaxMeetings'),
        h('div', { class: 'test-row' }, clearCacheBtn, cacheResult)));

    let storage;
    if (status.keychainAvailable === false) {
      const warnId = nextId('warn');
      storage = h('fieldset', { class: 'group' }, h('legend', {}, t('settings.storage')),
        h('p', { class: 'warning', id: warnId }, h('span', { class: 'warning-icon', 'aria-hidden': 'true' }), t('settings.storeSecretsWarning')),
        checkField('storeSecretsInFile', 'settings.storeSecretsInFile', s.storeSecretsInFile, warnId));
    } else {
      storage = h('fieldset', { class: 'group' }, h('legend', {}, t('settings.storage')),
        h('p', { class: 'field-hint' }, t('settings.keychainOk')));
    }

    const about = h('div', { class: 'about' },
      h('button', { type: 'button', class: 'btn', id: 'open-log-btn', on: { click: onOpenLog } }, t('settings.openLogFolder')),
      h('div', { class: 'about-text' },
        status.version ? h('p', {}, t('settings.version', { version: String(status.version) })) : null,
        status.dataDir ? h('p', { class: 'path' }, t('settings.dataDir', { path: String(status.dataDir) })) : null));

    const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'settings-save' }, t('settings.save'));
    const cancelBtn = h('button', { type: 'button', class: 'btn', id: 'settings-cancel', on: { click: () => { if (!busy) dialog.close(); } } }, t('settings.cancel'));

    const form = h('form', { class: 'settings-form', novalidate: true, on: { submit: onSave } },
      h('div', { class: 'dialog-head' },
        h('h2', { id: titleId, class: 'dialog-title' }, t('settings.title')),
        h('button', {
          type: 'button', class: 'btn btn-quiet icon-btn', 'aria-label': t('settings.close'), title: t('settings.close'),
          on: { click: () => { if (!busy) dialog.close(); } },
        }, '×')),
      h('div', { class: 'dialog-scroll' },
        status.demo ? h('p', { class: 'note' }, t('settings.demoNote')) : null,
        status.settingsProblem ? h('p', { class: 'warning', id: 'settings-problem' }, h('span', { class: 'warning-icon', 'aria-hidden': 'true' }),
          settingsProblemText(status.settingsProblem, t, 'settings')) : null,
        h('section', { class: 'settings-section' }, hostBlock, customBlock),
        h('section', { class: 'settings-section' }, modeBlock, internalBlock, thirdBlock, tokenBlock, modeNote,
          h('div', { class: 'test-row' }, testBtn, testResult)),
        h('section', { class: 'settings-section' },
          h('fieldset', { class: 'group' }, h('legend', {}, t('settings.general')), pageSize, timeout, language, theme)),
        h('section', { class: 'settings-section' },
          h('fieldset', { class: 'group' }, h('legend', {}, t('settings.csv')), csvBom, csvDelimiter)),
        watchSection,
        h('section', { class: 'settings-section' }, storage),
        about),
      h('div', { class: 'dialog-actions' }, formStatus, cancelBtn, saveBtn));
    dialog.appendChild(form);
    syncVisibility();
  }

  // ---- errors ----------------------------------------------------------------------

  function clearErrors() {
    for (const { input, error } of Object.values(fields)) {
      error.hidden = true;
      error.textContent = '';
      for (const el of Array.isArray(input) ? input : [input]) el.removeAttribute('aria-invalid');
    }
    formStatus.hidden = true;
    clear(formStatus);
  }

  function markField(name, message) {
    const f = fields[name];
    if (!f) return null;
    f.error.textContent = message;
    f.error.hidden = false;
    const els = Array.isArray(f.input) ? f.input : [f.input];
    for (const el of els) el.setAttribute('aria-invalid', 'true');
    return els[0];
  }

  function showFormMessage(text, kind = 'error') {
    clear(formStatus);
    formStatus.dataset.kind = kind;
    formStatus.appendChild(h('span', { class: 'status-icon', 'aria-hidden': 'true' }));
    formStatus.appendChild(document.createTextNode(text));
    formStatus.hidden = false;
  }

  function showClientErrors(errors) {
    let first = null;
    for (const [name, key] of Object.entries(errors)) {
      const el = markField(name, reasonText(name, key));
      if (!first) first = el;
    }
    showFormMessage(t('settings.fixErrors'));
    if (first) {
      const block = first.closest('[data-block]');
      if (block) block.hidden = false;
      first.focus();
    }
  }

  /** Shows a rejected save/test: invalidSetting next to its field, others as a sentence. */
  function showServerError(err, target) {
    if (err.kind === 'invalidSetting' && err.field && fields[err.field]) {
      const el = markField(err.field, FIELD_REASON[err.field] ? reasonText(err.field, FIELD_REASON[err.field]) : t('settings.serverRefused', { message: err.message || '' }));
      showFormMessage(t('settings.fixErrors'));
      if (el) el.focus();
      return;
    }
    const d = describeError(err);
    const text = [d.title, d.next, ...d.details].join(' ');
    if (target === 'test') showTest(text, 'error'); else showFormMessage(text);
  }

  function showTest(text, kind) {
    clear(testResult);
    testResult.dataset.kind = kind;
    testResult.appendChild(h('span', { class: 'status-icon', 'aria-hidden': 'true' }));
    testResult.appendChild(document.createTextNode(text));
    testResult.hidden = false;
  }
  function hideTest() { if (testResult) { testResult.hidden = true; clear(testResult); } }

  function setBusy(on, btn, busyKey, idleKey) {
    busy = on;
    for (const b of dialog.querySelectorAll('button')) b.disabled = on;
    if (btn) btn.textContent = t(on ? busyKey : idleKey);
  }

  // ---- actions ---------------------------------------------------------------------

  async function onTest() {
    clearErrors();
    hideTest();
    const form = formValues();
    const errors = validateForm(form, saved, { requireCredentials: true });
    if (Object.keys(errors).length) { showClientErrors(errors); return; }
    const btn = dialog.querySelector('#test-connection-btn');
    setBusy(true, btn, 'settings.testing', 'settings.testConnection');
    // While it runs, the test button is its Cancel (Escape does the same).
    const run = { requestId: api.newRequestId(), cancelling: false, slowAnnounced: false };
    testing = run;
    btn.disabled = false;
    btn.textContent = t('settings.cancelTest');
    btn.setAttribute('aria-label', t('settings.cancelTestLabel'));
    btn.setAttribute('aria-keyshortcuts', 'Escape');
    slowTest.poke();
    try {
      const res = await api.testConnection(buildSettings(saved, form), buildSecrets(form), run.requestId);
      const n = res && typeof res.meetingsVisible === 'number' ? res.meetingsVisible : null;
      if (res && res.tokenNotChecked) showTest(t('settings.testTokenNotChecked'), 'ok');
      else showTest(n === null ? t('settings.testOk') : t('settings.testOkCount', { count: n }), 'ok');
    } catch (err) {
      if (err.kind === 'cancelled' || run.cancelling) showTest(t('settings.testCancelled'), 'info');
      else showServerError(err, 'test');
    } finally {
      slowTest.stop();
      testing = null;
      btn.removeAttribute('aria-label');
      btn.removeAttribute('aria-keyshortcuts');
      if (dialog.open) { setBusy(false, btn, 'settings.testing', 'settings.testConnection'); btn.focus(); }
    }
  }

  function cancelTest() {
    if (!testing || testing.cancelling) return;
    testing.cancelling = true;
    const btn = dialog.querySelector('#test-connection-btn');
    if (btn) { btn.disabled = true; btn.textContent = t('summary.cancelling'); }
    api.cancelRequest(testing.requestId).catch(() => { /* the test ends by itself */ });
  }

  async function onSave(e) {
    e.preventDefault();
    if (busy) return;
    clearErrors();
    const form = formValues();
    const errors = validateForm(form, saved);
    if (Object.keys(errors).length) { showClientErrors(errors); return; }
    const btn = dialog.querySelector('#settings-save');
    setBusy(true, btn, 'settings.saving', 'settings.save');
    const previous = saved;
    try {
      const next = withDefaults(await api.saveSettings(buildSettings(saved, form), buildSecrets(form)));
      saved = next;
      busy = false;
      dialog.close();
      deps.onSaved(next, previous);
    } catch (err) {
      if (dialog.open) setBusy(false, btn, 'settings.saving', 'settings.save');
      showServerError(err, 'save');
    }
  }

  /** The watcher's state (this month's calls, whether there is a tray) into the open form. */
  function showWatcher(view) {
    if (!watchBits || !view) return;
    const calls = callsThisMonthText(view, t, getLocale());
    watchBits.calls.hidden = !calls;
    watchBits.calls.textContent = calls || '';
    const noTray = view.trayAvailable === false;
    watchBits.trayNote.hidden = !noTray;
    watchBits.keepInTray.disabled = noTray;
  }

  async function onClearCache(btn) {
    const out = watchBits && watchBits.cacheResult;
    btn.disabled = true;
    try {
      await api.clearCache();
      if (out) { out.textContent = t('settings.cacheCleared'); out.hidden = false; }
    } catch (err) {
      const d = describeError(err);
      if (out) { out.textContent = [d.title, d.next].filter(Boolean).join(' '); out.hidden = false; }
    } finally {
      btn.disabled = false;
    }
  }

  async function onOpenLog() {
    try { await api.openLogFolder(); } catch (err) { showServerError(err, 'save'); }
  }

  return {
    /** Opens the panel. settings/status: the latest from Rust. */
    open({ settings, status: st, focusField } = {}) {
      if (dialog.open) return;
      saved = withDefaults(settings);
      status = st || {};
      busy = false;
      opener = document.activeElement;
      build();
      dialog.showModal();
      if (api.watcherStatus) api.watcherStatus().then(showWatcher, () => { /* the fields still work */ });
      const target = (focusField && fields[focusField] && [].concat(fields[focusField].input)[0])
        || dialog.querySelector('input[name="host"]:checked') || dialog.querySelector('input, select, button');
      if (target) target.focus();
    },
    isOpen() { return dialog.open; },
    close() { if (dialog.open && !busy) dialog.close(); },
  };
}

// Exported for reference in docs/tests: which secret/key fields each mode shows.
export { HOSTS, KEY_FIELDS, SECRET_FIELDS };
