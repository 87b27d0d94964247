// Settings validation and the payloads for save_settings / test_connection. Pure: no DOM.
// The Rust side re-validates with the same bounds and answers invalidSetting with a field.

export const HOSTS = {
  international: 'https://api.dingtalk.io',
  mainland: 'https://api.dingtalk.com',
};

export const PAGE_SIZE_MIN = 5;
export const PAGE_SIZE_MAX = 100;
export const PAGE_SIZE_DEFAULT = 20;

export const DEFAULT_SETTINGS = Object.freeze({
  host: 'international',
  customBaseUrl: '',
  credentialMode: 'internalApp',
  appKey: '',
  suiteKey: '',
  authCorpId: '',
  suiteTicketSet: false,
  appSecretSet: false,
  suiteSecretSet: false,
  accessTokenSet: false,
  pageSize: PAGE_SIZE_DEFAULT,
  language: 'system',
  theme: 'system',
  csvBom: true,
  csvDelimiter: ',',
  storeSecretsInFile: false,
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
  if (!['international', 'mainland', 'custom'].includes(out.host)) out.host = 'international';
  if (!['token', 'internalApp', 'thirdParty'].includes(out.credentialMode)) out.credentialMode = 'internalApp';
  if (!['system', 'en', 'zh-CN'].includes(out.language)) out.language = 'system';
  if (!['system', 'light', 'dark'].includes(out.theme)) out.theme = 'system';
  if (![',', ';'].includes(out.csvDelimiter)) out.csvDelimiter = ',';
  if (!Array.isArray(out.recentRooms)) out.recentRooms = [];
  return out;
}

/** null when valid, else the i18n key of the reason. */
export function validatePageSize(v) {
  const s = String(v ?? '').trim();
  if (!/^\d+$/.test(s)) return 'validation.pageSize';
  const n = Number(s);
  return n >= PAGE_SIZE_MIN && n <= PAGE_SIZE_MAX ? null : 'validation.pageSize';
}

/** This computer: localhost, 127.0.0.0/8 or ::1 (where the back end allows plain http). */
function isLoopback(hostname) {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === 'localhost.' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
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
  for (const [f, flag] of SECRET_FIELDS[mode] || []) {
    const v = String(form[f] ?? '');
    if (requireCredentials && !v.trim() && !saved[flag]) errors[f] = 'validation.required';
  }
  const ps = validatePageSize(form.pageSize);
  if (ps) errors.pageSize = ps;
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
    language: form.language,
    theme: form.theme,
    csvBom: !!form.csvBom,
    csvDelimiter: form.csvDelimiter === ';' ? ';' : ',',
    // The checkbox is only shown without a keychain; otherwise keep the saved value.
    storeSecretsInFile: form.storeSecretsInFile === undefined ? !!base.storeSecretsInFile : !!form.storeSecretsInFile,
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
  if (settings.host === 'custom') return settings.customBaseUrl || '';
  return HOSTS[settings.host] || HOSTS.international;
}
