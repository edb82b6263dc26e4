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

# --launch starts Chromium once through Playwright: a browser on disk is not enough if Playwright's driver
# (Node.js, shipped in the wheel) misses a system library such as libatomic1 on a minimal Debian.
if .venv/bin/python -m watcher.capture.browser --launch >/dev/null 2>&1; then
  echo "setup: Chromium found: $(.venv/bin/python -m watcher.capture.browser --check)"
  exit 0
fi
if ! .venv/bin/python -m watcher.capture.browser --check >/dev/null 2>&1; then
  echo "setup: no Chromium found; trying Playwright's download"
  if .venv/bin/python -m playwright install chromium >/tmp/watcher-playwright-install.log 2>&1 \
     && .venv/bin/python -m watcher.capture.browser --launch >/dev/null 2>&1; then
    echo "setup: Chromium installed by Playwright"
    exit 0
  fi
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "setup: installing Debian's chromium (and the libraries Playwright's driver needs) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q chromium libatomic1 fonts-dejavu-core >/dev/null
fi
if ! .venv/bin/python -m watcher.capture.browser --launch; then
  echo "setup: Chromium cannot be started; install it (apt-get install chromium libatomic1) or set WATCHER_CHROMIUM" >&2
  exit 1
fi
echo "setup: Chromium found: $(.venv/bin/python -m watcher.capture.browser --check)"
