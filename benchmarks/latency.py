"""Section 3: job-completion latency, per waiting strategy.

The venue is the simulator behind ``serve_venue`` (real HTTP on loopback, in this
process, on its own thread). Each job is the test adapter's ``delay`` operation, which
stays PENDING for a few milliseconds and then completes on the simulator's timer. A hook
on the simulator notes the moment a job becomes terminal; the latency is from then until
``wait()`` (or ``run``) returns in the client.

Strategies: the job's event stream (a simulator with ``sse=True``), through ``run`` and
through ``invoke`` then ``wait()``, and polling (no event stream, as on a 0.1 venue:
``GET /jobs/{id}`` with growing pauses). ``run`` asks no server-side wait of the venue
(``covia_proto/flows/run.py`` says why), so it waits the way ``wait()`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.harness import Section, Settings, percentile, unavailable

__all__ = ["MEDIAN_TARGET_MS", "run"]

MEDIAN_TARGET_MS = 10.0
DELAY_OP = "v/test/ops/delay"
DELAY_MS = 20


def _delay_input(n: int) -> dict[str, Any]:
    return {"delay": DELAY_MS, "operation": "v/test/ops/echo", "input": {"n": n}}


class _Finishes:
    """Notes when each job becomes terminal, on the venue's thread."""

    def __init__(self) -> None:
        self.last = 0.0

    def install(self, simulator: Any) -> None:
        venue = simulator.venue
        original = venue.set_status

        def set_status(job: Any, status: str, **kwargs: Any) -> bool:
            changed: bool = original(job, status, **kwargs)
            if changed and job.terminal:
                self.last = time.perf_counter()
            return changed

        venue.set_status = set_status


@contextmanager
def _venue(sse: bool) -> Iterator[tuple[str, _Finishes]]:
    from covia_proto.testing.server import serve_venue

    finishes = _Finishes()
    with serve_venue(sse=sse) as running:
        running.call(finishes.install, running.simulator)
        yield running.url, finishes


Strategy = tuple[str, bool, str]  # label, sse, how: "run" | "wait"
STRATEGIES: list[Strategy] = [
    ("event stream, run()", True, "run"),
    ("event stream, invoke() then wait()", True, "wait"),
    ("polling (no event stream), wait()", False, "wait"),
]


def _sync_samples(url: str, finishes: _Finishes, how: str, count: int) -> list[float]:
    from covia import Grid

    samples = []
    with Grid.connect(url) as venue:
        for n in range(count + 1):
            if how == "run":
                venue.run(DELAY_OP, _delay_input(n), timeout=30.0)
            else:
                venue.invoke(DELAY_OP, _delay_input(n)).wait(timeout=30.0)
            done = time.perf_counter()
            if n:  # the first call teaches the connection what the venue offers
                samples.append((done - finishes.last) * 1000)
    return samples


async def _async_samples(
    connect: Callable[[str], Any], url: str, finishes: _Finishes, how: str, count: int
) -> list[float]:
    samples = []
    async with connect(url) as venue:
        for n in range(count + 1):
            if how == "run":
                await venue.run(DELAY_OP, _delay_input(n), timeout=30.0)
            else:
                await (await venue.invoke(DELAY_OP, _delay_input(n))).wait(timeout=30.0)
            done = time.perf_counter()
            if n:
                samples.append((done - finishes.last) * 1000)
    return samples


def _row(section: Section, name: str, label: str, how: str, sse: bool, ms: list[float]) -> None:
    median = statistics.median(ms)
    p99 = percentile(ms, 0.99)
    target = MEDIAN_TARGET_MS if sse else None  # polling is as fast as its pauses
    section.add(
        f"{name}, {label}",
        f"median {median:.1f} ms, p99 {p99:.1f} ms",
        f"median < {target:.0f} ms" if target else "",
        median < target if target else None,
        median_ms=median,
        p99_ms=p99,
        samples=len(ms),
    )


def _trio(
    section: Section, url: str, finishes: _Finishes, label: str, how: str, sse: bool, count: int
) -> None:
    from benchmarks.clients import trio_driver_class

    driver_class = trio_driver_class()
    if driver_class is None:
        unavailable(section, f"covia trio, {label}", "covia_trio has no driver yet")
        return
    import trio

    from covia.async_api import AsyncGrid

    @contextlib.asynccontextmanager
    async def connect(url: str) -> AsyncIterator[Any]:
        async with driver_class() as transport, AsyncGrid.connect(url, driver=transport) as venue:
            yield venue

    ms = trio.run(_async_samples, connect, url, finishes, how, count)
    _row(section, "covia trio", label, how, sse, ms)


def run(settings: Settings) -> Section:
    section = Section(
        f"3. Job-completion latency: venue finishes the job → wait() returns "
        f"(loopback simulator, {DELAY_MS} ms delay op)"
    )
    count = settings.pick(40, 4)
    try:
        import covia.async_api  # noqa: F401
    except ImportError as exc:
        async_reason: str | None = str(exc)
    else:
        async_reason = None
    for label, sse, how in STRATEGIES:
        with _venue(sse) as (url, finishes):
            ms = _sync_samples(url, finishes, how, count)
            _row(section, "covia sync", label, how, sse, ms)
            if async_reason is not None:
                unavailable(section, f"covia asyncio, {label}", async_reason)
                continue
            from covia.async_api import AsyncGrid

            ms = asyncio.run(_async_samples(AsyncGrid.connect, url, finishes, how, count))
            _row(section, "covia asyncio", label, how, sse, ms)
            _trio(section, url, finishes, label, how, sse, count)
    section.notes.append(
        "server and client share this process (two threads, one GIL); polling starts at "
        "50 ms and grows ×1.5, so its latency is the pause it happens to be in."
    )
    return section
