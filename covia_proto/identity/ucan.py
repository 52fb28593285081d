"""UCANs as the venue writes them: EdDSA JWTs whose claims grant capabilities.

Claims (Convex ``UCAN``, as the venue's ``v/ops/ucan/issue`` returns them): ``iss`` and
``aud`` (DIDs), ``att`` (a list of ``{"with": <DID URL>, "can": <ability>}``), ``exp``
and optional ``nbf`` (seconds), ``nnc`` (a nonce) and ``prf`` (the parent tokens,
inline, as JWT strings). A delegation is a new token whose ``prf`` holds the token it
narrows.

``verify_ucan`` checks a whole chain locally: every signature, every time bound, that
each parent was granted to the one who delegates (``parent.aud == child.iss``), that no
link outlives its parent, and that each link only narrows what it received. Resource
and ability matching follow Convex ``Capability.covers`` with one deliberate difference:
a resource covers its sub-paths only at a ``/`` boundary (``…/w/notes`` does not cover
``…/w/notes-secret``), where Convex compares bare prefixes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from covia_proto.errors import CoviaUsageError, TokenError
from covia_proto.identity.didkey import DID_KEY_PREFIX
from covia_proto.identity.jwt import decode_jwt, encode_jwt, is_time, verify_jwt
from covia_proto.identity.keys import Ed25519Key

__all__ = [
    "MAX_CHAIN_DEPTH",
    "Capability",
    "Ucan",
    "ability_covers",
    "delegate_ucan",
    "issue_ucan",
    "parse_ucan",
    "resource_covers",
    "verify_ucan",
]

MAX_CHAIN_DEPTH: Final = 16


def resource_covers(grant: str, request: str) -> bool:
    """Whether a grant on resource ``grant`` reaches ``request`` (equal, or below it)."""
    if grant == request or grant == "":
        return True
    if grant.endswith("/"):
        return request.startswith(grant) or request == grant[:-1]
    return request.startswith(grant + "/")


def ability_covers(grant: str, request: str) -> bool:
    """Whether ability ``grant`` proves ``request``: ``*`` proves all, ``crud`` proves
    ``crud/read``, an ability proves itself."""
    return grant == "*" or grant == request or request.startswith(grant + "/")


@attrs.frozen
class Capability:
    """One grant: the ability ``can`` on the resource ``with_`` (a DID URL)."""

    with_: str
    can: str

    def __attrs_post_init__(self) -> None:
        for name, value in (("with", self.with_), ("can", self.can)):
            if not isinstance(value, str) or not value:
                raise CoviaUsageError(f"a capability's {name!r} must be a non-empty string")

    def covers(self, other: Capability) -> bool:
        """Whether this grant includes ``other`` (its resource and its ability)."""
        return resource_covers(self.with_, other.with_) and ability_covers(self.can, other.can)

    def to_json(self) -> dict[str, str]:
        """The grant as a UCAN carries it: ``{"with": …, "can": …}``."""
        return {"with": self.with_, "can": self.can}

    @classmethod
    def of(cls, value: Capability | Mapping[str, Any] | tuple[str, str]) -> Capability:
        """A capability from itself, ``{"with": …, "can": …}`` or ``(with, can)``."""
        if isinstance(value, Capability):
            return value
        if isinstance(value, Mapping):
            return cls(value.get("with"), value.get("can"))  # type: ignore[arg-type]
        if isinstance(value, tuple) and len(value) == 2:
            return cls(*value)
        raise CoviaUsageError(f"a capability is {{'with': …, 'can': …}}, not {value!r}")


@attrs.frozen
class Ucan:
    """A decoded UCAN (``token`` is the JWT itself, kept out of the repr)."""

    issuer: str
    audience: str
    capabilities: tuple[Capability, ...]
    expires: float
    not_before: float | None
    nonce: str | None
    proofs: tuple[str, ...] = attrs.field(repr=lambda p: f"<{len(p)} proofs>")
    token: str = attrs.field(repr=False)

    def allows(self, resource: str, ability: str) -> bool:
        """Whether one of its capabilities covers ``ability`` on ``resource``."""
        wanted = Capability(resource, ability)
        return any(c.covers(wanted) for c in self.capabilities)


def _capabilities(values: Iterable[Any]) -> tuple[Capability, ...]:
    if isinstance(values, str | bytes | Mapping):
        raise CoviaUsageError("capabilities must be a list of {'with': …, 'can': …}")
    found = tuple(Capability.of(v) for v in values)
    if not found:
        raise CoviaUsageError("a UCAN grants at least one capability")
    return found


def _time(value: float, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CoviaUsageError(f"{what} must be seconds since the epoch, not {value!r}")
    return int(value)


def issue_ucan(
    key: Ed25519Key,
    audience: str,
    capabilities: Iterable[Capability | Mapping[str, Any] | tuple[str, str]],
    *,
    expires: float,
    nonce: str,
    not_before: float | None = None,
    proofs: Sequence[str] = (),
) -> str:
    """A UCAN signed by ``key`` granting ``capabilities`` to ``audience`` until
    ``expires``. ``nonce`` is the caller's random text (the core has no randomness)."""
    if not isinstance(audience, str) or not audience.startswith("did:"):
        raise CoviaUsageError(f"a UCAN audience is a DID, not {audience!r}")
    if not isinstance(nonce, str) or not nonce:
        raise CoviaUsageError("a UCAN needs a non-empty nonce")
    claims: dict[str, Any] = {
        "iss": key.did,
        "aud": audience,
        "exp": _time(expires, "expires"),
        "nnc": nonce,
        "att": [c.to_json() for c in _capabilities(capabilities)],
        "prf": list(proofs),
    }
    if not_before is not None:
        claims["nbf"] = _time(not_before, "not_before")
    return encode_jwt(key, claims)


def delegate_ucan(
    key: Ed25519Key,
    proof: str,
    audience: str,
    capabilities: Iterable[Capability | Mapping[str, Any] | tuple[str, str]] | None = None,
    *,
    now: float,
    nonce: str,
    expires: float | None = None,
    authorities: Collection[str] = (),
) -> str:
    """Pass on (part of) what ``proof`` grants ``key`` to ``audience``.

    ``capabilities`` default to all of the proof's; each must be covered by it, and the
    new token expires no later than the proof (default: when the proof does). The proof
    is verified first (at ``now``, with ``authorities`` as in ``verify_ucan``), so an
    expired or forged grant is refused here rather than by the venue.
    """
    parent = verify_ucan(proof, now=now, authorities=authorities)
    if parent.audience != key.did:
        raise CoviaUsageError(
            f"this UCAN was granted to {parent.audience}, not to this key ({key.did})"
        )
    wanted = parent.capabilities if capabilities is None else _capabilities(capabilities)
    for capability in wanted:
        if not any(held.covers(capability) for held in parent.capabilities):
            raise CoviaUsageError(
                f"cannot delegate {capability.can} on {capability.with_}: "
                "the proof does not grant it"
            )
    until = parent.expires if expires is None else _time(expires, "expires")
    if until > parent.expires:
        raise CoviaUsageError(f"a delegation cannot outlive its proof (expires {parent.expires})")
    return issue_ucan(key, audience, wanted, expires=until, nonce=nonce, proofs=(proof,))


def parse_ucan(token: str) -> Ucan:
    """Decode a UCAN's claims without verifying anything (``TokenError`` if malformed)."""
    return _ucan_of(token, decode_jwt(token).claims)


def _ucan_of(token: str, claims: dict[str, Any]) -> Ucan:
    issuer, audience = claims.get("iss"), claims.get("aud")
    if not isinstance(issuer, str) or not isinstance(audience, str):
        raise TokenError("a UCAN names its issuer (iss) and audience (aud) as strings")
    exp, nbf, nnc = claims.get("exp"), claims.get("nbf"), claims.get("nnc")
    if not is_time(exp) or (nbf is not None and not is_time(nbf)):
        raise TokenError("a UCAN's exp (and nbf, if present) are numbers of seconds")
    att, prf = claims.get("att"), claims.get("prf", [])
    if not isinstance(att, list) or not isinstance(prf, list):
        raise TokenError("a UCAN's att and prf are lists")
    if not all(isinstance(p, str) for p in prf):
        raise TokenError("this SDK reads only inline proofs (JWT strings) in prf")
    try:
        capabilities = tuple(Capability.of(a) for a in att)
    except CoviaUsageError as exc:
        raise TokenError(f"a UCAN capability is malformed: {exc.message}") from None
    return Ucan(
        issuer=issuer,
        audience=audience,
        capabilities=capabilities,
        expires=exp,
        not_before=nbf,
        nonce=nnc if isinstance(nnc, str) else None,
        proofs=tuple(prf),
        token=token,
    )


def verify_ucan(
    token: str,
    *,
    now: float,
    audience: str | None = None,
    authorities: Collection[str] = (),
) -> Ucan:
    """Verify ``token`` and its whole proof chain at ``now`` (``TokenError`` if not).

    ``audience``, when given, must be the token's ``aud`` (the DID presenting it).
    A root token (no proofs) may only grant resources of its own issuer
    (``<iss>/…``), unless its issuer is one of ``authorities`` — e.g. the venue's DID,
    whose ``v/ops/ucan/issue`` signs grants on its users' data.
    """
    at = _time(now, "now")
    ucan = _verify(token, at, authorities, depth=0)
    if audience is not None and ucan.audience != audience:
        raise TokenError(f"UCAN is granted to {ucan.audience}, not to {audience}")
    return ucan


def _verify(token: str, at: int, authorities: Collection[str], depth: int) -> Ucan:
    if depth > MAX_CHAIN_DEPTH:
        raise TokenError(f"UCAN proof chain deeper than {MAX_CHAIN_DEPTH}")
    jwt = verify_jwt(token)
    ucan = _ucan_of(token, jwt.claims)
    if ucan.issuer != DID_KEY_PREFIX + str(jwt.kid):
        raise TokenError("UCAN issuer is not the did:key of its signing key")
    if ucan.expires <= at:
        raise TokenError(f"UCAN from {ucan.issuer} expired at {ucan.expires:g} (now {at})")
    if ucan.not_before is not None and ucan.not_before > at:
        raise TokenError(f"UCAN from {ucan.issuer} is not valid before {ucan.not_before:g}")
    if not ucan.proofs:
        if ucan.issuer not in authorities:
            for capability in ucan.capabilities:
                if not resource_covers(ucan.issuer, capability.with_):
                    raise TokenError(
                        f"root UCAN from {ucan.issuer} grants {capability.with_}, "
                        "which is not its own"
                    )
        return ucan
    parents = [_verify(proof, at, authorities, depth + 1) for proof in ucan.proofs]
    for parent in parents:
        if parent.audience != ucan.issuer:
            raise TokenError(
                f"broken chain: a proof was granted to {parent.audience}, "
                f"but {ucan.issuer} delegated it"
            )
        if ucan.expires > parent.expires:
            raise TokenError("a delegation outlives its proof")
    held = [c for parent in parents for c in parent.capabilities]
    for capability in ucan.capabilities:
        if not any(h.covers(capability) for h in held):
            raise TokenError(
                f"delegation widens its proofs: {capability.can} on {capability.with_} "
                "was never granted"
            )
    return ucan
