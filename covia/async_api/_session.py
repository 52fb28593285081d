"""What a shell object holds (async): the flow context and the driver that runs flows."""

# unasync: async-only
# The sync session, covia/_session.py, is generated from this file: after changing it,
# run `python tools/unasync.py`.
#
# Runtime-neutral: nothing here imports asyncio or trio, so the same shell serves every
# async driver (``covia_aiohttp``, ``covia_trio``, an in-memory one).
# unasync: end

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeVar

from covia._driver import AsyncDriver
from covia_proto.endpoints.call import Call
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.drive import Outcome, aiterate, drive_async, drive_call_async
from covia_proto.flows.effects import CloseStream, Effect, Flow

__all__ = ["AsyncSession"]

T = TypeVar("T")


class AsyncSession:
    """Runs flows for one venue connection. Any number of flows may run at once, in
    tasks or threads (each holds its own state); the driver bounds the connections
    they share."""

    def __init__(self, context: VenueContext, driver: AsyncDriver, *, owns_driver: bool) -> None:
        self.context = context
        self.driver = driver
        self._owns_driver = owns_driver
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        # A closed venue refuses work rather than quietly opening new connections its
        # owner believes are gone.
        if self._closed:
            raise CoviaUsageError("this venue connection is closed")

    async def _perform(self, effect: Effect) -> Any:
        if not isinstance(effect, CloseStream):
            self._check_open()
        return await self.driver.perform(effect)

    async def run(self, flow: Flow[T]) -> T:
        """Run ``flow`` to its end and return its value."""
        return await drive_async(flow, self._perform)

    async def call(self, call: Call[T]) -> T:
        """Send one call (with the connection's retries) and return its parsed answer."""
        # Checked once, not per effect: a call is one exchange (retries aside), and
        # going straight to the driver spares a wrapper per effect.
        self._check_open()
        return await drive_call_async(self.context, call, self.driver.perform)

    def iterate(self, flow: Flow[Any], outcome: Outcome | None = None) -> AsyncGenerator[Any, None]:
        """The items ``flow`` emits; close the generator (``aclose``) to stop early."""
        return aiterate(flow, self._perform, outcome)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            if self._owns_driver:
                await self.driver.aclose()
