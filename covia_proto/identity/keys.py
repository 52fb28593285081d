"""Ed25519 key pairs: made from a seed, signed with, saved and loaded in four forms.

Forms: the raw 32-byte seed (or its 64 hex digits), PKCS#8 PEM, a JWK (``OKP`` /
``Ed25519``) and a private multikey (multibase of multicodec ``ed25519-priv`` + seed).
The private half never appears in a ``repr`` or ``str``, and a key refuses to be
pickled: exporting it is always an explicit call.

``cryptography`` does the curve arithmetic; it is imported on first use so that
importing the SDK stays cheap for programs that never sign.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final, NoReturn

from covia_proto.errors import CoviaUsageError
from covia_proto.identity._b64url import b64url_decode, b64url_encode
from covia_proto.identity._base58 import multibase_decode, multibase_encode
from covia_proto.identity.didkey import did_key, multikey

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

__all__ = ["ED25519_PRIV_CODEC", "Ed25519Key", "verify_signature"]

ED25519_PRIV_CODEC: Final = b"\x80\x26"  # multicodec ed25519-priv (0x1300) as a varint
_SEED_SIZE: Final = 32


def _ed25519() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - a base dependency; said clearly if broken
        raise CoviaUsageError(
            "Ed25519 identities need the 'cryptography' package: pip install cryptography"
        ) from None
    return ed25519


class Ed25519Key:
    """An Ed25519 private key and what derives from it (public key, ``did:key``)."""

    __slots__ = ("_private", "did", "multikey", "public_key")

    def __init__(self, private: ed25519.Ed25519PrivateKey) -> None:
        from cryptography.hazmat.primitives import serialization

        self._private = private
        self.public_key: bytes = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.multikey: str = multikey(self.public_key)
        self.did: str = did_key(self.public_key)

    # -- making keys ---------------------------------------------------------------------

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519Key:
        """The key of a 32-byte seed (the caller supplies the randomness)."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != _SEED_SIZE:
            raise CoviaUsageError("an Ed25519 seed is 32 bytes")
        return cls(_ed25519().Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @classmethod
    def from_pem(cls, data: bytes | str) -> Ed25519Key:
        """A key from unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``)."""
        from cryptography.hazmat.primitives import serialization

        raw = data.encode() if isinstance(data, str) else data
        try:
            private = serialization.load_pem_private_key(raw, password=None)
        except (ValueError, TypeError) as exc:
            reason = "it is encrypted" if "encrypted" in str(exc).lower() else "unreadable PEM"
            raise CoviaUsageError(f"not a usable PKCS#8 PEM private key: {reason}") from None
        except Exception:  # cryptography's UnsupportedAlgorithm and kin
            raise CoviaUsageError("not a usable PKCS#8 PEM private key") from None
        if not isinstance(private, _ed25519().Ed25519PrivateKey):
            raise CoviaUsageError("the PEM holds a private key, but not an Ed25519 one")
        return cls(private)

    @classmethod
    def from_jwk(cls, jwk: str | bytes | dict[str, Any]) -> Ed25519Key:
        """A key from a private JWK: ``{"kty": "OKP", "crv": "Ed25519", "d": …, "x": …}``."""
        if isinstance(jwk, str | bytes):
            try:
                jwk = json.loads(jwk)
            except (ValueError, UnicodeDecodeError):
                raise CoviaUsageError("a JWK must be a JSON object") from None
        if not isinstance(jwk, dict):
            raise CoviaUsageError("a JWK must be a JSON object")
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise CoviaUsageError('an Ed25519 JWK has "kty": "OKP" and "crv": "Ed25519"')
        d = jwk.get("d")
        if not isinstance(d, str):
            raise CoviaUsageError('the JWK has no private part ("d"): it is a public key')
        key = cls.from_seed(b64url_decode(d, "the JWK's d"))
        x = jwk.get("x")
        if x is not None and x != b64url_encode(key.public_key):
            raise CoviaUsageError('the JWK\'s public part ("x") does not match its private part')
        return key

    @classmethod
    def from_multibase(cls, text: str) -> Ed25519Key:
        """A key from a private multikey (``z3u2…``: multicodec ed25519-priv + seed)."""
        decoded = multibase_decode(text.strip() if isinstance(text, str) else text)
        if len(decoded) != 2 + _SEED_SIZE or not decoded.startswith(ED25519_PRIV_CODEC):
            raise CoviaUsageError("not an Ed25519 private multikey (multicodec ed25519-priv)")
        return cls.from_seed(decoded[2:])

    @classmethod
    def load(cls, data: bytes | str) -> Ed25519Key:
        """A key in any supported form, recognised by its shape: PEM, JWK, private
        multikey, 64 hex digits of a seed, or the 32 raw seed bytes."""
        if isinstance(data, bytes | bytearray) and len(data) == _SEED_SIZE:
            return cls.from_seed(bytes(data))
        if isinstance(data, bytes | bytearray):
            try:
                data = bytes(data).decode("ascii")
            except UnicodeDecodeError:
                raise CoviaUsageError(
                    "unrecognised key: not PEM, JWK, multibase, hex or a 32-byte seed"
                ) from None
        if not isinstance(data, str):
            raise CoviaUsageError(f"a key must be text or bytes, not {type(data).__name__}")
        text = data.strip()
        if text.startswith("-----BEGIN"):
            return cls.from_pem(text)
        if text.startswith("{"):
            return cls.from_jwk(text)
        if text.startswith("z"):
            return cls.from_multibase(text)
        if len(text) == 2 * _SEED_SIZE:
            try:
                return cls.from_seed(bytes.fromhex(text))
            except ValueError:
                pass
        raise CoviaUsageError("unrecognised key: not PEM, JWK, multibase, hex or a 32-byte seed")

    # -- using and exporting -------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        signature: bytes = self._private.sign(data)
        return signature

    def export_seed(self) -> bytes:
        """The 32-byte seed: the whole secret. Keep it like a password."""
        from cryptography.hazmat.primitives import serialization

        seed: bytes = self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return seed

    def to_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM, readable by OpenSSL and ``cryptography``."""
        from cryptography.hazmat.primitives import serialization

        pem: bytes = self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return pem

    def to_jwk(self) -> dict[str, str]:
        """A private JWK (RFC 8037) with ``kid`` = the multikey the venue uses."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url_encode(self.public_key),
            "d": b64url_encode(self.export_seed()),
            "kid": self.multikey,
        }

    def to_multibase(self) -> str:
        """The private multikey (``z3u2…``)."""
        return multibase_encode(ED25519_PRIV_CODEC + self.export_seed())

    def public_jwk(self) -> dict[str, str]:
        """The public JWK: safe to share."""
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.public_key)}

    # -- never leaking -------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Ed25519Key(did={self.did!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ed25519Key) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash(self.public_key)

    def __reduce__(self) -> NoReturn:
        raise CoviaUsageError(
            "an Ed25519 key is not pickled (that would copy its secret); "
            "export it explicitly (to_pem, to_jwk, to_multibase) if you must move it"
        )

    def __copy__(self) -> Ed25519Key:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Ed25519Key:
        return self


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by ``public_key``."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    from cryptography.exceptions import InvalidSignature

    try:
        _ed25519().Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
