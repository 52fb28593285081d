from __future__ import annotations

import asyncio

import pytest

from covia_proto.errors import CoviaConnectionError, CoviaError
from covia_proto.flows.effects import (
    CloseStream,
    Emit,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.flows.runner import Outcome, aiterate, drive, drive_async, iterate
from covia_proto.http import Request, Response, ResponseHead

REQUEST = Request("GET", "https://v/api/v1/status")


def echo_flow() -> Flow[str]:
    response = yield Send(REQUEST)
    yield Sleep(0.5)
    now = yield GetTime()
    return f"{response.status}@{now}"


class Recorder:
    def __init__(self, fail_send: CoviaError | BaseException | None = None) -> None:
        self.effects: list[object] = []
        self.fail_send = fail_send
        self.closed: list[object] = []

    def perform(self, effect: object) -> object:
        self.effects.append(effect)
        if isinstance(effect, Send):
            if self.fail_send is not None:
                raise self.fail_send
            return Response(200)
        if isinstance(effect, GetTime):
            return 7.0
        if isinstance(effect, OpenStream):
            return OpenedStream(ResponseHead(200), handle=f"h{len(self.effects)}")
        if isinstance(effect, ReadChunk):
            return b"x"
        if isinstance(effect, CloseStream):
            self.closed.append(effect.handle)
        return None

    async def aperform(self, effect: object) -> object:
        await asyncio.sleep(0)
        return self.perform(effect)


def test_drive_returns_the_flow_value_and_performs_effects_in_order():
    recorder = Recorder()
    assert drive(echo_flow(), recorder.perform) == "200@7.0"
    assert [type(e) for e in recorder.effects] == [Send, Sleep, GetTime]


def test_covia_errors_are_thrown_into_the_flow_where_it_yielded():
    def flow() -> Flow[str]:
        try:
            yield Send(REQUEST)
        except CoviaConnectionError as exc:
            return f"caught {exc.message}"
        return "not caught"

    recorder = Recorder(fail_send=CoviaConnectionError("refused", sent=False))
    assert drive(flow(), recorder.perform) == "caught refused"


def test_other_exceptions_end_the_flow_and_reach_the_caller():
    closed = []

    def flow() -> Flow[None]:
        try:
            yield Send(REQUEST)
        finally:
            closed.append(True)

    with pytest.raises(KeyboardInterrupt):
        drive(flow(), Recorder(fail_send=KeyboardInterrupt()).perform)
    assert closed == [True]


def test_iterate_yields_emitted_items_and_keeps_the_return_value():
    def flow() -> Flow[int]:
        yield Emit("a")
        yield Emit("b")
        return 2

    outcome = Outcome()
    assert list(iterate(flow(), Recorder().perform, outcome)) == ["a", "b"]
    assert outcome.value == 2


def test_streams_left_open_are_closed_when_the_consumer_stops_early():
    def flow() -> Flow[None]:
        opened = yield OpenStream(REQUEST)
        while True:
            chunk = yield ReadChunk(opened.handle)
            yield Emit(chunk)

    recorder = Recorder()
    items = iterate(flow(), recorder.perform)
    assert next(items) == b"x"
    items.close()  # the consumer breaks out of its loop
    assert recorder.closed == ["h1"]


def test_streams_closed_by_the_flow_are_not_closed_twice():
    def flow() -> Flow[None]:
        opened = yield OpenStream(REQUEST)
        yield CloseStream(opened.handle)

    recorder = Recorder()
    drive(flow(), recorder.perform)
    assert recorder.closed == ["h1"]


def test_streams_are_closed_when_the_flow_fails():
    def flow() -> Flow[None]:
        yield OpenStream(REQUEST)
        raise CoviaError("boom")

    recorder = Recorder()
    with pytest.raises(CoviaError, match="boom"):
        drive(flow(), recorder.perform)
    assert recorder.closed == ["h1"]


def test_async_twins_behave_the_same():
    def flow() -> Flow[int]:
        opened = yield OpenStream(REQUEST)
        chunk = yield ReadChunk(opened.handle)
        yield Emit(chunk)
        return 5

    async def main() -> tuple[list[object], object, list[object], str]:
        recorder = Recorder()
        outcome = Outcome()
        items = [item async for item in aiterate(flow(), recorder.aperform, outcome)]
        value = await drive_async(echo_flow(), Recorder().aperform)
        return items, outcome.value, recorder.closed, value

    items, value, closed, echoed = asyncio.run(main())
    assert items == [b"x"]
    assert value == 5
    assert closed == ["h1"]
    assert echoed == "200@7.0"
