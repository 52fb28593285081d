from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from covia_proto.endpoints import Endpoint, assets, status
from covia_proto.errors import CoviaConnectionError, CoviaTimeoutError, CoviaUsageError
from covia_proto.flows.assets import download_content, upload_content
from covia_proto.flows.context import VenueContext
from covia_proto.flows.drive import drive, drive_async, iterate
from covia_proto.flows.effects import OpenStream, ReadChunk, Send
from covia_proto.flows.events import follow_job, wait_for_job
from covia_proto.flows.send import send
from covia_proto.http import Request
from covia_proto.testing.faults import (
    FaultPlan,
    Latency,
    ResetAfterRequest,
    StallResponse,
    TruncateBody,
)
from covia_proto.testing.memory import AsyncMemoryDriver, MemoryDriver
from covia_proto.testing.pytest_plugin import FakeClock
from covia_proto.testing.simulator import VenueSimulator

BASE = "http://venue.test"
DELAY = {"delay": 30_000, "operation": "v/test/ops/echo", "input": {"n": 1}}


def setup(**kwargs: object) -> tuple[FakeClock, VenueSimulator, MemoryDriver, VenueContext]:
    clock = FakeClock()
    simulator = VenueSimulator(clock=clock, **kwargs)  # type: ignore[arg-type]
    return clock, simulator, MemoryDriver(simulator, clock), VenueContext(Endpoint(BASE))


def invoke(driver: MemoryDriver, context: VenueContext, operation: str, input: object) -> str:
    from covia_proto.endpoints import jobs

    return drive(
        send(context, jobs.invoke(context.endpoint, operation, input)), driver.perform
    ).job.id


def test_requests_reach_the_simulator_with_no_socket():
    _, _, driver, context = setup(name="In Memory")
    assert (
        drive(send(context, status.get_status(context.endpoint)), driver.perform).name
        == "In Memory"
    )


def test_time_is_virtual_waiting_for_a_slow_job_moves_the_clock_not_the_wall():
    clock, _, driver, context = setup()
    start = clock()
    job_id = invoke(driver, context, "v/test/ops/delay", DELAY)
    record = drive(wait_for_job(context, job_id, timeout=60), driver.perform)
    assert record.output == {"n": 1}
    assert 30 <= clock() - start < 40


def test_a_timeout_is_exact_in_virtual_time():
    clock, _, driver, context = setup()
    job_id = invoke(driver, context, "v/test/ops/never", None)
    start = clock()
    with pytest.raises(CoviaTimeoutError):
        drive(wait_for_job(context, job_id, timeout=2.5), driver.perform)
    assert clock() - start == pytest.approx(2.5)


def test_server_side_wait_resolves_when_the_job_finishes():
    clock, _, driver, context = setup()
    from covia_proto.endpoints import jobs

    start = clock()
    call = jobs.invoke(context.endpoint, "v/test/ops/delay", DELAY, wait=True)
    result = drive(send(context, call), driver.perform)
    assert result.completed_in_wait
    assert clock() - start == pytest.approx(30.0)


def test_event_streams_are_served_chunk_by_chunk():
    _, _, driver, context = setup(sse=True)
    job_id = invoke(driver, context, "v/test/ops/delay", DELAY)
    events = list(iterate(follow_job(context, job_id), driver.perform))
    assert [json.loads(e.data)["status"] for e in events] == ["PENDING", "COMPLETE"]


def test_faults_become_the_transports_errors():
    _, simulator, driver, context = setup(faults=FaultPlan())
    assert simulator.faults is not None
    simulator.faults.add(ResetAfterRequest(), path="/status", times=1)
    simulator.faults.add(StallResponse(), path="/status", times=1)
    call = status.get_status(context.endpoint)
    with pytest.raises(CoviaConnectionError) as info:
        driver.perform(Send(call.request))
    assert info.value.sent
    with pytest.raises(CoviaTimeoutError):
        driver.perform(Send(call.request, timeout=1.0))


def test_latency_costs_virtual_time_and_truncation_breaks_the_body():
    clock, simulator, driver, context = setup(faults=FaultPlan())
    assert simulator.faults is not None
    simulator.faults.add(Latency(3.0), path="/status", times=1)
    start = clock()
    driver.perform(Send(status.get_status(context.endpoint).request))
    assert clock() - start == pytest.approx(3.0)
    simulator.faults.add(TruncateBody(keep=5), path="/status", times=2)
    with pytest.raises(CoviaConnectionError, match="truncated"):
        driver.perform(Send(status.get_status(context.endpoint).request))
    opened = driver.perform(OpenStream(status.get_status(context.endpoint).request))
    assert len(driver.perform(ReadChunk(opened.handle))) == 5
    with pytest.raises(CoviaConnectionError):
        driver.perform(ReadChunk(opened.handle))


def test_streamed_uploads_from_an_iterable_and_downloads():
    _, _, driver, context = setup()
    data = b"x" * 100_000
    metadata = {"name": "blob", "content": {"sha256": hashlib.sha256(data).hexdigest()}}
    asset_id = drive(
        send(context, assets.register_asset(context.endpoint, metadata)), driver.perform
    )
    chunks = (data[i : i + 4096] for i in range(0, len(data), 4096))
    stored = drive(upload_content(context, asset_id, stream=chunks), driver.perform)
    assert stored == hashlib.sha256(data).hexdigest()
    assert b"".join(iterate(download_content(context, asset_id), driver.perform)) == data


def test_the_async_driver_serves_the_same_flows():
    clock = FakeClock()
    simulator = VenueSimulator(clock=clock)
    driver = AsyncMemoryDriver(simulator, clock)
    context = VenueContext(Endpoint(BASE))

    async def chunks():
        yield b"ab"
        yield b"c"

    async def main() -> tuple[str, str]:
        name = (
            await drive_async(send(context, status.get_status(context.endpoint)), driver.perform)
        ).name
        metadata = {"name": "abc", "content": {"sha256": hashlib.sha256(b"abc").hexdigest()}}
        asset_id = await drive_async(
            send(context, assets.register_asset(context.endpoint, metadata)), driver.perform
        )
        stored: str = await drive_async(
            upload_content(context, asset_id, stream=chunks()), driver.perform
        )
        await driver.aclose()
        return str(name), stored

    name, stored = asyncio.run(main())
    assert name == "Covia Test Venue"
    assert stored == hashlib.sha256(b"abc").hexdigest()


def test_the_async_driver_needs_a_virtual_clock():
    from covia_proto.errors import CoviaUsageError

    simulator = VenueSimulator(clock=lambda: 0.0)
    with pytest.raises(CoviaUsageError):
        AsyncMemoryDriver(simulator, lambda: 0.0)


class _Chunks:
    """A streamed body of fixed chunks (an endless one when ``forever``)."""

    def __init__(self, chunk: bytes, count: int, *, forever: bool = False) -> None:
        self.chunk, self.left, self.forever = chunk, count, forever
        self.read = 0
        self.closed = False

    def next_chunk(self) -> bytes:
        if not self.forever and self.left == 0:
            return b""
        self.left -= 1
        self.read += 1
        return self.chunk

    def close(self) -> None:
        self.closed = True


class _OneAnswer:
    def __init__(self, reply: object) -> None:
        self.reply = reply

    def handle(self, request: object, body: object = None) -> object:
        return self.reply

    def advance(self) -> None:
        return None

    def next_wake(self) -> None:
        return None


def test_send_honours_max_body_for_whole_and_streamed_answers():
    from covia_proto.errors import VenueProtocolError
    from covia_proto.http import Request, Response, ResponseHead
    from covia_proto.testing.replies import Streamed

    request = Request("GET", BASE + "/api/v1/status")
    whole = MemoryDriver(_OneAnswer(Response(200, (), b"x" * 11)))  # type: ignore[arg-type]
    assert whole.perform(Send(request, max_body=11)).body == b"x" * 11
    with pytest.raises(VenueProtocolError, match=r"max_body_size \(10 bytes\)") as info:
        whole.perform(Send(request, max_body=10))
    assert info.value.request == request.info

    finite = _Chunks(b"abcd", 3)
    streamed = MemoryDriver(_OneAnswer(Streamed(ResponseHead(200, ()), finite)))  # type: ignore[arg-type]
    assert streamed.perform(Send(request, max_body=12)).body == b"abcd" * 3
    endless = _Chunks(b"abcd", 0, forever=True)
    streamed = MemoryDriver(_OneAnswer(Streamed(ResponseHead(200, ()), endless)))  # type: ignore[arg-type]
    with pytest.raises(VenueProtocolError, match=r"max_body_size \(4096 bytes\)"):
        streamed.perform(Send(request, max_body=4096))
    # It stopped reading just past the limit, and closed the body.
    assert endless.read == 4096 // 4 + 1
    assert endless.closed


def test_send_through_the_flows_is_bounded_by_the_contexts_limits():
    from covia_proto.errors import VenueProtocolError
    from covia_proto.limits import Limits

    _, _, driver, context = setup(name="In Memory")
    small = VenueContext(context.endpoint, limits=Limits(max_body_size=20))
    with pytest.raises(VenueProtocolError, match=r"max_body_size \(20 bytes\)"):
        drive(send(small, status.get_status(small.endpoint)), driver.perform)


def test_closing_the_driver_closes_the_streams_it_left_open() -> None:
    clock = FakeClock()
    simulator = VenueSimulator(clock=clock)
    driver = MemoryDriver(simulator, clock)
    request = Request("GET", "http://venue.test/api/v1/status")
    opened = driver.perform(OpenStream(request))
    driver.close()
    with pytest.raises(CoviaUsageError, match="closed"):
        driver.perform(ReadChunk(opened.handle))
    driver.close()  # twice: harmless
