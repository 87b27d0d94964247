import test from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_KINDS, normaliseError } from './api.js';
import { describeError } from './errors.js';
import { DICTIONARIES, setLanguage } from './i18n.js';

test('every error kind has a title and a next step in both languages', () => {
  for (const lang of ['en', 'zh-CN']) {
    for (const kind of [...KNOWN_KINDS, 'unknown']) {
      assert.ok(DICTIONARIES[lang][`error.${kind}.title`], `${lang} error.${kind}.title`);
      assert.ok(DICTIONARIES[lang][`error.${kind}.next`], `${lang} error.${kind}.next`);
    }
  }
});

test('every error kind the Rust side can send is known to the UI', async () => {
  // The kinds come from two places: the DingTalk client's ErrorKind enum and the app's own
  // AppError kinds. Reading the enum from source keeps the two languages from drifting apart.
  const { readFile } = await import('node:fs/promises');
  const src = await readFile(new URL('../src-tauri/crates/dingtalk/src/error.rs', import.meta.url), 'utf8');
  const body = src.slice(src.indexOf('pub enum ErrorKind {'), src.indexOf('}', src.indexOf('pub enum ErrorKind {')));
  const variants = [...body.matchAll(/^\s{4}([A-Z]\w*),/gm)].map((m) => m[1][0].toLowerCase() + m[1].slice(1));
  assert.ok(variants.length >= 15, `found ${variants.length} variants`);
  const appKinds = ['stale', 'notConfigured', 'invalidSetting', 'unsafeLink', 'notFound', 'io', 'keychain'];
  for (const kind of [...variants, ...appKinds]) assert.ok(KNOWN_KINDS.includes(kind), `UI does not know kind ${kind}`);
});

test('describeError gives plain words, next step, copyable details', () => {
  setLanguage('en', ['en-US']);
  const d = describeError({ kind: 'permission', message: 'HTTP 403 Forbidden.AccessDenied.AccessTokenPermissionDenied', code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied', requestId: 'ABC-123', httpStatus: 403 });
  assert.match(d.next, /VideoConference\.Conference\.Read/);
  assert.deepEqual(d.details, ['DingTalk code: Forbidden.AccessDenied.AccessTokenPermissionDenied', 'Request ID: ABC-123', 'HTTP status: 403']);
  assert.match(d.copyText, /requestId: ABC-123/);
  assert.equal(d.retry, true);
  assert.match(describeError({ kind: 'quota' }).title, /quota/);
  assert.match(describeError({ kind: 'ipNotAllowed' }).next, /allow-list/);
  assert.match(describeError({ kind: 'auth' }).next, /Settings/);
  assert.equal(describeError({ kind: 'auth' }).settings, true);
  assert.equal(describeError({ kind: 'unsafeLink' }).retry, false);
  assert.equal(describeError({ kind: 'whatever' }).kind, 'unknown');
  assert.equal(describeError(undefined).kind, 'unknown');
  setLanguage('zh-CN', []);
  assert.equal(describeError({ kind: 'server' }).title, '钉钉服务出现问题。');
  setLanguage('en', []);
});

test('Retry is offered only when Rust says it can help', () => {
  setLanguage('en', ['en-US']);
  const loop = describeError(normaliseError({ kind: 'pagingLoop', message: 'page token "10" repeated', retryable: false }));
  assert.equal(loop.retry, false);
  assert.doesNotMatch(loop.next, /Retry later/);
  // Without the word, the kind decides; a paging loop never offers Retry.
  assert.equal(describeError({ kind: 'pagingLoop' }).retry, false);
  assert.equal(describeError({ kind: 'server', retryable: false }).retry, false);
  assert.equal(describeError(normaliseError({ kind: 'server', retryable: true })).retry, true);
  assert.equal(describeError({ kind: 'tooManyMeetings', retryable: false }).retry, false);
});

test('a gateway failure is not blamed on DingTalk, and a ban shows its wait', () => {
  setLanguage('en', ['en-US']);
  const g = describeError(normaliseError({ kind: 'gateway', httpStatus: 502, message: 'a proxy or gateway ... failed (HTTP 502)', retryable: true }));
  assert.equal(g.kind, 'gateway');
  assert.match(g.title, /proxy or gateway/);
  assert.ok(g.details.includes('HTTP status: 502'));
  assert.equal(g.retry, true);
  const ban = describeError(normaliseError({ kind: 'rateLimited', code: '1111', retryAfterSecs: 600, retryable: true }));
  assert.ok(ban.details.includes('DingTalk asks to wait 600 s before trying again.'), ban.details.join('|'));
  assert.match(ban.copyText, /retryAfterSecs: 600/);
  assert.equal(normaliseError({ kind: 'rateLimited', retryAfterSecs: 'abc' }).retryAfterSecs, undefined);
  setLanguage('zh-CN', []);
  assert.match(describeError({ kind: 'gateway' }).title, /代理或网关/);
  setLanguage('en', []);
});

test('normaliseError copes with anything a command rejects with', () => {
  assert.deepEqual(normaliseError({ kind: 'network', message: 'offline', code: null, requestId: undefined, httpStatus: null }),
    { kind: 'network', message: 'offline', code: null, requestId: null, httpStatus: null });
  assert.deepEqual(normaliseError('command query_room not found'),
    { kind: 'unknown', message: 'command query_room not found', code: null, requestId: null, httpStatus: null });
  assert.equal(normaliseError(new Error('boom')).message, 'boom');
  assert.equal(normaliseError({ kind: 'nope' }).kind, 'unknown');
  assert.equal(normaliseError({ kind: 'invalidSetting', field: 'pageSize', message: 'x' }).field, 'pageSize');
  assert.equal(normaliseError({ kind: 'server', requestid: 'r9', httpStatus: '500' }).requestId, 'r9');
  assert.equal(normaliseError({ kind: 'server', httpStatus: '500' }).httpStatus, 500);
  assert.equal(normaliseError(null).kind, 'unknown');
  assert.equal(normaliseError(undefined).kind, 'unknown');
});
