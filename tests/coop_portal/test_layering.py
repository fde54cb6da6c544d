"""Imports point one way (STYLE.md, "Layout"): down the list of apps, never in a circle.

Every project module is parsed, its imports read wherever they stand (at the top, inside a
function, under ``TYPE_CHECKING``), so that a circle cannot hide in a function body and an
upward dependency cannot hide behind a dotted path in a string.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Each app may import its own modules and those of the apps on a lower layer.
LAYERS = {
    "coop_portal": 0,
    "members": 1,
    "charter": 2,
    "inspections": 3,
    "complaints": 3,
    "pledges": 4,
}
# What stands on top of every app: the project's URL conf, the log-in and invitation pages,
# and the commands that set up or fill a whole cooperative.
TOP = 9
ON_TOP = (
    "coop_portal.urls",
    "coop_portal.api",
    "coop_portal.accounts",
    "coop_portal.account_urls",
    "coop_portal.management.commands.demo",
    "coop_portal.management.commands.setup_cooperative",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the apps, migrations aside (they name models by string by design)."""
    modules = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _imported_names(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    # ``from package import module`` imports the module; ``from module import name`` the module.
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each project module, the project modules it imports (the nearest one named)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _imported_names(module, path, node)
            exact = [name for name in names if name in modules]
            for name in exact or names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    found.add(name)
        graph[module] = found
    return graph


def layer(module: str) -> int:
    if module.startswith(ON_TOP):
        return TOP
    return LAYERS[module.split(".")[0]]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of an app above the importer's, or of an app beside it on the same layer."""
    found = []
    for module, imported in graph.items():
        for target in imported:
            app, target_app = module.split(".")[0], target.split(".")[0]
            above = layer(target) > layer(module)
            beside = layer(target) == layer(module) < TOP and app != target_app
            if above or beside:
                found.append(f"{module} -> {target}")
    return sorted(found)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_app_imports_an_app_above_it_or_beside_it():
    assert upward_imports(imports(project_modules())) == []


def test_no_modules_import_each_other_in_a_circle():
    assert circles(imports(project_modules())) == []


def test_no_project_code_is_imported_by_a_dotted_path_in_a_string():
    users = [
        module
        for module, path in project_modules().items()
        if "import_string" in path.read_text() or "import_module" in path.read_text()
    ]
    assert users == []


def test_the_checks_see_upward_imports_and_circles_in_function_bodies():
    graph = {
        "members.models": {"pledges.services"},
        "pledges.services": {"pledges.tasks"},
        "pledges.tasks": {"pledges.services"},
    }
    assert upward_imports(graph) == ["members.models -> pledges.services"]
    assert circles(graph) == [["pledges.services", "pledges.tasks"]]
    tree = ast.parse("def task():\n    from .services import render\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    names = _imported_names("pledges.tasks", ROOT / "pledges" / "tasks.py", node)
    assert "pledges.services" in names
