"""What ``Grid.connect`` and ``AsyncGrid.connect`` share: reading their arguments into
an address and a flow context."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from typing import Final

import attrs

from covia_proto.address import VenueAddress, parse_venue_address
from covia_proto.auth import Auth, NoAuth
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import (
    DEFAULT_CALL_TIMEOUT,
    PollPolicy,
    RetryPolicy,
    VenueContext,
)
from covia_proto.http import make_headers
from covia_proto.limits import DEFAULT_LIMITS, Limits

__all__ = ["connection_context", "relocated"]

# The documentation promises DEBUG records for connections: which venue, where.
_log: Final = logging.getLogger("covia.connect")


def connection_context(
    address: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None,
    auth: Auth | None,
    retry: RetryPolicy | None,
    poll: PollPolicy | None,
    limits: Limits | None = None,
    verify_asset_ids: bool = True,
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
) -> tuple[VenueAddress, VenueContext]:
    """The parsed address and the context for flows on it (for a did:web, the context
    of the DID's host, until ``relocated`` to where its document says the API is)."""
    if not isinstance(address, str):
        raise CoviaUsageError(f"connect to a URL or DID string, not {type(address).__name__}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise CoviaUsageError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if auth is not None and not isinstance(auth, Auth):
        raise CoviaUsageError(f"auth must be a covia.auth.Auth, not {type(auth).__name__}")
    if headers is not None and not (
        isinstance(headers, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        raise CoviaUsageError("headers must map header names to string values")
    if limits is not None and not isinstance(limits, Limits):
        raise CoviaUsageError(f"limits must be a covia.Limits, not {type(limits).__name__}")
    where = parse_venue_address(address)
    endpoint = Endpoint(where.base_url, auth=auth or NoAuth(), headers=make_headers(headers or {}))
    context = VenueContext(
        endpoint,
        retry=retry or RetryPolicy(),
        poll=poll or PollPolicy(),
        rand=random.random,
        limits=limits or DEFAULT_LIMITS,
        verify_asset_ids=bool(verify_asset_ids),
        call_timeout=call_timeout,
    )
    # The scheme by name only: a user's own Auth may show its secret in its repr.
    _log.debug(
        "connecting to %s at %s (auth: %s)", address, where.base_url, type(endpoint.auth).__name__
    )
    return where, context


def relocated(context: VenueContext, base_url: str) -> VenueContext:
    """``context`` with its requests sent to ``base_url``."""

    return attrs.evolve(context, endpoint=attrs.evolve(context.endpoint, base_url=base_url))
