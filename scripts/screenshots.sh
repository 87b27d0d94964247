#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png from the real app: the e2e test
# `screenshots_of_the_main_states` drives MeetDesk in its WebKitGTK window (under its own Xvfb,
# over WebDriver) and saves a WebDriver screenshot of each state:
#   first-run.png  demo-timeline.png  error.png  settings.png  chinese.png  dark.png
# and the tests of stalled requests add the states with Cancel and the slow note:
#   slow-search.png  slow-load-all.png  slow-export.png  slow-test-connection.png
# and the filter and the summary (issue 13):
#   filtered.png  summary.png  summary-dark.png
# and the watched rooms and the offline cache (issue 12):
#   offline.png  watched.png  watched-live.png
# The first test is #[ignore]d (`make test` spends no time on pictures); --include-ignored
# runs it here (with --exact, only the tests named).
# Needs what `scripts/install-deps.sh --test` installs (a CJK font among them, or Chinese titles
# show as boxes). Takes ~40 s once built.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/docs/screenshots"
mkdir -p "$out"
MEETDESK_SCREENSHOTS_DIR="$out" cargo test -p meetdesk --test e2e -- --include-ignored --exact screenshots_of_the_main_states \
    a_stalled_search_shows_cancel_at_once_then_the_slow_note_and_cancel_brings_back_the_list \
    a_stalled_load_all_shows_cancel_and_the_slow_note_and_escape_keeps_the_pages \
    a_stalled_export_of_all_pages_can_be_cancelled_and_writes_nothing \
    a_stalled_connection_test_can_be_cancelled_and_the_buttons_come_back \
    screenshots_of_the_filter_and_the_summary \
    watched_list::relaunched_offline_the_cached_room_paints_with_the_offline_note \
    watched_list::a_watched_room_is_listed_and_says_live_once_its_meeting_starts
ls -l "$out"/*.png
