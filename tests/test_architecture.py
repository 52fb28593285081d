"""Which way dependencies point, read from every module's imports (``ast``).

The rule:

* **The core** (``covia_proto`` outside ``covia_proto.testing``) imports the standard
  library, attrs, cattrs and cryptography, h11 only in ``covia_proto/h11conn.py``
  (the wire layer the trio driver and anyone embedding the core use), and msgspec only
  in ``covia_proto/_fast_json.py`` (an optional, faster JSON decoder). It imports no
  driver, no shell and nothing of its own testing kit; only its curated API
  (``covia_proto/__init__.py``) loads modules by name, from a table of core modules.
  (What of the standard library it may not touch, sockets, clocks and randomness, is
  ``tests/proto/test_purity.py``.)
* **The testing kit** (``covia_proto.testing``) imports the core, the standard library,
  attrs, aiohttp and multidict (its loopback server) and pytest (its plugin); no driver
  and no shell, so any driver, ours or yours, can be checked with it.
* **Each driver** (``covia_requests``, ``covia_aiohttp``, ``covia_trio``) imports only
  the core, its own I/O library and the standard library: never another driver, the
  user API, or the testing kit. It loads no module by name either.

  The single exception: ``covia_trio/__init__.py`` keeps ``from covia_trio import
  TrioGrid`` (and the shared venue classes) working for trio programs, which the README
  documents, although ``TrioGrid`` now lives with the user API
  (``covia.async_api.trio_grid``). It names them for type checkers under
  ``TYPE_CHECKING`` and loads them in its module ``__getattr__`` on first use, so
  importing the driver never imports the user API (``tests/trio_driver/test_init.py``).
* **The shell** (``covia``) reaches a driver only when it is about to use one: a driver
  is imported inside the function that makes it, never when ``covia`` is imported.
  ``covia/async_api/trio_grid.py``, which is ``TrioGrid`` and is itself imported only on
  use, is the one shell module that imports a driver at its top.
"""

from __future__ import annotations

import ast
import pathlib
import sys
from collections.abc import Iterator

import attrs
import pytest

import covia_proto

ROOT = pathlib.Path(__file__).resolve().parents[1]
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
DRIVERS = {
    "covia_requests": {"requests", "urllib3"},
    "covia_aiohttp": {"aiohttp", "yarl", "multidict"},
    "covia_trio": {"trio"},
}
CORE_LIBRARIES = {"attrs", "cattrs", "cryptography"}
TESTING_LIBRARIES = CORE_LIBRARIES | {"aiohttp", "multidict", "pytest"}
LAZY_USER_API = pathlib.Path("covia_trio/__init__.py")
EAGER_DRIVER_USER = pathlib.Path("covia/async_api/trio_grid.py")


@attrs.frozen
class Imported:
    module: str  # absolute, dotted
    line: int
    top_level: bool  # run when the module is imported (not inside a def)
    type_checking: bool  # under ``if TYPE_CHECKING:``


def modules(package: str) -> list[pathlib.Path]:
    return sorted(p.relative_to(ROOT) for p in (ROOT / package).rglob("*.py"))


def imports(path: pathlib.Path) -> list[Imported]:
    """Every import of ``path``, relative ones resolved against its package."""
    tree = ast.parse((ROOT / path).read_text(), str(path))
    package = list(path.with_suffix("").parts)
    if package[-1] == "__init__":
        package.pop()
    found: list[Imported] = []

    def visit(node: ast.AST, *, top: bool, checking: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Imported(a.name, node.lineno, top, checking) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append(Imported(module, node.lineno, top, checking))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            top = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, top=top, checking=True)
            for statement in node.orelse:
                visit(statement, top=top, checking=checking)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, top=top, checking=checking)

    visit(tree, top=True, checking=False)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def loads_by_name(path: pathlib.Path) -> Iterator[int]:
    """Lines that import a module named by a string (``importlib.import_module``,
    ``__import__``): invisible to an import statement check."""
    tree = ast.parse((ROOT / path).read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"}:
                yield node.lineno


def top(module: str) -> str:
    return module.split(".")[0]


def is_core(path: pathlib.Path) -> bool:
    return path.parts[0] == "covia_proto" and "testing" not in path.parts


CORE = [p for p in modules("covia_proto") if is_core(p)]
CURATED_API = pathlib.Path("covia_proto/__init__.py")
TESTING = [p for p in modules("covia_proto") if not is_core(p)]
DRIVER_MODULES = [p for package in DRIVERS for p in modules(package)]
SHELL = modules("covia")


@pytest.mark.parametrize("path", CORE, ids=str)
def test_the_core_imports_no_driver_no_shell_and_no_io_library(path: pathlib.Path) -> None:
    allowed = STDLIB | CORE_LIBRARIES | {"covia_proto"}
    if path == pathlib.Path("covia_proto/h11conn.py"):
        allowed |= {"h11"}
    if path == pathlib.Path("covia_proto/_fast_json.py"):
        allowed |= {"msgspec"}
    for imported in imports(path):
        where = f"{path}:{imported.line} imports {imported.module}"
        assert top(imported.module) in allowed, where
        assert not imported.module.startswith("covia_proto.testing"), where
    lazy = list(loads_by_name(path))
    if path == CURATED_API:
        # The curated API imports each name from its module on first use; what it can
        # load is its table, which must name core modules only.
        assert len(lazy) == 1, f"{path} loads modules by name in one place"
        for module in covia_proto._EXPORTS:
            assert top(module) == "covia_proto", module
            assert ".testing" not in module, module
    else:
        assert lazy == [], f"{path} imports a module by name"


@pytest.mark.parametrize("path", TESTING, ids=str)
def test_the_testing_kit_imports_no_driver_and_no_shell(path: pathlib.Path) -> None:
    allowed = STDLIB | TESTING_LIBRARIES | {"covia_proto"}
    for imported in imports(path):
        assert top(imported.module) in allowed, f"{path}:{imported.line} imports {imported.module}"


@pytest.mark.parametrize("path", DRIVER_MODULES, ids=str)
def test_a_driver_imports_only_the_core_its_library_and_the_stdlib(path: pathlib.Path) -> None:
    package = path.parts[0]
    allowed = STDLIB | DRIVERS[package] | {"covia_proto", package}
    for imported in imports(path):
        where = f"{path}:{imported.line} imports {imported.module}"
        if path == LAZY_USER_API and imported.type_checking and top(imported.module) == "covia":
            continue  # the named exception: for type checkers only (see the module docs)
        assert top(imported.module) in allowed, where
        assert not imported.module.startswith("covia_proto.testing"), where
    lazy = list(loads_by_name(path))
    if path == LAZY_USER_API:
        assert len(lazy) == 1, "covia_trio/__init__.py loads the user API in one place"
    else:
        assert lazy == [], f"{path} imports a module by name"


def test_the_one_lazy_exception_reaches_only_the_user_apis_trio_names() -> None:
    import covia_trio

    targets = set(covia_trio._USER_API.values())
    assert targets <= {"covia.async_api", "covia.async_api.trio_grid"}
    assert set(covia_trio._USER_API) == set(covia_trio.__all__) - {"TrioDriver"}


@pytest.mark.parametrize("path", SHELL, ids=str)
def test_the_shell_imports_a_driver_only_when_it_uses_one(path: pathlib.Path) -> None:
    for imported in imports(path):
        if top(imported.module) not in DRIVERS or path == EAGER_DRIVER_USER:
            continue
        assert not imported.top_level or imported.type_checking, (
            f"{path}:{imported.line} imports {imported.module} when covia is imported"
        )


def test_the_rule_sees_imports() -> None:
    # The walk itself: relative imports resolved, functions and TYPE_CHECKING told apart.
    found = {i.module: i for i in imports(pathlib.Path("covia/async_api/grid.py"))}
    assert found["covia_aiohttp"].top_level is False
    assert found["aiohttp"].type_checking is True
    assert found["covia_proto.drivers"].top_level is True
    trio_init = {i.module: i for i in imports(LAZY_USER_API)}
    assert trio_init["covia.async_api.trio_grid"].type_checking is True
