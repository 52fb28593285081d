"""The Covia SDK for trio: the shared async API over the SDK's own HTTP/1.1 client
(h11 on trio streams, TLS through ``trio.SSLStream``)::

    import trio
    from covia_trio import TrioGrid

    async def main():
        async with TrioGrid.connect("https://venue-test.covia.ai") as venue:
            print(await venue.run("v/test/ops/echo", {"hello": "trio"}))
            job = await venue.invoke("v/test/ops/echo", 1)
            async for event in job.stream():
                print(event)

    trio.run(main)

Names. The entry point is ``TrioGrid.connect`` — the same arguments as
``covia.async_api.AsyncGrid.connect`` (minus aiohttp's ``session`` and ``limit``), plus
``ssl_context=``, ``stream_factory=``, ``max_connections=`` and ``max_idle=``. What it
opens keeps its name: it *is* the shared ``AsyncVenue`` (with ``AsyncJob`` and
``AsyncAsset``), the very classes asyncio users get, so one set of documentation, type
hints and ``isinstance`` checks serves both runtimes; they are re-exported here so a
trio program imports from one place. ``TrioDriver`` is the transport alone, for
``AsyncGrid.connect(..., driver=TrioDriver())`` or for running the core's flows directly.

Structured concurrency: nothing here starts a background task. Every request runs in
the task that awaits it, so it can be used from any nursery and cancelled with any
cancel scope; a cancelled or timed-out request closes its connection. Closing the
venue (``async with`` exit, or ``await venue.aclose()``) closes every connection it
pooled.

Importing this package loads neither asyncio nor aiohttp.
"""

from covia._optional import require

require("trio", extra="trio", needed_by="covia_trio")

from covia.async_api import AsyncAsset, AsyncJob, AsyncVenue  # noqa: E402
from covia_trio.driver import TrioDriver  # noqa: E402
from covia_trio.grid import TrioGrid, TrioVenueConnection  # noqa: E402

__all__ = ["AsyncAsset", "AsyncJob", "AsyncVenue", "TrioDriver", "TrioGrid", "TrioVenueConnection"]
