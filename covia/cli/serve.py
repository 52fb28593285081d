"""``covia serve``: a local venue on loopback, to try everything offline.

The venue is the SDK's simulator (``covia_proto.testing``): the test operations
(``v/test/ops/echo``, ``never``, ``delay``, …), assets, content and jobs, kept in
memory. Its URL is printed alone on stdout once it accepts connections (``--json``:
``{"url": …}``), so scripts can read it; each request it answers is logged on stderr
(``--quiet`` for none); Ctrl-C (or SIGTERM) stops it and the command exits 0. Content
is capped at 100 MiB as on the real venue; ``--max-content-size`` raises the cap.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from covia.cli.errors import CliError
from covia.cli.render import Output
from covia.cli.venue import local_venue

__all__ = ["register"]

DEFAULT_PORT = 8080


class _Stop(Exception):
    """SIGTERM, turned into an exception so the venue shuts down as on Ctrl-C."""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


ACCESS_LOGGER = "covia_proto.testing.access"  # the simulator's server logs requests there
_SIZE_UNITS = {
    "": 1,
    "k": 1000,
    "m": 1000**2,
    "g": 1000**3,
    "ki": 1024,
    "mi": 1024**2,
    "gi": 1024**3,
}


def _size(text: str) -> int:
    """Bytes: ``1000000``, ``500MB``, ``2GiB``, ``300M``."""
    number = text.strip().rstrip("bB").rstrip()
    unit = number.lstrip("0123456789").lower()
    try:
        size = int(number[: len(number) - len(unit)]) * _SIZE_UNITS[unit]
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError(f"not a size in bytes (e.g. 500MB): {text!r}") from None
    if size <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 bytes, not {text}")
    return size


def _log_requests() -> None:
    """The simulator logs each request it answers; show them on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger(ACCESS_LOGGER)
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def serve(args: argparse.Namespace, out: Output) -> int:
    options: dict[str, object] = {"profile": args.profile, "sse": args.sse}
    if args.max_content_size is not None:
        options["max_content_size"] = args.max_content_size
    if not args.quiet:
        _log_requests()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with local_venue(port=args.port, **options) as url:
            if out.json_mode:
                out.json_line({"url": url})
            else:
                out.line(url)
            features = f"profile {args.profile}" + (", job event streams" if args.sse else "")
            out.note(f"Local Covia venue ({features}) at {url}")
            out.note(f"Try: COVIA_VENUE={url} covia ops    Ctrl-C stops it.")
            threading.Event().wait()
    except (KeyboardInterrupt, _Stop):
        pass
    except OSError as exc:  # the port is taken, …
        raise CliError(f"cannot serve on port {args.port}: {exc.strerror or exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    out.note("Venue stopped.")
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    # Not the common options: --venue, --token and --timeout mean nothing to a server.
    parser = commands.add_parser(
        "serve",
        help="run a local venue on loopback (Ctrl-C stops it)",
        description="Run a simulated venue on 127.0.0.1, to try everything offline.",
    )
    options = parser.add_argument_group("output")
    options.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the URL as JSON"
    )
    options.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    options.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--profile",
        choices=["0.1", "latest"],
        default="0.1",
        help="venue version to simulate (default 0.1)",
    )
    parser.add_argument("--sse", action="store_true", help="serve job event streams")
    parser.add_argument(
        "--max-content-size",
        type=_size,
        metavar="BYTES",
        help="largest content upload, e.g. 500MB or 2GiB (default 100 MiB, as the real venue)",
    )
    parser.set_defaults(handler=serve)
