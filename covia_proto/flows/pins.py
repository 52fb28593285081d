"""Pinned assets, for ``venue.pins`` and ``venue.pin_asset``: snapshots of any value the
venue can resolve, kept in the caller's own content-addressed store (``a/`` of their
namespace), through ``v/ops/asset/pin|list|get``.

What the real venue 0.1 does (observed):

* ``pin {path}`` → ``{path: "<caller DID>/a/<hash>", hash}``; ``hash`` is the CAD3 id of
  the value, the one the venue would give it as registered metadata, so pinning is
  idempotent. ``path`` may be a workspace path (``w/…``, ``o/…``, ``/o/…``), a catalogue
  path (``v/…``, ``/v/…``), an asset id (bare or ``0x`` hex, ``/a/<hex>``, ``a/<hex>``)
  or a DID URL ``<any DID>/a/<hex>`` — content-addressed, so whatever DID it names, a
  copy the venue holds will do: that is how another venue's asset is pinned (a venue
  fetches a ``did:web`` one it lacks; the loopback venues of the tests have ``did:key``
  DIDs, so only the local-copy path is exercised). A DID URL
  of a mutable path (``<DID>/w/…``, ``<DID>/v/…``, the caller's own too) is ``Path not
  found``. Only maps pin (``Cannot pin non-map value at w/n (got CVMLong)``); an unknown
  id is ``Asset not found: <hex>``, anything else unresolved ``Path not found: <path>``;
  no ``path`` (or not a string) is ``path is required``.
* ``list {type?, offset?, limit?}`` → ``{items: [{id, name, type, description}], offset,
  limit, total}``, ordered by id; ``type`` matches the metadata's ``type`` field; the
  limit is 100 unless given and at most 1000 (more is cut to 1000). The venue's
  ``GET /assets`` does not list pins: it lists the venue's own assets.
* ``get {id}`` → ``{id, exists, value}`` for any address a pin takes (a pin's DID URL
  too); ``exists: false`` where nothing, or no map, is there. A pin is its owner's: by
  hash or DID URL, another identity finds only what the venue itself holds (its own
  assets), not the values others pinned.

The pinned copy is the caller's: it stays when the source changes, and an operation
pinned this way is invoked by its DID URL (``venue.run(pinned.path, input)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from covia_proto.converter import structure, wire
from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run
from covia_proto.hexid import parse_hex

__all__ = [
    "GET",
    "LIST",
    "PIN",
    "PinList",
    "PinSummary",
    "PinnedAsset",
    "ResolvedAsset",
    "get",
    "list_pins",
    "pin",
]

PIN: Final = "v/ops/asset/pin"
LIST: Final = "v/ops/asset/list"
GET: Final = "v/ops/asset/get"
MAX_LIMIT: Final = 1000  # the venue's cap on one page


def _extra() -> Any:
    return attrs.field(factory=dict, kw_only=True, repr=False, eq=True)


@attrs.frozen
class PinnedAsset:
    """A pin: ``path`` is the caller's DID URL of it, ``hash`` its id (bare hex)."""

    path: str
    hash: str
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class PinSummary:
    """One pinned asset as ``list`` shows it (the metadata's name, type, description)."""

    id: str = wire(hex=True, default="")
    name: str | None = wire(lenient=True)
    type: str | None = wire(lenient=True)
    description: str | None = wire(lenient=True)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class PinList:
    """A page of the caller's pins, with how many match in all."""

    items: tuple[PinSummary, ...] = wire(default=())
    total: int | None = wire()
    offset: int | None = wire()
    limit: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class ResolvedAsset:
    """The metadata at an address (``value``), if a map is there (``exists``)."""

    id: str = wire(default="")
    exists: bool = wire(default=False)
    value: Mapping[str, Any] | None = wire(lenient=True)
    extra: Mapping[str, Any] = _extra()


def _address(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip("/"):
        raise CoviaUsageError(f"{what} must be a non-empty address string, not {value!r:.80}")
    return value


def _object(operation: str, output: Any) -> dict[str, Any]:
    if not isinstance(output, dict):
        raise VenueProtocolError(f"{operation} answered {output!r:.200}, not an object")
    return output


def pin(context: VenueContext, path: str, *, timeout: float | None = None) -> Flow[PinnedAsset]:
    """Snapshot the map at ``path`` (a workspace or catalogue path, an asset id, a DID
    URL ``<DID>/a/<hex>`` of another venue's asset) into the caller's asset store."""
    output = yield from run(context, PIN, {"path": _address(path, "path")}, timeout=timeout)
    answer = _object(PIN, output)
    digest = parse_hex(answer["hash"]) if isinstance(answer.get("hash"), str) else None
    where = answer.get("path")
    if digest is None or len(digest) != 64 or not isinstance(where, str):
        raise VenueProtocolError(f"{PIN} answered {output!r:.200}, not a path and a hash")
    if parse_hex(where.rpartition("/a/")[2]) != digest:
        raise VenueProtocolError(f"{PIN} answered the path {where!r} for the hash {digest}")
    extra = {k: v for k, v in answer.items() if k not in ("path", "hash")}
    return PinnedAsset(where, digest, extra=extra)


def list_pins(
    context: VenueContext,
    *,
    type: str | None = None,
    offset: int | None = None,
    limit: int | None = None,
    timeout: float | None = None,
) -> Flow[PinList]:
    """A page of the caller's pins, ``type`` being the metadata's ``type`` to match."""
    body: dict[str, Any] = {}
    if type is not None:
        if not isinstance(type, str):
            raise CoviaUsageError(f"type is a string, not {type!r:.80}")
        body["type"] = type
    for name, number, top in (("offset", offset, None), ("limit", limit, MAX_LIMIT)):
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise CoviaUsageError(f"{name} must be a non-negative integer, not {number!r}")
        if top is not None and number > top:
            raise CoviaUsageError(f"{name} is at most {top} (the venue's page), not {number}")
        body[name] = number
    output = yield from run(context, LIST, body, timeout=timeout)
    result: PinList = structure(_object(LIST, output), PinList)
    return result


def get(context: VenueContext, ref: str, *, timeout: float | None = None) -> Flow[ResolvedAsset]:
    """The metadata at ``ref`` — a pin's DID URL, an asset id, any path ``pin`` takes."""
    body = {"id": _address(ref, "an asset reference")}
    output = yield from run(context, GET, body, timeout=timeout)
    result: ResolvedAsset = structure(_object(GET, output), ResolvedAsset)
    return result
