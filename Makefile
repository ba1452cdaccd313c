# Warden — the two commands a fresh machine needs are `make run` and `make test`.
# Everything else they depend on is installed here, into project-local folders.

SHELL := /bin/bash
.DEFAULT_GOAL := help

ORT_VERSION  := 1.31.1
TOOLS        := $(CURDIR)/.tools
ORT_DIR      := $(TOOLS)/onnxruntime-$(ORT_VERSION)
ORT_LIB      := $(ORT_DIR)/onnxruntime/capi/libonnxruntime.so.$(ORT_VERSION)
NUMPY_VERSION := 2.4.6
NUMPY_DIR    := $(TOOLS)/numpy-$(NUMPY_VERSION)
NUMPY_OK     := $(NUMPY_DIR)/.installed
DICT         := /usr/share/dict/words
PYTHON       ?= python3
CARGO        ?= cargo
TARGET_DIR   := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
CHROMIUM     ?= /usr/bin/chromium
E2E_DIR      := tests/e2e
PLAYWRIGHT   := $(E2E_DIR)/node_modules/playwright-core/package.json
FIREFOX      ?= /usr/bin/firefox-esr
GECKODRIVER_VERSION := 0.37.1
GECKODRIVER  := $(TOOLS)/geckodriver-$(GECKODRIVER_VERSION)/bin/geckodriver
CLIENTS_DIR  := tests/clients
PYCLIENTS    := $(TOOLS)/pyclients
PYCLIENTS_OK := $(PYCLIENTS)/.installed
NODECLIENTS  := $(CLIENTS_DIR)/node/node_modules/.package-lock.json

export ORT_DYLIB_PATH ?= $(ORT_LIB)
export WARDEN_REFERENCE_PYTHONPATH ?= $(ORT_DIR):$(NUMPY_DIR)
export WARDEN_REFERENCE_PYTHON ?= $(PYTHON)

.PHONY: help setup postgres-setup test-postgres crash-postgres load-postgres run demo test build lint e2e e2e-setup e2e-firefox clients clients-setup bench bench-ops load crash stress fuzz model wordlists clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(ORT_LIB) $(NUMPY_OK) $(DICT) ## Install what building and testing need (ONNX Runtime, numpy for the parity test, word list)
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }

# ONNX Runtime for ort's load-dynamic feature, from PyPI's wheel, into the project.
$(ORT_LIB):
	@echo "installing onnxruntime==$(ORT_VERSION) into $(ORT_DIR)"
	@mkdir -p $(TOOLS)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --target $(ORT_DIR) onnxruntime==$(ORT_VERSION)
	@test -f $@ || { echo "onnxruntime wheel did not contain $@"; exit 1; }

# The model parity test runs Python's onnxruntime (the wheel above) on the same machine as
# Rust (tests/model_reference.py); the wheel's one import it lacks is numpy.
$(NUMPY_OK):
	@echo "installing numpy==$(NUMPY_VERSION) into $(NUMPY_DIR)"
	@rm -rf $(NUMPY_DIR)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --target $(NUMPY_DIR) numpy==$(NUMPY_VERSION)
	@touch $@

# The false-positive test scores every word of Debian's American English word list.
$(DICT):
	@if command -v apt-get >/dev/null; then \
		echo "installing wamerican for $(DICT)"; \
		(apt-get install -y -qq wamerican >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq wamerican >/dev/null)); \
	fi
	@test -f $@ || { echo "$@ is missing: install Debian's wamerican package"; exit 1; }

# PostgreSQL 15 for the PostgreSQL store's tests: Debian's postgresql package. The tests
# never use its system cluster: tests/with-postgres.sh makes a throwaway one per run.
postgres-setup: ## Install Debian's postgresql (initdb) for the PostgreSQL store's tests
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing Debian's postgresql for the PostgreSQL store's tests"; \
		(apt-get install -y -qq postgresql >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null)); \
	fi
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "initdb is missing: install Debian's postgresql package"; exit 1; }

build: setup ## Build the release binary
	$(CARGO) build --release --locked

run: build ## Set up, build and run the Warden server (moderator console at /console)
	@echo "moderator console: http://127.0.0.1:8080/console (sign in with an admin or moderator key)"
	$(TARGET_DIR)/release/warden serve

demo: build ## Score the bundled examples/sample.jsonl and print one verdict per line
	$(TARGET_DIR)/release/warden score --jsonl --input examples/sample.jsonl

lint: ## Formatting and clippy (warnings are errors)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps

test: setup postgres-setup lint ## fmt check, clippy -D warnings, every test (store contract and API suites on sled and PostgreSQL), the console's browser test, the vendors' clients
	tests/with-postgres.sh $(CARGO) test --locked --all-targets
	$(MAKE) test-postgres
	$(CARGO) test --locked --doc
	$(MAKE) e2e
	$(MAKE) clients

# The black-box API suite again with every test server on PostgreSQL (a fresh database
# each) in a throwaway cluster; the store contract suite and the two-node test already
# ran on it in `cargo test` above.
test-postgres: setup postgres-setup ## The API suite with its servers on PostgreSQL (WARDEN_TEST_STORE=postgres)
	WARDEN_TEST_STORE=postgres tests/with-postgres.sh $(CARGO) test --locked --test main api::

# The console's browser test: Debian's Chromium, and playwright-core from npm into
# tests/e2e/node_modules (never a browser download).
e2e-setup: $(CHROMIUM) $(PLAYWRIGHT)

$(CHROMIUM):
	@echo "installing Debian's chromium for the console's browser test"
	@(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null))
	@test -x $@ || { echo "$@ is missing: install Debian's chromium package"; exit 1; }

$(PLAYWRIGHT): $(E2E_DIR)/package.json $(E2E_DIR)/package-lock.json
	@command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
		|| { echo "the browser test needs Node.js 20 or later (node, npm)"; exit 1; }
	cd $(E2E_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

e2e: setup e2e-setup ## Browser test of the moderator console (headless Chromium; screenshots in target/e2e/)
	$(CARGO) build --locked --bin warden
	WARDEN_BIN=$(TARGET_DIR)/debug/warden CHROMIUM=$(CHROMIUM) E2E_OUT=$(TARGET_DIR)/e2e node $(E2E_DIR)/console.mjs

# The drop-in APIs driven by the vendors' own clients, pinned: Python's openai and
# google-api-python-client (tests/clients/python/requirements.txt, every dependency
# pinned) in a venv under .tools, and npm's openai and googleapis from
# tests/clients/node/package-lock.json. Reinstalled when the pins change.
clients-setup: $(PYCLIENTS_OK) $(NODECLIENTS)

$(PYCLIENTS_OK): $(CLIENTS_DIR)/python/requirements.txt
	@echo "installing the pinned Python clients into $(PYCLIENTS)"
	@rm -rf $(PYCLIENTS)
	$(PYTHON) -m venv $(PYCLIENTS)
	$(PYCLIENTS)/bin/pip install --quiet --disable-pip-version-check --no-deps -r $<
	$(PYCLIENTS)/bin/pip check
	@touch $@

$(NODECLIENTS): $(CLIENTS_DIR)/node/package.json $(CLIENTS_DIR)/node/package-lock.json
	@command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
		|| { echo "the client tests need Node.js 20 or later (node, npm)"; exit 1; }
	cd $(CLIENTS_DIR)/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clients: setup clients-setup ## The drop-in APIs through the vendors' own Python and Node clients
	$(CARGO) build --locked --bin warden
	WARDEN_BIN=$(TARGET_DIR)/debug/warden $(PYCLIENTS)/bin/python $(CLIENTS_DIR)/python/test_clients.py
	WARDEN_BIN=$(TARGET_DIR)/debug/warden node $(CLIENTS_DIR)/node/clients.mjs

# The console in Firefox, a manual check like `make stress` (not in `make test`: CI time).
# Debian's Firefox ESR, driven over W3C WebDriver by geckodriver (built from crates.io
# into .tools); tests/e2e/firefox.mjs needs no npm packages.
$(FIREFOX):
	@echo "installing Debian's firefox-esr for the console's Firefox check"
	@(apt-get install -y -qq firefox-esr >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq firefox-esr >/dev/null))
	@test -x $@ || { echo "$@ is missing: install Debian's firefox-esr package"; exit 1; }

$(GECKODRIVER):
	@echo "building geckodriver $(GECKODRIVER_VERSION) into $(TOOLS) (a few minutes)"
	$(CARGO) install --locked --quiet geckodriver --version $(GECKODRIVER_VERSION) --root $(TOOLS)/geckodriver-$(GECKODRIVER_VERSION)
	@test -x $@ || { echo "cargo install geckodriver did not produce $@"; exit 1; }

e2e-firefox: setup $(FIREFOX) $(GECKODRIVER) ## The console in headless Firefox ESR via geckodriver (manual; screenshots in target/e2e/firefox-*.png)
	@command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
		|| { echo "the Firefox check needs Node.js 20 or later"; exit 1; }
	$(CARGO) build --locked --bin warden
	WARDEN_BIN=$(TARGET_DIR)/debug/warden FIREFOX=$(FIREFOX) GECKODRIVER=$(GECKODRIVER) E2E_OUT=$(TARGET_DIR)/e2e node $(E2E_DIR)/firefox.mjs

bench: setup ## Criterion benchmarks, then adversarial input shapes against the server (figures go to BENCHMARKS.md)
	$(CARGO) bench --locked --bench patterns --bench model
	$(CARGO) bench --locked --bench adversarial
	$(CARGO) bench --locked --bench ops

bench-ops: setup ## Bulk decision of 10,000 items, the dashboard over 1,000,000 events and over 30 days of queue samples (figures go to BENCHMARKS.md; one case: cargo bench --bench ops -- samples)
	$(CARGO) bench --locked --bench ops

load: setup ## API load test on loopback (wrk and benches/load.rs; figures go to BENCHMARKS.md)
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null)) || echo "wrk unavailable: the Rust generator runs alone"
	bash benches/load.sh

load-postgres: setup postgres-setup ## content and claim + decide on sled, then on PostgreSQL with one node and with two on one database, in one run (figures go to BENCHMARKS.md)
	bash benches/load-postgres.sh

crash: setup ## Crash test: kill -9 the server mid-stream, restart, check every acknowledged write
	$(CARGO) test --locked --test main api::stress -- --ignored --nocapture

crash-postgres: setup postgres-setup ## The crash tests on PostgreSQL (a throwaway cluster): one node killed and restarted; two nodes, one killed mid-stream
	WARDEN_TEST_STORE=postgres tests/with-postgres.sh $(CARGO) test --locked --test main api::stress -- --ignored --nocapture

stress: setup crash crash-postgres ## Heavy runs not in CI: the crash tests (sled; PostgreSQL with one and two nodes), then fuzzing
	$(MAKE) fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-600}

FUZZ_SECONDS ?= 60
fuzz: ## Fuzz the text paths with cargo fuzz (FUZZ_SECONDS, default 60)
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run score -- -max_total_time=$(FUZZ_SECONDS) -max_len=4096

model: ## Reproduce models/warden-minilm from scratch (Python, CPU; about 2 hours on 2 cores)
	bash training/make_model.sh

wordlists: setup ## Regenerate wordlists/ from ../shared/data/wordlist-sources, and words/en.tsv from SCOWL (wamerican, installed by setup) and ../shared/data/train
	$(PYTHON) wordlists/build.py
	$(PYTHON) wordlists/build_words.py

clean: ## Remove build outputs and installed tools
	$(CARGO) clean
	rm -rf $(TOOLS)
