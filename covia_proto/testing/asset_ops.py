"""The simulated venue's pins: ``v/ops/asset/pin``, ``list`` and ``get``, answering as
the real venue 0.1 does (see ``covia_proto.flows.pins`` for what was observed).

A pin is kept in its caller's namespace under ``a``, keyed ``0x<hash>``, as the real
venue keeps it (``[metadata text, null, metadata]``), so ``v/ops/covia/read a`` shows
it there too; the real venue's ``list a`` calls that map an ``Index``, this one a
``Map``. The hash is the CAD3 id of the value (``covia_proto.asset_id``), the real
venue's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from covia_proto.asset_id import asset_id
from covia_proto.testing.job_table import Job
from covia_proto.testing.lattice_ops import LatticeRuntime, _JobOperation
from covia_proto.testing.wire import parse_hex

__all__ = ["ASSET_OPERATIONS"]

_DEFAULT_LIMIT: Final = 100
_MAX_LIMIT: Final = 1000
# The venue names a value's type by its Convex class in the refusal.
_CONVEX_TYPES: Final = ((bool, "CVMBool"), (int, "CVMLong"), (float, "CVMDouble"))


def _input(job: Job) -> Mapping[str, Any]:
    return job.run_input if isinstance(job.run_input, Mapping) else {}


def _pins(rt: LatticeRuntime, owner: str) -> dict[str, Any]:
    space = rt.namespace(owner)
    found = space.get("a")
    if not isinstance(found, dict):
        found = space["a"] = {}
    return found


def _by_hash(rt: Any, caller: str, ident: str) -> tuple[bool, Any]:
    """An asset by id: the venue's own, else one the caller pinned (another identity's
    pins are not found, whichever DID the URL names)."""
    asset = rt.assets.get(ident)
    if asset is not None:
        return True, asset.metadata
    pinned = _pins(rt, caller).get("0x" + ident)
    if isinstance(pinned, list) and len(pinned) == 3:
        return True, pinned[2]
    return False, None


def _resolve(rt: Any, caller: str, path: str) -> tuple[bool, Any]:
    """What ``path`` names for ``caller``, as ``pin`` and ``get`` resolve it."""
    if path.startswith("did:"):
        _, _, rest = path.partition("/")
        if not rest.startswith("a/"):
            return False, None  # the venue resolves no mutable path of a DID URL
        path = rest
    path = path.removeprefix("/")
    hex_id = parse_hex(path.removeprefix("a/"))
    if hex_id is not None and len(hex_id) == 64:
        return _by_hash(rt, caller, hex_id)
    if path.startswith("v/"):
        ident = rt.catalog.get(path)
        asset = rt.assets.get(ident) if ident else None
        return (True, asset.metadata) if asset is not None else (False, None)
    node: Any = rt.namespace(caller)
    for key in (part for part in path.split("/") if part):
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _type_name(value: Any) -> str:
    for kind, name in _CONVEX_TYPES:
        if isinstance(value, kind):
            return name
    return "VectorLeaf" if isinstance(value, list) else "StringShort"


class Pin(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        path = _input(job).get("path")
        if not isinstance(path, str) or not path:
            raise ValueError("path is required")
        found, value = _resolve(rt, job.caller, path)
        if not found:
            hex_id = parse_hex(path.removeprefix("/").removeprefix("a/"))
            if hex_id is not None and len(hex_id) == 64 and not path.startswith("did:"):
                raise ValueError(f"Asset not found: {hex_id}")
            raise ValueError(f"Path not found: {path}")
        if not isinstance(value, dict):
            raise ValueError(f"Cannot pin non-map value at {path} (got {_type_name(value)})")
        digest = asset_id(value)
        _pins(rt, job.caller)["0x" + digest] = [json.dumps(value, indent=2), None, value]
        return {"path": f"{job.caller}/a/{digest}", "hash": digest}


def _summary(digest: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": metadata.get("type"),
        "description": metadata.get("description"),
        "id": digest,
        "name": metadata.get("name"),
    }


class ListPins(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = _input(job)
        wanted = value.get("type")
        rows = [
            _summary(key.removeprefix("0x"), pinned[2])
            for key, pinned in sorted(_pins(rt, job.caller).items())
            if wanted is None or pinned[2].get("type") == wanted
        ]
        offset, limit = value.get("offset"), value.get("limit")
        start = offset if isinstance(offset, int) and offset > 0 else 0
        size = limit if isinstance(limit, int) and limit >= 0 else _DEFAULT_LIMIT
        size = min(size, _MAX_LIMIT)
        return {
            "items": rows[start : start + size],
            "offset": start,
            "limit": size,
            "total": len(rows),
        }


class GetAsset(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        ref = _input(job).get("id")
        if not isinstance(ref, str) or not ref:
            raise ValueError("id is required")
        found, value = _resolve(rt, job.caller, ref)
        if not found or not isinstance(value, dict):
            return {"exists": False, "id": ref}
        return {"value": value, "exists": True, "id": ref}


ASSET_OPERATIONS: Final[Mapping[str, Any]] = {
    "pin": Pin(),
    "list": ListPins(),
    "get": GetAsset(),
}
