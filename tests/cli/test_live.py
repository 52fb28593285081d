"""The live display of a running job."""

from __future__ import annotations

import io

from rich.console import Console

from covia.cli.live import JobDisplay
from covia.cli.render import Output
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord

JOB = "01a2238275580000cd072cd8be6f9f62"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def record(status: JobStatus, **fields) -> JobRecord:
    return JobRecord(id=JOB, status=status, **fields)


def test_one_line_per_status_change_with_the_elapsed_time():
    err = io.StringIO()
    clock = Clock()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=False)
    with JobDisplay(out, JOB, clock=clock) as display:
        display.update(record(JobStatus.PENDING))
        clock.now += 0.5
        display.update(record(JobStatus.PENDING))
        clock.now += 1.0
        display.update(record(JobStatus.STARTED))
        clock.now += 2.25
        display.update(record(JobStatus.FAILED, error="it\nbroke"))
    assert err.getvalue().splitlines() == [
        f"job {JOB} PENDING (0.0s)",
        f"job {JOB} STARTED (1.5s)",
        f"job {JOB} FAILED (3.8s): it broke",
    ]


def test_on_a_terminal_rich_draws_a_ticking_line_and_keeps_the_changes():
    err = io.StringIO()
    clock = Clock()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=True, err_terminal=True)
    display = JobDisplay(out, JOB, clock=clock)
    with display:
        display.update(record(JobStatus.STARTED))
        clock.now += 4.0
        drawn = io.StringIO()
        Console(file=drawn, width=120).print(display._render())
        assert f"job {JOB} STARTED  4.0s" in drawn.getvalue()
        display.update(record(JobStatus.COMPLETE))
    text = err.getvalue()
    assert f"job {JOB} STARTED (0.0s)" in text
    assert f"job {JOB} COMPLETE (4.0s)" in text


def test_off_a_terminal_nothing_but_the_lines():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=True, err_terminal=False)
    with JobDisplay(out, JOB) as display:
        display.update(record(JobStatus.STARTED))
    assert err.getvalue() == f"job {JOB} STARTED (0.0s)\n"
