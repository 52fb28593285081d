"""The caller's workspace: lattice values under ``w/`` (and the other paths a venue lets a
caller read), through the ``v/ops/covia/*`` operations every 0.1 venue has.

Each flow runs one operation with ``run`` (invoke, then follow the job) and turns its
output into a model. What the real venue answers (venue 0.1, observed):

* ``read {path, maxSize?}`` → ``{value, exists}``; a missing path is
  ``{"value": null, "exists": false}``; over ``maxSize`` bytes →
  ``{value: null, size, truncated: true, exists: true}``. Another identity's path
  (``<DID>/w/…``) needs a venue-signed UCAN among ``ucans`` (``Access denied``).
* ``write {path, value}`` → ``{written: true}``; only ``w/``, ``o/`` and ``t/`` (job
  temporary) are writable, and a path needs a namespace and a key.
* ``list {path?, offset?, limit?}`` → ``{type, keys?, count?, exists}``: ``keys`` for a
  map, ``count`` for maps, vectors and strings; a missing path is ``{type: "Nil",
  exists: false}``; without ``path``, the top of the caller's namespace.
* ``slice {path, offset?, limit?}`` → ``{type, count, values, offset, exists}``: entries
  of a vector as values, of a map as ``{key, value}`` pairs; a missing path is
  ``{exists: false}``; a scalar fails the job.
* ``append {path, value}`` → ``{appended: true}`` (a new vector where nothing was);
  ``copy {from, to}`` → ``{copied: true}`` (``source not found: …``);
  ``delete {path}`` → ``{deleted: true}``, also for a path that was not there;
  ``inspect {paths}`` → ``{result: <JSON5 text>}`` for one path, ``{result: {path:
  text}}`` for several.
* ``count`` is no operation of the venue's: it is ``list`` with ``limit: 1`` (a limit of
  0 still lists one key), the ``count`` of a map or vector; a string's ``count`` (its
  characters) and scalars are not collections.

The official SDK reads through ``GET /values/{read|list|slice|inspect|count|aggregate}``
(no job; venue-api.md §3.14), with no fallback. The real venue 0.1 has no such route:
``GET /api/v1/values/read?path=w/x`` is ``404 {"error": "Endpoint GET
/api/v1/values/read not found"}`` (every op name alike), and it
has no ``count`` or ``aggregate`` operation. Its shapes being unconfirmed as well, these
flows use the operations, which every venue version answers the same way; ``ucans``
count for ``read``, ``list`` and ``slice`` only (``copy`` and ``inspect`` find nothing
at another identity's path, grant or not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from covia_proto.converter import structure, wire
from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run

__all__ = [
    "OPERATIONS",
    "WorkspaceCount",
    "WorkspaceListing",
    "WorkspaceSlice",
    "WorkspaceValue",
    "append",
    "copy",
    "count",
    "delete",
    "inspect",
    "list_path",
    "read",
    "slice_path",
    "write",
]

OPERATIONS: Final = {
    name: f"v/ops/covia/{name}"
    for name in ("read", "write", "list", "slice", "append", "copy", "delete", "inspect")
}


def _extra() -> Any:
    return attrs.field(factory=dict, kw_only=True, repr=False, eq=True)


@attrs.frozen
class WorkspaceValue:
    """A value read from a lattice path. ``exists`` is false where nothing is stored;
    ``truncated`` (with ``size`` in bytes, and no ``value``) where it exceeds ``max_size``."""

    exists: bool = wire(default=False)
    value: Any = wire(default=None)
    truncated: bool = wire(default=False)
    size: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class WorkspaceListing:
    """What is at a path: its ``type`` (``Map``, ``Vector``, ``String``, ``Nil``, …), the
    keys of a map, and how many entries (or characters) it holds."""

    exists: bool = wire(default=False)
    type: str | None = wire()
    keys: tuple[str, ...] = wire(default=())
    count: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class WorkspaceCount:
    """How many entries the collection at a path holds; ``exists`` is false (and
    ``count`` None) where nothing, or no map or vector, is there."""

    exists: bool = False
    count: int | None = None
    type: str | None = None


_COLLECTIONS: Final = frozenset({"Map", "Vector", "Index", "Set"})


@attrs.frozen
class WorkspaceSlice:
    """A window of a collection: vector elements, or ``{"key", "value"}`` map entries."""

    exists: bool = wire(default=False)
    type: str | None = wire()
    values: tuple[Any, ...] = wire(default=())
    offset: int | None = wire()
    count: int | None = wire()
    extra: Mapping[str, Any] = _extra()


def _path(path: Any, what: str = "path") -> str:
    if not isinstance(path, str) or not path.strip("/"):
        raise CoviaUsageError(f"a workspace {what} must be a non-empty string, not {path!r:.80}")
    return path


def _window(body: dict[str, Any], offset: int | None, limit: int | None) -> dict[str, Any]:
    for name, number in (("offset", offset), ("limit", limit)):
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise CoviaUsageError(f"{name} must be a non-negative integer, not {number!r}")
        body[name] = number
    return body


def _model(operation: str, output: Any, cls: type[Any]) -> Any:
    if not isinstance(output, dict):
        raise VenueProtocolError(f"{operation} answered {output!r:.200}, not an object")
    return structure(output, cls)


def _confirmed(operation: str, output: Any, flag: str) -> None:
    """Writes answer ``{<flag>: true}``; anything else is a venue breaking the contract."""
    if not isinstance(output, dict) or output.get(flag) is not True:
        raise VenueProtocolError(f"{operation} answered {output!r:.200}, not {{{flag!r}: true}}")


def read(
    context: VenueContext,
    path: str,
    *,
    max_size: int | None = None,
    ucans: Sequence[str] | None = None,
    timeout: float | None = None,
) -> Flow[WorkspaceValue]:
    """The value at ``path`` (``w/notes``, or ``<DID>/w/notes`` with a grant in ``ucans``)."""
    body: dict[str, Any] = {"path": _path(path)}
    if max_size is not None:
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise CoviaUsageError(f"max_size must be a positive integer, not {max_size!r}")
        body["maxSize"] = max_size
    output = yield from run(context, OPERATIONS["read"], body, timeout=timeout, ucans=ucans)
    result: WorkspaceValue = _model(OPERATIONS["read"], output, WorkspaceValue)
    return result


def write(
    context: VenueContext, path: str, value: Any, *, timeout: float | None = None
) -> Flow[None]:
    """Store ``value`` at ``path`` (under ``w/``, ``o/`` or ``t/``), making the maps on
    the way."""
    body = {"path": _path(path), "value": value}
    output = yield from run(context, OPERATIONS["write"], body, timeout=timeout)
    _confirmed(OPERATIONS["write"], output, "written")


def delete(context: VenueContext, path: str, *, timeout: float | None = None) -> Flow[None]:
    """Remove ``path`` (a path that holds nothing is no error)."""
    output = yield from run(context, OPERATIONS["delete"], {"path": _path(path)}, timeout=timeout)
    _confirmed(OPERATIONS["delete"], output, "deleted")


def append(
    context: VenueContext, path: str, value: Any, *, timeout: float | None = None
) -> Flow[None]:
    """Add ``value`` to the vector at ``path`` (made if nothing is there)."""
    body = {"path": _path(path), "value": value}
    output = yield from run(context, OPERATIONS["append"], body, timeout=timeout)
    _confirmed(OPERATIONS["append"], output, "appended")


def copy(
    context: VenueContext, source: str, destination: str, *, timeout: float | None = None
) -> Flow[None]:
    """Copy the value at ``source`` (any readable path) to ``destination``."""
    body = {"from": _path(source, "source"), "to": _path(destination, "destination")}
    output = yield from run(context, OPERATIONS["copy"], body, timeout=timeout)
    _confirmed(OPERATIONS["copy"], output, "copied")


def list_path(
    context: VenueContext,
    path: str | None = None,
    *,
    offset: int | None = None,
    limit: int | None = None,
    ucans: Sequence[str] | None = None,
    timeout: float | None = None,
) -> Flow[WorkspaceListing]:
    """What ``path`` holds (the top of the caller's namespace without one)."""
    body = _window({} if path is None else {"path": _path(path)}, offset, limit)
    output = yield from run(context, OPERATIONS["list"], body, timeout=timeout, ucans=ucans)
    result: WorkspaceListing = _model(OPERATIONS["list"], output, WorkspaceListing)
    return result


def count(
    context: VenueContext,
    path: str,
    *,
    ucans: Sequence[str] | None = None,
    timeout: float | None = None,
) -> Flow[WorkspaceCount]:
    """How many entries (keys of a map, elements of a vector) are at ``path``."""
    listing = yield from list_path(context, path, limit=1, ucans=ucans, timeout=timeout)
    if not listing.exists or listing.type not in _COLLECTIONS or listing.count is None:
        return WorkspaceCount(type=listing.type)
    return WorkspaceCount(exists=True, count=listing.count, type=listing.type)


def slice_path(
    context: VenueContext,
    path: str,
    *,
    offset: int | None = None,
    limit: int | None = None,
    ucans: Sequence[str] | None = None,
    timeout: float | None = None,
) -> Flow[WorkspaceSlice]:
    """Entries ``offset`` to ``offset + limit`` of the collection at ``path``."""
    body = _window({"path": _path(path)}, offset, limit)
    output = yield from run(context, OPERATIONS["slice"], body, timeout=timeout, ucans=ucans)
    result: WorkspaceSlice = _model(OPERATIONS["slice"], output, WorkspaceSlice)
    return result


def inspect(
    context: VenueContext, paths: str | Sequence[str], *, timeout: float | None = None
) -> Flow[dict[str, str]]:
    """A compact JSON5 rendering of each path, for people (``{path: text}``)."""
    wanted = [paths] if isinstance(paths, str) else list(paths)
    if not wanted:
        raise CoviaUsageError("inspect needs at least one path")
    for path in wanted:
        _path(path)
    body = {"paths": wanted[0] if len(wanted) == 1 else wanted}
    output = yield from run(context, OPERATIONS["inspect"], body, timeout=timeout)
    result = output.get("result") if isinstance(output, dict) else None
    if isinstance(result, str) and len(wanted) == 1:
        return {wanted[0]: result}
    if isinstance(result, dict) and all(isinstance(v, str) for v in result.values()):
        return {str(k): v for k, v in result.items()}
    raise VenueProtocolError(f"{OPERATIONS['inspect']} answered {output!r:.200}")
