"""The package's layers, checked on its source: no import cycle, and the core never imports the shell.

Every import counts, those inside functions and under TYPE_CHECKING included: a cycle hidden in a
function still ties the two modules together. Each module is written down here once, in its layer;
a new module must be placed (docs/architecture.md explains the layers).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lillesite"

# Pure functions of their inputs: sources -> documents -> site -> plan -> pages, feeds, sitemap.
CORE = frozenset({
    "messages", "errors", "yamltext", "config", "urls", "i18n", "sources", "frontmatter", "markup", "markdown_speedups",
    "document", "model", "assemble", "translations", "plan", "templating", "typography", "render", "feeds",
    "sitemap", "checks", "images",
})
# The speed machinery around the core: what it remembers between builds and how it shares the work.
SHELL = frozenset({"cache", "uptodate", "stamps", "writer", "workers"})
# Where the two meet, and what users run: the build's entry and steps, the commands, the preview, the tools.
OUTER = frozenset({
    "__init__", "__main__", "options", "build", "steps", "cli", "serve", "search", "importer", "scaffold",
})
# The process's tricks (gc, exit, fork, memoized functions): imports nothing of lillesite, so any layer may use it.
BASE = frozenset({"runtime"})


def imports(module: Path) -> set[str]:
    """The lillesite modules `module` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] == "lillesite":
                found.update([parts[1]] if len(parts) > 1 else
                             [alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists()])
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{module.name}: relative import; write 'from lillesite.X import ...'")
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith("lillesite.") and alias.name.count(".") >= 1)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {path.stem: imports(path) - {path.stem} for path in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_one_layer(graph):
    placed = CORE | SHELL | OUTER | BASE
    assert len(CORE) + len(SHELL) + len(OUTER) + len(BASE) == len(placed), "a module placed in two layers"
    assert set(graph) == placed, f"not placed: {sorted(set(graph) - placed)}; gone: {sorted(placed - set(graph))}"


def test_the_core_imports_only_the_core(graph):
    wrong = {module: sorted(graph[module] - CORE - BASE) for module in CORE & graph.keys()}
    assert not {module: deps for module, deps in wrong.items() if deps}


def test_the_shell_imports_no_command(graph):
    wrong = {module: sorted(graph[module] & OUTER) for module in SHELL}
    assert not {module: deps for module, deps in wrong.items() if deps}


def test_base_imports_nothing_of_lillesite(graph):
    assert not any(graph[module] for module in BASE)


def test_no_import_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as a path that ends where it starts; None if there is none."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep in on_path:
                return path[path.index(dep):] + [dep]
            if dep not in done:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            found = visit(node)
            if found:
                return found
    return None


def test_the_checks_find_what_they_look_for():
    """The tests above would pass on a parser that finds nothing: these graphs must fail them."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    hidden = ast.parse("def f():\n    from lillesite import steps\n")
    assert any(isinstance(node, ast.ImportFrom) for node in ast.walk(hidden))
    assert imports(PACKAGE / "build.py") >= {"steps", "uptodate"}  # 'steps' is imported inside build()
