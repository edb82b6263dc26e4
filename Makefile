# The two commands of the README: `make demo` and `make test`. Both set everything up first (idempotent).
.PHONY: setup demo test bench corpus

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/watcher demo

# pytest on every core (pytest-xdist); tests marked xdist_group("process_kills") run one after another
test: setup
	.venv/bin/ruff check watcher tests bench
	.venv/bin/mypy watcher
	.venv/bin/python -m pytest -q -n auto --maxprocesses 4 --dist loadgroup

# tests/test_axnames.py on the whole page corpus (~260 pages in Chromium; `make test` renders a fixed sample)
corpus: setup
	WATCHER_FULL_CORPUS=1 .venv/bin/python -m pytest -q -s tests/test_axnames.py -k corpus_agreement

# peers: pixelmatch (PyPI) and odiff (npm odiff-bin, a native binary); not needed by the demo or the tests
bench: setup corpus
	.venv/bin/python -m pip install -q -e '.[bench]'
	# npm ci refuses a lock file without the other platforms' optional binaries when the registry lacks them
	cd bench && (npm ci --silent || npm install --no-save --silent)
	.venv/bin/python bench/run_all.py
