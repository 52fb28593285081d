"""Content to and from files: shared by the sync and async shells."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import AsyncIterable, Iterable
from typing import IO, Any

from covia_proto.errors import CoviaUsageError

__all__ = ["AtomicFile", "Destination", "check_writable", "split_upload"]

Destination = str | os.PathLike[str] | IO[bytes]


class AtomicFile:
    """Writes content next to ``path`` and moves it into place only when ``commit`` is
    called, so a failed or tampered download never leaves a partial file behind.

    A new file gets the permissions any new file would (``0o666`` less the umask), not
    the owner-only ones of ``tempfile.mkstemp``; a file written over keeps its own (a
    ``0600`` file of secrets stays ``0600``). If the final move fails (``path`` is a
    folder, say), the partial file is removed before the error is raised.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(self.path))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            name = f".covia-{os.urandom(6).hex()}.part"
            self._temp = os.path.join(folder, name)
            try:
                fd = os.open(self._temp, flags, 0o666)
            except FileExistsError:
                continue
            break
        try:
            keep = _mode_of_existing_file(self.path)
            if keep is not None:
                # Set before a byte is written, so the content is never more readable
                # than the file it replaces.
                os.chmod(self._temp, keep)
        except BaseException:
            os.close(fd)
            os.unlink(self._temp)
            raise
        self._file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def commit(self) -> None:
        try:
            self._file.close()
            os.replace(self._temp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._temp)


def _mode_of_existing_file(path: str) -> int | None:
    """The permission bits of the regular file at ``path``, if there is one."""
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stat.S_IMODE(found.st_mode) if stat.S_ISREG(found.st_mode) else None


def _is_text(stream: Any) -> bool:
    mode = getattr(stream, "mode", "b")
    return isinstance(stream, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode)


def check_writable(destination: Any) -> None:
    """Refuse a download destination opened in text mode, before any request."""
    if _is_text(destination):
        raise CoviaUsageError("open the file in binary mode ('wb') to download into it")


def split_upload(data: Any) -> tuple[bytes, object]:
    """Content as the upload flow takes it: ``(bytes, None)`` for bytes-like data, or
    ``(b"", stream)`` for a binary file object or an iterable of byte chunks."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data), None
    if isinstance(data, str):
        raise CoviaUsageError(
            "content must be bytes, a binary file or chunks of bytes; encode text first"
        )
    if hasattr(data, "read"):
        if _is_text(data):
            raise CoviaUsageError("open the file in binary mode ('rb') to upload it")
        return b"", data
    if isinstance(data, Iterable | AsyncIterable):
        return b"", data
    raise CoviaUsageError(f"cannot upload {type(data).__name__}: give bytes, a file or chunks")
