"""A deadline for the whole of an exchange over ``requests``, down to each read.

Socket timeouts bound one wait, and ``http.client`` reads a response head in a loop of
such waits (each status and header line, and every interim ``100 Continue`` it skips):
a venue that sends a byte within each wait could hold an exchange for ever. The
adapter here makes connections whose socket re-arms its timeout before every read to
the time left before the current exchange's deadline, so no read outlives it.

The deadline is per thread (``exchange_deadline``): a thread performs one exchange at a
time, and a connection is used by one thread at a time. Reads outside an exchange (an
event stream read chunk by chunk) see no deadline and keep the timeout the driver set.
Only the SDK's own session mounts ``DeadlineAdapter``; a caller's session is used as it
is, so its heads are bounded per wait only (the driver bounds the body itself).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any, Final

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from covia_requests.one_write import OneWrite

__all__ = ["DeadlineAdapter", "exchange_deadline", "rearm"]


class _Current(threading.local):
    # (seconds each wait may take, absolute time.monotonic() deadline), or None.
    bound: tuple[float, float] | None = None


_current: Final = _Current()


@contextlib.contextmanager
def exchange_deadline(per_wait: float, deadline: float | None) -> Iterator[None]:
    """Hold every read of this thread's sockets to ``deadline`` (monotonic seconds;
    None: no deadline) while the block runs, each read also to ``per_wait``."""
    if deadline is None:
        yield
        return
    previous = _current.bound
    _current.bound = (per_wait, deadline)
    try:
        yield
    finally:
        _current.bound = previous


def rearm(sock: socket.socket) -> None:
    """Set ``sock``'s timeout to what the thread's current exchange has left, if it
    has a deadline; past it, ``TimeoutError``."""
    bound = _current.bound
    if bound is None:
        return
    per_wait, deadline = bound
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the exchange's deadline passed")
    sock.settimeout(min(per_wait, left))


class _DeadlineSocket(socket.socket):
    __slots__ = ()

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        rearm(self)
        return super().recv_into(buffer, nbytes, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        rearm(self)
        return super().recv_into(buffer, nbytes, flags)


def _arm(connection: HTTPConnection) -> None:
    # The socket's class is swapped in place rather than the socket wrapped: urllib3
    # and http.client keep using the object they made. Other kinds (a TLS-in-TLS
    # proxy tunnel) are left as they are: bounded per wait only.
    sock = connection.sock
    if type(sock) is socket.socket:
        sock.__class__ = _DeadlineSocket
    elif type(sock) is ssl.SSLSocket:
        sock.__class__ = _DeadlineSSLSocket


# The SDK's own connections also write a small request whole (see .one_write).
class _HTTPConnection(OneWrite):
    def connect(self) -> None:
        super().connect()
        _arm(self)


class _HTTPSConnection(OneWrite, HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _arm(self)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS: Final = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections honour ``exchange_deadline``, proxied ones
    included."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if manager.pool_classes_by_scheme.get("http") is HTTPConnectionPool:  # not SOCKS
            manager.pool_classes_by_scheme = _POOLS
        return manager
