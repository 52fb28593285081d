"""A request paired with the parser for its response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from covia_proto.errors import RequestInfo
from covia_proto.http import Request, Response
from covia_proto.limits import DEFAULT_LIMITS, Limits, applied_limits, limits_in_force

__all__ = ["Call"]

T = TypeVar("T")


@attrs.frozen
class Call(Generic[T]):
    """What one endpoint function returns: the request to send, and how to read the
    answer. ``call.parse(response)`` gives the model or raises the right error."""

    request: Request
    parser: Callable[[Response, RequestInfo], T] = attrs.field(repr=False)

    def parse(self, response: Response, limits: Limits = DEFAULT_LIMITS) -> T:
        """Parse ``response``, holding the venue to ``limits`` (JSON depth, the event
        stream of a JSON-RPC answer): they are in force while the parser runs."""
        if limits_in_force() is limits:  # the common case: nothing to install
            return self.parser(response, self.request.info)
        with applied_limits(limits):
            return self.parser(response, self.request.info)
