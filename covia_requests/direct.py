"""The urllib3 pools of the sync driver's own session, for exchanges sent past requests.

When the driver owns its session (``Grid.connect`` without ``session=``), nothing of
``requests`` is needed between the core and the wire: the core's URL is absolute and
percent-encoded, its headers are final and its body is bytes. ``DirectSender`` finds
the urllib3 pool of the session's own adapter for a URL, once per origin and TLS
setting, configured exactly as ``requests`` would configure it (its limits, its TLS
settings and the deadline sockets of ``.deadline``); ``.lean`` speaks on its
connections. Skipping ``HTTPAdapter.send`` (a ``PreparedRequest``, a ``Response`` with
a case-insensitive copy of the headers, the URL parsed again and the certificate
settings checked again on every call) was about a fifth of a call's time, measured by
``benchmarks/``. The session's ``close`` closes the pools.

``as_requests_error`` raises urllib3's failures as the ``requests`` exception
``HTTPAdapter.send`` would raise for them, so that the driver translates every path
with one function.
"""

from __future__ import annotations

import re
from typing import Final

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import SSLError as Urllib3SSLError

__all__ = ["DirectSender", "as_requests_error"]

_AUTHORITY_END: Final = re.compile(r"[/?#]")


class DirectSender:
    """Sends requests through ``adapter``'s urllib3 pools, without ``requests``."""

    __slots__ = ("_adapter", "_pools")

    def __init__(self, adapter: HTTPAdapter) -> None:
        self._adapter = adapter
        # (scheme://authority, TLS verification) -> the adapter's pool for it.
        self._pools: dict[tuple[str, bool | str], urllib3.HTTPConnectionPool] = {}

    def pool_for(self, url: str, verify: bool | str) -> urllib3.HTTPConnectionPool:
        """The adapter's pool for ``url``'s origin with TLS verification ``verify``."""
        try:
            # A CA bundle or certificate that is not there is an OSError, as requests
            # raises it: the caller's setting, not the network, is at fault.
            return self._pool(_origin(url), verify)
        except (LocationValueError, ValueError) as exc:
            raise requests.exceptions.InvalidURL(exc) from exc

    def _pool(self, origin: str, verify: bool | str) -> urllib3.HTTPConnectionPool:
        key = (origin, verify)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # None: closed (the adapter was closed)
            prepared = requests.PreparedRequest()
            prepared.url = origin + "/"
            adapter = self._adapter
            found = adapter.get_connection_with_tls_context(prepared, verify)
            assert isinstance(found, urllib3.HTTPConnectionPool)
            # What HTTPAdapter.send does before each request; done once per pool here.
            adapter.cert_verify(found, prepared.url, verify, None)  # type: ignore[no-untyped-call]
            self._pools[key] = pool = found
        return pool


def _origin(url: str) -> str:
    """``url``'s scheme and authority."""
    found = _AUTHORITY_END.search(url, url.find("//") + 2)
    return url[: found.start()] if found is not None else url


def as_requests_error(exc: BaseException) -> BaseException:
    """The exception ``HTTPAdapter.send`` raises for urllib3's ``exc``."""
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return requests.ConnectTimeout(exc)
        if isinstance(reason, ResponseError):
            return requests.exceptions.RetryError(exc)
        if isinstance(reason, Urllib3ProxyError):
            return requests.exceptions.ProxyError(exc)
        if isinstance(reason, Urllib3SSLError):
            return requests.exceptions.SSLError(exc)
        return requests.ConnectionError(exc)
    if isinstance(exc, ProtocolError | OSError | ClosedPoolError):
        return requests.ConnectionError(exc)
    if isinstance(exc, Urllib3ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(exc, Urllib3SSLError):
        return requests.exceptions.SSLError(exc)
    if isinstance(exc, ReadTimeoutError):
        return requests.ReadTimeout(exc)
    return exc
