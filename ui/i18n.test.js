import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  DICTIONARIES, SAME_IN_ALL_LANGUAGES, detectLanguage, getLanguage, getLocale, hasKey, resolveFormatLocale,
  resolveLanguage, setLanguage, t,
} from './i18n.js';

const here = dirname(fileURLToPath(import.meta.url));
const en = DICTIONARIES.en;
const zh = DICTIONARIES['zh-CN'];

const forms = (v) => (typeof v === 'object' ? Object.values(v) : [v]);
const params = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every key exists in both languages', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test('values are non-empty strings or plural objects with an "other" form', () => {
  for (const dict of [en, zh]) {
    for (const [k, v] of Object.entries(dict)) {
      if (typeof v === 'object') assert.ok(typeof v.other === 'string' && v.other, k);
      else assert.ok(typeof v === 'string' && v.length, k);
    }
  }
});

test('Chinese differs from English wherever the value has words', () => {
  for (const k of Object.keys(en)) {
    if (SAME_IN_ALL_LANGUAGES.has(k)) continue;
    const e = forms(en[k]).join('|');
    const z = forms(zh[k]).join('|');
    assert.notEqual(z, e, `zh-CN "${k}" is the English text`);
  }
});

test('no English words left in the Chinese UI (beyond product and API names)', () => {
  const allowed = new Set([
    'MeetDesk', 'DingTalk', 'AppKey', 'AppSecret', 'SuiteKey', 'SuiteSecret', 'CorpId', 'SuiteTicket',
    'suite', 'ticket', 'api', 'dingtalk', 'io', 'com', 'https', 'http', 'example', 'VideoConference', 'Conference',
    'Read', 'CSV', 'BOM', 'ISO', 'Excel', 'IP', 'VPN', 'API', 'ID', 'HTTP', 'HTTPS', 'Ctrl', 'Delete', 'Esc', 'English',
  ]);
  for (const [k, v] of Object.entries(zh)) {
    if (SAME_IN_ALL_LANGUAGES.has(k)) continue;
    for (const s of forms(v)) {
      // Command-line flags (--page-size) are the CLI's syntax, the same in every language.
      const words = s.replace(/\{\w+\}/g, '').replace(/--[\w-]+\*?/g, '').match(/[A-Za-z]{2,}/g) || [];
      for (const w of words) assert.ok(allowed.has(w), `zh-CN "${k}" has the English word "${w}"`);
    }
  }
});

test('placeholders are the same in both languages', () => {
  for (const k of Object.keys(en)) {
    const e = [...new Set(forms(en[k]).flatMap(params))].sort();
    const z = [...new Set(forms(zh[k]).flatMap(params))].sort();
    assert.deepEqual(z, e, k);
  }
});

test('every t("…") key used in ui/*.js exists', () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
  const missing = [];
  for (const f of files) {
    const src = readFileSync(join(here, f), 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([\w.-]+)'/g)) if (!hasKey(m[1])) missing.push(`${f}: ${m[1]}`);
    for (const m of src.matchAll(/(?:Key|key|labelKey|legendKey|hintKey):?\s*'([a-z]+\.[\w.-]+)'/g)) if (!hasKey(m[1])) missing.push(`${f}: ${m[1]}`);
  }
  assert.deepEqual(missing, []);
});

test('every data-i18n key in index.html exists', () => {
  const html = readFileSync(join(here, 'index.html'), 'utf8');
  const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]);
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
    for (const pair of m[1].split(';')) keys.push(pair.split(':')[1].trim());
  }
  assert.ok(keys.length > 10);
  for (const k of keys) assert.ok(hasKey(k), k);
});

test('system language detection follows navigator.languages order', () => {
  assert.equal(detectLanguage(['zh-CN', 'en-US']), 'zh-CN');
  assert.equal(detectLanguage(['zh-Hans-CN']), 'zh-CN');
  assert.equal(detectLanguage(['zh-TW']), 'zh-CN');
  assert.equal(detectLanguage(['en-GB', 'zh-CN']), 'en');
  assert.equal(detectLanguage(['fr-FR', 'zh-CN']), 'zh-CN');
  assert.equal(detectLanguage(['fr-FR', 'de']), 'en');
  assert.equal(detectLanguage([]), 'en');
  assert.equal(detectLanguage(undefined), 'en');
  assert.equal(resolveLanguage('system', ['zh-CN']), 'zh-CN');
  assert.equal(resolveLanguage('en', ['zh-CN']), 'en');
  assert.equal(resolveLanguage('zh-CN', ['en-US']), 'zh-CN');
  assert.equal(resolveLanguage('bogus', ['en-US']), 'en');
});

test('format locale keeps the system region of the same language', () => {
  assert.equal(resolveFormatLocale('en', ['en-GB']), 'en-GB');
  assert.equal(resolveFormatLocale('en', ['zh-CN', 'en-AU']), 'en-AU');
  assert.equal(resolveFormatLocale('en', ['zh-CN']), 'en');
  assert.equal(resolveFormatLocale('zh-CN', ['zh-CN']), 'zh-CN');
  assert.equal(resolveFormatLocale('zh-CN', ['en-US']), 'zh-CN');
});

test('t interpolates, groups numbers and picks plural forms', () => {
  setLanguage('en', ['en-US']);
  assert.equal(getLanguage(), 'en');
  assert.equal(getLocale(), 'en-US');
  assert.equal(t('summary.countOf', { count: 300, total: 5000 }), '300 of 5,000 meetings');
  assert.equal(t('summary.count', { count: 1 }), '1 meeting');
  assert.equal(t('summary.count', { count: 23 }), '23 meetings');
  assert.equal(t('announce.loaded', { count: 23 }), '23 meetings loaded.');
  assert.equal(t('summary.loadingAllOf', { loaded: 300, total: 5000 }), 'Loading 300 of 5,000…');
  assert.equal(t('no.such.key'), 'no.such.key');
  // Text params are inserted as they are (no HTML meaning anywhere).
  assert.equal(t('row.joinLabel', { title: '<img src=x onerror=alert(1)>' }), 'Join <img src=x onerror=alert(1)>');
  setLanguage('zh-CN', ['en-US']);
  assert.equal(t('summary.countOf', { count: 300, total: 5000 }), '已加载 300 / 共 5,000 场会议');
  assert.equal(t('group.today'), '今天');
  setLanguage('system', ['en-GB']);
  assert.equal(getLanguage(), 'en');
});

test('an accessible name contains the visible text (WCAG 2.5.3 Label in Name)', () => {
  // "fooLabel" is the aria-label of the control whose visible text is "foo": a speech-control
  // user says what they see ("click Copy link"), so the name must contain it.
  for (const lang of ['en', 'zh-CN']) {
    const dict = DICTIONARIES[lang];
    const pairs = Object.keys(dict).filter((k) => k.endsWith('Label') && typeof dict[k.slice(0, -'Label'.length)] === 'string');
    assert.ok(pairs.length >= 3, `${lang}: found ${pairs.length} label pairs`);
    for (const k of pairs) {
      const visible = dict[k.slice(0, -'Label'.length)];
      assert.ok(typeof dict[k] === 'string' && dict[k].includes(visible), `${lang} ${k}: "${dict[k]}" does not contain "${visible}"`);
    }
  }
});
