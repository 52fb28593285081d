"""``AsyncJob``: one job on a venue, followed through its lifecycle (async)."""

# unasync: async-only
# The sync Job, covia/job.py, is generated from this file: after changing it, run
# `python tools/unasync.py`.
# unasync: end

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from covia._views import JobView
from covia_proto.endpoints import jobs
from covia_proto.flows.drive import Outcome
from covia_proto.flows.events import follow_job, wait_for_job
from covia_proto.flows.job_control import cancel_job
from covia_proto.flows.run import job_output
from covia_proto.models import JobRecord, MessageAck
from covia_proto.sse import ServerSentEvent

if TYPE_CHECKING:
    from covia.async_api._session import AsyncSession

__all__ = ["AsyncJob"]


class AsyncJob(JobView):
    """A job, as last seen (async). ``refresh``, ``wait`` and the control methods
    update it; the properties (``status``, ``output``, ``is_finished``, …) read the last
    record without I/O."""

    def __init__(self, session: AsyncSession, record: JobRecord) -> None:
        self._session = session
        self._record = record

    async def refresh(self) -> AsyncJob:
        """Fetch the job's current record."""
        endpoint = self._session.context.endpoint
        self._record = await self._session.call(jobs.get_job(endpoint, self.id))
        return self

    async def wait(self, timeout: float | None = None) -> AsyncJob:
        """Wait until the job finishes or needs the caller (paused, input or auth
        required), by its event stream where the venue has one, else by polling with
        backoff. Raises ``CoviaTimeoutError`` after ``timeout`` seconds."""
        if not self.is_finished:  # a finished record never changes again
            flow = wait_for_job(self._session.context, self.id, timeout=timeout)
            self._record = await self._session.run(flow)
        return self

    async def result(self, timeout: float | None = None) -> Any:
        """Wait, then return the output; ``JobFailedError`` if the job did not
        complete, ``JobInteractionRequired`` if it waits for the caller."""
        return job_output((await self.wait(timeout))._record)

    async def cancel(self, *, reason: str | None = None) -> AsyncJob:
        """Cancel the job (a job that already finished is left as it is). ``reason``
        is sent along for venues that record one (the 0.1 venue ignores it)."""
        flow = cancel_job(self._session.context, self.id, reason=reason)
        self._record = await self._session.run(flow)
        return self

    async def pause(self) -> AsyncJob:
        """Ask the venue to pause the job (``resume()`` continues it)."""
        endpoint = self._session.context.endpoint
        self._record = await self._session.call(jobs.pause_job(endpoint, self.id))
        return self

    async def resume(self) -> AsyncJob:
        """Resume a paused job."""
        endpoint = self._session.context.endpoint
        self._record = await self._session.call(jobs.resume_job(endpoint, self.id))
        return self

    async def send_message(self, message: Any) -> MessageAck:
        """Send a message to the (live) job; an object is sent as it is, any other
        value as ``{"content": value}`` by the venue. Never re-sent on failure."""
        endpoint = self._session.context.endpoint
        return await self._session.call(jobs.send_message(endpoint, self.id, message))

    async def delete(self) -> None:
        """Drop the job from the venue's live set (its record stays readable)."""
        await self._session.call(jobs.delete_job(self._session.context.endpoint, self.id))

    async def stream(self) -> AsyncGenerator[ServerSentEvent, None]:
        """The job's events (``.event``, ``.data``) until it finishes, as an async iterator:
        from the venue's event stream, or made from polling where it has none.

        Leaving the loop early (``break``) ends the stream when the iterator is closed:
        at once under ``contextlib.aclosing(job.stream())``, else when it is collected.
        """
        outcome = Outcome()
        flow = follow_job(self._session.context, self.id)
        async with aclosing(self._session.iterate(flow, outcome)) as events:
            async for event in events:
                yield event
        if isinstance(outcome.value, JobRecord):
            self._record = outcome.value
