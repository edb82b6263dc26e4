#!/usr/bin/env bash
# Sets up a fresh machine for watcher, idempotently: a venv in .venv, the package installed editable,
# and a Chromium (WATCHER_CHROMIUM, a system Chromium, Playwright's own, or Debian's package as root).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "setup: installing watcher and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if .venv/bin/python -m watcher.browser --check >/dev/null 2>&1; then
  echo "setup: Chromium found: $(.venv/bin/python -m watcher.browser --check)"
  exit 0
fi
echo "setup: no Chromium found; trying Playwright's download"
if .venv/bin/python -m playwright install chromium >/tmp/watcher-playwright-install.log 2>&1 \
   && .venv/bin/python -m watcher.browser --check >/dev/null 2>&1; then
  echo "setup: Chromium installed by Playwright"
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "setup: Playwright's download is not reachable; installing Debian's chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q chromium fonts-dejavu-core >/dev/null
fi
if ! .venv/bin/python -m watcher.browser --check; then
  echo "setup: no Chromium could be found or installed; set WATCHER_CHROMIUM to a Chromium or Chrome binary" >&2
  exit 1
fi
