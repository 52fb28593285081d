"""The caller's secrets as flows, for ``venue.secrets``: names are listed, values go in
and (on a venue that allows it) come back out.

What the real venue 0.1 does (venue-api.md §3.7, and observed):

* ``set`` goes through ``PUT /secrets/{name}``, which runs ``v/ops/secret/set`` as the
  caller's job with the value shown as ``HIDDEN`` in its record; the official SDK runs
  the operation itself, which puts the value in a job input it does not hide on every
  venue, so this SDK prefers the route.
* ``delete`` of an absent name is ``404 Secret not found: <name>``. Beware a venue
  race: a delete sent right after the ``set`` of the same name (no other request
  between, same millisecond or so) answers ``200`` and leaves the secret in place.
* ``extract`` (``v/ops/secret/extract``) always fails on 0.1: ``No capability to
  extract secrets``. It raises ``JobFailedError`` with that message.
* The encrypted values are lattice data of the owner: ``workspace.read("s")`` shows
  ``{name: {"encrypted": "0x…", "updated": ms}}``.
"""

from __future__ import annotations

from typing import Any, Final

from covia_proto.endpoints import secrets as routes
from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run
from covia_proto.flows.send import send

__all__ = ["EXTRACT", "delete", "extract", "list_names", "set_value"]

EXTRACT: Final = "v/ops/secret/extract"


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise CoviaUsageError(f"a secret name must be a non-empty string, not {name!r:.80}")
    return name


def list_names(context: VenueContext) -> Flow[list[str]]:
    """The names of the caller's secrets (never their values)."""
    found = yield from send(context, routes.list_secrets(context.endpoint))
    return list(found.items)


def set_value(context: VenueContext, name: str, value: str) -> Flow[None]:
    """Store ``value`` under ``name``, replacing what was there."""
    call = routes.put_secret(context.endpoint, _name(name), value)
    stored = yield from send(context, call)
    if stored.stored is False:
        raise VenueProtocolError(f"the venue did not store the secret {name!r}")


def delete(context: VenueContext, name: str) -> Flow[None]:
    """Remove the secret ``name`` (``NotFoundError`` where the venue says it is absent)."""
    yield from send(context, routes.delete_secret(context.endpoint, _name(name)))


def extract(context: VenueContext, name: str, *, timeout: float | None = None) -> Flow[str]:
    """The value of ``name``, where the venue grants the capability (no 0.1 venue does)."""
    output = yield from run(context, EXTRACT, {"name": _name(name)}, timeout=timeout)
    value = output.get("value") if isinstance(output, dict) else None
    if not isinstance(value, str):
        raise VenueProtocolError(f"{EXTRACT} answered without a string value")
    return value
