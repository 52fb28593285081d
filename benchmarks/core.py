"""Section 1: what the sans-IO core costs per call, with no I/O at all.

Each case builds the request of one endpoint and parses a canned response into its
model. Next to it runs the least any client must do with the same bytes, ``json.loads``
of the body, so the table can say how many times that the core spends.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

from benchmarks.canned_server import STATUS_BODY, job_id_for, job_record
from benchmarks.harness import Section, Settings, rounds_per_second
from covia_proto.asset_id import asset_id_of_json
from covia_proto.auth import NoAuth
from covia_proto.endpoints import assets, jobs, status
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.flows.effects import Effect, GetTime
from covia_proto.http import Response
from covia_proto.sse import SSEParser

__all__ = ["asset_metadata", "job_with_prev_chain", "run", "sse_stream"]

SSE_TARGET_MB_S = 50.0
JSON_HEADERS = (("Content-Type", "application/json"),)


def job_with_prev_chain(job_id: str, links: int) -> dict[str, Any]:
    """A COMPLETE job record carrying ``links`` earlier records nested in ``prev``."""
    record: dict[str, Any] = {}
    statuses = ["PENDING", "STARTED"]
    for n in range(links):
        earlier = record
        record = job_record(job_id, statuses[n % 2], 1781255878800 + n)
        if earlier:
            record["prev"] = earlier
    final = job_record(job_id, "COMPLETE", 1781255878900)
    if record:
        final["prev"] = record
    return final


def sse_stream(size: int) -> bytes:
    """About ``size`` bytes of ``job-update`` events with single-line JSON records."""
    event = (
        b"event: job-update\ndata: "
        + json.dumps(job_record(job_id_for(1), "STARTED"), separators=(",", ":")).encode()
        + b"\n\n"
    )
    return event * max(1, size // len(event))


ECHO_METADATA = (
    b'{\n\t"name": "Echo Operation",\n\t"description": "Returns the input unchanged. '
    b'Useful for testing or as a generalised identity function.",\n'
    b'\t"dateCreated":"2025-06-09T07:22:59Z",\n\t"dateModified": "2025-09-03T17:22:59Z",\n'
    b'\t"operation": {\n\t\t"adapter": "test:echo",\n\t\t"input": {},\n\t\t"output": {}\n\t}\n}'
)  # the real venue's v/test/ops/echo, byte for byte (291 bytes)


def asset_metadata(fields: int) -> bytes:
    """An operation's metadata with ``fields`` described input properties: nested
    maps, vectors, strings and numbers, as JSON schemas make them."""
    properties = {
        f"field{n}": {
            "type": ["string", "number", "integer"][n % 3],
            "description": f"Input number {n}, described at some length for the model.",
            "examples": [n, n * 1.5, f"v{n}"],
        }
        for n in range(fields)
    }
    metadata = {
        "name": f"Operation with {fields} inputs",
        "description": "A generated operation for measuring metadata costs.",
        "operation": {
            "adapter": "test:echo",
            "input": {"type": "object", "properties": properties, "required": list(properties)},
            "output": {"type": "object"},
        },
    }
    return json.dumps(metadata, indent=2).encode()


def _asset_verification(section: Section, settings: Settings, endpoint: Endpoint) -> None:
    """What checking metadata against its CAD3 id costs per asset read: the parse of
    ``get_asset`` with the check and without it, side by side."""
    for name, body, calls in [
        ("echo operation, 291 B", ECHO_METADATA, settings.pick(2000, 100)),
        ("operation, 40 inputs", asset_metadata(40), settings.pick(300, 20)),
        ("operation, 1,000 inputs", asset_metadata(1000), settings.pick(20, 2)),
    ]:
        ident = asset_id_of_json(body)
        response = Response(200, (("Content-Type", "text/plain"),), body)
        checked = assets.get_asset(endpoint, ident, verify=True)
        unchecked = assets.get_asset(endpoint, ident, verify=False)

        def verified(call: Any = checked, response: Response = response) -> None:
            call.parse(response)

        def trusted(call: Any = unchecked, response: Response = response) -> None:
            call.parse(response)

        rates = rounds_per_second(
            {"verified": verified, "trusted": trusted}, calls=calls, rounds=settings.pick(5, 2)
        )
        cost = 1e6 / rates["verified"] - 1e6 / rates["trusted"]
        section.add(
            f"asset id check, {name} ({len(body):,} B): µs per asset",
            f"{cost:.0f} (+{rates['trusted'] / rates['verified'] - 1:.0%})",
            "",
            None,
            verify_us=cost,
            get_asset_parse_us=1e6 / rates["trusted"],
            body_bytes=len(body),
        )


def _random_splits(data: bytes, seed: int, largest: int) -> list[bytes]:
    rng = random.Random(seed)
    pieces = []
    at = 0
    while at < len(data):
        step = rng.randint(1, largest)
        pieces.append(data[at : at + step])
        at += step
    return pieces


class _InMemory:
    """A driver that answers every ``Send`` with one canned response, at once."""

    def __init__(self, response: Response) -> None:
        self.response = response

    def perform(self, effect: Effect) -> Any:
        return 0.0 if isinstance(effect, GetTime) else self.response

    async def aperform(self, effect: Effect) -> Any:
        return 0.0 if isinstance(effect, GetTime) else self.response

    def close(self) -> None:
        pass


def _whole_calls(section: Section, settings: Settings, response: Response) -> None:
    """``venue.status()`` through the whole SDK (shell, flow, retry loop, parser) on a
    driver that does no I/O: all the SDK adds to an HTTP library's own cost."""
    from covia import Grid

    memory = _InMemory(response)
    venue = Grid.connect("http://127.0.0.1:8080", driver=memory)
    calls = settings.pick(3000, 200)
    rates = rounds_per_second({"sync": venue.status}, calls=calls, rounds=settings.pick(5, 2))  # type: ignore[dict-item]
    section.add(
        "Venue.status() on an in-memory driver: µs per call",
        f"{1e6 / rates['sync']:.1f}",
        us_per_call=1e6 / rates["sync"],
    )
    try:
        from covia.async_api import AsyncGrid
    except ImportError as exc:
        section.add("AsyncVenue.status() on an in-memory driver", "not available", reason=str(exc))
        return

    class _Async:
        perform = memory.aperform

        async def aclose(self) -> None:
            pass

    async def measure() -> float:
        venue = await AsyncGrid.connect("http://127.0.0.1:8080", driver=_Async())
        best = float("inf")
        for _ in range(settings.pick(5, 2)):
            start = time.perf_counter()
            for _ in range(calls):
                await venue.status()
            best = min(best, (time.perf_counter() - start) / calls)
        await venue.aclose()
        return best

    micro = asyncio.run(measure()) * 1e6
    section.add(
        "AsyncVenue.status() on an in-memory driver (asyncio): µs per call",
        f"{micro:.1f}",
        us_per_call=micro,
    )


JOB_PARSE_TARGET = 1.3  # the official SDK's pydantic models: about 1.3x json.loads


def _job_parsing(section: Section, settings: Settings, endpoint: Endpoint, job_id: str) -> None:
    """Parsing a job record as ``get_job`` answers it (status checked, JSON decoded,
    every field checked, the record built), against ``json.loads`` of the same body:
    a COMPLETE record of about 1.3 KB whose ``prev`` nests three earlier ones, the
    shape the official SDK was measured on (``JobData.model_validate(json.loads(...))``
    took about 1.3x ``json.loads``)."""
    body = json.dumps(job_with_prev_chain(job_id, 3), separators=(",", ":")).encode()
    response = Response(200, JSON_HEADERS, body)
    call = jobs.get_job(endpoint, job_id)

    def parse() -> None:
        call.parse(response)

    def baseline() -> None:
        json.loads(body)

    rates = rounds_per_second(
        {"sdk": parse, "json": baseline},
        calls=settings.pick(5000, 200),
        rounds=settings.pick(9, 2),
    )
    ratio = rates.ratio("json", "sdk")
    section.add(
        f"job record parse ({len(body):,} B, prev 3 deep): µs, × json.loads of the body",
        f"{1e6 / rates['sdk']:.1f} µs, {ratio:.2f}×",
        f"≤ {JOB_PARSE_TARGET:.2f}×",
        ratio <= JOB_PARSE_TARGET,
        us_per_call=1e6 / rates["sdk"],
        json_loads_us=1e6 / rates["json"],
        ratio=ratio,
        body_bytes=len(body),
    )


def run(settings: Settings) -> Section:
    section = Section("1. Core cost, no I/O (CPU per call: build the request, parse the answer)")
    endpoint = Endpoint("http://127.0.0.1:8080", auth=NoAuth(), headers=())
    job_id = job_id_for(1)
    status_response = Response(200, JSON_HEADERS, STATUS_BODY)
    job_body = json.dumps(job_with_prev_chain(job_id, 10), separators=(",", ":")).encode()
    job_response = Response(200, JSON_HEADERS, job_body)
    ids = [f"{n:064x}" for n in range(1000)]
    list_body = json.dumps({"total": 1000, "offset": 0, "limit": 1000, "items": ids}).encode()
    list_response = Response(200, JSON_HEADERS, list_body)

    def status_call() -> None:
        status.get_status(endpoint).parse(status_response)

    def job_call() -> None:
        jobs.get_job(endpoint, job_id).parse(job_response)

    def list_call() -> None:
        assets.list_assets(endpoint).parse(list_response)

    cases: list[tuple[str, Any, bytes, int]] = [
        ("status", status_call, STATUS_BODY, settings.pick(4000, 300)),
        ("job record, prev chain of 10", job_call, job_body, settings.pick(2000, 200)),
        ("asset list, 1,000 ids", list_call, list_body, settings.pick(300, 20)),
    ]
    rounds = settings.pick(5, 2)
    _job_parsing(section, settings, endpoint, job_id)
    for name, call, body, calls in cases:

        def baseline(body: bytes = body) -> None:
            json.loads(body)

        rates = rounds_per_second({"sdk": call, "json": baseline}, calls=calls, rounds=rounds)
        micro = 1e6 / rates["sdk"]
        section.add(
            f"{name}: µs per call",
            f"{micro:.1f}",
            "",
            None,
            us_per_call=micro,
            json_loads_us=1e6 / rates["json"],
        )
        section.add(
            f"{name}: × json.loads of the body",
            f"{rates['json'] / rates['sdk']:.1f}×",
            "",
            None,
            body_bytes=len(body),
        )

    _asset_verification(section, settings, endpoint)
    _whole_calls(section, settings, status_response)
    size = settings.pick(10 * 1024 * 1024, 512 * 1024)
    stream = sse_stream(size)
    pieces = _random_splits(stream, seed=7, largest=16 * 1024)
    best = 0.0
    events = 0
    for _ in range(settings.pick(3, 1)):
        parser = SSEParser()
        events = 0
        start = time.perf_counter()
        for piece in pieces:
            parser.receive_data(piece)
            events += len(parser.events())
        elapsed = time.perf_counter() - start
        best = max(best, len(stream) / elapsed / 1e6)
    section.add(
        f"SSE parsing, {len(stream) / 1e6:.1f} MB split at random points",
        f"{best:.0f} MB/s",
        f"≥ {SSE_TARGET_MB_S:.0f} MB/s",
        best >= SSE_TARGET_MB_S,
        events=events,
        mb_per_s=best,
    )
    return section
