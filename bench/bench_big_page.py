"""A 5 MB page with 50 000 links, captured by watcher's real capture (Chromium), extracted and compared, with
the default settings (timeout, maximum height): prints each step's time and whether the capture succeeded.

Run: .venv/bin/python bench/bench_big_page.py [links]  (a local server on 127.0.0.1; no internet)
"""

from __future__ import annotations

import asyncio
import http.server
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_structural import big_page  # noqa: E402

from watcher.capture.browser import launch_browser  # noqa: E402
from watcher.capture.page import capture_target  # noqa: E402
from watcher.config.targets import Settings, Target  # noqa: E402
from watcher.detect.skeleton import extract_skeleton  # noqa: E402
from watcher.detect.structural import diff_skeletons  # noqa: E402


def serve(pages: dict[str, bytes]) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


async def capture(url: str) -> tuple[object, float]:
    target = Target(id="big", name="big", url=url)
    start = time.perf_counter()
    async with launch_browser() as browser:
        result = await capture_target(browser, target, max_height=Settings().max_height)
    return result, time.perf_counter() - start


def main() -> int:
    links = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    before, after = big_page(links, 0), big_page(links, 1)
    server, port = serve({"/before.html": before.encode(), "/after.html": after.encode()})
    print(time.strftime("%Y-%m-%d %H:%M %Z"), "| load average", " ".join(f"{x:.2f}" for x in os.getloadavg()),
          f"| {links} links, {len(after.encode()) / 2**20:.1f} MB, default timeout {Target(id='x', name='x', url='http://x/').timeout} s")
    try:
        skeletons = []
        for name in ("before", "after"):
            result, seconds = asyncio.run(capture(f"http://127.0.0.1:{port}/{name}.html"))
            status = getattr(result, "status", "?")
            print(f"  capture {name}: {status} in {seconds:.1f} s (browser start included)"
                  + (f" - {getattr(result, 'reason', '')}" if status != "ok" else ""))
            if status != "ok":
                return 1
            start = time.perf_counter()
            skeletons.append(extract_skeleton(result.main.dom))  # type: ignore[attr-defined]
            print(f"  extract {name}: {time.perf_counter() - start:.1f} s, {len(skeletons[-1].elements)} elements")
        start = time.perf_counter()
        changes = diff_skeletons(*skeletons)
        print(f"  diff: {time.perf_counter() - start:.1f} s, {len([c for c in changes if not c.noise])} alert-worthy changes")
    finally:
        server.shutdown()
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
