"""Waiting for a venue that is still starting: its status polled until it says OK."""

from __future__ import annotations

from covia_proto.endpoints import status
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
)
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow, GetTime, Sleep
from covia_proto.flows.send import send
from covia_proto.models import VenueStatus

__all__ = ["wait_until_ready"]


def wait_until_ready(
    context: VenueContext, *, timeout: float | None = 60.0, poll_interval: float = 1.0
) -> Flow[VenueStatus]:
    """Poll ``GET /status`` until it answers with no ``status`` or ``"OK"``; a venue
    that cannot be reached, answers an HTTP error or times out is not ready yet.
    ``CoviaTimeoutError`` once ``timeout`` seconds have passed (None: no limit)."""
    for name, value in (("timeout", timeout), ("poll_interval", poll_interval)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise CoviaUsageError(f"{name} must be a number of seconds, not {value!r}")
    if not poll_interval > 0:
        raise CoviaUsageError(f"poll_interval must be more than 0, not {poll_interval!r}")
    start: float = yield GetTime()
    deadline = None if timeout is None else start + timeout
    last: CoviaError | None = None
    while True:
        try:
            call = status.get_status(context.endpoint)
            answer = yield from send(context, call, deadline=deadline)
        except (CoviaConnectionError, CoviaTimeoutError, GridError) as not_yet:
            last = not_yet
        else:
            if answer.status is None or answer.status.upper() == "OK":
                return answer
            last = None
        now: float = yield GetTime()
        if deadline is not None and now + poll_interval > deadline:
            where = context.endpoint.base_url
            message = f"venue {where} not ready within {timeout:g} s"
            raise CoviaTimeoutError(message + (f" (last: {last})" if last else "")) from last
        yield Sleep(poll_interval)
