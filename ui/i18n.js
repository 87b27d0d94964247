// Every UI string, in English and Simplified Chinese. Pure module (no DOM import):
// reads navigator.languages only when asked to detect the system language.
//
// The words live in ui/locales/<lang>.json, the one catalog per language: Rust embeds the same
// files (meetdesk-core/src/catalog.rs) for the CSV headers, the CLI and error advice, so the
// window, the CSV and the CLI cannot word one fact two ways. Imported as JSON modules: no fetch,
// so the CSP's connect-src stays IPC-only, and node --test reads the very same files.
//
// t(key, params): '{name}' placeholders are replaced by params.name; numbers are
// grouped for the current language ("5,000"). A value may be { one, other }: the
// form is picked with Intl.PluralRules on params.count.

import en from './locales/en.json' with { type: 'json' };
import zh from './locales/zh-CN.json' with { type: 'json' };

export const LANGUAGES = ['en', 'zh-CN'];

export const DICTIONARIES = Object.freeze({ en, 'zh-CN': zh });

/**
 * Keys whose value is legitimately the same in both languages (names, symbols).
 * The i18n test checks every other key differs between en and zh-CN.
 */
export const SAME_IN_ALL_LANGUAGES = new Set([
  'app.name', 'lang.en', 'lang.zh-CN', 'duration.none', 'row.timeRange',
]);

let current = 'en';
let formatLocale = 'en';

/**
 * The UI language for a list of BCP 47 tags (navigator.languages order):
 * the first tag that is Chinese gives 'zh-CN', the first English one 'en'; default 'en'.
 */
export function detectLanguage(languages) {
  for (const tag of languages || []) {
    const l = String(tag).toLowerCase();
    if (l === 'zh' || l.startsWith('zh-')) return 'zh-CN';
    if (l === 'en' || l.startsWith('en-')) return 'en';
  }
  return 'en';
}

function systemLanguages() {
  const nav = globalThis.navigator;
  if (!nav) return [];
  if (Array.isArray(nav.languages) && nav.languages.length) return nav.languages;
  return nav.language ? [nav.language] : [];
}

/** The language for a settings value ('system' | 'en' | 'zh-CN'). */
export function resolveLanguage(setting, languages = systemLanguages()) {
  if (setting === 'en' || setting === 'zh-CN') return setting;
  return detectLanguage(languages);
}

/**
 * The locale for dates and numbers: the first system tag of the same language
 * (an en-GB system gives "Mon, 23 Nov 2026"), else the UI language itself.
 */
export function resolveFormatLocale(lang, languages = systemLanguages()) {
  const base = lang === 'zh-CN' ? 'zh' : 'en';
  for (const tag of languages || []) {
    const l = String(tag);
    const lower = l.toLowerCase();
    if (base === 'zh' && /^zh-(hans|cn|sg)/.test(lower)) return l;
    if (base === 'en' && (lower === 'en' || lower.startsWith('en-'))) {
      try { return Intl.DateTimeFormat.supportedLocalesOf([l]).length ? l : lang; } catch { return lang; }
    }
  }
  return lang;
}

/** Sets the UI language from a settings value; returns the language in force. */
export function setLanguage(setting, languages = systemLanguages()) {
  current = resolveLanguage(setting, languages);
  formatLocale = resolveFormatLocale(current, languages);
  return current;
}

export function getLanguage() { return current; }
export function getLocale() { return formatLocale; }

const pluralCache = new Map();
function pluralForm(lang, count) {
  let pr = pluralCache.get(lang);
  if (!pr) { pr = new Intl.PluralRules(lang); pluralCache.set(lang, pr); }
  return pr.select(count);
}

/** Translates key with params, in the current language (or params-free lang override). */
export function t(key, params = {}, lang = current) {
  const dict = DICTIONARIES[lang] || en;
  let v = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : en[key];
  if (v === undefined) return key;
  if (typeof v === 'object') {
    const n = typeof params.count === 'number' ? params.count : 0;
    v = v[pluralForm(lang, n)] ?? v.other;
  }
  const locale = lang === current ? formatLocale : lang;
  return v.replace(/\{(\w+)\}/g, (m, name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return m;
    const p = params[name];
    if (typeof p === 'number') return new Intl.NumberFormat(locale).format(p);
    return String(p ?? '');
  });
}

/** Whether a key exists (in English, the reference language). */
export function hasKey(key) {
  return Object.prototype.hasOwnProperty.call(en, key);
}
