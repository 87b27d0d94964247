// Static checks of the ui/ sources: CSP-safe markup, no HTML injection sinks, only api.js
// touches Tauri, the commands match the back-end contract, the WebDriver ids exist.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here);
const sources = files.filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
const read = (f) => readFileSync(join(here, f), 'utf8');
const html = read('index.html');

test('ui/ holds only plain web files (no packages, no bundler)', () => {
  for (const f of files) {
    // locales/: the message catalogs, plain JSON that Rust embeds too (nothing else in there).
    if (f === 'locales') continue;
    assert.match(f, /\.(js|html|css)$/, `unexpected file ${f}`);
  }
  assert.deepEqual(readdirSync(join(here, 'locales')).sort(), ['en.json', 'zh-CN.json']);
  assert.ok(!files.includes('package.json'));
  assert.ok(!files.includes('node_modules'));
});

test('index.html: one module script, no inline script, style or handlers, no remote resources', () => {
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], /type="module"/);
  assert.match(scripts[0][1], /src="main\.js"/);
  assert.equal(scripts[0][2].trim(), '');
  assert.doesNotMatch(html, /<style\b/i);
  assert.doesNotMatch(html, /\sstyle\s*=/i);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
  assert.doesNotMatch(html, /(src|href)\s*=\s*"(https?:)?\/\//i);
});

test('no HTML-string sinks, eval or inline styles in the scripts', () => {
  const bad = /\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\(|setAttribute\(\s*['"]style['"]|setAttribute\(\s*['"]on|setTimeout\(\s*['"`]|setInterval\(\s*['"`]/;
  for (const f of sources) {
    const src = read(f).split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
    assert.doesNotMatch(src, bad, f);
  }
});

test('no remote resources in the stylesheet', () => {
  const css = read('styles.css');
  assert.doesNotMatch(css, /@import|url\(\s*['"]?(https?:)?\/\//i);
});

test('only api.js touches window.__TAURI__', () => {
  for (const f of sources) {
    if (f === 'api.js') continue;
    assert.doesNotMatch(read(f), /__TAURI__|\binvoke\s*\(/, f);
  }
});

test('api.js calls exactly the contract commands, with camelCase arguments', () => {
  const src = read('api.js');
  const used = [...src.matchAll(/call\('([a-z_]+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(used, [
    'app_ready', 'cancel_request', 'clear_cache', 'clear_recent', 'export_meetings', 'get_settings', 'get_status',
    'meeting_invitation', 'open_log_folder', 'open_meeting', 'query_cancel', 'query_filter', 'query_load_all',
    'query_load_more', 'query_retry', 'query_search', 'query_watch', 'remove_recent', 'rename_watched', 'reveal_path',
    'save_settings', 'start_demo', 'stop_demo', 'test_connection', 'unwatch_room', 'watch_room', 'watched_watch',
    'watcher_status',
  ]);
  for (const m of src.matchAll(/call\('[a-z_]+',\s*\{([^}]*)\}/g)) {
    for (const arg of m[1].split(',').map((s) => s.split(':')[0].trim()).filter(Boolean)) {
      assert.match(arg, /^[a-z][A-Za-z]*$/, `argument ${arg} must be camelCase`);
    }
  }
});

test('the WebDriver ids exist in index.html or are created by the scripts', () => {
  const all = html + sources.map(read).join('\n');
  for (const id of ['room-input', 'search-btn', 'load-more', 'load-all', 'cancel-load', 'export-btn', 'settings-btn',
    'demo-btn', 'demo-marker', 'count-label', 'timeline', 'error-panel', 'status-live', 'settings-dialog',
    'confirm-dialog', 'toast', 'first-run']) {
    assert.match(html, new RegExp(`id="${id}"`), id);
  }
  assert.match(all, /id: 'retry-btn'/);
  assert.match(html, /id="status-live"[^>]*aria-live="polite"/);
  assert.match(html, /<dialog id="settings-dialog"/);
  assert.match(html, /<dialog id="confirm-dialog"/);
  for (const cls of ['meeting-row', 'badge', 'join-btn', 'day-header']) assert.match(read('timeline.js'), new RegExp(`'${cls}`), cls);
});

test('ES modules import only relative ui/ modules', () => {
  for (const f of sources) {
    for (const m of read(f).matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)) {
      // The catalogs are JSON modules (`with { type: 'json' }`): data, never code.
      if (/^\.\/locales\/[\w-]+\.json$/.test(m[1])) {
        const line = read(f).split('\n').find((l) => l.includes(`'${m[1]}'`)) || '';
        assert.match(line, /with \{ type: 'json' \}/, `${f} imports ${m[1]} without type json`);
        assert.ok(readdirSync(join(here, 'locales')).includes(m[1].slice('./locales/'.length)), `${f} imports missing ${m[1]}`);
        continue;
      }
      assert.match(m[1], /^\.\/[\w-]+\.js$/, `${f} imports ${m[1]}`);
      assert.ok(files.includes(m[1].slice(2)), `${f} imports missing ${m[1]}`);
    }
  }
});
