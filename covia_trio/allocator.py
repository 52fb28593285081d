"""Readying the C allocator for the large reads of a download.

A read of a body asks the C allocator for a buffer as large as the read (up to 128 KiB,
or 512 KiB for a body passed through uncopied) and, when fewer bytes arrived, shrinks it
to what did. glibc serves a request of ``MAPPED_FROM`` bytes or more with fresh pages
from the OS, and raises that threshold only to the size of such a buffer when it is
freed: a buffer shrunk to 300 KiB raises it to 300 KiB, so the next 512 KiB read takes
fresh pages again. A download whose reads seldom fill their buffer then faults in every
page it reads, and a trio download in a fresh process ran at 1.0 GB/s where the same
download, once the threshold had risen, ran at 6 GB/s (``benchmarks/``, section 7).

``prime`` frees one buffer larger than any read, once per process: glibc then serves
every read from its heap, whose pages stay mapped. That is glibc's own adaptive rule,
applied once at the start rather than after a lucky read; the cost is that the heap may
keep up to twice ``PRIMED_BYTES`` of freed memory before handing it back. Other
allocators serve the one buffer and forget it.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MAPPED_FROM", "PRIMED_BYTES", "prime"]

MAPPED_FROM: Final = 128 * 1024
"""glibc's threshold at start: a request at least this large is mapped from the OS."""

PRIMED_BYTES: Final = 1 << 20
"""The size of the one buffer: above the largest read (512 KiB) with room to spare."""

_primed = False


def prime() -> None:
    """Allocate and free one ``PRIMED_BYTES`` buffer, the first time only."""
    global _primed
    if not _primed:
        _primed = True
        # Zero-filled pages fresh from the OS: neither filled nor touched, so cheap.
        bytes(PRIMED_BYTES)
