"""Authentication schemes: objects that add credentials to a request's headers.

The interface is the documented one: ``apply(headers)`` mutates a header dict. The
credentials themselves never appear in a ``repr``, ``str``, log record or error.
"""

from __future__ import annotations

import base64

from covia_proto.errors import CoviaUsageError

__all__ = ["Auth", "BasicAuth", "BearerAuth", "NoAuth", "VenueBoundAuth"]


class Auth:
    """Base class of authentication schemes; subclass it and override ``apply``."""

    def apply(self, headers: dict[str, str]) -> None:
        """Add this scheme's credentials to ``headers`` (a request's header dict)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        # A subclass that forgets its own __repr__ must not leak its attributes.
        return f"{type(self).__name__}(***)"


class VenueBoundAuth(Auth):
    """A scheme whose credentials name the venue they are for (a signed token's ``aud``).

    While ``audience`` is ``None``, connecting learns the venue's DID (from its DID
    document, which needs no credentials) and uses ``for_venue(did)`` — a scheme bound
    to that venue, sharing the same secret — for the connection. The scheme the caller
    made is left as it was, so one may serve several venues.
    """

    audience: str | None = None

    def for_venue(self, did: str) -> Auth:
        """This scheme's credentials, addressed to the venue ``did``."""
        raise NotImplementedError


class NoAuth(Auth):
    """No credentials: the venue treats the caller as its shared public identity."""

    def apply(self, headers: dict[str, str]) -> None:
        return None

    def __repr__(self) -> str:
        return "NoAuth()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoAuth)

    def __hash__(self) -> int:
        return hash(NoAuth)


class BearerAuth(Auth):
    """``Authorization: Bearer <token>``: the only scheme a 0.1 venue verifies."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        if not isinstance(token, str) or not token.strip():
            raise CoviaUsageError("BearerAuth needs a non-empty token string")
        if _is_ucan(token.strip()):
            # A 0.1 venue takes a UCAN bearer's issuer as the caller: the holder of a
            # venue-issued UCAN would act as the venue itself (an upstream bug).
            raise CoviaUsageError(
                "a UCAN is a capability proof, not a bearer token: pass it as "
                "ucans=[token] to invoke or run, and authenticate with Ed25519Auth"
            )
        self._token = token.strip()

    def apply(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Bearer {self._token}"

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"


def _is_ucan(token: str) -> bool:
    """Whether ``token`` is a JWT granting capabilities (claims ``att``)."""
    if token.count(".") != 2:
        return False
    from covia_proto.errors import TokenError
    from covia_proto.identity.jwt import decode_jwt

    try:
        return "att" in decode_jwt(token).claims
    except TokenError:
        return False


class BasicAuth(Auth):
    """HTTP Basic credentials, for venues behind a proxy that checks them.

    A 0.1 venue itself ignores Basic credentials (venue-api.md §2A).
    """

    __slots__ = ("_password", "username")

    def __init__(self, username: str, password: str) -> None:
        if not isinstance(username, str) or not isinstance(password, str):
            raise CoviaUsageError("BasicAuth needs a username and a password as strings")
        if ":" in username:
            raise CoviaUsageError("a Basic username cannot contain ':'")
        self.username = username
        self._password = password

    def apply(self, headers: dict[str, str]) -> None:
        pair = f"{self.username}:{self._password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password=***)"
