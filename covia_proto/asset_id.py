"""Asset ids computed locally, and metadata checked against the id it is served under.

An asset's id is the SHA3-256 of the CAD3 encoding of its metadata read into Convex
values (venue-api.md §5.1), so a copy of an asset from any venue can be checked against
its id, and the id of metadata is known before it is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covia_proto import _cad3 as cad3
from covia_proto.errors import AssetIdMismatchError, RequestInfo, VenueProtocolError
from covia_proto.hexid import parse_hex
from covia_proto.venue_json import MetadataJsonError, read_json

__all__ = ["asset_id", "asset_id_of_json", "referenced_asset_id", "verify_asset_id"]


def asset_id(metadata: Mapping[str, Any]) -> str:
    """The id (64 lower-case hex) of metadata given as Python values.

    Types decide the id as on the venue: ``1`` and ``1.0`` differ, and so do ``-0.0``
    and ``0.0`` or ``{"n": None}`` and ``{}``. For metadata held as JSON text, use
    :func:`asset_id_of_json`: text can say what Python values cannot.
    """
    if not isinstance(metadata, Mapping):
        raise MetadataJsonError(f"asset metadata must be a JSON object, not {_kind(metadata)}")
    return cad3.value_id(dict(metadata)).hex()


def asset_id_of_json(text: str | bytes) -> str:
    """The id the venue gives the JSON ``text`` when it is registered.

    Raises ``MetadataJsonError`` (a ``CoviaUsageError``) for text the venue refuses:
    malformed JSON, a value that is not an object, a long fraction literal.
    """
    metadata = read_json(text)
    if metadata is None:
        metadata = {}  # the venue registers a body of `null` as the empty object
    return asset_id(metadata)


def verify_asset_id(
    expected: str, text: str | bytes, *, request: RequestInfo | None = None
) -> None:
    """Raise ``AssetIdMismatchError`` unless ``text`` (metadata exactly as the venue
    served it) has the id ``expected`` (hex, ``0x`` optional, either case)."""
    expected = parse_hex(expected.strip()) or expected
    try:
        actual = asset_id_of_json(text)
    except MetadataJsonError as exc:
        raise VenueProtocolError(
            f"asset {expected}: metadata that no venue could have registered: {exc.message}",
            request=request,
        ) from None
    if actual != expected:
        raise AssetIdMismatchError(
            expected,
            actual,
            what="the metadata served hashes to another id",
            request=request,
        )


def referenced_asset_id(reference: str) -> str | None:
    """The id a reference names by hash: a bare id (``0x`` optional, any case),
    ``a/<id>``, ``/a/<id>`` or ``did:…/a/<id>``; None for anything else (catalog
    names, lattice paths), whose id only the venue can tell."""
    text = reference.strip()
    for prefix in ("a/", "/a/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    else:
        did, separator, rest = text.partition("/a/")
        if separator and did.startswith("did:") and "/" not in did:
            text = rest
    ident = parse_hex(text)
    return ident if ident is not None and len(ident) == 64 else None


def _kind(value: object) -> str:
    return "null" if value is None else f"a {type(value).__name__}"
