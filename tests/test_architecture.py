"""The package's layout is its architecture: imports run one way, downwards, and never in a circle.

Data flows scenario -> model -> results -> figures/app/report, so each layer
may import only the layers below it (lazy imports inside functions count too):

    0  _version, errors
    1  domain (the articles' world), games (solvers; imports nothing else)
    2  abm (the Mesa model)
    3  engine (running batches), output (results, files, figures, explain), calibrated (accepted sets)
    4  ensemble (run, compare)
    5  explore (sweeps, sensitivity, discovery), classic (the classic models)
    6  app (the browser explorer)
    7  cli (its ``app`` command starts the app)
    8  the package itself (its lazy public API) and __main__

Within one subpackage modules may import each other, but not in a cycle.
"""
import ast
import functools
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "alliance_sim"
LAYERS = {"_version": 0, "errors": 0, "domain": 1, "games": 1, "abm": 2, "engine": 3, "output": 3, "ensemble": 4,
          "calibrated": 3,
          "explore": 5, "classic": 5, "app": 6, "cli": 7, "__init__": 8, "__main__": 8}


def modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = list(path.relative_to(PKG).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """Modules of the package that ``name`` imports, anywhere in the file, as dotted names."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "alliance_sim":
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:  # ``from . import x`` may name a module, else an attribute of ``target``
                found.add(".".join(target + [alias.name]))
            if node.module:
                found.add(".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "alliance_sim":
                    found.add(".".join(alias.name.split(".")[1:]))
    return found


def resolve(target: str, known: dict) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


@functools.lru_cache(maxsize=1)
def graph() -> dict[str, set[str]]:
    known = modules()
    known.pop("__init__", None)
    g = {}
    for name, path in known.items():
        g[name] = {t for t in (resolve(i, known) for i in imports(name, path)) if t and t != name}
    return g


def layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_no_module_reaches_back_through_the_package_itself():
    """``import alliance_sim`` inside the package would run upward through the public facade."""
    for name, path in modules().items():
        if name in ("__init__", "__main__"):
            continue
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(a.name != "alliance_sim" for a in node.names), f"{name} imports alliance_sim"
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - (node.level - 1)] if node.level else None
                facade = node.module == "alliance_sim" or (base == [] and not node.module)
                assert not facade, f"{name} imports from the package facade"


def test_every_module_has_a_layer():
    assert {m.split(".")[0] for m in modules()} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(graph()))
def test_imports_run_downwards(module):
    for target in graph()[module]:
        same_package = target.split(".")[0] == module.split(".")[0]
        assert same_package or layer(target) < layer(module), f"{module} imports {target}, a layer above or beside"


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for t in g.get(m, ()):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [m, t]))
            if t not in state:
                visit(t, path + [m])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [])


def test_the_checker_sees_lazy_and_relative_imports(tmp_path):
    """The test can fail: an upward import inside a function is caught."""
    f = tmp_path / "mod.py"
    f.write_text("def f():\n    from ..cli import main\n    from . import mechanisms\n")
    assert imports("domain.mod", f) == {"cli", "cli.main", "domain.mechanisms"}
    assert layer("cli") > layer("domain.mod")
