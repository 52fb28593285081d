"""``Job``: one job on a venue, followed through its lifecycle (sync)."""

from __future__ import annotations

from collections.abc import Generator
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
    from covia._session import SyncSession

__all__ = ["Job"]


class Job(JobView):
    """A job, as last seen. ``refresh``, ``wait`` and the control methods update it."""

    def __init__(self, session: SyncSession, record: JobRecord) -> None:
        self._session = session
        self._record = record

    def refresh(self) -> Job:
        """Fetch the job's current record."""
        self._record = self._session.call(jobs.get_job(self._session.context.endpoint, self.id))
        return self

    def wait(self, timeout: float | None = None) -> Job:
        """Wait until the job finishes or needs the caller (paused, input or auth
        required), by the fastest means the venue offers: its event stream, else
        polling with backoff. Raises ``CoviaTimeoutError`` after ``timeout`` seconds."""
        if not self.is_finished:  # a finished record never changes again
            flow = wait_for_job(self._session.context, self.id, timeout=timeout)
            self._record = self._session.run(flow)
        return self

    def result(self, timeout: float | None = None) -> Any:
        """Wait, then return the output; ``JobFailedError`` if the job did not
        complete, ``JobInteractionRequired`` if it waits for the caller."""
        return job_output(self.wait(timeout)._record)

    def cancel(self, *, reason: str | None = None) -> Job:
        """Cancel the job (a job that already finished is left as it is). ``reason``
        is sent along for venues that record one (the 0.1 venue ignores it)."""
        flow = cancel_job(self._session.context, self.id, reason=reason)
        self._record = self._session.run(flow)
        return self

    def pause(self) -> Job:
        """Ask the venue to pause the job (``resume()`` continues it)."""
        self._record = self._session.call(jobs.pause_job(self._session.context.endpoint, self.id))
        return self

    def resume(self) -> Job:
        """Resume a paused job."""
        self._record = self._session.call(jobs.resume_job(self._session.context.endpoint, self.id))
        return self

    def send_message(self, message: Any) -> MessageAck:
        """Send a message to the (live) job; an object is sent as it is, any other
        value as ``{"content": value}`` by the venue. Never re-sent on failure."""
        return self._session.call(
            jobs.send_message(self._session.context.endpoint, self.id, message)
        )

    def delete(self) -> None:
        """Drop the job from the venue's live set (its record stays readable)."""
        self._session.call(jobs.delete_job(self._session.context.endpoint, self.id))

    def stream(self) -> Generator[ServerSentEvent, None, None]:
        """The job's events (``.event``, ``.data``) until it finishes; from the venue's
        event stream, or made from polling where the venue has none. Leaving early
        closes the stream (``close()`` it, or let it go)."""
        outcome = Outcome()
        yield from self._session.iterate(follow_job(self._session.context, self.id), outcome)
        if isinstance(outcome.value, JobRecord):
            self._record = outcome.value
