"""A request paired with the parser for its response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from covia_proto.errors import RequestInfo
from covia_proto.http import Request, Response

__all__ = ["Call"]

T = TypeVar("T")


@attrs.frozen
class Call(Generic[T]):
    """What one endpoint function returns: the request to send, and how to read the
    answer. ``call.parse(response)`` gives the model or raises the right error."""

    request: Request
    parser: Callable[[Response, RequestInfo], T] = attrs.field(repr=False)

    def parse(self, response: Response) -> T:
        return self.parser(response, self.request.info)
