"""``covia demo``: a walkthrough of the SDK against a local venue started in-process.

Each section runs real SDK calls, printing the Python it runs (``>>>``), what came
back, and the ``covia`` command that does the same from a shell. ``walk`` (a list of
titled sections run in order against a venue URL) is also what
``examples/walkthrough.py`` uses to run the documentation's examples.

The demo starts its own venue, so it never touches a venue named by ``COVIA_VENUE``;
``covia --venue URL demo`` runs it against URL instead (it registers two small assets
there and starts a few test jobs).
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from covia.cli.render import Output, terminal_safe
from covia.cli.venue import VenueOptions, local_venue
from covia.exceptions import AssetNotFoundError, JobFailedError
from covia.grid import Grid
from covia_proto.flows.events import job_from_event

__all__ = ["SECTIONS", "Section", "register", "walk"]

Section = tuple[str, Callable[[str], None]]
"""A title, and a function that runs the section against a venue URL."""


def _heading(title: str) -> None:
    print(f"\n== {title} ==")


def walk(
    venue_url: str,
    sections: Sequence[Section],
    heading: Callable[[str], None] = _heading,
) -> None:
    """Run each section against ``venue_url`` in order, under its heading."""
    for title, run in sections:
        heading(title)
        run(venue_url)


def _show(code: str, result: Any = None, *, cli: str | None = None, raised: bool = False) -> None:
    """Print ``code`` as typed at ``>>>``, the value it gave (or, ``raised``, the
    exception it raised) and the shell command that does the same."""
    print(f">>> {code}")
    if raised:
        print(terminal_safe(str(result)))  # an error's text may come from the venue
    elif result is not None:
        print(repr(result))
    if cli:
        print(f"    # from a shell: {cli}")


def connecting(url: str) -> None:
    with Grid.connect(url) as venue:
        print(f">>> venue = Grid.connect({url!r})")
        _show("venue.status().name", venue.status().name, cli="covia status")


def operations(url: str) -> None:
    with Grid.connect(url) as venue:
        names = [op.name for op in venue.list_operations()]
        _show("[op.name for op in venue.list_operations()]", names, cli="covia ops")
        echo = venue.get_operation("v/test/ops/echo")
        _show(
            'venue.get_operation("v/test/ops/echo").description',
            echo.description,
            cli="covia op v/test/ops/echo",
        )


def running(url: str) -> None:
    with Grid.connect(url) as venue:
        output = venue.run("v/test/ops/echo", {"message": "hello"}, timeout=60)
        _show(
            'venue.run("v/test/ops/echo", {"message": "hello"})',
            output,
            cli="""covia run v/test/ops/echo '{"message": "hello"}'""",
        )


def following(url: str) -> None:
    delayed = {"delay": 300, "operation": "v/test/ops/echo", "input": {"x": 1}}
    with Grid.connect(url) as venue:
        job = venue.invoke("v/test/ops/delay", delayed)
        print('>>> job = venue.invoke("v/test/ops/delay", {"delay": 300, …})')
        print(">>> for event in job.stream(): ...")
        for event in job.stream():
            record = job_from_event(event, job.id)
            if record is not None:
                print(f"{event.event}: {record.status.value}")
        _show(
            "job.output",
            job.output,
            cli="""covia invoke v/test/ops/delay '{"delay": 300, …}'  # follows it live""",
        )


def cancelling(url: str) -> None:
    with Grid.connect(url) as venue:
        job = venue.invoke("v/test/ops/never")
        _show('job = venue.invoke("v/test/ops/never"); job.status', job.status)
        job.cancel()
        _show(
            "job.cancel(); job.status",
            job.status,
            cli="covia invoke v/test/ops/never, then Ctrl-C",
        )


def assets(url: str) -> None:
    content = b"Hello from the Covia demo\n"
    with Grid.connect(url) as venue:
        asset = venue.register(
            {
                "name": "Demo greeting",
                "content": {
                    "contentType": "text/plain",
                    "sha256": hashlib.sha256(content).hexdigest(),
                },
            }
        )
        print('>>> asset = venue.register({"name": "Demo greeting", "content": {…}})')
        _show("asset.id", asset.id, cli="covia assets; covia asset ID")
        asset.put_content(content)
        _show("asset.put_content(b'Hello from the Covia demo\\n')", cli="covia put ID FILE")
        _show("asset.get_content()  # SHA-256 checked", asset.get_content(), cli="covia get ID")


def errors(url: str) -> None:
    with Grid.connect(url) as venue:
        try:
            venue.get_asset("0" * 64)
        except AssetNotFoundError as exc:
            _show(
                'venue.get_asset("000…")', f"AssetNotFoundError: {exc.asset_id[:12]}…", raised=True
            )
        try:
            venue.run("v/test/ops/error", {"message": "something broke"}, timeout=60)
        except JobFailedError as exc:
            _show(
                'venue.run("v/test/ops/error", {"message": "something broke"})',
                f"JobFailedError: {exc.job_data.error}",
                raised=True,
                cli="a failed job exits 5; `covia --help` lists the exit codes",
            )


SECTIONS: Sequence[Section] = (
    ("Connecting", connecting),
    ("Operations", operations),
    ("Running an operation", running),
    ("Following a job", following),
    ("Cancelling a job", cancelling),
    ("Assets and their content", assets),
    ("When things go wrong", errors),
)


def demo(args: argparse.Namespace, out: Output) -> int:
    address = VenueOptions.from_args(args, environ={}).address  # --venue only, never the env
    if address is not None:
        out.note(f"Running the demo against {address}")
        walk(address, SECTIONS)
    else:
        with local_venue() as url:
            out.note(f"Local venue at {url} (it stops when the demo ends)")
            walk(url, SECTIONS)
    print("\nDemo complete. Next: `covia serve` in one shell, and in another:")
    print("    export COVIA_VENUE=http://127.0.0.1:8080; covia ops; covia --help")
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "demo",
        parents=[common],
        help="a walkthrough of the SDK on a local venue",
        description="Run a walkthrough of the SDK against a local venue started in-process.",
    )
    parser.set_defaults(handler=demo)
