"""``covia._optional``: a missing driver library names the extra that installs it."""

from __future__ import annotations

import sys

import pytest

from covia import CoviaError, Grid, MissingDependencyError
from covia._optional import require
from covia.async_api import AsyncGrid


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


def test_sync_connect_without_requests_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "requests", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'covia\[requests\]'"):
        Grid.connect("http://127.0.0.1:1")


@pytest.mark.asyncio
async def test_async_connect_without_aiohttp_says_which_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    connecting = AsyncGrid.connect("http://127.0.0.1:1")
    with pytest.raises(MissingDependencyError, match=r"pip install 'covia\[aiohttp\]'"):
        await connecting
