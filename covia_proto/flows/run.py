"""Running an operation to its output in one call: invoke, then wait for the job.

The invoke asks for no server-side wait, on any venue version, for three reasons the
real venue taught (venue-api.md §3.4): it holds ``wait: true`` until the job is
*terminal*, so an operation that pauses or asks for input would hold the call for 120 s
and then be failed by the venue; a held call outlives a shorter per-read timeout; and
until the answer arrives the caller does not know the job's id. ``POST /run`` of newer
venues is not used for the same last reason, and because it answers a failed job as an
HTTP error rather than the job. So the job is created at once and followed by the
fastest means the venue offers (its event stream, else polling), and every way ``run``
can end early hands the caller the job: ``JobFailedError``, ``JobInteractionRequired``
and ``JobTimeoutError`` all carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from covia_proto.endpoints import jobs
from covia_proto.errors import CoviaTimeoutError, JobFailedError, JobInteractionRequired
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow, GetTime
from covia_proto.flows.events import wait_for_job
from covia_proto.flows.send import reached, send
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord

__all__ = ["job_output", "run"]


def job_output(job: JobRecord) -> Any:
    """A job's output once it has finished, or the error that says why there is none:
    ``JobInteractionRequired`` while it waits for the caller, else ``JobFailedError``."""
    if job.status == JobStatus.COMPLETE:
        return job.output
    if job.status.is_interactive:
        raise JobInteractionRequired(job)
    raise JobFailedError(job)


def run(
    context: VenueContext,
    operation: str,
    input: Any = None,
    *,
    timeout: float | None = None,
    ucans: Sequence[str] | None = None,
) -> Flow[Any]:
    """Invoke ``operation`` and return its output; see the module's docs for why it
    waits the way it does. ``ucans`` are UCAN tokens presented as capability proofs."""
    start: float = yield GetTime()
    deadline = None if timeout is None else start + timeout
    invoke = jobs.invoke(context.endpoint, operation, input, ucans=ucans)
    try:
        invoked = yield from send(context, invoke, deadline=deadline)
    except CoviaTimeoutError as exc:
        if timeout is None:
            raise
        now: float = yield GetTime()
        if not reached(start, timeout, now):
            raise  # a wait of the driver ran out, not the caller's timeout
        # No job id yet: the operation may or may not have started at the venue.
        message = f"operation {operation} was not invoked within {timeout:g} s"
        raise CoviaTimeoutError(message, request=exc.request) from exc
    job = invoked.job
    if not (job.status.is_terminal or job.status.is_interactive):
        # The caller's timeout runs from the start of the call, the invoke included.
        job = yield from wait_for_job(context, job.id, timeout=timeout, since=start, last_seen=job)
    return job_output(job)
