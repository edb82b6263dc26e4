# The two commands of the README: `make demo` and `make test`. Both set everything up first (idempotent).
.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/watcher demo

test: setup
	.venv/bin/ruff check watcher tests bench
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python bench/run_all.py
