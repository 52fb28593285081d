"""The asyncio driver of the Covia SDK: performs the protocol core's effects over
aiohttp. ``covia.async_api.AsyncGrid.connect`` uses it unless given another driver."""

from __future__ import annotations

from covia_aiohttp.driver import AiohttpDriver

__all__ = ["AiohttpDriver"]
