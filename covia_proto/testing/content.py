"""Asset content keyed by SHA-256 (venue-api.md §3.2.4–3.2.5, §5.2).

Bytes arrive and leave chunk by chunk: small content stays in memory, anything larger
goes to a file in ``storage_dir`` (or a private temporary directory), so a 1 GiB upload
or download never needs 1 GiB of memory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import weakref
from typing import IO, Final

import attrs

from covia_proto.testing.replies import BodySource

__all__ = ["CHUNK", "ContentStore", "Staged"]

CHUNK: Final = 65_536
MEMORY_LIMIT: Final = 256 * 1024  # larger content is kept on disk


@attrs.define(eq=False)
class Staged:
    """An upload read and hashed but not yet accepted."""

    sha256: str
    size: int
    data: bytes | None  # small content, or None when it was spilled to ``path``
    path: str | None


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def next_chunk(self) -> bytes:
        chunk = bytes(self._data[self._pos : self._pos + CHUNK])
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        self._pos = len(self._data)


class _FileSource:
    def __init__(self, path: str) -> None:
        self._path = path
        self._file: IO[bytes] | None = None
        self._done = False

    def next_chunk(self) -> bytes:
        if self._done:
            return b""
        if self._file is None:
            self._file = open(self._path, "rb")  # noqa: SIM115 - closed by close()
        chunk = self._file.read(CHUNK)
        if not chunk:
            self.close()
        return chunk

    def close(self) -> None:
        self._done = True
        if self._file is not None:
            self._file.close()
            self._file = None


class ContentStore:
    def __init__(self, storage_dir: str | None = None) -> None:
        self._dir = storage_dir
        self._memory: dict[str, bytes] = {}
        self._files: dict[str, str] = {}
        if storage_dir is not None:
            os.makedirs(storage_dir, exist_ok=True)
        self._cleanup: weakref.finalize[..., ContentStore] | None = None

    def _directory(self) -> str:
        if self._dir is None:
            # Removed when the store is closed or garbage-collected, with no warning.
            self._dir = tempfile.mkdtemp(prefix="covia-venue-")
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        return self._dir

    def has(self, sha256: str) -> bool:
        return sha256 in self._memory or sha256 in self._files

    def stage(self, body: IO[bytes], max_size: int) -> Staged | None:
        """Read and hash ``body``; None if it has more than ``max_size`` bytes."""
        digest = hashlib.sha256()
        size = 0
        buffer: list[bytes] = []
        spill: IO[bytes] | None = None
        path: str | None = None
        complete = False
        try:
            while chunk := body.read(CHUNK):
                size += len(chunk)
                if size > max_size:
                    return None
                digest.update(chunk)
                if spill is None and size > MEMORY_LIMIT:
                    fd, path = tempfile.mkstemp(dir=self._directory(), suffix=".part")
                    spill = os.fdopen(fd, "wb")
                    spill.writelines(buffer)
                    buffer.clear()
                if spill is not None:
                    spill.write(chunk)
                else:
                    buffer.append(chunk)
            complete = True
        finally:
            if spill is not None:
                spill.close()
            if not complete and path is not None:
                os.unlink(path)  # too large, or the body failed mid-way: leave nothing
        data = b"".join(buffer) if path is None else None
        return Staged(digest.hexdigest(), size, data, path)

    def commit(self, staged: Staged) -> None:
        if staged.path is None:
            self._memory[staged.sha256] = staged.data or b""
            return
        final = os.path.join(self._directory(), staged.sha256)
        os.replace(staged.path, final)
        self._files[staged.sha256] = final

    def discard(self, staged: Staged) -> None:
        if staged.path is not None and os.path.exists(staged.path):
            os.unlink(staged.path)

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` directly (seeding and test helpers)."""
        sha = hashlib.sha256(data).hexdigest()
        self._memory[sha] = data
        return sha

    def size(self, sha256: str) -> int:
        if sha256 in self._memory:
            return len(self._memory[sha256])
        return os.path.getsize(self._files[sha256])

    def open(self, sha256: str) -> BodySource:
        """A fresh reader of the content, independent of any other reader."""
        if sha256 in self._memory:
            return _BytesSource(self._memory[sha256])
        return _FileSource(self._files[sha256])

    def close(self) -> None:
        self._memory.clear()
        self._files.clear()
        if self._cleanup is not None:
            self._cleanup()
