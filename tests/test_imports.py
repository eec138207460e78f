"""The package's imports run one way: no circle of imports among the modules of ``sim/``
(function-local imports included: a circle hidden in a function is still one)."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SIM.rglob("*.py")}


def import_graph() -> dict[str, set[str]]:
    """Each module of ``sim`` and the modules of ``sim`` it imports, anywhere in its body."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")
                    up = up[:len(up) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                for a in node.names:
                    full = f"{base}.{a.name}"
                    targets.append(full if full in mods else base)
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    graph[name].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_finds_a_circle_by_hand():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_circle_of_imports_in_sim():
    graph = import_graph()
    assert graph["sim.present.document"], "the graph reads no imports: the parser is broken"
    found = [c for c in cycles(graph)
             # a package's __init__ re-exporting its submodules, which import it back for a
             # shared name, is one unit, not a layering fault
             if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert not found, "circles of imports: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_command_line_starts_without_the_numerical_libraries():
    """`sim --help` (and the parsing of every command) loads neither NumPy, xarray, numba nor
    pydantic: the commands import their work when they run. Checked by what is imported, not by
    a time."""
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from sim.cli import cli; "
            "r = CliRunner().invoke(cli, ['--help']); assert r.exit_code == 0, r.output; "
            "[CliRunner().invoke(cli, [c, '--help']) for c in cli.commands]; "
            "print(' '.join(m for m in ('numpy', 'xarray', 'numba', 'pydantic', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"loaded at start: {out.stdout.strip()}"


def test_validate_reads_a_config_without_numba_xarray_or_pandas():
    """`sim validate` needs the config's schema, not the generator's kernels: importing
    sim.esg.schema loaded sim.esg's model and numba with it (0,5 s of a 0,5 s command)."""
    import subprocess
    import sys

    from .conftest import DEFAULT_CONFIG

    code = ("import sys; from click.testing import CliRunner; from sim.cli import cli; "
            f"r = CliRunner().invoke(cli, ['validate', {str(DEFAULT_CONFIG)!r}]); "
            "assert r.exit_code == 0, r.output; "
            "print(' '.join(m for m in ('xarray', 'numba', 'pandas', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"loaded by validate: {out.stdout.strip()}"
