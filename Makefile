# ImagePortal — the two commands: `make run` and `make test`.
# Both install what is missing (Debian packages via apt-get, Python clients into .venv).

SHELL := /bin/bash
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= ./data
VENV := .venv
PYTHON := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: build (system SQLite and OpenSSL), tests (browser, driver; PostgreSQL 15 and curl
# for the engines that scripts/engines/ start; nginx as the load balancer of the cluster tests), bench.
BUILD_PACKAGES := libsqlite3-dev libssl-dev pkg-config
TEST_PACKAGES := chromium chromium-driver python3 python3-venv postgresql curl nginx
BENCH_PACKAGES := curl

.PHONY: run test build build-tests setup-build setup-test setup-python test-swift test-compat test-browser test-cluster engines-check bench clean

## make run: build in release and serve on $(HOST):$(PORT) with data in $(DATA_DIR)
run: setup-build
	$(SWIFT) build -c release --product image-portal
	mkdir -p $(DATA_DIR)
	.build/release/image-portal serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

## make test: every test, unit to browser, on the embedded stores and on PostgreSQL + Swift
test: setup-test build-tests test-swift test-compat test-browser test-cluster

build-tests: setup-build
	$(SWIFT) build --build-tests

test-swift:
	$(SWIFT) test --skip-build

test-compat: setup-python
	PORTAL_BIN=$(CURDIR)/.build/debug/image-portal $(PYTHON) -m pytest -q Tests/compat

test-browser: setup-python
	PORTAL_BIN=$(CURDIR)/.build/debug/image-portal $(PYTHON) -m pytest -q Tests/browser

## make test-cluster: the conformance run on real PostgreSQL and Swift, started and stopped here
test-cluster: setup-test setup-python
	scripts/engines/with-engines.sh scripts/test-cluster.sh

## make engines-check: start real PostgreSQL and Swift on loopback, check them, stop them
engines-check: setup-test setup-python
	scripts/engines/with-engines.sh scripts/engines/check.sh

## make bench: figures against a live release server, beside this machine's own ceiling
## make bench BACKEND=postgres+swift: two instances on real PostgreSQL and Swift, beside python-swiftclient
BACKEND ?= sqlite+files
bench: setup-build
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi
	$(SWIFT) build -c release --product image-portal
	$(SWIFT) build -c release --product portal-bench
ifeq ($(BACKEND),postgres+swift)
	$(MAKE) setup-test setup-python
	scripts/engines/with-engines.sh scripts/bench-cluster.sh
else
	scripts/bench.sh
endif

setup-build:
	@missing=""; for p in $(BUILD_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

setup-test: setup-build
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! command -v python3 >/dev/null; then missing="$$missing python3 python3-venv"; fi; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

setup-python: $(VENV)/.installed

$(VENV)/.installed: Tests/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -r Tests/requirements.txt
	touch $@

clean:
	rm -rf .build $(VENV) test-output bench-output
