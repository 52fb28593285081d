"""Read-only surfaces of newer venues (venue-api.md §3.14, unconfirmed there), offered by
the ``latest`` profile only: ``/values/{op}``, ``/agents`` and
``/adapters/{name}/operations``. They answer from the venue-level data the simulator
has (catalog, adapter summaries, assets); there is no per-user workspace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from covia_proto.testing.agent_ops import agent_summaries
from covia_proto.testing.replies import Reply
from covia_proto.testing.venue_state import Call, Venue
from covia_proto.testing.wire import dumps, json_error, json_response

__all__ = [
    "Refusal",
    "adapter_operations",
    "adapter_operations_route",
    "agent_route",
    "agents_route",
    "lattice",
    "value_query",
    "values_route",
]


class Refusal(Exception):
    """A request the venue refuses; ``status`` and ``message`` are its answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _insert(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split("/")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _adapter_name(metadata: Mapping[str, Any]) -> str | None:
    operation = metadata.get("operation")
    adapter = operation.get("adapter") if isinstance(operation, dict) else None
    return adapter.partition(":")[0] if isinstance(adapter, str) else None


def lattice(
    catalog: Iterable[tuple[str, Mapping[str, Any]]],
    assets: Iterable[tuple[str, Mapping[str, Any]]],
) -> dict[str, Any]:
    """The venue-level lattice: catalog paths, ``v/info/adapters/<name>`` summaries
    and ``a/<hex>`` asset metadata."""
    tree: dict[str, Any] = {}
    adapters: dict[str, list[str]] = {}
    for path, metadata in catalog:
        _insert(tree, path, dict(metadata))
        name = _adapter_name(metadata)
        if name is not None:
            adapters.setdefault(name, []).append(path)
    for name, paths in adapters.items():
        _insert(
            tree,
            f"v/info/adapters/{name}",
            {"name": name, "description": f"The {name} adapter", "operations": paths},
        )
    for ident, metadata in assets:
        _insert(tree, f"a/{ident}", dict(metadata))
    return tree


def _lookup(tree: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = tree
    for part in (p for p in path.strip("/").split("/") if p):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def value_query(tree: dict[str, Any], op: str, query: Mapping[str, list[str]]) -> Any:
    """``GET /values/{op}?path=…`` for ``read``, ``list``, ``count`` and ``inspect``."""
    if op not in {"read", "list", "count", "inspect"}:
        raise Refusal(400, f"Unsupported value operation: {op}")
    path = query.get("path", [None])[0]
    if path is None:
        raise Refusal(400, "Missing 'path' parameter")
    exists, value = _lookup(tree, path)
    size = len(dumps(value)) if exists else 0
    if op == "read":
        max_size = query.get("maxSize", [None])[0]
        limit = int(max_size) if max_size is not None and max_size.isdigit() else None
        truncated = limit is not None and size > limit
        return {
            "exists": exists,
            "value": None if truncated else value,
            "truncated": truncated,
            "size": size,
        }
    count = len(value) if isinstance(value, dict | list) else 0
    if op == "count":
        return {"exists": exists, "count": count}
    if op == "list":
        keys = sorted(value) if isinstance(value, dict) else list(range(count))
        return {"exists": exists, "items": keys, "count": count}
    kind = {
        dict: "map",
        list: "vector",
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "double",
    }.get(type(value), "nil")
    return {"exists": exists, "type": kind if exists else None, "size": size, "count": count}


def adapter_operations(
    name: str, catalog: Iterable[tuple[str, Mapping[str, Any]]]
) -> dict[str, Any]:
    """``{opName: metadata}`` of one adapter; raises 404 for an unknown adapter."""
    found: dict[str, Any] = {}
    for _, metadata in catalog:
        operation = metadata.get("operation")
        adapter = operation.get("adapter") if isinstance(operation, dict) else None
        if isinstance(adapter, str) and adapter.partition(":")[0] == name:
            found[adapter.partition(":")[2] or name] = dict(metadata)
    if not found:
        raise Refusal(404, f"Adapter not found: {name}")
    return found


# -- route handlers ------------------------------------------------------------------


def values_route(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    tree = lattice(venue.catalog_entries(), ((asset.id, asset.metadata) for asset in venue.assets))
    try:
        return json_response(200, value_query(tree, params[0], call.query))
    except Refusal as exc:
        return json_error(exc.status, exc.message)


def agents_route(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    # Shaped as v/ops/agent/list answers; the route's own shape is unconfirmed (§3.14).
    return json_response(200, {"agents": agent_summaries(venue.namespace(call.caller))})


def agent_route(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    return json_error(404, f"Agent not found: {params[0]}")


def adapter_operations_route(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    try:
        return json_response(200, adapter_operations(params[0], venue.catalog_entries()))
    except Refusal as exc:
        return json_error(exc.status, exc.message)
