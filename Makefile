# The commands people run. Each installs what it needs first (as root, on Debian): see tools/bootstrap.sh.
PY := .venv/bin/python
ORION := .venv/bin/orion

.PHONY: deps demo test lint unit gate bench clean

deps:
	@tools/bootstrap.sh

## demo: the static gate, then Orion's critical checks against real daemons on this machine
demo: deps
	@tools/demo.sh

## test: lint, the engine's tests, the static gate and the tool-backed validations
test: deps lint unit gate

lint:
	@$(PY) -m ruff check orion checks tests_unit bench tools
	@$(PY) -m ruff format --check orion checks tests_unit bench tools
	@shellcheck tools/*.sh

unit:
	@$(PY) -m pytest tests_unit -p no:cacheprovider -q

gate:
	@$(ORION) gate

bench: deps
	@$(PY) bench/ssh_checks.py

clean:
	rm -rf .venv *.egg-info
