# The commands people run. Each installs what it needs first (as root, on Debian): see tools/bootstrap.sh.
PY := .venv/bin/python
ORION := .venv/bin/orion
PYTEST := $(PY) -m pytest -p no:cacheprovider

.PHONY: deps demo test lint unit gate lab-test bench clean

deps:
	@tools/bootstrap.sh

## demo: bring the lab up and run the critical checks against it
demo: deps
	@tools/demo.sh

## test: lint, the static gate, the engine's tests (while the lab comes up), then the lab: healthy, every fault,
## heal, down
test: deps lint gate
	@tools/lab-test.sh --with-unit

# Remediation scripts are shell or Python, told apart by their shebang.
REMEDIATIONS := $(filter-out %.yml %.md,$(wildcard remediations/*))
REMEDIATIONS_PY := $(shell grep -l '^\#!.*python' $(REMEDIATIONS))

lint:
	@$(PY) -m ruff check orion checks tests_unit bench lab $(REMEDIATIONS_PY)
	@$(PY) -m ruff format --check orion checks tests_unit bench lab $(REMEDIATIONS_PY)
	@shellcheck -x tools/*.sh tools/pre-push lab/bin/*.sh lab/faults/* $(filter-out $(REMEDIATIONS_PY),$(REMEDIATIONS))

unit:
	@$(PYTEST) tests_unit -q

gate:
	@$(ORION) gate

## lab-test: the lab's tests on a lab of their own state dir (a lab left up by `make demo` goes down first)
lab-test:
	@tools/lab-test.sh

bench: deps
	@$(PY) bench/ssh_checks.py
	@$(PY) bench/remediation.py
	@$(PY) bench/narrative.py
	@$(PY) bench/digest.py
	@$(PY) bench/assistant.py

clean:
	rm -rf .venv *.egg-info
