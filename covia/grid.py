"""``Grid.connect``: the entry point of the sync API."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from covia._connect import connection_context, relocated
from covia._driver import SyncDriver
from covia._hashing import PipelinedSha256
from covia._optional import require
from covia._session import SyncSession
from covia.venue import Venue
from covia_proto.auth import Auth
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.caller_identity import bind_auth
from covia_proto.flows.context import DEFAULT_CALL_TIMEOUT, PollPolicy, RetryPolicy
from covia_proto.flows.did_resolution import locate_did_web
from covia_proto.flows.drive import drive
from covia_proto.limits import Limits

if TYPE_CHECKING:
    import requests

__all__ = ["Grid"]


class Grid:
    """The Covia grid: ``Grid.connect(url_or_did)`` opens a ``Venue``."""

    @staticmethod
    def connect(
        address: str,
        *,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        auth: Auth | None = None,
        session: requests.Session | None = None,
        verify: bool | str | None = None,
        driver: SyncDriver | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        limits: Limits | None = None,
        verify_asset_ids: bool = True,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
    ) -> Venue:
        """Connect to a venue by URL (``https://…``) or DID (``did:web:…``).

        ``timeout`` bounds connecting and each wait for data (seconds); ``call_timeout``
        bounds each call as a whole, retries included (seconds, default 300; None for no
        bound; a job wait or ``run`` has its own ``timeout`` instead, and a content
        transfer is bounded per wait only). Past either, ``CoviaTimeoutError``. With your
        own ``session``, a venue that dribbles the head of an answer is bounded per wait
        only (the SDK's session bounds it too). ``headers`` are
        sent with every request; ``auth`` adds credentials (default ``NoAuth``).
        ``session`` is your own ``requests.Session`` (left open on close); ``verify``
        sets TLS verification (on unless you say ``False``, or a CA bundle path).
        ``driver`` replaces the transport altogether (e.g. an in-memory venue); like a
        ``session``, a driver passed in is yours: closing the venue leaves it open, and
        closing it is up to you.
        ``retry`` and ``poll`` tune retries of transient failures and job polling
        (``RetryPolicy`` and ``PollPolicy`` from ``covia_proto.flows.context``).
        ``limits`` bounds what the venue may make the SDK hold (``covia.Limits``: body,
        event line and event sizes, JSON depth, and the size of a response head, except
        through a proxy or a ``session`` of yours, where http.client's own fixed bounds
        apply).
        ``verify_asset_ids`` (on by default) checks asset metadata against its id when it
        is read or registered (``AssetIdMismatchError``); turn it off to save the hashing.
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
        # A sync download reads in the caller's thread: its SHA-256 is made in a second
        # one meanwhile (issue #20; the async shells hash inline, see covia/_hashing.py).
        context = attrs.evolve(context, hasher=PipelinedSha256)
        owns_driver = driver is None
        if driver is not None:
            # As AsyncGrid does: a wrong kind of driver, or options meant for a driver
            # the SDK would make, are refused here rather than failing (or being
            # ignored) later.
            if not isinstance(driver, SyncDriver) or inspect.iscoroutinefunction(driver.perform):
                raise CoviaUsageError(f"driver must be a sync driver, not {driver!r}")
            given = [
                name
                for name, value in (("session", session), ("verify", verify))
                if value is not None
            ]
            if given:
                raise CoviaUsageError(f"{', '.join(given)}: configure your driver instead")
        else:
            require("requests", extra="requests", needed_by="Grid.connect without driver=")
            from covia_requests import RequestsDriver  # imported only when it is used

            driver = RequestsDriver(
                session,
                timeout=timeout,
                verify=verify,
                max_header_size=context.limits.max_header_size,
            )
        try:
            if where.did is not None:
                location = drive(locate_did_web(context, where.did), driver.perform)
                context = relocated(context, location.base_url)
            context = drive(bind_auth(context), driver.perform)
        except BaseException:
            if owns_driver:
                driver.close()
            raise
        return Venue(SyncSession(context, driver, owns_driver=owns_driver), address=address)
