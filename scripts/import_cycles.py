"""No import cycle in app/: between modules, and between rooms (``app.<room>``). Run by ``make imports``.

import-linter sees only the imports a module makes at its top; a function-level import (the usual way to
hide a cycle) is just as much a dependency, so this walks every ``import`` in every function with the
stdlib ``ast``. Two graphs:

- modules: ``a.b.c`` → each module it imports, plus each package whose ``__init__`` that import runs
  (``import app.x.y`` runs ``app/x/__init__.py``), unless the importer lives inside that package;
- rooms: ``app.hooks``, ``app.fhir``, … (the first two name parts), one edge per module edge that
  crosses rooms. Rooms depend one way (docs/architecture.md).

Left out on purpose: imports under ``if TYPE_CHECKING:`` (they never run; a room may name another's
type in an annotation), and ``__main__`` modules (entry points: nothing imports them, so they can close
no cycle; each is a room of its own).

usage: python scripts/import_cycles.py [ROOT]   (exit 1 and print each cycle when there is one)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

Graph = dict[str, set[str]]


def modules(root: Path, package: str = "app") -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def module_graph(found: Mapping[str, Path]) -> Graph:
    return {name: set(_imports(name, path, found)) for name, path in found.items()}


def room_graph(graph: Mapping[str, set[str]]) -> Graph:
    rooms: Graph = {room(name): set() for name in graph}
    for name, targets in graph.items():
        rooms[room(name)] |= {room(target) for target in targets} - {room(name)}
    return rooms


def room(module: str) -> str:
    return module if module.endswith(".__main__") else ".".join(module.split(".")[:2])


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _imports(name: str, path: Path, found: Mapping[str, Path]) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        for target in _targets(node, package, found):
            if target != name:
                yield target
            yield from _enclosing_packages(target, name, found)


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _runtime_imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, package: str, found: Mapping[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        candidates = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        candidates = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base
                      for alias in node.names]
    for candidate in candidates:
        while candidate and candidate not in found:
            candidate = candidate.rpartition(".")[0]
        if candidate:
            yield candidate


def _enclosing_packages(target: str, importer: str, found: Mapping[str, Path]) -> Iterator[str]:
    parts = target.split(".")
    for length in range(2, len(parts)):
        parent = ".".join(parts[:length])
        if parent in found and importer != parent and not importer.startswith(parent + "."):
            yield parent


def problems(root: Path) -> list[str]:
    graph = module_graph(modules(root))
    lines = [f"module cycle: {' <-> '.join(cycle)}" for cycle in cycles(graph)]
    return lines + [f"room cycle: {' <-> '.join(cycle)}" for cycle in cycles(room_graph(graph))]


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    found = problems(root)
    for line in found:
        print(line)
    print("import cycles: none" if not found else f"import cycles: {len(found)}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
