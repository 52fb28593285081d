"""``covia_proto.drivers``: the protocols, and the one dispatch the base classes share."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest

from covia_proto import drivers
from covia_proto.drivers import (
    HANDLER_NAMES,
    AsyncDriver,
    BaseAsyncDriver,
    BaseSyncDriver,
    SyncDriver,
)
from covia_proto.errors import CoviaUsageError
from covia_proto.flows import effects
from covia_proto.flows.effects import (
    CloseStream,
    Emit,
    EmitAll,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead

REQUEST = Request("GET", "http://venue.test/api/v1/status")
EVERY_EFFECT = [
    Send(REQUEST),
    OpenStream(REQUEST),
    ReadChunk("handle"),
    CloseStream("handle"),
    Sleep(0.5),
    GetTime(),
]


class Recording(BaseSyncDriver):
    """Answers each effect with the name of the method that got it."""

    def __init__(self) -> None:
        self.closed = 0

    def perform_send(self, effect: Send) -> Response:
        return Response(200, (("X-Method", "perform_send"),), b"")

    def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        return OpenedStream(ResponseHead(200, ()), "perform_open_stream")

    def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        return b"perform_read_chunk"

    def perform_close_stream(self, effect: CloseStream) -> None:
        self.last = "perform_close_stream"

    def perform_sleep(self, effect: Sleep) -> None:
        self.last = "perform_sleep"

    def perform_get_time(self, effect: GetTime) -> float:
        return 42.0

    def close(self) -> None:
        self.closed += 1


class AsyncRecording(BaseAsyncDriver):
    """``Recording`` as coroutines."""

    def __init__(self) -> None:
        self.sync = Recording()
        self.closed = 0

    async def perform_send(self, effect: Send) -> Response:
        return self.sync.perform_send(effect)

    async def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        return self.sync.perform_open_stream(effect)

    async def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        return self.sync.perform_read_chunk(effect)

    async def perform_close_stream(self, effect: CloseStream) -> None:
        self.sync.perform_close_stream(effect)

    async def perform_sleep(self, effect: Sleep) -> None:
        self.sync.perform_sleep(effect)

    async def perform_get_time(self, effect: GetTime) -> float:
        return self.sync.perform_get_time(effect)

    async def aclose(self) -> None:
        self.closed += 1


def _what(driver: Recording, result: Any) -> Any:
    if isinstance(result, Response):
        return dict(result.headers)["X-Method"]
    if isinstance(result, OpenedStream):
        return result.handle
    if isinstance(result, bytes):
        return result.decode()
    if result is None:
        return driver.last
    return result


def test_every_effect_a_driver_performs_has_a_handler() -> None:
    performed = {
        cls
        for cls in vars(effects).values()
        if attrs.has(cls)
        and cls.__module__ == effects.__name__
        and cls not in (OpenedStream, Emit, EmitAll)
    }
    assert set(HANDLER_NAMES) == performed
    assert {type(effect) for effect in EVERY_EFFECT} == performed


@pytest.mark.parametrize("effect", EVERY_EFFECT, ids=lambda e: type(e).__name__)
def test_the_sync_dispatch_calls_the_method_for_the_effects_type(effect: Any) -> None:
    driver = Recording()
    expected = 42.0 if isinstance(effect, GetTime) else HANDLER_NAMES[type(effect)]
    assert _what(driver, driver.perform(effect)) == expected


@pytest.mark.parametrize("effect", EVERY_EFFECT, ids=lambda e: type(e).__name__)
def test_the_async_dispatch_calls_the_coroutine_for_the_effects_type(effect: Any) -> None:
    driver = AsyncRecording()
    result = asyncio.run(driver.perform(effect))
    expected = 42.0 if isinstance(effect, GetTime) else HANDLER_NAMES[type(effect)]
    assert _what(driver.sync, result) == expected


def test_a_subclass_override_is_the_one_called() -> None:
    class Later(Recording):
        def perform_get_time(self, effect: GetTime) -> float:
            return 7.0

    assert Later().perform(GetTime()) == 7.0
    assert Recording().perform(GetTime()) == 42.0


def test_an_unknown_effect_is_a_usage_error_naming_the_driver() -> None:
    with pytest.raises(CoviaUsageError, match="Recording cannot perform Emit"):
        Recording().perform(Emit(1))

    async def refused() -> None:
        await AsyncRecording().perform(Emit(1))

    with pytest.raises(CoviaUsageError, match="AsyncRecording cannot perform Emit"):
        asyncio.run(refused())


def test_a_driver_missing_a_method_cannot_be_made() -> None:
    class Half(BaseSyncDriver):
        def perform_send(self, effect: Send) -> Response:
            raise AssertionError

    with pytest.raises(TypeError, match="perform_get_time"):
        Half()  # type: ignore[abstract]


def test_the_base_classes_satisfy_the_protocols_and_close_as_context_managers() -> None:
    with Recording() as driver:
        assert isinstance(driver, SyncDriver)
        assert not isinstance(driver, AsyncDriver)
    assert driver.closed == 1

    async def main() -> AsyncRecording:
        async with AsyncRecording() as adriver:
            assert isinstance(adriver, AsyncDriver)
        return adriver

    assert asyncio.run(main()).closed == 1


def test_the_module_documents_every_effect() -> None:
    assert drivers.__doc__ is not None
    for effect in HANDLER_NAMES:
        assert f"``{effect.__name__}(" in drivers.__doc__
