"""The trio driver of the Covia SDK: HTTP/1.1 over h11 on trio streams (TLS through
``trio.SSLStream``), performing the protocol core's effects. It depends on the core
(``covia_proto``) alone.

The async API (``covia.async_api``) runs on it under trio by itself::

    import trio
    from covia.async_api import AsyncGrid

    async def main():
        async with AsyncGrid.connect("https://venue-test.covia.ai") as venue:
            print(await venue.run("v/test/ops/echo", {"hello": "trio"}))

    trio.run(main)

``TrioGrid.connect`` is the same with the driver's options at hand (``ssl_context=``,
``stream_factory=``, ``max_connections=``, ``max_idle=``); it lives in
``covia.async_api.trio_grid`` and is importable from here, as are the shared
``AsyncVenue``, ``AsyncJob`` and ``AsyncAsset`` it opens, so a trio program imports
from one place. ``TrioDriver`` is the transport alone, for
``AsyncGrid.connect(..., driver=TrioDriver())`` or for running the core's flows
directly.

Structured concurrency: nothing here starts a background task. Every request runs in
the task that awaits it, so it can be used from any nursery and cancelled with any
cancel scope; a cancelled or timed-out request closes its connection. Closing the
venue (``async with`` exit, or ``await venue.aclose()``) closes every connection it
pooled.

Importing this package loads neither asyncio nor aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from covia_proto.optional import require

require("trio", extra="trio", needed_by="covia_trio")

from covia_trio.driver import TrioDriver  # noqa: E402

__all__ = ["AsyncAsset", "AsyncJob", "AsyncVenue", "TrioDriver", "TrioGrid", "TrioVenueConnection"]

# The user API's names, kept importable from here for trio programs. Looked up on first
# use, never at import: the driver package imports the core alone, and this is the one
# place it reaches the user API (tests/test_architecture.py allows it by name).
_USER_API = {
    "TrioGrid": "covia.async_api.trio_grid",
    "TrioVenueConnection": "covia.async_api.trio_grid",
    "AsyncVenue": "covia.async_api",
    "AsyncJob": "covia.async_api",
    "AsyncAsset": "covia.async_api",
}


if TYPE_CHECKING:  # for type checkers only: what __getattr__ gives
    from covia.async_api import AsyncAsset, AsyncJob, AsyncVenue
    from covia.async_api.trio_grid import TrioGrid, TrioVenueConnection


def __getattr__(name: str) -> Any:
    module = _USER_API.get(name)
    if module is None:
        raise AttributeError(f"module 'covia_trio' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
