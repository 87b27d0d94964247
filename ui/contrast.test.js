// WCAG 2.2 AA contrast of the theme tokens in styles.css, light and dark:
// 4.5:1 for text, 3:1 for UI component boundaries and focus indicators.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const css = readFileSync(fileURLToPath(new URL('./styles.css', import.meta.url)), 'utf8');

function tokens(selectorPattern) {
  const m = css.match(new RegExp(`${selectorPattern}\\s*\\{([^}]*)\\}`));
  assert.ok(m, `theme block ${selectorPattern} not found`);
  const out = {};
  for (const [, name, value] of m[1].matchAll(/--([\w-]+):\s*([^;]+);/g)) out[name] = value.trim();
  return out;
}

const THEMES = {
  light: tokens(':root\\[data-theme="light"\\]'),
  dark: tokens(':root\\[data-theme="dark"\\]'),
};

function luminance(hex) {
  assert.match(hex, /^#[0-9a-f]{6}$/i, `${hex} must be #rrggbb`);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

const TEXT = [
  ['text', ['bg', 'surface', 'surface-2', 'row-active', 'row-hover', 'danger-bg', 'accent-soft']],
  ['muted', ['bg', 'surface', 'surface-2', 'row-active', 'row-hover']],
  ['on-accent', ['accent', 'accent-hover']],
  ['live-text', ['live-bg']],
  ['ended-text', ['ended-bg']],
  ['planned-text', ['planned-bg']],
  ['unknown-text', ['unknown-bg']],
  ['danger-text', ['danger-bg', 'surface', 'bg', 'row-active', 'row-hover', 'surface-2']],
  ['success-text', ['success-bg', 'surface']],
  ['warning-text', ['warning-bg']],
  ['demo-text', ['demo-bg']],
  ['toast-text', ['toast-bg']],
  ['toast-accent', ['toast-bg']],
  ['surface', ['danger-text', 'success-text']],
];
const UI = [
  ['control-border', ['surface', 'bg']],
  ['focus', ['bg', 'surface', 'surface-2', 'row-active', 'row-hover']],
  ['accent', ['surface', 'row-active']],
  ['danger-border', ['surface']],
  ['demo-border', ['surface']],
];

for (const [name, t] of Object.entries(THEMES)) {
  test(`${name} theme: text contrast ≥ 4.5:1`, () => {
    const fails = [];
    for (const [fg, bgs] of TEXT) for (const bg of bgs) {
      const r = contrast(t[fg], t[bg]);
      if (r < 4.5) fails.push(`${fg} on ${bg}: ${r.toFixed(2)}`);
    }
    assert.deepEqual(fails, []);
  });
  test(`${name} theme: UI component and focus contrast ≥ 3:1`, () => {
    const fails = [];
    for (const [fg, bgs] of UI) for (const bg of bgs) {
      const r = contrast(t[fg], t[bg]);
      if (r < 3) fails.push(`${fg} on ${bg}: ${r.toFixed(2)}`);
    }
    assert.deepEqual(fails, []);
  });
}

test('both themes define the same tokens', () => {
  assert.deepEqual(Object.keys(THEMES.dark).sort(), Object.keys(THEMES.light).sort());
});
