"""Section 5: job events per second consumed through each driver.

The canned server streams ``N`` ``job-update`` events (each a whole job record on one
``data:`` line, the last one COMPLETE). The SDK's ``job.stream()`` parses them with the
core's SSE parser and checks each record; the raw rows split the stream at blank lines
and ``json.loads`` each ``data:`` line, the least a hand-written client would do.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from benchmarks.canned_server import job_id_for
from benchmarks.clients import _missing, trio_driver_class
from benchmarks.harness import Section, Settings, unavailable

__all__ = ["run"]


def _count_raw(chunks: Iterable[bytes]) -> int:
    pending = b""
    count = 0
    for chunk in chunks:
        pending += chunk
        *blocks, pending = pending.split(b"\n\n")
        for block in blocks:
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    json.loads(line[5:])
                    count += 1
    return count


class _RawAsync:
    """The same splitting for chunks that arrive asynchronously."""

    def __init__(self) -> None:
        self.pending = b""
        self.count = 0

    def feed(self, chunk: bytes) -> None:
        self.pending += chunk
        *blocks, self.pending = self.pending.split(b"\n\n")
        for block in blocks:
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    json.loads(line[5:])
                    self.count += 1


def _best(runs: list[tuple[str, Callable[[], int]]], rounds: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for number in range(rounds):
        for name, fn in runs[number % len(runs) :] + runs[: number % len(runs)]:
            start = time.perf_counter()
            count = fn()
            rate = count / (time.perf_counter() - start)
            best[name] = max(best.get(name, 0.0), rate)
    return best


async def _abest(
    runs: list[tuple[str, Callable[[], Awaitable[int]]]], rounds: int
) -> dict[str, float]:
    best: dict[str, float] = {}
    for number in range(rounds):
        for name, fn in runs[number % len(runs) :] + runs[: number % len(runs)]:
            start = time.perf_counter()
            count = await fn()
            rate = count / (time.perf_counter() - start)
            best[name] = max(best.get(name, 0.0), rate)
    return best


def _sync(url: str, job_id: str, rounds: int) -> dict[str, float]:
    import requests

    from covia import Grid

    with Grid.connect(url) as venue, requests.Session() as session:
        job = venue.get_job(job_id)

        def sdk() -> int:
            return sum(1 for _ in job.stream())

        def raw() -> int:
            target = f"{url}/api/v1/jobs/{job_id}/sse"
            headers = {"Accept": "text/event-stream"}
            with session.get(target, headers=headers, stream=True) as answer:
                return _count_raw(answer.iter_content(64 * 1024))

        return _best([("covia sync (requests driver)", sdk), ("requests.Session", raw)], rounds)


async def _shell_events(venue: Any, job_id: str) -> Callable[[], Awaitable[int]]:
    job = await venue.get_job(job_id)

    async def sdk() -> int:
        count = 0
        async for _ in job.stream():
            count += 1
        return count

    return sdk


async def _asyncio(url: str, job_id: str, rounds: int) -> dict[str, float]:
    import aiohttp

    from covia.async_api import AsyncGrid

    async with AsyncGrid.connect(url) as venue, aiohttp.ClientSession() as session:
        sdk = await _shell_events(venue, job_id)

        async def raw() -> int:
            parser = _RawAsync()
            target = f"{url}/api/v1/jobs/{job_id}/sse"
            async with session.get(target, headers={"Accept": "text/event-stream"}) as answer:
                async for chunk in _any(answer):
                    parser.feed(chunk)
            return parser.count

        return await _abest(
            [("covia asyncio (aiohttp driver)", sdk), ("aiohttp.ClientSession", raw)], rounds
        )


async def _any(answer: Any) -> AsyncIterator[bytes]:
    while True:
        chunk = await answer.content.readany()
        if not chunk:
            return
        yield chunk


async def _trio(url: str, job_id: str, rounds: int) -> dict[str, float]:
    from covia.async_api import AsyncGrid

    driver_class = trio_driver_class()
    async with driver_class() as transport, AsyncGrid.connect(url, driver=transport) as venue:
        sdk = await _shell_events(venue, job_id)
        return await _abest([("covia trio (h11 driver)", sdk)], rounds)


def run(settings: Settings, url: str) -> Section:
    count = settings.pick(20_000, 300)
    rounds = settings.pick(3, 1)
    job_id = job_id_for(count)
    section = Section(f"5. Job events consumed per second ({count:,} job-update events a stream)")
    rates: dict[str, float] = {}
    rates.update(_sync(url, job_id, rounds))
    if _missing("covia.async_api") is None:
        rates.update(asyncio.run(_asyncio(url, job_id, rounds)))
    else:
        unavailable(section, "covia asyncio (aiohttp driver)", "covia.async_api is missing")
    if _missing("trio") is None and trio_driver_class() is not None:
        import trio

        rates.update(trio.run(_trio, url, job_id, rounds))
    else:
        unavailable(section, "covia trio (h11 driver)", "covia_trio has no driver yet")
    for name, rate in rates.items():
        section.add(f"{name}: events/s", f"{rate:,.0f}", events_per_s=rate)
    for sdk, raw in (
        ("covia sync (requests driver)", "requests.Session"),
        ("covia asyncio (aiohttp driver)", "aiohttp.ClientSession"),
    ):
        if sdk in rates and raw in rates:
            section.add(
                f"time per event, {sdk} ÷ {raw}",
                f"{rates[raw] / rates[sdk]:.2f}×",
                ratio=rates[raw] / rates[sdk],
            )
    return section
