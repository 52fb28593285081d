"""Readying the C allocator for a download's large reads: what it is for, measured as
the page faults of reads that arrive short of their buffer, in a fresh interpreter."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from covia_proto import allocator

# Reads of a 512 KiB buffer that come back with 300 KB, as a download's reads do when
# they outpace the venue: each buffer is shrunk to what arrived, then freed.
_SHORT_READS = """
import os, resource, sys, tempfile
from covia_proto import allocator
with tempfile.TemporaryFile() as file:
    file.write(b"x" * 300_000)
    file.flush()
    if sys.argv[1] == "readied":
        allocator.ready_for(512 * 1024)
    os.pread(file.fileno(), 512 * 1024, 0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        os.pread(file.fileno(), 512 * 1024, 0)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _SHORT_READS, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the threshold it raises is glibc's")
def test_a_readied_allocator_serves_short_reads_without_fresh_pages() -> None:
    cold, readied = _faults("cold"), _faults("readied")
    # Not readied, every read maps fresh pages (about 73 a read); readied, the heap's
    # pages are reused.
    assert cold > 50 * 50
    assert readied < 50


def test_it_is_readied_once_and_only_for_reads_that_glibc_would_map(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[int] = []

    class Recording(bytes):
        def __new__(cls, size: int) -> Recording:
            made.append(size)
            return super().__new__(cls, size)

    monkeypatch.setattr(allocator, "_primed", False)
    monkeypatch.setitem(allocator.__dict__, "bytes", Recording)
    allocator.ready_for(64 * 1024)
    assert made == []  # served from the heap as it is
    allocator.ready_for(allocator.MAPPED_FROM)
    allocator.ready_for(512 * 1024)
    assert made == [allocator.PRIMED_BYTES]


@pytest.mark.parametrize(
    ("size", "got", "most", "after"),
    [
        (64 * 1024, 64 * 1024, 512 * 1024, 128 * 1024),  # filled: doubles
        (64 * 1024, 1000, 512 * 1024, 64 * 1024),  # short: stays
        (512 * 1024, 512 * 1024, 512 * 1024, 512 * 1024),  # at the most already
        (384 * 1024, 384 * 1024, 512 * 1024, 512 * 1024),  # doubling stops at the most
    ],
)
def test_a_read_that_fills_its_buffer_doubles_the_next_readied(
    monkeypatch: pytest.MonkeyPatch, size: int, got: int, most: int, after: int
) -> None:
    readied: list[int] = []
    monkeypatch.setattr(allocator, "ready_for", readied.append)
    assert allocator.next_read_size(size, got, most) == after
    assert readied == ([after] if after != size else [])
