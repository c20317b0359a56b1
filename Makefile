# breakerlab: `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest

.DEFAULT_GOAL := help
.PHONY: help setup report smoke sweep test test-slow test-docker test-all images-offline docker-cleanup lab clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-15s %s\n", $$1, $$2}'

setup: $(VENV)/.installed ## create .venv and install breakerlab with its dependencies (Traefik included)

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "breakerlab needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

REPORT_PARAMS ?= notebooks/params/default.yaml
REPORT_SET ?=

report: setup ## run the default experiment on the local runtime (~5 min) and publish its report
	@run_id=$$(date -u +%Y%m%dT%H%M%SZ)-report; \
	$(PY) -m harness.sweep_cli $(REPORT_PARAMS) --run-id $$run_id $(REPORT_SET) && \
	$(PY) -m analysis.publish $$run_id

smoke: setup ## a 15 s tour: the breaker trips and recovers (no sweep, no report)
	$(PY) -m harness.demo

sweep: setup ## run a sweep: make sweep PARAMS=notebooks/params/smoke.yaml [RUN_ID=id to resume]
	$(PY) -m harness.sweep_cli $(or $(PARAMS),notebooks/params/smoke.yaml) $(if $(RUN_ID),--run-id $(RUN_ID))

test: setup ## run the default test suite (unit, integration, notebooks; not slow, not docker)
	$(PYTEST) -m "not slow and not docker"

test-slow: setup ## run the slow tests (CI runs them too)
	$(PYTEST) -m "slow and not docker" || test $$? -eq 5  # 5: none collected

test-docker: setup ## run the Docker runtime's tests (needs dockerd and `make images-offline`)
	$(PYTEST) -m docker

images-offline: setup ## build the Traefik and backend images without a registry (root, dockerd, debootstrap)
	$(PY) -m harness.images offline

docker-cleanup: setup ## remove containers and networks left by killed Docker runs
	$(PY) -m harness.docker_runtime cleanup

test-all: setup ## run every test, Docker ones included (needs dockerd)
	$(PYTEST)

lab: setup ## open the notebooks in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

clean: ## remove caches (keeps .venv and data/)
	rm -rf .pytest_cache build src/*.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
