"""``covia_proto.optional``: a missing driver library names the extra that installs it."""

from __future__ import annotations

import sys

import pytest

from covia_proto.errors import CoviaError
from covia_proto.optional import MissingDependencyError, require


def test_a_missing_module_names_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # import aiohttp now fails
    with pytest.raises(MissingDependencyError) as info:
        require("aiohttp", extra="aiohttp", needed_by="this")
    assert str(info.value) == (
        "this needs the 'aiohttp' package, which is not installed: pip install 'covia[aiohttp]'"
    )
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, CoviaError)
    assert info.value.name == "aiohttp"


def test_a_present_module_passes() -> None:
    require("json", extra="none", needed_by="this")
