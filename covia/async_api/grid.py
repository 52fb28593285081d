"""``AsyncGrid.connect``: the entry point of the async API.

Nothing here imports an I/O library: the default driver (aiohttp's) is imported only
when ``connect`` is awaited without a ``driver=``, so a trio application that passes
its own driver never imports aiohttp or asyncio.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from covia._connect import connection_context, relocated
from covia._driver import AsyncDriver
from covia.async_api._session import AsyncSession
from covia.async_api.venue import AsyncVenue
from covia_proto.address import VenueAddress
from covia_proto.auth import Auth
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import PollPolicy, RetryPolicy, VenueContext
from covia_proto.flows.discovery import locate_did_web
from covia_proto.flows.runner import drive_async
from covia_proto.limits import Limits

if TYPE_CHECKING:
    import ssl

    import aiohttp

__all__ = ["AsyncGrid", "AsyncVenueConnection"]


class AsyncVenueConnection:
    """What ``AsyncGrid.connect`` (and ``covia_trio.TrioGrid.connect``) returns:
    ``await`` it for an ``AsyncVenue`` (close it yourself), or use it as ``async with
    AsyncGrid.connect(...) as venue:`` (closed on exit). Connecting — making the driver,
    and resolving a did:web, which needs a request — happens then, not when ``connect``
    is called. Use it once.

    ``make_driver`` makes the transport; the venue owns (and closes) what it makes
    when ``owns_driver``, and leaves a driver the caller handed in open.
    """

    def __init__(
        self,
        address: str,
        where: VenueAddress,
        context: VenueContext,
        make_driver: Callable[[], AsyncDriver],
        *,
        owns_driver: bool,
    ) -> None:
        self._address = address
        self._where = where
        self._context = context
        self._make_driver = make_driver
        self._owns_driver = owns_driver
        self._used = False
        self._venue: AsyncVenue | None = None

    @classmethod
    def over(
        cls,
        address: str,
        where: VenueAddress,
        context: VenueContext,
        driver: AsyncDriver,
        **unused_options: object,
    ) -> AsyncVenueConnection:
        """A connection over a driver the caller made (and keeps): options meant for a
        driver the SDK would make are refused rather than silently ignored."""
        given = [name for name, value in unused_options.items() if value is not None]
        if given:
            raise CoviaUsageError(f"{', '.join(given)}: configure your driver instead")
        return cls(address, where, context, lambda: driver, owns_driver=False)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._address}>"

    async def _open(self) -> AsyncVenue:
        if self._used:
            raise CoviaUsageError("this connection was used already: call connect(...) again")
        self._used = True
        driver = self._make_driver()
        context = self._context
        try:
            if self._where.did is not None:
                located = await drive_async(
                    locate_did_web(context, self._where.did), driver.perform
                )
                context = relocated(context, located.base_url)
        except BaseException:
            if self._owns_driver:
                await driver.aclose()
            raise
        session = AsyncSession(context, driver, owns_driver=self._owns_driver)
        return AsyncVenue(session, address=self._address)

    def __await__(self) -> Generator[Any, None, AsyncVenue]:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncVenue:
        self._venue = await self._open()
        return self._venue

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._venue is not None:
            await self._venue.aclose()


class AsyncGrid:
    """The Covia grid, async: ``AsyncGrid.connect(url_or_did)`` opens an ``AsyncVenue``."""

    @staticmethod
    def connect(
        address: str,
        *,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        auth: Auth | None = None,
        session: aiohttp.ClientSession | None = None,
        verify: bool | str | ssl.SSLContext | None = None,
        driver: AsyncDriver | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        limit: int | None = None,
        limits: Limits | None = None,
        verify_asset_ids: bool = True,
    ) -> AsyncVenueConnection:
        """Connect to a venue by URL (``https://…``) or DID (``did:web:…``)::

            async with AsyncGrid.connect(url) as venue: ...
            venue = await AsyncGrid.connect(url)  # then: await venue.close()

        ``timeout`` bounds connecting and each wait for data (seconds); ``headers`` are
        sent with every request; ``auth`` adds credentials (default ``NoAuth``).
        ``session`` is your own ``aiohttp.ClientSession`` (left open on close);
        ``verify`` sets TLS verification (on unless ``False``; a CA bundle path or an
        ``ssl.SSLContext``); ``limit`` caps the open connections of the SDK's own session
        (default 100). ``driver`` replaces the transport altogether (a trio driver, an
        in-memory venue); ``retry`` and ``poll`` tune retries and job polling;
        ``limits`` bounds what the venue may make the SDK hold (``covia.Limits``);
        ``verify_asset_ids`` (on by default) checks asset metadata against its id when it
        is read or registered (``AssetIdMismatchError``); turn it off to save the hashing.

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
        )
        if driver is not None:
            if not isinstance(driver, AsyncDriver):
                raise CoviaUsageError(f"driver must be an async driver, not {driver!r}")
            return AsyncVenueConnection.over(
                address, where, context, driver, session=session, verify=verify, limit=limit
            )
        if session is not None and limit is not None:
            raise CoviaUsageError("limit applies to the SDK's own session: set it on yours")

        def make_aiohttp_driver() -> AsyncDriver:
            from covia_aiohttp import AiohttpDriver  # imported only when it is used

            return AiohttpDriver(
                session,
                timeout=timeout,
                verify=verify,
                limit=limit,
                max_header_size=context.limits.max_header_size,
            )

        return AsyncVenueConnection(address, where, context, make_aiohttp_driver, owns_driver=True)
