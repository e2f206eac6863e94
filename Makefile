# The two commands: `make run` (the demo on the embedded default) and `make test` (every test).
# Both install the system packages they need first (Debian/Ubuntu, as root or with sudo).

SHELL := /bin/bash
CARGO ?= cargo
PACKAGES := dpdk libdpdk-dev libpcap-dev libclang-dev pkg-config socat tshark tcpdump iptables iproute2 iputils-ping netcat-openbsd telnet build-essential python3 python3-pip lua-check librsvg2-bin tmux openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run lint test bench clean

## deps: install the Debian packages that are missing (non-interactive).
deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		echo "wireshark-common wireshark-common/install-setuid boolean false" | $(SUDO) debconf-set-selections; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# rustfmt and clippy come with rustup's default profile; add them where a minimal one left them out.
	@cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
	@# The latency tests read our histogram logs back with an independent decoder.
	@python3 -c 'import hdrh' 2>/dev/null || python3 -m pip install -q hdrhistogram 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages hdrhistogram
	@# The Python client's tests (pytest) and the metrics tests' parser (prometheus_client); the
	@# tests use the client in the tree, and the installed one is for users' own scripts.
	@python3 -c 'import pytest, prometheus_client' 2>/dev/null || python3 -m pip install -q pytest prometheus_client 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages pytest prometheus_client
	@python3 -m pip install -q ./clients/python 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages ./clients/python

## build: the release binary target/release/pktgen.
build: deps
	$(CARGO) build --release -p runtime

## run: the demo on the embedded default (two back-to-back ports, no NIC, no hugepages); Ctrl-C quits.
run: build
	./target/release/pktgen -f test/demo.lua

## lint: formatting, clippy (warnings are errors), luacheck over the Lua stdlib and tests, and the
## import graph of engine/src and runtime/src/lua (no circle, nothing climbs up).
lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	luacheck --no-color -q lua test
	python3 tools/import_graph.py

## test: the linters, then the whole suite against the real engine (run as root: DPDK needs it),
## including the Python client's pytest suite (runtime/tests/python.rs runs it).
test: lint
	$(CARGO) test --workspace --no-fail-fast

## bench: measure and append the results to bench/RESULTS.md.
bench: deps
	$(CARGO) build --release -p bench -p runtime
	bench/run.sh | tee -a bench/RESULTS.md

clean:
	$(CARGO) clean
