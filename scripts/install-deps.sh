#!/usr/bin/env bash
# Installs what MeetDesk needs to build, run and test on Debian/Ubuntu, and nothing already there.
# Idempotent: a second run only checks. Uses sudo when not root.
#   scripts/install-deps.sh          build + run (WebKitGTK and friends, the Tauri CLI from npm)
#   scripts/install-deps.sh --test   also what the tests need (Xvfb, WebKitWebDriver, gnome-keyring,
#                                    ImageMagick, a CJK font)
set -euo pipefail
cd "$(dirname "$0")/.."

want=(libwebkit2gtk-4.1-dev build-essential curl wget file pkg-config libxdo-dev libssl-dev
      libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev)
if [[ "${1:-}" == "--test" ]]; then
  # tests/e2e.rs: the real window under its own Xvfb, driven through WebKitWebDriver (no
  # tauri-driver needed); a private D-Bus session with gnome-keyring for the keychain test.
  # ImageMagick and xdotool: scripts/smoke-install.sh and scripts/measure.py.
  # fonts-noto-cjk: the demo data's Chinese titles are drawn, not shown as boxes, so `make
  # screenshots` on a fresh machine looks like docs/screenshots (the .deb depends on it too).
  want+=(xvfb xauth webkit2gtk-driver dbus dbus-daemon dbus-bin gnome-keyring imagemagick xdotool
         x11-utils desktop-file-utils python3 fonts-noto-cjk)
fi

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "Installing system packages: ${missing[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "Not a Debian/Ubuntu system: install WebKitGTK 4.1 and the Tauri prerequisites yourself" >&2
  echo "(https://v2.tauri.app/start/prerequisites/), then run this again." >&2
fi

# From npm, pinned in package-lock.json: the Tauri CLI (icons, installers) and axe-core (the
# accessibility rules tests/e2e/accessibility.rs runs in the real window). A checkout whose
# node_modules predates either gets `npm ci` again.
axe_pinned=$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' package.json)
axe_have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' node_modules/axe-core/package.json 2>/dev/null | head -1 || true)
if [[ ! -x node_modules/.bin/tauri || "$axe_have" != "$axe_pinned" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
