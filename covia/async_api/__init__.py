"""The async mirror of the Covia API, for asyncio and trio alike::

    from covia.async_api import AsyncGrid

    async with AsyncGrid.connect("https://venue-test.covia.ai") as venue:
        status = await venue.status()
        result = await venue.run("v/test/ops/echo", {"prompt": "hello"})

Every method of ``Venue``, ``Job`` and ``Asset`` has an awaitable twin on
``AsyncVenue``, ``AsyncJob`` and ``AsyncAsset``, with the same name, arguments, results
and exceptions. Streams (``job.stream()``, ``venue.iter_asset_content(...)``) are async
iterators. The venue's DID is ``await venue.get_did()`` (then ``venue.did``).

The classes here never import an I/O library: ``AsyncGrid.connect`` uses aiohttp
(``covia_aiohttp``) under asyncio and the SDK's own trio driver (``covia_trio``) under
trio, whichever runs it when the connection is first used, and imports that one only
then; ``driver=`` takes any other (``covia_proto.drivers.AsyncDriver``).
"""

from __future__ import annotations

from covia.async_api.asset import AsyncAsset
from covia.async_api.grid import AsyncGrid, AsyncVenueConnection
from covia.async_api.job import AsyncJob
from covia.async_api.venue import AsyncVenue

__all__ = ["AsyncAsset", "AsyncGrid", "AsyncJob", "AsyncVenue", "AsyncVenueConnection"]
