"""The intended job event stream, and the broken-stream fault wrapper."""

from __future__ import annotations

import json
import random

from covia_proto.testing.job_table import JobTable
from covia_proto.testing.replies import WAIT
from covia_proto.testing.sse_source import SSE_HEADERS, BrokenEvents, JobEventSource, job_event


def _table() -> JobTable:
    return JobTable(lambda: 5, random.Random(0), lambda: None)


def _job(table: JobTable) -> str:
    return table.create(
        op="00", name=None, adapter="test:never", caller="c", shown_input=None, run_input=None
    ).id


def _data(event: object) -> dict[str, object]:
    assert isinstance(event, bytes)
    head, data = event.split(b"\ndata: ")
    assert head == b"event: job-update"
    assert data.endswith(b"\n\n")
    assert b"\n" not in data[:-2]
    return dict(json.loads(data))


def test_headers() -> None:
    headers = dict(SSE_HEADERS)
    assert headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["Connection"] == "close"


def test_event_per_change_then_end() -> None:
    table = _table()
    ident = _job(table)
    source = JobEventSource(table, ident)
    assert _data(source.next_chunk())["status"] == "PENDING"
    assert source.next_chunk() is WAIT
    job = table.get(ident)
    assert job is not None
    table.set_status(job, "STARTED")
    table.set_status(job, "STARTED", output={"turn": 1})
    table.set_status(job, "COMPLETE", output=1)
    assert [_data(source.next_chunk())["status"] for _ in range(3)] == [
        "STARTED",
        "STARTED",
        "COMPLETE",
    ]
    assert source.next_chunk() == b""


def test_nothing_for_terminal_unknown_or_deleted_jobs() -> None:
    table = _table()
    ident = _job(table)
    job = table.get(ident)
    assert job is not None
    table.drop_live(job)
    assert JobEventSource(table, ident).next_chunk() == b""
    assert JobEventSource(table, "ff").next_chunk() == b""


def test_close_unsubscribes() -> None:
    table = _table()
    ident = _job(table)
    source = JobEventSource(table, ident)
    source.close()
    job = table.get(ident)
    assert job is not None
    table.set_status(job, "STARTED")
    assert source.next_chunk() == b""


class ListSource:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def next_chunk(self) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def close(self) -> None:
        self.closed = True


def test_broken_events_end_mid_event() -> None:
    events = [job_event({"status": s}) for s in ("A", "B", "C")]
    inner = ListSource(list(events))
    broken = BrokenEvents(inner, after_events=1)
    assert broken.next_chunk() == events[0]
    half = broken.next_chunk()
    assert isinstance(half, bytes)
    assert events[1].startswith(half)
    assert not half.endswith(b"\n\n")
    assert broken.next_chunk() == b""
    assert inner.closed


def test_broken_events_pass_waits_and_early_ends() -> None:
    table = _table()
    source = JobEventSource(table, _job(table))
    broken = BrokenEvents(source, after_events=1)
    assert isinstance(broken.next_chunk(), bytes)
    assert broken.next_chunk() is WAIT
    assert BrokenEvents(ListSource([]), 0).next_chunk() == b""
