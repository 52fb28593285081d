"""How large the next read of a streaming body is, and the C allocator readied for it,
for every driver.

A read that fills its buffer doubles the next (``next_read_size``): a download is read
in a few large reads (up to 512 KiB in the trio driver, 1 MiB in the sync one), and a
small answer never pays for a big buffer.
Each read asks the C allocator for a buffer as large as the read and, when fewer bytes
arrived, shrinks it to what did. glibc serves a request of ``MAPPED_FROM`` bytes or
more with fresh pages from the OS, and raises that threshold only to the size of such a
buffer when it is freed: a buffer shrunk to 300 KiB raises it to 300 KiB, so the next
512 KiB read takes fresh pages again. A download whose reads seldom fill their buffer
then faults in every page it reads: a trio download in a fresh process ran at 1.0 GB/s
where the same download, once the threshold had risen, ran at 6 GB/s, and the sync
client's reads of 512 KiB were little faster than its reads of 128 KiB until it was
readied (``benchmarks/``).

``ready_for`` frees one buffer larger than any read, once per process, when a driver's
reads first grow to ``MAPPED_FROM`` or more: glibc then serves every read from its heap,
whose pages stay mapped (the sync driver's first reads, 128 KiB, come before that and
fill their buffers as a download streams in). That is glibc's own adaptive rule,
applied once at the start rather than after a lucky read; the cost is that the heap may
keep up to twice ``PRIMED_BYTES`` of freed memory before handing it back. Other
allocators serve the one buffer and forget it. The asyncio driver cannot size its
reads (asyncio's transport reads up to 256 KiB, each into a new buffer): it readies
the allocator before any body that may be large. Nothing here does I/O: it is the
core's only because every driver uses it.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MAPPED_FROM", "PRIMED_BYTES", "next_read_size", "ready_for"]

MAPPED_FROM: Final = 128 * 1024
"""glibc's threshold at start: a request at least this large is mapped from the OS."""

PRIMED_BYTES: Final = 2 << 20
"""The size of the one buffer: above the largest read (1 MiB) with room to spare."""

_primed = False


def next_read_size(size: int, got: int, most: int) -> int:
    """The size of the read after one that asked for ``size`` bytes and got ``got``:
    twice ``size`` if the read filled it, up to ``most``. The allocator is readied for
    a size that grows."""
    if got == size and size < most:
        size = min(size * 2, most)
        ready_for(size)
    return size


def ready_for(read_size: int) -> None:
    """Before reads of ``read_size`` bytes: the first time one is as large as
    ``MAPPED_FROM``, allocate and free one ``PRIMED_BYTES`` buffer."""
    global _primed
    if not _primed and read_size >= MAPPED_FROM:
        _primed = True
        # Zero-filled pages fresh from the OS: neither filled nor touched, so cheap.
        bytes(PRIMED_BYTES)
