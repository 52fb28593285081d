"""The core must stay sans-IO: nothing in covia_proto (outside its testing subpackage)
may import a module that does I/O, or read a clock, randomness or the environment."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

CORE = pathlib.Path(__file__).resolve().parents[2] / "covia_proto"
FORBIDDEN_MODULES = {
    "socket",
    "ssl",
    "asyncio",
    "trio",
    "requests",
    "aiohttp",
    "threading",
    "time",
    "random",
    "selectors",
    "subprocess",
    "urllib.request",
    "http.client",
    "secrets",
    "email",
    "datetime",
}
FORBIDDEN_CALLS = {("os", "environ"), ("os", "getenv"), ("os", "urandom"), ("time", "time")}


def core_files() -> list[pathlib.Path]:
    return [p for p in CORE.rglob("*.py") if "testing" not in p.relative_to(CORE).parts]


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_nothing_that_does_io(path: pathlib.Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in FORBIDDEN_CALLS, f"{path}:{node.lineno}"
            continue
        else:
            continue
        for name in names:
            top = {name, name.split(".")[0]}
            assert not (top & FORBIDDEN_MODULES), f"{path}:{node.lineno} imports {name}"


def test_importing_the_core_loads_no_io_module():
    # Checked in a fresh interpreter: what importing every core module pulls in. The
    # standard library's logging loads threading, so that one is not checked here.
    modules = sorted(
        ".".join(p.relative_to(CORE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in core_files()
    )
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        "print(' '.join(sorted(m for m in {'socket','ssl','asyncio','trio','requests',"
        "'aiohttp','selectors','subprocess'} if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
