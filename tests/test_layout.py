"""The package's layout: stages in folders, imports flowing one way, no cycle, no module too long.

Every module is imported, and every ``flp_inquiry`` import in it (at the top or inside a function)
is read from its source.  A name imported from a package's public face (``from flp_inquiry import
charts``, ``from flp_inquiry.inquiry import start_inquiry``) counts as an import of the module the
name lives in (the package's ``EXPORTS``).
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import flp_inquiry

PACKAGE = Path(flp_inquiry.__file__).parent
#: The stages, in the data's order: a module may import from its own stage or an earlier one only.
STAGES = {
    "flp_inquiry": 0, "flp_inquiry._exports": 0, "flp_inquiry.errors": 0, "flp_inquiry.codes": 0,
    "flp_inquiry.files": 0, "flp_inquiry.memo": 0,
    "flp_inquiry.ingest": 1,
    "flp_inquiry.measures": 2,
    "flp_inquiry.inquiry": 3,
    "flp_inquiry.packs": 4,
    "flp_inquiry.cli": 5, "flp_inquiry.demo": 5,
}
STAGE_NAMES = ["foundation", "ingest", "measures", "inquiry", "packs", "entry points"]
#: Longest module, in lines (issue 19: no module over about 600 lines).
MAX_LINES = 600


def all_modules() -> list[str]:
    names = ["flp_inquiry"]
    names += [info.name for info in pkgutil.walk_packages(flp_inquiry.__path__, "flp_inquiry.")]
    return sorted(names)


def stage_of(module: str) -> int:
    """The stage of a module: its own entry, or its subpackage's."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in STAGES:
            return STAGES[prefix]
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES in {__file__}")


def resolve(package: str, name: str) -> str:
    """The module that ``from package import name`` takes ``name`` from."""
    if hasattr(importlib.import_module(package), "__path__") and importlib.util.find_spec(f"{package}.{name}"):
        return f"{package}.{name}"
    exports = getattr(importlib.import_module(package), "EXPORTS", {})
    if name in exports:
        return exports[name].partition(":")[0]
    return package


def imports_of(module: str) -> set[str]:
    """Every flp_inquiry module ``module`` imports, at its top or inside a function."""
    spec = importlib.util.find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("flp_inquiry")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flp_inquiry"):
            found |= {resolve(node.module, alias.name) for alias in node.names}
    return found - {module}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {module: imports_of(module) for module in all_modules()}


def test_every_module_imports():
    for module in all_modules():
        importlib.import_module(module)


def test_no_import_from_a_later_stage(graph):
    backwards = [f"{module} ({STAGE_NAMES[stage_of(module)]}) imports {imported} ({STAGE_NAMES[stage_of(imported)]})"
                 for module, imported_modules in graph.items() for imported in sorted(imported_modules)
                 if stage_of(imported) > stage_of(module)]
    assert not backwards, "imports must flow from earlier stages to later ones:\n" + "\n".join(backwards)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (module -> modules it imports), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                return path[path.index(imported):] + [imported]
            if imported not in state:
                cycle = visit(imported)
                if cycle:
                    return cycle
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def test_no_import_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle_and_a_backward_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert stage_of("flp_inquiry.packs.batch") > stage_of("flp_inquiry.ingest.store")


def test_no_module_is_too_long():
    long = {str(path.relative_to(PACKAGE.parent)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them along their seams): {long}"


def test_the_public_faces_name_real_things():
    for package in ("flp_inquiry", "flp_inquiry.ingest", "flp_inquiry.measures", "flp_inquiry.inquiry",
                    "flp_inquiry.packs"):
        face = importlib.import_module(package)
        for name in face.EXPORTS:
            assert getattr(face, name) is not None, f"{package}.{name}"
