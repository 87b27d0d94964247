import test from 'node:test';
import assert from 'node:assert/strict';
import { CONTRACT } from './contract.js';
import {
  DEFAULT_SETTINGS, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MIN, TIMEOUT_SECS_DEFAULT, TIMEOUT_SECS_MAX, TIMEOUT_SECS_MIN,
  applicableSecrets, baseUrlOf, buildSecrets, buildSettings, normaliseBaseUrl, secretsScope,
  settingsProblemText, validateCustomBaseUrl, validateForm, validatePageSize, validateTimeout, withDefaults,
  FIELD_LABELS, RANGE_FIELDS, callsThisMonthText, rangeParams, validateRange,
} from './settings-model.js';
import { t } from './i18n.js';

test('page size: whole number 5..100', () => {
  for (const ok of ['5', '20', '100', 5, 100, ' 42 ']) assert.equal(validatePageSize(ok), null, String(ok));
  for (const bad of ['4', '101', '0', '-5', '20.5', 'abc', '', null, undefined, '1e2']) assert.equal(validatePageSize(bad), 'validation.pageSize', String(bad));
});

test('custom base URL: absolute https (http only for this computer)', () => {
  for (const ok of ['https://dingtalk.example.com', 'https://dt.example.com:8443/gateway', 'http://127.0.0.1:8080', 'http://127.1.2.3', 'http://localhost:9000', 'http://[::1]:8080'])
    assert.equal(validateCustomBaseUrl(ok), null, ok);
  for (const bad of ['', 'dingtalk.example.com', 'http://dingtalk.example.com', 'ftp://x', 'https://', 'https://user:pw@x.com',
    'https://x.com/?a=1', 'https://x.com/#f', 'http://128.0.0.1', 'http://10.0.0.1', 'https://exa mple.com', 'javascript:alert(1)'])
    assert.equal(validateCustomBaseUrl(bad), 'validation.customBaseUrl', bad);
});

test('form validation', () => {
  const form = { ...DEFAULT_SETTINGS, pageSize: '20', credentialMode: 'internalApp', appKey: '', appSecret: '' };
  assert.deepEqual(validateForm(form), {});
  assert.deepEqual(validateForm({ ...form, pageSize: '500', host: 'custom', customBaseUrl: 'http://x' }), {
    pageSize: 'validation.pageSize', customBaseUrl: 'validation.customBaseUrl',
  });
  // Credentials are only required for "Test connection", and a saved secret counts.
  assert.deepEqual(validateForm(form, DEFAULT_SETTINGS, { requireCredentials: true }), {
    appKey: 'validation.required', appSecret: 'validation.required',
  });
  assert.deepEqual(validateForm({ ...form, appKey: 'ding123' }, { ...DEFAULT_SETTINGS, appSecretSet: true }, { requireCredentials: true }), {});
  assert.deepEqual(validateForm({ ...form, appKey: 'ding 123' }), { appKey: 'validation.noSpaces' });
  const third = { ...form, credentialMode: 'thirdParty', suiteKey: 'k', authCorpId: 'c', suiteSecret: 's', suiteTicket: '' };
  assert.deepEqual(validateForm(third, DEFAULT_SETTINGS, { requireCredentials: true }), { suiteTicket: 'validation.required' });
  assert.deepEqual(validateForm(third, { ...DEFAULT_SETTINGS, suiteTicketSet: true }, { requireCredentials: true }), {});
  const token = { ...form, credentialMode: 'token', accessToken: '' };
  assert.deepEqual(validateForm(token, DEFAULT_SETTINGS, { requireCredentials: true }), { accessToken: 'validation.required' });
});

test('save payload: settings keep unrelated fields; only typed secrets are sent', () => {
  const saved = { ...DEFAULT_SETTINGS, recentRooms: [{ roomCode: '427200331', lastTitle: 'x', lastUsed: 1 }], appSecretSet: true };
  const form = {
    host: 'custom', customBaseUrl: ' https://dt.example.com ', credentialMode: 'internalApp', appKey: ' key ',
    pageSize: ' 50 ', language: 'zh-CN', theme: 'dark', csvBom: false, csvDelimiter: ';', storeSecretsInFile: undefined,
    appSecret: '', accessToken: '  tok  ', suiteSecret: undefined,
  };
  const s = buildSettings(saved, form);
  assert.equal(s.customBaseUrl, 'https://dt.example.com');
  assert.equal(s.appKey, 'key');
  assert.equal(s.pageSize, 50);
  assert.equal(s.language, 'zh-CN');
  assert.equal(s.csvDelimiter, ';');
  assert.equal(s.csvBom, false);
  assert.equal(s.storeSecretsInFile, false);
  assert.equal(buildSettings({ ...saved, storeSecretsInFile: true }, form).storeSecretsInFile, true, 'kept when the checkbox is not shown');
  assert.equal(buildSettings({ ...saved, storeSecretsInFile: true }, { ...form, storeSecretsInFile: false }).storeSecretsInFile, false);
  assert.deepEqual(s.recentRooms, saved.recentRooms);
  assert.equal(s.appSecretSet, true);
  assert.deepEqual(buildSecrets(form), { accessToken: 'tok' });
  assert.deepEqual(buildSecrets({}), {});
});

test('defaults and base URL', () => {
  const s = withDefaults({ host: 'mars', theme: 'neon', language: 'fr', csvDelimiter: '|', recentRooms: null });
  assert.equal(s.host, 'international');
  assert.equal(s.theme, 'system');
  assert.equal(s.language, 'system');
  assert.equal(s.csvDelimiter, ',');
  assert.deepEqual(s.recentRooms, []);
  assert.equal(baseUrlOf({ host: 'international' }), 'https://api.dingtalk.io');
  assert.equal(baseUrlOf({ host: 'mainland' }), 'https://api.dingtalk.com');
  assert.equal(baseUrlOf({ host: 'custom', customBaseUrl: 'https://x' }), 'https://x');
});

test('timeout: whole seconds 5..120, sent with the settings', () => {
  for (const ok of ['5', '15', '120', 60]) assert.equal(validateTimeout(ok), null, String(ok));
  for (const bad of ['4', '121', '', '1.5', 'x', null]) assert.equal(validateTimeout(bad), 'validation.timeoutSecs', String(bad));
  const form = { ...DEFAULT_SETTINGS, pageSize: '20', timeoutSecs: '500' };
  assert.deepEqual(validateForm(form), { timeoutSecs: 'validation.timeoutSecs' });
  assert.equal(buildSettings(DEFAULT_SETTINGS, { ...form, timeoutSecs: ' 30 ' }).timeoutSecs, 30);
  assert.equal(buildSettings({ ...DEFAULT_SETTINGS, timeoutSecs: 45 }, { ...form, timeoutSecs: undefined }).timeoutSecs, 45);
});

test('stored secrets apply only to the host and mode they were saved for', () => {
  const saved = {
    ...DEFAULT_SETTINGS, appSecretSet: true, secretsBaseUrl: 'https://api.dingtalk.io', secretsMode: 'internalApp',
  };
  const form = { host: 'international', credentialMode: 'internalApp', appKey: 'k', appSecret: '', pageSize: '20' };
  assert.equal(secretsScope(saved, form), 'same');
  assert.equal(secretsScope(saved, { ...form, host: 'custom', customBaseUrl: 'HTTPS://API.DINGTALK.IO:443/' }), 'same');
  assert.equal(secretsScope(saved, { ...form, host: 'mainland' }), 'otherHost');
  assert.equal(secretsScope(saved, { ...form, host: 'custom', customBaseUrl: 'https://api.dingtalk.io.evil.example' }), 'otherHost');
  assert.equal(secretsScope(saved, { ...form, credentialMode: 'token' }), 'otherMode');
  assert.equal(secretsScope(DEFAULT_SETTINGS, form), 'none');
  assert.equal(applicableSecrets(saved, { ...form, host: 'mainland' }).appSecretSet, false);
  // "Test connection" on another host needs the secret typed again.
  assert.deepEqual(validateForm(form, saved, { requireCredentials: true }), {});
  assert.deepEqual(validateForm({ ...form, host: 'mainland' }, saved, { requireCredentials: true }), { appSecret: 'validation.required' });
  assert.equal(normaliseBaseUrl(' https://Example.com:443/ '), 'https://example.com');
});

test('a settings problem is described with the kept copy or the fields', () => {
  assert.equal(settingsProblemText(null, t), null);
  const kept = settingsProblemText({ kind: 'unreadable', detail: 'the file is empty', keptAt: '/d/settings.json.bad-1', fields: [] }, t);
  assert.match(kept, /\/d\/settings\.json\.bad-1/);
  assert.match(kept, /the file is empty/);
  assert.match(settingsProblemText({ kind: 'unreadable', keptAt: '/x.bad', fields: [] }, t, 'toast'), /\/x\.bad/);
  const fields = settingsProblemText({ kind: 'fields', fields: ['pageSize', 'theme', 'mystery'] }, t);
  assert.match(fields, /Meetings per page, Theme, mystery/);
});

test('the limits are the contract\'s: each bound accepted, one past it refused', () => {
  const { pageSize, timeoutSecs } = CONTRACT.limits;
  assert.deepEqual([PAGE_SIZE_MIN, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT], [pageSize.min, pageSize.max, pageSize.default]);
  assert.deepEqual([TIMEOUT_SECS_MIN, TIMEOUT_SECS_MAX, TIMEOUT_SECS_DEFAULT], [timeoutSecs.min, timeoutSecs.max, timeoutSecs.default]);
  for (const v of [pageSize.min, pageSize.max, pageSize.default]) assert.equal(validatePageSize(String(v)), null, String(v));
  for (const v of [pageSize.min - 1, pageSize.max + 1]) assert.equal(validatePageSize(String(v)), 'validation.pageSize', String(v));
  for (const v of [timeoutSecs.min, timeoutSecs.max, timeoutSecs.default]) assert.equal(validateTimeout(String(v)), null, String(v));
  for (const v of [timeoutSecs.min - 1, timeoutSecs.max + 1]) assert.equal(validateTimeout(String(v)), 'validation.timeoutSecs', String(v));
  const form = { ...DEFAULT_SETTINGS, pageSize: String(pageSize.max), timeoutSecs: String(timeoutSecs.max) };
  assert.deepEqual(validateForm(form), {});
  assert.equal(buildSettings(DEFAULT_SETTINGS, form).pageSize, pageSize.max);
});

test('hosts, modes, languages, themes and delimiters are the contract\'s, defaults are Rust\'s', () => {
  for (const [host, url] of Object.entries(CONTRACT.hosts)) {
    if (url === null) assert.equal(baseUrlOf({ host, customBaseUrl: 'https://dt.example.com' }), 'https://dt.example.com');
    else assert.equal(baseUrlOf({ host }), url, host);
    assert.equal(withDefaults({ host }).host, host);
  }
  assert.equal(baseUrlOf({ host: 'constructor' }), CONTRACT.hosts[CONTRACT.settingsDefaults.host]);
  for (const [field, list] of [['credentialMode', CONTRACT.credentialModes], ['language', CONTRACT.languages],
    ['theme', CONTRACT.themes], ['csvDelimiter', CONTRACT.csvDelimiters]]) {
    for (const v of list) assert.equal(withDefaults({ [field]: v })[field], v, `${field} ${v}`);
    assert.equal(withDefaults({ [field]: 'nope' })[field], CONTRACT.settingsDefaults[field], field);
  }
  for (const d of CONTRACT.csvDelimiters) assert.equal(buildSettings(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, csvDelimiter: d }).csvDelimiter, d);
  for (const [k, v] of Object.entries(CONTRACT.settingsDefaults)) {
    if (k !== 'recentRooms') assert.deepEqual(DEFAULT_SETTINGS[k], v, k);
  }
  // The user's list is not the frozen contract's.
  assert.ok(!Object.isFrozen(withDefaults({}).recentRooms));
});

test('plain http only to exactly this computer, as the back end allows', () => {
  // "localhost." goes to DNS, which may answer anything: Rust refuses it, so the form does too.
  assert.equal(validateCustomBaseUrl('http://localhost.:9000'), 'validation.customBaseUrl');
  assert.equal(validateCustomBaseUrl('http://localhost:9000'), null);
});

test('the words that state a limit or a host state the contract\'s', () => {
  // Until the words take these numbers as parameters, this is what keeps them true.
  const { pageSize, timeoutSecs } = CONTRACT.limits;
  const { minDigits, maxDigits } = CONTRACT.roomCode;
  const says = [
    ['validation.pageSize', pageSize], ['settings.pageSizeHint', pageSize],
    ['validation.timeoutSecs', timeoutSecs], ['settings.timeoutSecsHint', timeoutSecs],
    ['search.invalid.short', { min: minDigits, max: maxDigits }],
    ['search.invalid.long', { min: minDigits, max: maxDigits }],
    ['search.hint', { min: minDigits, max: maxDigits }],
  ];
  for (const lang of ['en', 'zh-CN']) {
    for (const [key, { min, max }] of says) {
      const words = t(key, { min, max }, lang);
      assert.match(words, new RegExp(`(^|\\D)${min}(\\D|$)`), `${lang} ${key}: ${words}`);
      assert.match(words, new RegExp(`(^|\\D)${max}(\\D|$)`), `${lang} ${key}: ${words}`);
    }
    for (const [key, host] of [['settings.hostInternational', 'international'], ['settings.hostMainland', 'mainland']]) {
      assert.ok(t(key, {}, lang).includes(new URL(CONTRACT.hosts[host]).hostname), `${lang} ${key}`);
    }
  }
});

// ---- Issue 12's settings ----

test('watch and cache settings: whole numbers within Rust\'s bounds, named in the refusal', () => {
  assert.deepEqual(RANGE_FIELDS.monthlyCallBudget, CONTRACT.limits.monthlyCallBudget);
  for (const ok of ['0', '5', '60']) assert.equal(validateRange('reminderMinutes', ok), null, ok);
  for (const bad of ['-1', '61', '2.5', '', 'x']) assert.equal(validateRange('reminderMinutes', bad), 'validation.range', bad);
  assert.equal(validateRange('monthlyCallBudget', '99'), 'validation.range');
  assert.equal(validateRange('monthlyCallBudget', '5000000'), null);
  assert.deepEqual(rangeParams('monthlyCallBudget'), { min: '100', max: '5,000,000' });
  assert.equal(t('validation.range', rangeParams('cacheDays')), 'Enter a whole number from 1 to 365.');
  const form = { ...DEFAULT_SETTINGS, pageSize: '20', credentialMode: 'internalApp', reminderMinutes: '90', cacheMaxMeetings: '10' };
  assert.deepEqual(validateForm(form), { reminderMinutes: 'validation.range', cacheMaxMeetings: 'validation.range' });
});

test('the new fields are sent as numbers and booleans, and a form without them keeps the saved ones', () => {
  const saved = withDefaults({ watched: [{ name: 'Board room', roomCode: '427233559' }], keepInTray: true });
  const form = {
    ...saved, pageSize: '20', reminderMinutes: ' 10 ', monthlyCallBudget: '8000', cacheDays: '30', cacheMaxMeetings: '2000',
    remindersOn: false, openInDingtalkApp: true, keepInTray: false, startAtLogin: true,
  };
  const out = buildSettings(saved, form);
  assert.deepEqual(
    [out.reminderMinutes, out.monthlyCallBudget, out.cacheDays, out.cacheMaxMeetings],
    [10, 8000, 30, 2000],
  );
  assert.deepEqual([out.remindersOn, out.openInDingtalkApp, out.keepInTray, out.startAtLogin], [false, true, false, true]);
  assert.deepEqual(out.watched, saved.watched, 'the list is sent as loaded; Rust keeps its own anyway');
  const untouched = buildSettings(saved, { ...saved, pageSize: '20', reminderMinutes: undefined, keepInTray: undefined });
  assert.equal(untouched.reminderMinutes, CONTRACT.limits.reminderMinutes.default);
  assert.equal(untouched.keepInTray, true);
  assert.deepEqual(withDefaults({ watched: 'junk' }).watched, []);
});

test('this month\'s calls come from the watcher, and every new field has a label in both languages', () => {
  assert.equal(callsThisMonthText({ callsThisMonth: 1234, monthlyBudget: 5000 }, t), '1,234 of 5,000 calls used this month');
  assert.equal(callsThisMonthText({ trayAvailable: false }, t), null, 'before the first tick');
  assert.equal(callsThisMonthText(null, t), null);
  for (const f of ['watched', 'monthlyCallBudget', 'remindersOn', 'reminderMinutes', 'openInDingtalkApp', 'keepInTray',
    'startAtLogin', 'cacheDays', 'cacheMaxMeetings']) {
    assert.ok(FIELD_LABELS[f], f);
    assert.notEqual(t(FIELD_LABELS[f]), FIELD_LABELS[f], `${f} has words`);
  }
});
