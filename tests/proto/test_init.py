"""The curated public API of covia_proto: ``__all__``, what it exports, and its cost."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import subprocess
import sys
import types

import pytest

import covia_proto

INIT = pathlib.Path(covia_proto.__file__)
ALIASES = {"Effect", "Flow"}  # type aliases: no docstring of their own


def test_all_is_sorted_without_repeats_and_lists_exactly_the_table():
    assert covia_proto.__all__ == sorted(set(covia_proto.__all__))
    assert set(covia_proto.__all__) == set(covia_proto._HOMES) | {"__version__"}
    listed = [name for names in covia_proto._EXPORTS.values() for name in names]
    assert len(listed) == len(set(listed)), "a name is in two modules of the table"


@pytest.mark.parametrize("name", sorted(covia_proto._HOMES))
def test_every_name_is_its_modules_own_object_with_a_docstring(name: str):
    home = importlib.import_module(covia_proto._HOMES[name])
    value = getattr(covia_proto, name)
    assert value is getattr(home, name)
    assert name in getattr(home, "__all__", ()), f"{name} is not public in {home.__name__}"
    if name in ALIASES:
        assert f"``{name}``" in (covia_proto.__doc__ or "")
        return
    assert isinstance(value, type | types.FunctionType), f"{name}: {type(value)}"
    assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    if isinstance(value, type):
        # Its own, not one inherited from a base class.
        assert vars(value).get("__doc__"), name


def test_the_type_checking_imports_are_the_table():
    tree = ast.parse(INIT.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    imported: dict[str, tuple[str, ...]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        assert node.module is not None
        if node.module == "typing":
            continue  # the table's own annotations
        imported[node.module] = tuple(alias.name for alias in node.names)
    expected = {module: tuple(sorted(names)) for module, names in covia_proto._EXPORTS.items()}
    assert {module: tuple(sorted(names)) for module, names in imported.items()} == expected


def test_an_unknown_name_is_an_attribute_error_and_dir_lists_the_api():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = covia_proto.nothing_here
    assert set(covia_proto.__all__) <= set(dir(covia_proto))


def test_importing_the_package_imports_none_of_its_modules():
    # Checked in a fresh interpreter: each name is imported on first use only.
    code = (
        "import sys, covia_proto\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('covia_proto.')"
        " or m.split('.')[0] in {'attrs', 'attr', 'cattrs', 'h11', 'json'})))\n"
        "covia_proto.JobRecord\n"
        "print('covia_proto.models' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded, used = result.stdout.splitlines()
    assert loaded == "covia_proto._version"
    assert used == "True"


def test_the_package_docstring_shows_the_names_it_uses():
    doc = inspect.getdoc(covia_proto) or ""
    for name in ("Endpoint", "NoAuth", "get_status", "drive_call", "VenueContext", "drive"):
        assert name in doc
        assert name in covia_proto.__all__
