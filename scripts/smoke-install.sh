#!/usr/bin/env bash
# Smoke test of the Linux installers, as a user gets them:
#   .deb      install it (dpkg -i; apt-get -f install pulls missing dependencies, a CJK font among
#             them), check what it put on disk (binaries, desktop entry, icons), run the installed
#             /usr/bin/meetdesk-cli --help, check a Chinese font is there, start the INSTALLED
#             /usr/bin/meetdesk under
#             Xvfb with a private D-Bus session, wait for "window: page ready" in its log, screenshot,
#             check the window; launch it a second time (single instance: the second process must
#             hand over and exit, and bring the first window back); resize and move the window,
#             close it as a window manager would, relaunch and check the geometry came back
#             (window-state); SIGTERM it; dpkg -r and check it is gone.
#   AppImage  when one is given or found: the same start/paint/window/SIGTERM checks, run with
#             APPIMAGE_EXTRACT_AND_RUN=1 (no FUSE needed).
#
# Usage:  scripts/smoke-install.sh [--deb FILE] [--appimage FILE] [--no-deb]
#   Without --deb, takes the newest ${CARGO_TARGET_DIR:-target}/release/bundle/deb/MeetDesk_*.deb
#   (build it with `npx tauri build --bundles deb`); an AppImage is tested only if given or found
#   there (appimage/MeetDesk_*.AppImage).
# Needs: root or sudo (dpkg), Xvfb, xdotool, ImageMagick (/usr/bin/import, /usr/bin/convert),
#   dbus-daemon; python3 for the window-state check (skipped without it); xprop and
#   desktop-file-validate for two more checks when they are installed.
# Env: SMOKE_OUT=DIR     keep screenshots, stdout/stderr and app logs there (default: a temp dir,
#                        kept only when the test fails)
#      SMOKE_TIMEOUT=S   how long to wait for the first paint (default 60)
#      SMOKE_REPLACE=1   go on although the package (meet-desk) is already installed; it is
#                        removed at the end
# Every process it starts (Xvfb, dbus-daemon, each app launch in its own process group) is ended
# on exit, and the package it installed is removed even when a check fails.
set -euo pipefail
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

DEB="" APPIMAGE="" DO_DEB=1
while (($#)); do
  case "$1" in
    --deb) DEB=$(abs "$2"); shift 2 ;;
    --appimage) APPIMAGE=$(abs "$2"); shift 2 ;;
    --no-deb) DO_DEB=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "smoke: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."

TIMEOUT="${SMOKE_TIMEOUT:-60}"
BUNDLE_DIR="${CARGO_TARGET_DIR:-target}/release/bundle"
PKG=""            # the .deb's Package field (the Tauri CLI derives it from productName: meet-desk)
TITLE=MeetDesk
BIN=/usr/bin/meetdesk
CLI=/usr/bin/meetdesk-cli
DESKTOP=/usr/share/applications/MeetDesk.desktop
IMPORT=/usr/bin/import     # real ImageMagick; /usr/local/bin/convert may be a stand-in
CONVERT=/usr/bin/convert

T_START=$(date +%s)
log() { printf '[smoke %3ss] %s\n' "$(( $(date +%s) - T_START ))" "$*"; }
fail() { printf '[smoke] FAIL: %s\n' "$*" >&2; exit 1; }
newest() {  # newest DIR GLOB: the most recently built matching file, or nothing
  { find "$1" -maxdepth 1 -name "$2" -printf '%T@ %p\n' 2>/dev/null || true; } | sort -rn | head -n1 | cut -d' ' -f2-
}
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# ---- preconditions -------------------------------------------------------------------------------
for tool in Xvfb xdotool dbus-daemon dpkg "$IMPORT" "$CONVERT"; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh --test installs it)"
done
if ((DO_DEB)) && [[ -z "$DEB" ]]; then
  DEB=$(newest "$BUNDLE_DIR/deb" 'MeetDesk_*.deb')
  [[ -n "$DEB" ]] || fail "no MeetDesk .deb in $BUNDLE_DIR/deb: build one with 'npx tauri build --bundles deb'"
fi
if [[ -z "$APPIMAGE" ]]; then
  APPIMAGE=$(newest "$BUNDLE_DIR/appimage" 'MeetDesk_*.AppImage')
fi
if ((DO_DEB)); then
  [[ -f "$DEB" ]] || fail "$DEB not found"
  PKG=$(dpkg-deb -f "$DEB" Package)
fi
if ((DO_DEB)) && dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
  [[ "${SMOKE_REPLACE:-}" == 1 ]] \
    || fail "$PKG is already installed; this test installs and REMOVES it. Set SMOKE_REPLACE=1 to go on."
fi

WORK=$(mktemp -d /tmp/meetdesk-smoke.XXXXXX)
OUT="${SMOKE_OUT:-$WORK/out}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
INSTALLED=0
PGIDS=()       # one process group per app launch (setsid): ends WebKit's helpers with the app
XVFB_PID="" DBUS_PID=""
OK=0

kill_group() {  # kill_group PGID: TERM, then KILL what is left after 5 s
  local g=$1
  kill -0 -- "-$g" 2>/dev/null || return 0
  kill -TERM -- "-$g" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e
  for g in "${PGIDS[@]}"; do kill_group "$g"; done
  [[ -n "$DBUS_PID" ]] && kill "$DBUS_PID" 2>/dev/null
  [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null
  wait 2>/dev/null
  if ((INSTALLED)); then
    log "cleanup: removing the $PKG package"
    as_root dpkg -r "$PKG" >/dev/null 2>&1
  fi
  if ((OK)); then
    rm -rf "$WORK"   # with SMOKE_OUT set, the output is kept there
  else
    # The app data (logs, window state) and the output stay for a look; only caches go.
    rm -rf "$WORK/home/.cache" "$WORK/tmp"
    ((OK)) || echo "[smoke] FAILED (exit $rc); logs and screenshots in $OUT and $WORK" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- a display and a D-Bus session of our own -----------------------------------------------------
# -displayfd picks a free display number, so this can run beside other X servers and other tests.
exec 3> "$WORK/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
exec 3>&-
for _ in $(seq 100); do [[ -s "$WORK/display" ]] && break; sleep 0.1; done
[[ -s "$WORK/display" ]] || fail "Xvfb did not start: $(cat "$WORK/xvfb.log")"
DISPLAY=":$(head -n1 "$WORK/display")"
export DISPLAY

# A private session bus without service activation: the single-instance plugin needs a bus, and
# nothing the app asks for (keychain, portals, accessibility) can start other daemons on it.
cat > "$WORK/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$WORK/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile >"$WORK/dbus.log" 2>&1 &
DBUS_PID=$!
for _ in $(seq 100); do [[ -S "$WORK/bus" ]] && break; sleep 0.1; done
[[ -S "$WORK/bus" ]] || fail "dbus-daemon did not start: $(cat "$WORK/dbus.log")"
log "display $DISPLAY, session bus $WORK/bus"

# The app's environment: nothing from the caller's desktop, everything under $WORK.
mkdir -p "$WORK"/{home,data,run,tmp} && chmod 700 "$WORK/run"
APP_ENV=(
  "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$WORK/home" "LANG=C.UTF-8" "TMPDIR=$WORK/tmp"
  "DISPLAY=$DISPLAY" "DBUS_SESSION_BUS_ADDRESS=unix:path=$WORK/bus" "XDG_RUNTIME_DIR=$WORK/run"
  "XDG_CONFIG_HOME=$WORK/home/.config" "XDG_DATA_HOME=$WORK/home/.local/share"
  "XDG_CACHE_HOME=$WORK/home/.cache" "XDG_STATE_HOME=$WORK/home/.local/state"
  "MEETDESK_DATA_DIR=$WORK/data" "NO_AT_BRIDGE=1"
)
APP_LOG="$WORK/data/logs/meetdesk.log"

# ---- helpers --------------------------------------------------------------------------------------
LAST_PID=""
launch() {  # launch NAME CMD...: start in a new process group; sets LAST_PID
  local name=$1; shift
  env -i "${APP_ENV[@]}" "${EXTRA_ENV[@]}" setsid "$@" >"$OUT/$name.out" 2>&1 &
  LAST_PID=$!
  PGIDS+=("$LAST_PID")
}
EXTRA_ENV=()

ready_count() { local n; n=$(grep -c "window: page ready" "$APP_LOG" 2>/dev/null) || true; echo "${n:-0}"; }

wait_ready() {  # wait_ready PID BEFORE_COUNT: until the log has one more "page ready" line
  local pid=$1 before=$2 deadline=$(( $(date +%s) + TIMEOUT ))
  while (( $(ready_count) <= before )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$APP_LOG" 2>/dev/null >&2 || true
      fail "the app (pid $pid) exited before its page was ready; see $OUT"
    fi
    (( $(date +%s) < deadline )) || fail "no 'window: page ready' in $APP_LOG after ${TIMEOUT}s"
    sleep 0.1
  done
  grep "window: page ready" "$APP_LOG" | tail -n1 | sed 's/.*window: /  log: window: /'
}

find_window() {  # find_window PGID: the visible MeetDesk window of a process in that group
  local pgid=$1 w wpid
  for _ in $(seq 50); do
    for w in $(xdotool search --onlyvisible --name "^${TITLE}\$" 2>/dev/null); do
      wpid=$(xdotool getwindowpid "$w" 2>/dev/null) || continue
      [[ "$(ps -o pgid= -p "$wpid" 2>/dev/null | tr -d ' ')" == "$pgid" ]] && { echo "$w"; return 0; }
    done
    sleep 0.1
  done
  return 1
}

visible_windows() { xdotool search --onlyvisible --name "^${TITLE}\$" 2>/dev/null | wc -l; }

screenshot() {  # screenshot NAME WID: the screen, once the window shows content (not one flat colour)
  local f="$OUT/$1.png" wid=$2 sd=0 x y w h t0
  read -r x y w h < <(geometry "$wid")
  t0=$(date +%s%N)
  for _ in $(seq 300); do
    "$IMPORT" -window root "$f"
    sd=$("$CONVERT" "$f" -crop "${w}x${h}+${x}+${y}" +repage -format '%[fx:standard_deviation]' info:)
    if awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }'; then
      log "screenshot $f (content $(( ($(date +%s%N) - t0) / 1000000 )) ms after the first try)"
      return 0
    fi
    sleep 0.1
  done
  fail "the window stayed one flat colour for 30 s (standard deviation $sd): $f"
}

geometry() {  # geometry WID: "X Y W H"
  xdotool getwindowgeometry --shell "$1" | awk -F= '/^(X|Y|WIDTH|HEIGHT)=/ { v[$1]=$2 } END { print v["X"], v["Y"], v["WIDTH"], v["HEIGHT"] }'
}

stop_app() {  # stop_app PGID [PID]: SIGTERM the app (PID, default PGID) only; its group must end
  local pgid=$1 pid=${2:-$1}
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 -- "-$pgid" 2>/dev/null; then
    ps -o pid,comm --no-headers -g "$pgid" >&2 || true
    fail "processes of the app were still running 10 s after SIGTERM"
  fi
  wait "$pgid" 2>/dev/null || true
}

close_window() {  # close_window WID: WM_DELETE_WINDOW, as a window manager's close button sends it
  python3 - "$1" <<'EOF'
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5)]
class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                         ctypes.POINTER(XEvent)]
x.XFlush.argtypes = x.XCloseDisplay.argtypes = [ctypes.c_void_p]
d = x.XOpenDisplay(None)
if not d:
    sys.exit("cannot open display")
w = int(sys.argv[1])
ev = XEvent()
ev.xclient.type = 33  # ClientMessage
ev.xclient.window = w
ev.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
ev.xclient.format = 32
ev.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
ev.xclient.data[1] = 0  # CurrentTime
x.XSendEvent(d, w, 0, 0, ctypes.byref(ev))
x.XFlush(d)
x.XCloseDisplay(d)
EOF
}

# ---- the .deb -------------------------------------------------------------------------------------
check_package_contents() {
  local deb=$1 f
  log "package: $(dpkg-deb -f "$deb" Package Version Architecture | paste -sd' ')"
  log "depends: $(dpkg-deb -f "$deb" Depends)"
  dpkg-deb -c "$deb" | awk '{ print $NF }' | sed -E 's#^\.?/?#/#' > "$OUT/deb-files.txt"
  for f in "$BIN" "$CLI" "$DESKTOP"; do grep -qx "$f" "$OUT/deb-files.txt" || fail "$deb has no $f"; done
  # Without a CJK font, WebKitGTK draws Chinese titles as empty boxes.
  dpkg-deb -f "$deb" Depends | grep -q "fonts-noto-cjk" || fail "$deb does not depend on a CJK font"
  local icons
  icons=$(grep -cE '^/usr/share/icons/hicolor/[0-9]+x[0-9]+(@2)?/apps/meetdesk\.png$' "$OUT/deb-files.txt" || true)
  ((icons >= 3)) || fail "$deb has $icons hicolor icons, expected at least 3 sizes"
  log "deb: $(stat -c %s "$deb") bytes, $icons icon sizes"
}

check_desktop_entry() {
  local f=$DESKTOP key
  [[ -f "$f" ]] || fail "$f not installed"
  cp "$f" "$OUT/MeetDesk.desktop"
  for key in "Type=Application" "Name=MeetDesk" "Exec=meetdesk" "Icon=meetdesk" "Terminal=false"; do
    grep -qx "$key" "$f" || fail "$f lacks '$key'"
  done
  grep -qE '^Categories=(.*;)?Office;' "$f" || fail "$f: Categories does not include Office"
  grep -qE '^Comment=.+' "$f" || fail "$f has no Comment"
  [[ -f /usr/share/icons/hicolor/128x128/apps/meetdesk.png ]] || fail "no 128x128 hicolor icon installed"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$f" || fail "desktop-file-validate rejects $f"
  fi
  log "desktop entry: $(grep -E '^(Name|Comment|Categories|Icon)=' "$f" | paste -sd' ')"
}

test_deb() {
  check_package_contents "$DEB"
  log "installing $DEB"
  INSTALLED=1
  if ! as_root dpkg -i "$DEB" >"$OUT/dpkg-install.log" 2>&1; then
    log "dpkg -i left dependencies missing; letting apt-get fetch them"
    as_root apt-get update -qq >>"$OUT/dpkg-install.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -f -y -qq --no-install-recommends \
      >>"$OUT/dpkg-install.log" 2>&1 || fail "the .deb's dependencies cannot be installed; see $OUT/dpkg-install.log"
  fi
  dpkg-query -W -f='${Status}' "$PKG" | grep -q "install ok installed" || fail "$PKG is not installed after dpkg -i"
  [[ -x "$BIN" ]] || fail "$BIN missing after install"
  if ldd "$BIN" | grep -q "not found"; then
    ldd "$BIN" | grep "not found" >&2
    fail "$BIN needs libraries that are not installed (the package's Depends is incomplete)"
  fi
  check_desktop_entry
  "$CLI" --help >"$OUT/cli-help.out" 2>&1 || fail "$CLI --help failed; see $OUT/cli-help.out"
  grep -qw "query" "$OUT/cli-help.out" || fail "$CLI --help does not name its query command"
  log "cli: $("$CLI" --version)"
  if command -v fc-list >/dev/null; then
    [[ -n "$(fc-list :lang=zh family)" ]] || fail "no font for Chinese after installing $PKG"
    log "Chinese font: $(fc-list :lang=zh family | head -n1)"
  fi

  # 1. First launch: the page paints, the window is there and is ours.
  launch deb-first "$BIN"
  local pid=$LAST_PID wid
  wait_ready "$pid" 0
  wid=$(find_window "$pid") || fail "no visible window named $TITLE owned by pid $pid"
  log "window $wid: $(xdotool getwindowname "$wid"), geometry $(geometry "$wid")"
  if command -v xprop >/dev/null; then  # docks match it against StartupWMClass
    local class want_class
    class=$(xprop -id "$wid" WM_CLASS | sed -n 's/^WM_CLASS(STRING) = "\([^"]*\)".*/\1/p')
    want_class=$(sed -n 's/^StartupWMClass=//p' "$DESKTOP")
    [[ -z "$want_class" || "$class" == "$want_class" ]] \
      || fail "WM_CLASS '$class' differs from the desktop entry's StartupWMClass '$want_class'"
    log "WM_CLASS $class (StartupWMClass ${want_class:-unset})"
  fi
  screenshot deb-first-launch "$wid"

  # 2. Single instance: a second launch hands its arguments to the first over D-Bus and exits 0;
  #    the first brings its window back (here: after it was unmapped, as a minimised window is).
  xdotool windowunmap --sync "$wid"
  (( $(visible_windows) == 0 )) || fail "the window is still visible after unmapping it"
  launch deb-second "$BIN"
  local second=$LAST_PID rc=0
  for _ in $(seq 300); do kill -0 "$second" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$second" 2>/dev/null && fail "the second launch was still running after 30 s: no single instance"
  wait "$second" || rc=$?
  ((rc == 0)) || fail "the second launch exited with $rc; see $OUT/deb-second.out"
  kill -0 "$pid" 2>/dev/null || fail "the first instance died when the second was launched"
  local n=0
  for _ in $(seq 50); do n=$(visible_windows); ((n == 1)) && break; sleep 0.1; done
  ((n == 1)) || fail "expected the first window to be shown again by the second launch; $n visible"
  (( $(ready_count) == 1 )) || fail "the second launch started a second app (two 'page ready' lines)"
  log "single instance: second launch exited 0 and brought the first window back"

  # 3. Window state: move and resize, close as a window manager would, relaunch, compare.
  if command -v python3 >/dev/null; then
    xdotool windowsize --sync "$wid" 900 600 && xdotool windowmove --sync "$wid" 120 90
    sleep 0.5
    local want got
    want=$(geometry "$wid")
    close_window "$wid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "the app did not exit when its window was closed"
    wait "$pid" 2>/dev/null || true
    [[ -s "$WORK/data/window-state.json" ]] || fail "no window-state.json written on close"
    launch deb-relaunch "$BIN"
    pid=$LAST_PID
    wait_ready "$pid" 1
    wid=$(find_window "$pid") || fail "no window after relaunch"
    got=$(geometry "$wid")
    [[ "$got" == "$want" ]] || fail "window geometry not restored: closed at '$want', reopened at '$got'"
    log "window state: geometry '$got' (x y w h) restored after close and relaunch"
    screenshot deb-relaunch "$wid"
  else
    log "SKIP window-state check: python3 not found (needed to send WM_DELETE_WINDOW)"
  fi

  # 4. SIGTERM ends the app and its WebKit processes.
  stop_app "$pid"
  log "SIGTERM: the app and its WebKit processes ended"
  cp "$APP_LOG" "$OUT/deb-meetdesk.log"

  # 5. Removal.
  as_root dpkg -r "$PKG" >"$OUT/dpkg-remove.log" 2>&1 || fail "dpkg -r $PKG failed; see $OUT/dpkg-remove.log"
  INSTALLED=0
  dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed" && fail "$PKG still installed"
  [[ ! -e "$BIN" ]] || fail "$BIN still there after dpkg -r"
  [[ ! -e "$DESKTOP" ]] || fail "$DESKTOP still there after dpkg -r"
  log "removed: $BIN and $DESKTOP are gone"
}

# ---- the AppImage ---------------------------------------------------------------------------------
test_appimage() {
  log "AppImage: $APPIMAGE ($(stat -c %s "$APPIMAGE") bytes)"
  chmod +x "$APPIMAGE"
  rm -rf "$WORK/data"   # a fresh data dir: its log starts empty
  EXTRA_ENV=("APPIMAGE_EXTRACT_AND_RUN=1")
  launch appimage "$(cd "$(dirname "$APPIMAGE")" && pwd)/$(basename "$APPIMAGE")"
  EXTRA_ENV=()
  local pid=$LAST_PID wid
  wait_ready "$pid" 0
  wid=$(find_window "$pid") || fail "no visible $TITLE window from the AppImage"
  log "AppImage window $wid, geometry $(geometry "$wid")"
  screenshot appimage-first-launch "$wid"
  # $pid is the AppImage runtime, which waits for the app it extracted: signal the app itself.
  stop_app "$pid" "$(xdotool getwindowpid "$wid")"
  cp "$APP_LOG" "$OUT/appimage-meetdesk.log"
  log "AppImage: painted, window found, ended on SIGTERM"
}

if ((DO_DEB)); then test_deb; fi
if [[ -n "$APPIMAGE" ]]; then
  test_appimage
else
  log "no AppImage given or found in $BUNDLE_DIR/appimage: AppImage not tested"
fi
OK=1
log "PASS"
