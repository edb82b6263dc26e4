"""The package's shape (issue 13): stages as layers, no import cycles.

The import graph comes from grimp (the graph library behind import-linter): every import statement counts, those
inside functions and under TYPE_CHECKING included.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

# Lowest first: a module may import its own stage and lower ones, never a higher one (docs/architecture.md).
LAYERS = ["watcher.safety", "watcher.i18n", "watcher.errors", "watcher.config", "watcher.detect", "watcher.capture", "watcher.store",
          "watcher.report", "watcher.deliver", "watcher.publish", "watcher.service", "watcher.web", "watcher.demo",
          "watcher.cli"]

# Imports that cross the layers upwards today, each a fault to remove (never a place to add one): the test fails on
# any other, and on a listed one that is gone, so the list only shrinks.
KNOWN_UPWARD_IMPORTS: set[tuple[str, str]] = set()

# Cycles that exist today, each a fault to remove (never to add to). A test below fails on any other cycle, and on
# a listed one that is gone (so the list only shrinks).
KNOWN_CYCLES: list[frozenset[str]] = []


def cycles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan), as sets of module names."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def layer_of(module: str) -> int | None:
    """Index of `module`'s stage in LAYERS (0 = lowest), None for the package's root modules."""
    for index, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return index
    return None


def upward_imports(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """Direct imports (importer, imported) from a lower stage to a higher one."""
    found = set()
    for importer in graph.modules:
        low = layer_of(importer)
        if low is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            high = layer_of(imported)
            if high is not None and high > low:
                found.add((importer, imported))
    return found


def test_lower_stages_never_import_higher_ones() -> None:
    found = upward_imports(grimp.build_graph("watcher"))
    assert found - KNOWN_UPWARD_IMPORTS == set(), "a stage imports a higher one"
    assert KNOWN_UPWARD_IMPORTS - found == set(), "a known upward import is gone: remove it from the list"


def test_every_package_has_a_layer() -> None:
    graph = grimp.build_graph("watcher")
    packages = {module for module in graph.modules if module.count(".") == 1}
    unplaced = {module for module in packages if layer_of(module) is None}
    assert unplaced <= {"watcher.__main__"}, unplaced


def test_an_upward_import_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "watcher_like"
    (package / "config").mkdir(parents=True)
    (package / "service").mkdir()
    for init in (package, package / "config", package / "service"):
        (init / "__init__.py").write_text("")
    (package / "config" / "a.py").write_text("def f():\n    from watcher_like.service import b\n")
    (package / "service" / "b.py").write_text("from watcher_like.config import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "LAYERS", ["watcher_like.config", "watcher_like.service"])
    assert upward_imports(grimp.build_graph("watcher_like")) == {("watcher_like.config.a", "watcher_like.service.b")}


def test_no_new_import_cycle() -> None:
    found = set(cycles(grimp.build_graph("watcher")))
    assert found - set(KNOWN_CYCLES) == set(), "new import cycle"
    assert set(KNOWN_CYCLES) - found == set(), "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "cyclic_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_pkg import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic_pkg import a\n")
    (package / "c.py").write_text("from cyclic_pkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cycles(grimp.build_graph("cyclic_pkg")) == [frozenset({"cyclic_pkg.a", "cyclic_pkg.b"})]
