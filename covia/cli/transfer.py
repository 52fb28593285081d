"""Content transfer: ``get ID [-o FILE]`` and ``put ID FILE``, with a progress bar.

``get`` checks the content's SHA-256 against the asset's metadata (the SDK does) and
writes ``-o FILE`` whole or not at all; without ``-o`` the bytes go to stdout. ``put``
streams the file; the venue checks it against the metadata's hash, and the CLI checks
that the hash the venue stored is the file's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from covia._files import AtomicFile
from covia.cli.errors import CliError, ExitCode
from covia.cli.progress import transfer_progress
from covia.cli.render import Output
from covia.cli.venue import VenueOptions, connect

__all__ = ["register"]

CHUNK = 64 * 1024


class _Counting:
    """A binary sink that reports each chunk written to it (the SDK writes downloads
    to anything with ``write``)."""

    def __init__(self, write: Callable[[bytes], Any], advance: Callable[[int], None]) -> None:
        self._write = write
        self._advance = advance

    def write(self, chunk: bytes) -> int:
        self._write(chunk)
        self._advance(len(chunk))
        return len(chunk)


def _sink(write: Callable[[bytes], Any], advance: Callable[[int], None]) -> IO[bytes]:
    return cast("IO[bytes]", _Counting(write, advance))


def _short(asset_id: str) -> str:
    return asset_id if len(asset_id) <= 16 else asset_id[:12] + "…"


def _open_target(path: str) -> AtomicFile:
    try:
        return AtomicFile(path)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def get(args: argparse.Namespace, out: Output) -> int:
    if out.json_mode and not args.output:
        raise CliError("--json reports on a saved file: add -o FILE")
    with connect(VenueOptions.from_args(args), out) as venue:
        asset = venue.get_asset(args.id)
        total = asset.content.size if asset.content is not None else None
        with transfer_progress(out, f"get {_short(asset.id)}", total) as advance:
            if args.output:
                target = _open_target(args.output)
                try:
                    result = asset.download(_sink(target.write, advance))
                except BaseException:
                    target.discard()
                    raise
                target.commit()
            else:
                out.stdout.flush()
                stdout: IO[bytes] = getattr(out.stdout, "buffer", sys.stdout.buffer)
                result = asset.download(_sink(stdout.write, advance))
                stdout.flush()
    checked = "verified" if result.verified else "not verified: the metadata declares none"
    if out.json_mode:
        out.json(
            {
                "id": asset.id,
                "file": args.output,
                "size": result.size,
                "sha256": result.sha256,
                "verified": result.verified,
            }
        )
    else:
        where = f" to {args.output}" if args.output else ""
        out.note(f"Got {result.size} bytes{where} (sha256 {result.sha256}, {checked})")
    return 0


def _chunks(file: IO[bytes], seen: Callable[[bytes], None]) -> Iterator[bytes]:
    """The file's chunks, each shown to ``seen`` as it is read."""
    while chunk := file.read(CHUNK):
        seen(chunk)
        yield chunk


def put(args: argparse.Namespace, out: Output) -> int:
    try:
        file = open(args.file, "rb")  # noqa: SIM115 (closed below, after the upload)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    with file, connect(VenueOptions.from_args(args), out) as venue:
        asset = venue.get_asset(args.id)
        size = os.fstat(file.fileno()).st_size
        hasher = hashlib.sha256()
        with transfer_progress(out, f"put {_short(asset.id)}", size) as advance:

            def seen(chunk: bytes) -> None:
                hasher.update(chunk)
                advance(len(chunk))

            stored = venue.put_asset_content(
                asset.id, _chunks(file, seen), content_type=asset.content_type
            )
    local = hasher.hexdigest()
    if stored.lower() != local:
        raise CliError(
            f"the venue stored sha256 {stored}, but the file's is {local}", ExitCode.VENUE
        )
    if out.json_mode:
        out.json({"id": asset.id, "file": args.file, "size": size, "sha256": stored})
    else:
        out.note(f"Put {size} bytes into asset {asset.id} (sha256 {stored}, verified)")
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "get",
        parents=[common],
        help="download an asset's content (hash checked)",
        description="Download ID's content, checking its SHA-256 against the metadata.",
    )
    parser.add_argument("id", metavar="ID", help="asset id")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    parser.set_defaults(handler=get)

    parser = commands.add_parser(
        "put",
        parents=[common],
        help="upload a file as an asset's content",
        description="Upload FILE as ID's content; the venue checks it against the metadata.",
    )
    parser.add_argument("id", metavar="ID", help="asset id")
    parser.add_argument("file", metavar="FILE", help="the file to upload")
    parser.set_defaults(handler=put)
