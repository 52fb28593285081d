"""Section 4: content download and upload, throughput and the peak memory they add.

Each case runs in a fresh child process (``python -m benchmarks.content CASE URL
SIZE``), so peak RSS belongs to that transfer alone: the child sets up its client, makes
one small request, reads its peak RSS (``VmHWM``), moves ``SIZE`` bytes through the
canned server, and reads the peak again. The difference is what the transfer added.
Downloads are consumed chunk by chunk and dropped; uploads come from a generator of
64 KiB chunks. The SDK checks a download's SHA-256 only when one is declared: the
``-sha256`` cases declare it (``sync-sha256``), or hash beside the raw library
(``requests-sha256``), or do the least two threads can (``socket-sha256``: a socket read
by one thread and hashed by another, for the side-by-side section's checked download).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from benchmarks.canned_server import BLOCK, asset_id_for
from benchmarks.harness import Section, Settings, unavailable

__all__ = ["EXTRA_RSS_TARGET_MIB", "available", "main", "run", "run_case"]

EXTRA_RSS_TARGET_MIB = 32.0
UPLOAD_ID = asset_id_for(1)

# (label, case): the SDK case of each driver is followed by its raw library's.
CASES = [
    ("covia sync (requests driver)", "sync"),
    ("requests.Session", "requests"),
    ("covia asyncio (aiohttp driver)", "asyncio"),
    ("aiohttp.ClientSession", "aiohttp"),
    ("covia trio (h11 driver)", "trio"),
]
RAW_OF = {"sync": "requests", "asyncio": "aiohttp"}


def _peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _chunks(size: int) -> Iterator[bytes]:
    whole, rest = divmod(size, len(BLOCK))
    for _ in range(whole):
        yield BLOCK
    if rest:
        yield BLOCK[:rest]


async def _achunks(size: int) -> AsyncIterator[bytes]:
    for chunk in _chunks(size):
        yield chunk


Measured = tuple[float, int]  # seconds, bytes moved


def _sync_case(case: str, url: str, size: int, direction: str) -> Measured:
    content_url = f"{url}/api/v1/assets/{asset_id_for(size)}/content"
    put_url = f"{url}/api/v1/assets/{UPLOAD_ID}/content"
    if case in ("sync", "sync-sha256"):
        from covia import Grid

        # A declared hash (``sync-sha256``) is checked as the bytes arrive; without one
        # there is nothing to check (``verify=False``: no metadata request either).
        declared = _sha256_of(size) if case == "sync-sha256" else None
        with Grid.connect(url) as venue:
            venue.status()
            return _timed(
                lambda: (
                    sum(
                        len(c)
                        for c in venue.iter_asset_content(
                            asset_id_for(size),
                            verify=declared is not None,
                            expected_sha256=declared,
                        )
                    )
                    if direction == "download"
                    else (venue.put_asset_content(UPLOAD_ID, _chunks(size)), size)[1]
                )
            )
    import requests

    with requests.Session() as session:
        session.get(url + "/api/v1/status").content  # noqa: B018 - warm the connection

        def download() -> int:
            hasher = hashlib.sha256() if case == "requests-sha256" else None
            moved = 0
            with session.get(content_url, stream=True) as answer:
                for chunk in answer.iter_content(64 * 1024):
                    moved += len(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
            return moved

        def upload() -> int:
            session.put(put_url, data=_chunks(size)).raise_for_status()
            return size

        return _timed(download if direction == "download" else upload)


def _socket_pipeline(url: str, size: int) -> Measured:
    """A checked download with nothing but a socket, a second thread and hashlib: one
    thread reads up to 1 MiB at a time, the other hashes each read as it came (two
    reads held at most), and the digest is compared at the end. No HTTP library, no
    checks beyond the head's status and length: the most a Python client can do with
    two threads on this machine, which tells the SDK's own cost from the machine's."""
    import queue
    import socket
    import threading

    declared = _sha256_of(size)
    authority = url.split("://", 1)[1]
    host, _, port = authority.partition(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    common = f"Host: {authority}\r\nUser-Agent: raw-socket\r\n\r\n"
    pending = bytearray()

    def head_of(path: str) -> int:
        """Send a GET of ``path`` and read the answer's head; its Content-Length."""
        sock.sendall(f"GET {path} HTTP/1.1\r\n{common}".encode())
        while (end := pending.find(b"\r\n\r\n")) < 0:
            more = sock.recv(65536)
            if not more:
                raise ConnectionError("the server closed before the head ended")
            pending.extend(more)
        head = bytes(pending[:end]).lower()
        del pending[: end + 4]
        if not head.startswith(b"http/1.1 200"):
            raise ConnectionError(f"the server answered {head[:40]!r}")
        at = head.index(b"content-length:") + 15
        return int(head[at:].split(b"\r\n", 1)[0])

    def body(length: int, each: Callable[[bytes], None]) -> int:
        if pending:
            each(bytes(pending[:length]))
        got = min(len(pending), length)
        del pending[:length]
        while got < length:
            chunk = sock.recv(min(1 << 20, length - got))
            if not chunk:
                raise ConnectionError(f"the body ended after {got} of {length} bytes")
            got += len(chunk)
            each(chunk)
        return got

    def download() -> int:
        length = head_of(f"/api/v1/assets/{asset_id_for(size)}/content")
        hasher = hashlib.sha256()
        reads: queue.Queue[bytes | None] = queue.Queue(maxsize=2)

        def hash_reads() -> None:
            while (chunk := reads.get()) is not None:
                hasher.update(chunk)

        worker = threading.Thread(target=hash_reads)
        worker.start()
        try:
            moved = body(length, reads.put)
        finally:
            reads.put(None)
            worker.join()
        if hasher.hexdigest() != declared:
            raise ValueError("the content's SHA-256 is not the one declared")
        return moved

    with sock:
        body(head_of("/api/v1/status"), lambda chunk: None)  # warm the connection
        return _timed(download)


def _sha256_of(size: int) -> str:
    """The SHA-256 of the canned server's ``size`` bytes of content."""
    hasher = hashlib.sha256()
    for chunk in _chunks(size):
        hasher.update(chunk)
    return hasher.hexdigest()


def _timed(action: Callable[[], int]) -> Measured:
    global _BEFORE
    _BEFORE = _peak_kib()
    start = time.perf_counter()
    moved = action()
    return time.perf_counter() - start, moved


_BEFORE = 0


async def _atimed(action: Callable[[], Any]) -> Measured:
    global _BEFORE
    _BEFORE = _peak_kib()
    start = time.perf_counter()
    moved = await action()
    return time.perf_counter() - start, int(moved)


async def _shell_case(venue: Any, size: int, direction: str) -> Measured:
    await venue.status()

    async def download() -> int:
        moved = 0
        async for chunk in venue.iter_asset_content(asset_id_for(size), verify=False):
            moved += len(chunk)
        return moved

    async def upload() -> int:
        await venue.put_asset_content(UPLOAD_ID, _achunks(size))
        return size

    return await _atimed(download if direction == "download" else upload)


async def _asyncio_case(case: str, url: str, size: int, direction: str) -> Measured:
    if case == "asyncio":
        from covia.async_api import AsyncGrid

        async with AsyncGrid.connect(url) as venue:
            return await _shell_case(venue, size, direction)
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/api/v1/status") as answer:
            await answer.read()

        async def download() -> int:
            moved = 0
            async with session.get(f"{url}/api/v1/assets/{asset_id_for(size)}/content") as got:
                async for chunk in got.content.iter_chunked(64 * 1024):
                    moved += len(chunk)
            return moved

        async def upload() -> int:
            target = f"{url}/api/v1/assets/{UPLOAD_ID}/content"
            async with session.put(target, data=_achunks(size)) as answer:
                await answer.read()
            return size

        return await _atimed(download if direction == "download" else upload)


async def _trio_case(url: str, size: int, direction: str) -> Measured:
    from benchmarks.clients import trio_driver_class
    from covia.async_api import AsyncGrid

    driver = trio_driver_class()
    if driver is None:
        raise RuntimeError("covia_trio has no driver class")
    async with driver() as transport, AsyncGrid.connect(url, driver=transport) as venue:
        return await _shell_case(venue, size, direction)


def main() -> None:
    case, url, size_text, direction = sys.argv[1:5]
    size = int(size_text)
    if case in ("sync", "sync-sha256", "requests", "requests-sha256"):
        seconds, moved = _sync_case(case, url, size, direction)
    elif case == "socket-sha256":
        if direction != "download":
            raise SystemExit("socket-sha256 only downloads")
        seconds, moved = _socket_pipeline(url, size)
    elif case in ("asyncio", "aiohttp"):
        seconds, moved = asyncio.run(_asyncio_case(case, url, size, direction))
    else:
        import trio

        seconds, moved = trio.run(_trio_case, url, size, direction)
    after = _peak_kib()
    print(json.dumps({"seconds": seconds, "bytes": moved, "before": _BEFORE, "after": after}))


def run_case(case: str, url: str, size: int, direction: str) -> dict[str, Any] | str:
    """One transfer in a fresh process: seconds, bytes, peak RSS before and after (KiB),
    or what went wrong."""
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.content", case, url, str(size), direction],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed: {last[:160]}"
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def available(case: str) -> str | None:
    from benchmarks.clients import _missing, trio_driver_class

    module = {
        "sync": "covia_requests",
        "sync-sha256": "covia_requests",
        "requests": "requests",
        "requests-sha256": "requests",
        "socket-sha256": "socket",
        "asyncio": "covia.async_api",
        "aiohttp": "aiohttp",
        "trio": "covia_trio",
    }[case]
    reason = _missing(module)
    if reason is None and case == "trio" and trio_driver_class() is None:
        reason = "covia_trio has no driver class yet"
    return reason


def run(settings: Settings, url: str) -> Section:
    size = settings.pick(1 << 30, 8 << 20)
    label = f"{size / (1 << 30):g} GiB" if size >= 1 << 30 else f"{size / (1 << 20):g} MiB"
    section = Section(
        f"4. Content: {label} down and up, each in a fresh process (best of {settings.pick(2, 1)})"
    )
    hasher = hashlib.sha256()
    blocks = settings.pick(2048, 64)
    start = time.perf_counter()
    for _ in range(blocks):
        hasher.update(BLOCK)
    sha_rate = blocks * len(BLOCK) / (time.perf_counter() - start) / 1e6
    section.add(
        "reference: SHA-256 of 64 KiB chunks (what checking a declared hash costs)",
        f"{sha_rate:,.0f} MB/s",
        mb_per_s=sha_rate,
    )
    repeats = settings.pick(2, 1)
    for direction in ("download", "upload"):
        best: dict[str, dict[str, Any]] = {}
        failures: dict[str, str] = {}
        for _ in range(repeats):  # every case once, then again: the best run counts
            for name, case in CASES:
                reason = available(case)
                if reason is not None:
                    failures[name] = "not available"
                    continue
                outcome = run_case(case, url, size, direction)
                if isinstance(outcome, str):
                    failures[name] = outcome
                    continue
                outcome["rate"] = outcome["bytes"] / outcome["seconds"] / 1e6
                outcome["extra"] = (outcome["after"] - outcome["before"]) / 1024
                previous = best.get(name)
                if previous is None or outcome["rate"] > previous["rate"]:
                    # Peak memory: the worst of the runs, not that of the fastest.
                    worst = max(outcome["extra"], previous["extra"] if previous else 0.0)
                    best[name] = {**outcome, "extra": worst}
                elif outcome["extra"] > previous["extra"]:
                    previous["extra"] = outcome["extra"]
        rates: dict[str, float] = {}
        for name, case in CASES:
            if name not in best:
                reason = available(case)
                if reason is not None:
                    unavailable(section, f"{direction}, {name}", reason)
                else:
                    section.add(f"{direction}, {name}", failures.get(name, "failed"), ok=False)
                continue
            outcome = best[name]
            rates[case] = outcome["rate"]
            within = outcome["extra"] < EXTRA_RSS_TARGET_MIB and outcome["bytes"] == size
            section.add(
                f"{direction}, {name}",
                f"{outcome['rate']:,.0f} MB/s, +{outcome['extra']:.1f} MiB peak RSS",
                f"< {EXTRA_RSS_TARGET_MIB:.0f} MiB",
                within if case not in RAW_OF.values() else None,
                **outcome,
            )
        for sdk, raw in RAW_OF.items():
            if sdk in rates and raw in rates:
                section.add(
                    f"{direction}: throughput, covia {sdk} ÷ {raw}",
                    f"{rates[sdk] / rates[raw]:.2f}×",
                    ratio=rates[sdk] / rates[raw],
                )
    return section


if __name__ == "__main__":
    main()
