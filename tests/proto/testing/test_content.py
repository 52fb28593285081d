"""Content keyed by SHA-256, read and served chunk by chunk."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from covia_proto.testing.content import CHUNK, MEMORY_LIMIT, ContentStore


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(-1 if size is None else size)
        return super().read(size)


def _read_all(store: ContentStore, sha: str) -> tuple[bytes, int]:
    source = store.open(sha)
    parts = []
    while chunk := source.next_chunk():
        assert isinstance(chunk, bytes)
        parts.append(chunk)
    source.close()
    return b"".join(parts), max((len(p) for p in parts), default=0)


def test_small_content_stays_in_memory(tmp_path: Path) -> None:
    store = ContentStore(str(tmp_path))
    staged = store.stage(io.BytesIO(b"abc"), 100)
    assert staged is not None
    assert (staged.sha256, staged.size, staged.path) == (
        hashlib.sha256(b"abc").hexdigest(),
        3,
        None,
    )
    assert not store.has(staged.sha256)
    store.commit(staged)
    assert store.has(staged.sha256)
    assert _read_all(store, staged.sha256)[0] == b"abc"
    assert os.listdir(tmp_path) == []


def test_large_content_goes_to_disk_and_streams(tmp_path: Path) -> None:
    data = os.urandom(MEMORY_LIMIT * 3 + 17)
    reader = CountingReader(data)
    store = ContentStore(str(tmp_path))
    staged = store.stage(reader, len(data))
    assert staged is not None
    assert staged.data is None
    assert staged.path is not None
    assert set(reader.sizes) == {CHUNK}
    store.commit(staged)
    assert os.listdir(tmp_path) == [staged.sha256]
    assert store.size(staged.sha256) == len(data)
    out, biggest = _read_all(store, staged.sha256)
    assert out == data
    assert biggest == CHUNK


def test_two_readers_are_independent() -> None:
    store = ContentStore()
    sha = store.put_bytes(b"x" * (CHUNK + 5))
    one, two = store.open(sha), store.open(sha)
    assert one.next_chunk() == b"x" * CHUNK
    assert two.next_chunk() == b"x" * CHUNK
    assert one.next_chunk() == b"xxxxx"
    assert one.next_chunk() == b""
    store.close()


def test_over_the_limit_leaves_nothing_behind(tmp_path: Path) -> None:
    store = ContentStore(str(tmp_path))
    assert store.stage(io.BytesIO(b"y" * (MEMORY_LIMIT + CHUNK * 2)), MEMORY_LIMIT + 1) is None
    assert os.listdir(tmp_path) == []
    assert store.stage(io.BytesIO(b"y" * 11), 10) is None


def test_discard(tmp_path: Path) -> None:
    store = ContentStore(str(tmp_path))
    staged = store.stage(io.BytesIO(b"z" * (MEMORY_LIMIT + 1)), 10**9)
    assert staged is not None
    store.discard(staged)
    assert os.listdir(tmp_path) == []
    assert not store.has(staged.sha256)


def test_private_directory_is_removed_on_close() -> None:
    store = ContentStore()
    staged = store.stage(io.BytesIO(b"q" * (MEMORY_LIMIT + 1)), 10**9)
    assert staged is not None
    assert staged.path is not None
    store.commit(staged)
    directory = os.path.dirname(staged.path)
    assert os.path.isdir(directory)
    store.close()
    assert not os.path.exists(directory)


class FailingReader(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        if self.tell() > MEMORY_LIMIT:
            raise ConnectionResetError("client went away")
        return super().read(size)


def test_a_body_failing_mid_way_leaves_nothing(tmp_path: Path) -> None:
    store = ContentStore(str(tmp_path))
    with pytest.raises(ConnectionResetError):
        store.stage(FailingReader(b"w" * (MEMORY_LIMIT * 2)), 10**9)
    assert os.listdir(tmp_path) == []
