"""Section 7: the SDK side by side with the official SDK and a raw baseline (issue #20).

Each scenario runs ours, the official SDK (``covia`` 0.9.11, httpx and pydantic, in its
own virtualenv and worker process: ``official.py``) and the least a raw client does,
against the same canned server in the same run, in interleaved rounds. Rows give the
ratios as the issue states its targets (ours ÷ official and ours ÷ raw; rates, so
higher is better unless a row says otherwise) with their ranges (``versus_table.py``),
then met or MISSED. The section's ``markdown`` is the same comparison as the README's
table; ``benchmarks.run`` prints it. ``--repeat N`` runs the section N times over.

The faster sync stacks of ``sync_stacks.py`` (the core's h11 connection over a socket,
urllib3 directly) run in the sync rows as benchmark-only drivers under the same SDK.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from benchmarks import content
from benchmarks.canned_server import asset_id_for, job_id_for
from benchmarks.clients import INPUT, OPERATION, AsyncClient, raw_aiohttp
from benchmarks.core import job_with_prev_chain
from benchmarks.events import _count_raw, _RawAsync
from benchmarks.harness import RoundRates, Section, Settings, rate_rounds
from benchmarks.official import OfficialError, OfficialWorker, ensure_venv
from benchmarks.sync_stacks import H11SocketDriver, Urllib3Driver, raw_socket
from benchmarks.versus_table import Cell, Table

__all__ = ["run"]

OURS = "covia"
OFFICIAL = "official 0.9.11"
H11_SYNC = "covia on h11 over a socket (benchmark driver)"
URLLIB3_SYNC = "covia on urllib3 (benchmark driver)"
MIB = 1 << 20

# The targets, as ratios ours ÷ other of rates (≥) or of times (≤).
SYNC_VS_OFFICIAL = 1.3
ASYNC_VS_OFFICIAL = 2.0
EVENTS_VS_OFFICIAL = 2.0
EVENTS_VS_RAW = 0.7
DOWNLOAD_VS_OFFICIAL = 1.5
DOWNLOAD_VS_RAW = 0.8
HASHED_VS_HASH = 0.75  # within 25 % of SHA-256's own speed
PARSE_VS_OFFICIAL = 1.0  # time, no slower


# -- sync and async calls ----------------------------------------------------------------


def _local(fn: Callable[[], object], calls: int) -> Callable[[], float]:
    def one_round() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        return calls / (time.perf_counter() - start)

    return one_round


def _remote(
    worker: OfficialWorker, command: str, calls: int, **arguments: Any
) -> Callable[[], float]:
    def one_round() -> float:
        return calls / float(worker.call(command, calls=calls, **arguments)["seconds"])

    return one_round


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


def _sync_calls(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
    calls = settings.pick(150, 10)
    rounds = settings.pick(12, 2)
    with _sync_clients(url) as clients:
        for index, kind in enumerate(("status", "run")):
            cases = {name: _local(pair[index], calls) for name, pair in clients.items()}
            if worker is not None:
                cases[OFFICIAL] = _remote(worker, "sync_calls", calls, url=url, kind=kind)
            rates = rate_rounds(cases, rounds=rounds)
            _rate_rows(table, f"sync {kind}(): calls/s", rates)
            scenario = f"sync `{kind}()`" if kind == "status" else "sync `run(echo)`"
            official: Cell = "not measured"
            if worker is not None:
                official = table.compare(
                    scenario, _rounds(rates, OURS, OFFICIAL), versus=OFFICIAL,
                    target=SYNC_VS_OFFICIAL,
                )  # fmt: skip
            raw = table.compare(scenario, _rounds(rates, OURS, "raw socket"), versus="raw socket")
            table.line(f"{scenario} per second", official, raw, f"≥ {SYNC_VS_OFFICIAL:g}× official")
            for stack in (H11_SYNC, URLLIB3_SYNC):
                columns = table.stacks.setdefault(stack, {})
                columns[f"`{kind}()` ÷ requests driver"] = table.compare(
                    scenario, _rounds(rates, stack, OURS), versus="covia (requests driver)",
                    ours=stack,
                )  # fmt: skip
                columns[f"`{kind}()` ÷ official"] = "not measured"
                if worker is not None:
                    columns[f"`{kind}()` ÷ official"] = table.compare(
                        scenario, _rounds(rates, stack, OFFICIAL), versus=OFFICIAL, ours=stack
                    )


def _rounds(rates: RoundRates, top: str, bottom: str) -> list[float]:
    pairs = zip(rates.rounds[top], rates.rounds[bottom], strict=True)
    return [a / b for a, b in pairs]


def _rate_rows(table: Table, what: str, rates: RoundRates) -> None:
    for name, values in rates.rounds.items():
        table.measure(f"{what}, {name}", values, unit="", digits=0)


def _async_calls(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
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
                cases[OFFICIAL] = _remote(worker, "async_calls", calls, url=url, kind=kind)
            rates = rate_rounds(cases, rounds=rounds)
            _rate_rows(table, f"asyncio {kind}(): calls/s", rates)
            scenario = f"async `{kind}()`" if kind == "status" else "async `run(echo)`"
            official: Cell = "not measured"
            if worker is not None:
                official = table.compare(
                    scenario, _rounds(rates, OURS, OFFICIAL), versus=OFFICIAL,
                    target=ASYNC_VS_OFFICIAL,
                )  # fmt: skip
            raw_ratio = table.compare(scenario, _rounds(rates, OURS, "aiohttp"), versus="aiohttp")
            table.line(
                f"{scenario} per second", official, (raw_ratio, " (aiohttp)"),
                f"≥ {ASYNC_VS_OFFICIAL:g}× official",
            )  # fmt: skip
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()


# -- events ------------------------------------------------------------------------------


def _events(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
    import requests

    from covia import Grid

    count = settings.pick(20_000, 200)
    rounds = settings.pick(5, 1)
    cpu: dict[str, list[float]] = {}  # CPU seconds per event, sync clients

    def timed(name: str, consume: Callable[[], int]) -> Callable[[], float]:
        def one_round() -> float:
            started_cpu = time.process_time()
            start = time.perf_counter()
            got = consume()
            elapsed = time.perf_counter() - start
            cpu.setdefault(name, []).append((time.process_time() - started_cpu) / got)
            return got / elapsed

        return one_round

    for chunked in (True, False):
        shape = "one event per HTTP chunk" if chunked else "many events per chunk"
        job_id = job_id_for(count, chunked=chunked)
        cpu.clear()
        with Grid.connect(url) as venue, requests.Session() as session:
            job = venue.get_job(job_id)

            def ours(job: Any = job) -> int:
                got = 0
                for event in job.stream():
                    event.json()
                    got += 1
                return got

            def raw(job_id: str = job_id) -> int:
                target = f"{url}/api/v1/jobs/{job_id}/sse"
                with session.get(target, headers={"Accept": "text/event-stream"}, stream=True) as r:
                    return _count_raw(r.iter_content(64 * 1024))

            cases = {OURS: timed(OURS, ours), "requests": timed("requests", raw)}
            if worker is not None:

                def official(job_id: str = job_id) -> float:
                    answer = worker.call("events", url=url, job_id=job_id)
                    cpu.setdefault(OFFICIAL, []).append(answer["cpu"] / answer["count"])
                    return float(answer["count"] / answer["seconds"])

                cases[OFFICIAL] = official
            rates = rate_rounds(cases, rounds=rounds)
        _rate_rows(table, f"sync events/s, {shape}", rates)
        scenario = f"job events per second, {shape}"
        official_text: Cell = "not measured"
        if worker is not None:
            official_text = table.compare(
                scenario, _rounds(rates, OURS, OFFICIAL), versus=OFFICIAL,
                target=EVENTS_VS_OFFICIAL,
            )  # fmt: skip
        raw_text = table.compare(
            scenario, _rounds(rates, OURS, "requests"), versus="a raw reader (requests)",
            target=EVENTS_VS_RAW,
        )  # fmt: skip
        table.line(
            scenario, official_text, (raw_text, " (requests)"),
            f"≥ {EVENTS_VS_OFFICIAL:g}× official, ≥ {EVENTS_VS_RAW:g}× raw",
        )  # fmt: skip
        # The first call of each case warmed up; its CPU is left out.
        per_event = {name: values[1:] or values for name, values in cpu.items()}
        for name, values in per_event.items():
            micros = [v * 1e6 for v in values]
            table.measure(f"client CPU per event, {shape}, {name}: µs", micros, unit="", digits=1)
        if not chunked:
            official_cpu: Cell = "not measured"
            if OFFICIAL in per_event:
                official_cpu = table.compare(
                    "client CPU per event (lower is better)",
                    _pairwise(per_event[OURS], per_event[OFFICIAL]), versus=OFFICIAL,
                    lower_is_better=True,
                )  # fmt: skip
            raw_cpu = table.compare(
                "client CPU per event (lower is better)",
                _pairwise(per_event[OURS], per_event["requests"]), versus="requests",
            )  # fmt: skip
            table.line("client CPU per event (lower is better)", official_cpu, raw_cpu, "—")
    _async_events(settings, url, worker, table, count, rounds)


def _pairwise(tops: list[float], bottoms: list[float]) -> list[float]:
    return [a / b for a, b in zip(tops, bottoms, strict=False)]


def _async_events(
    settings: Settings,
    url: str,
    worker: OfficialWorker | None,
    table: Table,
    count: int,
    rounds: int,
) -> None:
    import aiohttp

    from covia.async_api import AsyncGrid

    job_id = job_id_for(count, chunked=True)
    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    try:
        venue = loop.run_until_complete(stack.enter_async_context(AsyncGrid.connect(url)))

        async def open_session() -> aiohttp.ClientSession:  # made on the running loop
            return await stack.enter_async_context(aiohttp.ClientSession())

        session = loop.run_until_complete(open_session())
        job = loop.run_until_complete(venue.get_job(job_id))

        async def ours() -> float:
            start = time.perf_counter()
            got = 0
            async for event in job.stream():
                event.json()
                got += 1
            return float(got / (time.perf_counter() - start))

        async def raw() -> float:
            start = time.perf_counter()
            parser = _RawAsync()
            target = f"{url}/api/v1/jobs/{job_id}/sse"
            async with session.get(target, headers={"Accept": "text/event-stream"}) as answer:
                while chunk := await answer.content.readany():
                    parser.feed(chunk)
            return float(parser.count / (time.perf_counter() - start))

        cases: dict[str, Callable[[], float]] = {
            OURS: lambda: loop.run_until_complete(ours()),
            "aiohttp": lambda: loop.run_until_complete(raw()),
        }
        if worker is not None:

            def official() -> float:
                answer = worker.call("async_events", url=url, job_id=job_id)
                return float(answer["count"] / answer["seconds"])

            cases[OFFICIAL] = official
        rates = rate_rounds(cases, rounds=rounds)
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
    _rate_rows(table, "asyncio events/s, one event per HTTP chunk", rates)
    scenario = "asyncio job events per second, one event per HTTP chunk"
    official_text: Cell = "not measured"
    if worker is not None:
        official_text = table.compare(
            scenario, _rounds(rates, OURS, OFFICIAL), versus=OFFICIAL, target=EVENTS_VS_OFFICIAL
        )
    raw_text = table.compare(
        scenario, _rounds(rates, OURS, "aiohttp"), versus="a raw reader (aiohttp)",
        target=EVENTS_VS_RAW,
    )  # fmt: skip
    table.line(
        scenario, official_text, (raw_text, " (aiohttp)"),
        f"≥ {EVENTS_VS_OFFICIAL:g}× official, ≥ {EVENTS_VS_RAW:g}× raw",
    )  # fmt: skip


# -- content -----------------------------------------------------------------------------


def _content(settings: Settings, url: str, python: Any, table: Table) -> None:
    import hashlib

    from benchmarks.canned_server import BLOCK

    size = settings.pick(128 * MIB, 4 * MIB)
    upload_size = settings.pick(64 * MIB, 4 * MIB)
    repeats = settings.pick(3, 1)
    blocks = size // len(BLOCK)
    sha: list[float] = []
    for _ in range(repeats):
        hasher = hashlib.sha256()
        start = time.perf_counter()
        for _ in range(blocks):
            hasher.update(BLOCK)
        sha.append(size / (time.perf_counter() - start) / MIB)
    sha_speed = statistics.median(sha)
    table.measure("SHA-256 of 64 KiB chunks: MiB/s", sha, unit="", digits=0)

    def official(direction: str) -> dict[str, Any] | str:
        if python is None:
            return "not measured"
        asset = asset_id_for(size) if direction == "download" else content.UPLOAD_ID
        try:
            with OfficialWorker(python) as worker:  # a fresh process: its own peak RSS
                if direction == "download":
                    return worker.call("download", url=url, asset_id=asset)
                return worker.call("upload", url=url, asset_id=asset, size=upload_size)
        except OfficialError as exc:
            return str(exc)

    downloads = ["sync", "sync-sha256", "requests", "requests-sha256", "trio"]
    moved: dict[str, list[dict[str, Any]]] = {}
    for _ in range(repeats):  # interleaved: each case once per round, in a fresh process
        for case in downloads:
            if content.available(case) is None:
                outcome = content.run_case(case, url, size, "download")
                moved.setdefault(case, []).append(_outcome(outcome, case))
        if python is not None:
            moved.setdefault("official", []).append(_outcome(official("download"), "official"))
        for case in ("sync", "requests"):
            outcome = content.run_case(case, url, upload_size, "upload")
            moved.setdefault(f"up-{case}", []).append(_outcome(outcome, case))
        if python is not None:
            moved.setdefault("up-official", []).append(_outcome(official("upload"), "official"))
    peaks = {}
    for case, runs in moved.items():
        table.measure(f"{case}: MiB/s", [r["rate"] for r in runs], unit="", digits=0)
        peaks[case] = table.measure(
            f"{case}: extra peak RSS", [r["extra"] for r in runs], unit=" MiB", digits=1
        )

    def ratios(top: str, bottom: str) -> list[float]:
        pairs = zip(moved[top], moved[bottom], strict=True)
        return [a["rate"] / b["rate"] for a, b in pairs]

    have_official = python is not None
    scenario = f"download MiB/s ({size // MIB} MiB), no hash declared"
    official_text: Cell = "not measured"
    if have_official:
        official_text = table.compare(
            scenario, ratios("sync", "official"), versus=OFFICIAL, target=DOWNLOAD_VS_OFFICIAL
        )
    raw_text = table.compare(
        scenario, ratios("sync", "requests"), versus="requests", target=DOWNLOAD_VS_RAW
    )
    table.line(
        scenario, official_text, (raw_text, " (requests)"),
        f"≥ {DOWNLOAD_VS_OFFICIAL:g}× official, ≥ {DOWNLOAD_VS_RAW:g}× raw",
    )  # fmt: skip
    scenario = f"download MiB/s ({size // MIB} MiB), hash declared and checked"
    hashed = [r["rate"] / sha_speed for r in moved["sync-sha256"]]
    hash_text = table.compare(scenario, hashed, versus="SHA-256's own speed", target=HASHED_VS_HASH)
    raw_text = table.compare(
        scenario, ratios("sync-sha256", "requests-sha256"), versus="requests + hashlib"
    )
    table.line(
        scenario, "— (it checks no hash)",
        (raw_text, " (requests + hashlib); ", hash_text, " of SHA-256's own speed"),
        f"≥ {HASHED_VS_HASH:g}× SHA-256's speed",
    )  # fmt: skip
    if "trio" in moved:
        trio_text = table.compare(
            "download MiB/s, trio client", ratios("trio", "sync"), versus="the sync client",
            target=1.0,
        )  # fmt: skip
        table.line("download MiB/s, trio ÷ sync client", "—", trio_text, "≥ 1×")
    scenario = f"upload MiB/s ({upload_size // MIB} MiB)"
    official_text = "not measured"
    if have_official:
        official_text = table.compare(scenario, ratios("up-sync", "up-official"), versus=OFFICIAL)
    raw_text = table.compare(scenario, ratios("up-sync", "up-requests"), versus="requests")
    table.line(scenario, official_text, (raw_text, " (requests)"), "—")
    peak: Cell = ("+", peaks["sync"], " vs +", peaks["official"]) if have_official else "—"
    table.line(
        f"extra peak memory over a {size // MIB} MiB download, ours vs official", peak, "—", "—"
    )


def _outcome(outcome: dict[str, Any] | str, case: str) -> dict[str, Any]:
    if isinstance(outcome, str):
        raise RuntimeError(f"{case}: {outcome}")
    rate = outcome["bytes"] / outcome["seconds"] / MIB
    return {**outcome, "rate": rate, "extra": (outcome["after"] - outcome["before"]) / 1024}


# -- wait overhead -----------------------------------------------------------------------


def _wait_overhead(settings: Settings, worker: OfficialWorker | None, table: Table) -> None:
    """Job done at the venue → the client's call returns: the simulator (event streams
    on) runs the ``delay`` operation; a hook notes each job's end (``time.monotonic``,
    one clock for every process on Linux)."""
    from covia import Grid
    from covia_proto.testing.server import serve_venue

    count = settings.pick(15, 2)
    ends: list[float] = []

    def install(simulator: Any) -> None:
        venue = simulator.venue
        original = venue.set_status

        def set_status(job: Any, status: str, **kwargs: Any) -> bool:
            changed: bool = original(job, status, **kwargs)
            if changed and job.terminal:
                ends.append(time.monotonic())
            return changed

        venue.set_status = set_status

    operation = "v/test/ops/delay"
    inputs = [{"delay": 20, "operation": OPERATION, "input": {"n": n}} for n in range(count + 1)]
    overheads: dict[str, list[float]] = {}
    with serve_venue(sse=True, profile="latest") as running:  # latest: it has /run
        running.call(install, running.simulator)
        for how in ("wait", "run"):
            ends.clear()
            done: list[float] = []
            with Grid.connect(running.url) as venue:
                for value in inputs:
                    if how == "run":
                        venue.run(operation, value, timeout=30.0)
                    else:
                        venue.invoke(operation, value).wait(timeout=30.0)
                    done.append(time.monotonic())
            overheads[f"ours {how}"] = _latencies(done, ends)
            if worker is not None:
                ends.clear()
                answer = worker.call(
                    "completions", url=running.url, operation=operation, inputs=inputs, how=how
                )
                overheads[f"official {how}"] = _latencies(answer["done"], ends)
    for how, call in (("wait", "invoke().wait()"), ("run", "run()")):
        name = f"wait overhead after completion, `{call}`"
        ours = table.measure(f"{name}, ours", overheads[f"ours {how}"], unit=" ms", digits=1)
        cell: Cell = (ours, " vs not measured")
        if f"official {how}" in overheads:
            official = table.measure(
                f"{name}, official", overheads[f"official {how}"], unit=" ms", digits=1
            )
            cell = (ours, " vs ", official)
        table.line(name, cell, "—", "—")


def _latencies(done: list[float], ends: list[float]) -> list[float]:
    if len(done) != len(ends):
        raise RuntimeError(f"{len(done)} calls returned but {len(ends)} jobs ended")
    return [(d - e) * 1000 for d, e in zip(done[1:], ends[1:], strict=True)]  # first warms up


# -- concurrency -------------------------------------------------------------------------


def _concurrency(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
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


def _parsing(settings: Settings, worker: OfficialWorker | None, table: Table) -> None:
    from benchmarks.canned_server import job_id_for
    from covia_proto.auth import NoAuth
    from covia_proto.endpoints import jobs
    from covia_proto.endpoints.base import Endpoint
    from covia_proto.http import Response

    job_id = job_id_for(1)
    body = json.dumps(job_with_prev_chain(job_id, 3), separators=(",", ":")).encode()
    endpoint = Endpoint("http://127.0.0.1:8080", auth=NoAuth(), headers=())
    response = Response(200, (("Content-Type", "application/json"),), body)
    calls = settings.pick(3000, 100)
    rounds = settings.pick(7, 2)

    def ours() -> None:
        jobs.get_job(endpoint, job_id).parse(response)

    def baseline() -> None:
        json.loads(body)

    rates = rate_rounds(
        {"ours": _local(ours, calls), "json": _local(baseline, calls)}, rounds=rounds
    )
    ours_x_json = _rounds(rates, "json", "ours")  # time ÷ json.loads time
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


# -- the section -------------------------------------------------------------------------


def run(settings: Settings, url: str) -> Section:
    runs = settings.repeat
    section = Section(
        "7. Side by side: ours, the official SDK (covia 0.9.11) and raw clients"
        + (f", {runs} runs" if runs > 1 else "")
    )
    table = Table()
    load_before = os.getloadavg()
    python = None
    worker: OfficialWorker | None = None
    if settings.official:
        try:
            python = ensure_venv()
        except OfficialError as exc:
            section.add("official SDK", "not available", reason=str(exc))
            section.notes.append(f"the official SDK could not be installed: {exc}")
    else:
        section.notes.append("the official SDK is left out (--no-official)")
    steps: list[tuple[str, Callable[[], None]]] = [
        ("sync calls", lambda: _sync_calls(settings, url, worker, table)),
        ("async calls", lambda: _async_calls(settings, url, worker, table)),
        ("events", lambda: _events(settings, url, worker, table)),
        ("content", lambda: _content(settings, url, python, table)),
        ("wait overhead", lambda: _wait_overhead(settings, worker, table)),
        ("concurrency", lambda: _concurrency(settings, url, worker, table)),
        ("parsing", lambda: _parsing(settings, worker, table)),
    ]
    with contextlib.ExitStack() as stack:
        if python is not None:
            worker = stack.enter_context(OfficialWorker(python))
            version = worker.call("version")
            section.notes.append(
                f"official SDK {version['version']} on Python {version['python']}, "
                f"in its own venv and worker processes"
            )
        for number in range(runs):
            table.run = number
            for name, step in steps:
                print(f"  side by side, run {number + 1} of {runs}: {name} ...", flush=True)
                step()
    load = (
        f"load average (1, 5, 15 min) before {_load(load_before)}, after {_load(os.getloadavg())}"
    )
    section.notes.append(load)
    table.fill(section)
    spread = (
        f"the lowest and highest of the {runs} runs' own medians"
        if runs > 1
        else "the lowest and highest round (one run)"
    )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section.markdown = table.markdown(
        f"Ratios of rates unless a row says otherwise: the median of every round, then "
        f"{spread}; — where the issue sets no target; {load}; {when}."
    )
    return section


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)
