from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.endpoints import jobs
from covia_proto.endpoints.call import Call
from covia_proto.errors import CoviaConnectionError, CoviaError, CoviaTimeoutError
from covia_proto.flows.drive import (
    Outcome,
    aiterate,
    drive,
    drive_async,
    drive_call,
    drive_call_async,
    iterate,
)
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Emit,
    EmitAll,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.flows.send import send
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.models import JobRecord
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows import canned
from tests.proto.flows.canned import json_response

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


def test_emit_all_hands_over_its_items_in_order_sync_and_async():
    def flow() -> Flow[int]:
        yield EmitAll(("a", "b", "c"))
        yield Emit("d")
        return 4

    outcome = Outcome()
    assert list(iterate(flow(), Recorder().perform, outcome)) == ["a", "b", "c", "d"]
    assert outcome.value == 4

    async def main() -> list[object]:
        return [item async for item in aiterate(flow(), Recorder().aperform)]

    assert asyncio.run(main()) == ["a", "b", "c", "d"]


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


# -- the single call: drive_call does what drive(send(...)) does -----------------------

_ANSWERS = st.one_of(
    st.sampled_from([200, 201, 404, 429, 500, 502, 503]).map(
        lambda code: json_response(code, canned.job("COMPLETE") if code < 300 else {"error": "x"})
    ),
    st.booleans().map(lambda sent: CoviaConnectionError("reset", sent=sent)),
    st.just(CoviaTimeoutError("slow")),
    st.just(Response(200, (), b"{not json")),
)


def _outcome(run: Callable[[], object]) -> tuple[str, object]:
    try:
        value = run()
    except CoviaError as exc:
        return type(exc).__name__, str(exc)
    return "value", value


@settings(max_examples=200)
@given(answers=st.lists(_ANSWERS, min_size=1, max_size=6), post=st.booleans())
def test_drive_call_sends_retries_and_fails_exactly_like_the_send_flow(
    answers: list[Response | CoviaError], post: bool
) -> None:
    ctx = canned.context()
    call: Call[Any] = (
        jobs.invoke(ctx.endpoint, "v/test/ops/echo", {})
        if post
        else jobs.get_job(ctx.endpoint, canned.JOB)
    )
    by_flow = ScriptedDriver(list(answers) + [canned.job_response("COMPLETE")] * 6)
    direct = ScriptedDriver(list(answers) + [canned.job_response("COMPLETE")] * 6)
    expected = _outcome(lambda: by_flow.run(send(ctx, call)))
    assert _outcome(lambda: drive_call(ctx, call, direct.perform)) == expected
    assert direct.effects == by_flow.effects
    assert direct.sleeps == by_flow.sleeps


def test_drive_call_async_makes_one_exchange_when_it_succeeds() -> None:
    ctx = canned.context()
    driver = ScriptedDriver([canned.job_response("COMPLETE", output=1)])

    async def perform(effect: Effect) -> object:
        await asyncio.sleep(0)
        return driver.perform(effect)

    result = asyncio.run(drive_call_async(ctx, jobs.get_job(ctx.endpoint, canned.JOB), perform))
    assert result.output == 1
    # The clock once, for call_timeout, and the exchange carrying the whole of it.
    assert [type(effect) for effect in driver.effects] == [GetTime, Send]
    sent = driver.effects[1]
    assert isinstance(sent, Send)
    assert sent.timeout == ctx.call_timeout


def test_drive_call_async_retries_through_the_flow_and_never_resends_an_invoke() -> None:
    ctx = canned.context()
    driver = ScriptedDriver(
        [
            json_response(503, {"error": "busy"}),
            canned.job_response("COMPLETE", output=2),
            CoviaConnectionError("reset after send", sent=True),
        ]
    )

    async def perform(effect: Effect) -> object:
        return driver.perform(effect)

    async def main() -> JobRecord:
        found = await drive_call_async(ctx, jobs.get_job(ctx.endpoint, canned.JOB), perform)
        with pytest.raises(CoviaConnectionError, match="reset after send"):
            await drive_call_async(ctx, jobs.invoke(ctx.endpoint, "v/test/ops/echo", {}), perform)
        return found

    assert asyncio.run(main()).output == 2
    assert [method for method, _ in driver.calls] == ["GET", "GET", "POST"]
    assert driver.sleeps == [pytest.approx(0.1)]
