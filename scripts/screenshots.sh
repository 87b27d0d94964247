#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png from the real app: the e2e test
# `screenshots_of_the_main_states` drives MeetDesk in its WebKitGTK window (under its own Xvfb,
# over WebDriver) and saves a WebDriver screenshot of each state:
#   first-run.png  demo-timeline.png  error.png  settings.png  chinese.png  dark.png
# Needs what `scripts/install-deps.sh --test` installs. Takes ~15 s once built.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/docs/screenshots"
mkdir -p "$out"
MEETDESK_SCREENSHOTS_DIR="$out" cargo test -p meetdesk --test e2e -- --exact screenshots_of_the_main_states
ls -l "$out"/*.png
