# One command to run, one to test (README.md). Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8080
FHIR_PORT ?= 8090

.PHONY: run demo test fuzz bench bench-replay lint typecheck imports unit openapi clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	touch $(STAMP)

## run: set up .venv and start the service on http://127.0.0.1:$(PORT) (development profile, SQLite)
run: $(STAMP)
	$(BIN)/spine-cds dev-client >/dev/null
	SPINE_CDS_PROFILE=development SPINE_CDS_LOG_FORMAT=text SPINE_CDS_TRUST_FILE=$(CURDIR)/var/dev-client/trust.yaml \
		$(BIN)/spine-cds serve --host 127.0.0.1 --port $(PORT)

## demo: SEKMET on 127.0.0.1:$(FHIR_PORT) with the demo patients + the service on :$(PORT) for the CDS Hooks
##       sandbox; prints a sandbox link and a curl per patient (docs/demo.md). Ctrl-C stops both.
##       SANDBOX_ORIGIN=http://localhost:8000 also trusts (CORS) and links a locally built sandbox.
demo: $(STAMP)
	$(BIN)/python -m demo.run --port $(PORT) --fhir-port $(FHIR_PORT) $(if $(SANDBOX_ORIGIN),--sandbox-origin $(SANDBOX_ORIGIN))

## test: lint, type-check, import contracts and no import cycle (scripts/import_cycles.py), and the whole test suite
test: $(STAMP) lint typecheck imports
	$(BIN)/python -m pytest -q -p no:cacheprovider

## fuzz: the fuzz-and-fault suite at length (tests/fuzz; 400 examples a test, a few minutes, in-process with no
##       network); `make test` runs it with 15 examples a test
fuzz: $(STAMP)
	SPINE_CDS_FUZZ_EXAMPLES=$${SPINE_CDS_FUZZ_EXAMPLES:-400} $(BIN)/python -m pytest -q -p no:cacheprovider -m fuzz tests/fuzz

## bench: speed on loopback — the service and a bare FastAPI floor (one uvicorn process each) and SEKMET;
##        bounded (about 8 minutes, at most 12); writes bench/RESULTS.md and bench/latency.png
bench: $(STAMP)
	$(BIN)/python -m bench

## bench-replay: spine-cds replay on a 5,000-patient Synthea-sized Bulk Data export (written once to
##               var/bench-replay/, ~4.5 GB); patients per second and peak RSS into bench/REPLAY.md
bench-replay: $(STAMP)
	$(BIN)/python -m bench.replay

lint: $(STAMP)
	$(BIN)/ruff check app tests scripts demo bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict app

imports: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python scripts/import_cycles.py

## openapi: regenerate openapi/openapi.json from the app (a test fails when it drifts)
openapi: $(STAMP)
	$(BIN)/spine-cds openapi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
