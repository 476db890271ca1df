"""The core never imports Textual; dependencies point one way (no import cycles)."""

import ast
import subprocess
import sys
from pathlib import Path

import linkflow_console

PACKAGE = Path(linkflow_console.__file__).resolve().parent
UI_PACKAGES = ("tui", "serve")  # the user interfaces: everything else is core, CLI and session


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def core_modules() -> list[str]:
    ui = tuple(f"linkflow_console.{name}" for name in UI_PACKAGES)
    return [name for name in all_modules() if not name.startswith(ui) and name != "linkflow_console.__main__"]


def _imports(tree: ast.Module, *, module_level: bool = True):
    """Imports run when the module is imported (not those inside functions or `if TYPE_CHECKING:`),
    or with `module_level=False` every import anywhere in it."""
    if not module_level:
        yield from (node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))
        return
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            pending.extend(ast.iter_child_nodes(node))


def import_graph(*, module_level: bool = True) -> dict[str, set[str]]:
    modules = all_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8")), module_level=module_level):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _is_package_init_edge(a: str, b: str) -> bool:
    """A package's __init__ importing its own submodule (which imports a sibling through the
    package) is how packages re-export; only cycles between modules that are not each other's
    package count."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_import_cycles_inside_the_package():
    graph = import_graph()
    graph = {a: {b for b in targets if not _is_package_init_edge(a, b)} for a, targets in graph.items()}
    cycles = import_cycles(graph)
    assert not cycles, "import cycles (module-level imports): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_dependencies_point_one_way():
    """cli -> session -> core, and the UIs on the session: no import anywhere (even inside a
    function) goes from the core or the session up to the CLI or a UI, nor from a UI to the CLI."""
    graph = import_graph(module_level=False)
    ui = tuple(f"linkflow_console.{name}" for name in UI_PACKAGES)
    top = (*ui, "linkflow_console.cli", "linkflow_console.__main__")
    upward = {a: sorted(b for b in targets if b.startswith(top)) for a, targets in graph.items() if not a.startswith(top)}
    assert not {a: b for a, b in upward.items() if b}, "the core and the session never import the CLI or a UI"
    ui_on_cli = {a: sorted(b for b in t if b.startswith("linkflow_console.cli")) for a, t in graph.items() if a.startswith(ui)}
    assert not {a: b for a, b in ui_on_cli.items() if b}, "the UIs sit on the session, never on the CLI"


def test_core_modules_are_found_by_walking_the_package():
    found = core_modules()
    assert {"linkflow_console.state.events", "linkflow_console.session", "linkflow_console.cli"} <= set(found)
    assert not [m for m in found if m.startswith("linkflow_console.tui")]


def test_core_imports_without_textual():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'textual' or name.startswith('textual.'):\n"
        "            raise ImportError('textual is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for module in {core_modules()!r}:\n"
        "    __import__(module)\n"
        "from linkflow_console.probes.catalog import PROBES\n"
        "from linkflow_console.probes.base import implementation\n"
        "for probe_id in PROBES: implementation(probe_id)\n"
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual was imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_console_start_does_not_import_heavy_clients():
    """boto3 and psycopg load only when a probe that needs them runs."""
    code = (
        "import sys\n"
        "import linkflow_console.cli, linkflow_console.tui.app, linkflow_console.session\n"
        "heavy = [m for m in ('boto3', 'psycopg', 'redis', 'botocore') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
