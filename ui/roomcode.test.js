import test from 'node:test';
import assert from 'node:assert/strict';
import { CONTRACT } from './contract.js';
import { MAX_DIGITS, MIN_DIGITS, groupRoomCode, liveProblem, normaliseRoomCode, validateRoomCode } from './roomcode.js';

test('normalises pasted codes with spaces and dashes', () => {
  assert.equal(normaliseRoomCode('4272 0033 559'), '42720033559');
  assert.equal(normaliseRoomCode('427-200-331'), '427200331');
  assert.equal(normaliseRoomCode('  427 200–331 '), '427200331'); // en dash
  assert.equal(normaliseRoomCode('427\u00a0200\u3000331'), '427200331'); // NBSP, ideographic space
  assert.equal(normaliseRoomCode('４２７２００３３１'), '427200331'); // full-width digits
});

test('takes the room code out of a pasted join link', () => {
  assert.equal(normaliseRoomCode('https://meeting.dingtalk.com/app?roomCode=427200331&token=abc'), '427200331');
  assert.equal(normaliseRoomCode('https://meeting.dingtalk.io/app?x=1&roomcode=4272%200033%20559'), '42720033559');
});

test('validates 6 to 12 digits', () => {
  assert.deepEqual(validateRoomCode('427 200 331'), { ok: true, code: '427200331', reason: null });
  assert.equal(validateRoomCode('123456').ok, true);
  assert.equal(validateRoomCode('123456789012').ok, true);
  assert.equal(validateRoomCode('12345').reason, 'short');
  assert.equal(validateRoomCode('1234567890123').reason, 'long');
  assert.equal(validateRoomCode('').reason, 'empty');
  assert.equal(validateRoomCode('   ').reason, 'empty');
  assert.equal(validateRoomCode('42a200331').reason, 'chars');
  assert.equal(validateRoomCode('<img src=x onerror=alert(1)>').reason, 'chars');
  assert.equal(validateRoomCode('427.200.331').reason, 'chars');
  assert.equal(validateRoomCode('+86 427200331').reason, 'chars');
});

test('while typing, only problems that more typing cannot fix are shown', () => {
  assert.equal(liveProblem('427'), null);
  assert.equal(liveProblem(''), null);
  assert.equal(liveProblem('427x'), 'chars');
  assert.equal(liveProblem('1234567890123'), 'long');
  assert.equal(liveProblem('427 200 331'), null);
});

test('groups digits for display', () => {
  assert.equal(groupRoomCode('42720033559'), '427 200 33559');
  assert.equal(groupRoomCode('427200331'), '427 200 331');
  assert.equal(groupRoomCode('12345678'), '123 45678');
  assert.equal(groupRoomCode('1234567'), '123 4567');
  assert.equal(groupRoomCode('1234567890123'), '1234567890123');
  assert.equal(groupRoomCode('abc'), 'abc');
  assert.equal(groupRoomCode(undefined), '');
});

test('the digit bounds are the contract\'s: min and max accepted, one less or more refused', () => {
  const { minDigits, maxDigits } = CONTRACT.roomCode;
  assert.equal(MIN_DIGITS, minDigits);
  assert.equal(MAX_DIGITS, maxDigits);
  assert.equal(validateRoomCode('4'.repeat(minDigits)).ok, true);
  assert.equal(validateRoomCode('4'.repeat(maxDigits)).ok, true);
  assert.equal(validateRoomCode('4'.repeat(minDigits - 1)).reason, 'short');
  assert.equal(validateRoomCode('4'.repeat(maxDigits + 1)).reason, 'long');
});

test('every separator the contract lists is ignored, the characters beside them are not', () => {
  const listed = (c) => CONTRACT.roomCode.separators.some(([from, to]) => c >= from && c <= to);
  for (const [from, to] of CONTRACT.roomCode.separators) {
    for (const c of [from, to]) {
      assert.deepEqual(validateRoomCode(`427${String.fromCodePoint(c)}200331`),
        { ok: true, code: '427200331', reason: null }, `U+${c.toString(16)}`);
    }
    for (const c of [from - 1, to + 1]) {
      if (listed(c) || (c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19)) continue;
      assert.equal(validateRoomCode(`427${String.fromCodePoint(c)}200331`).reason, 'chars', `U+${c.toString(16)}`);
    }
  }
  // What Rust also ignores and the window used to refuse: word joiner, zero-width joiner, next line.
  assert.equal(validateRoomCode('427\u2060200\u200d331\u0085').code, '427200331');
  assert.equal(validateRoomCode('427\u2016200331').reason, 'chars'); // double vertical line, not a dash
});
