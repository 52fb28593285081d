"""SHA-256 of a download, computed in a second thread while the next chunk is read.

hashlib lets go of the GIL while it hashes more than 2 KiB, so a worker thread can hash
one batch of chunks while the caller's thread reads the next: with a core to spare, a
checked download costs about the slower of reading and hashing rather than their sum.
The core stays free of threads; the sync shell hands ``PipelinedSha256`` to the
download flows through ``VenueContext.hasher``.

The async shells hash inline: an event loop may run many downloads at once, and a
thread and a few MiB held for each is too dear for a gain that did not show clearly
(issue #20: asyncio +24 % in one run, none in another; trio within the noise).
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import weakref
from typing import Final

__all__ = [
    "ALONE_BYTES",
    "BATCH_BYTES",
    "INLINE_BYTES",
    "MAX_PENDING",
    "SPARE_CORE",
    "PipelinedSha256",
]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may run on
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


SPARE_CORE: Final = _cores() > 1
"""Whether a worker can run beside the caller at all: on one core it only adds the
hand-overs to the same work, so everything is hashed inline."""

INLINE_BYTES: Final = 256 * 1024
"""Bytes hashed in the caller's thread before a worker starts: a small download is not
worth a thread. The worker's first batch is as large; each next one twice the last, up
to ``BATCH_BYTES``, so the worker is at work soon after a large download begins (2 ms
sooner than with a first mebibyte inline and then one to batch, in a download of 128
MiB that took 95 ms: the worker sets the pace to the end)."""

BATCH_BYTES: Final = 1 << 20
"""Small chunks go to the worker about a mebibyte at a time: each hand-over wakes a
thread, which costs as much as hashing a few kilobytes."""

ALONE_BYTES: Final = 256 * 1024
"""A chunk at least this large goes to the worker on its own (after the batch before
it, if any): joined to others it would be copied first, on the thread that sets the
pace. The sync driver's reads of a download grow to 1 MiB
(``covia_requests.lean.MAX_READ_SIZE``); those that fill, or nearly, are such chunks.
When only whole batches of 1 MiB were handed over, reads that came back short were
joined, and fresh-process checked downloads of 128 MiB took 111 ms where they now take
100 ms (medians of 16 interleaved pairs)."""

MAX_PENDING: Final = 2
"""Batches handed over and not yet hashed; past it ``update`` waits for the worker, so
the bytes held stay under ``MAX_PENDING + 2`` batches or chunks of ``BATCH_BYTES`` or
the size of a read, whichever is larger."""

_STOP: Final[list[bytes]] = []  # the batch that tells the worker to end


class PipelinedSha256:
    """A ``hashlib.sha256()`` whose ``update`` may return before its bytes are hashed;
    ``hexdigest`` waits for all of them. ``close`` ends the worker without a digest (a
    download abandoned or failed): the download flows call it however they end. One
    user at a time, as a hash object is."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._inline = 0
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._batch_goal = INLINE_BYTES  # the size of the next batch handed over
        self._worker: _Worker | None = None

    def update(self, data: bytes) -> None:
        if self._worker is None:
            if self._inline < INLINE_BYTES or not SPARE_CORE:
                self._inline += len(data)
                self._hash.update(data)
                return
            self._worker = _Worker(self, self._hash)
        if len(data) >= ALONE_BYTES:
            if self._batch:
                self._hand_over()
            self._worker.hash([data])
            return
        self._batch.append(data)
        self._batch_size += len(data)
        if self._batch_size >= self._batch_goal:
            self._hand_over()

    def _hand_over(self) -> None:
        assert self._worker is not None
        self._worker.hash(self._batch)
        self._batch = []
        self._batch_size = 0
        self._batch_goal = min(2 * self._batch_goal, BATCH_BYTES)

    def hexdigest(self) -> str:
        if self._worker is not None:
            worker, self._worker = self._worker, None
            if self._batch:
                worker.hash(self._batch)
            self._batch = []
            self._batch_size = 0
            worker.finish()
        return self._hash.hexdigest()

    def close(self) -> None:
        """End the worker, if one runs, without hashing what it still holds."""
        if self._worker is not None:
            worker, self._worker = self._worker, None
            self._batch = []
            self._batch_size = 0
            worker.abandon()


class _Worker:
    """A thread hashing the batches handed to it, in order."""

    def __init__(self, owner: PipelinedSha256, hasher: hashlib._Hash) -> None:
        self._pending: queue.Queue[list[bytes]] = queue.Queue(maxsize=MAX_PENDING)
        self._failure: BaseException | None = None
        # A daemon: a worker must not hold up an interpreter that is exiting; ``finish``
        # and ``abandon`` end it in every other case.
        self._thread = threading.Thread(
            target=self._run, args=(hasher,), name="covia-sha256", daemon=True
        )
        self._thread.start()
        # A hasher dropped without ``close`` (a download iterator never closed) still
        # ends its worker when it is collected.
        self._finalizer = weakref.finalize(owner, _stop_soon, self._pending)

    def hash(self, batch: list[bytes]) -> None:
        self._pending.put(batch)  # waits while MAX_PENDING batches are not yet hashed

    def finish(self) -> None:
        """Wait until every batch is hashed."""
        self._finalizer.detach()
        self._pending.put(_STOP)
        self._thread.join()
        if self._failure is not None:
            raise self._failure

    def abandon(self) -> None:
        self._finalizer.detach()
        _stop_soon(self._pending)
        self._thread.join()

    def _run(self, hasher: hashlib._Hash) -> None:
        while (batch := self._pending.get()) is not _STOP:
            if self._failure is not None:
                continue  # failed: batches are taken, unhashed, so no hand-over waits
            try:
                # One update a batch: each lets go of the GIL and takes it back, and a
                # busy caller's thread (an event loop, a parser) makes taking it slow.
                # Only small chunks are joined (ALONE_BYTES): a batch of one chunk is
                # that chunk, uncopied.
                hasher.update(b"".join(batch))
            except BaseException as exc:  # raised again by finish()
                self._failure = exc


def _stop_soon(pending: queue.Queue[list[bytes]]) -> None:
    """Tell a worker to stop at once: what waits is dropped, so this cannot block (the
    caller is the only one handing batches over)."""
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            break
    pending.put(_STOP)
