"""Who the venue thinks the caller is, and binding a signing scheme to its venue.

``bind_auth`` runs once when a connection opens: a ``VenueBoundAuth`` without an
audience learns the venue's DID, so its tokens carry ``aud`` = that DID (what the
official SDKs send, and what a venue checking COG-3 requires).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import attrs

from covia_proto.auth import VenueBoundAuth
from covia_proto.errors import VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.did_resolution import fetch_venue_did
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run

__all__ = ["WHOAMI", "CallerIdentity", "bind_auth", "whoami"]

WHOAMI: Final = "v/ops/auth/whoami"
logger: Final = logging.getLogger("covia.auth")


@attrs.frozen
class CallerIdentity:
    """The answer of ``v/ops/auth/whoami``: the caller's DID as the venue sees it.

    An anonymous caller is ``<venue DID>:public`` (and ``authenticated`` is still true
    on a 0.1 venue); ``internal`` is true only for the venue itself.
    """

    caller: str
    authenticated: bool
    internal: bool


def bind_auth(context: VenueContext) -> Flow[VenueContext]:
    """``context`` with its auth bound to the venue's DID, if it needs one."""
    auth = context.endpoint.auth
    if not isinstance(auth, VenueBoundAuth) or auth.audience is not None:
        return context
    did = yield from fetch_venue_did(context)
    logger.debug("tokens for %s are addressed to %s", context.endpoint.base_url, did)
    endpoint = attrs.evolve(context.endpoint, auth=auth.for_venue(did))
    return attrs.evolve(context, endpoint=endpoint)


def whoami(context: VenueContext, *, timeout: float | None = None) -> Flow[CallerIdentity]:
    """Run ``v/ops/auth/whoami``: the caller DID this connection's credentials prove."""
    output = yield from run(context, WHOAMI, {}, timeout=timeout)
    return parse_whoami(output)


def parse_whoami(output: Any) -> CallerIdentity:
    if not isinstance(output, dict) or not isinstance(output.get("caller"), str):
        raise VenueProtocolError(f"{WHOAMI} answered without a caller DID: {output!r:.200}")
    return CallerIdentity(
        caller=output["caller"],
        authenticated=output.get("authenticated") is True,
        internal=output.get("internal") is True,
    )
