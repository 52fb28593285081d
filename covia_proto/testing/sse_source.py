"""The job event stream as venue-api.md §3.6 intends it (not as venue 0.1.x serves it):
the current record on connect if the job is live, one ``job-update`` event per state
change, and the end of the stream after a terminal state."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Final

from covia_proto.testing.job_table import TERMINAL, JobTable
from covia_proto.testing.replies import WAIT, BodySource, _Wait
from covia_proto.testing.wire import CORS_HEADERS, dumps

__all__ = ["SSE_HEADERS", "BrokenEvents", "JobEventSource", "job_event"]

SSE_HEADERS: Final = (
    *CORS_HEADERS,
    ("Content-Type", "text/event-stream; charset=utf-8"),
    ("Cache-Control", "no-cache"),
    ("Connection", "close"),
    ("X-Accel-Buffering", "no"),
)


def job_event(record: dict[str, Any]) -> bytes:
    """One event: no ``id:``, no ``retry:``; compact JSON keeps ``data`` on one line."""
    return b"event: job-update\ndata: " + dumps(record) + b"\n\n"


class JobEventSource:
    """Events of one job; each chunk is exactly one whole event."""

    def __init__(self, jobs: JobTable, job_id: str) -> None:
        self._queue: deque[bytes] = deque()
        self._ended = False
        self._unsubscribe: Callable[[], None] | None = None
        job = jobs.get(job_id)
        if job is None or not job.live or job.terminal:
            self._ended = True  # nothing is sent for a terminal or unknown job
            return
        self._queue.append(job_event(job.record()))
        self._unsubscribe = jobs.observe(job_id, self._on_update)

    def _on_update(self, record: dict[str, Any]) -> None:
        self._queue.append(job_event(record))
        if record["status"] in TERMINAL:
            self._stop()

    def _stop(self) -> None:
        self._ended = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def next_chunk(self) -> bytes | _Wait:
        if self._queue:
            return self._queue.popleft()
        return b"" if self._ended else WAIT

    def close(self) -> None:
        self._queue.clear()
        self._stop()


class BrokenEvents:
    """Fault: pass ``after_events`` whole events through, then send half of the next
    one and end the stream, as a connection dropped mid-event would."""

    def __init__(self, inner: BodySource, after_events: int = 1) -> None:
        self._inner = inner
        self._left = after_events
        self._broken = False

    def next_chunk(self) -> bytes | _Wait:
        if self._broken:
            return b""
        chunk = self._inner.next_chunk()
        if isinstance(chunk, _Wait) or not chunk:
            return chunk
        if self._left > 0:
            self._left -= 1
            return chunk
        self._broken = True
        self._inner.close()
        return chunk[: max(1, len(chunk) // 2)]

    def close(self) -> None:
        self._inner.close()
