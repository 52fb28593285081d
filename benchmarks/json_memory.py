"""Section 6: what parsing a JSON body costs in memory and time, for every shape.

A hostile venue picks the shape that costs most per byte (``{},{},…`` becomes some 24
times its size in dicts). Each shape is parsed twice: as the core parses a venue's
body (``parse_json`` under the default ``Limits``: the size and shape checked first),
and unchecked (``json.loads`` of the same text, what the core did before). Peak memory
is measured with ``tracemalloc`` (in a run of its own), CPU time without it.
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Section, Settings
from covia_proto.endpoints.responses import parse_json
from covia_proto.errors import VenueProtocolError
from covia_proto.limits import DEFAULT_LIMITS, JSON_MEMORY_FACTOR

__all__ = ["SHAPES", "body_of", "run"]

MiB = 1 << 20

# name -> the text of one item (the array repeats it).
SHAPES: dict[str, bytes] = {
    "empty objects {}": b"{}",
    "empty arrays []": b"[]",
    "one-key objects": b'{"a":1}',
    "small ints": b"7",
    "4-digit ints": b"1000",
    "short strings": b'"ab"',
    "floats (embeddings)": b"0.123456789",
    "job-like records": json.dumps(
        {"id": "ab" * 16, "status": "COMPLETE", "op": "cd" * 32, "updated": 1781255878800}
    ).encode(),
    "one long string": b"",  # a single string of the whole size
}


def body_of(shape: str, size: int) -> bytes:
    """About ``size`` bytes of JSON of ``shape``: an array of its item, or one string."""
    item = SHAPES[shape]
    if not item:
        return b'"' + b"x" * (size - 2) + b'"'
    count = max(1, size // (len(item) + 1))
    return b"[" + b",".join([item] * count) + b"]"


def _peak(parse: Callable[[], Any]) -> tuple[int, bool]:
    """Peak bytes allocated while ``parse`` runs, and whether it was refused."""
    gc.collect()
    tracemalloc.start()
    refused = False
    try:
        value = parse()
        del value
    except VenueProtocolError:
        refused = True
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, refused


def _cpu(parse: Callable[[], Any]) -> float:
    gc.collect()
    started = time.process_time()
    try:
        value = parse()
        del value
    except VenueProtocolError:
        pass
    return time.process_time() - started


def run(settings: Settings) -> Section:
    section = Section("6. JSON memory")
    sizes = [settings.pick(4 * MiB, MiB // 8), settings.pick(15 * MiB, MiB // 4)]
    limit = DEFAULT_LIMITS.max_json_size
    section.notes.append(
        f"max_json_size {limit // MiB} MiB; target: a body parsed or refused with a peak of at "
        f"most {JSON_MEMORY_FACTOR}x its size (the body itself, already held, not counted); "
        "unchecked: json.loads of the same text, as before the check"
    )
    for size in sizes:
        for shape in SHAPES:
            body = body_of(shape, size)

            def checked(body: bytes = body) -> Any:
                return parse_json(body)

            def unchecked(body: bytes = body) -> Any:
                return json.loads(body.decode())

            peak, refused = _peak(checked)
            seconds = _cpu(checked)
            old_peak, _ = _peak(unchecked)
            old_seconds = _cpu(unchecked)
            ratio = peak / len(body)
            section.add(
                f"{shape}, {len(body) / MiB:.2f} MiB",
                f"{'refused' if refused else 'parsed'}: peak {peak / MiB:.1f} MiB "
                f"({ratio:.1f}x), {seconds * 1000:.0f} ms CPU; unchecked {old_peak / MiB:.1f} "
                f"MiB ({old_peak / len(body):.1f}x), {old_seconds * 1000:.0f} ms",
                f"<= {JSON_MEMORY_FACTOR}x",
                ratio <= JSON_MEMORY_FACTOR,
                shape=shape,
                body_bytes=len(body),
                refused=refused,
                peak_bytes=peak,
                cpu_seconds=seconds,
                unchecked_peak_bytes=old_peak,
                unchecked_cpu_seconds=old_seconds,
            )
    return section
