# A new user's two commands: `make serve` and `make test`. Both set up first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= $(or $(ESSAYBOT_HOST),127.0.0.1)
PORT ?= $(or $(ESSAYBOT_PORT),7860)

DEMO_PORT ?= 8000

.PHONY: setup serve test lint index browser nginx systemd converters dictionary demo-embed screenshots clean

setup: $(STAMP)

# Reinstall only when the project's dependencies change: `make setup` is idempotent.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/essaybot models build
	touch $(STAMP)

index: setup
	$(BIN)/essaybot index

serve: setup
	$(BIN)/essaybot serve --host $(HOST) --port $(PORT)

# The sample intranet page on a second origin (http://localhost:$(DEMO_PORT)), pointed at
# this bot's address and port, beside the bot.
DEMO_DIR := artifacts/demo
# Both stop when either does (the bot's port taken, Ctrl-C): `wait -n` is bash's.
demo-embed: SHELL := /bin/bash
demo-embed: setup
	@mkdir -p $(DEMO_DIR)
	@sed 's#http://127.0.0.1:7860#http://$(HOST):$(PORT)#g' examples/intranet.html > $(DEMO_DIR)/intranet.html
	@echo "Sample intranet page: http://localhost:$(DEMO_PORT)/intranet.html"
	@echo "The bot:              http://$(HOST):$(PORT)/   (Ctrl-C stops both)"
	@$(BIN)/essaybot serve --host $(HOST) --port $(PORT) & bot=$$!; \
	$(BIN)/python -m http.server $(DEMO_PORT) --bind 127.0.0.1 --directory $(DEMO_DIR) & page=$$!; \
	trap 'kill $$bot $$page 2>/dev/null' EXIT INT TERM; \
	wait -n $$bot $$page

# The README's pictures of the chat and the widget (docs/screenshots/), taken by the browser
# test that looks at them; a plain test run puts its own into artifacts/screenshots/.
screenshots: setup browser
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/test_accessibility.py -k screenshots

# Debian's Chromium for the browser tests; Playwright cannot download its own here.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's nginx for the replicas test (tests/test_replicas.py); installed, never started
# as a service: the test runs its own on a loopback port.
nginx:
	@test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

# systemd-analyze, which checks deploy/essaybot@.service (tests/test_deploy.py); nothing
# is started under systemd.
systemd:
	@test -x /usr/bin/systemd-analyze || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq systemd >/dev/null; }

# Debian's pandoc and qpdf: the document tests make their PDFs, Word, OpenDocument and HTML
# files with real converters (tests/support/documents.py); the bot itself needs neither.
converters:
	@test -x /usr/bin/pandoc -a -x /usr/bin/qpdf || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq pandoc qpdf >/dev/null; }

# Debian's trans-de-en (Ding's German-English word list, GPL-2+): an English question
# finds a German text's words through it (bot/languages/dictionary.py) where
# ESSAYBOT_DICTIONARY names it; the tests of that drive it for real.
dictionary:
	@test -f /usr/share/trans/de-en || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq trans-de-en >/dev/null; }

lint: setup
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/mypy

test: setup browser nginx systemd converters dictionary lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
	find index -mindepth 1 ! -name .gitignore ! -name README.md -delete
