"""get and put: content both ways, the hash checked, files whole or not at all."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import sys
from collections.abc import Iterator

import pytest

from covia import Grid, Venue
from covia.cli.app import run
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
    assert json.loads(result.err) == {
        "error": "--json reports on a saved file: add -o FILE",
        "exit_code": 2,
    }


@pytest.fixture
def uploads(monkeypatch) -> list[str]:
    """The asset ids the CLI uploads content to (the upload itself goes ahead)."""
    seen: list[str] = []
    original = Venue.put_asset_content

    def recording(self, asset_id, *args, **kwargs):
        seen.append(asset_id)
        return original(self, asset_id, *args, **kwargs)

    monkeypatch.setattr(Venue, "put_asset_content", recording)
    return seen


def test_a_file_that_does_not_match_the_metadata_is_refused_before_uploading(
    capsys, uploads, url, tmp_path
):
    asset_id = register(url, CONTENT)
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"something else")
    result = run_main(capsys, "--venue", url, "put", asset_id, str(wrong))
    assert result.code == 2
    digest = hashlib.sha256(b"something else").hexdigest()
    assert_one_line_error(
        result.err,
        f"{wrong} has sha256 {digest}, but asset {asset_id} declares",
        "not uploaded",
    )
    assert uploads == []  # nothing was sent


def test_an_asset_that_declares_no_hash_is_refused_before_uploading(capsys, uploads, url, source):
    with Grid.connect(url) as sdk:
        bare = sdk.register({"name": "no content declared"}).id
    result = run_main(capsys, "--venue", url, "put", bare, source)
    assert result.code == 2
    assert_one_line_error(result.err, "declares no content sha256", f"covia put {source}")
    assert uploads == []


def test_put_file_registers_a_new_asset_and_uploads_it(capsys, url, source):
    put = run_main(
        capsys, "--venue", url, "put", source, "--name", "From the CLI", "--content-type",
        "application/x-test",
    )  # fmt: skip
    assert put.code == 0, put.err
    asset_id = put.out.strip()
    digest = hashlib.sha256(CONTENT).hexdigest()
    assert f"Put {len(CONTENT)} bytes into a new asset {asset_id} (sha256 {digest}" in put.err
    with Grid.connect(url) as sdk:
        asset = sdk.get_asset(asset_id)
        assert asset.name == "From the CLI"
        assert asset.content is not None
        assert asset.content.sha256 == digest
        assert asset.content_type == "application/x-test"
        assert asset.content.size == len(CONTENT)
        assert asset.get_content() == CONTENT


def test_put_file_json_and_a_guessed_content_type(capsys, url, tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"a,b\n1,2\n")
    report = json.loads(run_main(capsys, "--venue", url, "--json", "put", str(path)).out)
    digest = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert report == {
        "id": report["id"], "file": str(path), "size": 8, "sha256": digest, "registered": True,
    }  # fmt: skip
    with Grid.connect(url) as sdk:
        asset = sdk.get_asset(report["id"])
    assert (asset.name, asset.content_type) == ("table.csv", "text/csv")


def test_new_asset_options_are_refused_with_an_asset_id(capsys, url, source):
    result = run_main(capsys, "--venue", url, "put", "ab" * 32, source, "--name", "x")
    assert result.code == 2
    assert_one_line_error(result.err, "--name, --description and --content-type are for")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_get_to_a_terminal_refuses_binary(monkeypatch, url):
    asset_id = register(url, CONTENT)
    terminal, err = _Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setattr(sys, "stderr", err)
    assert run(["--venue", url, "get", asset_id]) == 2
    assert terminal.getvalue() == ""
    assert "add -o FILE, or -o - to write it here" in err.getvalue()


def test_get_dash_writes_to_stdout(url):
    asset_id = register(url, CONTENT)
    with Grid.connect(url) as sdk:
        sdk.put_asset_content(asset_id, CONTENT)
    got = covia("--venue", url, "get", asset_id, "-o", "-", text=False)
    assert got.returncode == 0, got.stderr
    assert got.stdout == CONTENT


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
    assert_one_line_error(result.err, "network error", "truncated")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "data.bin"]


def test_the_progress_of_get_shows_the_total_the_venue_declares(monkeypatch, url, tmp_path):
    # The metadata declares no size: the total comes from the venue's Content-Length.
    asset_id = register(url, CONTENT)
    with Grid.connect(url) as sdk:
        sdk.put_asset_content(asset_id, CONTENT)
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert run(["--venue", url, "get", asset_id, "-o", str(tmp_path / "copy.bin")]) == 0
    last_frame = err.getvalue().rsplit("get ", 1)[-1]
    assert f"{len(CONTENT) / 1000:.1f}/{len(CONTENT) / 1000:.1f} kB" in last_frame


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
