"""The ``covia`` command line: its arguments, and running a command to an exit code.

The options every command takes (``--venue``, ``--token``, ``--json``, ``--debug``,
``--timeout``) may come before or after the command name. Argument errors, like every
other failure, print one line and exit 2 (see ``covia.cli.errors`` for the codes).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from covia.cli import asset_id, browse, demo, identity, managers, running, serve, transfer
from covia.cli.errors import CliError, ExitCode, describe
from covia.cli.render import Output, json_safe
from covia.cli.running import Interrupted
from covia.cli.venue import DEFAULT_TIMEOUT, VenueOptions
from covia_proto import __version__

__all__ = ["build_parser", "run"]

DESCRIPTION = """\
Look at a Covia venue, run its operations and move content, from a shell.

The venue is --venue URL|DID, else $COVIA_VENUE, else a fresh local venue started
for the command. --key FILE or $COVIA_KEY signs requests as an Ed25519 identity
(`covia key new` makes one); --token or $COVIA_TOKEN sends a bearer token. --json makes any
command print JSON for scripts (listings as {total, offset, items}; a failure as
{"error", "exit_code"} on stderr). `covia demo` walks through the SDK."""

EPILOG = """\
exit codes:
  0    success
  1    the venue answered with an error (unknown asset or job, bad request, ...)
  2    usage: bad arguments or input, unreadable file, nothing to connect to
  3    the venue could not be reached
  4    timeout
  5    the job did not complete (FAILED, CANCELLED, ...) or waits for input
  130  interrupted (Ctrl-C)"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other failure."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see: {self.prog} --help)", ExitCode.USAGE)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _add_common(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options of every command; a subcommand's copy sets nothing unless given,
    so that the same option before the command name is not overwritten."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("common options")
    group.add_argument(
        "--venue",
        metavar="URL|DID",
        default=default(None),
        help="the venue (default: $COVIA_VENUE, else a local venue for this command)",
    )
    group.add_argument(
        "--token",
        metavar="TOKEN",
        default=default(None),
        help="bearer token (default: $COVIA_TOKEN); never printed",
    )
    group.add_argument(
        "--key",
        metavar="FILE",
        default=default(None),
        help="Ed25519 key file to sign requests with (default: $COVIA_KEY)",
    )
    group.add_argument(
        "--json", action="store_true", default=default(False), help="print JSON, for scripts"
    )
    group.add_argument(
        "--timeout",
        type=_positive,
        metavar="SECONDS",
        default=default(DEFAULT_TIMEOUT),
        help=f"network timeout (default {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="log HTTP traffic and show tracebacks",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="covia",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"covia {__version__}")
    _add_common(parser, defaults=True)
    common = _Parser(add_help=False)
    _add_common(common, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (serve, browse, running, transfer, asset_id, demo, identity, managers):
        module.register(commands, common)
    return parser


def _debug_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("covia")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def _quiet_broken_pipe() -> None:
    """The reader of stdout went away (``covia jobs | head``): stop writing there
    without a second error at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` (default: ``sys.argv[1:]``); its exit code."""
    try:
        args = build_parser().parse_args(argv)
    except CliError as exc:
        given = sys.argv[1:] if argv is None else argv
        if "--json" in given:
            _json_error(Output(), exc.message, int(exc.code))
        else:
            Output().error(exc.message)
        return int(exc.code)
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else 0
    out = Output(json_mode=args.json)
    secrets = [VenueOptions.from_args(args).token or ""]
    if args.debug:
        _debug_logging()
    try:
        code: int = args.handler(args, out)
    except (Interrupted, KeyboardInterrupt):
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _quiet_broken_pipe()
        return int(ExitCode.OK)
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        code, line = describe(exc, secrets)
        if args.json:
            _json_error(out, line, code)
        else:
            out.error(line)
    return code


def _json_error(out: Output, message: str, code: int) -> None:
    """Under --json a failure is one JSON line on stderr, for scripts; stdout holds
    only results, so `covia … --json | jq` never parses an error as one."""
    record = {"error": message, "exit_code": code}
    out.stderr.write(json_safe(json.dumps(record, ensure_ascii=False)) + "\n")
    out.stderr.flush()
