"""``covia._optional``: connecting without the driver library a call needs names the
extra that installs it (the check itself is tested in tests/proto/test_optional.py)."""

from __future__ import annotations

import sys

import pytest

from covia import Grid, MissingDependencyError
from covia.async_api import AsyncGrid


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
