"""Every public module, class, method and property of the user API has a docstring,
and ``help()`` shows it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import pydoc
from collections.abc import Iterator
from typing import Any

import pytest

import covia
import covia_trio

PUBLIC_MODULES = [
    "covia",
    "covia.async_api",
    "covia_trio",
    "covia.auth",
    "covia.exceptions",
    "covia.models",
]
OURS = ("covia", "covia_proto", "covia_trio", "covia_aiohttp", "covia_requests")


def _modules() -> list[str]:
    found = set(PUBLIC_MODULES)
    for package in (covia, covia_trio):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not any(part.startswith("_") for part in info.name.split(".")):
                found.add(info.name)
    return sorted(found)


def _members() -> Iterator[tuple[str, Any, str | None]]:
    """(qualified name, object, its docstring) for every public name of the API."""
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                yield f"{module_name}.{name}", obj, obj.__doc__
                yield from _class_members(f"{module_name}.{name}", obj)
            elif callable(obj):
                yield f"{module_name}.{name}", obj, obj.__doc__


def _class_members(qualified: str, cls: type) -> Iterator[tuple[str, Any, str | None]]:
    seen: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] not in OURS:
            continue
        for attr, member in vars(klass).items():
            if attr.startswith("_") or attr in seen:
                continue
            seen.add(attr)
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            if isinstance(member, property):
                yield f"{qualified}.{attr}", member, member.__doc__
            elif inspect.isfunction(member):
                # As help() does: an override without a docstring shows its base's.
                yield f"{qualified}.{attr}", member, inspect.getdoc(getattr(cls, attr))


@pytest.mark.parametrize("module_name", _modules())
def test_every_public_module_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert (module.__doc__ or "").strip(), module_name


def test_every_public_class_method_and_property_has_a_docstring() -> None:
    missing = [name for name, _, doc in _members() if not (doc or "").strip()]
    assert missing == []


@pytest.mark.parametrize(
    "obj",
    [covia.Venue.status, covia.Venue.get_asset, covia.Job.needs_input, covia.Asset.metadata_raw],
)
def test_help_shows_the_docstring(obj: Any) -> None:
    doc = obj.__doc__
    assert doc
    first_line = doc.strip().splitlines()[0].strip()
    assert first_line in pydoc.render_doc(obj, renderer=pydoc.TextDoc())
