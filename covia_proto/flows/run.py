"""Running an operation to its output in one call.

``POST /run`` where the venue has it; else ``POST /invoke`` with a server-side wait,
then waiting for the job by the fastest means the venue offers. What the venue taught
(whether ``/run`` exists) is remembered for the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from covia_proto.endpoints import jobs, newer
from covia_proto.endpoints.responses import error_for, is_missing_route
from covia_proto.errors import JobFailedError, JobInteractionRequired
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow, GetTime
from covia_proto.flows.events import wait_for_job
from covia_proto.flows.send import remaining, send, send_request
from covia_proto.http import Response
from covia_proto.models import JobRecord
from covia_proto.status import JobStatus

__all__ = ["SERVER_WAIT_CAP", "job_output", "run"]

# A 0.1 venue holds an invoke-with-wait for at most 120 s, then FAILS the job. Waiting
# server-side only while the caller's own timeout is shorter keeps that from happening
# to a job the caller still wants.
SERVER_WAIT_CAP: Final = 110.0
logger: Final = logging.getLogger("covia.jobs")


def job_output(job: JobRecord) -> Any:
    """A settled job's output, or the error that says why there is none."""
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
    """Invoke ``operation`` and return its output (``JobFailedError`` if it fails).

    ``ucans`` are UCAN tokens presented as capability proofs with the call."""
    start: float = yield GetTime()
    deadline = None if timeout is None else start + timeout
    if context.features.run is not False:
        call = newer.run(context.endpoint, operation, input, ucans=ucans)
        response = yield from send_request(context, call.request, deadline=deadline)
        if not _route_missing(response):
            context.features.run = True
            return call.parse(response, context.limits)
        logger.debug("venue has no /run; invoking and waiting instead")
        context.features.run = False
    now: float = yield GetTime()
    left = remaining(deadline, now)
    server_wait = left is not None and left <= SERVER_WAIT_CAP
    invoke = jobs.invoke(
        context.endpoint, operation, input, wait=True if server_wait else None, ucans=ucans
    )
    result = yield from send(context, invoke, deadline=deadline)
    job = result.job
    if not (job.status.is_terminal or job.status.is_interactive):
        now = yield GetTime()
        job = yield from wait_for_job(context, job.id, timeout=remaining(deadline, now))
    return job_output(job)


def _route_missing(response: Response) -> bool:
    return response.status == 404 and is_missing_route(error_for(response))
