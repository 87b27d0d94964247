import test from 'node:test';
import assert from 'node:assert/strict';
import { CONTRACT } from './contract.js';
import { t } from './i18n.js';

// ui/contract.js is written by `cargo test -p meetdesk-core contract` from the Rust facts; these
// check that the window can show each of them.

test('every meeting status, type, caveat and error kind Rust can send has words in both languages', () => {
  const keys = [
    ...CONTRACT.meetingStatuses.map((s) => `status.${s}`),
    ...CONTRACT.meetingTypes.map(({ key }) => `type.${key}`),
    `type.${CONTRACT.unknownMeetingType}`,
    ...CONTRACT.caveats.map((c) => `caveat.${c}`),
    ...CONTRACT.errorKinds.flatMap((k) => [`error.${k}.title`, `error.${k}.next`]),
  ];
  for (const lang of ['en', 'zh-CN']) {
    for (const key of keys) {
      const words = t(key, {}, lang);
      assert.ok(words && words !== key, `${lang}: no words for ${key}`);
    }
  }
});

test('the contract is frozen all the way down and has the shape the modules read', () => {
  const frozen = (v, path) => {
    if (v === null || typeof v !== 'object') return;
    assert.ok(Object.isFrozen(v), `${path} is not frozen`);
    for (const [k, child] of Object.entries(v)) frozen(child, `${path}.${k}`);
  };
  frozen(CONTRACT, 'CONTRACT');
  const { limits, roomCode } = CONTRACT;
  for (const l of [limits.pageSize, limits.timeoutSecs]) {
    assert.ok(Number.isInteger(l.min) && l.min <= l.default && l.default <= l.max, JSON.stringify(l));
  }
  assert.ok(roomCode.minDigits > 0 && roomCode.minDigits <= roomCode.maxDigits);
  for (const [from, to] of roomCode.separators) assert.ok(Number.isInteger(from) && from <= to);
  assert.ok(Object.hasOwn(CONTRACT.hosts, CONTRACT.settingsDefaults.host));
  assert.ok(CONTRACT.credentialModes.includes(CONTRACT.settingsDefaults.credentialMode));
});
