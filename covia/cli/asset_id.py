"""``asset-id FILE``: the id a venue gives the metadata in FILE (``-`` for stdin),
computed locally, without a venue: the SHA3-256 of its CAD3 encoding."""

from __future__ import annotations

import argparse
import sys

from covia.asset_id import compute_asset_id
from covia.cli.errors import CliError
from covia.cli.render import Output

__all__ = ["register"]


def _read(path: str) -> bytes:
    # Bytes, not text: the venue reads the body's bytes, invalid UTF-8 included.
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def asset_id(args: argparse.Namespace, out: Output) -> int:
    where = "stdin" if args.file == "-" else args.file
    try:
        ident = compute_asset_id(_read(args.file))
    except CliError:
        raise
    except ValueError as exc:  # CoviaUsageError: text the venue would refuse
        raise CliError(f"{where}: {exc}") from None
    if out.json_mode:
        out.json({"id": ident, "file": args.file})
    else:
        out.line(ident)
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "asset-id",
        parents=[common],
        help="compute the asset id of a metadata file, locally",
        description=(
            "Print the id a venue gives the JSON metadata in FILE when it is registered "
            "(SHA3-256 of its CAD3 encoding), computed without a venue."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the metadata JSON file; - for stdin")
    parser.set_defaults(handler=asset_id)
