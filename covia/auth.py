"""Authentication: pass one of these as ``auth=`` to ``Grid.connect``.

``Ed25519Auth`` is an identity the venue verifies: an Ed25519 key whose ``did:key`` the
venue sees as the caller. Each request carries a short-lived EdDSA JWT signed by the
key (``kid`` = its multikey, ``iss`` = ``sub`` = its DID, ``iat``, ``exp`` and ``aud`` =
the venue's DID, learnt when connecting unless given), reused until shortly before it
expires. ``BearerAuth`` and ``BasicAuth`` pass fixed credentials through (a 0.1 venue
treats them as anonymous). Subclass ``Auth`` and implement ``apply(headers)`` for a
custom scheme. Credentials never appear in a ``repr``, a log record or an error message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from covia.keyfile import KeyFormat, default_key_path, load_key, save_key
from covia_proto.auth import Auth, BasicAuth, BearerAuth, NoAuth, VenueBoundAuth
from covia_proto.errors import CoviaUsageError
from covia_proto.identity.keys import Ed25519Key
from covia_proto.identity.tokens import DEFAULT_LIFETIME, TokenCache
from covia_proto.identity.ucan import (
    Capability,
    Ucan,
    delegate_ucan,
    issue_ucan,
    parse_ucan,
    verify_ucan,
)

if TYPE_CHECKING:
    import pathlib

    from cryptography.hazmat.primitives.asymmetric import ed25519

__all__ = [
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "Capability",
    "Ed25519Auth",
    "Ed25519Key",
    "NoAuth",
    "Ucan",
    "parse_ucan",
]

CapabilityLike = Capability | Mapping[str, Any] | tuple[str, str]


def _nonce() -> str:
    return os.urandom(12).hex()


class Ed25519Auth(VenueBoundAuth):
    """An Ed25519 identity: requests are signed as its ``did:key``.

    Make one with ``Ed25519Auth.generate()``, ``Ed25519Auth.from_seed(32_bytes)``,
    ``Ed25519Auth.load(path)`` (a key file written by ``save`` or ``covia key new``),
    or ``Ed25519Auth(private_key)`` with an ``Ed25519Key``, a ``cryptography``
    ``Ed25519PrivateKey`` or the 32-byte seed. ``audience`` pins the venue DID its
    tokens name (learnt from the venue when connecting otherwise); ``lifetime`` is each
    token's validity in seconds.

    It refuses to be pickled (that would copy the key): save it to a key file instead.
    """

    __slots__ = ("_tokens", "audience", "key", "lifetime")

    def __init__(
        self,
        private_key: Ed25519Key | ed25519.Ed25519PrivateKey | bytes,
        *,
        audience: str | None = None,
        lifetime: int = DEFAULT_LIFETIME,
    ) -> None:
        if isinstance(private_key, bytes | bytearray):
            private_key = Ed25519Key.from_seed(bytes(private_key))
        elif not isinstance(private_key, Ed25519Key):
            from cryptography.hazmat.primitives.asymmetric import ed25519

            if not isinstance(private_key, ed25519.Ed25519PrivateKey):
                raise CoviaUsageError(
                    "Ed25519Auth needs an Ed25519 private key (Ed25519Key, "
                    f"Ed25519PrivateKey or a 32-byte seed), not {type(private_key).__name__}"
                )
            private_key = Ed25519Key(private_key)
        if audience is not None and (not isinstance(audience, str) or not audience):
            raise CoviaUsageError("audience must be the venue's DID")
        self.key = private_key
        self.audience = audience
        self.lifetime = lifetime
        self._tokens = TokenCache(private_key, audience=audience, lifetime=lifetime)

    # -- making identities ---------------------------------------------------------------

    @classmethod
    def generate(cls, **options: Any) -> Ed25519Auth:
        """A new identity from 32 bytes of the operating system's randomness."""
        return cls(Ed25519Key.from_seed(os.urandom(32)), **options)

    @classmethod
    def from_seed(cls, seed: bytes, **options: Any) -> Ed25519Auth:
        """The identity of a 32-byte seed (the same seed gives the same DID)."""
        return cls(Ed25519Key.from_seed(seed), **options)

    @classmethod
    def from_pem(cls, pem: bytes | str, **options: Any) -> Ed25519Auth:
        """An identity from unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``)."""
        return cls(Ed25519Key.from_pem(pem), **options)

    @classmethod
    def from_jwk(cls, jwk: str | bytes | dict[str, Any], **options: Any) -> Ed25519Auth:
        """An identity from a private Ed25519 JWK."""
        return cls(Ed25519Key.from_jwk(jwk), **options)

    @classmethod
    def from_multibase(cls, text: str, **options: Any) -> Ed25519Auth:
        """An identity from a private multikey (``z3u2…``)."""
        return cls(Ed25519Key.from_multibase(text), **options)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **options: Any) -> Ed25519Auth:
        """The identity in a key file (default: ``default_key_path()``); refused when
        the file is readable by others."""
        return cls(load_key(default_key_path() if path is None else path), **options)

    def save(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        format: KeyFormat = "pem",
        overwrite: bool = False,
    ) -> pathlib.Path:
        """Write the key to ``path`` (default ``default_key_path()``) with mode 0600."""
        target = default_key_path() if path is None else path
        return save_key(self.key, target, format=format, overwrite=overwrite)

    # -- who it is -----------------------------------------------------------------------

    @property
    def did(self) -> str:
        """The ``did:key`` the venue sees as the caller."""
        return self.key.did

    @property
    def public_key(self) -> bytes:
        """The identity's Ed25519 public key (32 bytes)."""
        return self.key.public_key

    # -- the Auth interface --------------------------------------------------------------

    def token(self, now: float | None = None) -> str:
        """The bearer token for ``now`` (default: the current time)."""
        return self._tokens.token(time.time() if now is None else now)

    def apply(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Bearer {self._tokens.token(time.time())}"

    def for_venue(self, did: str) -> Ed25519Auth:
        return Ed25519Auth(self.key, audience=did, lifetime=self.lifetime)

    # -- UCANs ---------------------------------------------------------------------------

    def issue_ucan(
        self,
        audience: str,
        capabilities: Iterable[CapabilityLike],
        *,
        lifetime: float = 3600,
        not_before: float | None = None,
    ) -> str:
        """A UCAN signed by this identity granting ``capabilities`` (``{"with": <DID
        URL>, "can": <ability>}``) to ``audience`` for ``lifetime`` seconds.

        A 0.1 venue honours only UCANs it signed itself (``v/ops/ucan/issue``) when it
        checks proofs; tokens made here are for chains verified by you or a newer venue.
        """
        return issue_ucan(
            self.key,
            audience,
            capabilities,
            expires=time.time() + lifetime,
            nonce=_nonce(),
            not_before=not_before,
        )

    def delegate(
        self,
        proof: str,
        audience: str,
        capabilities: Iterable[CapabilityLike] | None = None,
        *,
        lifetime: float | None = None,
        authorities: Collection[str] = (),
    ) -> str:
        """Pass on (part of) what ``proof`` grants this identity to ``audience``; the
        new token only narrows what ``proof`` grants and never outlives it."""
        now = time.time()
        return delegate_ucan(
            self.key,
            proof,
            audience,
            capabilities,
            now=now,
            nonce=_nonce(),
            expires=None if lifetime is None else now + lifetime,
            authorities=authorities,
        )

    def verify_ucan(self, token: str, *, authorities: Sequence[str] = ()) -> Ucan:
        """Verify a UCAN granted to this identity, and its chain, at the current time."""
        return verify_ucan(token, now=time.time(), audience=self.did, authorities=authorities)

    # -- never leaking -------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Ed25519Auth(did={self.did!r}, audience={self.audience!r})"

    def __reduce__(self) -> NoReturn:
        raise CoviaUsageError(
            "Ed25519Auth is not pickled (that would copy its private key): "
            "save it to a key file and load it where it is needed"
        )
