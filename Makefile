# Two commands on a fresh machine (Python 3.11+, Node.js for the HTTP audit):
#   make run    start the server on an embedded PostgreSQL, GraphiQL at http://127.0.0.1:8000/graphql
#   make test   lint (ruff, the import contracts of pyproject.toml) and run the whole test suite
#               (two pytest-xdist workers, each with its own embedded PostgreSQL; a test file stays in
#               one worker so its module fixtures are built once)
# Both create .venv and install what is missing. DATABASE_URL, when set, replaces the embedded server.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench demo clean schema client

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(BIN)/.installed
	$(BIN)/crm serve

test: $(BIN)/.installed node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadfile

demo: $(BIN)/.installed
	$(BIN)/crm demo

bench: $(BIN)/.installed
	$(BIN)/python -m bench.run

# The schema contract and the typed client (docs/api-clients.md): export the SDL after a schema change,
# then regenerate clients/python/crm_client from it and clients/python/queries.graphql.
schema: $(BIN)/.installed
	$(BIN)/crm schema export

client: schema
	test -x .venv-codegen/bin/ariadne-codegen || ($(PYTHON) -m venv .venv-codegen && \
		.venv-codegen/bin/pip install --quiet 'ariadne-codegen==0.19.0')
	.venv-codegen/bin/ariadne-codegen

clean:
	rm -rf $(VENV) .venv-codegen node_modules .crm
