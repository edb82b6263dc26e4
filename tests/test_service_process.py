"""`watcher run` as a real process: the lock, signals, kill -9 (with Chromium).

What the service decides (confirmation, reverts, downtime, restarts) is tested without a browser in
test_service.py."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import LocalSite, wait_until

# kill -9 and signals on real processes: with `make test`'s workers (pytest-xdist, --dist loadgroup) these run
# one after another on one worker, with the outbox's process kills
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("process_kills")]

V1 = """<html lang="fr"><body><header><nav aria-label="Menu"><a href="/compte">Mon Compte</a>
<a href="/aide">Aide</a></nav></header><main><h1>Accueil</h1><p>Numéro du jour : {n}</p>
<button>Se connecter</button></main></body></html>"""
V2 = V1.replace("Se connecter", "Accéder à mon espace")


class Page:
    """A page whose answer the test controls: a version, or an HTTP error."""

    def __init__(self) -> None:
        self.html = V1
        self.status = 200
        self.delay = 0.0
        self.loads = 0

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.loads += 1
        time.sleep(self.delay)
        if self.status != 200:
            handler.send_error(self.status)
            return
        body = self.html.format(n=self.loads).encode()  # changes on every load, outside any control
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.end_headers()
        handler.wfile.write(body)


def write_config(folder: Path, url: str, extra: str = "") -> Path:
    config = folder / "targets.yaml"
    config.write_text(f"""targets:
  - id: page
    name: Page de test
    url: {url}
    schedule: every 10s
    timeout: 5
{extra}""", encoding="utf-8")
    return config


def checks(folder: Path) -> list[tuple[str, str, int, str | None]]:
    db = folder / "snapshots" / "index.sqlite3"
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as con:
        try:
            return con.execute("SELECT target, status, alert, confirmation FROM checks ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # the service is still creating its index
            return []


@pytest.fixture
def service(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def start(procs: list[subprocess.Popen[str]], config: Path, confirm: float = 3) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(config),
                             "--confirm-delay", str(confirm)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    procs.append(proc)
    return proc


def stop(proc: subprocess.Popen[str]) -> tuple[int, float]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(30)
    return code, time.monotonic() - started


def test_second_instance_is_refused_and_kill_9_leaves_a_consistent_store(
        tmp_path: Path, local_site: LocalSite, service: list[subprocess.Popen[str]]) -> None:
    page = Page()
    local_site.routes["/"] = page
    config = write_config(tmp_path, local_site.url("/"))
    first = start(service, config)
    assert wait_until(lambda: len(checks(tmp_path)) >= 1, 30)
    second = start(service, config)
    assert second.wait(30) == 2
    assert "already uses" in (second.stdout.read() if second.stdout else "")
    page.delay = 3  # the next check is slow: kill the service while it captures
    page.html = V2
    loads = page.loads
    assert wait_until(lambda: page.loads > loads, 30)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    page.delay = 0
    again = start(service, config)
    assert wait_until(lambda: any(c[1] == "changed" for c in checks(tmp_path)), 45), checks(tmp_path)
    assert stop(again)[0] == 0
    leftovers = [p for p in (tmp_path / "snapshots" / "page").iterdir() if p.name.startswith(".tmp")]
    assert leftovers == []
    for _target, status, _alert, _conf in checks(tmp_path):
        assert status in {"new", "changed", "unchanged", "unreachable"}


def test_sighup_reloads_targets_and_a_broken_file_keeps_the_old_one(
        tmp_path: Path, local_site: LocalSite, service: list[subprocess.Popen[str]]) -> None:
    page = Page()
    local_site.routes["/"] = page
    local_site.routes["/autre"] = page
    config = write_config(tmp_path, local_site.url("/"))
    proc = start(service, config)
    assert wait_until(lambda: len(checks(tmp_path)) >= 1, 30)
    config.write_text(config.read_text() + "  - id: autre\n    name: Autre\n    url: "
                      + local_site.url("/autre") + "\n    schedule: every 1h\n", encoding="utf-8")
    proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: any(c[0] == "autre" for c in checks(tmp_path)), 30), checks(tmp_path)
    config.write_text("targets: [oops", encoding="utf-8")
    proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert proc.poll() is None  # still running on the previous configuration
    assert stop(proc)[0] == 0
    out = proc.stdout.read() if proc.stdout else ""
    assert "configuration not reloaded" in out and "erreur de syntaxe YAML" in out
    assert os.path.exists(tmp_path / "snapshots" / "jobs.sqlite3")
