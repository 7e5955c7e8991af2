"""The layering of docs/architecture.md holds in the source: imports flow down the pipeline.

The layers are read from the document itself, so the rule is written once, where people read it.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "jitarsa"
DOC = ROOT / "docs" / "architecture.md"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The jitarsa modules NAME imports anywhere in its body, function-level imports included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "jitarsa"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "jitarsa":
                continue
            known = modules()
            for alias in node.names:  # `from jitarsa.x import y` may import the module x.y
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
    return out


def layers() -> list[set[str]]:
    """The numbered list under '## Layers' in docs/architecture.md: each item's modules."""
    section = DOC.read_text(encoding="utf-8").split("## Layers", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\.\s+(.*)$", section, re.M)
    return [set(re.findall(r"`(jitarsa[\w.]*)`", item)) for item in items]


def layer_of(name: str, table: list[set[str]]) -> int:
    """The layer of a module: its own entry or its subpackage's, the deepest that names it."""
    prefixes = [name] + [name.rsplit(".", i)[0] for i in range(1, name.count("."))]
    for prefix in prefixes:
        for index, entries in enumerate(table):
            if prefix in entries:
                return index
    raise AssertionError(f"{name} is in no layer of docs/architecture.md")


def test_the_document_names_layers():
    table = layers()
    assert len(table) >= 5 and all(table), table


def test_every_module_belongs_to_a_layer():
    table = layers()
    for name in modules():
        layer_of(name, table)


def test_no_module_imports_a_later_layer():
    table = layers()
    upward = []
    for name, path in modules().items():
        own = layer_of(name, table)
        for target in imports(name, path):
            if layer_of(target, table) > own:
                upward.append(f"{name} imports {target}")
    assert not upward, "imports flow down the layers only:\n" + "\n".join(upward)


def test_internal_modules_are_used_only_inside_their_subpackage():
    found = []
    for name, path in modules().items():
        for target in imports(name, path):
            parent, _, leaf = target.rpartition(".")
            internal = leaf.startswith("_") and not leaf.startswith("__")
            if internal and not name.startswith(parent + ".") and name != parent:
                found.append(f"{name} imports the internal {target}")
    assert not found, "\n".join(found)


def test_there_is_no_import_cycle():
    graph = {name: imports(name, path) for name, path in modules().items()}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target == node or target not in graph:
                continue
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join(trail + [node, target]))
            if target not in state:
                visit(target, trail + [node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_every_module_is_in_the_module_map():
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in modules() if f"`{name}`" not in text]
    assert not missing, f"docs/architecture.md does not describe: {', '.join(missing)}"


def test_imports_are_found_at_function_level_too():
    """The checker itself: a function-level import of a later layer is seen."""
    names = imports("jitarsa.cli", PACKAGE / "cli.py")
    assert "jitarsa.publish.build" in names and "jitarsa.sparql.server" in names


def test_the_readme_layout_names_every_subpackage():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    missing = [name for name in folders if f"  {name}/" not in layout]
    assert folders and not missing, f"README's Layout does not show: {missing}"
