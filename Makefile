# heatwatch — see README.md. `make demo` and `make test` install what they need themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint format typecheck messages lock clean install bench-install syslibs

demo: $(STAMP) $(NODE_STAMP) syslibs
	HEATWATCH_SECURE_COOKIES=$${HEATWATCH_SECURE_COOKIES:-false} $(BIN)/heatwatch demo

test: $(STAMP) $(NODE_STAMP)
	scripts/test.sh

install: $(STAMP) $(NODE_STAMP) syslibs

# Debian libraries the app needs at run time (weasyprint renders the MDT briefings with Pango).
syslibs:
	source scripts/apt.sh && apt_install libpango-1.0-0 libpangoft2-1.0-0

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy heatwatch

# Update the Spanish catalogue after changing translatable strings, then edit the .po file.
messages: $(STAMP)
	cd heatwatch && ../$(BIN)/heatwatch makemessages -l es --ignore 'tests/*' && ../$(BIN)/heatwatch compilemessages -l es

# Re-resolve the lock files after changing requirements/*.in (needs the network).
lock: $(STAMP)
	$(BIN)/pip install -q uv==0.13.8
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes -q requirements/dev.in -o requirements/dev.lock
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes -q -c requirements/dev.lock requirements/base.in -o requirements/base.lock
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes -q requirements/bench.in -o requirements/bench.lock

# Benchmarks that compare with other engines (Splink) run in their own virtualenv.
.venv-bench/.installed: requirements/bench.lock pyproject.toml
	scripts/venv.sh "$(PYTHON)" .venv-bench
	.venv-bench/bin/pip install -q --disable-pip-version-check --require-hashes --no-deps -r requirements/bench.lock
	.venv-bench/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch .venv-bench/.installed

bench-install: .venv-bench/.installed $(NODE_STAMP)

$(STAMP): requirements/dev.lock pyproject.toml
	scripts/venv.sh "$(PYTHON)" $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(NODE_STAMP): package-lock.json
	scripts/node.sh
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

clean:
	rm -rf $(VENV) node_modules var
