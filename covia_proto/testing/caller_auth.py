"""How the simulated venue recognises a caller from an EdDSA JWT, as the real one does
(venue-api.md §2A, paths 1 and 2; the real venue's "Quirks observed (identity)").

1. A UCAN-shaped token — ``iss`` = the did:key of ``kid``, a non-null ``aud`` (any
   value: it is not compared with the venue's DID), ``exp`` in the future, ``nbf`` (if
   any) in the past — makes ``iss`` the caller.
2. Otherwise a self-issued token whose ``sub`` is the did:key of ``kid`` makes ``sub``
   the caller, with no check of ``exp``, ``iat`` or ``aud`` (the venue's laxness: an
   expired self-issued token still authenticates).

The signature must verify against ``kid`` (the bare multikey) in both cases.
"""

from __future__ import annotations

from covia_proto.errors import TokenError
from covia_proto.identity.didkey import DID_KEY_PREFIX
from covia_proto.identity.jwt import is_time, verify_jwt

__all__ = ["venue_caller"]


def venue_caller(token: str, now: float) -> str | None:
    """The caller DID the venue would take from ``token`` at ``now``, or ``None``."""
    if token.count(".") != 2:
        return None
    try:
        jwt = verify_jwt(token)
    except TokenError:
        return None
    signer = DID_KEY_PREFIX + str(jwt.kid)
    claims = jwt.claims
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if (
        claims.get("iss") == signer
        and claims.get("aud") is not None
        and is_time(exp)
        and exp > now
        and (nbf is None or (is_time(nbf) and nbf <= now))
    ):
        return signer
    if claims.get("sub") == signer:
        return signer
    return None
