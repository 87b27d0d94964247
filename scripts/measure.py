#!/usr/bin/env python3
"""Measures MeetDesk's size, start-up time and memory, and a Tauri hello-world's the same way in the
same run, so the two can be compared on the same (possibly busy) machine.

What it measures (docs/performance-startup.md has the method and the figures):
  sizes       the release binary, the .deb/.rpm/.AppImage found in the bundle folder, and the
              hello-world's binary and .deb built with the same [profile.release]
  start-up    per run, under one Xvfb and a private D-Bus session bus, with a fresh data folder:
                paint    "page ready N ms after process start" as the app logs it (the page's first
                         animation frame after its start-up script ran; measured from main());
                mapped   exec -> the window is visible (xdotool, polled every 10 ms);
                content  exec -> the window's pixels are no longer one flat colour (read from the
                         X server every 10 ms): what the user actually sees;
                ready    exec -> the "page ready" line is seen (polled every 10 ms)
  memory      5 s after the page is ready: RSS and PSS (/proc/PID/smaps_rollup) of every process of
              the app's session (main process, WebKitWebProcess, WebKitNetworkProcess), summed
  variants    each app as is and with WEBKIT_DISABLE_DMABUF_RENDERER=1; runs interleaved, one
              unmeasured warm-up run each; medians over --runs runs

The hello-world is generated in a temporary folder (never committed): tauri 2 from this repo's
Cargo.lock, a one-line index.html that calls a `ready` command on its first animation frame, the
same window size, the same [profile.release]; built (with its .deb) by the Tauri CLI from
node_modules, by default into the app's own target folder, which shares the dependencies already
built and keeps the hello-world between runs (its binary is release/hello-world; its .deb is
deleted once measured, so the bundle folder holds only MeetDesk's installers).

Usage:  scripts/measure.py [--runs 7] [--idle 5] [--json out.json] [--no-hello] [--app BINARY]
                          [--dmabuf both|default|off]
Needs:  a release build with its .deb (`npx tauri build --bundles deb`, or `make measure`), Xvfb,
        xdotool, dbus-daemon; Linux only. Nothing here needs root.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
if not TARGET.is_absolute():
    TARGET = ROOT / TARGET
READY_RE = re.compile(rb"page ready (\d+) ms after process start")
MIB = 1024 * 1024


# ---- sizes -------------------------------------------------------------------------------------

def newest(folder: Path, pattern: str):
    files = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    return files[0] if files else None


def sizes(target: Path, binary: str, product: str):
    out = {}
    b = target / "release" / binary
    if b.exists():
        out["binary"] = (str(b), b.stat().st_size)
    for kind, folder, pattern in (("deb", "deb", "*.deb"), ("rpm", "rpm", "*.rpm"),
                                  ("appimage", "appimage", "*.AppImage")):
        f = newest(target / "release" / "bundle" / folder, product + pattern)
        if f:
            out[kind] = (str(f), f.stat().st_size)
    return out


# ---- the hello-world ---------------------------------------------------------------------------

def release_profile() -> str:
    text = (ROOT / "Cargo.toml").read_text()
    m = re.search(r"^\[profile\.release\]\n(?:(?!\[).*\n?)*", text, re.M)
    return m.group(0).strip() + "\n" if m else ""


HELLO_MAIN = r"""#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
use std::sync::OnceLock;
use std::time::Instant;

static STARTED_AT: OnceLock<Instant> = OnceLock::new();

mod cmd {
    #[tauri::command]
    pub fn ready() {
        eprintln!("hello: page ready {} ms after process start",
                  super::STARTED_AT.get().unwrap().elapsed().as_millis());
    }
}

fn main() {
    STARTED_AT.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![cmd::ready])
        .run(tauri::generate_context!())
        .expect("error while running the hello-world");
}
"""

HELLO_HTML = ('<!doctype html><html><body><h1>Hello, world</h1><script>requestAnimationFrame(() => '
              'window.__TAURI__.core.invoke("ready"))</script></body></html>\n')


def build_hello(target: Path) -> Path:
    src = Path(tempfile.mkdtemp(prefix="meetdesk-hello-"))
    try:
        (src / "src").mkdir()
        (src / "dist").mkdir()
        (src / "icons").mkdir()
        for icon in ("32x32.png", "128x128.png", "icon.png"):
            shutil.copy(ROOT / "icons" / icon, src / "icons" / icon)
        (src / "Cargo.toml").write_text(
            '[package]\nname = "hello-world"\nversion = "0.1.0"\nedition = "2021"\n\n'
            '[build-dependencies]\ntauri-build = { version = "2", features = [] }\n\n'
            '[dependencies]\ntauri = { version = "2", features = [] }\n\n'
            "[workspace]\n\n" + release_profile())
        # Same tauri/wry/webkit2gtk versions as the app: start from its lock file.
        shutil.copy(ROOT / "Cargo.lock", src / "Cargo.lock")
        (src / "build.rs").write_text("fn main() {\n    tauri_build::build()\n}\n")
        (src / "src" / "main.rs").write_text(HELLO_MAIN)
        (src / "dist" / "index.html").write_text(HELLO_HTML)
        (src / "tauri.conf.json").write_text(json.dumps({
            "productName": "HelloWorld", "version": "0.1.0", "identifier": "com.example.helloworld",
            "build": {"frontendDist": "dist"},
            "app": {"withGlobalTauri": True, "security": {"csp": None},
                    "windows": [{"title": "HelloWorld", "width": 1100, "height": 720}]},
            "bundle": {"active": True, "targets": ["deb"], "category": "Utility",
                       "icon": ["icons/32x32.png", "icons/128x128.png", "icons/icon.png"]},
        }, indent=2))
        env = dict(os.environ, CARGO_TARGET_DIR=str(target))
        t0 = time.monotonic()
        print(f"measure: building the hello-world in {src} (target {target})", flush=True)
        subprocess.run([str(ROOT / "node_modules" / ".bin" / "tauri"), "build", "--bundles", "deb"],
                       cwd=src, env=env, check=True)
        print(f"measure: hello-world built in {time.monotonic() - t0:.0f} s", flush=True)
    finally:
        shutil.rmtree(src, ignore_errors=True)
    return target / "release" / "hello-world"


# ---- display and bus -----------------------------------------------------------------------------

class Desktop:
    """One Xvfb and one private session bus (no service activation) for every run."""

    def __init__(self, work: Path):
        self.work = work
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp",
             "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number
        bus = work / "bus"
        conf = work / "bus.conf"
        conf.write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
            ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            f"<busconfig><type>session</type><listen>unix:path={bus}</listen>"
            "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\" "
            "eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n")
        self.dbus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                      "--nopidfile"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            if bus.exists():
                break
            time.sleep(0.05)
        self.bus = f"unix:path={bus}"
        self.pixels = XPixels(self.display)

    def close(self):
        for p in (self.dbus, self.xvfb):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


class XPixels:
    """Reads a window's pixels straight from the X server (libX11 through ctypes), to see when the
    window first shows content rather than one flat colour."""

    def __init__(self, display: str):
        import ctypes as c
        self.c = c
        x = c.cdll.LoadLibrary("libX11.so.6")

        class XImage(c.Structure):  # the leading fields of Xlib's XImage
            _fields_ = [("width", c.c_int), ("height", c.c_int), ("xoffset", c.c_int),
                        ("format", c.c_int), ("data", c.c_void_p), ("byte_order", c.c_int),
                        ("bitmap_unit", c.c_int), ("bitmap_bit_order", c.c_int),
                        ("bitmap_pad", c.c_int), ("depth", c.c_int), ("bytes_per_line", c.c_int),
                        ("bits_per_pixel", c.c_int)]

        x.XOpenDisplay.restype = c.c_void_p
        x.XOpenDisplay.argtypes = [c.c_char_p]
        x.XGetImage.restype = c.POINTER(XImage)
        x.XGetImage.argtypes = [c.c_void_p, c.c_ulong, c.c_int, c.c_int, c.c_uint, c.c_uint,
                                c.c_ulong, c.c_int]
        x.XDestroyImage.argtypes = [c.POINTER(XImage)]
        x.XGetGeometry.argtypes = [c.c_void_p, c.c_ulong] + [c.c_void_p] * 7
        # A window that goes away between two calls must not end this process (Xlib's default).
        self.handler = c.CFUNCTYPE(c.c_int, c.c_void_p, c.c_void_p)(lambda d, e: 0)
        x.XSetErrorHandler(self.handler)
        self.x = x
        self.d = x.XOpenDisplay(display.encode())
        if not self.d:
            raise RuntimeError(f"cannot open display {display}")

    def has_content(self, wid: int) -> bool:
        c, x = self.c, self.x
        root, px, py = c.c_ulong(), c.c_int(), c.c_int()
        w, h, border, depth = c.c_uint(), c.c_uint(), c.c_uint(), c.c_uint()
        if not x.XGetGeometry(self.d, wid, c.byref(root), c.byref(px), c.byref(py), c.byref(w),
                              c.byref(h), c.byref(border), c.byref(depth)):
            return False
        img = x.XGetImage(self.d, wid, 0, 0, w.value, h.value, 0xFFFFFFFF, 2)  # ZPixmap
        if not img:
            return False
        try:
            data = c.string_at(img.contents.data, img.contents.bytes_per_line * h.value)
        finally:
            x.XDestroyImage(img)
        # One colour channel of every 7th pixel: a flat window gives one value, text many.
        return len(set(data[::28])) > 4


# ---- one run --------------------------------------------------------------------------------------

def session_pids(sid: int):
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(d.name))
    return pids


def memory(sid: int):
    procs = []
    for pid in session_pids(sid):
        try:
            name = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
            name = os.path.basename(name) or Path(f"/proc/{pid}/comm").read_text().strip()
            rss = pss = 0
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
            procs.append({"pid": pid, "name": "main" if pid == sid else name, "rss": rss,
                          "pss": pss})
        except OSError:
            continue
    return procs


def visible_window(display: str, title: str):
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
                       env={"DISPLAY": display, "PATH": os.environ["PATH"]},
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ids = r.stdout.split()
    return int(ids[0]) if ids else None


def stop(proc: subprocess.Popen):
    sid = proc.pid
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        proc.poll()
        if not session_pids(sid):
            return True
        time.sleep(0.05)
    try:
        os.killpg(sid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return False


def run_once(desk: Desktop, app: dict, dmabuf_off: bool, idle: float, timeout: float = 60):
    home = Path(tempfile.mkdtemp(prefix="run-", dir=desk.work))
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
        "DISPLAY": desk.display, "DBUS_SESSION_BUS_ADDRESS": desk.bus,
        "XDG_RUNTIME_DIR": str(home), "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
        "MEETDESK_DATA_DIR": str(home / "meetdesk"), "NO_AT_BRIDGE": "1",
    }
    if dmabuf_off:
        env["WEBKIT_DISABLE_DMABUF_RENDERER"] = "1"
    os.chmod(home, 0o700)
    stderr_path = home / "stderr.txt"
    ready_path = home / "meetdesk" / "logs" / "meetdesk.log" if app["ready_in_log"] else stderr_path
    with open(stderr_path, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen([app["binary"]], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    mapped = content = ready = paint = wid = None
    try:
        while time.monotonic() - t0 < timeout and (content is None or ready is None):
            if proc.poll() is not None:
                raise RuntimeError(f"{app['name']} exited with {proc.returncode}: "
                                   f"{stderr_path.read_text()[-2000:]}")
            if wid is None:
                wid = visible_window(desk.display, app["title"])
                if wid is not None:
                    mapped = time.monotonic() - t0
            if wid is not None and content is None and desk.pixels.has_content(wid):
                content = time.monotonic() - t0
            if ready is None and ready_path.exists():
                m = READY_RE.search(ready_path.read_bytes())
                if m:
                    ready = time.monotonic() - t0
                    paint = int(m.group(1)) / 1000
            time.sleep(0.01)
        if ready is None or content is None:
            raise RuntimeError(f"{app['name']}: no 'page ready' or no content within {timeout} s")
        time.sleep(max(0.0, ready + idle - (time.monotonic() - t0)))
        procs = memory(proc.pid)
    finally:
        clean = stop(proc)
        shutil.rmtree(home, ignore_errors=True)
    return {"paint": paint, "mapped": mapped, "content": content, "ready": ready, "procs": procs,
            "rss": sum(p["rss"] for p in procs), "pss": sum(p["pss"] for p in procs),
            "clean_exit": clean}


# ---- report ----------------------------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def by_kind(procs, key):
    out = {"main": 0, "WebKitWebProcess": 0, "WebKitNetworkProcess": 0, "other": 0}
    for p in procs:
        if p["name"] in out:
            out[p["name"]] += p[key]
        else:
            out["other"] += p[key]
    return out


def summarise(name, runs):
    s = {"runs": len(runs)}
    for key in ("paint", "mapped", "content", "ready"):
        vals = [r[key] for r in runs if r[key] is not None]
        s[key] = {"median": med(vals), "min": min(vals) if vals else None,
                  "max": max(vals) if vals else None}
    for key in ("rss", "pss"):
        vals = [r[key] for r in runs]
        s[key] = {"median": med(vals), "min": min(vals), "max": max(vals)}
        kinds = [by_kind(r["procs"], key) for r in runs]
        s[key]["by_process_median"] = {k: med([x[k] for x in kinds]) for k in kinds[0]}
    s["mapped_before_ready"] = sum(1 for r in runs if r["mapped"] is not None
                                   and r["mapped"] < r["ready"] - 0.05)
    s["unclean_exits"] = sum(1 for r in runs if not r["clean_exit"])
    return s


def fmt_s(v):
    return "-" if v is None else f"{v * 1000:.0f} ms"


def fmt_mib(v):
    return "-" if v is None else f"{v / MIB:.0f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--idle", type=float, default=5.0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-hello", action="store_true", help="measure MeetDesk only")
    ap.add_argument("--dmabuf", choices=("both", "default", "off"), default="both",
                    help="WebKit's DMA-BUF renderer as is, disabled, or both (default)")
    ap.add_argument("--hello-target", type=Path, default=TARGET,
                    help="CARGO_TARGET_DIR for the hello-world (default: the app's, which shares "
                         "the dependencies already built)")
    ap.add_argument("--app", type=Path, help="the MeetDesk binary to measure (default: the "
                    "release build in CARGO_TARGET_DIR)")
    args = ap.parse_args()

    for tool in ("Xvfb", "xdotool", "dbus-daemon"):
        if not shutil.which(tool):
            sys.exit(f"measure: {tool} not found (scripts/install-deps.sh --test installs it)")
    binary = (args.app or TARGET / "release" / "meetdesk").resolve()
    if not binary.exists():
        sys.exit(f"measure: {binary} not found: run `npx tauri build --bundles deb` first")

    result = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": os.cpu_count(),
              "loadavg_before": os.getloadavg(), "runs": args.runs, "idle_s": args.idle}
    try:
        result["webkitgtk"] = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0"],
            capture_output=True, text=True).stdout
    except OSError:
        pass
    lock = (ROOT / "Cargo.lock").read_text()
    m = re.search(r'name = "tauri"\nversion = "([^"]+)"', lock)
    result["tauri"] = m.group(1) if m else None
    result["sizes"] = {"meetdesk": sizes(TARGET, "meetdesk", "MeetDesk")}
    result["sizes"]["meetdesk"]["binary"] = (str(binary), binary.stat().st_size)

    apps = [{"name": "meetdesk", "binary": str(binary), "title": "MeetDesk", "ready_in_log": True}]
    if not args.no_hello:
        hello = build_hello(args.hello_target)
        result["sizes"]["hello-world"] = sizes(args.hello_target, "hello-world", "HelloWorld")
        # Only its size was wanted: keep the app's bundle folder to the app's installers.
        for f in (args.hello_target / "release" / "bundle" / "deb").glob("HelloWorld*"):
            if f.is_file():
                f.unlink()
            else:
                shutil.rmtree(f, ignore_errors=True)
        apps.append({"name": "hello-world", "binary": str(hello), "title": "HelloWorld",
                     "ready_in_log": False})

    offs = {"both": (False, True), "default": (False,), "off": (True,)}[args.dmabuf]
    variants = [(a, off) for a in apps for off in offs]
    work = Path(tempfile.mkdtemp(prefix="meetdesk-measure-"))
    desk = Desktop(work)
    runs = {}
    try:
        for a, off in variants:  # warm-up: file cache, fontconfig cache, shader cache
            run_once(desk, a, off, idle=0.5)
        for i in range(args.runs):
            for a, off in variants:
                key = a["name"] + (" DMABUF off" if off else "")
                r = run_once(desk, a, off, args.idle)
                runs.setdefault(key, []).append(r)
                print(f"  {key:26} run {i + 1}: paint {fmt_s(r['paint'])}, mapped "
                      f"{fmt_s(r['mapped'])}, content {fmt_s(r['content'])}, ready seen "
                      f"{fmt_s(r['ready'])}, PSS "
                      f"{fmt_mib(r['pss'])}, RSS {fmt_mib(r['rss'])}", flush=True)
    finally:
        desk.close()
        shutil.rmtree(work, ignore_errors=True)
    result["loadavg_after"] = os.getloadavg()
    result["summary"] = {k: summarise(k, v) for k, v in runs.items()}
    result["raw"] = runs

    print("\nSizes")
    for app, files in result["sizes"].items():
        for kind, (path, size) in files.items():
            print(f"  {app:12} {kind:9} {size / 1e6:7.2f} MB  {size / MIB:7.2f} MiB  {path}")
    print(f"\nStart-up and memory, median of {args.runs} runs (min-max); idle {args.idle:g} s after "
          f"page ready; load average before {result['loadavg_before'][0]:.1f}, after "
          f"{result['loadavg_after'][0]:.1f}")
    print(f"  {'variant':26} {'paint (log)':>18} {'exec->mapped':>18} {'exec->content':>18} "
          f"{'exec->ready':>18} {'PSS':>16} {'RSS':>16}")
    for k, s in result["summary"].items():
        cells = [f"{fmt_s(s[x]['median'])} ({fmt_s(s[x]['min'])[:-3]}-{fmt_s(s[x]['max'])[:-3]})"
                 for x in ("paint", "mapped", "content", "ready")]
        mem = [f"{fmt_mib(s[x]['median'])} ({s[x]['min'] / MIB:.0f}-{s[x]['max'] / MIB:.0f})"
               for x in ("pss", "rss")]
        print(f"  {k:26} " + " ".join(f"{c:>18}" for c in cells) + " " +
              " ".join(f"{c:>16}" for c in mem))
    print("\n  PSS / RSS by process (medians):")
    for k, s in result["summary"].items():
        parts = ", ".join(f"{n} {fmt_mib(s['pss']['by_process_median'][n])} / "
                          f"{fmt_mib(s['rss']['by_process_median'][n])}"
                          for n in s["pss"]["by_process_median"]
                          if s["rss"]["by_process_median"][n])
        print(f"  {k:26} {parts}")
        if s["mapped_before_ready"]:
            print(f"  {'':26} window visible before the page was ready in "
                  f"{s['mapped_before_ready']} of {s['runs']} runs")
        if s["unclean_exits"]:
            print(f"  {'':26} {s['unclean_exits']} runs left processes 10 s after SIGTERM")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
        print(f"\nraw figures: {args.json}")


if __name__ == "__main__":
    main()
