"""Section 2a: sequential calls per second, the SDK against its raw library.

One client at a time, one request after another, against the canned server in its own
process: ``GET /status`` (JSON parsed) and invoke-and-result (``POST /invoke``
answering a COMPLETE record, whose output is taken). The SDK's overhead is the raw
library's rate divided by the SDK's (1.25× means the SDK takes 25 % longer per call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from benchmarks.clients import AsyncClient, SyncClient, asyncio_clients, sync_clients, trio_clients
from benchmarks.harness import (
    RoundRates,
    Section,
    Settings,
    arounds_per_second,
    rounds_per_second,
    unavailable,
)

__all__ = ["OVERHEAD_TARGET", "run"]

OVERHEAD_TARGET = 1.25
KINDS = ("status", "invoke-and-result")

SYNC_SDK = "covia sync (requests driver)"
ASYNCIO_SDK = "covia asyncio (aiohttp driver)"
BARE_REQUESTS = "requests, prepared by hand (no SDK)"
ASYNCIO_SDK_SESSION = "covia asyncio, caller's aiohttp session"
TRIO_SDK = "covia trio (h11 driver)"
Rates = dict[str, RoundRates]  # kind -> client -> calls/s


def _report_rates(section: Section, rates: Rates, clients: dict[str, object]) -> None:
    for name, client in clients.items():
        if isinstance(client, str):
            unavailable(section, name, client)
            continue
        values = ", ".join(f"{rates[kind][name]:,.0f}" for kind in KINDS)
        data = {kind: rates[kind][name] for kind in KINDS}
        section.add(f"{name}: calls/s (status, invoke)", values, "", None, **data)


def _ratio_rows(
    section: Section,
    rates: Rates,
    clients: dict[str, object],
    sdk: str,
    raw: str,
    target: float,
    label: str,
) -> None:
    if isinstance(clients.get(sdk), str) or isinstance(clients.get(raw), str):
        return
    for kind in KINDS:
        ratio = rates[kind].ratio(raw, sdk)
        section.add(
            f"{label}, {kind}",
            f"{ratio:.2f}×",
            f"≤ {target:.2f}×",
            ratio <= target,
            ratio=ratio,
        )


def _sync(settings: Settings, url: str, section: Section) -> None:
    names = [SYNC_SDK, "requests.Session", BARE_REQUESTS]
    names.append("httpx.Client")
    with sync_clients(url, names) as clients:
        ready = {name: c for name, c in clients.items() if isinstance(c, SyncClient)}
        rates: Rates = {}
        for kind in KINDS:
            cases: dict[str, Callable[[], None]] = {}
            for name, client in ready.items():
                fn = client.status if kind == "status" else client.invoke_result
                cases[name] = fn  # type: ignore[assignment]  # results are dropped
            rates[kind] = rounds_per_second(
                cases, calls=settings.pick(120, 20), rounds=settings.pick(20, 2)
            )
        _report_rates(section, rates, dict(clients))
        _ratio_rows(
            section, rates, dict(clients), SYNC_SDK, "requests.Session", OVERHEAD_TARGET,
            "sync: time per call, covia ÷ requests.Session",
        )  # fmt: skip
        _ratio_rows(
            section, rates, dict(clients), SYNC_SDK, "httpx.Client", 1.0,
            "sync: time per call, covia ÷ httpx.Client",
        )  # fmt: skip
        _ratio_rows(
            section, rates, dict(clients), BARE_REQUESTS, "httpx.Client", 1.0,
            "the floor: requests prepared by hand, no SDK ÷ httpx.Client",
        )  # fmt: skip


async def _async_rates(settings: Settings, clients: dict[str, AsyncClient | str]) -> Rates:
    ready = {name: c for name, c in clients.items() if isinstance(c, AsyncClient)}
    rates: Rates = {}
    for kind in KINDS:
        cases: dict[str, Callable[[], Awaitable[object]]] = {}
        for name, client in ready.items():
            cases[name] = client.status if kind == "status" else client.invoke_result
        rates[kind] = await arounds_per_second(
            cases, calls=settings.pick(120, 20), rounds=settings.pick(20, 2)
        )
    return rates


def _asyncio(settings: Settings, url: str, section: Section) -> None:
    names = [ASYNCIO_SDK, ASYNCIO_SDK_SESSION, "aiohttp.ClientSession"]
    names.append("httpx.AsyncClient")

    async def measure() -> tuple[Rates, dict[str, object], bool]:
        async with asyncio_clients(url, names) as clients:
            rates = await _async_rates(settings, clients)
            sdk = clients.get(ASYNCIO_SDK)
            shell = isinstance(sdk, AsyncClient) and bool(sdk.extra.get("shell"))
            return rates, dict(clients), shell

    rates, clients, shell = asyncio.run(measure())
    _report_rates(section, rates, clients)
    _ratio_rows(
        section, rates, clients, ASYNCIO_SDK, "aiohttp.ClientSession", OVERHEAD_TARGET,
        "asyncio: time per call, covia ÷ aiohttp",
    )  # fmt: skip
    _ratio_rows(
        section, rates, clients, ASYNCIO_SDK_SESSION, "aiohttp.ClientSession", OVERHEAD_TARGET,
        "asyncio: time per call, covia (caller's session) ÷ aiohttp",
    )  # fmt: skip
    if not isinstance(clients.get(ASYNCIO_SDK), str) and not shell:
        section.notes.append(
            "covia.async_api.AsyncGrid is not there yet: the asyncio rows drive the core's "
            "flows on AiohttpDriver directly (the shell adds one method call)."
        )


def _trio(settings: Settings, url: str, section: Section) -> None:
    try:
        import trio
    except ImportError as exc:
        unavailable(section, TRIO_SDK, str(exc))
        return
    names = [TRIO_SDK, "raw h11 over trio"]

    async def measure() -> tuple[Rates, dict[str, object]]:
        async with trio_clients(url, names) as clients:
            return await _async_rates(settings, clients), dict(clients)

    rates, clients = trio.run(measure)
    _report_rates(section, rates, clients)
    _ratio_rows(
        section, rates, clients, TRIO_SDK, "raw h11 over trio", OVERHEAD_TARGET,
        "trio: time per call, covia ÷ raw h11",
    )  # fmt: skip


def run(settings: Settings, url: str) -> Section:
    section = Section("2a. Sequential calls against the canned server (its own process)")
    _sync(settings, url, section)
    _asyncio(settings, url, section)
    _trio(settings, url, section)
    return section
