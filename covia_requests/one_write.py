"""A request's head and its body in one write, for the SDK's own connections.

``http.client`` (under urllib3) writes a request's head and then its body: two system
calls, and on the wire two segments, where most of the SDK's bodies (an invoke's input,
a registration) are a few hundred bytes. Profiles of ``run()`` against the benchmarks'
server put the second write among the costliest calls of the whole exchange.
``OneWrite`` holds the head back for such a request and writes it with the body.

Only a body of bytes no longer than ``MAX_BODY``, on a connection already open: the
first request of a connection may connect (and, through a proxy, tunnel) inside the
same call, and those writes are never held.
"""

from __future__ import annotations

from typing import Any, Final

from urllib3.connection import HTTPConnection

__all__ = ["MAX_BODY", "OneWrite"]

MAX_BODY: Final = 64 * 1024
"""The largest body sent in one write with its head: past it, a copy of the body costs
more than the write it saves."""


class OneWrite(HTTPConnection):
    """An ``HTTPConnection`` that writes a small request's head and body together."""

    _held: bytes | None = None  # the head, written with the next write
    _holding = False  # within a request whose head is to be held

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any
    ) -> None:
        self._holding = type(body) is bytes and 0 < len(body) <= MAX_BODY and self.sock is not None
        try:
            super().request(method, url, body, headers, **kwargs)
        except BaseException:
            self._held = None  # a request that failed sends no half of itself later
            raise
        finally:
            self._holding = False
        held, self._held = self._held, None
        if held is not None:  # no body was written after all
            super().send(held)

    def send(self, data: Any) -> None:
        if self._holding:
            if self._held is None:
                self._held = bytes(data)  # the head: http.client writes it in one piece
                return
            data, self._held, self._holding = self._held + bytes(data), None, False
        super().send(data)
