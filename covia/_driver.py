"""The small protocol between the user API's shells and an I/O driver.

A driver performs a flow's effects (``covia_proto.flows.effects``) with its I/O library
and runtime, and turns that library's failures into the core's exceptions. It takes
the caller's own session when given one, and owns (and closes) one otherwise.

A driver passed to ``connect(driver=...)`` belongs to the caller: the SDK never closes
it (closing the venue leaves it open), so one driver may serve several venues.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from covia_proto.flows.effects import Effect

__all__ = ["AsyncDriver", "SyncDriver"]


@runtime_checkable
class SyncDriver(Protocol):
    def perform(self, effect: Effect) -> Any:
        """Carry out one effect and return its result (see the effects table)."""

    def close(self) -> None:
        """Release what the driver owns; a caller's session is left open."""


@runtime_checkable
class AsyncDriver(Protocol):
    async def perform(self, effect: Effect) -> Any:
        """Carry out one effect and return its result (see the effects table)."""

    async def aclose(self) -> None:
        """Release what the driver owns; a caller's session is left open."""
