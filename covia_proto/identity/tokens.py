"""Self-issued bearer tokens: how a key says "this request is from me".

The claims are what the venue and the official SDKs use: ``iss`` = ``sub`` = the key's
did:key, ``iat``, ``exp`` and ``aud`` = the venue's DID. A token is reused until shortly
before it expires (``TokenCache``), so signing costs once per few minutes, not per call.
Time is an argument everywhere: seconds since the epoch, from the caller's clock.
"""

from __future__ import annotations

import math
from typing import Final

from covia_proto.errors import CoviaUsageError, TokenError
from covia_proto.identity.didkey import DID_KEY_PREFIX
from covia_proto.identity.jwt import encode_jwt, is_time, verify_jwt
from covia_proto.identity.keys import Ed25519Key

__all__ = [
    "DEFAULT_LIFETIME",
    "REFRESH_MARGIN",
    "TokenCache",
    "issue_auth_token",
    "verify_auth_token",
]

DEFAULT_LIFETIME: Final = 300  # seconds, as the official SDK
REFRESH_MARGIN: Final = 60  # a token this close to expiry is replaced, not sent


def _seconds(now: float) -> int:
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise CoviaUsageError(f"now must be seconds since the epoch, not {now!r}")
    return int(now)


def issue_auth_token(
    key: Ed25519Key, *, now: float, audience: str | None = None, lifetime: int = DEFAULT_LIFETIME
) -> str:
    """A bearer token for ``key``, valid from ``now`` for ``lifetime`` seconds."""
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        raise CoviaUsageError(f"lifetime must be a positive number of seconds, not {lifetime!r}")
    issued = _seconds(now)
    claims: dict[str, object] = {
        "iss": key.did,
        "sub": key.did,
        "iat": issued,
        "exp": issued + lifetime,
    }
    if audience is not None:
        claims["aud"] = audience
    return encode_jwt(key, claims)


def verify_auth_token(
    token: str, *, now: float, audience: str | None = None, leeway: int = 0
) -> str:
    """The caller DID a self-issued token proves, checked strictly (COG-3): signature,
    ``sub`` = the did:key of ``kid``, ``exp`` in the future, ``iat`` not in the future
    and, when ``audience`` is given, ``aud`` equal to it. ``leeway`` seconds forgive a
    clock that differs from the issuer's. ``TokenError`` says which check failed."""
    jwt = verify_jwt(token)
    caller = DID_KEY_PREFIX + str(jwt.kid)
    subject = jwt.claims.get("sub", jwt.claims.get("iss"))
    if subject != caller:
        raise TokenError("token subject is not the did:key of its signing key")
    at = _seconds(now)
    exp, iat = jwt.claims.get("exp"), jwt.claims.get("iat")
    if not is_time(exp):
        raise TokenError("token has no numeric exp")
    if exp <= at - leeway:
        raise TokenError(f"token expired at {exp} (now {at})")
    if iat is not None and (not is_time(iat) or iat > at + leeway):
        raise TokenError("token iat is not a time in the past")
    if audience is not None and jwt.claims.get("aud") != audience:
        raise TokenError(f"token is for audience {jwt.claims.get('aud')!r}, not {audience!r}")
    return caller


class TokenCache:
    """The current bearer token of one key for one audience, renewed when it nears
    expiry (or when the clock moved backwards past its issue time)."""

    __slots__ = ("_current", "audience", "key", "lifetime")

    def __init__(
        self, key: Ed25519Key, *, audience: str | None, lifetime: int = DEFAULT_LIFETIME
    ) -> None:
        if lifetime <= REFRESH_MARGIN:
            raise CoviaUsageError(f"token lifetime must exceed {REFRESH_MARGIN} seconds")
        self.key = key
        self.audience = audience
        self.lifetime = lifetime
        self._current: tuple[int, str] | None = None  # (issued at, token)

    def token(self, now: float) -> str:
        at = _seconds(now)
        current = self._current
        if current is not None:
            issued, token = current
            if issued <= at < issued + self.lifetime - REFRESH_MARGIN:
                return token
        token = issue_auth_token(self.key, now=at, audience=self.audience, lifetime=self.lifetime)
        self._current = (at, token)  # one assignment: safe to share between threads
        return token

    def __repr__(self) -> str:
        return f"TokenCache(did={self.key.did!r}, audience={self.audience!r})"
