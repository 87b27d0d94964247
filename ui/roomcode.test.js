import test from 'node:test';
import assert from 'node:assert/strict';
import { groupRoomCode, liveProblem, normaliseRoomCode, validateRoomCode } from './roomcode.js';

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
  assert.equal(groupRoomCode('42720033559'), '4272 0033 559');
  assert.equal(groupRoomCode('427200331'), '427 200 331');
  assert.equal(groupRoomCode('12345678'), '1234 5678');
  assert.equal(groupRoomCode('1234567'), '123 4567');
  assert.equal(groupRoomCode('abc'), 'abc');
  assert.equal(groupRoomCode(undefined), '');
});
