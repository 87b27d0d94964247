# MeetDesk: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CARGO_TERM_COLOR ?= never

.PHONY: help deps test-deps run sim test test-e2e bench bench-client bench-pacing bench-page-memory bench-sdk bench-export bench-xlsx bench-window bundle screenshots clean

help:
	@echo "make run          install what is missing, build, and open MeetDesk"
	@echo "make test         install what the tests need and run every test"
	@echo "make sim          run the DingTalk simulator on http://127.0.0.1:8787"
	@echo "make bundle       build the Linux installers (.deb, .rpm, .AppImage)"
	@echo "make bench        run the benchmarks and print their figures"
	@echo "make bench-window measure the real window: render, scroll, memory (~10 min)"
	@echo "make screenshots  regenerate docs/screenshots/ from the real app"
	@echo "make smoke        build the .deb, install it, start it under Xvfb, remove it"
	@echo "make measure      binary and installer sizes, start-up and memory vs a Tauri hello-world"

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

run: deps
	cargo run --bin meetdesk

sim:
	cargo run -p dingtalk-sim -- --port 8787

# Everything: formatting and clippy (warnings are errors), front-end unit tests, Rust unit and integration tests (the simulator, the client,
# the commands under the mock runtime, the CLI, export, and the WebDriver tests in the real window,
# which start their own Xvfb), then the .deb built, installed and started (scripts/smoke-install.sh).
test: test-deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	node --test ui/
	cargo test --workspace --no-fail-fast
	npx tauri build --bundles deb
	scripts/smoke-install.sh

# Each benchmark prints its medians; docs/benchmarks.md and docs/performance-*.md hold the figures.
bench: bench-client bench-pacing bench-page-memory bench-sdk bench-export bench-xlsx

bench-client:
	cargo bench -p dingtalk --bench client

# Load-all of 5,000 meetings at the default pace against the simulator's limit of 20 calls in any
# rolling second: calls, seconds, ratio to the floor (calls / 20 s) and 403s, beside 15/s and 20/s.
bench-pacing:
	cargo run --release -p dingtalk --example bench_pacing

# Peak memory of one call that meets an 8 MB page of `{}` (2.8 million meetings for maxResults=100).
bench-page-memory:
	cargo run --release -p dingtalk --example page_rss

# Our fetch of a 5,000-meeting room against the official Python SDK's, same simulator, same run.
bench-sdk:
	python3 -m pip install --quiet --disable-pip-version-check alibabacloud-dingtalk==2.2.65
	cargo run --release -p dingtalk --example bench_fetch

bench-export:
	cargo bench -p meetdesk-core --bench export

# 100,000 meetings to .xlsx: median time (goal < 2 s) and peak memory growth (goal < 50 MB).
bench-xlsx:
	cargo bench -p meetdesk-core --bench xlsx

# The real window's speed and memory (docs/performance-window.md), about 10 minutes;
# MEETDESK_BENCH_BIN=path/to/release/meetdesk measures a release build.
bench-window: test-deps
	cargo test -p meetdesk --test window_bench -- --ignored --nocapture

# Linux installers, into ${CARGO_TARGET_DIR:-target}/release/bundle/{deb,rpm,appimage}/ (docs/packaging.md).
# The AppImage needs linuxdeploy, which the Tauri CLI downloads from GitHub: where GitHub cannot be
# reached it is left out with a message. BUNDLES=deb,rpm,appimage (or any list) overrides the choice.
bundle: deps
	@bundles="$(BUNDLES)"; \
	if [[ -z "$$bundles" ]]; then \
	  bundles=deb,rpm,appimage; \
	  if ! curl -fsSIL --max-time 10 -o /dev/null https://github.com 2>/dev/null; then \
	    echo "bundle: github.com unreachable, so no AppImage (its tools come from there); deb and rpm only"; \
	    bundles=deb,rpm; \
	  fi; \
	fi; \
	echo "npx tauri build --bundles $$bundles"; \
	npx tauri build --bundles "$$bundles"

.PHONY: smoke measure

# Builds the .deb, installs it, runs the installed app under Xvfb, removes it (root or sudo).
smoke: test-deps
	npx tauri build --bundles deb
	scripts/smoke-install.sh

# Size, start-up and memory of the release build next to a Tauri hello-world (docs/performance-startup.md).
measure: test-deps
	npx tauri build --bundles deb
	scripts/measure.py

# The WebDriver tests alone (make test runs them too).
test-e2e: test-deps
	cargo test -p meetdesk --test e2e

# Regenerates docs/screenshots/ from the real app.
screenshots: test-deps
	scripts/screenshots.sh

clean:
	cargo clean
