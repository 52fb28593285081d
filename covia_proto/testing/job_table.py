"""Jobs of the simulated venue: their records, ids, live set and transitions
(venue-api.md §4).

The venue keeps two things per job and so does this table: the persisted record (kept
even after ``delete``) and membership of the in-memory *live* set, which is what job
control (cancel, pause, resume, message, delete) acts on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any, Final

import attrs

__all__ = ["INTERACTIVE", "MAX_PREV", "MISSING", "TERMINAL", "Job", "JobTable"]

# The server's terminal set (``Job.isFinished``): TIMEOUT is not in it (§4.2).
TERMINAL: Final = frozenset({"COMPLETE", "FAILED", "CANCELLED", "REJECTED"})
INTERACTIVE: Final = frozenset({"PAUSED", "INPUT_REQUIRED", "AUTH_REQUIRED"})

# The venue nests every previous record in ``prev``, without end, in the record it keeps
# in memory for a live job; the record it persists (what a finished job is read back
# from) has the chain minus its first link. The simulator keeps
# the newest links only, so a long conversation cannot nest deeper than JSON encoders
# and decoders recurse (clients are told to ignore ``prev`` anyway, §4.1).
MAX_PREV: Final = 100


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""A record field that is absent, as opposed to present and ``null``."""

Record = dict[str, Any]
Observer = Callable[[Record], None]


@attrs.define(eq=False)
class Job:
    id: str  # bare lower-case hex; records render it as "0x…"
    op: str  # asset id of the metadata actually executed
    name: str | None
    adapter: str  # e.g. "test:echo"
    caller: str
    input: Any  # as shown in the record, secret fields replaced by "HIDDEN"
    run_input: Any = attrs.field(repr=False)  # what the operation really receives
    created: int
    updated: int
    status: str = "PENDING"
    output: Any = MISSING
    error: str | None = None
    prev: Record | None = attrs.field(default=None, repr=False)
    links: int = 0  # how many records the prev chain holds
    private: bool = False
    live: bool = True
    # Per-job scratch of the operation; "timers" holds cancellable pending work.
    scratch: dict[str, Any] = attrs.field(factory=dict, repr=False)
    # The record as persisted, which a finished job is read back from (see set_status).
    stored: Record = attrs.field(factory=dict, repr=False)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def record(self) -> Record:
        """The job record as the venue serialises it, ``prev`` chain included."""
        record: Record = {"id": "0x" + self.id, "op": self.op}
        if self.name is not None:
            record["name"] = self.name
        record.update(
            status=self.status,
            created=self.created,
            updated=self.updated,
            input=self.input,
            caller=self.caller,
        )
        if self.output is not MISSING:
            record["output"] = self.output
        if self.error is not None:
            record["error"] = self.error
        if self.prev is not None:
            record["prev"] = self.prev
        return record


class JobTable:
    def __init__(
        self, clock_ms: Callable[[], int], rng: random.Random, on_change: Callable[[], None]
    ) -> None:
        self._clock_ms = clock_ms
        self._rng = rng
        self._on_change = on_change
        self._jobs: dict[str, Job] = {}
        self._observers: dict[str, list[Observer]] = {}
        self._last_ms = -1
        self._counter = 0

    def new_id(self) -> str:
        """16 bytes: creation ms (48 bits), a per-ms counter, 8 random bytes (§4.1),
        so ids sort by creation time."""
        now = max(self._clock_ms(), self._last_ms)  # never go back, even if the clock does
        if now == self._last_ms:
            self._counter = (self._counter + 1) & 0xFFFF
        else:
            self._last_ms, self._counter = now, 0
        raw = (
            (now & 0xFFFF_FFFF_FFFF).to_bytes(6, "big")
            + self._counter.to_bytes(2, "big")
            + self._rng.randbytes(8)
        )
        return raw.hex()

    def create(
        self,
        *,
        op: str,
        name: str | None,
        adapter: str,
        caller: str,
        shown_input: Any,
        run_input: Any,
        private: bool = False,
    ) -> Job:
        now = self._clock_ms()
        job = Job(
            id=self.new_id(),
            op=op,
            name=name,
            adapter=adapter,
            caller=caller,
            input=shown_input,
            run_input=run_input,
            created=now,
            updated=now,
            private=private,
        )
        job.stored = job.record()
        self._jobs[job.id] = job
        self._on_change()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def __iter__(self) -> Iterator[Job]:
        return iter(sorted(self._jobs.values(), key=lambda job: job.id))

    def set_status(
        self, job: Job, status: str, *, output: Any = MISSING, error: str | None = None
    ) -> bool:
        """Move ``job`` to ``status``; a terminal record never changes again (§4.2)."""
        if job.terminal:
            return False
        earlier = job.prev
        job.prev = job.record()
        job.links += 1
        if job.links > MAX_PREV:
            job.prev = _trim(job.prev, MAX_PREV)
            job.links = MAX_PREV
        job.status = status
        job.updated = self._clock_ms()
        if output is not MISSING:
            job.output = output
        if error is not None:
            job.error = error
        # The venue persists each new state before linking it to the one it replaces,
        # so a persisted record's prev skips one state: it is the prev the replaced
        # state had (Job.updateData, VenueJob.processUpdate; measured).
        job.stored = {key: value for key, value in job.record().items() if key != "prev"}
        if earlier is not None:
            job.stored["prev"] = earlier
        if job.terminal:
            job.live = False
            # Pending work of a finished job (a delay's timer) is void; dropped before
            # anyone is told, so a listener reading next_wake() sees no stale timer.
            for timer in job.scratch.pop("timers", []):
                timer.cancel()
            if job.private:  # private jobs live in memory only (§3.14)
                del self._jobs[job.id]
        record = job.record()
        for observer in list(self._observers.get(job.id, ())):
            observer(record)
        self._on_change()
        return True

    def drop_live(self, job: Job) -> None:
        """``delete``: the job leaves the live set; its record stays (§3.5.7)."""
        job.live = False
        self._on_change()

    def observe(self, job_id: str, observer: Observer) -> Callable[[], None]:
        """Call ``observer`` with the new record after each transition of the job."""
        self._observers.setdefault(job_id, []).append(observer)

        def unsubscribe() -> None:
            observers = self._observers.get(job_id, [])
            if observer in observers:
                observers.remove(observer)
            if not observers:
                self._observers.pop(job_id, None)

        return unsubscribe


def _trim(record: Record, links: int) -> Record:
    """``record`` with its prev chain cut to ``links`` records (itself included)."""
    if links <= 1 or "prev" not in record:
        return {key: value for key, value in record.items() if key != "prev"}
    return {**record, "prev": _trim(record["prev"], links - 1)}
