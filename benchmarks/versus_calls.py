"""Section 7's calls: sync and asyncio ``status()`` and ``run(echo)`` per second, bursts
of concurrent jobs, and what parsing a job record costs, each next to the official SDK.

The sync rows also run the SDK on the benchmark-only drivers of ``sync_stacks.py``: what
a driver over a faster HTTP/1.1 stack would give.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from benchmarks.clients import INPUT, OPERATION, AsyncClient, raw_aiohttp
from benchmarks.core import job_with_prev_chain
from benchmarks.harness import Settings, rate_rounds
from benchmarks.official import OfficialWorker
from benchmarks.sync_stacks import H11SocketDriver, Urllib3Driver, raw_socket
from benchmarks.versus_table import (
    ASYNC_VS_OFFICIAL,
    H11_SYNC,
    OFFICIAL,
    OURS,
    PARSE_VS_OFFICIAL,
    SYNC_VS_OFFICIAL,
    URLLIB3_SYNC,
    Cell,
    Table,
    local_rounds,
    remote_rounds,
    round_ratios,
)

__all__ = ["async_calls", "concurrency", "parsing", "sync_calls"]


# -- sync and async calls ----------------------------------------------------------------


@contextlib.contextmanager
def _sync_clients(url: str) -> Iterator[dict[str, Any]]:
    """Ours on its requests driver and on the two benchmark drivers, and the raw socket:
    for each, a status call and a run call."""
    from covia import Grid

    venues = {
        OURS: Grid.connect(url),  # the requests driver
        H11_SYNC: Grid.connect(url, driver=H11SocketDriver()),
        URLLIB3_SYNC: Grid.connect(url, driver=Urllib3Driver()),
    }
    raw = raw_socket(url)
    try:
        calls: dict[str, Any] = {}
        for name, venue in venues.items():
            calls[name] = (venue.status, lambda venue=venue: venue.run(OPERATION, INPUT))
        calls["raw socket"] = (raw.status, raw.invoke_result)
        yield calls
    finally:
        raw.close()
        for venue in venues.values():
            venue.close()


def sync_calls(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
    calls = settings.pick(150, 10)
    rounds = settings.pick(12, 2)
    with _sync_clients(url) as clients:
        for index, kind in enumerate(("status", "run")):
            cases = {name: local_rounds(pair[index], calls) for name, pair in clients.items()}
            if worker is not None:
                cases[OFFICIAL] = remote_rounds(worker, "sync_calls", calls, url=url, kind=kind)
            rates = rate_rounds(cases, rounds=rounds)
            table.rates(f"sync {kind}(): calls/s", rates)
            scenario = f"sync `{kind}()`" if kind == "status" else "sync `run(echo)`"
            official: Cell = "not measured"
            if worker is not None:
                official = table.compare(
                    scenario, round_ratios(rates, OURS, OFFICIAL), versus=OFFICIAL,
                    target=SYNC_VS_OFFICIAL,
                )  # fmt: skip
            raw = table.compare(
                scenario, round_ratios(rates, OURS, "raw socket"), versus="raw socket"
            )
            table.line(f"{scenario} per second", official, raw, f"≥ {SYNC_VS_OFFICIAL:g}× official")
            for stack in (H11_SYNC, URLLIB3_SYNC):
                columns = table.stacks.setdefault(stack, {})
                columns[f"`{kind}()` ÷ requests driver"] = table.compare(
                    scenario, round_ratios(rates, stack, OURS), versus="covia (requests driver)",
                    ours=stack,
                )  # fmt: skip
                columns[f"`{kind}()` ÷ official"] = "not measured"
                if worker is not None:
                    columns[f"`{kind}()` ÷ official"] = table.compare(
                        scenario, round_ratios(rates, stack, OFFICIAL), versus=OFFICIAL, ours=stack
                    )


def async_calls(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
    from covia.async_api import AsyncGrid

    calls = settings.pick(150, 10)
    rounds = settings.pick(12, 2)
    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    try:
        venue = loop.run_until_complete(stack.enter_async_context(AsyncGrid.connect(url)))
        raw: AsyncClient = loop.run_until_complete(stack.enter_async_context(raw_aiohttp(url)))

        def on_loop(fn: Callable[[], Awaitable[object]]) -> Callable[[], float]:
            async def many() -> float:
                start = time.perf_counter()
                for _ in range(calls):
                    await fn()
                return calls / (time.perf_counter() - start)

            return lambda: loop.run_until_complete(many())

        async def ours_run() -> object:
            return await venue.run(OPERATION, INPUT)

        for kind, ours, baseline in (
            ("status", venue.status, raw.status),
            ("run", ours_run, raw.invoke_result),
        ):
            cases = {OURS: on_loop(ours), "aiohttp": on_loop(baseline)}
            if worker is not None:
                cases[OFFICIAL] = remote_rounds(worker, "async_calls", calls, url=url, kind=kind)
            rates = rate_rounds(cases, rounds=rounds)
            table.rates(f"asyncio {kind}(): calls/s", rates)
            scenario = f"async `{kind}()`" if kind == "status" else "async `run(echo)`"
            official: Cell = "not measured"
            if worker is not None:
                official = table.compare(
                    scenario, round_ratios(rates, OURS, OFFICIAL), versus=OFFICIAL,
                    target=ASYNC_VS_OFFICIAL,
                )  # fmt: skip
            raw_ratio = table.compare(
                scenario, round_ratios(rates, OURS, "aiohttp"), versus="aiohttp"
            )
            table.line(
                f"{scenario} per second", official, (raw_ratio, " (aiohttp)"),
                f"≥ {ASYNC_VS_OFFICIAL:g}× official",
            )  # fmt: skip
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()


# -- concurrency -------------------------------------------------------------------------


def concurrency(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
    from covia.async_api import AsyncGrid

    # Two rounds a run: the official SDK's bursts of 1,000 take 25-30 s each here.
    rounds = settings.pick(2, 1)
    for count in (settings.pick(500, 50), settings.pick(1000, 100)):
        ours: list[tuple[float, int]] = []
        official: list[tuple[float, int, str]] = []
        for _ in range(rounds):

            async def burst(count: int = count) -> tuple[float, int]:
                async with AsyncGrid.connect(url) as venue:  # a fresh client: its first round

                    async def one() -> object:
                        return await (await venue.invoke(OPERATION, INPUT)).result()

                    gc.collect()
                    start = time.perf_counter()
                    results = await asyncio.gather(
                        *(one() for _ in range(count)), return_exceptions=True
                    )
                    elapsed = time.perf_counter() - start
                return elapsed, sum(isinstance(r, BaseException) for r in results)

            ours.append(asyncio.run(burst()))
            if worker is not None:
                answer = worker.call("burst", url=url, count=count)
                official.append((answer["seconds"], answer["failures"], answer["first_failure"]))
        scenario = f"{count:,} concurrent jobs (asyncio), first round"
        table.measure(f"{scenario}, ours: s", [s for s, _ in ours], unit=" s")
        ours_failed = table.measure(
            f"{scenario}, ours: failures", [f for _, f in ours], count=True,
            target=0, lower_is_better=True,
        )  # fmt: skip
        official_text: Cell = ("not measured; failures ", ours_failed)
        if official:
            table.measure(f"{scenario}, official: s", [s for s, _, _ in official], unit=" s")
            failed = table.measure(
                f"{scenario}, official: failures", [f for _, f, _ in official], count=True
            )
            first = next((why for _, f, why in official if f), "")
            if first:
                table.notes.append(f"official, {count:,} at once: {first}")
            ratio = table.compare(
                f"{scenario} (time, lower is better)",
                [o[0] / t[0] for o, t in zip(ours, official, strict=True)],
                versus=OFFICIAL,
                lower_is_better=True,
            )
            official_text = (ratio, "; failures ", ours_failed, " vs ", failed)
        table.line(f"{scenario} (time, lower is better)", official_text, "—", "no failures")


# -- parsing a job record ----------------------------------------------------------------


def parsing(settings: Settings, worker: OfficialWorker | None, table: Table) -> None:
    from benchmarks.canned_server import job_id_for
    from covia_proto.auth import NoAuth
    from covia_proto.endpoints import jobs
    from covia_proto.endpoints.endpoint import Endpoint
    from covia_proto.http import Response

    job_id = job_id_for(1)
    body = json.dumps(job_with_prev_chain(job_id, 3), separators=(",", ":")).encode()
    endpoint = Endpoint("http://127.0.0.1:8080", auth=NoAuth(), headers=())
    response = Response(200, (("Content-Type", "application/json"),), body)
    calls = settings.pick(3000, 100)
    rounds = settings.pick(7, 2)

    # The call is built once: what is timed is parsing, as on the official side
    # (``JobData.model_validate(json.loads(body))``), not building the request.
    call = jobs.get_job(endpoint, job_id)

    def ours() -> None:
        call.parse(response)

    def baseline() -> None:
        json.loads(body)

    rates = rate_rounds(
        {"ours": local_rounds(ours, calls), "json": local_rounds(baseline, calls)}, rounds=rounds
    )
    ours_x_json = round_ratios(rates, "json", "ours")  # time ÷ json.loads time
    scenario = f"parsing a job record ({len(body):,} B, 3-deep `prev`), time"
    ours_x = table.measure(f"{scenario}: ours ÷ json.loads", ours_x_json)
    official_text: Cell = "not measured"
    if worker is not None:
        answer = worker.call("parse_job", body=body.decode(), calls=calls, rounds=rounds)
        official_x_json = [r["official"] / r["json"] for r in answer["rounds"]]
        table.measure(f"{scenario}: official ÷ json.loads", official_x_json)
        # Each set against json.loads in its own process, then against each other.
        official_text = table.compare(
            f"{scenario} (lower is better)",
            [o / statistics.median(official_x_json) for o in ours_x_json],
            versus=OFFICIAL,
            target=PARSE_VS_OFFICIAL,
            lower_is_better=True,
        )
    table.line(
        f"{scenario} (lower is better)", official_text, (ours_x, " `json.loads`"), "≤ 1× official"
    )
