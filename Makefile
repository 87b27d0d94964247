# MeetDesk: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CARGO_TERM_COLOR ?= never

.PHONY: help deps test-deps run sim test test-rust test-ui test-e2e bench bundle screenshots clean

help:
	@echo "make run          install what is missing, build, and open MeetDesk"
	@echo "make test         install what the tests need and run every test"
	@echo "make sim          run the DingTalk simulator on http://127.0.0.1:8787"
	@echo "make bundle       build the Linux installers (.deb, .rpm, .AppImage)"
	@echo "make bench        run the benchmarks and print their figures"
	@echo "make screenshots  regenerate docs/screenshots/ from the real app"

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

run: deps
	cargo run --bin meetdesk

sim:
	cargo run -p dingtalk-sim -- --port 8787

test: test-deps
	node --test ui/
	cargo test --workspace --no-fail-fast

bench:
	cargo bench -p dingtalk

bundle: deps
	npx tauri build --bundles deb,rpm,appimage

clean:
	cargo clean
