"""``covia.async_api._session``: running flows on an async driver — values, emitted
items, errors thrown back into flows, streams closed however a flow ends, and who
closes the driver."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from covia import CoviaConnectionError, CoviaUsageError
from covia.async_api._session import AsyncSession
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.endpoints.status import get_status
from covia_proto.flows.context import VenueContext
from covia_proto.flows.drive import Outcome
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Emit,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
)
from covia_proto.http import Request, Response, ResponseHead

pytestmark = pytest.mark.asyncio

STATUS = b'{"status":"OK","ts":1,"did":"did:key:z6Mk","url":"http://v.test","stats":{}}'


class FakeDriver:
    """Answers Send with ``responses`` in turn, serves streams of ``chunks``, raises
    ``fail`` once if set, and records every effect."""

    def __init__(self, responses: list[Response] | None = None) -> None:
        self.responses = list(responses or [])
        self.effects: list[Effect] = []
        self.open: set[int] = set()
        self.fail: Exception | None = None
        self.closed = 0

    async def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        if self.fail is not None:
            failure, self.fail = self.fail, None
            raise failure
        if isinstance(effect, Send):
            return self.responses.pop(0)
        if isinstance(effect, OpenStream):
            handle = object()
            self.open.add(id(handle))
            return OpenedStream(ResponseHead(200), handle)
        if isinstance(effect, ReadChunk):
            return b"chunk"
        if isinstance(effect, CloseStream):
            self.open.discard(id(effect.handle))
            return None
        if isinstance(effect, GetTime):
            return 0.0
        raise AssertionError(effect)

    async def aclose(self) -> None:
        self.closed += 1


def session(driver: FakeDriver, *, owns: bool = True) -> AsyncSession:
    return AsyncSession(VenueContext(Endpoint("http://v.test")), driver, owns_driver=owns)


def request() -> Request:
    return Request("GET", "http://v.test/x")


def streaming(n: int) -> Flow[str]:
    opened: OpenedStream = yield OpenStream(request())
    for _ in range(n):
        chunk: bytes = yield ReadChunk(opened.handle)
        yield Emit(chunk)
    yield CloseStream(opened.handle)
    return "done"


async def test_run_returns_the_flow_value() -> None:
    def flow() -> Flow[int]:
        response: Response = yield Send(request())
        return response.status

    driver = FakeDriver([Response(204)])
    assert await session(driver).run(flow()) == 204


async def test_call_sends_and_parses() -> None:
    driver = FakeDriver([Response(200, (("Content-Type", "application/json"),), STATUS)])
    status = await session(driver).call(get_status(Endpoint("http://v.test")))
    assert status.did == "did:key:z6Mk"
    (sent,) = [e for e in driver.effects if isinstance(e, Send)]
    assert sent.request.url == "http://v.test/api/v1/status"


async def test_iterate_yields_items_and_keeps_the_outcome() -> None:
    driver = FakeDriver()
    outcome = Outcome()
    items = [item async for item in session(driver).iterate(streaming(3), outcome)]
    assert items == [b"chunk"] * 3
    assert outcome.value == "done"
    assert driver.open == set()


async def test_closing_an_iteration_early_closes_its_stream() -> None:
    driver = FakeDriver()
    async with contextlib.aclosing(session(driver).iterate(streaming(100))) as items:
        async for _ in items:
            break
    assert driver.open == set()
    assert isinstance(driver.effects[-1], CloseStream)


async def test_a_driver_failure_is_thrown_into_the_flow() -> None:
    def flow() -> Flow[str]:
        try:
            yield Send(request())
        except CoviaConnectionError as exc:
            return f"caught {exc.message}"
        return "not reached"

    driver = FakeDriver()
    driver.fail = CoviaConnectionError("gone")
    assert await session(driver).run(flow()) == "caught gone"


async def test_an_unexpected_error_ends_the_flow_and_closes_its_stream() -> None:
    driver = FakeDriver()
    iteration = session(driver).iterate(streaming(5))
    assert await iteration.__anext__() == b"chunk"
    driver.fail = RuntimeError("bug")
    with pytest.raises(RuntimeError, match="bug"):
        await iteration.__anext__()
    assert driver.open == set()


async def test_a_closed_session_refuses_new_effects_but_closes_streams() -> None:
    driver = FakeDriver()
    live = session(driver)
    iteration = live.iterate(streaming(5))
    assert await iteration.__anext__() == b"chunk"
    await live.aclose()
    assert live.closed
    with pytest.raises(CoviaUsageError, match="closed"):
        await iteration.__anext__()
    assert driver.open == set()  # the flow's stream was still closed
    with pytest.raises(CoviaUsageError, match="closed"):
        await live.run(streaming(1))


async def test_aclose_closes_an_owned_driver_once_and_never_a_callers() -> None:
    owned = FakeDriver()
    mine = session(owned, owns=True)
    await mine.aclose()
    await mine.aclose()
    assert owned.closed == 1
    theirs = FakeDriver()
    await session(theirs, owns=False).aclose()
    assert theirs.closed == 0
