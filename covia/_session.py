"""What a sync shell object holds: the flow context and the driver that runs flows."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any, TypeVar

from covia._driver import SyncDriver
from covia_proto.endpoints.call import Call
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.drive import Outcome, drive, drive_call, iterate
from covia_proto.flows.effects import CloseStream, Effect, Flow

__all__ = ["SyncSession"]

T = TypeVar("T")


class SyncSession:
    """Runs flows for one venue connection. Safe to share between threads: flows hold
    their own state, and the driver's connection pool is thread-safe."""

    def __init__(self, context: VenueContext, driver: SyncDriver, *, owns_driver: bool) -> None:
        self.context = context
        self.driver = driver
        self._owns_driver = owns_driver
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def _check_open(self) -> None:
        # As the async session does: a closed venue refuses work rather than quietly
        # opening new connections its owner believes are gone.
        if self._closed.is_set():
            raise CoviaUsageError("this venue connection is closed")

    def _perform(self, effect: Effect) -> Any:
        if not isinstance(effect, CloseStream):
            self._check_open()
        return self.driver.perform(effect)

    def run(self, flow: Flow[T]) -> T:
        return drive(flow, self._perform)

    def call(self, call: Call[T]) -> T:
        # Checked once, not per effect, as in the async session.
        self._check_open()
        return drive_call(self.context, call, self.driver.perform)

    def iterate(
        self, flow: Flow[Any], outcome: Outcome | None = None
    ) -> Generator[Any, None, None]:
        return iterate(flow, self._perform, outcome)

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            if self._owns_driver:
                self.driver.close()
