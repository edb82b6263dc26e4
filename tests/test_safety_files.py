"""Snapshot files never trusted (issue 16, item 4): symbolic links are not published, `serve` answers 400."""

from __future__ import annotations

import http.client
import os
import threading
from pathlib import Path

from tests.changelog_sample import make_sample_store
from watcher.publish.changelog.build import build_changelog
from watcher.publish.changelog.serve import make_server
from watcher.store import files as snapfiles

SECRET = b"root:x:0:0:not-for-the-web"


def test_contained_refuses_links_and_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    (folder / "sub").mkdir(parents=True)
    (folder / "ok.png").write_bytes(b"png")
    (folder / "sub" / "ok.json").write_text("{}")
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    (folder / "link.png").symlink_to(secret)
    (folder / "dirlink").symlink_to(tmp_path)
    (folder / "inner.png").symlink_to(folder / "ok.png")  # even pointing inside: a link is not what watcher wrote
    assert snapfiles.contained(folder, Path("ok.png")) and snapfiles.contained(folder, folder / "sub" / "ok.json")
    for bad in ("link.png", "dirlink/secret", "../secret", "inner.png", "sub", "missing.png", "a\x00b"):
        assert not snapfiles.contained(folder, Path(bad)), bad
    assert snapfiles.read_bytes(folder, Path("link.png")) is None
    linked_folder = tmp_path / "linked"
    linked_folder.symlink_to(folder)
    assert not snapfiles.contained(linked_folder, Path("ok.png"))


def test_a_symlinked_picture_is_never_published(tmp_path: Path) -> None:
    store = make_sample_store(tmp_path / "snapshots")
    secret = tmp_path / "passwd"
    secret.write_bytes(SECRET)
    replaced = 0
    for picture in (tmp_path / "snapshots").rglob("*.png"):
        picture.unlink()
        picture.symlink_to(secret)
        replaced += 1
    assert replaced
    build_changelog(store, tmp_path / "out", pdf=False)
    for published in (tmp_path / "out").rglob("*"):
        assert published.is_dir() or SECRET not in published.read_bytes(), published


def request(port: int, method: str, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def test_serve_answers_400_to_malformed_paths(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>ok</p>", encoding="utf-8")
    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = int(server.server_address[1])
    try:
        assert request(port, "GET", "/")[0] == 200
        for path in ("/%00", "/index.html%00.png", "/a%01b", "/" + "a" * 5000, "/%ff%fe", "/%ed%a0%80"):
            status, body = request(port, "GET", path)
            assert status in (400, 404), (path, status)
            assert b"Traceback" not in body
        assert request(port, "GET", "/%00")[0] == 400
        assert request(port, "HEAD", "/index.html%00")[0] == 400
    finally:
        server.shutdown()
        server.server_close()
    assert os.path.isfile(site / "index.html")
