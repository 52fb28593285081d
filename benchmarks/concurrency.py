"""Section 2b: many concurrent invoke-and-result calls through the async clients.

``N`` (1,000 in the full run) invoke-and-result calls are started at once on one event
loop against the canned server; the table gives the wall time, the calls per second and
the failures of each client, and how many times faster the SDK is than a plain
``httpx.AsyncClient`` doing the same exchanges (whose pool is known to slow down badly
when far more requests wait than it has connections).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable

from benchmarks.clients import AsyncClient, asyncio_clients, trio_clients
from benchmarks.harness import Section, Settings, unavailable
from benchmarks.sequential import ASYNCIO_SDK, ASYNCIO_SDK_SESSION, TRIO_SDK

__all__ = ["SPEEDUP_TARGET", "run"]

SPEEDUP_TARGET = 10.0
Burst = tuple[float, int]  # seconds, failures
Outcome = tuple[float, int, list[float]]  # best seconds, failures, seconds per round


async def _asyncio_burst(call: Callable[[], Awaitable[object]], count: int) -> Burst:
    start = time.perf_counter()
    results = await asyncio.gather(*(call() for _ in range(count)), return_exceptions=True)
    elapsed = time.perf_counter() - start
    return elapsed, sum(isinstance(result, BaseException) for result in results)


async def _trio_burst(call: Callable[[], Awaitable[object]], count: int) -> Burst:
    import trio

    failures = 0

    async def one() -> None:
        nonlocal failures
        try:
            await call()
        except Exception:
            failures += 1

    start = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(count):
            nursery.start_soon(one)
    return time.perf_counter() - start, failures


async def _rounds(
    clients: dict[str, AsyncClient | str],
    burst: Callable[[Callable[[], Awaitable[object]], int], Awaitable[Burst]],
    count: int,
    rounds: int,
) -> dict[str, Outcome]:
    ready = {name: c for name, c in clients.items() if isinstance(c, AsyncClient)}
    times: dict[str, list[float]] = {name: [] for name in ready}
    failures: dict[str, int] = dict.fromkeys(ready, 0)
    for client in ready.values():  # warm up: open the connections
        await burst(client.invoke_result, min(count, 100))
    names = list(ready)
    for number in range(rounds):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            # Every burst starts from the same collector state: a burst leaves thousands
            # of objects behind, and otherwise whichever client runs next pays for the
            # full collection they bring on (15-35 ms here, a quarter of a burst).
            gc.collect()
            elapsed, failed = await burst(ready[name].invoke_result, count)
            times[name].append(elapsed)
            failures[name] += failed
    return {name: (min(times[name]), failures[name], times[name]) for name in names}


def _rows(
    section: Section, outcomes: dict[str, Outcome], clients: dict[str, object], count: int
) -> None:
    for name, client in clients.items():
        if isinstance(client, str):
            unavailable(section, name, client)
            continue
        elapsed, failed, _ = outcomes[name]
        section.add(
            f"{name}: {count:,} at once",
            f"{elapsed:.2f} s, {count / elapsed:,.0f}/s, {failed} failed",
            "no failures",
            failed == 0,
            seconds=elapsed,
            failures=failed,
        )


def _speedup(
    section: Section, outcomes: dict[str, Outcome], sdk: str, other: str, target: float | None
) -> None:
    if sdk not in outcomes or other not in outcomes:
        return
    # Per round, the cases ran back to back: their ratio is the steadier number.
    pairs = zip(outcomes[other][2], outcomes[sdk][2], strict=True)
    speedup = statistics.median(theirs / ours for theirs, ours in pairs)
    section.add(
        f"{sdk} vs {other}: times faster",
        f"{speedup:.1f}×",
        f"≥ {target:.0f}×" if target is not None else "",
        speedup >= target if target is not None else None,
        speedup=speedup,
    )


def run(settings: Settings, url: str) -> Section:
    count = settings.pick(1000, 100)
    rounds = settings.pick(6, 1)
    section = Section(f"2b. {count:,} concurrent invoke-and-result calls (async clients)")
    names = [ASYNCIO_SDK, ASYNCIO_SDK_SESSION, "aiohttp.ClientSession"]
    names.append("httpx.AsyncClient")

    async def on_asyncio() -> tuple[dict[str, Outcome], dict[str, object]]:
        async with asyncio_clients(url, names) as clients:
            return await _rounds(clients, _asyncio_burst, count, rounds), dict(clients)

    outcomes, clients = asyncio.run(on_asyncio())
    _rows(section, outcomes, clients, count)
    _speedup(section, outcomes, ASYNCIO_SDK, "httpx.AsyncClient", SPEEDUP_TARGET)
    _speedup(section, outcomes, ASYNCIO_SDK_SESSION, "httpx.AsyncClient", SPEEDUP_TARGET)
    _speedup(section, outcomes, ASYNCIO_SDK, "aiohttp.ClientSession", None)
    # The ceiling: the SDK drives aiohttp, so it cannot beat httpx by more than aiohttp
    # itself does on the same machine in the same run.
    _speedup(section, outcomes, "aiohttp.ClientSession", "httpx.AsyncClient", None)
    try:
        import trio
    except ImportError as exc:
        unavailable(section, TRIO_SDK, str(exc))
        return section

    async def on_trio() -> tuple[dict[str, Outcome], dict[str, object]]:
        async with trio_clients(url, [TRIO_SDK, "raw h11 over trio"]) as clients:
            return await _rounds(clients, _trio_burst, count, rounds), dict(clients)

    outcomes, clients = trio.run(on_trio)
    section.notes.append(
        "connection limits: 100 everywhere (aiohttp, httpx, the raw h11 pool, and the "
        "SDK's aiohttp and trio drivers by default)."
    )
    _rows(section, outcomes, clients, count)
    _speedup(section, outcomes, TRIO_SDK, "raw h11 over trio", None)
    return section
