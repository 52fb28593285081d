"""``covia._files`` and content as streams: chunks in, chunks out, files written whole
or not at all, and the SHA-256 checked on the way."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pathlib
from collections.abc import Iterator

import pytest

from covia import ContentHashError, CoviaUsageError, VenueProtocolError
from covia._files import AtomicFile, check_writable, split_upload
from covia_proto.testing.faults import FaultPlan, TruncateBody
from tests.covia.helpers import Harness, memory_venue

BIG = bytes(range(256)) * 4096  # 1 MiB: more than one chunk on every transport


def _leftovers(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- the helpers -----------------------------------------------------------------------


def test_atomic_file_appears_only_on_commit(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out.bin"
    atomic = AtomicFile(target)
    atomic.write(b"abc")
    atomic.write(b"def")
    assert not target.exists()
    atomic.commit()
    assert target.read_bytes() == b"abcdef"
    assert _leftovers(tmp_path) == ["out.bin"]


def test_atomic_file_discard_leaves_nothing_and_keeps_an_old_file(tmp_path: pathlib.Path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous")
    atomic = AtomicFile(str(target))
    atomic.write(b"partial")
    atomic.discard()
    atomic.discard()  # twice is harmless
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("data", [b"raw", bytearray(b"raw"), memoryview(b"raw")])
def test_split_upload_bytes_like(data) -> None:
    body, stream = split_upload(data)
    assert (body, stream) == (b"raw", None)
    assert type(body) is bytes


def test_split_upload_file_and_chunks(tmp_path: pathlib.Path) -> None:
    binary = io.BytesIO(b"x")
    assert split_upload(binary) == (b"", binary)
    chunks = [b"a", b"b"]
    assert split_upload(chunks) == (b"", chunks)
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with path.open("rb") as handle:
        assert split_upload(handle)[1] is handle
    with path.open("r") as text, pytest.raises(CoviaUsageError, match="binary mode"):
        split_upload(text)


@pytest.mark.parametrize("bad", ["text", 42, None, object()])
def test_split_upload_refuses_what_is_not_bytes(bad) -> None:
    with pytest.raises(CoviaUsageError):
        split_upload(bad)


# -- over every transport ------------------------------------------------------------


def _artifact(harness: Harness, content: bytes, content_type: str = "application/x-test") -> str:
    digest = hashlib.sha256(content).hexdigest()
    metadata = {"name": "blob", "content": {"contentType": content_type, "sha256": digest}}
    return harness.venue.register(metadata).id


def _uploaded_types(harness: Harness) -> list[str | None]:
    return [r.header("Content-Type") for r in harness.driver.sent("PUT", "/content")]


def test_iterate_content_in_chunks(harness: Harness) -> None:
    asset_id = _artifact(harness, BIG)
    harness.venue.put_asset_content(asset_id, BIG)
    chunks = list(harness.venue.iter_asset_content(asset_id))
    assert len(chunks) > 1
    assert all(isinstance(c, bytes) for c in chunks)
    assert b"".join(chunks) == BIG


def test_upload_from_bytes_file_and_chunks(harness: Harness, tmp_path: pathlib.Path) -> None:
    venue = harness.venue
    digest = hashlib.sha256(BIG).hexdigest()
    source = tmp_path / "source.bin"
    source.write_bytes(BIG)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(BIG), 100_000):
            yield BIG[start : start + 100_000]

    uploads: list[object] = [BIG, bytearray(BIG), io.BytesIO(BIG), chunks()]
    for upload in uploads:
        asset_id = _artifact(harness, BIG)
        assert venue.put_asset_content(asset_id, upload) == digest  # type: ignore[arg-type]
        assert venue.get_asset_content(asset_id) == BIG
    with source.open("rb") as handle:
        assert venue.put_asset_content(asset_id, handle, content_type="text/x-mine") == digest
    assert _uploaded_types(harness) == ["application/octet-stream"] * 4 + ["text/x-mine"]


def test_asset_put_content_sends_the_metadata_content_type(harness: Harness) -> None:
    content = b"a,b\n1,2\n"
    asset_id = _artifact(harness, content, content_type="text/csv")
    asset = harness.venue.get_asset(asset_id)
    assert (
        asset.put_content(iter([content[:3], content[3:]])) == hashlib.sha256(content).hexdigest()
    )
    assert _uploaded_types(harness) == ["text/csv"]
    assert asset.get_content() == content


def test_download_to_a_path_and_a_file_object(harness: Harness, tmp_path: pathlib.Path) -> None:
    asset_id = _artifact(harness, BIG)
    harness.venue.put_asset_content(asset_id, BIG)
    target = tmp_path / "copy.bin"
    result = harness.venue.download_asset_content(asset_id, target)
    assert target.read_bytes() == BIG
    assert (result.size, result.verified) == (len(BIG), True)
    assert result.content_type == "application/x-test"
    assert _leftovers(tmp_path) == ["copy.bin"]
    with (tmp_path / "other.bin").open("wb") as handle:
        harness.venue.download_asset_content(asset_id, handle)
    assert (tmp_path / "other.bin").read_bytes() == BIG
    # A path given as a string works too.
    harness.venue.download_asset_content(asset_id, os.fspath(tmp_path / "third.bin"))
    assert (tmp_path / "third.bin").read_bytes() == BIG


def test_expected_sha256_mismatch_raises_and_leaves_no_file(
    harness: Harness, tmp_path: pathlib.Path
) -> None:
    asset_id = _artifact(harness, BIG)
    harness.venue.put_asset_content(asset_id, BIG)
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(ContentHashError) as caught:
        harness.venue.get_asset_content(asset_id, expected_sha256=wrong)
    assert isinstance(caught.value, VenueProtocolError)
    assert caught.value.expected == wrong
    assert caught.value.actual == hashlib.sha256(BIG).hexdigest()
    with pytest.raises(ContentHashError):
        harness.venue.download_asset_content(asset_id, tmp_path / "x.bin", expected_sha256=wrong)
    assert _leftovers(tmp_path) == []
    # Iterating yields the chunks, then raises after the last one.
    received: list[bytes] = []
    chunks = harness.venue.iter_asset_content(asset_id, expected_sha256=wrong)
    with pytest.raises(ContentHashError):
        received.extend(chunks)
    assert b"".join(received) == BIG
    # verify=False skips the check altogether.
    assert harness.venue.get_asset_content(asset_id, verify=False, expected_sha256=wrong) == BIG


def test_metadata_hash_is_checked_against_the_content_served(
    harness: Harness, tmp_path: pathlib.Path
) -> None:
    asset_id = _artifact(harness, BIG)
    harness.venue.put_asset_content(asset_id, BIG)
    digest = hashlib.sha256(BIG).hexdigest()
    tampered = BIG[:-1] + b"!"

    def tamper() -> None:
        harness.simulator.content._memory[digest] = tampered

    harness.sim(tamper)
    target = tmp_path / "tampered.bin"
    target.write_bytes(b"the old copy")
    with pytest.raises(ContentHashError) as caught:
        harness.venue.download_asset_content(asset_id, target)
    assert caught.value.expected == digest
    assert target.read_bytes() == b"the old copy"  # not replaced, no partial file
    assert _leftovers(tmp_path) == ["tampered.bin"]
    asset = harness.venue.get_asset(asset_id)
    with pytest.raises(ContentHashError):
        asset.get_content()
    with pytest.raises(ContentHashError):
        asset.download(tmp_path / "y.bin")
    assert _leftovers(tmp_path) == ["tampered.bin"]


def test_truncated_content_raises_and_leaves_no_file(tmp_path: pathlib.Path) -> None:
    faults = FaultPlan()
    mem = memory_venue(faults=faults)
    digest = hashlib.sha256(BIG).hexdigest()
    asset_id = mem.venue.register({"content": {"sha256": digest}}).id
    mem.venue.put_asset_content(asset_id, BIG)
    faults.add(TruncateBody(), method="GET", path=r"/content$")
    with pytest.raises(VenueProtocolError):
        mem.venue.download_asset_content(asset_id, tmp_path / "cut.bin", verify=False)
    assert _leftovers(tmp_path) == []
    mem.driver.assert_all_closed()


def test_breaking_out_of_content_iteration_closes_the_stream(harness: Harness) -> None:
    asset_id = _artifact(harness, BIG)
    harness.venue.put_asset_content(asset_id, BIG)
    chunks = harness.venue.iter_asset_content(asset_id)
    for _ in chunks:
        break
    chunks.close()
    harness.driver.assert_all_closed()


def test_download_into_a_missing_folder_fails_before_any_request(tmp_path: pathlib.Path):
    mem = memory_venue()
    before = len(mem.driver.requests)
    with pytest.raises(FileNotFoundError):
        mem.venue.download_asset_content("ab" * 32, tmp_path / "nope" / "x.bin")
    assert len(mem.driver.requests) == before


def test_a_plain_break_closes_the_stream_too(harness: Harness) -> None:
    asset_id = _artifact(harness, BIG)
    harness.venue.put_asset_content(asset_id, BIG)
    for chunk in harness.venue.iter_asset_content(asset_id):
        assert chunk
        break
    # The abandoned generator is closed as soon as it is dropped (CPython).
    harness.driver.assert_all_closed()
    with contextlib.closing(harness.venue.iter_asset_content(asset_id)) as chunks:
        assert next(chunks)
    harness.driver.assert_all_closed()


def test_a_downloaded_file_gets_ordinary_permissions(tmp_path: pathlib.Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    atomic = AtomicFile(tmp_path / "perm.bin")
    atomic.write(b"x")
    atomic.commit()
    assert (tmp_path / "perm.bin").stat().st_mode & 0o777 == 0o666 & ~umask


def test_download_into_a_text_file_is_refused_before_any_request(tmp_path: pathlib.Path):
    mem = memory_venue()
    before = len(mem.driver.requests)
    with (tmp_path / "t.txt").open("w") as text, pytest.raises(CoviaUsageError, match="binary"):
        mem.venue.download_asset_content("ab" * 32, text)  # type: ignore[arg-type]
    assert len(mem.driver.requests) == before


def test_check_writable() -> None:
    check_writable(io.BytesIO())
    with pytest.raises(CoviaUsageError):
        check_writable(io.StringIO())  # text, even without a mode
    with pytest.raises(CoviaUsageError):
        split_upload(io.StringIO("text"))


def test_atomic_file_over_an_existing_file_keeps_its_mode_from_the_start(tmp_path: pathlib.Path):
    target = tmp_path / "private.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic = AtomicFile(target)
    (part,) = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert part.stat().st_mode & 0o777 == 0o640  # before a byte is written
    atomic.write(b"new")
    atomic.commit()
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == ["private.bin"]


def test_atomic_file_whose_move_fails_leaves_nothing(tmp_path: pathlib.Path):
    folder = tmp_path / "folder"
    (folder / "inside").mkdir(parents=True)
    atomic = AtomicFile(folder)
    atomic.write(b"x" * 1000)
    with pytest.raises(OSError):  # noqa: PT011 - which one depends on the platform
        atomic.commit()
    assert _leftovers(tmp_path) == ["folder"]
