"""The visual changelog: a static site of interface changes, Atom feeds and printable co-training sheets."""

from __future__ import annotations

from watcher.publish.changelog.build import BuildReport, build_changelog
from watcher.publish.changelog.serve import serve_changelog

__all__ = ["BuildReport", "build_changelog", "serve_changelog"]
