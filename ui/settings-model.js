// Settings validation and the payloads for save_settings / test_connection. Pure: no DOM.
// The Rust side re-validates and answers invalidSetting with a field. Hosts, limits, modes and
// the defaults are Rust's own, read from the generated contract (ui/contract.js), never copied.

import { CONTRACT } from './contract.js';

const { limits } = CONTRACT;

/** The named hosts and their base URLs (the custom host has none: its URL is a setting). */
export const HOSTS = Object.freeze(Object.fromEntries(
  Object.entries(CONTRACT.hosts).filter(([, url]) => typeof url === 'string'),
));
export const HOST_NAMES = Object.freeze(Object.keys(CONTRACT.hosts));
export const CREDENTIAL_MODES = CONTRACT.credentialModes;
export const LANGUAGE_SETTINGS = CONTRACT.languages;
export const THEMES = CONTRACT.themes;
export const CSV_DELIMITERS = CONTRACT.csvDelimiters;

export const PAGE_SIZE_MIN = limits.pageSize.min;
export const PAGE_SIZE_MAX = limits.pageSize.max;
export const PAGE_SIZE_DEFAULT = limits.pageSize.default;
export const TIMEOUT_SECS_MIN = limits.timeoutSecs.min;
export const TIMEOUT_SECS_MAX = limits.timeoutSecs.max;
export const TIMEOUT_SECS_DEFAULT = limits.timeoutSecs.default;

/** Issue 12's whole-number settings and their bounds (Rust's, through the contract). */
export const RANGE_FIELDS = Object.freeze({
  reminderMinutes: limits.reminderMinutes,
  monthlyCallBudget: limits.monthlyCallBudget,
  cacheDays: limits.cacheDays,
  cacheMaxMeetings: limits.cacheMaxMeetings,
});
/** Issue 12's on/off settings. */
export const FLAG_FIELDS = Object.freeze(['remindersOn', 'openInDingtalkApp', 'keepInTray', 'startAtLogin']);

export const DEFAULT_SETTINGS = Object.freeze({
  ...CONTRACT.settingsDefaults,
  suiteTicketSet: false,
  appSecretSet: false,
  suiteSecretSet: false,
  accessTokenSet: false,
  // The host (normalised) and mode the stored secrets belong to; null when none is stored.
  secretsBaseUrl: null,
  secretsMode: null,
  // A fresh array rather than the contract's frozen one: the list is the user's, not a fact.
  recentRooms: [],
});

/** Secret fields per credential mode, with the *Set flag that says one is saved. */
export const SECRET_FIELDS = {
  token: [['accessToken', 'accessTokenSet']],
  internalApp: [['appSecret', 'appSecretSet']],
  thirdParty: [['suiteSecret', 'suiteSecretSet'], ['suiteTicket', 'suiteTicketSet']],
};

/** Plain (non-secret) credential fields per mode. */
export const KEY_FIELDS = {
  token: [],
  internalApp: ['appKey'],
  thirdParty: ['suiteKey', 'authCorpId'],
};

/** Settings read from Rust, with defaults for anything missing or out of range. */
export function withDefaults(s) {
  const out = { ...DEFAULT_SETTINGS, ...(s && typeof s === 'object' ? s : {}) };
  for (const [field, allowed] of [['host', HOST_NAMES], ['credentialMode', CREDENTIAL_MODES],
    ['language', LANGUAGE_SETTINGS], ['theme', THEMES], ['csvDelimiter', CSV_DELIMITERS]]) {
    if (!allowed.includes(out[field])) out[field] = DEFAULT_SETTINGS[field];
  }
  if (!Array.isArray(out.recentRooms)) out.recentRooms = [];
  if (!Array.isArray(out.watched)) out.watched = [];
  return out;
}

function wholeNumberIn(v, min, max) {
  const s = String(v ?? '').trim();
  if (!/^\d+$/.test(s)) return false;
  const n = Number(s);
  return n >= min && n <= max;
}

/** null when valid, else the i18n key of the reason. */
export function validatePageSize(v) {
  return wholeNumberIn(v, PAGE_SIZE_MIN, PAGE_SIZE_MAX) ? null : 'validation.pageSize';
}

/** null when `v` is a whole number within `field`'s bounds, else the i18n key of the reason
 * (`validation.range`, filled with {@link rangeParams}). */
export function validateRange(field, v) {
  const r = RANGE_FIELDS[field];
  return r && wholeNumberIn(v, r.min, r.max) ? null : 'validation.range';
}

/** The {min, max} of a range field, grouped as the window shows numbers ("5,000"). */
export function rangeParams(field, locale = 'en') {
  const r = RANGE_FIELDS[field];
  if (!r) return undefined;
  const f = (n) => Number(n).toLocaleString(locale);
  return { min: f(r.min), max: f(r.max) };
}

/**
 * The line under the budget: this month's calls from the watcher's state, or null before the
 * watcher has counted (its first tick).
 * @param {{callsThisMonth?: number, monthlyBudget?: number}|null} view watcher_status()
 */
export function callsThisMonthText(view, t, locale = 'en') {
  if (!view || !Number.isFinite(view.callsThisMonth) || !Number.isFinite(view.monthlyBudget)) return null;
  const f = (n) => Number(n).toLocaleString(locale);
  return t('settings.callsThisMonth', { used: f(view.callsThisMonth), budget: f(view.monthlyBudget) });
}

/** null when valid, else the i18n key of the reason. */
export function validateTimeout(v) {
  return wholeNumberIn(v, TIMEOUT_SECS_MIN, TIMEOUT_SECS_MAX) ? null : 'validation.timeoutSecs';
}

/**
 * One spelling per host, the same as the back end's (both follow the WHATWG URL rules):
 * lower-case scheme and host, no default port, no trailing slash.
 */
export function normaliseBaseUrl(v) {
  const s = String(v ?? '').trim();
  try { return new URL(s).href.replace(/\/+$/, ''); } catch { return s; }
}

/**
 * Whether the stored secrets apply to the host and mode in the form. They never follow a
 * change of either (the back end refuses to send them elsewhere): this says so in the form.
 * @returns {'same' | 'otherHost' | 'otherMode' | 'none'} 'none' when no secret is stored
 */
export function secretsScope(saved, form) {
  const s = withDefaults(saved);
  if (!s.secretsBaseUrl) return 'none';
  if (normaliseBaseUrl(baseUrlOf(form)) !== normaliseBaseUrl(s.secretsBaseUrl)) return 'otherHost';
  if (form.credentialMode !== s.secretsMode) return 'otherMode';
  return 'same';
}

/** The saved settings' *Set flags as they apply to the form's host and mode. */
export function applicableSecrets(saved, form) {
  const s = withDefaults(saved);
  const scope = secretsScope(s, form);
  const out = { ...s };
  if (scope !== 'same' && scope !== 'none') {
    for (const list of Object.values(SECRET_FIELDS)) for (const [, flag] of list) out[flag] = false;
  }
  return out;
}

/** The label key of each settings field, for naming fields that could not be loaded. */
export const FIELD_LABELS = {
  host: 'settings.host', customBaseUrl: 'settings.customBaseUrl', credentialMode: 'settings.credentials',
  appKey: 'settings.appKey', suiteKey: 'settings.suiteKey', authCorpId: 'settings.authCorpId',
  pageSize: 'settings.pageSize', timeoutSecs: 'settings.timeoutSecs', language: 'settings.language',
  theme: 'settings.theme', csvBom: 'settings.csv', csvDelimiter: 'settings.csvDelimiter',
  storeSecretsInFile: 'settings.storeSecretsInFile', recentRooms: 'settings.field.recentRooms',
  lastExportDir: 'settings.field.lastExportDir', secrets: 'settings.field.secrets',
  watched: 'settings.watched', monthlyCallBudget: 'settings.monthlyCallBudget', remindersOn: 'settings.remindersOn',
  reminderMinutes: 'settings.reminderMinutes', openInDingtalkApp: 'settings.openInDingtalkApp',
  keepInTray: 'settings.keepInTray', startAtLogin: 'settings.startAtLogin', cacheDays: 'settings.cacheDays',
  cacheMaxMeetings: 'settings.cacheMaxMeetings',
};

/**
 * What to tell the user about a settings file that could not be (fully) used.
 * @param {{kind, detail, keptAt, fields}|null} problem get_status().settingsProblem
 * @param {(key, params?) => string} t
 * @param {'toast' | 'settings'} where
 * @returns {string|null}
 */
export function settingsProblemText(problem, t, where = 'settings') {
  if (!problem || typeof problem !== 'object') return null;
  const fields = Array.isArray(problem.fields) ? problem.fields : [];
  if (problem.kind === 'fields' && fields.length) {
    const names = fields.map((f) => (FIELD_LABELS[f] ? t(FIELD_LABELS[f]) : String(f))).join(', ');
    return t(where === 'toast' ? 'toast.settingsProblemFields' : 'settings.problemFields', { fields: names });
  }
  if (problem.keptAt) {
    return t(where === 'toast' ? 'toast.settingsProblemKept' : 'settings.problemKept',
      { path: String(problem.keptAt), detail: String(problem.detail || '') });
  }
  return t(where === 'toast' ? 'toast.settingsProblem' : 'settings.problem');
}

/**
 * This computer: exactly localhost, 127.0.0.0/8 or ::1 (where the back end allows plain http).
 * Not "localhost." (the back end refuses it: with the dot resolvers ask DNS, which may answer
 * anything, and the token would travel in clear text).
 */
function isLoopback(hostname) {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * A custom base URL must be an absolute https:// URL (plain http:// only for this
 * computer, for a local test server), without user info, query or fragment —
 * the same rule as the back end's dingtalk::ClientConfig::new.
 */
export function validateCustomBaseUrl(v) {
  const s = String(v ?? '').trim();
  if (!s || /\s/.test(s)) return 'validation.customBaseUrl';
  let u;
  try { u = new URL(s); } catch { return 'validation.customBaseUrl'; }
  const okScheme = u.protocol === 'https:' || (u.protocol === 'http:' && isLoopback(u.hostname));
  if (!okScheme || !u.hostname || u.username || u.password || u.search || u.hash) return 'validation.customBaseUrl';
  if (!/^[a-z]+:\/\//i.test(s)) return 'validation.customBaseUrl';
  return null;
}

/**
 * Validates the form.
 * @param {object} form values: host, customBaseUrl, credentialMode, appKey, suiteKey,
 *   authCorpId, pageSize, and typed secrets (appSecret, suiteSecret, suiteTicket, accessToken)
 * @param {object} saved the settings as loaded (for the *Set flags)
 * @param {{ requireCredentials?: boolean }} opts true for "Test connection"
 * @returns {Record<string, string>} field → i18n key of the reason; empty when valid
 */
export function validateForm(form, saved = DEFAULT_SETTINGS, { requireCredentials = false } = {}) {
  // In the order the fields appear, so the first error is the first field to fix.
  const errors = {};
  if (form.host === 'custom') {
    const u = validateCustomBaseUrl(form.customBaseUrl);
    if (u) errors.customBaseUrl = u;
  }
  const mode = form.credentialMode;
  for (const f of KEY_FIELDS[mode] || []) {
    const v = String(form[f] ?? '').trim();
    if (/\s/.test(v)) errors[f] = 'validation.noSpaces';
    else if (requireCredentials && !v) errors[f] = 'validation.required';
  }
  // A secret saved for another host or mode does not count: it will not be used here.
  const applicable = applicableSecrets(saved, form);
  for (const [f, flag] of SECRET_FIELDS[mode] || []) {
    const v = String(form[f] ?? '');
    if (requireCredentials && !v.trim() && !applicable[flag]) errors[f] = 'validation.required';
  }
  const ps = validatePageSize(form.pageSize);
  if (ps) errors.pageSize = ps;
  if (form.timeoutSecs !== undefined) {
    const to = validateTimeout(form.timeoutSecs);
    if (to) errors.timeoutSecs = to;
  }
  // Forms without these fields (older callers, tests) keep the saved values: see buildSettings.
  for (const f of Object.keys(RANGE_FIELDS)) {
    if (form[f] === undefined) continue;
    const e = validateRange(f, form[f]);
    if (e) errors[f] = e;
  }
  return errors;
}

/** The Settings object to send: the saved settings with the form's values. */
export function buildSettings(saved, form) {
  const base = withDefaults(saved);
  return {
    ...base,
    host: form.host,
    customBaseUrl: String(form.customBaseUrl ?? '').trim(),
    credentialMode: form.credentialMode,
    appKey: String(form.appKey ?? '').trim(),
    suiteKey: String(form.suiteKey ?? '').trim(),
    authCorpId: String(form.authCorpId ?? '').trim(),
    pageSize: Number(String(form.pageSize).trim()),
    timeoutSecs: form.timeoutSecs === undefined ? base.timeoutSecs : Number(String(form.timeoutSecs).trim()),
    language: form.language,
    theme: form.theme,
    csvBom: !!form.csvBom,
    csvDelimiter: CSV_DELIMITERS.includes(form.csvDelimiter) ? form.csvDelimiter : DEFAULT_SETTINGS.csvDelimiter,
    // The checkbox is only shown without a keychain; otherwise keep the saved value.
    storeSecretsInFile: form.storeSecretsInFile === undefined ? !!base.storeSecretsInFile : !!form.storeSecretsInFile,
    ...Object.fromEntries(Object.keys(RANGE_FIELDS).map((f) => [f,
      form[f] === undefined ? base[f] : Number(String(form[f]).trim())])),
    ...Object.fromEntries(FLAG_FIELDS.map((f) => [f, form[f] === undefined ? !!base[f] : !!form[f]])),
  };
}

/** Only the secrets the person typed (empty = unchanged, so not sent). */
export function buildSecrets(form) {
  const out = {};
  for (const f of ['appSecret', 'suiteSecret', 'suiteTicket', 'accessToken']) {
    const v = String(form[f] ?? '').trim();
    if (v) out[f] = v;
  }
  return out;
}

/** The base URL the settings point at, for display. */
export function baseUrlOf(settings) {
  if (Object.hasOwn(HOSTS, settings.host)) return HOSTS[settings.host];
  if (HOST_NAMES.includes(settings.host)) return settings.customBaseUrl || '';
  return HOSTS[DEFAULT_SETTINGS.host];
}
