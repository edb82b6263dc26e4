"""Printing co-training sheets to PDF (A4) with Chromium, the one place the changelog needs a browser."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from watcher.capture.browser import launch_browser
from watcher.store.snapshots import TMP_PREFIX

__all__ = ["PdfJob", "print_pdfs"]

T = TypeVar("T")


@dataclass(frozen=True)
class PdfJob:
    """One printable page to print into one PDF."""

    html: Path
    pdf: Path


async def print_pdfs_async(jobs: list[PdfJob]) -> int:
    """Print each page with one browser; returns how many PDFs were written."""
    async with launch_browser() as browser:
        # The sheet needs no script; turning them off makes sure nothing from a watched page runs here.
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        for job in jobs:
            await page.goto(job.html.resolve().as_uri(), wait_until="load")
            tmp = job.pdf.with_name(TMP_PREFIX + job.pdf.name)
            await page.pdf(path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True)
            os.replace(tmp, job.pdf)
        await context.close()
    return len(jobs)


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, even when called from inside a running event loop (the service)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def print_pdfs(jobs: list[PdfJob]) -> int:
    """Print the co-training sheets to PDF; returns how many were written."""
    return run_coroutine(print_pdfs_async(jobs)) if jobs else 0
