// Room-code parsing and validation. Pure: no DOM, no Tauri. The Rust side re-validates.
//
// The rule is Rust's (dingtalk::RoomCode), read from the generated contract: a room code is
// minDigits–maxDigits digits, and the separators listed there (every kind of space and dash,
// and the invisible characters a copy brings along) are ignored. People paste codes the way
// DingTalk shows them: "427 200 33559", "427-200-331". The window also takes two things the
// CLI refuses, before that rule applies: full-width digits from a Chinese IME, and a whole join
// link ("https://meeting.dingtalk.com/app?roomCode=427200331&token=…"), whose code it takes out.

import { CONTRACT } from './contract.js';

export const MIN_DIGITS = CONTRACT.roomCode.minDigits;
export const MAX_DIGITS = CONTRACT.roomCode.maxDigits;

const cp = (n) => `\\u{${n.toString(16)}}`;
const SEPARATORS = new RegExp(`[${CONTRACT.roomCode.separators
  .map(([from, to]) => (from === to ? cp(from) : `${cp(from)}-${cp(to)}`)).join('')}]`, 'gu');
const FULLWIDTH_DIGIT = /[\uff10-\uff19]/g;
const LINK_CODE = /[?&#]roomCode=([0-9\s%-]+)/i;

/** Converts full-width digits (０-９) to ASCII digits. */
function asciiDigits(s) {
  return s.replace(FULLWIDTH_DIGIT, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
}

/**
 * Returns the candidate code: separators removed, full-width digits converted,
 * a roomCode= parameter taken out of a pasted link. Does not validate.
 */
export function normaliseRoomCode(raw) {
  let s = asciiDigits(String(raw ?? '')).trim();
  const m = LINK_CODE.exec(s);
  if (m) {
    let part = m[1];
    try { part = decodeURIComponent(part); } catch { /* keep as is */ }
    s = part;
  }
  return s.replace(SEPARATORS, '');
}

/**
 * Validates a typed or pasted room code.
 * @returns {{ok: boolean, code: string, reason: null|'empty'|'chars'|'short'|'long'}}
 *   reason 'chars': something other than digits, spaces and dashes.
 */
export function validateRoomCode(raw) {
  const code = normaliseRoomCode(raw);
  if (code === '') return { ok: false, code, reason: 'empty' };
  if (!/^[0-9]+$/.test(code)) return { ok: false, code, reason: 'chars' };
  if (code.length < MIN_DIGITS) return { ok: false, code, reason: 'short' };
  if (code.length > MAX_DIGITS) return { ok: false, code, reason: 'long' };
  return { ok: true, code, reason: null };
}

/**
 * The problem to show while the person is still typing: only problems that more
 * typing cannot fix ('chars', 'long'). 'short' and 'empty' wait for Enter.
 */
export function liveProblem(raw) {
  const v = validateRoomCode(raw);
  return v.reason === 'chars' || v.reason === 'long' ? v.reason : null;
}

/** Groups digits for reading: "427200331" → "427 200 331", 11 digits → "427 200 33559". */
export function groupRoomCode(code) {
  const s = String(code ?? '');
  if (!/^[0-9]+$/.test(s)) return s;
  // Rust's rule (dingtalk::room_code_cuts), per length; a length it does not list stays whole.
  const cuts = CONTRACT.roomCode.groupCuts[String(s.length)] ?? [];
  const parts = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(s.slice(from, cut));
    from = cut;
  }
  parts.push(s.slice(from));
  return parts.join(' ');
}
