"""A Covia venue for tests, with no network: a sans-IO simulator of the venue's HTTP
API (venue-api.md §11) and the reply values it answers with.

``VenueSimulator`` answers ``covia_proto.http.Request`` values against a clock it is
given; a carrier (the loopback server, an in-memory transport) puts its replies on a
wire. ``FaultPlan`` and the fault kinds spoil chosen answers for reliability tests.

Inside: ``simulator`` (request plumbing), ``venue_state`` (state), ``asset_routes``,
``job_routes`` and ``latest`` (handlers), ``ops`` (the test operations), ``job_table``,
``asset_store``, ``content``, ``list_pages``, ``timers``, ``sse_source``, ``faults``,
``ratelimit``, ``venue_did``, ``caller_auth`` and ``wire`` (the venue's JSON and header
conventions).
Beside it: ``server`` (the simulator on loopback HTTP), ``memory`` and ``scripted``
(drivers with no socket), and ``driver_kit`` (checks a driver against the contract of
``covia_proto.drivers``).
"""

from __future__ import annotations

from covia_proto.testing.faults import (
    BreakStream,
    Fault,
    FaultPlan,
    FaultRule,
    Latency,
    MalformedJson,
    RateLimited,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    StallResponse,
    TruncateBody,
    WrongContentType,
)
from covia_proto.testing.ratelimit import RateLimit
from covia_proto.testing.replies import (
    WAIT,
    BodySource,
    Deferred,
    Delayed,
    Reply,
    Reset,
    Stall,
    Streamed,
    Truncated,
)
from covia_proto.testing.simulator import Profile, VenueSimulator

__all__ = [
    "WAIT",
    "BodySource",
    "BreakStream",
    "Deferred",
    "Delayed",
    "Fault",
    "FaultPlan",
    "FaultRule",
    "Latency",
    "MalformedJson",
    "Profile",
    "RateLimit",
    "RateLimited",
    "Reply",
    "Reset",
    "ResetAfterRequest",
    "ResetBeforeRequest",
    "ServerError",
    "Stall",
    "StallResponse",
    "Streamed",
    "TruncateBody",
    "Truncated",
    "VenueSimulator",
    "WrongContentType",
]
