"""``AsyncGrid.connect``: the entry point of the async API, under asyncio and trio.

Nothing here imports an I/O library or an event loop. Without a ``driver=``, the
connection finds out at first use (``await``, ``async with``, or the first call) which
library runs it and imports that one's driver only then: aiohttp's under asyncio, the
SDK's own h11 client (``covia_trio``) under trio. A trio program never imports aiohttp
or asyncio; an asyncio one never imports trio.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from contextlib import aclosing
from types import TracebackType
from typing import TYPE_CHECKING, Any

from covia._connect import connection_context, relocated
from covia.async_api._runtime import running_library
from covia.async_api._session import AsyncSession
from covia.async_api.venue import AsyncVenue
from covia_proto.address import VenueAddress
from covia_proto.auth import Auth
from covia_proto.drivers import AsyncDriver
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.caller_identity import bind_auth
from covia_proto.flows.context import DEFAULT_CALL_TIMEOUT, PollPolicy, RetryPolicy, VenueContext
from covia_proto.flows.did_resolution import locate_did_web
from covia_proto.flows.drive import drive_async
from covia_proto.limits import Limits
from covia_proto.optional import require

if TYPE_CHECKING:
    import ssl

    import aiohttp

__all__ = ["AsyncGrid", "AsyncVenueConnection"]


class AsyncVenueConnection:
    """What ``AsyncGrid.connect`` (and ``covia_trio.TrioGrid.connect``) returns:
    ``await`` it for an ``AsyncVenue`` (close it yourself), or use it as ``async with
    AsyncGrid.connect(...) as venue:`` (closed on exit). Connecting — making the driver,
    and resolving a did:web, which needs a request — happens then, not when ``connect``
    is called. Await or enter it once.

    Code written for the official SDK, whose ``AsyncGrid.connect`` returns the venue
    itself, works too: ``venue = AsyncGrid.connect(url)`` then ``await venue.status()``
    connects on the first awaited call, and every ``AsyncVenue`` method is there
    (``base_url``/``url`` without I/O for a URL; other properties once connected). Close
    it with ``await venue.close()``.

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
        self._closed = False
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
        return await self._connected()

    async def _connected(self) -> AsyncVenue:
        """The venue, connected on first use; the same one after that."""
        if self._closed:
            raise CoviaUsageError("this venue connection is closed: call connect(...) again")
        if self._venue is None:
            venue = await self._connect()
            if self._venue is None:
                self._venue = venue
            else:  # another task connected while this one resolved the DID
                await venue.aclose()
        return self._venue

    async def _connect(self) -> AsyncVenue:
        driver = self._make_driver()
        context = self._context
        try:
            if self._where.did is not None:
                located = await drive_async(
                    locate_did_web(context, self._where.did), driver.perform
                )
                context = relocated(context, located.base_url)
            context = await drive_async(bind_auth(context), driver.perform)
        except BaseException:
            if self._owns_driver:
                await driver.aclose()
            raise
        session = AsyncSession(context, driver, owns_driver=self._owns_driver)
        return AsyncVenue(session, address=self._address)

    def __await__(self) -> Generator[Any, None, AsyncVenue]:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncVenue:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the venue if it was connected (a driver or session passed to
        ``connect`` stays open: it is the caller's to close)."""
        self._closed = True
        if self._venue is not None:
            await self._venue.aclose()

    async def aclose(self) -> None:
        """The same as ``close`` (for ``contextlib.aclosing``)."""
        await self.close()

    @property
    def base_url(self) -> str:
        """The venue's base URL; for a DID, known once connected."""
        if self._venue is not None:
            return self._venue.base_url
        if self._where.did is not None:
            raise _needs_connecting("base_url")
        return self._context.endpoint.base_url

    @property
    def url(self) -> str:
        """The official SDK's name for ``base_url``."""
        return self.base_url

    @property
    def address(self) -> str:
        """The URL or DID given to ``connect``."""
        return self._address

    def __getattr__(self, name: str) -> Any:
        # Only for names the class lacks: the venue's methods, connected on first use.
        member = None if name.startswith("_") else getattr(AsyncVenue, name, None)
        if member is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        if inspect.iscoroutinefunction(member):

            async def call_when_connected(*args: Any, **kwargs: Any) -> Any:
                venue = await self._connected()
                return await getattr(venue, name)(*args, **kwargs)

            return functools.update_wrapper(call_when_connected, member)
        if inspect.isasyncgenfunction(member):

            async def iterate_when_connected(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                venue = await self._connected()
                async with aclosing(getattr(venue, name)(*args, **kwargs)) as items:
                    async for item in items:
                        yield item

            return functools.update_wrapper(iterate_when_connected, member)
        if self._venue is not None:
            return getattr(self._venue, name)
        raise _needs_connecting(name)


def _needs_connecting(name: str) -> AttributeError:
    return AttributeError(
        f"{name!r} needs a connected venue: await a call first (await venue.status()), "
        "or write `venue = await AsyncGrid.connect(...)` / "
        "`async with AsyncGrid.connect(...) as venue:`"
    )


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
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
    ) -> AsyncVenueConnection:
        """Connect to a venue by URL (``https://…``) or DID (``did:web:…``)::

            async with AsyncGrid.connect(url) as venue: ...
            venue = await AsyncGrid.connect(url)  # then: await venue.close()

        ``timeout`` bounds connecting and each wait for data (seconds); ``call_timeout``
        bounds each call as a whole, retries included (seconds, default 300; None for no
        bound; a job wait or ``run`` has its own ``timeout`` instead, and a content
        transfer is bounded per wait only). Past either, ``CoviaTimeoutError``. ``headers`` are
        sent with every request; ``auth`` adds credentials (default ``NoAuth``).
        The transport is chosen when the connection is first used: aiohttp under
        asyncio, the SDK's trio driver under trio (``covia_trio``; ``TrioGrid.connect``
        takes its own options). ``session`` is your own ``aiohttp.ClientSession``
        (asyncio only; left open on close); ``verify`` sets TLS verification (on unless
        ``False``; a CA bundle path or an ``ssl.SSLContext``); ``limit`` caps the open
        connections of the SDK's own driver (default 100). ``driver`` replaces the
        transport altogether (any ``covia_proto.drivers.AsyncDriver``: an in-memory
        venue, your own) and, like a ``session``, stays yours: closing the venue leaves
        it open, and closing it is up to you; ``retry`` and ``poll`` tune retries and job polling;
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
            call_timeout=call_timeout,
        )
        if driver is not None:
            if not isinstance(driver, AsyncDriver):
                raise CoviaUsageError(f"driver must be an async driver, not {driver!r}")
            return AsyncVenueConnection.over(
                address, where, context, driver, session=session, verify=verify, limit=limit
            )
        if session is not None and limit is not None:
            raise CoviaUsageError("limit applies to the SDK's own session: set it on yours")

        def make_driver() -> AsyncDriver:
            return _default_driver(
                session=session,
                timeout=timeout,
                verify=verify,
                limit=limit,
                max_header_size=context.limits.max_header_size,
            )

        return AsyncVenueConnection(address, where, context, make_driver, owns_driver=True)


def _default_driver(
    *,
    session: aiohttp.ClientSession | None,
    timeout: float,
    verify: bool | str | ssl.SSLContext | None,
    limit: int | None,
    max_header_size: int,
) -> AsyncDriver:
    """The driver for the async library running now (called at first use, in the task
    that connects): trio's under trio, aiohttp's under asyncio. Each is imported only
    then, so a trio program never loads aiohttp, nor an asyncio one trio."""
    if running_library() == "trio":
        if session is not None:
            raise CoviaUsageError(
                "session is an aiohttp.ClientSession, which needs asyncio: under trio, "
                "leave it out or pass driver=covia_trio.TrioDriver(...)"
            )
        require("trio", extra="trio", needed_by="AsyncGrid.connect under trio")
        from covia.async_api.trio_grid import make_trio_driver  # imported only when used

        return make_trio_driver(
            timeout=timeout, verify=verify, max_header_size=max_header_size, max_connections=limit
        )
    require("aiohttp", extra="aiohttp", needed_by="AsyncGrid.connect without driver=")
    from covia_aiohttp import AiohttpDriver  # imported only when it is used

    return AiohttpDriver(
        session, timeout=timeout, verify=verify, limit=limit, max_header_size=max_header_size
    )
