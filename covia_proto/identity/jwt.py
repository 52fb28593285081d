"""Compact JWS with EdDSA (Ed25519): the token format the venue verifies (§2A).

The header names the signing key in ``kid`` as a bare multikey (``z6Mk…``): the venue
rejects the ``did:key:`` form. Verification trusts only ``alg: EdDSA`` and the key in
``kid``; ``none``, HMAC and RSA tokens are refused.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final, TypeGuard

import attrs

from covia_proto.errors import CoviaUsageError, TokenError
from covia_proto.identity._b64url import b64url_decode, b64url_encode
from covia_proto.identity.didkey import public_key_of
from covia_proto.identity.keys import Ed25519Key, verify_signature

__all__ = ["MAX_TOKEN_SIZE", "Jwt", "decode_jwt", "encode_jwt", "is_time", "verify_jwt"]

# A UCAN carries its proofs inline, so a chain grows; nothing honest comes near this.
MAX_TOKEN_SIZE: Final = 256 * 1024
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@attrs.frozen
class Jwt:
    """A decoded token: its header and claims as JSON objects, and what was signed."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes = attrs.field(repr=False)
    signature: bytes = attrs.field(repr=False)

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


def encode_jwt(key: Ed25519Key, claims: dict[str, Any]) -> str:
    """``claims`` signed by ``key``: header ``{"alg":"EdDSA","typ":"JWT","kid":<multikey>}``."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key.multikey}
    try:
        parts = [b64url_encode(_ENCODER.encode(part).encode()) for part in (header, claims)]
    except (TypeError, ValueError) as exc:
        raise CoviaUsageError(f"token claims cannot be written as JSON: {exc}") from None
    signing_input = ".".join(parts).encode("ascii")
    return ".".join([*parts, b64url_encode(key.sign(signing_input))])


def decode_jwt(token: str) -> Jwt:
    """Split and decode a compact JWT without verifying it (``TokenError`` if malformed)."""
    if not isinstance(token, str):
        raise TokenError(f"a token must be a string, not {type(token).__name__}")
    if len(token) > MAX_TOKEN_SIZE:
        raise TokenError(f"token too large ({len(token)} characters)")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a JWT: a compact JWT has three dot-separated parts")
    try:
        header = _json_object(b64url_decode(parts[0]), "header")
        claims = _json_object(b64url_decode(parts[1]), "claims")
        signature = b64url_decode(parts[2])
    except CoviaUsageError as exc:
        raise TokenError(f"malformed JWT: {exc.message}") from None
    return Jwt(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def verify_jwt(token: str) -> Jwt:
    """Decode ``token`` and check its EdDSA signature against the key in its ``kid``."""
    jwt = decode_jwt(token)
    if jwt.header.get("alg") != "EdDSA":
        raise TokenError(f"token algorithm {jwt.header.get('alg')!r} is not EdDSA")
    kid = jwt.kid
    if kid is None:
        raise TokenError("token header has no kid naming its signing key")
    try:
        public_key = public_key_of(kid)
    except CoviaUsageError:
        raise TokenError("token kid is not an Ed25519 multikey (z6Mk…)") from None
    if kid.startswith("did:"):
        # The venue decodes kid as a bare multikey and refuses this form (§2A).
        raise TokenError("token kid must be the bare multikey, not a did:key")
    if not verify_signature(public_key, jwt.signature, jwt.signing_input):
        raise TokenError("token signature does not verify against its kid")
    return jwt


def is_time(value: object) -> TypeGuard[float]:
    """Whether a claim is a time: a finite number of seconds (``true`` is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _json_object(raw: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TokenError(f"malformed JWT: the {part} is not JSON") from None
    if not isinstance(value, dict):
        raise TokenError(f"malformed JWT: the {part} is not a JSON object")
    return value
