"""Section 7's streams: job events per second and the client CPU per event, content
downloads and uploads, and the wait from a job's end to the return of ``wait()`` and
``run()``, each next to the official SDK.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks import content
from benchmarks.canned_server import asset_id_for, job_id_for
from benchmarks.clients import OPERATION
from benchmarks.events import _count_raw, _RawAsync
from benchmarks.harness import Settings, rate_rounds
from benchmarks.official import OfficialError, OfficialWorker
from benchmarks.versus_table import (
    DOWNLOAD_VS_OFFICIAL,
    DOWNLOAD_VS_RAW,
    EVENTS_VS_OFFICIAL,
    EVENTS_VS_RAW,
    HASHED_VS_HASH,
    MIB,
    OFFICIAL,
    OURS,
    Cell,
    Table,
    round_ratios,
)

__all__ = ["events", "transfers", "wait_overhead"]


# -- events ------------------------------------------------------------------------------


PLAIN = "covia, json module only"  # ours with msgspec (the ``fast`` extra) switched off


def events(settings: Settings, url: str, worker: OfficialWorker | None, table: Table) -> None:
    import requests

    from covia import Grid
    from covia_proto import _fast_json

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

            def ours_plain() -> int:  # the same, decoding with the json module only
                decoder, _fast_json.decoder = _fast_json.decoder, None
                try:
                    return ours()
                finally:
                    _fast_json.decoder = decoder

            cases = {OURS: timed(OURS, ours), "requests": timed("requests", raw)}
            if _fast_json.decoder is not None:
                cases[PLAIN] = timed(PLAIN, ours_plain)
            if worker is not None:

                def official(job_id: str = job_id) -> float:
                    answer = worker.call("events", url=url, job_id=job_id)
                    cpu.setdefault(OFFICIAL, []).append(answer["cpu"] / answer["count"])
                    return float(answer["count"] / answer["seconds"])

                cases[OFFICIAL] = official
            rates = rate_rounds(cases, rounds=rounds)
        table.rates(f"sync events/s, {shape}", rates)
        scenario = f"job events per second, {shape}"
        official_text: Cell = "not measured"
        if worker is not None:
            official_text = table.compare(
                scenario, round_ratios(rates, OURS, OFFICIAL), versus=OFFICIAL,
                target=EVENTS_VS_OFFICIAL,
            )  # fmt: skip
        raw_text = table.compare(
            scenario, round_ratios(rates, OURS, "requests"), versus="a raw reader (requests)",
            target=EVENTS_VS_RAW,
        )  # fmt: skip
        table.line(
            scenario, official_text, (raw_text, " (requests)"),
            f"≥ {EVENTS_VS_OFFICIAL:g}× official, ≥ {EVENTS_VS_RAW:g}× raw",
        )  # fmt: skip
        if worker is not None and PLAIN in rates.rounds:
            plain = f"{scenario}, without msgspec"
            plain_text = table.compare(
                plain, round_ratios(rates, PLAIN, OFFICIAL), versus=OFFICIAL, ours=PLAIN
            )
            table.line(plain, plain_text, "—", "—")
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
    table.rates("asyncio events/s, one event per HTTP chunk", rates)
    scenario = "asyncio job events per second, one event per HTTP chunk"
    official_text: Cell = "not measured"
    if worker is not None:
        official_text = table.compare(
            scenario,
            round_ratios(rates, OURS, OFFICIAL),
            versus=OFFICIAL,
            target=EVENTS_VS_OFFICIAL,
        )
    raw_text = table.compare(
        scenario, round_ratios(rates, OURS, "aiohttp"), versus="a raw reader (aiohttp)",
        target=EVENTS_VS_RAW,
    )  # fmt: skip
    table.line(
        scenario, official_text, (raw_text, " (aiohttp)"),
        f"≥ {EVENTS_VS_OFFICIAL:g}× official, ≥ {EVENTS_VS_RAW:g}× raw",
    )  # fmt: skip


# -- content -----------------------------------------------------------------------------


def transfers(settings: Settings, url: str, python: Any, table: Table) -> None:
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

    # The socket pipeline next to ours: the same check with nothing but a socket and a
    # hashing thread, as near in time as the rounds allow (the machine's phase moves).
    downloads = ["sync", "sync-sha256", "socket-sha256", "requests", "requests-sha256", "trio"]
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
    # What two threads can do here at all: a socket read by one and hashed by the other.
    pipeline = "a socket with a hashing thread"
    ceiling_text = table.compare(
        scenario, [r["rate"] / sha_speed for r in moved["socket-sha256"]],
        versus="SHA-256's own speed", ours=pipeline,
    )  # fmt: skip
    pipeline_text = table.compare(scenario, ratios("sync-sha256", "socket-sha256"), versus=pipeline)
    table.line(
        scenario, "— (it checks no hash)",
        (
            raw_text, " (requests + hashlib); ", pipeline_text, f" ({pipeline}, itself ",
            ceiling_text, " of SHA-256's speed); ", hash_text, " of SHA-256's own speed",
        ),
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
    peak: Cell = ("+", peaks["sync"], " vs not measured")
    if have_official:
        peak = ("+", peaks["sync"], " vs +", peaks["official"])
    table.line(
        f"extra peak memory over a {size // MIB} MiB download, ours vs official", peak, "—", "—"
    )


def _outcome(outcome: dict[str, Any] | str, case: str) -> dict[str, Any]:
    if isinstance(outcome, str):
        raise RuntimeError(f"{case}: {outcome}")
    rate = outcome["bytes"] / outcome["seconds"] / MIB
    return {**outcome, "rate": rate, "extra": (outcome["after"] - outcome["before"]) / 1024}


# -- wait overhead -----------------------------------------------------------------------


def wait_overhead(settings: Settings, worker: OfficialWorker | None, table: Table) -> None:
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
