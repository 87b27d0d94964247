// Room-code parsing and validation. Pure: no DOM, no Tauri. The Rust side re-validates.
//
// The rule is Rust's (dingtalk::RoomCode), read from the generated contract: a room code is
// minDigits–maxDigits digits, and the separators listed there (every kind of space and dash,
// and the invisible characters a copy brings along) are ignored. People paste codes the way
// DingTalk shows them: "4272 0033 559", "427-200-331". The window also takes two things the
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

/** Groups digits for display: "427200331" → "427 200 331", 11 digits → "4272 0033 559". */
export function groupRoomCode(code) {
  const s = String(code ?? '');
  if (!/^[0-9]+$/.test(s)) return s;
  if (s.length === 11) return `${s.slice(0, 4)} ${s.slice(4, 8)} ${s.slice(8)}`;
  if (s.length % 3 === 0) return s.match(/.{3}/g).join(' ');
  if (s.length % 4 === 0) return s.match(/.{4}/g).join(' ');
  return s.replace(/(\d{3})(?=\d{3,})/g, '$1 ');
}
