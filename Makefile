# vrrpd — developer entry points. Everything runs as root on Debian/Ubuntu.
# No target starts, stops, restarts or enables a service of the host.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PYTHON  ?= python3
# the lab library is not part of the vrrpd package: it runs from the checkout
LAB     := PYTHONPATH=netns-lab$${PYTHONPATH:+:$$PYTHONPATH}

# make install / make deb
DESTDIR ?=
PREFIX  ?= /usr/local
VENVDIR ?= /opt/vrrpd
INSTALL_PYTHON ?= /usr/bin/python3
PIP_ARGS ?=
INSTALL_ENV = DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" VENVDIR="$(VENVDIR)" \
	PYTHON="$(INSTALL_PYTHON)" PIP_ARGS="$(PIP_ARGS)"

.PHONY: help venv deps test test-unit lint demo bench chaos clean sweep docs install uninstall deb

help:
	@echo "make demo      - build a netns lab, run two vrrpd routers, fail the master over, show it"
	@echo "make test      - install what is needed (venv, Debian packages) and run the whole suite"
	@echo "make bench     - measure client-visible outage: vrrpd vs keepalived, same run"
	@echo "make chaos     - seeded random faults on 3 routers, vrrpd then keepalived (CHAOS_MINUTES, CHAOS_SEED)"
	@echo "make lint      - ruff"
	@echo "make sweep     - remove lab namespaces/processes left by an interrupted run"
	@echo "make install   - production install: venv in $(VENVDIR), vrrpd in $(PREFIX)/sbin, unit, man pages"
	@echo "make uninstall - remove what make install added (an edited /etc/vrrpd/vrrpd.toml stays)"
	@echo "make deb       - build dist/vrrpd_VERSION_ARCH.deb (self-contained, /opt/vrrpd)"
	@echo "make docs      - regenerate the key table in conf/README.md"

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (need Python >= 3.11)"; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python >= 3.11 required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# Missing Debian packages only, with their services kept from starting (see the script).
deps:
	@packaging/install-deps.sh

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
	$(LAB) $(PY) -m netns_lab demo

bench: venv deps
	$(PY) -m pip install --quiet -e '.[bench]'
	$(LAB) $(PY) -m netns_lab bench
	$(LAB) $(PY) -m netns_lab bench --scale

CHAOS_MINUTES ?= 10
CHAOS_SEED ?=
chaos: venv deps
	$(LAB) $(PY) -m netns_lab chaos --minutes $(CHAOS_MINUTES) --impl both $(if $(CHAOS_SEED),--seed $(CHAOS_SEED))

sweep: venv
	$(LAB) $(PY) -m netns_lab sweep

docs: venv
	$(PY) -m vrrpd.docs --readme conf/README.md

install:
	@$(INSTALL_ENV) packaging/install.sh install

uninstall:
	@$(INSTALL_ENV) packaging/install.sh uninstall

deb:
	@PYTHON="$(INSTALL_PYTHON)" PIP_ARGS="$(PIP_ARGS)" VENVDIR="$(VENVDIR)" packaging/build-deb.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
