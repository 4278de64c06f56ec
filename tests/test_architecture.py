"""The package's layers: no module imports a layer above its own, and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "qa_bot"
# Bottom to top: a module may import its own layer and those below it.
LAYERS = [
    {"errors", "text", "datafiles", "schema"},
    {"ingest"},
    {"embedders"},
    {"index"},
    {"question"},
    {"retrieval"},
    {"answer"},
    {"pipeline"},
    {"evaluation", "app", "bench", "api"},
    {"cli"},
]


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The qa_bot modules `path` imports at run time (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree)
               if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for n in ast.walk(node)}
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package.split(".") if package else []
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
        found.update([target] if node.module else [f"{target}.{a.name}".strip(".") for a in node.names])
    return {t for t in found if t}


def _layer(module: str) -> int:
    top = module.split(".")[0]
    return next(i for i, names in enumerate(LAYERS) if top in names)


def _graph() -> dict[str, set[str]]:
    return {_module(p): _imports(p) for p in PACKAGE.rglob("*.py") if _module(p)}


def test_no_module_imports_a_layer_above_its_own():
    upward = [(m, t) for m, targets in _graph().items() for t in targets
              if t.split(".")[0] != "__version__" and _layer(t) > _layer(m)]
    assert upward == []


def test_there_is_no_import_cycle():
    graph = _graph()
    resolve = {m: {t if t in graph else t.rpartition(".")[0] for t in ts} for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in resolve.get(module, ()):
            if target == module or target not in resolve:
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in resolve:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_every_layer_is_known():
    assert {m.split(".")[0] for m in _graph()} <= set().union(*LAYERS)
