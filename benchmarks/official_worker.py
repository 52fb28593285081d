"""The official SDK's side of the side-by-side benchmarks, run in its own virtualenv.

The official SDK (``covia`` 0.9.11 on PyPI: httpx and pydantic) has the same
distribution name as ours, so it lives in a virtualenv of its own and this script runs
there, started by ``benchmarks/official.py`` as ``python -I official_worker.py``. It
imports nothing of this repository (only the standard library and the official SDK),
reads one JSON command a line on stdin and answers one JSON line on stdout.

Every command measures in this process and answers seconds (``time.perf_counter``),
CPU seconds (``time.process_time``) or moments (``time.monotonic``: on Linux the same
clock in every process, so the caller can set them against moments of its own).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

OPERATION = "v/test/ops/echo"
INPUT = {"message": "hello", "n": 42}
BLOCK = bytes(range(256)) * 256  # the canned server's 64 KiB block (benchmarks/canned_server)


def _sdk() -> Any:
    """The official ``covia`` package, typed loosely: our own shares its name."""
    return importlib.import_module("covia")


class Worker:
    """Clients kept between commands, so connections stay warm from round to round."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.venues: dict[str, Any] = {}
        self.async_venues: dict[str, Any] = {}

    def venue(self, url: str) -> Any:
        if url not in self.venues:
            self.venues[url] = _sdk().Grid.connect(url)
        return self.venues[url]

    def async_venue(self, url: str) -> Any:
        if url not in self.async_venues:
            grid = importlib.import_module("covia.async_api").AsyncGrid
            self.async_venues[url] = grid.connect(url)
        return self.async_venues[url]

    def close(self) -> None:
        for venue in self.venues.values():
            venue.close()
        for venue in self.async_venues.values():
            self.loop.run_until_complete(venue.aclose())
        self.loop.close()

    # -- commands ------------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        sdk = _sdk()
        return {"version": sdk.__version__, "python": sys.version.split()[0]}

    def sync_calls(self, url: str, kind: str, calls: int) -> dict[str, Any]:
        venue = self.venue(url)
        if kind == "status":
            call = venue.status
        elif kind == "run":

            def call() -> Any:
                return venue.run(OPERATION, INPUT)
        else:

            def call() -> Any:
                return venue.invoke(OPERATION, INPUT).result()

        gc.collect()
        start = time.perf_counter()
        for _ in range(calls):
            call()
        return {"seconds": time.perf_counter() - start}

    def async_calls(self, url: str, kind: str, calls: int) -> dict[str, Any]:
        venue = self.async_venue(url)

        async def one() -> Any:
            if kind == "status":
                return await venue.status()
            if kind == "run":
                return await venue.run(OPERATION, INPUT)
            return await (await venue.invoke(OPERATION, INPUT)).result()

        async def many() -> float:
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls):
                await one()
            return time.perf_counter() - start

        return {"seconds": self.loop.run_until_complete(many())}

    def burst(self, url: str, count: int) -> dict[str, Any]:
        """``count`` invoke-and-result calls started at once on a fresh client."""

        async def burst() -> dict[str, Any]:
            grid = importlib.import_module("covia.async_api").AsyncGrid
            async with grid.connect(url) as venue:

                async def one() -> Any:
                    return await (await venue.invoke(OPERATION, INPUT)).result()

                gc.collect()
                start = time.perf_counter()
                results = await asyncio.gather(
                    *(one() for _ in range(count)), return_exceptions=True
                )
                elapsed = time.perf_counter() - start
            failed = [r for r in results if isinstance(r, BaseException)]
            first = _describe(failed[0]) if failed else ""
            return {"seconds": elapsed, "failures": len(failed), "first_failure": first}

        return self.loop.run_until_complete(burst())

    def events(self, url: str, job_id: str) -> dict[str, Any]:
        """Every event of a job's stream, each record decoded (``event.json``)."""
        venue = self.venue(url)
        gc.collect()
        cpu = time.process_time()
        start = time.perf_counter()
        count = 0
        for event in venue.stream_job_events(job_id):
            event.json  # noqa: B018 - the record, as a caller takes it
            count += 1
        return {
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "count": count,
        }

    def async_events(self, url: str, job_id: str) -> dict[str, Any]:
        """``events`` on the asyncio client."""
        venue = self.async_venue(url)

        async def consume() -> dict[str, Any]:
            gc.collect()
            cpu = time.process_time()
            start = time.perf_counter()
            count = 0
            async for event in venue.stream_job_events(job_id):
                event.json  # noqa: B018 - the record, as a caller takes it
                count += 1
            return {
                "seconds": time.perf_counter() - start,
                "cpu": time.process_time() - cpu,
                "count": count,
            }

        return self.loop.run_until_complete(consume())

    def download(self, url: str, asset_id: str) -> dict[str, Any]:
        """The whole content (the official SDK has no streaming download), with the
        peak RSS it added."""
        venue = self.venue(url)
        venue.status()
        before = _peak_kib()
        start = time.perf_counter()
        content = venue.get_asset_content(asset_id)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "bytes": len(content), "before": before, "after": _peak_kib()}

    def upload(self, url: str, asset_id: str, size: int) -> dict[str, Any]:
        """``put_asset_content`` takes bytes only: they are made before the clock runs."""
        venue = self.venue(url)
        venue.status()
        whole, rest = divmod(size, len(BLOCK))
        content = BLOCK * whole + BLOCK[:rest]
        before = _peak_kib()
        start = time.perf_counter()
        venue.put_asset_content(asset_id, content)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "bytes": size, "before": before, "after": _peak_kib()}

    def completions(self, url: str, operation: str, inputs: list[Any], how: str) -> dict[str, Any]:
        """One job after another; the moment each call returned (``time.monotonic``)."""
        venue = self.venue(url)
        done = []
        for value in inputs:
            if how == "run":
                venue.run(operation, value, timeout=30.0)
            else:
                venue.invoke(operation, value).wait(timeout=30.0)
            done.append(time.monotonic())
        return {"done": done}

    def parse_job(self, body: str, calls: int, rounds: int) -> dict[str, Any]:
        """What the official SDK does with a job record's body (``JobData.model_validate``
        of ``response.json()``) next to ``json.loads`` alone, in interleaved rounds."""
        job_data = _sdk().JobData
        raw = body.encode()

        def parse() -> None:
            job_data.model_validate(json.loads(raw))

        def baseline() -> None:
            json.loads(raw)

        per_round: list[dict[str, float]] = []
        for number in range(rounds + 1):
            timed = {}
            pairs = [("official", parse), ("json", baseline)]
            for name, fn in pairs if number % 2 else reversed(pairs):
                gc.collect()
                start = time.perf_counter()
                for _ in range(calls):
                    fn()
                timed[name] = (time.perf_counter() - start) / calls
            if number:  # the first round warms up
                per_round.append(timed)
        return {"rounds": per_round}


def _describe(exc: BaseException) -> str:
    """An exception and its cause (httpx's timeouts often have no message)."""
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__
    if cause is not None:
        text += f" (from {type(cause).__name__}: {cause})"
    return text[:200]


def _peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    here = Path(__file__).resolve().parent
    # Nothing of this repository may shadow the official SDK's modules.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    worker = Worker()
    try:
        for line in sys.stdin:
            command = json.loads(line)
            name = command.pop("command")
            try:
                answer = getattr(worker, name)(**command)
            except Exception as exc:
                answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        worker.close()


if __name__ == "__main__":
    main()
