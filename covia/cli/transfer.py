"""Content transfer: ``get ID [-o FILE]``, ``put FILE`` and ``put ID FILE``, with a
progress bar (its total from the metadata, else the venue's ``Content-Length``).

``get`` checks the content's SHA-256 against the asset's metadata (the SDK does) and
writes ``-o FILE`` whole or not at all; ``-o -`` (or no ``-o`` off a terminal) writes
to stdout, and a terminal is never sent binary. ``put FILE`` registers a new asset
whose metadata declares the file's SHA-256, then uploads it; ``put ID FILE`` checks the
file against ID's declared hash before sending a byte. Both stream the file, and check
that the hash the venue stored is the file's.
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from covia._files import AtomicFile
from covia.cli.errors import CliError, ExitCode
from covia.cli.inputs import check_asset_reference
from covia.cli.progress import transfer_progress
from covia.cli.render import Output
from covia.cli.venue import VenueOptions, connect
from covia_proto.flows.assets import ContentDownload

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
    to_stdout = args.output in (None, "-")
    if out.json_mode and to_stdout:
        raise CliError("--json reports on a saved file: add -o FILE")
    if args.output is None and out.out_terminal:
        raise CliError(
            "content is bytes, not text for a terminal: add -o FILE, or -o - to write it here"
        )
    check_asset_reference(args.id)
    with connect(VenueOptions.from_args(args), out) as venue:
        asset = venue.get_asset(args.id)
        declared = asset.content.sha256 if asset.content is not None else None
        total = asset.content.size if asset.content is not None else None
        with transfer_progress(out, f"get {_short(asset.id)}", total) as meter:

            def download(sink: IO[bytes]) -> ContentDownload:
                return venue.download_asset_content(
                    asset.id,
                    sink,
                    verify=declared is not None,
                    expected_sha256=declared,
                    on_size=meter.set_total,
                )

            if not to_stdout:
                target = _open_target(args.output)
                try:
                    result = download(_sink(target.write, meter))
                except BaseException:
                    target.discard()
                    raise
                target.commit()
            else:
                out.stdout.flush()
                stdout: IO[bytes] = getattr(out.stdout, "buffer", sys.stdout.buffer)
                result = download(_sink(stdout.write, meter))
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
        where = "" if to_stdout else f" to {args.output}"
        out.note(f"Got {result.size} bytes{where} (sha256 {result.sha256}, {checked})")
    return 0


def _chunks(file: IO[bytes], seen: Callable[[bytes], None]) -> Iterator[bytes]:
    """The file's chunks, each shown to ``seen`` as it is read."""
    while chunk := file.read(CHUNK):
        seen(chunk)
        yield chunk


def _open_source(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def _file_hash(file: IO[bytes]) -> str:
    """The file's SHA-256, read from the start; the file is left at its start."""
    hasher = hashlib.sha256()
    while chunk := file.read(CHUNK):
        hasher.update(chunk)
    file.seek(0)
    return hasher.hexdigest()


def _file_metadata(args: argparse.Namespace, digest: str, size: int) -> dict[str, Any]:
    """Metadata for a new asset holding the file: the venue accepts content only when
    the metadata declares its SHA-256."""
    file_name = os.path.basename(args.target)
    content_type = args.content_type or (
        mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    )
    metadata: dict[str, Any] = {
        "name": args.name or file_name,
        "content": {
            "sha256": digest,
            "contentType": content_type,
            "fileName": file_name,
            "size": size,
        },
    }
    if args.description:
        metadata["description"] = args.description
    return metadata


def put(args: argparse.Namespace, out: Output) -> int:
    new_asset = args.file is None  # put FILE: register it; put ID FILE: fill ID
    path = args.target if new_asset else args.file
    if not new_asset and (args.name or args.content_type or args.description):
        raise CliError("--name, --description and --content-type are for `put FILE` (a new asset)")
    if not new_asset:
        check_asset_reference(args.target)
    file = _open_source(path)
    with file:
        size = os.fstat(file.fileno()).st_size
        local = _file_hash(file)  # checked before a byte is sent
        with connect(VenueOptions.from_args(args), out) as venue:
            if new_asset:
                asset = venue.register(_file_metadata(args, local, size))
            else:
                asset = venue.get_asset(args.target)
                _check_declared(
                    asset.id, asset.content.sha256 if asset.content else None, path, local
                )
            hasher = hashlib.sha256()
            with transfer_progress(out, f"put {_short(asset.id)}", size) as meter:

                def seen(chunk: bytes) -> None:
                    hasher.update(chunk)
                    meter(len(chunk))

                stored = venue.put_asset_content(
                    asset.id, _chunks(file, seen), content_type=asset.content_type
                )
    sent = hasher.hexdigest()
    if sent != local:
        raise CliError(f"{path} changed while it was uploaded", ExitCode.USAGE)
    if stored.lower() != local:
        raise CliError(
            f"the venue stored sha256 {stored}, but the file's is {local}", ExitCode.VENUE
        )
    if out.json_mode:
        report: dict[str, Any] = {"id": asset.id, "file": path, "size": size, "sha256": stored}
        if new_asset:
            report["registered"] = True
        out.json(report)
    else:
        what = "a new asset" if new_asset else "asset"
        out.note(f"Put {size} bytes into {what} {asset.id} (sha256 {stored}, verified)")
        if new_asset:
            out.line(asset.id)
    return 0


def _check_declared(asset_id: str, declared: str | None, path: str, local: str) -> None:
    """Refuse, before uploading, content the venue would refuse after it."""
    if declared is None:
        raise CliError(
            f"asset {asset_id} declares no content sha256, so the venue refuses any content "
            f"for it: register the file as a new asset with `covia put {path}`"
        )
    if declared != local:
        raise CliError(
            f"{path} has sha256 {local}, but asset {asset_id} declares {declared}: not uploaded"
        )


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
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE; - for stdout (the default, except to a terminal)",
    )
    parser.set_defaults(handler=get)

    parser = commands.add_parser(
        "put",
        parents=[common],
        help="upload a file: as a new asset (put FILE) or as ID's content (put ID FILE)",
        description=(
            "put FILE registers a new asset whose metadata declares the file's SHA-256 "
            "(name, content type, size) and uploads the file; its id is printed on stdout. "
            "put ID FILE uploads FILE as the content of asset ID, once its SHA-256 matches "
            "the one ID's metadata declares (checked before uploading)."
        ),
        usage="covia put [options] (FILE | ID FILE)",
    )
    parser.add_argument("target", metavar="FILE|ID", help="the file, or the asset id")
    parser.add_argument("file", metavar="FILE", nargs="?", help="the file, after an asset id")
    parser.add_argument("--name", help="the new asset's name (default: the file's name)")
    parser.add_argument("--description", help="the new asset's description")
    parser.add_argument(
        "--content-type",
        metavar="TYPE",
        help="the content's media type (default: guessed from the file's name)",
    )
    parser.set_defaults(handler=put)
