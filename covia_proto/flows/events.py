"""Following a job: its event stream where the venue serves one, else polling.

A 0.1 venue's stream route is shadowed (venue-api.md §3.6): it answers 400 JSON, so the
first attempt teaches the connection to poll instead. A venue whose stream closes
right after the first snapshot is treated the same way. A stream that breaks is
reopened (each ``job-update`` carries the whole record, so nothing is lost).
"""

from __future__ import annotations

import enum
import json
import logging
from typing import Final

from covia_proto.converter import structure, unstructure
from covia_proto.endpoints import jobs
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    JobTimeoutError,
    VenueProtocolError,
)
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import (
    CloseStream,
    Emit,
    EmitAll,
    Flow,
    GetTime,
    ReadChunk,
    Sleep,
)
from covia_proto.flows.send import open_stream, read_error_body, remaining, send
from covia_proto.hexid import normalize_hex, parse_hex
from covia_proto.http import is_event_stream
from covia_proto.job_status import JobStatus
from covia_proto.limits import DEFAULT_LIMITS, Limits
from covia_proto.models import JobRecord
from covia_proto.sse import (
    ServerSentEvent,
    SSEParser,
    decode_data,
    decode_shared,
    decode_shared_all,
)

__all__ = ["JOB_UPDATE", "follow_job", "job_from_event", "wait_for_job"]

JOB_UPDATE: Final = "job-update"
logger: Final = logging.getLogger("covia.jobs")


def job_from_event(
    event: ServerSentEvent, job_id: str, limits: Limits = DEFAULT_LIMITS
) -> JobRecord | None:
    """The record a ``job-update`` event carries (None for other events)."""
    if event.event != JOB_UPDATE:
        return None
    try:
        job = structure(decode_data(event, limits), JobRecord)
    except VenueProtocolError as exc:
        raise VenueProtocolError(f"job event: {exc.message}") from None
    if job.id != job_id:
        raise _other_job(job_id, job.id)
    return job


def _status_of_event(
    event: ServerSentEvent, job_id: str, limits: Limits, as_sent: str | None = None
) -> JobStatus:
    """The status a ``job-update`` event reports, checked as far as following the job
    needs: a JSON object within ``limits``, of this job, with a status. Its data is
    decoded once, shared with the user's ``event.json()``; the whole record is built
    (``job_from_event``) only when it is wanted. An id spelled ``as_sent`` (see
    ``_sent_form``) is this job's without normalising it."""
    try:
        record = decode_shared(event, limits)
    except VenueProtocolError as exc:
        raise VenueProtocolError(f"job event: {exc.message}") from None
    if type(record) is dict:
        sent = record.get("id", "")
        status = record.get("status", "PENDING")
        if sent == as_sent and as_sent is not None and type(status) is str:  # the commonest
            return _STATUSES.get(status) or JobStatus(status)
    else:
        sent = status = None
    if not isinstance(sent, str) or not isinstance(status, str):
        job_from_event(event, job_id, limits)  # malformed: the record's parser says how
        raise VenueProtocolError("job event: a JobRecord needs a string id and status")
    if sent != as_sent:
        sent = normalize_hex(sent)
        if sent != job_id:
            raise _other_job(job_id, sent)
    return _STATUSES.get(status) or JobStatus(status)


_STATUSES: Final = dict(JobStatus.__members__)
_NO_ID: Final = object()  # equal to no id a venue sends

_EMIT_AT_MOST: Final = 128
"""The most events of a read decoded and handed to the user in one step. A read of a
busy stream holds hundreds: decoding them all before the user takes the first kept
thousands of objects alive at once, which the garbage collector walked in every young
collection and moved into its oldest generation, whose full collections (10-20 ms in a
small program) then came every 40,000 events. Handed over in steps this size, each
record is dropped by the user before the collector runs: following a job went about a
fifth faster (``benchmarks/``)."""


def _sent_form(job_id: str) -> str | None:
    """The id as venues send it, "0x" and the lower-case hex the SDK keeps: an event
    naming it so needs no normalising (None if ``job_id`` is not such hex)."""
    return "0x" + job_id if parse_hex(job_id) == job_id else None


def _other_job(job_id: str, sent: str) -> VenueProtocolError:
    return VenueProtocolError(f"event stream for job {job_id} sent job {sent or '(none)'}")


class _After(enum.Enum):
    """What to do after one connection to a job's event stream."""

    DONE = "the job reached the state the caller waits for (watch.last)"
    REOPEN = "the stream broke or went idle: open it again"
    POLL = "no stream worth following: poll the job instead"


class _Watch:
    """The state of following one job: deadline, last record, last event id.

    The newest record from the event stream is kept as its event and built into a
    ``JobRecord`` only when ``last`` is read: a stream of many updates costs one
    record, not one per event."""

    def __init__(
        self,
        job_id: str,
        timeout: float | None,
        deadline: float | None,
        stop_when_settled: bool,
        limits: Limits,
        last: JobRecord | None = None,
    ) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.deadline = deadline
        self.stop_when_settled = stop_when_settled
        self.limits = limits
        self.last_event_id: str | None = None
        self.failures = 0  # breaks in a row, forgiven by an event
        self.malformed = 0  # malformed streams, never forgiven
        self._last = last
        self._pending: ServerSentEvent | None = None  # newer than _last, not yet built

    @property
    def last(self) -> JobRecord | None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._last = job_from_event(pending, self.job_id, self.limits)
        return self._last

    @last.setter
    def last(self, job: JobRecord) -> None:
        self._last, self._pending = job, None

    def update(self, event: ServerSentEvent) -> None:
        """``event`` (checked by ``_status_of_event``) holds the newest record."""
        self._pending = event

    def done(self, job: JobRecord) -> bool:
        return self.done_at(job.status)

    def done_at(self, status: JobStatus) -> bool:
        return status.is_terminal or (
            self.stop_when_settled and (status.is_terminal or status.is_interactive)
        )

    def timed_out(self) -> JobTimeoutError:
        return JobTimeoutError(self.job_id, self.timeout, self.last)


def _stream_once(context: VenueContext, watch: _Watch, *, emit: bool) -> Flow[_After]:
    """One connection to the job's event stream, and what to do after it."""
    endpoint = context.endpoint
    request = jobs.events_request(endpoint, watch.job_id, last_event_id=watch.last_event_id)
    opened = yield from open_stream(context, request, deadline=watch.deadline)
    if not 200 <= opened.head.status < 300 or not is_event_stream(opened.head.headers):
        body = yield from read_error_body(context, opened.handle, request.info, watch.deadline)
        yield CloseStream(opened.handle)
        jobs.check_events_head(opened.head, body, request.info, watch.job_id)
        logger.debug("venue serves no event stream for jobs; polling")
        context.features.events = False
        return _After.POLL
    limits = context.limits
    parser = SSEParser(max_line_length=limits.max_event_line, max_event_size=limits.max_event_size)
    seen = 0
    ended = False
    read = ReadChunk(opened.handle)  # without a deadline, no clock is read: one effect
    as_sent = _sent_form(watch.job_id)
    job_id, status_of = watch.job_id, _status_of_event  # looked up once, used per event
    sent_id = as_sent if as_sent is not None else _NO_ID
    # Whether the last status seen ends the wait: a stream repeats its statuses.
    last_status: JobStatus | None = None
    last_done = False
    while not ended:
        if watch.deadline is not None:
            now: float = yield GetTime()
            left = remaining(watch.deadline, now)
            if left == 0.0:
                yield CloseStream(opened.handle)
                raise watch.timed_out()
            read = ReadChunk(opened.handle, timeout=left)
        # Only the transport and the event framing count as a broken stream; a record
        # that makes no sense is the venue's error and is raised as it is.
        try:
            chunk: bytes = yield read
            ended = not chunk
            if not ended:
                parser.receive_data(chunk)
            elif parser.end_of_stream():
                # Cut off, as a dropped connection cuts it: not the venue's malformation.
                raise CoviaConnectionError("event stream ended in the middle of an event")
        except (CoviaConnectionError, VenueProtocolError, CoviaTimeoutError) as exc:
            yield CloseStream(opened.handle)
            return _after_break(context, watch, exc)
        # The events of one chunk go to the user in steps of at most _EMIT_AT_MOST, up
        # to one that ends it.
        ready = parser.events()
        if not ready:
            continue
        watch.failures = 0
        for at in range(0, len(ready), _EMIT_AT_MOST):
            events = ready[at : at + _EMIT_AT_MOST]
            newest = -1  # where the last job-update taken is
            taken = 0  # events before this one
            done = False
            records = decode_shared_all(events, limits, JOB_UPDATE)
            for taken, record in enumerate(records):
                # The commonest record, checked here: an object naming this job as venues
                # spell it, with a known status; any other job-update by _status_of_event.
                status = None
                if type(record) is dict and record.get("id") == sent_id:
                    sent_status = record.get("status", "PENDING")
                    if type(sent_status) is str:
                        status = _STATUSES.get(sent_status)
                if status is None:
                    event = events[taken]
                    if event.event != JOB_UPDATE:
                        continue
                    try:
                        status = status_of(event, job_id, limits, as_sent)
                    except VenueProtocolError:
                        _took(watch, events[:taken], newest)
                        if emit and taken:
                            yield EmitAll(tuple(events[:taken]))  # what came before, as it came
                        raise
                newest = taken
                if status is not last_status:
                    last_status, last_done = status, watch.done_at(status)
                if last_done:
                    done = True
                    break
            taken += 1
            batch = events[:taken] if done else events
            seen += taken
            _took(watch, batch, newest)
            if done:
                # Built now, before the user holds the event: the record the wait returns
                # is checked whole, whatever the user does after.
                _ = watch.last
            if emit:
                yield EmitAll(tuple(batch)) if len(batch) > 1 else Emit(batch[0])
            if done:
                yield CloseStream(opened.handle)
                return _After.DONE
    yield CloseStream(opened.handle)
    if seen == 1:
        # The stream closed right after its snapshot: it cannot be followed, only polled.
        context.features.events = False
    # An empty stream is what a working one sends for a job that already finished
    # (venue-api.md §3.6): poll this time, without deciding for the connection.
    return _After.POLL if seen <= 1 else _After.REOPEN


def _took(watch: _Watch, events: list[ServerSentEvent], newest: int) -> None:
    """``watch`` after ``events`` (``events[newest]`` the last job-update, if newest is
    not -1): their ids persist, so the last one's is the one to resume from."""
    if events and events[-1].id is not None:
        watch.last_event_id = events[-1].id
    if newest >= 0:
        watch.update(events[newest])


def _after_break(context: VenueContext, watch: _Watch, exc: CoviaError) -> _After:
    if isinstance(exc, CoviaTimeoutError):
        # The driver gave up on an idle stream (the caller's deadline is checked before
        # every read): only that deadline ends the wait, so the stream is reopened.
        logger.debug("job %s event stream idle; reopening", watch.job_id)
        return _After.REOPEN
    watch.failures += 1
    if isinstance(exc, VenueProtocolError):
        # A malformed stream (its framing, its events) is counted for the whole wait:
        # one that sends an event and then breaks would otherwise be reopened at once,
        # for ever, its good event forgiving each break.
        watch.malformed += 1
    if max(watch.failures, watch.malformed) >= context.retry.max_attempts:
        # A stream that keeps breaking is worse than none: poll instead.
        logger.debug("job %s event stream keeps breaking (%s); polling", watch.job_id, exc)
        context.features.events = False
        return _After.POLL
    logger.debug("job %s event stream broke (%s); reopening", watch.job_id, exc)
    return _After.REOPEN


def _poll(context: VenueContext, watch: _Watch, *, emit: bool) -> Flow[None]:
    """Poll the job with growing pauses until it is done, sleeping no further than the
    deadline."""
    next_delay = context.poll.delays(context.rand)
    while True:
        job = yield from send(
            context, jobs.get_job(context.endpoint, watch.job_id), deadline=watch.deadline
        )
        changed = watch.last is None or (job.status, job.updated, job.output) != (
            watch.last.status,
            watch.last.updated,
            watch.last.output,
        )
        watch.last = job
        logger.debug("job %s is %s", watch.job_id, job.status.value)
        if emit and changed:
            data = json.dumps(unstructure(job), separators=(",", ":"))
            yield Emit(ServerSentEvent(event=JOB_UPDATE, data=data))
        if watch.done(job):
            return
        now: float = yield GetTime()
        left = remaining(watch.deadline, now)
        delay = next_delay()
        if left is not None and delay >= left:
            yield Sleep(left)
            raise watch.timed_out()
        yield Sleep(delay)


def _follow(
    context: VenueContext,
    job_id: str,
    timeout: float | None,
    *,
    stop_when_settled: bool,
    emit: bool,
    last_seen: JobRecord | None = None,
    since: float | None = None,
) -> Flow[JobRecord]:
    start: float = (yield GetTime()) if since is None else since
    deadline = None if timeout is None else start + timeout
    watch = _Watch(job_id, timeout, deadline, stop_when_settled, context.limits, last=last_seen)
    try:
        while context.features.events is not False:
            after = yield from _stream_once(context, watch, emit=emit)
            if after is _After.DONE:
                assert watch.last is not None
                return watch.last
            if after is _After.POLL:
                break
        yield from _poll(context, watch, emit=emit)
    except CoviaTimeoutError as exc:
        if isinstance(exc, JobTimeoutError) or deadline is None:
            raise
        now: float = yield GetTime()
        if now < deadline:
            raise  # one request ran out of its own time, not the wait
        # A request cut short by the wait's deadline: the wait is what timed out.
        raise watch.timed_out() from exc
    assert watch.last is not None
    return watch.last


def wait_for_job(
    context: VenueContext,
    job_id: str,
    *,
    timeout: float | None = None,
    last_seen: JobRecord | None = None,
    since: float | None = None,
) -> Flow[JobRecord]:
    """Wait until the job finishes or needs the caller (PAUSED, INPUT_REQUIRED,
    AUTH_REQUIRED: reported, not spun on). Raises ``JobTimeoutError`` (carrying the job's
    last record, ``last_seen`` until a newer one arrives) ``timeout`` seconds after
    ``since`` (a ``GetTime`` reading; by default, now)."""
    return (
        yield from _follow(
            context,
            job_id,
            timeout,
            stop_when_settled=True,
            emit=False,
            last_seen=last_seen,
            since=since,
        )
    )


def follow_job(context: VenueContext, job_id: str) -> Flow[JobRecord]:
    """Emit the job's events (``ServerSentEvent``, ``.event`` and ``.data``) until it
    finishes; polling produces the same ``job-update`` events from each change."""
    return (yield from _follow(context, job_id, None, stop_when_settled=False, emit=True))
