"""runbook_lib's imports point down the layers of docs/architecture.md and never go round in a loop.

Every import counts, at module level or inside a function (a function-level import is still a dependency, and a
loop through one is a loop that only shows when that function runs); only those under ``if TYPE_CHECKING:`` are
left out, as they never run.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import runbook_lib

ROOT = Path(runbook_lib.__file__).parent
PACKAGE = "runbook_lib"

# rank of each layer (docs/architecture.md, "Layers"): a module may import its own rank or below
FACTS, AZURE, DOMAIN, ENGINE, SCENARIOS, PRESENTATION, FACES = range(7)
LAYERS: dict[str, int] = {
    # facts, and the small shared modules every layer uses (errors, secrets redaction, the journal, text files)
    PACKAGE: FACTS,
    "errors": FACTS,
    "geo": FACTS,
    "private_link": FACTS,
    "names": FACTS,
    "clouds": FACTS,
    "secrets": FACTS,
    "textfile": FACTS,
    "nslookup": FACTS,
    "progress": FACTS,
    "journal": FACTS,
    "azure": AZURE,
    "ops": DOMAIN,
    "dns": DOMAIN,
    "engine": ENGINE,
    "scenarios": SCENARIOS,
    # presentation and records; the headless runner and the notebook builder run the notebooks the ui draws
    "ui": PRESENTATION,
    "evidence": PRESENTATION,
    "headless": PRESENTATION,
    "kernels": PRESENTATION,  # the headless runner's started kernels and papermill engine
    "forked_kernels": PRESENTATION,  # kernels forked from a process that imported the notebooks' modules
    "dask_batch": PRESENTATION,  # headless runs on a Dask cluster
    "notebook_builder": PRESENTATION,
    "notebook_spec": PRESENTATION,
    "dns_notebooks": PRESENTATION,
    "undo": PRESENTATION,  # undo: beside evidence
    "cli": FACES,
}
SANDBOX = "sandbox"
# the sandbox is reached through the SDK: only the client factory (in-process transport) and `runbook sandbox` start it
SANDBOX_IMPORTERS = {"azure", "cli"}

# (importer, imported) edges that break a rule today (all inside the sandbox, owned by others), each with its reason;
# the loops are closed only by imports inside functions, so they work, but a module-level import would deadlock
_SERVICES = "runbook_lib.sandbox.services"
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    (f"{_SERVICES}.base", _SERVICES): "service_for: the registry imports every service module, each imports base",
    (f"{_SERVICES}.endpoints", _SERVICES): "service_for: the registry imports this module",
    (f"{_SERVICES}.base", "runbook_lib.sandbox.names"): "sandbox.names reads the services' types (privatedns), "
    "and base checks names with it",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every import statement in the tree except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            yield from (
                n
                for child in node.orelse
                for n in [child, *_import_nodes(child)]
                if isinstance(n, ast.Import | ast.ImportFrom)
            )
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _import_nodes(node)


def imports_of(name: str) -> set[str]:
    """The runbook_lib modules ``name`` imports: ``from .x import y`` is x.y when y is a module, else x. (A parent
    package an import loads on the way is no edge: a package re-exporting its modules would loop with each.)"""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules() else source for alias in node.names
            ]
        found |= {target for target in targets if target in modules()}
    return found - {name}


@cache
def graph() -> dict[str, set[str]]:
    return {name: imports_of(name) for name in modules()}


def area(module: str) -> str:
    """The top-level part of runbook_lib a module is in: 'dns' for runbook_lib.dns.zones, 'geo' for runbook_lib.geo."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import loops: each strongly connected set of two or more modules (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def rule_broken(importer: str, imported: str) -> str | None:
    """Why importing ``imported`` from ``importer`` breaks the layers; None when it does not."""
    source, target = area(importer), area(imported)
    if source == SANDBOX:
        if target != SANDBOX and LAYERS.get(target) != FACTS:
            return "the sandbox imports only the facts and itself"
        return None
    if target == SANDBOX:
        return None if source in SANDBOX_IMPORTERS else "only azure/ (the client factory) and cli/ start the sandbox"
    if source not in LAYERS or target not in LAYERS:
        return f"{source if source not in LAYERS else target} has no layer: add it to LAYERS"
    if LAYERS[target] > LAYERS[source]:
        return "an import up the layers"
    return None


def test_the_walk_sees_module_and_function_level_imports_but_not_type_checking_ones():
    session = graph()["runbook_lib.ui.session"]
    assert "runbook_lib.ui.panel" in session  # imported inside start()
    assert "runbook_lib.ui.session" not in graph()["runbook_lib.ui.panel"]  # only under TYPE_CHECKING
    assert {"runbook_lib.sandbox", "runbook_lib.azure.clouds"} <= graph()["runbook_lib.azure.clients"]
    assert graph()["runbook_lib.private_link"] == {"runbook_lib.clouds"}


def test_the_loop_finder_finds_loops():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_loops():
    edges = {name: {n for n in targets if (name, n) not in KNOWN_EXCEPTIONS} for name, targets in graph().items()}
    assert cycles(edges) == []


def test_imports_point_down_the_layers():
    broken = {
        (importer, imported): why
        for importer, targets in graph().items()
        for imported in sorted(targets)
        if (why := rule_broken(importer, imported)) and (importer, imported) not in KNOWN_EXCEPTIONS
    }
    assert broken == {}


def test_the_known_exceptions_are_still_needed():
    """An exception fixed is taken out of KNOWN_EXCEPTIONS, so the set stays as small as it can."""
    stale = [pair for pair in KNOWN_EXCEPTIONS if pair[1] not in graph().get(pair[0], set())]
    assert stale == []
