"""Job statuses and the lifecycle a job may follow (venue-api.md §4.2, §4.3)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

__all__ = [
    "ACTIVE",
    "INTERACTIVE",
    "TERMINAL",
    "TRANSITIONS",
    "JobStatus",
    "can_transition",
]


class JobStatus(enum.StrEnum):
    """A job's status. Members compare equal to the venue's plain strings.

    A status this SDK does not know (sent by a newer venue) still parses: it becomes a
    member-like value that is neither terminal nor interactive, so waiting goes on.
    """

    PENDING = "PENDING"
    STARTED = "STARTED"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    PAUSED = "PAUSED"
    INPUT_REQUIRED = "INPUT_REQUIRED"
    AUTH_REQUIRED = "AUTH_REQUIRED"

    @classmethod
    def _missing_(cls, value: object) -> JobStatus | None:
        if not isinstance(value, str):
            return None
        known = cls.__members__.get(value.upper())
        if known is not None:
            return known
        # An unknown status: a pseudo-member, like enum.Flag makes for unnamed values.
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        """Whether this SDK knows the status (a newer venue may send others)."""
        return self._name_ in type(self).__members__

    @property
    def is_terminal(self) -> bool:
        """Finished for good: COMPLETE, FAILED, CANCELLED, REJECTED or TIMEOUT."""
        return self in TERMINAL

    @property
    def is_interactive(self) -> bool:
        """Waiting for the caller: PAUSED, INPUT_REQUIRED or AUTH_REQUIRED."""
        return self in INTERACTIVE

    @property
    def is_finished(self) -> bool:
        """The official SDK's name for ``is_terminal``."""
        return self in TERMINAL

    @property
    def is_paused(self) -> bool:
        """The official SDK's name for ``is_interactive``: PAUSED, INPUT_REQUIRED or
        AUTH_REQUIRED."""
        return self in INTERACTIVE

    @property
    def is_active(self) -> bool:
        """Queued or running: PENDING or STARTED (or a status this SDK does not know)."""
        return not (self.is_terminal or self.is_interactive)

    def __repr__(self) -> str:
        return f"JobStatus.{self._name_}"


# The SDK treats TIMEOUT as terminal, as COG-8 and the official SDK do; the 0.1 server
# does not, but no server path produces it for local jobs (venue-api.md §4.2).
TERMINAL: Final = frozenset(
    {
        JobStatus.COMPLETE,
        JobStatus.FAILED,
        JobStatus.CANCELLED,
        JobStatus.REJECTED,
        JobStatus.TIMEOUT,
    }
)
INTERACTIVE: Final = frozenset(
    {JobStatus.PAUSED, JobStatus.INPUT_REQUIRED, JobStatus.AUTH_REQUIRED}
)
ACTIVE: Final = frozenset({JobStatus.PENDING, JobStatus.STARTED})

_LIVE_TARGETS: Final = frozenset(JobStatus) - {JobStatus.PENDING}

# Every transition the venue performs (§4.3), in one table. Adapters may set any status
# on a live job, pause relabels any live job, resume takes an interactive job back to
# STARTED, and the same status may be reported again with new output (chat turns).
# Nothing leaves a terminal status.
TRANSITIONS: Final[Mapping[JobStatus, frozenset[JobStatus]]] = {
    JobStatus.PENDING: frozenset(JobStatus),
    JobStatus.STARTED: _LIVE_TARGETS,
    JobStatus.PAUSED: _LIVE_TARGETS,
    JobStatus.INPUT_REQUIRED: _LIVE_TARGETS,
    JobStatus.AUTH_REQUIRED: _LIVE_TARGETS,
    **{status: frozenset() for status in TERMINAL},
}


def can_transition(old: JobStatus, new: JobStatus) -> bool:
    """Whether a job may go from ``old`` to ``new``; statuses this SDK does not know
    are given the benefit of the doubt unless ``old`` is terminal."""
    if old.is_terminal:
        return False
    if not (old.is_known and new.is_known):
        return True
    return new in TRANSITIONS[old]
