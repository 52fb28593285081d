"""Job control that needs more than one request."""

from __future__ import annotations

from covia_proto.endpoints import jobs
from covia_proto.errors import JobNotFoundError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.send import send
from covia_proto.models import JobRecord

__all__ = ["cancel_job"]


def cancel_job(context: VenueContext, job_id: str, *, reason: str | None = None) -> Flow[JobRecord]:
    """Cancel a job; cancelling one that has already finished changes nothing.

    A 0.1 venue answers 404 (empty body) both for an unknown job and for one that
    already finished (venue-api.md §3.5.4), so the job is looked up to tell them apart:
    a finished job's record is returned, an unknown job stays ``JobNotFoundError``.
    """
    try:
        call = jobs.cancel_job(context.endpoint, job_id, reason=reason)
        return (yield from send(context, call))
    except JobNotFoundError as missing:
        try:
            record = yield from send(context, jobs.get_job(context.endpoint, job_id))
        except JobNotFoundError:
            raise missing from None
        if not record.status.is_terminal:
            raise  # live but not cancellable by us (deleted from the live set)
        return record
