"""`ignore` selectors applied to a saved page's tree: CSS translated to XPath by cssselect, evaluated by lxml.

What CSS is accepted, and why some is refused, is decided when targets.yaml is read (watcher.config.selectors):
a selector that passed that check always compiles here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml import etree

from watcher.config.selectors import ignore_xpath

__all__ = ["compile_selectors"]


class Selectors:
    """A list of `ignore` selectors compiled into one XPath union (lxml), applied to lxml HTML trees."""

    def __init__(self, selectors: Sequence[str]) -> None:
        self.selectors = [text for text in selectors if text.strip()]
        paths = [ignore_xpath(text) for text in self.selectors]
        self._xpath = etree.XPath(" | ".join(paths)) if paths else None

    def select(self, root: Any) -> list[Any]:
        """The elements of `root`'s tree (`root` included) that a selector designates, in document order, once each."""
        if self._xpath is None:
            return []
        found = self._xpath(root)
        return [el for el in found if isinstance(el, etree._Element)] if isinstance(found, list) else []

    def __bool__(self) -> bool:
        return bool(self.selectors)


def compile_selectors(selectors: Sequence[str]) -> Selectors:
    """The `ignore` selectors `selectors` (CSS, each may be a comma list) compiled for `Selectors.select`.

    Raises ValueError naming a selector that cannot be parsed or applied to a saved page (see watcher.config.selectors).
    """
    return Selectors(selectors)
