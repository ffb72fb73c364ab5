"""The shape of the code, checked: apps depend one way, and no module imports itself back.

Layers, lowest first (ARCHITECTURE.md, "Layout"): the kernel (``aftercare``) <- ``plans`` <-
``enrollment`` <- ``scheduling`` <- ``safety`` <- ``attendance`` <- ``feedback`` <- ``billing``
<- ``reporting``.
A module may import its own app and the apps below it, never one above: a lower layer shows what a
higher one owns through ``aftercare.registry``. Imports inside functions count too (hiding an
import in a function does not remove the dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "aftercare",
    "plans",
    # Third-party institutions (issue 18): admitted by the district, above plans (nothing of
    # it needs plans) and below scheduling, which schedules their instructors.
    "institutions",
    "enrollment",
    "scheduling",
    "safety",
    "attendance",
    "feedback",
    "billing",
    "reporting",
]
RANK = {app: i for i, app in enumerate(LAYERS)}


def _modules() -> dict[str, Path]:
    found = {}
    for app in LAYERS:
        base = ROOT / app
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules that ``name`` imports (absolute or relative, at any depth)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for target in targets:
            # the longest project module that the target names
            parts = target.split(".")
            while parts and ".".join(parts) not in MODULES:
                parts.pop()
            if parts and ".".join(parts) != name:
                out.add(".".join(parts))
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_apps_depend_one_way():
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if RANK[target.split(".")[0]] > RANK[name.split(".")[0]]
    )
    assert upward == [], "a lower layer imports a higher one:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's ``__init__`` re-exporting its own modules is not a cycle: drop the edges
    from a package to the modules inside it."""
    return {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in graph.items()
    }


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_checker_sees_an_upward_import_and_a_cycle():
    """The two checks above cannot pass by finding nothing."""
    assert "aftercare.models.core" in GRAPH["plans.models.plans"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert len(MODULES) > 50
