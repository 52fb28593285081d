"""covia._hashing: the SHA-256 a sync download makes in a second thread."""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Iterator

import pytest

from covia import _hashing
from covia._hashing import PipelinedSha256

WORKER = "covia-sha256"


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WORKER]


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds of a few bytes, so that small inputs go through the worker."""
    monkeypatch.setattr(_hashing, "INLINE_BYTES", 5)
    monkeypatch.setattr(_hashing, "BATCH_BYTES", 7)
    monkeypatch.setattr(_hashing, "ALONE_BYTES", 9)
    monkeypatch.setattr(_hashing, "MAX_PENDING", 1)
    monkeypatch.setattr(_hashing, "SPARE_CORE", True)


@pytest.fixture(autouse=True)
def no_worker_left() -> Iterator[None]:
    assert workers() == []
    yield
    assert workers() == []


@pytest.mark.parametrize(
    "chunks",
    [
        [],
        [b""],
        [b"abc"],
        [b"abcdef"],
        [b"ab", b"", b"cdefghij", b"k" * 40, b"l", b"mnop" * 3],
        [bytes([n]) * n for n in range(60)],
    ],
)
def test_the_digest_is_sha256s_of_the_chunks_in_order(small: None, chunks: list[bytes]) -> None:
    hasher = PipelinedSha256()
    for chunk in chunks:
        hasher.update(chunk)
    assert hasher.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()


def test_with_the_real_thresholds_a_large_input_is_hashed_in_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_hashing, "SPARE_CORE", True)  # even on a machine of one core
    chunk = bytes(range(256)) * 512  # 128 KiB
    hasher = PipelinedSha256()
    expected = hashlib.sha256()
    for n in range(40):  # 5 MiB: inline, then several batches
        piece = chunk[n:] + chunk[:n]
        hasher.update(piece)
        expected.update(piece)
        assert bool(workers()) == (n * len(chunk) >= _hashing.INLINE_BYTES)
    assert hasher.hexdigest() == expected.hexdigest()


def test_a_small_input_never_starts_a_worker(small: None) -> None:
    hasher = PipelinedSha256()
    hasher.update(b"1234")
    assert workers() == []
    assert hasher.hexdigest() == hashlib.sha256(b"1234").hexdigest()


def test_on_a_single_core_everything_is_hashed_inline(
    small: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_hashing, "SPARE_CORE", False)
    hasher = PipelinedSha256()
    for _ in range(10):
        hasher.update(b"0123456789")
        assert workers() == []
    assert hasher.hexdigest() == hashlib.sha256(b"0123456789" * 10).hexdigest()


def test_the_digest_ends_the_worker_and_hashing_can_go_on_after_it(small: None) -> None:
    hasher = PipelinedSha256()
    for _ in range(3):  # the first inline, the others to the worker
        hasher.update(b"0123456789")
    assert len(workers()) == 1
    first = hasher.hexdigest()
    assert workers() == []
    assert hasher.hexdigest() == first == hashlib.sha256(b"0123456789" * 3).hexdigest()
    hasher.update(b"more bytes, as hashlib allows")
    assert hasher.hexdigest() == (
        hashlib.sha256(b"0123456789" * 3 + b"more bytes, as hashlib allows").hexdigest()
    )


def test_close_ends_the_worker_without_a_digest_and_may_be_repeated(small: None) -> None:
    hasher = PipelinedSha256()
    for _ in range(10):
        hasher.update(b"0123456789")
    assert len(workers()) == 1
    hasher.close()
    assert workers() == []
    hasher.close()


def test_a_hasher_dropped_unclosed_ends_its_worker(small: None) -> None:
    hasher = PipelinedSha256()
    for _ in range(3):
        hasher.update(b"0123456789")
    [worker] = workers()
    del hasher
    gc.collect()
    worker.join(timeout=30)  # a bound for a failing test, not a measure of speed
    assert not worker.is_alive()


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What each ``update`` of the hash object was given, in order."""
    given: list[bytes] = []

    class Recording:
        def __init__(self) -> None:
            self._real = hashlib.new("sha256")

        def update(self, data: bytes) -> None:
            given.append(data)
            self._real.update(data)

        def hexdigest(self) -> str:
            return self._real.hexdigest()

    monkeypatch.setattr(hashlib, "sha256", Recording)
    return given


def test_a_batch_of_one_chunk_is_hashed_as_it_came_and_several_are_joined(
    small: None, hashed: list[bytes]
) -> None:
    whole = b"w" * 8  # a chunk as large as a batch (BATCH_BYTES 7): a batch of its own
    parts = [b"abc", b"defg"]  # together a batch
    hasher = PipelinedSha256()
    hasher._inline = _hashing.INLINE_BYTES  # past the inline part: the worker hashes
    hasher._batch_goal = _hashing.BATCH_BYTES
    for chunk in [whole, *parts]:
        hasher.update(chunk)
    assert hasher.hexdigest() == hashlib.new("sha256", whole + b"".join(parts)).hexdigest()
    assert hashed[0] is whole  # not a copy of it
    assert hashed[1:] == [b"abcdefg"]


def test_a_large_chunk_goes_alone_after_the_batch_before_it(
    small: None, hashed: list[bytes]
) -> None:
    large = b"L" * 9  # ALONE_BYTES 9
    hasher = PipelinedSha256()
    hasher._inline = _hashing.INLINE_BYTES  # past the inline part: the worker hashes
    for chunk in [b"ab", b"cd", large, b"ef", large]:
        hasher.update(chunk)
    expected = b"abcd" + large + b"ef" + large
    assert hasher.hexdigest() == hashlib.new("sha256", expected).hexdigest()
    assert hashed == [b"abcd", large, b"ef", large]
    assert hashed[1] is large  # handed over uncopied
    assert hashed[3] is large


def test_the_workers_batches_start_as_large_as_the_inline_part_and_double(
    monkeypatch: pytest.MonkeyPatch, hashed: list[bytes]
) -> None:
    monkeypatch.setattr(_hashing, "INLINE_BYTES", 2)
    monkeypatch.setattr(_hashing, "BATCH_BYTES", 8)
    monkeypatch.setattr(_hashing, "SPARE_CORE", True)
    data = bytes(range(38))
    hasher = PipelinedSha256()
    for byte in data:
        hasher.update(bytes([byte]))
    assert hasher.hexdigest() == hashlib.new("sha256", data).hexdigest()
    # Inline: two bytes; then the worker's batches of 2, 4, 8, 8, ... and the rest.
    assert [len(given) for given in hashed] == [1, 1, 2, 4, 8, 8, 8, 6]
    assert b"".join(hashed) == data


def test_a_failure_in_the_worker_is_raised_by_the_digest(
    small: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Failing:
        def update(self, data: bytes) -> None:
            raise MemoryError("no room to hash")

        def hexdigest(self) -> str:
            raise AssertionError("no digest after a failure")

    monkeypatch.setattr(hashlib, "sha256", Failing)
    hasher = PipelinedSha256()
    with pytest.raises(MemoryError):  # the inline part fails in the caller's thread
        hasher.update(b"0123456789")
    hasher = PipelinedSha256()
    hasher._inline = _hashing.INLINE_BYTES  # past the inline part: the worker hashes
    for _ in range(10):  # more batches than the queue holds: none of them waits forever
        hasher.update(b"0123456789")
    with pytest.raises(MemoryError, match="no room to hash"):
        hasher.hexdigest()
    assert workers() == []
