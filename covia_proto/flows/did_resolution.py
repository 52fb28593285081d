"""Finding a venue from its DID, and a venue's own DID (venue-api.md §3.8, §6).

A ``did:web`` names a host; its DID document lists the venue's API as a service of
type ``Covia.API.v1``. The document is trusted to say where the API lives (it comes from
the DID's own host), but not to downgrade an https venue to plain http: not to any
host, loopback included (whatever listens on a local port would get the token and the
request bodies in clear text).
"""

from __future__ import annotations

import logging
from typing import Final

import attrs

from covia_proto.did import did_web_document_url, parse_base_url, parse_did
from covia_proto.endpoints import discovery, status
from covia_proto.endpoints.call import Call
from covia_proto.errors import CoviaUsageError, NotFoundError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.send import send
from covia_proto.models import DidDocument

__all__ = ["VenueLocation", "fetch_venue_did", "locate_did_web"]

logger: Final = logging.getLogger("covia.did")


@attrs.frozen
class VenueLocation:
    """Where a DID's venue serves its API (``base_url``, without ``/api/v1``)."""

    base_url: str
    document: DidDocument


def locate_did_web(context: VenueContext, did: str) -> Flow[VenueLocation]:
    """Resolve ``did`` (a did:web) to its venue's base URL.

    ``context.endpoint`` is the DID's own host (``did_web_to_url``); the document is
    read from there and its API service, if any, gives the venue's base URL.
    """
    parsed = parse_did(did)
    if parsed.method != "web":
        raise CoviaUsageError(f"only did:web venues can be located, not did:{parsed.method}")
    url = did_web_document_url(parsed)
    logger.debug("resolving %s at %s", did, url)
    request = context.endpoint.request("GET", url, accept="application/did+json, application/json")
    document = yield from send(context, Call(request, discovery.parse_did_document))
    if document.id != str(parsed):
        # 0.1 venues with a did:key identity serve that key's document (§3.8).
        logger.debug("%s serves a DID document for %s", did, document.id or "(no id)")
    home = parse_base_url(context.endpoint.base_url)
    services = document.services_of_type(discovery.API_SERVICE_TYPE)
    endpoint_url = next((s.endpoint_url for s in services if s.endpoint_url), None)
    if endpoint_url is None:
        logger.debug("%s lists no %s service; using %s", did, discovery.API_SERVICE_TYPE, home)
        return VenueLocation(str(home), document)
    try:
        api = parse_base_url(endpoint_url).without_api_root()
    except CoviaUsageError as exc:
        raise VenueProtocolError(
            f"DID document of {did} gives an unusable API endpoint: {exc.message}",
            request=request.info,
        ) from None
    if home.scheme == "https" and api.scheme != "https":
        raise VenueProtocolError(
            f"DID document of {did} points its API at plain http ({api.host}): refusing to "
            "downgrade an https venue",
            request=request.info,
        )
    logger.debug("%s serves its API at %s", did, api)
    return VenueLocation(str(api), document)


def fetch_venue_did(context: VenueContext) -> Flow[str]:
    """The venue's DID: the id of its DID document, else the ``did`` of its status."""
    try:
        document = yield from send(context, discovery.get_did_document(context.endpoint))
    except NotFoundError:
        document = None
    if document is not None and document.id:
        return document.id
    venue = yield from send(context, status.get_status(context.endpoint))
    if not venue.did:
        raise VenueProtocolError("venue publishes no DID (no DID document, no status did)")
    return venue.did
