# fleetdesk — the README's commands.
.PHONY: run test lint openapi openapi-check build bench

CARGO ?= cargo
BIN := target/debug/fleetdesk

build:
	$(CARGO) build --bin fleetdesk

# A development server on SQLite (./data/fleetdesk.db) with the demo data set loaded.
run: export FLEETDESK_ENV = dev
run: build
	$(BIN) demo-seed
	$(BIN) serve

# Every test, on SQLite and PostgreSQL (started here when installed and not running).
test:
	scripts/test

# Benchmarks (release build): fleetdesk beside PostgreSQL itself (pgbench anchors) on both
# backends, and the response clock over 2,000 office hours. See docs/benchmarks.md.
bench:
	scripts/bench

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Regenerate the committed contract from the code.
openapi: build
	$(BIN) openapi > openapi.yaml

# Fail when the committed contract differs from the code's.
openapi-check: build
	$(BIN) openapi | diff -u openapi.yaml - && echo "openapi.yaml matches the code"
