"""What a flow knows about the venue it talks to, and the policies it follows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Final, Protocol

import attrs

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError
from covia_proto.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "ContentHasher",
    "PollPolicy",
    "RetryPolicy",
    "VenueContext",
    "VenueFeatures",
]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise CoviaUsageError(f"{attribute.name} must be positive, not {value!r}")


def _seconds_or_none(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise CoviaUsageError(
            f"{attribute.name} must be a positive number of seconds or None, not {value!r}"
        )


DEFAULT_CALL_TIMEOUT: Final = 300.0
"""Seconds one call may take as a whole. An honest venue answers a plain call in
milliseconds; the bound is for one that dribbles or stalls, and leaves room for the
retries (``RetryPolicy.budget``, 30 s) and a body as large as ``max_body_size`` on a
slow link."""


@attrs.frozen
class RetryPolicy:
    """When a failed request is tried again.

    Rate-limited answers (429, refused before any effect) are retried for every request;
    transient failures (a dropped connection, 502/503/504) only for idempotent requests,
    or when the connection failed before the request was sent. The delay grows as
    ``base_delay * 2**(attempt-1)`` with full jitter, capped at ``max_delay``, never
    shorter than the venue's ``Retry-After``; the pauses and attempts after a failure stay
    in ``budget`` seconds (and inside the deadline of the call, if it has one).
    """

    max_attempts: int = 4
    base_delay: float = attrs.field(default=0.2, validator=_positive)
    max_delay: float = attrs.field(default=10.0, validator=_positive)
    budget: float = attrs.field(default=30.0, validator=_positive)
    transient_statuses: frozenset[int] = frozenset({502, 503, 504})

    def delay(self, attempt: int, retry_after: float | None, rand: float) -> float:
        """The pause before attempt ``attempt + 1``; ``rand`` is uniform in [0, 1)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        delay = ceiling * rand
        return max(delay, retry_after) if retry_after is not None else delay


NO_RETRY: Final = RetryPolicy(max_attempts=1)


@attrs.frozen
class PollPolicy:
    """How a job is polled when the venue offers no faster way: the first pause, its
    growth and cap (COG-8 recommends 0.3 s × 1.5 up to 10 s; we start sooner because
    most jobs are short), and the share of each pause that is jittered."""

    initial: float = attrs.field(default=0.05, validator=_positive)
    factor: float = attrs.field(default=1.5, validator=_positive)
    maximum: float = attrs.field(default=5.0, validator=_positive)
    jitter: float = 0.1

    def delays(self, rand: Callable[[], float]) -> Callable[[], float]:
        """A function returning successive pauses."""
        state = {"next": self.initial}

        def next_delay() -> float:
            base = state["next"]
            state["next"] = min(base * self.factor, self.maximum)
            return base * (1 - self.jitter + 2 * self.jitter * rand())

        return next_delay


@attrs.define
class VenueFeatures:
    """What this connection has learnt about the venue's version (venue-api.md §9).

    ``None`` means not yet known. Flows prefer the newer routes, fall back when the
    venue says a route does not exist, and remember the answer here.
    """

    events: bool | None = None  # a job event stream that stays open
    agents: bool | None = None  # GET /agents (newer venues), else v/ops/agent/list


class ContentHasher(Protocol):
    """What a download hashes its content with: a ``hashlib.sha256()`` will do. A hasher
    with a ``close()`` method has it called when the download ends, however it ends."""

    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


@attrs.frozen
class VenueContext:
    """Everything a flow needs besides its arguments.

    ``rand`` supplies uniform numbers in [0, 1) for jitter: the core owns no randomness,
    so drivers pass ``random.random`` and tests pass something predictable. ``limits``
    bounds what the venue may make the SDK hold (``covia_proto.limits``).
    ``verify_asset_ids`` checks asset metadata against its id wherever it is read or
    registered (``covia_proto.asset_id``).

    ``call_timeout`` (seconds, or None for no bound) is the deadline of one call as a
    whole: connecting, sending, the answer's head and its whole body, and the retries.
    A job wait or ``run`` is bounded by its own ``timeout`` instead, each request inside
    it by both. Content transfers (downloads, uploads) are bounded only per wait (the
    driver's ``timeout``) once their head has arrived: their size decides their length.

    ``hasher`` makes the SHA-256 of each download: the core hashes in the caller's
    thread; a shell may supply one that hashes beside the transfer (``covia._hashing``).
    """

    endpoint: Endpoint
    features: VenueFeatures = attrs.field(factory=VenueFeatures)
    retry: RetryPolicy = RetryPolicy()
    poll: PollPolicy = PollPolicy()
    rand: Callable[[], float] = attrs.field(default=lambda: 0.5, repr=False)
    max_error_body: int = 64 * 1024
    limits: Limits = attrs.field(
        default=DEFAULT_LIMITS, validator=attrs.validators.instance_of(Limits)
    )
    verify_asset_ids: bool = True
    call_timeout: float | None = attrs.field(
        default=DEFAULT_CALL_TIMEOUT, validator=_seconds_or_none
    )
    hasher: Callable[[], ContentHasher] = attrs.field(default=hashlib.sha256, repr=False)
