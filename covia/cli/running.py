"""Running operations: ``run``, ``invoke`` and ``watch``.

``run OP [INPUT]`` invokes, follows the job and prints its output alone (as JSON), for
scripts; with ``--json``, a job that did not complete prints its record instead.
``invoke OP [INPUT]`` follows the job the same way and prints the whole job;
``--detach`` prints the job id at once instead. ``watch JOB`` prints a job's events as
they happen (``--json``: one JSON object per line).

While a job is followed, its status changes and the elapsed time are shown on stderr.
Ctrl-C then asks whether to cancel the job; when stdin is not a terminal nobody can
answer, so the job is cancelled and the CLI says so. Either way the command exits 130.
A job that ends without completing, or that waits for input, exits 5.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from covia.cli.browse import describe_job
from covia.cli.errors import ExitCode
from covia.cli.formats import job_json, one_line
from covia.cli.inputs import read_input
from covia.cli.live import JobDisplay
from covia.cli.render import Output
from covia.cli.venue import VenueOptions, connect
from covia.exceptions import JobFailedError, JobInteractionRequired
from covia.job import Job
from covia_proto.flows.events import job_from_event
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord
from covia_proto.sse import ServerSentEvent

__all__ = ["Interrupted", "follow", "offer_cancel", "register"]


class Interrupted(Exception):
    """Ctrl-C, handled: the command ends with exit code 130 and nothing more to say."""


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _ask(out: Output, question: str, stdin: TextIO) -> bool:
    out.stderr.write(question)
    out.stderr.flush()
    try:
        answer = stdin.readline()
    except KeyboardInterrupt:  # a second Ctrl-C: leave the job alone
        out.stderr.write("\n")
        return False
    if not answer:  # end of input
        out.stderr.write("\n")
        return False
    return answer.strip().lower() in ("", "y", "yes")


def offer_cancel(job: Job, out: Output, stdin: TextIO | None = None) -> None:
    """After Ctrl-C: cancel ``job`` if the user says so (or cannot be asked)."""
    source = stdin if stdin is not None else sys.stdin
    if _is_terminal(source):
        cancel = _ask(out, f"Cancel job {job.id}? [Y/n] ", source)
    else:
        out.note(f"Interrupted: cancelling job {job.id} (stdin is not a terminal, not asking)")
        cancel = True
    if not cancel:
        out.note(f"Job {job.id} left running; `covia watch {job.id}` follows it")
        return
    job.cancel()
    if job.status == JobStatus.CANCELLED:
        out.note(f"Cancelled job {job.id}")
    else:
        out.note(f"Job {job.id} had already ended: {job.status.value}")


def _settled(record: JobRecord) -> bool:
    return record.is_finished or record.status.is_interactive


def follow(job: Job, out: Output) -> JobRecord:
    """Show ``job`` until it finishes or waits for the caller; its last record.
    Ctrl-C offers to cancel it and raises ``Interrupted``."""
    last = job.data
    try:
        with JobDisplay(out, job.id) as display:
            display.update(last)
            if not _settled(last):
                for event in job.stream():
                    record = job_from_event(event, job.id)
                    if record is None:
                        continue
                    last = record
                    display.update(record)
                    if _settled(record):
                        break
    except KeyboardInterrupt:
        offer_cancel(job, out)
        raise Interrupted from None
    return last


def _check(record: JobRecord) -> None:
    if record.status.is_interactive:
        raise JobInteractionRequired(record)
    if not record.is_complete:
        raise JobFailedError(record)


def run(args: argparse.Namespace, out: Output) -> int:
    value = read_input(args.input)
    with connect(VenueOptions.from_args(args), out) as venue:
        job = venue.invoke(args.operation, value)
        record = follow(job, out)
    if out.json_mode:
        out.json(record.output if record.is_complete else job_json(record))
    elif record.is_complete:
        out.json(record.output)
    _check(record)
    return 0


def invoke(args: argparse.Namespace, out: Output) -> int:
    value = read_input(args.input)
    with connect(VenueOptions.from_args(args), out) as venue:
        job = venue.invoke(args.operation, value)
        if args.detach:
            if out.json_mode:
                out.json(job_json(job.data))
            else:
                out.line(job.id)
            return 0
        record = follow(job, out)
    if out.json_mode:
        out.json(job_json(record))
    else:
        describe_job(out, record)
    _check(record)
    return 0


def _event_line(event: ServerSentEvent, record: JobRecord | None) -> str:
    clock = time.strftime("%H:%M:%S")
    if record is None:
        return f"{clock}  {event.event}  {one_line(event.data)}"
    line = f"{clock}  {record.status.value}"
    if record.error:
        line += f"  error: {one_line(record.error)}"
    elif record.output is not None:
        line += f"  output: {one_line(record.output)}"
    return line


def watch(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        job = venue.get_job(args.id)
        last = job.data
        try:
            if out.json_mode:
                out.json_line(job_json(last))
            else:
                out.line(f"job {job.id} ({last.name or 'operation'})")
                out.line(_event_line(ServerSentEvent("job-update"), last))
            if not last.is_finished:
                for event in job.stream():
                    record = job_from_event(event, job.id)
                    if record is not None:
                        if record.status == last.status and record.output == last.output:
                            continue
                        last = record
                    if out.json_mode:
                        out.json_line(job_json(record) if record else _event_json(event))
                    else:
                        out.line(_event_line(event, record))
        except KeyboardInterrupt:
            out.note(f"Stopped watching; job {job.id} goes on")
            raise Interrupted from None
    return 0 if last.is_complete else int(ExitCode.JOB)


def _event_json(event: ServerSentEvent) -> dict[str, Any]:
    return {"event": event.event, "data": event.data, "id": event.id}


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    input_help = "the input: JSON, @FILE (JSON in a file) or - (JSON on stdin)"
    parser = commands.add_parser(
        "run",
        parents=[common],
        help="run an operation and print its output",
        description="Invoke OP, show the job while it runs, print its output as JSON.",
    )
    parser.add_argument("operation", metavar="OP", help="operation name, asset id or DID URL")
    parser.add_argument("input", nargs="?", metavar="INPUT", help=input_help)
    parser.set_defaults(handler=run)

    parser = commands.add_parser(
        "invoke",
        parents=[common],
        help="start an operation and follow its job",
        description="Invoke OP and follow the job live (Ctrl-C offers to cancel it).",
    )
    parser.add_argument("operation", metavar="OP", help="operation name, asset id or DID URL")
    parser.add_argument("input", nargs="?", metavar="INPUT", help=input_help)
    parser.add_argument("--detach", action="store_true", help="print the job id and return at once")
    parser.set_defaults(handler=invoke)

    parser = commands.add_parser(
        "watch",
        parents=[common],
        help="follow a job's events as they happen",
        description="Print JOB's events until it finishes (--json: one object per line).",
    )
    parser.add_argument("id", metavar="JOB", help="job id")
    parser.set_defaults(handler=watch)
