"""``TrioGrid.connect``: ``AsyncGrid.connect`` with the trio driver's own options.

``AsyncGrid.connect`` already runs on the trio driver under trio; ``TrioGrid`` is kept
for trio programs that configure the driver from the entry point (``ssl_context=``,
``stream_factory=``, ``max_connections=``, ``max_idle=``) and for code written against
it. The venue it opens is the shared ``AsyncVenue``. It lives with the user API, not in
``covia_trio``, so that the driver package depends on the core alone;
``from covia_trio import TrioGrid`` still works (``covia_trio.__getattr__``).

Importing this module imports trio (through ``covia_trio``), never asyncio or aiohttp.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

from covia._connect import connection_context
from covia.async_api.grid import AsyncVenueConnection
from covia_proto.auth import Auth
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import DEFAULT_CALL_TIMEOUT, PollPolicy, RetryPolicy
from covia_proto.limits import Limits
from covia_trio.connection import StreamFactory
from covia_trio.driver import DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_IDLE, TrioDriver

__all__ = ["TrioGrid", "TrioVenueConnection", "make_trio_driver"]


TrioVenueConnection = AsyncVenueConnection
"""What ``TrioGrid.connect`` returns: the shared async connection object."""


class TrioGrid:
    """The Covia grid for trio: ``TrioGrid.connect(url_or_did)`` opens an ``AsyncVenue``."""

    @staticmethod
    def connect(
        address: str,
        *,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        auth: Auth | None = None,
        verify: bool | str | ssl.SSLContext | None = None,
        driver: TrioDriver | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        ssl_context: ssl.SSLContext | None = None,
        stream_factory: StreamFactory | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_idle: float = DEFAULT_MAX_IDLE,
        limits: Limits | None = None,
        verify_asset_ids: bool = True,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
    ) -> AsyncVenueConnection:
        """Connect to a venue by URL (``https://…``) or DID (``did:web:…``)::

            async with TrioGrid.connect(url) as venue:
                result = await venue.run("v/test/ops/echo", {"x": 1})

        As ``AsyncGrid.connect``: ``timeout`` bounds connecting and each wait for data
        (seconds), ``call_timeout`` each call as a whole (default 300 s), ``headers``
        go with every request, ``auth`` adds credentials,
        ``verify`` sets TLS verification (on unless ``False``; a CA bundle path or an
        ``ssl.SSLContext``), ``retry`` and ``poll`` tune retries and job polling,
        ``limits`` bounds what the venue may make the SDK hold (``covia.Limits``; its
        ``max_header_size`` goes to the driver made here), ``verify_asset_ids`` (on by
        default) checks asset metadata against its id when it is read or registered.

        For trio: ``ssl_context`` is the context to verify with (the same as
        ``verify=context``); ``stream_factory(host, port, scheme)`` opens the streams
        (a Unix socket, an in-memory pair); ``max_connections`` caps the open
        connections, ``max_idle`` how long (seconds) an idle one is kept for reuse.
        ``driver`` is a ready ``TrioDriver`` instead (left open on close).

        Arguments are checked at once (``CoviaUsageError``); nothing is sent until the
        result is awaited or entered.
        """
        where, context = connection_context(
            address,
            timeout=timeout,
            headers=headers,
            auth=auth,
            retry=retry,
            poll=poll,
            limits=limits,
            verify_asset_ids=verify_asset_ids,
            call_timeout=call_timeout,
        )
        if driver is not None:
            if not isinstance(driver, TrioDriver):
                raise CoviaUsageError(f"driver must be a covia_trio.TrioDriver, not {driver!r}")
            return AsyncVenueConnection.over(
                address,
                where,
                context,
                driver,
                verify=verify,
                ssl_context=ssl_context,
                stream_factory=stream_factory,
                max_connections=None
                if max_connections == DEFAULT_MAX_CONNECTIONS
                else max_connections,
                max_idle=None if max_idle == DEFAULT_MAX_IDLE else max_idle,
            )
        # Made now, so its options are checked now; it holds nothing until first used.
        made = make_trio_driver(
            timeout=timeout,
            verify=verify,
            ssl_context=ssl_context,
            stream_factory=stream_factory,
            max_connections=max_connections,
            max_idle=max_idle,
            max_header_size=context.limits.max_header_size,
        )
        return AsyncVenueConnection(address, where, context, lambda: made, owns_driver=True)


def make_trio_driver(
    *,
    timeout: float,
    verify: bool | str | ssl.SSLContext | None,
    max_header_size: int,
    ssl_context: ssl.SSLContext | None = None,
    stream_factory: StreamFactory | None = None,
    max_connections: int | None = None,
    max_idle: float = DEFAULT_MAX_IDLE,
) -> TrioDriver:
    """The ``TrioDriver`` a connection makes for itself (``TrioGrid.connect``, and
    ``AsyncGrid.connect`` under trio); ``max_connections`` None means the default."""
    return TrioDriver(
        stream_factory=stream_factory,
        ssl_context=_ssl_context(verify, ssl_context),
        max_connections=DEFAULT_MAX_CONNECTIONS if max_connections is None else max_connections,
        timeout=timeout,
        max_idle=max_idle,
        max_header_size=max_header_size,
    )


def _ssl_context(
    verify: bool | str | ssl.SSLContext | None, ssl_context: ssl.SSLContext | None
) -> ssl.SSLContext | None:
    """The TLS context ``verify`` and ``ssl_context`` ask for (None: the default)."""
    if ssl_context is not None:
        if verify is not None:
            raise CoviaUsageError("give verify or ssl_context, not both")
        return ssl_context
    if verify is None or verify is True:
        return None
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise CoviaUsageError(f"cannot load CA bundle {verify!r}: {exc}") from None
    raise CoviaUsageError(f"verify must be a bool, a CA bundle path or an SSLContext: {verify!r}")
