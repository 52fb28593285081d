"""get and put: content both ways, the hash checked, files whole or not at all."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator

import pytest

from covia import Grid
from covia_proto.testing import FaultPlan, TruncateBody
from covia_proto.testing.server import BackgroundLoop, serve_venue
from tests.cli.helpers import assert_one_line_error, covia, run_main

CONTENT = b"line one\nline two\n\x00\xff binary too\n" * 1000


def register(url: str, content: bytes) -> str:
    metadata = {
        "name": "CLI test data",
        "content": {
            "contentType": "application/octet-stream",
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    }
    with Grid.connect(url) as sdk:
        return sdk.register(metadata).id


@pytest.fixture
def source(tmp_path) -> str:
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    return str(path)


def test_put_then_get_to_a_file(capsys, url, source, tmp_path):
    asset_id = register(url, CONTENT)
    put = run_main(capsys, "--venue", url, "put", asset_id, source)
    assert put.code == 0, put.err
    digest = hashlib.sha256(CONTENT).hexdigest()
    assert f"Put {len(CONTENT)} bytes into asset {asset_id} (sha256 {digest}, verified)" in put.err
    target = tmp_path / "copy.bin"
    got = run_main(capsys, "--venue", url, "get", asset_id, "-o", str(target))
    assert got.code == 0, got.err
    assert target.read_bytes() == CONTENT
    assert "verified" in got.err
    assert got.out == ""


def test_get_writes_the_bytes_to_stdout(url):
    asset_id = register(url, CONTENT)
    with Grid.connect(url) as sdk:
        sdk.put_asset_content(asset_id, CONTENT)
    got = covia("--venue", url, "get", asset_id, text=False)
    assert got.returncode == 0, got.stderr
    assert got.stdout == CONTENT


def test_json_reports(capsys, url, source, tmp_path):
    asset_id = register(url, CONTENT)
    put = json.loads(run_main(capsys, "--venue", url, "--json", "put", asset_id, source).out)
    digest = hashlib.sha256(CONTENT).hexdigest()
    assert put == {"id": asset_id, "file": source, "size": len(CONTENT), "sha256": digest}
    target = str(tmp_path / "copy.bin")
    got = json.loads(run_main(capsys, "--venue", url, "--json", "get", asset_id, "-o", target).out)
    assert got == {
        "id": asset_id,
        "file": target,
        "size": len(CONTENT),
        "sha256": digest,
        "verified": True,
    }


def test_get_json_needs_a_file(capsys, url):
    result = run_main(capsys, "--venue", url, "--json", "get", "ab" * 32)
    assert result.code == 2
    assert_one_line_error(result.err, "-o FILE")


def test_the_venue_refuses_content_that_does_not_match_the_metadata(capsys, url, tmp_path):
    asset_id = register(url, CONTENT)
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"something else")
    result = run_main(capsys, "--venue", url, "put", asset_id, str(wrong))
    assert result.code == 1
    assert_one_line_error(result.err, "hash mismatch")


def test_put_of_a_missing_file_is_a_usage_error(capsys, url, tmp_path):
    result = run_main(capsys, "--venue", url, "put", "ab" * 32, str(tmp_path / "nope.bin"))
    assert result.code == 2
    assert_one_line_error(result.err, "cannot read", "nope.bin")


def test_get_into_a_missing_folder_is_a_usage_error(capsys, url, tmp_path):
    asset_id = register(url, CONTENT)
    with Grid.connect(url) as sdk:
        sdk.put_asset_content(asset_id, CONTENT)
    target = tmp_path / "no" / "such" / "copy.bin"
    result = run_main(capsys, "--venue", url, "get", asset_id, "-o", str(target))
    assert result.code == 2
    assert_one_line_error(result.err, f"cannot write {target}: No such file or directory")


def test_unknown_assets_are_exit_1(capsys, url, source, tmp_path):
    missing = "cd" * 32
    for args in (["get", missing, "-o", str(tmp_path / "x")], ["put", missing, source]):
        result = run_main(capsys, "--venue", url, *args)
        assert result.code == 1
        assert_one_line_error(result.err, f"asset not found: {missing}")
    assert not (tmp_path / "x").exists()


@pytest.fixture
def cut_venue(_covia_loop: BackgroundLoop) -> Iterator[str]:
    """A venue whose content downloads always stop half way."""
    faults = FaultPlan()
    faults.add(TruncateBody(), method="GET", path=r"/content$")
    with serve_venue(loop=_covia_loop, faults=faults) as served:
        yield served.url


def test_a_broken_download_leaves_no_file(capsys, cut_venue, source, tmp_path):
    asset_id = register(cut_venue, CONTENT)
    assert run_main(capsys, "--venue", cut_venue, "put", asset_id, source).code == 0
    target = tmp_path / "copy.bin"
    result = run_main(capsys, "--venue", cut_venue, "get", asset_id, "-o", str(target))
    assert result.code == 3
    assert_one_line_error(result.err, "network error", "mid-response")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "data.bin"]


def test_get_over_an_existing_file_keeps_its_permissions(capsys, url, tmp_path):
    asset_id = register(url, CONTENT)
    with Grid.connect(url) as sdk:
        sdk.put_asset_content(asset_id, CONTENT)
    target = tmp_path / "private.bin"
    target.write_bytes(b"old")
    target.chmod(0o600)
    got = run_main(capsys, "--venue", url, "get", asset_id, "-o", str(target))
    assert got.code == 0, got.err
    assert target.read_bytes() == CONTENT
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_get_into_an_existing_folder_fails_and_leaves_no_partial_file(capsys, url, tmp_path):
    asset_id = register(url, CONTENT)
    with Grid.connect(url) as sdk:
        sdk.put_asset_content(asset_id, CONTENT)
    folder = tmp_path / "folder"
    (folder / "inside").mkdir(parents=True)
    got = run_main(capsys, "--venue", url, "get", asset_id, "-o", str(folder))
    assert got.code == 2, got.err
    assert_one_line_error(got.err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
    assert sorted(p.name for p in folder.iterdir()) == ["inside"]
