"""The project's layers, read from its source: no app imports one above it, no two modules import
each other (directly or around a circle), and imports sit at the top of their module.

    accounts  <  products  <  apps  <  kyb, sandbox  <  api  <  console

An app may import its own modules and those of the layers below it. kyb and sandbox share a
layer and import neither each other; the API serves both. Imports inside functions hide cycles,
so they are refused except where Django wants them (an AppConfig's ready()) and the one the
outbox needs: accounts.tasks imports accounts.outbox for its tasks, and the outbox looks the
delivery task up when it queues a message.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "accounts": 0,
    "products": 1,
    "apps": 2,
    "kyb": 3,
    "sandbox": 3,
    "api": 4,
    "console": 5,
}
LATE_IMPORTS_ALLOWED = {("accounts.outbox", "email_publish")}


@dataclass(frozen=True)
class Import:
    importer: str  # a module, "accounts.services"
    imported: str  # a module, "accounts.emails"
    line: int
    function: str  # the function it sits in, "" at module level


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    modules = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


MODULES = source_modules()


def _resolve(importer: str, path: Path, node: ast.ImportFrom) -> list[str]:
    """The project modules an ImportFrom brings in: `from . import emails` is accounts.emails,
    `from .models import User` is accounts.models."""
    if node.level:
        package = importer.split(".") if path.name == "__init__.py" else importer.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    found = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    return found or [base]


class _Walker(ast.NodeVisitor):
    def __init__(self, importer: str, path: Path):
        self.importer, self.path = importer, path
        self.function: list[str] = []
        self.imports: list[Import] = []

    def _function(self, node) -> None:
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _add(self, imported: str, line: int) -> None:
        if imported.split(".")[0] in LAYERS:
            function = self.function[-1] if self.function else ""
            self.imports.append(Import(self.importer, imported, line, function))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for imported in _resolve(self.importer, self.path, node):
            self._add(imported, node.lineno)


def imports_of(modules: dict[str, Path]) -> list[Import]:
    found = []
    for name, path in modules.items():
        walker = _Walker(name, path)
        walker.visit(ast.parse(path.read_text(), filename=str(path)))
        found.extend(walker.imports)
    return found


IMPORTS = imports_of(MODULES)


def _app(module: str) -> str:
    return module.split(".")[0]


def layering_problems(imports: list[Import]) -> list[str]:
    problems = []
    for entry in imports:
        here, there = _app(entry.importer), _app(entry.imported)
        if here != there and LAYERS[there] >= LAYERS[here]:
            problems.append(
                f"{entry.importer}:{entry.line} imports {entry.imported}, which is not below {here}"
            )
    return problems


def late_import_problems(imports: list[Import]) -> list[str]:
    return [
        f"{entry.importer}:{entry.line} imports {entry.imported} inside {entry.function}()"
        for entry in imports
        if entry.function
        and entry.function != "ready"
        and (entry.importer, entry.function) not in LATE_IMPORTS_ALLOWED
    ]


def cycles(imports: list[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), with
    the allowed late import left out."""
    graph: dict[str, set[str]] = {}
    for entry in imports:
        if (entry.importer, entry.function) in LATE_IMPORTS_ALLOWED:
            continue
        if entry.imported in MODULES and entry.imported != entry.importer:
            graph.setdefault(entry.importer, set()).add(entry.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_every_app_and_its_imports():
    assert {_app(name) for name in MODULES} == set(LAYERS)
    assert len(IMPORTS) > 200
    edges = {(_app(entry.importer), _app(entry.imported)) for entry in IMPORTS}
    assert {("kyb", "products"), ("apps", "accounts"), ("api", "apps")} <= edges


def test_no_app_imports_one_above_it():
    assert layering_problems(IMPORTS) == []


def test_no_import_cycle_between_modules():
    assert cycles(IMPORTS) == []


def test_imports_sit_at_the_top_of_their_module():
    assert late_import_problems(IMPORTS) == []


# The checks themselves: each finds what it is there to find.


def _fake(importer: str, imported: str, function: str = "") -> Import:
    return Import(importer, imported, 1, function)


def test_an_import_upwards_or_across_a_layer_is_found():
    assert layering_problems([_fake("accounts.services", "kyb.models")])
    assert layering_problems([_fake("kyb.services", "sandbox.models")])  # peers
    assert layering_problems([_fake("kyb.services", "api.models")])  # upwards
    assert not layering_problems([_fake("kyb.services", "accounts.models")])


@pytest.mark.parametrize(
    "modules",
    [["accounts.emails", "accounts.services"], ["products.models", "products.selectors"]],
)
def test_a_cycle_is_found_even_through_an_import_inside_a_function(modules):
    first, second = modules
    found = cycles([_fake(first, second), _fake(second, first, function="helper")])
    assert found == [sorted(modules)]


def test_a_late_import_is_found_except_in_ready_and_the_outbox():
    assert late_import_problems([_fake("accounts.services", "accounts.emails", "invite")])
    assert not late_import_problems([_fake("accounts.apps", "accounts.signals", "ready")])
    assert not late_import_problems([_fake("accounts.outbox", "accounts.tasks", "email_publish")])
