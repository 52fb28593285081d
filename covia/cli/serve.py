"""``covia serve``: a local venue on loopback, to try everything offline.

The venue is the SDK's simulator (``covia_proto.testing``): the test operations
(``v/test/ops/echo``, ``never``, ``delay``, …), assets, content and jobs, kept in
memory. Its URL is printed alone on stdout once it accepts connections (``--json``:
``{"url": …}``), so scripts can read it; Ctrl-C (or SIGTERM) stops it and the command
exits 0.
"""

from __future__ import annotations

import argparse
import signal
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


def serve(args: argparse.Namespace, out: Output) -> int:
    options = {"profile": args.profile, "sse": args.sse}
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
    parser = commands.add_parser(
        "serve",
        parents=[common],
        help="run a local venue on loopback (Ctrl-C stops it)",
        description="Run a simulated venue on 127.0.0.1, to try everything offline.",
    )
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
    parser.set_defaults(handler=serve)
