"""Exchanges sent straight to urllib3, for the sync driver's own session.

When the driver owns its session (``Grid.connect`` without ``session=``), nothing of
``requests`` is needed between the core and the wire: the core's URL is absolute and
percent-encoded, its headers are final and its body is bytes. ``DirectSender`` hands
such a request to the urllib3 pool of the session's own adapter, and gives back
urllib3's response as it is. Skipping ``HTTPAdapter.send`` (a ``PreparedRequest``, a
``Response`` with a case-insensitive copy of the headers, the URL parsed again and the
certificate settings checked again on every call) was about a fifth of a call's time,
measured by ``benchmarks/``.

Everything else stays the adapter's: its pools (so its limits, its TLS settings and the
deadline sockets of ``.deadline``), and the session's ``close``. Pools are found once
per origin and TLS setting through the adapter, so they are configured exactly as
``requests`` would configure them. Failures are raised as the ``requests`` exception
``HTTPAdapter.send`` would raise for them, so that the driver translates both paths
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
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import SSLError as Urllib3SSLError

__all__ = ["DirectSender", "as_requests_error"]

# As HTTPAdapter's default: no retry by urllib3 (the core's flows decide about retries).
_NO_RETRIES: Final = urllib3.Retry(0, read=False)

_AUTHORITY_END: Final = re.compile(r"[/?#]")


class DirectSender:
    """Sends requests through ``adapter``'s urllib3 pools, without ``requests``."""

    __slots__ = ("_adapter", "_pools", "_timeout")

    def __init__(self, adapter: HTTPAdapter) -> None:
        self._adapter = adapter
        # (scheme://authority, TLS verification) -> the adapter's pool for it.
        self._pools: dict[tuple[str, bool | str], urllib3.HTTPConnectionPool] = {}
        # The last timeout made: most calls have the driver's own, and urllib3 checks
        # each value it is made with.
        self._timeout = urllib3.Timeout(connect=30.0, read=30.0)

    def urlopen(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        *,
        timeout: float,
        verify: bool | str,
    ) -> urllib3.BaseHTTPResponse:
        """Send the request and return once the head of its answer has arrived: the body
        is left to read (``read1``); the caller closes the response."""
        target = _split(url)[1]
        pool = self.pool_for(url, verify)
        try:
            return pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=_NO_RETRIES,
                timeout=self._timeout_of(timeout),
                chunked=False,
            )
        except (LocationValueError, ValueError) as exc:
            raise requests.exceptions.InvalidURL(exc) from exc
        except (MaxRetryError, ClosedPoolError, Urllib3HTTPError, OSError) as exc:
            error = as_requests_error(exc)
            if error is exc:
                raise
            raise error from exc

    def pool_for(self, url: str, verify: bool | str) -> urllib3.HTTPConnectionPool:
        """The adapter's pool for ``url``'s origin with TLS verification ``verify``."""
        try:
            # A CA bundle or certificate that is not there is an OSError, as requests
            # raises it: the caller's setting, not the network, is at fault.
            return self._pool(_split(url)[0], verify)
        except (LocationValueError, ValueError) as exc:
            raise requests.exceptions.InvalidURL(exc) from exc

    def _timeout_of(self, seconds: float) -> urllib3.Timeout:
        timeout = self._timeout
        if timeout.connect_timeout != seconds or timeout.read_timeout != seconds:
            timeout = self._timeout = urllib3.Timeout(connect=seconds, read=seconds)
        return timeout

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


def _split(url: str) -> tuple[str, str]:
    """``url`` as its origin (scheme://authority) and its target (path and query)."""
    found = _AUTHORITY_END.search(url, url.find("//") + 2)
    split = found.start() if found is not None else len(url)
    origin, target = url[:split], url[split:].partition("#")[0]
    return origin, target if target.startswith("/") else "/" + target


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
