"""UCAN grants the venue signs, for ``venue.ucan``: ``v/ops/ucan/issue``.

A 0.1 venue honours, for reading another identity's data, only grants it signed
itself (README, "Identity"). What it checks (observed): ``aud`` is a ``did:key`` (else
``Cannot resolve audience public key from DID``), each ``att[i].with`` starts with the
caller's DID and ``/``, ``exp`` is unix seconds; it answers ``{"token": <JWT>}`` whose
``iss`` is the venue's DID. Verifying a token needs no venue: ``covia.auth.verify_ucan``
(with ``authorities=[venue.did]`` for a venue's grant).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run

__all__ = ["ISSUE", "issue"]

ISSUE: Final = "v/ops/ucan/issue"


def issue(
    context: VenueContext,
    audience: str,
    capabilities: Sequence[Mapping[str, str]],
    *,
    expires: int,
    timeout: float | None = None,
) -> Flow[str]:
    """A venue-signed UCAN granting ``audience`` the ``capabilities`` (``[{"with":
    "<your DID>/w/notes", "can": "crud/read"}]``) until ``expires`` (unix seconds)."""
    if not isinstance(audience, str) or not audience.startswith("did:"):
        raise CoviaUsageError(f"the audience must be a DID, not {audience!r:.80}")
    att = [dict(capability) for capability in capabilities]
    if not att or not all(
        isinstance(c.get("with"), str) and isinstance(c.get("can"), str) for c in att
    ):
        raise CoviaUsageError('capabilities are {"with": DID URL, "can": ability} maps')
    if isinstance(expires, bool) or not isinstance(expires, int):
        raise CoviaUsageError(f"expires is unix seconds (an int), not {expires!r}")
    body: dict[str, Any] = {"aud": audience, "att": att, "exp": expires}
    output = yield from run(context, ISSUE, body, timeout=timeout)
    token = output.get("token") if isinstance(output, dict) else None
    if not isinstance(token, str) or token.count(".") != 2:
        raise VenueProtocolError(f"{ISSUE} answered without a token: {output!r:.200}")
    return token
