"""``covia.async_api._runtime``: which async library runs the current task."""

from __future__ import annotations

import asyncio

import pytest
import trio

from covia import CoviaUsageError
from covia.async_api._runtime import running_library


def test_asyncio_is_found() -> None:
    async def main() -> str:
        return running_library()

    assert asyncio.run(main()) == "asyncio"


def test_trio_is_found() -> None:
    async def main() -> str:
        return running_library()

    assert trio.run(main) == "trio"


def test_outside_any_loop_the_error_says_what_to_do() -> None:
    with pytest.raises(CoviaUsageError, match=r"asyncio\.run\(\) or trio\.run\(\)"):
        running_library()
