# vrrpd — developer entry points. Everything runs as root on Debian/Ubuntu.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PYTHON  ?= python3
DEB_PKGS := keepalived mosquitto iproute2 tcpdump nftables ethtool
# The binaries those packages provide; `deps` installs only what is missing.
DEB_BINS := keepalived mosquitto ip tcpdump nft ethtool

.PHONY: help venv deps test test-unit lint demo bench clean sweep

help:
	@echo "make demo   - build a netns lab, run two vrrpd routers, fail the master over, show it"
	@echo "make test   - install what is needed (venv, Debian packages) and run the whole suite"
	@echo "make bench  - measure client-visible outage: vrrpd vs keepalived, same run"
	@echo "make lint   - ruff"
	@echo "make sweep  - remove lab namespaces/processes left by an interrupted run"

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (need Python >= 3.11)"; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python >= 3.11 required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

deps:
	@missing=""; for b in $(DEB_BINS); do \
	  command -v $$b >/dev/null || [ -x /usr/sbin/$$b ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  [ "$$(id -u)" = 0 ] || { echo "error: need root to apt-get install $(DEB_PKGS)"; exit 1; }; \
	  echo "installing Debian packages: $(DEB_PKGS)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $(DEB_PKGS) >/dev/null; \
	fi
	@for b in $(DEB_BINS); do command -v $$b >/dev/null || [ -x /usr/sbin/$$b ] || \
	  { echo "error: $$b still missing after install"; exit 1; }; done
	@# keepalived/mosquitto packages may start system services; the lab runs its own copies.
	@-systemctl stop keepalived mosquitto >/dev/null 2>&1 || true

test: venv deps
	@[ "$$(id -u)" = 0 ] || { echo "error: make test runs the netns lab and needs root"; exit 1; }
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -p no:cacheprovider tests

test-unit: venv
	$(PY) -m pytest -p no:cacheprovider -m "not lab" tests

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

demo: venv deps
	$(PY) -m netns_lab demo

bench: venv deps
	$(PY) -m netns_lab bench

sweep: venv
	$(PY) -m netns_lab sweep

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
