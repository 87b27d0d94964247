//! Speed of the real window (issue 4): the real `meetdesk` binary in its WebKitGTK web view under
//! Xvfb, driven over WebDriver by the end-to-end harness, against a DingTalk simulator.
//!
//! One `#[ignore]`d test, so `cargo test` never runs it:
//!
//! ```text
//! cargo test -p meetdesk --test window_bench -- --ignored --nocapture      # `make bench-window`
//! MEETDESK_BENCH_BIN=/path/to/release/meetdesk cargo test ...               # another binary
//! MEETDESK_BENCH_RUNS=9 cargo test ...                                      # runs per figure (5)
//! MEETDESK_BENCH_PARTS=nodmabuf,memory-nodmabuf cargo test ...              # what to run
//! MEETDESK_BENCH_PARTS=cached cargo test ...                                # issue 12: cached paint
//! MEETDESK_BENCH_SETTLE=20 cargo test ...                                   # s before memory
//! ```
//!
//! Each part runs with one of three WebKit renderer settings ([`Drawing`]): WebKit's default
//! (what the app uses with a GPU), `WEBKIT_DISABLE_DMABUF_RENDERER=1` (what the app sets for
//! itself without a GPU: as shipped on a machine like the development one) and
//! `WEBKIT_DISABLE_COMPOSITING_MODE=1` (WebKit paints on the CPU). Without a GPU, WebKit's default
//! composites through Mesa's software OpenGL (llvmpipe), which dominates every frame.
//!
//! It prints medians (with min and max) and asserts functional facts only (every meeting loaded,
//! the list stays windowed, the jumps reach the bottom): no timing is asserted, machines are
//! noisy. The method and the figures are in docs/performance-window.md.
//!
//! How time is taken, in the page (`PROBE` below):
//! - a `requestAnimationFrame` loop records every frame: its rAF timestamp, when its callbacks
//!   started, and when the frame's rendering update on the main thread (callbacks, style, layout,
//!   painting or recording the layers) was over: a `MessageChannel` message posted from the
//!   frame's first rAF callback runs as the next task after that update. Compositing threads
//!   are not in it; they show in the interval to the next frame;
//! - the app's own `performance.mark('meetdesk:rendered')` and `window.__meetdeskPerf.lastRenderMs`
//!   give when the command's result was received (`mark − lastRenderMs`) and the frame the app
//!   rendered into; "painted" is the end of that frame's update;
//! - a `MutationObserver` on the list: its callback is a microtask queued by the app's first
//!   change of the list, so it runs when the app's synchronous handling of the result is over
//!   ("script"). (`window.__TAURI__.core` is frozen, so `invoke` cannot be wrapped instead.)

#[path = "e2e/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dingtalk_sim::{
    Fault, FaultRule, SimConfig, SimHandle, DEMO_ROOM, LARGE_ROOM_10K, LARGE_ROOM_5K,
};
use harness::{numbers, within, App, Launch, SHORT};
use serde_json::{json, Value};

/// The whole benchmark (one app start per rendering part, three per memory part: about 10 minutes
/// with the default parts and runs).
const LIMIT: Duration = Duration::from_secs(3600);
/// Long enough for 10,000 meetings at 100 per page and 15 requests per second (~7 s), on a busy
/// machine.
const LOAD_ALL: Duration = Duration::from_secs(120);
const PAGE_SIZE_100: &str = r#"{"settings":{"pageSize":100}}"#;

/// The page-side probe: the frame loop, the end of the app's script, and a render's figures.
const PROBE: &str = r#"
if (window.__bench) return window.__bench.info;
const b = { frames: [], running: false, longtasks: [] };
const open = new Map(); // message id → the frame (or the script end) it closes
let nextId = 0;
const ch = new MessageChannel();
ch.port1.onmessage = (e) => {
  const rec = open.get(e.data);
  open.delete(e.data);
  if (rec && rec.fn) rec.fn();
  else if (rec) rec.end = performance.now();
};
const loop = (ts) => {
  if (!b.running) return;
  const f = { ts, start: performance.now(), end: null };
  b.frames.push(f);
  const id = nextId++;
  open.set(id, f);
  ch.port2.postMessage(id);
  requestAnimationFrame(loop);
};
b.start = () => { b.frames = []; b.longtasks = []; if (!b.running) { b.running = true; requestAnimationFrame(loop); } };
b.stop = () => { b.running = false; };
const types = (typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes) || [];
if (types.includes('longtask')) {
  new PerformanceObserver((list) => { for (const e of list.getEntries()) b.longtasks.push(e.duration); }).observe({ type: 'longtask' });
}
// When the app changes the list: a MutationObserver callback is a microtask queued by the app's
// first change, so it runs once the app's synchronous handling of the result is over.
b.taskEnds = [];
new MutationObserver(() => {
  b.taskEnds.push(performance.now());
  if (b.taskEnds.length > 500) b.taskEnds.splice(0, 250);
}).observe(document.getElementById('timeline'), { childList: true, subtree: true });
// Runs fn after the next frame's rendering update: a message posted from a rAF callback on the
// same port as the frame loop's, so it comes after the loop's own (messages on one port keep
// their order).
b.afterFrame = (fn) => requestAnimationFrame(() => { const id = nextId++; open.set(id, { fn }); ch.port2.postMessage(id); });
b.marks = () => performance.getEntriesByName('meetdesk:rendered').length;
// The newest render after `after` marks, once its frame has been painted; null until then.
b.render = (after) => {
  const ms = performance.getEntriesByName('meetdesk:rendered');
  const p = window.__meetdeskPerf;
  if (ms.length <= after || !p) return null;
  const m = ms[ms.length - 1];
  const f = b.frames.find((f) => f.start <= m.startTime && f.end !== null && f.end >= m.startTime);
  if (!f) return null;
  const received = m.startTime - p.lastRenderMs;
  const scriptEnd = b.taskEnds.find((t) => t >= received - 0.5 && t <= m.startTime + 0.5);
  return {
    appMs: p.lastRenderMs,
    paintedMs: f.end - received,
    frameMs: f.end - f.start,
    scriptMs: scriptEnd !== undefined ? Math.max(0, scriptEnd - received) : null,
    meetings: p.meetings, rows: p.rows, domRows: p.domRows,
    dom: document.querySelectorAll('#timeline .timeline-spacer > .meeting-row, #timeline .timeline-spacer > .day-header').length,
    clickToPaintedMs: b.clickAt !== undefined ? f.end - b.clickAt : null,
  };
};
b.info = { longtask: types.includes('longtask'), entryTypes: types, userAgent: navigator.userAgent,
           viewport: [innerWidth, innerHeight], dpr: devicePixelRatio };
window.__bench = b;
return b.info;
"#;

/// Scrolls the timeline in steps (one step per frame, set between frames as a wheel event would
/// be), recording each step's frame. Started by one script, read back by polling (a pass can take
/// longer than WebDriver's script timeout).
const SCROLL: &str = r#"
const [mode, maxSteps] = arguments;
const b = window.__bench;
const el = document.getElementById('timeline');
const spacer = el.querySelector('.timeline-spacer');
window.__scroll = null;
el.scrollTop = 0;
const res = { mode, steps: [], slow: [], intervals: [], longtasks: [], maxDom: 0, blank: 0, endTop: 0, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight };
const afterFrame = b.afterFrame;
const maxTop = () => el.scrollHeight - el.clientHeight;
let i = 0;
function step() {
  const stop = mode === 'jump' ? i >= maxSteps : (el.scrollTop >= maxTop() - 1 || i >= maxSteps);
  if (stop) return finish();
  const before = el.scrollTop;
  const target = mode === 'page' ? before + el.clientHeight
    : mode === 'small' ? before + 100
    : Math.round((i + 1) / maxSteps * maxTop());
  const t0 = performance.now();
  el.scrollTop = target;
  const t1 = performance.now();
  afterFrame(() => {
    const t2 = performance.now();
    // The frame this step was drawn in: the first whose callbacks ran after the scroll was set.
    const f = b.frames.find((f) => f.start >= t1 && f.end !== null);
    // Something drawn in the middle of the list's viewport (a row or a day header), not the
    // empty spacer.
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + 40, r.top + r.height / 2);
    const ok = !!(hit && hit.closest && hit.closest('.meeting-row, .day-header'));
    if (!ok) res.blank++;
    const dom = spacer.querySelectorAll('.meeting-row, .day-header').length;
    if (dom > res.maxDom) res.maxDom = dom;
    res.steps.push({ setMs: t1 - t0, frameMs: f ? f.end - f.start : null, latencyMs: t2 - t0 });
    if (f && f.end - f.start > 50) res.slow.push([i, Math.round(target), Math.round(f.end - f.start)]);
    i++;
    step();
  });
}
function finish() {
  res.endTop = el.scrollTop;
  b.stop();
  const fr = b.frames.filter((f) => f.end !== null);
  for (let k = 1; k < fr.length; k++) res.intervals.push(fr[k].ts - fr[k - 1].ts);
  res.longtasks = b.longtasks.slice();
  window.__scroll = res;
}
requestAnimationFrame(() => requestAnimationFrame(() => { b.start(); requestAnimationFrame(() => setTimeout(step, 0)); }));
return true;
"#;

fn runs() -> usize {
    std::env::var("MEETDESK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5)
}

/// Which parts to run: `MEETDESK_BENCH_PARTS`, a comma-separated subset of
/// `default,nodmabuf,nocomp,memory-default,memory-nodmabuf,memory-nocomp` ([`Drawing`]); by
/// default all but `memory-default`.
fn parts() -> Vec<&'static str> {
    let want = std::env::var("MEETDESK_BENCH_PARTS").unwrap_or_default();
    let all = [
        "default",
        "nodmabuf",
        "nocomp",
        "memory-default",
        "memory-nodmabuf",
        "memory-nocomp",
        "cached",
    ];
    if want.trim().is_empty() {
        return all.into_iter().filter(|p| *p != "memory-default").collect();
    }
    all.into_iter()
        .filter(|p| want.split(',').any(|w| w.trim() == *p))
        .collect()
}

/// The binary to measure: `MEETDESK_BENCH_BIN`, else this build's debug `meetdesk`.
fn bench_binary() -> PathBuf {
    std::env::var_os("MEETDESK_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_meetdesk")))
}

fn launch(l: Launch) -> Launch {
    l.binary(bench_binary())
}

// ---- figures ------------------------------------------------------------------------------

#[derive(Default)]
struct Figures {
    /// name → (unit, values), printed in insertion order.
    order: Vec<String>,
    values: BTreeMap<String, (String, Vec<f64>)>,
}

impl Figures {
    fn add(&mut self, name: &str, unit: &str, v: f64) {
        if !self.values.contains_key(name) {
            self.order.push(name.to_string());
        }
        self.values
            .entry(name.to_string())
            .or_insert_with(|| (unit.to_string(), Vec::new()))
            .1
            .push(v);
    }

    fn add_opt(&mut self, name: &str, unit: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.add(name, unit, v);
        }
    }

    fn print(&self, title: &str) {
        println!("\n## {title}\n");
        println!(
            "{:<58} {:>10} {:>10} {:>10} {:>4}  unit",
            "figure", "median", "min", "max", "n"
        );
        for name in &self.order {
            let (unit, v) = &self.values[name];
            let (med, min, max) = (median(v), min(v), max(v));
            println!(
                "{name:<58} {med:>10.1} {min:>10.1} {max:>10.1} {:>4}  {unit}",
                v.len()
            );
        }
    }
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s
}

fn median(v: &[f64]) -> f64 {
    let s = sorted(v);
    if s.is_empty() {
        return f64::NAN;
    }
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Nearest-rank percentile.
fn percentile(v: &[f64], p: f64) -> f64 {
    let s = sorted(v);
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

fn min(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn nums(v: &Value, key: &str) -> Vec<f64> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

// ---- page helpers -----------------------------------------------------------------------------

/// Polls `script` every `every` until it returns something truthy (fewer polls than
/// `App::wait`: each one is a script run on the page's main thread, in the middle of what is
/// being measured).
async fn poll(app: &App, what: &str, script: &str, timeout: Duration, every: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let v = app.js(script).await;
        let truthy = !matches!(v, Value::Null | Value::Bool(false));
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "timed out after {timeout:?} waiting for {what}; last value {v}"
            ))
            .await;
        }
        tokio::time::sleep(every).await;
    }
}

async fn install_probe(app: &App) -> Value {
    app.js(PROBE).await
}

async fn marks(app: &App) -> u64 {
    app.js("return window.__bench.marks()")
        .await
        .as_u64()
        .unwrap()
}

/// Waits for the render after `after` marks that shows `meetings` meetings, and returns it.
async fn rendered(app: &App, after: u64, meetings: u64, timeout: Duration) -> Value {
    poll(
        app,
        &format!("a painted render of {meetings} meetings"),
        &format!("var r = window.__bench.render({after}); return (r && r.meetings === {meetings} && !window.__meetdesk.state.busy) ? r : null"),
        timeout,
        Duration::from_millis(150),
    )
    .await
}

/// Types the code and presses Enter; returns the painted render of its first page.
async fn search(app: &App, code: &str, first_page: u64) -> Value {
    app.js("window.__bench.start()").await;
    let before = marks(app).await;
    app.search(code).await;
    rendered(app, before, first_page, SHORT).await
}

/// Clicks "Load all" (from script, with the click's time) and returns the painted render of all
/// `total` meetings.
async fn load_all(app: &App, total: u64) -> Value {
    let before = marks(app).await;
    app.find("#load-all").await;
    app.js("window.__bench.start(); window.__bench.clickAt = performance.now(); document.getElementById('load-all').click();")
        .await;
    let r = rendered(app, before, total, LOAD_ALL).await;
    app.js("delete window.__bench.clickAt").await;
    let count = app.idle_count(SHORT).await;
    assert_eq!(
        numbers(&count),
        vec![total],
        "the count after Load all: {count}"
    );
    r
}

/// The time to receive the current query's snapshot, every loaded meeting in it, over IPC
/// (`query_watch` sends it at once: Rust serialises, the web view receives and parses), and the
/// payload size. The bench's channel replaces the app's, so it hands every snapshot on to the
/// app (`window.__meetdesk.receive`).
async fn ipc_reread(app: &App) -> (f64, f64) {
    let v = app
        .client()
        .execute_async(
            "var done = arguments[arguments.length - 1]; var first = true; var t0; \
             var ch = new window.__TAURI__.core.Channel(); \
             ch.onmessage = function (s) { \
               if (first) { first = false; var t1 = performance.now(); done([t1 - t0, JSON.stringify(s).length, s.rows.length]); } \
               window.__meetdesk.receive(s); \
             }; \
             t0 = performance.now(); \
             window.__TAURI__.core.invoke('query_watch', { onSnapshot: ch }).catch(function (e) { done([-1, 0, String(e && e.message || e)]); });",
            vec![],
        )
        .await
        .expect("query_watch");
    let a = v.as_array().unwrap();
    assert!(a[0].as_f64().unwrap() >= 0.0, "query_watch failed: {v}");
    (a[0].as_f64().unwrap(), a[1].as_f64().unwrap())
}

/// One scroll pass; returns the page's result.
async fn scroll_pass(app: &App, mode: &str, max_steps: u64) -> Value {
    app.js_with(SCROLL, vec![json!(mode), json!(max_steps)])
        .await;
    poll(
        app,
        &format!("the {mode} scroll pass"),
        "return window.__scroll",
        Duration::from_secs(300),
        Duration::from_millis(1000),
    )
    .await
}

fn record_render(f: &mut Figures, prefix: &str, r: &Value) {
    f.add_opt(
        &format!("{prefix}: result → painted"),
        "ms",
        num(r, "paintedMs"),
    );
    f.add_opt(
        &format!("{prefix}: result → next frame (app's lastRenderMs)"),
        "ms",
        num(r, "appMs"),
    );
    f.add_opt(
        &format!("{prefix}: synchronous script after the result"),
        "ms",
        num(r, "scriptMs"),
    );
    f.add_opt(
        &format!("{prefix}: the painted frame's update"),
        "ms",
        num(r, "frameMs"),
    );
    f.add_opt(&format!("{prefix}: rows in the DOM"), "rows", num(r, "dom"));
}

// ---- memory -------------------------------------------------------------------------------------

/// (RSS, PSS) in KiB of one process, from /proc/PID/smaps_rollup.
fn rss_pss(pid: i32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("Rss:")?, field("Pss:")?))
}

/// The app's processes' memory: total (RSS, PSS) in MiB and a per-process line.
fn memory(app: &App) -> (f64, f64, String) {
    let mut rss = 0u64;
    let mut pss = 0u64;
    let mut parts = Vec::new();
    for (pid, comm) in app.processes() {
        if let Some((r, p)) = rss_pss(pid) {
            rss += r;
            pss += p;
            parts.push(format!(
                "{comm} {:.1}/{:.1}",
                r as f64 / 1024.0,
                p as f64 / 1024.0
            ));
        }
    }
    (rss as f64 / 1024.0, pss as f64 / 1024.0, parts.join(", "))
}

/// Lets the app settle, then the median of three samples a second apart.
async fn settled_memory(app: &App, settle: Duration) -> (f64, f64, String) {
    tokio::time::sleep(settle).await;
    let mut samples = Vec::new();
    for i in 0..3 {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples.push(memory(app));
    }
    let pss: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let m = median(&pss);
    samples.into_iter().find(|s| s.1 == m).unwrap()
}

// ---- the benchmark --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark of the real window: cargo test -p meetdesk --test window_bench -- --ignored --nocapture"]
async fn window_speed_and_memory() {
    within(LIMIT, async {
        let bin = bench_binary();
        let n = runs();
        println!("\n# MeetDesk window benchmark\n");
        println!("binary: {}", bin.display());
        if let (Ok(b), Some(ui)) = (std::fs::metadata(&bin).and_then(|m| m.modified()), newest_ui_change()) {
            if ui > b {
                println!("note: ui/ changed after this binary was built; the UI is embedded at build time, so it runs the older UI");
            }
        }
        println!("runs per figure: {n} (MEETDESK_BENCH_RUNS)");
        println!("load average at start: {} ({} CPUs)", load_average(), std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
        let t0 = Instant::now();
        let parts = parts();
        println!("parts: {} (MEETDESK_BENCH_PARTS)", parts.join(","));
        let webkit_env: Vec<String> = std::env::vars().map(|(k, _)| k).filter(|k| k.starts_with("WEBKIT_")).collect();
        if !webkit_env.is_empty() {
            println!("note: the app inherits {webkit_env:?} from this environment");
        }
        for drawing in [Drawing::Default, Drawing::NoDmabuf, Drawing::NoCompositing] {
            if parts.contains(&drawing.part()) {
                render_and_scroll(n, drawing).await;
            }
        }
        if parts.contains(&"cached") {
            cached_paint(n).await;
        }
        for drawing in [Drawing::Default, Drawing::NoDmabuf, Drawing::NoCompositing] {
            if parts.contains(&format!("memory-{}", drawing.part()).as_str()) {
                memory_runs(n.min(3), drawing).await;
            }
        }
        println!("\nbenchmark took {:.0} s; load average at the end: {}", t0.elapsed().as_secs_f64(), load_average());
    })
    .await;
}

/// The 1, 5 and 15 minute load averages (other work on the machine makes figures noisy).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn newest_ui_change() -> Option<std::time::SystemTime> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui");
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// How WebKit draws the page. Under WebDriver the app never changes WebKit's renderer itself
/// (`src-tauri/src/main.rs` leaves it alone when `TAURI_WEBVIEW_AUTOMATION` is set), so each
/// variant is set here, in the app's environment.
#[derive(Clone, Copy, PartialEq)]
enum Drawing {
    /// WebKitGTK's default: the DMA-BUF renderer and accelerated compositing (OpenGL). What the
    /// app uses on a machine with a GPU; without one, OpenGL is Mesa's llvmpipe, on the CPU.
    Default,
    /// `WEBKIT_DISABLE_DMABUF_RENDERER=1`: what the app sets for itself on a machine without a
    /// GPU render node, i.e. MeetDesk as shipped on such a machine. Without a GPU, WebKit then
    /// paints on the CPU (no llvmpipe threads run).
    NoDmabuf,
    /// `WEBKIT_DISABLE_COMPOSITING_MODE=1`: no accelerated compositing, WebKit paints on the CPU.
    NoCompositing,
}

impl Drawing {
    fn label(self) -> &'static str {
        match self {
            Drawing::Default => "WebKit default: DMA-BUF renderer, accelerated compositing",
            Drawing::NoDmabuf => "WEBKIT_DISABLE_DMABUF_RENDERER=1 (as shipped without a GPU)",
            Drawing::NoCompositing => "WEBKIT_DISABLE_COMPOSITING_MODE=1",
        }
    }

    /// Its name in `MEETDESK_BENCH_PARTS`.
    fn part(self) -> &'static str {
        match self {
            Drawing::Default => "default",
            Drawing::NoDmabuf => "nodmabuf",
            Drawing::NoCompositing => "nocomp",
        }
    }

    fn launch(self, l: Launch) -> Launch {
        match self {
            Drawing::Default => l,
            Drawing::NoDmabuf => l.env("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
            Drawing::NoCompositing => l.env("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        }
    }
}

async fn render_and_scroll(n: usize, drawing: Drawing) {
    let sim = SimHandle::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let l = drawing.launch(Launch::with_sim(&sim).data_file("settings.json", PAGE_SIZE_100));
    let app = App::start(&format!("bench_render_{}", drawing.part()), launch(l)).await;
    let how = drawing.label();
    println!("\n# Drawing: {how}\n");
    let info = install_probe(&app).await;
    println!("web view: {}", info["userAgent"].as_str().unwrap_or("?"));
    println!(
        "viewport {}x{} at {}x; PerformanceObserver entry types: {}; longtask supported: {}",
        info["viewport"][0], info["viewport"][1], info["dpr"], info["entryTypes"], info["longtask"]
    );
    app.js("window.__bench.start()").await;

    // 1. The first page of 100 meetings (page size 100 from settings.json).
    let mut first = Figures::default();
    let cold = search(&app, LARGE_ROOM_5K, 100).await;
    assert_eq!(numbers(&app.idle_count(SHORT).await), vec![100, 5000]);
    record_render(&mut first, "first search (cold)", &cold);
    for i in 0..n * 2 {
        // Alternate rooms, as a user comparing two rooms would.
        let room = if i % 2 == 0 {
            LARGE_ROOM_10K
        } else {
            LARGE_ROOM_5K
        };
        let r = search(&app, room, 100).await;
        record_render(&mut first, "page of 100", &r);
        let dom = num(&r, "dom").unwrap_or(0.0);
        assert!(
            dom > 0.0 && dom < 100.0,
            "the list is windowed: {dom} rows in the DOM"
        );
    }
    first.print(&format!("1. query_room → 100 meetings painted [{how}]"));

    // 2. Load all: 5,000 and 10,000 meetings.
    let mut all = Figures::default();
    for _ in 0..n {
        for (room, total) in [(LARGE_ROOM_5K, 5000u64), (LARGE_ROOM_10K, 10_000u64)] {
            search(&app, room, 100).await;
            let r = load_all(&app, total).await;
            let k = if total == 5000 { "5,000" } else { "10,000" };
            record_render(&mut all, &format!("load all {k}"), &r);
            all.add_opt(
                &format!("load all {k}: click → painted (fetching included)"),
                "ms",
                num(&r, "clickToPaintedMs"),
            );
            let dom = num(&r, "dom").unwrap_or(0.0);
            assert!(
                dom > 0.0 && dom < 100.0,
                "the list is windowed: {dom} rows in the DOM for {total}"
            );
            if total == 10_000 {
                let (ms, bytes) = ipc_reread(&app).await;
                all.add(
                    "snapshot of 10,000 over IPC (serialise, send, parse)",
                    "ms",
                    ms,
                );
                all.add("snapshot of 10,000: JSON size", "MB", bytes / 1e6);
            }
        }
    }
    // The model work alone, in the page, on the 10,000 meetings now loaded.
    let model = app
        .client()
        .execute_async(
            "var done = arguments[arguments.length - 1]; \
             import(new URL('timeline-model.js', location.href).href).then(function (tm) { \
               var ms = window.__meetdesk.state.meetings; var out = { build: [], layout: [] }; \
               for (var k = 0; k < 7; k++) { \
                 var b = performance.now(); var rows = tm.buildRows(ms, Date.now()); \
                 var c = performance.now(); tm.layoutRows(rows, { header: 40, meeting: 68 }); \
                 var d = performance.now(); out.build.push(c - b); out.layout.push(d - c); } \
               done(out); }, function (e) { done({ error: String(e) }); });",
            vec![],
        )
        .await
        .expect("timeline-model in the page");
    if model.get("error").is_none() {
        for (k, name) in [
            ("build", "buildRows(10,000)"),
            ("layout", "layoutRows(20,000 rows)"),
        ] {
            for v in nums(&model, k) {
                all.add(&format!("model in the page: {name}"), "ms", v);
            }
        }
    } else {
        println!(
            "(timeline-model.js could not be imported in the page: {})",
            model["error"]
        );
    }
    all.print(&format!("2. Load all → every meeting painted [{how}]"));

    // 3. Scrolling the 10,000 meetings (still loaded from the last run above).
    let mut scroll = Figures::default();
    let passes: [(&str, u64, usize, &str); 3] = [
        (
            "page",
            200,
            1,
            "200 steps of scrollTop += clientHeight from the top",
        ),
        (
            "jump",
            50,
            n,
            "50 jumps spread over the whole list, top to bottom",
        ),
        (
            "small",
            200,
            1,
            "200 steps of 100 px from the top (wheel-like)",
        ),
    ];
    for (mode, steps, repeat, what) in passes {
        let mut all_frames = Vec::new();
        let mut all_intervals = Vec::new();
        for _ in 0..repeat {
            let r = scroll_pass(&app, mode, steps).await;
            let frames: Vec<f64> = r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["frameMs"].as_f64())
                .collect();
            let latency: Vec<f64> = r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["latencyMs"].as_f64())
                .collect();
            let set: Vec<f64> = r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["setMs"].as_f64())
                .collect();
            let intervals = nums(&r, "intervals");
            let longtasks = nums(&r, "longtasks");
            let max_dom = num(&r, "maxDom").unwrap_or(0.0);
            assert!(
                max_dom > 0.0 && max_dom < 100.0,
                "the list stays windowed while scrolling: {max_dom} rows"
            );
            if mode == "jump" {
                let (end, sh, ch) = (
                    num(&r, "endTop").unwrap(),
                    num(&r, "scrollHeight").unwrap(),
                    num(&r, "clientHeight").unwrap(),
                );
                assert!(
                    end >= sh - ch - 1.0,
                    "the jumps reached the bottom: {end} of {sh} - {ch}"
                );
            }
            scroll.add(
                &format!("{mode}: step's frame update, p95"),
                "ms",
                percentile(&frames, 95.0),
            );
            scroll.add(
                &format!("{mode}: step's frame update, max"),
                "ms",
                max(&frames),
            );
            scroll.add(
                &format!("{mode}: step's frame update, median"),
                "ms",
                median(&frames),
            );
            scroll.add(
                &format!("{mode}: scrollTop set → frame done, p95"),
                "ms",
                percentile(&latency, 95.0),
            );
            scroll.add(&format!("{mode}: scrollTop setter, max"), "ms", max(&set));
            scroll.add(
                &format!("{mode}: frame interval, p95"),
                "ms",
                percentile(&intervals, 95.0),
            );
            scroll.add(
                &format!("{mode}: frame interval, max"),
                "ms",
                max(&intervals),
            );
            scroll.add(
                &format!("{mode}: frame updates > 50 ms"),
                "frames",
                frames.iter().filter(|v| **v > 50.0).count() as f64,
            );
            scroll.add(
                &format!("{mode}: frame intervals > 50 ms"),
                "frames",
                intervals.iter().filter(|v| **v > 50.0).count() as f64,
            );
            scroll.add(
                &format!("{mode}: steps with nothing drawn mid-view"),
                "steps",
                num(&r, "blank").unwrap_or(0.0),
            );
            scroll.add(&format!("{mode}: most rows in the DOM"), "rows", max_dom);
            if !longtasks.is_empty() {
                scroll.add(
                    &format!("{mode}: long tasks"),
                    "tasks",
                    longtasks.len() as f64,
                );
            }
            if r["slow"].as_array().is_some_and(|a| !a.is_empty()) {
                println!(
                    "{mode}: steps with a frame update over 50 ms [step, scrollTop, ms]: {}",
                    r["slow"]
                );
            }
            all_frames.extend(frames);
            all_intervals.extend(intervals);
        }
        println!(
            "{mode} ({what}): over all {} steps, frame update p95 {:.1} ms, max {:.1} ms; frame interval p95 {:.1} ms, max {:.1} ms",
            all_frames.len(),
            percentile(&all_frames, 95.0),
            max(&all_frames),
            percentile(&all_intervals, 95.0),
            max(&all_intervals)
        );
    }
    scroll.print(&format!("3. Scrolling 10,000 meetings [{how}] (per pass: p95/max over its steps; then median over passes)"));
    app.finish().await;
    sim.shutdown();
}

async fn memory_runs(n: usize, drawing: Drawing) {
    let mut mem = Figures::default();
    let settle = Duration::from_secs(
        std::env::var("MEETDESK_BENCH_SETTLE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5),
    );
    for run in 0..n {
        let l = drawing.launch(Launch::bare());
        let app = App::start(&format!("bench_memory_{}_{run}", drawing.part()), launch(l)).await;
        install_probe(&app).await;
        app.click("#demo-btn").await;
        app.wait("the demo marker", "var m = document.getElementById('demo-marker'); return !m.hidden && m.getClientRects().length > 0", SHORT)
            .await;
        search(&app, DEMO_ROOM, 20).await;
        assert_eq!(numbers(&app.idle_count(SHORT).await), vec![20, 45]);
        app.js("window.__bench.stop()").await;
        let idle = settled_memory(&app, settle).await;
        search(&app, LARGE_ROOM_10K, 20).await;
        load_all(&app, 10_000).await;
        app.js("window.__bench.stop()").await;
        let loaded = settled_memory(&app, settle).await;
        scroll_pass(&app, "jump", 50).await;
        let scrolled = settled_memory(&app, settle).await;
        for _ in 0..4 {
            scroll_pass(&app, "jump", 50).await;
        }
        let scrolled5 = settled_memory(&app, settle).await;
        search(&app, DEMO_ROOM, 20).await;
        app.js("window.__bench.stop()").await;
        let back = settled_memory(&app, settle).await;
        if run == 0 {
            println!("\nprocesses (RSS/PSS MiB), idle: {}", idle.2);
            println!("processes (RSS/PSS MiB), 10,000 loaded: {}", loaded.2);
        }
        for (name, s) in [
            ("idle, demo timeline", &idle),
            ("10,000 loaded", &loaded),
            ("10,000 loaded, after 1 scroll pass (50 jumps)", &scrolled),
            ("10,000 loaded, after 5 scroll passes", &scrolled5),
            ("back to the demo room", &back),
        ] {
            mem.add(&format!("{name}: PSS"), "MiB", s.1);
            mem.add(&format!("{name}: RSS"), "MiB", s.0);
        }
        mem.add("added by 10,000 meetings: PSS", "MiB", loaded.1 - idle.1);
        mem.add("added by 10,000 meetings: RSS", "MiB", loaded.0 - idle.0);
        mem.add(
            "added by 10,000 meetings and 1 scroll pass: PSS",
            "MiB",
            scrolled.1 - idle.1,
        );
        mem.add(
            "added by 10,000 meetings and 5 scroll passes: PSS",
            "MiB",
            scrolled5.1 - idle.1,
        );
        mem.add(
            "added by 10,000 meetings and 5 scroll passes: RSS",
            "MiB",
            scrolled5.0 - idle.0,
        );
        mem.add(
            "still added after going back to the demo room: PSS",
            "MiB",
            back.1 - idle.1,
        );
        app.finish().await;
    }
    mem.print(&format!(
        "4. Memory of the whole app (meetdesk + WebKit processes) [{}], settled {} s, median of 3 samples",
        drawing.label(),
        settle.as_secs()
    ));
}

// ---- the filter (issue 13): keystroke → painted with 10,000 meetings ---------------------------

/// One keystroke in the filter, timed in the page: the text field gets the text and its `input`
/// event at `t0` (what a key press does), then the first change of the list after it (a
/// MutationObserver microtask: the app's handling of Rust's snapshot is over) and the end of the
/// rendering update of the frame that shows it (`afterFrame`). Returns
/// `[paintedMs, scriptMs, shownCount, domRows, appFilterMs]` via polling `window.__filterRun`.
const KEYSTROKE: &str = r#"
const [text] = arguments;
const b = window.__bench;
const input = document.getElementById('filter-text');
const list = document.getElementById('timeline');
window.__filterRun = null;
b.start();
let t0 = 0;
let scriptEnd = null;
const seen = new MutationObserver(() => {
  if (scriptEnd !== null) return;
  scriptEnd = performance.now();
  seen.disconnect();
  b.afterFrame(() => {
    const p = window.__meetdeskPerf || {};
    window.__filterRun = [performance.now() - t0, scriptEnd - t0, window.__meetdesk.state.shownCount,
      list.querySelectorAll('.meeting-row, .day-header').length, p.filterText === text ? p.filterMs : null];
  });
});
seen.observe(list, { childList: true, subtree: true });
requestAnimationFrame(() => setTimeout(() => {
  t0 = performance.now();
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}, 0));
return true;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark of the real window: cargo test -p meetdesk --test window_bench -- --ignored filter_keystroke --nocapture"]
async fn filter_keystroke_to_painted_with_10000_meetings() {
    within(LIMIT, async {
        let n = runs();
        let sim = SimHandle::start(SimConfig::default())
            .await
            .expect("simulator starts");
        let drawing = Drawing::NoDmabuf;
        let l = drawing.launch(Launch::with_sim(&sim).data_file("settings.json", PAGE_SIZE_100));
        let app = App::start("bench_filter", launch(l)).await;
        println!(
            "\n# Filter keystroke → painted, 10,000 meetings [{}]\n",
            drawing.label()
        );
        println!(
            "binary: {}; runs: {n}; load average: {}",
            bench_binary().display(),
            load_average()
        );
        install_probe(&app).await;
        search(&app, LARGE_ROOM_10K, 100).await;
        load_all(&app, 10_000).await;
        // The hosts are 陈静, Mark Davis and 赵磊 in turn: each keystroke changes what is shown.
        let steps: [(&str, u64); 8] = [
            ("m", 3334),
            ("ma", 3334),
            ("mar", 3334),
            ("mark", 3334),
            ("mark d", 3334),
            ("", 10_000),
            ("陈", 3333),
            ("", 10_000),
        ];
        let mut f = Figures::default();
        for _ in 0..n {
            for (text, _) in steps {
                app.js_with(KEYSTROKE, vec![json!(text)]).await;
                let r = poll(
                    &app,
                    "the filtered list painted",
                    "return window.__filterRun",
                    SHORT,
                    Duration::from_millis(50),
                )
                .await;
                let shown = r[2].as_u64().unwrap_or(0);
                assert!(
                    shown == 10_000 || (3_000..=3_400).contains(&shown),
                    "{text:?} shows {shown}"
                );
                assert!(
                    r[3].as_u64().unwrap_or(0) < 100,
                    "the list stays windowed: {r}"
                );
                let kind = if text.is_empty() {
                    "clear (10,000 shown)"
                } else {
                    "keystroke (~3,334 shown)"
                };
                f.add(
                    &format!("{kind}: input → painted"),
                    "ms",
                    r[0].as_f64().unwrap_or(f64::NAN),
                );
                f.add(
                    &format!("{kind}: input → list changed (IPC + filter + script)"),
                    "ms",
                    r[1].as_f64().unwrap_or(f64::NAN),
                );
                f.add_opt(
                    &format!("{kind}: app's own typed → next frame"),
                    "ms",
                    r[4].as_f64(),
                );
            }
        }
        f.print("filter keystroke with 10,000 meetings loaded");
        app.finish().await;
    })
    .await;
}

/// Issue 12: Enter → a cached 5,000-meeting room painted (goal: within 100 ms). The room is loaded
/// in full once (so the offline cache holds all 5,000), then DingTalk is made to stall on it, so
/// what each search paints is the cache's, before any answer. Between runs another room is
/// searched, so the 5,000 are not on screen already. WEBKIT_DISABLE_DMABUF_RENDERER=1, as
/// shipped without a GPU.
async fn cached_paint(n: usize) {
    let sim = SimHandle::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let drawing = Drawing::NoDmabuf;
    let l = drawing.launch(Launch::with_sim(&sim).data_file("settings.json", PAGE_SIZE_100));
    let app = App::start("bench_cached", launch(l)).await;
    install_probe(&app).await;
    // Enter's time, taken where the key arrives (before the app's own handler runs).
    app.js(
        "document.getElementById('room-input').addEventListener('keydown', function (e) { \
           if (e.key === 'Enter') window.__bench.clickAt = performance.now(); }, true);",
    )
    .await;
    search(&app, LARGE_ROOM_5K, 100).await;
    load_all(&app, 5000).await;
    sim.add_fault(FaultRule {
        room_code: Some(LARGE_ROOM_5K.into()),
        fault: Fault::Latency(Duration::from_secs(600)),
        after: 0,
        times: None,
    });
    let mut f = Figures::default();
    for _ in 0..n.max(5) {
        app.search(DEMO_ROOM).await;
        poll(
            &app,
            "another room shown",
            &format!("var s = window.__meetdesk.state; return s.roomCode === '{DEMO_ROOM}' && s.searched && !s.busy"),
            SHORT,
            Duration::from_millis(50),
        )
        .await;
        app.js("window.__bench.start()").await;
        let before = marks(&app).await;
        app.search(LARGE_ROOM_5K).await;
        let r = poll(
            &app,
            "the cached 5,000 painted",
            &format!("var r = window.__bench.render({before}); return (r && r.meetings === 5000) ? r : null"),
            SHORT,
            Duration::from_millis(50),
        )
        .await;
        let busy = app.js("return window.__meetdesk.state.busy").await;
        assert_eq!(
            busy,
            json!("search"),
            "painted from the cache, page one still on its way"
        );
        f.add_opt(
            "Enter → cached 5,000 painted",
            "ms",
            num(&r, "clickToPaintedMs"),
        );
        f.add_opt("snapshot received → painted", "ms", num(&r, "paintedMs"));
        app.js("delete window.__bench.clickAt").await;
    }
    f.print(&format!(
        "4. cached room: Enter → 5,000 cached meetings painted [{}]",
        drawing.label()
    ));
    sim.clear_faults();
    app.finish().await;
}
